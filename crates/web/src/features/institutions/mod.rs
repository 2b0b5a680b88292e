//! Institutions as the operator manages them: every lender (bank, micro-credit, leasing, insurance and
//! factoring company, other financial institution) and guarantee agency, created and edited before any
//! product names them, on `/admin/institutions` and by `POST /api/v1/institutions`,
//! `PUT /api/v1/institutions/{id}`, with how many products each lists or backs
//! (`GET /api/v1/institutions/admin`). The public list (`GET /api/v1/institutions`) is the catalogue's.
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
use crate::http::state::AppState;
use crate::template;
use finmart_domain::{Institution, InstitutionEdit, InstitutionInput, Principal};
use finmart_store::InstitutionSummary;
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
