//! The market-watch API: its typed query parameters and handlers.

use super::{
    FinancingCostView, ResponseBreachesView, SearchDemandView, StaleListingsView, TargetBody, TargetProgressView,
};
use crate::http::auth::{Caller, OperatorUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{FromSegment, Json, Query, Segment};
use crate::http::params::{date, invalid};
use crate::http::state::{AppState, today};
use axum::extract::State;
use chrono::{Datelike, Days, NaiveDate, Utc};
use finmart_domain::Fen;
use finmart_store::market_watch::TARGET_YEARS;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Without `from`, a period covers this many days up to `to`.
const DEFAULT_DAYS: u64 = 30;
/// The longest period one query may cover.
const MAX_DAYS: u64 = 3_660;
/// Queries listed by default, and at most.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 200;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(searches))
        .routes(routes!(stale))
        .routes(routes!(response_breaches))
        .routes(routes!(cost))
        .routes(routes!(targets))
        .routes(routes!(set_target))
}

fn year(field: &str, v: &str) -> Result<i32, ApiError> {
    v.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| TARGET_YEARS.contains(y))
        .ok_or_else(|| invalid(field, &format!("应为 {} 至 {} 之间的年份", TARGET_YEARS.start(), TARGET_YEARS.end())))
}

/// The `{year}` a target is set for.
#[derive(Debug, Clone, Copy)]
struct TargetYear(i32);

impl FromSegment for TargetYear {
    const NAME: &'static str = "year";

    fn from_segment(text: &str) -> Result<Self, ApiError> {
        year("year", text).map(Self)
    }
}

/// A period of Asia/Shanghai days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PeriodParams {
    /// First day, YYYY-MM-DD (default: 30 days before `to`)
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today, Asia/Shanghai)
    #[param(format = Date)]
    to: Option<String>,
}

impl PeriodParams {
    /// `from` and `to` (Shanghai days, both included): `to` defaults to today, `from` to 30 days before it.
    fn period(&self) -> Result<(NaiveDate, NaiveDate), ApiError> {
        let to = self.to.as_deref().map(|v| date("to", v)).transpose()?.unwrap_or_else(today);
        let from = match self.from.as_deref() {
            Some(v) => date("from", v)?,
            None => to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(to),
        };
        if from > to {
            return Err(invalid("from", "开始日期不能晚于结束日期"));
        }
        if u64::try_from((to - from).num_days()).unwrap_or(u64::MAX) >= MAX_DAYS {
            return Err(invalid("from", "统计区间最长 10 年"));
        }
        Ok((from, to))
    }
}

/// Unmet demand's parameters: a period and the length of the lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SearchesParams {
    /// First day, YYYY-MM-DD (default: 30 days before `to`)
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today, Asia/Shanghai)
    #[param(format = Date)]
    to: Option<String>,
    /// Queries per list, 1–200 (default 20)
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

impl SearchesParams {
    /// The period and the length of the lists.
    fn read(&self) -> Result<(NaiveDate, NaiveDate, u64), ApiError> {
        let (from, to) = PeriodParams { from: self.from.clone(), to: self.to.clone() }.period()?;
        let limit = match self.limit.as_deref() {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| invalid("limit", &format!("应为 1 至 {MAX_LIMIT} 之间的整数")))?,
            None => DEFAULT_LIMIT,
        };
        Ok((from, to, limit))
    }
}

/// No parameters (any is refused).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

/// The year of a target.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TargetParams {
    /// The year (default: this year, Asia/Shanghai)
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    year: Option<String>,
}

impl TargetParams {
    fn year(&self) -> Result<i32, ApiError> {
        self.year.as_deref().map_or_else(|| Ok(today().year()), |v| year("year", v))
    }
}

/// Unmet demand: the most searched words (with how many of their searches found nothing) and the queries
/// most often searched without result, from the search log (normalised queries, no personal data), for a
/// period of Asia/Shanghai days. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/searches",
    params(SearchesParams),
    responses(
        (status = 200, body = SearchDemandView),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn searches(
    _: OperatorUser,
    State(state): State<AppState>,
    Query(params): Query<SearchesParams>,
) -> Result<axum::Json<SearchDemandView>, ApiError> {
    let (from, to, limit) = params.read()?;
    Ok(axum::Json(SearchDemandView::from(&state.store.search_demand(from, to, limit).await?)))
}

/// Stale listings: published products not updated in the last 90 days (Asia/Shanghai), oldest first, with
/// their institution and the days since the update. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/stale",
    responses(
        (status = 200, body = StaleListingsView),
        (status = 400, description = "`invalid_parameter`: an unknown parameter, named in `field` (the operation takes none)", body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn stale(
    _: OperatorUser,
    State(state): State<AppState>,
    Query(NoParams {}): Query<NoParams>,
) -> Result<axum::Json<StaleListingsView>, ApiError> {
    Ok(axum::Json(StaleListingsView::from(&state.store.stale_listings(today()).await?)))
}

/// Response-deadline breaches per institution, for the applications submitted in a period (Asia/Shanghai
/// days): applications, breaches (first response after `respond_by`, or none by then) and their rate; plus
/// the applications overdue and still unanswered now. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/response-breaches",
    params(PeriodParams),
    responses(
        (status = 200, body = ResponseBreachesView),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn response_breaches(
    _: OperatorUser,
    State(state): State<AppState>,
    Query(params): Query<PeriodParams>,
) -> Result<axum::Json<ResponseBreachesView>, ApiError> {
    let (from, to) = params.period()?;
    Ok(axum::Json(ResponseBreachesView::from(&state.store.response_breaches(from, to, Utc::now()).await?)))
}

/// The average comprehensive financing cost of the loans disbursed in a period (Asia/Shanghai days): the
/// loan rate plus the guarantee fee rate, weighted by the amounts disbursed, with the count and amount.
/// Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/cost",
    params(PeriodParams),
    responses(
        (status = 200, body = FinancingCostView),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn cost(
    _: OperatorUser,
    State(state): State<AppState>,
    Query(params): Query<PeriodParams>,
) -> Result<axum::Json<FinancingCostView>, ApiError> {
    let (from, to) = params.period()?;
    Ok(axum::Json(FinancingCostView::from(&state.store.financing_cost(from, to).await?)))
}

/// A year's target of loans facilitated and what was achieved: the loans disbursed in that Asia/Shanghai
/// year (count and amount) and the progress in basis points. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/targets",
    params(TargetParams),
    responses(
        (status = 200, body = TargetProgressView),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn targets(
    _: OperatorUser,
    State(state): State<AppState>,
    Query(params): Query<TargetParams>,
) -> Result<axum::Json<TargetProgressView>, ApiError> {
    Ok(axum::Json(TargetProgressView::from(&state.store.uptake_target(params.year()?).await?)))
}

/// Sets (or replaces) a year's target of loans facilitated: a count and an amount in fen. Audited as
/// `target.set`. Operator only.
#[utoipa::path(
    put,
    path = "/api/v1/stats/market/targets/{year}",
    params(("year" = i32, Path, description = "The year, 2000–2100", minimum = 2000, maximum = 2100)),
    request_body = TargetBody,
    responses(
        (status = 200, description = "The target and the progress towards it", body = TargetProgressView),
        (status = 400, description = "A bad year or field, named in `field`", body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    )
)]
async fn set_target(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Segment(TargetYear(year)): Segment<TargetYear>,
    Json(body): Json<TargetBody>,
) -> Result<axum::Json<TargetProgressView>, ApiError> {
    let amount = Fen::from_fen(body.amount).map_err(|e| ApiError::invalid("amount", &e))?;
    let event = caller.audit(&p, "target.set");
    Ok(axum::Json(TargetProgressView::from(&state.store.set_uptake_target(year, body.loans, amount, &event).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::query::{Unknown, parse};

    #[test]
    fn periods_default_and_are_checked() {
        let period_of = |q: &str| parse::<PeriodParams>(Some(q), Unknown::Refuse).unwrap().period();
        assert_eq!(
            period_of("from=2026-03-01&to=2026-03-31").unwrap(),
            ("2026-03-01".parse().unwrap(), "2026-03-31".parse().unwrap())
        );
        let (from, to) = period_of("to=2026-03-31").unwrap();
        assert_eq!((from, to), ("2026-03-02".parse().unwrap(), "2026-03-31".parse().unwrap()));
        assert_eq!(period_of("from=2026-04-01&to=2026-03-31").unwrap_err().body.field.as_deref(), Some("from"));
        assert_eq!(period_of("from=2026-02-30").unwrap_err().body.field.as_deref(), Some("from"));
        let refused = |q: &str| parse::<PeriodParams>(Some(q), Unknown::Refuse).unwrap_err().body.field;
        assert_eq!(refused("colour=red").as_deref(), Some("colour"));
        assert_eq!(refused("from=a&from=b").as_deref(), Some("from"));
        assert_eq!(super::super::Rate::of(475).percent, "4.75%");
    }
}
