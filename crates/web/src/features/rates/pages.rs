//! 参考利率 (`/admin/rates`): the rates products are priced by today, the form to enter a new publication
//! (or correct a day's value), and the whole history. The form posts to the page's own path; success
//! redirects (303) back with a note naming what was entered, a refused form is shown again with each reason
//! beside its field (400, or 409 beside the day).

use super::{CurrentRates, NewPublicationBody, ReferenceRateEntryView, kind_options, publish};
use crate::http::auth::{Caller, OperatorUser};
use crate::http::error::ApiError;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use finmart_domain::shanghai;
use serde_json::{Map, Value, json};

const PATH: &str = "/admin/rates";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(PATH, get(rates_page).post(publish_submit))
}

/// The fields the form posts.
const FIELDS: &[&str] = &["kind", "percent", "published_on", "source", "correction"];

/// What the note after a redirect says (`?entered=ID`), naming the publication.
fn done_note(page: &Page, history: &[ReferenceRateEntryView]) -> Value {
    let query = Form::of_query(page.query());
    let Some(id) = query.get("entered").and_then(|v| v.parse::<i64>().ok()) else { return Value::Null };
    let Some(e) = history.iter().find(|e| e.id == id) else { return Value::Null };
    let p = &e.publication;
    let (kind, kind_en) = (p.kind.label, p.kind.label_en);
    let current_zh =
        if e.current { "，已用于相关产品的利率" } else { "（早于现行公布，仅记入历史）" };
    let current_en = if e.current {
        "; products priced on it follow it now"
    } else {
        " (earlier than the one in force: history only)"
    };
    let what_zh = if e.revision > 0 { "已更正" } else { "已录入" };
    let what_en = if e.revision > 0 { "Corrected" } else { "Entered" };
    json!({
        "zh": format!("{what_zh} {} 的{kind} {}{current_zh}。", p.published_on, p.rate_text),
        "en": format!("{what_en} the {kind_en} of {} on {}{current_en}.", p.rate_text, p.published_on),
    })
}

/// The page, with the form refilled and its reasons when it was refused.
async fn context(
    state: &AppState,
    page: &Page,
    values: Map<String, Value>,
    errors: Map<String, Value>,
) -> PageResult<Map<String, Value>> {
    let current = CurrentRates::from(&state.store.reference_rates().await?);
    let history: Vec<ReferenceRateEntryView> =
        state.store.reference_rate_history().await?.iter().map(ReferenceRateEntryView::from).collect();
    let mut values = values;
    values.entry("published_on").or_insert_with(|| Value::String(shanghai::today().to_string()));
    Ok(object(json!({
        "page": "rates", "current": current.rates, "history": history, "kinds": kind_options(),
        "values": values, "errors": errors, "done": done_note(page, &history),
        "today": shanghai::today().to_string(),
    })))
}

async fn rates_page(_: OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    page.show("admin_rates.html", context(&state, &page, Map::new(), Map::new()).await?)
}

async fn publish_submit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let body = NewPublicationBody {
        kind: form.field("kind").to_owned(),
        percent: form.field("percent").to_owned(),
        published_on: form.field("published_on").to_owned(),
        source: form.field("source").to_owned(),
        correction: matches!(form.field("correction"), "true" | "on" | "1"),
    };
    match publish(&state, &caller, &p, &body).await {
        Ok(entry) => Ok(see_other(&format!("{PATH}?entered={}", entry.id))),
        Err(e) if e.status.is_client_error() => refused(&state, page, &form, &e).await,
        Err(e) => Err(e),
    }
}

/// The form shown again with each reason beside its field.
async fn refused(state: &AppState, page: Page, form: &Form, e: &ApiError) -> PageResult {
    let mut errors = page.error_messages(e);
    // A conflict about the day (entered already, or nothing to correct) is shown beside the day.
    if let Some(field) = e.body.field.clone()
        && let Some(message) = errors.remove("form")
    {
        errors.insert(field, message);
    }
    let page = page.at(PATH);
    let context = context(state, &page, form.values(FIELDS), errors).await?;
    page.show_with(e.status, "admin_rates.html", context)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::feature;
    use crate::http::templates::Templates;
    use serde_json::json;

    /// The page renders with the context its handlers give (a broken template is a 500).
    #[test]
    fn the_page_renders_its_form_refilled() {
        let templates = Templates::new(&[feature().templates]);
        let rate = json!({"kind": {"code": "lpr_1y", "label": "1 年期 LPR", "label_en": "1-year LPR"},
            "rate_bps": 300, "rate_text": "3.00%", "published_on": "2025-05-20",
            "text": "2025-05-20 公布的 1 年期 LPR 3.00%", "text_en": "the 1-year LPR of 3.00% published on 2025-05-20"});
        let mut entry = rate.clone();
        entry.as_object_mut().unwrap().extend(
            json!({"id": 1, "revision": 0, "source": "全国银行间同业拆借中心",
            "entered_by": "初始数据（迁移 10）", "entered_at": "2026-12-03 10:00", "current": true, "corrected": false})
            .as_object()
            .unwrap()
            .clone(),
        );
        let context = json!({
            "v": "1", "en": false, "switch_href": "/admin/rates?lang=en", "csrf": "t", "current_path": "/admin/rates",
            "user": {"name": "n", "role": "operator", "role_label": "运营", "role_label_en": "Operator"},
            "kinds": [{"code": "lpr_1y", "label": "1 年期 LPR", "label_en": "1-year LPR"}],
            "current": [rate], "history": [entry], "today": "2026-12-03",
            "values": {"kind": "lpr_1y", "percent": "abc", "published_on": "2026-12-03", "correction": "true"},
            "errors": {"percent": "“abc”不是有效的数字", "published_on": "已录入"},
            "done": {"zh": "已录入。", "en": "Entered."},
        });
        let html = templates.render("admin_rates.html", &context).unwrap();
        for needle in [
            "action=\"/admin/rates\"",
            "<option value=\"lpr_1y\" selected>",
            "“abc”不是有效的数字",
            "id=\"f-published_on\"",
            "name=\"correction\" value=\"true\" checked",
            "已录入。",
            "<td class=\"num\" data-label=\"数值\">3.00%</td>",
            "初始数据（迁移 10）",
            "aria-current=\"page\"",
        ] {
            assert!(html.contains(needle), "{needle} missing from:\n{html}");
        }
    }
}
