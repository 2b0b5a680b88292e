//! Applications (SME → product): submitting with an idempotency key, the state machine's transitions,
//! the bank's inbox, the SME's list with timelines, and in-app notifications.
//!
//! Who sees an application: the applying enterprise, the product's institution, the guarantee agency of the
//! product, and the operator; anyone else is answered 404, as if it did not exist. Who acts: the
//! institution accepts, approves, rejects and disburses; the enterprise withdraws. An institution user
//! reading an application is a view of the firm's profile, and is logged as one.

mod pages;

use crate::api::parse_id;
use crate::auth::{Auth, Caller, enterprise_of};
use crate::error::{ApiError, ErrorBody};
use crate::params::json_body;
use crate::state::AppState;
use crate::views::{Label, shanghai};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{
    ApplicationAction, ApplicationState, Bps, Disbursement, EnterpriseProfile, Fen, FieldErrors, Labelled, LoanPurpose,
    Months, Principal, Role, Side, TransitionError, ValueError,
};
use finmart_store::{
    Application, ApplicationEvent, ApplicationFilter, AuditEvent, ListCursor, MAX_IDEMPOTENCY_KEY_CHARS,
    NewApplication, Notification, Party,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use pages::{TEMPLATES, pages};

/// The header that may carry the idempotency key instead of the body.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// This module's JSON API, with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, list))
        .routes(routes!(get_one))
        .routes(routes!(transition))
        .routes(routes!(notifications))
        .routes(routes!(unread))
        .routes(routes!(read_one))
        .routes(routes!(read_all))
}

// ---------------------------------------------------------------------------------------------------------
// Views

/// A disbursement as reported by the lender.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisbursementView {
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    pub rate_bps: u32,
    /// e.g. `3.85%`.
    pub rate_text: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

impl From<&Disbursement> for DisbursementView {
    fn from(d: &Disbursement) -> Self {
        Self {
            amount_fen: d.amount.fen(),
            amount_text: d.amount.display_zh(),
            amount_text_en: d.amount.display_en(),
            rate_bps: d.rate.bps(),
            rate_text: d.rate.percent_text(),
            term_months: d.term.get(),
            term_text: d.term.display_zh(),
            term_text_en: d.term.display_en(),
            date: d.date.to_string(),
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
}

impl From<&ApplicationEvent> for EventView {
    fn from(e: &ApplicationEvent) -> Self {
        let (side, side_label, side_label_en) = match e.side {
            Side::Institution => ("institution", "金融机构", "Institution"),
            Side::Enterprise => ("enterprise", "企业", "Enterprise"),
        };
        let disbursement = e
            .note
            .get("disbursement")
            .and_then(|d| serde_json::from_value::<Disbursement>(d.clone()).ok())
            .map(|d| DisbursementView::from(&d));
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
            disbursement,
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
    pub disbursement: Option<DisbursementView>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The offer on a posted need it came from.
    pub offer_id: Option<i64>,
    /// No first response by `respond_by` (超时未响应).
    pub overdue: bool,
    /// What the caller may do next: `accept`, `approve`, `reject`, `disburse`, `withdraw`.
    pub actions: Vec<&'static str>,
    /// The enterprise's profile as submitted (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub profile: Option<Value>,
    /// Every step, oldest first (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// The side a principal acts on, if any.
fn side_of(p: &Principal) -> Option<Side> {
    match p.role {
        Role::Institution => Some(Side::Institution),
        Role::Sme => Some(Side::Enterprise),
        _ => None,
    }
}

/// The calendar day (Asia/Shanghai) an application was submitted on: disbursements cannot predate it.
fn submitted_day(app: &Application) -> NaiveDate {
    finmart_domain::shanghai::date_of(app.submitted_at)
}

/// The actions `side` may take on `app` now, by asking the domain's machine.
fn allowed_actions(app: &Application, side: Option<Side>) -> Vec<&'static str> {
    let Some(side) = side else { return Vec::new() };
    let day = submitted_day(app);
    let probe = [
        ApplicationAction::Accept,
        ApplicationAction::Approve,
        ApplicationAction::Reject { reason: "-".to_owned() },
        ApplicationAction::Disburse(Disbursement { amount: app.amount, rate: Bps::ZERO, term: app.term, date: day }),
        ApplicationAction::Withdraw,
    ];
    probe.iter().filter(|a| a.apply(app.state, side, day).is_ok()).map(ApplicationAction::name).collect()
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
            reason: app.reason.clone(),
            offer_id: app.offer_id,
            overdue: app.overdue,
            actions: allowed_actions(app, side),
            profile: None,
            events: None,
        }
    }
}

/// The application with its snapshot and timeline, for `p`.
async fn detail_view(state: &AppState, app: &Application, p: &Principal) -> Result<ApplicationView, ApiError> {
    let events = state.store.application_events(app.id).await?;
    let mut view = ApplicationView::of(app, side_of(p));
    view.profile = Some(serde_json::to_value(&app.profile).map_err(|e| ApiError::internal(&e))?);
    view.events = Some(events.iter().map(EventView::from).collect());
    Ok(view)
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
    pub title: String,
    pub body: String,
    /// The page it is about.
    pub link: String,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        Self {
            id: n.id,
            at: n.at,
            at_text: shanghai(n.at),
            kind: n.kind.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
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
pub(crate) async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<Application, ApiError> {
    let missing = || ApiError::not_found("申请", "application");
    let app = state.store.application(id).await?.ok_or_else(missing)?;
    let allowed = match p.role {
        Role::Sme => p.enterprise() == Some(app.enterprise_id),
        Role::Institution => p.lender() == Some(app.institution_id),
        Role::Agency => p.agency().is_some() && p.agency() == app.guarantee_agency_id,
        Role::Operator => true,
    };
    if allowed { Ok(app) } else { Err(missing()) }
}

/// Records that an institution user read the application's profile snapshot (no-op for other roles).
///
/// # Errors
/// Database failure.
pub(crate) async fn record_view(
    state: &AppState,
    p: &Principal,
    address: &str,
    app: &Application,
) -> Result<(), ApiError> {
    let Some(lender) = p.lender() else { return Ok(()) };
    let event = AuditEvent::by(p, Some(address), "profile.view")
        .subject("application", app.id)
        .enterprise(app.enterprise_id)
        .institution(lender);
    state
        .store
        .record_profile_view(app.enterprise_id, lender, Some(p.account_id), "application", Some(app.id), &event)
        .await?;
    Ok(())
}

/// Whose notifications a principal reads: its enterprise's or its institution's; 403 for other roles.
///
/// # Errors
/// 403.
pub(crate) fn party_of(p: &Principal) -> Result<Party, ApiError> {
    match (p.enterprise(), p.lender()) {
        (Some(id), _) => Ok(Party::Enterprise(id)),
        (_, Some(id)) => Ok(Party::Institution(id)),
        _ => Err(ApiError::forbidden()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing (shared by the API and the forms)

/// A JSON value's text: a string as given, a number as written.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn not_text(v: &Value) -> ValueError {
    ValueError::Invalid(format!("应为数字或文本，实际为 {}", v.to_string().chars().take(20).collect::<String>()))
}

/// An amount in yuan (`500000`, `50万`, or a JSON number of yuan); zero is refused.
pub(crate) fn amount_of(v: &Value) -> Result<Fen, ValueError> {
    let text = text_of(v).ok_or_else(|| not_text(v))?;
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    let amount = Fen::parse_yuan(&text)?;
    if amount == Fen::ZERO {
        return Err(ValueError::TooSmall { min: "0.01 元".to_owned() });
    }
    Ok(amount)
}

/// A term in months (`12`, `3年`, or a JSON number of months).
pub(crate) fn term_of(v: &Value) -> Result<Months, ValueError> {
    let text = text_of(v).ok_or_else(|| not_text(v))?;
    Months::parse(&text)
}

/// An annual rate in percent (`3.85`, `3.85%`, or a JSON number).
pub(crate) fn rate_of(v: &Value) -> Result<Bps, ValueError> {
    let text = text_of(v).ok_or_else(|| not_text(v))?;
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    Bps::parse_percent(&text)
}

pub(crate) fn date_of(text: &str) -> Result<NaiveDate, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ValueError::Invalid(format!(
            "应为 YYYY-MM-DD 格式的日期，实际为“{}”",
            text.chars().take(20).collect::<String>()
        ))
    })
}

/// What a submission carries, from the API body or the form (amount and term parsed by the caller, each in
/// its own unit: yuan in the API, 万元 on the form).
#[derive(Debug, Clone)]
pub(crate) struct SubmitInput {
    pub product_id: i64,
    pub amount: Result<Fen, ValueError>,
    pub term: Result<Months, ValueError>,
    pub purpose: String,
    pub purpose_text: String,
    pub idempotency_key: Option<String>,
}

/// A required value parsed by the caller: `None` when it was not given.
fn required<T: Copy>(errors: &mut FieldErrors, field: &str, value: &Option<Result<T, ValueError>>) -> Option<T> {
    match value {
        None => {
            errors.push(field, ValueError::Empty);
            None
        }
        Some(Err(e)) => {
            errors.push(field, e.clone());
            None
        }
        Some(Ok(v)) => Some(*v),
    }
}

/// Checks a submission field by field.
///
/// # Errors
/// Every bad field.
pub(crate) fn new_application(
    p: &Principal,
    enterprise_id: i64,
    input: &SubmitInput,
) -> Result<NewApplication, FieldErrors> {
    let mut errors = FieldErrors::default();
    let amount = required(&mut errors, "amount", &Some(input.amount.clone()));
    let term = required(&mut errors, "term", &Some(input.term.clone()));
    let purpose = if input.purpose.trim().is_empty() {
        errors.push("purpose", ValueError::Empty);
        None
    } else {
        LoanPurpose::parse(input.purpose.trim()).map_err(|e| errors.push("purpose", ValueError::from(e))).ok()
    };
    if input.purpose_text.trim().chars().count() > finmart_domain::MAX_NOTE_CHARS {
        errors.push("purpose_text", ValueError::TooLarge { max: format!("{} 个字符", finmart_domain::MAX_NOTE_CHARS) });
    }
    let key = input.idempotency_key.as_deref().map(str::trim).unwrap_or_default();
    if key.is_empty() {
        errors.push(
            "idempotency_key",
            ValueError::Invalid("缺少幂等键（idempotency_key 或 Idempotency-Key 请求头）".to_owned()),
        );
    } else if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        errors.push("idempotency_key", ValueError::TooLarge { max: format!("{MAX_IDEMPOTENCY_KEY_CHARS} 个字符") });
    }
    match (amount, term, purpose) {
        (Some(amount), Some(term), Some(purpose)) if errors.is_empty() => Ok(NewApplication {
            enterprise_id,
            product_id: input.product_id,
            applicant_account_id: p.account_id,
            idempotency_key: key.to_owned(),
            amount,
            term,
            purpose,
            purpose_text: input.purpose_text.trim().to_owned(),
            offer_id: None,
        }),
        _ => Err(errors),
    }
}

/// What a transition carries, from the API body or a form (`None`: not given; values parsed by the caller in
/// its own units).
#[derive(Debug, Clone, Default)]
pub(crate) struct TransitionInput {
    pub action: String,
    pub reason: Option<String>,
    pub amount: Option<Result<Fen, ValueError>>,
    pub rate: Option<Result<Bps, ValueError>>,
    pub term: Option<Result<Months, ValueError>>,
    pub date: Option<String>,
}

/// The action a transition asks for, with its fields checked.
///
/// # Errors
/// Every bad field (`action`, `amount`, `rate`, `term`, `date`; `reason` is checked by the machine).
pub(crate) fn action_of(input: &TransitionInput) -> Result<ApplicationAction, FieldErrors> {
    let mut errors = FieldErrors::default();
    let action = match input.action.trim() {
        "accept" => ApplicationAction::Accept,
        "approve" => ApplicationAction::Approve,
        "reject" => ApplicationAction::Reject { reason: input.reason.clone().unwrap_or_default() },
        "withdraw" => ApplicationAction::Withdraw,
        "disburse" => {
            let amount = required(&mut errors, "amount", &input.amount);
            let rate = required(&mut errors, "rate", &input.rate);
            let term = required(&mut errors, "term", &input.term);
            let date = required(&mut errors, "date", &Some(date_of(input.date.as_deref().unwrap_or_default())));
            match (amount, rate, term, date) {
                (Some(amount), Some(rate), Some(term), Some(date)) => {
                    ApplicationAction::Disburse(Disbursement { amount, rate, term, date })
                }
                _ => return Err(errors),
            }
        }
        "" => {
            errors.push("action", ValueError::Empty);
            return Err(errors);
        }
        other => {
            errors.push(
                "action",
                ValueError::Invalid(format!(
                    "未知操作“{}”，可用：accept, approve, reject, disburse, withdraw",
                    other.chars().take(20).collect::<String>()
                )),
            );
            return Err(errors);
        }
    };
    Ok(action)
}

/// A JSON value that may be absent: `null` and empty text count as not given.
fn given(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
}

/// Why `side` may not take `action` on `app` now, as an API error (403 for the wrong side, 409 for the
/// wrong state, 400 for bad fields); `None` when the machine allows it.
pub(crate) fn refusal(app: &Application, action: &ApplicationAction, side: Side) -> Option<ApiError> {
    match action.apply(app.state, side, submitted_day(app)) {
        Ok(_) => None,
        Err(TransitionError::Invalid(errors)) => Some(errors.into()),
        Err(e @ TransitionError::WrongSide(_)) => {
            Some(ApiError::new(StatusCode::FORBIDDEN, "forbidden", e.message_zh(), e.to_string()))
        }
        Err(e) => Some(ApiError::conflict(e.message_zh(), e.to_string())),
    }
}

/// Takes a transition for `p`: the side and party from the principal, refusals explained.
///
/// # Errors
/// 403 for a role that never acts or the wrong side, 404 for an application not theirs, 409 for a state
/// that does not allow it, 400 for bad fields.
pub(crate) async fn take(
    state: &AppState,
    p: &Principal,
    address: &str,
    app: &Application,
    action: &ApplicationAction,
) -> Result<Application, ApiError> {
    let (side, party) = match (side_of(p), p.lender(), p.enterprise()) {
        (Some(Side::Institution), Some(lender), _) => (Side::Institution, lender),
        (Some(Side::Enterprise), _, Some(enterprise)) => (Side::Enterprise, enterprise),
        _ => return Err(ApiError::forbidden()),
    };
    if let Some(refused) = refusal(app, action, side) {
        return Err(refused);
    }
    let event = AuditEvent::by(p, Some(address), "application.transition");
    Ok(state.store.transition_application(app.id, action, side, party, &event).await?)
}

/// The list filter from a query string: `state`, `product`, `from`, `to` (YYYY-MM-DD, Asia/Shanghai),
/// `overdue`, `limit`.
///
/// # Errors
/// 400 naming the first bad parameter (and, when `strict`, an unknown one).
pub(crate) fn parse_filter(raw: Option<&str>, strict: bool) -> Result<ApplicationFilter, ApiError> {
    let mut filter = ApplicationFilter::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let value = value.trim();
        let bad = |e: ValueError| ApiError::invalid(&key, &e);
        match key.as_ref() {
            _ if value.is_empty() => {}
            "state" => filter.state = Some(ApplicationState::parse(value).map_err(|e| bad(e.into()))?),
            "product" => {
                filter.product_id =
                    Some(parse_id(value).map_err(|_| bad(ValueError::NotANumber(value.chars().take(20).collect())))?)
            }
            "from" => filter.from = Some(date_of(value).map_err(bad)?),
            "to" => filter.to = Some(date_of(value).map_err(bad)?),
            "overdue" => {
                filter.overdue_only = match value {
                    "true" | "1" | "on" => true,
                    "false" | "0" | "off" => false,
                    _ => return Err(bad(ValueError::Invalid("应为 true 或 false".to_owned()))),
                }
            }
            "limit" => {
                filter.limit = value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad(ValueError::Invalid("应为 1–1000 的整数".to_owned())))?;
            }
            "after" => {
                filter.after = Some(ListCursor::parse(value).ok_or_else(|| {
                    bad(ValueError::Invalid("应为上一页末行的游标：提交时间（Unix 微秒）.申请编号".to_owned()))
                })?);
            }
            "lang" if !strict => {}
            other if strict => {
                return Err(ApiError::invalid(
                    &other.chars().take(40).collect::<String>(),
                    &ValueError::Invalid(
                        "未知参数，可用参数：state, product, from, to, overdue, limit, after".to_owned(),
                    ),
                ));
            }
            _ => {}
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::invalid(
            "from",
            &ValueError::InvertedRange { min: from.to_string(), max: to.to_string() },
        ));
    }
    Ok(filter)
}

/// The applications `p` may list, filtered.
///
/// # Errors
/// Database failure.
pub(crate) async fn list_for(
    state: &AppState,
    p: &Principal,
    filter: &ApplicationFilter,
) -> Result<Vec<Application>, ApiError> {
    Ok(match p.role {
        Role::Sme => state.store.applications_for_enterprise(enterprise_of(p)?, filter).await?,
        Role::Institution => state.store.inbox(crate::auth::lender_of(p)?, filter).await?,
        Role::Agency => {
            state.store.applications_for_agency(p.agency().ok_or_else(ApiError::forbidden)?, filter).await?
        }
        Role::Operator => state.store.all_applications(filter).await?,
    })
}

// ---------------------------------------------------------------------------------------------------------
// API handlers

/// The body of `POST /api/v1/applications`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub product_id: i64,
    /// Yuan: a number, or text as people write it (`500000`, `50万`).
    #[schema(value_type = String, example = "500000")]
    pub amount: Value,
    /// Months: a number, or text (`12`, `3年`).
    #[schema(value_type = String, example = "12")]
    pub term: Value,
    /// A loan purpose's machine name or Chinese label (`working_capital`, `流动资金周转`).
    pub purpose: String,
    #[serde(default)]
    pub purpose_text: String,
    /// Chosen by the client, at most 64 characters; or send the `Idempotency-Key` header. Submitting again
    /// with the same key returns the same application (200 instead of 201).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Apply for a product (SME users). Submitting again with the same idempotency key returns the first
/// application (200) instead of creating another (201); the same key with a different body is refused (409).
#[utoipa::path(
    post,
    path = "/api/v1/applications",
    request_body = SubmitBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "The idempotency key, when not in the body")),
    responses(
        (status = 201, description = "Submitted", body = ApplicationView),
        (status = 200, description = "Submitted before with this key: the same application", body = ApplicationView),
        (status = 400, description = "A bad field, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 409, description = "Product not listed, or the key was used for another request", body = ErrorBody),
    ),
    tag = "applications"
)]
async fn submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let enterprise = enterprise_of(&p)?;
    let body: SubmitBody = json_body(&body)?;
    let header = headers.get(IDEMPOTENCY_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let key = match (body.idempotency_key.as_deref().map(str::trim).filter(|k| !k.is_empty()), header) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid(
                "idempotency_key",
                &ValueError::Invalid("请求体与 Idempotency-Key 请求头中的幂等键不一致".to_owned()),
            ));
        }
        (Some(k), _) | (None, Some(k)) => Some(k.to_owned()),
        (None, None) => None,
    };
    if state.store.product(body.product_id).await?.is_none() {
        return Err(ApiError::not_found("产品", "product"));
    }
    let input = SubmitInput {
        product_id: body.product_id,
        amount: amount_of(&body.amount),
        term: term_of(&body.term),
        purpose: body.purpose,
        purpose_text: body.purpose_text,
        idempotency_key: key,
    };
    let new = new_application(&p, enterprise, &input)?;
    let event = AuditEvent::by(&p, Some(&caller.address), "application.submit");
    let (app, created) = state.store.submit_application(&new, &event).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(detail_view(&state, &app, &p).await?)))
}

/// The applications the caller may see: an SME's own, an institution's inbox, those on products an agency
/// guarantees, or all (the operator), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/applications",
    params(
        ("state" = Option<String>, Query, description = "submitted, accepted, approved, rejected, disbursed or withdrawn"),
        ("product" = Option<i64>, Query, description = "Product id"),
        ("from" = Option<String>, Query, description = "Submitted on or after this day (YYYY-MM-DD, Asia/Shanghai)"),
        ("to" = Option<String>, Query, description = "Submitted on or before this day"),
        ("overdue" = Option<bool>, Query, description = "Only those without a first response in time"),
        ("limit" = Option<u64>, Query, description = "1–1000 (default 200)"),
        ("after" = Option<String>, Query, description = "The next page: the rows after `{submitted_at as Unix microseconds}.{id}` of the previous page's last row (lists are newest first)"),
    ),
    responses(
        (status = 200, body = ApplicationList),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ),
    tag = "applications"
)]
async fn list(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<ApplicationList>, ApiError> {
    let filter = parse_filter(raw.as_deref(), true)?;
    let apps = list_for(&state, &p, &filter).await?;
    let side = side_of(&p);
    let items: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, side)).collect();
    Ok(Json(ApplicationList { total: items.len(), items }))
}

/// One application with its profile snapshot and timeline: for the applying enterprise, the product's
/// institution (recorded as a view of the firm's profile), its guarantee agency and the operator.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
    ),
    tag = "applications"
)]
async fn get_one(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = visible(&state, &p, parse_id(&id)?).await?;
    record_view(&state, &p, &caller.address, &app).await?;
    Ok(Json(detail_view(&state, &app, &p).await?))
}

/// The body of a transition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// `accept` (受理), `approve`, `reject`, `disburse` (institution users); `withdraw` (the SME).
    pub action: String,
    /// Required to reject.
    #[serde(default)]
    pub reason: Option<String>,
    /// To disburse: the amount paid out, in yuan (number or text).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "500000")]
    pub amount: Option<Value>,
    /// To disburse: the annual rate in percent (`"3.85"`).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "3.85")]
    pub rate: Option<Value>,
    /// To disburse: the term in months.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "12")]
    pub term: Option<Value>,
    /// To disburse: the day paid out (YYYY-MM-DD), not before the application.
    #[serde(default)]
    pub date: Option<String>,
}

/// Move an application one step: the institution accepts (受理), approves, rejects (with a reason) or
/// disburses (amount, rate, term, date); the SME withdraws before a final decision.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/transitions",
    params(("id" = i64, Path, description = "Application id")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "The application after the step", body = ApplicationView),
        (status = 400, description = "A bad or missing field, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not this side's action, or a role that never acts", body = ErrorBody),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
        (status = 409, description = "Not allowed from the current state (reason in Chinese in `message`)", body = ErrorBody),
    ),
    tag = "applications"
)]
async fn transition(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ApplicationView>, ApiError> {
    let id = parse_id(&id)?;
    if side_of(&p).is_none() {
        return Err(ApiError::forbidden());
    }
    let app = visible(&state, &p, id).await?;
    let body: TransitionBody = json_body(&body)?;
    let input = TransitionInput {
        action: body.action,
        reason: body.reason,
        amount: given(body.amount.as_ref()).map(amount_of),
        rate: given(body.rate.as_ref()).map(rate_of),
        term: given(body.term.as_ref()).map(term_of),
        date: body.date,
    };
    let action = action_of(&input)?;
    let app = take(&state, &p, &caller.address, &app, &action).await?;
    Ok(Json(detail_view(&state, &app, &p).await?))
}

/// The caller's notifications (SME and institution users), newest first, with the unread count.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    params(("unread" = Option<bool>, Query, description = "Only unread ones")),
    responses(
        (status = 200, body = NotificationList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an SME or institution user", body = ErrorBody),
    ),
    tag = "notifications"
)]
async fn notifications(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<NotificationList>, ApiError> {
    let party = party_of(&p)?;
    let mut unread_only = false;
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match (key.as_ref(), value.trim()) {
            ("unread", "true" | "1") => unread_only = true,
            ("unread", "false" | "0" | "") => unread_only = false,
            ("unread", _) => {
                return Err(ApiError::invalid("unread", &ValueError::Invalid("应为 true 或 false".to_owned())));
            }
            (other, _) => {
                return Err(ApiError::invalid(other, &ValueError::Invalid("未知参数，可用参数：unread".to_owned())));
            }
        }
    }
    let items = state.store.notifications_for(party, unread_only).await?;
    let unread = state.store.unread_count(party).await?;
    Ok(Json(NotificationList { unread, items: items.iter().map(NotificationView::from).collect() }))
}

/// How many unread notifications the caller has (what the menu shows); 0 for roles without notifications.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/unread",
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody)),
    tag = "notifications"
)]
async fn unread(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<UnreadCount>, ApiError> {
    let unread = match party_of(&p) {
        Ok(party) => state.store.unread_count(party).await?,
        Err(_) => 0,
    };
    Ok(Json(UnreadCount { unread }))
}

/// Mark one notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    params(("id" = i64, Path, description = "Notification id")),
    responses(
        (status = 200, description = "The unread count after", body = UnreadCount),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such notification of the caller's", body = ErrorBody),
    ),
    tag = "notifications"
)]
async fn read_one(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<UnreadCount>, ApiError> {
    let party = party_of(&p)?;
    let id = parse_id(&id)?;
    state.store.mark_notification_read(party, id).await.map_err(|e| match e {
        finmart_store::StoreError::NotFound { .. } => ApiError::not_found("通知", "notification"),
        other => other.into(),
    })?;
    Ok(Json(UnreadCount { unread: state.store.unread_count(party).await? }))
}

/// Mark every notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    tag = "notifications"
)]
async fn read_all(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<UnreadCount>, ApiError> {
    let party = party_of(&p)?;
    state.store.mark_all_read(party).await?;
    Ok(Json(UnreadCount { unread: state.store.unread_count(party).await? }))
}

// ---------------------------------------------------------------------------------------------------------
// For the pages

fn label_in<T: Labelled>(en: bool, v: T) -> String {
    (if en { v.label_en() } else { v.label_zh() }).to_owned()
}

fn labels_in<T: Labelled>(en: bool, items: &[T]) -> String {
    if items.is_empty() {
        return (if en { "None" } else { "无" }).to_owned();
    }
    items.iter().map(|v| label_in(en, *v)).collect::<Vec<_>>().join(if en { ", " } else { "、" })
}

/// The profile snapshot as rows a person reads (`label`, `value`), in the page's language.
pub(crate) fn profile_rows(profile: &EnterpriseProfile, en: bool) -> Vec<Value> {
    let pick = |zh: &str, english: &str| if en { english.to_owned() } else { zh.to_owned() };
    let money = |f: Fen| if en { f.display_en() } else { f.display_zh() };
    let mut rows = Vec::new();
    let mut row =
        |zh: &str, english: &str, value: String| rows.push(json!({"label": pick(zh, english), "value": value}));
    row("企业名称", "Name", profile.name.clone());
    row("统一社会信用代码", "Credit code", profile.uscc.as_ref().map(ToString::to_string).unwrap_or_default());
    row("所在区", "District", label_in(en, profile.district));
    row("所属行业", "Industry", label_in(en, profile.industry));
    row("企业规模", "Scale", profile.scale().map_or_else(|| pick("无法判定", "Undetermined"), |s| label_in(en, s)));
    row("成立日期", "Established", profile.established.to_string());
    row("从业人员", "Employees", profile.employees.to_string());
    row("上年营业收入", "Last year's revenue", money(profile.revenue));
    if let Some(v) = profile.total_assets {
        row("资产总额", "Total assets", money(v));
    }
    if let Some(v) = profile.total_liabilities {
        row("负债总额", "Total liabilities", money(v));
    }
    if let Some(g) = profile.tax_credit_grade {
        row("纳税信用等级", "Tax credit grade", label_in(en, g));
    }
    if let Some(v) = profile.tax_paid {
        row("上年纳税总额", "Tax paid last year", money(v));
    }
    row("资质", "Qualifications", labels_in(en, &profile.qualifications));
    if !profile.sectors.is_empty() {
        row("重点产业", "Priority sectors", labels_in(en, &profile.sectors));
    }
    if let Some(n) = profile.invention_patents {
        row("发明专利（件）", "Invention patents", n.to_string());
    }
    row("可提供的抵质押物", "Collateral owned", labels_in(en, &profile.collateral));
    if let Some(v) = profile.outstanding_loans {
        row("现有贷款余额", "Outstanding loans", money(v));
    }
    if let Some(b) = profile.ever_borrowed {
        row(
            "曾有银行贷款",
            "Borrowed before",
            if b { pick("有", "Yes") } else { pick("无（首贷户）", "No (first loan)") },
        );
    }
    rows
}
