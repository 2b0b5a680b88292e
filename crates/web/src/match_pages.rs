//! The matching page (精准匹配) and the product page's loan calculator.
//!
//! Both are GET forms rendered on the server, so a result is a link and works without JavaScript; `match.js`
//! refreshes their results in place through the fragments as one edits, and remembers the matching form in
//! the browser. Every bad field is reported next to its input in Chinese (English under `?lang=en`), and the
//! page answers 400.

pub mod calc;
pub mod form;

use crate::assets::VERSION;
use crate::lang::{Lang, negotiate};
use crate::matching::{DEFAULT_LIMIT, MatchItem, MatchResponse};
use crate::pages::{PageError, page_error, render, respond};
use crate::state::{AppState, today};
use crate::views::Label;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use finmart_domain::{
    Bps, Collateral, District, Fen, FieldErrors, Industry, Labelled, LoanPurpose, PrioritySector, Product,
    Qualification, RepaymentMethod, TaxCreditGrade,
};
use finmart_matching::Outcome;
use serde_json::{Map, Value, json};

/// How many products of the secondary lists (near misses, needs info, ineligible) the page shows.
const SHOWN: usize = 10;

/// The score components in display order: key, label, English label, what raises it, in both languages.
const COMPONENTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "cost",
        "综合成本",
        "Cost",
        "年化综合成本越低分越高（0% 满分，15% 及以上 0 分）",
        "Lower effective annual cost scores higher",
    ),
    (
        "fit",
        "额度期限匹配",
        "Fit",
        "金额、期限越接近产品范围的中部越高，还款方式符合偏好加分",
        "Amount and term near the middle of the product's ranges; preferred repayment",
    ),
    (
        "speed",
        "审批速度",
        "Speed",
        "审批越快分越高，全程线上办理加分",
        "Faster decisions score higher; fully online adds a little",
    ),
    (
        "collateral",
        "担保负担",
        "Collateral",
        "无需抵押担保满分，房产抵押最低",
        "No collateral scores highest, a property mortgage lowest",
    ),
    (
        "policy",
        "政策支持",
        "Policy",
        "贵企业可享受的贴息、担保费补贴、风险补偿",
        "Subsidies and risk compensation you would receive",
    ),
    (
        "relevance",
        "用途相关度",
        "Relevance",
        "产品介绍与所填资金用途的相关程度",
        "How well the product's text matches your stated purpose",
    ),
];

/// `747` tenths as `74.7`.
fn tenths(n: u64) -> String {
    format!("{}.{}", n / 10, n % 10)
}

/// The form field that holds what a check reads, for "去填写 / 去修改" links.
fn field_for(code: &str) -> Option<&'static str> {
    Some(match code {
        "district" => "district",
        "min_years_in_operation" => "established",
        "revenue_yuan" => "revenue",
        "employees" | "scales" => "employees",
        "min_tax_credit_grade" => "tax_grade",
        "min_tax_paid_yuan" => "tax_paid",
        "qualifications_any" | "qualifications_all" => "qual",
        "industries_allowed" | "industries_excluded" => "industry",
        "sectors_any" => "sector",
        "min_invention_patents" => "patents",
        "min_trademarks" => "trademarks",
        "gov_procurement_contract" => "procurement",
        "core_enterprise_receivables" => "receivables",
        "first_loan_only" => "borrowed",
        "no_overdue_months" => "overdue",
        "max_debt_ratio_pct" => "assets",
        "amount" => "amount",
        "term" => "term",
        "collateral" => "offer",
        "guarantee" => "guarantee",
        "max_cost" => "max_cost",
        "speed" => "within_days",
        _ => return None,
    })
}

/// `(中文, English)` of an amount in fen.
fn money(fen: i64) -> (String, String) {
    let f = Fen::from_fen(fen.max(0)).unwrap_or(Fen::ZERO);
    (f.display_zh(), f.display_en())
}

fn rate(bps: u32) -> String {
    Bps::new(bps).map(Bps::percent_text).unwrap_or_default()
}

fn number(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The lines "财政贴息 1%/年，共 …" of what the firm receives or pays besides interest.
fn support_lines(item: &MatchItem) -> Vec<Value> {
    let Some(q) = &item.quote else { return Vec::new() };
    let mut lines = Vec::new();
    if q.interest_subsidy_bps > 0 {
        let (zh, en) = money(q.interest_subsidy_fen);
        let r = rate(q.interest_subsidy_bps);
        lines.push(json!({"zh": format!("财政贴息 {r}/年，共 {zh}"), "en": format!("Interest subsidy {r} a year, {en} in all")}));
    }
    if q.fee_subsidy_bps > 0 {
        let (zh, en) = money(q.fee_subsidy_fen);
        let r = rate(q.fee_subsidy_bps);
        lines.push(json!({"zh": format!("担保费补贴 {r}/年，共 {zh}"), "en": format!("Guarantee-fee subsidy {r} a year, {en} in all")}));
    }
    if q.guarantee_fee_fen > 0 {
        let (zh, en) = money(q.guarantee_fee_fen);
        lines.push(json!({"zh": format!("担保费 {zh}（已计入总成本）"), "en": format!("Guarantee fee {en} (in the total cost)")}));
    }
    lines
}

fn findings_of(item: &MatchItem, outcome: Outcome) -> Vec<Value> {
    item.findings
        .iter()
        .filter(|f| f.outcome == outcome)
        .map(|f| json!({"code": f.code, "label": f.label, "message": f.message, "fix": f.fix, "field": field_for(f.code)}))
        .collect()
}

/// An eligible product with its score taken apart.
fn eligible_view(item: &MatchItem, weights: &Value) -> Value {
    let components = serde_json::to_value(item.components).unwrap_or(Value::Null);
    let rows: Vec<Value> = COMPONENTS
        .iter()
        .map(|(key, zh, en, hint, hint_en)| {
            let c = number(&components, key);
            let w = number(weights, key);
            json!({
                "key": key, "label": zh, "label_en": en, "hint": hint, "hint_en": hint_en,
                "weight": w, "value": tenths(c), "width": tenths(c), "points": tenths(w * c / 100),
            })
        })
        .collect();
    json!({
        "rank": item.rank,
        "score": tenths(u64::from(item.score) / 100),
        "product": item.product,
        "quote": item.quote,
        "rows": rows,
        "support": support_lines(item),
        "passed": findings_of(item, Outcome::Pass),
    })
}

/// A product that is not (yet) eligible, with the findings that matter: failed or missing.
fn other_view(item: &MatchItem, outcome: Outcome) -> Value {
    json!({
        "product": item.product,
        "quote": item.quote,
        "findings": findings_of(item, outcome),
    })
}

fn reasons_view(reasons: &[finmart_matching::ReasonCount]) -> Vec<Value> {
    let max = reasons.iter().map(|r| r.count).max().unwrap_or(1).max(1);
    reasons
        .iter()
        .map(|r| {
            json!({
                "code": r.code, "label": r.label, "label_en": r.label_en, "count": r.count,
                "width": r.count * 100 / max, "field": field_for(r.code),
            })
        })
        .collect()
}

/// The match result as the template reads it.
fn results_view(r: &MatchResponse) -> Value {
    let weights = serde_json::to_value(r.weights).unwrap_or(Value::Null);
    let weight_rows: Vec<Value> = COMPONENTS
        .iter()
        .map(|(key, zh, en, hint, hint_en)| {
            json!({"key": key, "label": zh, "label_en": en, "hint": hint, "hint_en": hint_en, "weight": number(&weights, key)})
        })
        .collect();
    json!({
        "considered": r.considered,
        "scale": r.scale,
        "weights": weight_rows,
        "eligible_total": r.eligible_total,
        "near_misses_total": r.near_misses_total,
        "needs_info_total": r.needs_info_total,
        "ineligible_total": r.ineligible_total,
        "eligible": r.eligible.iter().map(|i| eligible_view(i, &weights)).collect::<Vec<_>>(),
        "near_misses": r.near_misses.iter().take(SHOWN).map(|i| other_view(i, Outcome::Fail)).collect::<Vec<_>>(),
        "needs_info": r.needs_info.iter().take(SHOWN).map(|i| other_view(i, Outcome::Missing)).collect::<Vec<_>>(),
        "ineligible": r.ineligible.iter().take(SHOWN).map(|i| other_view(i, Outcome::Fail)).collect::<Vec<_>>(),
        "by_reason": reasons_view(&r.by_reason),
        "missing": reasons_view(&r.missing),
        "shown": SHOWN,
    })
}

/// Field errors in the page's language: by field (for the inputs) and in form order (for the summary).
fn errors_view(
    errors: &FieldErrors,
    lang: Lang,
    label_of: impl Fn(&str) -> (&'static str, &'static str),
) -> (Map<String, Value>, Vec<Value>) {
    let mut by_field = Map::new();
    let mut list = Vec::new();
    for e in &errors.0 {
        let message = if lang.is_en() { e.error.to_string() } else { e.error.message_zh() };
        let (zh, en) = label_of(&e.field);
        let label = if lang.is_en() { en } else { zh };
        by_field.entry(e.field.clone()).or_insert_with(|| Value::String(message.clone()));
        list.push(json!({"field": e.field, "label": label, "message": message}));
    }
    (by_field, list)
}

/// `path?query` with `lang` set to the other language.
pub(crate) fn switch_href(path: &str, raw: Option<&str>, lang: Lang) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k != "lang" {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair("lang", lang.other().code());
    format!("{path}?{}", out.finish())
}

pub(crate) fn options<T: Labelled>() -> Vec<Value> {
    T::ALL.iter().map(|v| json!({"code": v.as_str(), "label": v.label_zh(), "label_en": v.label_en()})).collect()
}

/// The choices the matching form (and the profile form, its first half) offers.
pub(crate) fn choices() -> Value {
    json!({
        "districts": options::<District>(),
        "industries": options::<Industry>(),
        "grades": options::<TaxCreditGrade>(),
        "qualifications": options::<Qualification>(),
        "sectors": options::<PrioritySector>(),
        "collateral": options::<Collateral>(),
        "purposes": options::<LoanPurpose>(),
        "methods": options::<RepaymentMethod>(),
    })
}

/// Whether any of `fields` has an error or a value a person chose (a folded part opens when it does).
fn worth_opening(fields: &[&str], values: &Map<String, Value>, errors: &Map<String, Value>) -> bool {
    fields.iter().any(|f| {
        errors.contains_key(*f)
            || match values.get(*f) {
                Some(Value::String(s)) => !s.trim().is_empty() && !matches!(s.as_str(), "unknown" | "yes"),
                Some(Value::Array(a)) => !a.is_empty(),
                _ => false,
            }
    })
}

/// Everything the matching page and its fragment show, and the status to answer with.
struct MatchContext {
    status: StatusCode,
    context: Map<String, Value>,
}

async fn match_context(state: &AppState, raw: Option<&str>, lang: Lang) -> Result<MatchContext, PageError> {
    let parsed = form::parse_match_form(raw, today());
    let (errors, error_list) = errors_view(&parsed.errors, lang, form::label_of);
    let mut status = StatusCode::OK;
    let mut results = Value::Null;
    if let Some((profile, need)) = parsed.input {
        let outcome = state.match_need(profile, need, DEFAULT_LIMIT).await.map_err(|e| page_error(state, lang, e))?;
        results = results_view(&MatchResponse::from(&outcome));
    } else if parsed.submitted {
        status = StatusCode::BAD_REQUEST;
    }
    let mut context = Map::new();
    context.insert("en".into(), lang.is_en().into());
    context.insert("submitted".into(), parsed.submitted.into());
    context.insert("results".into(), results);
    context.insert("open_more_profile".into(), worth_opening(form::MORE_PROFILE, &parsed.values, &errors).into());
    context.insert("open_more_need".into(), worth_opening(form::MORE_NEED, &parsed.values, &errors).into());
    context.insert("form".into(), Value::Object(parsed.values));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("error_list".into(), Value::Array(error_list));
    Ok(MatchContext { status, context })
}

/// `GET /match`: the matching form, and its result when the query string carries the form.
///
/// # Errors
/// The error page when matching itself fails (not for bad input, which the form explains).
pub async fn match_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let MatchContext { status, mut context } = match_context(&state, raw.as_deref(), lang).await?;
    context.insert("v".into(), VERSION.as_str().into());
    context.insert("page".into(), "match".into());
    context.insert("switch_href".into(), switch_href("/match", raw.as_deref(), lang).into());
    context.insert("choices".into(), choices());
    let html = render(&state, lang, "match.html", Value::Object(context))?;
    Ok(respond(html, status, cookie))
}

/// `GET /fragments/match`: the result part of the matching page, for refreshing it in place.
///
/// # Errors
/// As [`match_page`].
pub async fn match_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let MatchContext { status, context } = match_context(&state, raw.as_deref(), lang).await?;
    let html = render(&state, lang, "match_results.html", Value::Object(context))?;
    Ok(respond(html, status, cookie))
}

/// The loan calculator's part of the product page's context, and the status it calls for.
pub(crate) fn calc_context(product: &Product, raw: Option<&str>, lang: Lang) -> (Value, StatusCode) {
    let mut parsed = calc::parse_calc(raw, product);
    let mut result = Value::Null;
    if let Some(query) = parsed.query {
        match calc::calculate(product, query) {
            Ok(cost) => result = calc::cost_view(&cost),
            Err((field, message)) => parsed.errors.push(field, finmart_domain::ValueError::Invalid(message)),
        }
    }
    let label_of = |field: &str| {
        calc::FIELDS.iter().find(|(n, _, _)| *n == field).map_or(("计算器", "Calculator"), |(_, zh, en)| (*zh, *en))
    };
    let (errors, error_list) = errors_view(&parsed.errors, lang, label_of);
    let status = if parsed.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let methods: Vec<Label> = product.spec.repayment_methods.iter().map(|m| Label::of(*m)).collect();
    let context = json!({
        "product_id": product.id,
        "form": parsed.values,
        "errors": errors,
        "error_list": error_list,
        "result": result,
        "methods": methods,
        "has_subsidies": calc::has_subsidies(product),
        "amount_hint": product.spec.amount.min().display_zh() + " 至 " + &product.spec.amount.max().display_zh(),
        "amount_hint_en": product.spec.amount.min().display_en() + " to " + &product.spec.amount.max().display_en(),
        "term_hint": product.spec.term.min().display_zh() + " 至 " + &product.spec.term.max().display_zh(),
        "term_hint_en": product.spec.term.min().display_en() + " to " + &product.spec.term.max().display_en(),
    });
    (context, status)
}

/// `GET /fragments/cost/{id}`: the loan calculator's result for one product, for refreshing it in place.
///
/// # Errors
/// A bad id (400) or no such listed product (404), as an error page.
pub async fn cost_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let product = state.product_at(&id).await.map_err(|e| page_error(&state, lang, e))?;
    let (calc, status) = calc_context(&product, raw.as_deref(), lang);
    let html = render(&state, lang, "cost_results.html", json!({"en": lang.is_en(), "calc": calc}))?;
    Ok(respond(html, status, cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_and_reason_has_a_field_to_go_to() {
        use finmart_domain::Labelled;
        for kind in finmart_matching::CheckKind::ALL {
            let code = kind.as_str();
            let field = field_for(code).unwrap_or_else(|| panic!("{code}"));
            assert!(form::is_field(field), "{code} → {field}");
        }
    }

    #[test]
    fn the_language_switch_keeps_the_form() {
        assert_eq!(switch_href("/match", Some("amount=100&lang=zh"), Lang::Zh), "/match?amount=100&lang=en");
        assert_eq!(switch_href("/match", None, Lang::En), "/match?lang=zh");
    }

    #[test]
    fn scores_in_tenths() {
        assert_eq!(tenths(747), "74.7");
        assert_eq!(tenths(0), "0.0");
        assert_eq!(tenths(1000), "100.0");
    }
}
