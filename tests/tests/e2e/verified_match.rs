//! A product that requires a rule to be met by a verified fact (纳税信用等级须经税务核验): a firm declaring
//! the grade does not match it until a department's fact verifies the grade, and matches after; the
//! explanations say 未核验 / 已核验 in both languages; a requirement the product has no condition for is
//! refused naming the field. On SQLite and PostgreSQL.

use crate::app::TestApp;
use crate::journey::{new_product_named, publish_listing};
use axum::http::StatusCode;
use chrono::Datelike;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR};
use finmart_domain::{FactArrival, FactRecord, FactSource, read_fact_record};
use serde_json::{Value, json};

const USCC: &str = "91120116MA05JQ8X3B";

fn need() -> Value {
    json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"})
}

/// The product's grade finding in the firm's explanation of the product.
async fn grade_finding(sme: &crate::client::Client<'_>, firm: i64, product: i64) -> Value {
    let (status, explained) =
        sme.post("/api/v1/match/explain", &json!({"profile_id": firm, "need": need(), "product_id": product})).await;
    assert_eq!(status, StatusCode::OK, "{explained}");
    let findings = explained["item"]["details"]["findings"].as_array();
    let findings = findings.unwrap_or_else(|| panic!("findings in {explained}"));
    findings.iter().find(|f| f["code"] == "min_tax_credit_grade").cloned().unwrap_or_else(|| panic!("{explained}"))
}

async fn eligible_ids(sme: &crate::client::Client<'_>, firm: i64) -> Vec<i64> {
    let (status, out) = sme.post("/api/v1/match", &json!({"profile_id": firm, "need": need(), "limit": 100})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out["eligible"].as_array().unwrap().iter().map(|i| i["product"]["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_product_requiring_a_verified_grade_matches_only_after_the_tax_bureau_verifies_it() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;

        // A requirement for a rule the product does not have, or one no fact can verify, is refused by name.
        let mut listing = new_product_named("VERIFIED-01", "核验贷（测试）");
        listing["eligibility"] = json!({"min_tax_credit_grade": "A"});
        for bad in [json!(["tax_paid_yuan"]), json!(["employees"]), json!(["credit_score"])] {
            let mut wrong = listing.clone();
            wrong["verified_rules"] = bad.clone();
            let (status, body) = bank.post("/api/v1/bank/products", &wrong).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend} {bad}: {body}");
            assert!(body.to_string().contains("verified_rules"), "{backend}: names the field: {body}");
        }
        listing["verified_rules"] = json!(["min_tax_credit_grade"]);
        let product = publish_listing(&bank, &operator, &listing).await;
        app.catch_up().await;
        let (status, shown) = app.get_json(&format!("/api/v1/products/{product}")).await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        assert_eq!(shown["verified_rules"]["rules"], json!(["min_tax_credit_grade"]), "{shown}");
        assert_eq!(shown["verified_rules"]["text"], "纳税信用等级须经税务部门核验");
        assert_eq!(shown["verified_rules"]["text_en"], "Tax credit grade verified by the tax bureau");
        let (_, page) = app.get(&format!("/products/{product}")).await;
        assert!(page.contains("纳税信用等级须经税务部门核验"), "{backend}: the product page says it");
        let (_, page) = app.get(&format!("/products/{product}?lang=en")).await;
        assert!(page.contains("Tax credit grade verified by the tax bureau"), "{backend}: and in English");

        // A firm registers declaring grade A: it does not match, and is told why and what would change it.
        let profile = json!({"uscc": USCC, "name": "津沽核验科技有限公司", "district": "binhai",
            "industry": "software", "established": "2019-03-01", "employees": 25, "revenue": 800_000_000,
            "tax_credit_grade": "A"});
        let anonymous = app.anonymous();
        let (status, body) = anonymous
            .post(
                "/api/v1/register",
                &json!({"login": "verified@example.cn", "password": "abc12345", "profile": profile}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {body}");
        let sme = app.sign_in_with("verified@example.cn", "abc12345").await;
        let (_, me) = sme.get("/api/v1/session").await;
        let firm = me["account"]["enterprise_id"].as_i64().unwrap();
        assert!(!eligible_ids(&sme, firm).await.contains(&product), "{backend}: unverified, not eligible");
        let finding = grade_finding(&sme, firm, product).await;
        assert_eq!(finding["outcome"], "fail", "{finding}");
        assert_eq!(finding["message"]["zh"], "须经核验：未核验。要求纳税信用等级 A 级及以上（须经税务部门核验）");
        assert_eq!(
            finding["message"]["en"],
            "Must be verified: not verified. Requires Tax credit grade A or better (verified by the tax bureau)"
        );
        assert_eq!(finding["verification"]["state"], "unverified");
        assert_eq!(finding["verification"]["label"]["zh"], "未核验");
        assert!(finding["fix"]["zh"].as_str().unwrap().contains("报送贵企业的纳税信用等级后即可重新匹配"), "{finding}");
        // The same product's page tells the signed-in firm.
        let (_, page) = sme.get_text(&format!("/products/{product}")).await;
        assert!(page.contains("须经核验：未核验"), "{backend}: the product page's verdict");

        // The tax bureau's fact verifies grade A (the year before last's grade is current for 18 months).
        let provider = app
            .state
            .store
            .create_data_provider(
                "test-tax",
                "测试税务局",
                FactSource::Tax,
                &finmart_store::AuditEvent::anonymous(None, "test"),
            )
            .await
            .unwrap();
        let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
        let record = FactRecord {
            source_record_id: "TAX-GRADE-1".into(),
            uscc: USCC.into(),
            kind: "tax_credit_grade".into(),
            value: "A".into(),
            as_of: format!("{}-12-31", today.year() - 1),
            ..FactRecord::default()
        };
        let fact = read_fact_record(&record, FactSource::Tax, today).unwrap();
        app.state.store.save_facts(&provider, &[fact], FactArrival::Api, &|| {}).await.unwrap();

        assert!(eligible_ids(&sme, firm).await.contains(&product), "{backend}: verified, eligible");
        let finding = grade_finding(&sme, firm, product).await;
        assert_eq!(finding["outcome"], "pass", "{finding}");
        assert_eq!(finding["verification"]["state"], "verified");
        let verified_zh = format!("已核验：税务部门核验为 A 级（{}-12-31）", today.year() - 1);
        assert_eq!(finding["verification"]["detail"]["zh"], verified_zh.as_str());
        assert_eq!(
            finding["verification"]["detail"]["en"],
            format!("Verified: grade A per the tax bureau (as of {}-12-31)", today.year() - 1)
        );
        // The matching page, in both languages, shows the verified value beside the met condition.
        let (status, page) = sme.get_text("/match").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&verified_zh), "{backend}: the matching page says 已核验");
        let (_, page) = sme.get_text("/match?lang=en").await;
        assert!(page.contains("Verified: grade A per the tax bureau"), "{backend}: and in English");
        // And the firm may now apply.
        let (status, applied) = sme
            .post(
                "/api/v1/applications",
                &json!({"product_id": product, "amount": "100万", "term": "12", "purpose": "working_capital",
                        "idempotency_key": "verified-1"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {applied}");
    }
}
