//! Sessions on Redis (the production shape: several servers, one Redis): a session made by one server is
//! honoured by another, nothing is written to the database's session table, and signing out ends it
//! everywhere. In CI a missing Redis fails the test.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use finmart_cli::demo_accounts::{DEMO_PASSWORD, DEMO_SME};
use finmart_web::{Config, build_app, router};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Statement};
use tower::ServiceExt;

fn redis_url() -> Option<String> {
    match std::env::var("FINMART_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but FINMART_TEST_REDIS_URL is not set: the Redis session tests must run in CI")
        }
        _ => {
            eprintln!("note: FINMART_TEST_REDIS_URL not set, skipping the Redis session test");
            None
        }
    }
}

async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: &str,
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    if let Some(t) = csrf {
        request = request.header("x-csrf-token", t);
    }
    let response = router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("finmart_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, cookie, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn sessions_live_in_redis_and_are_shared_by_servers() {
    let Some(redis) = redis_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database_url = finmart_store::Store::sqlite_url(dir.path());
    let server = |name: &str| {
        let mut config = Config::for_tests(dir.path().join(name), Some(database_url.clone()));
        config.redis_url = Some(finmart_store::Secret::new(redis.clone()));
        config
    };
    let one = build_app(server("one")).await.expect("server one starts");
    assert_eq!(one.sessions.kind(), "redis");
    finmart_cli::load_demo(&one.store).await.unwrap();
    let two = build_app(server("two")).await.expect("server two starts");
    let (r1, r2) = (router(one.clone()), router(two.clone()));

    let login = format!(r#"{{"login":"{DEMO_SME}","password":"{DEMO_PASSWORD}"}}"#);
    let (status, cookie, body) = call(&r1, "POST", "/api/v1/session", None, None, &login).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = cookie.expect("session cookie");
    let csrf: serde_json::Value = serde_json::from_str(&body).unwrap();
    let csrf = csrf["csrf"].as_str().unwrap().to_owned();

    let (status, _, body) = call(&r2, "GET", "/api/v1/session", Some(&cookie), None, "").await;
    assert_eq!(status, StatusCode::OK, "the other server knows the session: {body}");
    let rows = one
        .store
        .connection()
        .query_one_raw(Statement::from_string(
            one.store.connection().get_database_backend(),
            "SELECT COUNT(*) AS n FROM session",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows.try_get::<i64>("", "n").unwrap(), 0, "with Redis configured, no session is kept in the database");

    let (status, _, _) = call(&r2, "DELETE", "/api/v1/session", Some(&cookie), Some(&csrf), "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&r1, "GET", "/api/v1/session", Some(&cookie), None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signing out on one server ends the session on all");
}

#[tokio::test]
async fn a_wrong_redis_url_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(dir.path().join("data"), None);
    config.redis_url = Some(finmart_store::Secret::new("redis://127.0.0.1:1".to_owned()));
    assert!(build_app(config).await.is_err(), "an unreachable Redis is an error, not a silent fallback");
}
