//! The needs pages: the SME's `/sme/needs` and `/sme/needs/{id}`, the institution's `/bank/needs`, and
//! their form posts. Forms take amounts in 万元 and rates in percent.

use super::{
    FeedItem, NeedBody, OfferBody, OfferView, accept, close, feed, listed_products, need_detail, needs_of, offer_view,
    own_need, submit_need, submit_offer, withdraw,
};
use crate::http::auth::{Caller, LenderUser, SmeUser};
use crate::http::error::ApiError;
use crate::http::extract::{Id, OfferId};
use crate::http::format::{options, parse_date, parse_wan, wan_input};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{Bps, Fen, FieldErrors, Labelled, LoanPurpose, Months, ValueError};
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

/// A refused form of `fields` as the template shows it: what was typed (`form`), the messages by field
/// (`errors`) and in form order with each field's label in the page's language (`error_list`).
fn refused_form(
    page: &Page,
    fields: &[(&str, &str, &str)],
    values: Map<String, Value>,
    errors: Map<String, Value>,
) -> Map<String, Value> {
    let at = |field: &str| fields.iter().position(|(n, _, _)| *n == field).unwrap_or(usize::MAX);
    let mut list: Vec<(&String, &Value)> = errors.iter().collect();
    list.sort_by_key(|(field, _)| at(field));
    let list: Vec<Value> = list
        .into_iter()
        .map(|(field, message)| {
            let (zh, en) = fields.get(at(field)).map_or(("表单", "Form"), |(_, zh, en)| (*zh, *en));
            json!({"field": field, "label": page.pick(zh, en), "message": message})
        })
        .collect();
    object(json!({"form": values, "error_list": list, "errors": errors}))
}

/// A field that must be filled, parsed (`None`, with the reason in `errors`, when it is empty or bad).
fn required<T, E: Into<ValueError>>(
    errors: &mut FieldErrors,
    form: &Form,
    name: &str,
    parse: impl Fn(&str) -> Result<T, E>,
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
    let purpose = required(&mut errors, form, "purpose", LoanPurpose::parse);
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
    let consents = state.store.consents(enterprise_id).await?;
    let mut context = object(json!({
        "page": "sme_needs", "needs": needs_of(state, enterprise_id).await?, "purposes": options::<LoanPurpose>(),
        "visible_to_all": consents.all, "visible_to": consents.institutions.len(), "today": today().to_string(),
    }));
    context.extend(refused_form(page, NEED_FIELDS, values, errors));
    page.show_with(status, "sme_needs.html", context)
}

async fn sme_needs_page(SmeUser(_, eid): SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let deadline = today().checked_add_days(chrono::Days::new(DEFAULT_DEADLINE_DAYS)).unwrap_or(today());
    let values =
        object(json!({"amount": "100", "term": "12", "purpose": "working_capital", "deadline": deadline.to_string()}));
    sme_needs_view(&state, &page, eid, values, Map::new(), StatusCode::OK).await
}

async fn sme_needs_submit(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let errors = match need_from_form(&form) {
        Ok(body) => match submit_need(&state, &sme, &caller, body).await {
            Ok(need) => return Ok(see_other(&format!("/sme/needs/{}", need.id))),
            Err(e) if e.status == StatusCode::BAD_REQUEST => page.error_messages(&e),
            Err(e) => return Err(e),
        },
        Err(errors) => page.field_messages(&errors),
    };
    let page = page.at("/sme/needs");
    sme_needs_view(&state, &page, sme.1, form_values(&form), errors, StatusCode::BAD_REQUEST).await
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
    let detail = need_detail(state, &own_need(state, enterprise_id, id).await?).await?;
    let accepted = Form::of_query(page.query()).get("application").map(str::to_owned);
    let context = json!({
        "page": "sme_needs", "need": detail.need, "offers": detail.offers, "errors": errors, "accepted": accepted,
    });
    page.show_with(status, "sme_needs_detail.html", object(context))
}

async fn sme_need_page(SmeUser(_, eid): SmeUser, State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
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
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let result = close(&state, &sme, &caller, id).await.map(|need| format!("/sme/needs/{}", need.id));
    after_need_act(&state, page, sme.1, id, result).await
}

async fn sme_offer_accept(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    OfferId(offer_id): OfferId,
) -> PageResult {
    let result = accept(&state, &sme, &caller, id, offer_id)
        .await
        .map(|view| format!("/sme/needs/{}?application={}", view.need.id, view.application_id));
    after_need_act(&state, page, sme.1, id, result).await
}

// ---------------------------------------------------------------------------------------------------------
// The institution's pages

/// An offer form that was refused: the need, the values typed and the reasons by field.
type FailedOffer = (i64, Map<String, Value>, Map<String, Value>);

/// The offer form of a feed item, filled with the best fitting product at its lowest rate.
fn offer_defaults(item: &FeedItem) -> Map<String, Value> {
    let best = item.fitting.first();
    let rate = best
        .and_then(|f| Bps::new(f.rate_min_bps?).ok())
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
    lender: &LenderUser,
    caller: &Caller,
    page: &Page,
    failed: Option<FailedOffer>,
    status: StatusCode,
) -> PageResult {
    let items: Vec<Value> = feed(state, lender, caller)
        .await?
        .iter()
        .map(|item| {
            let (values, errors) = match &failed {
                Some((id, values, errors)) if *id == item.need.id => (values.clone(), errors.clone()),
                _ => (offer_defaults(item), Map::new()),
            };
            let mut v = object(json!(item));
            v.extend(refused_form(page, OFFER_FIELDS, values, errors));
            Value::Object(v)
        })
        .collect();
    let products: Vec<Value> = listed_products(state, lender.1)
        .await?
        .iter()
        .map(|p| {
            // The offer form starts from the product's lowest annual rate; an unstated rate starts empty.
            let annual = p.annual_rate();
            let text = |r: finmart_domain::AnnualRate| r.bps().percent_text();
            let (min, max) = (annual.min().map(text), annual.max().map(text));
            let default = min.as_deref().map(|m| m.trim_end_matches('%').to_owned());
            json!({"id": p.id, "name": p.spec.name, "rate_min": min, "rate_max": max, "rate_default": default})
        })
        .collect();
    let offers = state.store.offers_by_institution(lender.1, None).await?;
    let offers: Vec<OfferView> = offers.iter().take(100).map(|o| offer_view(o, None)).collect();
    let context = json!({
        "page": "bank_needs", "items": items, "products": products, "offers": offers,
        "done": Form::of_query(page.query()).get("done"), "failed": failed.as_ref().map(|f| f.0),
    });
    page.show_with(status, "bank_needs.html", object(context))
}

async fn bank_needs_page(lender: LenderUser, State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    bank_needs_view(&state, &lender, &caller, &page, None, StatusCode::OK).await
}

async fn bank_offer_submit(
    lender: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(need_id): Id,
    form: Form,
) -> PageResult {
    let errors = match offer_from_form(&form) {
        Ok(body) => match submit_offer(&state, &lender, &caller, need_id, body).await {
            Ok(_) => return Ok(see_other(&format!("/bank/needs?done=offered#need-{need_id}"))),
            Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => {
                page.error_messages(&e)
            }
            Err(e) => return Err(e),
        },
        Err(errors) => page.field_messages(&errors),
    };
    let failed = Some((need_id, form_values(&form), errors));
    bank_needs_view(&state, &lender, &caller, &page.at("/bank/needs"), failed, StatusCode::BAD_REQUEST).await
}

async fn bank_offer_withdraw(
    lender: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    let offer = withdraw(&state, &lender, &caller, id).await?;
    Ok(see_other(&format!("/bank/needs?done=withdrawn#need-{}", offer.need_id)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
