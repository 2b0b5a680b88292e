//! Bulk writes for `finmart gen-bench-data`: whole application histories at once, millions of them.
//!
//! An application made through the site is written by [`Store::submit_application`] and moved one step at
//! a time by [`Store::transition_application`]. Bench data instead arrives with its history already
//! decided (by `finmart-synth`), so this module writes the final row and every event of many applications
//! in a few multi-row statements per transaction. The columns are derived from the history exactly as the
//! one-at-a-time path derives them: every step is checked by [`ApplicationAction::apply`], the row's state
//! is the last event's, `first_response_at` is the lender's first act, `decided_at` the approval or
//! rejection, `disbursed_*` the disbursement, and the copied columns (district, industry, scale, family,
//! qualifications, first loan, credit loan, guarantee fee, lender, agency) come from the product and the
//! stored profile as at submission.
//!
//! Bench applications have no applicant account: `applicant_account_id` is 0 and events name no account.
//! Their idempotency keys are unique, so writing a batch again skips the applications already stored.

use crate::entity::{application, application_event, enterprise};
use crate::{Store, StoreError};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use finmart_domain::{
    ApplicationAction, ApplicationState, EnterpriseProfile, Fen, Labelled, LoanPurpose, Months, Product, ProductFamily,
    Side, TransitionError,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// The applicant account of every bench application: bench data has no accounts.
pub const BENCH_ACCOUNT: i64 = 0;

/// Bound parameters per statement: under SQLite's 32,766 (and PostgreSQL's 65,535).
const PARAMETERS: usize = 30_000;
/// Columns an application row binds (all but the id).
const APPLICATION_COLUMNS: usize = 35;
/// Columns an event row binds (all but the id).
const EVENT_COLUMNS: usize = 9;
/// Keys per `IN (…)` list.
const KEY_CHUNK: usize = 500;
/// Enterprises read per page.
const FIRM_PAGE: u64 = 5_000;

/// A stored enterprise as bench applications copy it: its parsed profile and the JSON stored for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchFirm {
    pub id: i64,
    pub profile: EnterpriseProfile,
    /// The `enterprise.profile` column as stored: the application's snapshot.
    pub profile_json: String,
}

/// One application with its whole history, to be written by [`Store::insert_bench_applications`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchApplication<'a> {
    /// Unique among bench applications (e.g. `bench-{seed}-{index}`); at most 64 characters.
    pub idempotency_key: String,
    pub product: &'a Product,
    pub firm: &'a BenchFirm,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    pub submitted_at: DateTime<Utc>,
    /// The transitions after the submission, in time order, each at or after the one before.
    pub steps: Vec<(DateTime<Utc>, ApplicationAction)>,
}

fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    FixedOffset::east_opt(8 * 3600).map_or_else(|| t.date_naive(), |tz| t.with_timezone(&tz).date_naive())
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Institution => "institution",
        Side::Enterprise => "enterprise",
    }
}

/// An event before its application has an id.
struct PendingEvent {
    at: DateTime<Utc>,
    from: Option<ApplicationState>,
    to: ApplicationState,
    side: Side,
    note: serde_json::Value,
}

/// An application's row, its lender and agency (which its events copy), and its events.
type Prepared = (application::ActiveModel, (i64, Option<i64>), Vec<PendingEvent>);

/// The row and events of `app`, after checking its history against the state machine.
fn rows(app: &BenchApplication<'_>) -> Result<Prepared, StoreError> {
    let refused = |why: String| StoreError::Conflict(format!("bench application {}: {why}", app.idempotency_key));
    let key = app.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > crate::MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(refused("the idempotency key must have 1 to 64 characters".to_owned()));
    }
    let product = app.product;
    let spec = &product.spec;
    let profile = &app.firm.profile;
    let submitted = shanghai_date(app.submitted_at);

    let mut events = vec![PendingEvent {
        at: app.submitted_at,
        from: None,
        to: ApplicationState::Submitted,
        side: Side::Enterprise,
        note: json!({}),
    }];
    let mut state = ApplicationState::Submitted;
    let mut last = app.submitted_at;
    let (mut first_response, mut decided, mut disbursed, mut reason) = (None, None, None, None);
    for (at, action) in &app.steps {
        if *at < last {
            return Err(refused(format!("step `{}` at {at} is earlier than the one before", action.name())));
        }
        let side = action.side();
        let to = action.apply(state, side, submitted).map_err(|e| match e {
            TransitionError::Invalid(errors) => StoreError::Invalid(errors),
            other => refused(other.message_zh()),
        })?;
        if side == Side::Institution && first_response.is_none() {
            first_response = Some(*at);
        }
        let note = match action {
            ApplicationAction::Approve => {
                decided = Some(*at);
                json!({})
            }
            ApplicationAction::Reject { reason: why } => {
                decided = Some(*at);
                reason = Some(why.trim().to_owned());
                json!({ "reason": why.trim() })
            }
            ApplicationAction::Disburse(d) => {
                disbursed = Some((*at, *d));
                json!({ "disbursement": d })
            }
            ApplicationAction::Accept | ApplicationAction::Withdraw => json!({}),
        };
        events.push(PendingEvent { at: *at, from: Some(state), to, side, note });
        (state, last) = (to, *at);
    }

    let row = application::ActiveModel {
        enterprise_id: Set(app.firm.id),
        product_id: Set(product.id),
        institution_id: Set(product.institution.id),
        guarantee_agency_id: Set(product.guarantee_agency.as_ref().map(|a| a.id)),
        applicant_account_id: Set(BENCH_ACCOUNT),
        idempotency_key: Set(key.to_owned()),
        amount_fen: Set(app.amount.fen()),
        term_months: Set(i32::from(app.term.get())),
        purpose: Set(app.purpose.as_str().to_owned()),
        purpose_text: Set(app.purpose_text.trim().to_owned()),
        profile: Set(app.firm.profile_json.clone()),
        district: Set(profile.district.as_str().to_owned()),
        industry: Set(profile.industry.as_str().to_owned()),
        scale: Set(profile.scale().map(|s| s.as_str().to_owned())),
        family: Set(spec.family.as_str().to_owned()),
        qualifications: Set(profile.qualifications.iter().map(|q| q.as_str()).collect::<Vec<_>>().join("|")),
        first_loan: Set(profile.ever_borrowed == Some(false) || spec.family == ProductFamily::FirstLoan),
        credit_loan: Set(spec.collateral.is_empty() && spec.guarantee.is_none()),
        guarantee_fee_bps: Set(spec.guarantee.as_ref().map(|g| i32::try_from(g.fee_rate.bps()).unwrap_or(i32::MAX))),
        state: Set(state.as_str().to_owned()),
        submitted_at: Set(app.submitted_at),
        respond_by: Set(app.submitted_at + TimeDelta::days(i64::from(spec.decision_days))),
        first_response_at: Set(first_response),
        decided_at: Set(decided),
        disbursed_at: Set(disbursed.map(|(at, _)| at)),
        disbursed_amount_fen: Set(disbursed.map(|(_, d)| d.amount.fen())),
        disbursed_rate_bps: Set(disbursed.map(|(_, d)| i32::try_from(d.rate.bps()).unwrap_or(i32::MAX))),
        disbursed_term_months: Set(disbursed.map(|(_, d)| i32::from(d.term.get()))),
        disbursed_on: Set(disbursed.map(|(_, d)| d.date)),
        reason: Set(reason),
        offer_id: Set(None),
        updated_at: Set(last),
        ..Default::default()
    };
    let parties = (product.institution.id, product.guarantee_agency.as_ref().map(|a| a.id));
    Ok((row, parties, events))
}

/// Which of `keys` are already stored as bench applications, and their ids.
async fn ids_of(db: &impl ConnectionTrait, keys: &[&str]) -> Result<HashMap<String, i64>, StoreError> {
    use application::Column as C;
    let mut found = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(KEY_CHUNK) {
        let rows: Vec<(i64, String)> = application::Entity::find()
            .select_only()
            .column(C::Id)
            .column(C::IdempotencyKey)
            .filter(C::ApplicantAccountId.eq(BENCH_ACCOUNT))
            .filter(C::IdempotencyKey.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(found)
}

impl Store {
    /// Every stored enterprise with its stored profile JSON, in id order.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn bench_firms(&self) -> Result<Vec<BenchFirm>, StoreError> {
        let mut firms = Vec::new();
        let mut after = 0;
        loop {
            let page = enterprise::Entity::find()
                .filter(enterprise::Column::Id.gt(after))
                .order_by_asc(enterprise::Column::Id)
                .limit(FIRM_PAGE)
                .all(&self.db)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for row in page {
                let profile = serde_json::from_str(&row.profile).map_err(|e| StoreError::Corrupt {
                    table: "enterprise",
                    id: row.id,
                    field: "profile",
                    reason: e.to_string(),
                })?;
                firms.push(BenchFirm { id: row.id, profile, profile_json: row.profile });
            }
        }
        Ok(firms)
    }

    /// How many bench applications (no applicant account) have an idempotency key starting with `prefix`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn count_bench_applications(&self, prefix: &str) -> Result<u64, StoreError> {
        use application::Column as C;
        Ok(application::Entity::find()
            .filter(C::ApplicantAccountId.eq(BENCH_ACCOUNT))
            .filter(C::IdempotencyKey.starts_with(prefix))
            .count(&self.db)
            .await?)
    }

    /// Writes applications with their whole histories in one transaction, skipping those whose idempotency
    /// key is already stored; returns how many it wrote. Rows go in multi-row statements that bind under
    /// 30,000 parameters each.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] or [`StoreError::Invalid`] for a history the state machine refuses (nothing
    /// is written); database failure.
    pub async fn insert_bench_applications(&self, batch: &[BenchApplication<'_>]) -> Result<u64, StoreError> {
        let mut prepared = Vec::with_capacity(batch.len());
        let mut seen = HashSet::with_capacity(batch.len());
        for app in batch {
            if seen.insert(app.idempotency_key.trim()) {
                prepared.push((app.idempotency_key.trim(), rows(app)?));
            }
        }
        if prepared.is_empty() {
            return Ok(0);
        }
        let keys: Vec<&str> = prepared.iter().map(|(key, _)| *key).collect();
        let txn = self.db.begin().await?;
        let existing = ids_of(&txn, &keys).await?;
        prepared.retain(|(key, _)| !existing.contains_key(*key));
        if prepared.is_empty() {
            txn.rollback().await?;
            return Ok(0);
        }
        let mut models = Vec::with_capacity(prepared.len());
        let mut histories = Vec::with_capacity(prepared.len());
        for (key, (model, parties, history)) in prepared {
            histories.push((key, parties, history));
            models.push(model);
        }
        let mut models = models.into_iter().peekable();
        while models.peek().is_some() {
            let chunk: Vec<_> = models.by_ref().take(PARAMETERS / APPLICATION_COLUMNS).collect();
            application::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        let keys: Vec<&str> = histories.iter().map(|(key, _, _)| *key).collect();
        let ids = ids_of(&txn, &keys).await?;
        let mut events = Vec::new();
        for (key, (institution, agency), history) in histories {
            let id = *ids.get(key).ok_or_else(|| StoreError::NotFound { what: "application", key: key.to_owned() })?;
            events.extend(history.into_iter().map(|e| application_event::ActiveModel {
                application_id: Set(id),
                institution_id: Set(institution),
                guarantee_agency_id: Set(agency),
                at: Set(e.at),
                from_state: Set(e.from.map(|s| s.as_str().to_owned())),
                to_state: Set(e.to.as_str().to_owned()),
                account_id: Set(None),
                side: Set(side_name(e.side).to_owned()),
                note: Set(e.note.to_string()),
                ..Default::default()
            }));
        }
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<_> = events.by_ref().take(PARAMETERS / EVENT_COLUMNS).collect();
            application_event::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
        Ok(keys.len() as u64)
    }
}
