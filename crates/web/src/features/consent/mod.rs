//! The SME's own profile, its consents and the log of who viewed it.
//!
//! - `GET/PUT /api/v1/me/profile`, page `/sme/profile` (SME users): the profile the marketplace shows and
//!   matches with. The form is the profile part of the matching form, parsed by
//!   [`crate::http::profile_form::parse_match_form`]; the credit code cannot change.
//! - `GET/POST /api/v1/me/consents`, `DELETE /api/v1/me/consents/{institution_id|all}`,
//!   `GET /api/v1/me/profile-views`, page `/sme/consent` (SME users).
//!
//! Every other role gets 403. (An institution reading a profile it was allowed to see is the prospects
//! feature's.)

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::{Caller, SmeUser};
use crate::http::error::ApiError;
use crate::http::extract::{FromSegment, parse_id};
use crate::http::format::{Label, Place, shanghai};
use crate::http::state::AppState;
use crate::template;
use finmart_domain::{EnterpriseProfile, HomeArea};
use finmart_store::{ConsentEntry, Consents, ProfileViewEntry, StoredEnterprise};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The consent feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "privacy",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("sme_profile.html"), template!("sme_consent.html")],
        ..Feature::default()
    }
}

/// How many profile views the log shows by default, and at most.
const VIEWS_DEFAULT: u64 = 100;
const VIEWS_MAX: u64 = 1_000;

// ---------------------------------------------------------------------------------------------------------
// Views

/// The SME's own profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyProfile {
    pub enterprise_id: i64,
    /// The whole profile (amounts in fen), as `PUT` takes it.
    #[schema(value_type = crate::http::profile_schema::ProfileSchema)]
    pub profile: EnterpriseProfile,
    /// The scale derived from the profile (absent when total assets are needed and missing).
    pub scale: Option<Label>,
    /// The profile's district (`profile.district` is its code) with its name.
    pub district: Place,
    /// Every institution may see the profile (consent for all).
    pub discoverable: bool,
    /// Last change, RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub updated_at: String,
    pub updated_at_text: String,
}

impl MyProfile {
    /// The stored profile `e`, its district named as seen from the deployment's `home`.
    #[must_use]
    pub fn of(e: &StoredEnterprise, home: &HomeArea) -> Self {
        Self {
            enterprise_id: e.id,
            profile: e.profile.clone(),
            scale: e.profile.scale().map(Label::of),
            district: Place::district(e.profile.district, home),
            discoverable: e.discoverable,
            updated_at: e.updated_at.to_rfc3339(),
            updated_at_text: shanghai(e.updated_at),
        }
    }
}

/// One consent, active or revoked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: i64,
    /// `true`: every institution; else `institution_id` names it.
    pub all: bool,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub active: bool,
    pub granted_at: String,
    pub granted_at_text: String,
    pub revoked_at: Option<String>,
    pub revoked_at_text: Option<String>,
}

impl From<&ConsentEntry> for ConsentView {
    fn from(c: &ConsentEntry) -> Self {
        Self {
            id: c.id,
            all: c.institution_id.is_none(),
            institution_id: c.institution_id,
            institution_name: c.institution_name.clone(),
            active: c.is_active(),
            granted_at: c.granted_at.to_rfc3339(),
            granted_at_text: shanghai(c.granted_at),
            revoked_at: c.revoked_at.map(|t| t.to_rfc3339()),
            revoked_at_text: c.revoked_at.map(shanghai),
        }
    }
}

/// The SME's consents: to every institution, to named ones, and the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentsView {
    /// Every institution may see the profile (for reverse matching and posted needs).
    pub all: bool,
    /// Institutions named in an active consent.
    pub institutions: Vec<ConsentView>,
    /// Every consent ever given, newest first.
    pub history: Vec<ConsentView>,
}

impl From<&Consents> for ConsentsView {
    fn from(c: &Consents) -> Self {
        Self {
            all: c.all,
            institutions: c.institutions.iter().map(ConsentView::from).collect(),
            history: c.history.iter().map(ConsentView::from).collect(),
        }
    }
}

/// `POST /api/v1/me/consents`: `{"institution_id": 12}` or `{"all": true}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    pub institution_id: Option<i64>,
    pub all: Option<bool>,
}

/// One recorded view of the profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileViewItem {
    pub id: i64,
    /// RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub at: String,
    pub at_text: String,
    pub institution_id: i64,
    pub institution_name: String,
    /// `candidates`, `application`, `need`, `profile` or `contact`.
    pub context: String,
    pub context_label: &'static str,
    pub context_label_en: &'static str,
    pub application_id: Option<i64>,
}

impl From<&ProfileViewEntry> for ProfileViewItem {
    fn from(v: &ProfileViewEntry) -> Self {
        let (zh, en) = crate::http::acts::view_context(&v.context);
        Self {
            id: v.id,
            at: v.at.to_rfc3339(),
            at_text: shanghai(v.at),
            institution_id: v.institution_id,
            institution_name: v.institution_name.clone(),
            context: v.context.clone(),
            context_label: zh,
            context_label_en: en,
            application_id: v.application_id,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shared work of the API and the pages

async fn stored(state: &AppState, enterprise_id: i64) -> Result<StoredEnterprise, ApiError> {
    state.store.enterprise(enterprise_id).await?.ok_or_else(|| ApiError::not_found("企业", "enterprise"))
}

/// The target of a consent (the API's `{target}`, the page's `target` field): an institution (its id), or
/// `None` for all (`all`). A bad one is named `id`, as every id of the API.
#[derive(Debug, Clone, Copy)]
struct ConsentTarget(Option<i64>);

impl FromSegment for ConsentTarget {
    const NAME: &'static str = "target";

    fn from_segment(text: &str) -> Result<Self, ApiError> {
        if text == "all" { Ok(Self(None)) } else { parse_id("id", text).map(|id| Self(Some(id))) }
    }
}

/// The SME's consents as the API and the page show them.
async fn consents_of(state: &AppState, enterprise_id: i64) -> Result<ConsentsView, ApiError> {
    Ok(ConsentsView::from(&state.store.consents(enterprise_id).await?))
}

/// Grants (`grant`) or withdraws consent to `target`: one institution, or every one (`None`). Granting what
/// is granted, or withdrawing what is not, changes nothing (the answer says whether anything changed).
async fn set_consent(
    state: &AppState,
    sme: &SmeUser,
    caller: &Caller,
    target: Option<i64>,
    grant: bool,
) -> Result<bool, ApiError> {
    let SmeUser(p, eid) = sme;
    if !grant {
        return Ok(state.store.revoke_consent(*eid, target, &caller.audit(p, "consent.revoke")).await?);
    }
    Ok(state.store.grant_consent(*eid, target, &caller.audit(p, "consent.grant")).await?)
}
