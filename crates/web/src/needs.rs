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
use crate::state::AppState;
use axum::Router;
use finmart_domain::Principal;
use finmart_store::AuditEvent;
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

/// `?key=value` query parameters as a map (the last value of a key wins).
fn query_map(raw: Option<&str>) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect()
}
