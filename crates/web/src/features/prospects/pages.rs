//! 客户发现 pages: `/bank/candidates` and `/bank/enterprises/{id}`.

use super::{CandidatesResponse, EnterpriseProfileView, candidates, read_profile, record_candidates};
use crate::http::auth::{Caller, LenderUser};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::format::{label_in, labels_in, money};
use crate::http::forms::Form;
use crate::http::page::{Page, PageResult, object};
use crate::http::params::id as parse_id;
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::{Fen, Labelled, OverdueHistory, ValueError};
use finmart_matching::Outcome;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/bank/candidates", get(candidates_page)).route("/bank/enterprises/{id}", get(enterprise_page))
}

/// The score components in display order: key, label, English label.
const COMPONENTS: &[(&str, &str, &str)] = &[
    ("cost", "综合成本", "Cost"),
    ("fit", "额度期限匹配", "Fit"),
    ("speed", "审批速度", "Speed"),
    ("collateral", "担保负担", "Collateral"),
    ("policy", "政策支持", "Policy"),
    ("relevance", "用途相关度", "Relevance"),
];

/// `747` tenths as `74.7`.
fn tenths(n: u64) -> String {
    format!("{}.{}", n / 10, n % 10)
}

fn candidates_view(found: &CandidatesResponse) -> Value {
    let rows: Vec<Value> = found
        .candidates
        .iter()
        .map(|c| {
            let components = serde_json::to_value(c.components).unwrap_or(Value::Null);
            let parts: Vec<Value> = COMPONENTS
                .iter()
                .map(|(key, zh, en)| {
                    let v = components.get(key).and_then(Value::as_u64).unwrap_or(0);
                    json!({"key": key, "label": zh, "label_en": en, "value": tenths(v), "width": tenths(v)})
                })
                .collect();
            let reasons: Vec<Value> = c
                .findings
                .iter()
                .filter(|f| f.outcome == Outcome::Pass)
                .map(|f| json!({"label": f.label, "message": f.message, "actual": f.actual}))
                .collect();
            json!({
                "rank": c.rank, "score": tenths(u64::from(c.score) / 100), "profile_id": c.profile_id,
                "name": c.name, "district": c.district, "industry": c.industry, "scale": c.scale,
                "qualifications": c.qualifications, "employees": c.employees, "revenue_text": c.revenue_text,
                "parts": parts, "reasons": reasons,
            })
        })
        .collect();
    json!({
        "product": found.product, "pool": found.pool, "total": found.total, "needs_info": found.needs_info,
        "candidates": rows,
    })
}

async fn candidates_page(user: LenderUser, State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    let day = today();
    let products: Vec<_> =
        state.store.published_products_of(user.1).await?.into_iter().filter(|p| p.is_listed_on(day)).collect();
    let query = Form::of_query(page.query());
    let chosen = query.get("product").filter(|v| !v.is_empty());
    let (mut status, mut error, mut result) = (StatusCode::OK, Value::Null, Value::Null);
    if let Some(text) = chosen {
        let found = async {
            let limit = query.get("limit").map(|v| {
                v.parse::<usize>()
                    .map_err(|_| ApiError::invalid("limit", &ValueError::NotANumber(v.chars().take(20).collect())))
            });
            let limit = crate::http::params::limit(limit.transpose()?)?;
            let id = parse_id("product", text)?;
            let product = products.iter().find(|p| p.id == id).ok_or_else(|| {
                ApiError::invalid("product", &ValueError::Invalid("请选择贵机构已上架的产品".to_owned()))
            })?;
            let found = candidates(&state, product, user.1, limit).await?;
            record_candidates(&state, &caller, &user, &found).await?;
            Ok::<_, ApiError>(found)
        }
        .await;
        match found {
            Ok(found) => result = candidates_view(&found),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                status = e.status;
                error = page.pick(&e.body.message, &e.body.message_en).into();
            }
            Err(e) => return Err(e),
        }
    }
    let choices: Vec<Value> = products
        .iter()
        .map(|p| {
            json!({
                "id": p.id.to_string(), "name": p.spec.name,
                "family": p.spec.family.label_zh(), "family_en": p.spec.family.label_en(),
            })
        })
        .collect();
    let context = json!({
        "page": "bank_candidates", "products": choices, "chosen": chosen, "result": result, "error": error,
    });
    page.show_with(status, "bank_candidates.html", object(context))
}

/// A vocabulary's value in both languages.
fn both<T: Labelled>(v: T) -> (String, String) {
    (label_in(false, v), label_in(true, v))
}

/// Values of a vocabulary in both languages (`无` / `None` when there are none).
fn labels<T: Labelled>(values: &[T]) -> (String, String) {
    (labels_in(false, values), labels_in(true, values))
}

/// The profile as rows of label and value, in both languages.
fn profile_rows(view: &EnterpriseProfileView) -> Vec<Value> {
    let p = &view.profile;
    let row =
        |zh: &str, en: &str, v: (String, String)| json!({"label": zh, "label_en": en, "value": v.0, "value_en": v.1});
    let text = |zh: &str, en: &str| (zh.to_owned(), en.to_owned());
    let same = |s: String| (s.clone(), s);
    let not_given = || text("未填写", "Not given");
    let amount = |v: Option<Fen>| v.map_or_else(not_given, |f| money(f.fen()));
    let count = |v: Option<u32>| v.map_or_else(not_given, |n| same(n.to_string()));
    let yes_no =
        |v: Option<bool>| v.map_or_else(not_given, |yes| if yes { text("是", "Yes") } else { text("否", "No") });
    let overdue = p.overdue.map_or_else(not_given, |o| match o {
        OverdueHistory::Never => text("从未逾期", "Never"),
        OverdueHistory::MonthsAgo { months } => {
            (format!("最近一次在 {months} 个月前"), format!("Last {months} months ago"))
        }
    });
    let years = view.years_in_operation;
    vec![
        row(
            "统一社会信用代码",
            "Credit code",
            same(p.uscc.as_ref().map(|u| u.as_str().to_owned()).unwrap_or_default()),
        ),
        row("所在区", "District", both(p.district)),
        row("所属行业", "Industry", both(p.industry)),
        row("企业规模", "Scale", p.scale().map_or_else(|| text("无法判定", "Unknown"), both)),
        row(
            "成立日期",
            "Established",
            (format!("{}（{years} 年）", p.established), format!("{} ({years} years)", p.established)),
        ),
        row("从业人员", "Employees", same(p.employees.to_string())),
        row("上年营业收入", "Last year's revenue", money(p.revenue.fen())),
        row("资产总额", "Total assets", amount(p.total_assets)),
        row("负债总额", "Total liabilities", amount(p.total_liabilities)),
        row("纳税信用等级", "Tax credit grade", p.tax_credit_grade.map_or_else(not_given, both)),
        row("上年纳税总额", "Tax paid last year", amount(p.tax_paid)),
        row("资质", "Qualifications", labels(&p.qualifications)),
        row("重点产业", "Priority sectors", labels(&p.sectors)),
        row("发明专利", "Invention patents", count(p.invention_patents)),
        row("注册商标", "Trademarks", count(p.trademarks)),
        row("可抵质押资产", "Collateral owned", labels(&p.collateral)),
        row("核心企业应收账款", "Core-enterprise receivables", yes_no(p.has_core_receivables())),
        row("政府采购合同", "Procurement contract", yes_no(p.has_procurement_contract())),
        row("是否有过银行贷款", "Ever borrowed", yes_no(p.ever_borrowed)),
        row("逾期记录", "Overdue record", overdue),
    ]
}

async fn enterprise_page(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let query = Form::of_query(page.query());
    let view = read_profile(&state, &caller, &user, id, query.get("context").unwrap_or("profile")).await?;
    let context = json!({
        "page": "bank_candidates", "firm": view, "rows": profile_rows(&view),
        "back": query.get("back").filter(|b| b.starts_with("/bank/")),
    });
    page.show("bank_candidates_profile.html", object(context))
}
