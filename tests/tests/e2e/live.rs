//! The running server over a real socket: changes reach search without a rebuild, from this process and
//! from another; the index is rebuilt when missing; shutdown is graceful.

use crate::app::{Backend, TestApp, encode, http_get};
use finmart_domain::{LifecycleState, ProductRecord};
use finmart_store::Store;
use finmart_web::{Config, Server, build_app};
use std::time::{Duration, Instant};

/// Polls a search over HTTP until `expect(total)` holds or `budget` passes; returns the time it took.
async fn wait_for(
    addr: std::net::SocketAddr,
    q: &str,
    expect: impl Fn(u64) -> bool,
    budget: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < budget {
        let (status, body) = http_get(addr, &format!("/api/v1/search?q={}", encode(q))).await;
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if expect(json["total"].as_u64().unwrap()) {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

fn product(code: &str, name: &str) -> finmart_domain::ProductSpec {
    ProductRecord::from_pairs([
        ("institution_code", "live-bank"),
        ("code", code),
        ("name", name),
        ("family", "credit"),
        ("description", "用于验证实时索引的测试产品：海棠花信用贷款"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "1000000"),
        ("term_min_months", "6"),
        ("term_max_months", "12"),
        ("rate_min_pct", "4"),
        ("rate_max_pct", "5"),
        ("repayment_methods", "equal_instalment"),
        ("decision_days", "3"),
        ("districts", "all"),
        ("valid_from", "2026-01-01"),
    ])
    .validate()
    .unwrap()
    .spec
}

#[tokio::test]
async fn changes_reach_search_without_a_rebuild() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::new(backend).await else { continue };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = Server::start(app.state.clone(), async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        let addr = server.addr;
        let store = &app.state.store;
        let bank = store
            .create_institution(&finmart_domain::NewInstitution {
                code: "live-bank".into(),
                name: "实时测试银行".into(),
                kind: finmart_domain::InstitutionKind::Bank,
                intro: String::new(),
            })
            .await
            .unwrap();
        // The requirement is one second; the budget is wider so a loaded CI machine cannot make this flaky.
        // The mechanism under test is the change log, not a timer.
        let budget = Duration::from_secs(5);

        // Created through this process's store: the follower is woken at once.
        let id = store.save_product(bank.id, LifecycleState::Published, &product("L-1", "海棠花信用贷")).await.unwrap();
        let took = wait_for(addr, "海棠花", |n| n == 1, budget).await;
        assert!(took.is_some(), "{}: a created product reaches search", app.backend);

        // Changed and paused through another connection, as another process (an import, another server)
        // would: found by the follower's poll of the change log.
        let other = Store::connect(&app.database_url.clone().unwrap_or_else(|| Store::sqlite_url(&app.data_dir)))
            .await
            .unwrap();
        other.save_product(bank.id, LifecycleState::Published, &product("L-2", "海棠花经营贷")).await.unwrap();
        assert!(
            wait_for(addr, "海棠花", |n| n == 2, budget).await.is_some(),
            "{}: a product created elsewhere",
            app.backend
        );
        other.set_product_state(id.product_id(), LifecycleState::Paused).await.unwrap();
        assert!(
            wait_for(addr, "海棠花", |n| n == 1, budget).await.is_some(),
            "{}: a paused product leaves search",
            app.backend
        );
        let second = other.product_id_by_code(bank.id, "L-2").await.unwrap().unwrap();
        other.delete_product(second).await.unwrap();
        assert!(
            wait_for(addr, "海棠花", |n| n == 0, budget).await.is_some(),
            "{}: a deleted product leaves search",
            app.backend
        );

        let (status, body) = http_get(addr, "/healthz").await;
        assert_eq!(status, 200, "{body}");
        // A 10 MB query string never reaches the application: the HTTP server refuses the request head
        // (431) instead of buffering it. Smaller oversized queries get the application's 400 naming `q`.
        let (status, _) = http_get(addr, &format!("/api/v1/search?q={}", "x".repeat(10 * 1024 * 1024))).await;
        assert_eq!(status, 431);
        let (status, body) = http_get(addr, &format!("/api/v1/search?q={}", "x".repeat(20_000))).await;
        assert_eq!(status, 400);
        assert!(body.contains(r#""field":"q""#), "{body}");
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), server.wait()).await.expect("graceful shutdown").unwrap();
    }
}

#[tokio::test]
async fn a_missing_or_damaged_index_is_rebuilt_at_start() {
    let mut app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let index_dir = Config::for_tests(app.data_dir.clone(), None).index_dir();

    // A second server on the same data directory is refused: the index is one process's.
    let second = build_app(Config::for_tests(app.data_dir.clone(), None)).await.unwrap_err().to_string();
    assert!(second.contains("in use by another process"), "{second}");

    // Damaged: the live generation's metadata is garbage. The start succeeds, and the index is rebuilt in
    // the background (`index_damage.rs` checks what is answered meanwhile).
    app = app
        .restart(|_| {
            let live = std::fs::read_to_string(index_dir.join("CURRENT")).unwrap();
            std::fs::write(index_dir.join(live.trim()).join("meta.json"), b"garbage").unwrap();
        })
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.state.catalogue.len() != 342 {
        assert!(Instant::now() < deadline, "not rebuilt: {:?}", app.state.catalogue);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Missing: the whole directory is gone. It is built before the server serves.
    app = app.restart(|_| std::fs::remove_dir_all(&index_dir).unwrap()).await;
    assert_eq!(app.state.catalogue.len(), 342);
}
