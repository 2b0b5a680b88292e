//! Applications and their event history (every transition timestamped and kept).
//!
//! An application is submitted once per (applicant account, idempotency key): a retry with the same key and
//! the same body returns the stored application, also when the retries race (the unique index decides).
//! Each transition is one conditional update (`WHERE state = from`), so two concurrent transitions cannot
//! both win; it appends an event, notifies the other party and writes the audit entry in one transaction.

use crate::audit::{self, AuditEvent};
use crate::entity::{application, application_event, disbursement, product};
use crate::event_facts::{Figures, Step, event_row};
use crate::institutions::refs_by_id;
use crate::notifications::{ApplicationFacts, CorrectionFacts, Notice, Party, notify};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use finmart_domain::shanghai::{date_of as shanghai_date, day_start};
use finmart_domain::{
    ApplicationAction, ApplicationFields, ApplicationInput, ApplicationState, ApprovalTerms, Bps, CollateralTerms,
    Correction, Disbursement, District, EnterpriseProfile, EnterpriseScale, Fen, FieldErrors, Industry, Labelled,
    Ledger, Limits, LoanPurpose, Months, Part, ProductFamily, ProductSpec, Side, StatedRange, TransitionError,
    ValueError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// The longest idempotency key, a domain rule that the column's width follows.
pub use finmart_domain::MAX_IDEMPOTENCY_KEY_CHARS;
/// The most rows a list returns when the filter names no limit.
const DEFAULT_LIMIT: u64 = 200;
/// The most rows one list query returns.
pub const MAX_LIST_ROWS: u64 = 1_000;

/// What an SME submits (or what accepting an offer submits on its behalf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub enterprise_id: i64,
    pub product_id: i64,
    pub applicant_account_id: i64,
    /// Chosen by the client (the form, or the API caller); the same key submits once.
    pub idempotency_key: String,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    /// The offer on a posted need this application comes from.
    pub offer_id: Option<i64>,
}

impl NewApplication {
    /// Its own fields as the domain checks them: the rules the site applies to a form or an API body.
    fn input(&self) -> ApplicationInput<'_> {
        ApplicationInput {
            amount: Ok(self.amount),
            term: Ok(self.term),
            purpose: self.purpose.as_str(),
            purpose_text: &self.purpose_text,
            idempotency_key: Some(&self.idempotency_key),
        }
    }
}

/// A stored application with the names lists show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    pub id: i64,
    pub enterprise_id: i64,
    /// From the profile snapshot.
    pub enterprise_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub institution_id: i64,
    pub institution_name: String,
    pub guarantee_agency_id: Option<i64>,
    pub applicant_account_id: i64,
    pub idempotency_key: String,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    /// The enterprise's profile as it was when it applied.
    pub profile: EnterpriseProfile,
    pub district: District,
    pub industry: Industry,
    pub scale: Option<EnterpriseScale>,
    pub family: ProductFamily,
    pub state: ApplicationState,
    pub submitted_at: DateTime<Utc>,
    /// The first response is due by then (submission plus the product's decision days).
    pub respond_by: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// When the first payment was recorded.
    pub disbursed_at: Option<DateTime<Utc>>,
    /// What was paid out: the total of the payments that count, at the latest one's rate, term and date.
    pub disbursement: Option<Disbursement>,
    /// The approved terms (none before approval, and for an approval recorded before approvals carried
    /// terms).
    pub approval: Option<ApprovalTerms>,
    /// Every payment recorded, oldest first, with the corrected and reversed ones (marked).
    pub payments: Vec<Payment>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub offer_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
    /// No first response by `respond_by` (still none and the time has passed, or it came late).
    pub overdue: bool,
}

/// One payment as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: i64,
    pub disbursement: Disbursement,
    pub recorded_at: DateTime<Utc>,
    /// Replaced by a correction or reversed: it no longer counts.
    pub replaced: bool,
}

impl Application {
    /// The payments that count, as the state machine's ledger holds them.
    #[must_use]
    pub fn counting_payments(&self) -> Vec<Part> {
        self.payments
            .iter()
            .filter(|p| !p.replaced)
            .map(|p| Part { id: p.id, disbursement: p.disbursement.clone() })
            .collect()
    }

    /// What may still be paid out: the approved amount less the payments that count; `None` without
    /// recorded approval terms.
    #[must_use]
    pub fn payable(&self) -> Option<Fen> {
        let approval = self.approval.as_ref()?;
        let paid: i64 = self.payments.iter().filter(|p| !p.replaced).map(|p| p.disbursement.amount.fen()).sum();
        Fen::from_fen(Ord::max(approval.amount.fen() - paid, 0)).ok()
    }

    /// The day the approval was recorded (Asia/Shanghai).
    #[must_use]
    pub fn approved_on(&self) -> Option<NaiveDate> {
        self.decided_at.filter(|_| self.approval.is_some()).map(shanghai_date)
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationEvent {
    pub id: i64,
    pub application_id: i64,
    pub at: DateTime<Utc>,
    /// `None` for the submission.
    pub from: Option<ApplicationState>,
    pub to: ApplicationState,
    pub account_id: Option<i64>,
    pub side: Side,
    /// `{"reason": …}`, `{"disbursement": {…}}` or `{}`.
    pub note: serde_json::Value,
}

/// Which applications a list shows. Dates are calendar days in Asia/Shanghai, both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub state: Option<ApplicationState>,
    pub product_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub overdue_only: bool,
    /// 0: the default (200); at most 1,000.
    pub limit: u64,
    /// Only the applications after this one in the list's order (newest first): the next page.
    pub after: Option<ListCursor>,
}

/// Where a page of applications ended: the last row's submission time and id (lists are ordered by both,
/// newest first). As text, `{unix microseconds}.{id}`, so other systems can page through the API too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub submitted_at: DateTime<Utc>,
    pub id: i64,
}

impl ListCursor {
    /// The cursor just past `app`.
    #[must_use]
    pub fn after(app: &Application) -> Self {
        Self { submitted_at: app.submitted_at, id: app.id }
    }

    /// `None` unless `text` is `{unix microseconds}.{id}`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        let submitted_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Self { submitted_at, id: id.parse().ok().filter(|id| *id > 0)? })
    }
}

impl std::fmt::Display for ListCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.submitted_at.timestamp_micros(), self.id)
    }
}

/// Today's date in Asia/Shanghai.
fn shanghai_today() -> NaiveDate {
    shanghai_date(Utc::now())
}

fn corrupt(table: &'static str, id: i64, field: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::Corrupt { table, id, field, reason }
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: Record::Application, key: id.to_string() }
}

/// The audit action of a transition.
fn audit_action(action: &ApplicationAction) -> &'static str {
    match action {
        ApplicationAction::Accept => "application.accept",
        ApplicationAction::Approve(_) => "application.approve",
        ApplicationAction::Correct { .. } => "application.correct",
        ApplicationAction::Reject { .. } => "application.reject",
        ApplicationAction::Disburse(_) => "application.disburse",
        ApplicationAction::Withdraw => "application.withdraw",
    }
}

/// An approval's terms as the `approval` column keeps them.
fn encode_approval(terms: &ApprovalTerms) -> Result<String, StoreError> {
    serde_json::to_string(terms).map_err(|source| StoreError::Encode { what: "approval", source })
}

/// The application's paid-out columns for the payments that count `paid`: their total, the latest one's
/// rate, term and date, and when the first was recorded; all NULL when none counts.
fn paid_columns(
    update: sea_orm::UpdateMany<application::Entity>,
    paid: &[Disbursement],
    first_recorded: DateTime<Utc>,
) -> sea_orm::UpdateMany<application::Entity> {
    use application::Column as C;
    let latest = paid.iter().max_by_key(|d| d.date);
    let total: i64 = paid.iter().map(|d| d.amount.fen()).sum();
    update
        .col_expr(C::DisbursedAt, Expr::value(latest.map(|_| first_recorded)))
        .col_expr(C::DisbursedAmountFen, Expr::value(latest.map(|_| total)))
        .col_expr(C::DisbursedRateBps, Expr::value(latest.map(|d| i32::try_from(d.rate.bps()).unwrap_or(i32::MAX))))
        .col_expr(C::DisbursedTermMonths, Expr::value(latest.map(|d| i32::from(d.term.get()))))
        .col_expr(C::DisbursedOn, Expr::value(latest.map(|d| d.date)))
}

/// An application as read before an act, with what the act is checked against.
struct Prepared {
    before: Application,
    product: finmart_domain::Product,
    parts: Vec<Part>,
    /// Its last change, which the act's update requires unchanged.
    read_at: DateTime<Utc>,
    today: NaiveDate,
}

impl Prepared {
    fn ledger(&self) -> Ledger<'_> {
        Ledger {
            submitted: shanghai_date(self.before.submitted_at),
            today: self.today,
            limits: Limits::of(&self.product.spec, &self.product.references, (self.before.amount, self.before.term)),
            approval: self.before.approval.as_ref().zip(self.before.approved_on()),
            parts: &self.parts,
        }
    }
}

/// Whether a first response is late: none yet and the time has passed, or it came after the time.
fn is_overdue(respond_by: DateTime<Utc>, first_response_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    first_response_at.map_or(now > respond_by, |t| t > respond_by)
}

/// Names of the products and institutions rows refer to, read once per list.
#[derive(Default)]
struct Names {
    products: HashMap<i64, String>,
    institutions: HashMap<i64, String>,
    /// Each application's payments, oldest first.
    payments: HashMap<i64, Vec<Payment>>,
}

async fn names(db: &impl ConnectionTrait, rows: &[application::Model]) -> Result<Names, StoreError> {
    if rows.is_empty() {
        return Ok(Names::default());
    }
    let mut product_ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let mut products = HashMap::new();
    for chunk in product_ids.chunks(500) {
        let found: Vec<(i64, String)> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::Name)
            .filter(product::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        products.extend(found);
    }
    let institutions =
        refs_by_id(db, rows.iter().map(|r| r.institution_id)).await?.into_iter().map(|(id, r)| (id, r.name)).collect();
    let mut payments: HashMap<i64, Vec<Payment>> = HashMap::new();
    let paid: Vec<i64> = rows.iter().filter(|r| r.disbursed_at.is_some()).map(|r| r.id).collect();
    for chunk in paid.chunks(500) {
        let found = disbursement::Entity::find()
            .filter(disbursement::Column::ApplicationId.is_in(chunk.iter().copied()))
            .order_by_asc(disbursement::Column::Id)
            .all(db)
            .await?;
        for row in found {
            payments.entry(row.application_id).or_default().push(payment_of(row)?);
        }
    }
    Ok(Names { products, institutions, payments })
}

fn payment_of(row: disbursement::Model) -> Result<Payment, StoreError> {
    let bad = |field: &'static str| corrupt("disbursement", row.id, field);
    Ok(Payment {
        id: row.id,
        disbursement: Disbursement {
            amount: Fen::from_fen(row.amount_fen).map_err(|e| bad("amount_fen")(e.to_string()))?,
            rate: u32::try_from(row.rate_bps)
                .map_err(|e| bad("rate_bps")(e.to_string()))
                .and_then(|b| Bps::new(b).map_err(|e| bad("rate_bps")(e.to_string())))?,
            term: u16::try_from(row.term_months)
                .map_err(|e| bad("term_months")(e.to_string()))
                .and_then(|m| Months::new(m).map_err(|e| bad("term_months")(e.to_string())))?,
            date: row.disbursed_on,
            reason: row.reason,
        },
        recorded_at: row.created_at,
        replaced: row.replaced_by_event_id.is_some(),
    })
}

fn from_row(row: application::Model, names: &Names, now: DateTime<Utc>) -> Result<Application, StoreError> {
    let id = row.id;
    let bad = |field: &'static str| corrupt("application", id, field);
    let months = |v: i32, f: &'static str| {
        u16::try_from(v)
            .map_err(|e| bad(f)(e.to_string()))
            .and_then(|m| Months::new(m).map_err(|e| bad(f)(e.to_string())))
    };
    let profile: EnterpriseProfile = serde_json::from_str(&row.profile).map_err(|e| bad("profile")(e.to_string()))?;
    let disbursement =
        match (row.disbursed_amount_fen, row.disbursed_rate_bps, row.disbursed_term_months, row.disbursed_on) {
            (Some(amount), Some(rate), Some(term), Some(date)) => Some(Disbursement {
                amount: Fen::from_fen(amount).map_err(|e| bad("disbursed_amount_fen")(e.to_string()))?,
                rate: u32::try_from(rate)
                    .map_err(|e| bad("disbursed_rate_bps")(e.to_string()))
                    .and_then(|b| Bps::new(b).map_err(|e| bad("disbursed_rate_bps")(e.to_string())))?,
                term: months(term, "disbursed_term_months")?,
                date,
                reason: None,
            }),
            _ => None,
        };
    let approval = row
        .approval
        .as_deref()
        .map(serde_json::from_str::<ApprovalTerms>)
        .transpose()
        .map_err(|e| bad("approval")(e.to_string()))?;
    let enterprise_name =
        if profile.name.trim().is_empty() { format!("企业 #{}", row.enterprise_id) } else { profile.name.clone() };
    Ok(Application {
        id,
        enterprise_id: row.enterprise_id,
        enterprise_name,
        product_id: row.product_id,
        product_name: names.products.get(&row.product_id).cloned().unwrap_or_default(),
        institution_id: row.institution_id,
        institution_name: names.institutions.get(&row.institution_id).cloned().unwrap_or_default(),
        guarantee_agency_id: row.guarantee_agency_id,
        applicant_account_id: row.applicant_account_id,
        idempotency_key: row.idempotency_key,
        amount: Fen::from_fen(row.amount_fen).map_err(|e| bad("amount_fen")(e.to_string()))?,
        term: months(row.term_months, "term_months")?,
        purpose: LoanPurpose::parse(&row.purpose).map_err(|e| bad("purpose")(e.to_string()))?,
        purpose_text: row.purpose_text,
        profile,
        district: District::parse_in_scope(&row.district).map_err(|e| bad("district")(e.to_string()))?,
        industry: Industry::parse(&row.industry).map_err(|e| bad("industry")(e.to_string()))?,
        scale: row.scale.as_deref().map(EnterpriseScale::parse).transpose().map_err(|e| bad("scale")(e.to_string()))?,
        family: ProductFamily::parse(&row.family).map_err(|e| bad("family")(e.to_string()))?,
        state: ApplicationState::parse(&row.state).map_err(|e| bad("state")(e.to_string()))?,
        submitted_at: row.submitted_at,
        respond_by: row.respond_by,
        first_response_at: row.first_response_at,
        decided_at: row.decided_at,
        disbursed_at: row.disbursed_at,
        disbursement,
        approval,
        payments: names.payments.get(&id).cloned().unwrap_or_default(),
        reason: row.reason,
        offer_id: row.offer_id,
        updated_at: row.updated_at,
        overdue: is_overdue(row.respond_by, row.first_response_at, now),
    })
}

/// The guarantee fee rate an application records (for the agencies' fee figures): the product's stated
/// minimum, the least the agency earns; none when the product states no minimum fee.
pub(crate) fn recorded_fee_bps(spec: &finmart_domain::ProductSpec) -> Option<i32> {
    spec.guarantee.as_ref().and_then(|g| g.fee.min()).map(|f| i32::try_from(f.bps()).unwrap_or(i32::MAX))
}

async fn assemble(db: &impl ConnectionTrait, rows: Vec<application::Model>) -> Result<Vec<Application>, StoreError> {
    let names = names(db, &rows).await?;
    let now = Utc::now();
    rows.into_iter().map(|row| from_row(row, &names, now)).collect()
}

/// Applies a list filter (and its limit, newest first).
fn filtered(mut select: Select<application::Entity>, filter: &ApplicationFilter) -> Select<application::Entity> {
    use application::Column as C;
    if let Some(state) = filter.state {
        select = select.filter(C::State.eq(state.as_str()));
    }
    if let Some(product_id) = filter.product_id {
        select = select.filter(C::ProductId.eq(product_id));
    }
    if let Some(from) = filter.from {
        select = select.filter(C::SubmittedAt.gte(day_start(from)));
    }
    if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
        select = select.filter(C::SubmittedAt.lt(day_start(to)));
    }
    if filter.overdue_only {
        select = select.filter(
            Condition::any()
                .add(Condition::all().add(C::FirstResponseAt.is_null()).add(C::RespondBy.lt(Utc::now())))
                .add(
                    Expr::col((application::Entity, C::FirstResponseAt))
                        .gt(Expr::col((application::Entity, C::RespondBy))),
                ),
        );
    }
    if let Some(cursor) = filter.after {
        select = select.filter(
            Condition::any()
                .add(C::SubmittedAt.lt(cursor.submitted_at))
                .add(Condition::all().add(C::SubmittedAt.eq(cursor.submitted_at)).add(C::Id.lt(cursor.id))),
        );
    }
    let limit = if filter.limit == 0 { DEFAULT_LIMIT } else { Ord::min(filter.limit, MAX_LIST_ROWS) };
    select.order_by_desc(C::SubmittedAt).order_by_desc(C::Id).limit(limit)
}

/// The days an institution has to respond to an application for a product that states no decision time
/// (未说明). The deadline is the platform's, not a fact of the product: it is never shown as the product's
/// decision time, and a product that states one keeps its own.
pub(crate) const RESPONSE_DAYS_WHEN_UNSTATED: u16 = 5;

/// When the institution must first respond to an application for `spec` submitted at `submitted_at`: after
/// the product's stated decision time, else after [`RESPONSE_DAYS_WHEN_UNSTATED`].
pub(crate) fn respond_by(submitted_at: DateTime<Utc>, spec: &ProductSpec) -> DateTime<Utc> {
    submitted_at + TimeDelta::days(i64::from(spec.decision_days.unwrap_or(RESPONSE_DAYS_WHEN_UNSTATED)))
}

/// Whether an application is a first loan (首贷): the firm never borrowed from a bank, or the product is a
/// first loan, as its main family or a further one.
pub(crate) fn first_loan(profile: &EnterpriseProfile, spec: &ProductSpec) -> bool {
    profile.ever_borrowed == Some(false) || spec.is_in(ProductFamily::FirstLoan)
}

/// Whether an application for `spec` counts as a credit loan (信用贷款) in the figures: the product asks for
/// no collateral and no guarantee. Only 纯信用 counts: terms that are not stated may ask for collateral, and
/// "credit or collateral" leaves the choice to the loan, which the application does not record; the
/// column is a plain flag, so those count as not known to be credit loans.
pub(crate) fn credit_loan(spec: &ProductSpec) -> bool {
    spec.collateral == CollateralTerms::NoneRequired && spec.guarantee.is_none()
}

/// Why `value` is refused by a product whose range is `range`, if it is: only a bound the product states
/// refuses. A bound it leaves 未说明 refuses nothing (the lender decides, 以银行审批为准), so a product
/// offering "最高 1000 万元" takes any amount up to 1000 万.
fn outside<T: Ord + Copy + std::fmt::Debug>(
    range: &StatedRange<T>,
    value: T,
    what: &str,
    show: impl Fn(T) -> String,
) -> Option<ValueError> {
    if range.admits(value) != Some(false) {
        return None;
    }
    let message = match (range.min(), range.max()) {
        (Some(min), Some(max)) => format!("{what}应在 {} 至 {} 之间", show(min), show(max)),
        (Some(min), None) => format!("{what}不应低于 {}", show(min)),
        (None, Some(max)) => format!("{what}不应超过 {}", show(max)),
        (None, None) => return None,
    };
    Some(ValueError::Invalid(message))
}

/// Whether a stored application is what `new` (with its checked `fields`) asks for (a retry), rather than
/// another request reusing the key.
fn same_request(row: &application::Model, new: &NewApplication, fields: &ApplicationFields) -> bool {
    row.enterprise_id == new.enterprise_id
        && row.product_id == new.product_id
        && row.amount_fen == fields.amount.fen()
        && row.term_months == i32::from(fields.term.get())
        && row.purpose == fields.purpose.as_str()
        && row.purpose_text == fields.purpose_text
        && row.offer_id == new.offer_id
}

/// The row submitted under `(account, key)`, if any.
async fn by_key(
    db: &impl ConnectionTrait,
    account_id: i64,
    key: &str,
) -> Result<Option<application::Model>, StoreError> {
    Ok(application::Entity::find()
        .filter(application::Column::ApplicantAccountId.eq(account_id))
        .filter(application::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The key of the one open application a firm may have to a product (`application.open_for`, unique).
fn open_key(enterprise_id: i64, product_id: i64) -> String {
    format!("{enterprise_id}:{product_id}")
}

/// The firm's open application to the product, if any.
async fn open_application(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    product_id: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(application::Column::OpenFor.eq(open_key(enterprise_id, product_id)))
        .into_tuple()
        .one(db)
        .await?)
}

/// `update` releasing the open-application key when the step leaves the open states (rejected, withdrawn,
/// disbursed): the firm may then apply to the product again. One small helper, so the transition's own
/// columns stay the transition's.
fn release_when_closed(
    update: sea_orm::UpdateMany<application::Entity>,
    to: ApplicationState,
) -> sea_orm::UpdateMany<application::Entity> {
    if to.is_open() {
        update
    } else {
        update.col_expr(application::Column::OpenFor, Expr::value(Option::<String>::None))
    }
}

impl Store {
    /// Submits an application, once per (applicant account, idempotency key). Returns it and whether it
    /// was created now (`false`: the same request was submitted before, and that one is returned).
    ///
    /// The enterprise's stored profile is copied into the application; the institution is notified; the
    /// audit entry `application.submit` (subject and both parties filled in here) is written with it. A firm
    /// has at most one open application per product: the database's unique key on `open_for` refuses a
    /// second, also when two submissions race.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad key, amount, term or text; [`StoreError::NotListed`] when the
    /// product is not listed today; [`StoreError::KeyReused`] when the key was used for a different
    /// request; [`StoreError::DuplicateApplication`] when the firm has an open application to the product;
    /// [`StoreError::NotFound`] for an unknown product or enterprise; database failure.
    pub async fn submit_application(
        &self,
        new: &NewApplication,
        event: &AuditEvent<'_>,
    ) -> Result<(Application, bool), StoreError> {
        self.submit_application_checked(new, event, |_, _| Ok::<(), StoreError>(())).await
    }

    /// [`Self::submit_application`], with `check` asked first whether the firm, by the stored profile that
    /// the application will carry, may apply to the product (its eligibility, which the store does not
    /// judge): its refusal is returned and nothing is written. A retry of a request submitted before (same
    /// key) returns the stored application without asking again.
    ///
    /// # Errors
    /// As [`Self::submit_application`], and `check`'s refusal.
    pub async fn submit_application_checked<E: From<StoreError>>(
        &self,
        new: &NewApplication,
        event: &AuditEvent<'_>,
        check: impl FnOnce(&finmart_domain::Product, &EnterpriseProfile) -> Result<(), E>,
    ) -> Result<(Application, bool), E> {
        match self.submit_with(new, event, check).await {
            Ok(answer) => answer,
            Err(e) => Err(e.into()),
        }
    }

    /// The work of [`Self::submit_application_checked`]: the store's own failures as `Err`, `check`'s
    /// refusal (nothing written) as `Ok(Err(_))`.
    async fn submit_with<E>(
        &self,
        new: &NewApplication,
        event: &AuditEvent<'_>,
        check: impl FnOnce(&finmart_domain::Product, &EnterpriseProfile) -> Result<(), E>,
    ) -> Result<Result<(Application, bool), E>, StoreError> {
        let fields = new.input().check().map_err(StoreError::Invalid)?;
        let key = fields.idempotency_key.as_str();
        if let Some(row) = by_key(&self.db, new.applicant_account_id, key).await? {
            return self.existing(row, new, &fields).await.map(Ok);
        }
        let product = self
            .product(new.product_id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Product, key: new.product_id.to_string() })?;
        if !product.is_listed_on(shanghai_today()) {
            return Err(StoreError::NotListed);
        }
        if new.offer_id.is_none() {
            // An offer's terms are the institution's own; a direct application stays within the product.
            let mut errors = FieldErrors::default();
            let spec = &product.spec;
            if let Some(refusal) = outside(&spec.amount, fields.amount, "申请金额", Fen::display_zh) {
                errors.push("amount", refusal);
            }
            if let Some(refusal) = outside(&spec.term, fields.term, "申请期限", Months::display_zh) {
                errors.push("term", refusal);
            }
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
        }
        let enterprise = self
            .enterprise(new.enterprise_id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Enterprise, key: new.enterprise_id.to_string() })?;
        // The first open application is where the firm should go (the unique key below decides a race), unless
        // it is this very request, submitted by a racing twin a moment ago.
        if let Some(existing) = open_application(&self.db, new.enterprise_id, product.id).await? {
            if let Some(row) = by_key(&self.db, new.applicant_account_id, key).await? {
                return self.existing(row, new, &fields).await.map(Ok);
            }
            return Err(StoreError::DuplicateApplication { existing });
        }
        let profile = &enterprise.profile;
        if let Err(refused) = check(&product, profile) {
            return Ok(Err(refused));
        }
        let snapshot =
            serde_json::to_string(profile).map_err(|source| StoreError::Encode { what: "profile", source })?;
        let now = Utc::now();
        let respond_by = respond_by(now, &product.spec);

        // The insert is the transaction's first statement: on SQLite it takes the write lock at once (waiting
        // its turn), and on any backend a racing twin fails on the unique index here.
        let txn = self.write_txn().await?;
        let inserted = application::ActiveModel {
            enterprise_id: Set(new.enterprise_id),
            product_id: Set(product.id),
            institution_id: Set(product.institution.id),
            guarantee_agency_id: Set(product.guarantee_agency.as_ref().map(|a| a.id)),
            applicant_account_id: Set(new.applicant_account_id),
            idempotency_key: Set(key.to_owned()),
            amount_fen: Set(fields.amount.fen()),
            term_months: Set(i32::from(fields.term.get())),
            purpose: Set(fields.purpose.as_str().to_owned()),
            purpose_text: Set(fields.purpose_text.clone()),
            profile: Set(snapshot),
            district: Set(profile.district.code()),
            industry: Set(profile.industry.as_str().to_owned()),
            scale: Set(profile.scale().map(|s| s.as_str().to_owned())),
            family: Set(product.spec.family.as_str().to_owned()),
            qualifications: Set(profile.qualification_list().iter().map(|q| q.as_str()).collect::<Vec<_>>().join("|")),
            first_loan: Set(first_loan(profile, &product.spec)),
            credit_loan: Set(credit_loan(&product.spec)),
            guarantee_fee_bps: Set(recorded_fee_bps(&product.spec)),
            state: Set(ApplicationState::Submitted.as_str().to_owned()),
            submitted_at: Set(now),
            respond_by: Set(respond_by),
            first_response_at: Set(None),
            decided_at: Set(None),
            disbursed_at: Set(None),
            disbursed_amount_fen: Set(None),
            disbursed_rate_bps: Set(None),
            disbursed_term_months: Set(None),
            disbursed_on: Set(None),
            approval: Set(None),
            reason: Set(None),
            offer_id: Set(new.offer_id),
            updated_at: Set(now),
            open_for: Set(Some(open_key(new.enterprise_id, product.id))),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            // A racing twin won: the same request (its key) is returned, another open application refuses.
            Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                if let Some(row) = by_key(&self.db, new.applicant_account_id, key).await? {
                    return self.existing(row, new, &fields).await.map(Ok);
                }
                let existing = open_application(&self.db, new.enterprise_id, product.id).await?;
                return Err(
                    existing.map_or(StoreError::Db(e), |existing| StoreError::DuplicateApplication { existing })
                );
            }
            Err(e) => return Err(e.into()),
        };
        let id = row.id;
        event_row(
            &row,
            Step {
                at: now,
                from: None,
                to: ApplicationState::Submitted,
                account_id: Some(new.applicant_account_id),
                side: Side::Enterprise,
                note: json!({}).to_string(),
                figures: Figures::STEP,
            },
        )
        .insert(&txn)
        .await?;
        let app = assemble(&txn, vec![row]).await?.pop().ok_or_else(|| not_found(id))?;
        let submitted = Notice::Application {
            step: ApplicationState::Submitted,
            application_id: id,
            facts: ApplicationFacts::of(&app),
        };
        // Both sides hear of it: the lender of a new application, the firm that it was received.
        notify(&txn, Party::Institution(app.institution_id), &submitted, now).await?;
        notify(&txn, Party::Enterprise(app.enterprise_id), &submitted, now).await?;
        crate::invitations::mark_applied(&txn, app.enterprise_id, app.product_id, id).await?;
        let mut entry = event.clone();
        entry.action = "application.submit";
        entry.subject_kind = "application";
        entry.subject_id = Some(id);
        entry.enterprise_id = Some(app.enterprise_id);
        entry.institution_id = Some(app.institution_id);
        entry.detail = merged(
            &event.detail,
            json!({
                "product_id": app.product_id, "amount_fen": app.amount.fen(), "term_months": app.term.get(),
                "purpose": app.purpose.as_str(), "offer_id": app.offer_id,
            }),
        );
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(Ok((app, true)))
    }

    /// The application already submitted under a key: returned when the request is the same, else refused.
    async fn existing(
        &self,
        row: application::Model,
        new: &NewApplication,
        fields: &ApplicationFields,
    ) -> Result<(Application, bool), StoreError> {
        if !same_request(&row, new, fields) {
            return Err(StoreError::KeyReused);
        }
        let id = row.id;
        Ok((assemble(&self.db, vec![row]).await?.pop().ok_or_else(|| not_found(id))?, false))
    }

    /// Moves an application one step through its state machine.
    ///
    /// `party_id` is the institution (side [`Side::Institution`]) or the enterprise (side
    /// [`Side::Enterprise`]) acting; an application that is not theirs is [`StoreError::NotFound`]. The
    /// enterprise is notified of every change, and the institution when the enterprise withdraws.
    ///
    /// The act is checked against the product's limits, the request, the approval and the payments so far
    /// (the domain's [`Ledger`]), and written by one update conditional on the application being as it was
    /// read (its state and its last change): of two racing acts, also two payments that would together pass
    /// the approved amount, one wins and the other is refused.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Transition`] with the machine's refusal: the wrong side, a
    /// state that does not allow it (also when another act won a race), or bad fields; database failure.
    pub async fn transition_application(
        &self,
        id: i64,
        action: &ApplicationAction,
        side: Side,
        party_id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<Application, StoreError> {
        use application::Column as C;
        let prepared = self.prepare(id, side, party_id).await?;
        let (before, parts, read_at) = (&prepared.before, &prepared.parts, prepared.read_at);
        let from = before.state;
        let ledger = prepared.ledger();
        let to = action.apply(from, side, &ledger)?;
        let now = Ord::max(Utc::now(), read_at + TimeDelta::microseconds(1));

        // The payments that count after the act, and what it replaces.
        let replaced = match action {
            ApplicationAction::Correct { correction, .. } => correction.part(),
            _ => None,
        };
        let new_payment = match action {
            ApplicationAction::Disburse(d) => Some(d.clone()),
            ApplicationAction::Correct { correction: Correction::Disbursement { to, .. }, .. } => Some(to.clone()),
            _ => None,
        };
        let mut after: Vec<Disbursement> =
            parts.iter().filter(|p| Some(p.id) != replaced).map(|p| p.disbursement.clone()).collect();
        after.extend(new_payment.clone());

        // A reversal of the last payment takes the application back to approved without opening it again: a
        // newer application to the product may hold the key meanwhile.
        let mut update = release_when_closed(application::Entity::update_many(), to)
            .col_expr(C::State, Expr::value(to.as_str()))
            .col_expr(C::UpdatedAt, Expr::value(now));
        if side == Side::Institution && before.first_response_at.is_none() {
            update = update.col_expr(C::FirstResponseAt, Expr::value(now));
        }
        let mut note = json!({});
        match action {
            ApplicationAction::Approve(terms) => {
                note = json!({ "approval": terms });
                update = update
                    .col_expr(C::DecidedAt, Expr::value(now))
                    .col_expr(C::Approval, Expr::value(encode_approval(terms)?));
            }
            ApplicationAction::Reject { reason } => {
                let reason = reason.trim().to_owned();
                note = json!({ "reason": reason });
                update = update.col_expr(C::DecidedAt, Expr::value(now)).col_expr(C::Reason, Expr::value(reason));
            }
            ApplicationAction::Disburse(d) => note = json!({ "disbursement": d }),
            ApplicationAction::Correct { correction, reason } => {
                let payment_before = correction
                    .part()
                    .and_then(|part| parts.iter().find(|p| p.id == part))
                    .map(|p| p.disbursement.clone());
                note = json!({ "correction": CorrectionFacts {
                    correction: correction.clone(),
                    approval_before: before.approval.filter(|_| matches!(correction, Correction::Approval { .. })),
                    payment_before,
                    reason: reason.trim().to_owned(),
                }, "recorded_at": now });
                if let Correction::Approval { terms } = correction {
                    update = update.col_expr(C::Approval, Expr::value(encode_approval(terms)?));
                }
            }
            ApplicationAction::Accept | ApplicationAction::Withdraw => {}
        }
        if matches!(action, ApplicationAction::Disburse(_) | ApplicationAction::Correct { .. }) {
            update = paid_columns(update, &after, before.disbursed_at.unwrap_or(now));
        }
        // The conditional update is the transaction's first statement (see `submit_application`): of two
        // racing acts on the same application as it was read, one updates a row and the other none.
        let txn = self.write_txn().await?;
        let updated = update
            .filter(C::Id.eq(id))
            .filter(C::State.eq(from.as_str()))
            .filter(C::UpdatedAt.eq(read_at))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            txn.rollback().await?;
            let current = application::Entity::find_by_id(id).one(&self.db).await?.ok_or_else(|| not_found(id))?;
            let current = ApplicationState::parse(&current.state).unwrap_or(from);
            return Err(if current == from {
                TransitionError::Changed
            } else {
                TransitionError::NotFromState { action: action.name(), from: current }
            }
            .into());
        }
        // The event copies the row as the update left it (the reason, the application's facts).
        let row_after = application::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| not_found(id))?;
        let step = |at, from, to, figures, note: &serde_json::Value| Step {
            at,
            from: Some(from),
            to,
            account_id: event.account_id,
            side,
            note: note.to_string(),
            figures,
        };
        let recorded = match action {
            ApplicationAction::Disburse(d) => {
                let figures = Figures::payment(&row_after, d.amount.fen(), i32::from(d.term.get()));
                event_row(&row_after, step(now, from, to, figures, &note)).insert(&txn).await?
            }
            ApplicationAction::Correct {
                correction: correction @ (Correction::Disbursement { .. } | Correction::Reversal { .. }),
                ..
            } => {
                // The correction counts where the payment it corrects counted (its day, its time since
                // submission, as a payment), carrying the difference: the figures add up to the right value.
                let part = correction.part().unwrap_or_default();
                let old = disbursement::Entity::find_by_id(part).one(&txn).await?.ok_or_else(|| not_found(id))?;
                let original = match old.event_id {
                    Some(event_id) => application_event::Entity::find_by_id(event_id).one(&txn).await?,
                    None => None,
                };
                let (at, elapsed) = original.map_or((now, None), |e| (e.at, e.elapsed_seconds));
                let figures = Figures::correction(
                    &row_after,
                    (old.amount_fen, old.term_months, elapsed),
                    new_payment.as_ref().map(|d| (d.amount.fen(), i32::from(d.term.get()))),
                );
                let paid = ApplicationState::Disbursed;
                let recorded = event_row(&row_after, step(at, paid, paid, figures, &note)).insert(&txn).await?;
                disbursement::Entity::update_many()
                    .col_expr(disbursement::Column::ReplacedByEventId, Expr::value(recorded.id))
                    .filter(disbursement::Column::Id.eq(part))
                    .filter(disbursement::Column::ReplacedByEventId.is_null())
                    .exec(&txn)
                    .await?;
                if to != from {
                    // The last payment reversed: the application is back to approved, a step of its own that
                    // counts as nothing new.
                    let back = json!({ "after_reversal": recorded.id });
                    event_row(&row_after, step(now, from, to, Figures::UNCOUNTED, &back)).insert(&txn).await?;
                }
                recorded
            }
            ApplicationAction::Correct { .. } => {
                event_row(&row_after, step(now, from, to, Figures::UNCOUNTED, &note)).insert(&txn).await?
            }
            _ => event_row(&row_after, step(now, from, to, Figures::STEP, &note)).insert(&txn).await?,
        };
        if let Some(d) = &new_payment {
            disbursement::ActiveModel {
                application_id: Set(id),
                amount_fen: Set(d.amount.fen()),
                rate_bps: Set(i32::try_from(d.rate.bps()).unwrap_or(i32::MAX)),
                term_months: Set(i32::from(d.term.get())),
                disbursed_on: Set(d.date),
                reason: Set(d.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned)),
                event_id: Set(Some(recorded.id)),
                replaced_by_event_id: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        // The firm is told of every step, the lender of the firm's own (a withdrawal); the facts are the
        // application's as it was asked for, with the step's reason, payment, terms or correction.
        let mut facts = ApplicationFacts::of(before);
        let notice = match action {
            ApplicationAction::Correct { .. } => {
                facts.correction = serde_json::from_value(note["correction"].clone()).ok();
                Notice::Corrected { application_id: id, facts }
            }
            _ => {
                match action {
                    ApplicationAction::Reject { reason } => facts.reason = Some(reason.trim().to_owned()),
                    ApplicationAction::Disburse(d) => facts.disbursement = Some(d.clone()),
                    ApplicationAction::Approve(terms) => facts.approval = Some(*terms),
                    _ => {}
                }
                Notice::Application { step: to, application_id: id, facts }
            }
        };
        notify(&txn, Party::Enterprise(before.enterprise_id), &notice, now).await?;
        if side == Side::Enterprise {
            notify(&txn, Party::Institution(before.institution_id), &notice, now).await?;
        }
        let mut entry = event.clone();
        entry.action = audit_action(action);
        entry.subject_kind = "application";
        entry.subject_id = Some(id);
        entry.enterprise_id = Some(before.enterprise_id);
        entry.institution_id = Some(before.institution_id);
        let mut detail = json!({ "from": from.as_str(), "to": to.as_str() });
        if let (Some(target), Some(extra)) = (detail.as_object_mut(), note.as_object()) {
            target.extend(extra.clone());
        }
        entry.detail = merged(&event.detail, detail);
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        self.application(id).await?.ok_or_else(|| not_found(id))
    }

    /// Whether `action` by `party_id` on `side` would be taken now, and the state it would lead to, without
    /// taking it: what a confirmation restates is then an act that will pass (unless the application
    /// changes meanwhile).
    ///
    /// # Errors
    /// As [`Self::transition_application`].
    pub async fn check_transition(
        &self,
        id: i64,
        action: &ApplicationAction,
        side: Side,
        party_id: i64,
    ) -> Result<ApplicationState, StoreError> {
        let prepared = self.prepare(id, side, party_id).await?;
        Ok(action.apply(prepared.before.state, side, &prepared.ledger())?)
    }

    /// Application `id` as `party_id` on `side` may act on it, with what its acts are checked against.
    async fn prepare(&self, id: i64, side: Side, party_id: i64) -> Result<Prepared, StoreError> {
        let row = application::Entity::find_by_id(id).one(&self.db).await?.ok_or_else(|| not_found(id))?;
        let owner = match side {
            Side::Institution => row.institution_id,
            Side::Enterprise => row.enterprise_id,
        };
        if owner != party_id {
            return Err(not_found(id));
        }
        let read_at = row.updated_at;
        let before = assemble(&self.db, vec![row]).await?.pop().ok_or_else(|| not_found(id))?;
        let product = self
            .product(before.product_id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Product, key: before.product_id.to_string() })?;
        let parts = before.counting_payments();
        Ok(Prepared { before, product, parts, read_at, today: shanghai_today() })
    }

    /// The firm's open application (submitted, accepted or approved) to the product, if any: the one a new
    /// application would be refused for.
    ///
    /// # Errors
    /// Database failure.
    pub async fn open_application(&self, enterprise_id: i64, product_id: i64) -> Result<Option<i64>, StoreError> {
        open_application(&self.db, enterprise_id, product_id).await
    }

    /// One application, whoever it belongs to (callers check who may see it).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn application(&self, id: i64) -> Result<Option<Application>, StoreError> {
        let Some(row) = application::Entity::find_by_id(id).one(&self.db).await? else { return Ok(None) };
        Ok(assemble(&self.db, vec![row]).await?.pop())
    }

    /// An enterprise's applications, newest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn applications_for_enterprise(
        &self,
        enterprise_id: i64,
        filter: &ApplicationFilter,
    ) -> Result<Vec<Application>, StoreError> {
        let select = application::Entity::find().filter(application::Column::EnterpriseId.eq(enterprise_id));
        let rows = filtered(select, filter).all(&self.db).await?;
        assemble(&self.db, rows).await
    }

    /// An institution's inbox: the applications made to it, newest first, filtered.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn inbox(&self, institution_id: i64, filter: &ApplicationFilter) -> Result<Vec<Application>, StoreError> {
        let select = application::Entity::find().filter(application::Column::InstitutionId.eq(institution_id));
        let rows = filtered(select, filter).all(&self.db).await?;
        assemble(&self.db, rows).await
    }

    /// The applications to products a guarantee agency guarantees, newest first, filtered.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn applications_for_agency(
        &self,
        agency_id: i64,
        filter: &ApplicationFilter,
    ) -> Result<Vec<Application>, StoreError> {
        let select = application::Entity::find().filter(application::Column::GuaranteeAgencyId.eq(agency_id));
        let rows = filtered(select, filter).all(&self.db).await?;
        assemble(&self.db, rows).await
    }

    /// Every application (the operator's view), newest first, filtered.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn all_applications(&self, filter: &ApplicationFilter) -> Result<Vec<Application>, StoreError> {
        let rows = filtered(application::Entity::find(), filter).all(&self.db).await?;
        assemble(&self.db, rows).await
    }

    /// An application's history, oldest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn application_events(&self, application_id: i64) -> Result<Vec<ApplicationEvent>, StoreError> {
        use application_event::Column as C;
        application_event::Entity::find()
            .filter(C::ApplicationId.eq(application_id))
            .order_by_asc(C::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let bad = |field: &'static str| corrupt("application_event", row.id, field);
                let state = |s: &str, f: &'static str| ApplicationState::parse(s).map_err(|e| bad(f)(e.to_string()));
                Ok(ApplicationEvent {
                    id: row.id,
                    application_id: row.application_id,
                    at: row.at,
                    from: row.from_state.as_deref().map(|s| state(s, "from_state")).transpose()?,
                    to: state(&row.to_state, "to_state")?,
                    account_id: row.account_id,
                    side: match row.side.as_str() {
                        "institution" => Side::Institution,
                        "enterprise" => Side::Enterprise,
                        other => return Err(bad("side")(format!("unknown side `{other}`"))),
                    },
                    note: serde_json::from_str(&row.note).unwrap_or_else(|_| json!({})),
                })
            })
            .collect()
    }
}

/// A stored application with every payment recorded for it (`payments`, oldest first), read as the pages
/// read it but without the names lists show: what the record check (`record_check`) reads.
///
/// # Errors
/// A column or a payment that no longer parses.
pub(crate) fn read_stored(
    row: application::Model,
    payments: Vec<disbursement::Model>,
    now: DateTime<Utc>,
) -> Result<Application, StoreError> {
    let mut names = Names::default();
    names.payments.insert(row.id, payments.into_iter().map(payment_of).collect::<Result<_, _>>()?);
    from_row(row, &names, now)
}

/// `ours` with the caller's own detail members added (the caller's win only where ours has none).
fn merged(theirs: &serde_json::Value, ours: serde_json::Value) -> serde_json::Value {
    let mut ours = ours;
    if let (Some(target), Some(extra)) = (ours.as_object_mut(), theirs.as_object()) {
        for (k, v) in extra {
            target.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    ours
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{self, Firms, TestDb, TwoBanks, credit_spec};
    use finmart_domain::{LifecycleState, Principal, ProductRecord, Role};

    async fn each(test: impl AsyncFn(TestDb)) {
        for db in testing::all().await {
            test(db).await;
        }
    }

    async fn fixture(store: &Store) -> TwoBanks {
        TwoBanks::create(store, Firms::Discoverable).await
    }

    fn sme(enterprise: i64) -> Principal {
        Principal {
            account_id: 100 + enterprise,
            role: Role::Sme,
            display_name: "企业用户".into(),
            enterprise_id: Some(enterprise),
            institution_id: None,
            provider_id: None,
        }
    }

    fn banker(institution: i64) -> Principal {
        Principal {
            account_id: 200 + institution,
            role: Role::Institution,
            display_name: "银行用户".into(),
            enterprise_id: None,
            institution_id: Some(institution),
            provider_id: None,
        }
    }

    fn new(f: &TwoBanks, key: &str) -> NewApplication {
        f.application(f.product, key)
    }

    async fn submit(store: &Store, f: &TwoBanks, key: &str) -> Application {
        let p = sme(f.enterprise);
        store.submit_application(&new(f, key), &AuditEvent::by(&p, None, "application.submit")).await.unwrap().0
    }

    /// Another firm (the `n`th of its own seed), for tests that need several open applications to one product.
    async fn another_firm(store: &Store, n: usize) -> i64 {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let profile = finmart_synth::profiles(8, n + 1, today).nth(n).unwrap().profile;
        store.save_enterprise(&profile, true).await.unwrap().id
    }

    /// Submits for the `n`th other firm (its own account).
    async fn submit_as(store: &Store, f: &TwoBanks, n: usize, key: &str) -> Application {
        let enterprise = another_firm(store, n).await;
        let request =
            NewApplication { enterprise_id: enterprise, applicant_account_id: 100 + enterprise, ..new(f, key) };
        let p = sme(enterprise);
        store.submit_application(&request, &AuditEvent::by(&p, None, "application.submit")).await.unwrap().0
    }

    async fn act(
        store: &Store,
        id: i64,
        action: ApplicationAction,
        side: Side,
        party: i64,
    ) -> Result<Application, StoreError> {
        let p = match side {
            Side::Institution => banker(party),
            Side::Enterprise => sme(party),
        };
        store.transition_application(id, &action, side, party, &AuditEvent::by(&p, Some("127.0.0.1"), "x")).await
    }

    /// The Chinese reason of the state machine's refusal.
    fn refused(result: Result<Application, StoreError>) -> String {
        match result {
            Err(StoreError::Transition(e)) => e.message_zh(),
            other => panic!("expected the machine's refusal, got {other:?}"),
        }
    }

    /// The application a typed notification is about (its words and link are the web's).
    fn about(n: &crate::Notification) -> Option<i64> {
        match &n.content {
            crate::NotificationContent::Typed(Notice::Application { application_id, .. }) => Some(*application_id),
            _ => None,
        }
    }

    fn disbursement(date: NaiveDate) -> ApplicationAction {
        ApplicationAction::Disburse(Disbursement {
            amount: Fen::wan(40),
            rate: Bps::new(385).unwrap(),
            term: Months::new(12).unwrap(),
            date,
            reason: None,
        })
    }

    fn terms() -> ApplicationAction {
        ApplicationAction::Approve(ApprovalTerms {
            amount: Fen::wan(40),
            rate: finmart_domain::LoanRate::Fixed { rate: Bps::new(385).unwrap() },
            term: Months::new(12).unwrap(),
            method: finmart_domain::RepaymentMethod::EqualInstalment,
        })
    }

    fn pay(amount: Fen) -> ApplicationAction {
        ApplicationAction::Disburse(Disbursement {
            amount,
            rate: Bps::new(385).unwrap(),
            term: Months::new(12).unwrap(),
            date: shanghai_today(),
            reason: None,
        })
    }

    fn correct(correction: Correction) -> ApplicationAction {
        ApplicationAction::Correct { correction, reason: "录入错误".into() }
    }

    /// Submitted, accepted and approved for `terms()` (40 万).
    async fn approved(store: &Store, f: &TwoBanks, key: &str) -> Application {
        let app = submit(store, f, key).await;
        act(store, app.id, ApplicationAction::Accept, Side::Institution, f.bank).await.unwrap();
        act(store, app.id, terms(), Side::Institution, f.bank).await.unwrap()
    }

    /// The payment that counts now with amount `amount`.
    fn part_of(app: &Application, amount: Fen) -> i64 {
        app.payments.iter().find(|p| !p.replaced && p.disbursement.amount == amount).unwrap().id
    }

    /// Every figure of the market and of the bank today, and the financing cost.
    async fn figures(store: &Store, bank: i64) -> Vec<String> {
        let day = shanghai_today();
        let mut out = Vec::new();
        for scope in [crate::stats::Scope::Market, crate::stats::Scope::Institution(bank)] {
            let q = crate::stats::UptakeQuery {
                scope,
                from: day,
                to: day,
                granularity: crate::stats::Granularity::Day,
                filter: crate::stats::UptakeFilter::default(),
            };
            out.push(format!("{:?}", store.uptake(&q).await.unwrap()));
        }
        out.push(format!("{:?}", store.financing_cost(day, day).await.unwrap()));
        out
    }

    #[tokio::test]
    async fn payments_add_up_to_the_approval_and_a_correction_counts_as_if_entered_right() {
        for (wrong, right) in testing::all().await.into_iter().zip(testing::all().await) {
            // Entered wrongly, then corrected.
            let store = &wrong.store;
            let f = fixture(store).await;
            let app = approved(store, &f, "w-1").await;
            assert_eq!(app.approval.unwrap().amount, Fen::wan(40));
            let app = act(store, app.id, pay(Fen::wan(25)), Side::Institution, f.bank).await.unwrap();
            let app = act(store, app.id, pay(Fen::wan(10)), Side::Institution, f.bank).await.unwrap();
            assert_eq!(app.disbursement.as_ref().unwrap().amount, Fen::wan(35));
            // A third part over the approval is refused, naming what is left; nothing changes.
            let over = act(store, app.id, pay(Fen::wan(6)), Side::Institution, f.bank).await;
            let Err(StoreError::Transition(TransitionError::Invalid(e))) = over else { panic!("{over:?}") };
            assert_eq!(e.0[0].error.message_zh(), "累计放款不能超过批准金额 40 万元：已放款 35 万元，本笔最多 5 万元");
            let first = part_of(&app, Fen::wan(25));
            let to = Disbursement {
                amount: Fen::wan(20),
                ..match pay(Fen::wan(20)) {
                    ApplicationAction::Disburse(d) => d,
                    _ => unreachable!(),
                }
            };
            let app =
                act(store, app.id, correct(Correction::Disbursement { part: first, to }), Side::Institution, f.bank)
                    .await
                    .unwrap();
            assert_eq!(app.disbursement.as_ref().unwrap().amount, Fen::wan(30));
            assert_eq!(app.payments.len(), 3, "the corrected payment stays, marked");
            assert_eq!(app.payments.iter().filter(|p| p.replaced).count(), 1);
            // Reversing every payment of a second loan takes it back to approved; it is paid again later.
            let other = approved(store, &f, "w-2").await;
            let other = act(store, other.id, pay(Fen::wan(15)), Side::Institution, f.bank).await.unwrap();
            let part = part_of(&other, Fen::wan(15));
            let other =
                act(store, other.id, correct(Correction::Reversal { part }), Side::Institution, f.bank).await.unwrap();
            assert_eq!((other.state, other.disbursement.as_ref()), (ApplicationState::Approved, None));
            act(store, other.id, pay(Fen::wan(12)), Side::Institution, f.bank).await.unwrap();
            // The firm was told of each correction.
            let told = store.notifications_for(Party::Enterprise(f.enterprise), false).await.unwrap();
            assert_eq!(told.iter().filter(|n| n.kind == "application_corrected").count(), 2);
            let events = store.application_events(app.id).await.unwrap();
            assert!(events.iter().any(|e| e.note.get("correction").is_some()), "the correction is in the timeline");
            assert!(events.iter().filter(|e| e.note.get("disbursement").is_some()).count() == 2, "originals kept");

            // The same loans entered right the first time.
            let store2 = &right.store;
            let g = fixture(store2).await;
            let app2 = approved(store2, &g, "w-1").await;
            act(store2, app2.id, pay(Fen::wan(20)), Side::Institution, g.bank).await.unwrap();
            act(store2, app2.id, pay(Fen::wan(10)), Side::Institution, g.bank).await.unwrap();
            let other2 = approved(store2, &g, "w-2").await;
            act(store2, other2.id, pay(Fen::wan(12)), Side::Institution, g.bank).await.unwrap();

            assert_eq!(figures(store, f.bank).await, figures(store2, g.bank).await, "{}", wrong.backend);
        }
    }

    #[tokio::test]
    async fn an_approval_and_a_payment_outside_their_limits_change_nothing() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let app = submit(store, &f, "l-1").await;
            act(store, app.id, ApplicationAction::Accept, Side::Institution, f.bank).await.unwrap();
            let too_much = ApplicationAction::Approve(ApprovalTerms {
                amount: Fen::wan(5000),
                rate: finmart_domain::LoanRate::Fixed { rate: Bps::new(385).unwrap() },
                term: Months::new(24).unwrap(),
                method: finmart_domain::RepaymentMethod::EqualInstalment,
            });
            let refused = act(store, app.id, too_much, Side::Institution, f.bank).await;
            let Err(StoreError::Transition(TransitionError::Invalid(e))) = refused else { panic!("{refused:?}") };
            let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["amount", "term"]);
            let still = store.application(app.id).await.unwrap().unwrap();
            assert_eq!((still.state, still.approval), (ApplicationState::Accepted, None));
            let app = act(store, app.id, terms(), Side::Institution, f.bank).await.unwrap();
            let late = ApplicationAction::Disburse(Disbursement {
                date: shanghai_today() + chrono::Days::new(1),
                ..match pay(Fen::wan(40)) {
                    ApplicationAction::Disburse(d) => d,
                    _ => unreachable!(),
                }
            });
            assert!(act(store, app.id, late, Side::Institution, f.bank).await.is_err());
            assert!(store.application(app.id).await.unwrap().unwrap().payments.is_empty());
            // Two payments racing for the whole approval: one wins.
            let (a, b) = tokio::join!(
                Box::pin(act(store, app.id, pay(Fen::wan(40)), Side::Institution, f.bank)),
                Box::pin(act(store, app.id, pay(Fen::wan(40)), Side::Institution, f.bank))
            );
            assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
            assert_eq!(store.application(app.id).await.unwrap().unwrap().disbursement.unwrap().amount, Fen::wan(40));
        })
        .await;
    }

    #[tokio::test]
    async fn an_application_goes_through_the_machine_and_every_step_is_kept() {
        // Boxed: the whole walk through the machine is a large future.
        Box::pin(each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let app = submit(store, &f, "k-1").await;
            assert_eq!(app.state, ApplicationState::Submitted, "{}", db.backend);
            assert_eq!(app.institution_id, f.bank);
            assert_eq!(app.product_name, "科创信用贷");
            assert_eq!(app.institution_name, "测试银行");
            assert_eq!(app.profile, store.enterprise(f.enterprise).await.unwrap().unwrap().profile);
            assert_eq!(app.family, ProductFamily::Credit);
            assert_eq!((app.respond_by - app.submitted_at).num_days(), 3);
            assert!(!app.overdue);
            let id = app.id;
            let (i, e) = (Side::Institution, Side::Enterprise);

            // Refused: out of order, the wrong side, the wrong party, missing fields.
            let message = refused(act(store, id, terms(), i, f.bank).await);
            assert_eq!(message, "申请当前为“已提交”，不能执行“审批通过”");
            let message = refused(act(store, id, ApplicationAction::Accept, e, f.enterprise).await);
            assert!(message.contains("金融机构"), "{message}");
            let message = refused(act(store, id, ApplicationAction::Withdraw, i, f.bank).await);
            assert!(message.contains("企业"), "{message}");
            assert!(matches!(
                act(store, id, ApplicationAction::Accept, i, f.other_bank).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(matches!(
                act(store, id, ApplicationAction::Withdraw, e, f.other_enterprise).await,
                Err(StoreError::NotFound { .. })
            ));

            let accepted = act(store, id, ApplicationAction::Accept, i, f.bank).await.unwrap();
            assert_eq!(accepted.state, ApplicationState::Accepted);
            assert!(accepted.first_response_at.is_some());
            let no_reason = act(store, id, ApplicationAction::Reject { reason: " ".into() }, i, f.bank).await;
            assert!(
                matches!(no_reason, Err(StoreError::Transition(TransitionError::Invalid(ref e))) if e.0[0].field == "reason"),
                "{no_reason:?}"
            );
            let approved = act(store, id, terms(), i, f.bank).await.unwrap();
            assert!(approved.decided_at.is_some());
            let early = act(store, id, disbursement(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()), i, f.bank).await;
            assert!(
                matches!(early, Err(StoreError::Transition(TransitionError::Invalid(ref e))) if e.0[0].field == "date"),
                "{early:?}"
            );
            let day = shanghai_today();
            let disbursed = act(store, id, disbursement(day), i, f.bank).await.unwrap();
            assert_eq!(disbursed.state, ApplicationState::Disbursed);
            let d = disbursed.disbursement.unwrap();
            assert_eq!((d.amount, d.rate.bps(), d.term.get(), d.date), (Fen::wan(40), 385, 12, day));
            assert!(disbursed.disbursed_at.is_some());
            let message = refused(act(store, id, ApplicationAction::Withdraw, e, f.enterprise).await);
            assert_eq!(message, "申请当前为“已放款”，不能执行“撤回”");

            let events = store.application_events(id).await.unwrap();
            let steps: Vec<(Option<ApplicationState>, ApplicationState, Side)> =
                events.iter().map(|e| (e.from, e.to, e.side)).collect();
            use ApplicationState as S;
            assert_eq!(
                steps,
                [
                    (None, S::Submitted, e),
                    (Some(S::Submitted), S::Accepted, i),
                    (Some(S::Accepted), S::Approved, i),
                    (Some(S::Approved), S::Disbursed, i),
                ]
            );
            assert_eq!(events[3].note["disbursement"]["amount"], 40_000_000);
            assert!(events.windows(2).all(|w| w[0].at <= w[1].at));

            let to_firm = store.notifications_for(Party::Enterprise(f.enterprise), false).await.unwrap();
            let kinds: Vec<&str> = to_firm.iter().map(|n| n.kind.as_str()).collect();
            assert_eq!(
                kinds,
                ["application_disbursed", "application_approved", "application_accepted", "application_submitted"],
                "the firm is told of each step, its own submission included"
            );
            assert!(to_firm.iter().all(|n| about(n) == Some(id) && n.recipient == Party::Enterprise(f.enterprise)));
            let to_bank = store.notifications_for(Party::Institution(f.bank), false).await.unwrap();
            assert_eq!(to_bank.len(), 1);
            assert_eq!(to_bank[0].kind, "application_submitted");
            assert!(store.notifications_for(Party::Institution(f.other_bank), false).await.unwrap().is_empty());

            let audit = store
                .audit_log(crate::AuditQuery { enterprise_id: Some(f.enterprise), limit: 50, ..Default::default() })
                .await
                .unwrap();
            let actions: Vec<&str> = audit.iter().rev().map(|a| a.action.as_str()).collect();
            assert_eq!(
                actions,
                ["application.submit", "application.accept", "application.approve", "application.disburse"]
            );
            assert!(audit.iter().all(|a| a.institution_id == Some(f.bank) && a.subject_id == Some(id)));

            // Withdrawing tells the bank too; rejecting keeps the reason.
            let second = submit(store, &f, "k-2").await;
            act(store, second.id, ApplicationAction::Withdraw, e, f.enterprise).await.unwrap();
            let to_bank = store.notifications_for(Party::Institution(f.bank), true).await.unwrap();
            assert_eq!(to_bank[0].kind, "application_withdrawn");
            let to_firm = store.notifications_for(Party::Enterprise(f.enterprise), true).await.unwrap();
            assert_eq!(
                (to_firm[0].kind.as_str(), about(&to_firm[0])),
                ("application_withdrawn", Some(second.id))
            );
            let third = submit(store, &f, "k-3").await;
            act(store, third.id, ApplicationAction::Accept, i, f.bank).await.unwrap();
            let rejected =
                act(store, third.id, ApplicationAction::Reject { reason: "资料不全".into() }, i, f.bank).await.unwrap();
            assert_eq!(rejected.reason.as_deref(), Some("资料不全"));
            let firm = store.applications_for_enterprise(f.enterprise, &ApplicationFilter::default()).await.unwrap();
            assert_eq!(firm.iter().map(|a| a.id).collect::<Vec<_>>(), [third.id, second.id, id]);
            assert!(
                store
                    .applications_for_enterprise(f.other_enterprise, &ApplicationFilter::default())
                    .await
                    .unwrap()
                    .is_empty()
            );
        }))
        .await;
    }

    #[tokio::test]
    async fn a_notification_records_its_kind_what_it_is_about_and_its_facts() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let app = submit(store, &f, "facts").await;
            act(store, app.id, ApplicationAction::Accept, Side::Institution, f.bank).await.unwrap();
            let reject = ApplicationAction::Reject { reason: " 资料不全 ".into() };
            act(store, app.id, reject, Side::Institution, f.bank).await.unwrap();

            let facts = ApplicationFacts {
                enterprise_name: app.enterprise_name.clone(),
                institution_name: "测试银行".into(),
                product_name: "科创信用贷".into(),
                amount: Fen::wan(50),
                term: Months::new(12).unwrap(),
                purpose: LoanPurpose::WorkingCapital,
                respond_by: app.respond_by,
                reason: None,
                disbursement: None,
                approval: None,
                correction: None,
            };
            let to_bank = store.notifications_for(Party::Institution(f.bank), false).await.unwrap();
            let submitted =
                Notice::Application { step: ApplicationState::Submitted, application_id: app.id, facts: facts.clone() };
            assert_eq!(to_bank[0].content, crate::NotificationContent::Typed(submitted), "{}", db.backend);
            let to_firm = store.notifications_for(Party::Enterprise(f.enterprise), false).await.unwrap();
            let rejected = Notice::Application {
                step: ApplicationState::Rejected,
                application_id: app.id,
                facts: ApplicationFacts { reason: Some("资料不全".into()), ..facts },
            };
            assert_eq!(to_firm[0].content, crate::NotificationContent::Typed(rejected), "{}", db.backend);

            // As stored: the kind, the records it is about and the facts as JSON; no words, no page.
            let row = crate::entity::notification::Entity::find_by_id(to_firm[0].id)
                .one(store.connection())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (row.kind.as_str(), row.application_id, row.need_id, row.offer_id),
                ("application_rejected", Some(app.id), None, None)
            );
            let stored: serde_json::Value = serde_json::from_str(row.facts.as_deref().unwrap()).unwrap();
            assert_eq!(
                (&stored["reason"], &stored["amount"], &stored["term"], &stored["purpose"]),
                (&json!("资料不全"), &json!(50_000_000), &json!(12), &json!("working_capital"))
            );
            assert!(row.title.is_empty() && row.body.is_empty() && row.link.is_empty());
        })
        .await;
    }

    #[tokio::test]
    async fn one_key_submits_once() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let p = sme(f.enterprise);
            let event = AuditEvent::by(&p, None, "application.submit");
            let (first, created) = store.submit_application(&new(&f, "same"), &event).await.unwrap();
            assert!(created, "{}", db.backend);
            let (again, created) = store.submit_application(&new(&f, " same "), &event).await.unwrap();
            assert!(!created);
            assert_eq!(again.id, first.id);
            let mut other = new(&f, "same");
            other.amount = Fen::wan(60);
            assert!(matches!(store.submit_application(&other, &event).await, Err(StoreError::KeyReused)));
            // The key is the account's own: another account (of another firm) may use the same text.
            let mut someone_else = new(&f, "same");
            (someone_else.applicant_account_id, someone_else.enterprise_id) = (999, f.other_enterprise);
            assert!(store.submit_application(&someone_else, &event).await.unwrap().1);
            assert_eq!(store.all_applications(&ApplicationFilter::default()).await.unwrap().len(), 2);
            assert_eq!(store.unread_count(Party::Institution(f.bank)).await.unwrap(), 2);

            // 8 concurrent submits with one key (to another product: the first is open): one application.
            let second =
                store.save_product(f.bank, LifecycleState::Published, &credit_spec("test-bank", "P-2")).await.unwrap();
            let second = second.product_id();
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let store = store.clone();
                let request = NewApplication { product_id: second, ..new(&f, "raced") };
                tasks.push(tokio::spawn(async move {
                    let p = sme(request.enterprise_id);
                    store.submit_application(&request, &AuditEvent::by(&p, None, "application.submit")).await
                }));
            }
            let mut ids = Vec::new();
            let mut created = 0;
            for task in tasks {
                let (app, new) = task.await.unwrap().unwrap();
                ids.push(app.id);
                created += usize::from(new);
            }
            ids.dedup();
            assert_eq!(ids.len(), 1, "{}: {ids:?}", db.backend);
            assert_eq!(created, 1, "{}", db.backend);
            assert_eq!(store.all_applications(&ApplicationFilter::default()).await.unwrap().len(), 3);
            let raced = store.application_events(ids[0]).await.unwrap();
            assert_eq!(raced.len(), 1);
        })
        .await;
    }

    /// The key column of application `id` (NULL as `None`).
    async fn open_for(store: &Store, id: i64) -> Option<String> {
        application::Entity::find_by_id(id).one(store.connection()).await.unwrap().unwrap().open_for
    }

    /// One open application per firm and product: a second is refused naming the first (nothing written); a
    /// retry of the first is the first; other firms and products are not held back; each way out of the open
    /// states (rejected, withdrawn, disbursed) lets the firm apply again.
    #[tokio::test]
    async fn a_firm_has_one_open_application_per_product() {
        each(async |db| {
            let (store, backend) = (&db.store, db.backend);
            let f = fixture(store).await;
            let p = sme(f.enterprise);
            let event = AuditEvent::by(&p, None, "application.submit");
            let (i, e) = (Side::Institution, Side::Enterprise);
            let first = submit(store, &f, "first").await;
            assert_eq!(open_for(store, first.id).await, Some(format!("{}:{}", f.enterprise, f.product)));

            let refused = store.submit_application(&new(&f, "second"), &event).await;
            let Err(duplicate @ StoreError::DuplicateApplication { existing }) = refused else {
                panic!("{backend}: {refused:?}")
            };
            assert_eq!(existing, first.id);
            assert!(duplicate.message_zh().contains("在途申请"), "{}", duplicate.message_zh());
            assert_eq!(store.all_applications(&ApplicationFilter::default()).await.unwrap().len(), 1, "{backend}");
            assert_eq!(store.unread_count(Party::Institution(f.bank)).await.unwrap(), 1, "nobody told of it");
            // The same request again (its key) is the first, not a refusal.
            let (again, created) = store.submit_application(&new(&f, "first"), &event).await.unwrap();
            assert_eq!((again.id, created), (first.id, false));
            // Another firm, or another product, is not held back.
            submit_as(store, &f, 0, "elsewhere").await;
            let other =
                store.save_product(f.bank, LifecycleState::Published, &credit_spec("test-bank", "P-3")).await.unwrap();
            let request = NewApplication { product_id: other.product_id(), ..new(&f, "other-product") };
            assert!(store.submit_application(&request, &event).await.unwrap().1);

            // Accepted and approved are still open.
            act(store, first.id, ApplicationAction::Accept, i, f.bank).await.unwrap();
            let refused = store.submit_application(&new(&f, "while-accepted"), &event).await;
            assert!(matches!(refused, Err(StoreError::DuplicateApplication { .. })), "{refused:?}");
            act(store, first.id, ApplicationAction::Reject { reason: "资料不全".into() }, i, f.bank).await.unwrap();
            assert_eq!(open_for(store, first.id).await, None, "{backend}: rejected frees the pair");
            let second = submit(store, &f, "after-rejection").await;
            act(store, second.id, ApplicationAction::Withdraw, e, f.enterprise).await.unwrap();
            assert_eq!(open_for(store, second.id).await, None, "{backend}: withdrawn frees the pair");
            let third = submit(store, &f, "after-withdrawal").await;
            act(store, third.id, ApplicationAction::Accept, i, f.bank).await.unwrap();
            act(store, third.id, terms(), i, f.bank).await.unwrap();
            let refused = store.submit_application(&new(&f, "while-approved"), &event).await;
            assert!(matches!(refused, Err(StoreError::DuplicateApplication { existing }) if existing == third.id));
            act(store, third.id, disbursement(shanghai_today()), i, f.bank).await.unwrap();
            assert_eq!(open_for(store, third.id).await, None, "{backend}: disbursed frees the pair");
            assert!(submit(store, &f, "after-loan").await.state.is_open());
            // The rule is the database's: a second key for the pair is refused whoever writes it.
            let twin =
                format!("UPDATE application SET open_for = '{}:{}' WHERE id = {}", f.enterprise, f.product, first.id);
            assert!(store.connection().execute_unprepared(&twin).await.is_err(), "{backend}");
        })
        .await;
    }

    /// Submissions racing with different keys (two tabs, two users of one firm): one open application, every
    /// other refused naming it; nothing of theirs is written.
    #[tokio::test]
    async fn racing_submissions_of_one_firm_make_one_open_application() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let mut tasks = Vec::new();
            for n in 0..8 {
                let store = store.clone();
                let request = new(&f, &format!("tab-{n}"));
                tasks.push(tokio::spawn(async move {
                    let p = sme(request.enterprise_id);
                    store.submit_application(&request, &AuditEvent::by(&p, None, "application.submit")).await
                }));
            }
            let (mut created, mut refused) = (Vec::new(), Vec::new());
            for task in tasks {
                match task.await.unwrap() {
                    Ok((app, true)) => created.push(app.id),
                    Err(StoreError::DuplicateApplication { existing }) => refused.push(existing),
                    other => panic!("{}: {other:?}", db.backend),
                }
            }
            assert_eq!(created.len(), 1, "{}: {created:?}", db.backend);
            assert!(refused.iter().all(|id| *id == created[0]), "{}: {refused:?}", db.backend);
            assert_eq!(store.all_applications(&ApplicationFilter::default()).await.unwrap().len(), 1);
            assert_eq!(store.application_events(created[0]).await.unwrap().len(), 1);
            assert_eq!(store.unread_count(Party::Institution(f.bank)).await.unwrap(), 1);
        })
        .await;
    }

    /// A check asked before anything is written: its refusal is returned whole and nothing is stored; a retry
    /// of a request submitted before is not asked again.
    #[tokio::test]
    async fn a_refusing_check_writes_nothing_and_a_retry_is_not_asked_again() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let p = sme(f.enterprise);
            let event = AuditEvent::by(&p, None, "application.submit");
            let refuse = |_: &finmart_domain::Product, profile: &EnterpriseProfile| -> Result<(), StoreError> {
                let mut errors = FieldErrors::default();
                errors.push("district", ValueError::Invalid(format!("不服务 {}", profile.district.code())));
                Err(StoreError::Invalid(errors))
            };
            let refused = store.submit_application_checked(&new(&f, "checked"), &event, refuse).await;
            assert!(matches!(&refused, Err(StoreError::Invalid(e)) if e.0[0].field == "district"), "{refused:?}");
            assert!(store.all_applications(&ApplicationFilter::default()).await.unwrap().is_empty());
            let first = submit(store, &f, "checked").await;
            let (again, created) = store.submit_application_checked(&new(&f, "checked"), &event, refuse).await.unwrap();
            assert_eq!((again.id, created), (first.id, false), "{}", db.backend);
        })
        .await;
    }

    #[tokio::test]
    async fn two_racing_transitions_cannot_both_win() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let app = submit(store, &f, "k").await;
            let mut tasks = Vec::new();
            for _ in 0..4 {
                let store = store.clone();
                let (id, bank) = (app.id, f.bank);
                tasks.push(tokio::spawn(async move {
                    act(&store, id, ApplicationAction::Accept, Side::Institution, bank).await
                }));
            }
            let mut won = 0;
            for task in tasks {
                match task.await.unwrap() {
                    Ok(_) => won += 1,
                    Err(StoreError::Transition(e)) => assert!(e.message_zh().contains("已受理"), "{e}"),
                    Err(e) => panic!("{}: {e}", db.backend),
                }
            }
            assert_eq!(won, 1, "{}", db.backend);
            assert_eq!(store.application_events(app.id).await.unwrap().len(), 2);
        })
        .await;
    }

    #[tokio::test]
    async fn submissions_need_a_listed_product_and_fitting_terms() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            let p = sme(f.enterprise);
            let event = AuditEvent::by(&p, None, "application.submit");
            let mut big = new(&f, "big");
            big.amount = Fen::wan(5_000);
            big.term = Months::new(120).unwrap();
            let Err(StoreError::Invalid(errors)) = store.submit_application(&big, &event).await else { panic!() };
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["amount", "term"], "{}", db.backend);
            let Err(StoreError::Invalid(errors)) = store.submit_application(&new(&f, ""), &event).await else {
                panic!()
            };
            assert_eq!(errors.0[0].field, "idempotency_key");
            // An offer's terms may leave the product's ranges.
            big.offer_id = Some(1);
            assert!(store.submit_application(&big, &event).await.is_ok());

            store.set_product_state(f.product, LifecycleState::Paused).await.unwrap();
            let refused = store.submit_application(&new(&f, "paused"), &event).await;
            assert!(
                matches!(refused, Err(ref e @ StoreError::NotListed) if e.message_zh() == "产品未上架"),
                "{refused:?}"
            );
            let mut nobody = new(&f, "nobody");
            nobody.product_id = 9_999;
            assert!(matches!(store.submit_application(&nobody, &event).await, Err(StoreError::NotFound { .. })));
        })
        .await;
    }

    /// Only a bound the product states refuses an application: "单户最高 300 万元" takes 1 元 and any term,
    /// and refuses 301 万 naming the one bound it states. A product that states no decision time gives the
    /// lender the platform's response deadline.
    #[tokio::test]
    async fn only_the_bounds_a_product_states_refuse_an_application() {
        each(async |db| {
            let store = &db.store;
            let mut f = fixture(store).await;
            let open = ProductRecord::from_pairs([
                ("institution_code", "test-bank"),
                ("code", "P-OPEN"),
                ("name", "科技贷"),
                ("family", "credit"),
                ("description", "单户最高 300 万元，期限、利率以银行审批为准"),
                ("amount_max_yuan", "3000000"),
                ("districts", "all"),
            ])
            .validate()
            .expect("valid test row")
            .spec;
            assert!(open.amount.min().is_none() && open.term.is_unstated() && open.decision_days.is_none());
            f.product = store.save_product(f.bank, LifecycleState::Published, &open).await.unwrap().product_id();
            let p = sme(f.enterprise);
            let event = AuditEvent::by(&p, None, "application.submit");

            let mut small = new(&f, "small");
            small.amount = Fen::from_fen(100).unwrap();
            small.term = Months::new(120).unwrap();
            let (app, created) = store.submit_application(&small, &event).await.unwrap();
            assert!(created, "{}", db.backend);
            let days = i64::from(RESPONSE_DAYS_WHEN_UNSTATED);
            assert_eq!(app.respond_by - app.submitted_at, TimeDelta::days(days), "{}", db.backend);

            let mut big = new(&f, "big");
            big.amount = Fen::wan(301);
            let Err(StoreError::Invalid(errors)) = store.submit_application(&big, &event).await else { panic!() };
            let found: Vec<(&str, String)> = errors.0.iter().map(|e| (e.field.as_str(), e.error.to_string())).collect();
            assert_eq!(found, [("amount", "申请金额不应超过 300 万元".to_owned())], "{}", db.backend);
        })
        .await;
    }

    #[tokio::test]
    async fn the_inbox_filters_and_marks_late_first_responses() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            // Three firms' open applications to the one product.
            let late = submit(store, &f, "late").await;
            let answered_late = submit_as(store, &f, 0, "answered-late").await;
            let fresh = submit_as(store, &f, 1, "fresh").await;
            // Two were due yesterday.
            let yesterday = Utc::now() - TimeDelta::days(1);
            application::Entity::update_many()
                .col_expr(application::Column::RespondBy, Expr::value(yesterday))
                .filter(application::Column::Id.is_in([late.id, answered_late.id]))
                .exec(store.connection())
                .await
                .unwrap();
            act(store, answered_late.id, ApplicationAction::Accept, Side::Institution, f.bank).await.unwrap();
            act(store, fresh.id, ApplicationAction::Accept, Side::Institution, f.bank).await.unwrap();

            let all = store.inbox(f.bank, &ApplicationFilter::default()).await.unwrap();
            let overdue: Vec<(i64, bool)> = all.iter().map(|a| (a.id, a.overdue)).collect();
            assert_eq!(overdue, [(fresh.id, false), (answered_late.id, true), (late.id, true)], "{}", db.backend);
            let only = ApplicationFilter { overdue_only: true, ..Default::default() };
            let ids: Vec<i64> = store.inbox(f.bank, &only).await.unwrap().iter().map(|a| a.id).collect();
            assert_eq!(ids, [answered_late.id, late.id], "{}", db.backend);

            let accepted = ApplicationFilter { state: Some(ApplicationState::Accepted), ..Default::default() };
            assert_eq!(store.inbox(f.bank, &accepted).await.unwrap().len(), 2);
            let other_product = ApplicationFilter { product_id: Some(f.other_product), ..Default::default() };
            assert!(store.inbox(f.bank, &other_product).await.unwrap().is_empty());
            let today = shanghai_today();
            let days = |from, to| ApplicationFilter { from, to, ..Default::default() };
            assert_eq!(store.inbox(f.bank, &days(Some(today), Some(today))).await.unwrap().len(), 3);
            let tomorrow = today.succ_opt();
            assert!(store.inbox(f.bank, &days(tomorrow, None)).await.unwrap().is_empty());
            assert!(store.inbox(f.bank, &days(None, today.pred_opt())).await.unwrap().is_empty());
            assert!(store.inbox(f.other_bank, &ApplicationFilter::default()).await.unwrap().is_empty());
            let limited = ApplicationFilter { limit: 1, ..Default::default() };
            assert_eq!(store.all_applications(&limited).await.unwrap().len(), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn notifications_are_read_by_their_party_only() {
        each(async |db| {
            let store = &db.store;
            let f = fixture(store).await;
            for (n, key) in ["a", "b", "c"].into_iter().enumerate() {
                submit_as(store, &f, n, key).await;
            }
            let bank = Party::Institution(f.bank);
            assert_eq!(store.unread_count(bank).await.unwrap(), 3, "{}", db.backend);
            let list = store.notifications_for(bank, true).await.unwrap();
            assert!(list.windows(2).all(|w| w[0].id > w[1].id));
            assert_eq!(list[0].kind, "application_submitted");
            assert!(about(&list[0]).is_some() && list[0].recipient == bank);
            let other = Party::Institution(f.other_bank);
            assert!(matches!(store.mark_notification_read(other, list[0].id).await, Err(StoreError::NotFound { .. })));
            let firm = Party::Enterprise(f.enterprise);
            assert!(matches!(store.mark_notification_read(firm, list[0].id).await, Err(StoreError::NotFound { .. })));
            store.mark_notification_read(bank, list[0].id).await.unwrap();
            store.mark_notification_read(bank, list[0].id).await.unwrap();
            assert_eq!(store.unread_count(bank).await.unwrap(), 2);
            assert_eq!(store.notifications_for(bank, true).await.unwrap().len(), 2);
            assert_eq!(store.notifications_for(bank, false).await.unwrap().len(), 3);
            assert_eq!(store.mark_all_read(bank).await.unwrap(), 2);
            assert_eq!(store.unread_count(bank).await.unwrap(), 0);
            assert_eq!(store.unread_count(firm).await.unwrap(), 0);
        })
        .await;
    }

    #[test]
    fn shanghai_days_start_at_utc_sixteen_hundred() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(day_start(day).to_rfc3339(), "2026-11-21T16:00:00+00:00");
        let t = day_start(day) - TimeDelta::seconds(1);
        assert_eq!(shanghai_date(t), NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());
        assert!(is_overdue(t, None, day_start(day)));
        assert!(!is_overdue(day_start(day), Some(t), day_start(day)));
    }
}
