//! The institutions API, the operator's only: the list with product counts, creating and editing.

use super::{
    InstitutionAdminView, InstitutionEditBody, NewInstitutionBody, SuspendBody, SuspensionView, create, edit, resume,
    suspend,
};
use crate::http::auth::{Caller, OperatorUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json};
use crate::http::state::AppState;
use crate::http::views::InstitutionView;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route needs a signed-in caller, and each handler the operator.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(institutions_admin))
        .routes(routes!(institution_create))
        .routes(routes!(institution_edit))
        .routes(routes!(institution_suspend, institution_resume))
}

/// Every institution with how many products it lists and backs (operator only).
#[utoipa::path(get, path = "/api/v1/institutions/admin",
    responses((status = 200, body = Vec<InstitutionAdminView>), (status = 403, body = ErrorBody)))]
async fn institutions_admin(
    _: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<InstitutionAdminView>>, ApiError> {
    let summaries = state.store.institution_summaries().await?;
    Ok(axum::Json(summaries.iter().map(InstitutionAdminView::from).collect()))
}

/// Creates an institution of any kind (operator only).
#[utoipa::path(post, path = "/api/v1/institutions", request_body = NewInstitutionBody,
    responses((status = 201, body = InstitutionView), (status = 403, body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody)))]
async fn institution_create(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewInstitutionBody>,
) -> Result<(StatusCode, axum::Json<InstitutionView>), ApiError> {
    let created = create(&state, &caller, &p, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(InstitutionView::from(&created))))
}

/// Edits an institution's name, kind and introduction; its code does not change (operator only).
#[utoipa::path(put, path = "/api/v1/institutions/{id}", request_body = InstitutionEditBody,
    params(("id" = i64, Path, description = "Institution id", minimum = 1)),
    responses((status = 200, body = InstitutionView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A change between lender and guarantee agency that its products or accounts forbid", body = ErrorBody)))]
async fn institution_edit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(body): Json<InstitutionEditBody>,
) -> Result<axum::Json<InstitutionView>, ApiError> {
    Ok(axum::Json(InstitutionView::from(&edit(&state, &caller, &p, id, &body).await?)))
}

/// Suspends an institution, with a reason (operator only): its people cannot sign in, a session they hold
/// ends at its next request, and its API tokens answer 401 `token_institution_suspended`, until it is
/// resumed. Its products are not changed. Suspending it again keeps the first date and takes the new reason.
#[utoipa::path(post, path = "/api/v1/institutions/{id}/suspension", request_body = SuspendBody,
    params(("id" = i64, Path, description = "Institution id")),
    responses((status = 200, body = SuspensionView),
        (status = 400, description = "An empty or too long reason (`field`: `reason`)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn institution_suspend(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(body): Json<SuspendBody>,
) -> Result<axum::Json<SuspensionView>, ApiError> {
    Ok(axum::Json(SuspensionView::from(&suspend(&state, &caller, &p, id, &body.reason).await?)))
}

/// Resumes a suspended institution (operator only): its people and tokens act again. Resuming one that is
/// not suspended changes nothing (204 either way).
#[utoipa::path(delete, path = "/api/v1/institutions/{id}/suspension",
    params(("id" = i64, Path, description = "Institution id")),
    responses((status = 204, description = "Not suspended (any more)"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn institution_resume(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    resume(&state, &caller, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
