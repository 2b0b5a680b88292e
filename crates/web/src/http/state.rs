//! The application: everything a request needs, built once at start and shared.

use crate::config::Config;
use crate::http::auth::sessions::Sessions;
use crate::http::error::ApiError;
use crate::http::kept::Keeper;
use crate::http::metrics::Metrics;
use crate::http::rate_limit::RateLimits;
use crate::http::search_log::SearchLog;
use crate::http::templates::Templates;
use crate::http::warm_up::{MatcherGate, WarmUp};
use chrono::NaiveDate;
use finmart_catalogue::{Catalogue, CatalogueError, sync};
use finmart_domain::changes::Listener;
use finmart_domain::{EnterpriseProfile, FinancingNeed, Labelled, Product, SourcedFact, Uscc};
use finmart_matching::{Judgement, Loan, MatchOutcome, MatchRequest, Matcher, ProfilePool, Verified};
use finmart_store::{AuditEvent, FactFigures, Store, StoredEnterprise};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The shared application state, extracted by handlers with `State`.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub catalogue: Arc<Catalogue>,
    pub templates: Templates,
    /// Where sessions are kept (the database, or Redis).
    pub sessions: Sessions,
    /// The JSON API's rate limits (shared through the sessions' Redis when there is one).
    pub rate_limits: RateLimits,
    /// The queue of searches to log for the operator's demand figures, and its writer.
    pub search_log: SearchLog,
    /// What `/metrics` shows: this application's own registry.
    pub metrics: Metrics,
    /// Every published product, compiled for matching; follows the change log with the index (through
    /// `matcher_gate`). Loaded after the start: read it through [`App::loaded_matcher`].
    pub matcher: Arc<Matcher>,
    matcher_gate: Arc<MatcherGate>,
    /// How far the matcher and the pool have loaded.
    pub warm_up: WarmUp,
    /// Every stored firm, flagged open when it consented to be found by every institution, for reverse
    /// matching (firms that consented to some institutions only are filtered per request), each judged with
    /// its verified facts as its own match judges it. Loaded after the start ([`App::load_pool`]); a batch of
    /// facts gives the firms it is about a new revision, so [`App::refresh_pool`] re-reads them.
    pub pool: Arc<ProfilePool>,
    /// Held while the pool applies changes, so they (the poller's, a request's, a reload's swap) never
    /// interleave. A whole reload reads without it, so requests never wait for one.
    pool_refresh: tokio::sync::Mutex<()>,
    /// The enterprise revision the pool reflects, and the day its firms' ages were computed on.
    pool_revision: AtomicI64,
    pool_day: Mutex<Option<NaiveDate>>,
    /// The operator's figures on verified facts (the coverage over every stored firm, the providers'
    /// freshness over every fact), kept for the revisions and the day they were computed for (tens of
    /// seconds at a million firms): `Store::fact_figures_revision` and today.
    pub fact_figures: Keeper<(i64, i64, NaiveDate), FactFigures>,
    /// Institution names by id, for facet labels, and the index's change sequence they were read at.
    institution_names: RwLock<(i64, HashMap<i64, String>)>,
}

/// How often the pool's load reports its progress (rows).
const POOL_PROGRESS_EVERY: u64 = 10_000;
/// How many of a snapshot's firms are compared with the database before the snapshot is used.
const SNAPSHOT_SAMPLE: usize = 500;
/// How many products a match scores the stated purpose against (the rest score no relevance).
const RELEVANCE_DEPTH: usize = 500;

/// Today in Tianjin: validity windows are calendar days there.
pub use finmart_domain::shanghai::today;

impl App {
    /// The application; its search-log writer is spawned on the current Tokio runtime.
    pub fn new(
        config: Config,
        store: Store,
        catalogue: Arc<Catalogue>,
        matcher: Arc<Matcher>,
        sessions: Sessions,
        templates: Templates,
    ) -> Self {
        let rate_limits = RateLimits::new(&config, sessions.redis_pool());
        let metrics = Metrics::new();
        let search_log = SearchLog::start(store.clone(), config.search_log_queue as usize, metrics.search_log.clone());
        Self {
            config,
            store,
            sessions,
            rate_limits,
            search_log,
            metrics,
            catalogue,
            templates,
            matcher_gate: Arc::new(MatcherGate::new(Arc::clone(&matcher))),
            matcher,
            warm_up: WarmUp::default(),
            pool: Arc::new(ProfilePool::new()),
            pool_refresh: tokio::sync::Mutex::new(()),
            pool_revision: AtomicI64::new(0),
            pool_day: Mutex::new(None),
            fact_figures: Keeper::default(),
            institution_names: RwLock::new((-1, HashMap::new())),
        }
    }

    /// What follows the product change log besides the index.
    #[must_use]
    pub fn listeners(&self) -> Vec<Arc<dyn Listener>> {
        vec![Arc::clone(&self.matcher_gate) as Arc<dyn Listener>]
    }

    /// Loads what is loaded after the start, the matcher's book and the pool, side by side (neither needs
    /// the other: one reads the products, the other the firms). The server runs this in the background
    /// while it answers; until each part is loaded, what needs it answers 503 `warming_up`.
    ///
    /// # Errors
    /// Database failure (the part stays loading; calling this again tries again).
    pub async fn warm_up(&self) -> Result<(), ApiError> {
        let matcher = async {
            if !self.warm_up.matcher.is_loaded() {
                self.load_matcher().await?;
            }
            Ok::<(), ApiError>(())
        };
        let pool = async {
            if !self.warm_up.pool.is_loaded() {
                let firms = self.start_pool().await?;
                tracing::info!(firms, findable = self.pool.len(), "reverse-matching pool ready");
            }
            Ok(())
        };
        let (matcher, pool) = tokio::join!(matcher, pool);
        matcher.and(pool)
    }

    /// Reads every listed product (from the index's stored copies when it is usable and a sample of them
    /// agrees with the database, else from the database: [`sync::published_products`]) and installs them as
    /// the matcher's book, with the changes the follower told meanwhile (see [`MatcherGate`]).
    async fn load_matcher(&self) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let part = &self.warm_up.matcher;
        let total = self.store.count_products(None).await?;
        part.progress(0, total);
        let (listed, from) = sync::published_products(&self.store, &self.catalogue, &self.listeners(), &|read| {
            part.progress(read, total)
        })
        .await?;
        let read = started.elapsed().as_secs_f64();
        let gate = Arc::clone(&self.matcher_gate);
        tokio::task::spawn_blocking(move || gate.load(listed)).await?;
        let count = self.matcher.book().len() as u64;
        part.finish_from(count, from.as_str());
        tracing::info!(
            products = count,
            from = from.as_str(),
            read_seconds = read,
            seconds = started.elapsed().as_secs_f64(),
            "matching engine ready"
        );
        Ok(())
    }

    /// The matcher, once its book is loaded.
    ///
    /// # Errors
    /// 503 `warming_up` while it loads.
    pub fn loaded_matcher(&self) -> Result<&Arc<Matcher>, ApiError> {
        if self.warm_up.matcher.is_loaded() {
            Ok(&self.matcher)
        } else {
            Err(ApiError::warming_up("匹配引擎", "the matching engine"))
        }
    }

    /// Applies pending product changes to the index and the matcher now (the server's follower does this
    /// on its own).
    ///
    /// # Errors
    /// Database or index failure.
    pub async fn catch_up(&self) -> Result<usize, ApiError> {
        Ok(sync::catch_up(&self.store, &self.catalogue, &self.listeners()).await?)
    }

    /// Runs `read` on the search index off the async threads. An index that is unusable, or that this read
    /// found damaged, answers 503 `index_rebuilding`, and its rebuild is started (one, however many reads
    /// fail): the one place the web reads the index.
    ///
    /// # Errors
    /// 503 while the index is unusable; any other failure of the read.
    pub async fn read_index<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Catalogue) -> Result<T, CatalogueError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let catalogue = Arc::clone(&self.catalogue);
        let outcome = tokio::task::spawn_blocking(move || read(&catalogue)).await?;
        if matches!(outcome, Err(CatalogueError::Unavailable)) {
            self.repair_index();
        }
        Ok(outcome?)
    }

    /// Starts rebuilding the index in the background if it is unusable and no rebuild is under way.
    pub fn repair_index(&self) {
        sync::start_repair(&self.store, &self.catalogue, &self.listeners());
    }

    /// Brings the pool of findable firms up to date with the profiles written since it last looked; returns
    /// how many it read. Ages are those of the day the pool was loaded on until the poller's reload of a
    /// new day ([`App::reload_pool_if_new_day`]) swaps in today's, so no request waits for a whole reload.
    ///
    /// # Errors
    /// 503 `warming_up` until the pool is loaded; database failure.
    pub async fn refresh_pool(&self) -> Result<usize, ApiError> {
        if !self.warm_up.pool.is_loaded() {
            return Err(ApiError::warming_up("可查找的企业", "the firms to find"));
        }
        let _refreshing = self.pool_refresh.lock().await;
        self.apply_pool_changes().await
    }

    /// Applies the profiles written after the pool's revision, and those whose facts changed since, with
    /// their facts (the caller holds `pool_refresh`).
    async fn apply_pool_changes(&self) -> Result<usize, ApiError> {
        let since = self.pool_revision.load(Ordering::Acquire);
        let current = self.store.enterprise_revision().await?;
        if current == since {
            return Ok(0);
        }
        let day = today();
        let mut changes = Vec::new();
        self.store
            .each_enterprise_with_facts_revised_after(since, |e, facts| {
                changes.push((e.id, Some((Verified::firm_facts_of(&e.profile, &facts, day), e.discoverable))));
            })
            .await?;
        let read = changes.len();
        self.pool.apply(changes);
        self.pool_revision.store(current, Ordering::Release);
        Ok(read)
    }

    /// Reads every stored firm with its verified facts and today's ages and freshness (a fact past its end
    /// counts as not verified) and swaps them in as the pool, then applies what was
    /// written during the read. Reads without holding `pool_refresh`: requests keep the pool they have
    /// (and its updates) until the swap. Returns how many firms it read.
    ///
    /// # Errors
    /// Database failure (the pool stays as it was).
    pub async fn load_pool(&self) -> Result<usize, ApiError> {
        let started = std::time::Instant::now();
        let day = today();
        let part = &self.warm_up.pool;
        // Read first: whatever is written during the read has a later revision, applied after the swap.
        let revision = self.store.enterprise_revision().await?;
        let total = self.store.count_enterprises(false).await?;
        let mut entries = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let loaded = part.is_loaded();
        let read = self
            .store
            .each_enterprise_with_facts_revised_after(0, |e, facts| {
                entries.push(finmart_matching::PoolEntry {
                    id: e.id,
                    facts: Verified::firm_facts_of(&e.profile, &facts, day),
                    open: e.discoverable,
                });
                if !loaded && (entries.len() as u64).is_multiple_of(POOL_PROGRESS_EVERY) {
                    part.progress(entries.len() as u64, total);
                }
            })
            .await?;
        let caught_up = self.install_pool(entries, revision, day).await?;
        part.finish_from(self.pool.len() as u64, "database");
        tracing::debug!(read, caught_up, seconds = started.elapsed().as_secs_f64(), "reverse-matching pool loaded");
        Ok(usize::try_from(read).unwrap_or(usize::MAX))
    }

    /// Swaps `entries` in as the pool, as of enterprise `revision` and `day`, then applies what was written
    /// after `revision`; returns how many firms that caught up.
    async fn install_pool(
        &self,
        entries: Vec<finmart_matching::PoolEntry>,
        revision: i64,
        day: NaiveDate,
    ) -> Result<usize, ApiError> {
        let pool = Arc::clone(&self.pool);
        let _refreshing = self.pool_refresh.lock().await;
        // Sorting a million entries takes a moment: off the async threads.
        tokio::task::spawn_blocking(move || pool.replace_all(entries)).await?;
        self.pool_revision.store(revision, Ordering::Release);
        if let Ok(mut d) = self.pool_day.lock() {
            *d = Some(day);
        }
        self.apply_pool_changes().await
    }

    /// Loads the pool at the start: from the newest snapshot when it can be trusted (then only the firms
    /// written since are read), else by reading every firm, after which a snapshot is written for the next
    /// start. Returns how many firms it read or took from the snapshot.
    ///
    /// # Errors
    /// Database failure.
    async fn start_pool(&self) -> Result<usize, ApiError> {
        if let Some(firms) = self.pool_from_snapshot().await? {
            return Ok(firms);
        }
        let firms = self.load_pool().await?;
        self.write_pool_snapshot().await;
        Ok(firms)
    }

    /// Installs the newest snapshot of the pool and brings it up to date, or says why not (logged) and
    /// returns `None`. A snapshot is used when it is of today or yesterday (yesterday's ages and
    /// freshness are what every server holds between midnight and the poller's reload of the new day, which
    /// follows at once), the database has every revision it reflects and not many firms changed since, its
    /// firms are as many as the database's, and a sample of its entries equals what the database's firms
    /// and facts give today (a snapshot from another database, or made by a version that worked facts
    /// out differently, is not used).
    ///
    /// # Errors
    /// Database failure.
    async fn pool_from_snapshot(&self) -> Result<Option<usize>, ApiError> {
        use finmart_matching::reverse::snapshot;
        let started = std::time::Instant::now();
        let skip = |why: &str| {
            tracing::info!(why, "the pool's snapshot is not used: every firm is read");
            Ok(None)
        };
        let found = match self.store.latest_pool_snapshot(snapshot::FORMAT).await {
            Ok(found) => found,
            Err(finmart_store::StoreError::Corrupt { reason, .. }) => return skip(&reason),
            Err(e) => return Err(e.into()),
        };
        let Some(found) = found else { return skip("none stored") };
        let today = today();
        if found.day > today || (today - found.day).num_days() > 1 {
            return skip("made on another day than today or yesterday");
        }
        let current = self.store.enterprise_revision().await?;
        if found.revision > current {
            return skip("newer than the database (restored from a backup?)");
        }
        let changed = self.store.count_enterprises_revised_after(found.revision).await?;
        // The firms written since are read a page at a time: past a quarter, reading every firm is quicker.
        if changed > found.firms / 4 {
            return skip("too many firms written since");
        }
        let firms = self.store.count_enterprises(false).await?;
        if firms < found.firms || firms > found.firms + changed {
            return skip("not as many firms as the database holds");
        }
        let parts = found.parts;
        let entries = match tokio::task::spawn_blocking(move || snapshot::decode(&parts)).await? {
            Ok(entries) if entries.len() as u64 == found.firms => entries,
            Ok(_) => return skip("not as many entries as it says"),
            Err(e) => return skip(&e.to_string()),
        };
        if let Some(id) = self.snapshot_disagrees(&entries, found.day, found.revision).await? {
            tracing::info!(firm = id, "the pool's snapshot differs from the database for this firm");
            return skip("a sampled firm differs from the database");
        }
        let taken = entries.len();
        let caught_up = self.install_pool(entries, found.revision, found.day).await?;
        self.warm_up.pool.finish_from(self.pool.len() as u64, "snapshot");
        tracing::info!(
            taken,
            caught_up,
            day = %found.day,
            seconds = started.elapsed().as_secs_f64(),
            "reverse-matching pool loaded from its snapshot"
        );
        Ok(Some(taken))
    }

    /// A firm of a sample of `entries` (about [`SNAPSHOT_SAMPLE`], spread over them) whose entry is not
    /// what the database's profile and facts give for `day`; firms written after `revision` are passed
    /// over (the catch-up reads them again), a firm the database no longer has is one.
    async fn snapshot_disagrees(
        &self,
        entries: &[finmart_matching::PoolEntry],
        day: NaiveDate,
        revision: i64,
    ) -> Result<Option<i64>, ApiError> {
        let step = (entries.len() / SNAPSHOT_SAMPLE).max(1);
        let sample: Vec<&finmart_matching::PoolEntry> = entries.iter().step_by(step).collect();
        let ids: Vec<i64> = sample.iter().map(|e| e.id).collect();
        let stored: HashMap<i64, (StoredEnterprise, Vec<finmart_domain::Fact>)> =
            self.store.enterprises_with_facts_by_id(&ids).await?.into_iter().map(|f| (f.0.id, f)).collect();
        for entry in sample {
            let Some((firm, facts)) = stored.get(&entry.id) else { return Ok(Some(entry.id)) };
            if firm.revision > revision {
                continue;
            }
            if Verified::firm_facts_of(&firm.profile, facts, day) != entry.facts || firm.discoverable != entry.open {
                return Ok(Some(entry.id));
            }
        }
        Ok(None)
    }

    /// Writes the pool down for the next start (after a whole read). A failure is logged, never the load's:
    /// the next start then reads every firm.
    async fn write_pool_snapshot(&self) {
        use finmart_matching::reverse::snapshot;
        let started = std::time::Instant::now();
        let (entries, revision, day) = {
            let _refreshing = self.pool_refresh.lock().await;
            let pool = Arc::clone(&self.pool);
            let entries = match tokio::task::spawn_blocking(move || pool.entries()).await {
                Ok(entries) => entries,
                Err(e) => return tracing::warn!(error = %e, "the pool's snapshot was not written"),
            };
            let day = self.pool_day.lock().map(|d| *d).unwrap_or(None);
            (entries, self.pool_revision.load(Ordering::Acquire), day)
        };
        let Some(day) = day else { return };
        let firms = entries.len() as u64;
        let parts = match tokio::task::spawn_blocking(move || snapshot::encode(&entries)).await {
            Ok(parts) => parts,
            Err(e) => return tracing::warn!(error = %e, "the pool's snapshot was not written"),
        };
        let bytes: usize = parts.iter().map(Vec::len).sum();
        match self.store.save_pool_snapshot(day, revision, snapshot::FORMAT, firms, &parts).await {
            Ok(_) => tracing::info!(
                firms,
                bytes,
                revision,
                seconds = started.elapsed().as_secs_f64(),
                "the pool's snapshot written"
            ),
            Err(e) => tracing::warn!(error = %e, "the pool's snapshot was not written"),
        }
    }

    /// Reloads the pool when the Shanghai date has changed since it was loaded (firms' ages change, facts
    /// expire), in
    /// the caller's task: the server's poller, so requests go on meanwhile with yesterday's ages. Returns
    /// whether it reloaded.
    ///
    /// # Errors
    /// Database failure.
    pub async fn reload_pool_if_new_day(&self) -> Result<bool, ApiError> {
        let loaded_on = self.pool_day.lock().map(|d| *d).unwrap_or(None);
        if !self.warm_up.pool.is_loaded() || loaded_on == Some(today()) {
            return Ok(false);
        }
        self.load_pool().await?;
        self.write_pool_snapshot().await;
        Ok(true)
    }

    /// Institution names by id (for facet labels), read again when one of `ids` is not known yet or the index
    /// has applied changes since they were read: renaming an institution announces its products on the
    /// change log, so a name is never older than the index's documents (on every server).
    ///
    /// # Errors
    /// Database failure.
    pub async fn institution_names(&self, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>, ApiError> {
        let ids: Vec<i64> = ids.collect();
        let seq = self.catalogue.applied_seq();
        let current = |(read_at, names): &(i64, HashMap<i64, String>)| {
            *read_at == seq && ids.iter().all(|id| names.contains_key(id))
        };
        if let Ok(cached) = self.institution_names.read()
            && current(&cached)
        {
            self.metrics.institution_names.with_label_values(&["hit"]).inc();
            return Ok(cached.1.clone());
        }
        self.metrics.institution_names.with_label_values(&["miss"]).inc();
        let fresh: HashMap<i64, String> =
            self.store.institutions().await?.into_iter().map(|i| (i.id, i.name)).collect();
        if let Ok(mut cached) = self.institution_names.write() {
            *cached = (seq, fresh.clone());
        }
        Ok(fresh)
    }

    /// A product as the public sees it: published and within its validity window, else nothing.
    ///
    /// # Errors
    /// Database failure.
    pub async fn listed_product(&self, id: i64) -> Result<Option<Product>, ApiError> {
        Ok(self.store.product(id).await?.filter(|p| p.is_listed_on(today())))
    }

    /// The listed product `id`: what every `/products/{id}` route starts with.
    ///
    /// # Errors
    /// 404 for no such listed product, database failure.
    pub async fn product_at(&self, id: i64) -> Result<Product, ApiError> {
        self.listed_product(id).await?.ok_or_else(|| ApiError::not_found("产品", "product"))
    }

    /// The one judgement of `product` for a firm of `profile`, today: what the product page shows a signed-in
    /// firm (`loan` none: only the firm's checks, since a product page has no amount or term) and what an
    /// application must pass (`loan`: its amount and term). The engine and words of 精准匹配, for one product
    /// ([`Matcher::judge`]).
    /// The firm is judged with its verified `facts` ([`Self::facts_for`]): each rule the product requires
    /// verified reads them.
    #[must_use]
    pub fn judge(
        &self,
        product: &Product,
        profile: &EnterpriseProfile,
        facts: &[SourcedFact],
        loan: Option<Loan>,
    ) -> Judgement {
        self.matcher.judge_verified(product, &Verified::new(profile.clone(), facts.to_vec(), today()), loan)
    }

    /// [`Self::judge`] on the stored profile of the firm `enterprise_id`.
    ///
    /// # Errors
    /// 404 for no such firm; database failure.
    pub async fn judge_firm(
        &self,
        enterprise_id: i64,
        product: &Product,
        loan: Option<Loan>,
    ) -> Result<Judgement, ApiError> {
        let firm =
            self.store.enterprise(enterprise_id).await?.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?;
        let facts = self.facts_for(&firm.profile).await?;
        Ok(self.judge(product, &firm.profile, &facts, loan))
    }

    /// Stores `profile` as the firm `enterprise_id`'s own, keeping its credit code (filled in when absent),
    /// with the audit entry `event` (`profile.update`): the profile page, the matching page's
    /// 保存到企业档案 and `PUT /api/v1/me/profile` all save through here.
    ///
    /// # Errors
    /// 404 for no such firm, 400 naming each bad field; database failure.
    pub async fn save_profile(
        &self,
        enterprise_id: i64,
        mut profile: EnterpriseProfile,
        event: &AuditEvent<'_>,
    ) -> Result<StoredEnterprise, ApiError> {
        let current =
            self.store.enterprise(enterprise_id).await?.ok_or_else(|| ApiError::not_found("企业", "enterprise"))?;
        if profile.uscc.is_none() {
            profile.uscc.clone_from(&current.profile.uscc);
        }
        Ok(self.store.update_enterprise(enterprise_id, &profile, event).await?)
    }

    /// The verified facts about the firm of `firm` (by its credit code, [`finmart_store::Store::facts_of`]),
    /// with their sources: what a match for the firm itself reads. None for a profile without a credit code.
    ///
    /// # Errors
    /// Database failure.
    pub async fn facts_for(&self, firm: &EnterpriseProfile) -> Result<Vec<SourcedFact>, ApiError> {
        let Some(uscc) = firm.uscc.as_ref() else { return Ok(Vec::new()) };
        let stored = self.store.facts_of(uscc).await?;
        Ok(stored.into_iter().map(|s| SourcedFact { source: s.provider.source, fact: s.fact }).collect())
    }

    /// [`Self::facts_for`] of several firms at once (a page of a list), by credit code, in one read.
    ///
    /// # Errors
    /// Database failure.
    pub async fn facts_for_many<'a>(
        &self,
        firms: impl IntoIterator<Item = &'a EnterpriseProfile>,
    ) -> Result<HashMap<Uscc, Vec<SourcedFact>>, ApiError> {
        let codes: Vec<Uscc> = firms.into_iter().filter_map(|p| p.uscc.clone()).collect();
        let stored = self.store.facts_of_many(&codes).await?;
        Ok(stored
            .into_iter()
            .map(|(uscc, facts)| {
                (uscc, facts.into_iter().map(|s| SourcedFact { source: s.provider.source, fact: s.fact }).collect())
            })
            .collect())
    }

    /// Matches a need against every listed product, with text relevance of the stated purpose, off the
    /// async threads. With `facts` (the firm's own, [`Self::facts_for`]: a match for the firm itself), the
    /// match judges current verified facts over the declarations, rules a product requires verified read
    /// them, and each rule's explanation says how it stands (已核验 / 未核验 / 核验结果不符 / 需更新).
    ///
    /// # Errors
    /// 503 `warming_up` while the matcher loads, `index_rebuilding` while the index is unusable; index failure.
    pub async fn match_need(
        &self,
        profile: EnterpriseProfile,
        need: FinancingNeed,
        limit: usize,
        facts: Option<Vec<SourcedFact>>,
    ) -> Result<MatchOutcome, ApiError> {
        let purpose = format!("{} {}", need.purpose.label_zh(), need.purpose_text);
        // Without the index there is no relevance to rank by: the match answers 503 rather than a ranking
        // that silently leaves it out.
        let matcher = Arc::clone(self.loaded_matcher()?);
        let relevance = self.read_index(move |c| c.relevance(&purpose, RELEVANCE_DEPTH)).await?;
        let (outcome, took) = tokio::task::spawn_blocking(move || {
            let relevance: HashMap<i64, f32> = relevance.into_iter().collect();
            let started = std::time::Instant::now();
            let verified = facts.map(|facts| Verified::new(profile.clone(), facts, today()));
            let outcome = matcher.match_need(&MatchRequest {
                profile: &profile,
                need: &need,
                today: today(),
                relevance: &relevance,
                limit,
                verified: verified.as_ref(),
            });
            (outcome, started.elapsed())
        })
        .await?;
        self.metrics.matched(took, outcome.eligible_total);
        Ok(outcome)
    }
}
