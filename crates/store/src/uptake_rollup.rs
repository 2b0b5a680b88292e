//! Roll-ups of the whole market's uptake figures (tables and triggers: migration 6).
//!
//! The operator's whole-market figures group every event of the period: at 5,000,000 applications that is
//! 750,000 events for 30 days and 9 million for a year, seconds to a minute per request. But the figures'
//! rows are additive (counts, sums, histogram bins, each per grouping, key and state), and a closed day's
//! events never change in use. So each closed Shanghai day's rows for the whole market are stored once, and
//! each closed month's as the sum of its days; a market query without filters then reads the stored rows
//! of the months and days it covers and groups live events only for the days not rolled up (today,
//! yesterday's first hour, days the refresh has not reached yet). The result is the same to the fen: the
//! store's tests compare every figure with and without roll-ups.
//!
//! Triggers forget the day and the month of any event written, changed or deleted afterwards (the demo
//! and bench generators, fixtures), so a stored row is never stale. A period is rolled up by one
//! transaction that first claims its marker row, so two servers refreshing at once do not both write it.

use crate::sql::Sql;
use crate::stats::{Grouping, Scope, UptakeFilter, UptakeQuery, select};
use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, Utc};
use finmart_domain::shanghai::date_of;
use finmart_migrations::{ROLLUP_LOCK_DAY, ROLLUP_LOCK_MONTH};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};
use std::collections::BTreeSet;

/// A day is rolled up once it ended this long ago. Events are written when they happen, by transactions
/// far shorter than this, so none can still arrive for a day that old (and if a generator writes one, the
/// triggers forget the day again).
const GRACE: Duration = Duration::hours(1);

/// Inclusive runs of Shanghai days.
pub(crate) type DayRuns = Vec<(NaiveDate, NaiveDate)>;

/// How a market query reads its period: stored rows of rolled-up months and days, and live events on the
/// rest. Every day of the period is in exactly one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Runs of rolled-up months, by their first days (`(2026-01-01, 2026-03-01)`: January to March).
    pub months: DayRuns,
    /// Runs of rolled-up days.
    pub days: DayRuns,
    /// Runs of days read from the events.
    pub live: DayRuns,
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX)
}

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Appends `item` to `runs`, extending the last run when `item` follows it (`follows(last) == item`).
fn extend(runs: &mut DayRuns, item: NaiveDate, follows: impl Fn(NaiveDate) -> NaiveDate) {
    match runs.last_mut() {
        Some((_, last)) if follows(*last) == item => *last = item,
        _ => runs.push((item, item)),
    }
}

/// The plan for Shanghai days `from..=to` given the rolled-up days and months: whole months inside the
/// period from their roll-up, other days from theirs, the rest live.
pub(crate) fn plan(from: NaiveDate, to: NaiveDate, days: &BTreeSet<NaiveDate>, months: &BTreeSet<NaiveDate>) -> Plan {
    let mut plan = Plan::default();
    let mut day = from;
    while day <= to {
        let month = month_of(day);
        let last_of_month = next_month(month) - Days::new(1);
        if day == month && last_of_month <= to && months.contains(&month) {
            extend(&mut plan.months, month, next_month);
            day = last_of_month + Days::new(1);
            continue;
        }
        let runs = if days.contains(&day) { &mut plan.days } else { &mut plan.live };
        extend(runs, day, |d| d + Days::new(1));
        day = day + Days::new(1);
    }
    plan
}

/// A rolled-up period's length; its code is the `span` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Day,
    Month,
}

impl Span {
    fn code(self) -> &'static str {
        match self {
            Self::Day => "d",
            Self::Month => "m",
        }
    }

    /// Its advisory-lock class on PostgreSQL.
    fn lock_class(self) -> i32 {
        match self {
            Self::Day => ROLLUP_LOCK_DAY,
            Self::Month => ROLLUP_LOCK_MONTH,
        }
    }
}

/// The rolled-up days and months (by their first days), those starting in `from..=to` when given.
async fn rolled_periods(
    db: &impl ConnectionTrait,
    within: Option<(NaiveDate, NaiveDate)>,
) -> Result<(BTreeSet<NaiveDate>, BTreeSet<NaiveDate>), StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let mut text = "SELECT span, start FROM uptake_rollup_period".to_owned();
    if let Some((from, to)) = within {
        text.push_str(&format!(" WHERE start >= {} AND start <= {}", sql.bind(from), sql.bind(to)));
    }
    let (mut days, mut months) = (BTreeSet::new(), BTreeSet::new());
    for row in db.query_all_raw(sql.statement(text)).await? {
        let span: String = row.try_get("", "span")?;
        let start: NaiveDate = row.try_get("", "start")?;
        if span == Span::Month.code() { &mut months } else { &mut days }.insert(start);
    }
    Ok((days, months))
}

/// Whether `q` can read roll-ups: they hold the whole market, unfiltered.
fn rollable(q: &UptakeQuery) -> bool {
    q.scope == Scope::Market && q.filter == UptakeFilter::default()
}

impl Plan {
    /// The rolled-up periods in `parts` plans of about the same number of stored rows, in date order (a
    /// month holds about as many rows as four days: most are per product, and a month's products are not
    /// many more than a day's). Each part may be read on its own connection; empty parts are left out.
    fn split_rolled(&self, parts: usize) -> Vec<Plan> {
        const MONTH_WEIGHT: usize = 4;
        let mut units: Vec<(NaiveDate, bool)> = Vec::new();
        for &(first, last) in &self.months {
            let mut month = first;
            while month <= last {
                units.push((month, true));
                month = next_month(month);
            }
        }
        for &(first, last) in &self.days {
            units.extend(first.iter_days().take_while(|d| *d <= last).map(|d| (d, false)));
        }
        units.sort();
        let weight = |is_month: bool| if is_month { MONTH_WEIGHT } else { 1 };
        let total: usize = units.iter().map(|(_, m)| weight(*m)).sum();
        let share = total.div_ceil(parts.max(1));
        let mut plans: Vec<Plan> = Vec::new();
        let mut taken = 0;
        for (start, is_month) in units {
            if plans.is_empty() || taken >= share * plans.len() {
                plans.push(Plan::default());
            }
            let Some(part) = plans.last_mut() else { continue };
            if is_month {
                extend(&mut part.months, start, next_month);
            } else {
                extend(&mut part.days, start, |d| d + Days::new(1));
            }
            taken += weight(is_month);
        }
        plans
    }
}

/// The stored rows of `plan`'s rolled-up periods, summed per grouping, key and state: the same columns as
/// the figures' statement.
fn rolled_rows(backend: DbBackend, plan: &Plan) -> Statement {
    let mut sql = Sql::new(backend);
    let mut periods = Vec::new();
    for (span, runs) in [(Span::Month, &plan.months), (Span::Day, &plan.days)] {
        for &(first, last) in runs {
            let (first, last) = (sql.bind(first), sql.bind(last));
            let span = span.code();
            periods.push(format!("(r.span = '{span}' AND r.start >= {first} AND r.start <= {last})"));
        }
    }
    // Only disbursements have a paid-out amount, a guaranteed amount and a fee: skipping the zeros saves
    // much of the summing, which PostgreSQL does in NUMERIC for BIGINT.
    let sum = |c: &str| format!("CAST(COALESCE(SUM(r.{c}) FILTER (WHERE r.{c} <> 0), 0) AS BIGINT) AS {c}");
    let text = format!(
        "SELECT r.g, r.k, r.state, {}, {}, {}, {}, {} FROM uptake_rollup r WHERE {} GROUP BY r.g, r.k, r.state",
        sum("events"),
        sum("amount"),
        sum("disbursed"),
        sum("guaranteed"),
        sum("fees"),
        periods.join(" OR ")
    );
    sql.statement(text)
}

/// What a figures query reads.
pub(crate) struct Reading {
    /// Statements for the stored rows of its rolled-up periods, at most as many as asked for (each may run
    /// on its own connection); their rows add up.
    pub rolled: Vec<Statement>,
    /// The day runs to group live.
    pub live: DayRuns,
}

/// What to read for `q` in `txn`, the rolled-up periods in at most `parts` statements. A query that cannot
/// use roll-ups reads its whole period live.
pub(crate) async fn reading(txn: &DatabaseTransaction, q: &UptakeQuery, parts: usize) -> Result<Reading, StoreError> {
    if !rollable(q) || q.from > q.to {
        return Ok(Reading { rolled: Vec::new(), live: vec![(q.from, q.to)] });
    }
    let (days, months) = rolled_periods(txn, Some((month_of(q.from), q.to))).await?;
    let plan = plan(q.from, q.to, &days, &months);
    let backend = txn.get_database_backend();
    let rolled = plan.split_rolled(parts).iter().map(|part| rolled_rows(backend, part)).collect();
    Ok(Reading { rolled, live: plan.live })
}

/// What [`Store::refresh_uptake_rollups`] rolled up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupRefresh {
    pub days: u32,
    pub months: u32,
}

impl Store {
    /// Rolls up every closed Shanghai day (ended an hour before `now`) and every closed month of the
    /// market's events that is not rolled up yet, from the month of the first event on. Days without
    /// events are rolled up too (as nothing), so their months can be.
    ///
    /// The server runs this in the background (see `finmart_web::server`); figures are exact without it,
    /// only slower for the whole market.
    ///
    /// # Errors
    /// Database failure.
    pub async fn refresh_uptake_rollups(&self, now: DateTime<Utc>) -> Result<RollupRefresh, StoreError> {
        let backend = self.db.get_database_backend();
        let mut report = RollupRefresh::default();
        let Some(last_closed) = date_of(now - GRACE).pred_opt() else { return Ok(report) };
        // The Shanghai day of the first event, by the figures' own day expression (over `e.at`).
        let (day_of_event, _) = Grouping::Day.sql(backend);
        let first = Statement::from_string(
            backend,
            format!("SELECT {day_of_event} AS d FROM (SELECT MIN(at) AS at FROM application_event) e"),
        );
        let first: Option<NaiveDate> = match self.db.query_one_raw(first).await? {
            Some(row) => row.try_get("", "d")?,
            None => None,
        };
        let Some(first) = first else { return Ok(report) };
        let (rolled_days, rolled_months) = rolled_periods(&self.db, None).await?;
        let mut day = month_of(first);
        while day <= last_closed {
            if !rolled_days.contains(&day) && self.roll_up_day(day, now).await? {
                report.days += 1;
            }
            day = day + Days::new(1);
        }
        let mut month = month_of(first);
        while next_month(month) - Days::new(1) <= last_closed {
            if !rolled_months.contains(&month) && self.roll_up_month(month, now).await? {
                report.months += 1;
            }
            month = next_month(month);
        }
        Ok(report)
    }

    /// On PostgreSQL, waits for the statements writing events of `(span, start)` to finish and keeps new
    /// ones waiting until `txn` ends (see `finmart_migrations::ROLLUP_LOCK_DAY`), so the roll-up reads every
    /// event of its period, or the events written later forget it. SQLite: one writer at a time already.
    async fn lock(txn: &DatabaseTransaction, span: Span, start: NaiveDate) -> Result<(), StoreError> {
        let backend = txn.get_database_backend();
        if backend != DbBackend::Postgres {
            return Ok(());
        }
        let class = span.lock_class();
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
        // Dates beyond i32 days share one lock: coarser, still correct.
        let object = i32::try_from((start - epoch).num_days()).unwrap_or(i32::MAX);
        let mut sql = Sql::new(backend);
        let text = format!("SELECT pg_advisory_xact_lock({}, {})", sql.bind(class), sql.bind(object));
        txn.execute_raw(sql.statement(text)).await?;
        Ok(())
    }

    /// Claims `(span, start)`'s marker in `txn`: false when it is there already (rolled up by another
    /// server since this one looked).
    async fn claim(
        txn: &DatabaseTransaction,
        span: Span,
        start: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut sql = Sql::new(txn.get_database_backend());
        let span = span.code();
        let text = format!(
            "INSERT INTO uptake_rollup_period (span, start, events, computed_at) VALUES ('{span}', {}, 0, {}) \
             ON CONFLICT (span, start) DO NOTHING",
            sql.bind(start),
            sql.bind(now)
        );
        Ok(txn.execute_raw(sql.statement(text)).await?.rows_affected() == 1)
    }

    /// Records in the marker how many events the period's rows hold (the day grouping's).
    async fn count_events(txn: &DatabaseTransaction, span: Span, start: NaiveDate) -> Result<(), StoreError> {
        let mut sql = Sql::new(txn.get_database_backend());
        let span = span.code();
        // Bound twice: SQLite's `?` placeholders are positional.
        let (rows_start, marker_start) = (sql.bind(start), sql.bind(start));
        let day = Grouping::Day as usize;
        let text = format!(
            "UPDATE uptake_rollup_period SET events = (SELECT COALESCE(SUM(events), 0) FROM uptake_rollup \
             WHERE span = '{span}' AND start = {rows_start} AND g = {day}) \
             WHERE span = '{span}' AND start = {marker_start}"
        );
        txn.execute_raw(sql.statement(text)).await?;
        Ok(())
    }

    /// Rolls up one day from its events; false when another server did.
    async fn roll_up_day(&self, day: NaiveDate, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        Self::lock(&txn, Span::Day, day).await?;
        if !Self::claim(&txn, Span::Day, day, now).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let backend = txn.get_database_backend();
        let mut sql = Sql::new(backend);
        let start = sql.bind(day);
        let q = UptakeQuery {
            scope: Scope::Market,
            from: day,
            to: day,
            granularity: crate::stats::Granularity::Day,
            filter: UptakeFilter::default(),
        };
        let rows = select(&mut sql, &q, &[(day, day)], &Grouping::ALL);
        let code = Span::Day.code();
        let text = format!(
            "INSERT INTO uptake_rollup (span, start, g, k, state, events, amount, disbursed, guaranteed, fees) \
             SELECT '{code}', {start}, s.g, s.k, s.state, s.events, s.amount, s.disbursed, s.guaranteed, s.fees \
             FROM ({rows}) s"
        );
        txn.execute_raw(sql.statement(text)).await?;
        Self::count_events(&txn, Span::Day, day).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Rolls up one month from its days' rows; false when another server did or a day is not rolled up.
    async fn roll_up_month(&self, month: NaiveDate, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        Self::lock(&txn, Span::Month, month).await?;
        let backend = txn.get_database_backend();
        let last = next_month(month) - Days::new(1);
        let mut sql = Sql::new(backend);
        let text = format!(
            "SELECT COUNT(*) AS n FROM uptake_rollup_period WHERE span = '{}' AND start >= {} AND start <= {}",
            Span::Day.code(),
            sql.bind(month),
            sql.bind(last)
        );
        let rolled_days: i64 = match txn.query_one_raw(sql.statement(text)).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        if rolled_days != i64::from(last.day()) || !Self::claim(&txn, Span::Month, month, now).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let mut sql = Sql::new(backend);
        let (start, first, last) = (sql.bind(month), sql.bind(month), sql.bind(last));
        let sum = |c: &str| format!("CAST(SUM({c}) AS BIGINT)");
        let (month_code, day_code) = (Span::Month.code(), Span::Day.code());
        let text = format!(
            "INSERT INTO uptake_rollup (span, start, g, k, state, events, amount, disbursed, guaranteed, fees) \
             SELECT '{month_code}', {start}, g, k, state, {}, {}, {}, {}, {} FROM uptake_rollup \
             WHERE span = '{day_code}' AND start >= {first} AND start <= {last} GROUP BY g, k, state",
            sum("events"),
            sum("amount"),
            sum("disbursed"),
            sum("guaranteed"),
            sum("fees")
        );
        txn.execute_raw(sql.statement(text)).await?;
        Self::count_events(&txn, Span::Month, month).await?;
        txn.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::{Plan, plan};
    use chrono::{Datelike, Days, NaiveDate};
    use std::collections::BTreeSet;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn set(days: &[&str]) -> BTreeSet<NaiveDate> {
        days.iter().map(|t| d(t)).collect()
    }

    fn runs(pairs: &[(&str, &str)]) -> Vec<(NaiveDate, NaiveDate)> {
        pairs.iter().map(|(a, b)| (d(a), d(b))).collect()
    }

    #[test]
    fn whole_months_then_days_then_live() {
        // 2026-01-15 ..= 2026-04-03; January to March rolled up as months, but the period starts mid-January;
        // January's days 15-20 and April 1 are rolled-up days.
        let mut days = set(&["2026-04-01"]);
        let mut day = d("2026-01-15");
        while day <= d("2026-01-20") {
            days.insert(day);
            day = day + Days::new(1);
        }
        let months = set(&["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]);
        assert_eq!(
            plan(d("2026-01-15"), d("2026-04-03"), &days, &months),
            Plan {
                months: runs(&[("2026-02-01", "2026-03-01")]),
                days: runs(&[("2026-01-15", "2026-01-20"), ("2026-04-01", "2026-04-01")]),
                live: runs(&[("2026-01-21", "2026-01-31"), ("2026-04-02", "2026-04-03")]),
            }
        );
    }

    #[test]
    fn a_month_without_its_roll_up_is_read_by_day_and_nothing_rolled_is_all_live() {
        let months = set(&["2026-01-01", "2026-03-01"]);
        let p = plan(d("2026-01-01"), d("2026-03-31"), &BTreeSet::new(), &months);
        assert_eq!(p.months, runs(&[("2026-01-01", "2026-01-01"), ("2026-03-01", "2026-03-01")]));
        assert_eq!(p.live, runs(&[("2026-02-01", "2026-02-28")]));
        assert!(p.days.is_empty());
        let p = plan(d("2026-05-05"), d("2026-05-04"), &BTreeSet::new(), &months);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn rolled_periods_split_in_two_parts_of_about_the_same_size() {
        // Eleven months (weighing 44) and 29 days: 73. In date order, the first 9 days and seven months
        // weigh 37, the rest 36.
        let p = Plan {
            months: runs(&[("2025-12-01", "2026-10-01")]),
            days: runs(&[("2025-11-22", "2025-11-30"), ("2026-11-01", "2026-11-20")]),
            live: runs(&[("2026-11-21", "2026-11-21")]),
        };
        let parts = p.split_rolled(2);
        assert_eq!(
            parts,
            [
                Plan {
                    months: runs(&[("2025-12-01", "2026-06-01")]),
                    days: runs(&[("2025-11-22", "2025-11-30")]),
                    live: vec![],
                },
                Plan {
                    months: runs(&[("2026-07-01", "2026-10-01")]),
                    days: runs(&[("2026-11-01", "2026-11-20")]),
                    live: vec![]
                },
            ]
        );
        // 30 days: 15 and 15. One part: everything. Nothing rolled up: no part.
        let days = Plan { days: runs(&[("2026-10-23", "2026-11-21")]), ..Plan::default() };
        assert_eq!(
            days.split_rolled(2).iter().map(|p| p.days.clone()).collect::<Vec<_>>(),
            [runs(&[("2026-10-23", "2026-11-06")]), runs(&[("2026-11-07", "2026-11-21")])]
        );
        assert_eq!(days.split_rolled(1), std::slice::from_ref(&days));
        assert!(Plan::default().split_rolled(2).is_empty());
    }

    /// The days `a..=b`.
    fn each(a: NaiveDate, b: NaiveDate) -> Vec<NaiveDate> {
        a.iter_days().take_while(|x| *x <= b).collect()
    }

    /// Every day of the period is read exactly once, rolled-up days only where they are rolled up, months
    /// only when whole and rolled up.
    #[test]
    fn every_day_once() {
        let first = d("2025-12-20");
        for seed in 0_u64..200 {
            // A deterministic scatter of rolled-up days and months over 120 days.
            let pick = |i: u64, m: u64| (seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i * 1_442_695)) % m;
            let days: BTreeSet<NaiveDate> =
                (0..120).filter(|i| pick(*i, 3) != 0).map(|i| first + Days::new(i)).collect();
            let months: BTreeSet<NaiveDate> =
                (0..5).filter(|i| pick(*i + 500, 2) == 0).map(|i| super::month_of(first + Days::new(i * 31))).collect();
            let from = first + Days::new(pick(1000, 40));
            let to = from + Days::new(pick(2000, 80));
            let p = plan(from, to, &days, &months);
            let mut seen = Vec::new();
            for &(a, b) in &p.months {
                for m in each(a, b).into_iter().filter(|m| m.day() == 1) {
                    assert!(months.contains(&m) && m >= from && super::next_month(m) - Days::new(1) <= to, "{p:?}");
                    seen.extend(each(m, super::next_month(m) - Days::new(1)));
                }
            }
            for &(a, b) in &p.days {
                assert!(each(a, b).iter().all(|x| days.contains(x)), "seed {seed}: {p:?}");
                seen.extend(each(a, b));
            }
            for &(a, b) in &p.live {
                assert!(each(a, b).iter().all(|x| !days.contains(x)), "seed {seed}: {p:?}");
                seen.extend(each(a, b));
            }
            seen.sort();
            assert_eq!(seen, each(from, to), "seed {seed}: {p:?}");
        }
    }
}
