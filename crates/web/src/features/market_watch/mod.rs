//! The operator's market watch over the JSON API, besides the uptake counts: unmet demand from the search
//! log, stale listings, response-deadline breaches per institution, the average comprehensive financing
//! cost, and the yearly target of loans facilitated (`/api/v1/stats/market/...`, operator only).

mod api;

use crate::http::Feature;
use crate::http::format::{Amount, Label};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::Bps;
use finmart_store::market_watch::{
    BreachCounts, FinancingCost, InstitutionBreaches, QueryCount, ResponseBreaches, SearchDemand, StaleListing,
    StaleListings, TargetProgress, shanghai_date,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The market-watch feature: its API.
#[must_use]
pub fn feature() -> Feature {
    Feature { tag: "stats", api: api::router(), ..Feature::default() }
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
    /// Searches made in the period that the log could not record (the server was overloaded and its
    /// queue of searches to write was full): the figures undercount by this many. Usually 0.
    pub not_recorded: u64,
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
            not_recorded: d.not_recorded,
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
