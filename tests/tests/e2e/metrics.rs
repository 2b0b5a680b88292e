//! `/metrics`: requests are counted by route template, search and match are timed and counted, the index,
//! change log, pool, search log and cache are shown, and only a loopback peer or the token's bearer may read
//! it (docs/SECURITY.md, "Metrics").
//!
//! Each application has its own registry, so the counts asserted here are exactly what each test did, even
//! with other tests running in the same process. Metrics do not depend on the database, so these run on
//! SQLite only.

use crate::app::{Backend, TestApp, encode, http_get};
use crate::matching::{need, profile};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use finmart_store::Secret;
use finmart_web::Server;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tower::ServiceExt;

const TOKEN: &str = "metrics-test-token-7f3a";
/// A peer that is not loopback (a documentation address: in process, no packet is sent anywhere).
const PUBLIC_PEER: &str = "203.0.113.9:40000";

/// One request through `router` from `peer` (none: in process, as a request without a connection), with
/// the bearer `token` when given: its status and body.
async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<&Value>,
    peer: Option<&str>,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let mut request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).unwrap();
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
    }
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// One series of the exposition: its name and labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    name: String,
    labels: BTreeMap<String, String>,
}

/// The exposition's samples, by series (comments skipped). Label values here hold no `",` (route templates
/// hold braces, which is why the labels are split on that).
fn parse(text: &str) -> BTreeMap<Series, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').expect("labels close")),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                (k.to_owned(), v.trim_end_matches('"').to_owned())
            })
            .collect();
        samples.insert(Series { name: name.to_owned(), labels }, value.parse().expect("a number"));
    }
    samples
}

/// The value of `name` with exactly `labels`, or 0 when the series does not exist (yet).
fn value(samples: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels = labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    samples.get(&Series { name: name.to_owned(), labels }).copied().unwrap_or(0.0)
}

/// The requests counted for `route` by `method` and status class.
fn requests(samples: &BTreeMap<Series, f64>, route: &str, method: &str, status: &str) -> f64 {
    value(samples, "finmart_http_requests_total", &[("method", method), ("route", route), ("status", status)])
}

#[tokio::test]
async fn metrics_count_what_was_done_by_route_template_and_show_the_index_and_the_logs() {
    let app = TestApp::configured(Backend::Sqlite, |c| c.metrics_token = Some(Secret::new(TOKEN))).await.unwrap();
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    app.catch_up().await;
    app.state.refresh_pool().await.expect("pool loads");
    let router = &app.router;

    let (status, body) = call(router, "GET", &format!("/api/v1/search?q={}", encode("专利贷")), None, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let searched: Value = serde_json::from_str(&body).unwrap();
    let match_body = json!({"profile": profile(), "need": need()});
    let (status, body) = call(router, "POST", "/api/v1/match", Some(&match_body), None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let matched: Value = serde_json::from_str(&body).unwrap();
    let (status, _) = call(router, "GET", "/api/v1/products/987654321", None, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(router, "GET", "/no/such/page/987654321", None, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.state.search_log.flush().await;

    // Refused without the token from a peer that is not loopback, or with a wrong token, or with none and no
    // peer: the site's own 404, showing nothing.
    for (peer, token) in [(Some(PUBLIC_PEER), None), (Some(PUBLIC_PEER), Some("wrong-token")), (None, None)] {
        let (status, body) = call(router, "GET", "/metrics", None, peer, token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{peer:?} {token:?}");
        assert!(!body.contains("finmart_"), "{peer:?} {token:?}: {body}");
    }
    let (status, text) = call(router, "GET", "/metrics", None, Some(PUBLIC_PEER), Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let samples = parse(&text);

    // Exactly what this test did, by route template: never the raw path with its id.
    assert_eq!(requests(&samples, "/api/v1/search", "GET", "2xx"), 1.0, "{text}");
    assert_eq!(requests(&samples, "/api/v1/match", "POST", "2xx"), 1.0, "{text}");
    assert_eq!(requests(&samples, "/api/v1/products/{id}", "GET", "4xx"), 1.0, "{text}");
    assert_eq!(requests(&samples, "unmatched", "GET", "4xx"), 1.0, "{text}");
    assert_eq!(requests(&samples, "/metrics", "GET", "4xx"), 3.0, "the refusals are counted too");
    assert!(!text.contains("987654321"), "a raw path is in the metrics");
    let latency_count = value(
        &samples,
        "finmart_http_request_duration_seconds_count",
        &[("method", "GET"), ("route", "/api/v1/search"), ("status", "2xx")],
    );
    assert_eq!(latency_count, 1.0);
    let first_bucket = value(
        &samples,
        "finmart_http_request_duration_seconds_bucket",
        &[("le", "15"), ("method", "GET"), ("route", "/api/v1/search"), ("status", "2xx")],
    );
    assert_eq!(first_bucket, 1.0, "the search took under the 15 s timeout: {text}");
    // The API's 404, the unknown page's and the three refused scrapes (pages keep their code too).
    assert_eq!(value(&samples, "finmart_http_errors_total", &[("code", "not_found")]), 5.0, "{text}");

    // Search and match, timed in process and counted.
    assert_eq!(value(&samples, "finmart_search_duration_seconds_count", &[]), 1.0);
    assert!(value(&samples, "finmart_search_duration_seconds_sum", &[]) > 0.0);
    assert_eq!(value(&samples, "finmart_search_results_sum", &[]), searched["total"].as_f64().unwrap());
    assert_eq!(value(&samples, "finmart_match_duration_seconds_count", &[]), 1.0);
    assert!(value(&samples, "finmart_match_duration_seconds_sum", &[]) > 0.0);
    assert_eq!(
        value(&samples, "finmart_match_eligible_products_sum", &[]),
        matched["eligible_total"].as_f64().unwrap()
    );
    assert!(matched["eligible_total"].as_u64().unwrap() > 0, "the demo firm is eligible somewhere");

    // The search was logged (a first page with words), and the one facet labelling read the names cache.
    assert_eq!(value(&samples, "finmart_search_log_queued_total", &[]), 1.0);
    assert_eq!(value(&samples, "finmart_search_log_written_total", &[]), 1.0);
    assert_eq!(value(&samples, "finmart_search_log_not_recorded_total", &[]), 0.0);
    let names = |r| value(&samples, "finmart_institution_names_cache_total", &[("result", r)]);
    assert_eq!(names("hit") + names("miss"), 1.0, "{text}");

    // The index caught up with the change log; the pool and the matcher hold the demo.
    let applied = app.state.catalogue.applied_seq();
    assert!(applied > 0);
    assert_eq!(value(&samples, "finmart_index_state", &[("state", "ok")]), 1.0);
    assert_eq!(value(&samples, "finmart_index_state", &[("state", "rebuilding")]), 0.0);
    assert_eq!(value(&samples, "finmart_index_applied_seq", &[]), applied as f64);
    assert_eq!(value(&samples, "finmart_change_log_readable", &[]), 1.0);
    assert_eq!(value(&samples, "finmart_change_log_head_seq", &[]), applied as f64);
    assert_eq!(value(&samples, "finmart_index_lag_changes", &[]), 0.0);
    assert_eq!(value(&samples, "finmart_index_documents", &[]), app.state.catalogue.len() as f64);
    assert_eq!(value(&samples, "finmart_matching_pool_firms", &[]), app.state.pool.len() as f64);
    assert_eq!(value(&samples, "finmart_matcher_products", &[]), app.state.matcher.book().len() as f64);
    assert!(!app.state.matcher.book().is_empty());
    assert!(value(&samples, "finmart_process_resident_memory_bytes", &[]) > 0.0, "{text}");
    assert!(value(&samples, "finmart_process_cpu_seconds_total", &[]) >= 0.0);

    // The one search was computed; the same search again is answered from the cache of recent answers,
    // until the index changes.
    let cache = |samples: &BTreeMap<Series, f64>, r| value(samples, "finmart_search_cache_total", &[("result", r)]);
    assert_eq!((cache(&samples, "hit"), cache(&samples, "miss")), (0.0, 1.0), "{text}");
    let (_, again) = call(router, "GET", &format!("/api/v1/search?q={}", encode("专利贷")), None, None, None).await;
    assert_eq!(serde_json::from_str::<Value>(&again).unwrap(), searched, "the same answer");
    let (_, text) = call(router, "GET", "/metrics", None, Some(PUBLIC_PEER), Some(TOKEN)).await;
    let samples = parse(&text);
    assert_eq!((cache(&samples, "hit"), cache(&samples, "miss")), (1.0, 1.0), "{text}");

    // Not part of the JSON API: not in its OpenAPI document.
    let doc = serde_json::to_value(finmart_web::router::openapi()).unwrap();
    assert!(doc["paths"].get("/metrics").is_none());
}

#[tokio::test]
async fn rate_limited_answers_are_counted_by_scope() {
    let app = TestApp::configured(Backend::Sqlite, |c| c.api_rate_per_address = 1).await.unwrap();
    let peer = Some("198.51.100.4:5000");
    let (status, _) = call(&app.router, "GET", "/api/v1/institutions", None, peer, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app.router, "GET", "/api/v1/institutions", None, peer, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Many scrapes from loopback: `/metrics` is not rate limited.
    for _ in 0..3 {
        let (status, _) = call(&app.router, "GET", "/metrics", None, Some("127.0.0.1:5000"), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, text) = call(&app.router, "GET", "/metrics", None, Some("[::1]:5000"), None).await;
    let samples = parse(&text);
    assert_eq!(value(&samples, "finmart_http_rate_limited_total", &[("scope", "per_address")]), 1.0, "{text}");
    assert_eq!(value(&samples, "finmart_http_errors_total", &[("code", "rate_limited")]), 1.0, "{text}");
    assert_eq!(requests(&samples, "/api/v1/institutions", "GET", "4xx"), 1.0, "{text}");
    assert_eq!(requests(&samples, "/metrics", "GET", "2xx"), 3.0, "{text}");
}

#[tokio::test]
async fn over_a_real_socket_a_loopback_scraper_needs_no_token() {
    let app = TestApp::new(Backend::Sqlite).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::start(app.state.clone(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let (status, _) = http_get(server.addr, "/healthz").await;
    assert_eq!(status, 200);
    let (status, text) = http_get(server.addr, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    assert_eq!(requests(&samples, "/healthz", "GET", "2xx"), 1.0, "{text}");
    stop.send(()).unwrap();
    server.wait().await.unwrap();
}
