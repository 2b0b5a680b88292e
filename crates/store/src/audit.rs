//! The append-only audit log: sign-ins, product changes and reviews, application transitions, consent
//! changes and profile views. Nothing here updates or deletes an entry, and the database refuses to
//! (triggers from the marketplace migration).
//!
//! Each entry names the parties it concerns (an enterprise, an institution), so each party can read its own
//! entries and the operator all of them.

use crate::entity::audit_log;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{Labelled, Principal, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

/// What happened, by whom, to what, for whom: built where the act happens, written in its transaction.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub account_id: Option<i64>,
    pub role: Option<Role>,
    pub address: Option<&'a str>,
    pub action: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub detail: serde_json::Value,
    /// The API token (id, name) the account acted by, when it did: written into the entry's detail as
    /// `token_id` and `token_name`, so the log shows who acted and by which token.
    pub token: Option<(i64, &'a str)>,
}

impl<'a> AuditEvent<'a> {
    /// An act by a signed-in account; the account's own party is one of the parties concerned.
    #[must_use]
    pub fn by(principal: &Principal, address: Option<&'a str>, action: &'a str) -> Self {
        Self {
            account_id: Some(principal.account_id),
            role: Some(principal.role),
            address,
            action,
            subject_kind: "account",
            subject_id: Some(principal.account_id),
            enterprise_id: principal.enterprise_id,
            institution_id: principal.institution_id,
            detail: serde_json::Value::Null,
            token: None,
        }
    }

    /// An act by nobody signed in (a failed sign-in).
    #[must_use]
    pub fn anonymous(address: Option<&'a str>, action: &'a str) -> Self {
        Self {
            account_id: None,
            role: None,
            address,
            action,
            subject_kind: "account",
            subject_id: None,
            enterprise_id: None,
            institution_id: None,
            detail: serde_json::Value::Null,
            token: None,
        }
    }

    #[must_use]
    pub fn subject(mut self, kind: &'a str, id: i64) -> Self {
        self.subject_kind = kind;
        self.subject_id = Some(id);
        self
    }

    /// The enterprise concerned (besides, or instead of, the actor's party).
    #[must_use]
    pub fn enterprise(mut self, id: i64) -> Self {
        self.enterprise_id = Some(id);
        self
    }

    /// The institution concerned.
    #[must_use]
    pub fn institution(mut self, id: i64) -> Self {
        self.institution_id = Some(id);
        self
    }

    /// Acted by this API token (its id and name).
    #[must_use]
    pub fn by_token(mut self, id: i64, name: &'a str) -> Self {
        self.token = Some((id, name));
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// Adds the fields of `facts` (an object) to the detail, keeping those the caller set (which tool
    /// acted, say): the store records what the act was, its caller how it came about.
    #[must_use]
    pub(crate) fn with_facts(mut self, facts: serde_json::Value) -> Self {
        match (&mut self.detail, facts) {
            (serde_json::Value::Object(detail), serde_json::Value::Object(facts)) => {
                for (key, value) in facts {
                    detail.entry(key).or_insert(value);
                }
            }
            (detail, facts) if detail.is_null() => *detail = facts,
            // A caller's detail that is not an object stays as it is.
            _ => {}
        }
        self
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub role: Option<String>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub address: Option<String>,
    pub detail: serde_json::Value,
}

/// Which entries to read: everything (the operator), or one party's, newest first, before an id.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery {
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub before: Option<i64>,
    pub limit: u64,
}

/// Appends an entry inside the caller's transaction.
///
/// # Errors
/// Database failure.
/// `detail` with the token an act was done by: an object gains `token_id` and `token_name` (the token's,
/// whatever the caller put there); anything else is kept under `detail` beside them.
fn with_token(detail: serde_json::Value, id: i64, name: &str) -> serde_json::Value {
    let mut object = match detail {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => serde_json::Map::new(),
        other => serde_json::Map::from_iter([("detail".to_owned(), other)]),
    };
    object.insert("token_id".to_owned(), id.into());
    object.insert("token_name".to_owned(), name.into());
    serde_json::Value::Object(object)
}

pub(crate) async fn append(db: &impl ConnectionTrait, event: &AuditEvent<'_>) -> Result<(), StoreError> {
    let detail = match event.token {
        Some((id, name)) => with_token(event.detail.clone(), id, name),
        None => event.detail.clone(),
    };
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        account_id: Set(event.account_id),
        role: Set(event.role.map(|r| r.as_str().to_owned())),
        action: Set(event.action.to_owned()),
        subject_kind: Set(event.subject_kind.to_owned()),
        subject_id: Set(event.subject_id),
        enterprise_id: Set(event.enterprise_id),
        institution_id: Set(event.institution_id),
        address: Set(event.address.map(|a| a.chars().take(64).collect())),
        detail: Set(if detail.is_null() { "{}".to_owned() } else { detail.to_string() }),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

impl Store {
    /// Appends one entry on its own.
    ///
    /// # Errors
    /// Database failure.
    pub async fn audit(&self, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        append(&self.db, event).await
    }

    /// Entries newest first. With `enterprise_id` or `institution_id` set, only entries concerning that
    /// party (both set: entries concerning either).
    ///
    /// # Errors
    /// Database failure.
    pub async fn audit_log(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        use sea_orm::Condition;
        let mut select =
            audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(query.limit.clamp(1, 500));
        if query.enterprise_id.is_some() || query.institution_id.is_some() {
            let mut party = Condition::any();
            if let Some(id) = query.enterprise_id {
                party = party.add(audit_log::Column::EnterpriseId.eq(id));
            }
            if let Some(id) = query.institution_id {
                party = party.add(audit_log::Column::InstitutionId.eq(id));
            }
            select = select.filter(party);
        }
        if let Some(before) = query.before {
            select = select.filter(audit_log::Column::Id.lt(before));
        }
        Ok(select
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| AuditEntry {
                id: row.id,
                at: row.at,
                account_id: row.account_id,
                role: row.role,
                action: row.action,
                subject_kind: row.subject_kind,
                subject_id: row.subject_id,
                enterprise_id: row.enterprise_id,
                institution_id: row.institution_id,
                address: row.address,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}
