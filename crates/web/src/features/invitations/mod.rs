//! Invitations to apply: from its candidates list (reverse matching) a lender invites a consenting firm to
//! apply for one of its listed products, with an optional note and 客户经理.
//!
//! - `POST /api/v1/invitations` (institution users), `GET /api/v1/invitations` (the lender's sent ones, or
//!   the firm's received ones), `POST /api/v1/invitations/{id}/decline` (the firm);
//! - pages `/bank/invitations` (each invitation's state: sent, declined, applied), `/bank/invitations/new`
//!   (linked from each candidate), `/sme/invitations` (去申请 to the product's apply page, or 谢绝).
//!
//! The store refuses an invitation without the firm's consent (404), for a product not the lender's own or
//! not listed (400 `product_id`), or while one for the same firm and product is open (409); applying to the
//! product marks the invitation applied.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::contacts::ManagerView;
use crate::http::format::shanghai;
use crate::template;
use finmart_store::{InvitationEntry, InvitationState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The invitations feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "invitations",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("bank_invitations.html"),
            template!("bank_invitation_new.html"),
            template!("sme_invitations.html"),
        ],
        ..Feature::default()
    }
}

/// An invitation's state with its labels.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateView {
    /// `sent`, `declined` or `applied`.
    pub code: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
}

/// One invitation as both sides see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub note: Option<String>,
    /// The 客户经理 the firm may call.
    pub manager: Option<ManagerView>,
    pub state: StateView,
    /// RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub created_at: String,
    pub created_at_text: String,
    pub decided_at_text: Option<String>,
    pub decline_reason: Option<String>,
    /// The application that followed (applied only).
    pub application_id: Option<i64>,
    /// Where the firm applies.
    pub apply_link: String,
}

impl From<&InvitationEntry> for InvitationView {
    fn from(i: &InvitationEntry) -> Self {
        Self {
            id: i.id,
            institution_id: i.institution_id,
            institution_name: i.institution_name.clone(),
            enterprise_id: i.enterprise_id,
            enterprise_name: i.enterprise_name.clone(),
            product_id: i.product_id,
            product_name: i.product_name.clone(),
            note: i.note.clone(),
            manager: i.manager.as_ref().map(ManagerView::from),
            state: state_view(i.state),
            created_at: i.created_at.to_rfc3339(),
            created_at_text: shanghai(i.created_at),
            decided_at_text: i.decided_at.map(shanghai),
            decline_reason: i.decline_reason.clone(),
            application_id: i.application_id,
            apply_link: format!("/apply/{}", i.product_id),
        }
    }
}

fn state_view(s: InvitationState) -> StateView {
    StateView { code: s.as_str(), label: s.label_zh(), label_en: s.label_en() }
}

/// `POST /api/v1/invitations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    pub enterprise_id: i64,
    /// One of the institution's listed products.
    pub product_id: i64,
    /// At most 500 characters.
    pub note: Option<String>,
    /// One of the institution's 客户经理.
    pub manager_id: Option<i64>,
}

/// `POST /api/v1/invitations/{id}/decline` (the body may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    /// At most 500 characters.
    pub reason: Option<String>,
}
