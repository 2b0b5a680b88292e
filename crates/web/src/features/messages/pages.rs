//! The conversation page of an application: `/applications/{id}/conversation` (联系与消息).

use super::{side_of, thread};
use crate::http::auth::{Auth, Caller};
use crate::http::contacts::{conversation_application, counterpart_contacts};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::Principal;
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/applications/{id}/conversation", get(conversation_page).post(conversation_submit))
}

/// The page: the application, the other side's contacts, the thread and (for a party) the form.
async fn conversation_view(
    state: &AppState,
    caller: &Caller,
    p: &Principal,
    page: &Page,
    id: i64,
    refused: Option<(&str, Map<String, Value>)>,
) -> PageResult {
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let (typed, errors) = refused.unwrap_or_default();
    let app = conversation_application(state, p, id).await?;
    let (institution, firm) = counterpart_contacts(state, caller, p, &app).await?;
    let thread = thread(state, p, &app).await?;
    // Back to the application as the reader's own pages show it.
    let back = if p.enterprise().is_some() {
        format!("/sme/applications/{id}")
    } else if p.lender().is_some() {
        format!("/bank/applications/{id}")
    } else {
        "/admin/dashboard".to_owned()
    };
    let context = json!({
        "page": "conversation", "thread": thread, "institution": institution, "firm": firm, "back": back,
        "values": {"body": typed}, "errors": errors, "limit": finmart_domain::MAX_MESSAGE_CHARS,
        "sent": Form::of_query(page.query()).get("sent").is_some(),
    });
    page.show_with(status, "conversation.html", object(context))
}

async fn conversation_page(
    Auth(p): Auth,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    conversation_view(&state, &caller, &p, &page, id, None).await
}

/// `POST /applications/{id}/conversation`: `body`. A refused message is shown again beside its reason, and
/// nothing is stored.
async fn conversation_submit(
    Auth(p): Auth,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let app = conversation_application(&state, &p, id).await?;
    let Some((_, party)) = side_of(&p, &app) else { return Err(ApiError::forbidden()) };
    let event = caller.audit(&p, "message.post");
    match state.store.post_message(app.id, party, Some(p.account_id), form.field("body"), &event).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}/conversation?sent=1#latest"))),
        Err(finmart_store::StoreError::Invalid(errors)) => {
            let page = page.at(&format!("/applications/{id}/conversation"));
            let messages = page.field_messages(&errors);
            let typed = form.field("body").to_owned();
            conversation_view(&state, &caller, &p, &page, id, Some((&typed, messages))).await
        }
        Err(e) => Err(e.into()),
    }
}
