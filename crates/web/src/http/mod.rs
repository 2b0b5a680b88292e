//! The HTTP kit every feature is built from. It imports no feature: features import it.
//!
//! - [`api_doc`]: what every operation of the API shares in its OpenAPI document (401, 403, 429, 503), said once.
//! - [`state`]: the application every request shares (store, index, matcher, pool, templates, sessions).
//! - [`error`]: the one error type and its codes, and how errors become responses.
//! - [`extract`], [`query`], [`params`]: typed path ids, strict query structs and JSON bodies, and the
//!   value parsers they share.
//! - [`page`], [`templates`], [`lang`], [`assets`]: HTML pages in the site's frame, Chinese first.
//! - [`field_names`]: the words people read for a parameter an error names (`amount` is 金额).
//! - [`forms`], [`profile_form`], [`format`]: urlencoded forms, the SME profile form, and how money, dates
//!   and choices are written and read.
//! - [`profile_schema`]: the OpenAPI schemas of the SME profile and the financing need, held to the domain's
//!   JSON by a test.
//! - [`views`], [`score`]: products, institutions, quotes and match scores as the API returns them and the
//!   pages show them.
//! - [`verdict`]: a firm's verdict for one product (the product page's, an application's check) and the
//!   refusal of an application that does not pass it.
//! - [`cost`]: a product's loan cost for an amount and term (the calculator's, the comparison's).
//! - [`contacts`]: contact details (a firm's contact, an institution's branches and 客户经理) as shown, and the
//!   one way an institution reads a firm's contact (logged).
//! - [`export`]: tables as CSV and XLSX downloads.
//! - [`facts`]: a firm's verified facts against its declared profile, as the firm and an authorised
//!   institution see them.
//! - [`documents`]: an application's documents and its product's 材料清单 as the API and both sides' pages
//!   show them, and who may see them.
//! - [`auth`]: who is asking (session or API token), CSRF, and the extractors that demand a signed-in caller.
//! - [`client_address`]: the client behind a trusted reverse proxy (`X-Forwarded-For`).
//! - [`rate_limit`]: the JSON API's rate limits per API token and per client address.
//! - [`search_log`]: the bounded queue and batch writer of the search log.
//! - [`metrics`]: the Prometheus metrics at `/metrics`, their recording layer and who may read them.
//! - [`kept`]: a figure too costly per request, computed in the background and kept with its key and time.
//! - [`warm_up`]: what is loaded after the server starts answering (the matcher's book, the reverse-matching
//!   pool), its progress for `/readyz`, and the gate that keeps product changes told meanwhile.
//! - [`Feature`]: what a feature adds to the site (routes, pages, templates), listed by the router on top.

pub mod acts;
pub mod api_doc;
pub mod assets;
pub mod auth;
pub mod client_address;
pub mod confirm;
pub mod contacts;
pub mod cost;
pub mod documents;
pub mod error;
pub mod export;
pub mod extract;
pub mod facts;
pub mod field_names;
pub mod format;
pub mod forms;
pub mod headers;
pub mod kept;
pub mod lang;
pub mod metrics;
pub mod page;
pub mod params;
pub mod profile_form;
pub mod profile_schema;
pub mod query;
pub mod rate_limit;
pub mod redirect;
pub mod rejected;
pub mod score;
pub mod search_log;
pub mod state;
pub mod templates;
pub mod verdict;
pub mod views;
pub mod warm_up;

use axum::Router;
use state::AppState;
use templates::TemplateList;
use utoipa_axum::router::OpenApiRouter;

/// The largest request body accepted (product sheets included).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What one feature adds to the site: its JSON API (with the OpenAPI description of each path), its pages
/// and form posts, and the templates those pages render.
///
/// The API comes in two parts: `api`, whose every route needs a signed-in caller (the router refuses anyone
/// else with 401 before the handler runs, and documents that 401 and the accepted credentials on each of
/// its operations), and `public_api`, open to everyone.
#[derive(Default)]
pub struct Feature {
    /// The OpenAPI tag of its operations that name none.
    pub tag: &'static str,
    pub api: OpenApiRouter<AppState>,
    pub public_api: OpenApiRouter<AppState>,
    pub pages: Router<AppState>,
    pub templates: TemplateList,
}

impl std::fmt::Debug for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.templates.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Feature").field("templates", &names).finish_non_exhaustive()
    }
}
