//! The applications API: submit, list and read applications, move them a step, and the notifications.

use super::{
    ApplicationList, ApplicationView, NotificationList, NotificationView, TransitionInput, UnreadCount, action_of,
    detail_view, facts_on, list_for, party_of, record_view, refused_act, side_of, submit_application, take, visible,
    with_facts,
};
use crate::http::auth::{Auth, Caller, SmeUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json, Query};
use crate::http::format::parse_date;
use crate::http::params::{ApplicationListParams, amount_of, flag, rate_of, term_of};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use finmart_domain::{ApplicationInput, ValueError};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, list))
        .routes(routes!(get_one))
        .routes(routes!(transition))
        .routes(routes!(notifications))
        .routes(routes!(unread))
        .routes(routes!(read_one))
        .routes(routes!(read_all))
}

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

/// Apply for a product (SME users). The firm's stored profile, which the application carries, is checked
/// against the product's conditions with the application's amount and term, as on the product page: a firm
/// that fails one is refused with the reasons and what would change them, and facts the profile lacks are
/// asked for; facts only the lender can confirm do not hold it back. A firm has one open application per
/// product. Submitting again with the same idempotency key returns the first application (200) instead of
/// creating another (201); the same key with a different body is refused (409).
#[utoipa::path(
    post,
    path = "/api/v1/applications",
    request_body = SubmitBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "The idempotency key, when not in the body")),
    responses(
        (status = 201, description = "Submitted", body = ApplicationView),
        (status = 200, description = "Submitted before with this key: the same application", body = ApplicationView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 409, description = "`conflict`: the product is not listed, or the key was used for another request; `duplicate_application`: the firm has an open application to the product (`link` and `application_id` name it)", body = ErrorBody),
        (status = 422, description = "The product's conditions refuse the firm's stored profile (`ineligible`: `reasons` with what would change each), or the profile lacks facts they need (`profile_incomplete`: `reasons` name them, `link` is the profile page)", body = ErrorBody),
    )
)]
async fn submit(
    SmeUser(p, enterprise): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(body): Json<SubmitBody>,
) -> Result<(StatusCode, axum::Json<ApplicationView>), ApiError> {
    let header = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let [key, header] = [body.idempotency_key.as_deref(), header].map(|k| k.map(str::trim).filter(|k| !k.is_empty()));
    if key.zip(header).is_some_and(|(a, b)| a != b) {
        let why = ValueError::Invalid("请求体与 Idempotency-Key 请求头中的幂等键不一致".to_owned());
        return Err(ApiError::invalid("idempotency_key", &why));
    }
    state.store.product(body.product_id).await?.ok_or_else(|| ApiError::not_found("产品", "product"))?;
    let input = ApplicationInput {
        amount: amount_of(&body.amount),
        term: term_of(&body.term),
        purpose: &body.purpose,
        purpose_text: &body.purpose_text,
        idempotency_key: key.or(header),
    };
    let (app, created) = submit_application(&state, &p, &caller, enterprise, body.product_id, input).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(detail_view(&state, &app, &p).await?)))
}

/// The applications the caller may see: an SME's own, an institution's inbox, those on products an agency
/// guarantees, or all (the operator), newest first. For an institution each carries `verified_facts`: the
/// firm's verified facts as badges while its authorisation of its facts for the institution holds, else
/// `null` (each firm shown is recorded in its view log as `facts`, once a day).
#[utoipa::path(
    get,
    path = "/api/v1/applications",
    params(ApplicationListParams),
    responses(
        (status = 200, body = ApplicationList),
    )
)]
async fn list(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Query(params): Query<ApplicationListParams>,
) -> Result<axum::Json<ApplicationList>, ApiError> {
    let apps = list_for(&state, &p, &params.filter()?).await?;
    let mut items: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, side_of(&p))).collect();
    with_facts(&state, &p, &caller, &apps, &mut items).await?;
    Ok(axum::Json(ApplicationList { total: items.len(), items }))
}

/// One application with its profile snapshot and timeline: for the applying enterprise, the product's
/// institution (recorded as a view of the firm's profile; with `verified_facts`, the firm's verified facts
/// as badges while its authorisation of them holds, else `null`), its guarantee agency and the operator.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}",
    params(("id" = i64, Path, description = "Application id", minimum = 1)),
    responses(
        (status = 200, body = ApplicationView),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<ApplicationView>, ApiError> {
    let app = visible(&state, &p, id).await?;
    record_view(&state, &p, &caller, &app).await?;
    let mut view = detail_view(&state, &app, &p).await?;
    view.verified_facts = facts_on(&state, &p, &caller, &app).await?;
    Ok(axum::Json(view))
}

/// The body of a transition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// `accept` (受理), `approve`, `reject`, `disburse`, `correct` (institution users); `withdraw` (the SME).
    pub action: String,
    /// Required to reject and to correct; to disburse, required when the rate or term differs from the
    /// approval.
    #[serde(default)]
    pub reason: Option<String>,
    /// To approve: the amount granted (at most the amount applied for, within the product's range); to
    /// disburse: the amount of this payment (payments add up to at most the approved amount). Yuan, a number
    /// or text (`500000`, `50万`).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "500000")]
    pub amount: Option<Value>,
    /// A fixed annual rate in percent (`"3.85"`): to approve with `rate_basis` `fixed`, and to disburse (the
    /// rate paid out at; the approval's unless `reason` says why not).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "3.85")]
    pub rate: Option<Value>,
    /// To approve: `fixed` (default), `lpr_1y` or `lpr_5y` (the rate is then the LPR plus `spread`).
    #[serde(default)]
    pub rate_basis: Option<String>,
    /// To approve on an LPR: the spread in basis points (`"50"`, `"-20"`, `"+50BP"`).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "50")]
    pub spread: Option<Value>,
    /// The term in months: to approve (within the product's and the request's), to disburse (the
    /// approval's unless `reason` says why not).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "12")]
    pub term: Option<Value>,
    /// To approve: the repayment method (`equal_instalment`, `equal_principal`, `interest_first`,
    /// `revolving`, or its Chinese label), one the product offers.
    #[serde(default)]
    pub method: Option<String>,
    /// To disburse: the day paid out (YYYY-MM-DD), not before the approval and not after today.
    #[serde(default)]
    pub date: Option<String>,
    /// To correct: `approval` (give the approval's fields again), `disbursement` (`part` and the payment's
    /// fields again) or `reversal` (冲正 payment `part`).
    #[serde(default)]
    pub correction: Option<String>,
    /// To correct a payment: its id (from `payments`).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "12")]
    pub part: Option<Value>,
}

/// Move an application one step: the institution accepts (受理), approves (amount, rate, term, method),
/// rejects (with a reason), disburses (one payment: amount, rate, term, date), or corrects an approval or a
/// payment (更正 / 冲正, with a reason: the original stays in the timeline); the SME withdraws before a
/// final decision. Every value is checked against the product, the request, the approval and the payments
/// so far; a refusal names the field and the allowed range.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/transitions",
    params(("id" = i64, Path, description = "Application id", minimum = 1)),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "The application after the step", body = ApplicationView),
        (status = 400, description = "A bad or missing field, named in `field`", body = ErrorBody),
        (status = 403, description = "Not this side's action, or a role that never acts", body = ErrorBody),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
        (status = 409, description = "Not allowed from the current state, or the application changed meanwhile (reason in Chinese in `message`)", body = ErrorBody),
    )
)]
async fn transition(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Id(id): Id,
    Json(body): Json<TransitionBody>,
) -> Result<axum::Json<ApplicationView>, ApiError> {
    let side = side_of(&p).ok_or_else(ApiError::forbidden)?;
    let app = visible(&state, &p, id).await?;
    refused_act(&app, side, &body.action)?;
    let action = action_of(TransitionInput {
        action: body.action,
        reason: body.reason,
        amount: body.amount.as_ref().map_or(Err(ValueError::Empty), amount_of),
        rate: body.rate.as_ref().map_or(Err(ValueError::Empty), rate_of),
        term: body.term.as_ref().map_or(Err(ValueError::Empty), term_of),
        date: parse_date(body.date.as_deref().unwrap_or_default()),
        rate_basis: body.rate_basis.unwrap_or_default(),
        spread: body.spread.as_ref().map(text).unwrap_or_default(),
        method: body.method.unwrap_or_default(),
        correction: body.correction.unwrap_or_default(),
        part: body.part.as_ref().map(text).unwrap_or_default(),
    })?;
    let app = take(&state, &p, &caller, &app, &action).await?;
    Ok(axum::Json(detail_view(&state, &app, &p).await?))
}

/// A JSON number or string as text (`50`, `"+50BP"`).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The notifications' parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct NotificationParams {
    /// Only unread ones.
    #[param(value_type = Option<bool>)]
    unread: Option<String>,
}

/// The caller's notifications (SME and institution users), newest first, with the unread count.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    params(NotificationParams),
    responses(
        (status = 200, body = NotificationList),
        (status = 403, description = "Not an SME or institution user", body = ErrorBody),
    ),
    tag = "notifications"
)]
async fn notifications(
    State(state): State<AppState>,
    Auth(p): Auth,
    Query(params): Query<NotificationParams>,
) -> Result<axum::Json<NotificationList>, ApiError> {
    let party = party_of(&p)?;
    let unread_only = params.unread.as_deref().map(|v| flag(v, "unread")).transpose()?.unwrap_or(false);
    let items = state.store.notifications_for(party, unread_only).await?;
    let unread = state.store.unread_count(party).await?;
    Ok(axum::Json(NotificationList { unread, items: items.iter().map(NotificationView::from).collect() }))
}

/// How many unread notifications the caller has (what the menu shows); 0 for roles without notifications.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/unread",
    responses((status = 200, body = UnreadCount)),
    tag = "notifications"
)]
async fn unread(State(state): State<AppState>, Auth(p): Auth) -> Result<axum::Json<UnreadCount>, ApiError> {
    let unread = if let Ok(party) = party_of(&p) { state.store.unread_count(party).await? } else { 0 };
    Ok(axum::Json(UnreadCount { unread }))
}

/// Mark one notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    params(("id" = i64, Path, description = "Notification id", minimum = 1)),
    responses(
        (status = 200, description = "The unread count after", body = UnreadCount),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such notification of the caller's", body = ErrorBody),
    ),
    tag = "notifications"
)]
async fn read_one(
    State(state): State<AppState>,
    Auth(p): Auth,
    Id(id): Id,
) -> Result<axum::Json<UnreadCount>, ApiError> {
    let party = party_of(&p)?;
    state.store.mark_notification_read(party, id).await?;
    Ok(axum::Json(UnreadCount { unread: state.store.unread_count(party).await? }))
}

/// Mark every notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    responses((status = 200, body = UnreadCount), (status = 403, body = ErrorBody)),
    tag = "notifications"
)]
async fn read_all(State(state): State<AppState>, Auth(p): Auth) -> Result<axum::Json<UnreadCount>, ApiError> {
    let party = party_of(&p)?;
    state.store.mark_all_read(party).await?;
    Ok(axum::Json(UnreadCount { unread: state.store.unread_count(party).await? }))
}
