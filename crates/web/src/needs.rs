//! Consent and privacy (who may see an SME's profile; the log of profile views), the SME's own profile,
//! institution-only reverse matching, and posted financing needs with institutions' offers.
//!
//! - [`privacy`]: `/api/v1/me/profile`, `/api/v1/me/consents`, `/api/v1/me/profile-views`,
//!   `/api/v1/enterprises/{id}/profile` and the pages `/sme/profile`, `/sme/consent`.
//! - [`market`]: `/api/v1/me/needs…`, `/api/v1/needs…`, `/api/v1/offers…` and the pages `/sme/needs`,
//!   `/sme/needs/{id}`, `/bank/needs`.
//! - [`prospects`]: the page `/bank/candidates` (the API is `GET /api/v1/products/{id}/candidates` in
//!   [`crate::api`]) and `/bank/enterprises/{id}`, the profile an institution may open.
//!
//! Access: an SME's own resources answer 403 to every other role; an institution's resources likewise; a
//! need, offer or profile of another party answers 404 (nothing reveals that it exists).

pub mod market;
pub mod privacy;
pub mod prospects;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::lang::Lang;
use crate::pages::{PageError, frame, render, respond};
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use finmart_domain::{FieldErrors, Principal};
use finmart_store::AuditEvent;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;

/// This module's templates (names and sources), registered by [`crate::templates::Templates::new`].
pub const TEMPLATES: &[(&str, &str)] = &[
    crate::template!("sme_profile.html"),
    crate::template!("sme_consent.html"),
    crate::template!("sme_needs.html"),
    crate::template!("sme_needs_detail.html"),
    crate::template!("bank_needs.html"),
    crate::template!("bank_candidates.html"),
    crate::template!("bank_candidates_profile.html"),
];

/// This module's pages and form posts.
pub fn pages() -> Router<AppState> {
    privacy::pages().merge(market::pages()).merge(prospects::pages())
}

/// This module's JSON API, with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    privacy::api().merge(market::api()).merge(prospects::api())
}

/// The audit entry of an act by the signed-in caller.
fn event<'a>(principal: &Principal, caller: &'a Caller, action: &'a str) -> AuditEvent<'a> {
    AuditEvent::by(principal, Some(caller.address.as_str()), action)
}

/// A urlencoded form body's pairs, in order.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The single value of a form field (`""` when absent).
fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Field errors keyed by field, in the page's language, for the inputs.
fn messages(errors: &FieldErrors, lang: Lang) -> Map<String, Value> {
    let mut map = Map::new();
    for e in &errors.0 {
        let message = if lang.is_en() { e.error.to_string() } else { e.error.message_zh() };
        map.entry(e.field.clone()).or_insert(Value::String(message));
    }
    map
}

/// An API error as form messages: its fields, or the whole message under `form`.
fn error_messages(e: &ApiError, lang: Lang) -> Map<String, Value> {
    let pick = |zh: &str, en: &str| Value::from(if lang.is_en() { en.to_owned() } else { zh.to_owned() });
    let mut map: Map<String, Value> =
        e.body.errors.iter().map(|f| (f.field.clone(), pick(&f.message, &f.message_en))).collect();
    if map.is_empty() {
        let field = e.body.field.clone().filter(|_| e.status == StatusCode::BAD_REQUEST);
        map.insert(field.unwrap_or_else(|| "form".to_owned()), pick(&e.body.message, &e.body.message_en));
    }
    map
}

/// Renders one of this module's pages with the common frame.
#[allow(clippy::too_many_arguments)]
fn show(
    state: &AppState,
    lang: Lang,
    name: &str,
    mut context: Map<String, Value>,
    path: &str,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let mut all = frame(lang, path, raw);
    all.append(&mut context);
    let html = render(state, lang, name, Value::Object(all))?;
    Ok(respond(html, status, cookie))
}

/// 303 to `location` (Post/Redirect/Get).
fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// `?key=value` query parameters as a map (the last value of a key wins).
fn query_map(raw: Option<&str>) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect()
}
