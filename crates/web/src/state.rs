//! The application: everything a request needs, built once at start and shared.

use crate::config::Config;
use crate::error::ApiError;
use crate::templates::Templates;
use crate::views::SearchResponse;
use chrono::NaiveDate;
use finmart_catalogue::{Catalogue, SearchRequest, sync};
use finmart_domain::Product;
use finmart_domain::changes::Listener;
use finmart_matching::{FirmFacts, Matcher, ProfilePool};
use finmart_store::Store;
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
    pub sessions: crate::auth::sessions::Sessions,
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
    /// Institution names by id, for facet labels; refreshed when an unknown id shows up.
    institution_names: RwLock<HashMap<i64, String>>,
}

/// How many stored profiles the pool reads per query.
const POOL_PAGE: u64 = 2_000;

/// Today in Tianjin: validity windows are calendar days there.
pub use finmart_domain::shanghai::today;

impl App {
    pub fn new(
        config: Config,
        store: Store,
        catalogue: Arc<Catalogue>,
        matcher: Arc<Matcher>,
        sessions: crate::auth::sessions::Sessions,
    ) -> Self {
        Self {
            config,
            store,
            sessions,
            catalogue,
            templates: Templates::new(),
            matcher,
            pool: Arc::new(ProfilePool::new()),
            pool_refresh: tokio::sync::Mutex::new(()),
            pool_revision: AtomicI64::new(0),
            pool_day: Mutex::new(None),
            institution_names: RwLock::new(HashMap::new()),
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

    /// Runs a search off the async threads and labels its facets.
    ///
    /// # Errors
    /// Index or database failure.
    pub async fn search(&self, req: SearchRequest) -> Result<SearchResponse, ApiError> {
        let (page, per_page) = (req.page, req.per_page);
        let catalogue = Arc::clone(&self.catalogue);
        let results = tokio::task::spawn_blocking(move || catalogue.search(&req, today()))
            .await
            .map_err(|e| ApiError::internal(&e))??;
        let names = self.institution_names(results.facets.institutions.iter().map(|(id, _)| *id)).await?;
        Ok(SearchResponse::new(results, page, per_page, &names))
    }

    async fn institution_names(&self, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>, ApiError> {
        let ids: Vec<i64> = ids.collect();
        let known = |names: &HashMap<i64, String>| ids.iter().all(|id| names.contains_key(id));
        if let Ok(names) = self.institution_names.read()
            && known(&names)
        {
            return Ok(names.clone());
        }
        let fresh: HashMap<i64, String> =
            self.store.institutions().await?.into_iter().map(|i| (i.id, i.name)).collect();
        if let Ok(mut names) = self.institution_names.write() {
            names.clone_from(&fresh);
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

    /// The listed product a path segment names: what every `/products/{id}` route starts with.
    ///
    /// # Errors
    /// 400 for an id that is not a positive number, 404 for no such listed product, database failure.
    pub async fn product_at(&self, id: &str) -> Result<Product, ApiError> {
        let id = crate::api::parse_id(id)?;
        self.listed_product(id).await?.ok_or_else(|| ApiError::not_found("产品", "product"))
    }
}
