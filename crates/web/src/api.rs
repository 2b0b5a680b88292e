//! The JSON API under `/api/v1`, with its OpenAPI description built beside the routes.

use crate::error::{ApiError, ErrorBody};
use crate::matching::{
    CandidateView, CandidatesResponse, CostResponse, MatchBody, MatchResponse, check_limit, product_cost as cost_of,
    validate,
};
use crate::params::{json_body, parse_cost, parse_search};
use crate::state::AppState;
use crate::views::{FacetCount, FacetsView, InstitutionView, Label, ProductDetail, SearchItem, SearchResponse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use finmart_domain::ValueError;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Finmart API", description = "金融超市：产品检索与匹配 / financing products for SMEs"),
    components(schemas(ErrorBody, Label, FacetCount, FacetsView, SearchItem, CandidateView))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search))
        .routes(routes!(product))
        .routes(routes!(institutions))
        .routes(routes!(match_need))
        .routes(routes!(product_cost))
        .routes(routes!(candidates))
        .merge(crate::accounts::api())
        .merge(crate::bank_products::api())
        .merge(crate::applications::api())
        .merge(crate::needs::api())
        .merge(crate::stats::api())
        .merge(crate::dashboards::api())
        .merge(crate::market_watch::api())
}

/// The search parameters (documentation only: parsing is [`parse_search`], which names bad fields).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SearchParams {
    /// Words to search for, Chinese or not (at most 100 characters). Empty: browse everything.
    q: Option<String>,
    /// Product families (machine names or Chinese labels), repeated or comma-separated.
    family: Option<String>,
    /// Institution ids, repeated or comma-separated.
    institution: Option<String>,
    /// Districts served (e.g. `binhai`), repeated or comma-separated.
    district: Option<String>,
    /// `none` for products needing no collateral, or collateral kinds one can offer.
    collateral: Option<String>,
    /// Amount needed in yuan (`500000`, `50万`): the product's range must contain it.
    amount: Option<String>,
    /// Term needed in months (`12`, `3年`): the product's range must contain it.
    term: Option<String>,
    /// Highest acceptable annual rate in percent (`4.5`).
    max_rate: Option<String>,
    /// `true`: only products applied for fully online.
    online: Option<bool>,
    /// Policy support the product must have (`interest_subsidy`, …).
    policy: Option<String>,
    /// `relevance` (default), `rate`, `amount` or `speed`.
    sort: Option<String>,
    /// 1-based page, at most 500.
    page: Option<usize>,
    /// Results per page, 1–100 (default 20).
    per_page: Option<usize>,
}

/// Search the catalogue.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching products, facet counts and the total", body = SearchResponse),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    tag = "catalogue"
)]
#[tracing::instrument(skip(state))]
async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<SearchResponse>, ApiError> {
    let req = parse_search(raw.as_deref(), true)?;
    Ok(Json(crate::market_watch::search_logged(&state, req).await?))
}

/// One published product, with every term.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such published product", body = ErrorBody),
    ),
    tag = "catalogue"
)]
#[tracing::instrument(skip(state))]
async fn product(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ProductDetail>, ApiError> {
    let product = state.product_at(&id).await?;
    Ok(Json(ProductDetail::from(&product)))
}

/// Every institution on the platform.
#[utoipa::path(
    get,
    path = "/api/v1/institutions",
    responses((status = 200, body = Vec<InstitutionView>)),
    tag = "catalogue"
)]
#[tracing::instrument(skip(state))]
async fn institutions(State(state): State<AppState>) -> Result<Json<Vec<InstitutionView>>, ApiError> {
    Ok(Json(state.store.institutions().await?.iter().map(InstitutionView::from).collect()))
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
        (status = 400, description = "A bad field, named in `field` (every one in `errors`)", body = ErrorBody),
        (status = 401, description = "`profile_id` without signing in", body = ErrorBody),
        (status = 404, description = "No stored profile with that id that is the caller's own", body = ErrorBody),
    ),
    tag = "matching"
)]
#[tracing::instrument(skip_all)]
async fn match_need(
    State(state): State<AppState>,
    caller: crate::auth::Caller,
    body: Bytes,
) -> Result<Json<MatchResponse>, ApiError> {
    let body: MatchBody = json_body(&body)?;
    let limit = check_limit(body.limit)?;
    let profile = match (body.profile, body.profile_id) {
        (Some(profile), None) => profile,
        (None, Some(id)) => {
            // A stored profile is its firm's own: only the firm's users may match with it by id.
            let principal = caller.principal.as_ref().ok_or_else(ApiError::unauthenticated)?;
            if principal.enterprise() != Some(id) {
                return Err(ApiError::not_found("企业画像", "profile"));
            }
            state.store.enterprise(id).await?.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?.profile
        }
        _ => {
            return Err(ApiError::invalid(
                "profile",
                &ValueError::Invalid("请提供 profile 或 profile_id 之一".to_owned()),
            ));
        }
    };
    validate(&profile, &body.need, true)?;
    let outcome = state.match_need(profile, body.need, limit).await?;
    Ok(Json(MatchResponse::from(&outcome)))
}

/// The loan calculator: a product's repayment schedule, total cost and effective annual rate for an amount
/// and term, for each repayment method it offers (or the one asked for).
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/cost",
    params(
        ("id" = i64, Path, description = "Product id"),
        ("amount" = Option<String>, Query, description = "Amount in yuan (`500000`, `50万`); default 100 万元 within the product's range"),
        ("term" = Option<String>, Query, description = "Term in months (`12`, `3年`); default 12 within the product's range"),
        ("method" = Option<String>, Query, description = "Repayment method; default every method the product offers"),
        ("subsidised" = Option<bool>, Query, description = "The firm is 小微 and takes the product's subsidies"),
    ),
    responses(
        (status = 200, body = CostResponse),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 404, description = "No such published product", body = ErrorBody),
    ),
    tag = "matching"
)]
#[tracing::instrument(skip(state))]
async fn product_cost(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<CostResponse>, ApiError> {
    let query = parse_cost(raw.as_deref(), true)?;
    let product = state.product_at(&id).await?;
    Ok(Json(cost_of(&product, query)?))
}

/// Reverse matching, for the product's own institution: the stored firms that fit the product, ranked the
/// same way as products are for a firm, among those that consented to be found by every institution or by
/// this one. Consent is checked against the database on every request, so a revocation takes effect at
/// once. Institution users (and their API tokens) only: anonymous callers get 401; SME, agency and operator
/// accounts 403 (the operator reads no firm lists); another institution's product, or one not listed, 404.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/candidates",
    params(
        ("id" = i64, Path, description = "Product id"),
        ("limit" = Option<usize>, Query, description = "How many firms to return, 1–100 (default 20)"),
    ),
    responses(
        (status = 200, body = CandidatesResponse),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such listed product of the caller's institution", body = ErrorBody),
    ),
    tag = "matching"
)]
#[tracing::instrument(skip(state, principal, caller))]
async fn candidates(
    State(state): State<AppState>,
    crate::auth::Auth(principal): crate::auth::Auth,
    caller: crate::auth::Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<CandidatesResponse>, ApiError> {
    let institution = crate::auth::lender_of(&principal)?;
    let limit = crate::params::parse_limit(raw.as_deref())?;
    let product = state.product_at(&id).await?;
    if product.institution.id != institution {
        return Err(ApiError::not_found("产品", "product"));
    }
    let found = state.candidates(&product, institution, limit).await?;
    // Listing a firm shows part of its profile: recorded in its view log (once a day per institution).
    crate::needs::prospects::record_candidates(&state, &principal, &caller, institution, &found).await?;
    Ok(Json(found))
}

/// A positive id from a path segment.
///
/// # Errors
/// 400 naming `id`.
pub fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::invalid("id", &finmart_domain::ValueError::NotANumber(text.chars().take(20).collect()))
    })
}
