//! Contact details of both sides.
//!
//! - The SME's contact person and phone (`GET/PUT /api/v1/me/contact`, page `/sme/contact`), and its choice
//!   whether the institutions its consent covers may see them (`PUT /api/v1/me/contact/sharing`, the form on
//!   the consent page; off until chosen).
//! - An institution's branches (网点) and 客户经理, managed by its own users (`/api/v1/institution/…`, page
//!   `/bank/contacts`).
//! - A firm's contact as an institution may see it (`GET /api/v1/enterprises/{id}/contact`), and the other
//!   side's contacts on an application (`GET /api/v1/applications/{id}/contacts`): the firm sees the lender's
//!   branches and 客户经理, the lender the firm's contact. Every showing of a firm's contact to an institution
//!   is recorded in the firm's profile-view log (context `contact`).

mod api;
mod pages;

use crate::http::Feature;
use crate::http::contacts::{BranchView, ContactView, FirmContact, InstitutionContacts, ManagerView};
use crate::template;
use finmart_domain::{BranchInput, ContactInput, District, FieldErrors, HomeArea};
use finmart_store::EnterpriseContact;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The contacts feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "contacts",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("sme_contact.html"),
            template!("bank_contacts.html"),
            template!("sme_consent_sharing.html"),
        ],
        ..Feature::default()
    }
}

/// The SME's own contact and its sharing choice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyContact {
    /// Absent until the firm gives one.
    pub contact: Option<ContactView>,
    /// Institutions that the firm's consent covers may see the contact (else only those it applied to).
    pub share_with_consented: bool,
}

impl MyContact {
    fn of(c: Option<&EnterpriseContact>) -> Self {
        Self { contact: c.map(ContactView::from), share_with_consented: c.is_some_and(|c| c.share_with_consented) }
    }
}

/// `PUT /api/v1/me/contact`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// 1–30 characters.
    pub name: String,
    /// A mainland mobile (11 digits, 1[3-9]…) or a landline with area code (022-23456789).
    pub phone: String,
}

/// `PUT /api/v1/me/contact/sharing`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingBody {
    pub share: bool,
}

/// `POST /api/v1/institution/branches`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchBody {
    pub name: String,
    pub address: String,
    pub phone: String,
    /// A district of the deployment's home area: its 6-digit code or name.
    pub district: String,
}

/// `POST /api/v1/institution/managers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagerBody {
    pub name: String,
    pub phone: String,
    /// One of the institution's branches, or none.
    pub branch_id: Option<i64>,
}

/// The other side's contacts on an application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationContacts {
    pub application_id: i64,
    /// To the firm (and the operator): the lender's branches and 客户经理, those in the firm's district first.
    pub institution: Option<InstitutionContacts>,
    /// To the lender (and the operator): the firm's contact (each showing to the lender is logged).
    pub enterprise: Option<FirmContact>,
}

/// A branch's fields checked: the text fields by the domain, the district within the home area.
fn branch_input(
    home: &HomeArea,
    name: &str,
    address: &str,
    phone: &str,
    district: &str,
) -> Result<(BranchInput, District), FieldErrors> {
    let mut errors = FieldErrors::default();
    let fields = BranchInput::parse(name, address, phone).map_err(|e| errors.0.extend(e.0)).ok();
    let district = if district.trim().is_empty() {
        errors.push("district", finmart_domain::ValueError::Empty);
        None
    } else {
        errors.check("district", District::parse(district.trim(), home))
    };
    match (fields, district) {
        (Some(f), Some(d)) if errors.is_empty() => Ok((f, d)),
        _ => Err(errors),
    }
}

/// A 客户经理's fields checked (name, phone), and the branch id when one was chosen.
fn manager_input(name: &str, phone: &str) -> Result<ContactInput, FieldErrors> {
    ContactInput::parse(name, phone)
}

/// The views of an institution's branches and 客户经理, for its own page and API.
async fn own_contacts(
    state: &crate::http::state::AppState,
    institution_id: i64,
) -> Result<(Vec<BranchView>, Vec<ManagerView>), crate::http::error::ApiError> {
    let all = InstitutionContacts::of(state, institution_id, None).await?;
    Ok((all.branches, all.managers))
}
