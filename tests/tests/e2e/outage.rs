//! Dependencies going away and coming back, with real servers of the test's own (`servers.rs`; never the
//! shared ones). Redis stopped for 10 s under signed-in traffic: every signed-in request answers 503
//! `sessions_unavailable` within a second (never a hang); after it returns, the same session works again
//! within five seconds, with no restart of Finmart. PostgreSQL restarted during reads and submissions: every
//! answer is 2xx or 503 `unavailable`, service is back within five seconds, and every acknowledged
//! application exists once. `/readyz` names the part that is down. In CI a missing server fails the test.

use crate::app::{Backend, TestApp};
use crate::client::Client;
use crate::firm::{known_firm, product_with};
use crate::servers::{PrivatePostgres, PrivateRedis};
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{DEMO_SME, DEMO_SME2};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_frozen_redis_is_a_503_within_a_second_and_then_service_as_before() {
    let Some(redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(finmart_store::Secret::new(url)))
        .await
        .expect("app starts");
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    let sme = app.sign_in(DEMO_SME).await;
    redis.signal("-STOP");
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = sme.get("/api/v1/session").await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!("sessions_unavailable"))
        );
        assert!(started.elapsed() < Duration::from_secs(1), "Redis frozen: the answer took {:?}", started.elapsed());
    }
    redis.signal("-CONT");
    let back = Instant::now();
    while sme.get("/api/v1/session").await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "not back within 5 s of Redis thawing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What one client of [`signed_in_traffic`] saw.
#[derive(Debug, Default)]
struct Seen {
    ok: usize,
    unavailable: usize,
    slowest: Duration,
}

/// One signed-in client asking `uri` (a JSON API path, or a page when `page`) over and over until `done`:
/// every answer is 200 or the clear 503 (`sessions_unavailable`, or the page that says so in Chinese), and
/// none takes a second or more.
async fn signed_in_traffic(client: &Client<'_>, uri: &str, page: bool, done: &AtomicBool) -> Seen {
    let mut seen = Seen::default();
    while !done.load(Ordering::Relaxed) {
        let started = Instant::now();
        let reply = client.request(Method::GET, uri, None, Vec::new()).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "{uri} answered in {took:?}, over 1 s");
        seen.slowest = seen.slowest.max(took);
        match reply.status {
            StatusCode::OK => seen.ok += 1,
            StatusCode::SERVICE_UNAVAILABLE if page => {
                assert!(reply.body.contains("登录服务暂时不可用"), "the page says why, in Chinese: {}", reply.body);
                seen.unavailable += 1;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(reply.json()["code"], "sessions_unavailable", "{uri}: {}", reply.body);
                seen.unavailable += 1;
            }
            other => panic!("{uri} answered {other}: {}", reply.body),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test]
async fn a_ten_second_redis_outage_under_signed_in_traffic_is_a_clear_503_and_then_service_as_before() {
    let Some(mut redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(finmart_store::Secret::new(url)))
        .await
        .expect("app starts");
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    let sme = app.sign_in(DEMO_SME).await;
    let other = app.sign_in(DEMO_SME2).await;
    assert_eq!(sme.get("/api/v1/session").await.0, StatusCode::OK);

    let done = AtomicBool::new(false);
    let outage = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        redis.stop();
        let down = Instant::now();
        // A sign-in while Redis is down is refused at once, not after a timeout.
        let again = app.anonymous();
        let (status, body) =
            again.post("/api/v1/session", &serde_json::json!({"login": DEMO_SME, "password": "wrong-anyway"})).await;
        assert!(down.elapsed() < Duration::from_secs(2), "sign-in answered in {:?}", down.elapsed());
        assert_ne!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
        tokio::time::sleep(Duration::from_secs(10).saturating_sub(down.elapsed())).await;

        redis.run();
        let back = Instant::now();
        loop {
            let (status, body) = sme.get("/api/v1/session").await;
            if status == StatusCode::OK {
                break;
            }
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert!(back.elapsed() < Duration::from_secs(5), "not back within 5 s of Redis returning: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let recovered = back.elapsed();
        // A little normal traffic after the return, then the clients stop.
        tokio::time::sleep(Duration::from_millis(500)).await;
        done.store(true, Ordering::Relaxed);
        recovered
    };
    let (recovered, session, page, applications) = tokio::join!(
        outage,
        signed_in_traffic(&sme, "/api/v1/session", false, &done),
        signed_in_traffic(&sme, "/", true, &done),
        signed_in_traffic(&other, "/api/v1/applications", false, &done),
    );
    eprintln!("redis outage of 10 s: back {recovered:?} after Redis returned; {session:?} {page:?} {applications:?}");
    for seen in [&session, &page, &applications] {
        assert!(seen.unavailable >= 5, "requests were answered while Redis was down: {seen:?}");
        assert!(seen.ok >= 2, "and served before and after: {seen:?}");
    }
    let fresh = app.sign_in(DEMO_SME).await;
    assert_eq!(fresh.get("/api/v1/session").await.0, StatusCode::OK, "a new sign-in works too");
}

#[tokio::test]
async fn readyz_names_redis_while_it_is_down_and_healthz_stays_up() {
    let Some(mut redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(finmart_store::Secret::new(url)))
        .await
        .expect("app starts");
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["redis"]["state"], "ok", "{ready}");
    assert_eq!(ready["database"]["state"], "ok", "{ready}");
    assert_eq!(ready["index"]["state"], "ok", "{ready}");

    redis.stop();
    let started = Instant::now();
    let (status, ready) = app.get_json("/readyz").await;
    assert!(started.elapsed() < Duration::from_secs(1), "readyz answered in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["status"], "not_ready");
    assert_eq!(ready["redis"]["state"], "down", "readyz names Redis: {ready}");
    assert_eq!(ready["database"]["state"], "ok", "only Redis is down: {ready}");
    let (status, health) = app.get_json("/healthz").await;
    assert_eq!((status, &health["status"]), (StatusCode::OK, &serde_json::json!("ok")), "the process still answers");

    redis.run();
    let back = Instant::now();
    while app.get_json("/readyz").await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "readyz not ready within 5 s of Redis returning");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The answers a client saw while PostgreSQL restarted: each 2xx or a clear 503 (`unavailable`, or
/// `sessions_unavailable` when the session could not be read from the database), and the
/// slowest. A request that finds no connection waits for one up to the pool's acquire timeout (10 s), so a
/// short restart is absorbed as a delay and a long one becomes 503 `unavailable`; never another error.
#[derive(Debug, Default)]
struct Answers {
    ok: usize,
    unavailable: usize,
    slowest: Duration,
}

impl Answers {
    fn count(&mut self, what: &str, status: StatusCode, body: &serde_json::Value, took: Duration) {
        assert!(took < Duration::from_secs(12), "{what} answered in {took:?}: beyond the pool's wait");
        self.slowest = self.slowest.max(took);
        if status.is_success() {
            self.ok += 1;
        } else {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what} answered {status}: {body}");
            // Sessions live in the same database here (no Redis): a request whose session cannot be read
            // says so (`sessions_unavailable`); one that gets past it and then loses the database says
            // `unavailable`. Both are the clear 503 to retry.
            let code = body["code"].as_str().unwrap_or_default();
            assert!(matches!(code, "unavailable" | "sessions_unavailable"), "{what}: {body}");
            self.unavailable += 1;
        }
    }
}

/// The app on the private cluster instead of the test database; sessions in it too (no Redis), so a restart
/// takes them away for its length as well.
async fn app_on(pg: &PrivatePostgres) -> TestApp {
    let url = pg.url();
    TestApp::configured(Backend::Sqlite, |c| {
        c.database_url = Some(finmart_store::Secret::new(url));
        c.redis_url = None;
    })
    .await
    .expect("app starts")
}

// Two worker threads: the restart (`pg_ctl`) blocks its thread while the traffic goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_during_reads_and_submissions_loses_no_acknowledged_application() {
    let Some(mut pg) = PrivatePostgres::start() else { return };
    let app = app_on(&pg).await;
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    let (sme, _) = known_firm(&app).await;
    let mut products = Vec::new();
    for i in 0..24 {
        products.push(product_with(&app, &format!("PGR-{i:02}"), "min_years_in_operation=2", "all").await);
    }

    let started_at = || async {
        let row = app.state.store.connection().query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_postmaster_start_time()::text AS t",
        ));
        row.await.expect("query").expect("a row").try_get::<String>("", "t").expect("a time")
    };
    let before = started_at().await;

    let done = AtomicBool::new(false);
    let restarted = std::sync::Mutex::new(None::<Instant>);
    // Submissions, one product after another, each retried with its key until it is acknowledged.
    let submissions = async {
        let mut acknowledged = Vec::new();
        let mut answers = Answers::default();
        for (i, product) in products.iter().enumerate() {
            let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
                "purpose_text": "采购原材料", "idempotency_key": format!("pg-restart-{i}")});
            loop {
                let started = Instant::now();
                let (status, created) = sme.post("/api/v1/applications", &body).await;
                answers.count("a submission", status, &created, started.elapsed());
                if status.is_success() {
                    acknowledged.push((*product, created["id"].as_i64().expect("an id")));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        done.store(true, Ordering::Relaxed);
        (acknowledged, answers)
    };
    // Reads that go to the database (the session, the firm's applications) until the submissions are done;
    // records when the first read succeeded after PostgreSQL was back.
    let reads = async {
        let mut answers = Answers::default();
        let mut recovered = None;
        while !done.load(Ordering::Relaxed) {
            for uri in ["/api/v1/session", "/api/v1/applications"] {
                let started = Instant::now();
                let (status, body) = sme.get(uri).await;
                answers.count(uri, status, &body, started.elapsed());
                let back = *restarted.lock().unwrap();
                if status.is_success()
                    && recovered.is_none()
                    && let Some(back) = back
                {
                    recovered = Some(back.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (answers, recovered)
    };
    let restart = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        tokio::task::block_in_place(|| pg.stop());
        tokio::time::sleep(Duration::from_secs(2)).await;
        tokio::task::block_in_place(|| pg.run());
        *restarted.lock().unwrap() = Some(Instant::now());
    };
    let ((acknowledged, submitted), (read, recovered), ()) = tokio::join!(submissions, reads, restart);
    eprintln!(
        "postgres restart: submissions {submitted:?}, reads {read:?}, first read served {recovered:?} after the restart"
    );
    assert_ne!(started_at().await, before, "PostgreSQL was restarted during the traffic");
    let recovered = recovered.expect("reads were served again after the restart");
    assert!(recovered < Duration::from_secs(5), "service back {recovered:?} after PostgreSQL was, over 5 s");

    // Every acknowledged application is there, once; no product has two.
    let (status, mine) = sme.get("/api/v1/applications?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let items = mine["items"].as_array().expect("items");
    for (product, id) in &acknowledged {
        let found: Vec<_> = items.iter().filter(|a| a["product_id"] == *product).collect();
        assert_eq!(found.len(), 1, "product {product}: one application, found {found:?}");
        assert_eq!(found[0]["id"], *id, "the acknowledged one");
    }
    assert_eq!(acknowledged.len(), products.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_postgres_while_it_is_down_and_healthz_stays_up() {
    let Some(mut pg) = PrivatePostgres::start() else { return };
    let app = app_on(&pg).await;
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!((status, &ready["database"]["state"]), (StatusCode::OK, &json!("ok")), "{ready}");
    assert_eq!(ready["database"]["backend"], "postgres", "{ready}");

    tokio::task::block_in_place(|| pg.stop());
    let started = Instant::now();
    let (status, ready) = app.get_json("/readyz").await;
    assert!(started.elapsed() < Duration::from_secs(3), "readyz answered in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["status"], "not_ready", "{ready}");
    assert_eq!(ready["database"]["state"], "down", "readyz names the database: {ready}");
    let (status, health) = app.get_json("/healthz").await;
    assert_eq!((status, &health["status"]), (StatusCode::OK, &json!("ok")), "the process still answers");

    tokio::task::block_in_place(|| pg.run());
    let back = Instant::now();
    while app.get_json("/readyz").await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "readyz not ready within 5 s of PostgreSQL returning");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
