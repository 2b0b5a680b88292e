//! The marketplace's three journeys in one, through HTTP only, on SQLite and PostgreSQL: a bank lists a
//! product → the operator approves it → an SME finds it, matches and applies (twice, by accident) → the
//! bank accepts, approves and disburses → the SME sees every step, with notifications, and each party's
//! audit log shows its acts.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use serde_json::{Value, json};

/// Today in Asia/Shanghai (UTC+8 all year), the calendar the platform's dates are in.
pub fn shanghai_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().to_string()
}

/// A valid new product in the import format, with this code and name.
pub fn new_product_named(code: &str, name: &str) -> Value {
    let mut product = new_product();
    product["code"] = json!(code);
    product["name"] = json!(name);
    product
}

/// The bank lists this product through the API, submits it, and the operator approves it: its id. The
/// catalogue catches up through the change log; callers that search next call `app.catch_up()`.
pub async fn publish_listing(bank: &Client<'_>, operator: &Client<'_>, listing: &Value) -> i64 {
    let (status, created) = bank.post("/api/v1/bank/products", listing).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let product = created["id"].as_i64().expect("product id");
    let (status, submitted) = bank.post(&format!("/api/v1/bank/products/{product}/submit"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    let review = submitted["review_id"].as_i64().expect("review id");
    let (status, approved) = operator.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    product
}

fn new_product() -> Value {
    json!({
        "code": "JOURNEY-01", "name": "旅程贷（测试）", "family": "credit",
        "description": "端到端测试用的纯信用贷款，线上申请。",
        "amount_min_yuan": 100_000, "amount_max_yuan": 3_000_000, "term_min_months": 6, "term_max_months": 36,
        "rate_min_pct": 3.6, "rate_max_pct": 4.8, "rate_basis": "fixed",
        "repayment_methods": ["equal_instalment"], "collateral": [], "eligibility": {},
        "policy_support": [], "decision_days": 3, "online": true, "districts": ["all"], "valid_from": "2026-01-01"
    })
}

#[tokio::test]
async fn bank_lists_operator_approves_sme_applies_bank_disburses() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let sme = app.sign_in(DEMO_SME).await;

        // 1. The bank lists a product and submits it; it is not public yet.
        let (status, created) = bank.post("/api/v1/bank/products", &new_product()).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {created}", app.backend);
        let product = created["id"].as_i64().unwrap();
        assert_eq!(created["state"], "draft");
        let (status, submitted) = bank.post(&format!("/api/v1/bank/products/{product}/submit"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        app.catch_up().await;
        let (status, _) = app.get_json(&format!("/api/v1/products/{product}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "not listed before the operator approves");

        // 2. The operator approves it from the queue; it reaches search.
        let (_, queue) = operator.get("/api/v1/reviews").await;
        let review = queue
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["product_id"] == product)
            .unwrap_or_else(|| panic!("the submission is queued: {queue}"));
        let review_id = review["review"]["id"].as_i64().unwrap();
        let (status, approved) = operator.post(&format!("/api/v1/reviews/{review_id}/approve"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        app.catch_up().await;
        let found = app.search("旅程贷", "").await;
        assert!(found["items"].as_array().unwrap().iter().any(|i| i["id"] == product), "{found}");

        // 3. The SME matches its own stored profile and finds the product eligible or near.
        let (_, me) = sme.get("/api/v1/session").await;
        let enterprise = me["account"]["enterprise_id"].as_i64().unwrap();
        let need = json!({"amount": 50_000_000, "term": 12, "purpose": "working_capital"});
        let (status, matched) =
            sme.post("/api/v1/match", &json!({"profile_id": enterprise, "need": need, "limit": 100})).await;
        assert_eq!(status, StatusCode::OK, "{matched}");
        let listed = ["eligible", "near_misses", "needs_info", "ineligible"]
            .iter()
            .any(|l| matched[*l].as_array().unwrap().iter().any(|i| i["product"]["id"] == product));
        assert!(listed || matched["eligible_total"].as_u64().unwrap() > 100, "the new product is matched");

        // 4. It applies; a double submission with the same key is one application.
        let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
            "purpose_text": "采购原材料", "idempotency_key": "journey-1"});
        let (status, first) = sme.post("/api/v1/applications", &body).await;
        assert!(status.is_success(), "{status} {first}");
        let (status, again) = sme.post("/api/v1/applications", &body).await;
        assert!(status.is_success(), "{status} {again}");
        let id = first["id"].as_i64().unwrap();
        assert_eq!(again["id"].as_i64(), Some(id), "one application for one key");
        let (_, mine) = sme.get("/api/v1/applications").await;
        let count = mine.to_string().matches("采购原材料").count();
        assert_eq!(count, 1, "{mine}");

        // 5. The bank sees it in its inbox, accepts, approves and disburses.
        let (_, inbox) = bank.get(&format!("/api/v1/applications?state=submitted&product={product}")).await;
        assert!(inbox.to_string().contains(&format!("\"id\":{id}")), "in the inbox: {inbox}");
        for step in [
            json!({"action": "accept"}),
            json!({"action": "approve"}),
            json!({"action": "disburse", "amount": "500000", "rate": "3.85", "term": "12", "date": shanghai_today()}),
        ] {
            let (status, reply) = bank.step(id, &step).await;
            assert_eq!(status, StatusCode::OK, "{step}: {reply}");
        }

        // 6. The SME sees each step, stamped, and was notified of each.
        let (status, detail) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["state"]["code"], "disbursed");
        let text = detail.to_string();
        for state in ["submitted", "accepted", "approved", "disbursed"] {
            assert!(text.contains(&format!("\"{state}\"")), "{state} in the timeline: {detail}");
        }
        let (_, notes) = sme.get("/api/v1/notifications").await;
        let about: usize = notes.to_string().matches(&format!("/sme/applications/{id}")).count();
        assert!(about >= 3, "a notification per state change: {notes}");
        // The page shows it too, in Chinese.
        let (status, page) = sme.get_text(&format!("/sme/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("已放款"), "{page}");

        // 7. The audit log recorded the acts for each party.
        let (_, bank_log) = bank.get("/api/v1/audit?limit=500").await;
        let actions: Vec<&str> = bank_log.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        for expected in
            ["product.create", "product.submit", "application.accept", "application.approve", "application.disburse"]
        {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
        let (_, sme_log) = sme.get("/api/v1/audit?limit=500").await;
        assert!(sme_log.to_string().contains("application.submit"), "{sme_log}");
    }
}
