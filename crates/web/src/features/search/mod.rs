//! The public catalogue: search (一键查询) with facets, a product's page with every term, and the loan
//! calculator (`/`, `/products/{id}`, `/api/v1/search`, `/api/v1/products/{id}`, `…/cost`,
//! `/api/v1/institutions`); for a signed-in SME, its verdict for the product (`…/verdict`, and on the page).
//!
//! Every search with a query or a filter is logged for the operator's unmet-demand figures
//! (`finmart_store::market_watch`): the normalised query, the number of hits and the family filter, nothing
//! about who searched. The search is queued for the log's writer (`crate::http::search_log`), so a search
//! never waits for the write; when the queue is full it is counted as not recorded, never dropped unseen.

mod api;
mod calc;
mod pages;
mod params;

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::format::Place;
use crate::http::state::{AppState, today};
use crate::http::views::ProductSummary;
use crate::template;
use chrono::{DateTime, Utc};
use finmart_catalogue::{CollateralFilter, Hit, SearchRequest, SearchResults};
use finmart_domain::{HomeArea, Labelled, ProductFamily};
use finmart_store::LoggedSearch;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The search feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "catalogue",
        api: api::signed_in_router(),
        public_api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("home.html"),
            template!("results.html"),
            template!("product.html"),
            template!("cost_results.html"),
        ],
    }
}

/// Runs a search off the async threads, labels its facets, and logs it (see the module documentation).
///
/// # Errors
/// 503 `index_rebuilding` while the index is unusable; index or database failure (nothing is logged then).
pub async fn search(state: &AppState, req: SearchRequest) -> Result<SearchResponse, ApiError> {
    let logged = worth_logging(&req).then(|| (Utc::now(), req.text.clone(), req.families.clone()));
    let (page, per_page) = (req.page, req.per_page);
    let (results, took) = state
        .read_index(move |catalogue| {
            let started = std::time::Instant::now();
            catalogue.search(&req, today()).map(|results| (results, started.elapsed()))
        })
        .await?;
    state.metrics.searched(took, results.total);
    let names = state.institution_names(results.facets.institutions.iter().map(|(id, _)| *id)).await?;
    let response = SearchResponse::new(&results, page, per_page, &names, &state.config.home_area);
    if let Some((at, query, families)) = logged {
        log_search(state, at, query, response.total as u64, families);
    }
    Ok(response)
}

/// Whether a search is worth logging: it has a query or a filter, and it is a first page (paging through
/// results is not another search).
fn worth_logging(req: &SearchRequest) -> bool {
    let filtered = !req.families.is_empty()
        || !req.institutions.is_empty()
        || !req.districts.is_empty()
        || !matches!(req.collateral, CollateralFilter::Any)
        || req.amount.is_some()
        || req.term.is_some()
        || req.max_rate.is_some()
        || req.online_only
        || !req.policy.is_empty();
    req.page <= 1 && (!req.text.trim().is_empty() || filtered)
}

fn log_search(state: &AppState, at: DateTime<Utc>, query: String, results: u64, families: Vec<ProductFamily>) {
    state.search_log.record(LoggedSearch { at, query, results, families });
}

/// One search result: the product summary and its highlights.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchItem {
    #[serde(flatten)]
    pub product: ProductSummary,
    /// The name with matched words in `<b>`, HTML-escaped.
    pub name_html: String,
    /// A passage of the description with matched words in `<b>`, HTML-escaped.
    pub snippet_html: String,
    pub score: Option<f32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetCount {
    pub code: String,
    pub label: String,
    pub label_en: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetsView {
    pub family: Vec<FacetCount>,
    pub institution: Vec<FacetCount>,
    pub district: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The products found: with a query, those that have every word of it, each as written or as a synonym
    /// in the product's name or family (generic words such as 贷款 or 企业 beside others are not needed);
    /// the same products in every order.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub items: Vec<SearchItem>,
    pub facets: FacetsView,
}

impl SearchResponse {
    pub fn new(
        results: &SearchResults,
        page: usize,
        per_page: usize,
        institutions: &HashMap<i64, String>,
        home: &HomeArea,
    ) -> Self {
        fn labelled<T: Labelled>(v: T, count: u64) -> FacetCount {
            FacetCount { code: v.as_str().into(), label: v.label_zh().into(), label_en: v.label_en().into(), count }
        }
        // Institutions have Chinese names only: a name is a name.
        let named = |&(id, count): &(i64, u64)| {
            let name = institutions.get(&id).cloned().unwrap_or_else(|| format!("机构 {id}"));
            FacetCount { code: id.to_string(), label: name.clone(), label_en: name, count }
        };
        let facets = FacetsView {
            family: results.facets.families.iter().map(|(f, n)| labelled(*f, *n)).collect(),
            institution: results.facets.institutions.iter().map(named).collect(),
            district: results
                .facets
                .districts(home)
                .into_iter()
                .map(|(d, count)| {
                    let Place { code, label, label_en } = Place::district(d, home);
                    FacetCount { code, label, label_en, count }
                })
                .collect(),
        };
        let items = results
            .hits
            .iter()
            .map(|Hit { product, score, name_html, snippet_html }| SearchItem {
                product: ProductSummary::of(product, home),
                name_html: name_html.clone(),
                snippet_html: snippet_html.clone(),
                score: *score,
            })
            .collect();
        Self { total: results.total, page, per_page, items, facets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_searches_with_words_or_filters_on_a_first_page_are_logged() {
        let mut req = SearchRequest::default();
        assert!(!worth_logging(&req));
        req.text = "科技贷".into();
        assert!(worth_logging(&req));
        req.page = 2;
        assert!(!worth_logging(&req));
        for req in [
            SearchRequest { families: vec![ProductFamily::Credit], ..Default::default() },
            SearchRequest { collateral: CollateralFilter::NoneRequired, ..Default::default() },
            SearchRequest { online_only: true, ..Default::default() },
        ] {
            assert!(worth_logging(&req), "{req:?}");
        }
    }
}
