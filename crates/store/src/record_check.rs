//! The record check: every stored application read against the rules the lending record now enforces, and
//! every record that breaks one reported, with nothing changed.
//!
//! The rules are checked when each act is taken (`ApplicationAction::apply`), but records made before a rule
//! existed (an approval from before approvals carried terms), written around it (bench or imported data, a
//! hand-edited row) or made by a defect may break them, and every figure the platform shows adds these
//! records up. [`Store::record_breaches`] reads them all and reports each breach with the application, the
//! rule (a stable code, a Chinese and an English sentence) and the values it read; `finmart check-record`
//! prints the report. It only reads: a breach is for a person to put right (a correction, with its reason).
//!
//! Each rule is the domain's, applied as it was when the act was taken: an approval is checked by
//! [`Limits::check`] against the product and the reference rates published by the day of the approval, a
//! payment by the state machine's own [`ApplicationAction::apply`] against the approval, the payments
//! recorded before it and the day it was recorded, a profile snapshot by
//! [`finmart_domain::EnterpriseProfile::implausibilities`] on the day of the submission. The product is
//! read as it stands now (product edits keep no complete history): an approval checked against a product
//! whose limits changed since may be reported though it was within them when made; the finding names the
//! product's limits as they are.

use crate::applications::read_stored;
use crate::entity::{application, application_event, disbursement};
use crate::{Application, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::shanghai::date_of as shanghai_date;
use finmart_domain::{
    ApplicationAction, ApplicationState, ApprovalTerms, FieldErrors, Grant, Labelled, Ledger, Limits, Part, Pricing,
    Product, Publication, ReferenceRates, Side, StatedRange, TransitionError,
};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Applications read per page.
const PAGE: u64 = 1_000;
/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 500;

finmart_domain::labelled_enum! {
    /// A rule of the lending record a stored application can break.
    pub enum RecordRule: "record rule" {
        ApprovedWithoutTerms => "approved_without_terms",
            "已审批通过，但未记录批准条件（金额、利率、期限、还款方式）",
            "approved without approval terms (amount, rate, term, repayment method)",
        ApprovalOutsideLimits => "approval_outside_limits",
            "批准条件超出产品的额度、期限、利率或还款方式，或高于申请金额、长于申请期限",
            "approval terms outside the product's limits, above the amount applied for or longer than the term asked",
        PaidAboveApproval => "paid_above_approval",
            "放款合计超过批准金额",
            "payments add up to more than the approved amount",
        PaymentDate => "payment_date",
            "放款日期早于审批通过日，或晚于录入日",
            "a payment dated before the approval or after the day it was recorded",
        PaymentTermsDiffer => "payment_terms_differ",
            "放款利率或期限与批准条件不同，且未说明原因",
            "a payment's rate or term differs from the approval with no reason given",
        DisbursedWithoutPayment => "disbursed_without_payment",
            "状态为已放款，但没有有效的放款记录",
            "disbursed with no payment recorded",
        OpenTwice => "open_twice",
            "同一企业对同一产品的前一份申请尚未办结时又提交了申请",
            "a firm applied to a product while its earlier application to it was still open",
        ImplausibleProfile => "implausible_profile",
            "申请时的企业画像不合常理（如成立晚于所填数据的年度）",
            "the firm's profile at submission contradicts itself or its age (e.g. founded after the year its figures cover)",
        Unreadable => "unreadable",
            "记录无法读取（存储的数据已损坏）",
            "the record cannot be read (a stored value is invalid)",
    }
}

/// One record that breaks one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub application_id: i64,
    pub rule: RecordRule,
    /// What is wrong with this record, in its own figures.
    pub detail_zh: String,
    pub detail_en: String,
    /// The values the rule read: amounts in fen, rates in basis points, terms in months, days as
    /// `YYYY-MM-DD`.
    pub values: serde_json::Value,
}

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordCheck {
    /// How many applications were read.
    pub applications: u64,
    /// Every breach, by application id, then in [`RecordRule`]'s order.
    pub breaches: Vec<Breach>,
    /// Applications whose product could not be read: their approvals could not be checked against its limits
    /// (their payments were checked against the approval). The database's foreign key keeps a product with
    /// applications from being deleted, so this is empty unless rows were restored or copied without it.
    pub without_product: Vec<i64>,
}

impl RecordCheck {
    /// Whether nothing breaks a rule.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.breaches.is_empty()
    }

    /// How many breaches of each rule, in the rules' order (rules nothing breaks are left out).
    #[must_use]
    pub fn counts(&self) -> BTreeMap<RecordRule, usize> {
        let mut counts = BTreeMap::new();
        for b in &self.breaches {
            *counts.entry(b.rule).or_insert(0) += 1;
        }
        counts
    }
}

/// The reference rates as they were published by `day`, corrections applied: what an act of that day was
/// priced by.
fn rates_on(publications: &[Publication], day: NaiveDate) -> ReferenceRates {
    ReferenceRates::current(publications.iter().copied(), day)
}

/// Every message of `errors`, in Chinese and in English.
fn words(errors: &FieldErrors) -> (String, String) {
    let zh = errors.0.iter().map(|e| e.error.message_zh()).collect::<Vec<_>>().join("；");
    let en = errors.0.iter().map(|e| e.error.to_string()).collect::<Vec<_>>().join("; ");
    (zh, en)
}

/// The terms as the report shows them.
fn terms_json(terms: &ApprovalTerms) -> serde_json::Value {
    json!({
        "amount_fen": terms.amount.fen(),
        "rate": terms.rate,
        "term_months": terms.term.get(),
        "method": terms.method.as_str(),
    })
}

/// The checks of one application that read it alone.
struct One<'a> {
    app: &'a Application,
    /// The product as it stands, if it still exists.
    product: Option<&'a Product>,
    publications: &'a [Publication],
    found: Vec<Breach>,
}

impl One<'_> {
    fn breach(&mut self, rule: RecordRule, zh: String, en: String, values: serde_json::Value) {
        self.found.push(Breach { application_id: self.app.id, rule, detail_zh: zh, detail_en: en, values });
    }

    /// The firm's profile as it applied could be true on the day it applied.
    fn profile(&mut self) {
        let day = shanghai_date(self.app.submitted_at);
        let flaws = self.app.profile.implausibilities(day);
        if flaws.is_empty() {
            return;
        }
        let zh = flaws.iter().map(|f| format!("{}：{}", f.kind.label_zh(), f.detail_zh)).collect::<Vec<_>>();
        let en = flaws.iter().map(|f| format!("{}: {}", f.kind.label_en(), f.detail_en)).collect::<Vec<_>>();
        let kinds: Vec<&str> = flaws.iter().map(|f| f.kind.as_str()).collect();
        let values = json!({
            "submitted_on": day,
            "established": self.app.profile.established,
            "revenue_fen": self.app.profile.revenue.fen(),
            "tax_paid_fen": self.app.profile.tax_paid.map(|t| t.fen()),
            "implausibilities": kinds,
        });
        self.breach(
            RecordRule::ImplausibleProfile,
            format!("{} 提交时：{}", day, zh.join("；")),
            format!("submitted on {day}: {}", en.join("; ")),
            values,
        );
    }

    /// The product's limits, as they stand (unstated where the product no longer exists), with the request
    /// and the reference rates of `refs`.
    fn limits<'r>(&'r self, refs: &'r ReferenceRates) -> Limits<'r> {
        const UNSTATED_AMOUNT: StatedRange<finmart_domain::Fen> = StatedRange::UNSTATED;
        const UNSTATED_TERM: StatedRange<finmart_domain::Months> = StatedRange::UNSTATED;
        const NOT_STATED: Pricing = Pricing::NotStated;
        match self.product {
            Some(p) => Limits::of(&p.spec, refs, (self.app.amount, self.app.term)),
            None => Limits {
                amount: &UNSTATED_AMOUNT,
                term: &UNSTATED_TERM,
                pricing: &NOT_STATED,
                methods: None,
                refs,
                asked: (self.app.amount, self.app.term),
            },
        }
    }

    /// An approval carries its terms, within the product's limits and the request, and every payment that
    /// counts is one the state machine would take after the payments recorded before it.
    fn lending(&mut self) {
        let app = self.app;
        let approved = matches!(app.state, ApplicationState::Approved | ApplicationState::Disbursed);
        let Some(terms) = app.approval else {
            if approved {
                let decided = app.decided_at.map(shanghai_date);
                self.breach(
                    RecordRule::ApprovedWithoutTerms,
                    format!(
                        "{}，审批通过于 {}，没有批准金额、利率、期限和还款方式",
                        app.state.label_zh(),
                        decided.map_or_else(|| "未记录的日期".to_owned(), |d| d.to_string())
                    ),
                    format!(
                        "{}, approved on {}, with no approved amount, rate, term or repayment method",
                        app.state.label_en(),
                        decided.map_or_else(|| "an unrecorded day".to_owned(), |d| d.to_string())
                    ),
                    json!({ "state": app.state.as_str(), "approved_on": decided }),
                );
            }
            return;
        };
        // An approval whose time was lost is taken as made on the day of the submission (the earliest it can be).
        let approved_on = app.approved_on().unwrap_or_else(|| shanghai_date(app.submitted_at));
        let approval_refs = rates_on(self.publications, approved_on);
        if self.product.is_some() {
            let mut errors = FieldErrors::default();
            self.limits(&approval_refs).check(
                Grant::Approval,
                terms.amount,
                &terms.rate,
                terms.term,
                Some(terms.method),
                &mut errors,
            );
            if !errors.is_empty() {
                let (zh, en) = words(&errors);
                let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
                let values = json!({
                    "approval": terms_json(&terms),
                    "approved_on": approved_on,
                    "asked": { "amount_fen": app.amount.fen(), "term_months": app.term.get() },
                    "product_id": app.product_id,
                    "fields": fields,
                });
                self.breach(RecordRule::ApprovalOutsideLimits, zh, en, values);
            }
        }

        let counting: Vec<&crate::Payment> = app.payments.iter().filter(|p| !p.replaced).collect();
        if app.state == ApplicationState::Disbursed && counting.is_empty() {
            self.disbursed_without_payment();
        }
        let mut before: Vec<Part> = Vec::new();
        for payment in counting {
            self.payment(payment, &terms, approved_on, &before);
            before.push(Part { id: payment.id, disbursement: payment.disbursement.clone() });
        }
    }

    fn disbursed_without_payment(&mut self) {
        let app = self.app;
        let replaced = app.payments.len();
        self.breach(
            RecordRule::DisbursedWithoutPayment,
            format!("状态为已放款，有效放款记录 0 笔（已冲正或更正 {replaced} 笔）"),
            format!("disbursed, no payment that counts ({replaced} reversed or corrected)"),
            json!({
                "state": app.state.as_str(),
                "disbursed_amount_fen": app.disbursement.as_ref().map(|d| d.amount.fen()),
                "payments_replaced": replaced,
            }),
        );
    }

    /// Payment `payment` as the state machine would take it on the day it was recorded, after `before`.
    fn payment(&mut self, payment: &crate::Payment, terms: &ApprovalTerms, approved_on: NaiveDate, before: &[Part]) {
        let app = self.app;
        let recorded_on = shanghai_date(payment.recorded_at);
        let refs = rates_on(self.publications, recorded_on);
        let ledger = Ledger {
            submitted: shanghai_date(app.submitted_at),
            today: recorded_on,
            limits: self.limits(&refs),
            approval: Some((terms, approved_on)),
            parts: before,
        };
        let d = &payment.disbursement;
        let act = ApplicationAction::Disburse(d.clone());
        let Err(TransitionError::Invalid(errors)) = act.apply(ApplicationState::Approved, Side::Institution, &ledger)
        else {
            return;
        };
        let paid_before: i64 = before.iter().map(|p| p.disbursement.amount.fen()).sum();
        let values = json!({
            "payment_id": payment.id,
            "amount_fen": d.amount.fen(),
            "rate_bps": d.rate.bps(),
            "term_months": d.term.get(),
            "date": d.date,
            "reason": d.reason,
            "recorded_on": recorded_on,
            "approved_on": approved_on,
            "approval": terms_json(terms),
            "paid_before_fen": paid_before,
        });
        // The machine names the field each refusal is about: the amount (the approval's total), the date, or
        // the rate and term (no reason given); a reason too long to keep is not a lending rule.
        let of = |fields: &[&str]| {
            FieldErrors(errors.0.iter().filter(|e| fields.contains(&e.field.as_str())).cloned().collect())
        };
        let amount = of(&["amount"]);
        if !amount.is_empty() {
            let (zh, en) = words(&amount);
            self.breach(
                RecordRule::PaidAboveApproval,
                format!("放款记录 #{}：{zh}", payment.id),
                format!("payment #{}: {en}", payment.id),
                values.clone(),
            );
        }
        if !of(&["date"]).is_empty() {
            self.breach(
                RecordRule::PaymentDate,
                format!(
                    "放款记录 #{} 的放款日期 {}，审批通过日 {approved_on}，录入日 {recorded_on}",
                    payment.id, d.date
                ),
                format!(
                    "payment #{} dated {}, approved on {approved_on}, recorded on {recorded_on}",
                    payment.id, d.date
                ),
                values.clone(),
            );
        }
        let differs = of(&["rate", "term"]);
        if !differs.is_empty() {
            let (zh, en) = words(&differs);
            self.breach(
                RecordRule::PaymentTermsDiffer,
                format!("放款记录 #{}：{zh}", payment.id),
                format!("payment #{}: {en}", payment.id),
                values,
            );
        }
    }
}

/// When an application was open, each period from its start to its end (`None`: open still).
type OpenPeriods = Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>;

/// One application's open periods: from entering submitted, accepted or approved until leaving them (a
/// reversed payment opens it again).
fn open_periods(submitted_at: DateTime<Utc>, events: &[(DateTime<Utc>, ApplicationState)]) -> OpenPeriods {
    let open = |s: ApplicationState| !s.is_final();
    let mut periods = Vec::new();
    let mut since = Some(submitted_at);
    for (at, state) in events {
        match (since, open(*state)) {
            (Some(start), false) => {
                periods.push((start, Some(*at)));
                since = None;
            }
            (None, true) => since = Some(*at),
            _ => {}
        }
    }
    if let Some(start) = since {
        periods.push((start, None));
    }
    periods
}

impl Store {
    /// Every stored application checked against the lending record's rules (see the module documentation);
    /// reads only, changes nothing.
    ///
    /// # Errors
    /// Database failure, or a reference rate that no longer parses (an application that does not is
    /// reported as [`RecordRule::Unreadable`]).
    pub async fn record_breaches(&self) -> Result<RecordCheck, StoreError> {
        let publications: Vec<Publication> =
            self.reference_rate_history().await?.into_iter().filter(|e| !e.corrected).map(|e| e.publication).collect();
        let mut report = RecordCheck::default();
        let mut products: HashMap<i64, Option<Product>> = HashMap::new();
        let now = Utc::now();
        let mut after = 0;
        loop {
            let rows = application::Entity::find()
                .filter(application::Column::Id.gt(after))
                .order_by_asc(application::Column::Id)
                .limit(PAGE)
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let mut payments: HashMap<i64, Vec<disbursement::Model>> = HashMap::new();
            for chunk in rows.chunks(ID_CHUNK) {
                let found = disbursement::Entity::find()
                    .filter(disbursement::Column::ApplicationId.is_in(chunk.iter().map(|r| r.id)))
                    .order_by_asc(disbursement::Column::Id)
                    .all(&self.db)
                    .await?;
                for p in found {
                    payments.entry(p.application_id).or_default().push(p);
                }
            }
            let mut missing: Vec<i64> =
                rows.iter().map(|r| r.product_id).filter(|id| !products.contains_key(id)).collect();
            missing.sort_unstable();
            missing.dedup();
            for product in self.products(&missing).await? {
                products.insert(product.id, Some(product));
            }
            for id in missing {
                products.entry(id).or_insert(None);
            }
            for row in rows {
                report.applications += 1;
                let id = row.id;
                let product_id = row.product_id;
                let app = match read_stored(row, payments.remove(&id).unwrap_or_default(), now) {
                    Ok(app) => app,
                    Err(e) => {
                        let zh = match &e {
                            StoreError::Corrupt { .. } => e.message_zh(),
                            _ => "记录无法读取".to_owned(),
                        };
                        report.breaches.push(Breach {
                            application_id: id,
                            rule: RecordRule::Unreadable,
                            detail_zh: zh,
                            detail_en: e.to_string(),
                            values: json!({}),
                        });
                        continue;
                    }
                };
                let product = products.get(&product_id).and_then(Option::as_ref);
                if product.is_none() {
                    report.without_product.push(id);
                }
                let mut one = One { app: &app, product, publications: &publications, found: Vec::new() };
                one.profile();
                one.lending();
                report.breaches.extend(one.found);
            }
        }
        report.breaches.extend(self.opened_twice().await?);
        report.breaches.sort_by_key(|b| (b.application_id, b.rule));
        Ok(report)
    }

    /// Every application submitted while an earlier one of the same firm to the same product was open
    /// (submitted, accepted or approved), naming the earlier one.
    async fn opened_twice(&self) -> Result<Vec<Breach>, StoreError> {
        use application::Column as C;
        let pairs: Vec<(i64, i64)> = application::Entity::find()
            .select_only()
            .column(C::EnterpriseId)
            .column(C::ProductId)
            .group_by(C::EnterpriseId)
            .group_by(C::ProductId)
            .having(C::Id.count().gt(1))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut found = Vec::new();
        for chunk in pairs.chunks(ID_CHUNK) {
            let firms: Vec<i64> = chunk.iter().map(|(firm, _)| *firm).collect();
            let rows: Vec<(i64, i64, i64, DateTime<Utc>, String)> = application::Entity::find()
                .select_only()
                .column(C::Id)
                .column(C::EnterpriseId)
                .column(C::ProductId)
                .column(C::SubmittedAt)
                .column(C::State)
                .filter(C::EnterpriseId.is_in(firms))
                .order_by_asc(C::SubmittedAt)
                .order_by_asc(C::Id)
                .into_tuple()
                .all(&self.db)
                .await?;
            let rows: Vec<_> =
                rows.into_iter().filter(|(_, firm, product, ..)| chunk.contains(&(*firm, *product))).collect();
            let mut events: HashMap<i64, Vec<(DateTime<Utc>, ApplicationState)>> = HashMap::new();
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            for ids in ids.chunks(ID_CHUNK) {
                let steps: Vec<(i64, DateTime<Utc>, String)> = application_event::Entity::find()
                    .select_only()
                    .column(application_event::Column::ApplicationId)
                    .column(application_event::Column::At)
                    .column(application_event::Column::ToState)
                    .filter(application_event::Column::ApplicationId.is_in(ids.iter().copied()))
                    .filter(application_event::Column::FromState.is_not_null())
                    .order_by_asc(application_event::Column::At)
                    .order_by_asc(application_event::Column::Id)
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                for (app, at, to) in steps {
                    // An unreadable state closes nothing (the application's own row is reported if it is bad).
                    if let Ok(state) = ApplicationState::parse(&to) {
                        events.entry(app).or_default().push((at, state));
                    }
                }
            }
            // Rows are in submission order: each is checked against the open periods of those before it.
            let mut seen: HashMap<(i64, i64), Vec<(i64, OpenPeriods)>> = HashMap::new();
            for (id, firm, product, submitted_at, state) in rows {
                let earlier = seen.entry((firm, product)).or_default();
                let open = earlier.iter().find(|(_, periods)| {
                    periods.iter().any(|(from, to)| *from <= submitted_at && to.is_none_or(|to| submitted_at < to))
                });
                if let Some((first, _)) = open {
                    found.push(Breach {
                        application_id: id,
                        rule: RecordRule::OpenTwice,
                        detail_zh: format!(
                            "企业 #{firm} 于 {} 向产品 #{product} 提交本申请时，其申请 #{first} 尚未办结",
                            shanghai_date(submitted_at)
                        ),
                        detail_en: format!(
                            "firm #{firm} applied to product #{product} on {} while its application #{first} was open",
                            shanghai_date(submitted_at)
                        ),
                        values: json!({
                            "enterprise_id": firm,
                            "product_id": product,
                            "submitted_at": submitted_at,
                            "open_application_id": first,
                            "state": state,
                        }),
                    });
                }
                let periods = open_periods(submitted_at, events.get(&id).map_or(&[][..], Vec::as_slice));
                earlier.push((id, periods));
            }
        }
        Ok(found)
    }
}
