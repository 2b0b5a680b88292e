//! The invitations API.

use super::{DeclineBody, InvitationBody, InvitationView};
use crate::http::auth::{Auth, Caller, LenderUser, SmeUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json, JsonOrEmpty};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use finmart_store::NewInvitation;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, invite)).routes(routes!(decline))
}

/// Invites a firm to apply for one of the institution's listed products. Refused with 404 when the firm's
/// consent does not cover the institution, 400 (`product_id`) for a product not the institution's or not
/// listed, 409 while an invitation for the same firm and product is open. The firm is notified.
#[utoipa::path(post, path = "/api/v1/invitations", request_body = InvitationBody,
    responses(
        (status = 201, body = InvitationView),
        (status = 400, description = "A bad product, note or manager, named in `field`", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No consenting firm of that id", body = ErrorBody),
        (status = 409, description = "An open invitation for this firm and product exists", body = ErrorBody),
    ))]
async fn invite(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<InvitationBody>,
) -> Result<(StatusCode, axum::Json<InvitationView>), ApiError> {
    let new = NewInvitation {
        institution_id: lender,
        enterprise_id: body.enterprise_id,
        product_id: body.product_id,
        account_id: Some(p.account_id),
        manager_id: body.manager_id,
        note: body.note,
    };
    let sent = state.store.invite(&new, &caller.audit(&p, "invitation.send")).await?;
    Ok((StatusCode::CREATED, axum::Json(InvitationView::from(&sent))))
}

/// The caller's invitations, newest first: an institution's sent ones, or an SME's received ones.
#[utoipa::path(get, path = "/api/v1/invitations",
    responses(
        (status = 200, body = Vec<InvitationView>),
        (status = 403, description = "Neither an SME nor an institution user", body = ErrorBody),
    ))]
async fn list(Auth(p): Auth, State(state): State<AppState>) -> Result<axum::Json<Vec<InvitationView>>, ApiError> {
    let entries = match (p.enterprise(), p.lender()) {
        (Some(id), _) => state.store.invitations_for_enterprise(id).await?,
        (_, Some(id)) => state.store.invitations_of_institution(id).await?,
        _ => return Err(ApiError::forbidden()),
    };
    Ok(axum::Json(entries.iter().map(InvitationView::from).collect()))
}

/// The firm declines one of its open invitations (an optional `reason`); the institution is notified.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", params(("id" = i64, Path, minimum = 1)),
    request_body(content = DeclineBody, description = "Optional; an empty body declines without a reason"),
    responses(
        (status = 200, body = InvitationView),
        (status = 400, description = "A reason too long (`reason`)", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such invitation of the firm's", body = ErrorBody),
        (status = 409, description = "Already declined or applied", body = ErrorBody),
    ))]
async fn decline(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    JsonOrEmpty(body): JsonOrEmpty<DeclineBody>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    let event = caller.audit(&p, "invitation.decline");
    let declined = state.store.decline_invitation(eid, id, body.reason.as_deref(), &event).await?;
    Ok(axum::Json(InvitationView::from(&declined)))
}
