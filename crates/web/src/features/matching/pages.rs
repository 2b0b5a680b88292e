//! The matching page (精准匹配): a GET form rendered on the server, so a result is a link and works without
//! JavaScript; `match.js` refreshes the result in place through the fragment as one edits, and remembers
//! the form in the browser. Every bad field is reported next to its input in Chinese (English under
//! `?lang=en`), and the page answers 400.

use super::{MatchItem, MatchResponse};
use crate::http::format::{money, percent};
use crate::http::forms::errors_view;
use crate::http::page::{Page, PageResult, object};
use crate::http::params::DEFAULT_LIMIT;
use crate::http::profile_form::{self as form, choices};
use crate::http::score::{component_rows, points, tenths};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use finmart_domain::Labelled;
use finmart_matching::{CheckKind, Outcome};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/match", get(match_page)).route("/fragments/match", get(match_fragment))
}

/// How many products of the secondary lists (near misses, needs info, ineligible) the page shows.
const SHOWN: usize = 10;

/// What raises each score component, in both languages.
const HINTS: &[(&str, &str, &str)] = &[
    ("cost", "年化综合成本越低分越高（0% 满分，15% 及以上 0 分）", "Lower effective annual cost scores higher"),
    (
        "fit",
        "金额、期限越接近产品范围的中部越高，还款方式符合偏好加分",
        "Amount and term near the middle of the product's ranges; preferred repayment",
    ),
    ("speed", "审批越快分越高，全程线上办理加分", "Faster decisions score higher; fully online adds a little"),
    ("collateral", "无需抵押担保满分，房产抵押最低", "No collateral scores highest, a property mortgage lowest"),
    ("policy", "贵企业可享受的贴息、担保费补贴、风险补偿", "Subsidies and risk compensation you would receive"),
    ("relevance", "产品介绍与所填资金用途的相关程度", "How well the product's text matches your stated purpose"),
];

/// The score components' rows with what raises each (`hint`, `hint_en`) and the fields `more` gives.
fn rows(more: impl Fn(&str) -> Value) -> Vec<Value> {
    component_rows(|key| {
        let (_, hint, hint_en) = HINTS.iter().find(|(k, _, _)| *k == key).copied().unwrap_or_default();
        let mut row = object(more(key));
        row.extend(object(json!({"hint": hint, "hint_en": hint_en})));
        Value::Object(row)
    })
}

/// The form field that holds what a check reads, for "去填写 / 去修改" links; none for the product's other
/// conditions, which read nothing of the form (only the lender checks them).
fn field_of(kind: CheckKind) -> Option<&'static str> {
    Some(match kind {
        CheckKind::District => "district",
        CheckKind::MinYearsInOperation => "established",
        CheckKind::Revenue => "revenue",
        CheckKind::Employees | CheckKind::Scales => "employees",
        CheckKind::MinTaxCreditGrade => "tax_grade",
        CheckKind::TaxPaid => "tax_paid",
        CheckKind::QualificationsAny | CheckKind::QualificationsAll => "qual",
        CheckKind::IndustriesAllowed | CheckKind::IndustriesExcluded => "industry",
        CheckKind::SectorsAny => "sector",
        CheckKind::MinInventionPatents => "patents",
        CheckKind::MinTrademarks => "trademarks",
        CheckKind::GovProcurementContract => "procurement",
        CheckKind::CoreEnterpriseReceivables => "receivables",
        CheckKind::FirstLoanOnly => "borrowed",
        CheckKind::NoOverdueMonths => "overdue",
        CheckKind::MaxDebtRatio => "assets",
        CheckKind::OtherConditions => return None,
        CheckKind::Amount => "amount",
        CheckKind::Term => "term",
        CheckKind::Collateral => "offer",
        CheckKind::Guarantee => "guarantee",
        CheckKind::MaxCost => "max_cost",
        CheckKind::Speed => "within_days",
    })
}

/// The form field of a check's code (every code a match reports is a check's).
fn field_for(code: &str) -> Option<&'static str> {
    CheckKind::parse(code).ok().and_then(field_of)
}

fn number(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The lines of the subsidies the product carries that the firm does not receive, and why (the subsidy
/// table's words: "财政贴息限小型企业、微型企业，贵企业为中型企业，不能享受").
fn not_received(item: &MatchItem) -> Vec<Value> {
    item.subsidies.iter().filter(|s| !s.entitled).map(|s| json!({"zh": s.message.zh, "en": s.message.en})).collect()
}

/// The lines "财政贴息 1%/年，共 …" of what the firm receives or pays besides interest, then the subsidies it
/// does not receive.
fn support_lines(item: &MatchItem) -> Vec<Value> {
    let Some(q) = &item.quote else { return not_received(item) };
    let subsidies = [
        (q.interest_subsidy_bps, q.interest_subsidy_fen, "财政贴息", "Interest subsidy"),
        (q.fee_subsidy_bps, q.fee_subsidy_fen, "担保费补贴", "Guarantee-fee subsidy"),
    ];
    let mut lines: Vec<Value> = subsidies
        .into_iter()
        .filter(|(bps, ..)| *bps > 0)
        .map(|(bps, fen, zh, en)| {
            let ((total, total_en), r) = (money(fen), percent(bps));
            json!({"zh": format!("{zh} {r}/年，共 {total}"), "en": format!("{en} {r} a year, {total_en} in all")})
        })
        .collect();
    if q.guarantee_fee_fen > 0 {
        let (zh, en) = money(q.guarantee_fee_fen);
        lines.push(json!({"zh": format!("担保费 {zh}（已计入总成本）"), "en": format!("Guarantee fee {en} (in the total cost)")}));
    }
    lines.extend(not_received(item));
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
    let rows = rows(|key| {
        let (c, w) = (number(&components, key), number(weights, key));
        json!({"weight": w, "value": tenths(c), "width": tenths(c), "points": tenths(w * c / 100)})
    });
    json!({
        "rank": item.rank, "score": points(item.score), "product": item.product, "quote": item.quote,
        "rows": rows, "support": support_lines(item), "passed": findings_of(item, Outcome::Pass),
    })
}

/// A product that is not (yet) eligible, with the findings that matter: failed, missing or unconfirmed.
fn other_view(item: &MatchItem, outcome: Outcome) -> Value {
    json!({"product": item.product, "quote": item.quote, "findings": findings_of(item, outcome)})
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
    let weight_rows = rows(|key| json!({"weight": number(&weights, key)}));
    json!({
        "considered": r.considered, "scale": r.scale, "weights": weight_rows,
        "eligible_total": r.eligible_total, "near_misses_total": r.near_misses_total,
        "needs_info_total": r.needs_info_total, "ineligible_total": r.ineligible_total,
        "to_confirm_total": r.to_confirm_total,
        "to_confirm": r.to_confirm.iter().take(SHOWN).map(|i| other_view(i, Outcome::Unconfirmed)).collect::<Vec<_>>(),
        "eligible": r.eligible.iter().map(|i| eligible_view(i, &weights)).collect::<Vec<_>>(),
        "near_misses": r.near_misses.iter().take(SHOWN).map(|i| other_view(i, Outcome::Fail)).collect::<Vec<_>>(),
        "needs_info": r.needs_info.iter().take(SHOWN).map(|i| other_view(i, Outcome::Missing)).collect::<Vec<_>>(),
        "ineligible": r.ineligible.iter().take(SHOWN).map(|i| other_view(i, Outcome::Fail)).collect::<Vec<_>>(),
        "by_reason": reasons_view(&r.by_reason), "missing": reasons_view(&r.missing),
        "unconfirmed": reasons_view(&r.unconfirmed), "shown": SHOWN,
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
async fn match_context(state: &AppState, page: &Page) -> PageResult<(StatusCode, Map<String, Value>)> {
    let parsed = form::parse_match_form(page.query(), today(), &state.config.home_area);
    let (errors, error_list) = errors_view(&parsed.errors, page.lang, form::label_of);
    let mut status = StatusCode::OK;
    let mut results = Value::Null;
    if let Some((profile, need)) = parsed.input {
        let outcome = state.match_need(profile, need, DEFAULT_LIMIT).await?;
        results = results_view(&MatchResponse::of(&outcome, &state.config.home_area));
    } else if parsed.submitted {
        status = StatusCode::BAD_REQUEST;
    }
    let context = json!({
        "en": page.en(), "submitted": parsed.submitted, "results": results,
        "open_more_profile": worth_opening(form::MORE_PROFILE, &parsed.values, &errors),
        "open_more_need": worth_opening(form::MORE_NEED, &parsed.values, &errors),
        "form": parsed.values, "errors": errors, "error_list": error_list,
    });
    Ok((status, object(context)))
}

/// `GET /match`: the matching form, and its result when the query string carries the form.
async fn match_page(State(state): State<AppState>, page: Page) -> PageResult {
    let (status, mut context) = match_context(&state, &page).await?;
    context.insert("page".into(), "match".into());
    context.insert("choices".into(), choices(&state.config.home_area));
    page.show_with(status, "match.html", context)
}

/// `GET /fragments/match`: the result part of the matching page, for refreshing it in place.
async fn match_fragment(State(state): State<AppState>, page: Page) -> PageResult {
    let (status, context) = match_context(&state, &page).await?;
    Ok((status, page.render("match_results.html", &context)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every check but the product's other conditions reads a field of the form, which a link opens; the
    /// lender's own words read none (nothing the firm fills in decides them).
    #[test]
    fn every_check_and_reason_has_a_field_to_go_to() {
        use finmart_domain::Labelled;
        for kind in CheckKind::ALL {
            let code = kind.as_str();
            match field_for(code) {
                Some(field) => assert!(form::is_field(field), "{code} → {field}"),
                None => assert_eq!(*kind, CheckKind::OtherConditions, "{code} has no field"),
            }
        }
    }
}
