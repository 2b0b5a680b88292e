//! The needs pages: the SME's `/sme/needs` and `/sme/needs/{id}`, the institution's `/bank/needs`, and
//! their form posts. Forms take amounts in 万元 and rates in percent.

use super::{
    FeedItem, NeedBody, OfferBody, OfferView, accept, close, feed, listed_products, need_detail, needs_of, offer_view,
    own_need, submit_need, submit_offer, withdraw,
};
use crate::http::auth::{Auth, Caller, enterprise_of, lender_of};
use crate::http::error::ApiError;
use crate::http::extract::{Id, OfferId};
use crate::http::format::{options, parse_wan, wan_input};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::NaiveDate;
use finmart_domain::{Bps, Fen, FieldErrors, Labelled, LoanPurpose, Months, Principal, ValueError};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sme/needs", get(sme_needs_page).post(sme_needs_submit))
        .route("/sme/needs/{id}", get(sme_need_page))
        .route("/sme/needs/{id}/close", post(sme_need_close))
        .route("/sme/needs/{id}/offers/{offer_id}/accept", post(sme_offer_accept))
        .route("/bank/needs", get(bank_needs_page))
        .route("/bank/needs/{id}/offers", post(bank_offer_submit))
        .route("/bank/offers/{id}/withdraw", post(bank_offer_withdraw))
}

/// How far ahead the need form's deadline starts.
const DEFAULT_DEADLINE_DAYS: u64 = 14;

// ---------------------------------------------------------------------------------------------------------
// The forms

/// The need form's fields with their labels, in form order.
const NEED_FIELDS: &[(&str, &str, &str)] = &[
    ("amount", "融资金额", "Amount"),
    ("term", "期限", "Term"),
    ("purpose", "资金用途", "Purpose"),
    ("purpose_text", "用途说明", "Purpose in your words"),
    ("max_rate", "可接受的最高年利率", "Highest acceptable rate"),
    ("deadline", "报价截止日期", "Offers until"),
];

/// The offer form's fields with their labels.
const OFFER_FIELDS: &[(&str, &str, &str)] = &[
    ("product_id", "产品", "Product"),
    ("amount", "金额", "Amount"),
    ("rate", "年利率", "Rate"),
    ("term", "期限", "Term"),
    ("note", "说明", "Note"),
];

/// The messages of a form (by field) in form order, each with its field's label in the page's language.
fn error_list(errors: &Map<String, Value>, fields: &[(&str, &str, &str)], page: &Page) -> Vec<Value> {
    let mut list: Vec<(usize, Value)> = errors
        .iter()
        .map(|(field, message)| {
            let at = fields.iter().position(|(n, _, _)| n == field).unwrap_or(usize::MAX);
            let (zh, en) = fields.get(at).map_or(("表单", "Form"), |(_, zh, en)| (*zh, *en));
            (at, json!({"field": field, "label": page.pick(zh, en), "message": message}))
        })
        .collect();
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, v)| v).collect()
}

/// A date as people write it: `2026-12-31`, `2026/12/31`, `2026年12月31日`. (Stricter than the kit's
/// `parse_date`, which also takes a month, and with this form's own example in the message.)
fn parse_date(text: &str) -> Result<NaiveDate, ValueError> {
    let t = text.trim().replace(['年', '月', '/', '.'], "-").replace('日', "");
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    NaiveDate::parse_from_str(t.trim_end_matches('-'), "%Y-%m-%d").map_err(|_| {
        ValueError::Invalid(format!(
            "日期格式应为 2026-12-31，实际为“{}”",
            text.trim().chars().take(20).collect::<String>()
        ))
    })
}

/// A field that must be filled, parsed (`None`, with the reason in `errors`, when it is empty or bad).
fn required<T>(
    errors: &mut FieldErrors,
    form: &Form,
    name: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Option<T> {
    let text = form.field(name).trim();
    if text.is_empty() {
        errors.push(name, ValueError::Invalid("请填写此项".to_owned()));
        return None;
    }
    errors.check(name, parse(text))
}

/// The need form (amounts in 万元, the rate in percent) as a body, or every bad field.
fn need_from_form(form: &Form) -> Result<NeedBody, FieldErrors> {
    let mut errors = FieldErrors::default();
    let amount = required(&mut errors, form, "amount", parse_wan);
    let term = required(&mut errors, form, "term", Months::parse);
    let purpose = required(&mut errors, form, "purpose", |v| LoanPurpose::parse(v).map_err(ValueError::from));
    let purpose_text = form.field("purpose_text").trim().to_owned();
    let max_rate = match form.field("max_rate").trim() {
        "" => Some(None),
        v => errors.check("max_rate", Bps::parse_percent(v.trim_end_matches('%'))).map(Some),
    };
    let deadline = required(&mut errors, form, "deadline", parse_date);
    match (amount, term, purpose, max_rate, deadline) {
        (Some(amount), Some(term), Some(purpose), Some(max_rate), Some(deadline)) if errors.is_empty() => {
            Ok(NeedBody { amount, term, purpose, purpose_text, max_rate, deadline })
        }
        _ => Err(errors),
    }
}

/// The offer form as a body, or every bad field.
fn offer_from_form(form: &Form) -> Result<OfferBody, FieldErrors> {
    let mut errors = FieldErrors::default();
    let product_id = required(&mut errors, form, "product_id", |v| {
        v.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ValueError::Invalid("请选择产品".to_owned()))
    });
    let amount = required(&mut errors, form, "amount", parse_wan);
    let rate = required(&mut errors, form, "rate", |v| Bps::parse_percent(v.trim_end_matches('%')));
    let term = required(&mut errors, form, "term", Months::parse);
    let note = form.field("note").trim().to_owned();
    match (product_id, amount, rate, term) {
        (Some(product_id), Some(amount), Some(rate), Some(term)) if errors.is_empty() => {
            Ok(OfferBody { product_id, amount, rate, term, note })
        }
        _ => Err(errors),
    }
}

/// What was typed, to show it again (the CSRF token aside).
fn form_values(form: &Form) -> Map<String, Value> {
    form.0.iter().filter(|(k, _)| k != "csrf").map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
}

// ---------------------------------------------------------------------------------------------------------
// The SME's pages

/// The SME's needs with the form to post one (`values`, `errors`).
async fn sme_needs_view(
    state: &AppState,
    page: &Page,
    enterprise_id: i64,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    status: StatusCode,
) -> PageResult {
    let needs = needs_of(state, enterprise_id).await?;
    let consents = state.store.consents(enterprise_id).await?;
    let mut context = Map::new();
    context.insert("page".into(), "sme_needs".into());
    context.insert("needs".into(), json!(needs));
    context.insert("form".into(), Value::Object(values));
    context.insert("error_list".into(), Value::Array(error_list(&errors, NEED_FIELDS, page)));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("purposes".into(), Value::Array(options::<LoanPurpose>()));
    context.insert("visible_to_all".into(), consents.all.into());
    context.insert("visible_to".into(), consents.institutions.len().into());
    context.insert("today".into(), today().to_string().into());
    page.show_with(status, "sme_needs.html", context)
}

async fn sme_needs_page(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    let eid = enterprise_of(&p)?;
    let deadline = today().checked_add_days(chrono::Days::new(DEFAULT_DEADLINE_DAYS)).unwrap_or(today());
    let values =
        object(json!({"amount": "100", "term": "12", "purpose": "working_capital", "deadline": deadline.to_string()}));
    sme_needs_view(&state, &page, eid, values, Map::new(), StatusCode::OK).await
}

async fn sme_needs_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let eid = enterprise_of(&p)?;
    let errors = match need_from_form(&form) {
        Ok(body) => match submit_need(&state, &p, &caller, body).await {
            Ok(need) => return Ok(see_other(&format!("/sme/needs/{}", need.id))),
            Err(e) if e.status == StatusCode::BAD_REQUEST => page.error_messages(&e),
            Err(e) => return Err(e),
        },
        Err(errors) => page.field_messages(&errors),
    };
    let page = page.at("/sme/needs");
    sme_needs_view(&state, &page, eid, form_values(&form), errors, StatusCode::BAD_REQUEST).await
}

/// One of the SME's needs with its offers compared (`errors`: why an act on it was refused).
async fn sme_need_view(
    state: &AppState,
    page: &Page,
    enterprise_id: i64,
    id: i64,
    errors: Map<String, Value>,
    status: StatusCode,
) -> PageResult {
    let need = own_need(state, enterprise_id, id).await?;
    let detail = need_detail(state, &need).await?;
    let mut context = Map::new();
    context.insert("page".into(), "sme_needs".into());
    context.insert("need".into(), json!(detail.need));
    context.insert("offers".into(), json!(detail.offers));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("accepted".into(), Form::of_query(page.query()).get("application").into());
    page.show_with(status, "sme_needs_detail.html", context)
}

async fn sme_need_page(State(state): State<AppState>, Auth(p): Auth, page: Page, Id(id): Id) -> PageResult {
    let eid = enterprise_of(&p)?;
    sme_need_view(&state, &page, eid, id, Map::new(), StatusCode::OK).await
}

/// After an act on need `id`: to `Ok(location)`, or the need's page again with why the need or offer moved
/// on (409); any other refusal is the error page.
async fn after_need_act(
    state: &AppState,
    page: Page,
    enterprise_id: i64,
    id: i64,
    result: Result<String, ApiError>,
) -> PageResult {
    match result {
        Ok(location) => Ok(see_other(&location)),
        Err(e) if e.status == StatusCode::CONFLICT => {
            let page = page.at(&format!("/sme/needs/{id}"));
            sme_need_view(state, &page, enterprise_id, id, page.error_messages(&e), e.status).await
        }
        Err(e) => Err(e),
    }
}

async fn sme_need_close(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let eid = enterprise_of(&p)?;
    let result = close(&state, &p, &caller, id).await.map(|need| format!("/sme/needs/{}", need.id));
    after_need_act(&state, page, eid, id, result).await
}

async fn sme_offer_accept(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(id): Id,
    OfferId(offer_id): OfferId,
) -> PageResult {
    let eid = enterprise_of(&p)?;
    let result = accept(&state, &p, &caller, id, offer_id)
        .await
        .map(|view| format!("/sme/needs/{}?application={}", view.need.id, view.application_id));
    after_need_act(&state, page, eid, id, result).await
}

// ---------------------------------------------------------------------------------------------------------
// The institution's pages

/// An offer form that was refused: the need, the values typed and the reasons by field.
type FailedOffer = (i64, Map<String, Value>, Map<String, Value>);

/// The offer form of a feed item, filled with the best fitting product at its lowest rate.
fn offer_defaults(item: &FeedItem) -> Map<String, Value> {
    let best = item.fitting.first();
    let rate = best
        .and_then(|f| Bps::new(f.rate_min_bps).ok())
        .map(|b| b.percent_text().trim_end_matches('%').to_owned())
        .unwrap_or_default();
    let amount = Fen::from_fen(item.need.amount_fen).map(wan_input).unwrap_or_default();
    object(json!({
        "product_id": best.map(|f| f.product_id.to_string()).unwrap_or_default(),
        "amount": amount, "rate": rate, "term": item.need.term_months.to_string(), "note": "",
    }))
}

/// The bank's feed page; `failed` is the need whose offer form was refused, with its values and reasons.
async fn bank_needs_view(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    page: &Page,
    failed: Option<FailedOffer>,
    status: StatusCode,
) -> PageResult {
    let institution = lender_of(p)?;
    let items = feed(state, p, caller).await?;
    let products: Vec<Value> = listed_products(state, institution)
        .await?
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.spec.name,
                "rate_min": p.spec.rate.min().percent_text(), "rate_max": p.spec.rate.max().percent_text(),
                "rate_default": p.spec.rate.min().percent_text().trim_end_matches('%'),
            })
        })
        .collect();
    let offers: Vec<OfferView> = state
        .store
        .offers_by_institution(institution, None)
        .await?
        .iter()
        .take(100)
        .map(|o| offer_view(o, None))
        .collect();
    let items: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut v = json!(item);
            let (values, errors) = match &failed {
                Some((id, values, errors)) if *id == item.need.id => (values.clone(), errors.clone()),
                _ => (offer_defaults(item), Map::new()),
            };
            if let Value::Object(map) = &mut v {
                map.insert("error_list".into(), Value::Array(error_list(&errors, OFFER_FIELDS, page)));
                map.insert("form".into(), Value::Object(values));
                map.insert("errors".into(), Value::Object(errors));
            }
            v
        })
        .collect();
    let mut context = Map::new();
    context.insert("page".into(), "bank_needs".into());
    context.insert("items".into(), Value::Array(items));
    context.insert("products".into(), Value::Array(products));
    context.insert("offers".into(), json!(offers));
    context.insert("done".into(), Form::of_query(page.query()).get("done").into());
    context.insert("failed".into(), failed.as_ref().map(|f| f.0).into());
    page.show_with(status, "bank_needs.html", context)
}

async fn bank_needs_page(State(state): State<AppState>, Auth(p): Auth, caller: Caller, page: Page) -> PageResult {
    bank_needs_view(&state, &p, &caller, &page, None, StatusCode::OK).await
}

async fn bank_offer_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    page: Page,
    Id(need_id): Id,
    form: Form,
) -> PageResult {
    lender_of(&p)?;
    let errors = match offer_from_form(&form) {
        Ok(body) => match submit_offer(&state, &p, &caller, need_id, body).await {
            Ok(_) => return Ok(see_other(&format!("/bank/needs?done=offered#need-{need_id}"))),
            Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => {
                page.error_messages(&e)
            }
            Err(e) => return Err(e),
        },
        Err(errors) => page.field_messages(&errors),
    };
    let failed = Some((need_id, form_values(&form), errors));
    bank_needs_view(&state, &p, &caller, &page.at("/bank/needs"), failed, StatusCode::BAD_REQUEST).await
}

async fn bank_offer_withdraw(State(state): State<AppState>, Auth(p): Auth, caller: Caller, Id(id): Id) -> PageResult {
    let offer = withdraw(&state, &p, &caller, id).await?;
    Ok(see_other(&format!("/bank/needs?done=withdrawn#need-{}", offer.need_id)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form(raw: &str) -> Form {
        Form::parse(raw.as_bytes())
    }

    #[test]
    fn the_need_form_reads_wan_percent_and_dates() {
        let body = need_from_form(&form(
            "amount=300&term=3年&purpose=equipment&purpose_text=买设备&max_rate=5.5&deadline=2026/12/31",
        ))
        .unwrap();
        assert_eq!((body.amount, body.term.get(), body.purpose), (Fen::wan(300), 36, LoanPurpose::Equipment));
        assert_eq!(body.max_rate, Some(Bps::new(550).unwrap()));
        assert_eq!(body.deadline, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        let body =
            need_from_form(&form("amount=50&term=12&purpose=working_capital&max_rate=&deadline=2026-12-01")).unwrap();
        assert_eq!(body.max_rate, None);
        let Err(errors) = need_from_form(&form("amount=abc&term=&purpose=fun&deadline=soon")) else { panic!() };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "term", "purpose", "deadline"]);
        assert!(errors.0.iter().all(|e| e.error.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }

    #[test]
    fn the_offer_form_names_bad_fields() {
        let body = offer_from_form(&form("product_id=3&amount=150&rate=4.2&term=12&note=快")).unwrap();
        assert_eq!((body.product_id, body.amount, body.rate.bps(), body.term.get()), (3, Fen::wan(150), 420, 12));
        let Err(errors) = offer_from_form(&form("product_id=&amount=-1&rate=x&term=0")) else { panic!() };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["product_id", "amount", "rate", "term"]);
    }
}
