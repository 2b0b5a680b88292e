//! The application pages: 申请 (`/apply/{product}`), the SME's 我的申请 with each timeline, the bank's
//! 申请受理 inbox and application page with its action forms, and 通知 for both. Forms post back; success
//! redirects (303), bad input is shown again beside the fields (400), a refused step explains why (409).

use super::{
    ApplicationView, EventView, SubmitInput, TransitionInput, action_of, list_for, new_application, parse_filter,
    party_of, profile_rows, rate_of, record_view, take, term_of, visible,
};
use crate::api::parse_id;
use crate::auth::{Auth, Caller, enterprise_of, lender_of, password};
use crate::error::ApiError;
use crate::forms::{error_messages, field, parse, see_other};
use crate::lang::{Lang, negotiate};
use crate::match_pages::form::parse_wan;
use crate::match_pages::options;
use crate::pages::{PageError, page_error, show};
use crate::state::{AppState, today};
use crate::views::ProductDetail;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use finmart_domain::{ApplicationAction, ApplicationState, Fen, LoanPurpose, Principal, Side};
use finmart_store::{Application, ApplicationFilter};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// This module's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    crate::template!("sme_applications_parts.html"),
    crate::template!("apply.html"),
    crate::template!("sme_applications.html"),
    crate::template!("sme_applications_detail.html"),
    crate::template!("bank_inbox.html"),
    crate::template!("bank_application.html"),
    crate::template!("notifications.html"),
];

/// This module's pages and form posts.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/apply/{product_id}", get(apply_page).post(apply_submit))
        .route("/sme/applications", get(sme_list))
        .route("/sme/applications/{id}", get(sme_detail))
        .route("/sme/applications/{id}/withdraw", post(sme_withdraw))
        .route("/bank/inbox", get(bank_inbox))
        .route("/bank/applications/{id}", get(bank_detail).post(bank_act))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read-all", post(read_all_submit))
        .route("/notifications/{id}/read", post(read_submit))
}

/// An amount as the forms write it (万元 unless it says 元).
fn wan_text(f: Fen) -> String {
    let fen = f.fen();
    if fen % 1_000_000 == 0 {
        (fen / 1_000_000).to_string()
    } else if fen % 100 == 0 {
        format!("{}元", fen / 100)
    } else {
        format!("{}.{:02}元", fen / 100, fen % 100)
    }
}

/// The query string's values, for refilling a form.
fn query_values(raw: Option<&str>, keys: &[&str]) -> Map<String, Value> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .filter(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// An application with its timeline and snapshot, as the detail pages read it.
async fn detail_context(
    state: &AppState,
    app: &Application,
    side: Side,
    lang: Lang,
) -> Result<Map<String, Value>, ApiError> {
    let events = state.store.application_events(app.id).await?;
    let view = ApplicationView::of(app, Some(side));
    let mut context = Map::new();
    context.insert("a".into(), serde_json::to_value(&view).map_err(|e| ApiError::internal(&e))?);
    context.insert(
        "events".into(),
        serde_json::to_value(events.iter().map(EventView::from).collect::<Vec<_>>())
            .map_err(|e| ApiError::internal(&e))?,
    );
    context.insert("profile".into(), Value::Array(profile_rows(&app.profile, lang.is_en())));
    Ok(context)
}

// ---------------------------------------------------------------------------------------------------------
// 申请

const APPLY_FIELDS: &[&str] = &["amount", "term", "purpose", "purpose_text"];

async fn apply_context(
    state: &AppState,
    p: &Principal,
    product_id: &str,
    lang: Lang,
) -> Result<(Map<String, Value>, i64), ApiError> {
    let enterprise = enterprise_of(p)?;
    let product = state.product_at(product_id).await?;
    let stored = state.store.enterprise(enterprise).await?.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?;
    let mut context = Map::new();
    context
        .insert("p".into(), serde_json::to_value(ProductDetail::from(&product)).map_err(|e| ApiError::internal(&e))?);
    context.insert("profile".into(), Value::Array(profile_rows(&stored.profile, lang.is_en())));
    context.insert("purposes".into(), Value::Array(options::<LoanPurpose>()));
    context.insert("page".into(), "apply".into());
    Ok((context, product.id))
}

/// `GET /apply/{product_id}`: the application form, prefilled from the query (`amount` in 万元, `term`,
/// `purpose`, `purpose_text`), with a fresh idempotency key so a double submit creates one application.
async fn apply_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(product_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let (mut context, id) =
        apply_context(&state, &p, &product_id, lang).await.map_err(|e| page_error(&state, lang, e))?;
    let mut values = query_values(raw.as_deref(), APPLY_FIELDS);
    values.insert("idempotency_key".into(), password::secret(16).into());
    context.insert("values".into(), Value::Object(values));
    context.insert("errors".into(), Value::Object(Map::new()));
    show(&state, (lang, cookie), "apply.html", context, &format!("/apply/{id}"), raw.as_deref(), StatusCode::OK)
}

/// `POST /apply/{product_id}`: submits, then shows the application (303). A resubmitted form (same key)
/// lands on the same application.
async fn apply_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(product_id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e| page_error(&state, lang, e);
    let form = parse(&body);
    let (mut context, id) = apply_context(&state, &p, &product_id, lang).await.map_err(fail)?;
    let enterprise = enterprise_of(&p).map_err(fail)?;
    let input = SubmitInput {
        product_id: id,
        amount: parse_wan(field(&form, "amount")),
        term: finmart_domain::Months::parse(field(&form, "term")),
        purpose: field(&form, "purpose").to_owned(),
        purpose_text: field(&form, "purpose_text").to_owned(),
        idempotency_key: Some(field(&form, "idempotency_key").to_owned()),
    };
    let outcome = match new_application(&p, enterprise, &input) {
        Ok(new) => {
            let event = finmart_store::AuditEvent::by(&p, Some(&caller.address), "application.submit");
            state.store.submit_application(&new, &event).await.map_err(ApiError::from)
        }
        Err(errors) => Err(ApiError::from(errors)),
    };
    let error = match outcome {
        Ok((app, _)) => return Ok(see_other(&format!("/sme/applications/{}", app.id))),
        Err(e) if e.status.is_client_error() => e,
        Err(e) => return Err(fail(e)),
    };
    let mut values: Map<String, Value> = APPLY_FIELDS
        .iter()
        .chain(std::iter::once(&"idempotency_key"))
        .map(|k| ((*k).to_owned(), Value::String(field(&form, k).to_owned())))
        .collect();
    if field(&form, "idempotency_key").trim().is_empty() {
        values.insert("idempotency_key".into(), password::secret(16).into());
    }
    context.insert("values".into(), Value::Object(values));
    context.insert("errors".into(), Value::Object(error_messages(&error, lang)));
    show(&state, (lang, None), "apply.html", context, &format!("/apply/{id}"), None, error.status)
}

// ---------------------------------------------------------------------------------------------------------
// 我的申请

/// `GET /sme/applications`: the enterprise's applications, newest first.
async fn sme_list(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e| page_error(&state, lang, e);
    enterprise_of(&p).map_err(fail)?;
    let apps = list_for(&state, &p, &ApplicationFilter::default()).await.map_err(fail)?;
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Enterprise))).collect();
    let mut context = Map::new();
    context.insert("apps".into(), serde_json::to_value(views).map_err(|e| fail(ApiError::internal(&e)))?);
    context.insert("page".into(), "sme_applications".into());
    show(&state, (lang, cookie), "sme_applications.html", context, "/sme/applications", raw.as_deref(), StatusCode::OK)
}

async fn sme_page(
    state: &AppState,
    p: &Principal,
    id: &str,
    lang: Lang,
    (error, status): (Option<ApiError>, StatusCode),
    raw: Option<&str>,
    cookie: Option<HeaderValue>,
) -> Result<Response, PageError> {
    let fail = |e| page_error(state, lang, e);
    enterprise_of(p).map_err(fail)?;
    let id = parse_id(id).map_err(fail)?;
    let app = visible(state, p, id).await.map_err(fail)?;
    let mut context = detail_context(state, &app, Side::Enterprise, lang).await.map_err(fail)?;
    context.insert("errors".into(), Value::Object(error.map(|e| error_messages(&e, lang)).unwrap_or_default()));
    context.insert("page".into(), "sme_applications".into());
    show(
        state,
        (lang, cookie),
        "sme_applications_detail.html",
        context,
        &format!("/sme/applications/{id}"),
        raw,
        status,
    )
}

/// `GET /sme/applications/{id}`: one application with every step, and 撤回 while allowed.
async fn sme_detail(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    sme_page(&state, &p, &id, lang, (None, StatusCode::OK), raw.as_deref(), cookie).await
}

/// `POST /sme/applications/{id}/withdraw`.
async fn sme_withdraw(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e| page_error(&state, lang, e);
    enterprise_of(&p).map_err(fail)?;
    let app_id = parse_id(&id).map_err(fail)?;
    let app = visible(&state, &p, app_id).await.map_err(fail)?;
    match take(&state, &p, &caller.address, &app, &ApplicationAction::Withdraw).await {
        Ok(_) => Ok(see_other(&format!("/sme/applications/{app_id}"))),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            sme_page(&state, &p, &id, lang, (Some(e), status), None, None).await
        }
        Err(e) => Err(fail(e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 申请受理 (the bank)

/// `GET /bank/inbox`: the institution's applications, filtered by state, product and dates; overdue ones
/// marked 超时未响应.
async fn bank_inbox(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e| page_error(&state, lang, e);
    let lender = lender_of(&p).map_err(fail)?;
    let (filter, error, status) = match parse_filter(raw.as_deref(), false) {
        Ok(f) => (f, None, StatusCode::OK),
        Err(e) => (ApplicationFilter::default(), Some(e), StatusCode::BAD_REQUEST),
    };
    let apps = state.store.inbox(lender, &filter).await.map_err(|e| fail(e.into()))?;
    let everything = ApplicationFilter { limit: 1_000, ..ApplicationFilter::default() };
    let products: BTreeMap<i64, String> = state
        .store
        .inbox(lender, &everything)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|a| (a.product_id, a.product_name))
        .collect();
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Institution))).collect();
    let mut context = Map::new();
    context.insert("overdue_count".into(), views.iter().filter(|v| v.overdue).count().into());
    context.insert("apps".into(), serde_json::to_value(views).map_err(|e| fail(ApiError::internal(&e)))?);
    context.insert(
        "products".into(),
        Value::Array(products.into_iter().map(|(id, name)| json!({"code": id.to_string(), "label": name})).collect()),
    );
    context.insert("states".into(), Value::Array(options::<ApplicationState>()));
    context.insert(
        "values".into(),
        Value::Object(query_values(raw.as_deref(), &["state", "product", "from", "to", "overdue"])),
    );
    context.insert("errors".into(), Value::Object(error.map(|e| error_messages(&e, lang)).unwrap_or_default()));
    context.insert("page".into(), "bank_inbox".into());
    show(&state, (lang, cookie), "bank_inbox.html", context, "/bank/inbox", raw.as_deref(), status)
}

/// What a failed action on the bank's application page leaves to show: the error, the status, and the
/// form as posted.
type Outcome = (Option<ApiError>, StatusCode, Option<Vec<(String, String)>>);

#[allow(clippy::too_many_arguments)]
async fn bank_page(
    state: &AppState,
    p: &Principal,
    address: &str,
    id: &str,
    lang: Lang,
    (error, status, submitted): Outcome,
    raw: Option<&str>,
    cookie: Option<HeaderValue>,
) -> Result<Response, PageError> {
    let fail = |e| page_error(state, lang, e);
    lender_of(p).map_err(fail)?;
    let id = parse_id(id).map_err(fail)?;
    let app = visible(state, p, id).await.map_err(fail)?;
    if submitted.is_none() {
        record_view(state, p, address, &app).await.map_err(fail)?;
    }
    let mut context = detail_context(state, &app, Side::Institution, lang).await.map_err(fail)?;
    let mut values = Map::new();
    values.insert("amount".into(), wan_text(app.amount).into());
    values.insert("term".into(), app.term.get().to_string().into());
    values.insert("date".into(), today().to_string().into());
    if let Some(submitted) = &submitted {
        for key in ["amount", "rate", "term", "date", "reason"] {
            values.insert(key.into(), Value::String(field(submitted, key).to_owned()));
        }
    }
    context.insert("values".into(), Value::Object(values));
    context.insert("acted".into(), submitted.as_ref().map_or("", |s| field(s, "action")).to_owned().into());
    context.insert("errors".into(), Value::Object(error.map(|e| error_messages(&e, lang)).unwrap_or_default()));
    context.insert("page".into(), "bank_inbox".into());
    show(state, (lang, cookie), "bank_application.html", context, &format!("/bank/applications/{id}"), raw, status)
}

/// `GET /bank/applications/{id}`: the profile snapshot, the timeline and the forms for the next step (a
/// view of the firm's profile, logged).
async fn bank_detail(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank_page(&state, &p, &caller.address, &id, lang, (None, StatusCode::OK, None), raw.as_deref(), cookie).await
}

/// `POST /bank/applications/{id}`: `action` = accept | approve | reject (`reason`) | disburse (`amount` in
/// 万元, `rate` in percent, `term`, `date`).
async fn bank_act(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e| page_error(&state, lang, e);
    lender_of(&p).map_err(fail)?;
    let app_id = parse_id(&id).map_err(fail)?;
    let app = visible(&state, &p, app_id).await.map_err(fail)?;
    let form = parse(&body);
    let given = |key: &str| Some(field(&form, key)).filter(|v| !v.trim().is_empty());
    let input = TransitionInput {
        action: field(&form, "action").to_owned(),
        reason: Some(field(&form, "reason").to_owned()),
        amount: given("amount").map(parse_wan),
        rate: given("rate").map(|v| rate_of(&Value::String(v.to_owned()))),
        term: given("term").map(|v| term_of(&Value::String(v.to_owned()))),
        date: given("date").map(str::to_owned),
    };
    let outcome = match action_of(&input) {
        Ok(action) => take(&state, &p, &caller.address, &app, &action).await,
        Err(errors) => Err(errors.into()),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/bank/applications/{app_id}"))),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            bank_page(&state, &p, &caller.address, &id, lang, (Some(e), status, Some(form)), None, None).await
        }
        Err(e) => Err(fail(e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 通知

/// `GET /notifications`: the caller's notifications, newest first.
async fn notifications_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e| page_error(&state, lang, e);
    let party = party_of(&p).map_err(fail)?;
    let items = state.store.notifications_for(party, false).await.map_err(|e| fail(e.into()))?;
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    let views: Vec<super::NotificationView> = items.iter().map(super::NotificationView::from).collect();
    let mut context = Map::new();
    context.insert("items".into(), serde_json::to_value(views).map_err(|e| fail(ApiError::internal(&e)))?);
    context.insert("unread".into(), unread.into());
    context.insert("page".into(), "notifications".into());
    show(&state, (lang, cookie), "notifications.html", context, "/notifications", raw.as_deref(), StatusCode::OK)
}

/// `POST /notifications/{id}/read`: marks it read and goes to what it is about.
async fn read_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e| page_error(&state, lang, e);
    let party = party_of(&p).map_err(fail)?;
    let id = parse_id(&id).map_err(fail)?;
    let items = state.store.notifications_for(party, false).await.map_err(|e| fail(e.into()))?;
    let item = items.iter().find(|n| n.id == id).ok_or_else(|| fail(ApiError::not_found("通知", "notification")))?;
    state.store.mark_notification_read(party, id).await.map_err(|e| fail(e.into()))?;
    let local = item.link.starts_with('/') && !item.link.starts_with("//");
    Ok(see_other(if local { &item.link } else { "/notifications" }))
}

/// `POST /notifications/read-all`.
async fn read_all_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e| page_error(&state, lang, e);
    let party = party_of(&p).map_err(fail)?;
    state.store.mark_all_read(party).await.map_err(|e| fail(e.into()))?;
    Ok(see_other("/notifications"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_as_the_forms_read_them() {
        for (fen, text) in
            [(500_000_000, "500"), (8_000_000, "8"), (12_345_600, "123456元"), (12_345_678, "123456.78元")]
        {
            let f = Fen::from_fen(fen).unwrap_or(Fen::ZERO);
            assert_eq!(wan_text(f), text);
            assert_eq!(parse_wan(text), Ok(f));
        }
    }
}
