//! A confirmation before an act that cannot be undone (放款, 审批通过, 拒绝, 冲正, 撤回申请, 下架): the page
//! restates what will happen and posts the same form again with `confirm=1`. It is a page of its own, so it
//! works without JavaScript; the act is only taken from a form that carries the confirmation.

use crate::http::forms::Form;
use crate::http::page::{Page, PageResult, object};
use serde_json::json;

/// The field a confirmed form carries.
pub const CONFIRMED: &str = "confirm";

/// Whether the form was posted from the confirmation page.
#[must_use]
pub fn confirmed(form: &Form) -> bool {
    form.field(CONFIRMED) == "1"
}

/// What a confirmation page says: a title and the lines that restate the act, in both languages.
#[derive(Debug)]
pub struct Confirmation {
    pub title: (String, String),
    pub lines: Vec<(String, String)>,
    /// Where the form posts (the act's own address) and where 返回 leads.
    pub action: String,
    pub back: String,
    /// A button that warns (a rejection, a reversal, an archive) rather than proceeds.
    pub danger: bool,
}

/// The confirmation page of `form`, posted to `c.action` with every field kept and `confirm=1`.
///
/// # Errors
/// A template that fails to render (500).
pub fn page(page: &Page, form: &Form, c: &Confirmation) -> PageResult {
    let hidden: Vec<(String, String)> =
        form.0.iter().filter(|(k, _)| k != CONFIRMED && k != "csrf").map(|(k, v)| (k.clone(), v.clone())).collect();
    let (title_zh, title_en) = &c.title;
    let lines: Vec<serde_json::Value> = c.lines.iter().map(|(zh, en)| json!({"zh": zh, "en": en})).collect();
    page.show(
        "confirm.html",
        object(json!({
            "title_zh": title_zh, "title_en": title_en, "lines": lines, "hidden": hidden,
            "action": c.action, "back": c.back, "danger": c.danger,
        })),
    )
}
