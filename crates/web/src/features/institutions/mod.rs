//! Institutions as the operator manages them: every lender (bank, micro-credit, leasing, insurance and
//! factoring company, other financial institution) and guarantee agency, created and edited before any
//! product names them, on `/admin/institutions` and by `POST /api/v1/institutions`,
//! `PUT /api/v1/institutions/{id}`, with how many products each lists or backs
//! (`GET /api/v1/institutions/admin`). The public list (`GET /api/v1/institutions`) is the catalogue's.
//!
//! The operator can suspend an institution with a reason (`POST`/`DELETE /api/v1/institutions/{id}/suspension`,
//! or the page's 暂停/恢复): while suspended, its people cannot sign in and its API tokens are refused.
//!
//! The code is an institution's stable key and is not edited. The rules of the fields are the domain's
//! (`InstitutionInput`, `InstitutionEdit`), applied by the store, which also refuses a kind change that
//! what the institution has depends on; this file holds the view and the two acts the API and the page
//! share.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::format::Label;
use crate::http::format::shanghai;
use crate::http::state::AppState;
use crate::template;
use chrono::{DateTime, Utc};
use finmart_domain::{Institution, InstitutionEdit, InstitutionInput, Principal};
use finmart_store::{InstitutionSummary, Suspension};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The institutions feature: its API, page and template.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "institutions",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("admin_institutions.html")],
        ..Feature::default()
    }
}

/// An institution as the operator sees it: its details and how many products name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionAdminView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: Label,
    pub intro: String,
    /// Products it lists, in every state.
    pub products: u64,
    /// Products that name it as their guarantee agency, in every state.
    pub guaranteed_products: u64,
    /// Present while the operator has it suspended: its people cannot sign in and its API tokens are refused.
    pub suspension: Option<SuspensionView>,
}

/// An institution's suspension as shown: since when (UTC, and Asia/Shanghai to the minute) and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuspensionView {
    pub since: DateTime<Utc>,
    pub since_text: String,
    pub reason: String,
}

impl From<&Suspension> for SuspensionView {
    fn from(s: &Suspension) -> Self {
        Self { since: s.since, since_text: shanghai(s.since), reason: s.reason.clone() }
    }
}

/// Why an institution is suspended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// 1–500 characters, kept in the audit log and shown to the operator.
    pub reason: String,
}

impl From<&InstitutionSummary> for InstitutionAdminView {
    fn from(s: &InstitutionSummary) -> Self {
        let i = &s.institution;
        Self {
            id: i.id,
            code: i.code.clone(),
            name: i.name.clone(),
            kind: Label::of(i.kind),
            intro: i.intro.clone(),
            products: s.products,
            guaranteed_products: s.guaranteed,
            suspension: s.suspension.as_ref().map(SuspensionView::from),
        }
    }
}

/// A new institution.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInstitutionBody {
    /// The stable key, 1–40 characters of letters, digits, `-`, `_` and `.` (`tj-factor`); import files
    /// name institutions by it. It cannot be changed later.
    pub code: String,
    /// 1–100 characters.
    pub name: String,
    /// `bank`, `micro_credit`, `leasing`, `insurer`, `guarantee_agency`, `factoring` or `other` (or the
    /// Chinese label).
    pub kind: String,
    /// Up to 2,000 characters; none when left out.
    #[serde(default)]
    pub intro: String,
}

/// An institution's details, all of them (the code is not among them: it does not change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionEditBody {
    /// 1–100 characters.
    pub name: String,
    /// As when creating. A guarantee agency that backs products, or has accounts, stays one; a lender that
    /// lists products, or has accounts, stays a lender (409).
    pub kind: String,
    /// Up to 2,000 characters; none when left out.
    #[serde(default)]
    pub intro: String,
}

/// Creates an institution (the operator's act).
///
/// # Errors
/// 400 naming every bad field, 409 for a taken code.
async fn create(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    body: &NewInstitutionBody,
) -> Result<Institution, ApiError> {
    let input = InstitutionInput { code: &body.code, name: &body.name, kind: &body.kind, intro: &body.intro };
    Ok(state.store.add_institution(&input, caller.audit(operator, "institution.create")).await?)
}

/// Edits an institution's name, kind and introduction (the operator's act).
///
/// # Errors
/// 400 naming every bad field, 404 for no such institution, 409 for a kind its products or accounts forbid.
async fn edit(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    id: i64,
    body: &InstitutionEditBody,
) -> Result<Institution, ApiError> {
    let edit = InstitutionEdit { name: &body.name, kind: &body.kind, intro: &body.intro };
    Ok(state.store.edit_institution(id, &edit, caller.audit(operator, "institution.edit")).await?)
}

/// Suspends an institution with a reason (the operator's act).
///
/// # Errors
/// 400 for an empty or too long reason (`reason`), 404 for no such institution.
async fn suspend(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    id: i64,
    reason: &str,
) -> Result<Suspension, ApiError> {
    Ok(state.store.suspend_institution(id, reason, caller.audit(operator, "institution.suspend")).await?)
}

/// Resumes a suspended institution (the operator's act).
///
/// # Errors
/// 404 for no such institution.
async fn resume(state: &AppState, caller: &Caller, operator: &Principal, id: i64) -> Result<(), ApiError> {
    Ok(state.store.resume_institution(id, caller.audit(operator, "institution.resume")).await?)
}
