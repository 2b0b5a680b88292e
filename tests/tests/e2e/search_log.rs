//! The search log under load: every search fired concurrently through the router is either logged or
//! counted as not recorded (none lost unseen); with the default queue none is dropped; with a tiny queue
//! searches are dropped, and their count is stored and shown to the operator beside the demand figures (and
//! the metrics count the same).

use crate::app::{Backend, TestApp, encode};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use finmart_cli::demo_accounts::DEMO_OPERATOR;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// A demo app whose configuration `configure` changes first.
async fn demo(backend: Backend, configure: impl FnOnce(&mut finmart_web::Config)) -> Option<TestApp> {
    let app = TestApp::configured(backend, configure).await?;
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    app.catch_up().await;
    Some(app)
}

/// How many searches are in flight at once (as many connections as the load test that found searches lost).
const CONNECTIONS: usize = 64;

/// Fires `n` logged searches through the router, [`CONNECTIONS`] at a time (each its own task), every one
/// answered 200.
async fn fire(app: &TestApp, n: usize) {
    let words = ["科技贷", "信用贷", "抵押", "ZZQX 没有的产品"];
    let connections = Arc::new(Semaphore::new(CONNECTIONS));
    let mut searches = Vec::with_capacity(n);
    for i in 0..n {
        let (router, connections) = (app.router.clone(), Arc::clone(&connections));
        // One result a page: the work measured is the search and its log, not serialising results.
        let uri = format!("/api/v1/search?q={}&per_page=1", encode(words[i % words.len()]));
        searches.push(tokio::spawn(async move {
            let _connection = connections.acquire_owned().await.unwrap();
            let response = router.oneshot(Request::builder().uri(&uri).body(Body::empty()).unwrap()).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).chars().take(300).collect::<String>())
        }));
    }
    let mut failed = Vec::new();
    for search in searches {
        let (status, body) = search.await.unwrap();
        if status != StatusCode::OK {
            failed.push((status, body));
        }
    }
    assert!(failed.is_empty(), "{} of {n} searches failed: {:?}", failed.len(), &failed[..failed.len().min(3)]);
}

/// Today's demand figures as the operator reads them from the API, once the log's queue is written.
async fn demand_today(app: &TestApp) -> Value {
    app.state.search_log.flush().await;
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let today = crate::journey::shanghai_today();
    let (status, view) = operator.get(&format!("/api/v1/stats/market/searches?from={today}&to={today}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_search_of_64_connections_is_logged_or_counted() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = demo(backend, |_| {}).await else { continue };
        fire(&app, 2_000).await;
        let view = demand_today(&app).await;
        let b = app.backend;
        let (logged, not_recorded) = (view["searches"].as_u64().unwrap(), view["not_recorded"].as_u64().unwrap());
        assert_eq!(logged + not_recorded, 2_000, "{b}: {view}");
        assert_eq!(not_recorded, 0, "{b}: the default queue holds a burst of 2,000: {view}");
        assert_eq!(view["no_result_searches"].as_u64(), Some(500), "{b}: one search in four finds nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_counts_the_searches_it_drops_and_the_operator_sees_the_count() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = demo(backend, |c| c.search_log_queue = 1).await else { continue };
        let b = app.backend;
        fire(&app, 300).await;
        let view = demand_today(&app).await;
        let (logged, not_recorded) = (view["searches"].as_u64().unwrap(), view["not_recorded"].as_u64().unwrap());
        assert_eq!(logged + not_recorded, 300, "{b}: {view}");
        assert!(not_recorded > 0, "{b}: a queue of one cannot keep up with 64 connections: {view}");
        // `/metrics` counts the same: every search queued was written, every other one not recorded.
        let counts = &app.state.metrics.search_log;
        let counted = (counts.queued.get(), counts.written.get(), counts.not_recorded.get());
        assert_eq!(counted, (logged, logged, not_recorded), "{b}: queued, written, not recorded");

        let today = crate::journey::shanghai_today();
        // The operator's market-watch page says how many searches the figures leave out.
        // (The figures come from the database: the count was stored, not kept in memory.)
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, html) = operator.get_text(&format!("/admin/dashboard?from={today}&to={today}")).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(html.contains(&format!("未能记录的搜索 {not_recorded} 次")), "{b}: {html}");
        let (_, html) = operator.get_text(&format!("/admin/dashboard?from={today}&to={today}&lang=en")).await;
        assert!(html.contains(&format!("Searches not recorded: {not_recorded}")), "{b}");
    }
}
