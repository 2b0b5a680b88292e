//! A bank's side judges firms with their verified facts as the firms' own matches do: a product requiring a
//! verified tax grade lists a firm among its candidates, and fits its published need in the needs feed, only
//! once a department's batch verifies the grade; a batch contradicting the declaration takes it out again;
//! a firm registering with facts already sent is listed at once. Over HTTP, on SQLite and PostgreSQL.

use crate::app::TestApp;
use crate::client::Client;
use crate::journey::{new_product_named, publish_listing};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR, DEMO_PROVIDER};
use finmart_domain::Uscc;
use serde_json::{Value, json};

/// A revenue no demo firm has (fen), so the product fits only the firms registered here.
const REVENUE: i64 = 123_456_789;

fn profile(uscc: &str, name: &str, grade: &str) -> Value {
    json!({"uscc": uscc, "name": name, "district": "binhai", "industry": "software", "established": "2019-03-01",
        "employees": 25, "revenue": REVENUE, "tax_credit_grade": grade})
}

fn grade(id: &str, uscc: &str, grade: &str) -> Value {
    json!({"source_record_id": id, "uscc": uscc, "kind": "tax_credit_grade", "value": grade, "as_of": "2025-12-31"})
}

/// Registers a firm declaring `grade`, open to every institution: its enterprise id and its client.
async fn register<'a>(app: &'a TestApp, uscc: &str, login: &str, grade: &str) -> (i64, Client<'a>) {
    let body =
        json!({"login": login, "password": "abc12345", "profile": profile(uscc, "津沽核验池测试有限公司", grade)});
    let (status, made) = app.anonymous().post("/api/v1/register", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let sme = app.sign_in_with(login, "abc12345").await;
    let (_, me) = sme.get("/api/v1/session").await;
    let firm = me["account"]["enterprise_id"].as_i64().expect("enterprise id");
    let (status, consents) = sme.post("/api/v1/me/consents", &json!({"all": true})).await;
    assert_eq!(status, StatusCode::OK, "{consents}");
    (firm, sme)
}

async fn candidates(bank: &Client<'_>, product: i64) -> Vec<i64> {
    let (status, found) = bank.get(&format!("/api/v1/products/{product}/candidates?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["candidates"].as_array().expect("candidates").iter().map(|c| c["profile_id"].as_i64().unwrap()).collect()
}

/// Whether the feed shows `need` with `product` among the bank's products that fit it.
async fn feed_fits(bank: &Client<'_>, need: i64, product: i64) -> bool {
    let (status, feed) = bank.get("/api/v1/needs/feed").await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let item = feed.as_array().expect("feed").iter().find(|i| i["need"]["id"] == need);
    let item = item.unwrap_or_else(|| panic!("need {need} in the feed: {feed}"));
    item["fitting"].as_array().expect("fitting").iter().any(|p| p["product_id"] == product)
}

async fn send(clerk: &Client<'_>, records: Value) {
    let (status, sent) = clerk.post("/api/v1/facts/batches", &records).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
}

#[tokio::test]
async fn a_providers_batch_makes_a_firm_a_candidate_of_a_product_requiring_a_verified_grade_and_a_conflict_unmakes_it()
{
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let clerk = app.sign_in(DEMO_PROVIDER).await;
        let yuan = format!("{}.{:02}", REVENUE / 100, REVENUE % 100);
        let mut listing = new_product_named("POOL-VERIFIED", "核验候选贷（测试）");
        listing["eligibility"] = json!({"min_tax_credit_grade": "B", "revenue_yuan": format!("{yuan}..{yuan}")});
        let mut plain = listing.clone();
        listing["verified_rules"] = json!(["min_tax_credit_grade"]);
        let required = publish_listing(&bank, &operator, &listing).await;
        plain["code"] = json!("POOL-DECLARED");
        let declared = publish_listing(&bank, &operator, &plain).await;
        app.catch_up().await;

        // A firm declaring grade A: a candidate of the product that takes the declaration, not of the one
        // requiring the grade verified; its need fits the one and not the other.
        let code = Uscc::with_check("91120116MA07PQL01").unwrap().as_str().to_owned();
        let (firm, sme) = register(&app, &code, "pool-verified@example.cn", "A").await;
        let (status, need) = sme
            .post(
                "/api/v1/me/needs",
                &json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital",
                    "deadline": (chrono::Utc::now() + chrono::Duration::days(10)).date_naive().to_string()}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {need}");
        let need = need["id"].as_i64().expect("need id");
        assert!(candidates(&bank, declared).await.contains(&firm), "{backend}: declared A fits a declared B");
        assert!(!candidates(&bank, required).await.contains(&firm), "{backend}: declared only, not verified");
        assert!(feed_fits(&bank, need, declared).await, "{backend}");
        assert!(!feed_fits(&bank, need, required).await, "{backend}: the feed judges alike");

        // The tax bureau verifies grade A: now a candidate of both, and the need fits both.
        send(&clerk, json!([grade("POOL-1", &code, "A")])).await;
        assert!(candidates(&bank, required).await.contains(&firm), "{backend}: verified, a candidate");
        assert!(candidates(&bank, declared).await.contains(&firm), "{backend}");
        assert!(feed_fits(&bank, need, required).await, "{backend}: verified, the need fits");

        // A correction says grade C: judged on the verified grade, it fits neither, whatever it declares.
        send(&clerk, json!([grade("POOL-1", &code, "C")])).await;
        assert!(!candidates(&bank, required).await.contains(&firm), "{backend}: verified C, not a candidate");
        assert!(!candidates(&bank, declared).await.contains(&firm), "{backend}: judged on the verified C");
        assert!(!feed_fits(&bank, need, required).await, "{backend}");
        assert!(!feed_fits(&bank, need, declared).await, "{backend}");

        // A firm the bureau verified before it registered is a candidate as soon as it registers.
        let early = Uscc::with_check("91120116MA07PQL02").unwrap().as_str().to_owned();
        send(&clerk, json!([grade("POOL-2", &early, "B")])).await;
        let (newcomer, _) = register(&app, &early, "pool-early@example.cn", "B").await;
        assert!(candidates(&bank, required).await.contains(&newcomer), "{backend}: facts waiting, a candidate");

        // And the pool loaded afresh (a restart, a new day) reads the same.
        app.state.load_pool().await.unwrap();
        let listed = candidates(&bank, required).await;
        assert!(listed.contains(&newcomer) && !listed.contains(&firm), "{backend}: {listed:?}");
    }
}
