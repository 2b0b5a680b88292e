//! What every HTML form handler shares: the urlencoded body ([`Form`]), the messages shown beside fields (in
//! the page's language), and the redirect that follows a successful post.

use crate::http::error::ApiError;
use crate::http::lang::Lang;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use finmart_domain::FieldErrors;
use serde_json::{Map, Value, json};

/// A urlencoded form body: its pairs in order (a repeated name, like a group of checkboxes, appears
/// repeatedly). Also what a GET form's query string is read as ([`Form::of_query`]).
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self::parse(&bytes))
    }
}

impl Form {
    /// The pairs of a urlencoded text.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The pairs of a query string.
    #[must_use]
    pub fn of_query(raw: Option<&str>) -> Self {
        Self::parse(raw.unwrap_or("").as_bytes())
    }

    /// The first value of a field (`""` when absent).
    #[must_use]
    pub fn field(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The first value of a field, when given.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a field (a group of checkboxes).
    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The values of `keys` (the first of each), for refilling a form.
    #[must_use]
    pub fn values(&self, keys: &[&str]) -> Map<String, Value> {
        let mut map = Map::new();
        for (k, v) in &self.0 {
            if keys.contains(&k.as_str()) {
                map.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
            }
        }
        map
    }
}

/// Field errors keyed by field (the first per field), in the page's language.
pub fn field_messages(errors: &FieldErrors, lang: Lang) -> Map<String, Value> {
    let mut map = Map::new();
    for e in &errors.0 {
        let message = if lang.is_en() { e.error.to_string() } else { e.error.message_zh() };
        map.entry(e.field.clone()).or_insert(Value::String(message));
    }
    map
}

/// An API error as form messages: its fields; else, for a 400 naming one field, that field; else the whole
/// message under `form`.
pub fn error_messages(e: &ApiError, lang: Lang) -> Map<String, Value> {
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

/// Field errors in the page's language: by field (for the inputs) and in form order with each field's label
/// (for the summary above the form).
pub fn errors_view(
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

/// 303 to `location` (Post/Redirect/Get).
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_messages() {
        let form = Form::parse(b"a=1&b=%E4%B8%AD&a=2&csrf=x");
        assert_eq!(form.field("a"), "1");
        assert_eq!(form.all("a"), ["1", "2"]);
        assert_eq!(form.field("b"), "中");
        assert_eq!(form.field("none"), "");
        assert_eq!(Form::of_query(Some("x=1&y=%20z")).get("y"), Some(" z"));
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
