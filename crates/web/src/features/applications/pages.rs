//! The application pages: 申请 (`/apply/{product}`), the SME's 我的申请 with each timeline, the bank's
//! 申请受理 inbox and application page with its action forms, and 通知 for both. Forms post back; success
//! redirects (303), bad input is shown again beside the fields (400), a refused step explains why (409).

use super::{
    ApplicationView, EventView, NotificationView, TransitionInput, action_of, facts_on, list_for, party_of,
    record_view, refused_act, submit_application, take, upcoming_steps, visible, with_facts,
};
use crate::http::auth::{Auth, Caller, LenderUser, SmeUser, password};
use crate::http::confirm::{self, Confirmation};
use crate::http::documents::documents_of;
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
use finmart_domain::{
    ApplicationAction, ApplicationInput, ApplicationState, ApprovalTerms, Bps, Correction, Disbursement, Labelled,
    LoanPurpose, LoanRate, Months, Principal, ReferenceRates, RepaymentMethod, Side,
};
use finmart_store::{Application, ApplicationFilter, Party};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/apply/{product_id}", get(apply_page).post(apply_submit))
        .route("/sme/applications", get(sme_list))
        .route("/sme/applications/{id}", get(sme_detail))
        .route("/sme/applications/{id}/submitted", get(sme_submitted))
        .route("/sme/applications/{id}/withdraw", post(sme_withdraw))
        .route("/bank/inbox", get(bank_inbox))
        .route("/bank/applications/{id}", get(bank_detail).post(bank_act))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read-all", post(read_all_submit))
        .route("/notifications/{id}/read", post(read_submit))
}

/// An application's page for `side`: its timeline and snapshot, and for the bank the forms for the next step
/// (prefilled with the application's terms) and the firm's verified facts as badges while its authorisation
/// of them holds (`lender`: the bank's user and request, whose view of them is logged). After a refused
/// step, `refused` holds the error, shown above the application, and the form as posted.
async fn detail_page(
    state: &AppState,
    page: &Page,
    app: &Application,
    side: Side,
    lender: Option<(&Principal, &Caller)>,
    refused: Option<(&ApiError, &Form)>,
) -> PageResult {
    let events: Vec<EventView> = state.store.application_events(app.id).await?.iter().map(EventView::from).collect();
    let mut context = object(json!({
        "a": ApplicationView::of(app, Some(side)), "events": events, "profile": profile_rows(&app.profile, today(), &state.config.home_area),
        "errors": refused.map(|(e, _)| page.error_messages(e)).unwrap_or_default(),
        // Documents and the steps still to come (the documents section is the kit's, shared with that feature).
        "docs": documents_of(state, app).await?, "upcoming": upcoming_steps(app),
    }));
    let template = if side == Side::Institution {
        // The approval form starts from the request; the payment form from the approval and what is left.
        let (amount, term) = match (&app.approval, app.payable()) {
            (Some(t), Some(left)) => (left, t.term),
            _ => (app.amount, app.term),
        };
        let rate = match app.approval.map(|t| t.rate) {
            Some(LoanRate::Fixed { rate }) => rate.percent_text().trim_end_matches('%').to_owned(),
            _ => String::new(),
        };
        let mut values = object(json!({
            "amount": wan_input(amount), "term": term.get().to_string(), "date": today().to_string(), "rate": rate,
            "method": app.approval.map(|t| t.method.as_str()).unwrap_or_default(), "rate_basis": "fixed",
        }));
        if let Some((_, form)) = refused {
            values.extend(
                ["amount", "rate", "term", "date", "reason", "method", "rate_basis", "spread", "correction", "part"]
                    .map(|k| (k.to_owned(), form.field(k).into())),
            );
        }
        context.insert("methods".into(), json!(options::<RepaymentMethod>()));
        let acted = refused.map_or("", |(_, form)| form.field("action"));
        let acted = if acted == "correct" { refused.map_or("", |(_, form)| form.field("correction")) } else { acted };
        let facts = match lender {
            Some((p, caller)) => facts_on(state, p, caller, app).await?.flatten(),
            None => None,
        };
        context.extend(object(json!({"values": values, "acted": acted, "page": "bank_inbox", "facts": facts})));
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
    let facts = state.facts_for(&stored.profile).await?;
    let judged = state.judge(&product, &stored.profile, &facts, None);
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
        Ok((app, _)) => return Ok(see_other(&format!("/sme/applications/{}/submitted", app.id))),
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
    let unread = unread_by_application(&state, party_of(&p)?).await?;
    page.show("sme_applications.html", object(json!({"apps": views, "unread": unread, "page": "sme_applications"})))
}

/// `GET /sme/applications/{id}`: one application with every step, and 撤回 while allowed.
async fn sme_detail(SmeUser(p, _): SmeUser, State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
    let app = visible(&state, &p, id).await?;
    detail_page(&state, &page, &app, Side::Enterprise, None, None).await
}

/// `GET /sme/applications/{id}/submitted`: 提交成功，接下来… — what happens next and by when (the lender's
/// first answer is due by the respond-by time; the product's stated decision time, or 未说明), the materials
/// to upload with the way to upload them, and the timeline with the steps still to come.
async fn sme_submitted(SmeUser(p, _): SmeUser, State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
    let app = visible(&state, &p, id).await?;
    let events: Vec<EventView> = state.store.application_events(app.id).await?.iter().map(EventView::from).collect();
    let decision_days = state.store.product(app.product_id).await?.and_then(|product| product.spec.decision_days);
    let context = object(json!({
        "a": ApplicationView::of(&app, Some(Side::Enterprise)), "events": events,
        "docs": documents_of(&state, &app).await?, "upcoming": upcoming_steps(&app),
        "decision_days": decision_days, "page": "sme_applications",
    }));
    page.show("sme_application_submitted.html", context)
}

/// `POST /sme/applications/{id}/withdraw`: first a confirmation, then (with `confirm=1`) the withdrawal; a
/// refused withdrawal is shown above the application.
async fn sme_withdraw(
    SmeUser(p, _): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let app = visible(&state, &p, id).await?;
    let refused = refused_act(&app, Side::Enterprise, "withdraw");
    if refused.is_ok() && !confirm::confirmed(&form) {
        let refs = ReferenceRates::default();
        let mut c = restate(&app, &ApplicationAction::Withdraw, &refs, format!("/sme/applications/{id}"));
        c.action = format!("/sme/applications/{id}/withdraw");
        return confirm::page(&page, &form, &c);
    }
    let taken = match refused {
        Ok(()) => take(&state, &p, &caller, &app, &ApplicationAction::Withdraw).await,
        Err(e) => Err(e),
    };
    match taken {
        Ok(_) => Ok(see_other(&format!("/sme/applications/{id}"))),
        Err(e) if e.status.is_client_error() => {
            let app = visible(&state, &p, id).await?;
            let page = page.at(&format!("/sme/applications/{id}"));
            detail_page(&state, &page, &app, Side::Enterprise, None, Some((&e, &Form::default()))).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 申请受理 (the bank)

/// `GET /bank/inbox`: the institution's applications, filtered by state, product and dates; overdue ones
/// marked 超时未响应.
async fn bank_inbox(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
) -> PageResult {
    let (filter, error) = query::parse::<ApplicationListParams>(page.query(), Unknown::Ignore)
        .and_then(|q| q.filter())
        .map_or_else(|e| (ApplicationFilter::default(), Some(e)), |f| (f, None));
    let apps = state.store.inbox(lender, &filter).await?;
    let everything = ApplicationFilter { limit: 1_000, ..ApplicationFilter::default() };
    let products: BTreeMap<i64, String> =
        state.store.inbox(lender, &everything).await?.into_iter().map(|a| (a.product_id, a.product_name)).collect();
    let products: Vec<Value> =
        products.into_iter().map(|(id, name)| json!({"code": id.to_string(), "label": name})).collect();
    let mut views: Vec<ApplicationView> =
        apps.iter().map(|a| ApplicationView::of(a, Some(Side::Institution))).collect();
    // Each firm's verified facts as badges while its authorisation holds (read for the list at once, logged).
    with_facts(&state, &p, &caller, &apps, &mut views).await?;
    let context = object(json!({
        "overdue_count": views.iter().filter(|v| v.overdue).count(), "apps": views, "products": products,
        "states": options::<ApplicationState>(),
        "values": Form::of_query(page.query()).values(&["state", "product", "from", "to", "overdue"]),
        "errors": error.as_ref().map(|e| page.error_messages(e)).unwrap_or_default(), "page": "bank_inbox",
        "unread": unread_by_application(&state, Party::Institution(lender)).await?,
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
    detail_page(&state, &page, &app, Side::Institution, Some((&p, &caller)), None).await
}

/// `POST /bank/applications/{id}`: `action` = accept | approve (`amount` in 万元, `rate` in percent or
/// `rate_basis` + `spread`, `term`, `method`) | reject (`reason`) | disburse (`amount` in 万元, `rate`, `term`,
/// `date`, `reason` when the rate or term differs from the approval) | correct (`correction`, `part`,
/// the corrected values, `reason`). Every act but 受理 is first restated on a confirmation page (checked
/// already, so what it restates will pass) and taken when that page posts it back with `confirm=1`.
async fn bank_act(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let app = visible(&state, &p, id).await?;
    let parsed = refused_act(&app, Side::Institution, form.field("action")).and_then(|()| {
        action_of(TransitionInput {
            action: form.field("action").to_owned(),
            reason: Some(form.field("reason").to_owned()),
            amount: parse_wan(form.field("amount")),
            rate: Bps::parse_percent(form.field("rate")),
            term: Months::parse(form.field("term")),
            date: parse_date(form.field("date")),
            rate_basis: form.field("rate_basis").to_owned(),
            spread: form.field("spread").to_owned(),
            method: form.field("method").to_owned(),
            correction: form.field("correction").to_owned(),
            part: form.field("part").to_owned(),
        })
        .map_err(ApiError::from)
    });
    let outcome = match parsed {
        Ok(action) if matches!(action, ApplicationAction::Accept) || confirm::confirmed(&form) => {
            take(&state, &p, &caller, &app, &action).await.map(|_| None)
        }
        Ok(action) => state
            .store
            .check_transition(id, &action, Side::Institution, lender)
            .await
            .map(|_| Some(action))
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(None) => Ok(see_other(&format!("/bank/applications/{id}"))),
        Ok(Some(action)) => {
            let refs = state.store.reference_rates().await?;
            let back = format!("/bank/applications/{id}");
            confirm::page(&page, &form, &restate(&app, &action, &refs, back))
        }
        Err(e) if e.status.is_client_error() => {
            let app = visible(&state, &p, id).await?;
            let page = page.at(&format!("/bank/applications/{id}"));
            detail_page(&state, &page, &app, Side::Institution, Some((&p, &caller)), Some((&e, &form))).await
        }
        Err(e) => Err(e),
    }
}

/// What a bank's act on `app` will do, in words, for its confirmation.
fn restate(app: &Application, action: &ApplicationAction, refs: &ReferenceRates, back: String) -> Confirmation {
    let firm = &app.enterprise_name;
    let product = &app.product_name;
    let rate_zh = |r: &LoanRate| {
        r.annual(refs).map_or_else(|| r.text_zh(), |a| format!("{}（目前合年化 {}）", r.text_zh(), a.percent_text()))
    };
    let rate_en = |r: &LoanRate| {
        r.annual(refs).map_or_else(|| r.text_en(), |a| format!("{} (now {} a year)", r.text_en(), a.percent_text()))
    };
    let payment = |d: &Disbursement| {
        (
            format!(
                "向 {firm} 放款 {}，年利率 {}，期限 {}，放款日期 {}{}",
                d.amount.display_zh(),
                d.rate.percent_text(),
                d.term.display_zh(),
                d.date,
                d.reason.as_deref().map(|r| format!("（与批准条件不同的原因：{r}）")).unwrap_or_default()
            ),
            format!(
                "Pay {firm} {} at {} for {}, on {}{}",
                d.amount.display_en(),
                d.rate.percent_text(),
                d.term.display_en(),
                d.date,
                d.reason.as_deref().map(|r| format!(" (differs from the approval because: {r})")).unwrap_or_default()
            ),
        )
    };
    let terms = |t: &ApprovalTerms| {
        (
            format!(
                "批准 {firm} 的“{product}”申请：金额 {}，{}，期限 {}，{}",
                t.amount.display_zh(),
                rate_zh(&t.rate),
                t.term.display_zh(),
                t.method.label_zh()
            ),
            format!(
                "Approve {firm}'s application for {product}: {}, {}, {}, {}",
                t.amount.display_en(),
                rate_en(&t.rate),
                t.term.display_en(),
                t.method.label_en()
            ),
        )
    };
    let notice = ("企业将收到通知。".to_owned(), "The firm is notified.".to_owned());
    let (title, mut lines, danger) = match action {
        ApplicationAction::Approve(t) => (("确认审批通过", "Confirm the approval"), vec![terms(t)], false),
        ApplicationAction::Reject { reason } => (
            ("确认拒绝申请", "Confirm the rejection"),
            vec![(
                format!("拒绝 {firm} 的“{product}”申请（{}），原因：{}", app.amount.display_zh(), reason.trim()),
                format!("Reject {firm}'s application for {product} ({}): {}", app.amount.display_en(), reason.trim()),
            )],
            true,
        ),
        ApplicationAction::Disburse(d) => (("确认放款", "Confirm the payment"), vec![payment(d)], false),
        ApplicationAction::Correct { correction, reason } => {
            let before = correction
                .part()
                .and_then(|part| app.payments.iter().find(|p| p.id == part))
                .map(|p| payment(&p.disbursement));
            let mut lines = Vec::new();
            match correction {
                Correction::Approval { terms: t } => {
                    if let Some(old) = &app.approval {
                        let (zh, en) = terms(old);
                        lines.push((format!("原审批：{zh}"), format!("Was: {en}")));
                    }
                    let (zh, en) = terms(t);
                    lines.push((format!("更正为：{zh}"), format!("Now: {en}")));
                }
                Correction::Disbursement { to, .. } => {
                    if let Some((zh, en)) = before {
                        lines.push((format!("原放款记录：{zh}"), format!("Was: {en}")));
                    }
                    let (zh, en) = payment(to);
                    lines.push((format!("更正为：{zh}"), format!("Now: {en}")));
                }
                Correction::Reversal { .. } => {
                    if let Some((zh, en)) = before {
                        lines.push((format!("冲正（作废）这笔放款：{zh}"), format!("Reverse this payment: {en}")));
                    }
                }
            }
            lines.push((
                format!("原因：{}。原记录保留在办理进度中，统计按更正后的数额计算。", reason.trim()),
                format!(
                    "Reason: {}. The original stays in the timeline; figures count the corrected values.",
                    reason.trim()
                ),
            ));
            ((correction.label_zh(), correction.label_en()), lines, matches!(correction, Correction::Reversal { .. }))
        }
        ApplicationAction::Withdraw => (
            ("确认撤回申请", "Confirm the withdrawal"),
            vec![(
                format!("撤回对 {} “{product}”的申请（{}）", app.institution_name, app.amount.display_zh()),
                format!(
                    "Withdraw the application to {} for {product} ({})",
                    app.institution_name,
                    app.amount.display_en()
                ),
            )],
            true,
        ),
        ApplicationAction::Accept => (("确认受理", "Confirm"), Vec::new(), false),
    };
    let notice = if matches!(action, ApplicationAction::Withdraw) {
        ("金融机构将收到通知。".to_owned(), "The lender is notified.".to_owned())
    } else {
        notice
    };
    lines.push(notice);
    Confirmation { title: (title.0.to_owned(), title.1.to_owned()), lines, action: back.clone(), back, danger }
}

// ---------------------------------------------------------------------------------------------------------
// 通知

/// `GET /notifications`: the caller's notifications, newest first.
async fn notifications_page(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    let party = party_of(&p)?;
    let items = state.store.notifications_for(party, false).await?;
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    // Each with the names its words were built from, for the page to mark as data.
    let views: Vec<_> = items
        .iter()
        .map(|n| json!({"view": NotificationView::from(n), "names": super::notifications::words(n).names}))
        .collect();
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

/// The caller's unread messages by application (keyed by the id as text, as templates look them up).
async fn unread_by_application(state: &AppState, party: Party) -> PageResult<BTreeMap<String, u64>> {
    let counts = state.store.unread_messages(party).await?;
    Ok(counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
