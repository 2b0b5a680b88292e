//! The application pages: 申请 (`/apply/{product}`), the SME's 我的申请 with each timeline, the bank's
//! 申请受理 inbox and application page with its action forms, and 通知 for both. Forms post back; success
//! redirects (303), bad input is shown again beside the fields (400), a refused step explains why (409).

use super::{
    ApplicationView, EventView, NotificationView, SubmitInput, TransitionInput, action_of, list_for, party_of,
    record_view, submit_application, take, visible,
};
use crate::http::auth::{Auth, Caller, enterprise_of, lender_of, password};
use crate::http::error::ApiError;
use crate::http::extract::{Id, parse_id};
use crate::http::format::{label_in, labels_in, options, parse_wan, wan_input};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::params::ApplicationListParams;
use crate::http::query::{self, Unknown};
use crate::http::state::{AppState, today};
use crate::http::views::ProductDetail;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{
    ApplicationAction, ApplicationState, Bps, EnterpriseProfile, Fen, LoanPurpose, Months, Principal, Side,
};
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

/// The profile snapshot as rows a person reads (`label`, `value`), in the page's language.
fn profile_rows(profile: &EnterpriseProfile, en: bool) -> Vec<Value> {
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

/// An application with its timeline and snapshot, as the detail pages read it.
async fn detail_context(state: &AppState, app: &Application, side: Side, en: bool) -> PageResult<Map<String, Value>> {
    let events: Vec<EventView> = state.store.application_events(app.id).await?.iter().map(EventView::from).collect();
    Ok(object(json!({
        "a": ApplicationView::of(app, Some(side)), "events": events, "profile": profile_rows(&app.profile, en),
    })))
}

// ---------------------------------------------------------------------------------------------------------
// 申请

const APPLY_FIELDS: &[&str] = &["amount", "term", "purpose", "purpose_text"];

/// The form's page for the listed product `product_id`, and the product's id.
async fn apply_context(
    state: &AppState,
    p: &Principal,
    product_id: &str,
    en: bool,
) -> PageResult<(Map<String, Value>, i64)> {
    let enterprise = enterprise_of(p)?;
    let product = state.product_at(parse_id("id", product_id)?).await?;
    let stored = state.store.enterprise(enterprise).await?.ok_or_else(|| ApiError::not_found("企业画像", "profile"))?;
    let context = object(json!({
        "p": ProductDetail::from(&product), "profile": profile_rows(&stored.profile, en),
        "purposes": options::<LoanPurpose>(), "page": "apply",
    }));
    Ok((context, product.id))
}

/// `GET /apply/{product_id}`: the application form, prefilled from the query (`amount` in 万元, `term`,
/// `purpose`, `purpose_text`), with a fresh idempotency key so a double submit creates one application.
async fn apply_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    page: Page,
    Path(product_id): Path<String>,
) -> PageResult {
    let (mut context, _) = apply_context(&state, &p, &product_id, page.en()).await?;
    let mut values = Form::of_query(page.query()).values(APPLY_FIELDS);
    values.insert("idempotency_key".into(), password::secret(16).into());
    context.insert("values".into(), values.into());
    context.insert("errors".into(), Map::new().into());
    page.show("apply.html", context)
}

/// `POST /apply/{product_id}`: submits, then shows the application (303). A resubmitted form (same key)
/// lands on the same application.
async fn apply_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Path(product_id): Path<String>,
    form: Form,
) -> PageResult {
    let (mut context, id) = apply_context(&state, &p, &product_id, page.en()).await?;
    let input = SubmitInput {
        product_id: id,
        amount: parse_wan(form.field("amount")),
        term: Months::parse(form.field("term")),
        purpose: form.field("purpose").to_owned(),
        purpose_text: form.field("purpose_text").to_owned(),
        idempotency_key: Some(form.field("idempotency_key").to_owned()),
    };
    let error = match submit_application(&state, &p, &caller, enterprise_of(&p)?, &input).await {
        Ok((app, _)) => return Ok(see_other(&format!("/sme/applications/{}", app.id))),
        Err(e) if e.status.is_client_error() => e,
        Err(e) => return Err(e),
    };
    let mut values: Map<String, Value> =
        APPLY_FIELDS.iter().chain(&["idempotency_key"]).map(|k| ((*k).to_owned(), form.field(k).into())).collect();
    if form.field("idempotency_key").trim().is_empty() {
        values.insert("idempotency_key".into(), password::secret(16).into());
    }
    context.insert("values".into(), values.into());
    context.insert("errors".into(), page.error_messages(&error).into());
    page.at(&format!("/apply/{id}")).show_with(error.status, "apply.html", context)
}

// ---------------------------------------------------------------------------------------------------------
// 我的申请

/// `GET /sme/applications`: the enterprise's applications, newest first.
async fn sme_list(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    enterprise_of(&p)?;
    let apps = list_for(&state, &p, &ApplicationFilter::default()).await?;
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Enterprise))).collect();
    page.show("sme_applications.html", object(json!({"apps": views, "page": "sme_applications"})))
}

/// One application of the enterprise, with `error` (a refused withdrawal) shown above it.
async fn sme_page(state: &AppState, p: &Principal, page: &Page, id: i64, error: Option<ApiError>) -> PageResult {
    enterprise_of(p)?;
    let app = visible(state, p, id).await?;
    let mut context = detail_context(state, &app, Side::Enterprise, page.en()).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    context.insert("errors".into(), error.map(|e| page.error_messages(&e)).unwrap_or_default().into());
    context.insert("page".into(), "sme_applications".into());
    page.show_with(status, "sme_applications_detail.html", context)
}

/// `GET /sme/applications/{id}`: one application with every step, and 撤回 while allowed.
async fn sme_detail(State(state): State<AppState>, Auth(p): Auth, page: Page, Id(id): Id) -> PageResult {
    sme_page(&state, &p, &page, id, None).await
}

/// `POST /sme/applications/{id}/withdraw`.
async fn sme_withdraw(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    enterprise_of(&p)?;
    let app = visible(&state, &p, id).await?;
    match take(&state, &p, &caller, &app, &ApplicationAction::Withdraw).await {
        Ok(_) => Ok(see_other(&format!("/sme/applications/{id}"))),
        Err(e) if e.status.is_client_error() => {
            sme_page(&state, &p, &page.at(&format!("/sme/applications/{id}")), id, Some(e)).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 申请受理 (the bank)

/// `GET /bank/inbox`: the institution's applications, filtered by state, product and dates; overdue ones
/// marked 超时未响应.
async fn bank_inbox(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    let lender = lender_of(&p)?;
    let (filter, error) =
        match query::parse::<ApplicationListParams>(page.query(), Unknown::Ignore).and_then(|q| q.filter()) {
            Ok(f) => (f, None),
            Err(e) => (ApplicationFilter::default(), Some(e)),
        };
    let apps = state.store.inbox(lender, &filter).await?;
    let everything = ApplicationFilter { limit: 1_000, ..ApplicationFilter::default() };
    let products: BTreeMap<i64, String> =
        state.store.inbox(lender, &everything).await?.into_iter().map(|a| (a.product_id, a.product_name)).collect();
    let products: Vec<Value> =
        products.into_iter().map(|(id, name)| json!({"code": id.to_string(), "label": name})).collect();
    let views: Vec<ApplicationView> = apps.iter().map(|a| ApplicationView::of(a, Some(Side::Institution))).collect();
    let overdue_count = views.iter().filter(|v| v.overdue).count();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let context = object(json!({
        "overdue_count": overdue_count, "apps": views, "products": products,
        "states": options::<ApplicationState>(),
        "values": Form::of_query(page.query()).values(&["state", "product", "from", "to", "overdue"]),
        "errors": error.map(|e| page.error_messages(&e)).unwrap_or_default(), "page": "bank_inbox",
    }));
    page.show_with(status, "bank_inbox.html", context)
}

/// The bank's page of one application; after a refused action, `failed` holds the error and the form as
/// posted (and the visit is not logged again as a view of the profile).
async fn bank_page(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    page: &Page,
    id: i64,
    failed: Option<(ApiError, Form)>,
) -> PageResult {
    lender_of(p)?;
    let app = visible(state, p, id).await?;
    if failed.is_none() {
        record_view(state, p, caller, &app).await?;
    }
    let mut context = detail_context(state, &app, Side::Institution, page.en()).await?;
    let mut values = object(json!({
        "amount": wan_input(app.amount), "term": app.term.get().to_string(), "date": today().to_string(),
    }));
    let mut status = StatusCode::OK;
    let (mut acted, mut errors) = ("", Map::new());
    if let Some((e, form)) = &failed {
        for key in ["amount", "rate", "term", "date", "reason"] {
            values.insert(key.into(), form.field(key).into());
        }
        (status, acted, errors) = (e.status, form.field("action"), page.error_messages(e));
    }
    context.insert("values".into(), values.into());
    context.insert("acted".into(), acted.into());
    context.insert("errors".into(), errors.into());
    context.insert("page".into(), "bank_inbox".into());
    page.show_with(status, "bank_application.html", context)
}

/// `GET /bank/applications/{id}`: the profile snapshot, the timeline and the forms for the next step (a
/// view of the firm's profile, logged).
async fn bank_detail(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    bank_page(&state, &p, &caller, &page, id, None).await
}

/// `POST /bank/applications/{id}`: `action` = accept | approve | reject (`reason`) | disburse (`amount` in
/// 万元, `rate` in percent, `term`, `date`).
async fn bank_act(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    lender_of(&p)?;
    let app = visible(&state, &p, id).await?;
    let given = |key: &str| Some(form.field(key)).filter(|v| !v.trim().is_empty());
    let input = TransitionInput {
        action: form.field("action").to_owned(),
        reason: Some(form.field("reason").to_owned()),
        amount: given("amount").map(parse_wan),
        rate: given("rate").map(Bps::parse_percent),
        term: given("term").map(Months::parse),
        date: given("date").map(str::to_owned),
    };
    let outcome = match action_of(&input) {
        Ok(action) => take(&state, &p, &caller, &app, &action).await,
        Err(errors) => Err(errors.into()),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/bank/applications/{id}"))),
        Err(e) if e.status.is_client_error() => {
            let page = page.at(&format!("/bank/applications/{id}"));
            bank_page(&state, &p, &caller, &page, id, Some((e, form))).await
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
