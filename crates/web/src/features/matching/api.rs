//! `POST /api/v1/match` (the lists, compact unless asked for details) and `POST /api/v1/match/explain` (one
//! listed product's whole explanation).

use super::{ExplainBody, MatchBody, MatchExplanation, MatchResponse, validate};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extract::Json;
use crate::http::params::{field_error, limit};
use crate::http::state::AppState;
use axum::extract::State;
use finmart_domain::{EnterpriseProfile, FinancingNeed, ValueError};
use finmart_matching::MatchOutcome;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(match_need)).routes(routes!(explain))
}

/// The match both operations make: the profile given or the caller's own stored one, checked, against
/// every listed product, `limit` per list.
///
/// # Errors
/// 400 naming the field, 401/404 for a `profile_id` that is not the caller's own, and the matcher's 503s.
async fn run(
    state: &AppState,
    caller: &Caller,
    profile: Option<EnterpriseProfile>,
    profile_id: Option<i64>,
    need: FinancingNeed,
    limit: usize,
) -> Result<MatchOutcome, ApiError> {
    let (profile, facts) = match (profile, profile_id) {
        // A profile of the caller's making is matched on what it says: facts are read for a firm's own only.
        (Some(profile), None) => (profile, None),
        (None, Some(id)) => {
            // A stored profile is its firm's own: only the firm's users may match with it by id, with its
            // verified facts.
            let own = caller.principal.as_ref().ok_or_else(ApiError::unauthenticated)?.enterprise() == Some(id);
            let stored = if own { state.store.enterprise(id).await? } else { None };
            let profile = stored.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?.profile;
            let facts = state.facts_for(&profile).await?;
            (profile, Some(facts))
        }
        _ => return Err(field_error("profile", ValueError::Invalid("请提供 profile 或 profile_id 之一".to_owned()))),
    };
    validate(&profile, &need)?;
    state.match_need(profile, need, limit, facts).await
}

/// Match a firm's need against every listed product: eligible products ranked with their score components
/// and quote; near misses with what to change; products undecided for lack of data or waiting for the
/// institution to confirm; the nearest ineligible ones; counts by reason. Each item is a compact row with the
/// codes of its checks; every total and count is exact. `"details": true` adds each item's whole
/// explanation (every check in words, subsidies, the full product and quote); `POST /api/v1/match/explain`
/// gives it for one product.
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
    let outcome = run(&state, &caller, body.profile, body.profile_id, body.need, limit).await?;
    let details = body.details.unwrap_or(false);
    Ok(axum::Json(MatchResponse::of(&outcome, &state.config.home_area, details)))
}

/// Explain one product of a match: the same body as `POST /api/v1/match` (the same profile, need and
/// `limit` give the same lists) and `product_id`, a product one of its lists holds. The answer names the
/// list and gives the product's item there with `details`: every check with its requirement, the firm's
/// value, sentence and fix, the subsidies, the full product and quote.
#[utoipa::path(
    post,
    path = "/api/v1/match/explain",
    request_body = ExplainBody,
    responses(
        (status = 200, body = MatchExplanation),
        (status = 401, description = "`profile_id` without signing in", body = ErrorBody),
        (status = 404, description = "No stored profile with that id that is the caller's own, or no list of the match holds the product (unknown, not listed today, or beyond `limit`)", body = ErrorBody),
        (status = 503, description = "`index_rebuilding`: the search index, which ranks by the stated purpose, was found damaged and is being rebuilt", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[tracing::instrument(skip_all)]
async fn explain(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ExplainBody>,
) -> Result<axum::Json<MatchExplanation>, ApiError> {
    let limit = limit(body.limit)?;
    let id = match body.product_id {
        None => return Err(field_error("product_id", ValueError::Empty)),
        Some(id) if id <= 0 => return Err(field_error("product_id", ValueError::TooSmall { min: "1".to_owned() })),
        Some(id) => id,
    };
    let outcome = run(&state, &caller, body.profile, body.profile_id, body.need, limit).await?;
    let explained = MatchExplanation::of(&outcome, id, &state.config.home_area).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("产品 {id} 不在本次匹配的列表中（每个列表前 {limit} 个）"),
            format!("product {id} is not in this match's lists (the first {limit} of each)"),
        )
    })?;
    Ok(axum::Json(explained))
}
