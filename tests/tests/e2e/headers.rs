//! Security headers on every page of the site (anonymous and each role's pages, the API, errors), and no
//! inline script or event handler in any template (the Content-Security-Policy would block it).

use crate::app::TestApp;
use crate::client::Client;
use axum::body::Body;
use axum::http::{HeaderMap, Request};
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use finmart_web::http::headers::{CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY};
use tower::ServiceExt;

const ANONYMOUS: &[&str] = &[
    "/",
    "/?q=%E8%B4%B7%E6%AC%BE",
    "/login",
    "/register",
    "/match",
    "/products/1",
    "/fragments/results?q=x",
    "/no-such-page",
    "/api/v1/products",
    "/api/openapi.json",
    "/api/docs/",
    "/healthz",
    "/sme/applications",
];
const SME: &[&str] = &["/sme/applications", "/sme/needs", "/sme/profile", "/sme/consent", "/notifications", "/match"];
const BANK: &[&str] = &[
    "/bank/inbox",
    "/bank/products",
    "/bank/products/new",
    "/bank/products/upload",
    "/bank/needs",
    "/bank/candidates",
    "/bank/tokens",
    "/notifications",
];
const OPERATOR: &[&str] =
    &["/admin/accounts", "/admin/dashboard", "/admin/dashboard/applications", "/admin/reviews", "/audit"];
const AGENCY: &[&str] = &["/agency/dashboard", "/agency/dashboard/applications", "/agency/products"];

async fn headers_of(app: &TestApp, client: &Client<'_>, path: &str) -> HeaderMap {
    let mut request = Request::builder().uri(path);
    if let Some(cookie) = client.cookie() {
        request = request.header("cookie", cookie);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert!(!response.status().is_server_error(), "{path}: {}", response.status());
    response.headers().clone()
}

fn assert_secure(path: &str, headers: &HeaderMap, https: bool) {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(get("content-security-policy").as_deref(), Some(CONTENT_SECURITY_POLICY), "{path}");
    assert_eq!(get("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
    assert_eq!(get("referrer-policy").as_deref(), Some("strict-origin-when-cross-origin"), "{path}");
    assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{path}");
    let hsts = https.then_some(STRICT_TRANSPORT_SECURITY);
    assert_eq!(get("strict-transport-security").as_deref(), hsts, "{path}: HSTS only over HTTPS");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    let anonymous = app.anonymous();
    for path in ANONYMOUS {
        assert_secure(path, &headers_of(&app, &anonymous, path).await, false);
    }
    for (login, pages) in [(DEMO_SME, SME), (DEMO_BANK, BANK), (DEMO_OPERATOR, OPERATOR), (DEMO_AGENCY, AGENCY)] {
        let client = app.sign_in(login).await;
        for path in pages {
            assert_secure(path, &headers_of(&app, &client, path).await, false);
        }
    }
    let Some(https) = TestApp::configured(crate::app::Backend::Sqlite, |c| c.secure_cookies = true).await else {
        return;
    };
    for path in ["/", "/login", "/api/v1/products"] {
        assert_secure(path, &headers_of(&https, &https.anonymous(), path).await, true);
    }
}

/// No template runs script inline (a `<script>` with a body, other than JSON data) or through an `on…=`
/// attribute: the policy forbids both, so a browser would silently drop them.
#[test]
fn no_template_has_an_inline_script_or_handler() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/templates");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for (i, _) in text.match_indices("<script") {
            let tag = &text[i..text[i..].find('>').map_or(text.len(), |e| i + e)];
            if !tag.contains(" src=") && !tag.contains("type=\"application/json\"") {
                found.push(format!("{}: {tag}", path.display()));
            }
        }
        for attr in [
            " onclick=",
            " onchange=",
            " onsubmit=",
            " oninput=",
            " onload=",
            " onerror=",
            " onkeydown=",
            " onkeyup=",
            " onfocus=",
            " onblur=",
            "javascript:",
        ] {
            if text.contains(attr) {
                found.push(format!("{}: {attr}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "inline script in templates: {found:#?}");
}
