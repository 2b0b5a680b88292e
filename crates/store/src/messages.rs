//! The message thread of each application, between the firm and the lender (the product's institution).
//!
//! A message is written with the other party's notification and its audit entry in one transaction. A
//! message is unread until the other party opens the thread; each side counts the other's unread messages.
//! Who may read a thread (the two parties and the operator) is the caller's check; who may write is checked
//! here too: the writing party must be the application's.

use crate::audit::{self, AuditEvent};
use crate::entity::{application, application_message};
use crate::notifications::{MessageFacts, Notice, Party, notify};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{FieldErrors, MAX_MESSAGE_CHARS, bounded_text};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::HashMap;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageSide {
    Enterprise,
    Institution,
}

impl MessageSide {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Institution => "institution",
        }
    }

    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Enterprise => Self::Institution,
            Self::Institution => Self::Enterprise,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "enterprise" => Some(Self::Enterprise),
            "institution" => Some(Self::Institution),
            _ => None,
        }
    }
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: i64,
    pub application_id: i64,
    pub from: MessageSide,
    pub account_id: Option<i64>,
    pub body: String,
    pub at: DateTime<Utc>,
    /// When the other party first opened the thread after it was written.
    pub read_at: Option<DateTime<Utc>>,
}

fn message_of(row: application_message::Model) -> Result<Message, StoreError> {
    let from = MessageSide::parse(&row.from_side).ok_or_else(|| StoreError::Corrupt {
        table: "application_message",
        id: row.id,
        field: "from_side",
        reason: row.from_side.clone(),
    })?;
    Ok(Message {
        id: row.id,
        application_id: row.application_id,
        from,
        account_id: row.account_id,
        body: row.body,
        at: row.at,
        read_at: row.read_at,
    })
}

impl Store {
    /// Posts `body` to application `application_id`'s thread as `party` (which must be the application's firm
    /// or lender), notifies the other party and audits it (`message.post`), in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `body` (empty, too long); [`StoreError::NotFound`] when the application
    /// is not the party's; database failure. Nothing is written on refusal.
    pub async fn post_message(
        &self,
        application_id: i64,
        party: Party,
        account_id: Option<i64>,
        body: &str,
        event: &AuditEvent<'_>,
    ) -> Result<Message, StoreError> {
        let body = bounded_text(body, MAX_MESSAGE_CHARS, true).map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.push("body", e);
            StoreError::Invalid(errors)
        })?;
        let not_found = || StoreError::NotFound { what: Record::Application, key: application_id.to_string() };
        let app = self.application(application_id).await?.ok_or_else(not_found)?;
        let (side, to, from_name) = match party {
            Party::Enterprise(id) if id == app.enterprise_id => {
                (MessageSide::Enterprise, Party::Institution(app.institution_id), app.enterprise_name.clone())
            }
            Party::Institution(id) if id == app.institution_id => {
                (MessageSide::Institution, Party::Enterprise(app.enterprise_id), app.institution_name.clone())
            }
            _ => return Err(not_found()),
        };
        let now = Utc::now();
        let txn = self.write_txn().await?;
        let row = application_message::ActiveModel {
            application_id: Set(application_id),
            from_side: Set(side.as_str().to_owned()),
            account_id: Set(account_id),
            body: Set(body),
            at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let notice = Notice::Message {
            application_id,
            facts: MessageFacts { product_name: app.product_name.clone(), from_name },
        };
        notify(&txn, to, &notice, now).await?;
        let mut entry = event
            .clone()
            .enterprise(app.enterprise_id)
            .institution(app.institution_id)
            .subject("application", application_id);
        entry.action = "message.post";
        entry.detail =
            serde_json::json!({ "message_id": row.id, "from": side.as_str(), "chars": row.body.chars().count() });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        message_of(row)
    }

    /// The thread of an application, oldest first.
    ///
    /// # Errors
    /// Database failure, a corrupt row.
    pub async fn messages(&self, application_id: i64) -> Result<Vec<Message>, StoreError> {
        application_message::Entity::find()
            .filter(application_message::Column::ApplicationId.eq(application_id))
            .order_by_asc(application_message::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(message_of)
            .collect()
    }

    /// Marks the messages the other party wrote to `reader` in this thread read; returns how many.
    ///
    /// # Errors
    /// Database failure.
    pub async fn mark_messages_read(&self, application_id: i64, reader: MessageSide) -> Result<u64, StoreError> {
        Ok(application_message::Entity::update_many()
            .col_expr(application_message::Column::ReadAt, Expr::value(Utc::now()))
            .filter(application_message::Column::ApplicationId.eq(application_id))
            .filter(application_message::Column::FromSide.eq(reader.other().as_str()))
            .filter(application_message::Column::ReadAt.is_null())
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// A party's unread messages (written by the other party), by application.
    ///
    /// # Errors
    /// Database failure.
    pub async fn unread_messages(&self, party: Party) -> Result<HashMap<i64, u64>, StoreError> {
        let (column, id, from) = match party {
            Party::Enterprise(id) => (application::Column::EnterpriseId, id, MessageSide::Institution),
            Party::Institution(id) => (application::Column::InstitutionId, id, MessageSide::Enterprise),
        };
        let theirs = Query::select()
            .column(application::Column::Id)
            .from(application::Entity)
            .and_where(column.eq(id))
            .to_owned();
        let rows: Vec<(i64, i64)> = application_message::Entity::find()
            .select_only()
            .column(application_message::Column::ApplicationId)
            .column_as(application_message::Column::Id.count(), "n")
            .filter(application_message::Column::ApplicationId.in_subquery(theirs))
            .filter(application_message::Column::FromSide.eq(from.as_str()))
            .filter(application_message::Column::ReadAt.is_null())
            .group_by(application_message::Column::ApplicationId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|(app, n)| (app, u64::try_from(n).unwrap_or(0))).collect())
    }
}
