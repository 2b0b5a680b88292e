//! The pages: 我的产品 (`/bank/products`), 新建 and 编辑 (one input per import column, with the version
//! history), 批量上传 (with the template and a row-by-row error table), the operator's 产品审核 queue
//! (`/admin/reviews`) and the guarantee agency's 担保产品 (`/agency/products`).
//!
//! Forms post back (with the CSRF field); success redirects (303) with a `done` note, a bad form is shown
//! again with the reasons beside the fields (400).

use super::{
    Act, ManagedProductView, QUEUE_LIMIT, ReviewQueueItem, RowProblem, UploadFailure, act, approve, create, edit,
    label_of, outcome_name, product_record, send_back, template_download, upload,
};
use crate::http::auth::{Auth, Caller, agency_of, lender_of, require};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::Id;
use crate::http::format::shanghai;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{
    ColumnInfo, InstitutionKind, Labelled, LifecycleState, Principal, ProductRecord, Role, column_info,
};
use finmart_store::ManagedProduct;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/bank/products", get(list_page))
        .route("/bank/products/new", get(new_page).post(new_submit))
        .route("/bank/products/upload", get(upload_page).post(upload_submit))
        .route("/bank/products/template.xlsx", get(template_file))
        .route("/bank/products/{id}", get(edit_page).post(edit_submit))
        .route("/bank/products/{id}/{action}", post(action_submit))
        .route("/admin/reviews", get(reviews_page))
        .route("/admin/reviews/{id}/approve", post(approve_submit))
        .route("/admin/reviews/{id}/send-back", post(send_back_submit))
        .route("/agency/products", get(agency_page))
}

// ---------------------------------------------------------------------------------------------------------
// The product form: one input per import column

/// How the form shows a column; `None` for the columns a bank never sets (institution, state).
fn input_kind(column: &str) -> Option<&'static str> {
    Some(match column {
        "institution_code" | "institution_name" | "institution_kind" | "state" => return None,
        "description" => "textarea",
        "family" | "rate_basis" | "online" => "select",
        "repayment_methods" | "collateral" | "policy_support" | "districts" => "checks",
        "guarantee_agency_code" => "agency",
        "valid_from" | "valid_until" => "date",
        "eligibility" => "wide",
        _ => "text",
    })
}

fn is_checks(column: &str) -> bool {
    input_kind(column) == Some("checks")
}

/// The form's fields, in the order of the import columns, with the import's Chinese names and rules.
fn fields(agencies: &[Value]) -> Vec<Value> {
    column_info()
        .iter()
        .filter_map(|c: &ColumnInfo| {
            let kind = input_kind(c.name)?;
            // "none" is what an empty list of checkboxes means; it is not a box of its own.
            let options: Vec<Value> = if kind == "agency" {
                agencies.to_vec()
            } else {
                c.allowed
                    .iter()
                    .filter(|(code, _)| !(kind == "checks" && *code == "none"))
                    .map(|(code, label)| json!({"code": code, "label": label, "label_en": code}))
                    .collect()
            };
            Some(json!({
                "name": c.name, "label": c.label_zh, "label_en": c.label_en, "required": c.required,
                "rule": c.rule_zh, "example": c.example, "kind": kind, "options": options,
            }))
        })
        .collect()
}

/// The guarantee agencies, as choices for the agency column.
async fn agency_choices(state: &AppState) -> Result<Vec<Value>, ApiError> {
    Ok(state
        .store
        .institutions()
        .await?
        .into_iter()
        .filter(|i| i.kind == InstitutionKind::GuaranteeAgency)
        .map(|i| json!({"code": i.code, "label": i.name, "label_en": i.name}))
        .collect())
}

/// A record as the form's values: text, and lists for the checkbox groups.
fn values_of(record: &ProductRecord) -> Map<String, Value> {
    column_info()
        .iter()
        .filter(|c| input_kind(c.name).is_some())
        .filter_map(|c| {
            let value = record.value(c.name)?;
            let value = if is_checks(c.name) {
                Value::Array(
                    value
                        .split(['|', '、', ',', '，'])
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(Value::from)
                        .collect(),
                )
            } else {
                Value::from(value)
            };
            Some((c.name.to_owned(), value))
        })
        .collect()
}

/// The posted form as a record, and its values to show again.
fn record_of_form(form: &Form) -> (ProductRecord, Map<String, Value>) {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut values = Map::new();
    for c in column_info() {
        if input_kind(c.name).is_none() {
            continue;
        }
        let given = form.all(c.name);
        if is_checks(c.name) {
            let ticked: Vec<&str> = given.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
            values.insert(c.name.to_owned(), Value::Array(ticked.iter().map(|v| Value::from(*v)).collect()));
            let text =
                if c.name == "districts" && ticked.contains(&"all") { "all".to_owned() } else { ticked.join("|") };
            out.push((c.name.to_owned(), text));
        } else if let Some(v) = given.last() {
            values.insert(c.name.to_owned(), Value::from(*v));
            out.push((c.name.to_owned(), (*v).to_owned()));
        }
    }
    (ProductRecord::from_pairs(out), values)
}

/// An API error as form messages: every bad field, or the whole message under `form`.
fn api_errors(e: &ApiError, page: &Page) -> (Map<String, Value>, Vec<Value>) {
    let pick = |zh: &str, en: &str| page.pick(zh, en).to_owned();
    let mut by_field = Map::new();
    let mut list = Vec::new();
    for f in &e.body.errors {
        let input = f.field.split('.').next().unwrap_or(&f.field).to_owned();
        let message = pick(&f.message, &f.message_en);
        // A rule of `eligibility` shows beside `eligibility`, named.
        let shown = if f.field.contains('.') { format!("{}：{message}", f.field) } else { message.clone() };
        match by_field.get_mut(&input) {
            Some(Value::String(s)) => {
                s.push('；');
                s.push_str(&shown);
            }
            _ => {
                by_field.insert(input.clone(), Value::from(shown));
            }
        }
        list.push(json!({"field": input, "label": label_of(&f.field), "message": message}));
    }
    if list.is_empty() {
        let field = e.body.field.clone().unwrap_or_else(|| "form".to_owned());
        let message = pick(&e.body.message, &e.body.message_en);
        by_field.insert(field.clone(), Value::from(message.clone()));
        list.push(json!({"field": field, "label": label_of(&field), "message": message}));
    }
    (by_field, list)
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/// What the note after a redirect says.
fn done_note(page: &Page) -> Value {
    let query = Form::of_query(page.query());
    let n = |key: &str| query.get(key).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let (zh, en) = match query.get("done").unwrap_or_default() {
        "created" => (
            "已保存为草稿。检查无误后请“提交审核”。".to_owned(),
            "Saved as a draft. Submit it for review when ready.".to_owned(),
        ),
        "saved" => ("已保存。".to_owned(), "Saved.".to_owned()),
        "pending_review" => (
            "修改已提交审核；审核通过前，线上展示的仍是原版本。".to_owned(),
            "Your change waits for review; the live version stays listed until it is approved.".to_owned(),
        ),
        "unchanged" => ("内容没有变化。".to_owned(), "Nothing changed.".to_owned()),
        "submitted" => ("已提交审核。".to_owned(), "Submitted for review.".to_owned()),
        "paused" => {
            ("已暂停，产品不再出现在检索和匹配中。".to_owned(), "Paused: hidden from search and matching.".to_owned())
        }
        "resumed" => ("已恢复发布。".to_owned(), "Published again.".to_owned()),
        "archived" => ("已下架。".to_owned(), "Archived.".to_owned()),
        "uploaded" => (
            format!(
                "上传成功：新建 {} 个、修改 {} 个产品已提交审核，{} 个没有变化。",
                n("created"),
                n("submitted"),
                n("unchanged")
            ),
            format!(
                "Uploaded: {} new and {} changed products submitted for review; {} unchanged.",
                n("created"),
                n("submitted"),
                n("unchanged")
            ),
        ),
        "approved" => ("已审核通过并发布。".to_owned(), "Approved and published.".to_owned()),
        "sent_back" => ("已退回修改。".to_owned(), "Sent back.".to_owned()),
        _ => return Value::Null,
    };
    json!({"zh": zh, "en": en})
}

/// The lifecycle buttons a product in `state` offers: (action, 中文, English, class).
fn actions_for(state: LifecycleState) -> Vec<Value> {
    let submit = json!({"action": "submit", "label": "提交审核", "label_en": "Submit for review", "class": "primary"});
    let pause = json!({"action": "pause", "label": "暂停", "label_en": "Pause", "class": ""});
    let resume = json!({"action": "resume", "label": "恢复", "label_en": "Resume", "class": ""});
    let archive = json!({"action": "archive", "label": "下架", "label_en": "Archive", "class": "danger"});
    match state {
        LifecycleState::Draft => vec![submit, archive],
        LifecycleState::InReview => vec![archive],
        LifecycleState::Published => vec![pause, archive],
        LifecycleState::Paused => vec![resume, archive],
        LifecycleState::Archived => Vec::new(),
    }
}

fn product_row(m: &ManagedProduct) -> Value {
    let view = ManagedProductView::from(m);
    json!({
        "id": view.id, "code": view.code, "name": view.name, "family_label": view.family_label,
        "state": view.state, "state_label": view.state_label,
        "pending": m.pending.as_ref().map(|r| shanghai(r.submitted_at)),
        "sent_back_reason": view.sent_back_reason,
        "updated": shanghai(view.updated_at),
        "actions": actions_for(m.product.state),
    })
}

/// Display names of accounts by id (for "who" in histories).
async fn names(state: &AppState, ids: Vec<i64>) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(&id) {
            continue;
        }
        if let Ok(Some(account)) = state.store.account(id).await {
            out.insert(id, account.display_name);
        }
    }
    out
}

/// A column's value for people: vocabulary values by their Chinese labels (`credit` → 信用贷款,
/// `binhai|heping` → 滨海新区、和平区), anything else as written.
fn shown(columns: &[ColumnInfo], column: &str, value: Option<&str>) -> Option<String> {
    let value = value?;
    let Some(info) = columns.iter().find(|c| c.name == column).filter(|c| !c.allowed.is_empty()) else {
        return Some(value.to_owned());
    };
    let label = |v: &str| info.allowed.iter().find(|(code, _)| *code == v).map_or(v, |(_, zh)| *zh).to_owned();
    Some(value.split('|').map(label).collect::<Vec<_>>().join("、"))
}

fn changes_rows(changes: &[finmart_domain::spec_record::ColumnChange]) -> Vec<Value> {
    let columns = column_info();
    changes
        .iter()
        .map(|c| {
            json!({
                "column": c.column, "label": c.label_zh,
                "before": shown(&columns, &c.column, c.before.as_deref()),
                "after": shown(&columns, &c.column, c.after.as_deref()),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// 我的产品

async fn list_page(State(state): State<AppState>, Auth(principal): Auth, page: Page) -> PageResult {
    let bank = lender_of(&principal)?;
    let products = state.store.managed_products(bank).await?;
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    context.insert("products".into(), products.iter().map(product_row).collect::<Vec<_>>().into());
    context.insert("done".into(), done_note(&page));
    page.show("bank_products.html", context)
}

/// The product form page: new (`product` null) or an existing product with its history.
struct FormPage {
    product: Option<ManagedProduct>,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    error_list: Vec<Value>,
    status: StatusCode,
}

impl FormPage {
    /// The form as first shown.
    fn fresh(product: Option<ManagedProduct>, values: Map<String, Value>) -> Self {
        Self { product, values, errors: Map::new(), error_list: Vec::new(), status: StatusCode::OK }
    }

    /// The form shown again with the reasons a 400 gave.
    fn refused(product: Option<ManagedProduct>, values: Map<String, Value>, e: &ApiError, page: &Page) -> Self {
        let (errors, error_list) = api_errors(e, page);
        Self { product, values, errors, error_list, status: StatusCode::BAD_REQUEST }
    }
}

async fn form_page(state: &AppState, page: &Page, form: FormPage) -> PageResult {
    let agencies = agency_choices(state).await?;
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    context.insert("fields".into(), fields(&agencies).into());
    context.insert("values".into(), Value::Object(form.values));
    context.insert("errors".into(), Value::Object(form.errors));
    context.insert("error_list".into(), form.error_list.into());
    context.insert("done".into(), done_note(page));
    let path = match &form.product {
        None => "/bank/products/new".to_owned(),
        Some(m) => {
            let id = m.product.id;
            let versions = state.store.product_versions(Some(m.product.institution.id), id).await?;
            let who = names(state, versions.iter().filter_map(|v| v.account_id).collect()).await;
            let history: Vec<Value> = versions
                .iter()
                .map(|v| {
                    json!({
                        "version": v.version, "at": shanghai(v.at), "action": v.action.as_str(),
                        "action_label": v.action.label_zh(),
                        "action_label_en": v.action.label_en(),
                        "state_label": v.state.label_zh(),
                        "who": v.account_id.map(|a| who.get(&a).cloned().unwrap_or_else(|| format!("#{a}"))),
                        "changes": changes_rows(&v.changes),
                    })
                })
                .collect();
            let view = ManagedProductView::from(m);
            context.insert(
                "product".into(),
                json!({
                    "id": id, "code": view.code, "name": view.name, "state": view.state,
                    "state_label": view.state_label,
                    "pending": m.pending.as_ref().map(|r| shanghai(r.submitted_at)),
                    "sent_back_reason": view.sent_back_reason,
                    "live": matches!(m.product.state, LifecycleState::Published | LifecycleState::Paused),
                    "archived": m.product.state == LifecycleState::Archived,
                    "actions": actions_for(m.product.state),
                }),
            );
            context.insert("history".into(), history.into());
            format!("/bank/products/{id}")
        }
    };
    context.insert("action".into(), path.into());
    page.show_with(form.status, "bank_product_form.html", context)
}

async fn new_page(State(state): State<AppState>, Auth(principal): Auth, page: Page) -> PageResult {
    lender_of(&principal)?;
    let mut values = Map::new();
    values.insert("valid_from".into(), today().to_string().into());
    values.insert("rate_basis".into(), "fixed".into());
    values.insert("online".into(), "false".into());
    form_page(&state, &page, FormPage::fresh(None, values)).await
}

async fn new_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    lender_of(&principal)?;
    let (record, values) = record_of_form(&form);
    match create(&state, &caller, &principal, &record).await {
        Ok(id) => Ok(see_other(&format!("/bank/products/{id}?done=created"))),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            form_page(&state, &page, FormPage::refused(None, values, &e, &page)).await
        }
        Err(e) => Err(e),
    }
}

/// The caller's product `id`.
async fn load(state: &AppState, principal: &Principal, id: i64) -> Result<ManagedProduct, ApiError> {
    let bank = lender_of(principal)?;
    Ok(state.store.managed_product(bank, id).await?)
}

async fn edit_page(State(state): State<AppState>, Auth(principal): Auth, page: Page, Id(id): Id) -> PageResult {
    let m = load(&state, &principal, id).await?;
    // The form shows what the bank last proposed, when a proposal is pending.
    let record = m.pending.as_ref().map_or_else(|| product_record(&m.product), |r| r.record.clone());
    form_page(&state, &page, FormPage::fresh(Some(m), values_of(&record))).await
}

async fn edit_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let m = load(&state, &principal, id).await?;
    let (mut record, values) = record_of_form(&form);
    // The code cannot change; the form shows it read-only.
    record.set("code", m.product.spec.code.as_str());
    match edit(&state, &caller, &principal, id, &record).await {
        Ok(outcome) => {
            let (done, _) = outcome_name(outcome);
            Ok(see_other(&format!("/bank/products/{id}?done={done}")))
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            form_page(&state, &page, FormPage::refused(Some(m), values, &e, &page)).await
        }
        Err(e) => Err(e),
    }
}

async fn action_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    Id(id): Id,
    Path((_, action)): Path<(String, String)>,
    form: Form,
) -> PageResult {
    lender_of(&principal)?;
    let named = Act::named(&action).ok_or_else(|| ApiError::not_found("页面", "page"))?;
    let (done, _) = act(&state, &caller, &principal, id, named).await?;
    Ok(see_other(&if form.all("back").contains(&"list") {
        format!("/bank/products?done={done}")
    } else {
        format!("/bank/products/{id}?done={done}")
    }))
}

// ---------------------------------------------------------------------------------------------------------
// 批量上传

async fn template_file(Auth(principal): Auth) -> PageResult {
    lender_of(&principal)?;
    template_download()
}

/// The upload page, with what was wrong with a refused file: a message, and its rows' problems.
fn upload_form(page: &Page, problems: Option<(String, Vec<RowProblem>)>, status: StatusCode) -> PageResult {
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    let columns: Vec<Value> = column_info()
        .iter()
        .filter(|c| !matches!(c.name, "institution_name" | "institution_kind" | "state"))
        .map(|c| json!({"name": c.name, "label": c.label_zh, "required": c.required, "rule": c.rule_zh}))
        .collect();
    context.insert("columns".into(), columns.into());
    if let Some((file_error, rows)) = problems {
        context.insert("file_error".into(), file_error.into());
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| json!({"row": r.row, "field": r.field, "label": r.label_zh, "message": page.pick(&r.message, &r.message_en)}))
            .collect();
        context.insert("rows".into(), rows.into());
    }
    page.show_with(status, "bank_upload.html", context)
}

async fn upload_page(Auth(principal): Auth, page: Page) -> PageResult {
    lender_of(&principal)?;
    upload_form(&page, None, StatusCode::OK)
}

async fn upload_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    page: Page,
    mut multipart: Multipart,
) -> PageResult {
    lender_of(&principal)?;
    let unreadable = |zh: &str, e: MultipartError| ApiError::new(ErrorCode::InvalidBody, zh, e.body_text());
    let mut file: Option<(String, Bytes)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable("上传的表单无法读取", e))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        file = Some((name, field.bytes().await.map_err(|e| unreadable("文件无法读取", e))?));
    }
    let refused = |message: &str| upload_form(&page, Some((message.to_owned(), Vec::new())), StatusCode::BAD_REQUEST);
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty()) else {
        return refused(page.pick("请选择 .xlsx 或 .csv 文件", "Choose a .xlsx or .csv file"));
    };
    match upload(&state, &caller, &principal, &name, &bytes).await {
        Ok(s) => Ok(see_other(&format!(
            "/bank/products?done=uploaded&created={}&submitted={}&unchanged={}",
            s.created, s.submitted, s.unchanged
        ))),
        Err(UploadFailure::Rows(rows)) => {
            let count = rows.len();
            let message = if page.en() {
                format!("The file has {count} problem(s); nothing was imported. Fix them and upload again.")
            } else {
                format!("文件有 {count} 处问题，未导入任何产品。请修改后重新上传。")
            };
            upload_form(&page, Some((message, rows.iter().map(RowProblem::from).collect())), StatusCode::BAD_REQUEST)
        }
        Err(UploadFailure::Api(e)) if e.status == StatusCode::BAD_REQUEST => {
            refused(page.pick(&e.body.message, &e.body.message_en))
        }
        Err(UploadFailure::Api(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 产品审核 (operator)

/// The queue, with a refused decision's message and reason shown on its review.
async fn reviews_context(
    state: &AppState,
    failed: Option<(i64, String, String)>,
) -> Result<Map<String, Value>, ApiError> {
    let items = state.store.pending_reviews(QUEUE_LIMIT).await?;
    let who = names(state, items.iter().map(|i| i.review.submitted_by).collect()).await;
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            let view = ReviewQueueItem::from(i);
            let error = failed.as_ref().filter(|(id, _, _)| *id == i.review.id);
            json!({
                "id": i.review.id, "product_id": view.product_id, "code": view.product_code,
                "name": view.product_name, "institution": view.institution_name,
                "state_label": view.product_state_label, "live": view.live,
                "submitted": shanghai(i.review.submitted_at),
                "by": who.get(&i.review.submitted_by).cloned().unwrap_or_else(|| format!("#{}", i.review.submitted_by)),
                "changes": changes_rows(&i.changes),
                "error": error.map(|(_, message, _)| message),
                "reason": error.map(|(_, _, reason)| reason),
            })
        })
        .collect();
    let mut context = Map::new();
    context.insert("page".into(), "admin_reviews".into());
    context.insert("reviews".into(), rows.into());
    Ok(context)
}

async fn reviews_page(State(state): State<AppState>, Auth(principal): Auth, page: Page) -> PageResult {
    require(&principal, &[Role::Operator])?;
    let mut context = reviews_context(&state, None).await?;
    context.insert("done".into(), done_note(&page));
    page.show("admin_reviews.html", context)
}

async fn approve_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    require(&principal, &[Role::Operator])?;
    approve(&state, &caller, &principal, id).await?;
    Ok(see_other("/admin/reviews?done=approved"))
}

async fn send_back_submit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    require(&principal, &[Role::Operator])?;
    let reason = form.field("reason").to_owned();
    match send_back(&state, &caller, &principal, id, &reason).await {
        Ok(_) => Ok(see_other("/admin/reviews?done=sent_back")),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let (by_field, _) = api_errors(&e, &page);
            let message = by_field.values().next().and_then(Value::as_str).unwrap_or_default().to_owned();
            let context = reviews_context(&state, Some((id, message, reason))).await?;
            page.clone().at("/admin/reviews").show_with(e.status, "admin_reviews.html", context)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 担保产品 (guarantee agency)

async fn agency_page(State(state): State<AppState>, Auth(principal): Auth, page: Page) -> PageResult {
    let agency = agency_of(&principal)?;
    let products = state.store.agency_products(agency).await?;
    let rows: Vec<Value> = products
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.spec.name, "code": p.spec.code, "institution": p.institution.name,
                "family": p.spec.family.label_zh(),
                "state": p.state.as_str(),
                "state_label": p.state.label_zh(),
                "amount": format!("{} – {}", p.spec.amount.min().display_zh(), p.spec.amount.max().display_zh()),
                "amount_en": format!("{} – {}", p.spec.amount.min().display_en(), p.spec.amount.max().display_en()),
                "fee": p.spec.guarantee.as_ref().map(|g| g.fee_rate.percent_text()),
                "listed": p.is_listed_on(today()),
                "updated": shanghai(p.updated_at),
            })
        })
        .collect();
    let mut context = Map::new();
    context.insert("page".into(), "agency_products".into());
    context.insert("products".into(), rows.into());
    page.show("agency_products.html", context)
}
