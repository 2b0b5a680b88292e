//! `/api/v1/facts/batches` (a data provider's batches) and `/api/v1/providers` (the operator's register).

use super::figures::{FactFiguresView, FactsTable, Figures};
use super::{FactBatchView, ProviderView, RECENT_BATCHES, receive_batch};
use crate::http::auth::{Caller, OperatorUser, ProviderUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::export::{self, Format};
use crate::http::extract::Json;
use crate::http::extract::Query;
use crate::http::rejected::UploadRefusal;
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finmart_domain::{FactSource, Labelled, ValueError};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(batches, send_batch))
        .routes(routes!(providers, register_provider))
        .routes(routes!(fact_figures))
        .routes(routes!(export_figures))
}

/// Sends a batch of verified facts (a data provider's users or API tokens). The body is JSON: an array of
/// records, or `{"records": [...]}`, each with `source_record_id`, `uscc`, `kind`, `value`, `as_of` and, for
/// some kinds, `valid_until` and `certificate` (`docs/facts-format.md`; at most 5,000 records). All or
/// nothing: any wrong record refuses the batch (400 `rejected`, every problem by record number from 1 and
/// field) and nothing stored changes. A record sent again under its id replaces the earlier one (a
/// correction) or changes nothing (a batch repeated after a lost answer).
#[utoipa::path(
    post,
    path = "/api/v1/facts/batches",
    request_body(content = Vec<Object>, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored; what it did", body = FactBatchView),
        (status = 400, description = "`rejected`: records refused, every problem in `rows` (nothing was stored); `invalid_file`: not JSON records", body = UploadRefusal),
        (status = 403, description = "Not a data provider's user or token", body = ErrorBody),
    )
)]
async fn send_batch(
    ProviderUser(principal, provider_id): ProviderUser,
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = state.store.data_provider(provider_id).await?;
    Ok(match receive_batch(&state, &caller, &principal, &provider, &body).await? {
        Ok(batch) => (StatusCode::CREATED, axum::Json(FactBatchView::from(&batch))).into_response(),
        Err(refused) => refused.into_response(),
    })
}

/// The caller's provider's recent batches, newest first (at most 50).
#[utoipa::path(
    get,
    path = "/api/v1/facts/batches",
    responses(
        (status = 200, body = Vec<FactBatchView>),
        (status = 403, description = "Not a data provider's user or token", body = ErrorBody),
    )
)]
async fn batches(
    provider: ProviderUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<FactBatchView>>, ApiError> {
    let provider_id = provider.1;
    let batches = state.store.fact_batches(provider_id, RECENT_BATCHES).await?;
    Ok(axum::Json(batches.iter().map(FactBatchView::from).collect()))
}

/// The registered data providers, by code, with the kinds each may send (the operator).
#[utoipa::path(
    get,
    path = "/api/v1/providers",
    responses((status = 200, body = Vec<ProviderView>), (status = 403, body = ErrorBody))
)]
async fn providers(
    _operator: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<ProviderView>>, ApiError> {
    Ok(axum::Json(state.store.data_providers().await?.iter().map(ProviderView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProviderBody {
    /// Its fixed key: letters, digits, `-`, `_`, `.` (at most 40).
    pub code: String,
    /// Its name (e.g. 国家税务总局天津市税务局).
    pub name: String,
    /// `tax`, `social_security`, `housing_fund`, `market_regulation`, `science`, `industry`, `courts`, or
    /// `credit_platform` (every kind).
    pub source: String,
}

/// Registers a data provider for one source, which decides the kinds it may send (the operator).
#[utoipa::path(
    post,
    path = "/api/v1/providers",
    request_body = NewProviderBody,
    responses(
        (status = 201, body = ProviderView),
        (status = 400, description = "A bad or taken code, an empty name, an unknown source", body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn register_provider(
    OperatorUser(operator, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewProviderBody>,
) -> Result<(StatusCode, axum::Json<ProviderView>), ApiError> {
    let source =
        FactSource::parse(body.source.trim()).map_err(|e| ApiError::invalid("source", &ValueError::from(e)))?;
    let event = caller.audit(&operator, "data_provider.create");
    let provider = state.store.create_data_provider(&body.code, &body.name, source, &event).await?;
    Ok((StatusCode::CREATED, axum::Json(ProviderView::from(&provider))))
}

/// The figures on verified facts (the operator): how many firms on the platform have each kind verified,
/// overall, by district and by industry, with the expired (需更新) and the conflicting (核验结果不符), and how
/// fresh each provider's facts are.
#[utoipa::path(
    get,
    path = "/api/v1/stats/facts",
    responses((status = 200, body = FactFiguresView), (status = 403, body = ErrorBody))
)]
async fn fact_figures(
    _operator: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<FactFiguresView>, ApiError> {
    Ok(axum::Json(Figures::read(&state).await?.view(&state.config.home_area)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FiguresExport {
    /// `by_kind`, `by_district`, `by_industry`, `providers` or `products`.
    table: String,
    /// `csv` or `xlsx`.
    format: String,
    /// The site's language choice, which links carry everywhere: accepted and ignored.
    #[param(ignore)]
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

/// Exports one table of the figures on verified facts as CSV (UTF-8 with BOM) or XLSX (the operator).
#[utoipa::path(
    get,
    path = "/api/v1/stats/facts/export",
    params(FiguresExport),
    responses(
        (status = 200, description = "The file as an attachment: CSV (UTF-8 with BOM) or XLSX", content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 403, body = ErrorBody),
    )
)]
async fn export_figures(
    _operator: OperatorUser,
    State(state): State<AppState>,
    Query(params): Query<FiguresExport>,
) -> Result<Response, ApiError> {
    let table = FactsTable::parse(&params.table).ok_or_else(|| {
        ApiError::invalid(
            "table",
            &ValueError::Invalid("须为 by_kind、by_district、by_industry、providers 或 products".to_owned()),
        )
    })?;
    let format = Format::parse(&params.format)
        .ok_or_else(|| ApiError::invalid("format", &ValueError::Invalid("须为 csv 或 xlsx".to_owned())))?;
    let figures = Figures::read(&state).await?;
    let file = figures.table(table, &state.config.home_area)?;
    let today = crate::http::state::today();
    export::download(
        &file,
        format,
        &format!("finmart-facts-{}-{today}", table.as_str()),
        &format!("{}_{today}", table.title().0),
    )
}
