//! What the site records keeps the lending record's rules: an application taken through the API to an
//! approval with its terms, a loan paid in two parts (the second at another rate, with its reason) and a
//! corrected payment reads back clean in the record check (`finmart check-record`), on SQLite and
//! PostgreSQL, and the check changes nothing the parties see.

use crate::app::TestApp;
use crate::journey::shanghai_today;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_SME};
use finmart_domain::{LifecycleState, ProductRecord};
use serde_json::json;

/// A listed product of the demo bank with no rule about the firm but its district (so any firm there may
/// apply, whatever the checks at submission), lending 10 万 to 500 万 for 1 to 36 months at a fixed 3.6 %–6 %.
async fn product_for(app: &TestApp, district: &str) -> i64 {
    let pairs = vec![
        ("institution_code", "jingu-bank"),
        ("code", "E2E-RECORD"),
        ("name", "记录检查测试贷"),
        ("family", "credit"),
        ("description", "仅用于记录检查测试"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "5000000"),
        ("term_min_months", "1"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.6"),
        ("rate_max_pct", "6"),
        ("rate_basis", "fixed"),
        ("repayment_methods", "equal_instalment"),
        ("collateral", "none"),
        ("decision_days", "5"),
        ("online", "true"),
        ("districts", district),
        ("valid_from", "2020-01-01"),
    ];
    let spec = ProductRecord::from_pairs(pairs).validate().expect("a valid product").spec;
    let store = &app.state.store;
    let bank = store.institution_by_code("jingu-bank").await.unwrap().expect("the demo bank");
    store.save_product(bank.id, LifecycleState::Published, &spec).await.unwrap().product_id()
}

#[tokio::test]
async fn what_the_site_records_keeps_every_rule_of_the_record() {
    for app in TestApp::each(true).await {
        let (sme, bank) = (app.sign_in(DEMO_SME).await, app.sign_in(DEMO_BANK).await);
        let (status, me) = sme.get("/api/v1/me/profile").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        let product = product_for(&app, me["profile"]["district"].as_str().unwrap()).await;
        app.catch_up().await;

        let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
            "idempotency_key": "record-check-1"});
        let (status, submitted) = sme.post("/api/v1/applications", &body).await;
        assert!(status.is_success(), "{status} {submitted}");
        let id = submitted["id"].as_i64().unwrap();
        let path = format!("/api/v1/applications/{id}/transitions");
        let today = shanghai_today();
        for step in [
            json!({"action": "accept"}),
            json!({"action": "approve", "amount": "40万", "rate_basis": "fixed", "rate": "3.85", "term": "12",
                "method": "equal_instalment"}),
            json!({"action": "disburse", "amount": "25万", "rate": "3.85", "term": "12", "date": today}),
            json!({"action": "disburse", "amount": "15万", "rate": "4.2", "term": "12", "date": today,
                "reason": "第二笔按放款日定价"}),
        ] {
            let (status, reply) = bank.post(&path, &step).await;
            assert_eq!(status, StatusCode::OK, "{} {step}: {reply}", app.backend);
        }
        // The first payment was 24 万, not 25 万: corrected, the original kept in the timeline.
        let (_, detail) = bank.get(&format!("/api/v1/applications/{id}")).await;
        let first = detail["payments"].as_array().unwrap().first().unwrap()["id"].as_i64().unwrap();
        let correction = json!({"action": "correct", "correction": "disbursement", "part": first, "amount": "24万",
            "rate": "3.85", "term": "12", "date": today, "reason": "金额录入错误"});
        let (status, reply) = bank.post(&path, &correction).await;
        assert_eq!(status, StatusCode::OK, "{} {correction}: {reply}", app.backend);

        let (_, seen_before) = sme.get(&format!("/api/v1/applications/{id}")).await;
        let report = app.state.store.record_breaches().await.unwrap();
        assert!(report.is_clean(), "{}: {}", app.backend, finmart_cli::check_record::summary(&report));
        assert_eq!(report.applications, 1, "{}", app.backend);
        let json = finmart_cli::check_record::as_json(&report);
        assert_eq!((json["clean"].as_bool(), json["breaches"].as_array().map(Vec::len)), (Some(true), Some(0)));
        let (_, seen_after) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(seen_after, seen_before, "{}: the check changed nothing", app.backend);
        assert_eq!(seen_after["payments"].as_array().unwrap().len(), 3, "{seen_after}");
    }
}
