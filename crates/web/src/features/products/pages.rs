//! The pages: 我的产品 (`/bank/products`), 新建 and 编辑 (the form in plain words of `form.rs`, with the
//! version history), 批量上传 (with the template and a row-by-row error table), the operator's 产品审核 queue
//! (`/admin/reviews`) and the guarantee agency's 担保产品 (`/agency/products`).
//!
//! Forms post back (with the CSRF field); success redirects (303) with a `done` note, a bad form is shown
//! again with the reasons beside the fields (400).

use super::form::{self, FormErrors, Intent, ProductForm};
use super::{
    Act, Bank, QUEUE_LIMIT, ReviewQueueItem, approve, label_of, outcome_name, product_record, send_back,
    template_download,
};
use crate::http::auth::{AgencyUser, Caller, OperatorUser};
use crate::http::confirm::{self, Confirmation};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::{FromSegment, Id, Segment};
use crate::http::format::{shanghai, span_en, span_zh};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::spec_record::ColumnChange;
use finmart_domain::{
    Bps, Collateral, ColumnInfo, Division, EligibilityRules, Fen, HomeArea, InstitutionKind, Labelled, LifecycleAct,
    LifecycleState, PolicySupport, ProductAct, ProductFamily, ProductRecord, RatePeriod, RepaymentMethod, column_info,
};
use finmart_store::{ManagedProduct, RowError};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/bank/products", get(list_page))
        .route("/bank/products/new", get(new_page).post(new_submit))
        .route("/bank/products/upload", get(upload_page).post(upload_submit))
        .route("/bank/products/template.xlsx", get(template_download))
        .route("/bank/products/{id}", get(edit_page).post(edit_submit))
        .route("/bank/products/{id}/{action}", post(action_submit))
        .route("/admin/reviews", get(reviews_page))
        .route("/admin/reviews/{id}/approve", post(approve_submit))
        .route("/admin/reviews/{id}/send-back", post(send_back_submit))
        .route("/agency/products", get(agency_page))
}

// ---------------------------------------------------------------------------------------------------------
// The product form (its inputs and their record: `form.rs`)

/// The guarantee agencies, as choices for the agency select.
async fn agency_choices(state: &AppState) -> Result<Vec<Value>, ApiError> {
    Ok(state
        .store
        .institutions()
        .await?
        .into_iter()
        .filter(|i| i.kind == InstitutionKind::GuaranteeAgency)
        .map(|i| json!({"code": i.code, "label": i.name}))
        .collect())
}

/// An API error as form messages: every bad field, or the whole message under `form`.
fn api_errors(e: &ApiError, page: &Page) -> (Map<String, Value>, Vec<Value>) {
    let pick = |zh: &str, en: &str| page.pick(zh, en).to_owned();
    let mut by_field = Map::new();
    let mut list = Vec::new();
    for f in &e.body.errors {
        let input = f.field.split('.').next().unwrap_or(&f.field).to_owned();
        let message = pick(&f.message, &f.message_en);
        // Every bad rule of `eligibility` shows beside `eligibility`, one after another; each message quotes
        // its rule as written.
        match by_field.get_mut(&input) {
            Some(Value::String(s)) => {
                s.push('；');
                s.push_str(&message);
            }
            _ => {
                by_field.insert(input.clone(), Value::from(message.clone()));
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
        "created" => ("已保存为草稿。检查无误后请“提交审核”。", "Saved as a draft. Submit it for review when ready."),
        "saved" => ("已保存。", "Saved."),
        "pending_review" => (
            "修改已提交审核；审核通过前，线上展示的仍是原版本。",
            "Your change waits for review; the live version stays listed until it is approved.",
        ),
        "unchanged" => ("内容没有变化。", "Nothing changed."),
        "submitted" => ("已提交审核。", "Submitted for review."),
        "paused" => ("已暂停，产品不再出现在检索和匹配中。", "Paused: hidden from search and matching."),
        "resumed" => ("已恢复发布。", "Published again."),
        "archived" => ("已下架。", "Archived."),
        "uploaded" => {
            let (new, changed, same) = (n("created"), n("submitted"), n("unchanged"));
            let zh = format!("上传成功：新建 {new} 个、修改 {changed} 个产品已提交审核，{same} 个没有变化。");
            let en =
                format!("Uploaded: {new} new and {changed} changed products submitted for review; {same} unchanged.");
            return json!({"zh": zh, "en": en});
        }
        "approved" => ("已审核通过并发布。", "Approved and published."),
        "sent_back" => ("已退回修改。", "Sent back."),
        _ => return Value::Null,
    };
    json!({"zh": zh, "en": en})
}

/// The lifecycle buttons, one per act: (act, 中文, English, class).
const BUTTONS: [(Act, &str, &str, &str); 4] = [
    (Act::Submit, "提交审核", "Submit for review", "primary"),
    (Act::Change(LifecycleAct::Pause), "暂停", "Pause", ""),
    (Act::Change(LifecycleAct::Resume), "恢复", "Resume", ""),
    (Act::Change(LifecycleAct::Archive), "下架", "Archive", "danger"),
];

/// The lifecycle buttons a product in `state` offers: those of the acts its lifecycle allows.
fn actions_for(state: LifecycleState) -> Vec<Value> {
    BUTTONS
        .iter()
        .filter(|(act, ..)| act.lifecycle().apply(state).is_ok())
        .map(|(act, label, label_en, class)| {
            json!({"action": act.names().0, "label": label, "label_en": label_en, "class": class})
        })
        .collect()
}

impl FromSegment for Act {
    const NAME: &'static str = "action";

    /// An act no route names is no page (404).
    fn from_segment(text: &str) -> Result<Self, ApiError> {
        BUTTONS.iter().map(|b| b.0).find(|act| act.names().0 == text).ok_or_else(|| ApiError::not_found("页面", "page"))
    }
}

/// A product as the list and its form show it, with `more`.
fn product_view(m: &ManagedProduct, more: Value) -> Value {
    let p = &m.product;
    let mut view = object(json!({
        "id": p.id, "code": p.spec.code, "name": p.spec.name, "state": p.state.as_str(),
        "state_label": p.state.label_zh(), "state_label_en": p.state.label_en(),
        "pending": m.pending.as_ref().map(|r| shanghai(r.submitted_at)),
        "sent_back_reason": m.sent_back_reason(),
        "actions": actions_for(p.state),
    }));
    view.extend(object(more));
    view.into()
}

/// Display names of accounts by id (for "who" in histories); `#id` for an account not found.
async fn names(state: &AppState, ids: Vec<i64>) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    for id in ids {
        if let Entry::Vacant(name) = out.entry(id) {
            let account = state.store.account(id).await.ok().flatten();
            name.insert(account.map_or_else(|| format!("#{id}"), |a| a.display_name));
        }
    }
    out
}

/// A column's value for people, in the page's language, never as the import cell's machine text:
/// vocabulary values by their labels (`credit` → 信用贷款), amounts in 万元 (`3000000` → 300 万元), conditions
/// as their sentences (`min_years_in_operation=2` → 成立满 2 年), places by name, percentages with their sign;
/// anything else as written.
fn shown(columns: &[ColumnInfo], column: &str, value: Option<&str>, en: bool, home: &HomeArea) -> Option<String> {
    let value = value?;
    let joined = |parts: Vec<String>| parts.join(if en { ", " } else { "、" });
    // `a|b` lists any one of, `a+b` (collateral) all of: each value is shown, the separators kept in words.
    let each = |f: &dyn Fn(&str) -> Option<String>| {
        let one = |v: &str| f(v.trim()).unwrap_or_else(|| v.to_owned());
        let all = |v: &str| v.split('+').map(one).collect::<Vec<_>>().join(if en { " and " } else { "及" });
        joined(value.split('|').map(all).collect())
    };
    Some(match column {
        "amount_min_yuan" | "amount_max_yuan" => Fen::parse_yuan(value)
            .map_or_else(|_| value.to_owned(), |f| if en { f.display_en() } else { f.display_zh() }),
        "eligibility" => EligibilityRules::parse_line(value).map_or_else(
            |_| value.to_owned(),
            |rules| {
                let sentences: Vec<String> =
                    rules.rules().iter().map(|r| if en { r.describe_en() } else { r.describe_zh() }).collect();
                sentences.join(if en { "; " } else { "；" })
            },
        ),
        "online" => match value.trim() {
            "true" | "是" => (if en { "Yes" } else { "是" }).to_owned(),
            "false" | "否" => (if en { "No" } else { "否" }).to_owned(),
            other => other.to_owned(),
        },
        c if c.ends_with("_pct") => each(&|v| Bps::parse_percent(v).ok().map(Bps::percent_text)),
        c if c.ends_with("_bps") => each(&|v| {
            v.parse::<i64>().ok().map(|n| if en { format!("{n} basis points") } else { format!("{n} 个基点") })
        }),
        "districts" => each(&|v| Division::resolve(v, home).ok().map(|d| d.name_from(home))),
        "materials" => joined(value.split(['|', '、']).map(|m| m.trim().to_owned()).collect()),
        _ => {
            let Some(info) = columns.iter().find(|c| c.name == column).filter(|c| !c.allowed.is_empty()) else {
                return Some(value.to_owned());
            };
            each(&|v| {
                let code = info.allowed.iter().find(|(code, _)| *code == v)?.0;
                Some(if en {
                    english_label(column, code).unwrap_or(code).to_owned()
                } else {
                    vocabulary_label(info, code)
                })
            })
        }
    })
}

/// How a change's values are shown: `code` for the codes a bank gives (shown as they are), `data` for text
/// shown as the bank wrote it (a name, a description, materials: marked with its language), `text` for
/// values the page words itself (amounts, vocabularies, rules, places).
fn shown_as(columns: &[ColumnInfo], column: &str) -> &'static str {
    match column {
        "institution_code" | "code" | "guarantee_agency_code" => "code",
        "amount_min_yuan" | "amount_max_yuan" | "eligibility" | "online" | "districts" => "text",
        c if c.ends_with("_pct") || c.ends_with("_bps") => "text",
        c if columns.iter().any(|i| i.name == c && !i.allowed.is_empty()) => "text",
        _ => "data",
    }
}

/// A vocabulary value's Chinese label as the column lists it.
fn vocabulary_label(info: &ColumnInfo, code: &str) -> String {
    info.allowed.iter().find(|(c, _)| *c == code).map_or(code, |(_, zh)| *zh).to_owned()
}

/// A vocabulary value's English label, for the columns whose vocabulary has one.
fn english_label(column: &str, code: &str) -> Option<&'static str> {
    fn of<T: Labelled>(code: &str) -> Option<&'static str> {
        T::parse(code).ok().map(Labelled::label_en)
    }
    match column {
        "family" | "more_families" => of::<ProductFamily>(code),
        "repayment_methods" => of::<RepaymentMethod>(code),
        "collateral" => of::<Collateral>(code),
        "policy_support" => of::<PolicySupport>(code),
        "verified_rules" => of::<finmart_domain::RuleKind>(code),
        "rate_unit" => of::<RatePeriod>(code),
        "institution_kind" => of::<InstitutionKind>(code),
        "state" => of::<LifecycleState>(code),
        _ => None,
    }
}

fn changes_rows(changes: &[ColumnChange], en: bool, home: &HomeArea) -> Vec<Value> {
    let columns = column_info();
    changes
        .iter()
        .map(|c| {
            let label = columns
                .iter()
                .find(|i| i.name == c.column)
                .map_or(c.label_zh.as_str(), |i| if en { i.label_en } else { i.label_zh });
            json!({
                "column": c.column, "label": label, "kind": shown_as(&columns, &c.column),
                "before": shown(&columns, &c.column, c.before.as_deref(), en, home),
                "after": shown(&columns, &c.column, c.after.as_deref(), en, home),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// 我的产品

async fn list_page(bank: Bank, page: Page) -> PageResult {
    let products = bank.state.store.managed_products(bank.id).await?;
    let rows: Vec<Value> = products
        .iter()
        .map(|m| {
            let p = &m.product;
            product_view(m, json!({"family_label": p.spec.family.label_zh(), "updated": shanghai(p.updated_at)}))
        })
        .collect();
    page.show(
        "bank_products.html",
        object(json!({"page": "bank_products", "products": rows, "done": done_note(&page)})),
    )
}

/// The product form page: new (`product` none) or an existing product with its history; after a refused
/// save (400), with the reasons beside the inputs; after a button that only shows the form again (添加条件,
/// 删除, 预览), with everything as typed.
async fn form_page(
    state: &AppState,
    page: &Page,
    product: Option<&ManagedProduct>,
    form: &ProductForm,
    errors: &FormErrors,
    intent: Intent,
) -> PageResult {
    let (errors, error_list) = errors.view(page.en());
    let (values, rules) = form.view(page.en(), intent != Intent::AddRule && intent != Intent::RemoveRule);
    let mut context = object(json!({
        "page": "bank_products", "values": values, "rules": rules, "errors": errors, "error_list": error_list,
        "agencies": agency_choices(state).await?, "done": done_note(page), "action": "/bank/products/new",
        "moved": intent != Intent::Save,
    }));
    context.extend(form::choices(&state.config.home_area));
    context.insert("rule_blank".into(), form::rules::RuleRow::default().view("__i__", page.en(), false));
    if let Some(m) = product {
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
                    "state_label_en": v.state.label_en(),
                    "who": v.account_id.map(|a| who.get(&a)),
                    "changes": changes_rows(&v.changes, page.en(), &state.config.home_area),
                })
            })
            .collect();
        let state = m.product.state;
        let more = json!({"live": state.is_live(), "archived": state == LifecycleState::Archived});
        context.insert("product".into(), product_view(m, more));
        context.insert("history".into(), history.into());
        context.insert("action".into(), format!("/bank/products/{id}").into());
    }
    let status = if error_list.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    page.show_with(status, "bank_product_form.html", context)
}

async fn new_page(bank: Bank, page: Page) -> PageResult {
    form_page(
        &bank.state,
        &page,
        None,
        &ProductForm::blank(&bank.state.config.home_area),
        &FormErrors::default(),
        Intent::Save,
    )
    .await
}

/// A posted form: shown again for a button that only changes the form; else its record, or everything
/// wrong with it (what the form refuses and what the record refuses, at once).
async fn posted_record(
    bank: &Bank,
    posted: &Form,
    code: Option<&str>,
) -> Result<Result<ProductRecord, (ProductForm, FormErrors, Intent)>, ApiError> {
    let (form, intent) = ProductForm::from_post(posted);
    if intent != Intent::Save {
        return Ok(Err((form, FormErrors::default(), intent)));
    }
    let (mut record, mut errors) = form.to_record();
    // The code cannot change once created; the form shows it read-only.
    if let Some(code) = code {
        record.set("code", code);
    }
    if errors.is_empty() {
        return Ok(Ok(record));
    }
    match bank.spec(&record).await {
        Err(e) if e.status == StatusCode::BAD_REQUEST => errors.add_api(&e, &form),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    Ok(Err((form, errors, intent)))
}

async fn new_submit(bank: Bank, page: Page, posted: Form) -> PageResult {
    let (form, errors, intent) = match posted_record(&bank, &posted, None).await? {
        Ok(record) => match bank.create(&record).await {
            Ok(id) => return Ok(see_other(&format!("/bank/products/{id}?done=created"))),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                let form = ProductForm::from_post(&posted).0;
                let mut errors = FormErrors::default();
                errors.add_api(&e, &form);
                (form, errors, Intent::Save)
            }
            Err(e) => return Err(e),
        },
        Err(shown) => shown,
    };
    form_page(&bank.state, &page, None, &form, &errors, intent).await
}

async fn edit_page(bank: Bank, page: Page, Id(id): Id) -> PageResult {
    let m = bank.product(id).await?;
    // The form shows what the bank last proposed, when a proposal is pending.
    let record = m.pending.as_ref().map_or_else(|| product_record(&m.product), |r| r.record.clone());
    form_page(
        &bank.state,
        &page,
        Some(&m),
        &ProductForm::of_record(&record, &bank.state.config.home_area),
        &FormErrors::default(),
        Intent::Save,
    )
    .await
}

async fn edit_submit(bank: Bank, page: Page, Id(id): Id, posted: Form) -> PageResult {
    let m = bank.product(id).await?;
    let (form, errors, intent) = match posted_record(&bank, &posted, Some(&m.product.spec.code)).await? {
        Ok(record) => match bank.edit(id, &record).await {
            Ok(outcome) => return Ok(see_other(&format!("/bank/products/{id}?done={}", outcome_name(outcome).0))),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                let form = ProductForm::from_post(&posted).0;
                let mut errors = FormErrors::default();
                errors.add_api(&e, &form);
                (form, errors, Intent::Save)
            }
            Err(e) => return Err(e),
        },
        Err(shown) => shown,
    };
    form_page(&bank.state, &page, Some(&m), &form, &errors, intent).await
}

async fn action_submit(bank: Bank, page: Page, Id(id): Id, Segment(act): Segment<Act>, form: Form) -> PageResult {
    if act == Act::Change(LifecycleAct::Archive) && !confirm::confirmed(&form) {
        // 下架 is final: restated first, for a product of the bank's that can still be archived (anything else
        // goes on to the act, which refuses it in words).
        let product = bank.state.store.product(id).await?.filter(|p| p.institution.id == bank.id);
        if let Some(product) = product.filter(|p| ProductAct::Archive.apply(p.state).is_ok()) {
            let name = &product.spec.name;
            return confirm::page(
                &page,
                &form,
                &Confirmation {
                    title: ("确认下架产品".to_owned(), "Confirm the archive".to_owned()),
                    lines: vec![
                        (
                            format!("下架“{name}”：它将不再出现在检索、匹配和融资需求报价中，且不能重新发布。"),
                            format!(
                                "Archive “{name}”: it leaves search, matching and offers, and cannot be listed again."
                            ),
                        ),
                        (
                            "已提交的申请不受影响，仍可继续受理、审批和放款。".to_owned(),
                            "Applications already made are unaffected and can still be decided and paid out."
                                .to_owned(),
                        ),
                    ],
                    action: format!("/bank/products/{id}/archive"),
                    back: format!("/bank/products/{id}"),
                    danger: true,
                },
            );
        }
    }
    let (done, _) = bank.act(id, act).await?;
    let back =
        if form.all("back").contains(&"list") { "/bank/products".to_owned() } else { format!("/bank/products/{id}") };
    Ok(see_other(&format!("{back}?done={done}")))
}

// ---------------------------------------------------------------------------------------------------------
// 批量上传

/// The upload page; for a refused file (400), what was wrong with it: a message, and its rows' problems.
fn upload_form(page: &Page, refused: Option<(String, &[RowError])>) -> PageResult {
    let info = column_info();
    let columns: Vec<Value> = info
        .iter()
        .filter(|c| !matches!(c.name, "institution_name" | "institution_kind" | "state"))
        .map(|c| {
            json!({
                "name": c.name, "label": page.pick(c.label_zh, c.label_en), "header_zh": c.label_zh,
                "required": c.required, "rule": page.pick(c.rule_zh, c.rule_en),
                "example": page.pick(c.example, c.example_en),
            })
        })
        .collect();
    let mut context = object(json!({"page": "bank_products", "columns": columns}));
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    if let Some((file_error, rows)) = refused {
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                let message = page.pick(&r.message, &r.message_en);
                let column = r.field.split('.').next().unwrap_or(&r.field);
                let label = match info.iter().find(|c| c.name == column) {
                    Some(c) => page.pick(c.label_zh, c.label_en).to_owned(),
                    None if page.en() && r.field == "file" => "File".to_owned(),
                    None => label_of(&r.field),
                };
                json!({"row": r.row, "field": r.field, "label": label, "message": message})
            })
            .collect();
        context.insert("file_error".into(), file_error.into());
        context.insert("rows".into(), rows.into());
    }
    page.show_with(status, "bank_upload.html", context)
}

async fn upload_page(_: Bank, page: Page) -> PageResult {
    upload_form(&page, None)
}

async fn upload_submit(bank: Bank, page: Page, mut multipart: Multipart) -> PageResult {
    let unreadable = |zh: &str, e: MultipartError| ApiError::new(ErrorCode::InvalidBody, zh, e.body_text());
    let mut file: Option<(String, Bytes)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable("上传的表单无法读取", e))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        file = Some((name, field.bytes().await.map_err(|e| unreadable("文件无法读取", e))?));
    }
    let refused = |message: &str| upload_form(&page, Some((message.to_owned(), &[])));
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty()) else {
        return refused(page.pick("请选择 .xlsx 或 .csv 文件", "Choose a .xlsx or .csv file"));
    };
    match bank.upload(&name, &bytes).await {
        Ok(Ok(s)) => Ok(see_other(&format!(
            "/bank/products?done=uploaded&created={}&submitted={}&unchanged={}",
            s.created, s.submitted, s.unchanged
        ))),
        Ok(Err(rows)) => {
            let count = rows.len();
            let message = if page.en() {
                format!("The file has {count} problem(s); nothing was imported. Fix them and upload again.")
            } else {
                format!("文件有 {count} 处问题，未导入任何产品。请修改后重新上传。")
            };
            upload_form(&page, Some((message, &rows)))
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => refused(page.pick(&e.body.message, &e.body.message_en)),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 产品审核 (operator)

/// The queue, with a refused decision's message and reason shown on its review.
async fn reviews_context(
    state: &AppState,
    en: bool,
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
                "state_label": view.product_state_label, "state_label_en": view.product_state_label_en, "live": view.live,
                "submitted": shanghai(i.review.submitted_at),
                "by": who.get(&i.review.submitted_by),
                "changes": changes_rows(&i.changes, en, &state.config.home_area),
                "error": error.map(|(_, message, _)| message),
                "reason": error.map(|(_, _, reason)| reason),
            })
        })
        .collect();
    Ok(object(json!({"page": "admin_reviews", "reviews": rows})))
}

async fn reviews_page(_: OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    let mut context = reviews_context(&state, page.en(), None).await?;
    context.insert("done".into(), done_note(&page));
    page.show("admin_reviews.html", context)
}

async fn approve_submit(
    OperatorUser(operator, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    approve(&state, &caller, &operator, id).await?;
    Ok(see_other("/admin/reviews?done=approved"))
}

async fn send_back_submit(
    OperatorUser(operator, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let reason = form.field("reason");
    match send_back(&state, &caller, &operator, id, reason).await {
        Ok(_) => Ok(see_other("/admin/reviews?done=sent_back")),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let message =
                api_errors(&e, &page).0.values().next().and_then(Value::as_str).unwrap_or_default().to_owned();
            let context = reviews_context(&state, page.en(), Some((id, message, reason.to_owned()))).await?;
            page.clone().at("/admin/reviews").show_with(e.status, "admin_reviews.html", context)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------------------
// 担保产品 (guarantee agency)

async fn agency_page(agency: AgencyUser, State(state): State<AppState>, page: Page) -> PageResult {
    let products = state.store.agency_products(agency.1).await?;
    let rows: Vec<Value> = products
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.spec.name, "code": p.spec.code, "institution": p.institution.name,
                "family": p.spec.family.label_zh(), "family_en": p.spec.family.label_en(),
                "state": p.state.as_str(),
                "state_label": p.state.label_zh(), "state_label_en": p.state.label_en(),
                "amount": span_zh(&p.spec.amount, Fen::display_zh),
                "amount_en": span_en(&p.spec.amount, Fen::display_en),
                "fee": p.spec.guarantee.as_ref().map(finmart_domain::GuaranteeTerms::fee_text_zh),
                "fee_en": p.spec.guarantee.as_ref().map(finmart_domain::GuaranteeTerms::fee_text_en),
                "listed": p.is_listed_on(today()),
                "updated": shanghai(p.updated_at),
            })
        })
        .collect();
    page.show("agency_products.html", object(json!({"page": "agency_products", "products": rows})))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What the review queue and a product's history show for a column's cell: words, never the cell's code.
    #[test]
    fn review_cells_read_as_words_in_the_pages_language() {
        let (columns, home) = (column_info(), HomeArea::default());
        let zh = |column: &str, value: &str| shown(&columns, column, Some(value), false, &home).unwrap();
        let en = |column: &str, value: &str| shown(&columns, column, Some(value), true, &home).unwrap();
        assert_eq!(zh("amount_max_yuan", "3000000"), "300 万元");
        assert_eq!(en("amount_max_yuan", "3000000"), "CNY 3,000,000");
        assert_eq!(zh("eligibility", "min_years_in_operation=2"), "企业成立满 2 年");
        assert!(!en("eligibility", "min_years_in_operation=2").contains('='));
        assert_eq!((zh("online", "true"), en("online", "false")), ("是".to_owned(), "No".to_owned()));
        assert_eq!(zh("family", "credit"), "信用贷款");
        assert_eq!(en("family", "credit"), ProductFamily::Credit.label_en());
        assert_eq!(zh("rate_min_pct", "3.85"), "3.85%");
        assert_eq!(zh("districts", "120116"), "滨海新区");
        assert_eq!(zh("description", "原文"), "原文");
        assert_eq!(shown(&columns, "name", None, false, &home), None);
    }
}
