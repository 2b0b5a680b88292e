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
use finmart_store::ReferenceRateEntry;
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

/// A source as written, in its parts: its words (data, in the language they were written in) and its web
/// addresses (`www.pbc.gov.cn`, `https://…`), which the page shows verbatim.
fn source_parts(source: &str) -> Vec<Value> {
    let mut parts: Vec<(bool, String)> = Vec::new();
    for word in source.split_whitespace() {
        let address = is_web_address(word);
        match parts.last_mut() {
            Some((was_address, text)) if !address && !*was_address => {
                text.push(' ');
                text.push_str(word);
            }
            _ => parts.push((address, word.to_owned())),
        }
    }
    parts.into_iter().map(|(address, text)| json!({"text": text, "address": address})).collect()
}

/// A web address: `http(s)://…`, `www.…`, or a host name of ASCII labels ending in a top-level domain of
/// letters (`pbc.gov.cn`), with an optional path.
fn is_web_address(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    let host = lower.split('/').next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Who entered a publication, as the page shows it: an operator by name (data); for entries made without an
/// account, the initial data of a migration (`初始数据（迁移 10）`, in the page's words) or the command that
/// entered it (`finmart rates set`, verbatim).
fn entered_by(e: &ReferenceRateEntry) -> Value {
    if e.entered_by_account_id.is_some() {
        return json!({"name": e.entered_by});
    }
    let migration = e.entered_by.strip_prefix("初始数据（迁移 ").and_then(|rest| rest.strip_suffix('）'));
    match migration.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) {
        Some(n) => json!({"label": e.entered_by, "label_en": format!("Initial data (migration {n})")}),
        None => json!({"command": e.entered_by}),
    }
}

/// One publication of the history as the page lists it: the view, with its source in parts and who entered it.
fn history_row(e: &ReferenceRateEntry) -> Value {
    let mut row = object(json!(ReferenceRateEntryView::from(e)));
    row.insert("source_parts".into(), source_parts(&e.source).into());
    row.insert("entered_by_shown".into(), entered_by(e));
    Value::Object(row)
}

/// The page, with the form refilled and its reasons when it was refused.
async fn context(
    state: &AppState,
    page: &Page,
    values: Map<String, Value>,
    errors: Map<String, Value>,
) -> PageResult<Map<String, Value>> {
    let current = CurrentRates::from(&state.store.reference_rates().await?);
    let entries = state.store.reference_rate_history().await?;
    let history: Vec<ReferenceRateEntryView> = entries.iter().map(ReferenceRateEntryView::from).collect();
    let rows: Vec<Value> = entries.iter().map(history_row).collect();
    let mut values = values;
    values.entry("published_on").or_insert_with(|| Value::String(shanghai::today().to_string()));
    Ok(object(json!({
        "page": "rates", "current": current.rates, "history": rows, "kinds": kind_options(),
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
            json!({"id": 1, "revision": 0, "source": "全国银行间同业拆借中心 www.chinamoney.com.cn",
            "source_parts": super::source_parts("全国银行间同业拆借中心 www.chinamoney.com.cn"),
            "entered_by": "初始数据（迁移 10）", "entered_at": "2026-12-03 10:00", "current": true, "corrected": false,
            "entered_by_shown": {"label": "初始数据（迁移 10）", "label_en": "Initial data (migration 10)"}})
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
            "<td data-label=\"来源\">全国银行间同业拆借中心 <code>www.chinamoney.com.cn</code></td>",
        ] {
            assert!(html.contains(needle), "{needle} missing from:\n{html}");
        }
        let mut english = context;
        english["en"] = json!(true);
        let html = templates.render("admin_rates.html", &english).unwrap();
        for needle in [
            "<span lang=\"zh-CN\">全国银行间同业拆借中心</span> <code>www.chinamoney.com.cn</code>",
            "Initial data (migration 10) · 2026-12-03 10:00",
            "e.g. China Foreign Exchange Trade System, https:&#x2f;&#x2f;www.chinamoney.com.cn",
        ] {
            assert!(html.contains(needle), "{needle} missing from:\n{html}");
        }
        assert!(!html.contains("初始数据"), "{html}");
    }

    /// A source's web addresses are told from its words, however many of each and in whatever order.
    #[test]
    fn sources_are_split_into_words_and_web_addresses() {
        let parts = |s: &str| -> Vec<(String, bool)> {
            super::source_parts(s)
                .iter()
                .map(|p| (p["text"].as_str().unwrap().to_owned(), p["address"].as_bool().unwrap()))
                .collect()
        };
        let part = |t: &str, a: bool| (t.to_owned(), a);
        assert_eq!(parts("中国人民银行 www.pbc.gov.cn"), [part("中国人民银行", false), part("www.pbc.gov.cn", true)]);
        assert_eq!(
            parts("PBOC notice  https://www.pbc.gov.cn/x?y=1 and pbc.gov.cn/zh"),
            [
                part("PBOC notice", false),
                part("https://www.pbc.gov.cn/x?y=1", true),
                part("and", false),
                part("pbc.gov.cn/zh", true)
            ]
        );
        assert_eq!(parts("3.5 版 v2.0 e.g."), [part("3.5 版 v2.0 e.g.", false)], "numbers and abbreviations");
        assert!(parts("").is_empty());
    }

    /// Who entered a publication: a person by name, the initial data in the page's words, a command verbatim.
    #[test]
    fn who_entered_a_publication_is_shown_by_kind() {
        use finmart_domain::{Bps, Labelled, Publication, ReferenceKind};
        let entry = |by: &str, account: Option<i64>| finmart_store::ReferenceRateEntry {
            id: 1,
            publication: Publication {
                kind: ReferenceKind::ALL[0],
                rate: Bps::new(300).unwrap(),
                published_on: chrono::NaiveDate::from_ymd_opt(2025, 5, 20).unwrap(),
            },
            revision: 0,
            source: String::new(),
            entered_by: by.to_owned(),
            entered_by_account_id: account,
            entered_at: chrono::Utc::now(),
            current: true,
            corrected: false,
        };
        assert_eq!(super::entered_by(&entry("王运营", Some(3))), json!({"name": "王运营"}));
        assert_eq!(
            super::entered_by(&entry("初始数据（迁移 10）", None)),
            json!({"label": "初始数据（迁移 10）", "label_en": "Initial data (migration 10)"})
        );
        assert_eq!(super::entered_by(&entry("finmart rates set", None)), json!({"command": "finmart rates set"}));
    }
}
