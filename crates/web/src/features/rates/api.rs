//! The reference-rates API: the current rates (public), the history and a new publication (operator only).

use super::{CurrentRates, NewPublicationBody, ReferenceRateEntryView, publish};
use crate::http::auth::{Caller, OperatorUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Json;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes anyone may call.
pub(super) fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reference_rates))
}

/// Routes that need a signed-in caller (each handler the operator).
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reference_rate_history)).routes(routes!(reference_rate_publish))
}

/// The current publication of each reference rate (LPR 1-year and over-5-year, PBOC benchmark lending rates
/// by term band), with its value and the day it was published: what LPR and benchmark-priced products are
/// priced by today.
#[utoipa::path(get, path = "/api/v1/reference-rates", responses((status = 200, body = CurrentRates)))]
async fn reference_rates(State(state): State<AppState>) -> Result<axum::Json<CurrentRates>, ApiError> {
    Ok(axum::Json(CurrentRates::from(&state.store.reference_rates().await?)))
}

/// Every publication ever entered, newest day first within each kind, with who entered it and when
/// (operator only).
#[utoipa::path(get, path = "/api/v1/reference-rates/history",
    responses((status = 200, body = Vec<ReferenceRateEntryView>), (status = 403, body = ErrorBody)))]
async fn reference_rate_history(
    _: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<ReferenceRateEntryView>>, ApiError> {
    let history = state.store.reference_rate_history().await?;
    Ok(axum::Json(history.iter().map(ReferenceRateEntryView::from).collect()))
}

/// Enters a new publication of a reference rate, or with `correction` corrects the value entered for its
/// kind and day (operator only). Products priced on the rate follow it at once, in search and matching.
#[utoipa::path(post, path = "/api/v1/reference-rates", request_body = NewPublicationBody,
    responses((status = 201, body = ReferenceRateEntryView), (status = 403, body = ErrorBody),
        (status = 409, description = "The day is entered already (send a correction), or a correction names a day not entered", body = ErrorBody)))]
async fn reference_rate_publish(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewPublicationBody>,
) -> Result<(StatusCode, axum::Json<ReferenceRateEntryView>), ApiError> {
    let entry = publish(&state, &caller, &p, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(ReferenceRateEntryView::from(&entry))))
}
