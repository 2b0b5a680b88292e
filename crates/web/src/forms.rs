//! What every HTML form handler shares: reading a urlencoded body, the messages shown beside fields (in the
//! page's language), and the redirect that follows a successful post.

use crate::error::ApiError;
use crate::lang::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use finmart_domain::FieldErrors;
use serde_json::{Map, Value};

/// A urlencoded body's pairs, in order (a repeated name, like a group of checkboxes, appears repeatedly).
pub(crate) fn parse(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of a field (`""` when absent).
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// One query-string parameter.
pub(crate) fn query_value(raw: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Field errors keyed by field (the first per field), in the page's language.
pub(crate) fn field_messages(errors: &FieldErrors, lang: Lang) -> Map<String, Value> {
    let mut map = Map::new();
    for e in &errors.0 {
        let message = if lang.is_en() { e.error.to_string() } else { e.error.message_zh() };
        map.entry(e.field.clone()).or_insert(Value::String(message));
    }
    map
}

/// An API error as form messages: its fields; else, for a 400 naming one field, that field; else the whole
/// message under `form`.
pub(crate) fn error_messages(e: &ApiError, lang: Lang) -> Map<String, Value> {
    let pick = |zh: &str, en: &str| Value::from(if lang.is_en() { en } else { zh });
    let mut map: Map<String, Value> =
        e.body.errors.iter().map(|f| (f.field.clone(), pick(&f.message, &f.message_en))).collect();
    if map.is_empty() {
        let key = match e.body.field.as_deref() {
            Some(f) if e.status == StatusCode::BAD_REQUEST => f.to_owned(),
            _ => "form".to_owned(),
        };
        map.insert(key, pick(&e.body.message, &e.body.message_en));
    }
    map
}

/// 303 to `location` (Post/Redirect/Get).
pub(crate) fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_messages() {
        let pairs = parse(b"a=1&b=%E4%B8%AD&a=2&csrf=x");
        assert_eq!(field(&pairs, "a"), "1");
        assert_eq!(field(&pairs, "b"), "中");
        assert_eq!(field(&pairs, "none"), "");
        assert_eq!(query_value(Some("x=1&y=%20z"), "y").as_deref(), Some(" z"));
        let mut errors = FieldErrors::default();
        errors.push("amount", finmart_domain::ValueError::Empty);
        errors.push("amount", finmart_domain::ValueError::Negative);
        assert_eq!(field_messages(&errors, Lang::Zh)["amount"], "不能为空");
        let e = ApiError::invalid("term", &finmart_domain::ValueError::Empty);
        assert!(error_messages(&e, Lang::Zh).contains_key("term"));
        let e = ApiError::conflict("已存在", "exists");
        assert_eq!(error_messages(&e, Lang::En)["form"], "exists");
    }
}
