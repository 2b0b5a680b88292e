//! Keeping the index derived from the database: a full rebuild, and a follower of the change log.
//!
//! Every product write appends to `product_change` in its transaction. The follower reads the log from
//! the index's last applied sequence, reloads the changed products and replaces them in the index
//! (published ones back in, others out). It wakes at once on changes made in this process and polls every
//! [`POLL_INTERVAL`] for changes made by other processes (an import, another server), so a change reaches
//! search well within a second either way. Each batch goes to the index and, first, to every
//! [`Listener`] (the matching engine), so they see each change together.

use crate::{Catalogue, CatalogueError};
use finmart_domain::changes::Listener;
use finmart_domain::{LifecycleState, Product};
use finmart_store::Store;
use std::sync::Arc;
use std::time::Duration;

pub const POLL_INTERVAL: Duration = Duration::from_millis(400);
const PAGE: u64 = 500;

/// Every published product, read page by page (to fill a [`Listener`] at start).
///
/// # Errors
/// Database failure.
pub async fn listed_products(store: &Store) -> Result<Vec<Product>, CatalogueError> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store.products_after(after, PAGE).await?;
        let Some(last) = page.last() else { return Ok(all) };
        after = last.id;
        all.extend(page.into_iter().filter(listed));
    }
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

/// Rebuilds the index from the database. `progress(done, total)` is called as products are read.
///
/// # Errors
/// Database or index failure.
pub async fn rebuild(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<u64, CatalogueError> {
    // Read the log position first: changes made while we read are applied again by the follower.
    let seq = store.last_change_seq().await?;
    let total = store.count_products(None).await?;
    let c = Arc::clone(catalogue);
    blocking(move || c.begin_rebuild()).await?;
    let (mut after, mut done, mut indexed) = (0, 0, 0);
    loop {
        let page = store.products_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        done += page.len() as u64;
        let listed: Vec<Product> = page.into_iter().filter(listed).collect();
        indexed += listed.len() as u64;
        let c = Arc::clone(catalogue);
        blocking(move || c.add(&listed)).await?;
        progress(done, total);
    }
    let c = Arc::clone(catalogue);
    blocking(move || c.commit_rebuild(seq)).await?;
    Ok(indexed)
}

/// Applies every change logged after the index's applied sequence, to the index and to each listener.
/// Returns how many entries it read.
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
        let changes = store.changes_after(catalogue.applied_seq(), 1_000).await?;
        let Some(last) = changes.last().map(|c| c.seq) else { return Ok(read) };
        read += changes.len();
        let mut ids: Vec<i64> = changes.iter().map(|c| c.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let products: Vec<Product> = store.products(&ids).await?.into_iter().filter(listed).collect();
        let c = Arc::clone(catalogue);
        let listeners = listeners.to_vec();
        // Rebuilding a listener's derived form can take tens of milliseconds on a large catalogue: off the
        // async threads, like the index commit.
        blocking(move || {
            for listener in &listeners {
                listener.replaced(&ids, &products);
            }
            c.apply(&ids, &products, last)
        })
        .await?;
    }
}

/// Brings the index up to date at start: a rebuild when it was (re)created empty, else a catch-up.
///
/// # Errors
/// Database or index failure.
pub async fn prepare(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<(), CatalogueError> {
    if catalogue.needs_rebuild() {
        let n = rebuild(store, catalogue, progress).await?;
        tracing::info!(products = n, "search index rebuilt from the database");
    } else {
        let n = catch_up(store, catalogue, &[]).await?;
        tracing::info!(changes = n, "search index caught up with the database");
    }
    Ok(())
}

/// Follows the change log until the task is dropped or aborted.
pub async fn follow(store: Store, catalogue: Arc<Catalogue>, listeners: Vec<Arc<dyn Listener>>) {
    let signal = store.change_signal();
    loop {
        if let Err(e) = catch_up(&store, &catalogue, &listeners).await {
            tracing::warn!(error = %e, "search index could not apply database changes; retrying");
        }
        tokio::select! {
            () = signal.notified() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}
