//! The HTML pages: the search home page (results rendered on the server, refreshed as one types by
//! `app.js` through the results fragment), and the product page with its loan calculator (see
//! [`crate::match_pages`], which also holds the matching page).

use crate::assets::VERSION;
use crate::error::ApiError;
use crate::lang::{Lang, negotiate};
use crate::match_pages::calc_context;
use crate::params::parse_search;
use crate::state::AppState;
use crate::views::{ProductDetail, SearchResponse};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
    message_en: String,
    lang: Lang,
    state: AppState,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let message = if self.lang.is_en() { &self.message_en } else { &self.message };
        let context = json!({
            "status": self.status.as_u16(), "message": message, "v": &*VERSION, "en": self.lang.is_en(),
            "switch_href": format!("/?lang={}", self.lang.other().code()),
        });
        let body = self.state.templates.render("error.html", context).unwrap_or_else(|_| message.clone());
        (self.status, Html(body)).into_response()
    }
}

pub(crate) fn page_error(state: &AppState, lang: Lang, e: ApiError) -> PageError {
    PageError { status: e.status, message: e.body.message, message_en: e.body.message_en, lang, state: state.clone() }
}

pub(crate) fn render(
    state: &AppState,
    lang: Lang,
    name: &str,
    context: impl Serialize,
) -> Result<Html<String>, PageError> {
    state.templates.render(name, context).map(Html).map_err(|e| page_error(state, lang, ApiError::internal(&e)))
}

/// The response: the page with its status, and the language cookie when the visitor just chose one.
pub(crate) fn respond(html: Html<String>, status: StatusCode, cookie: Option<HeaderValue>) -> Response {
    let mut response = (status, html).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Renders `name` in the site's frame (asset version, language, the language switch of `path` with its
/// query `raw`), answering with `status` and the language cookie when the visitor just chose one.
pub(crate) fn show(
    state: &AppState,
    (lang, cookie): (Lang, Option<HeaderValue>),
    name: &str,
    mut context: serde_json::Map<String, serde_json::Value>,
    path: &str,
    raw: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    context.extend(frame(lang, path, raw));
    let html = render(state, lang, name, serde_json::Value::Object(context))?;
    Ok(respond(html, status, cookie))
}

/// The choices the filter form offers.
fn choices() -> serde_json::Value {
    fn options<T: Labelled>() -> Vec<serde_json::Value> {
        T::ALL.iter().map(|v| json!({"code": v.as_str(), "label": v.label_zh(), "label_en": v.label_en()})).collect()
    }
    json!({
        "families": options::<ProductFamily>(),
        "districts": options::<District>(),
        "collateral": options::<Collateral>(),
        "policy": options::<PolicySupport>(),
        "sorts": options::<SortName>(),
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
    link_to("/", raw, key, value)
}

/// `path` with the query string, `key` set to `value` (or removed when `None`) and the page reset.
fn link_to(path: &str, raw: Option<&str>, key: &str, value: Option<&str>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k != key && k != "page" && !v.is_empty() {
            out.append_pair(&k, &v);
        }
    }
    if let Some(value) = value {
        out.append_pair(key, value);
    }
    format!("{path}?{}", out.finish())
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
                json!({"code": c.code, "label": c.label, "label_en": c.label_en, "count": c.count, "active": active, "href": href})
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

/// The results of the query string, or the error to show in their place, in the page's language.
struct ResultsContext {
    results: Option<SearchResponse>,
    error: Option<String>,
    status: StatusCode,
    q: String,
    nav: serde_json::Value,
}

async fn results_context(state: &AppState, raw: Option<&str>, lang: Lang) -> ResultsContext {
    let failed = |e: ApiError, q: String| ResultsContext {
        results: None,
        error: Some(if lang.is_en() { e.body.message_en } else { e.body.message }),
        status: e.status,
        q,
        nav: serde_json::Value::Null,
    };
    match parse_search(raw, false) {
        Ok(req) => {
            let q = req.text.clone();
            match crate::market_watch::search_logged(state, req).await {
                Ok(r) => {
                    let nav = navigation(raw, Some(&r));
                    ResultsContext { results: Some(r), error: None, status: StatusCode::OK, q, nav }
                }
                Err(e) => failed(e, q),
            }
        }
        Err(e) => failed(e, String::new()),
    }
}

/// `GET /`: the search page, with results for the query string it was given.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let c = results_context(&state, raw.as_deref(), lang).await;
    let html = render(
        &state,
        lang,
        "home.html",
        json!({
            "v": &*VERSION, "en": lang.is_en(), "switch_href": link(raw.as_deref(), "lang", Some(lang.other().code())),
            "q": c.q, "results": c.results, "error": c.error, "nav": c.nav,
            "form": form_values(raw.as_deref()), "choices": choices(),
        }),
    )?;
    Ok(respond(html, c.status, cookie))
}

/// `GET /fragments/results`: the results part of the search page, for refreshing it in place.
pub async fn results_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let c = results_context(&state, raw.as_deref(), lang).await;
    let context = json!({ "en": lang.is_en(), "q": c.q, "results": c.results, "error": c.error, "nav": c.nav });
    let html = render(&state, lang, "results.html", context)?;
    Ok(respond(html, c.status, cookie))
}

/// `GET /products/{id}`: every term of one product.
pub async fn product(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let product = state.product_at(&id).await.map_err(|e| page_error(&state, lang, e))?;
    let institution =
        state.store.institution(product.institution.id).await.map_err(|e| page_error(&state, lang, e.into()))?;
    let (calc, status) = calc_context(&product, raw.as_deref(), lang);
    let html = render(
        &state,
        lang,
        "product.html",
        json!({
            "v": &*VERSION, "en": lang.is_en(),
            "switch_href": link_to(&format!("/products/{id}"), raw.as_deref(), "lang", Some(lang.other().code())),
            "p": ProductDetail::from(&product), "institution_intro": institution.map(|i| i.intro),
            "calc": calc,
        }),
    )?;
    Ok(respond(html, status, cookie))
}

/// Any other path.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> PageError {
    let (lang, _) = negotiate(None, &headers);
    PageError {
        status: StatusCode::NOT_FOUND,
        message: "页面不存在".to_owned(),
        message_en: "page not found".to_owned(),
        lang,
        state,
    }
}

/// The context every page starts from: the asset version, the language, and the link that switches it.
/// (`user` and `csrf` are added by the templates themselves, from the request's caller.)
pub(crate) fn frame(lang: Lang, path: &str, raw: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
    let mut context = serde_json::Map::new();
    context.insert("v".into(), VERSION.as_str().into());
    context.insert("en".into(), lang.is_en().into());
    context.insert("switch_href".into(), crate::match_pages::switch_href(path, raw, lang).into());
    context
}
