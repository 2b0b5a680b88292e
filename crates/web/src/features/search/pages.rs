//! The search home page (results rendered on the server, refreshed as one types by `app.js` through the
//! results fragment), and the product page with its loan calculator (refreshed by `match.js` through the
//! cost fragment).

use super::calc::calc_context;
use super::params::{AmountUnit, MAX_PAGE, SearchParams};
use super::{FacetCount, SearchResponse, search};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::Id;
use crate::http::format::{district_options, options};
use crate::http::page::{Page, PageResult, object};
use crate::http::query::{self, Unknown};
use crate::http::state::AppState;
use crate::http::verdict;
use crate::http::views::ProductDetail;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use finmart_catalogue::SortName;
use finmart_domain::{Collateral, District, HomeArea, PolicySupport, Principal, ProductFamily};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/fragments/results", get(results_fragment))
        .route("/products/{id}", get(product))
        .route("/fragments/cost/{id}", get(cost_fragment))
}

/// The parameters as given, for refilling the form.
fn form_values(raw: Option<&str>, home: &HomeArea) -> Map<String, Value> {
    let mut values: Map<String, Value> =
        form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().map(|(k, v)| (k, Value::String(v))).collect();
    // The district choices are codes: a name or an old machine name (`binhai`) selects its district too.
    if let Some(Ok(district)) = values.get("district").and_then(Value::as_str).map(|v| District::parse(v, home)) {
        values.insert("district".to_owned(), Value::String(district.code()));
    }
    values
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
fn navigation(raw: Option<&str>, r: &SearchResponse, home: &HomeArea) -> Value {
    let current = form_values(raw, home);
    let facet = |key: &str, counts: &[FacetCount]| {
        counts
            .iter()
            .map(|c| {
                let active = current.get(key).and_then(|v| v.as_str()) == Some(c.code.as_str());
                let href = link_to("/", raw, key, (!active).then_some(c.code.as_str()));
                json!({"code": c.code, "label": c.label, "label_en": c.label_en, "count": c.count, "active": active, "href": href})
            })
            .collect::<Vec<_>>()
    };
    let pages = r.total.div_ceil(r.per_page.max(1)).min(MAX_PAGE);
    let page_link = |n: usize| link_to("/", raw, "page", Some(&n.to_string()));
    json!({
        "family": facet("family", &r.facets.family),
        "institution": facet("institution", &r.facets.institution),
        "district": facet("district", &r.facets.district),
        "pages": pages, "prev": (r.page > 1).then(|| page_link(r.page - 1)),
        "next": (r.page < pages).then(|| page_link(r.page + 1)),
    })
}

/// The results of the query string, or the error to show in their place (with its status and code, for its
/// `Retry-After`), in the page's language: `q`, `results`, `error`, `nav`.
async fn results_context(state: &AppState, page: &Page) -> (Map<String, Value>, StatusCode, Option<ErrorCode>) {
    let raw = page.query();
    let home = &state.config.home_area;
    let searched = query::parse::<SearchParams>(raw, Unknown::Ignore).and_then(|p| p.request(home, AmountUnit::Wan));
    let q = searched.as_ref().map(|req| req.text.clone()).unwrap_or_default();
    let outcome = match searched {
        Ok(req) => search(state, req).await,
        Err(e) => Err(e),
    };
    let (status, results, nav, error, code) = match outcome {
        Ok(r) => (StatusCode::OK, json!(r), navigation(raw, &r, home), Value::Null, None),
        Err(ApiError { status, body }) => {
            (status, Value::Null, Value::Null, page.pick(&body.message, &body.message_en).into(), Some(body.code))
        }
    };
    let each_word = each_word(raw, &q, &results);
    (
        object(
            json!({"q": q, "results": results, "nav": nav, "error": error, "en": page.en(), "each_word": each_word}),
        ),
        status,
        code,
    )
}

/// When several words together find nothing (a search finds the products with every word), a link to search
/// each word alone, with the same filters.
fn each_word(raw: Option<&str>, q: &str, results: &Value) -> Vec<Value> {
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.len() < 2 || results["total"] != 0 {
        return Vec::new();
    }
    words.into_iter().map(|w| json!({"word": w, "href": link_to("/", raw, "q", Some(w))})).collect()
}

/// `response` with the `Retry-After` of the error shown in it, if any.
fn retrying(code: Option<ErrorCode>, response: Response) -> Response {
    match code {
        Some(code) => code.with_retry_after(response),
        None => response,
    }
}

/// `GET /`: the search page, with results for the query string it was given.
async fn home(State(state): State<AppState>, page: Page) -> PageResult {
    let (mut context, status, code) = results_context(&state, &page).await;
    let raw = page.query();
    context.extend(object(json!({
        "switch_href": link_to("/", raw, "lang", Some(page.lang.other().code())), "form": form_values(raw, &state.config.home_area),
        // The choices the filter form offers.
        "choices": {
            "families": options::<ProductFamily>(), "districts": district_options(&state.config.home_area),
            "collateral": options::<Collateral>(), "policy": options::<PolicySupport>(), "sorts": options::<SortName>(),
        },
    })));
    Ok(retrying(code, page.show_with(status, "home.html", context)?))
}

/// `GET /fragments/results`: the results part of the search page, for refreshing it in place.
async fn results_fragment(State(state): State<AppState>, page: Page) -> PageResult {
    let (context, status, code) = results_context(&state, &page).await;
    Ok(retrying(code, (status, page.render("results.html", &context)?).into_response()))
}

/// `GET /products/{id}`: every term of one product, and for a signed-in SME its verdict for the product.
async fn product(State(state): State<AppState>, caller: Caller, page: Page, Id(id): Id) -> PageResult {
    let product = state.product_at(id).await?;
    let firm = caller.principal.as_ref().and_then(Principal::enterprise);
    let verdict = match firm {
        Some(enterprise) => verdict::page_view(&state.judge_firm(enterprise, &product, None).await?),
        None => Value::Null,
    };
    // Whether the firm keeps it among its favourites (the 收藏 button's state).
    let favourite = match firm {
        Some(enterprise) => !state.store.favourite_ids(enterprise, &[id]).await?.is_empty(),
        None => false,
    };
    let institution = state.store.institution(product.institution.id).await?;
    let (calc, status) = calc_context(&product, page.query(), page.lang, &state.config.home_area);
    let switch = link_to(&format!("/products/{id}"), page.query(), "lang", Some(page.lang.other().code()));
    let context = json!({
        "switch_href": switch, "p": ProductDetail::of(&product, &state.config.home_area), "institution_intro": institution.map(|i| i.intro),
        "calc": calc, "verdict": verdict, "favourite": favourite,
    });
    page.show_with(status, "product.html", object(context))
}

/// `GET /fragments/cost/{id}`: the loan calculator's result for one product, for refreshing it in place.
async fn cost_fragment(State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
    let product = state.product_at(id).await?;
    let (calc, status) = calc_context(&product, page.query(), page.lang, &state.config.home_area);
    Ok((status, page.render("cost_results.html", &json!({"en": page.en(), "calc": calc}))?).into_response())
}
