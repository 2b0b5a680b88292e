//! The operator's market watch, besides the uptake counts: unmet demand from the search log, stale
//! listings, response-deadline breaches per institution, the average comprehensive financing cost of the
//! loans disbursed, and the yearly target of loans facilitated with its progress.
//!
//! The search log keeps no personal data: no account, no address, no session, and the query only in its
//! normalised form ([`normalise_query`]), with digit runs that could be a phone, ID or account number
//! masked.
//!
//! Every figure is an SQL aggregation, the same text on SQLite and PostgreSQL (only the placeholders and
//! one collation differ). Periods are Asia/Shanghai calendar days, both ends included, turned into UTC
//! instants here; sums are cast to BIGINT (PostgreSQL sums BIGINT into NUMERIC); divisions are done in
//! Rust from the SQL sums, rounded half up, so both backends give the same numbers.

use crate::audit::{self, AuditEvent};
use crate::entity::{product, uptake_target};
use crate::institutions::refs_by_id;
use crate::sql::Sql;
use crate::stats::ratio_bps;
use crate::{LoggedSearch, Store, StoreError};
use chrono::{DateTime, Days, NaiveDate, Utc};
pub use finmart_domain::shanghai::date_of as shanghai_date;
use finmart_domain::shanghai::day_start;
use finmart_domain::{Fen, FieldErrors, Labelled, LifecycleState, ProductFamily, ValueError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The longest query kept in the log, in characters (after normalisation).
pub const MAX_LOGGED_QUERY_CHARS: usize = 100;
/// The longest family filter text kept.
pub(crate) const MAX_FAMILY_CHARS: usize = 255;
/// A run of at least this many digits is masked.
const MASKED_DIGITS: usize = 6;
/// A run of Latin letters and digits at least this long, with at least [`MASKED_DIGITS`] digits, is masked
/// whole: it is a credit code or registration number, not a word.
const MASKED_CODE_CHARS: usize = 15;
/// Products not updated for more than this many days are stale.
pub const STALE_DAYS: u64 = 90;
/// The most stale listings returned (the total is counted whole).
const STALE_LIMIT: u64 = 1_000;
/// Years a target may be set for.
pub const TARGET_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// The largest loan-count target accepted.
pub const MAX_LOANS_TARGET: u64 = 1_000_000_000;

/// `[start of from, start of the day after to)` in UTC.
fn period(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(from), day_start(to.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)))
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_digit(c)
}

/// Masks one run of Latin letters and digits: whole when it looks like a credit code or registration
/// number, else each run of [`MASKED_DIGITS`] or more digits.
fn mask_run(run: &[char], out: &mut String) {
    let digits = run.iter().filter(|c| is_digit(**c)).count();
    if run.len() >= MASKED_CODE_CHARS && digits >= MASKED_DIGITS {
        out.push('#');
        return;
    }
    let mut i = 0;
    while i < run.len() {
        if is_digit(run[i]) {
            let start = i;
            while i < run.len() && is_digit(run[i]) {
                i += 1;
            }
            if i - start >= MASKED_DIGITS {
                out.push('#');
            } else {
                out.extend(&run[start..i]);
            }
        } else {
            out.push(run[i]);
            i += 1;
        }
    }
}

/// A query as the search log keeps it: lower-cased, every run of 6 or more digits (ASCII or full-width)
/// replaced by `#` (and a 15+ character run of Latin letters and digits holding 6 or more digits, such as
/// a credit code, replaced whole), whitespace collapsed to single spaces and trimmed, at most
/// [`MAX_LOGGED_QUERY_CHARS`] characters. Masking comes before cutting, so a number cut short at the end
/// is never kept either.
#[must_use]
pub fn normalise_query(text: &str) -> String {
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    let mut masked = String::with_capacity(text.len());
    let mut i = 0;
    while i < lower.len() {
        if is_code_char(lower[i]) {
            let start = i;
            while i < lower.len() && is_code_char(lower[i]) {
                i += 1;
            }
            mask_run(&lower[start..i], &mut masked);
        } else {
            masked.push(lower[i]);
            i += 1;
        }
    }
    let collapsed = masked.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(MAX_LOGGED_QUERY_CHARS).collect::<String>().trim_end().to_owned()
}

/// One normalised query and how often it was searched in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryCount {
    pub query: String,
    pub searches: u64,
    /// Of those searches, how many found nothing.
    pub no_results: u64,
}

/// Unmet demand in a period: the most searched words and the searches that found nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchDemand {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every search logged in the period (with filters only, too).
    pub searches: u64,
    /// Of those, the ones that found nothing.
    pub no_result_searches: u64,
    /// The most searched queries (empty queries, filter-only searches, left out), most searched first,
    /// ties in code-point order.
    pub top: Vec<QueryCount>,
    /// The queries whose searches found nothing, most frequent first (`searches` = `no_results`).
    pub unmet: Vec<QueryCount>,
    /// Searches made in the period that the log could not record (the server was overloaded): the figures
    /// above undercount by this many.
    pub not_recorded: u64,
}

/// A published product not updated for more than [`STALE_DAYS`] days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleListing {
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub family: ProductFamily,
    pub institution_id: i64,
    pub institution_name: String,
    pub updated_at: DateTime<Utc>,
    /// Shanghai days from the last update to today.
    pub days_since_update: i64,
}

/// The stale listings as of a Shanghai day, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleListings {
    pub today: NaiveDate,
    /// Products last updated before this Shanghai day are stale.
    pub updated_before: NaiveDate,
    pub total: u64,
    /// At most 1,000, oldest first.
    pub items: Vec<StaleListing>,
}

/// Response-deadline breaches of one institution, or of the whole market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachCounts {
    /// Applications submitted in the period.
    pub applications: u64,
    /// Of those, the ones whose first response came after `respond_by`, or that had none by then.
    pub breaches: u64,
    /// `breaches / applications` in basis points; `None` without applications.
    pub rate_bps: Option<u32>,
    /// Applications (submitted at any time) still waiting for a first response past their deadline.
    pub overdue_open: u64,
}

/// One institution's breaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstitutionBreaches {
    pub institution_id: i64,
    pub institution_name: String,
    #[serde(flatten)]
    pub counts: BreachCounts,
}

/// Response-deadline breaches in a period, per institution (most breaches first) and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseBreaches {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: BreachCounts,
    pub institutions: Vec<InstitutionBreaches>,
}

/// The average comprehensive financing cost of the loans disbursed in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinancingCost {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub loans: u64,
    pub amount_fen: i64,
    /// Amount-weighted average of the loan rate plus the guarantee fee rate, in basis points (rounded half
    /// up); `None` without loans.
    pub average_bps: Option<u32>,
}

/// The target set for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UptakeTarget {
    pub year: i32,
    pub loans: u64,
    pub amount_fen: i64,
    pub set_by: i64,
    pub set_at: DateTime<Utc>,
}

/// A year's target and what was achieved: the loans disbursed in that Shanghai year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetProgress {
    pub year: i32,
    /// `None` when no target was set for the year.
    pub target: Option<UptakeTarget>,
    /// Applications that reached `disbursed` in the year.
    pub loans: u64,
    /// The amounts disbursed on them.
    pub amount_fen: i64,
    /// `loans / target loans` in basis points (may pass 10,000); `None` without a target above zero.
    pub loans_progress_bps: Option<u32>,
    pub amount_progress_bps: Option<u32>,
}

fn count(row: &QueryResult, column: &str) -> Result<u64, StoreError> {
    let n: Option<i64> = row.try_get("", column)?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

fn sum(row: &QueryResult, column: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
}

/// `num / den` rounded half up (both non-negative); `None` when `den` is 0.
fn rounded_div(num: i64, den: i64) -> Option<u32> {
    (den > 0 && num >= 0).then(|| {
        let (num, den) = (i128::from(num), i128::from(den));
        u32::try_from((2 * num + den) / (2 * den)).unwrap_or(u32::MAX)
    })
}

fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), StoreError> {
    if from > to {
        let mut errors = FieldErrors::default();
        errors.push("from", ValueError::InvertedRange { min: from.to_string(), max: to.to_string() });
        return Err(StoreError::Invalid(errors));
    }
    Ok(())
}

/// A breach, as an SQL condition on `application a` (with `now` bound): the first response came after
/// the deadline; or none came and the deadline has passed (for a withdrawn application: passed before it
/// was withdrawn, which was its last update).
fn breach_condition(now: &str) -> String {
    format!(
        "(a.first_response_at IS NOT NULL AND a.first_response_at > a.respond_by) \
         OR (a.first_response_at IS NULL AND a.state = 'withdrawn' AND a.updated_at > a.respond_by) \
         OR (a.first_response_at IS NULL AND a.state <> 'withdrawn' AND a.respond_by < {now})"
    )
}

impl Store {
    /// Logs one search (the query is normalised here; `families` is the family filter). Nothing else about
    /// the search or the searcher is kept.
    ///
    /// # Errors
    /// Database failure.
    pub async fn log_search(
        &self,
        at: DateTime<Utc>,
        query: &str,
        results: u64,
        families: &[ProductFamily],
    ) -> Result<(), StoreError> {
        let search = LoggedSearch { at, query: query.to_owned(), results, families: families.to_vec() };
        self.log_searches(&[search], 0, at).await
    }

    /// Unmet demand for Shanghai days `from..=to`: the `limit` most searched queries, with how many of
    /// their searches found nothing, and the `limit` queries most often searched without result.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `from` when it is after `to`; database failure.
    pub async fn search_demand(&self, from: NaiveDate, to: NaiveDate, limit: u64) -> Result<SearchDemand, StoreError> {
        check_period(from, to)?;
        let (start, end) = period(from, to);
        let backend = self.db.get_database_backend();
        let limit = i64::try_from(limit.clamp(1, 1_000)).unwrap_or(1_000);

        let mut sql = Sql::new(backend);
        let text = format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS z \
             FROM search_log WHERE at >= {} AND at < {}",
            sql.bind(start),
            sql.bind(end)
        );
        let totals = self.db.query_one_raw(sql.statement(text)).await?;
        let (searches, no_result_searches) = match &totals {
            Some(row) => (count(row, "n")?, count(row, "z")?),
            None => (0, 0),
        };

        let mut sql = Sql::new(backend);
        let order = sql.code_point_order("query");
        let text = format!(
            "SELECT query AS q, COUNT(*) AS n, \
             CAST(COALESCE(SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS z \
             FROM search_log WHERE at >= {} AND at < {} AND query <> '' \
             GROUP BY query ORDER BY n DESC, {order} LIMIT {}",
            sql.bind(start),
            sql.bind(end),
            sql.bind(limit)
        );
        let top = self
            .db
            .query_all_raw(sql.statement(text))
            .await?
            .iter()
            .map(|row| {
                Ok(QueryCount {
                    query: row.try_get("", "q")?,
                    searches: count(row, "n")?,
                    no_results: count(row, "z")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let mut sql = Sql::new(backend);
        let text = format!(
            "SELECT query AS q, COUNT(*) AS n FROM search_log \
             WHERE at >= {} AND at < {} AND results = 0 AND query <> '' \
             GROUP BY query ORDER BY n DESC, {order} LIMIT {}",
            sql.bind(start),
            sql.bind(end),
            sql.bind(limit)
        );
        let unmet = self
            .db
            .query_all_raw(sql.statement(text))
            .await?
            .iter()
            .map(|row| {
                let n = count(row, "n")?;
                Ok(QueryCount { query: row.try_get("", "q")?, searches: n, no_results: n })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let not_recorded = self.searches_not_recorded(from, to).await?;
        Ok(SearchDemand { from, to, searches, no_result_searches, top, unmet, not_recorded })
    }

    /// Published products last updated more than [`STALE_DAYS`] days before `today` (a Shanghai day):
    /// updated before the Shanghai day `today - 90`. Oldest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn stale_listings(&self, today: NaiveDate) -> Result<StaleListings, StoreError> {
        use product::Column as C;
        let updated_before = today.checked_sub_days(Days::new(STALE_DAYS)).unwrap_or(NaiveDate::MIN);
        let stale = product::Entity::find()
            .filter(C::State.eq(LifecycleState::Published.as_str()))
            .filter(C::UpdatedAt.lt(day_start(updated_before)));
        let total = stale.clone().count(&self.db).await?;
        let rows = stale.order_by_asc(C::UpdatedAt).order_by_asc(C::Id).limit(STALE_LIMIT).all(&self.db).await?;
        let names = refs_by_id(&self.db, rows.iter().map(|r| r.institution_id)).await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let family = ProductFamily::parse(&row.family).map_err(|e| StoreError::Corrupt {
                    table: "product",
                    id: row.id,
                    field: "family",
                    reason: e.to_string(),
                })?;
                Ok(StaleListing {
                    product_id: row.id,
                    code: row.code,
                    name: row.name,
                    family,
                    institution_id: row.institution_id,
                    institution_name: names.get(&row.institution_id).map(|r| r.name.clone()).unwrap_or_default(),
                    updated_at: row.updated_at,
                    days_since_update: (today - shanghai_date(row.updated_at)).num_days(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(StaleListings { today, updated_before, total, items })
    }

    /// Response-deadline breaches of the applications submitted on Shanghai days `from..=to`, per
    /// institution and in total, with the applications (submitted at any time) overdue and still waiting
    /// for a first response at `now`. Institutions with neither applications in the period nor overdue
    /// ones are left out; the rest come most breaches first, then most overdue, then by id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `from` when it is after `to`; database failure.
    pub async fn response_breaches(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ResponseBreaches, StoreError> {
        check_period(from, to)?;
        let (start, end) = period(from, to);
        let backend = self.db.get_database_backend();
        let mut per: BTreeMap<i64, BreachCounts> = BTreeMap::new();
        let empty = || BreachCounts { applications: 0, breaches: 0, rate_bps: None, overdue_open: 0 };

        let mut sql = Sql::new(backend);
        // SQLite's `?` are numbered in the order they appear: bind in that order.
        let breach = breach_condition(&sql.bind(now));
        let (start, end) = (sql.bind(start), sql.bind(end));
        let text = format!(
            "SELECT a.institution_id AS k, COUNT(*) AS n, \
             CAST(COALESCE(SUM(CASE WHEN {breach} THEN 1 ELSE 0 END), 0) AS BIGINT) AS b \
             FROM application a WHERE a.submitted_at >= {start} AND a.submitted_at < {end} \
             GROUP BY a.institution_id"
        );
        for row in self.db.query_all_raw(sql.statement(text)).await? {
            let counts = per.entry(row.try_get("", "k")?).or_insert_with(empty);
            counts.applications = count(&row, "n")?;
            counts.breaches = count(&row, "b")?;
        }

        let mut sql = Sql::new(backend);
        let text = format!(
            "SELECT a.institution_id AS k, COUNT(*) AS n FROM application a \
             WHERE a.state = 'submitted' AND a.first_response_at IS NULL AND a.respond_by < {} \
             GROUP BY a.institution_id",
            sql.bind(now)
        );
        for row in self.db.query_all_raw(sql.statement(text)).await? {
            per.entry(row.try_get("", "k")?).or_insert_with(empty).overdue_open = count(&row, "n")?;
        }

        let names = refs_by_id(&self.db, per.keys().copied()).await?;
        let mut total = empty();
        let mut institutions: Vec<InstitutionBreaches> = per
            .into_iter()
            .map(|(id, mut counts)| {
                counts.rate_bps = ratio_bps(counts.breaches, counts.applications);
                total.applications += counts.applications;
                total.breaches += counts.breaches;
                total.overdue_open += counts.overdue_open;
                InstitutionBreaches {
                    institution_id: id,
                    institution_name: names.get(&id).map(|r| r.name.clone()).unwrap_or_default(),
                    counts,
                }
            })
            .collect();
        total.rate_bps = ratio_bps(total.breaches, total.applications);
        institutions.sort_by(|a, b| {
            b.counts
                .breaches
                .cmp(&a.counts.breaches)
                .then(b.counts.overdue_open.cmp(&a.counts.overdue_open))
                .then(a.institution_id.cmp(&b.institution_id))
        });
        Ok(ResponseBreaches { from, to, total, institutions })
    }

    /// The average comprehensive financing cost (loan rate plus guarantee fee rate, weighted by the amount
    /// disbursed) of the payments made on days `from..=to` (their payment dates), counting each payment
    /// as corrected and leaving out reversed ones.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `from` when it is after `to`; database failure.
    pub async fn financing_cost(&self, from: NaiveDate, to: NaiveDate) -> Result<FinancingCost, StoreError> {
        check_period(from, to)?;
        let mut sql = Sql::new(self.db.get_database_backend());
        let text = format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(d.amount_fen), 0) AS BIGINT) AS amount, \
             CAST(COALESCE(SUM(d.amount_fen * (d.rate_bps + COALESCE(a.guarantee_fee_bps, 0))), 0) \
             AS BIGINT) AS weighted \
             FROM disbursement d JOIN application a ON a.id = d.application_id \
             WHERE d.replaced_by_event_id IS NULL AND d.disbursed_on >= {} AND d.disbursed_on <= {}",
            sql.bind(from),
            sql.bind(to)
        );
        let row = self.db.query_one_raw(sql.statement(text)).await?;
        let (loans, amount_fen, weighted) = match &row {
            Some(row) => (count(row, "n")?, sum(row, "amount")?, sum(row, "weighted")?),
            None => (0, 0, 0),
        };
        Ok(FinancingCost { from, to, loans, amount_fen, average_bps: rounded_div(weighted, amount_fen) })
    }

    /// A year's target (if set) and the loans facilitated in that Shanghai year: the applications whose
    /// `disbursed` event falls in it, with the amounts disbursed.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `year` outside [`TARGET_YEARS`]; database failure.
    pub async fn uptake_target(&self, year: i32) -> Result<TargetProgress, StoreError> {
        check_year(year)?;
        let target =
            uptake_target::Entity::find().filter(uptake_target::Column::Year.eq(year)).one(&self.db).await?.map(
                |row| UptakeTarget {
                    year: row.year,
                    loans: u64::try_from(row.loans_target).unwrap_or(0),
                    amount_fen: row.amount_target_fen,
                    set_by: row.set_by,
                    set_at: row.set_at,
                },
            );
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        let (start, end) = period(first, last);
        let mut sql = Sql::new(self.db.get_database_backend());
        let text = format!(
            "SELECT CAST(COALESCE(SUM(e.counted), 0) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(e.disbursed_fen), 0) AS BIGINT) AS amount \
             FROM application_event e WHERE e.to_state = 'disbursed' AND e.at >= {} AND e.at < {}",
            sql.bind(start),
            sql.bind(end)
        );
        let row = self.db.query_one_raw(sql.statement(text)).await?;
        let (loans, amount_fen) = match &row {
            Some(row) => (count(row, "n")?, sum(row, "amount")?),
            None => (0, 0),
        };
        let loans_progress_bps = target.as_ref().and_then(|t| ratio_bps(loans, t.loans));
        let amount_progress_bps = target
            .as_ref()
            .and_then(|t| ratio_bps(u64::try_from(amount_fen).unwrap_or(0), u64::try_from(t.amount_fen).unwrap_or(0)));
        Ok(TargetProgress { year, target, loans, amount_fen, loans_progress_bps, amount_progress_bps })
    }

    /// Sets (or replaces) a year's target, with the audit entry `target.set` (the event's action, subject
    /// and detail are filled in here) in the same transaction. `set_by` is the event's account.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `year` or `loans`; database failure.
    pub async fn set_uptake_target(
        &self,
        year: i32,
        loans: u64,
        amount: Fen,
        event: &AuditEvent<'_>,
    ) -> Result<TargetProgress, StoreError> {
        check_year(year)?;
        if loans > MAX_LOANS_TARGET {
            let mut errors = FieldErrors::default();
            errors.push("loans", ValueError::TooLarge { max: MAX_LOANS_TARGET.to_string() });
            return Err(StoreError::Invalid(errors));
        }
        use uptake_target::Column as C;
        let now = Utc::now();
        let txn = self.write_txn().await?;
        let previous = uptake_target::Entity::find().filter(C::Year.eq(year)).one(&txn).await?;
        uptake_target::Entity::insert(uptake_target::ActiveModel {
            year: Set(year),
            loans_target: Set(i64::try_from(loans).unwrap_or(i64::MAX)),
            amount_target_fen: Set(amount.fen()),
            set_by: Set(event.account_id.unwrap_or(0)),
            set_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(C::Year)
                .update_columns([C::LoansTarget, C::AmountTargetFen, C::SetBy, C::SetAt])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let row = uptake_target::Entity::find().filter(C::Year.eq(year)).one(&txn).await?;
        let mut entry = event.clone();
        entry.action = "target.set";
        entry.subject_kind = "uptake_target";
        entry.subject_id = row.map(|r| r.id);
        entry.detail = json!({
            "year": year,
            "loans": loans,
            "amount_fen": amount.fen(),
            "previous": previous.map(|p| json!({"loans": p.loans_target, "amount_fen": p.amount_target_fen})),
        });
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        self.uptake_target(year).await
    }
}

fn check_year(year: i32) -> Result<(), StoreError> {
    if TARGET_YEARS.contains(&year) {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    let error = if year < *TARGET_YEARS.start() {
        ValueError::TooSmall { min: TARGET_YEARS.start().to_string() }
    } else {
        ValueError::TooLarge { max: TARGET_YEARS.end().to_string() }
    };
    errors.push("year", error);
    Err(StoreError::Invalid(errors))
}

#[cfg(test)]
mod tests {
    //! Every figure on fixed fixtures, asserting exact numbers on SQLite and PostgreSQL: Shanghai-day
    //! boundaries (23:30 and 00:30 Shanghai time), masked digits, empty periods, withdrawn applications.

    use super::*;
    use crate::entity::{application, search_log};
    use crate::event_facts::{Step, event_row};
    use crate::tests::{bank, spec};
    use crate::{AuditQuery, testing};
    use chrono::TimeZone;
    use finmart_domain::{ApplicationState, Labelled, Side};
    use finmart_domain::{InstitutionKind, NewInstitution, Principal, Role};
    use sea_orm::{ActiveModelTrait, QueryOrder};

    /// Shanghai wall-clock time as UTC.
    fn sh(text: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        Utc.from_utc_datetime(&local) - chrono::Duration::hours(8)
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn queries_are_normalised_and_numbers_masked() {
        assert_eq!(normalise_query("  Hello \t  WORLD\n"), "hello world");
        assert_eq!(normalise_query("电话13812345678"), "电话#");
        assert_eq!(normalise_query("手机 138 1234 5678"), "手机 138 1234 5678", "runs shorter than 6 stay");
        assert_eq!(normalise_query("12345 贷款"), "12345 贷款");
        assert_eq!(normalise_query("123456"), "#");
        assert_eq!(normalise_query("账号6222021234567890123转账"), "账号#转账");
        assert_eq!(normalise_query("２０２４１２３４"), "#", "full-width digits");
        assert_eq!(normalise_query("身份证 11010519491231002X"), "身份证 #");
        assert_eq!(normalise_query("91120116MA05K7XY3N 贷款"), "# 贷款", "a credit code goes whole");
        assert_eq!(normalise_query("2024年 100万 Tech-SME"), "2024年 100万 tech-sme");
        assert_eq!(normalise_query("   "), "");
        assert_eq!(normalise_query("　科技贷　"), "科技贷", "ideographic spaces are whitespace");
        let long = "贷".repeat(150);
        assert_eq!(normalise_query(&long).chars().count(), MAX_LOGGED_QUERY_CHARS);
        // Masked before cut: a number at the cut is never kept in part.
        let near_end = format!("{} 13812345678", "贷".repeat(95));
        assert_eq!(normalise_query(&near_end), format!("{} #", "贷".repeat(95)));
        let at_cut = format!("{} 13812345678", "贷".repeat(99));
        assert_eq!(normalise_query(&at_cut), "贷".repeat(99), "the cut leaves no trailing space");
    }

    #[test]
    fn divisions_round_half_up() {
        assert_eq!(rounded_div(5, 2), Some(3));
        assert_eq!(rounded_div(9, 4), Some(2));
        assert_eq!(rounded_div(0, 7), Some(0));
        assert_eq!(rounded_div(1, 0), None);
        assert_eq!(ratio_bps(1, 3), Some(3333));
        assert_eq!(ratio_bps(2, 3), Some(6667));
        assert_eq!(ratio_bps(1, 0), None);
    }

    #[tokio::test]
    async fn unmet_demand_is_counted_by_shanghai_day() {
        for db in testing::all().await {
            let store = &db.store;
            let b = db.backend;
            let credit = [ProductFamily::Credit, ProductFamily::FirstLoan];
            let searches: [(&str, &str, u64, &[ProductFamily]); 10] = [
                ("2026-02-28 23:59", "科技贷", 0, &[]),   // the day before the period
                ("2026-03-01 00:00", "科技贷", 0, &[]),   // 2026-02-28 16:00 UTC
                ("2026-03-01 23:30", " 科技贷 ", 0, &[]), // 23:30 Shanghai: still 1 March
                ("2026-03-01 11:00", "科技贷", 3, &[]),
                ("2026-03-01 12:00", "信用贷", 5, &credit),
                ("2026-03-01 13:00", "信用贷", 5, &[]),
                ("2026-03-01 14:00", "手机 13812345678", 0, &[]),
                ("2026-03-01 15:00", "", 4, &credit),   // filters only
                ("2026-03-03 00:00", "信用贷", 5, &[]), // the day after the period
                ("2026-03-02 23:59", "ABC", 0, &[]),
            ];
            for (at, query, results, families) in searches {
                store.log_search(sh(at), query, results, families).await.unwrap();
            }
            let rows =
                search_log::Entity::find().order_by_asc(search_log::Column::Id).all(store.connection()).await.unwrap();
            assert_eq!(rows.len(), 10, "{b}");
            assert!(rows.iter().all(|r| !r.query.contains("138")), "{b}: a phone number was stored");
            assert_eq!(rows[6].query, "手机 #", "{b}");
            assert_eq!(rows[2].query, "科技贷", "{b}");
            assert_eq!(rows[4].family, "credit|first_loan", "{b}");
            assert_eq!(rows[5].family, "", "{b}");

            let d = store.search_demand(day("2026-03-01"), day("2026-03-02"), 10).await.unwrap();
            assert_eq!((d.searches, d.no_result_searches), (8, 4), "{b}");
            let top: Vec<(&str, u64, u64)> =
                d.top.iter().map(|q| (q.query.as_str(), q.searches, q.no_results)).collect();
            assert_eq!(top, [("科技贷", 3, 2), ("信用贷", 2, 0), ("abc", 1, 1), ("手机 #", 1, 1)], "{b}");
            let unmet: Vec<(&str, u64)> = d.unmet.iter().map(|q| (q.query.as_str(), q.searches)).collect();
            assert_eq!(unmet, [("科技贷", 2), ("abc", 1), ("手机 #", 1)], "{b}");

            // One Shanghai day: the 23:30 search is in it, the 00:00 one of 2 March (UTC 1 March) is not.
            let d = store.search_demand(day("2026-03-01"), day("2026-03-01"), 1).await.unwrap();
            assert_eq!((d.searches, d.no_result_searches), (7, 3), "{b}");
            assert_eq!(d.top, [QueryCount { query: "科技贷".into(), searches: 3, no_results: 2 }], "{b}");
            assert_eq!(d.unmet, [QueryCount { query: "科技贷".into(), searches: 2, no_results: 2 }], "{b}");

            let d = store.search_demand(day("2026-02-28"), day("2026-02-28"), 10).await.unwrap();
            assert_eq!((d.searches, d.no_result_searches), (1, 1), "{b}");

            let empty = store.search_demand(day("2025-01-01"), day("2025-12-31"), 10).await.unwrap();
            assert_eq!((empty.searches, empty.no_result_searches), (0, 0), "{b}");
            assert!(empty.top.is_empty() && empty.unmet.is_empty(), "{b}");

            let inverted = store.search_demand(day("2026-03-02"), day("2026-03-01"), 10).await;
            assert!(matches!(inverted, Err(StoreError::Invalid(ref e)) if e.0[0].field == "from"), "{b}");
        }
    }

    #[tokio::test]
    async fn stale_listings_are_published_products_not_updated_in_90_days() {
        for db in testing::all().await {
            let store = &db.store;
            let b = db.backend;
            let a = store.create_institution(&bank()).await.unwrap();
            let other = NewInstitution {
                code: "other-bank".into(),
                name: "另一银行".into(),
                kind: InstitutionKind::Bank,
                intro: String::new(),
            };
            let other = store.create_institution(&other).await.unwrap();
            let save = |owner: i64, code: &'static str, state: LifecycleState| async move {
                store.save_product(owner, state, &spec(&[("code", code)])).await.unwrap().product_id()
            };
            let p1 = save(a.id, "P-1", LifecycleState::Published).await;
            let p2 = save(other.id, "P-2", LifecycleState::Published).await;
            let p3 = save(a.id, "P-3", LifecycleState::Published).await;
            let p4 = save(a.id, "P-4", LifecycleState::Paused).await;
            for (id, at) in [
                (p1, "2026-08-23 23:59"), // the last minute of the 91st day before 22 November: stale
                (p2, "2026-08-24 00:00"), // the 90th day: not yet
                (p3, "2026-05-01 08:00"),
                (p4, "2025-01-01 00:00"), // paused: not listed, not stale
            ] {
                product::Entity::update_many()
                    .col_expr(product::Column::UpdatedAt, sea_orm::sea_query::Expr::value(sh(at)))
                    .filter(product::Column::Id.eq(id))
                    .exec(store.connection())
                    .await
                    .unwrap();
            }
            let s = store.stale_listings(day("2026-11-22")).await.unwrap();
            assert_eq!(s.updated_before, day("2026-08-24"), "{b}");
            assert_eq!(s.total, 2, "{b}");
            let items: Vec<(i64, &str, &str, i64)> = s
                .items
                .iter()
                .map(|i| (i.product_id, i.code.as_str(), i.institution_name.as_str(), i.days_since_update))
                .collect();
            assert_eq!(items, [(p3, "P-3", "测试银行", 205), (p1, "P-1", "测试银行", 91)], "{b}");
            assert_eq!(s.items[0].updated_at, sh("2026-05-01 08:00"), "{b}");
            assert_eq!(s.items[0].family, ProductFamily::Credit, "{b}");

            let next_day = store.stale_listings(day("2026-11-23")).await.unwrap();
            assert_eq!(next_day.items.iter().map(|i| i.product_id).collect::<Vec<_>>(), [p3, p1, p2], "{b}");
            let none = store.stale_listings(day("2026-05-01")).await.unwrap();
            assert_eq!((none.total, none.items.len()), (0, 0), "{b}");
        }
    }

    struct Firm {
        enterprise: i64,
        product: i64,
        institution: i64,
    }

    /// An application row as the store would have written it, with its events (`(state, Shanghai time)`).
    struct App<'a> {
        respond_by: &'a str,
        first_response: Option<&'a str>,
        events: &'a [(&'a str, &'a str)],
        /// (amount in fen, rate bps, guarantee fee bps).
        disbursed: Option<(i64, i32, Option<i32>)>,
    }

    async fn insert(store: &Store, firm: &Firm, n: usize, a: &App<'_>) {
        let submitted = sh(a.events[0].1);
        let (last, last_at) = *a.events.last().unwrap();
        let at = |state: &str| a.events.iter().find(|(s, _)| *s == state).map(|(_, t)| sh(t));
        let row = application::ActiveModel {
            enterprise_id: Set(firm.enterprise),
            product_id: Set(firm.product),
            institution_id: Set(firm.institution),
            guarantee_agency_id: Set(None),
            applicant_account_id: Set(0),
            idempotency_key: Set(format!("fixture-{n}")),
            amount_fen: Set(100_000_000),
            term_months: Set(12),
            purpose: Set("working_capital".into()),
            purpose_text: Set(String::new()),
            profile: Set("{}".into()),
            district: Set("120116".into()),
            industry: Set("software".into()),
            scale: Set(None),
            family: Set("credit".into()),
            qualifications: Set(String::new()),
            first_loan: Set(false),
            credit_loan: Set(true),
            guarantee_fee_bps: Set(a.disbursed.and_then(|d| d.2)),
            state: Set(last.into()),
            submitted_at: Set(submitted),
            respond_by: Set(sh(a.respond_by)),
            first_response_at: Set(a.first_response.map(sh)),
            decided_at: Set(at("approved").or(at("rejected"))),
            disbursed_at: Set(at("disbursed")),
            disbursed_amount_fen: Set(a.disbursed.map(|d| d.0)),
            disbursed_rate_bps: Set(a.disbursed.map(|d| d.1)),
            disbursed_term_months: Set(a.disbursed.map(|_| 12)),
            disbursed_on: Set(at("disbursed").map(shanghai_date)),
            reason: Set(None),
            offer_id: Set(None),
            updated_at: Set(sh(last_at)),
            ..Default::default()
        }
        .insert(store.connection())
        .await
        .unwrap();
        let mut from = None;
        for (state, time) in a.events {
            let step = Step {
                at: sh(time),
                from: from.map(|s| ApplicationState::parse(s).unwrap()),
                to: ApplicationState::parse(state).unwrap(),
                account_id: None,
                side: if *state == "withdrawn" { Side::Enterprise } else { Side::Institution },
                note: "{}".into(),
                figures: crate::event_facts::Figures::as_recorded(&row, ApplicationState::parse(state).unwrap()),
            };
            let event = event_row(&row, step).insert(store.connection()).await.unwrap();
            if *state == "disbursed"
                && let (Some(amount), Some(rate), Some(on)) =
                    (row.disbursed_amount_fen, row.disbursed_rate_bps, row.disbursed_on)
            {
                crate::entity::disbursement::ActiveModel {
                    application_id: Set(row.id),
                    amount_fen: Set(amount),
                    rate_bps: Set(rate),
                    term_months: Set(row.disbursed_term_months.unwrap_or(12)),
                    disbursed_on: Set(on),
                    reason: Set(None),
                    event_id: Set(Some(event.id)),
                    replaced_by_event_id: Set(None),
                    created_at: Set(event.at),
                    ..Default::default()
                }
                .insert(store.connection())
                .await
                .unwrap();
            }
            from = Some(*state);
        }
    }

    /// Two banks, one product each, one firm.
    async fn two_banks(store: &Store) -> (Firm, Firm) {
        let a = store.create_institution(&bank()).await.unwrap();
        let other = NewInstitution {
            code: "other-bank".into(),
            name: "另一银行".into(),
            kind: InstitutionKind::Bank,
            intro: String::new(),
        };
        let other = store.create_institution(&other).await.unwrap();
        let pa = store.save_product(a.id, LifecycleState::Published, &spec(&[("code", "A-1")])).await.unwrap();
        let pb = store.save_product(other.id, LifecycleState::Published, &spec(&[("code", "B-1")])).await.unwrap();
        let firms: Vec<_> = finmart_synth::profiles(11, 1, day("2026-11-22")).map(|p| (p.profile, false)).collect();
        store.insert_enterprises(&firms).await.unwrap();
        let uscc = firms[0].0.uscc.clone().unwrap();
        let enterprise = store.enterprise_by_uscc(&uscc).await.unwrap().unwrap().id;
        (
            Firm { enterprise, product: pa.product_id(), institution: a.id },
            Firm { enterprise, product: pb.product_id(), institution: other.id },
        )
    }

    #[tokio::test]
    async fn response_breaches_per_institution() {
        for db in testing::all().await {
            let store = &db.store;
            let b = db.backend;
            let (a, other) = two_banks(store).await;
            let apps: [(&Firm, App<'_>); 10] = [
                // Answered in time.
                (
                    &a,
                    App {
                        respond_by: "2026-03-05 10:00",
                        first_response: Some("2026-03-04 10:00"),
                        events: &[("submitted", "2026-03-02 10:00"), ("accepted", "2026-03-04 10:00")],
                        disbursed: None,
                    },
                ),
                // Answered late: a breach.
                (
                    &a,
                    App {
                        respond_by: "2026-03-05 10:00",
                        first_response: Some("2026-03-06 10:00"),
                        events: &[("submitted", "2026-03-02 10:00"), ("rejected", "2026-03-06 10:00")],
                        disbursed: None,
                    },
                ),
                // Never answered, deadline passed: a breach, and overdue now.
                (
                    &a,
                    App {
                        respond_by: "2026-03-13 10:00",
                        first_response: None,
                        events: &[("submitted", "2026-03-10 10:00")],
                        disbursed: None,
                    },
                ),
                // Withdrawn before the deadline, unanswered: no breach.
                (
                    &a,
                    App {
                        respond_by: "2026-03-13 10:00",
                        first_response: None,
                        events: &[("submitted", "2026-03-10 10:00"), ("withdrawn", "2026-03-11 10:00")],
                        disbursed: None,
                    },
                ),
                // Withdrawn after the deadline, unanswered: a breach.
                (
                    &a,
                    App {
                        respond_by: "2026-03-13 10:00",
                        first_response: None,
                        events: &[("submitted", "2026-03-10 10:00"), ("withdrawn", "2026-03-20 10:00")],
                        disbursed: None,
                    },
                ),
                // Submitted at 23:30 on 28 February (Shanghai): not in March; overdue now.
                (
                    &a,
                    App {
                        respond_by: "2026-03-03 23:30",
                        first_response: None,
                        events: &[("submitted", "2026-02-28 23:30")],
                        disbursed: None,
                    },
                ),
                // Submitted at 23:30 on 31 March (Shanghai, 15:30 UTC): in March; not due yet.
                (
                    &a,
                    App {
                        respond_by: "2026-04-20 23:30",
                        first_response: None,
                        events: &[("submitted", "2026-03-31 23:30")],
                        disbursed: None,
                    },
                ),
                // Answered exactly at the deadline: in time.
                (
                    &other,
                    App {
                        respond_by: "2026-03-18 10:00",
                        first_response: Some("2026-03-18 10:00"),
                        events: &[("submitted", "2026-03-15 10:00"), ("approved", "2026-03-18 10:00")],
                        disbursed: None,
                    },
                ),
                // Not due yet.
                (
                    &other,
                    App {
                        respond_by: "2026-04-15 10:00",
                        first_response: None,
                        events: &[("submitted", "2026-03-15 10:00")],
                        disbursed: None,
                    },
                ),
                // Submitted at 00:30 on 1 April (Shanghai, 31 March UTC): not in March; overdue now.
                (
                    &other,
                    App {
                        respond_by: "2026-04-02 00:30",
                        first_response: None,
                        events: &[("submitted", "2026-04-01 00:30")],
                        disbursed: None,
                    },
                ),
            ];
            for (n, (firm, app)) in apps.iter().enumerate() {
                insert(store, firm, n, app).await;
            }
            let now = sh("2026-04-10 08:00");
            let r = store.response_breaches(day("2026-03-01"), day("2026-03-31"), now).await.unwrap();
            assert_eq!(
                r.total,
                BreachCounts { applications: 8, breaches: 3, rate_bps: Some(3750), overdue_open: 3 },
                "{b}"
            );
            let rows: Vec<(i64, &str, &BreachCounts)> =
                r.institutions.iter().map(|i| (i.institution_id, i.institution_name.as_str(), &i.counts)).collect();
            assert_eq!(
                rows,
                [
                    (
                        a.institution,
                        "测试银行",
                        &BreachCounts { applications: 6, breaches: 3, rate_bps: Some(5000), overdue_open: 2 }
                    ),
                    (
                        other.institution,
                        "另一银行",
                        &BreachCounts { applications: 2, breaches: 0, rate_bps: Some(0), overdue_open: 1 }
                    ),
                ],
                "{b}"
            );

            // An unanswered application becomes a breach (and overdue) only once its deadline has passed.
            let march = (day("2026-03-01"), day("2026-03-31"));
            let at_deadline = store.response_breaches(march.0, march.1, sh("2026-03-13 10:00")).await.unwrap();
            assert_eq!(
                at_deadline.total,
                BreachCounts { applications: 8, breaches: 2, rate_bps: Some(2500), overdue_open: 1 },
                "{b}"
            );
            let past = store.response_breaches(march.0, march.1, sh("2026-03-13 10:01")).await.unwrap();
            assert_eq!(
                past.total,
                BreachCounts { applications: 8, breaches: 3, rate_bps: Some(3750), overdue_open: 2 },
                "{b}"
            );

            // An empty period: no applications; the overdue ones are still listed (they are current).
            let empty = store.response_breaches(day("2025-01-01"), day("2025-01-31"), now).await.unwrap();
            assert_eq!(
                empty.total,
                BreachCounts { applications: 0, breaches: 0, rate_bps: None, overdue_open: 3 },
                "{b}"
            );
            assert_eq!(empty.institutions.iter().map(|i| i.counts.applications).sum::<u64>(), 0, "{b}");
            assert_eq!(empty.institutions[0].institution_id, a.institution, "{b}");
        }
    }

    #[tokio::test]
    async fn financing_cost_and_targets() {
        for db in testing::all().await {
            let store = &db.store;
            let b = db.backend;
            let (a, other) = two_banks(store).await;
            let loan = |at: &'static str| -> [(&'static str, &'static str); 4] {
                [
                    ("submitted", "2025-12-01 10:00"),
                    ("accepted", "2025-12-02 10:00"),
                    ("approved", "2025-12-03 10:00"),
                    ("disbursed", at),
                ]
            };
            let (d1, d2, d3, d4) = (
                loan("2026-03-05 10:00"),
                loan("2026-06-30 23:30"),
                loan("2026-01-01 00:30"),
                loan("2027-01-01 00:00"),
            );
            let apps: [(&Firm, App<'_>); 6] = [
                (
                    &a,
                    App {
                        respond_by: "2025-12-04 10:00",
                        first_response: Some("2025-12-02 10:00"),
                        events: &d1,
                        disbursed: Some((100_000_000, 400, Some(100))),
                    },
                ),
                // 23:30 on 30 June (Shanghai).
                (
                    &other,
                    App {
                        respond_by: "2025-12-04 10:00",
                        first_response: Some("2025-12-02 10:00"),
                        events: &d2,
                        disbursed: Some((30_000_000, 351, None)),
                    },
                ),
                // 00:30 on 1 January 2026 in Shanghai: still 2025 in UTC.
                (
                    &a,
                    App {
                        respond_by: "2025-12-04 10:00",
                        first_response: Some("2025-12-02 10:00"),
                        events: &d3,
                        disbursed: Some((50_000_000, 420, Some(80))),
                    },
                ),
                // Midnight starting 2027 in Shanghai.
                (
                    &a,
                    App {
                        respond_by: "2025-12-04 10:00",
                        first_response: Some("2025-12-02 10:00"),
                        events: &d4,
                        disbursed: Some((10_000_000, 300, None)),
                    },
                ),
                // Withdrawn in 2026: never facilitated.
                (
                    &a,
                    App {
                        respond_by: "2026-02-04 10:00",
                        first_response: None,
                        events: &[("submitted", "2026-02-01 10:00"), ("withdrawn", "2026-02-02 10:00")],
                        disbursed: None,
                    },
                ),
                // Approved, not disbursed.
                (
                    &other,
                    App {
                        respond_by: "2026-02-04 10:00",
                        first_response: Some("2026-02-02 10:00"),
                        events: &[("submitted", "2026-02-01 10:00"), ("approved", "2026-02-02 10:00")],
                        disbursed: None,
                    },
                ),
            ];
            for (n, (firm, app)) in apps.iter().enumerate() {
                insert(store, firm, n, app).await;
            }

            // (100e6 × 500 + 30e6 × 351 + 50e6 × 500) / 180e6 = 475.17 → 475.
            let year = store.financing_cost(day("2026-01-01"), day("2026-12-31")).await.unwrap();
            assert_eq!((year.loans, year.amount_fen, year.average_bps), (3, 180_000_000, Some(475)), "{b}");
            // (100e6 × 500 + 30e6 × 351) / 130e6 = 465.62 → 466.
            let spring = store.financing_cost(day("2026-03-01"), day("2026-06-30")).await.unwrap();
            assert_eq!((spring.loans, spring.amount_fen, spring.average_bps), (2, 130_000_000, Some(466)), "{b}");
            let june_30 = store.financing_cost(day("2026-06-30"), day("2026-06-30")).await.unwrap();
            assert_eq!((june_30.loans, june_30.amount_fen, june_30.average_bps), (1, 30_000_000, Some(351)), "{b}");
            let y2025 = store.financing_cost(day("2025-01-01"), day("2025-12-31")).await.unwrap();
            assert_eq!((y2025.loans, y2025.amount_fen, y2025.average_bps), (0, 0, None), "{b}");

            // No target yet: the actual figures alone.
            let t = store.uptake_target(2026).await.unwrap();
            assert_eq!(
                t,
                TargetProgress {
                    year: 2026,
                    target: None,
                    loans: 3,
                    amount_fen: 180_000_000,
                    loans_progress_bps: None,
                    amount_progress_bps: None
                },
                "{b}"
            );
            let operator = Principal {
                account_id: 42,
                role: Role::Operator,
                display_name: "运营".into(),
                enterprise_id: None,
                institution_id: None,
                provider_id: None,
            };
            let event = AuditEvent::by(&operator, Some("127.0.0.1"), "target.set");
            let t = store.set_uptake_target(2026, 10, Fen::from_fen(1_000_000_000).unwrap(), &event).await.unwrap();
            let target = t.target.clone().unwrap();
            assert_eq!(
                (target.year, target.loans, target.amount_fen, target.set_by),
                (2026, 10, 1_000_000_000, 42),
                "{b}"
            );
            assert_eq!((t.loans, t.loans_progress_bps, t.amount_progress_bps), (3, Some(3000), Some(1800)), "{b}");
            // Set again: replaced, not added.
            let t = store.set_uptake_target(2026, 4, Fen::from_fen(360_000_000).unwrap(), &event).await.unwrap();
            assert_eq!((t.loans_progress_bps, t.amount_progress_bps), (Some(7500), Some(5000)), "{b}");
            assert_eq!(uptake_target::Entity::find().count(store.connection()).await.unwrap(), 1, "{b}");
            let t = store.uptake_target(2027).await.unwrap();
            assert_eq!((t.target, t.loans, t.amount_fen, t.loans_progress_bps), (None, 1, 10_000_000, None), "{b}");
            let t = store.uptake_target(2025).await.unwrap();
            assert_eq!((t.loans, t.amount_fen), (0, 0), "{b}");
            // A zero target: no progress figure rather than a division by zero.
            let t = store.set_uptake_target(2027, 0, Fen::ZERO, &event).await.unwrap();
            assert_eq!((t.loans_progress_bps, t.amount_progress_bps), (None, None), "{b}");

            let entries = store.audit_log(AuditQuery { limit: 50, ..Default::default() }).await.unwrap();
            let sets: Vec<_> = entries.iter().filter(|e| e.action == "target.set").collect();
            assert_eq!(sets.len(), 3, "{b}");
            // Newest first: the 2027 one, then the 2026 replacement naming what it replaced.
            assert_eq!(sets[1].detail["previous"]["loans"], 10, "{b}");
            assert_eq!(sets[1].detail["amount_fen"], 360_000_000, "{b}");
            assert_eq!((sets[1].account_id, sets[1].subject_kind.as_str()), (Some(42), "uptake_target"), "{b}");
            assert!(sets[2].detail["previous"].is_null(), "{b}");

            assert!(
                matches!(store.uptake_target(1999).await, Err(StoreError::Invalid(ref e)) if e.0[0].field == "year")
            );
            let too_many = store.set_uptake_target(2026, MAX_LOANS_TARGET + 1, Fen::ZERO, &event).await;
            assert!(matches!(too_many, Err(StoreError::Invalid(ref e)) if e.0[0].field == "loans"));
        }
    }
}
