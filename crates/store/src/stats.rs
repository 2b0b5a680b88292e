//! Uptake figures: how the products of the market, of one lender or of one guarantee agency are taken up,
//! computed by the database.
//!
//! Every figure counts *events* (`application_event`) in the period by when they happened, in Asia/Shanghai
//! days: an application submitted at 23:30 Shanghai time counts for that Shanghai day, an approval for the
//! day it was approved, whenever the application was made. The events carry the lender and agency, so a
//! dashboard reads one index range; the application row (by primary key) gives amounts and the facts the
//! breakdowns group by, copied at submission.
//!
//! The SQL is the same on SQLite and PostgreSQL except for the one expression that turns a UTC timestamp
//! into a Shanghai date. Sums are cast to BIGINT (PostgreSQL sums BIGINT into NUMERIC), the guarantee fee
//! of each loan is an integer division done per row, and divisions that make rates and medians are done
//! here in Rust, so both backends give the same numbers to the fen.

use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// Whose products the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Market,
    /// One lender's products.
    Institution(i64),
    /// The products one guarantee agency guarantees.
    Agency(i64),
}

/// How the series is bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

impl Granularity {
    /// The first day of the bucket `day` falls in.
    #[must_use]
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the next bucket after the one starting at `start`.
    #[must_use]
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => start + Days::new(1),
            Self::Week => start + Days::new(7),
            Self::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX),
        }
    }
}

/// Narrows the applications counted (every set field must match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UptakeFilter {
    pub product_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub scale: Option<String>,
    pub family: Option<String>,
}

/// What to compute: a scope, Shanghai days `from..=to`, a bucket size and a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UptakeQuery {
    pub scope: Scope,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub filter: UptakeFilter,
}

/// Counts and amounts of each kind of event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Applications submitted, and the amounts applied for.
    pub applications: u64,
    pub applied_fen: i64,
    /// Accepted (受理).
    pub accepted: u64,
    /// Approved, and the amounts applied for in them.
    pub approved: u64,
    pub approved_fen: i64,
    pub rejected: u64,
    /// Disbursed, and the amounts paid out.
    pub disbursed: u64,
    pub disbursed_fen: i64,
    pub withdrawn: u64,
    /// Amounts paid out on guaranteed products, and the guarantee fees they earn over their terms.
    pub guaranteed_fen: i64,
    pub guarantee_fees_fen: i64,
}

impl Counts {
    fn add_row(&mut self, state: &str, row: &Aggregate) {
        match state {
            "submitted" => {
                self.applications += row.events;
                self.applied_fen += row.amount;
            }
            "accepted" => self.accepted += row.events,
            "approved" => {
                self.approved += row.events;
                self.approved_fen += row.amount;
            }
            "rejected" => self.rejected += row.events,
            "disbursed" => {
                self.disbursed += row.events;
                self.disbursed_fen += row.disbursed;
                self.guaranteed_fen += row.guaranteed;
                self.guarantee_fees_fen += row.fees;
            }
            "withdrawn" => self.withdrawn += row.events,
            _ => {}
        }
    }

    fn merge(&mut self, other: &Self) {
        self.applications += other.applications;
        self.applied_fen += other.applied_fen;
        self.accepted += other.accepted;
        self.approved += other.approved;
        self.approved_fen += other.approved_fen;
        self.rejected += other.rejected;
        self.disbursed += other.disbursed;
        self.disbursed_fen += other.disbursed_fen;
        self.withdrawn += other.withdrawn;
        self.guaranteed_fen += other.guaranteed_fen;
        self.guarantee_fees_fen += other.guarantee_fees_fen;
    }

    /// Approvals among the decisions (approved + rejected), in basis points; `None` without decisions.
    #[must_use]
    pub fn approval_rate_bps(&self) -> Option<u32> {
        ratio_bps(self.approved, self.approved + self.rejected)
    }
}

/// `part / whole` in basis points, rounded half up; `None` when `whole` is 0.
#[must_use]
pub fn ratio_bps(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| u32::try_from((part * 20_000 + whole) / (2 * whole)).unwrap_or(u32::MAX))
}

/// One bucket of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The bucket's first day (Shanghai).
    pub start: NaiveDate,
    pub counts: Counts,
}

/// One row of a breakdown: the machine value (or id) grouped by, and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub key: String,
    pub counts: Counts,
}

/// Durations in tenths of a day (nearest-rank percentiles of the exact durations, rounded down).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Durations {
    pub count: u64,
    pub median_tenths: Option<i64>,
    pub p90_tenths: Option<i64>,
}

impl Durations {
    fn of(mut seconds: Vec<i64>) -> Self {
        seconds.sort_unstable();
        let rank = |p: u64| -> Option<i64> {
            let n = seconds.len() as u64;
            // Nearest rank: the smallest value with at least p% of the values at or below it.
            let index = (p * n).div_ceil(100).max(1) - 1;
            seconds.get(usize::try_from(index).ok()?).map(|s| s * 10 / 86_400)
        };
        Self { count: seconds.len() as u64, median_tenths: rank(50), p90_tenths: rank(90) }
    }
}

/// A share of the disbursements: how many of them, out of all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub count: u64,
    pub of: u64,
    pub bps: Option<u32>,
}

/// Every uptake figure of one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uptake {
    pub totals: Counts,
    /// Approved among decided in the period.
    pub approval_rate_bps: Option<u32>,
    /// From submission to the approval or rejection decided in the period.
    pub to_decision: Durations,
    /// From submission to the disbursement made in the period.
    pub to_disbursement: Durations,
    /// Every bucket from the one holding `from` to the one holding `to`, empty ones included.
    pub series: Vec<Period>,
    /// Rejections in the period by reason, most frequent first.
    pub rejections_by_reason: Vec<(String, u64)>,
    pub by_product: Vec<Breakdown>,
    pub by_institution: Vec<Breakdown>,
    pub by_district: Vec<Breakdown>,
    pub by_industry: Vec<Breakdown>,
    /// Scale machine name, or `unknown` when it could not be derived.
    pub by_scale: Vec<Breakdown>,
    pub by_family: Vec<Breakdown>,
    /// An application counts under each qualification its firm had (so rows may sum to more than the total).
    pub by_qualification: Vec<Breakdown>,
    /// First loans (首贷) and credit loans (no collateral, no guarantee) among the disbursements.
    pub first_loans: Share,
    pub credit_loans: Share,
}

/// The aggregate columns every grouped query selects.
struct Aggregate {
    events: u64,
    amount: i64,
    disbursed: i64,
    guaranteed: i64,
    fees: i64,
}

const AGGREGATES: &str = "COUNT(*) AS events, \
     CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) AS amount, \
     CAST(COALESCE(SUM(COALESCE(a.disbursed_amount_fen, 0)), 0) AS BIGINT) AS disbursed, \
     CAST(COALESCE(SUM(CASE WHEN a.guarantee_agency_id IS NULL THEN 0 ELSE COALESCE(a.disbursed_amount_fen, 0) END), 0) AS BIGINT) AS guaranteed, \
     CAST(COALESCE(SUM(COALESCE(a.disbursed_amount_fen, 0) * COALESCE(a.guarantee_fee_bps, 0) * COALESCE(a.disbursed_term_months, 0) / 120000), 0) AS BIGINT) AS fees";

fn aggregate(row: &QueryResult) -> Result<Aggregate, StoreError> {
    Ok(Aggregate {
        events: u64::try_from(row.try_get::<i64>("", "events")?).unwrap_or(0),
        amount: row.try_get("", "amount")?,
        disbursed: row.try_get("", "disbursed")?,
        guaranteed: row.try_get("", "guaranteed")?,
        fees: row.try_get("", "fees")?,
    })
}

/// Builds the WHERE clause and its values, with the backend's placeholders.
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The Shanghai calendar day of `column`, as `YYYY-MM-DD` text.
    fn shanghai_day(&self, column: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"),
            _ => format!("date({column}, '+8 hours')"),
        }
    }
}

/// The UTC instant Shanghai day `day` begins (Shanghai is UTC+8 all year).
fn shanghai_midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)) - chrono::Duration::hours(8)
}

/// `FROM … WHERE …` shared by every query of `q`.
fn from_where(sql: &mut Sql, q: &UptakeQuery) -> String {
    let from = sql.bind(shanghai_midnight(q.from));
    let to = sql.bind(shanghai_midnight(q.to + Days::new(1)));
    let mut clause = format!(
        "FROM application_event e JOIN application a ON a.id = e.application_id WHERE e.at >= {from} AND e.at < {to}"
    );
    match q.scope {
        Scope::Market => {}
        Scope::Institution(id) => clause.push_str(&format!(" AND e.institution_id = {}", sql.bind(id))),
        Scope::Agency(id) => clause.push_str(&format!(" AND e.guarantee_agency_id = {}", sql.bind(id))),
    }
    let f = &q.filter;
    if let Some(id) = f.product_id {
        clause.push_str(&format!(" AND a.product_id = {}", sql.bind(id)));
    }
    if let Some(id) = f.institution_id {
        clause.push_str(&format!(" AND a.institution_id = {}", sql.bind(id)));
    }
    for (column, value) in
        [("district", &f.district), ("industry", &f.industry), ("scale", &f.scale), ("family", &f.family)]
    {
        if let Some(v) = value {
            clause.push_str(&format!(" AND a.{column} = {}", sql.bind(v.clone())));
        }
    }
    clause
}

impl Store {
    async fn rows(&self, q: &UptakeQuery, select: &str, tail: &str) -> Result<Vec<QueryResult>, StoreError> {
        let backend = self.db.get_database_backend();
        let mut sql = Sql { backend, values: Vec::new() };
        let day = sql.shanghai_day("e.at");
        let (select, tail) = (select.replace("{day}", &day), tail.replace("{day}", &day));
        let from_where = from_where(&mut sql, q);
        let text = format!("SELECT {select} {from_where} {tail}");
        Ok(self.db.query_all_raw(Statement::from_sql_and_values(backend, text, sql.values)).await?)
    }

    /// Events grouped by `key` (an SQL expression) and state.
    async fn grouped(&self, q: &UptakeQuery, key: &str) -> Result<BTreeMap<String, Counts>, StoreError> {
        let select = format!("{key} AS k, e.to_state AS state, {AGGREGATES}");
        let mut out: BTreeMap<String, Counts> = BTreeMap::new();
        for row in self.rows(q, &select, &format!("GROUP BY {key}, e.to_state")).await? {
            let k: Option<String> = row.try_get("", "k")?;
            let state: String = row.try_get("", "state")?;
            out.entry(k.unwrap_or_default()).or_default().add_row(&state, &aggregate(&row)?);
        }
        Ok(out)
    }

    /// Every uptake figure for `q`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn uptake(&self, q: &UptakeQuery) -> Result<Uptake, StoreError> {
        // The series, by Shanghai day, rolled up into buckets here.
        let days = self.grouped(q, "{day}").await?;
        let mut buckets: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
        let mut start = q.granularity.start_of(q.from);
        while start <= q.to {
            buckets.insert(start, Counts::default());
            start = q.granularity.next(start);
        }
        let mut totals = Counts::default();
        for (day, counts) in &days {
            let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|e| StoreError::Corrupt {
                table: "application_event",
                id: 0,
                field: "at",
                reason: e.to_string(),
            })?;
            buckets.entry(q.granularity.start_of(day)).or_default().merge(counts);
            totals.merge(counts);
        }
        let series = buckets.into_iter().map(|(start, counts)| Period { start, counts }).collect();

        let breakdown = |map: BTreeMap<String, Counts>, empty: &str| -> Vec<Breakdown> {
            let mut rows: Vec<Breakdown> = map
                .into_iter()
                .map(|(key, counts)| Breakdown { key: if key.is_empty() { empty.to_owned() } else { key }, counts })
                .collect();
            // Largest first (by applications, then disbursed amount), ties by key: a stable order.
            rows.sort_by(|a, b| {
                (b.counts.applications, b.counts.disbursed_fen, &a.key).cmp(&(
                    a.counts.applications,
                    a.counts.disbursed_fen,
                    &b.key,
                ))
            });
            rows
        };
        let by_product = breakdown(self.grouped(q, "CAST(a.product_id AS TEXT)").await?, "unknown");
        let by_institution = breakdown(self.grouped(q, "CAST(a.institution_id AS TEXT)").await?, "unknown");
        let by_district = breakdown(self.grouped(q, "a.district").await?, "unknown");
        let by_industry = breakdown(self.grouped(q, "a.industry").await?, "unknown");
        let by_scale = breakdown(self.grouped(q, "a.scale").await?, "unknown");
        let by_family = breakdown(self.grouped(q, "a.family").await?, "unknown");
        // Grouped by the whole set of qualifications (few distinct sets), then spread over each one.
        let mut per_qualification: BTreeMap<String, Counts> = BTreeMap::new();
        for (set, counts) in self.grouped(q, "a.qualifications").await? {
            for name in set.split('|').filter(|s| !s.is_empty()) {
                per_qualification.entry(name.to_owned()).or_default().merge(&counts);
            }
        }
        let by_qualification = breakdown(per_qualification, "none");

        let mut rejections_by_reason = Vec::new();
        for row in self
            .rows(
                q,
                "COALESCE(a.reason, '') AS reason, COUNT(*) AS n",
                "AND e.to_state = 'rejected' GROUP BY COALESCE(a.reason, '')",
            )
            .await?
        {
            let n: i64 = row.try_get("", "n")?;
            rejections_by_reason.push((row.try_get::<String>("", "reason")?, u64::try_from(n).unwrap_or(0)));
        }
        rejections_by_reason.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        let (mut decision, mut disbursement) = (Vec::new(), Vec::new());
        for row in self
            .rows(
                q,
                "a.submitted_at AS submitted_at, e.at AS at, e.to_state AS state",
                "AND e.to_state IN ('approved', 'rejected', 'disbursed')",
            )
            .await?
        {
            let submitted: DateTime<Utc> = row.try_get("", "submitted_at")?;
            let at: DateTime<Utc> = row.try_get("", "at")?;
            let seconds = (at - submitted).num_seconds().max(0);
            if row.try_get::<String>("", "state")? == "disbursed" {
                disbursement.push(seconds);
            } else {
                decision.push(seconds);
            }
        }

        let (mut first, mut credit, mut all) = (0_u64, 0_u64, 0_u64);
        for row in self
            .rows(
                q,
                "a.first_loan AS first_loan, a.credit_loan AS credit_loan, COUNT(*) AS n",
                "AND e.to_state = 'disbursed' GROUP BY a.first_loan, a.credit_loan",
            )
            .await?
        {
            let n = u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0);
            all += n;
            if row.try_get::<bool>("", "first_loan")? {
                first += n;
            }
            if row.try_get::<bool>("", "credit_loan")? {
                credit += n;
            }
        }
        let share = |count: u64| Share { count, of: all, bps: ratio_bps(count, all) };

        Ok(Uptake {
            approval_rate_bps: totals.approval_rate_bps(),
            totals,
            to_decision: Durations::of(decision),
            to_disbursement: Durations::of(disbursement),
            series,
            rejections_by_reason,
            by_product,
            by_institution,
            by_district,
            by_industry,
            by_scale,
            by_family,
            by_qualification,
            first_loans: share(first),
            credit_loans: share(credit),
        })
    }
}
