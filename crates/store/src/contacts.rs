//! Contact details: an SME's contact person and phone, and each institution's branches (网点) and 客户经理.
//!
//! Who sees an SME's contact is decided here ([`Store::contact_for_institution`]): an institution sees it
//! while the firm has an application to one of its products, or while the firm's active consent covers it
//! *and* the firm chose to share its contact with the institutions it consented to (off until chosen). Every
//! time it is shown to an institution, the view is recorded in the firm's profile-view log (context
//! `contact`) in the same transaction.

use crate::audit::{self, AuditEvent};
use crate::entity::{application, enterprise_contact, institution_branch, relationship_manager};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{BranchInput, ContactInput, District, FieldErrors, ValueError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::HashMap;

/// An SME's contact person, and its sharing choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterpriseContact {
    pub enterprise_id: i64,
    pub name: String,
    pub phone: String,
    /// Shared with the institutions its consent covers (else only with those it applied to).
    pub share_with_consented: bool,
    pub updated_at: DateTime<Utc>,
}

/// What an institution may see of a firm's contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactAccess {
    /// Neither an application nor a consent with sharing: the contact is not the institution's to see.
    Hidden,
    /// It may see it, but the firm has given none.
    NotGiven,
    /// Shown (and the view recorded).
    Shown(EnterpriseContact),
}

/// One branch of an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub id: i64,
    pub institution_id: i64,
    pub name: String,
    pub address: String,
    pub phone: String,
    /// The district's 6-digit code.
    pub district: String,
}

/// One 客户经理 of an institution, with the branch it works at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manager {
    pub id: i64,
    pub institution_id: i64,
    pub name: String,
    pub phone: String,
    pub branch_id: Option<i64>,
    pub branch_name: Option<String>,
}

fn contact_of(row: enterprise_contact::Model) -> EnterpriseContact {
    EnterpriseContact {
        enterprise_id: row.enterprise_id,
        name: row.name,
        phone: row.phone,
        share_with_consented: row.share_with_consented,
        updated_at: row.updated_at,
    }
}

fn branch_of(row: institution_branch::Model) -> Branch {
    Branch {
        id: row.id,
        institution_id: row.institution_id,
        name: row.name,
        address: row.address,
        phone: row.phone,
        district: row.district,
    }
}

impl Store {
    /// The firm's own contact person, when it gave one.
    ///
    /// # Errors
    /// Database failure.
    pub async fn enterprise_contact(&self, enterprise_id: i64) -> Result<Option<EnterpriseContact>, StoreError> {
        Ok(enterprise_contact::Entity::find_by_id(enterprise_id).one(&self.db).await?.map(contact_of))
    }

    /// Sets the firm's contact person and phone (its sharing choice stays as it was; a first contact is not
    /// shared until the firm chooses so). Audited as `contact.update`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn save_enterprise_contact(
        &self,
        enterprise_id: i64,
        contact: &ContactInput,
        event: &AuditEvent<'_>,
    ) -> Result<EnterpriseContact, StoreError> {
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let existing = enterprise_contact::Entity::find_by_id(enterprise_id).one(&txn).await?;
        let row = match existing {
            Some(row) => {
                let mut active: enterprise_contact::ActiveModel = row.into();
                active.name = Set(contact.name.clone());
                active.phone = Set(contact.phone.as_str().to_owned());
                active.updated_at = Set(now);
                active.update(&txn).await?
            }
            None => {
                enterprise_contact::ActiveModel {
                    enterprise_id: Set(enterprise_id),
                    name: Set(contact.name.clone()),
                    phone: Set(contact.phone.as_str().to_owned()),
                    share_with_consented: Set(false),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
            }
        };
        let mut entry = event.clone().enterprise(enterprise_id).subject("enterprise", enterprise_id);
        entry.action = "contact.update";
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(contact_of(row))
    }

    /// The firm's choice whether institutions its consent covers may see its contact. Audited as
    /// `contact.share` with the choice.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `share` when the firm has given no contact yet; database failure.
    pub async fn set_contact_sharing(
        &self,
        enterprise_id: i64,
        share: bool,
        event: &AuditEvent<'_>,
    ) -> Result<EnterpriseContact, StoreError> {
        let txn = self.write_txn().await?;
        let Some(row) = enterprise_contact::Entity::find_by_id(enterprise_id).one(&txn).await? else {
            let mut errors = FieldErrors::default();
            errors.push("share", ValueError::worded("请先填写联系人和电话", "give a contact person and phone first"));
            return Err(StoreError::Invalid(errors));
        };
        let mut active: enterprise_contact::ActiveModel = row.into();
        active.share_with_consented = Set(share);
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        let mut entry = event.clone().enterprise(enterprise_id).subject("enterprise", enterprise_id);
        entry.action = "contact.share";
        entry.detail = serde_json::json!({ "share_with_consented": share });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(contact_of(row))
    }

    /// Whether `institution_id` may see the firm's contact: an application of the firm to one of its
    /// products exists, or the firm's active consent covers it and the firm shares its contact with
    /// consenting institutions.
    ///
    /// # Errors
    /// Database failure.
    pub async fn may_see_contact(&self, enterprise_id: i64, institution_id: i64) -> Result<bool, StoreError> {
        let applied = application::Entity::find()
            .filter(application::Column::EnterpriseId.eq(enterprise_id))
            .filter(application::Column::InstitutionId.eq(institution_id))
            .count(&self.db)
            .await?;
        if applied > 0 {
            return Ok(true);
        }
        let shares = enterprise_contact::Entity::find_by_id(enterprise_id)
            .one(&self.db)
            .await?
            .is_some_and(|c| c.share_with_consented);
        if !shares {
            return Ok(false);
        }
        match crate::consent::consents_to(&self.db, enterprise_id, institution_id).await {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The firm's contact as `institution_id` may see it (through `account_id`, about `application_id` when
    /// read from an application): shown only by the rule of [`Self::may_see_contact`], and every showing is
    /// recorded in the firm's profile-view log (context `contact`) and audited, in one transaction.
    ///
    /// # Errors
    /// Database failure.
    pub async fn contact_for_institution(
        &self,
        enterprise_id: i64,
        institution_id: i64,
        account_id: Option<i64>,
        application_id: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<ContactAccess, StoreError> {
        if !self.may_see_contact(enterprise_id, institution_id).await? {
            return Ok(ContactAccess::Hidden);
        }
        let Some(contact) = self.enterprise_contact(enterprise_id).await? else {
            return Ok(ContactAccess::NotGiven);
        };
        let txn = self.write_txn().await?;
        crate::consent::insert_view(&txn, enterprise_id, institution_id, account_id, "contact", application_id, event)
            .await?;
        txn.commit().await?;
        Ok(ContactAccess::Shown(contact))
    }

    /// An institution's branches, by name.
    ///
    /// # Errors
    /// Database failure.
    pub async fn branches(&self, institution_id: i64) -> Result<Vec<Branch>, StoreError> {
        Ok(institution_branch::Entity::find()
            .filter(institution_branch::Column::InstitutionId.eq(institution_id))
            .order_by_asc(institution_branch::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(branch_of)
            .collect())
    }

    /// Adds a branch to an institution, in `district` (a county-level division). Audited as `branch.add`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn add_branch(
        &self,
        institution_id: i64,
        branch: &BranchInput,
        district: District,
        event: &AuditEvent<'_>,
    ) -> Result<Branch, StoreError> {
        let txn = self.write_txn().await?;
        let row = institution_branch::ActiveModel {
            institution_id: Set(institution_id),
            name: Set(branch.name.clone()),
            address: Set(branch.address.clone()),
            phone: Set(branch.phone.as_str().to_owned()),
            district: Set(district.code()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut entry = event.clone().institution(institution_id).subject("branch", row.id);
        entry.action = "branch.add";
        entry.detail = serde_json::json!({ "name": row.name });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(branch_of(row))
    }

    /// Removes one of the institution's branches (its 客户经理 stay, without a branch). Audited.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it is not the institution's; database failure.
    pub async fn remove_branch(&self, institution_id: i64, id: i64, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let found = institution_branch::Entity::find_by_id(id)
            .filter(institution_branch::Column::InstitutionId.eq(institution_id))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Branch, key: id.to_string() })?;
        relationship_manager::Entity::update_many()
            .col_expr(relationship_manager::Column::BranchId, Expr::value(Option::<i64>::None))
            .filter(relationship_manager::Column::BranchId.eq(id))
            .exec(&txn)
            .await?;
        institution_branch::Entity::delete_by_id(id).exec(&txn).await?;
        let mut entry = event.clone().institution(institution_id).subject("branch", id);
        entry.action = "branch.remove";
        entry.detail = serde_json::json!({ "name": found.name });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(())
    }

    /// An institution's 客户经理, with their branches' names.
    ///
    /// # Errors
    /// Database failure.
    pub async fn managers(&self, institution_id: i64) -> Result<Vec<Manager>, StoreError> {
        let branches: HashMap<i64, String> =
            self.branches(institution_id).await?.into_iter().map(|b| (b.id, b.name)).collect();
        Ok(relationship_manager::Entity::find()
            .filter(relationship_manager::Column::InstitutionId.eq(institution_id))
            .order_by_asc(relationship_manager::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| Manager {
                id: m.id,
                institution_id: m.institution_id,
                branch_name: m.branch_id.and_then(|b| branches.get(&b).cloned()),
                branch_id: m.branch_id,
                name: m.name,
                phone: m.phone,
            })
            .collect())
    }

    /// Adds a 客户经理 to an institution, at one of its branches or none. Audited as `manager.add`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `branch_id` for a branch that is not the institution's; database failure.
    pub async fn add_manager(
        &self,
        institution_id: i64,
        person: &ContactInput,
        branch_id: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<Manager, StoreError> {
        let txn = self.write_txn().await?;
        let branch = match branch_id {
            Some(id) => Some(
                institution_branch::Entity::find_by_id(id)
                    .filter(institution_branch::Column::InstitutionId.eq(institution_id))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        let mut errors = FieldErrors::default();
                        errors
                            .push("branch_id", ValueError::worded("请选择贵机构的网点", "choose one of your branches"));
                        StoreError::Invalid(errors)
                    })?,
            ),
            None => None,
        };
        let row = relationship_manager::ActiveModel {
            institution_id: Set(institution_id),
            branch_id: Set(branch_id),
            name: Set(person.name.clone()),
            phone: Set(person.phone.as_str().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut entry = event.clone().institution(institution_id).subject("manager", row.id);
        entry.action = "manager.add";
        entry.detail = serde_json::json!({ "name": row.name, "branch_id": branch_id });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(Manager {
            id: row.id,
            institution_id,
            name: row.name,
            phone: row.phone,
            branch_id,
            branch_name: branch.map(|b| b.name),
        })
    }

    /// Removes one of the institution's 客户经理. Audited.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when not the institution's; database failure.
    pub async fn remove_manager(&self, institution_id: i64, id: i64, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let found = relationship_manager::Entity::find_by_id(id)
            .filter(relationship_manager::Column::InstitutionId.eq(institution_id))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Manager, key: id.to_string() })?;
        relationship_manager::Entity::delete_by_id(id).exec(&txn).await?;
        let mut entry = event.clone().institution(institution_id).subject("manager", id);
        entry.action = "manager.remove";
        entry.detail = serde_json::json!({ "name": found.name });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(())
    }
}
