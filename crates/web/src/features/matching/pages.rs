//! The matching page (精准匹配): a GET form rendered on the server, so a result is a link and works without
//! JavaScript; `match.js` refreshes the result in place through the fragment as one edits, and remembers
//! the form in the browser. Every bad field is reported next to its input in Chinese (English under
//! `?lang=en`), and the page answers 400.

use super::MatchDetails;
use crate::http::auth::{CSRF_FIELD, Caller, SmeUser};
use crate::http::error::ApiError;
use crate::http::format::{Label, exact_money, percent};
use crate::http::forms::{Form, errors_view, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::params::DEFAULT_LIMIT;
use crate::http::profile_form::{self as form, choices};
use crate::http::score::{component_rows, points, tenths};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use finmart_domain::{FieldErrors, HomeArea, Labelled, Principal};
use finmart_matching::{CheckKind, MatchOutcome, Outcome, Ranked};
use finmart_store::StoredEnterprise;
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/match", get(match_page))
        .route("/match/save", post(save_submit))
        .route("/fragments/match", get(match_fragment))
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

/// The form field of a check's code (every code a match reports is a check's).
fn field_for(code: &str) -> Option<&'static str> {
    CheckKind::parse(code).ok().and_then(form::field_of)
}

fn number(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The lines of the subsidies the product carries that the firm does not receive, and why (the subsidy
/// table's words: "财政贴息限小型企业、微型企业，贵企业为中型企业，不能享受").
fn not_received(item: &MatchDetails) -> Vec<Value> {
    item.subsidies.iter().filter(|s| !s.entitled).map(|s| json!({"zh": s.message.zh, "en": s.message.en})).collect()
}

/// The lines "财政贴息 1%/年，共 …" of what the firm receives or pays besides interest, then the subsidies it
/// does not receive.
fn support_lines(item: &MatchDetails) -> Vec<Value> {
    let Some(q) = &item.quote else { return not_received(item) };
    let subsidies = [
        (q.interest_subsidy_bps, q.interest_subsidy_fen, "财政贴息", "Interest subsidy"),
        (q.fee_subsidy_bps, q.fee_subsidy_fen, "担保费补贴", "Guarantee-fee subsidy"),
    ];
    let mut lines: Vec<Value> = subsidies
        .into_iter()
        .filter(|(bps, ..)| *bps > 0)
        .map(|(bps, fen, zh, en)| {
            let ((total, total_en), r) = (exact_money(fen), percent(bps));
            json!({"zh": format!("{zh} {r}/年，共 {total}"), "en": format!("{en} {r} a year, {total_en} in all")})
        })
        .collect();
    if q.guarantee_fee_fen > 0 {
        let (zh, en) = exact_money(q.guarantee_fee_fen);
        lines.push(json!({"zh": format!("担保费 {zh}（已计入总成本）"), "en": format!("Guarantee fee {en} (in the total cost)")}));
    }
    lines.extend(not_received(item));
    lines
}

fn findings_of(item: &MatchDetails, outcome: Outcome) -> Vec<Value> {
    item.with(outcome)
        .map(|f| {
            json!({"code": f.code, "label": f.label, "message": f.message, "fix": f.fix, "field": field_for(f.code),
                "quoted": f.quoted, "verification": f.verification})
        })
        .collect()
}

/// An eligible product with its score taken apart.
fn eligible_view(r: &Ranked, item: &MatchDetails, weights: &Value) -> Value {
    let components = serde_json::to_value(r.components).unwrap_or(Value::Null);
    let rows = rows(|key| {
        let (c, w) = (number(&components, key), number(weights, key));
        json!({"weight": w, "value": tenths(c), "width": tenths(c), "points": tenths(w * c / 100)})
    });
    json!({
        "rank": r.rank, "score": points(r.score), "product": item.product, "quote": item.quote,
        "rows": rows, "support": support_lines(item), "passed": findings_of(item, Outcome::Pass),
    })
}

/// A product that is not (yet) eligible, with the findings that matter: failed, missing or unconfirmed.
fn other_view(item: &MatchDetails, outcome: Outcome) -> Value {
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

/// The match result as the template reads it: the products shown with their whole explanation (areas seen
/// from `home`).
fn results_view(r: &MatchOutcome, home: &HomeArea) -> Value {
    let others = |list: &[Ranked], outcome: Outcome| -> Vec<Value> {
        list.iter().take(SHOWN).map(|i| other_view(&MatchDetails::of(i, home), outcome)).collect()
    };
    let weights = serde_json::to_value(r.weights).unwrap_or(Value::Null);
    let weight_rows = rows(|key| json!({"weight": number(&weights, key)}));
    json!({
        "considered": r.considered, "scale": r.scale.map(Label::of), "weights": weight_rows,
        "eligible_total": r.eligible_total, "near_misses_total": r.near_misses_total,
        "needs_info_total": r.needs_info_total, "ineligible_total": r.ineligible_total,
        "to_confirm_total": r.to_confirm_total,
        "to_confirm": others(&r.to_confirm, Outcome::Unconfirmed),
        "eligible": r.eligible.iter().map(|i| eligible_view(i, &MatchDetails::of(i, home), &weights)).collect::<Vec<_>>(),
        "near_misses": others(&r.near_misses, Outcome::Fail),
        "needs_info": others(&r.needs_info, Outcome::Missing),
        "ineligible": others(&r.ineligible, Outcome::Fail),
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

/// The stored profile of a signed-in SME's firm; none for anyone else (who matches a profile of their own
/// making, as before).
async fn own_firm(state: &AppState, caller: &Caller) -> PageResult<Option<StoredEnterprise>> {
    let Some(enterprise) = caller.principal.as_ref().and_then(Principal::enterprise) else { return Ok(None) };
    Ok(state.store.enterprise(enterprise).await?)
}

/// What the matching form reads: the query string when it carries the form; else, for a signed-in firm, its
/// stored profile (and the need's defaults); else nothing (the form's defaults, no result yet).
fn form_query(raw: Option<&str>, firm: Option<&StoredEnterprise>) -> Option<String> {
    let carries_form = Form::of_query(raw).0.iter().any(|(k, _)| form::is_field(k));
    match firm {
        Some(firm) if !carries_form => Some(form::profile_query(&firm.profile)),
        _ => raw.map(str::to_owned),
    }
}

/// Everything the matching page and its fragment show, and the status to answer with: the form read from
/// `raw` (see [`form_query`]), `extra` errors besides its own (a refused save), for `firm` when the visitor
/// is a signed-in SME.
async fn match_context(
    state: &AppState,
    page: &Page,
    raw: Option<&str>,
    firm: Option<&StoredEnterprise>,
    extra: &FieldErrors,
) -> PageResult<(StatusCode, Map<String, Value>)> {
    let mut parsed = form::parse_match_form(form_query(raw, firm).as_deref(), today(), &state.config.home_area);
    for e in &extra.0 {
        if !parsed.errors.0.iter().any(|known| known.field == e.field) {
            parsed.errors.0.push(e.clone());
        }
    }
    if !extra.is_empty() {
        parsed.input = None;
    }
    let (errors, error_list) = errors_view(&parsed.errors, page.lang, form::label_of);
    let mut status = StatusCode::OK;
    let mut results = Value::Null;
    if let Some((profile, need)) = parsed.input {
        // A signed-in firm is matched with its own verified facts (by its stored credit code, whatever the
        // form says); anyone else on the profile they typed.
        let facts = match firm {
            Some(f) => Some(state.facts_for(&f.profile).await?),
            None => None,
        };
        let outcome = state.match_need(profile, need, DEFAULT_LIMIT, facts).await?;
        results = results_view(&outcome, &state.config.home_area);
    } else if parsed.submitted {
        status = StatusCode::BAD_REQUEST;
    }
    // The lists the stored profile does not give: the form shows them unticked, which saved means "none".
    let not_given: Vec<&str> = firm
        .map(|f| {
            let p = &f.profile;
            [("qual", p.qualifications.is_none()), ("sector", p.sectors.is_none())]
                .into_iter()
                .filter_map(|(field, missing)| missing.then_some(field))
                .collect()
        })
        .unwrap_or_default();
    let context = json!({
        "en": page.en(), "submitted": parsed.submitted, "results": results,
        "open_more_profile": worth_opening(form::MORE_PROFILE, &parsed.values, &errors) || !not_given.is_empty(),
        "open_more_need": worth_opening(form::MORE_NEED, &parsed.values, &errors),
        "form": parsed.values, "errors": errors, "error_list": error_list,
        "firm": firm.map(|f| json!({"name": f.profile.name, "not_given": not_given})),
    });
    Ok((status, object(context)))
}

/// The matching page with `context` (from [`match_context`]).
fn show_match(state: &AppState, page: &Page, status: StatusCode, mut context: Map<String, Value>) -> PageResult {
    context.insert("page".into(), "match".into());
    context.insert("choices".into(), choices(&state.config.home_area));
    context.insert("saved".into(), Form::of_query(page.query()).get("saved").is_some().into());
    page.show_with(status, "match.html", context)
}

/// `GET /match`: the matching form, and its result when the query string carries the form. A signed-in SME
/// starts from its stored profile (and sees the result at once).
async fn match_page(State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    let firm = own_firm(&state, &caller).await?;
    let (status, context) = match_context(&state, &page, page.query(), firm.as_ref(), &FieldErrors::default()).await?;
    show_match(&state, &page, status, context)
}

/// `GET /fragments/match`: the result part of the matching page, for refreshing it in place.
async fn match_fragment(State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    let firm = own_firm(&state, &caller).await?;
    let (status, context) = match_context(&state, &page, page.query(), firm.as_ref(), &FieldErrors::default()).await?;
    Ok((status, page.render("match_results.html", &context)?).into_response())
}

/// `POST /match/save` (保存到企业档案, the matching form posted with the session's CSRF token): stores the
/// profile part of the form as the firm's profile (audited as the profile page's save), then shows the
/// match of the same form (303). A bad field is shown beside its input, with the form as typed (400).
async fn save_submit(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let firm = own_firm(&state, &caller).await?.ok_or_else(|| ApiError::not_found("企业", "enterprise"))?;
    let posted = Form(form.0.into_iter().filter(|(k, _)| k != CSRF_FIELD).collect());
    let raw = form_urlencoded::Serializer::new(String::new()).extend_pairs(&posted.0).finish();
    let event = caller.audit(&p, "profile.update").detail(json!({"via": "match"}));
    let errors = match form::profile_from_form(&posted, &firm.profile, &state.config.home_area) {
        Ok(profile) => match state.save_profile(eid, profile, &event).await {
            Ok(_) => return Ok(see_other(&format!("/match?{raw}&saved=1#results"))),
            Err(e) => form::refused_save(e)?,
        },
        Err(errors) => errors,
    };
    let page = page.at("/match");
    let (_, context) = match_context(&state, &page, Some(&raw), Some(&firm), &errors).await?;
    show_match(&state, &page, StatusCode::BAD_REQUEST, context)
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
