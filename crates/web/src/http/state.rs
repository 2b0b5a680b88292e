//! The application: everything a request needs, built once at start and shared.

use crate::config::Config;
use crate::http::auth::sessions::Sessions;
use crate::http::error::ApiError;
use crate::http::metrics::Metrics;
use crate::http::rate_limit::RateLimits;
use crate::http::search_log::SearchLog;
use crate::http::templates::Templates;
use chrono::NaiveDate;
use finmart_catalogue::{Catalogue, CatalogueError, sync};
use finmart_domain::changes::Listener;
use finmart_domain::{EnterpriseProfile, FinancingNeed, Labelled, Product};
use finmart_matching::{FirmFacts, Judgement, Loan, MatchOutcome, MatchRequest, Matcher, ProfilePool};
use finmart_store::{AuditEvent, Store, StoredEnterprise};
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
    /// Every published product, compiled for matching; follows the change log with the index.
    pub matcher: Arc<Matcher>,
    /// Every stored firm, flagged open when it consented to be found by every institution, for reverse
    /// matching (firms that consented to some institutions only are filtered per request).
    pub pool: Arc<ProfilePool>,
    /// Held while the pool refreshes, so refreshes (the poller's, a request's) never interleave.
    pool_refresh: tokio::sync::Mutex<()>,
    /// The enterprise revision the pool reflects, and the day its firms' ages were computed on.
    pool_revision: AtomicI64,
    pool_day: Mutex<Option<NaiveDate>>,
    /// Institution names by id, for facet labels, and the index's change sequence they were read at.
    institution_names: RwLock<(i64, HashMap<i64, String>)>,
}

/// How many stored profiles the pool reads per query.
const POOL_PAGE: u64 = 2_000;
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
            matcher,
            pool: Arc::new(ProfilePool::new()),
            pool_refresh: tokio::sync::Mutex::new(()),
            pool_revision: AtomicI64::new(0),
            pool_day: Mutex::new(None),
            institution_names: RwLock::new((-1, HashMap::new())),
        }
    }

    /// What follows the product change log besides the index.
    #[must_use]
    pub fn listeners(&self) -> Vec<Arc<dyn Listener>> {
        vec![Arc::clone(&self.matcher) as Arc<dyn Listener>]
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

    /// Brings the pool of findable firms up to date with the stored profiles: everything on the first call
    /// and on a new day (firms' ages change), only the profiles written since otherwise. Returns how many
    /// profiles were read.
    ///
    /// # Errors
    /// Database failure.
    pub async fn refresh_pool(&self) -> Result<usize, ApiError> {
        let _refreshing = self.pool_refresh.lock().await;
        let day = today();
        let new_day = self.pool_day.lock().map(|d| *d != Some(day)).unwrap_or(true);
        let since = if new_day { 0 } else { self.pool_revision.load(Ordering::Acquire) };
        let current = self.store.enterprise_revision().await?;
        if !new_day && current == since {
            return Ok(0);
        }
        let (mut cursor, mut changes) = (None, Vec::new());
        loop {
            let page = self.store.enterprises_revised_after(since, cursor, POOL_PAGE).await?;
            let Some(last) = page.last() else { break };
            cursor = Some((last.revision, last.id));
            changes.extend(page.into_iter().map(|e| (e.id, Some((FirmFacts::of(&e.profile, day), e.discoverable)))));
        }
        let read = changes.len();
        if new_day {
            self.pool.replace_all(
                changes
                    .into_iter()
                    .filter_map(|(id, f)| f.map(|(facts, open)| finmart_matching::PoolEntry { id, facts, open }))
                    .collect(),
            );
            if let Ok(mut d) = self.pool_day.lock() {
                *d = Some(day);
            }
        } else {
            self.pool.apply(changes);
        }
        self.pool_revision.store(current, Ordering::Release);
        Ok(read)
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
    #[must_use]
    pub fn judge(&self, product: &Product, profile: &EnterpriseProfile, loan: Option<Loan>) -> Judgement {
        self.matcher.judge(product, profile, loan, today())
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
        Ok(self.judge(product, &firm.profile, loan))
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

    /// Matches a need against every listed product, with text relevance of the stated purpose, off the
    /// async threads.
    ///
    /// # Errors
    /// 503 `index_rebuilding` while the index is unusable; index failure.
    pub async fn match_need(
        &self,
        profile: EnterpriseProfile,
        need: FinancingNeed,
        limit: usize,
    ) -> Result<MatchOutcome, ApiError> {
        let purpose = format!("{} {}", need.purpose.label_zh(), need.purpose_text);
        // Without the index there is no relevance to rank by: the match answers 503 rather than a ranking
        // that silently leaves it out.
        let relevance = self.read_index(move |c| c.relevance(&purpose, RELEVANCE_DEPTH)).await?;
        let matcher = Arc::clone(&self.matcher);
        let (outcome, took) = tokio::task::spawn_blocking(move || {
            let relevance: HashMap<i64, f32> = relevance.into_iter().collect();
            let started = std::time::Instant::now();
            let outcome = matcher.match_need(&MatchRequest {
                profile: &profile,
                need: &need,
                today: today(),
                relevance: &relevance,
                limit,
            });
            (outcome, started.elapsed())
        })
        .await?;
        self.metrics.matched(took, outcome.eligible_total);
        Ok(outcome)
    }
}
