//! Static assets of `web/static`, compiled into the binary and served with a long cache lifetime (their
//! URLs carry the build's version, so a new build is fetched anew).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The version part of asset URLs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../../web/static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../../web/static/app.js")),
];

pub async fn asset(Path((_version, name)): Path<(String, String)>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
