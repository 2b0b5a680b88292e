//! The page language: Chinese unless the visitor chose English.
//!
//! `?lang=en` (or `?lang=zh`) on any page switches and is remembered in a cookie; pages are Chinese by
//! default whatever the browser asks for, since the platform's users are Chinese first.

use axum::http::{HeaderMap, HeaderValue, header};

const COOKIE: &str = "finmart_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    #[must_use]
    pub fn is_en(self) -> bool {
        self == Self::En
    }

    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }
}

/// The language of this request, and the cookie to set when the query string chose one.
#[must_use]
pub fn negotiate(raw_query: Option<&str>, headers: &HeaderMap) -> (Lang, Option<HeaderValue>) {
    let chosen = form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    if let Some(lang) = chosen {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", lang.code());
        return (lang, HeaderValue::from_str(&cookie).ok());
    }
    let remembered = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Lang::parse(value));
    (remembered.unwrap_or(Lang::Zh), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wins_then_cookie_then_chinese() {
        let mut headers = HeaderMap::new();
        assert_eq!(negotiate(None, &headers), (Lang::Zh, None));
        let (lang, cookie) = negotiate(Some("q=x&lang=en"), &headers);
        assert_eq!(lang, Lang::En);
        assert!(cookie.unwrap().to_str().unwrap().starts_with("finmart_lang=en;"));
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; finmart_lang=en"));
        assert_eq!(negotiate(None, &headers).0, Lang::En);
        assert_eq!(negotiate(Some("lang=zh"), &headers).0, Lang::Zh);
        assert_eq!(negotiate(Some("lang=fr"), &headers).0, Lang::En, "an unknown choice keeps the remembered one");
    }
}
