//! Contact details as the API returns them and the pages show them, and the one way an institution reads a
//! firm's contact (the store decides whether it may and logs every showing). The contacts, messages and
//! invitations features all show them.

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::format::Place;
use crate::http::state::AppState;
use finmart_domain::{District, HomeArea, Principal};
use finmart_store::{Branch, ContactAccess, EnterpriseContact, Manager};
use serde::Serialize;
use utoipa::ToSchema;

/// A person and phone (an SME's contact).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub name: String,
    pub phone: String,
}

impl From<&EnterpriseContact> for ContactView {
    fn from(c: &EnterpriseContact) -> Self {
        Self { name: c.name.clone(), phone: c.phone.clone() }
    }
}

/// One branch (网点) of an institution.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BranchView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub district: Place,
}

impl BranchView {
    #[must_use]
    pub fn of(b: &Branch, home: &HomeArea) -> Self {
        Self {
            id: b.id,
            name: b.name.clone(),
            address: b.address.clone(),
            phone: b.phone.clone(),
            district: Place::of_stored(&b.district, home),
        }
    }
}

/// One 客户经理, with the branch it works at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ManagerView {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub branch_id: Option<i64>,
    pub branch_name: Option<String>,
}

impl From<&Manager> for ManagerView {
    fn from(m: &Manager) -> Self {
        Self {
            id: m.id,
            name: m.name.clone(),
            phone: m.phone.clone(),
            branch_id: m.branch_id,
            branch_name: m.branch_name.clone(),
        }
    }
}

/// An institution's branches and 客户经理.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionContacts {
    pub branches: Vec<BranchView>,
    pub managers: Vec<ManagerView>,
}

impl InstitutionContacts {
    /// The institution's contacts; with `near` (a firm's district), the branches there and their 客户经理
    /// come first, so the firm sees whom to call nearby.
    ///
    /// # Errors
    /// Database failure.
    pub async fn of(state: &AppState, institution_id: i64, near: Option<District>) -> Result<Self, ApiError> {
        let home = &state.config.home_area;
        let mut branches = state.store.branches(institution_id).await?;
        let mut managers = state.store.managers(institution_id).await?;
        if let Some(district) = near {
            let code = district.code();
            let local: Vec<i64> = branches.iter().filter(|b| b.district == code).map(|b| b.id).collect();
            branches.sort_by_key(|b| !local.contains(&b.id));
            managers.sort_by_key(|m| !m.branch_id.is_some_and(|b| local.contains(&b)));
        }
        Ok(Self {
            branches: branches.iter().map(|b| BranchView::of(b, home)).collect(),
            managers: managers.iter().map(ManagerView::from).collect(),
        })
    }
}

/// A firm's contact as an institution asked for it: `visible` false when it may not see it (no application
/// and no consent with sharing), `contact` absent when the firm gave none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirmContact {
    pub visible: bool,
    pub contact: Option<ContactView>,
}

/// Reads the firm's contact for the institution user `p` (about `application_id` when from an application):
/// shown by the store's rule, each showing logged in the firm's profile-view log.
///
/// # Errors
/// Database failure.
pub async fn firm_contact(
    state: &AppState,
    caller: &Caller,
    p: &Principal,
    institution_id: i64,
    enterprise_id: i64,
    application_id: Option<i64>,
) -> Result<FirmContact, ApiError> {
    let event = caller.audit(p, "profile.view");
    let access = state
        .store
        .contact_for_institution(enterprise_id, institution_id, Some(p.account_id), application_id, &event)
        .await?;
    Ok(match access {
        ContactAccess::Hidden => FirmContact { visible: false, contact: None },
        ContactAccess::NotGiven => FirmContact { visible: true, contact: None },
        ContactAccess::Shown(c) => FirmContact { visible: true, contact: Some(ContactView::from(&c)) },
    })
}

/// An application as its conversation's reader sees it: the firm, the lender (the product's institution) and
/// the operator; anyone else (another party, the guarantee agency) gets 404, its existence not revealed.
///
/// # Errors
/// 404; database failure.
pub async fn conversation_application(
    state: &AppState,
    p: &Principal,
    id: i64,
) -> Result<finmart_store::Application, ApiError> {
    let missing = || ApiError::not_found("申请", "application");
    let app = state.store.application(id).await?.ok_or_else(missing)?;
    let party = p.enterprise() == Some(app.enterprise_id) || p.lender() == Some(app.institution_id);
    if party || p.is_operator() { Ok(app) } else { Err(missing()) }
}

/// The other side's contacts on `app` for its reader `p`: the firm (and the operator) see the lender's
/// branches and 客户经理; the lender (and the operator) the firm's contact, each showing to the lender logged.
///
/// # Errors
/// Database failure.
pub async fn counterpart_contacts(
    state: &AppState,
    caller: &Caller,
    p: &Principal,
    app: &finmart_store::Application,
) -> Result<(Option<InstitutionContacts>, Option<FirmContact>), ApiError> {
    let institution = if p.lender().is_none() {
        Some(InstitutionContacts::of(state, app.institution_id, Some(app.district)).await?)
    } else {
        None
    };
    let firm = match p.lender() {
        Some(lender) => Some(firm_contact(state, caller, p, lender, app.enterprise_id, Some(app.id)).await?),
        None if p.is_operator() => {
            let own = state.store.enterprise_contact(app.enterprise_id).await?;
            Some(FirmContact { visible: true, contact: own.as_ref().map(ContactView::from) })
        }
        None => None,
    };
    Ok((institution, firm))
}
