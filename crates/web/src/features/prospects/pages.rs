//! 客户发现 pages: `/bank/candidates` and `/bank/enterprises/{id}`.

use super::{CandidatesResponse, EnterpriseProfileView, candidates, read_profile, record_candidates};
use crate::http::auth::{Auth, Caller};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::forms::Form;
use crate::http::page::{Page, PageResult};
use crate::http::params::id as parse_id;
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::{Fen, Labelled, OverdueHistory, ValueError};
use finmart_matching::Outcome;
use serde_json::{Map, Value, json};

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

async fn candidates_page(State(state): State<AppState>, Auth(p): Auth, caller: Caller, page: Page) -> PageResult {
    let institution = p.lender().ok_or_else(ApiError::forbidden)?;
    let day = today();
    let products: Vec<_> =
        state.store.published_products_of(institution).await?.into_iter().filter(|p| p.is_listed_on(day)).collect();
    let query = Form::of_query(page.query());
    let chosen = query.get("product").filter(|v| !v.is_empty());
    let mut context = Map::new();
    let mut status = StatusCode::OK;
    let mut error = Value::Null;
    let mut result = Value::Null;
    if let Some(text) = chosen {
        let found = async {
            let limit =
                match query.get("limit") {
                    None => None,
                    Some(v) => Some(v.parse::<usize>().map_err(|_| {
                        ApiError::invalid("limit", &ValueError::NotANumber(v.chars().take(20).collect()))
                    })?),
                };
            let limit = crate::http::params::limit(limit)?;
            let id = parse_id("product", text)?;
            let product = products.iter().find(|p| p.id == id).ok_or_else(|| {
                ApiError::invalid("product", &ValueError::Invalid("请选择贵机构已上架的产品".to_owned()))
            })?;
            let found = candidates(&state, product, institution, limit).await?;
            record_candidates(&state, &p, &caller, institution, &found).await?;
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
        .map(|p| json!({"id": p.id.to_string(), "name": p.spec.name, "family": p.spec.family.label_zh(), "family_en": p.spec.family.label_en()}))
        .collect();
    context.insert("page".into(), "bank_candidates".into());
    context.insert("products".into(), Value::Array(choices));
    context.insert("chosen".into(), chosen.into());
    context.insert("result".into(), result);
    context.insert("error".into(), error);
    page.show_with(status, "bank_candidates.html", context)
}

fn money(v: Option<Fen>) -> (String, String) {
    v.map_or_else(|| ("未填写".to_owned(), "Not given".to_owned()), |f| (f.display_zh(), f.display_en()))
}

fn count(v: Option<u32>) -> (String, String) {
    v.map_or_else(|| ("未填写".to_owned(), "Not given".to_owned()), |n| (n.to_string(), n.to_string()))
}

fn labels<T: Labelled>(values: &[T]) -> (String, String) {
    if values.is_empty() {
        return ("无".to_owned(), "None".to_owned());
    }
    (
        values.iter().map(|v| v.label_zh()).collect::<Vec<_>>().join("、"),
        values.iter().map(|v| v.label_en()).collect::<Vec<_>>().join(", "),
    )
}

fn yes_no(v: Option<bool>) -> (String, String) {
    match v {
        Some(true) => ("是".to_owned(), "Yes".to_owned()),
        Some(false) => ("否".to_owned(), "No".to_owned()),
        None => ("未填写".to_owned(), "Not given".to_owned()),
    }
}

/// The profile as rows of label and value, in both languages.
fn profile_rows(view: &EnterpriseProfileView) -> Vec<Value> {
    let p = &view.profile;
    let row = |zh: &str, en: &str, value: (String, String)| json!({"label": zh, "label_en": en, "value": value.0, "value_en": value.1});
    let same = |s: String| (s.clone(), s);
    let overdue = match p.overdue {
        None => ("未填写".to_owned(), "Not given".to_owned()),
        Some(OverdueHistory::Never) => ("从未逾期".to_owned(), "Never".to_owned()),
        Some(OverdueHistory::MonthsAgo { months }) => {
            (format!("最近一次在 {months} 个月前"), format!("Last {months} months ago"))
        }
    };
    vec![
        row(
            "统一社会信用代码",
            "Credit code",
            same(p.uscc.as_ref().map(|u| u.as_str().to_owned()).unwrap_or_default()),
        ),
        row("所在区", "District", (p.district.label_zh().to_owned(), p.district.label_en().to_owned())),
        row("所属行业", "Industry", (p.industry.label_zh().to_owned(), p.industry.label_en().to_owned())),
        row(
            "企业规模",
            "Scale",
            p.scale().map_or_else(
                || ("无法判定".to_owned(), "Unknown".to_owned()),
                |s| (s.label_zh().to_owned(), s.label_en().to_owned()),
            ),
        ),
        row(
            "成立日期",
            "Established",
            (
                format!("{}（{} 年）", p.established, view.years_in_operation),
                format!("{} ({} years)", p.established, view.years_in_operation),
            ),
        ),
        row("从业人员", "Employees", same(p.employees.to_string())),
        row("上年营业收入", "Last year's revenue", (p.revenue.display_zh(), p.revenue.display_en())),
        row("资产总额", "Total assets", money(p.total_assets)),
        row("负债总额", "Total liabilities", money(p.total_liabilities)),
        row(
            "纳税信用等级",
            "Tax credit grade",
            p.tax_credit_grade.map_or_else(
                || ("未填写".to_owned(), "Not given".to_owned()),
                |g| (g.label_zh().to_owned(), g.label_en().to_owned()),
            ),
        ),
        row("上年纳税总额", "Tax paid last year", money(p.tax_paid)),
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
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let query = Form::of_query(page.query());
    let context_name = query.get("context").unwrap_or("profile");
    let view = read_profile(&state, &p, &caller, id, context_name).await?;
    let mut context = Map::new();
    context.insert("page".into(), "bank_candidates".into());
    context.insert("firm".into(), json!(view));
    context.insert("rows".into(), Value::Array(profile_rows(&view)));
    context.insert("back".into(), query.get("back").filter(|b| b.starts_with("/bank/")).into());
    page.show("bank_candidates_profile.html", context)
}
