//! The security headers of every response: a strict Content-Security-Policy, no sniffing, no framing, a
//! short Referer, and HSTS when the site is served over HTTPS (`--secure-cookies`).

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Scripts, styles, images, fonts and fetches from this site only; no plugins, no framing, forms post here.
/// `style-src-attr 'unsafe-inline'`: the bars of the match and score pages are sized by a `style="width:…%"`
/// from the server, and the dashboard's chart library sets style attributes; a style attribute cannot run
/// script, and `<style>` elements stay refused. `img-src data:`: the API explorer's icons are data URLs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// HSTS: a year, subdomains included.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The headers every response carries (HSTS only when `https`), as `(name, value)`.
#[must_use]
pub fn security_headers(https: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if https {
        headers.push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY)));
    }
    headers
}

/// The layers setting each of [`security_headers`] on every response (a header a handler set itself is
/// kept); HSTS's layer sets nothing when not `https`.
#[must_use]
pub fn layers(https: bool) -> [SetResponseHeaderLayer<Option<HeaderValue>>; 5] {
    let set = |name: HeaderName| {
        let value = security_headers(https).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        SetResponseHeaderLayer::if_not_present(name, value)
    };
    [
        set(header::CONTENT_SECURITY_POLICY),
        set(header::X_CONTENT_TYPE_OPTIONS),
        set(header::REFERRER_POLICY),
        set(header::X_FRAME_OPTIONS),
        set(header::STRICT_TRANSPORT_SECURITY),
    ]
}
