//! The catalogue's JSON API: search, a product, the loan calculator and the institutions.

use super::params::{AmountUnit, CostParams, SearchParams};
use super::{FacetCount, FacetsView, SearchItem, SearchResponse, search as run_search};
use crate::http::auth::SmeUser;
use crate::http::cost::{CostResponse, product_cost};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Query};
use crate::http::state::AppState;
use crate::http::verdict::VerdictView;
use crate::http::views::{InstitutionView, ProductDetail};
use axum::Json;
use axum::extract::State;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(components(schemas(FacetCount, FacetsView, SearchItem)))]
struct Schemas;

/// The operations for a signed-in caller.
pub(super) fn signed_in_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verdict))
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Schemas::openapi())
        .routes(routes!(search))
        .routes(routes!(product))
        .routes(routes!(institutions))
        .routes(routes!(cost))
}

/// Search the catalogue.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching products, facet counts and the total", body = SearchResponse),
        (status = 503, description = "`index_rebuilding`: the search index was found damaged and is being rebuilt from the database", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[tracing::instrument(skip_all)]
async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    Ok(Json(run_search(&state, params.request(&state.config.home_area, AmountUnit::Yuan)?).await?))
}

/// One published product, with every term.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ProductDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such published product", body = ErrorBody),
    )
)]
#[tracing::instrument(skip(state))]
async fn product(State(state): State<AppState>, Id(id): Id) -> Result<Json<ProductDetail>, ApiError> {
    Ok(Json(ProductDetail::of(&state.product_at(id).await?, &state.config.home_area)))
}

/// Whether the signed-in SME may apply for a product, judged on its stored profile by the product's
/// conditions (the same checks and words as 精准匹配; a product page has no amount or term, so only the firm's
/// checks apply): 可申请, 差一点 with what to change, 需补充 with the facts to add, 需向机构确认, or 不符合
/// with the reasons.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/verdict",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = VerdictView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such published product", body = ErrorBody),
    )
)]
#[tracing::instrument(skip(state, sme))]
async fn verdict(sme: SmeUser, State(state): State<AppState>, Id(id): Id) -> Result<Json<VerdictView>, ApiError> {
    let product = state.product_at(id).await?;
    Ok(Json(VerdictView::of(&state.judge_firm(sme.1, &product, None).await?)))
}

/// Every institution on the platform.
#[utoipa::path(
    get,
    path = "/api/v1/institutions",
    responses((status = 200, body = Vec<InstitutionView>))
)]
#[tracing::instrument(skip(state))]
async fn institutions(State(state): State<AppState>) -> Result<Json<Vec<InstitutionView>>, ApiError> {
    Ok(Json(state.store.institutions().await?.iter().map(InstitutionView::from).collect()))
}

/// The loan calculator: a product's repayment schedule, total cost and effective annual rate for an amount
/// and term, for each repayment method it offers (or the one asked for).
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/cost",
    params(("id" = i64, Path, description = "Product id", minimum = 1), CostParams),
    responses(
        (status = 200, body = CostResponse),
        (status = 404, description = "No such published product", body = ErrorBody),
    ),
    tag = "matching"
)]
#[tracing::instrument(skip(state))]
async fn cost(
    State(state): State<AppState>,
    Id(id): Id,
    Query(params): Query<CostParams>,
) -> Result<Json<CostResponse>, ApiError> {
    let query = params.query()?;
    let product = state.product_at(id).await?;
    Ok(Json(product_cost(&product, query, &state.config.home_area)?))
}
