//! Keeping the index derived from the database: a full rebuild, and a follower of the change log.
//!
//! Every product write appends to `product_change` in its transaction. The follower reads the log from
//! the index's last applied sequence, reloads the changed products and replaces them in the index
//! (published ones back in, others out). It wakes at once on changes made in this process, and on whatever
//! else signals the store's [`Store::change_signal`] (the web server's Redis subscriber, when other servers
//! announce their commits there), and polls at a set interval for changes nobody announced (an import,
//! another server without Redis, messages lost while Redis was away), so a change reaches search well
//! within a second when announced and within the poll interval when not. Each batch goes to the index and, first, to every
//! [`Listener`] (the matching engine), so they see each change together.
//!
//! A rebuild reads every product into a new generation of the index and swaps it in whole, recording the
//! log sequence read before it started; the follower then goes on from there, so a change made during the
//! rebuild is applied after it. While the index is unusable (damaged, being rebuilt) the follower still tells
//! the listeners of every change: matching never waits for the index.

use crate::{Catalogue, CatalogueError, Health, Opened, Rebuild};
use finmart_domain::changes::Listener;
use finmart_domain::{LifecycleState, Product};
use finmart_store::Store;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// The poll when nothing announces other processes' changes: it alone brings them within a second.
pub const POLL_INTERVAL: Duration = Duration::from_millis(400);
/// The poll when other servers announce their changes (Redis): only the safety net for lost messages.
pub const ANNOUNCED_POLL_INTERVAL: Duration = Duration::from_secs(2);
const PAGE: u64 = 500;

/// Every published product, read page by page (to fill a [`Listener`] at start); `progress(read)` is
/// called with how many products (listed or not) have been read so far.
///
/// # Errors
/// Database failure.
pub async fn listed_products(
    store: &Store,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<Product>, CatalogueError> {
    let (mut all, mut after, mut read) = (Vec::new(), 0, 0);
    loop {
        let page = store.products_after(after, PAGE).await?;
        let Some(last) = page.last() else { return Ok(all) };
        after = last.id;
        read += page.len() as u64;
        all.extend(page.into_iter().filter(listed));
        progress(read);
    }
}

/// Where [`published_products`] read the products from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The live index's stored copies.
    Index,
    /// The database, page by page (the index was unusable, or its copies differed from the database).
    Database,
}

impl ReadFrom {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Index => "index",
            Self::Database => "database",
        }
    }
}

/// How many of the index's copies (spread over the ids) are compared with the database before a listener is
/// loaded from them: about 20 ms of reading at 100,000 products.
const CHECKED: usize = 1_000;
/// With more changes than this logged since the index's position, its copies are not compared (the changed
/// products cannot all be set aside) and the database is read instead.
const SET_ASIDE: u64 = 10_000;

/// Every published product, to fill a [`Listener`] at start: from the live index's stored copies when it is
/// usable and they agree with the database, else from the database ([`listed_products`]). The copies cost a
/// fraction of the database's read: one parse a product against a row of columns and its areas,
/// institutions and reference rates.
///
/// The copies are what the database gave when each product last changed (a new reference-rate publication
/// or an institution's new name re-announces the products it touches), and reflect the change log up to
/// [`Catalogue::applied_seq`] or later. So, as with a read of the database, the listener must already be
/// among those the follower tells (it is told every change before the index applies it), and apply what it
/// was told over what this returns.
///
/// Before they are used, [`CHECKED`] of them are compared with the database's products and, when nothing
/// was logged since the index's position, their number with the database's listed products: copies written
/// by a version that stored products differently (a field it did not have) would otherwise be loaded
/// as they are. When they differ the database is read, and the index is rebuilt in the background (telling
/// `listeners` of the changes it then catches up with).
///
/// # Errors
/// Database failure (the index's own failures are a reason to read the database instead).
pub async fn published_products(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    listeners: &[Arc<dyn Listener>],
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(Vec<Product>, ReadFrom), CatalogueError> {
    let position = catalogue.applied_seq();
    let c = Arc::clone(catalogue);
    let why = match blocking(move || c.products()).await {
        Ok(products) => match compare_with_database(store, &products, position).await? {
            Comparison::Agrees => {
                progress(products.len() as u64);
                return Ok((products, ReadFrom::Index));
            }
            Comparison::Unchecked(why) => why,
            Comparison::Differs(why) => {
                tracing::error!(
                    difference = why,
                    "the search index's copies of the products differ from the database; rebuilding the index"
                );
                start_rebuild(store, catalogue, listeners);
                why
            }
        },
        Err(e) => e.to_string(),
    };
    tracing::info!(reason = why, "reading the products from the database rather than the search index");
    Ok((listed_products(store, progress).await?, ReadFrom::Database))
}

/// What comparing the index's copies with the database found.
enum Comparison {
    Agrees,
    /// Not compared (why): too much changed since the index's position.
    Unchecked(String),
    /// A difference no logged change explains (the first found).
    Differs(String),
}

/// Compares a sample of `copies` (the index's, at change-log `position` or later) with the database. A
/// product changed after `position` is set aside: the index may not have applied it yet. The changes are
/// read after the database's products, so every product changed before that read is among them.
async fn compare_with_database(store: &Store, copies: &[Product], position: i64) -> Result<Comparison, CatalogueError> {
    let stride = (copies.len() / CHECKED).max(1);
    let sample: Vec<&Product> = copies.iter().step_by(stride).collect();
    let ids: Vec<i64> = sample.iter().map(|p| p.id).collect();
    let stored: HashMap<i64, Product> = store.products(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let listed_now = store.count_products(Some(LifecycleState::Published)).await?;
    let changed = store.changes_after(position, SET_ASIDE + 1).await?;
    if changed.len() as u64 > SET_ASIDE {
        return Ok(Comparison::Unchecked(format!("more than {SET_ASIDE} changes since the index's position")));
    }
    let aside: HashSet<i64> = changed.iter().map(|c| c.product_id).collect();
    for copy in sample.into_iter().filter(|p| !aside.contains(&p.id)) {
        let id = copy.id;
        let difference = match stored.get(&id) {
            None => format!("product {id} is in the index but not in the database"),
            Some(p) if !listed(p) => format!("product {id} is in the index but {:?} in the database", p.state),
            Some(p) if p != copy => format!("the index's copy of product {id} is not the database's"),
            Some(_) => continue,
        };
        return Ok(Comparison::Differs(difference));
    }
    if changed.is_empty() && listed_now != copies.len() as u64 {
        let held = copies.len();
        return Ok(Comparison::Differs(format!("the index holds {held} products, the database lists {listed_now}")));
    }
    Ok(Comparison::Agrees)
}

/// Whether a product belongs in the index (validity windows are applied at query time).
fn listed(product: &Product) -> bool {
    product.state == LifecycleState::Published
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CatalogueError> + Send + 'static,
) -> Result<T, CatalogueError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| CatalogueError::Worker(e.to_string()))?
}

/// Rebuilds the index from the database into a new generation and swaps it in. `progress(done, total)` is
/// called as products are read. Returns how many products it indexed.
///
/// # Errors
/// [`CatalogueError::RebuildUnderWay`]; database or index failure (the live generation stays as it was).
pub async fn rebuild(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<u64, CatalogueError> {
    let claim = catalogue.claim_rebuild().ok_or(CatalogueError::RebuildUnderWay)?;
    build(store, &claim, progress, false).await
}

async fn build(
    store: &Store,
    claim: &Rebuild,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    keep_earlier: bool,
) -> Result<u64, CatalogueError> {
    // Read the log position first: changes made while we read are applied again by the follower.
    let seq = store.last_change_seq().await?;
    let total = store.count_products(None).await?;
    let c = Arc::clone(claim.catalogue());
    let fresh = Arc::new(blocking(move || c.new_generation()).await?);
    let (mut after, mut done, mut indexed) = (0, 0, 0);
    loop {
        let page = store.products_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        done += page.len() as u64;
        let listed: Vec<Product> = page.into_iter().filter(listed).collect();
        indexed += listed.len() as u64;
        let g = Arc::clone(&fresh);
        blocking(move || g.add(&listed)).await?;
        claim.progress(indexed, done, total);
        progress(done, total);
    }
    let c = Arc::clone(claim.catalogue());
    blocking(move || {
        fresh.commit(seq)?;
        let fresh = Arc::into_inner(fresh)
            .ok_or_else(|| CatalogueError::Worker("the new index generation is still shared".to_owned()))?;
        c.install(fresh, seq, keep_earlier)
    })
    .await?;
    Ok(indexed)
}

/// Applies every change logged after the index's applied sequence, to the index and to each listener.
/// Returns how many entries it applied.
///
/// # Errors
/// Database or index failure.
pub async fn catch_up(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    listeners: &[Arc<dyn Listener>],
) -> Result<usize, CatalogueError> {
    let mut read = 0;
    loop {
        let from = catalogue.applied_seq();
        let changes = store.changes_after(from, 1_000).await?;
        let Some(last) = changes.last().map(|c| c.seq) else { return Ok(read) };
        let mut ids: Vec<i64> = changes.iter().map(|c| c.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let products: Vec<Product> = store.products(&ids).await?.into_iter().filter(listed).collect();
        let c = Arc::clone(catalogue);
        let listeners = listeners.to_vec();
        // Rebuilding a listener's derived form can take tens of milliseconds on a large catalogue: off the
        // async threads, like the index commit.
        if blocking(move || c.apply(from, &ids, &products, last, &listeners)).await? {
            read += changes.len();
        }
    }
}

/// Brings the index up to date at start: built before serving when it was missing or stale, else caught
/// up. A damaged one is left unusable (the caller starts [`start_repair`] once its listeners are loaded,
/// from the log's head as read here).
///
/// # Errors
/// Database or index failure.
pub async fn prepare(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<(), CatalogueError> {
    match catalogue.opened() {
        Opened::Missing | Opened::Stale(_) => {
            let n = rebuild(store, catalogue, progress).await?;
            tracing::info!(products = n, "search index rebuilt from the database");
        }
        Opened::Usable => {
            let n = catch_up(store, catalogue, &[]).await?;
            tracing::info!(changes = n, "search index caught up with the database");
        }
        // Whatever follows the log beside the index is loaded from the database after this, so it starts at
        // the log's head; the repair's generation will reflect at least as much.
        Opened::Damaged(_) => catalogue.follow_from(store.last_change_seq().await?),
    }
    Ok(())
}

/// Starts rebuilding the index in the background when it is unusable and no rebuild is under way: the new
/// generation is swapped in when complete, then it and the listeners catch up with the log. Returns
/// whether it started one. Called by whatever finds the index unusable (a search, the follower's poll,
/// the start), so there is one rebuild however many searches fail.
pub fn start_repair(store: &Store, catalogue: &Arc<Catalogue>, listeners: &[Arc<dyn Listener>]) -> bool {
    if catalogue.health() == Health::Ready {
        return false;
    }
    let Some(claim) = catalogue.claim_rebuild() else { return false };
    if catalogue.health() == Health::Ready {
        // Another rebuild finished between the two looks.
        return false;
    }
    spawn_rebuild(store, claim, listeners);
    true
}

/// Starts rebuilding a usable index whose content is wrong (it keeps serving meanwhile), unless a rebuild
/// is under way.
fn start_rebuild(store: &Store, catalogue: &Arc<Catalogue>, listeners: &[Arc<dyn Listener>]) {
    if let Some(claim) = catalogue.claim_rebuild() {
        spawn_rebuild(store, claim, listeners);
    }
}

/// Builds a new generation in the background, swaps it in, then catches it and the listeners up with the
/// log from the position the build read (so they are told again of what changed meanwhile).
fn spawn_rebuild(store: &Store, claim: Rebuild, listeners: &[Arc<dyn Listener>]) {
    let (store, listeners) = (store.clone(), listeners.to_vec());
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        tracing::info!("rebuilding the search index from the database");
        match build(&store, &claim, &|_, _| {}, true).await {
            Ok(n) => tracing::info!(
                products = n,
                seconds = started.elapsed().as_secs_f64(),
                "search index rebuilt from the database; searches are served again"
            ),
            Err(e) => {
                tracing::error!(error = %e, "search index could not be rebuilt; the next search or poll tries again");
                return;
            }
        }
        let catalogue = Arc::clone(claim.catalogue());
        drop(claim);
        if let Err(e) = catch_up(&store, &catalogue, &listeners).await {
            tracing::warn!(error = %e, "rebuilt search index could not catch up yet; the follower retries");
        }
    });
}

/// Follows the change log until the task is dropped or aborted, and starts a repair of an unusable index:
/// at once when the store's change signal fires, and every `poll` otherwise.
pub async fn follow(store: Store, catalogue: Arc<Catalogue>, listeners: Vec<Arc<dyn Listener>>, poll: Duration) {
    let signal = store.change_signal();
    loop {
        start_repair(&store, &catalogue, &listeners);
        if let Err(e) = catch_up(&store, &catalogue, &listeners).await {
            tracing::warn!(error = %e, "search index could not apply database changes; retrying");
        }
        tokio::select! {
            () = signal.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}
