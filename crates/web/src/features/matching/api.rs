//! `POST /api/v1/match`.

use super::{MatchBody, MatchResponse, validate};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Json;
use crate::http::params::{field_error, limit};
use crate::http::state::AppState;
use axum::extract::State;
use finmart_domain::ValueError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(match_need))
}

/// Match a firm's need against every listed product: eligible products ranked with their score components,
/// quote and every check explained; near misses with what to change; products undecided for lack of data;
/// the nearest ineligible ones; counts by reason.
#[utoipa::path(
    post,
    path = "/api/v1/match",
    request_body = MatchBody,
    responses(
        (status = 200, body = MatchResponse),
        (status = 401, description = "`profile_id` without signing in", body = ErrorBody),
        (status = 404, description = "No stored profile with that id that is the caller's own", body = ErrorBody),
        (status = 503, description = "`index_rebuilding`: the search index, which ranks by the stated purpose, was found damaged and is being rebuilt", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[tracing::instrument(skip_all)]
async fn match_need(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<MatchBody>,
) -> Result<axum::Json<MatchResponse>, ApiError> {
    let limit = limit(body.limit)?;
    let profile = match (body.profile, body.profile_id) {
        (Some(profile), None) => profile,
        (None, Some(id)) => {
            // A stored profile is its firm's own: only the firm's users may match with it by id.
            let own = caller.principal.as_ref().ok_or_else(ApiError::unauthenticated)?.enterprise() == Some(id);
            let stored = if own { state.store.enterprise(id).await? } else { None };
            stored.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?.profile
        }
        _ => return Err(field_error("profile", ValueError::Invalid("请提供 profile 或 profile_id 之一".to_owned()))),
    };
    validate(&profile, &body.need)?;
    let outcome = state.match_need(profile, body.need, limit).await?;
    Ok(axum::Json(MatchResponse::of(&outcome, &state.config.home_area)))
}
