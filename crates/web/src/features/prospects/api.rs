//! The prospects API: candidates for a product, and a firm's profile.

use super::{
    CandidatesResponse, EnterpriseFactsView, EnterpriseProfileView, candidates as find, read_facts, read_profile,
    record_candidates,
};
use crate::http::auth::{Caller, LenderUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Query};
use crate::http::params::{MAX_LIMIT, limit, number};
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(candidates))
        .routes(routes!(enterprise_profile))
        .routes(routes!(enterprise_facts))
}

/// The candidates' parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CandidatesParams {
    /// How many firms to return, 1–100 (default 20).
    #[param(value_type = Option<usize>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Reverse matching, for the product's own institution: the stored firms that fit the product, ranked the
/// same way as products are for a firm, among those that consented to be found by every institution or by
/// this one. Consent is checked against the database on every request, so a revocation takes effect at
/// once. Institution users (and their API tokens) only: anonymous callers get 401; SME, agency and operator
/// accounts 403 (the operator reads no firm lists); another institution's product, or one not listed, 404.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/candidates",
    params(("id" = i64, Path, description = "Product id", minimum = 1), CandidatesParams),
    responses(
        (status = 200, body = CandidatesResponse),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such listed product of the caller's institution", body = ErrorBody),
    )
)]
#[tracing::instrument(skip(user, state, caller))]
async fn candidates(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Query(params): Query<CandidatesParams>,
) -> Result<Json<CandidatesResponse>, ApiError> {
    let limit = limit(params.limit.as_deref().map(|v| number(v, "limit", 1, MAX_LIMIT)).transpose()?)?;
    let product = state.product_at(id).await?;
    if product.institution.id != user.1 {
        return Err(ApiError::not_found("产品", "product"));
    }
    let found = find(&state, &product, user.1, limit).await?;
    // Listing a firm shows part of its profile: recorded in its view log (once a day per institution).
    record_candidates(&state, &caller, &user, &found).await?;
    Ok(Json(found))
}

/// Why a profile is opened.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ProfileParams {
    /// Why: `profile` (default), `candidates`, `need` or `application`.
    context: Option<String>,
}

/// An SME's profile, for an institution it consented to (or applied to). Every read is recorded in the
/// firm's view log with `context`.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{id}/profile",
    params(("id" = i64, Path, description = "Enterprise id", minimum = 1), ProfileParams),
    responses(
        (status = 200, body = EnterpriseProfileView),
        (status = 400, description = "A bad id or context", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such enterprise, or it has not allowed this institution", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn enterprise_profile(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Query(params): Query<ProfileParams>,
) -> Result<Json<EnterpriseProfileView>, ApiError> {
    let context = params.context.as_deref().unwrap_or("profile");
    Ok(Json(read_profile(&state, &caller, &user, id, context).await?))
}

/// An SME's verified facts (kind, value, source, as-of and valid-until dates, freshness, and each declared
/// field's state 已核验 / 未核验 / 核验结果不符 / 需更新), for an institution while the firm's authorisation of
/// its facts for it (or for every institution) holds: checked on every read, so a withdrawal or an end hides
/// them at once. Every read is recorded in the firm's view log (context `facts`).
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{id}/facts",
    params(("id" = i64, Path, description = "Enterprise id", minimum = 1)),
    responses(
        (status = 200, body = EnterpriseFactsView),
        (status = 400, description = "A bad id", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such enterprise, or no authorisation of its facts for this institution holds", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn enterprise_facts(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<EnterpriseFactsView>, ApiError> {
    Ok(Json(read_facts(&state, &caller, &user, id).await?))
}
