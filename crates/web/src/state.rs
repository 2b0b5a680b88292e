//! The application: everything a request needs, built once at start and shared.

use crate::config::Config;
use crate::error::ApiError;
use crate::templates::Templates;
use crate::views::SearchResponse;
use chrono::{NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use finmart_catalogue::{Catalogue, SearchRequest};
use finmart_domain::Product;
use finmart_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

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
    /// Institution names by id, for facet labels; refreshed when an unknown id shows up.
    institution_names: RwLock<HashMap<i64, String>>,
}

/// Today in Tianjin: validity windows are calendar days there.
#[must_use]
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
}

impl App {
    pub fn new(config: Config, store: Store, catalogue: Arc<Catalogue>) -> Self {
        Self { config, store, catalogue, templates: Templates::new(), institution_names: RwLock::new(HashMap::new()) }
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
}
