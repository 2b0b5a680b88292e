//! Applications (SME → product): submitting with an idempotency key, the state machine's transitions,
//! the bank's inbox, the SME's list with timelines, and in-app notifications.
//!
//! Who sees an application: the applying enterprise, the product's institution, the guarantee agency of the
//! product, and the operator; anyone else is answered 404, as if it did not exist. Who acts: the
//! institution accepts, approves, rejects and disburses; the enterprise withdraws. An institution user
//! reading an application is a view of the firm's profile, and is logged as one.
//!
//! This file holds the views and the work the API (`api.rs`) and the pages (`pages.rs`) share: access,
//! checking a submission or a transition (each caller parses amounts in its own unit), taking a step.

mod api;
mod notifications;
mod pages;

use crate::http::Feature;
use crate::http::auth::{Caller, agency_of, enterprise_of, lender_of};
use crate::http::error::ApiError;
use crate::http::facts::FactBadges;
use crate::http::format::{Label, shanghai, wan_input};
use crate::http::state::AppState;
use crate::http::verdict;
use crate::template;
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{
    ApplicationAction, ApplicationInput, ApprovalTerms, Bps, Correction, Disbursement, Fen, FieldErrors, Labelled,
    LoanRate, LprTenor, Months, Principal, ReferenceRates, RepaymentMethod, Role, Side, ValueError,
};
use finmart_matching::Loan;
use finmart_store::{
    Application, ApplicationEvent, ApplicationFilter, CorrectionFacts, NewApplication, Notification, Party,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The applications feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "applications",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("sme_applications_parts.html"),
            template!("apply.html"),
            template!("sme_applications.html"),
            template!("sme_applications_detail.html"),
            template!("sme_application_submitted.html"),
            template!("bank_inbox.html"),
            template!("bank_application.html"),
            template!("notifications.html"),
        ],
        ..Feature::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Views

/// A disbursement as reported by the lender.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisbursementView {
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    /// In 万元 as a form takes it (`50`, `12.5`).
    pub amount_wan: String,
    pub rate_bps: u32,
    /// e.g. `3.85%`.
    pub rate_text: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Why the rate or term differs from the approval.
    pub reason: Option<String>,
}

impl From<&Disbursement> for DisbursementView {
    fn from(d: &Disbursement) -> Self {
        Self {
            amount_fen: d.amount.fen(),
            amount_text: d.amount.display_zh(),
            amount_text_en: d.amount.display_en(),
            amount_wan: wan_input(d.amount),
            rate_bps: d.rate.bps(),
            rate_text: d.rate.percent_text(),
            term_months: d.term.get(),
            term_text: d.term.display_zh(),
            term_text_en: d.term.display_en(),
            date: d.date.to_string(),
            reason: d.reason.clone(),
        }
    }
}

/// One recorded payment, with its id (what a correction names).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: i64,
    #[serde(flatten)]
    pub payment: DisbursementView,
    /// Corrected or reversed: it no longer counts.
    pub replaced: bool,
    /// Asia/Shanghai, to the minute.
    pub recorded_at_text: String,
}

/// The approved terms, with the cost they imply for the firm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    /// In 万元 as a form takes it.
    pub amount_wan: String,
    /// `fixed`, `lpr_1y` or `lpr_5y`.
    pub rate_basis: &'static str,
    /// The fixed rate, or the spread over the LPR, in basis points.
    pub rate_bps: i32,
    /// `年利率 3.85%`, `1 年期 LPR + 50BP`.
    pub rate_text: String,
    pub rate_text_en: String,
    /// The annual rate it comes to now (an LPR-based one at the current LPR); none when that LPR was never
    /// entered.
    pub annual_rate_text: Option<String>,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    pub method: Label,
    /// The interest over the whole loan at that rate and method (no fees or subsidies), in fen.
    pub total_interest_fen: Option<i64>,
    pub total_interest_text: Option<String>,
    pub total_interest_text_en: Option<String>,
}

impl ApprovalView {
    fn of(terms: &ApprovalTerms, refs: &finmart_domain::ReferenceRates) -> Self {
        let (rate_basis, rate_bps) = match terms.rate {
            LoanRate::Fixed { rate } => ("fixed", i32::try_from(rate.bps()).unwrap_or(i32::MAX)),
            LoanRate::Lpr { tenor, spread_bps } => (tenor.as_str(), spread_bps),
        };
        let annual = terms.rate.annual(refs);
        let interest = annual.and_then(|rate| {
            let quote = finmart_matching::LoanQuote {
                principal: terms.amount,
                annual_rate: rate,
                term: terms.term,
                method: terms.method,
                guarantee_fee_rate: Bps::ZERO,
                interest_subsidy_rate: Bps::ZERO,
                fee_subsidy_rate: Bps::ZERO,
            };
            finmart_matching::loan_cost(&quote).ok().map(|c| c.total_interest)
        });
        Self {
            amount_fen: terms.amount.fen(),
            amount_text: terms.amount.display_zh(),
            amount_text_en: terms.amount.display_en(),
            amount_wan: wan_input(terms.amount),
            rate_basis,
            rate_bps,
            rate_text: terms.rate.text_zh(),
            rate_text_en: terms.rate.text_en(),
            annual_rate_text: annual.map(Bps::percent_text),
            term_months: terms.term.get(),
            term_text: terms.term.display_zh(),
            term_text_en: terms.term.display_en(),
            method: Label::of(terms.method),
            total_interest_fen: interest.map(Fen::fen),
            total_interest_text: interest.map(Fen::display_zh),
            total_interest_text_en: interest.map(Fen::display_en),
        }
    }
}

/// One step of an application's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Asia/Shanghai, to the minute.
    pub at_text: String,
    /// `null` for the submission.
    pub from: Option<Label>,
    pub to: Label,
    /// `institution` or `enterprise`.
    pub side: &'static str,
    pub side_label: &'static str,
    pub side_label_en: &'static str,
    /// The reason of a rejection.
    pub reason: Option<String>,
    pub disbursement: Option<DisbursementView>,
    /// The terms of an approval.
    pub approval: Option<ApprovalView>,
    /// A correction: what it did, in words, and why.
    pub correction: Option<CorrectionView>,
}

/// A correction as the timeline shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionView {
    /// `approval`, `disbursement` or `reversal`.
    pub kind: &'static str,
    /// `更正审批`, `更正放款`, `冲正放款`.
    pub label: &'static str,
    pub label_en: &'static str,
    /// The payment it corrects or reverses.
    pub part: Option<i64>,
    /// What it was, and what it became (none for a reversal), in words.
    pub before_text: Option<String>,
    pub before_text_en: Option<String>,
    pub after_text: Option<String>,
    pub after_text_en: Option<String>,
    pub reason: String,
    /// When it was recorded (the event itself is dated as what it corrects, where the figures count it).
    pub recorded_at_text: Option<String>,
}

impl CorrectionView {
    fn of(facts: &CorrectionFacts, recorded_at: Option<DateTime<Utc>>) -> Self {
        let payment_zh = Disbursement::text_zh;
        let payment_en = Disbursement::text_en;
        let terms_zh = ApprovalTerms::text_zh;
        let terms_en = ApprovalTerms::text_en;
        let (kind, before, after) = match &facts.correction {
            Correction::Approval { terms } => (
                "approval",
                facts.approval_before.as_ref().map(|t| (terms_zh(t), terms_en(t))),
                Some((terms_zh(terms), terms_en(terms))),
            ),
            Correction::Disbursement { to, .. } => (
                "disbursement",
                facts.payment_before.as_ref().map(|d| (payment_zh(d), payment_en(d))),
                Some((payment_zh(to), payment_en(to))),
            ),
            Correction::Reversal { .. } => {
                ("reversal", facts.payment_before.as_ref().map(|d| (payment_zh(d), payment_en(d))), None)
            }
        };
        let (before_text, before_text_en) = before.map_or((None, None), |(zh, en)| (Some(zh), Some(en)));
        let (after_text, after_text_en) = after.map_or((None, None), |(zh, en)| (Some(zh), Some(en)));
        Self {
            kind,
            label: facts.correction.label_zh(),
            label_en: facts.correction.label_en(),
            part: facts.correction.part(),
            before_text,
            before_text_en,
            after_text,
            after_text_en,
            reason: facts.reason.clone(),
            recorded_at_text: recorded_at.map(shanghai),
        }
    }
}

impl From<&ApplicationEvent> for EventView {
    fn from(e: &ApplicationEvent) -> Self {
        let (side, side_label, side_label_en) = match e.side {
            Side::Institution => ("institution", "金融机构", "Institution"),
            Side::Enterprise => ("enterprise", "企业", "Enterprise"),
        };
        let disbursement = e.note.get("disbursement").and_then(|d| Disbursement::deserialize(d).ok());
        let approval = e.note.get("approval").and_then(|t| ApprovalTerms::deserialize(t).ok());
        let correction = e.note.get("correction").and_then(|c| CorrectionFacts::deserialize(c).ok());
        let recorded_at = e.note.get("recorded_at").and_then(|t| DateTime::<Utc>::deserialize(t).ok());
        Self {
            id: e.id,
            at: e.at,
            at_text: shanghai(e.at),
            from: e.from.map(Label::of),
            to: Label::of(e.to),
            side,
            side_label,
            side_label_en,
            reason: e.note.get("reason").and_then(Value::as_str).map(str::to_owned),
            disbursement: disbursement.as_ref().map(DisbursementView::from),
            approval: approval.as_ref().map(|t| ApprovalView::of(t, &ReferenceRates::default())),
            correction: correction.as_ref().map(|c| CorrectionView::of(c, recorded_at)),
        }
    }
}

/// An application as the API returns it (lists leave out `profile` and `events`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub state: Label,
    pub product_id: i64,
    pub product_name: String,
    pub family: Label,
    pub institution_id: i64,
    pub institution_name: String,
    pub guarantee_agency_id: Option<i64>,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    pub purpose: Label,
    pub purpose_text: String,
    pub submitted_at: DateTime<Utc>,
    /// Asia/Shanghai, to the minute.
    pub submitted_at_text: String,
    /// The first response is due by then (submission plus the product's decision days).
    pub respond_by: DateTime<Utc>,
    pub respond_by_text: String,
    pub first_response_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub disbursed_at: Option<DateTime<Utc>>,
    /// What was paid out: the total of the payments that count, at the latest one's rate, term and date.
    pub disbursement: Option<DisbursementView>,
    /// The approved terms and the interest they imply.
    pub approval: Option<ApprovalView>,
    /// Every payment recorded, with the corrected and reversed ones marked.
    pub payments: Vec<PaymentView>,
    /// What may still be paid out (the approved amount less the payments that count), in fen.
    pub payable_fen: Option<i64>,
    pub payable_text: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The offer on a posted need it came from.
    pub offer_id: Option<i64>,
    /// No first response by `respond_by` (超时未响应).
    pub overdue: bool,
    /// What the caller may do next: `accept`, `approve`, `reject`, `disburse`, `correct`, `withdraw`.
    pub actions: Vec<&'static str>,
    /// The enterprise's profile as submitted (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::http::profile_schema::ProfileSchema>)]
    pub profile: Option<Value>,
    /// Every step, oldest first (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    /// For the product's institution (on the list and on one application): the firm's verified facts as
    /// badges, checked against what the application declares, with the link to its printable credit
    /// summary, while the firm's authorisation of its facts for the institution (or for every institution)
    /// holds; `null` when it does not (never given, withdrawn or ended: nothing older is shown instead).
    /// Absent for every other caller and answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<FactBadges>, nullable)]
    pub verified_facts: Option<Option<FactBadges>>,
}

/// The side a principal acts on, if any.
fn side_of(p: &Principal) -> Option<Side> {
    match p.role {
        Role::Institution => Some(Side::Institution),
        Role::Sme => Some(Side::Enterprise),
        _ => None,
    }
}

/// The actions `side` may take on `app` now: the machine's acts from its state for that side (whether the
/// values of an act hold is checked when it is taken). A payment needs recorded approval terms and something
/// left to pay.
fn allowed_actions(app: &Application, side: Option<Side>) -> Vec<&'static str> {
    let Some(side) = side else { return Vec::new() };
    let payable = app.payable().is_some_and(|left| left > Fen::ZERO);
    ApplicationAction::names_from(app.state)
        .iter()
        .copied()
        .filter(|name| ApplicationAction::side_of(name) == side)
        .filter(|name| *name != "disburse" || payable)
        .collect()
}

impl ApplicationView {
    fn of(app: &Application, side: Option<Side>) -> Self {
        Self {
            id: app.id,
            state: Label::of(app.state),
            product_id: app.product_id,
            product_name: app.product_name.clone(),
            family: Label::of(app.family),
            institution_id: app.institution_id,
            institution_name: app.institution_name.clone(),
            guarantee_agency_id: app.guarantee_agency_id,
            enterprise_id: app.enterprise_id,
            enterprise_name: app.enterprise_name.clone(),
            amount_fen: app.amount.fen(),
            amount_text: app.amount.display_zh(),
            amount_text_en: app.amount.display_en(),
            term_months: app.term.get(),
            term_text: app.term.display_zh(),
            term_text_en: app.term.display_en(),
            purpose: Label::of(app.purpose),
            purpose_text: app.purpose_text.clone(),
            submitted_at: app.submitted_at,
            submitted_at_text: shanghai(app.submitted_at),
            respond_by: app.respond_by,
            respond_by_text: shanghai(app.respond_by),
            first_response_at: app.first_response_at,
            decided_at: app.decided_at,
            disbursed_at: app.disbursed_at,
            disbursement: app.disbursement.as_ref().map(DisbursementView::from),
            approval: app.approval.as_ref().map(|t| ApprovalView::of(t, &ReferenceRates::default())),
            payments: app
                .payments
                .iter()
                .map(|p| PaymentView {
                    id: p.id,
                    payment: DisbursementView::from(&p.disbursement),
                    replaced: p.replaced,
                    recorded_at_text: shanghai(p.recorded_at),
                })
                .collect(),
            payable_fen: app.payable().map(Fen::fen),
            payable_text: app.payable().map(Fen::display_zh),
            reason: app.reason.clone(),
            offer_id: app.offer_id,
            overdue: app.overdue,
            actions: allowed_actions(app, side),
            profile: None,
            events: None,
            verified_facts: None,
        }
    }
}

/// The firms' verified facts on `views` (of `apps`, in the same order) for the lender `p` reading them: each
/// firm's badges, checked against the profile its application carries, while its authorisation of its facts
/// for the lender holds, else `null`; read for the whole list at once, and each firm shown recorded in its
/// view log (`facts`). Nothing for other roles.
///
/// # Errors
/// Database failure.
async fn with_facts(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    apps: &[Application],
    views: &mut [ApplicationView],
) -> Result<(), ApiError> {
    let Some(lender) = p.lender() else { return Ok(()) };
    let firms: Vec<(i64, &finmart_domain::EnterpriseProfile)> =
        apps.iter().map(|a| (a.enterprise_id, &a.profile)).collect();
    let badges = crate::http::facts::badges_for(state, lender, &firms).await?;
    let mut ids: Vec<i64> =
        apps.iter().zip(&badges).filter(|(_, b)| b.is_some()).map(|(a, _)| a.enterprise_id).collect();
    ids.sort_unstable();
    ids.dedup();
    for (view, shown) in views.iter_mut().zip(badges) {
        view.verified_facts = Some(shown);
    }
    crate::http::facts::record_shown(state, caller, p, lender, &ids).await
}

/// The application with its snapshot and timeline, for `p`.
async fn detail_view(state: &AppState, app: &Application, p: &Principal) -> Result<ApplicationView, ApiError> {
    let events = state.store.application_events(app.id).await?.iter().map(EventView::from).collect();
    let profile = serde_json::to_value(&app.profile).map_err(|e| ApiError::internal(&e))?;
    let refs = state.store.reference_rates().await?;
    let approval = app.approval.as_ref().map(|t| ApprovalView::of(t, &refs));
    Ok(ApplicationView {
        profile: Some(profile),
        events: Some(events),
        approval,
        ..ApplicationView::of(app, side_of(p))
    })
}

/// A step an application has still to come, as its timeline shows it (greyed).
#[derive(Debug, Clone, Serialize)]
pub struct UpcomingStep {
    pub to: Label,
    /// What the step is and who takes it.
    pub note: String,
    pub note_en: String,
    /// The names the note was built from (the lender's), for the page to mark as data.
    pub names: Vec<String>,
}

/// The steps still to come on the way to a loan (受理 → 审批通过 → 放款), after the state `app` is in; none
/// once it is decided against, withdrawn or paid out. A lender may also reject at any of them.
fn upcoming_steps(app: &Application) -> Vec<UpcomingStep> {
    use finmart_domain::ApplicationState as S;
    let path = [S::Accepted, S::Approved, S::Disbursed];
    let from = match app.state {
        S::Submitted => 0,
        S::Accepted => 1,
        S::Approved => 2,
        S::Disbursed | S::Rejected | S::Withdrawn => path.len(),
    };
    path[from..]
        .iter()
        .map(|&step| {
            let (note, note_en) = match step {
                S::Accepted => (
                    format!("{}受理申请，应于 {} 前首次答复", app.institution_name, shanghai(app.respond_by)),
                    format!(
                        "{} accepts the application; its first answer is due by {}",
                        app.institution_name,
                        shanghai(app.respond_by)
                    ),
                ),
                S::Approved => (
                    format!("{}审批，确定批准金额、利率和期限", app.institution_name),
                    format!("{} decides, setting the amount, rate and term approved", app.institution_name),
                ),
                _ => (format!("{}放款", app.institution_name), format!("{} pays out the loan", app.institution_name)),
            };
            UpcomingStep { to: Label::of(step), note, note_en, names: vec![app.institution_name.clone()] }
        })
        .collect()
}

/// A list of applications.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationList {
    pub total: usize,
    pub items: Vec<ApplicationView>,
}

/// A notification as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub at_text: String,
    /// `application_submitted`, `application_accepted`, …
    pub kind: String,
    /// In Chinese.
    pub title: String,
    /// In Chinese.
    pub body: String,
    /// In English (in Chinese for a notification sent before notifications had English words).
    pub title_en: String,
    pub body_en: String,
    /// The page it is about.
    pub link: String,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        let words = notifications::words(n);
        Self {
            id: n.id,
            at: n.at,
            at_text: shanghai(n.at),
            kind: n.kind.clone(),
            title: words.title,
            body: words.body,
            title_en: words.title_en,
            body_en: words.body_en,
            link: words.link,
            read: n.read_at.is_some(),
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationList {
    /// Unread notifications in all.
    pub unread: u64,
    pub items: Vec<NotificationView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

// ---------------------------------------------------------------------------------------------------------
// Access

/// The application `id` if `p` may see it, else 404 (never revealing that it exists).
///
/// # Errors
/// 404; database failure.
async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<Application, ApiError> {
    let missing = || ApiError::not_found("申请", "application");
    let app = state.store.application(id).await?.ok_or_else(missing)?;
    let theirs = p.enterprise() == Some(app.enterprise_id) || p.lender() == Some(app.institution_id);
    let guarantor = p.agency().is_some() && p.agency() == app.guarantee_agency_id;
    if p.is_operator() || theirs || guarantor { Ok(app) } else { Err(missing()) }
}

/// Records that an institution user read the application's profile snapshot (no-op for other roles).
///
/// # Errors
/// Database failure.
async fn record_view(state: &AppState, p: &Principal, caller: &Caller, app: &Application) -> Result<(), ApiError> {
    record_view_as(state, p, caller, app, "application").await
}

/// [`record_view`] under `context` (`application`, or `facts` when the firm's verified facts were shown).
async fn record_view_as(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    app: &Application,
    context: &str,
) -> Result<(), ApiError> {
    let Some(lender) = p.lender() else { return Ok(()) };
    let event = caller
        .audit(p, "profile.view")
        .subject("application", app.id)
        .enterprise(app.enterprise_id)
        .institution(lender);
    state
        .store
        .record_profile_view(app.enterprise_id, lender, Some(p.account_id), context, Some(app.id), &event)
        .await?;
    Ok(())
}

/// The firm's verified facts on one application for the lender `p` reading it: `Some(badges)` while the
/// firm's authorisation of its facts for the lender holds (checked against the profile the application
/// carries, and recorded in the firm's view log as `facts`, with the application), `Some(None)` when it
/// does not; `None` for other roles.
///
/// # Errors
/// Database failure.
async fn facts_on(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    app: &Application,
) -> Result<Option<Option<FactBadges>>, ApiError> {
    let Some(lender) = p.lender() else { return Ok(None) };
    let shown =
        crate::http::facts::badges_for(state, lender, &[(app.enterprise_id, &app.profile)]).await?.pop().flatten();
    if shown.is_some() {
        record_view_as(state, p, caller, app, "facts").await?;
    }
    Ok(Some(shown))
}

/// Whose notifications a principal reads: its enterprise's or its institution's; 403 for other roles.
///
/// # Errors
/// 403.
fn party_of(p: &Principal) -> Result<Party, ApiError> {
    match (p.enterprise(), p.lender()) {
        (Some(id), _) => Ok(Party::Enterprise(id)),
        (_, Some(id)) => Ok(Party::Institution(id)),
        _ => Err(ApiError::forbidden()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Checking and taking steps (shared by the API and the forms)

/// Checks a submission by the domain's rules (amount and term parsed by the caller, each in its own unit:
/// yuan in the API, 万元 on the form) and by the product's conditions, judged on the firm's stored profile
/// (the profile the application carries) with the application's amount and term ([`AppState::judge`]), and
/// stores it for `p`'s enterprise: the application, and whether it is new (submitting again with the same
/// idempotency key returns the first, whatever the profile says now). What only the lender can confirm
/// (需向机构确认) does not hold a submission back.
///
/// # Errors
/// 400 for bad fields; 409 for a product not listed, a key used for another request, or an open application
/// to the product already (`duplicate_application`, naming it); 422 for a firm the product's conditions
/// refuse (`ineligible`, every reason with what would change it) or whose profile lacks the facts they need
/// (`profile_incomplete`, naming them).
async fn submit_application(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    enterprise_id: i64,
    product_id: i64,
    input: ApplicationInput<'_>,
) -> Result<(Application, bool), ApiError> {
    let fields = input.check()?;
    let new = NewApplication {
        enterprise_id,
        product_id,
        applicant_account_id: p.account_id,
        idempotency_key: fields.idempotency_key,
        amount: fields.amount,
        term: fields.term,
        purpose: fields.purpose,
        purpose_text: fields.purpose_text,
        offer_id: None,
    };
    let loan = Loan { amount: new.amount, term: new.term };
    // The firm's verified facts, read before the submission's transaction (a rule the product requires
    // verified reads them); by the stored credit code, which the submission does not change.
    let facts = match state.store.enterprise(enterprise_id).await? {
        Some(firm) => state.facts_for(&firm.profile).await?,
        None => Vec::new(),
    };
    let judged = |product: &finmart_domain::Product, profile: &finmart_domain::EnterpriseProfile| {
        verdict::refusal(&state.judge(product, profile, &facts, Some(loan))).map_or(Ok(()), Err)
    };
    state.store.submit_application_checked(&new, &caller.audit(p, "application.submit"), judged).await
}

/// What a transition carries, from the API body or a form (values parsed by the caller in its own units; one
/// not given is `ValueError::Empty`, an error only when the action needs it).
#[derive(Debug, Clone)]
struct TransitionInput {
    action: String,
    reason: Option<String>,
    amount: Result<Fen, ValueError>,
    /// A fixed annual rate (approvals with `rate_basis` fixed, payments).
    rate: Result<Bps, ValueError>,
    term: Result<Months, ValueError>,
    date: Result<NaiveDate, ValueError>,
    /// Approvals: `fixed` (the default), `lpr_1y` or `lpr_5y`.
    rate_basis: String,
    /// Approvals on an LPR: the spread in basis points (`50`, `-20`).
    spread: String,
    /// Approvals: the repayment method.
    method: String,
    /// Corrections: `approval`, `disbursement` or `reversal`.
    correction: String,
    /// Corrections of a payment: its id.
    part: String,
}

/// The approval terms a transition's fields give (an approval, or a correction of one).
fn approval_of(input: &TransitionInput, errors: &mut FieldErrors) -> Option<ApprovalTerms> {
    let amount = errors.check("amount", input.amount.clone());
    let term = errors.check("term", input.term.clone());
    let method = match input.method.trim() {
        "" => errors.check("method", Err::<RepaymentMethod, _>(ValueError::Empty)),
        text => errors.check("method", RepaymentMethod::parse(text)),
    };
    let rate = match input.rate_basis.trim() {
        "" | "fixed" => errors.check("rate", input.rate.clone()).map(|rate| LoanRate::Fixed { rate }),
        basis => {
            let tenor = errors.check("rate_basis", LprTenor::parse(basis));
            let spread = errors.check("spread", finmart_domain::parse_spread(&input.spread));
            tenor.zip(spread).map(|(tenor, spread_bps)| LoanRate::Lpr { tenor, spread_bps })
        }
    };
    Some(ApprovalTerms { amount: amount?, rate: rate?, term: term?, method: method? })
}

/// The payment a transition's fields give (a payment, or the corrected values of one).
fn payment_of(input: &TransitionInput, errors: &mut FieldErrors) -> Option<Disbursement> {
    let amount = errors.check("amount", input.amount.clone());
    let rate = errors.check("rate", input.rate.clone());
    let term = errors.check("term", input.term.clone());
    let date = errors.check("date", input.date.clone());
    let reason = input.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    Some(Disbursement { amount: amount?, rate: rate?, term: term?, date: date?, reason })
}

/// The action a transition asks for, with its fields checked.
///
/// # Errors
/// Every bad field (`action`, `amount`, `rate`, `rate_basis`, `spread`, `term`, `method`, `date`,
/// `correction`, `part`; `reason` is checked by the machine).
fn action_of(input: TransitionInput) -> Result<ApplicationAction, FieldErrors> {
    let mut errors = FieldErrors::default();
    let action = match input.action.trim() {
        "accept" => Some(ApplicationAction::Accept),
        "approve" => approval_of(&input, &mut errors).map(ApplicationAction::Approve),
        "reject" => Some(ApplicationAction::Reject { reason: input.reason.clone().unwrap_or_default() }),
        "withdraw" => Some(ApplicationAction::Withdraw),
        "disburse" => payment_of(&input, &mut errors).map(ApplicationAction::Disburse),
        "correct" => {
            let correction = match input.correction.trim() {
                "approval" => approval_of(&input, &mut errors).map(|terms| Correction::Approval { terms }),
                "disbursement" => {
                    let part = errors.check("part", part_id(&input.part));
                    // The payment's own reason field holds the correction's reason: the corrected values
                    // need none of their own.
                    let to = payment_of(&TransitionInput { reason: None, ..input.clone() }, &mut errors);
                    part.zip(to).map(|(part, to)| Correction::Disbursement { part, to })
                }
                "reversal" => errors.check("part", part_id(&input.part)).map(|part| Correction::Reversal { part }),
                "" => errors.check("correction", Err(ValueError::Empty)),
                other => errors.check(
                    "correction",
                    Err(ValueError::Invalid(format!(
                        "未知更正类型“{}”，可用：approval, disbursement, reversal",
                        other.chars().take(20).collect::<String>()
                    ))),
                ),
            };
            correction.map(|correction| ApplicationAction::Correct {
                correction,
                reason: input.reason.clone().unwrap_or_default(),
            })
        }
        "" => errors.check("action", Err(ValueError::Empty)),
        other => errors.check(
            "action",
            Err(ValueError::Invalid(format!(
                "未知操作“{}”，可用：accept, approve, reject, disburse, correct, withdraw",
                other.chars().take(20).collect::<String>()
            ))),
        ),
    };
    match action {
        Some(action) if errors.is_empty() => Ok(action),
        _ => Err(errors),
    }
}

/// The machine's refusal of the act named in `input` on `app` by `side` before its values are read (the
/// wrong side: 403; a state it is never taken from: 409), so a refusal says what is really wrong.
fn refused_act(app: &Application, side: Side, action: &str) -> Result<(), ApiError> {
    match ApplicationAction::NAMES.iter().find(|n| **n == action.trim()) {
        Some(name) => ApplicationAction::refusal(name, app.state, side)
            .map_or(Ok(()), |e| Err(finmart_store::StoreError::Transition(e).into())),
        None => Ok(()),
    }
}

/// A payment's id as a correction names it.
fn part_id(text: &str) -> Result<i64, ValueError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ValueError::Invalid("请选择要更正的放款记录".to_owned()))
}

/// Takes a transition for `p`: the side and party from the principal. The store runs the state machine
/// once, in its conditional update, and its refusal is answered by `http::error`.
///
/// # Errors
/// 403 for a role that never acts or the wrong side, 404 for an application not theirs, 409 for a state
/// that does not allow it, 400 for bad fields.
async fn take(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    app: &Application,
    action: &ApplicationAction,
) -> Result<Application, ApiError> {
    let (side, party) = match (side_of(p), p.lender(), p.enterprise()) {
        (Some(Side::Institution), Some(lender), _) => (Side::Institution, lender),
        (Some(Side::Enterprise), _, Some(enterprise)) => (Side::Enterprise, enterprise),
        _ => return Err(ApiError::forbidden()),
    };
    let event = caller.audit(p, "application.transition");
    Ok(state.store.transition_application(app.id, action, side, party, &event).await?)
}

/// The applications `p` may list, filtered.
///
/// # Errors
/// Database failure.
async fn list_for(state: &AppState, p: &Principal, filter: &ApplicationFilter) -> Result<Vec<Application>, ApiError> {
    Ok(match p.role {
        Role::Sme => state.store.applications_for_enterprise(enterprise_of(p)?, filter).await?,
        Role::Institution => state.store.inbox(lender_of(p)?, filter).await?,
        Role::Agency => state.store.applications_for_agency(agency_of(p)?, filter).await?,
        Role::Operator => state.store.all_applications(filter).await?,
        Role::Provider => return Err(ApiError::forbidden()),
    })
}
