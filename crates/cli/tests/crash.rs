//! The `finmart` server killed with SIGKILL in the middle of a burst of application submissions, then
//! started again on the same data: every submission the server acknowledged exists exactly once, a retry
//! with the same idempotency key returns it rather than making another, the unacknowledged ones can be
//! submitted again, and the lending record reads back clean (`finmart check-record`).
//!
//! The server runs as a real process (nothing else can be SIGKILLed), spoken to over HTTP/1.1 with a
//! small client of the test's own.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use finmart_cli::demo_accounts::{DEMO_PASSWORD, DEMO_SME};
use finmart_domain::{LifecycleState, ProductRecord};
use finmart_store::Store;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{Served, Session};

/// How many products the firm applies to, and how many clients submit at once.
const PRODUCTS: usize = 36;
const CLIENTS: usize = 6;

/// `finmart serve` on a free port, on the SQLite database in `data`.
fn serve(data: &Path) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_finmart"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "warn");
    Served::spawn(command)
}

/// The demo firm's application for `product` with `key`.
fn apply(firm: &Session, addr: SocketAddr, product: i64, key: &str) -> std::io::Result<(u16, Value)> {
    let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
        "purpose_text": "采购原材料", "idempotency_key": key});
    firm.request(addr, "POST", "/api/v1/applications", Some(&body))
}

/// The demo catalogue and firms, and [`PRODUCTS`] products of the demo bank open to the demo firm.
fn prepare(data: &Path) -> Vec<i64> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        std::fs::create_dir_all(data).unwrap();
        let store = Store::connect(&Store::sqlite_url(data)).await.unwrap();
        finmart_cli::load_demo(&store).await.unwrap();
        let bank = store.institution_by_code("jingu-bank").await.unwrap().expect("the demo bank");
        let mut ids = Vec::new();
        for i in 0..PRODUCTS {
            let code = format!("KILL-{i:02}");
            let name = format!("断电测试贷 {i}");
            let spec = ProductRecord::from_pairs([
                ("institution_code", "jingu-bank"),
                ("code", code.as_str()),
                ("name", name.as_str()),
                ("family", "credit"),
                ("description", "用于进程被强行终止测试的信用贷款"),
                ("amount_min_yuan", "100000"),
                ("amount_max_yuan", "5000000"),
                ("term_min_months", "3"),
                ("term_max_months", "36"),
                ("rate_min_pct", "3.6"),
                ("rate_max_pct", "6"),
                ("rate_basis", "fixed"),
                ("repayment_methods", "equal_instalment"),
                ("collateral", "none"),
                ("decision_days", "5"),
                ("online", "true"),
                ("districts", "all"),
                ("valid_from", "2020-01-01"),
            ])
            .validate()
            .unwrap()
            .spec;
            ids.push(store.save_product(bank.id, LifecycleState::Published, &spec).await.unwrap().product_id());
        }
        store.close().await.unwrap();
        ids
    })
}

/// The firm's profile made complete enough for products without conditions.
fn complete_profile(addr: SocketAddr, firm: &Session) {
    let (status, me) = firm.request(addr, "GET", "/api/v1/me/profile", None).unwrap();
    assert_eq!(status, 200, "{me}");
    let profile = json!({
        "uscc": me["profile"]["uscc"], "name": "天津断电测试科技有限公司", "district": "120116", "industry": "software",
        "established": "2019-05-20", "employees": 45, "revenue": 1_200_000_000, "total_assets": 3_000_000_000i64,
        "total_liabilities": 1_200_000_000, "tax_credit_grade": "B", "tax_paid": 35_000_000,
        "qualifications": ["tech_sme"], "collateral": [], "receivables": [], "procurement_contracts": [],
        "ever_borrowed": true, "overdue": {"kind": "never"},
    });
    let (status, saved) = firm.request(addr, "PUT", "/api/v1/me/profile", Some(&profile)).unwrap();
    assert_eq!(status, 200, "{saved}");
}

#[test]
fn sigkill_during_a_burst_of_submissions_loses_and_duplicates_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let products = prepare(&data);
    let key = |i: usize| format!("kill-burst-{i}");

    let server = serve(&data);
    let addr = server.addr;
    let firm = Session::sign_in(addr, DEMO_SME, DEMO_PASSWORD);
    complete_profile(addr, &firm);

    // The burst: each client submits its share of the products, and after each acknowledgement submits the
    // same key once more (a client retrying after a lost answer), which must be the same application.
    let acknowledged = Mutex::new(Vec::<(usize, i64)>::new());
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (firm, products, acknowledged, stop) = (&firm, &products, &acknowledged, &stop);
            scope.spawn(move || {
                for i in (client..PRODUCTS).step_by(CLIENTS) {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    // An error is the server going away: this submission is unacknowledged.
                    let Ok((status, created)) = apply(firm, addr, products[i], &key(i)) else { return };
                    assert_eq!(status, 201, "{created}");
                    let id = created["id"].as_i64().unwrap();
                    acknowledged.lock().unwrap().push((i, id));
                    let Ok((status, again)) = apply(firm, addr, products[i], &key(i)) else { return };
                    assert_eq!((status, again["id"].as_i64()), (200, Some(id)), "a retry is the same application");
                }
            });
        }
        // Kill the server once a third of the burst is acknowledged, with the rest in flight.
        let started = Instant::now();
        while acknowledged.lock().unwrap().len() < PRODUCTS / 3 {
            assert!(started.elapsed() < Duration::from_secs(60), "the burst did not get going");
            std::thread::sleep(Duration::from_millis(2));
        }
        server.kill();
        stop.store(true, Ordering::Relaxed);
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(acknowledged.len() < PRODUCTS, "the kill came during the burst, not after it");

    // Started again on the same data: every key submitted again. An acknowledged one answers 200 with its
    // application; an unacknowledged one either was stored before the kill (200, the same) or is new (201).
    let server = serve(&data);
    let addr = server.addr;
    let firm = Session::sign_in(addr, DEMO_SME, DEMO_PASSWORD);
    let mut ids = Vec::new();
    for (i, product) in products.iter().enumerate() {
        let (status, body) = apply(&firm, addr, *product, &key(i)).unwrap();
        let id = body["id"].as_i64().unwrap_or_else(|| panic!("{status}: {body}"));
        if let Some((_, first)) = acknowledged.iter().find(|(k, _)| *k == i) {
            assert_eq!((status, id), (200, *first), "acknowledged before the kill: the same application");
        } else {
            assert!(status == 200 || status == 201, "{status}: {body}");
        }
        ids.push(id);
    }

    // One application per product, and exactly those.
    let (status, mine) = firm.request(addr, "GET", "/api/v1/applications?limit=1000", None).unwrap();
    assert_eq!(status, 200, "{mine}");
    let mut listed: Vec<(i64, i64)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["product_id"].as_i64().unwrap(), a["id"].as_i64().unwrap()))
        .filter(|(product, _)| products.contains(product))
        .collect();
    listed.sort_unstable();
    let mut expected: Vec<(i64, i64)> = products.iter().copied().zip(ids).collect();
    expected.sort_unstable();
    assert_eq!(listed, expected, "each product has one application, the one its key returns");
    drop(server);

    // The record as a whole still reads back clean.
    let check = Command::new(env!("CARGO_BIN_EXE_finmart"))
        .arg("check-record")
        .arg("--data-dir")
        .arg(&data)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}
