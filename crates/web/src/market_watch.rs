//! The operator's market watch over the JSON API, besides the uptake counts: unmet demand from the search
//! log, stale listings, response-deadline breaches per institution, the average comprehensive financing
//! cost, and the yearly target of loans facilitated (`/api/v1/stats/market/...`, operator only).
//!
//! It also feeds the search log: [`search_logged`] runs a search and, when it had a query or a filter,
//! logs it in a spawned task, so the search never waits for the write and a failed write is only logged.

use crate::auth::{Auth, Caller, require};
use crate::error::{ApiError, ErrorBody};
use crate::params::json_body;
use crate::state::{AppState, today};
use crate::stats::Amount;
use crate::views::{Label, SearchResponse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use finmart_catalogue::{CollateralFilter, SearchRequest};
use finmart_domain::{Bps, Fen, ProductFamily, Role, ValueError};
use finmart_store::AuditEvent;
use finmart_store::market_watch::{
    BreachCounts, FinancingCost, InstitutionBreaches, QueryCount, ResponseBreaches, SearchDemand, StaleListing,
    StaleListings, TARGET_YEARS, TargetProgress, shanghai_date,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Without `from`, a period covers this many days up to `to`.
const DEFAULT_DAYS: u64 = 30;
/// The longest period one query may cover.
const MAX_DAYS: u64 = 3_660;
/// Queries listed by default, and at most.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 200;
/// Search-log writes waiting at most; beyond this a search is not logged rather than crowding the pool.
const MAX_PENDING_LOGS: usize = 256;

static PENDING_LOGS: AtomicUsize = AtomicUsize::new(0);

/// This module's API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(searches))
        .routes(routes!(stale))
        .routes(routes!(response_breaches))
        .routes(routes!(cost))
        .routes(routes!(targets))
        .routes(routes!(set_target))
}

/// Whether a search is worth logging: it has a query or a filter, and it is a first page (paging through
/// results is not another search).
fn worth_logging(req: &SearchRequest) -> bool {
    let filtered = !req.families.is_empty()
        || !req.institutions.is_empty()
        || !req.districts.is_empty()
        || !matches!(req.collateral, CollateralFilter::Any)
        || req.amount.is_some()
        || req.term.is_some()
        || req.max_rate.is_some()
        || req.online_only
        || !req.policy.is_empty();
    req.page <= 1 && (!req.text.trim().is_empty() || filtered)
}

/// Runs a search (see [`AppState::search`]) and logs it for the unmet-demand figures: the normalised query,
/// the total hits and the family filter, nothing about who searched. The write is a spawned task.
///
/// # Errors
/// The search failed (nothing is logged then).
pub async fn search_logged(state: &AppState, req: SearchRequest) -> Result<SearchResponse, ApiError> {
    let logged = worth_logging(&req).then(|| (Utc::now(), req.text.clone(), req.families.clone()));
    let response = state.search(req).await?;
    if let Some((at, query, families)) = logged {
        log_search(state, at, query, response.total as u64, families);
    }
    Ok(response)
}

fn log_search(state: &AppState, at: DateTime<Utc>, query: String, results: u64, families: Vec<ProductFamily>) {
    if PENDING_LOGS.fetch_add(1, Ordering::Relaxed) >= MAX_PENDING_LOGS {
        PENDING_LOGS.fetch_sub(1, Ordering::Relaxed);
        tracing::warn!("search log backlog full: a search was not logged");
        return;
    }
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(error) = store.log_search(at, &query, results, &families).await {
            tracing::warn!(%error, "search log write failed");
        }
        PENDING_LOGS.fetch_sub(1, Ordering::Relaxed);
    });
}

fn bad(field: &str, text: &str) -> ApiError {
    ApiError::invalid(field, &ValueError::Invalid(text.to_owned()))
}

/// The query's parameters, refusing unknown and repeated ones.
fn params(raw: Option<&str>, known: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned() {
        if !known.contains(&k.as_str()) {
            let name: String = k.chars().take(40).collect();
            return Err(bad(&name, &format!("未知参数，可用参数：{}", known.join(", "))));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(bad(&k, "只能出现一次"));
        }
        if !v.trim().is_empty() {
            out.push((k, v.trim().to_owned()));
        }
    }
    Ok(out)
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn date(field: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(field, "应为 YYYY-MM-DD 格式的日期（上海时间）"))
}

/// `from` and `to` (Shanghai days, both included): `to` defaults to today, `from` to 30 days before it.
fn period(pairs: &[(String, String)]) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = value(pairs, "to").map(|v| date("to", v)).transpose()?.unwrap_or_else(today);
    let from = match value(pairs, "from") {
        Some(v) => date("from", v)?,
        None => to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(to),
    };
    if from > to {
        return Err(bad("from", "开始日期不能晚于结束日期"));
    }
    if u64::try_from((to - from).num_days()).unwrap_or(u64::MAX) >= MAX_DAYS {
        return Err(bad("from", "统计区间最长 10 年"));
    }
    Ok((from, to))
}

fn year(field: &str, v: &str) -> Result<i32, ApiError> {
    v.parse::<i32>()
        .ok()
        .filter(|y| TARGET_YEARS.contains(y))
        .ok_or_else(|| bad(field, &format!("应为 {} 至 {} 之间的年份", TARGET_YEARS.start(), TARGET_YEARS.end())))
}

/// The operator, or 403.
fn operator(p: &finmart_domain::Principal) -> Result<(), ApiError> {
    require(p, &[Role::Operator])
}

/// A rate in basis points and as percent text (`4.75%`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rate {
    pub bps: u32,
    pub percent: String,
}

impl Rate {
    fn of(bps: u32) -> Self {
        Self {
            bps,
            percent: Bps::new(bps).map_or_else(|_| format!("{}.{:02}%", bps / 100, bps % 100), Bps::percent_text),
        }
    }
}

/// A normalised query and how often it was searched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueryCountView {
    pub query: String,
    pub searches: u64,
    /// Of those searches, how many found nothing.
    pub no_results: u64,
}

impl From<&QueryCount> for QueryCountView {
    fn from(q: &QueryCount) -> Self {
        Self { query: q.query.clone(), searches: q.searches, no_results: q.no_results }
    }
}

/// Unmet demand in a period (Asia/Shanghai days).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchDemandView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every search logged in the period (filter-only ones too).
    pub searches: u64,
    /// Of those, the ones that found nothing.
    pub no_result_searches: u64,
    /// The most searched queries, most first (ties in code-point order).
    pub top: Vec<QueryCountView>,
    /// The queries most often searched without result.
    pub unmet: Vec<QueryCountView>,
}

impl From<&SearchDemand> for SearchDemandView {
    fn from(d: &SearchDemand) -> Self {
        Self {
            from: d.from,
            to: d.to,
            searches: d.searches,
            no_result_searches: d.no_result_searches,
            top: d.top.iter().map(QueryCountView::from).collect(),
            unmet: d.unmet.iter().map(QueryCountView::from).collect(),
        }
    }
}

/// A published product not updated for more than 90 days.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaleListingView {
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub family: Label,
    pub institution_id: i64,
    pub institution_name: String,
    pub updated_at: DateTime<Utc>,
    /// The day of the last update, Asia/Shanghai.
    pub updated_on: NaiveDate,
    pub days_since_update: i64,
}

impl From<&StaleListing> for StaleListingView {
    fn from(s: &StaleListing) -> Self {
        Self {
            product_id: s.product_id,
            code: s.code.clone(),
            name: s.name.clone(),
            family: Label::of(s.family),
            institution_id: s.institution_id,
            institution_name: s.institution_name.clone(),
            updated_at: s.updated_at,
            updated_on: shanghai_date(s.updated_at),
            days_since_update: s.days_since_update,
        }
    }
}

/// The stale listings, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaleListingsView {
    /// Today, Asia/Shanghai.
    pub today: NaiveDate,
    /// Published products last updated before this day are listed.
    pub updated_before: NaiveDate,
    pub total: u64,
    /// At most 1,000.
    pub items: Vec<StaleListingView>,
}

impl From<&StaleListings> for StaleListingsView {
    fn from(s: &StaleListings) -> Self {
        Self {
            today: s.today,
            updated_before: s.updated_before,
            total: s.total,
            items: s.items.iter().map(StaleListingView::from).collect(),
        }
    }
}

/// Breach counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreachCountsView {
    /// Applications submitted in the period.
    pub applications: u64,
    /// Of those, answered after the deadline, or not answered by it (a withdrawal before the deadline is no
    /// breach).
    pub breaches: u64,
    /// `breaches / applications` in basis points (`null` without applications).
    pub rate_bps: Option<u32>,
    /// Applications (submitted at any time) still unanswered past their deadline now.
    pub overdue_open: u64,
}

impl From<&BreachCounts> for BreachCountsView {
    fn from(c: &BreachCounts) -> Self {
        Self { applications: c.applications, breaches: c.breaches, rate_bps: c.rate_bps, overdue_open: c.overdue_open }
    }
}

/// One institution's breaches.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionBreachesView {
    pub institution_id: i64,
    pub institution_name: String,
    #[serde(flatten)]
    pub counts: BreachCountsView,
}

impl From<&InstitutionBreaches> for InstitutionBreachesView {
    fn from(i: &InstitutionBreaches) -> Self {
        Self {
            institution_id: i.institution_id,
            institution_name: i.institution_name.clone(),
            counts: BreachCountsView::from(&i.counts),
        }
    }
}

/// Response-deadline breaches in a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseBreachesView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: BreachCountsView,
    /// Most breaches first, then most overdue.
    pub institutions: Vec<InstitutionBreachesView>,
}

impl From<&ResponseBreaches> for ResponseBreachesView {
    fn from(r: &ResponseBreaches) -> Self {
        Self {
            from: r.from,
            to: r.to,
            total: BreachCountsView::from(&r.total),
            institutions: r.institutions.iter().map(InstitutionBreachesView::from).collect(),
        }
    }
}

/// The average comprehensive financing cost of the loans disbursed in a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinancingCostView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub loans: u64,
    pub amount: Amount,
    /// Loan rate plus guarantee fee rate, weighted by the amounts (`null` without loans).
    pub average: Option<Rate>,
}

impl From<&FinancingCost> for FinancingCostView {
    fn from(c: &FinancingCost) -> Self {
        Self {
            from: c.from,
            to: c.to,
            loans: c.loans,
            amount: c.amount_fen.into(),
            average: c.average_bps.map(Rate::of),
        }
    }
}

/// The target set for a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetView {
    pub loans: u64,
    pub amount: Amount,
    /// The operator account that set it.
    pub set_by: i64,
    pub set_at: DateTime<Utc>,
}

/// A year's target and the loans facilitated in it (disbursed in that Asia/Shanghai year).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetProgressView {
    pub year: i32,
    /// `null` when no target was set.
    pub target: Option<TargetView>,
    pub loans: u64,
    pub amount: Amount,
    /// Achieved / target in basis points (may pass 10,000; `null` without a target above zero).
    pub loans_progress_bps: Option<u32>,
    pub amount_progress_bps: Option<u32>,
}

impl From<&TargetProgress> for TargetProgressView {
    fn from(t: &TargetProgress) -> Self {
        Self {
            year: t.year,
            target: t.target.as_ref().map(|t| TargetView {
                loans: t.loans,
                amount: t.amount_fen.into(),
                set_by: t.set_by,
                set_at: t.set_at,
            }),
            loans: t.loans,
            amount: t.amount_fen.into(),
            loans_progress_bps: t.loans_progress_bps,
            amount_progress_bps: t.amount_progress_bps,
        }
    }
}

/// A year's target.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// Loans to facilitate (count).
    pub loans: u64,
    /// Their amount, in fen.
    pub amount: i64,
}

/// Unmet demand: the most searched words (with how many of their searches found nothing) and the queries
/// most often searched without result, from the search log (normalised queries, no personal data), for a
/// period of Asia/Shanghai days. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/searches",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: 30 days before `to`)"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today, Asia/Shanghai)"),
        ("limit" = Option<u64>, Query, description = "Queries per list, 1–200 (default 20)"),
    ),
    responses(
        (status = 200, body = SearchDemandView),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn searches(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchDemandView>, ApiError> {
    operator(&p)?;
    let pairs = params(raw.as_deref(), &["from", "to", "limit"])?;
    let (from, to) = period(&pairs)?;
    let limit = match value(&pairs, "limit") {
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad("limit", &format!("应为 1 至 {MAX_LIMIT} 之间的整数")))?,
        None => DEFAULT_LIMIT,
    };
    Ok(Json(SearchDemandView::from(&state.store.search_demand(from, to, limit).await?)))
}

/// Stale listings: published products not updated in the last 90 days (Asia/Shanghai), oldest first, with
/// their institution and the days since the update. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/stale",
    responses(
        (status = 200, body = StaleListingsView),
        (status = 400, description = "An unknown parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn stale(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<StaleListingsView>, ApiError> {
    operator(&p)?;
    params(raw.as_deref(), &[])?;
    Ok(Json(StaleListingsView::from(&state.store.stale_listings(today()).await?)))
}

/// Response-deadline breaches per institution, for the applications submitted in a period (Asia/Shanghai
/// days): applications, breaches (first response after `respond_by`, or none by then) and their rate; plus
/// the applications overdue and still unanswered now. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/response-breaches",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: 30 days before `to`)"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today, Asia/Shanghai)"),
    ),
    responses(
        (status = 200, body = ResponseBreachesView),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn response_breaches(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<ResponseBreachesView>, ApiError> {
    operator(&p)?;
    let (from, to) = period(&params(raw.as_deref(), &["from", "to"])?)?;
    Ok(Json(ResponseBreachesView::from(&state.store.response_breaches(from, to, Utc::now()).await?)))
}

/// The average comprehensive financing cost of the loans disbursed in a period (Asia/Shanghai days): the
/// loan rate plus the guarantee fee rate, weighted by the amounts disbursed, with the count and amount.
/// Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/cost",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default: 30 days before `to`)"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default: today, Asia/Shanghai)"),
    ),
    responses(
        (status = 200, body = FinancingCostView),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn cost(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<FinancingCostView>, ApiError> {
    operator(&p)?;
    let (from, to) = period(&params(raw.as_deref(), &["from", "to"])?)?;
    Ok(Json(FinancingCostView::from(&state.store.financing_cost(from, to).await?)))
}

/// A year's target of loans facilitated and what was achieved: the loans disbursed in that Asia/Shanghai
/// year (count and amount) and the progress in basis points. Operator only.
#[utoipa::path(
    get,
    path = "/api/v1/stats/market/targets",
    params(("year" = Option<i32>, Query, description = "The year (default: this year, Asia/Shanghai)")),
    responses(
        (status = 200, body = TargetProgressView),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn targets(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<TargetProgressView>, ApiError> {
    operator(&p)?;
    let pairs = params(raw.as_deref(), &["year"])?;
    let year = value(&pairs, "year").map(|v| year("year", v)).transpose()?.unwrap_or_else(|| today().year());
    Ok(Json(TargetProgressView::from(&state.store.uptake_target(year).await?)))
}

/// Sets (or replaces) a year's target of loans facilitated: a count and an amount in fen. Audited as
/// `target.set`. Operator only.
#[utoipa::path(
    put,
    path = "/api/v1/stats/market/targets/{year}",
    params(("year" = i32, Path, description = "The year, 2000–2100")),
    request_body = TargetBody,
    responses(
        (status = 200, description = "The target and the progress towards it", body = TargetProgressView),
        (status = 400, description = "A bad year or field, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn set_target(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(year_text): Path<String>,
    body: Bytes,
) -> Result<Json<TargetProgressView>, ApiError> {
    operator(&p)?;
    let year = year("year", year_text.trim())?;
    let body: TargetBody = json_body(&body)?;
    let amount = Fen::from_fen(body.amount).map_err(|e| ApiError::invalid("amount", &e))?;
    let event = AuditEvent::by(&p, Some(&caller.address), "target.set");
    Ok(Json(TargetProgressView::from(&state.store.set_uptake_target(year, body.loans, amount, &event).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_searches_with_words_or_filters_on_a_first_page_are_logged() {
        let mut req = SearchRequest::default();
        assert!(!worth_logging(&req));
        req.text = "科技贷".into();
        assert!(worth_logging(&req));
        req.page = 2;
        assert!(!worth_logging(&req));
        for req in [
            SearchRequest { families: vec![ProductFamily::Credit], ..Default::default() },
            SearchRequest { collateral: CollateralFilter::NoneRequired, ..Default::default() },
            SearchRequest { online_only: true, ..Default::default() },
        ] {
            assert!(worth_logging(&req), "{req:?}");
        }
    }

    #[test]
    fn periods_default_and_are_checked() {
        let pairs = |q: &str| params(Some(q), &["from", "to"]).unwrap();
        assert_eq!(
            period(&pairs("from=2026-03-01&to=2026-03-31")).unwrap(),
            ("2026-03-01".parse().unwrap(), "2026-03-31".parse().unwrap())
        );
        let (from, to) = period(&pairs("to=2026-03-31")).unwrap();
        assert_eq!((from, to), ("2026-03-02".parse().unwrap(), "2026-03-31".parse().unwrap()));
        assert_eq!(period(&pairs("from=2026-04-01&to=2026-03-31")).unwrap_err().body.field.as_deref(), Some("from"));
        assert_eq!(period(&pairs("from=2026-02-30")).unwrap_err().body.field.as_deref(), Some("from"));
        assert_eq!(params(Some("colour=red"), &["from"]).unwrap_err().body.field.as_deref(), Some("colour"));
        assert_eq!(params(Some("from=a&from=b"), &["from"]).unwrap_err().body.field.as_deref(), Some("from"));
        assert_eq!(Rate::of(475).percent, "4.75%");
    }
}
