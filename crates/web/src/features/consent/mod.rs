//! The SME's own profile, its consents and the log of who viewed it.
//!
//! - `GET/PUT /api/v1/me/profile`, page `/sme/profile` (SME users): the profile the marketplace shows and
//!   matches with. The form is the profile part of the matching form, parsed by
//!   [`crate::http::profile_form::parse_match_form`]; the credit code cannot change.
//! - `GET/POST /api/v1/me/consents`, `DELETE /api/v1/me/consents/{institution_id|all}`,
//!   `GET /api/v1/me/profile-views`, page `/sme/consent` (SME users).
//! - `GET /api/v1/me/facts` (the firm's verified facts against its declared profile, shown on
//!   `/sme/profile`), `GET/POST /api/v1/me/fact-authorisations`,
//!   `DELETE /api/v1/me/fact-authorisations/{institution_id|all}` (which institutions may see the verified
//!   facts, until when; on `/sme/consent`).
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
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use finmart_domain::{EnterpriseProfile, HomeArea, ValueError};
use finmart_store::{ConsentEntry, Consents, FactsConsentEntry, FactsConsents, ProfileViewEntry, StoredEnterprise};
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

/// How far ahead an authorisation of facts may end: five years.
const FACTS_CONSENT_MAX_MONTHS: u32 = 60;

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
    /// `candidates`, `application`, `need`, `profile`, `document`, `contact` or `facts`.
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

/// One authorisation of the firm's verified facts, in force or not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactsConsentView {
    pub id: i64,
    /// `true`: every institution on the platform; else `institution_id` names it.
    pub all: bool,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    /// `active`, `expired` (past its end) or `revoked` (withdrawn, or replaced by a later grant), at the
    /// moment of the answer.
    pub state: &'static str,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
    /// RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub granted_at: String,
    pub granted_at_text: String,
    /// The end: RFC 3339 (UTC), as shown, and the last day it holds (Asia/Shanghai). Absent: until withdrawn.
    pub expires_at: Option<String>,
    pub expires_at_text: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub revoked_at: Option<String>,
    pub revoked_at_text: Option<String>,
}

impl FactsConsentView {
    fn of(c: &FactsConsentEntry, now: DateTime<Utc>) -> Self {
        let state = c.state(now);
        Self {
            id: c.id,
            all: c.institution_id.is_none(),
            institution_id: c.institution_id,
            institution_name: c.institution_name.clone(),
            state: state.as_str(),
            state_label: state.label_zh(),
            state_label_en: state.label_en(),
            granted_at: c.granted_at.to_rfc3339(),
            granted_at_text: shanghai(c.granted_at),
            expires_at: c.expires_at.map(|t| t.to_rfc3339()),
            expires_at_text: c.expires_at.map(shanghai),
            expires_on: c.expires_at.map(|t| finmart_domain::shanghai::date_of(t - Duration::seconds(1))),
            revoked_at: c.revoked_at.map(|t| t.to_rfc3339()),
            revoked_at_text: c.revoked_at.map(shanghai),
        }
    }
}

/// The firm's authorisations of its verified facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactsConsentsView {
    /// In force now: "every institution" first, then by institution name.
    pub active: Vec<FactsConsentView>,
    /// Every authorisation ever given, newest first, each with its state now.
    pub history: Vec<FactsConsentView>,
}

impl FactsConsentsView {
    fn of(c: &FactsConsents, now: DateTime<Utc>) -> Self {
        Self {
            active: c.active.iter().map(|e| FactsConsentView::of(e, now)).collect(),
            history: c.history.iter().map(|e| FactsConsentView::of(e, now)).collect(),
        }
    }
}

/// `POST /api/v1/me/fact-authorisations`: `{"institution_ids": [12, 15], "expires_on": "2027-06-30"}` or
/// `{"all": true}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsGrantBody {
    /// The institutions to authorise (one or several).
    pub institution_ids: Option<Vec<i64>>,
    /// `true`: every institution on the platform (instead of `institution_ids`).
    pub all: Option<bool>,
    /// The last day the authorisation holds (Asia/Shanghai), `YYYY-MM-DD`: not before today, at most five
    /// years ahead. Left out or empty: until withdrawn.
    pub expires_on: Option<String>,
}

/// The firm's verified facts against its declared profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyFacts {
    pub enterprise_id: i64,
    /// The credit code the facts are kept by (absent: none, and so no facts).
    pub uscc: Option<String>,
    #[serde(flatten)]
    pub report: crate::http::facts::FactsReport,
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

/// The firm's authorisations of facts as the API and the page show them, now.
async fn facts_consents_of(state: &AppState, enterprise_id: i64) -> Result<FactsConsentsView, ApiError> {
    let now = Utc::now();
    Ok(FactsConsentsView::of(&state.store.facts_consents(enterprise_id, now).await?, now))
}

/// The end of an authorisation from the last day it holds, as typed (`expires_on`): the start of the next
/// Shanghai day. Empty: no end.
fn facts_end(text: Option<&str>, today: NaiveDate) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    let field = "expires_on";
    let day = crate::http::format::parse_date(text).map_err(|e| ApiError::invalid(field, &e))?;
    if day < today {
        let error = ValueError::worded(
            format!("授权截止日期 {day} 早于今天（{today}）"),
            format!("the last day {day} is before today ({today})"),
        );
        return Err(ApiError::invalid(field, &error));
    }
    let latest = today.checked_add_months(Months::new(FACTS_CONSENT_MAX_MONTHS)).unwrap_or(today);
    if day > latest {
        let error = ValueError::worded(
            format!("授权最长五年，截止日期不晚于 {latest}"),
            format!("an authorisation lasts at most five years: the last day is {latest} at the latest"),
        );
        return Err(ApiError::invalid(field, &error));
    }
    let next = day.succ_opt().unwrap_or(day);
    Ok(Some(finmart_domain::shanghai::day_start(next)))
}

/// Authorises `targets` (institutions; `None`: every institution) to see the firm's verified facts until
/// `end`, all or none. Returns how many authorisations were written.
async fn grant_facts(
    state: &AppState,
    sme: &SmeUser,
    caller: &Caller,
    targets: &[Option<i64>],
    end: Option<DateTime<Utc>>,
) -> Result<usize, ApiError> {
    let SmeUser(p, eid) = sme;
    let event = caller.audit(p, "facts_consent.grant");
    Ok(state.store.grant_facts_consent(*eid, targets, end, Utc::now(), &event).await?)
}

/// Withdraws the authorisation of facts in force for `target` at once.
async fn revoke_facts(state: &AppState, sme: &SmeUser, caller: &Caller, target: Option<i64>) -> Result<bool, ApiError> {
    let SmeUser(p, eid) = sme;
    let event = caller.audit(p, "facts_consent.revoke");
    Ok(state.store.revoke_facts_consent(*eid, target, Utc::now(), &event).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_last_day_is_read_refused_in_the_past_and_ends_at_the_next_shanghai_midnight() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(facts_end(None, today).unwrap(), None);
        assert_eq!(facts_end(Some("  "), today).unwrap(), None);
        let end = facts_end(Some("2027-06-30"), today).unwrap().unwrap();
        assert_eq!(end.to_rfc3339(), "2027-06-30T16:00:00+00:00");
        assert!(facts_end(Some("2026-12-05"), today).unwrap().is_some(), "today is allowed");
        for bad in ["2026-12-04", "2027-13-01", "明天", "2032-12-06"] {
            let e = facts_end(Some(bad), today).unwrap_err();
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(e.body.field.as_deref(), Some("expires_on"), "{bad}: {:?}", e.body);
        }
    }
}
