//! A lender's invitation to a firm to apply for one of its listed products (from its candidates list).
//!
//! An invitation is sent only to a firm whose active consent covers the lender, for one of the lender's own
//! products listed today, and at most one open (sent) invitation per firm and product: `open_for` carries
//! `enterprise:product` while sent, under a unique index, so two racing invitations cannot both be open. The
//! firm declines it (with an optional reason) or applies to the product, which marks it applied in the
//! application's own transaction ([`mark_applied`]).

use crate::audit::{self, AuditEvent};
use crate::entity::invitation;
use crate::error::InvitationError;
use crate::notifications::{InvitationFacts, Notice, Party, notify};
use crate::{Manager, Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::shanghai::date_of as shanghai_date;
use finmart_domain::{FieldErrors, MAX_INVITATION_NOTE_CHARS, ValueError, optional_text};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Sent, not answered.
    Sent,
    /// The firm declined it.
    Declined,
    /// The firm applied to the product.
    Applied,
}

impl InvitationState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Declined => "declined",
            Self::Applied => "applied",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Sent => "已发送",
            Self::Declined => "已谢绝",
            Self::Applied => "已申请",
        }
    }

    #[must_use]
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Sent => "Sent",
            Self::Declined => "Declined",
            Self::Applied => "Applied",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Sent, Self::Declined, Self::Applied].into_iter().find(|s| s.as_str() == text)
    }
}

/// What a lender sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub institution_id: i64,
    pub enterprise_id: i64,
    pub product_id: i64,
    pub account_id: Option<i64>,
    /// The 客户经理 the firm may call (one of the institution's).
    pub manager_id: Option<i64>,
    pub note: Option<String>,
}

/// An invitation with the names and the 客户经理 each side shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationEntry {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub note: Option<String>,
    pub manager: Option<Manager>,
    pub state: InvitationState,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub application_id: Option<i64>,
}

fn open_key(enterprise_id: i64, product_id: i64) -> String {
    format!("{enterprise_id}:{product_id}")
}

fn invalid(field: &str, zh: &str, en: &str) -> StoreError {
    let mut errors = FieldErrors::default();
    errors.push(field, ValueError::worded(zh, en));
    StoreError::Invalid(errors)
}

/// Marks the open invitation of the firm to the product applied, with the application: called in the
/// application's transaction, so both are written or neither.
///
/// # Errors
/// Database failure.
pub(crate) async fn mark_applied(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    product_id: i64,
    application_id: i64,
) -> Result<(), StoreError> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::State, Expr::value(InvitationState::Applied.as_str()))
        .col_expr(invitation::Column::DecidedAt, Expr::value(Utc::now()))
        .col_expr(invitation::Column::ApplicationId, Expr::value(application_id))
        .col_expr(invitation::Column::OpenFor, Expr::value(Option::<String>::None))
        .filter(invitation::Column::OpenFor.eq(open_key(enterprise_id, product_id)))
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Sends an invitation, notifies the firm and audits it (`invitation.send`), in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (enterprise) when the firm's consent does not cover the institution;
    /// [`InvitationError::NotOwnProduct`] for a product that is not the institution's or not listed today;
    /// [`InvitationError::AlreadyInvited`] when an open invitation for the firm and product exists;
    /// [`StoreError::Invalid`] naming `note` or `manager_id`; database failure. Nothing is written on refusal.
    pub async fn invite(&self, new: &NewInvitation, event: &AuditEvent<'_>) -> Result<InvitationEntry, StoreError> {
        let note = optional_text(new.note.as_deref(), MAX_INVITATION_NOTE_CHARS).map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.push("note", e);
            StoreError::Invalid(errors)
        })?;
        let hidden = || StoreError::NotFound { what: Record::Enterprise, key: new.enterprise_id.to_string() };
        match crate::consent::consents_to(&self.db, new.enterprise_id, new.institution_id).await {
            Ok(true) => {}
            Ok(false) | Err(StoreError::NotFound { .. }) => return Err(hidden()),
            Err(e) => return Err(e),
        }
        let firm = self.enterprise(new.enterprise_id).await?.ok_or_else(hidden)?;
        let product = self.product(new.product_id).await?;
        let Some(product) =
            product.filter(|p| p.institution.id == new.institution_id && p.is_listed_on(shanghai_date(Utc::now())))
        else {
            return Err(InvitationError::NotOwnProduct.into());
        };
        if let Some(manager) = new.manager_id
            && !self.managers(new.institution_id).await?.iter().any(|m| m.id == manager)
        {
            return Err(invalid("manager_id", "请选择贵机构的客户经理", "choose one of your relationship managers"));
        }
        let key = open_key(new.enterprise_id, new.product_id);
        if let Some(existing) =
            invitation::Entity::find().filter(invitation::Column::OpenFor.eq(&key)).one(&self.db).await?
        {
            return Err(InvitationError::AlreadyInvited { existing: existing.id }.into());
        }
        let now = Utc::now();
        let txn = self.write_txn().await?;
        let inserted = invitation::ActiveModel {
            institution_id: Set(new.institution_id),
            enterprise_id: Set(new.enterprise_id),
            product_id: Set(new.product_id),
            account_id: Set(new.account_id),
            manager_id: Set(new.manager_id),
            note: Set(note),
            state: Set(InvitationState::Sent.as_str().to_owned()),
            created_at: Set(now),
            decided_at: Set(None),
            decline_reason: Set(None),
            application_id: Set(None),
            open_for: Set(Some(key.clone())),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            // A racing twin was first: its invitation is the open one.
            Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                let existing =
                    invitation::Entity::find().filter(invitation::Column::OpenFor.eq(&key)).one(&self.db).await?;
                return Err(
                    existing.map_or(StoreError::Db(e), |x| InvitationError::AlreadyInvited { existing: x.id }.into())
                );
            }
            Err(e) => return Err(e.into()),
        };
        let facts = InvitationFacts {
            invitation_id: row.id,
            product_id: product.id,
            product_name: product.spec.name.clone(),
            institution_name: product.institution.name.clone(),
            enterprise_name: firm.profile.name.clone(),
            reason: None,
        };
        notify(&txn, Party::Enterprise(new.enterprise_id), &Notice::Invitation { declined: false, facts }, now).await?;
        let mut entry =
            event.clone().enterprise(new.enterprise_id).institution(new.institution_id).subject("invitation", row.id);
        entry.action = "invitation.send";
        entry.detail = serde_json::json!({ "product_id": new.product_id, "manager_id": new.manager_id });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        self.invitation_entries(vec![row])
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound { what: Record::Invitation, key: new.product_id.to_string() })
    }

    /// The firm declines one of its open invitations (an optional reason), which notifies the lender and is
    /// audited (`invitation.decline`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when not the firm's; [`InvitationError::NotOpen`] when already answered;
    /// [`StoreError::Invalid`] naming `reason`; database failure.
    pub async fn decline_invitation(
        &self,
        enterprise_id: i64,
        id: i64,
        reason: Option<&str>,
        event: &AuditEvent<'_>,
    ) -> Result<InvitationEntry, StoreError> {
        let reason = optional_text(reason, MAX_INVITATION_NOTE_CHARS).map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.push("reason", e);
            StoreError::Invalid(errors)
        })?;
        let row = invitation::Entity::find_by_id(id)
            .filter(invitation::Column::EnterpriseId.eq(enterprise_id))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Invitation, key: id.to_string() })?;
        let entry = self.invitation_entries(vec![row.clone()]).await?.pop();
        let Some(entry) = entry else {
            return Err(StoreError::NotFound { what: Record::Invitation, key: id.to_string() });
        };
        let now = Utc::now();
        let txn = self.write_txn().await?;
        // Conditional on still being open: of a decline racing an application, one wins.
        let changed = invitation::Entity::update_many()
            .col_expr(invitation::Column::State, Expr::value(InvitationState::Declined.as_str()))
            .col_expr(invitation::Column::DecidedAt, Expr::value(now))
            .col_expr(invitation::Column::DeclineReason, Expr::value(reason.clone()))
            .col_expr(invitation::Column::OpenFor, Expr::value(Option::<String>::None))
            .filter(invitation::Column::Id.eq(id))
            .filter(invitation::Column::State.eq(InvitationState::Sent.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            return Err(InvitationError::NotOpen.into());
        }
        let facts = InvitationFacts {
            invitation_id: id,
            product_id: row.product_id,
            product_name: entry.product_name.clone(),
            institution_name: entry.institution_name.clone(),
            enterprise_name: entry.enterprise_name.clone(),
            reason: reason.clone(),
        };
        notify(&txn, Party::Institution(row.institution_id), &Notice::Invitation { declined: true, facts }, now)
            .await?;
        let mut audit_entry =
            event.clone().enterprise(enterprise_id).institution(row.institution_id).subject("invitation", id);
        audit_entry.action = "invitation.decline";
        audit_entry.detail = serde_json::json!({ "product_id": row.product_id, "reason": reason });
        audit::append(&txn, &audit_entry).await?;
        txn.commit().await?;
        Ok(InvitationEntry { state: InvitationState::Declined, decided_at: Some(now), decline_reason: reason, ..entry })
    }

    /// The firm's invitations, newest first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn invitations_for_enterprise(&self, enterprise_id: i64) -> Result<Vec<InvitationEntry>, StoreError> {
        let rows = invitation::Entity::find()
            .filter(invitation::Column::EnterpriseId.eq(enterprise_id))
            .order_by_desc(invitation::Column::Id)
            .all(&self.db)
            .await?;
        self.invitation_entries(rows).await
    }

    /// The institution's invitations, newest first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn invitations_of_institution(&self, institution_id: i64) -> Result<Vec<InvitationEntry>, StoreError> {
        let rows = invitation::Entity::find()
            .filter(invitation::Column::InstitutionId.eq(institution_id))
            .order_by_desc(invitation::Column::Id)
            .all(&self.db)
            .await?;
        self.invitation_entries(rows).await
    }

    /// Rows with the names of their firm, institution and product and their 客户经理.
    async fn invitation_entries(&self, rows: Vec<invitation::Model>) -> Result<Vec<InvitationEntry>, StoreError> {
        let mut products = HashMap::new();
        let mut firms = HashMap::new();
        let mut managers: HashMap<i64, Vec<Manager>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Entry::Vacant(slot) = products.entry(row.product_id) {
                let p = self.product(row.product_id).await?;
                slot.insert(p.map(|p| (p.spec.name.clone(), p.institution.name.clone())));
            }
            if let Entry::Vacant(slot) = firms.entry(row.enterprise_id) {
                let f = self.enterprise(row.enterprise_id).await?;
                slot.insert(f.map(|f| f.profile.name).unwrap_or_default());
            }
            if let Entry::Vacant(slot) = managers.entry(row.institution_id) {
                slot.insert(self.managers(row.institution_id).await?);
            }
            let (product_name, institution_name) = products.get(&row.product_id).cloned().flatten().unwrap_or_default();
            let state = InvitationState::parse(&row.state).ok_or_else(|| StoreError::Corrupt {
                table: "invitation",
                id: row.id,
                field: "state",
                reason: row.state.clone(),
            })?;
            let manager = row.manager_id.and_then(|m| {
                managers.get(&row.institution_id).and_then(|all| all.iter().find(|x| x.id == m)).cloned()
            });
            out.push(InvitationEntry {
                id: row.id,
                institution_id: row.institution_id,
                institution_name,
                enterprise_id: row.enterprise_id,
                enterprise_name: firms.get(&row.enterprise_id).cloned().unwrap_or_default(),
                product_id: row.product_id,
                product_name,
                note: row.note,
                manager,
                state,
                created_at: row.created_at,
                decided_at: row.decided_at,
                decline_reason: row.decline_reason,
                application_id: row.application_id,
            });
        }
        Ok(out)
    }
}
