//! The pages: 我的产品 (`/bank/products`), 新建 and 编辑 (one input per import column, with the version
//! history), 批量上传 (with the template and a row-by-row error table), the operator's 产品审核 queue
//! (`/admin/reviews`) and the guarantee agency's 担保产品 (`/agency/products`).
//!
//! Forms post back (with the CSRF field); success redirects (303) with a `done` note, a bad form is shown
//! again with the reasons beside the fields (400).

use super::{
    ManagedProductView, RowProblem, UploadFailure, act, agency_of, approve, bank_of, create, edit, label_of, send_back,
    template_download, upload,
};
use crate::auth::{Auth, Caller, require};
use crate::error::ApiError;
use crate::forms::{query_value, see_other};
use crate::lang::{Lang, negotiate};
use crate::pages::{PageError, page_error, show};
use crate::state::{AppState, today};
use crate::views::shanghai;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use finmart_domain::{
    ColumnInfo, InstitutionKind, Labelled, LifecycleState, Principal, ProductRecord, Role, column_info,
};
use finmart_store::ManagedProduct;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// This module's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    crate::template!("bank_products.html"),
    crate::template!("bank_product_form.html"),
    crate::template!("bank_upload.html"),
    crate::template!("admin_reviews.html"),
    crate::template!("agency_products.html"),
];

/// This module's pages and form posts.
pub fn pages() -> Router<AppState> {
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
fn record_of_form(body: &[u8]) -> (ProductRecord, Map<String, Value>) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut values = Map::new();
    for c in column_info() {
        if input_kind(c.name).is_none() {
            continue;
        }
        let given: Vec<&str> = pairs.iter().filter(|(k, _)| k == c.name).map(|(_, v)| v.as_str()).collect();
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
fn api_errors(e: &ApiError, lang: Lang) -> (Map<String, Value>, Vec<Value>) {
    let pick = |zh: &str, en: &str| if lang.is_en() { en.to_owned() } else { zh.to_owned() };
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
fn done_note(raw: Option<&str>) -> Option<Value> {
    let done = query_value(raw, "done")?;
    let n = |key: &str| query_value(raw, key).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let (zh, en) = match done.as_str() {
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
        _ => return None,
    };
    Some(json!({"zh": zh, "en": en}))
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

fn bank(state: &AppState, lang: Lang, principal: &Principal) -> Result<i64, PageError> {
    bank_of(principal).map_err(|e| page_error(state, lang, e))
}

// ---------------------------------------------------------------------------------------------------------
// 我的产品

async fn list_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let bank = bank(&state, lang, &principal)?;
    let products = state.store.managed_products(bank).await.map_err(|e| page_error(&state, lang, e.into()))?;
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    context.insert("products".into(), products.iter().map(product_row).collect::<Vec<_>>().into());
    context.insert("done".into(), done_note(raw.as_deref()).unwrap_or(Value::Null));
    show(&state, (lang, cookie), "bank_products.html", context, "/bank/products", raw.as_deref(), StatusCode::OK)
}

/// The product form page: new (`product` null) or an existing product with its history.
struct FormPage {
    product: Option<ManagedProduct>,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    error_list: Vec<Value>,
    status: StatusCode,
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    cookie: Option<axum::http::HeaderValue>,
    raw: Option<&str>,
    page: FormPage,
) -> Result<Response, PageError> {
    let agencies = agency_choices(state).await.map_err(|e| page_error(state, lang, e))?;
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    context.insert("fields".into(), fields(&agencies).into());
    context.insert("values".into(), Value::Object(page.values));
    context.insert("errors".into(), Value::Object(page.errors));
    context.insert("error_list".into(), page.error_list.into());
    context.insert("done".into(), done_note(raw).unwrap_or(Value::Null));
    let path = match &page.product {
        None => "/bank/products/new".to_owned(),
        Some(m) => {
            let id = m.product.id;
            let versions = state.store.product_versions(Some(m.product.institution.id), id).await;
            let versions = versions.map_err(|e| page_error(state, lang, super::product_error(e)))?;
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
    context.insert("action".into(), path.clone().into());
    show(state, (lang, cookie), "bank_product_form.html", context, &path, raw, page.status)
}

async fn new_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    let mut values = Map::new();
    values.insert("valid_from".into(), today().to_string().into());
    values.insert("rate_basis".into(), "fixed".into());
    values.insert("online".into(), "false".into());
    let page = FormPage { product: None, values, errors: Map::new(), error_list: Vec::new(), status: StatusCode::OK };
    form_page(&state, lang, cookie, raw.as_deref(), page).await
}

async fn new_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    let (record, values) = record_of_form(&body);
    match create(&state, &caller, &principal, &record).await {
        Ok(id) => Ok(see_other(&format!("/bank/products/{id}?done=created"))),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let (errors, error_list) = api_errors(&e, lang);
            let page = FormPage { product: None, values, errors, error_list, status: StatusCode::BAD_REQUEST };
            form_page(&state, lang, cookie, raw.as_deref(), page).await
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

async fn load(state: &AppState, lang: Lang, principal: &Principal, id: &str) -> Result<ManagedProduct, PageError> {
    let bank = bank(state, lang, principal)?;
    let id = crate::api::parse_id(id).map_err(|e| page_error(state, lang, e))?;
    state.store.managed_product(bank, id).await.map_err(|e| page_error(state, lang, super::product_error(e)))
}

async fn edit_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let m = load(&state, lang, &principal, &id).await?;
    // The form shows what the bank last proposed, when a proposal is pending.
    let record = m.pending.as_ref().map_or_else(|| super::product_record(&m.product), |r| r.record.clone());
    let page = FormPage {
        values: values_of(&record),
        product: Some(m),
        errors: Map::new(),
        error_list: Vec::new(),
        status: StatusCode::OK,
    };
    form_page(&state, lang, cookie, raw.as_deref(), page).await
}

async fn edit_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let m = load(&state, lang, &principal, &id).await?;
    let id = m.product.id;
    let (mut record, values) = record_of_form(&body);
    // The code cannot change; the form shows it read-only.
    record.set("code", m.product.spec.code.as_str());
    match edit(&state, &caller, &principal, id, &record).await {
        Ok(outcome) => {
            let (done, _) = super::outcome_name(outcome);
            Ok(see_other(&format!("/bank/products/{id}?done={done}")))
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let (errors, error_list) = api_errors(&e, lang);
            let page = FormPage { product: Some(m), values, errors, error_list, status: StatusCode::BAD_REQUEST };
            form_page(&state, lang, cookie, raw.as_deref(), page).await
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

async fn action_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    let id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    let (done, _) = act(&state, &caller, &principal, id, &action).await.map_err(|e| page_error(&state, lang, e))?;
    let back_to_list = form_urlencoded::parse(&body).any(|(k, v)| k == "back" && v == "list");
    Ok(see_other(&if back_to_list {
        format!("/bank/products?done={done}")
    } else {
        format!("/bank/products/{id}?done={done}")
    }))
}

// ---------------------------------------------------------------------------------------------------------
// 批量上传

async fn template_file(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    template_download().map_err(|e| page_error(&state, lang, e))
}

async fn upload_form(
    state: &AppState,
    lang: Lang,
    cookie: Option<axum::http::HeaderValue>,
    raw: Option<&str>,
    problems: Option<(Option<String>, Vec<RowProblem>)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut context = Map::new();
    context.insert("page".into(), "bank_products".into());
    let columns: Vec<Value> = column_info()
        .iter()
        .filter(|c| !matches!(c.name, "institution_name" | "institution_kind" | "state"))
        .map(|c| json!({"name": c.name, "label": c.label_zh, "required": c.required, "rule": c.rule_zh}))
        .collect();
    context.insert("columns".into(), columns.into());
    if let Some((file_error, rows)) = problems {
        context.insert("file_error".into(), file_error.map_or(Value::Null, Value::from));
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({"row": r.row, "field": r.field, "label": r.label_zh,
                       "message": if lang.is_en() { &r.message_en } else { &r.message }})
            })
            .collect();
        context.insert("rows".into(), rows.into());
    }
    show(state, (lang, cookie), "bank_upload.html", context, "/bank/products/upload", raw, status)
}

async fn upload_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    upload_form(&state, lang, cookie, raw.as_deref(), None, StatusCode::OK).await
}

async fn upload_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank(&state, lang, &principal)?;
    let mut file: Option<(String, Bytes)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let error = ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "上传的表单无法读取", e.body_text());
                return Err(page_error(&state, lang, error));
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        match field.bytes().await {
            Ok(bytes) => file = Some((name, bytes)),
            Err(e) => {
                let error = ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "文件无法读取", e.body_text());
                return Err(page_error(&state, lang, error));
            }
        }
    }
    let failed = |message: String| Some((Some(message), Vec::new()));
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty()) else {
        let message = if lang.is_en() { "Choose a .xlsx or .csv file" } else { "请选择 .xlsx 或 .csv 文件" };
        return upload_form(&state, lang, cookie, raw.as_deref(), failed(message.to_owned()), StatusCode::BAD_REQUEST)
            .await;
    };
    match upload(&state, &caller, &principal, &name, &bytes).await {
        Ok(s) => Ok(see_other(&format!(
            "/bank/products?done=uploaded&created={}&submitted={}&unchanged={}",
            s.created, s.submitted, s.unchanged
        ))),
        Err(UploadFailure::Rows(rows)) => {
            let problems: Vec<RowProblem> = rows.iter().map(RowProblem::from).collect::<Vec<_>>();
            let count = problems.len();
            let message = if lang.is_en() {
                format!("The file has {count} problem(s); nothing was imported. Fix them and upload again.")
            } else {
                format!("文件有 {count} 处问题，未导入任何产品。请修改后重新上传。")
            };
            upload_form(&state, lang, cookie, raw.as_deref(), Some((Some(message), problems)), StatusCode::BAD_REQUEST)
                .await
        }
        Err(UploadFailure::Api(e)) if e.status == StatusCode::BAD_REQUEST => {
            let message = if lang.is_en() { e.body.message_en } else { e.body.message };
            upload_form(&state, lang, cookie, raw.as_deref(), failed(message), StatusCode::BAD_REQUEST).await
        }
        Err(UploadFailure::Api(e)) => Err(page_error(&state, lang, e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 产品审核 (operator)

async fn reviews_context(
    state: &AppState,
    lang: Lang,
    failed: Option<(i64, String, String)>,
) -> Result<Map<String, Value>, PageError> {
    let items = state.store.pending_reviews(super::QUEUE_LIMIT).await.map_err(|e| page_error(state, lang, e.into()))?;
    let who = names(state, items.iter().map(|i| i.review.submitted_by).collect()).await;
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            let view = super::ReviewQueueItem::from(i);
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

fn operator(state: &AppState, lang: Lang, principal: &Principal) -> Result<(), PageError> {
    require(principal, &[Role::Operator]).map_err(|e| page_error(state, lang, e))
}

async fn reviews_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    operator(&state, lang, &principal)?;
    let mut context = reviews_context(&state, lang, None).await?;
    context.insert("done".into(), done_note(raw.as_deref()).unwrap_or(Value::Null));
    show(&state, (lang, cookie), "admin_reviews.html", context, "/admin/reviews", raw.as_deref(), StatusCode::OK)
}

async fn approve_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    operator(&state, lang, &principal)?;
    let id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    approve(&state, &caller, &principal, id).await.map_err(|e| page_error(&state, lang, e))?;
    Ok(see_other("/admin/reviews?done=approved"))
}

async fn send_back_submit(
    State(state): State<AppState>,
    caller: Caller,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    operator(&state, lang, &principal)?;
    let id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    let reason: String =
        form_urlencoded::parse(&body).find(|(k, _)| k == "reason").map(|(_, v)| v.into_owned()).unwrap_or_default();
    match send_back(&state, &caller, &principal, id, &reason).await {
        Ok(_) => Ok(see_other("/admin/reviews?done=sent_back")),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let (by_field, _) = api_errors(&e, lang);
            let message = by_field.values().next().and_then(Value::as_str).unwrap_or_default().to_owned();
            let context = reviews_context(&state, lang, Some((id, message, reason))).await?;
            show(&state, (lang, cookie), "admin_reviews.html", context, "/admin/reviews", raw.as_deref(), e.status)
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 担保产品 (guarantee agency)

async fn agency_page(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let agency = agency_of(&principal).map_err(|e| page_error(&state, lang, e))?;
    let products = state.store.agency_products(agency).await.map_err(|e| page_error(&state, lang, e.into()))?;
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
    show(&state, (lang, cookie), "agency_products.html", context, "/agency/products", raw.as_deref(), StatusCode::OK)
}
