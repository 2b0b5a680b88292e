//! Static assets of `web/static`, compiled into the binary and served with a long cache lifetime: their
//! URLs carry a hash of their content, so a browser fetches them again exactly when they change.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

/// The version part of asset URLs: a hash of every asset's name and content.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    for (name, _, body) in ASSETS {
        name.hash(&mut hasher);
        body.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
});

const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../../../web/static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../../../web/static/app.js")),
    ("print.css", "text/css; charset=utf-8", include_str!("../../../../web/static/print.css")),
    ("match.js", "text/javascript; charset=utf-8", include_str!("../../../../web/static/match.js")),
    ("product_form.js", "text/javascript; charset=utf-8", include_str!("../../../../web/static/product_form.js")),
    ("dashboard.css", "text/css; charset=utf-8", include_str!("../../../../web/static/dashboard.css")),
    ("dashboard.js", "text/javascript; charset=utf-8", include_str!("../../../../web/static/dashboard.js")),
    // Apache ECharts 6.1.0 (Apache-2.0; web/static/vendor/echarts.LICENSE), from npm's dist/echarts.min.js.
    ("echarts.min.js", "text/javascript; charset=utf-8", include_str!("../../../../web/static/vendor/echarts.min.js")),
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
