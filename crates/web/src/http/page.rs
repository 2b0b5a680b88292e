//! HTML pages: the [`Page`] a handler takes (the request's language, path and query, and the templates),
//! rendering in the site's frame, and the layer that turns a page handler's error into the error page.
//!
//! A page handler returns [`PageResult`] and uses `?` on anything that becomes an [`ApiError`]: on page
//! routes, [`page_layer`] renders an error answer as the site's error page in the visitor's language (with
//! the same status), so handlers never build error pages themselves. The same layer sets the language
//! cookie when the query string chose a language.

use crate::http::assets::VERSION;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::lang::{self, Lang};
use crate::http::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use finmart_domain::FieldErrors;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What a page handler answers: the page, or an error the page layer renders as the error page.
pub type PageResult<T = Response> = Result<T, ApiError>;

/// The page being answered: its language, where it is (for the language switch) and the templates.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    path: String,
    raw: Option<String>,
    state: AppState,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().map(str::to_owned);
        let (lang, _) = lang::negotiate(raw.as_deref(), &parts.headers);
        Ok(Self { lang, path: parts.uri.path().to_owned(), raw, state: state.clone() })
    }
}

impl Page {
    /// Whether the page is in English.
    #[must_use]
    pub fn en(&self) -> bool {
        self.lang.is_en()
    }

    /// The text in the page's language.
    #[must_use]
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { zh }
    }

    /// The raw query string of the request.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        self.raw.as_deref()
    }

    /// The same page as if shown at `path` with no query (a form post that shows the form's page again:
    /// its language switch must lead to the page, not to the post's address).
    #[must_use]
    pub fn at(mut self, path: &str) -> Self {
        path.clone_into(&mut self.path);
        self.raw = None;
        self
    }

    /// Renders `name` in the site's frame with status 200.
    ///
    /// # Errors
    /// A template that fails to render (500).
    pub fn show(&self, name: &str, context: Map<String, Value>) -> PageResult {
        self.show_with(StatusCode::OK, name, context)
    }

    /// Renders `name` in the site's frame (asset version, language, the language switch of this page) with
    /// `status`. Values the context already has win over the frame's.
    ///
    /// # Errors
    /// A template that fails to render (500).
    pub fn show_with(&self, status: StatusCode, name: &str, mut context: Map<String, Value>) -> PageResult {
        for (key, value) in frame(self.lang, &self.path, self.raw.as_deref()) {
            context.entry(key).or_insert(value);
        }
        Ok((status, self.render(name, &context)?).into_response())
    }

    /// Renders `name` as it is (a fragment refreshed in place needs no frame).
    ///
    /// # Errors
    /// A template that fails to render (500).
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<Html<String>, ApiError> {
        self.state.templates.render(name, context).map(Html).map_err(|e| ApiError::internal(&e))
    }

    /// Field errors keyed by field (the first per field), in the page's language.
    #[must_use]
    pub fn field_messages(&self, errors: &FieldErrors) -> Map<String, Value> {
        crate::http::forms::field_messages(errors, self.lang)
    }

    /// An API error as form messages, in the page's language (see [`crate::http::forms::error_messages`]).
    #[must_use]
    pub fn error_messages(&self, e: &ApiError) -> Map<String, Value> {
        crate::http::forms::error_messages(e, self.lang)
    }
}

/// A `json!({...})` context as the map [`Page::show`] takes (anything else is an empty context).
#[must_use]
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The context every page starts from: the asset version, the language, the link that switches it, and the
/// page's path (the menu marks its link as the current page).
/// (`user` and `csrf` are added by the templates themselves, from the request's caller.)
#[must_use]
pub fn frame(lang: Lang, path: &str, raw: Option<&str>) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("v".into(), VERSION.as_str().into());
    context.insert("en".into(), lang.is_en().into());
    context.insert("switch_href".into(), switch_href(path, raw, lang).into());
    context.insert("current_path".into(), path.into());
    // The day a printed page says it was printed on (print.css shows it; app.js puts the moment of printing).
    context.insert("printed_on".into(), crate::http::state::today().to_string().into());
    context
}

/// `path?query` with `lang` set to the other language.
#[must_use]
pub fn switch_href(path: &str, raw: Option<&str>, lang: Lang) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k != "lang" {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair("lang", lang.other().code());
    format!("{path}?{}", out.finish())
}

/// The layer of every page route: renders an error answer (an [`ApiError`], from a handler or an
/// extractor) as the site's error page in the visitor's language, and sets the language cookie when the
/// query string chose a language.
pub async fn page_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (lang, cookie) = lang::negotiate(request.uri().query(), request.headers());
    let mut response = as_page(&state, lang, next.run(request).await);
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `response` with an error answer (an [`ApiError`]) shown as the site's error page in `lang`; any other
/// answer as it is. Also used for what is refused before the page layer runs (a form without its CSRF token).
pub fn as_page(state: &AppState, lang: Lang, mut response: Response) -> Response {
    match response.extensions_mut().remove::<ErrorBody>() {
        Some(body) => body.code.with_retry_after(error_page(state, lang, response.status(), &body)),
        None => response,
    }
}

/// The error page: the status and the reason in the page's language, in the site's frame.
pub(crate) fn error_page(state: &AppState, lang: Lang, status: StatusCode, body: &ErrorBody) -> Response {
    let message = if lang.is_en() { &body.message_en } else { &body.message };
    let context = json!({
        "status": status.as_u16(), "message": message, "v": &*VERSION, "en": lang.is_en(),
        "switch_href": format!("/?lang={}", lang.other().code()),
    });
    let html = state.templates.render("error.html", context).unwrap_or_else(|_| message.clone());
    let mut response = (status, Html(html)).into_response();
    // The code alone stays with the page, for the metrics (the body is gone, so no layer renders it again).
    response.extensions_mut().insert(body.code);
    response
}

/// Any path no route serves: the error page (the fallback is outside the page layer, which would render
/// the API's JSON errors too).
pub async fn not_found(page: Page) -> Response {
    let e = ApiError::new(crate::http::error::ErrorCode::NotFound, "页面不存在", "page not found");
    error_page(&page.state, page.lang, e.status, &e.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_keeps_the_query() {
        assert_eq!(switch_href("/match", Some("amount=100&lang=zh"), Lang::Zh), "/match?amount=100&lang=en");
        assert_eq!(switch_href("/match", None, Lang::En), "/match?lang=zh");
    }
}
