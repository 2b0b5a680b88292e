//! The JSON API's rate limits: per API token (by its id) and per client address, 429 `rate_limited` with
//! `Retry-After` beyond them, each key on its own, back after the wait; pages are not limited. With Redis
//! two servers share one count; while Redis is down each server counts alone and no request waits for it.
//! In CI a missing Redis fails the Redis tests.

use crate::app::{Backend, TestApp};
use crate::servers::PrivateRedis;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_BANK2};
use finmart_web::{Config, build_app, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// A public API call.
const API: &str = "/api/v1/institutions";

/// One GET through `router` from `peer`, with an API token when given: the status, the `Retry-After`
/// header and the body (JSON, or `null` for a page).
async fn call(router: &Router, uri: &str, peer: &str, token: Option<&str>) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::builder().uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, retry_after, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Calls `n` times, each answered 200.
async fn allowed(router: &Router, n: u32, peer: &str, token: Option<&str>) {
    for i in 0..n {
        let (status, _, body) = call(router, API, peer, token).await;
        assert_eq!(status, StatusCode::OK, "request {i} from {peer} ({token:?}) is within the limit: {body}");
    }
}

/// The next call is refused as over `limit`, allowing `per_minute`; returns the seconds to wait.
async fn refused(router: &Router, peer: &str, token: Option<&str>, limit: &str, per_minute: u64) -> u64 {
    let (status, retry_after, body) = call(router, API, peer, token).await;
    refusal(status, retry_after, &body, peer, token, limit, per_minute)
}

/// Checks one answer is the refusal of `limit` (allowing `per_minute`); the seconds to wait.
fn refusal(
    status: StatusCode,
    retry_after: Option<String>,
    body: &Value,
    peer: &str,
    token: Option<&str>,
    limit: &str,
    per_minute: u64,
) -> u64 {
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "over the limit from {peer} ({token:?}): {body}");
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!((body["limit"].as_str(), body["limit_per_minute"].as_u64()), (Some(limit), Some(per_minute)), "{body}");
    let seconds: u64 = retry_after.expect("a Retry-After header").parse().expect("Retry-After in seconds");
    assert_eq!(body["retry_after"].as_u64(), Some(seconds), "the body and the header agree: {body}");
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert!(body["message"].as_str().unwrap().contains(&format!("每分钟最多 {per_minute} 次")), "{body}");
    seconds
}

/// Calls from `peers` in turn (one client: one address, a /64, or one token from anywhere) until one call is
/// refused as over `limit`, and checks what was allowed: at least `at_least`, and at most `at_most` plus what
/// the limit gave back while the calls ran (`per_minute` a minute: a busy machine answers sixty calls in
/// seconds, not at once). The seconds the refusal says to wait.
async fn exhaust(
    router: &Router,
    peers: &[&str],
    token: Option<&str>,
    (limit, per_minute): (&str, u64),
    (at_least, at_most): (u64, u64),
) -> u64 {
    let started = Instant::now();
    let mut allowed = 0;
    loop {
        let peer = peers[usize::try_from(allowed).unwrap() % peers.len()];
        let (status, retry_after, body) = call(router, API, peer, token).await;
        if status != StatusCode::OK {
            assert!(allowed >= at_least, "{allowed} allowed to {peers:?} ({token:?}), fewer than {at_least}");
            return refusal(status, retry_after, &body, peer, token, limit, per_minute);
        }
        allowed += 1;
        let given_back = started.elapsed().as_secs() * per_minute / 60 + 1;
        assert!(
            allowed <= at_most + given_back,
            "{allowed} allowed to {peers:?} ({token:?}), more than {at_most} and {given_back} given back"
        );
    }
}

async fn token_of(app: &TestApp, bank: &str) -> String {
    let client = app.sign_in(bank).await;
    let (status, created) = client.post("/api/v1/tokens", &json!({"name": "rate"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn over_its_limit_a_token_or_an_address_is_told_to_wait_and_nobody_else_is_affected() {
    // 60 a minute: 60 at once, then one a second.
    let app = TestApp::configured(Backend::Sqlite, |c| {
        c.api_rate_per_token = 60;
        c.api_rate_per_address = 60;
    })
    .await
    .unwrap();
    finmart_cli::load_demo(&app.state.store).await.unwrap();
    let (token1, token2) = (token_of(&app, DEMO_BANK).await, token_of(&app, DEMO_BANK2).await);
    let r = &app.router;
    let (a, b, v6a, v6b) = ("203.0.113.1:40000", "203.0.113.2:40000", "[2001:db8:1:2::1]:1", "[2001:db8:1:2::99]:1");

    let per_address = ("per_address", 60);
    assert_eq!(exhaust(r, &[a], None, per_address, (60, 60)).await, 1);
    let a_refused = Instant::now();
    // Another address, and pages from the same address, are not limited.
    allowed(r, 5, b, None).await;
    let (status, _, _) = call(r, "/", a, None).await;
    assert_eq!(status, StatusCode::OK, "pages are not rate limited");

    // A token counts on its own, wherever it comes from (here from the address already over its limit too).
    exhaust(r, &[a, b], Some(&token1), ("per_token", 60), (60, 60)).await;
    allowed(r, 3, a, Some(&token2)).await;

    // One IPv6 subscriber (a /64) is one client.
    exhaust(r, &[v6a, v6b], None, per_address, (60, 60)).await;

    // Past the wait the address and the token are allowed again, and the address is used up again by what
    // came back since its refusal (one a second).
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    allowed(r, 1, a, None).await;
    allowed(r, 1, b, Some(&token1)).await;
    exhaust(r, &[a], None, per_address, (0, a_refused.elapsed().as_secs())).await;
}

/// One GET of the API from `peer` with these `X-Forwarded-For` values: its status.
async fn forwarded(router: &Router, peer: &str, values: &[&str]) -> StatusCode {
    let mut request = Request::builder().uri(API);
    for value in values {
        request = request.header("x-forwarded-for", *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    router.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_counts_by_the_address_the_proxy_appended() {
    let proxy = "10.9.0.2:50000";
    let app = TestApp::configured(Backend::Sqlite, |c| {
        c.api_rate_per_address = 3;
        c.trusted_proxy = vec!["10.9.0.2".parse().unwrap()];
    })
    .await
    .unwrap();
    let r = &app.router;
    // Client 1 through the proxy uses its 3, then is refused, whatever it writes before the proxy's entry.
    for _ in 0..3 {
        assert_eq!(forwarded(r, proxy, &["198.51.100.1"]).await, StatusCode::OK);
    }
    assert_eq!(forwarded(r, proxy, &["192.0.2.77, 198.51.100.1"]).await, StatusCode::TOO_MANY_REQUESTS);
    // Client 2 through the same proxy is another count.
    assert_eq!(forwarded(r, proxy, &["198.51.100.2"]).await, StatusCode::OK);
    // A client that is not the proxy is counted by its own address: naming client 2 does not spend its count.
    for _ in 0..3 {
        assert_eq!(forwarded(r, "203.0.113.50:1", &["198.51.100.2"]).await, StatusCode::OK);
    }
    assert_eq!(forwarded(r, "203.0.113.50:1", &["198.51.100.2"]).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(forwarded(r, proxy, &["198.51.100.2"]).await, StatusCode::OK);

    // Without the setting the header is not believed: everyone behind the proxy is the proxy.
    let app = TestApp::configured(Backend::Sqlite, |c| c.api_rate_per_address = 3).await.unwrap();
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(forwarded(&app.router, proxy, &[client]).await, StatusCode::OK);
    }
    assert_eq!(forwarded(&app.router, proxy, &["198.51.100.4"]).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn with_no_limit_configured_nothing_is_refused() {
    let app = TestApp::configured(Backend::Sqlite, |c| {
        c.api_rate_per_token = 0;
        c.api_rate_per_address = 0;
    })
    .await
    .unwrap();
    allowed(&app.router, 500, "203.0.113.3:1", None).await;
}

fn redis_url() -> Option<String> {
    match std::env::var("FINMART_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but FINMART_TEST_REDIS_URL is not set: the shared rate limit test must run in CI")
        }
        _ => {
            eprintln!("note: FINMART_TEST_REDIS_URL not set, skipping the shared rate limit test");
            None
        }
    }
}

/// An IPv6 address (of a /64 of its own) that no other run of these tests used: the shared Redis keeps
/// counts for a minute. `n` tells apart the addresses of one test.
fn fresh_address(n: u8) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let [.., p, q, r, s, t, u] = (nanos as u64 ^ u64::from(std::process::id())).to_be_bytes();
    let group = |a: u8, b: u8| u16::from_be_bytes([a, b]);
    format!("[fd{n:02x}:{:x}:{:x}:{:x}::1]:1", group(p, q), group(r, s), group(t, u))
}

#[tokio::test]
async fn servers_on_one_redis_share_one_count() {
    let Some(redis) = redis_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database_url = finmart_store::Store::sqlite_url(dir.path());
    let server = |name: &str| {
        let mut config = Config::for_tests(dir.path().join(name), Some(database_url.clone()));
        config.redis_url = Some(finmart_store::Secret::new(redis.clone()));
        config.api_rate_per_address = 30;
        config
    };
    let (one, two) = (build_app(server("one")).await.unwrap(), build_app(server("two")).await.unwrap());
    let (r1, r2) = (router(one), router(two));
    let peer = fresh_address(0);
    // 15 on each server: each alone would allow 30 more, together they have used the shared 30.
    for _ in 0..15 {
        allowed(&r1, 1, &peer, None).await;
        allowed(&r2, 1, &peer, None).await;
    }
    assert_eq!(refused(&r1, &peer, None, "per_address", 30).await, 2, "60 s / 30 = 2 s");
    refused(&r2, &peer, None, "per_address", 30).await;
}

#[tokio::test]
async fn while_redis_is_down_each_server_limits_alone_and_no_request_waits() {
    let Some(mut redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| {
        c.redis_url = Some(finmart_store::Secret::new(url));
        c.api_rate_per_address = 20;
    })
    .await
    .unwrap();
    let (r, up, down) = (&app.router, fresh_address(1), fresh_address(2));
    allowed(r, 20, &up, None).await;
    refused(r, &up, None, "per_address", 20).await;

    redis.stop();
    for i in 0..20 {
        let started = Instant::now();
        let (status, _, body) = call(r, API, &down, None).await;
        assert_eq!(status, StatusCode::OK, "request {i} with Redis down: {body}");
        assert!(started.elapsed() < Duration::from_millis(500), "request {i} took {:?}", started.elapsed());
    }
    refused(r, &down, None, "per_address", 20).await;
}
