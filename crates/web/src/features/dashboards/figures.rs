//! The uptake figures: what `GET /api/v1/stats/uptake` answers, what the dashboards draw and show as tables,
//! and what the exports write, so pages, files and other systems show the same numbers.
//!
//! The scope follows the caller: a guarantee agency sees the products it guarantees, an institution its
//! own products, the operator the whole market (or one agency or lender, with `agency=` or `lender=`).
//! SMEs have no figures. Every breakdown row carries its label in Chinese and English, and every amount is
//! given in fen and as 万元 text.

use crate::http::error::ApiError;
use crate::http::format::{Amount, Place};
use crate::http::params::{date, invalid, one_of};
use crate::http::query::{self, Unknown};
use crate::http::state::{AppState, today};
use chrono::{Days, NaiveDate};
use finmart_domain::{
    District, EnterpriseScale, HomeArea, Industry, InstitutionKind, Labelled, Principal, ProductFamily, Qualification,
    Role,
};
use finmart_store::stats::{
    Breakdown, Counts, Durations, Granularity, Scope, Share, Uptake, UptakeFilter, UptakeQuery,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The longest period one query may cover, and the longest a daily series may.
const MAX_DAYS: u64 = 3_660;
const MAX_DAILY_DAYS: u64 = 400;
/// Without `from`, the figures cover this many days up to `to`.
const DEFAULT_DAYS: u64 = 30;

/// Counts with their amounts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct CountsView {
    pub applications: u64,
    pub applied: Amount,
    pub accepted: u64,
    pub approved: u64,
    pub approved_amount: Amount,
    pub rejected: u64,
    pub disbursed: u64,
    pub disbursed_amount: Amount,
    pub withdrawn: u64,
    pub guaranteed: Amount,
    pub guarantee_fees: Amount,
    /// Approved among decided, in basis points (`null` without decisions).
    pub approval_rate_bps: Option<u32>,
}

impl From<&Counts> for CountsView {
    fn from(c: &Counts) -> Self {
        Self {
            applications: c.applications,
            applied: c.applied_fen.into(),
            accepted: c.accepted,
            approved: c.approved,
            approved_amount: c.approved_fen.into(),
            rejected: c.rejected,
            disbursed: c.disbursed,
            disbursed_amount: c.disbursed_fen.into(),
            withdrawn: c.withdrawn,
            guaranteed: c.guaranteed_fen.into(),
            guarantee_fees: c.guarantee_fees_fen.into(),
            approval_rate_bps: c.approval_rate_bps(),
        }
    }
}

/// One bucket of the series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct PeriodView {
    /// The bucket's first day (Asia/Shanghai).
    pub start: NaiveDate,
    #[serde(flatten)]
    pub counts: CountsView,
}

/// One row of a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct BreakdownRow {
    /// The machine value or id grouped by.
    pub key: String,
    pub label: String,
    pub label_en: String,
    #[serde(flatten)]
    pub counts: CountsView,
}

/// Durations in days, to one decimal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct DurationsView {
    pub count: u64,
    pub median_days: Option<String>,
    pub p90_days: Option<String>,
}

impl From<&Durations> for DurationsView {
    fn from(d: &Durations) -> Self {
        let days = |tenths: Option<i64>| tenths.map(|t| format!("{}.{}", t / 10, t % 10));
        Self { count: d.count, median_days: days(d.median_tenths), p90_days: days(d.p90_tenths) }
    }
}

/// A share of the disbursements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct ShareView {
    pub count: u64,
    pub of: u64,
    pub bps: Option<u32>,
}

impl From<&Share> for ShareView {
    fn from(s: &Share) -> Self {
        Self { count: s.count, of: s.of, bps: s.bps }
    }
}

/// A rejection reason and how often it was given.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct ReasonRow {
    pub reason: String,
    pub count: u64,
}

/// What the figures cover.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct ScopeView {
    /// `market`, `institution` or `agency`.
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `day`, `week` or `month`.
    #[schema(value_type = String)]
    pub granularity: Granularity,
}

/// Every uptake figure of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct UptakeView {
    pub scope: ScopeView,
    pub totals: CountsView,
    pub to_decision: DurationsView,
    pub to_disbursement: DurationsView,
    pub series: Vec<PeriodView>,
    pub rejections_by_reason: Vec<ReasonRow>,
    pub by_product: Vec<BreakdownRow>,
    pub by_institution: Vec<BreakdownRow>,
    pub by_district: Vec<BreakdownRow>,
    pub by_industry: Vec<BreakdownRow>,
    pub by_scale: Vec<BreakdownRow>,
    pub by_family: Vec<BreakdownRow>,
    pub by_qualification: Vec<BreakdownRow>,
    /// 首贷 among the disbursements.
    pub first_loans: ShareView,
    /// 信用贷款 (no collateral, no guarantee) among the disbursements.
    pub credit_loans: ShareView,
}

/// The labels of a vocabulary's machine names (`unknown` / `none` included).
fn vocabulary<T: Labelled>() -> HashMap<String, (String, String)> {
    let mut map: HashMap<String, (String, String)> =
        T::ALL.iter().map(|v| (v.as_str().to_owned(), (v.label_zh().to_owned(), v.label_en().to_owned()))).collect();
    map.insert("unknown".into(), ("未知".into(), "Unknown".into()));
    map.insert("none".into(), ("无".into(), "None".into()));
    map
}

/// The names of the districts a breakdown is keyed by (codes; the first deployment's names in figures
/// recorded before districts became codes).
fn places(breakdown: &[Breakdown], home: &HomeArea) -> HashMap<String, (String, String)> {
    let mut map: HashMap<String, (String, String)> = HashMap::new();
    map.insert("unknown".into(), ("未知".into(), "Unknown".into()));
    for b in breakdown.iter().filter(|b| b.key != "unknown") {
        let place = Place::of_stored(&b.key, home);
        map.insert(b.key.clone(), (place.label, place.label_en));
    }
    map
}

fn rows(breakdown: &[Breakdown], labels: &HashMap<String, (String, String)>) -> Vec<BreakdownRow> {
    breakdown
        .iter()
        .map(|b| {
            let (label, label_en) = labels.get(&b.key).cloned().unwrap_or_else(|| (b.key.clone(), b.key.clone()));
            BreakdownRow { key: b.key.clone(), label, label_en, counts: CountsView::from(&b.counts) }
        })
        .collect()
}

/// The figures' parameters (the API's query; the pages build the same query from their forms).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct UptakeParams {
    /// First day, YYYY-MM-DD (default: 30 days before `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today, Asia/Shanghai).
    #[param(format = Date)]
    pub to: Option<String>,
    /// `day`, `week` or `month` (default: day up to 92 days, else month).
    #[param(pattern = "^(day|week|month)$")]
    pub granularity: Option<String>,
    /// Operator only: one guarantee agency's products.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub agency: Option<String>,
    /// Operator only: one lender's products.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub lender: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub product: Option<String>,
    /// Filter: the lender.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub institution: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub scale: Option<String>,
    pub family: Option<String>,
    /// The site's language choice, which links carry everywhere: accepted and ignored.
    #[param(ignore)]
    #[serde(rename = "lang")]
    pub _lang: Option<String>,
    /// Accepted and ignored (the figures were always JSON).
    #[param(ignore)]
    #[serde(rename = "format")]
    pub _format: Option<String>,
}

/// The parsed query: the store's query and the scope's name.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    pub query: UptakeQuery,
    pub scope_name: String,
}

/// A 400 naming `field`, with the reason `text`.
fn id(field: &str, v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(field, "须为正整数"))
}

fn vocabulary_value<T: Labelled>(field: &str, v: &str) -> Result<String, ApiError> {
    one_of::<T>(field, v).map(|t| t.as_str().to_owned())
}

/// The `granularity=` value of a granularity.
pub(super) fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "day",
        Granularity::Week => "week",
        Granularity::Month => "month",
    }
}

/// Parses the figures' parameters for `principal`, who decides the scope (see the module documentation).
///
/// # Errors
/// 403 for SME users; 400 naming a bad parameter; 404 for an unknown agency or lender.
pub(super) async fn parse(state: &AppState, principal: &Principal, params: &UptakeParams) -> Result<Parsed, ApiError> {
    let mut scope = match principal.role {
        Role::Agency => Scope::Agency(principal.agency().ok_or_else(ApiError::forbidden)?),
        Role::Institution => Scope::Institution(principal.lender().ok_or_else(ApiError::forbidden)?),
        Role::Operator => Scope::Market,
        Role::Sme | Role::Provider => return Err(ApiError::forbidden()),
    };
    let from = params.from.as_deref().map(|v| date("from", v)).transpose()?;
    let to = params.to.as_deref().map(|v| date("to", v)).transpose()?;
    let granularity = match params.granularity.as_deref() {
        None => None,
        Some("day") => Some(Granularity::Day),
        Some("week") => Some(Granularity::Week),
        Some("month") => Some(Granularity::Month),
        Some(_) => return Err(invalid("granularity", "须为 day、week 或 month")),
    };
    for (k, v) in [("agency", &params.agency), ("lender", &params.lender)] {
        let Some(v) = v else { continue };
        if !principal.is_operator() {
            return Err(invalid(k, "未知参数"));
        }
        let id = id(k, v)?;
        let institution =
            state.store.institution(id).await?.ok_or_else(|| ApiError::not_found("机构", "institution"))?;
        let is_agency = institution.kind == InstitutionKind::GuaranteeAgency;
        if (k == "agency") != is_agency {
            return Err(invalid(k, if is_agency { "该机构是担保机构" } else { "该机构不是担保机构" }));
        }
        scope = if is_agency { Scope::Agency(id) } else { Scope::Institution(id) };
    }
    let filter = UptakeFilter {
        product_id: params.product.as_deref().map(|v| id("product", v)).transpose()?,
        institution_id: params.institution.as_deref().map(|v| id("institution", v)).transpose()?,
        district: params
            .district
            .as_deref()
            .map(|v| {
                District::parse(v, &state.config.home_area)
                    .map(District::code)
                    .map_err(|e| ApiError::invalid("district", &e))
            })
            .transpose()?,
        industry: params.industry.as_deref().map(|v| vocabulary_value::<Industry>("industry", v)).transpose()?,
        scale: params.scale.as_deref().map(|v| vocabulary_value::<EnterpriseScale>("scale", v)).transpose()?,
        family: params.family.as_deref().map(|v| vocabulary_value::<ProductFamily>("family", v)).transpose()?,
    };
    let to = to.unwrap_or_else(today);
    let from = from.unwrap_or_else(|| to - Days::new(DEFAULT_DAYS - 1));
    if from > to {
        return Err(invalid("from", "开始日期不能晚于结束日期"));
    }
    let days = u64::try_from((to - from).num_days()).unwrap_or(u64::MAX) + 1;
    if days > MAX_DAYS {
        return Err(invalid("from", "统计区间最长 10 年"));
    }
    let granularity = granularity.unwrap_or(if days > 92 { Granularity::Month } else { Granularity::Day });
    if granularity == Granularity::Day && days > MAX_DAILY_DAYS {
        return Err(invalid("granularity", "按日统计的区间最长 400 天，请按周或按月"));
    }
    let scope_name = match scope {
        Scope::Market => "全市场".to_owned(),
        Scope::Institution(id) | Scope::Agency(id) => {
            state.store.institution(id).await?.map_or_else(|| id.to_string(), |i| i.name)
        }
    };
    Ok(Parsed { query: UptakeQuery { scope, from, to, granularity, filter }, scope_name })
}

/// [`parse`] of a query string the pages build from their forms (known parameters only).
///
/// # Errors
/// As [`parse`].
pub(super) async fn parse_query(state: &AppState, principal: &Principal, raw: &str) -> Result<Parsed, ApiError> {
    parse(state, principal, &query::parse::<UptakeParams>(Some(raw), Unknown::Refuse)?).await
}

/// Computes the figures and labels them.
///
/// # Errors
/// Database failure.
pub(super) async fn compute(state: &AppState, parsed: &Parsed) -> Result<UptakeView, ApiError> {
    let (u, institutions): (Uptake, _) =
        tokio::try_join!(state.store.uptake(&parsed.query), state.store.institutions())?;
    let names: HashMap<String, (String, String)> =
        institutions.iter().map(|i| (i.id.to_string(), (i.name.clone(), i.name.clone()))).collect();
    let product_ids: Vec<i64> = u.by_product.iter().filter_map(|b| b.key.parse().ok()).collect();
    let products = state.store.products(&product_ids).await?;
    let products: HashMap<String, (String, String)> =
        products.into_iter().map(|p| (p.id.to_string(), (p.spec.name.clone(), p.spec.name))).collect();
    let q = &parsed.query;
    let (kind, id) = match q.scope {
        Scope::Market => ("market", None),
        Scope::Institution(id) => ("institution", Some(id)),
        Scope::Agency(id) => ("agency", Some(id)),
    };
    Ok(UptakeView {
        scope: ScopeView {
            kind,
            id,
            name: parsed.scope_name.clone(),
            from: q.from,
            to: q.to,
            granularity: q.granularity,
        },
        totals: CountsView::from(&u.totals),
        to_decision: DurationsView::from(&u.to_decision),
        to_disbursement: DurationsView::from(&u.to_disbursement),
        series: u.series.iter().map(|p| PeriodView { start: p.start, counts: CountsView::from(&p.counts) }).collect(),
        rejections_by_reason: u
            .rejections_by_reason
            .iter()
            .map(|(reason, count)| ReasonRow { reason: reason.clone(), count: *count })
            .collect(),
        by_product: rows(&u.by_product, &products),
        by_institution: rows(&u.by_institution, &names),
        by_district: rows(&u.by_district, &places(&u.by_district, &state.config.home_area)),
        by_industry: rows(&u.by_industry, &vocabulary::<Industry>()),
        by_scale: rows(&u.by_scale, &vocabulary::<EnterpriseScale>()),
        by_family: rows(&u.by_family, &vocabulary::<ProductFamily>()),
        by_qualification: rows(&u.by_qualification, &vocabulary::<Qualification>()),
        first_loans: ShareView::from(&u.first_loans),
        credit_loans: ShareView::from(&u.credit_loans),
    })
}

#[cfg(test)]
mod tests {
    use crate::http::format::wan;

    #[test]
    fn amounts_in_wan() {
        assert_eq!(wan(80_000_000), "80.00");
        assert_eq!(wan(1_234_567), "1.23");
        assert_eq!(wan(1_235_000), "1.24", "half up");
        assert_eq!(wan(0), "0.00");
        assert_eq!(wan(-5_000_000), "-5.00");
        assert_eq!(wan(123_456_789_000), "123456.79");
    }
}
