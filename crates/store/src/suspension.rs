//! Institutions suspended by the operator. While an institution is suspended its people cannot sign in (a
//! session they hold stops at its next request) and its API tokens are refused; resuming it lets both act
//! again, so a suspension is reversible and nothing of the institution is deleted. Its products are not
//! touched: the operator takes them down (下架) separately when that is wanted.

use crate::audit::{self, AuditEvent};
use crate::entity::{institution, institution_suspension};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{FieldErrors, suspension_reason};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use std::collections::HashMap;

/// An institution's suspension: since when, and why (the operator's words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    pub since: DateTime<Utc>,
    pub reason: String,
}

impl Store {
    /// Suspends an institution, audited with the reason. Suspending one already suspended keeps its first
    /// date and takes the new reason. Returns the suspension now in force.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty or too long reason (field `reason`); [`StoreError::NotFound`] for no
    /// such institution; database failure.
    pub async fn suspend_institution(
        &self,
        id: i64,
        reason: &str,
        event: AuditEvent<'_>,
    ) -> Result<Suspension, StoreError> {
        let kept = self.set_suspension(id, Some(reason), event).await?;
        kept.ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: id.to_string() })
    }

    /// Resumes a suspended institution, audited; one that is not suspended is left as it is (and nothing is
    /// audited).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for no such institution; database failure.
    pub async fn resume_institution(&self, id: i64, event: AuditEvent<'_>) -> Result<(), StoreError> {
        self.set_suspension(id, None, event).await.map(drop)
    }

    /// Suspends (`Some(reason)`) or resumes (`None`); the suspension in force afterwards.
    async fn set_suspension(
        &self,
        id: i64,
        reason: Option<&str>,
        event: AuditEvent<'_>,
    ) -> Result<Option<Suspension>, StoreError> {
        let reason = reason
            .map(|text| {
                suspension_reason(text).map_err(|e| {
                    let mut errors = FieldErrors::default();
                    errors.push("reason", e);
                    StoreError::Invalid(errors)
                })
            })
            .transpose()?;
        let txn = self.write_txn().await?;
        let institution = institution::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: id.to_string() })?;
        let before = institution_suspension::Entity::find_by_id(id).one(&txn).await?;
        let after = match (&before, &reason) {
            (None, None) => return Ok(None),
            (Some(row), None) => {
                institution_suspension::Entity::delete_by_id(row.institution_id).exec(&txn).await?;
                None
            }
            (Some(row), Some(reason)) => {
                let mut active: institution_suspension::ActiveModel = row.clone().into();
                active.reason = Set(reason.clone());
                Some(active.update(&txn).await?)
            }
            (None, Some(reason)) => {
                let row = institution_suspension::ActiveModel {
                    institution_id: Set(id),
                    suspended_at: Set(Utc::now()),
                    reason: Set(reason.clone()),
                };
                Some(row.insert(&txn).await?)
            }
        };
        let facts = json!({"code": institution.code, "reason": reason});
        audit::append(&txn, &event.subject("institution", id).institution(id).with_facts(facts)).await?;
        txn.commit().await?;
        Ok(after.map(Suspension::from))
    }

    /// The institution's suspension, if it is suspended (`None` also for no such institution).
    ///
    /// # Errors
    /// Database failure.
    pub async fn institution_suspension(&self, id: i64) -> Result<Option<Suspension>, StoreError> {
        Ok(institution_suspension::Entity::find_by_id(id).one(&self.db).await?.map(Suspension::from))
    }

    /// Every suspended institution's suspension, by institution id.
    ///
    /// # Errors
    /// Database failure.
    pub async fn institution_suspensions(&self) -> Result<HashMap<i64, Suspension>, StoreError> {
        let rows = institution_suspension::Entity::find().all(&self.db).await?;
        Ok(rows.into_iter().map(|row| (row.institution_id, Suspension::from(row))).collect())
    }
}

impl From<institution_suspension::Model> for Suspension {
    fn from(row: institution_suspension::Model) -> Self {
        Self { since: row.suspended_at, reason: row.reason }
    }
}
