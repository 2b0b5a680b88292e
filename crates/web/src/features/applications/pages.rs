//! The application pages: 申请 (`/apply/{product}`), the SME's 我的申请 with each timeline, the bank's
//! 申请受理 inbox and application page with its action forms, and 通知 for both. Forms post back; success
//! redirects (303), bad input is shown again beside the fields (400), a refused step explains why (409).

use super::{
    ApplicationView, EventView, NotificationView, TransitionInput, action_of, list_for, party_of, record_view,
    submit_application, take, visible,
};
use crate::http::auth::{Auth, Caller, LenderUser, SmeUser, password};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::{Id, parse_id};
use crate::http::format::{options, parse_date, parse_wan, wan_input};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::params::ApplicationListParams;
use crate::http::query::{self, Unknown};
use crate::http::state::{AppState, today};
use crate::http::verdict;
use crate::http::views::ProductDetail;
use crate::http::views::profile_rows;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{ApplicationAction, ApplicationInput, ApplicationState, Bps, LoanPurpose, Months, Side};
use finmart_store::{Application, ApplicationFilter};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn router() -> Router<AppState> {
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

/// An application's page for `side`: its timeline and snapshot, and for the bank the forms for the next step
/// (prefilled with the application's terms). After a refused step, `refused` holds the error, shown above the
/// application, and the form as posted.
async fn detail_page(
    state: &AppState,
    page: &Page,
    app: &Application,
    side: Side,
    refused: Option<(&ApiError, &Form)>,
) -> PageResult {
    let events: Vec<EventView> = state.store.application_events(app.id).await?.iter().map(EventView::from).collect();
    let mut context = object(json!({
        "a": ApplicationView::of(app, Some(side)), "events": events, "profile": profile_rows(&app.profile, today(), &state.config.home_area),
        "errors": refused.map(|(e, _)| page.error_messages(e)).unwrap_or_default(),
    }));
    let template = if side == Side::Institution {
        let mut values = object(json!({
            "amount": wan_input(app.amount), "term": app.term.get().to_string(), "date": today().to_string(),
        }));
        if let Some((_, form)) = refused {
            values.extend(["amount", "rate", "term", "date", "reason"].map(|k| (k.to_owned(), form.field(k).into())));
        }
        let acted = refused.map_or("", |(_, form)| form.field("action"));
        context.extend(object(json!({"values": values, "acted": acted, "page": "bank_inbox"})));
        "bank_application.html"
    } else {
        context.insert("page".into(), "sme_applications".into());
        "sme_applications_detail.html"
    };
    page.show_with(refused.map_or(StatusCode::OK, |(e, _)| e.status), template, context)
}

// ---------------------------------------------------------------------------------------------------------
// 申请

const APPLY_FIELDS: &[&str] = &["amount", "term", "purpose", "purpose_text", "idempotency_key"];

/// The form's page for the listed product `product_id`, and the product's id.
async fn apply_context(state: &AppState, enterprise: i64, product_id: &str) -> PageResult<(Map<String, Value>, i64)> {
    let product = state.product_at(parse_id("id", product_id)?).await?;
    let stored = state.store.enterprise(enterprise).await?.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?;
    // Before submitting, the firm sees where it stands (the facts its profile lacks, with where to add them)
    // and any open application it already has to the product.
    let judged = state.judge(&product, &stored.profile, None);
    let context = object(json!({
        "p": ProductDetail::of(&product, &state.config.home_area),
        "profile": profile_rows(&stored.profile, today(), &state.config.home_area),
        "purposes": options::<LoanPurpose>(), "page": "apply", "verdict": verdict::page_view(&judged),
        "open_application": state.store.open_application(enterprise, product.id).await?,
    }));
    Ok((context, product.id))
}

/// `GET /apply/{product_id}`: the application form, prefilled from the query (`amount` in 万元, `term`,
/// `purpose`, `purpose_text`), with a fresh idempotency key so a double submit creates one application.
async fn apply_page(
    SmeUser(_, enterprise): SmeUser,
    State(state): State<AppState>,
    page: Page,
    Path(product_id): Path<String>,
) -> PageResult {
    let (mut context, _) = apply_context(&state, enterprise, &product_id).await?;
    let mut values = Form::of_query(page.query()).values(APPLY_FIELDS);
    values.insert("idempotency_key".into(), password::secret(16).into());
    context.extend(object(json!({"values": values, "errors": {}})));
    page.show("apply.html", context)
}

/// `POST /apply/{product_id}`: submits, then shows the application (303). A resubmitted form (same key)
/// lands on the same application.
async fn apply_submit(
    SmeUser(p, enterprise): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Path(product_id): Path<String>,
    form: Form,
) -> PageResult {
    let (mut context, id) = apply_context(&state, enterprise, &product_id).await?;
    let input = ApplicationInput {
        amount: parse_wan(form.field("amount")),
        term: Months::parse(form.field("term")),
        purpose: form.field("purpose"),
        purpose_text: form.field("purpose_text"),
        idempotency_key: Some(form.field("idempotency_key")),
    };
    let error = match submit_application(&state, &p, &caller, enterprise, id, input).await {
        Ok((app, _)) => return Ok(see_other(&format!("/sme/applications/{}", app.id))),
        Err(e) if e.status.is_client_error() => e,
        Err(e) => return Err(e),
    };
    let mut values: Map<String, Value> = APPLY_FIELDS.iter().map(|k| ((*k).to_owned(), form.field(k).into())).collect();
    if form.field("idempotency_key").trim().is_empty() {
        values.insert("idempotency_key".into(), password::secret(16).into());
    }
    let refused = matches!(
        error.body.code,
        ErrorCode::Ineligible | ErrorCode::ProfileIncomplete | ErrorCode::DuplicateApplication
    );
    let refusal = if refused { verdict::refusal_view(&error, page.lang) } else { Value::Null };
    context.extend(object(json!({"values": values, "errors": page.error_messages(&error), "refusal": refusal})));
    page.at(&format!("/apply/{id}")).show_with(error.status, "apply.html", context)
}

// ---------------------------------------------------------------------------------------------------------
// 我的申请

/// `GET /sme/applications`: the enterprise's applications, newest first.
async fn sme_list(SmeUser(p, _): SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let apps = list_for(&state, &p, &ApplicationFilter::default()).await?;
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Enterprise))).collect();
    page.show("sme_applications.html", object(json!({"apps": views, "page": "sme_applications"})))
}

/// `GET /sme/applications/{id}`: one application with every step, and 撤回 while allowed.
async fn sme_detail(SmeUser(p, _): SmeUser, State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
    let app = visible(&state, &p, id).await?;
    detail_page(&state, &page, &app, Side::Enterprise, None).await
}

/// `POST /sme/applications/{id}/withdraw`; a refused withdrawal is shown above the application.
async fn sme_withdraw(
    SmeUser(p, _): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let app = visible(&state, &p, id).await?;
    match take(&state, &p, &caller, &app, &ApplicationAction::Withdraw).await {
        Ok(_) => Ok(see_other(&format!("/sme/applications/{id}"))),
        Err(e) if e.status.is_client_error() => {
            let app = visible(&state, &p, id).await?;
            let page = page.at(&format!("/sme/applications/{id}"));
            detail_page(&state, &page, &app, Side::Enterprise, Some((&e, &Form::default()))).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 申请受理 (the bank)

/// `GET /bank/inbox`: the institution's applications, filtered by state, product and dates; overdue ones
/// marked 超时未响应.
async fn bank_inbox(LenderUser(_, lender): LenderUser, State(state): State<AppState>, page: Page) -> PageResult {
    let (filter, error) = query::parse::<ApplicationListParams>(page.query(), Unknown::Ignore)
        .and_then(|q| q.filter())
        .map_or_else(|e| (ApplicationFilter::default(), Some(e)), |f| (f, None));
    let apps = state.store.inbox(lender, &filter).await?;
    let everything = ApplicationFilter { limit: 1_000, ..ApplicationFilter::default() };
    let products: BTreeMap<i64, String> =
        state.store.inbox(lender, &everything).await?.into_iter().map(|a| (a.product_id, a.product_name)).collect();
    let products: Vec<Value> =
        products.into_iter().map(|(id, name)| json!({"code": id.to_string(), "label": name})).collect();
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Institution))).collect();
    let context = object(json!({
        "overdue_count": views.iter().filter(|v| v.overdue).count(), "apps": views, "products": products,
        "states": options::<ApplicationState>(),
        "values": Form::of_query(page.query()).values(&["state", "product", "from", "to", "overdue"]),
        "errors": error.as_ref().map(|e| page.error_messages(e)).unwrap_or_default(), "page": "bank_inbox",
    }));
    page.show_with(error.map_or(StatusCode::OK, |e| e.status), "bank_inbox.html", context)
}

/// `GET /bank/applications/{id}`: the profile snapshot, the timeline and the forms for the next step (a
/// view of the firm's profile, logged).
async fn bank_detail(
    LenderUser(p, _): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let app = visible(&state, &p, id).await?;
    record_view(&state, &p, &caller, &app).await?;
    detail_page(&state, &page, &app, Side::Institution, None).await
}

/// `POST /bank/applications/{id}`: `action` = accept | approve | reject (`reason`) | disburse (`amount` in
/// 万元, `rate` in percent, `term`, `date`).
async fn bank_act(
    LenderUser(p, _): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let app = visible(&state, &p, id).await?;
    let outcome = match action_of(TransitionInput {
        action: form.field("action").to_owned(),
        reason: Some(form.field("reason").to_owned()),
        amount: parse_wan(form.field("amount")),
        rate: Bps::parse_percent(form.field("rate")),
        term: Months::parse(form.field("term")),
        date: parse_date(form.field("date")),
    }) {
        Ok(action) => take(&state, &p, &caller, &app, &action).await,
        Err(errors) => Err(errors.into()),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/bank/applications/{id}"))),
        Err(e) if e.status.is_client_error() => {
            let app = visible(&state, &p, id).await?;
            let page = page.at(&format!("/bank/applications/{id}"));
            detail_page(&state, &page, &app, Side::Institution, Some((&e, &form))).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 通知

/// `GET /notifications`: the caller's notifications, newest first.
async fn notifications_page(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    let party = party_of(&p)?;
    let items = state.store.notifications_for(party, false).await?;
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    let views: Vec<NotificationView> = items.iter().map(NotificationView::from).collect();
    page.show("notifications.html", object(json!({"items": views, "unread": unread, "page": "notifications"})))
}

/// `POST /notifications/{id}/read`: marks it read and goes to what it is about.
async fn read_submit(State(state): State<AppState>, Auth(p): Auth, Id(id): Id) -> PageResult {
    let party = party_of(&p)?;
    let items = state.store.notifications_for(party, false).await?;
    let item = items.iter().find(|n| n.id == id).ok_or_else(|| ApiError::not_found("通知", "notification"))?;
    state.store.mark_notification_read(party, id).await?;
    let link = NotificationView::from(item).link;
    let local = link.starts_with('/') && !link.starts_with("//");
    Ok(see_other(if local { &link } else { "/notifications" }))
}

/// `POST /notifications/read-all`.
async fn read_all_submit(State(state): State<AppState>, Auth(p): Auth) -> PageResult {
    state.store.mark_all_read(party_of(&p)?).await?;
    Ok(see_other("/notifications"))
}
