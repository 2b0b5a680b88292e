//! The whole verified-facts scenario in one walk, through HTTP only, on SQLite and PostgreSQL: a department
//! pushes facts about a firm not yet on the platform (one contradicting what the firm will declare, one out of
//! date); the firm registers and sees them; it authorises bank A only; bank A sees them, bank B does not; a
//! product requiring a verified grade matches only once the department's corrected record verifies it; the
//! operator's figures count each step exactly; withdrawing hides everything from bank A at once.

use crate::app::TestApp;
use crate::client::Client;
use crate::journey::{new_product_named, publish_listing};
use axum::http::StatusCode;
use chrono::{Datelike, Duration};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_PROVIDER};
use serde_json::{Value, json};

/// A credit code no demo firm has.
const CODE: &str = "91120118MA07WALK4J";

fn tax_record(id: &str, kind: &str, value: &str, as_of: &str) -> Value {
    json!({"source_record_id": id, "uscc": CODE, "kind": kind, "value": value, "as_of": as_of})
}

/// The row of `kind` in a facts report (the firm's, or the one an authorised bank reads).
fn field<'a>(facts: &'a Value, kind: &str) -> &'a Value {
    let fields = facts["fields"].as_array().unwrap_or_else(|| panic!("fields in {facts}"));
    fields.iter().find(|f| f["kind"]["code"] == kind).unwrap_or_else(|| panic!("{kind} in {facts}"))
}

/// One kind's figure among the operator's coverage figures.
fn coverage(figures: &Value, kind: &str, member: &str) -> u64 {
    let kinds = figures["kinds"].as_array().unwrap_or_else(|| panic!("kinds in {figures}"));
    kinds.iter().find(|k| k["kind"]["code"] == kind).and_then(|k| k[member].as_u64()).unwrap()
}

async fn session_id(client: &Client<'_>, member: &str) -> i64 {
    let (_, me) = client.get("/api/v1/session").await;
    me["account"][member].as_i64().unwrap_or_else(|| panic!("{member} in {me}"))
}

/// The products the firm's own match finds eligible for a year's working capital of 100 万元.
async fn eligible(sme: &Client<'_>, firm: i64) -> Vec<i64> {
    let need = json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"});
    let (status, out) = sme.post("/api/v1/match", &json!({"profile_id": firm, "need": need, "limit": 100})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out["eligible"].as_array().unwrap().iter().filter_map(|i| i["product"]["id"].as_i64()).collect()
}

#[tokio::test]
async fn a_department_verifies_a_firm_which_authorises_one_bank_and_withdraws() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, before) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(status, StatusCode::OK, "{be}: {before}");

        // The tax bureau's clerk makes a token; the feed pushes a grade (B) and last-but-one year's tax paid
        // for a code no firm has registered yet.
        let clerk = app.sign_in(DEMO_PROVIDER).await;
        let (status, token) = clerk.post("/api/v1/tokens", &json!({"name": "征信推送（走查）"})).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {token}");
        let feed = app.with_token(token["secret"].as_str().unwrap());
        let last_year_end = format!("{}-12-31", finmart_domain::shanghai::today().year() - 1);
        let batch = json!({"records": [
            tax_record("WALK-GRADE", "tax_credit_grade", "B", &last_year_end),
            tax_record("WALK-PAID", "tax_paid", "120000", "2023-12-31"),
        ]});
        let (status, sent) = feed.post("/api/v1/facts/batches", &batch).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {sent}");
        assert_eq!(sent["added"].as_u64(), Some(2), "{be}: {sent}");

        // The bank lists a product requiring grade A verified by the tax bureau.
        let (bank, bank2) = (app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_BANK2).await);
        let a = session_id(&bank, "institution_id").await;
        let mut listing = new_product_named("WALK-VERIFIED", "走查核验贷（测试）");
        listing["eligibility"] = json!({"min_tax_credit_grade": "A"});
        listing["verified_rules"] = json!(["min_tax_credit_grade"]);
        let product = publish_listing(&bank, &operator, &listing).await;
        app.catch_up().await;

        // The firm registers declaring grade A and 30 万元 of tax: the facts waiting for its code are its own.
        let profile = json!({"uscc": CODE, "name": "津沽走查核验科技有限公司", "district": "binhai",
            "industry": "software", "established": "2018-05-01", "employees": 30, "revenue": 900_000_000,
            "tax_credit_grade": "A", "tax_paid": 30_000_000});
        let (status, body) = app
            .anonymous()
            .post("/api/v1/register", &json!({"login": "walk@example.cn", "password": "abc12345", "profile": profile}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {body}");
        let sme = app.sign_in_with("walk@example.cn", "abc12345").await;
        let firm = session_id(&sme, "enterprise_id").await;
        let (status, mine) = sme.get("/api/v1/me/facts").await;
        assert_eq!(status, StatusCode::OK, "{be}: {mine}");
        let grade = field(&mine, "tax_credit_grade");
        assert_eq!(grade["state"], "conflict", "{be}: declared A, verified B: {grade}");
        assert_eq!(grade["fact"]["source"]["code"], "tax", "{grade}");
        assert_eq!(grade["fact"]["as_of"], last_year_end.as_str());
        assert_eq!(field(&mine, "tax_paid")["state"], "expired", "{be}: 需更新");
        let (_, page) = sme.get_text("/sme/profile").await;
        for text in ["核验结果不符", "需更新", "税务"] {
            assert!(page.contains(text), "{be}: the firm's profile page shows {text}");
        }

        // The conflicting grade does not meet the product: it is judged on the verified B.
        assert!(!eligible(&sme, firm).await.contains(&product), "{be}: verified B is below A");
        let (_, mid) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(mid["firms"].as_u64(), before["firms"].as_u64().map(|n| n + 1), "{be}: one firm more");
        let conflicts = coverage(&before, "tax_credit_grade", "conflicts");
        assert_eq!(coverage(&mid, "tax_credit_grade", "conflicts"), conflicts + 1, "{be}: {mid}");
        let expired = coverage(&before, "tax_paid", "expired");
        assert_eq!(coverage(&mid, "tax_paid", "expired"), expired + 1, "{be}: {mid}");

        // Bank A only, for thirty days: bank A reads the facts, bank B is refused.
        let until = (finmart_domain::shanghai::today() + Duration::days(30)).to_string();
        let (status, granted) =
            sme.post("/api/v1/me/fact-authorisations", &json!({"institution_ids": [a], "expires_on": until})).await;
        assert_eq!(status, StatusCode::OK, "{be}: {granted}");
        let api = format!("/api/v1/enterprises/{firm}/facts");
        let (status, seen) = bank.get(&api).await;
        assert_eq!(status, StatusCode::OK, "{be}: {seen}");
        assert_eq!(field(&seen, "tax_credit_grade")["state"], "conflict");
        assert_eq!(field(&seen, "tax_paid")["fact"]["freshness"], "expired");
        assert_eq!(seen["authorised_until"].as_str().map(|d| d.starts_with(&until)), Some(true), "{seen}");
        let (status, refused) = bank2.get(&api).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: bank B: {refused}");

        // The department corrects its record: grade A. The same product now matches, the rule 已核验.
        let (status, corrected) = feed
            .post("/api/v1/facts/batches", &json!([tax_record("WALK-GRADE", "tax_credit_grade", "A", &last_year_end)]))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {corrected}");
        assert_eq!(corrected["replaced"].as_u64(), Some(1), "{corrected}");
        assert!(eligible(&sme, firm).await.contains(&product), "{be}: verified A, eligible");
        let (_, mine) = sme.get("/api/v1/me/facts").await;
        assert_eq!(field(&mine, "tax_credit_grade")["state"], "verified", "{be}");
        let (_, after) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(coverage(&after, "tax_credit_grade", "conflicts"), conflicts, "{be}: the conflict is gone");
        let verified = coverage(&before, "tax_credit_grade", "verified");
        assert_eq!(coverage(&after, "tax_credit_grade", "verified"), verified + 1, "{be}: {after}");

        // Every read by bank A is in the firm's view log as `facts`; none by bank B.
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        let facts_views: Vec<&Value> = views.as_array().unwrap().iter().filter(|v| v["context"] == "facts").collect();
        assert!(!facts_views.is_empty(), "{be}: {views}");
        assert!(facts_views.iter().all(|v| v["institution_id"] == a), "{be}: {views}");

        // Withdrawn: bank A sees nothing from the next request on.
        let (status, listed) = sme.delete(&format!("/api/v1/me/fact-authorisations/{a}")).await;
        assert_eq!(status, StatusCode::OK, "{be}: {listed}");
        assert_eq!(bank.get(&api).await.0, StatusCode::NOT_FOUND, "{be}: withdrawn");
        let (_, html) = bank.get_text(&format!("/bank/enterprises/{firm}")).await;
        assert!(!html.contains("政府部门核验信息"), "{be}: the bank's page no longer shows the facts");
    }
}
