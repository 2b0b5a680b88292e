//! The message thread of each application, between the firm and the lender (the product's institution).
//!
//! - `GET/POST /api/v1/applications/{id}/messages`, `GET /api/v1/messages/unread`;
//! - page `/applications/{id}/conversation` (联系与消息): the other side's contacts, the thread, and the form.
//!
//! The firm and the lender read and write; the operator reads (and marks nothing read); anyone else gets 404.
//! Opening the thread marks the other side's messages read. Each message notifies the other side and is
//! audited (`message.post`); the contacts shown to the lender are logged as views of the firm's contact.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::format::shanghai;
use crate::template;
use finmart_domain::Principal;
use finmart_store::{Application, Message, MessageSide, Party};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The messages feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "messages",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("conversation.html")],
        ..Feature::default()
    }
}

/// One message as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    /// `enterprise` or `institution`.
    pub from: String,
    /// The writer's party: the firm's or the lender's name.
    pub from_name: String,
    /// Written by the reader's own side.
    pub mine: bool,
    pub body: String,
    /// RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub at: String,
    pub at_text: String,
    /// The other side has opened the thread since.
    pub read: bool,
}

impl MessageView {
    fn of(m: &Message, app: &Application, reader: Option<MessageSide>) -> Self {
        let from_name = match m.from {
            MessageSide::Enterprise => app.enterprise_name.clone(),
            MessageSide::Institution => app.institution_name.clone(),
        };
        Self {
            id: m.id,
            from: m.from.as_str().to_owned(),
            from_name,
            mine: reader == Some(m.from),
            body: m.body.clone(),
            at: m.at.to_rfc3339(),
            at_text: shanghai(m.at),
            read: m.read_at.is_some(),
        }
    }
}

/// An application's thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Thread {
    pub application_id: i64,
    pub product_name: String,
    pub enterprise_name: String,
    pub institution_name: String,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// The reader may write (the firm and the lender; not the operator).
    pub can_post: bool,
}

/// `POST /api/v1/applications/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostBody {
    /// 1–2,000 characters (trimmed; line breaks kept).
    pub body: String,
}

/// The caller's unread messages (written by the other side), by application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnreadMessages {
    pub total: u64,
    pub applications: Vec<UnreadOf>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnreadOf {
    pub application_id: i64,
    pub unread: u64,
}

/// The reader's side of the application, if a party (the operator is none).
fn side_of(p: &Principal, app: &Application) -> Option<(MessageSide, Party)> {
    if p.enterprise() == Some(app.enterprise_id) {
        Some((MessageSide::Enterprise, Party::Enterprise(app.enterprise_id)))
    } else if p.lender() == Some(app.institution_id) {
        Some((MessageSide::Institution, Party::Institution(app.institution_id)))
    } else {
        None
    }
}

/// The thread of `app` for its reader `p`, marking the other side's messages read when `p` is a party.
///
/// # Errors
/// Database failure.
async fn thread(state: &crate::http::state::AppState, p: &Principal, app: &Application) -> Result<Thread, ApiError> {
    let side = side_of(p, app).map(|(s, _)| s);
    let messages = state.store.messages(app.id).await?;
    if let Some(side) = side {
        state.store.mark_messages_read(app.id, side).await?;
    }
    Ok(Thread {
        application_id: app.id,
        product_name: app.product_name.clone(),
        enterprise_name: app.enterprise_name.clone(),
        institution_name: app.institution_name.clone(),
        messages: messages.iter().map(|m| MessageView::of(m, app, side)).collect(),
        can_post: side.is_some(),
    })
}
