//! The HTML pages: the search home page (results rendered on the server, refreshed as one types by
//! `app.js` through the results fragment), and the product page.

use crate::api::parse_id;
use crate::assets::VERSION;
use crate::error::ApiError;
use crate::params::parse_search;
use crate::state::AppState;
use crate::views::{ProductDetail, SearchResponse};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use finmart_catalogue::SortName;
use finmart_domain::{Collateral, District, Labelled, PolicySupport, ProductFamily};
use serde::Serialize;
use serde_json::json;

/// A page that failed: the status and a message in Chinese, rendered in the site's frame.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
    state: AppState,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = self
            .state
            .templates
            .render("error.html", json!({ "status": self.status.as_u16(), "message": self.message, "v": &*VERSION }))
            .unwrap_or_else(|_| self.message.clone());
        (self.status, Html(body)).into_response()
    }
}

fn page_error(state: &AppState, e: ApiError) -> PageError {
    PageError { status: e.status, message: e.body.message, state: state.clone() }
}

fn render(state: &AppState, name: &str, context: impl Serialize) -> Result<Html<String>, PageError> {
    state.templates.render(name, context).map(Html).map_err(|e| page_error(state, ApiError::internal(&e)))
}

/// The choices the filter form offers.
fn choices() -> serde_json::Value {
    let options = |values: Vec<(&'static str, &'static str)>| {
        values.into_iter().map(|(code, label)| json!({"code": code, "label": label})).collect::<Vec<_>>()
    };
    json!({
        "families": options(ProductFamily::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()),
        "districts": options(District::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()),
        "collateral": options(Collateral::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()),
        "policy": options(PolicySupport::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()),
        "sorts": options(SortName::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()),
    })
}

/// The parameters as given, for refilling the form.
fn form_values(raw: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned() {
        map.insert(k, serde_json::Value::String(v));
    }
    map
}

/// The query string with `key` set to `value` (or removed when `None`) and the page reset.
fn link(raw: Option<&str>, key: &str, value: Option<&str>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k != key && k != "page" && !v.is_empty() {
            out.append_pair(&k, &v);
        }
    }
    if let Some(value) = value {
        out.append_pair(key, value);
    }
    format!("/?{}", out.finish())
}

/// Facet choices as links that set (or, when active, clear) their filter; and the pages' links.
fn navigation(raw: Option<&str>, results: Option<&SearchResponse>) -> serde_json::Value {
    let Some(r) = results else { return json!(null) };
    let current = form_values(raw);
    let facet = |key: &str, counts: &[crate::views::FacetCount]| {
        counts
            .iter()
            .map(|c| {
                let active = current.get(key).and_then(|v| v.as_str()) == Some(c.code.as_str());
                let href = link(raw, key, (!active).then_some(c.code.as_str()));
                json!({"code": c.code, "label": c.label, "count": c.count, "active": active, "href": href})
            })
            .collect::<Vec<_>>()
    };
    let pages = r.total.div_ceil(r.per_page.max(1)).min(crate::params::MAX_PAGE);
    let page_link = |n: usize| {
        let mut href = link(raw, "page", None);
        href.push_str(&format!("{}page={n}", if href.ends_with('?') { "" } else { "&" }));
        href
    };
    json!({
        "family": facet("family", &r.facets.family),
        "institution": facet("institution", &r.facets.institution),
        "district": facet("district", &r.facets.district),
        "pages": pages,
        "prev": (r.page > 1).then(|| page_link(r.page - 1)),
        "next": (r.page < pages).then(|| page_link(r.page + 1)),
    })
}

/// The results of the query string, or the error to show in their place (with its status).
struct ResultsContext {
    results: Option<SearchResponse>,
    error: Option<(StatusCode, String)>,
    q: String,
}

async fn results_context(state: &AppState, raw: Option<&str>) -> ResultsContext {
    match parse_search(raw, false) {
        Ok(req) => {
            let q = req.text.clone();
            match state.search(req).await {
                Ok(r) => ResultsContext { results: Some(r), error: None, q },
                Err(e) => ResultsContext { results: None, error: Some((e.status, e.body.message)), q },
            }
        }
        Err(e) => ResultsContext { results: None, error: Some((e.status, e.body.message)), q: String::new() },
    }
}

/// A rendered page with the status its content calls for (400 when the form had a bad value).
fn with_status(html: Html<String>, error: Option<&(StatusCode, String)>) -> Response {
    (error.map_or(StatusCode::OK, |(status, _)| *status), html).into_response()
}

/// `GET /`: the search page, with results for the query string it was given.
pub async fn home(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let c = results_context(&state, raw.as_deref()).await;
    let nav = navigation(raw.as_deref(), c.results.as_ref());
    let html = render(
        &state,
        "home.html",
        json!({
            "v": &*VERSION, "q": c.q, "results": c.results, "error": c.error.as_ref().map(|e| &e.1), "nav": nav,
            "form": form_values(raw.as_deref()), "choices": choices(),
        }),
    )?;
    Ok(with_status(html, c.error.as_ref()))
}

/// `GET /fragments/results`: the results part of the search page, for refreshing it in place.
pub async fn results_fragment(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let c = results_context(&state, raw.as_deref()).await;
    let nav = navigation(raw.as_deref(), c.results.as_ref());
    let context = json!({ "q": c.q, "results": c.results, "error": c.error.as_ref().map(|e| &e.1), "nav": nav });
    let html = render(&state, "results.html", context)?;
    Ok(with_status(html, c.error.as_ref()))
}

/// `GET /products/{id}`: every term of one product.
pub async fn product(State(state): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = parse_id(&id).map_err(|e| page_error(&state, e))?;
    let product = state
        .listed_product(id)
        .await
        .map_err(|e| page_error(&state, e))?
        .ok_or_else(|| page_error(&state, ApiError::not_found("产品", "product")))?;
    let institution =
        state.store.institution(product.institution.id).await.map_err(|e| page_error(&state, e.into()))?;
    render(
        &state,
        "product.html",
        json!({ "v": &*VERSION, "p": ProductDetail::from(&product), "institution_intro": institution.map(|i| i.intro) }),
    )
}

/// Any other path.
pub async fn not_found(State(state): State<AppState>) -> PageError {
    PageError { status: StatusCode::NOT_FOUND, message: "页面不存在".to_owned(), state }
}
