//! In-app notifications: what happened, recorded for the party it concerns.
//!
//! A notification records its kind, the records it is about and the facts its words need as they were when
//! it was written (names, amount, term, purpose, respond-by, reason…), never the words themselves: the web
//! words it in the reader's language and knows its own pages. Rows written before notifications were typed
//! (migration 7) keep the Chinese words and link stored then, and are read back as such.
//!
//! Notifications are written by the act they tell of, in its transaction ([`notify`]).

use crate::applications::Application;
use crate::entity::notification;
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{ApplicationState, ApprovalTerms, Correction, Disbursement, Fen, Labelled, LoanPurpose, Months};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// Notifications shown at most, newest first.
const NOTIFICATION_LIMIT: u64 = 200;

/// Whose notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    Enterprise(i64),
    Institution(i64),
}

/// What a notification tells. The machine name is the API's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// To the lender: a firm applied.
    ApplicationSubmitted,
    /// To the firm: the lender accepted (受理) its application.
    ApplicationAccepted,
    /// To the firm: the lender approved it.
    ApplicationApproved,
    /// To the firm: the lender rejected it.
    ApplicationRejected,
    /// To the firm: the lender paid out.
    ApplicationDisbursed,
    /// To both: the firm withdrew it.
    ApplicationWithdrawn,
    /// To the firm: the lender corrected an approval or a payment (更正 / 冲正).
    ApplicationCorrected,
    /// To an institution: the firm accepted its offer on a posted need.
    OfferAccepted,
    /// To an institution: its offer was not chosen.
    OfferDeclined,
    /// To the other party of an application: a message in its thread.
    MessagePosted,
    /// To a firm: a lender invites it to apply for a product.
    InvitationReceived,
    /// To the lender: the firm declined its invitation.
    InvitationDeclined,
}

impl NotificationKind {
    pub const ALL: [Self; 12] = [
        Self::ApplicationSubmitted,
        Self::ApplicationAccepted,
        Self::ApplicationApproved,
        Self::ApplicationRejected,
        Self::ApplicationDisbursed,
        Self::ApplicationWithdrawn,
        Self::ApplicationCorrected,
        Self::OfferAccepted,
        Self::OfferDeclined,
        Self::MessagePosted,
        Self::InvitationReceived,
        Self::InvitationDeclined,
    ];

    /// The machine name (`application_submitted`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApplicationSubmitted => "application_submitted",
            Self::ApplicationAccepted => "application_accepted",
            Self::ApplicationApproved => "application_approved",
            Self::ApplicationRejected => "application_rejected",
            Self::ApplicationDisbursed => "application_disbursed",
            Self::ApplicationWithdrawn => "application_withdrawn",
            Self::ApplicationCorrected => "application_corrected",
            Self::OfferAccepted => "offer_accepted",
            Self::OfferDeclined => "offer_declined",
            Self::MessagePosted => "message_posted",
            Self::InvitationReceived => "invitation_received",
            Self::InvitationDeclined => "invitation_declined",
        }
    }

    /// The kind of a machine name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind that tells of an application reaching `state`.
    #[must_use]
    pub fn of_step(state: ApplicationState) -> Self {
        match state {
            ApplicationState::Submitted => Self::ApplicationSubmitted,
            ApplicationState::Accepted => Self::ApplicationAccepted,
            ApplicationState::Approved => Self::ApplicationApproved,
            ApplicationState::Rejected => Self::ApplicationRejected,
            ApplicationState::Disbursed => Self::ApplicationDisbursed,
            ApplicationState::Withdrawn => Self::ApplicationWithdrawn,
        }
    }

    /// The application state a kind tells of, for the `application_*` kinds.
    fn step(self) -> Option<ApplicationState> {
        ApplicationState::ALL.iter().copied().find(|s| Self::of_step(*s) == self)
    }
}

/// What an application's notifications tell of it, as it was when they were written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationFacts {
    pub enterprise_name: String,
    pub institution_name: String,
    pub product_name: String,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    /// When the lender's first response is due.
    pub respond_by: DateTime<Utc>,
    /// Why it was rejected (rejections only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was paid out (disbursements only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disbursement: Option<Disbursement>,
    /// The terms approved (approvals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalTerms>,
    /// What was corrected, what it was before, and why (corrections only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Box<CorrectionFacts>>,
}

/// A correction as its notification tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionFacts {
    pub correction: Correction,
    /// The approval's terms before (an approval's correction; none when it had none recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_before: Option<ApprovalTerms>,
    /// The payment before (a payment's correction or reversal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_before: Option<Disbursement>,
    pub reason: String,
}

impl ApplicationFacts {
    /// The facts of `app` as it is now.
    #[must_use]
    pub fn of(app: &Application) -> Self {
        Self {
            enterprise_name: app.enterprise_name.clone(),
            institution_name: app.institution_name.clone(),
            product_name: app.product_name.clone(),
            amount: app.amount,
            term: app.term,
            purpose: app.purpose,
            respond_by: app.respond_by,
            reason: None,
            disbursement: None,
            approval: None,
            correction: None,
        }
    }
}

/// The facts of an offer's notifications beyond the records it is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct OfferFacts {
    /// Declined because the firm closed its need (else it chose another offer).
    #[serde(default)]
    need_closed: bool,
}

/// What a message's notification tells: the application's product and who wrote (the other party's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFacts {
    pub product_name: String,
    /// The writer's party: the firm's or the lender's name.
    pub from_name: String,
}

/// What an invitation's notifications tell of it, as it was when they were written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationFacts {
    pub invitation_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub institution_name: String,
    pub enterprise_name: String,
    /// Why the firm declined (declines only, when it said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a typed notification says happened: its kind, the records it is about and the facts its words need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Application `application_id` reached `step` (submitted to the lender, or the lender's or the firm's
    /// step).
    Application { step: ApplicationState, application_id: i64, facts: ApplicationFacts },
    /// The lender corrected application `application_id` (its facts carry the correction).
    Corrected { application_id: i64, facts: ApplicationFacts },
    /// The firm accepted offer `offer_id` on need `need_id`, which made application `application_id`.
    OfferAccepted { need_id: i64, offer_id: i64, application_id: i64 },
    /// Offer `offer_id` on need `need_id` was not chosen: the firm chose another, or closed the need.
    OfferDeclined { need_id: i64, offer_id: i64, need_closed: bool },
    /// A message in application `application_id`'s thread, to the other party.
    Message { application_id: i64, facts: MessageFacts },
    /// An invitation sent to the firm (`declined` false) or declined by it (true, to the lender).
    Invitation { declined: bool, facts: InvitationFacts },
}

impl Notice {
    #[must_use]
    pub fn kind(&self) -> NotificationKind {
        match self {
            Self::Application { step, .. } => NotificationKind::of_step(*step),
            Self::Corrected { .. } => NotificationKind::ApplicationCorrected,
            Self::OfferAccepted { .. } => NotificationKind::OfferAccepted,
            Self::OfferDeclined { .. } => NotificationKind::OfferDeclined,
            Self::Message { .. } => NotificationKind::MessagePosted,
            Self::Invitation { declined: false, .. } => NotificationKind::InvitationReceived,
            Self::Invitation { declined: true, .. } => NotificationKind::InvitationDeclined,
        }
    }
}

/// What a notification holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationContent {
    /// Recorded as what happened: the reader's language words it.
    Typed(Notice),
    /// Written before notifications were typed: the Chinese words and the page stored then, shown as they
    /// are so that nothing already sent changes.
    Stored { title: String, body: String, link: String },
}

/// One in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Whom it is for: the firm or the institution (the words differ, a withdrawal's say who withdrew).
    pub recipient: Party,
    /// `application_submitted`, `application_accepted`, … as stored.
    pub kind: String,
    pub content: NotificationContent,
    pub read_at: Option<DateTime<Utc>>,
}

/// Writes a notification of `notice` for `recipient`, in the caller's transaction.
///
/// # Errors
/// Database failure; the facts cannot be encoded (a defect).
pub(crate) async fn notify(
    db: &impl ConnectionTrait,
    recipient: Party,
    notice: &Notice,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (enterprise_id, institution_id) = match recipient {
        Party::Enterprise(id) => (Some(id), None),
        Party::Institution(id) => (None, Some(id)),
    };
    let encode = |source| StoreError::Encode { what: "notification facts", source };
    let (application_id, need_id, offer_id, facts) = match notice {
        Notice::Application { application_id, facts, .. } | Notice::Corrected { application_id, facts } => {
            (Some(*application_id), None, None, serde_json::to_string(facts).map_err(encode)?)
        }
        Notice::OfferAccepted { need_id, offer_id, application_id } => (
            Some(*application_id),
            Some(*need_id),
            Some(*offer_id),
            serde_json::to_string(&OfferFacts::default()).map_err(encode)?,
        ),
        Notice::OfferDeclined { need_id, offer_id, need_closed } => (
            None,
            Some(*need_id),
            Some(*offer_id),
            serde_json::to_string(&OfferFacts { need_closed: *need_closed }).map_err(encode)?,
        ),
        Notice::Message { application_id, facts } => {
            (Some(*application_id), None, None, serde_json::to_string(facts).map_err(encode)?)
        }
        Notice::Invitation { facts, .. } => (None, None, None, serde_json::to_string(facts).map_err(encode)?),
    };
    notification::ActiveModel {
        enterprise_id: Set(enterprise_id),
        institution_id: Set(institution_id),
        at: Set(at),
        kind: Set(notice.kind().as_str().to_owned()),
        title: Set(String::new()),
        body: Set(String::new()),
        link: Set(String::new()),
        read_at: Set(None),
        application_id: Set(application_id),
        need_id: Set(need_id),
        offer_id: Set(offer_id),
        facts: Set(Some(facts)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn party_condition(party: Party) -> Condition {
    match party {
        Party::Enterprise(id) => Condition::all().add(notification::Column::EnterpriseId.eq(id)),
        Party::Institution(id) => Condition::all().add(notification::Column::InstitutionId.eq(id)),
    }
}

/// A stored row as a notification: typed when it has facts, else the words stored with it.
fn from_row(row: notification::Model) -> Result<Notification, StoreError> {
    let id = row.id;
    let corrupt =
        |field: &'static str, reason: String| StoreError::Corrupt { table: "notification", id, field, reason };
    let recipient = match (row.enterprise_id, row.institution_id) {
        (Some(id), None) => Party::Enterprise(id),
        (None, Some(id)) => Party::Institution(id),
        _ => return Err(corrupt("enterprise_id", "not exactly one recipient".to_owned())),
    };
    let content = match row.facts.as_deref() {
        None => NotificationContent::Stored { title: row.title, body: row.body, link: row.link },
        Some(facts) => {
            let kind = NotificationKind::parse(&row.kind)
                .ok_or_else(|| corrupt("kind", format!("unknown kind `{}`", row.kind)))?;
            let needed = |value: Option<i64>, field| value.ok_or_else(|| corrupt(field, "missing".to_owned()));
            let application_facts = || -> Result<ApplicationFacts, StoreError> {
                serde_json::from_str(facts).map_err(|e| corrupt("facts", e.to_string()))
            };
            let notice = match kind.step() {
                Some(step) => Notice::Application {
                    step,
                    application_id: needed(row.application_id, "application_id")?,
                    facts: application_facts()?,
                },
                None if kind == NotificationKind::ApplicationCorrected => Notice::Corrected {
                    application_id: needed(row.application_id, "application_id")?,
                    facts: application_facts()?,
                },
                None if kind == NotificationKind::MessagePosted => Notice::Message {
                    application_id: needed(row.application_id, "application_id")?,
                    facts: serde_json::from_str(facts).map_err(|e| corrupt("facts", e.to_string()))?,
                },
                None if matches!(kind, NotificationKind::InvitationReceived | NotificationKind::InvitationDeclined) => {
                    Notice::Invitation {
                        declined: kind == NotificationKind::InvitationDeclined,
                        facts: serde_json::from_str(facts).map_err(|e| corrupt("facts", e.to_string()))?,
                    }
                }
                None => {
                    let (need_id, offer_id) = (needed(row.need_id, "need_id")?, needed(row.offer_id, "offer_id")?);
                    let offer: OfferFacts = serde_json::from_str(facts).map_err(|e| corrupt("facts", e.to_string()))?;
                    if kind == NotificationKind::OfferAccepted {
                        Notice::OfferAccepted {
                            need_id,
                            offer_id,
                            application_id: needed(row.application_id, "application_id")?,
                        }
                    } else {
                        Notice::OfferDeclined { need_id, offer_id, need_closed: offer.need_closed }
                    }
                }
            };
            NotificationContent::Typed(notice)
        }
    };
    Ok(Notification { id, at: row.at, recipient, kind: row.kind, content, read_at: row.read_at })
}

impl Store {
    /// A party's notifications, newest first (the latest 200).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn notifications_for(&self, party: Party, unread_only: bool) -> Result<Vec<Notification>, StoreError> {
        let mut select = notification::Entity::find().filter(party_condition(party));
        if unread_only {
            select = select.filter(notification::Column::ReadAt.is_null());
        }
        select
            .order_by_desc(notification::Column::Id)
            .limit(NOTIFICATION_LIMIT)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Marks one of a party's notifications read (again is fine).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it is not the party's; database failure.
    pub async fn mark_notification_read(&self, party: Party, id: i64) -> Result<(), StoreError> {
        let found = notification::Entity::find_by_id(id).filter(party_condition(party)).one(&self.db).await?;
        let Some(found) = found else {
            return Err(StoreError::NotFound { what: Record::Notification, key: id.to_string() });
        };
        if found.read_at.is_none() {
            notification::Entity::update_many()
                .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
                .filter(notification::Column::Id.eq(id))
                .filter(notification::Column::ReadAt.is_null())
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Marks every unread notification of a party read; returns how many.
    ///
    /// # Errors
    /// Database failure.
    pub async fn mark_all_read(&self, party: Party) -> Result<u64, StoreError> {
        Ok(notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
            .filter(party_condition(party))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// How many unread notifications a party has.
    ///
    /// # Errors
    /// Database failure.
    pub async fn unread_count(&self, party: Party) -> Result<u64, StoreError> {
        Ok(notification::Entity::find()
            .filter(party_condition(party))
            .filter(notification::Column::ReadAt.is_null())
            .count(&self.db)
            .await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing;
    use finmart_migrations::{Migrator, MigratorTrait};
    use sea_orm::ActiveValue::NotSet;

    /// A notification written before migration 7, with its Chinese words and link, keeps them: it is read
    /// back as stored text, which the web shows as it is.
    #[tokio::test]
    async fn a_notification_written_before_the_migration_keeps_its_words() {
        for db in testing::all().await {
            let conn = db.store.connection();
            // The table as it was before migration 7.
            for column in ["application_id", "need_id", "offer_id", "facts"] {
                conn.execute_unprepared(&format!("ALTER TABLE notification DROP COLUMN {column}")).await.unwrap();
            }
            conn.execute_unprepared(
                "DELETE FROM seaql_migrations WHERE version = 'm20261122_000007_typed_notifications'",
            )
            .await
            .unwrap();
            let (title, body, link) = (
                "您的融资申请已受理",
                "测试银行已受理您对“科创信用贷”（50 万元，1 年）的申请，请留意审批进度。",
                "/sme/applications/9",
            );
            let old = notification::ActiveModel {
                enterprise_id: Set(Some(5)),
                institution_id: Set(None),
                at: Set(Utc::now()),
                kind: Set("application_accepted".to_owned()),
                title: Set(title.to_owned()),
                body: Set(body.to_owned()),
                link: Set(link.to_owned()),
                read_at: Set(None),
                // The columns the old table does not have are left out of the statement.
                application_id: NotSet,
                need_id: NotSet,
                offer_id: NotSet,
                facts: NotSet,
                ..Default::default()
            };
            notification::Entity::insert(old).exec_without_returning(conn).await.unwrap();

            Migrator::up(conn, None).await.unwrap();

            let read = db.store.notifications_for(Party::Enterprise(5), false).await.unwrap();
            assert_eq!(read.len(), 1, "{}", db.backend);
            assert_eq!(read[0].kind, "application_accepted");
            let stored =
                NotificationContent::Stored { title: title.to_owned(), body: body.to_owned(), link: link.to_owned() };
            assert_eq!(read[0].content, stored, "{}", db.backend);
            assert_eq!(db.store.unread_count(Party::Enterprise(5)).await.unwrap(), 1);
        }
    }
}
