//! The comparison page, `/compare`. Everything is in its URL: `ids=1,2,3` the products, `amount` (万元, as on
//! the calculator and the matching form) and `term` (months) the loan, `subsidised` the reader's claim.
//! `add=7`, `remove=7` and `clear=1` change the list kept in the `finmart_compare` cookie (or given in `ids`)
//! and lead to the page of the new list, so a card's "加入对比" works without JavaScript; `app.js` keeps the
//! same cookie on the cards and shows the count with a link here.

use super::{Asked, MAX_COMPARED, ROWS, compare};
use crate::http::auth::Caller;
use crate::http::format::{parse_wan, wan_input};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::get;
use finmart_domain::{Fen, Months, Principal};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/compare", get(compare_page))
}

/// The cookie that keeps the list between pages: ids joined by `.` (no comma, which a cookie value may not
/// hold). Not `HttpOnly`: `app.js` reads and writes it for the cards.
pub const COOKIE_NAME: &str = "finmart_compare";
const COOKIE_DAYS: u32 = 30;

/// Ids from a list text, leniently (a page shows what it can): the numbers, in order, once each.
fn ids_in(text: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for id in text.split([',', '，', ' ', '.']).filter_map(|p| p.trim().parse::<i64>().ok()).filter(|id| *id > 0) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The list kept in the cookie.
fn kept(headers: &HeaderMap) -> Vec<i64> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| ids_in(value))
        .unwrap_or_default()
}

fn cookie_of(ids: &[i64]) -> Option<HeaderValue> {
    let value: Vec<String> = ids.iter().map(i64::to_string).collect();
    let max_age = if ids.is_empty() { 0 } else { COOKIE_DAYS * 86_400 };
    HeaderValue::from_str(&format!("{COOKIE_NAME}={}; Path=/; Max-Age={max_age}; SameSite=Lax", value.join("."))).ok()
}

/// `/compare` for `ids`, keeping the loan and the language asked.
fn link(ids: &[i64], form: &Form) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    out.append_pair("ids", &ids.join(","));
    for key in ["amount", "term", "subsidised", "lang"] {
        if let Some(v) = form.get(key).filter(|v| !v.trim().is_empty()) {
            out.append_pair(key, v);
        }
    }
    format!("/compare?{}", out.finish())
}

/// A message in both languages, as the page shows it.
fn said(page: &Page, zh: &str, en: &str) -> Value {
    Value::String(page.pick(zh, en).to_owned())
}

/// `GET /compare`.
async fn compare_page(State(state): State<AppState>, caller: Caller, page: Page, headers: HeaderMap) -> PageResult {
    let form = Form::of_query(page.query());
    let mut ids = form.get("ids").map_or_else(|| kept(&headers), ids_in);
    let mut refusal = None;
    let mut changed = false;
    if let Some(add) = form.get("add").and_then(|a| a.trim().parse::<i64>().ok()).filter(|id| *id > 0) {
        if ids.contains(&add) {
            changed = true;
        } else if ids.len() >= MAX_COMPARED {
            refusal = Some(said(
                &page,
                &format!("最多同时对比 {MAX_COMPARED} 个产品，未加入编号 {add} 的产品：请先移除一个再加入。"),
                &format!(
                    "At most {MAX_COMPARED} products are compared at once; product {add} was not added. Remove one first."
                ),
            ));
        } else {
            ids.push(add);
            changed = true;
        }
    }
    if let Some(remove) = form.get("remove").and_then(|r| r.trim().parse::<i64>().ok()) {
        ids.retain(|id| *id != remove);
        changed = true;
    }
    if form.get("clear").is_some() {
        ids.clear();
        changed = true;
    }
    if changed && refusal.is_none() {
        let mut response = see_other(&link(&ids, &form));
        if let Some(cookie) = cookie_of(&ids) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        return Ok(response);
    }
    if ids.len() > MAX_COMPARED {
        let asked = ids.len();
        ids.truncate(MAX_COMPARED);
        refusal = Some(said(
            &page,
            &format!("最多同时对比 {MAX_COMPARED} 个产品（选择了 {asked} 个），以下只对比前 {MAX_COMPARED} 个。"),
            &format!(
                "At most {MAX_COMPARED} products are compared at once ({asked} chosen); the first {MAX_COMPARED} are shown."
            ),
        ));
    }

    // The loan: typed values that do not read are shown beside their field, and the default is priced.
    let mut errors = Map::new();
    let amount = match form.get("amount").map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => match parse_wan(text) {
            Ok(a) if a.fen() > 0 => Some(a),
            Ok(_) => {
                errors.insert("amount".into(), said(&page, "金额应大于 0", "the amount must be above 0"));
                None
            }
            Err(e) => {
                let message = if page.en() { e.to_string() } else { e.message_zh() };
                errors.insert("amount".into(), Value::String(message));
                None
            }
        },
        None => None,
    };
    let term = match form.get("term").map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => match Months::parse(text) {
            Ok(t) => Some(t),
            Err(e) => {
                let message = if page.en() { e.to_string() } else { e.message_zh() };
                errors.insert("term".into(), Value::String(message));
                None
            }
        },
        None => None,
    };
    let subsidised = matches!(form.get("subsidised").map(str::trim), Some("true" | "on" | "1"));
    let asked = Asked { ids: ids.clone(), amount, term, subsidised };
    let comparison = compare(&state, &caller, &asked).await?;
    let listed: Vec<i64> = comparison.items.iter().map(|i| i.product.summary.id).collect();
    let remove_links: Vec<String> =
        listed.iter().map(|id| link(&listed.iter().copied().filter(|x| x != id).collect::<Vec<_>>(), &form)).collect();
    let firm = caller.principal.as_ref().and_then(Principal::enterprise).is_some();
    let rows: Vec<Value> = ROWS
        .iter()
        .filter(|(key, _, _)| *key != "standing" || firm)
        .map(|(key, zh, en)| json!({"key": key, "label": zh, "label_en": en, "differs": comparison.differs.contains(key)}))
        .collect();
    let status = if refusal.is_some() || !errors.is_empty() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let context = json!({
        "page": "compare", "c": comparison, "rows": rows, "remove_links": remove_links, "firm": firm,
        "refusal": refusal, "errors": errors, "ids_text": listed.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        "form": form.values(&["amount", "term"]), "subsidised": subsidised, "max": MAX_COMPARED,
        "need_amount": Fen::from_fen(comparison.need.amount_fen).map(wan_input).unwrap_or_default(),
    });
    let mut response = page.show_with(status, "compare.html", object(context))?;
    // The page's list is the one kept: what a card adds next is added to it.
    if let Some(cookie) = cookie_of(&listed) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_list_reads_back_from_its_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=b; finmart_compare=3.1.3.x.2"));
        assert_eq!(kept(&headers), vec![3, 1, 2]);
        let cookie = cookie_of(&[3, 1]).unwrap();
        assert!(cookie.to_str().unwrap().starts_with("finmart_compare=3.1;"));
        assert!(cookie_of(&[]).unwrap().to_str().unwrap().contains("Max-Age=0"));
        let form = Form::of_query(Some("amount=50&lang=en&remove=2"));
        assert_eq!(link(&[3, 1], &form), "/compare?ids=3%2C1&amount=50&lang=en");
    }
}
