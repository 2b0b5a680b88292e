//! Uptake figures: how the products of the market, of one lender or of one guarantee agency are taken up,
//! computed by the database.
//!
//! Every figure counts *events* (`application_event`) in the period by when they happened, in Asia/Shanghai
//! days: an application submitted at 23:30 Shanghai time counts for that Shanghai day, an approval for the
//! day it was approved, whenever the application was made. Each event carries its lender and agency and
//! what the figures group and sum by (product, district, industry, scale, qualifications, amounts, seconds
//! since submission; see [`crate::event_facts`]), so a dashboard reads one range of one table and never
//! joins `application`: with millions of applications that join is one random read per event.
//!
//! All groupings come from one statement (grouping sets on PostgreSQL, a union of `GROUP BY`s on SQLite)
//! that differs between the backends only in how it spells them and the Shanghai-date expression. Sums are
//! cast to BIGINT (PostgreSQL sums BIGINT into NUMERIC), the guarantee fee of each loan was rounded when its
//! event was written, durations come back as a histogram of whole tenths of a day, and the divisions that
//! make rates, shares and percentiles are done here in Rust, so both backends give the same numbers to the
//! fen.

use crate::sql::Sql;
use crate::{Store, StoreError, uptake_rollup};
use chrono::{Datelike, Days, NaiveDate};
use finmart_domain::shanghai::day_start;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, IsolationLevel, QueryResult, Statement,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

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
    (whole > 0).then(|| {
        let (part, whole) = (u128::from(part), u128::from(whole));
        u32::try_from((part * 20_000 + whole) / (2 * whole)).unwrap_or(u32::MAX)
    })
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
    /// From how many durations fell in each whole tenth of a day. The nearest-rank percentile of the
    /// tenths is the tenth of the nearest-rank percentile of the exact durations (rounding down keeps
    /// order), so the histogram gives the same figure as sorting every duration.
    fn of(mut histogram: Vec<(i64, u64)>) -> Self {
        histogram.sort_unstable();
        let count: u64 = histogram.iter().map(|(_, n)| n).sum();
        let rank = |p: u64| -> Option<i64> {
            // Nearest rank: the smallest value with at least p% of the values at or below it.
            let wanted = (p * count).div_ceil(100).max(1);
            let mut seen = 0;
            histogram.iter().find_map(|&(tenths, n)| {
                seen += n;
                (seen >= wanted).then_some(tenths)
            })
        };
        Self { count, median_tenths: rank(50), p90_tenths: rank(90) }
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

/// The aggregate columns every group selects: how many events, and the sums the [`Counts`] keep. An
/// event carries its application's amounts (see [`crate::event_facts`]); the paid-out amount and the fee
/// only on a payment. An event counts `counted` times (1 for a step; a correction 0, or −1 when it reverses
/// a payment) and carries the difference a correction makes to the amounts, dated as what it corrects, so
/// every figure is what it would have been had the right value been entered first. Each payment of a loan
/// paid out in parts counts as one disbursement (放款笔数).
const AGGREGATES: &str = "CAST(COALESCE(SUM(e.counted), 0) AS BIGINT) AS events, \
     CAST(COALESCE(SUM(e.applied_fen * e.counted), 0) AS BIGINT) AS amount, \
     CAST(COALESCE(SUM(e.disbursed_fen), 0) AS BIGINT) AS disbursed, \
     CAST(COALESCE(SUM(CASE WHEN e.guarantee_agency_id IS NULL THEN 0 ELSE e.disbursed_fen END), 0) AS BIGINT) \
       AS guaranteed, \
     CAST(COALESCE(SUM(e.guarantee_fee_fen), 0) AS BIGINT) AS fees";

struct Aggregate {
    events: u64,
    amount: i64,
    disbursed: i64,
    guaranteed: i64,
    fees: i64,
}

/// What the events are grouped by (each grouping also by state). The order is the `g` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grouping {
    Day,
    Product,
    Institution,
    District,
    Industry,
    Scale,
    Family,
    /// The whole `|`-joined set of the firm's qualifications (few distinct sets), spread over each here.
    Qualifications,
    Reason,
    /// Whole tenths of a day since submission: the histogram the duration percentiles read.
    Tenths,
    /// First loan and credit loan as two digits, `"10"` for a first loan that is not a credit loan.
    Loans,
}

impl Grouping {
    pub(crate) const ALL: [Self; 11] = [
        Self::Day,
        Self::Product,
        Self::Institution,
        Self::District,
        Self::Industry,
        Self::Scale,
        Self::Family,
        Self::Qualifications,
        Self::Reason,
        Self::Tenths,
        Self::Loans,
    ];

    /// The groupings of the two statements PostgreSQL runs at once (see [`Store::uptake`]), about the
    /// same work each: the time-like keys and the lender's, then the firm's.
    const HALVES: [&[Self]; 2] = [
        &[Self::Day, Self::Product, Self::Institution, Self::Tenths, Self::Loans],
        &[Self::District, Self::Industry, Self::Scale, Self::Family, Self::Qualifications, Self::Reason],
    ];

    /// What to group by (plain columns where possible: cheap to hash, and PostgreSQL knows their
    /// statistics), and the key as text made from it, in `backend`'s SQL.
    pub(crate) fn sql(self, backend: DbBackend) -> (&'static str, &'static str) {
        let postgres = backend == DbBackend::Postgres;
        match self {
            // Shanghai is UTC+8 all year: a fixed offset, no time-zone lookup per row.
            Self::Day if postgres => (
                "CAST(e.at AT TIME ZONE INTERVAL '+08:00' AS DATE)",
                "to_char(CAST(e.at AT TIME ZONE INTERVAL '+08:00' AS DATE), 'YYYY-MM-DD')",
            ),
            Self::Day => ("date(e.at, '+8 hours')", "date(e.at, '+8 hours')"),
            Self::Product => ("e.product_id", "CAST(e.product_id AS TEXT)"),
            Self::Institution => ("e.institution_id", "CAST(e.institution_id AS TEXT)"),
            Self::District => ("e.district", "e.district"),
            Self::Industry => ("e.industry", "e.industry"),
            Self::Scale => ("e.scale", "e.scale"),
            Self::Family => ("e.family", "e.family"),
            Self::Qualifications => ("e.qualifications", "e.qualifications"),
            Self::Reason => ("e.reason", "COALESCE(e.reason, '')"),
            // 8,640 seconds are a tenth of a day.
            Self::Tenths => ("e.elapsed_seconds / 8640", "CAST(e.elapsed_seconds / 8640 AS TEXT)"),
            Self::Loans => (
                "e.first_loan, e.credit_loan",
                "CASE WHEN e.first_loan THEN '1' ELSE '0' END || CASE WHEN e.credit_loan THEN '1' ELSE '0' END",
            ),
        }
    }
}

/// `FROM … WHERE …` for the events of `q` on the Shanghai days `days` (inclusive runs, each within `q`'s
/// period). Only event columns: on PostgreSQL an agency's events are then one index-only range of
/// `ix_application_event_agency_facts`.
fn from_where(sql: &mut Sql, q: &UptakeQuery, days: &[(NaiveDate, NaiveDate)]) -> String {
    let periods: Vec<String> = days
        .iter()
        .map(|&(first, last)| {
            let from = sql.bind(day_start(first));
            let to = sql.bind(day_start(last + Days::new(1)));
            format!("(e.at >= {from} AND e.at < {to})")
        })
        .collect();
    let mut clause = format!("FROM application_event e WHERE ({})", periods.join(" OR "));
    match q.scope {
        Scope::Market => {}
        Scope::Institution(id) => clause.push_str(&format!(" AND e.institution_id = {}", sql.bind(id))),
        Scope::Agency(id) => clause.push_str(&format!(" AND e.guarantee_agency_id = {}", sql.bind(id))),
    }
    let f = &q.filter;
    for (column, id) in [("product_id", f.product_id), ("institution_id", f.institution_id)] {
        if let Some(id) = id {
            clause.push_str(&format!(" AND e.{column} = {}", sql.bind(id)));
        }
    }
    for (column, value) in
        [("district", &f.district), ("industry", &f.industry), ("scale", &f.scale), ("family", &f.family)]
    {
        if let Some(v) = value {
            clause.push_str(&format!(" AND e.{column} = {}", sql.bind(v.clone())));
        }
    }
    clause
}

/// One select computing `groupings` over the events of `q` on `days`; rows are `(g, k, state,
/// aggregates…)`, `g` the grouping's place in [`Grouping::ALL`]. Its values are bound to `sql`.
///
/// PostgreSQL reads the events once with `GROUPING SETS`; SQLite, which has no grouping sets, gets the
/// same groups as a `UNION ALL` of one `GROUP BY` per grouping.
pub(crate) fn select(
    sql: &mut Sql,
    q: &UptakeQuery,
    days: &[(NaiveDate, NaiveDate)],
    groupings: &[Grouping],
) -> String {
    let backend = sql.backend();
    if backend == DbBackend::Postgres {
        let from_where = from_where(sql, q, days);
        let (mut g, mut k, mut sets) = (String::new(), String::new(), Vec::new());
        for grouping in groupings {
            let (group, text) = grouping.sql(backend);
            let i = *grouping as usize;
            g.push_str(&format!(" WHEN GROUPING({group}) = 0 THEN CAST({i} AS BIGINT)"));
            k.push_str(&format!(" WHEN GROUPING({group}) = 0 THEN CAST({text} AS TEXT)"));
            sets.push(format!("({group})"));
        }
        format!(
            "SELECT CASE{g} END AS g, CASE{k} END AS k, e.to_state AS state, {AGGREGATES} {from_where} \
             GROUP BY e.to_state, GROUPING SETS ({})",
            sets.join(", ")
        )
    } else {
        let selects: Vec<String> = groupings
            .iter()
            .map(|grouping| {
                let (group, text) = grouping.sql(backend);
                let i = *grouping as usize;
                let from_where = from_where(sql, q, days);
                format!(
                    "SELECT CAST({i} AS BIGINT) AS g, {text} AS k, e.to_state AS state, {AGGREGATES} {from_where} \
                     GROUP BY {group}, e.to_state"
                )
            })
            .collect();
        selects.join(" UNION ALL ")
    }
}

/// [`select`] as a statement of its own.
fn statement(
    backend: DbBackend,
    q: &UptakeQuery,
    days: &[(NaiveDate, NaiveDate)],
    groupings: &[Grouping],
) -> Statement {
    let mut sql = Sql::new(backend);
    let text = select(&mut sql, q, days, groupings);
    sql.statement(text)
}

/// The groups of one grouping: key → state → aggregate.
type Groups = BTreeMap<String, Vec<(String, Aggregate)>>;

/// Counts per key of a grouping.
fn counts(groups: Groups) -> BTreeMap<String, Counts> {
    groups
        .into_iter()
        .map(|(key, states)| {
            let mut counts = Counts::default();
            for (state, row) in &states {
                counts.add_row(state, row);
            }
            (key, counts)
        })
        .collect()
}

/// Breakdown rows, largest first (by applications, then disbursed amount), ties by key: a stable order.
fn breakdown(map: BTreeMap<String, Counts>, empty: &str) -> Vec<Breakdown> {
    let mut rows: Vec<Breakdown> = map
        .into_iter()
        .map(|(key, counts)| Breakdown { key: if key.is_empty() { empty.to_owned() } else { key }, counts })
        .collect();
    rows.sort_by(|a, b| {
        (b.counts.applications, b.counts.disbursed_fen, &a.key).cmp(&(
            a.counts.applications,
            a.counts.disbursed_fen,
            &b.key,
        ))
    });
    rows
}

/// How many events of `states` each key of `groups` has.
fn events_in(groups: &Groups, states: &[&str]) -> Vec<(String, u64)> {
    groups
        .iter()
        .filter_map(|(key, by_state)| {
            let n: u64 = by_state.iter().filter(|(s, _)| states.contains(&s.as_str())).map(|(_, r)| r.events).sum();
            (n > 0).then(|| (key.clone(), n))
        })
        .collect()
}

fn corrupt(field: &'static str, reason: String) -> StoreError {
    StoreError::Corrupt { table: "application_event", id: 0, field, reason }
}

impl Store {
    /// A read-only transaction for the figures. On PostgreSQL: repeatable read (so two statements can
    /// share one snapshot), and hash tables up to 256 MB for its grouping, because the planner sizes them
    /// from table-wide statistics (hundreds of thousands of groups for a year of days by state) and then
    /// sorts the events instead; in fact they hold a few thousand groups. On SQLite a plain (deferred)
    /// transaction, which reads one snapshot too.
    async fn figures_txn(&self) -> Result<DatabaseTransaction, StoreError> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(self.db.begin().await?);
        }
        let txn = self.db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?;
        txn.execute_unprepared("SET LOCAL work_mem = '256MB'").await?;
        Ok(txn)
    }

    /// The statements for `q`, in two lists that may run at once on two connections (the second is empty
    /// on SQLite), each with what it reads: the stored rows of the market's rolled-up periods it can use
    /// (see [`crate::uptake_rollup`]), in two parts of about the same size, and the groupings of the live
    /// events on the other days, in two halves of about the same work.
    async fn statements(
        &self,
        txn: &DatabaseTransaction,
        q: &UptakeQuery,
    ) -> Result<[Vec<(String, Statement)>; 2], StoreError> {
        let backend = self.db.get_database_backend();
        let postgres = backend == DbBackend::Postgres;
        let reading = uptake_rollup::reading(txn, q, if postgres { 2 } else { 1 }).await?;
        let mut sides: [Vec<(String, Statement)>; 2] = Default::default();
        for (i, rolled) in reading.rolled.into_iter().enumerate() {
            sides[i % 2].push((format!("rolled-up periods' rows, part {}", i + 1), rolled));
        }
        let live = &reading.live;
        if !live.is_empty() {
            let halves: &[&[Grouping]] = if postgres { &Grouping::HALVES } else { &[&Grouping::ALL] };
            for (i, groupings) in halves.iter().enumerate() {
                let what = format!("live events on {} day runs, groupings part {}", live.len(), i + 1);
                sides[i % 2].push((what, statement(backend, q, live, groupings)));
            }
        }
        Ok(sides)
    }

    /// The rows of every grouping for `q`, from [`Store::statements`].
    ///
    /// PostgreSQL cannot spread grouping sets (nor, worth it here, one aggregate) over its parallel
    /// workers, so the two lists run at once on two connections that share one snapshot
    /// (`pg_export_snapshot`): the figures agree with each other as if read by one statement. When no
    /// second connection may be taken (see `Store::second_connections`), both run on one.
    async fn uptake_rows(&self, q: &UptakeQuery) -> Result<Vec<QueryResult>, StoreError> {
        async fn run(txn: &DatabaseTransaction, side: Vec<(String, Statement)>) -> Result<Vec<QueryResult>, DbErr> {
            let mut rows = Vec::new();
            for (_, statement) in side {
                rows.extend(txn.query_all_raw(statement).await?);
            }
            Ok(rows)
        }
        let backend = self.db.get_database_backend();
        let first = self.figures_txn().await?;
        let [one, two] = self.statements(&first, q).await?;
        let permit = if two.is_empty() { None } else { Arc::clone(&self.second_connections).try_acquire_owned().ok() };
        let rows = match permit {
            Some(_permit) => {
                let snapshot =
                    first.query_one_raw(Statement::from_string(backend, "SELECT pg_export_snapshot() AS s")).await?;
                let snapshot: String =
                    snapshot.ok_or_else(|| corrupt("snapshot", "none exported".into()))?.try_get("", "s")?;
                if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                    return Err(corrupt("snapshot", snapshot));
                }
                let second =
                    self.db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?;
                second.execute_unprepared(&format!("SET TRANSACTION SNAPSHOT '{snapshot}'")).await?;
                second.execute_unprepared("SET LOCAL work_mem = '256MB'").await?;
                let (mut a, b) = tokio::try_join!(run(&first, one), run(&second, two))?;
                second.commit().await?;
                a.extend(b);
                a
            }
            None => run(&first, one.into_iter().chain(two).collect()).await?,
        };
        first.commit().await?;
        Ok(rows)
    }

    /// How the database runs the statements of [`Store::uptake`] for `q`, one line per plan line, each
    /// statement headed by what it reads: on PostgreSQL executed (`EXPLAIN (ANALYZE, BUFFERS)`, with
    /// timings, one after the other), on SQLite `EXPLAIN QUERY PLAN`. For benchmarks and for looking into a
    /// slow dashboard.
    ///
    /// # Errors
    /// Database failure.
    pub async fn uptake_plan(&self, q: &UptakeQuery) -> Result<Vec<String>, StoreError> {
        let backend = self.db.get_database_backend();
        let (prefix, column) = match backend {
            DbBackend::Postgres => ("EXPLAIN (ANALYZE, BUFFERS) ", "QUERY PLAN"),
            _ => ("EXPLAIN QUERY PLAN ", "detail"),
        };
        let txn = self.figures_txn().await?;
        let [one, two] = self.statements(&txn, q).await?;
        let mut lines = Vec::new();
        for (what, statement) in one.into_iter().chain(two) {
            let values = statement.values.map(|v| v.0).unwrap_or_default();
            let explain = Statement::from_sql_and_values(backend, format!("{prefix}{}", statement.sql), values);
            lines.push(format!("-- {what}"));
            for row in txn.query_all_raw(explain).await? {
                lines.push(row.try_get::<String>("", column)?);
            }
        }
        txn.commit().await?;
        Ok(lines)
    }

    /// Every uptake figure for `q`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn uptake(&self, q: &UptakeQuery) -> Result<Uptake, StoreError> {
        let mut groups: [Groups; Grouping::ALL.len()] = Default::default();
        for row in self.uptake_rows(q).await? {
            let g: i64 = row.try_get("", "g")?;
            let key: Option<String> = row.try_get("", "k")?;
            let state: String = row.try_get("", "state")?;
            let aggregate = Aggregate {
                events: u64::try_from(row.try_get::<i64>("", "events")?).unwrap_or(0),
                amount: row.try_get("", "amount")?,
                disbursed: row.try_get("", "disbursed")?,
                guaranteed: row.try_get("", "guaranteed")?,
                fees: row.try_get("", "fees")?,
            };
            let grouping = usize::try_from(g).ok().and_then(|g| groups.get_mut(g));
            let grouping = grouping.ok_or_else(|| corrupt("g", format!("no grouping {g}")))?;
            grouping.entry(key.unwrap_or_default()).or_default().push((state, aggregate));
        }
        let mut take = |grouping: Grouping| std::mem::take(&mut groups[grouping as usize]);
        let (days, qualifications, reason, tenths, loans) = (
            take(Grouping::Day),
            take(Grouping::Qualifications),
            take(Grouping::Reason),
            take(Grouping::Tenths),
            take(Grouping::Loans),
        );
        let mut breakdown_of = |grouping: Grouping| breakdown(counts(take(grouping)), "unknown");
        let (by_product, by_institution, by_district, by_industry, by_scale, by_family) = (
            breakdown_of(Grouping::Product),
            breakdown_of(Grouping::Institution),
            breakdown_of(Grouping::District),
            breakdown_of(Grouping::Industry),
            breakdown_of(Grouping::Scale),
            breakdown_of(Grouping::Family),
        );

        // The series, by Shanghai day, rolled up into buckets here, empty buckets included.
        let mut buckets: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
        let mut start = q.granularity.start_of(q.from);
        while start <= q.to {
            buckets.insert(start, Counts::default());
            start = q.granularity.next(start);
        }
        let mut totals = Counts::default();
        for (day, counts) in counts(days) {
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| corrupt("at", e.to_string()))?;
            buckets.entry(q.granularity.start_of(day)).or_default().merge(&counts);
            totals.merge(&counts);
        }
        let series = buckets.into_iter().map(|(start, counts)| Period { start, counts }).collect();

        let mut per_qualification: BTreeMap<String, Counts> = BTreeMap::new();
        for (set, counts) in counts(qualifications) {
            for name in set.split('|').filter(|s| !s.is_empty()) {
                per_qualification.entry(name.to_owned()).or_default().merge(&counts);
            }
        }

        let mut rejections_by_reason = events_in(&reason, &["rejected"]);
        rejections_by_reason.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        let histogram = |states: &[&str]| -> Result<Vec<(i64, u64)>, StoreError> {
            events_in(&tenths, states)
                .into_iter()
                .map(|(k, n)| Ok((k.parse().map_err(|_| corrupt("elapsed_seconds", k))?, n)))
                .collect()
        };

        let (mut first, mut credit, mut all) = (0_u64, 0_u64, 0_u64);
        for (digits, n) in events_in(&loans, &["disbursed"]) {
            all += n;
            first += if digits.starts_with('1') { n } else { 0 };
            credit += if digits.ends_with('1') { n } else { 0 };
        }
        let share = |count: u64| Share { count, of: all, bps: ratio_bps(count, all) };

        Ok(Uptake {
            approval_rate_bps: totals.approval_rate_bps(),
            totals,
            to_decision: Durations::of(histogram(&["approved", "rejected"])?),
            to_disbursement: Durations::of(histogram(&["disbursed"])?),
            series,
            rejections_by_reason,
            by_product,
            by_institution,
            by_district,
            by_industry,
            by_scale,
            by_family,
            by_qualification: breakdown(per_qualification, "none"),
            first_loans: share(first),
            credit_loans: share(credit),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Grouping;

    /// The two halves PostgreSQL runs hold every grouping once, and a grouping's place in `ALL` is its
    /// number (the `g` column the rows are sorted back by).
    #[test]
    fn the_halves_hold_every_grouping_once() {
        let mut halves: Vec<usize> = Grouping::HALVES.iter().flat_map(|h| h.iter().map(|g| *g as usize)).collect();
        halves.sort_unstable();
        let all: Vec<usize> = Grouping::ALL.iter().map(|g| *g as usize).collect();
        assert_eq!(halves, all);
        assert!(all.iter().enumerate().all(|(i, g)| i == *g), "{all:?}");
    }
}
