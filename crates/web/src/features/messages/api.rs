//! The messages API: an application's thread, posting to it, and the caller's unread counts.

use super::{MessageView, PostBody, Thread, UnreadMessages, UnreadOf, side_of, thread};
use crate::http::auth::{Auth, Caller};
use crate::http::contacts::conversation_application;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use finmart_store::Party;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_thread, post_message)).routes(routes!(unread))
}

/// An application's message thread, oldest first: to the firm, the lender and (read-only) the operator;
/// 404 to anyone else. A party's reading marks the other side's messages read.
#[utoipa::path(get, path = "/api/v1/applications/{id}/messages", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = Thread),
        (status = 404, description = "No such application of the caller's", body = ErrorBody),
    ))]
async fn read_thread(Auth(p): Auth, State(state): State<AppState>, Id(id): Id) -> Result<axum::Json<Thread>, ApiError> {
    let app = conversation_application(&state, &p, id).await?;
    Ok(axum::Json(thread(&state, &p, &app).await?))
}

/// Posts a message to an application's thread (the firm or the lender): 1–2,000 characters. The other side
/// is notified. The operator reads only (403); anyone else gets 404.
#[utoipa::path(post, path = "/api/v1/applications/{id}/messages", params(("id" = i64, Path, minimum = 1)),
    request_body = PostBody,
    responses(
        (status = 201, body = MessageView),
        (status = 400, description = "Empty or too long (`body`)", body = ErrorBody),
        (status = 403, description = "The operator (read-only)", body = ErrorBody),
        (status = 404, description = "No such application of the caller's", body = ErrorBody),
    ))]
async fn post_message(
    Auth(p): Auth,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(body): Json<PostBody>,
) -> Result<(StatusCode, axum::Json<MessageView>), ApiError> {
    let app = conversation_application(&state, &p, id).await?;
    let Some((side, party)) = side_of(&p, &app) else { return Err(ApiError::forbidden()) };
    let event = caller.audit(&p, "message.post");
    let message = state.store.post_message(app.id, party, Some(p.account_id), &body.body, &event).await?;
    Ok((StatusCode::CREATED, axum::Json(MessageView::of(&message, &app, Some(side)))))
}

/// The caller's unread messages by application (the firm's and the lender's; none for other roles).
#[utoipa::path(get, path = "/api/v1/messages/unread", responses((status = 200, body = UnreadMessages)))]
async fn unread(Auth(p): Auth, State(state): State<AppState>) -> Result<axum::Json<UnreadMessages>, ApiError> {
    let party = match (p.enterprise(), p.lender()) {
        (Some(id), _) => Some(Party::Enterprise(id)),
        (_, Some(id)) => Some(Party::Institution(id)),
        _ => None,
    };
    let counts = match party {
        Some(party) => state.store.unread_messages(party).await?,
        None => Default::default(),
    };
    let mut applications: Vec<UnreadOf> =
        counts.into_iter().map(|(application_id, unread)| UnreadOf { application_id, unread }).collect();
    applications.sort_by_key(|u| u.application_id);
    Ok(axum::Json(UnreadMessages { total: applications.iter().map(|u| u.unread).sum(), applications }))
}
