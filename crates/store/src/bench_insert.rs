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

use crate::applications::{credit_loan, first_loan, respond_by};
use crate::entity::{application, application_event, disbursement, enterprise};
use crate::event_facts::{Figures, Step, event_row};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::shanghai::date_of as shanghai_date;
use finmart_domain::{
    ApplicationAction, ApplicationInput, ApplicationState, ApprovalTerms, Disbursement, EnterpriseProfile, Fen,
    Labelled, Ledger, Limits, LoanPurpose, Months, Part, Product, Side, TransitionError,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// The applicant account of every bench application: bench data has no accounts.
pub const BENCH_ACCOUNT: i64 = 0;

/// Bound parameters per statement: under SQLite's 32,766 (and PostgreSQL's 65,535).
const PARAMETERS: usize = 30_000;
/// Columns an application row binds (all but the id).
const APPLICATION_COLUMNS: usize = 36;
/// Columns an event row binds (all but the id).
const EVENT_COLUMNS: usize = 23;
/// Columns a payment row binds (all but the id).
const DISBURSEMENT_COLUMNS: usize = 9;
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

/// An application's row (its id still 0), its events and its payments (in the order of their events).
type Prepared = (application::Model, Vec<Step>, Vec<Disbursement>);

/// The row and events of `app`, after checking its fields as a submission's and its history against the
/// state machine.
fn rows(app: &BenchApplication<'_>) -> Result<Prepared, StoreError> {
    let refused = |reason: String| StoreError::BenchHistory { key: app.idempotency_key.clone(), reason };
    // The fields of a submission obey the rules of one made on the site.
    let fields = ApplicationInput {
        amount: Ok(app.amount),
        term: Ok(app.term),
        purpose: app.purpose.as_str(),
        purpose_text: &app.purpose_text,
        idempotency_key: Some(&app.idempotency_key),
    }
    .check()
    .map_err(StoreError::Invalid)?;
    let product = app.product;
    let spec = &product.spec;
    let profile = &app.firm.profile;
    let submitted = shanghai_date(app.submitted_at);

    let mut events = vec![Step {
        at: app.submitted_at,
        from: None,
        to: ApplicationState::Submitted,
        account_id: None,
        side: Side::Enterprise,
        note: json!({}).to_string(),
        figures: Figures::STEP,
    }];
    let mut state = ApplicationState::Submitted;
    let mut last = app.submitted_at;
    let (mut first_response, mut decided, mut reason) = (None, None, None);
    let mut first_paid = None;
    let mut approval: Option<(ApprovalTerms, chrono::NaiveDate)> = None;
    let mut parts: Vec<Part> = Vec::new();
    let today = shanghai_date(Utc::now());
    for (at, action) in &app.steps {
        if *at < last {
            return Err(refused(format!("step `{}` at {at} is earlier than the one before", action.name())));
        }
        if matches!(action, ApplicationAction::Correct { .. }) {
            return Err(refused("bench histories hold no corrections".to_owned()));
        }
        let side = action.side();
        let ledger = Ledger {
            submitted,
            today,
            limits: Limits::of(spec, &product.references, (fields.amount, fields.term)),
            approval: approval.as_ref().map(|(t, on)| (t, *on)),
            parts: &parts,
        };
        let to = action.apply(state, side, &ledger).map_err(|e| match e {
            TransitionError::Invalid(errors) => StoreError::Invalid(errors),
            other => refused(other.to_string()),
        })?;
        if side == Side::Institution && first_response.is_none() {
            first_response = Some(*at);
        }
        let mut figures = Figures::STEP;
        let note = match action {
            ApplicationAction::Approve(terms) => {
                decided = Some(*at);
                approval = Some((*terms, shanghai_date(*at)));
                json!({ "approval": terms })
            }
            ApplicationAction::Reject { reason: why } => {
                decided = Some(*at);
                reason = Some(why.trim().to_owned());
                json!({ "reason": why.trim() })
            }
            ApplicationAction::Disburse(d) => {
                first_paid.get_or_insert(*at);
                figures =
                    Figures::paid(d.amount.fen(), i32::from(d.term.get()), crate::applications::recorded_fee_bps(spec));
                parts.push(Part { id: i64::try_from(parts.len()).unwrap_or(i64::MAX), disbursement: d.clone() });
                json!({ "disbursement": d })
            }
            ApplicationAction::Accept | ApplicationAction::Withdraw | ApplicationAction::Correct { .. } => json!({}),
        };
        events.push(Step { at: *at, from: Some(state), to, account_id: None, side, note: note.to_string(), figures });
        (state, last) = (to, *at);
    }

    let paid: Vec<Disbursement> = parts.into_iter().map(|p| p.disbursement).collect();
    let latest = paid.iter().max_by_key(|d| d.date);
    let row = application::Model {
        id: 0,
        enterprise_id: app.firm.id,
        product_id: product.id,
        institution_id: product.institution.id,
        guarantee_agency_id: product.guarantee_agency.as_ref().map(|a| a.id),
        applicant_account_id: BENCH_ACCOUNT,
        idempotency_key: fields.idempotency_key,
        amount_fen: fields.amount.fen(),
        term_months: i32::from(fields.term.get()),
        purpose: fields.purpose.as_str().to_owned(),
        purpose_text: fields.purpose_text,
        profile: app.firm.profile_json.clone(),
        district: profile.district.code(),
        industry: profile.industry.as_str().to_owned(),
        scale: profile.scale().map(|s| s.as_str().to_owned()),
        family: spec.family.as_str().to_owned(),
        qualifications: profile.qualification_list().iter().map(|q| q.as_str()).collect::<Vec<_>>().join("|"),
        first_loan: first_loan(profile, spec),
        credit_loan: credit_loan(spec),
        guarantee_fee_bps: crate::applications::recorded_fee_bps(spec),
        state: state.as_str().to_owned(),
        submitted_at: app.submitted_at,
        respond_by: respond_by(app.submitted_at, spec),
        first_response_at: first_response,
        decided_at: decided,
        disbursed_at: first_paid,
        disbursed_amount_fen: latest.map(|_| paid.iter().map(|d| d.amount.fen()).sum()),
        disbursed_rate_bps: latest.map(|d| i32::try_from(d.rate.bps()).unwrap_or(i32::MAX)),
        disbursed_term_months: latest.map(|d| i32::from(d.term.get())),
        disbursed_on: latest.map(|d| d.date),
        approval: approval
            .map(|(terms, _)| serde_json::to_string(&terms))
            .transpose()
            .map_err(|source| StoreError::Encode { what: "approval", source })?,
        reason,
        offer_id: None,
        updated_at: last,
        // Bench histories are written whole, with no account to apply as: they take no open-application key,
        // so a generated firm may hold several (the record check reports such pairs).
        open_for: None,
    };
    Ok((row, events, paid))
}

/// The payment rows of freshly written applications, each tied to its payment event (an application's
/// payment events were written in the order of its payments) and recorded when that event happened, as a
/// lender's payment is: the rows are the same whenever the history is written.
async fn insert_payments(db: &impl ConnectionTrait, payments: Vec<(i64, Vec<Disbursement>)>) -> Result<(), StoreError> {
    use application_event::Column as E;
    let mut rows = Vec::new();
    for chunk in payments.chunks(KEY_CHUNK) {
        let found: Vec<(i64, i64, DateTime<Utc>)> = application_event::Entity::find()
            .select_only()
            .column(E::Id)
            .column(E::ApplicationId)
            .column(E::At)
            .filter(E::ApplicationId.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(E::DisbursedFen.is_not_null())
            .order_by_asc(E::Id)
            .into_tuple()
            .all(db)
            .await?;
        let mut events: HashMap<i64, Vec<(i64, DateTime<Utc>)>> = HashMap::new();
        for (event, app, at) in found {
            events.entry(app).or_default().push((event, at));
        }
        for (app, paid) in chunk {
            let recorded = events.remove(app).unwrap_or_default();
            for (i, d) in paid.iter().enumerate() {
                // Recorded when its event happened, so the same seed writes the same rows.
                let (event_id, at) = recorded.get(i).copied().unzip();
                rows.push(disbursement::ActiveModel {
                    application_id: Set(*app),
                    amount_fen: Set(d.amount.fen()),
                    rate_bps: Set(i32::try_from(d.rate.bps()).unwrap_or(i32::MAX)),
                    term_months: Set(i32::from(d.term.get())),
                    disbursed_on: Set(d.date),
                    reason: Set(d.reason.clone()),
                    event_id: Set(event_id),
                    replaced_by_event_id: Set(None),
                    created_at: Set(at.unwrap_or_else(|| finmart_domain::shanghai::day_start(d.date))),
                    ..Default::default()
                });
            }
        }
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(PARAMETERS / DISBURSEMENT_COLUMNS).collect();
        disbursement::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
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
    /// [`StoreError::BenchHistory`] or [`StoreError::Invalid`] for a history the store refuses (nothing
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
        let txn = self.write_txn().await?;
        let existing = ids_of(&txn, &keys).await?;
        prepared.retain(|(key, _)| !existing.contains_key(*key));
        if prepared.is_empty() {
            txn.rollback().await?;
            return Ok(0);
        }
        let mut models = Vec::with_capacity(prepared.len());
        for (_, (row, _, _)) in &prepared {
            let mut model = row.clone().into_active_model();
            model.id = NotSet;
            models.push(model);
        }
        let mut models = models.into_iter().peekable();
        while models.peek().is_some() {
            let chunk: Vec<_> = models.by_ref().take(PARAMETERS / APPLICATION_COLUMNS).collect();
            application::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        let keys: Vec<&str> = prepared.iter().map(|(key, _)| *key).collect();
        let ids = ids_of(&txn, &keys).await?;
        let mut events = Vec::new();
        let mut payments: Vec<(i64, Vec<Disbursement>)> = Vec::new();
        for (key, (mut row, history, paid)) in prepared {
            row.id =
                *ids.get(key).ok_or_else(|| StoreError::NotFound { what: Record::Application, key: key.to_owned() })?;
            events.extend(history.into_iter().map(|step| event_row(&row, step)));
            if !paid.is_empty() {
                payments.push((row.id, paid));
            }
        }
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<_> = events.by_ref().take(PARAMETERS / EVENT_COLUMNS).collect();
            application_event::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        insert_payments(&txn, payments).await?;
        txn.commit().await?;
        Ok(keys.len() as u64)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event_facts::side_name;
    use crate::testing;
    use chrono::{NaiveDate, TimeDelta, TimeZone};
    use finmart_domain::{Disbursement, ImportRow, LifecycleState, ReferenceRates};
    use finmart_synth::{Applicant, Applications};

    /// Institutions, products and firms from the synth crate, stored; the published products and the firms.
    async fn market(store: &Store) -> (Vec<Product>, Vec<BenchFirm>) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let institutions = finmart_synth::institutions(20);
        for i in &institutions {
            store.create_institution(i).await.unwrap();
        }
        let references = store.reference_rates().await.unwrap();
        let rows: Vec<(usize, ImportRow)> = finmart_synth::products(7, 120, &institutions, today, &references)
            .enumerate()
            .map(|(i, p)| {
                let row = ImportRow {
                    institution_code: p.institution_code,
                    new_institution: None,
                    state: p.state,
                    spec: p.spec,
                };
                (i + 1, row)
            })
            .collect();
        store.import(&rows, &|| {}).await.unwrap();
        let firms: Vec<_> = finmart_synth::profiles(7, 300, today).map(|p| (p.profile, p.discoverable)).collect();
        store.insert_enterprises(&firms).await.unwrap();
        let products = store.products_after(0, 1_000).await.unwrap();
        let published = products.into_iter().filter(|p| p.state == LifecycleState::Published).collect();
        (published, store.bench_firms().await.unwrap())
    }

    fn batch<'a>(
        seed: u64,
        count: usize,
        references: &ReferenceRates,
        products: &'a [Product],
        firms: &'a [BenchFirm],
        applicants: &'a [Applicant],
    ) -> Vec<BenchApplication<'a>> {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 16, 0, 0).unwrap();
        Applications::new(seed, count, products.iter().map(|p| &p.spec), references, applicants, now)
            .iter()
            .map(|a| BenchApplication {
                idempotency_key: format!("bench-{seed}-{}", a.index),
                product: &products[a.product],
                firm: &firms[a.applicant],
                amount: a.amount,
                term: a.term,
                purpose: a.purpose,
                purpose_text: a.purpose_text,
                submitted_at: a.submitted_at,
                steps: a.steps.into_iter().map(|s| (s.at, s.action)).collect(),
            })
            .collect()
    }

    /// The action an event records, rebuilt from its target state and note.
    fn action_of(to: ApplicationState, note: &serde_json::Value) -> ApplicationAction {
        match to {
            ApplicationState::Accepted => ApplicationAction::Accept,
            ApplicationState::Approved => {
                ApplicationAction::Approve(serde_json::from_value(note["approval"].clone()).unwrap())
            }
            ApplicationState::Rejected => {
                ApplicationAction::Reject { reason: note["reason"].as_str().unwrap().to_owned() }
            }
            ApplicationState::Disbursed => ApplicationAction::Disburse(
                serde_json::from_value::<Disbursement>(note["disbursement"].clone()).unwrap(),
            ),
            _ => ApplicationAction::Withdraw,
        }
    }

    #[tokio::test]
    async fn histories_are_written_whole_and_agree_with_their_rows() {
        for db in testing::all().await {
            let store = &db.store;
            let (products, firms) = market(store).await;
            assert!(products.len() > 100 && firms.len() == 300, "{}", db.backend);
            let applicants: Vec<Applicant> = firms.iter().map(|f| Applicant::of(&f.profile)).collect();
            let references = db.store.reference_rates().await.unwrap();
            let apps = batch(7, 2_000, &references, &products, &firms, &applicants);
            let (first, rest) = apps.split_at(700);
            assert_eq!(store.insert_bench_applications(first).await.unwrap(), 700);
            // A batch overlapping what is stored writes only the new ones; a repeat writes nothing.
            assert_eq!(store.insert_bench_applications(&apps).await.unwrap(), rest.len() as u64);
            assert_eq!(store.insert_bench_applications(&apps).await.unwrap(), 0);
            assert_eq!(store.count_bench_applications("bench-7-").await.unwrap(), 2_000);
            assert_eq!(store.count_bench_applications("bench-8-").await.unwrap(), 0);

            let rows = application::Entity::find().order_by_asc(application::Column::Id).all(store.connection()).await;
            let rows = rows.unwrap();
            let events = application_event::Entity::find()
                .order_by_asc(application_event::Column::Id)
                .all(store.connection())
                .await
                .unwrap();
            let mut by_app: HashMap<i64, Vec<application_event::Model>> = HashMap::new();
            for e in events {
                by_app.entry(e.application_id).or_default().push(e);
            }
            let mut states: HashMap<String, usize> = HashMap::new();
            let mut guaranteed = 0;
            for (row, app) in rows.iter().zip(&apps) {
                assert_eq!(row.idempotency_key, app.idempotency_key);
                assert_eq!(row.applicant_account_id, BENCH_ACCOUNT);
                let product = app.product;
                assert_eq!((row.product_id, row.institution_id), (product.id, product.institution.id));
                assert_eq!(row.guarantee_agency_id, product.guarantee_agency.as_ref().map(|a| a.id));
                guaranteed += usize::from(row.guarantee_agency_id.is_some());
                assert_eq!(row.guarantee_fee_bps.is_some(), row.guarantee_agency_id.is_some());
                assert_eq!(row.profile, app.firm.profile_json);
                let days = product.spec.decision_days.unwrap_or(crate::applications::RESPONSE_DAYS_WHEN_UNSTATED);
                assert_eq!(row.respond_by, row.submitted_at + TimeDelta::days(i64::from(days)));

                let history = &by_app[&row.id];
                assert_eq!(history[0].from_state, None, "every history starts with the submission");
                assert_eq!((history[0].to_state.as_str(), history[0].side.as_str()), ("submitted", "enterprise"));
                assert_eq!(history[0].at, row.submitted_at);
                let mut state = ApplicationState::Submitted;
                let (mut first_response, mut decided, mut disbursed, mut reason) = (None, None, None, None);
                let mut approved_before = false;
                for (before, e) in history.iter().zip(&history[1..]) {
                    assert!(e.at >= before.at);
                    assert_eq!(
                        (e.institution_id, e.guarantee_agency_id),
                        (row.institution_id, row.guarantee_agency_id)
                    );
                    assert_eq!(e.from_state.as_deref(), Some(state.as_str()));
                    let to = ApplicationState::parse(&e.to_state).unwrap();
                    let note: serde_json::Value = serde_json::from_str(&e.note).unwrap();
                    let action = action_of(to, &note);
                    assert_eq!(e.side, side_name(action.side()));
                    if action.side() == Side::Institution && first_response.is_none() {
                        first_response = Some(e.at);
                    }
                    match &action {
                        ApplicationAction::Approve(terms) => {
                            decided = Some(e.at);
                            approved_before = true;
                            let stored: ApprovalTerms = serde_json::from_str(row.approval.as_deref().unwrap()).unwrap();
                            assert_eq!(stored, *terms);
                        }
                        ApplicationAction::Reject { reason: r } => (decided, reason) = (Some(e.at), Some(r.clone())),
                        ApplicationAction::Disburse(d) => {
                            assert!(approved_before, "a disbursement follows an approval");
                            let annual = product.annual_rate().map(finmart_domain::AnnualRate::bps);
                            assert!(d.amount <= app.amount && annual.admits(d.rate) != Some(false));
                            let (first, total) = disbursed.map_or((e.at, 0), |(at, total, _)| (at, total));
                            disbursed = Some((first, total + d.amount.fen(), d.clone()));
                        }
                        _ => {}
                    }
                    state = to;
                }
                assert_eq!(row.state, state.as_str());
                assert_eq!(row.updated_at, history.last().unwrap().at);
                assert_eq!(row.first_response_at, first_response);
                assert_eq!(row.decided_at, decided);
                assert_eq!(row.reason, reason);
                assert_eq!(row.disbursed_at, disbursed.as_ref().map(|(at, _, _)| *at));
                assert_eq!(row.disbursed_amount_fen, disbursed.as_ref().map(|(_, total, _)| *total));
                let latest = disbursed.as_ref().map(|(_, _, d)| d);
                assert_eq!(row.disbursed_rate_bps, latest.map(|d| i32::try_from(d.rate.bps()).unwrap()));
                assert_eq!(row.disbursed_term_months, latest.map(|d| i32::from(d.term.get())));
                assert_eq!(row.disbursed_on, latest.map(|d| d.date));
                *states.entry(row.state.clone()).or_default() += 1;
            }
            assert_eq!(rows.len(), 2_000);
            assert!(guaranteed > 100, "{guaranteed} guaranteed ({})", db.backend);
            for state in ApplicationState::ALL {
                assert!(states.get(state.as_str()).copied().unwrap_or(0) > 0, "{states:?}");
            }
            // The one-at-a-time read path reads bench rows too.
            let one = store.application(rows[1_999].id).await.unwrap().unwrap();
            assert_eq!(one.profile, apps[1_999].firm.profile);
            assert_eq!(store.application_events(one.id).await.unwrap().len(), by_app[&one.id].len());

            // A history the machine refuses writes nothing.
            let mut bad = apps[0].clone();
            bad.idempotency_key = "bench-bad-1".to_owned();
            bad.steps =
                vec![(bad.submitted_at, ApplicationAction::Withdraw), (bad.submitted_at, ApplicationAction::Accept)];
            assert!(matches!(store.insert_bench_applications(&[bad]).await, Err(StoreError::BenchHistory { .. })));
            assert_eq!(store.count_bench_applications("bench-").await.unwrap(), 2_000);
        }
    }
}
