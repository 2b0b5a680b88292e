//! Verified facts and their authorisation, through HTTP on the demo data (SQLite and PostgreSQL): facts sent
//! by departments before a firm registers are there when it does; the firm sees them field by field against
//! its declaration; it authorises one bank, which then sees them (and the view is logged) while the other
//! bank does not; withdrawing or reaching the end hides them at once.
//!
//! Facts are put in with `Store::save_facts`, as a department's batch stores them.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_BANK2};
use finmart_domain::{FactArrival, FactRecord, FactSource, Uscc, validate_fact_batch};
use finmart_store::AuditEvent;
use serde_json::{Value, json};

/// A credit code no demo firm has.
pub(crate) const CODE: &str = "91120116MA05JQ8X3B";
/// The qualification certificate the science bureau sends: text that appears nowhere but in the facts.
pub(crate) const CERTIFICATE: &str = "GR202412000777";

fn record(id: &str, kind: &str, value: &str, as_of: &str) -> FactRecord {
    FactRecord {
        source_record_id: id.into(),
        uscc: CODE.into(),
        kind: kind.into(),
        value: value.into(),
        as_of: as_of.into(),
        ..FactRecord::default()
    }
}

/// The departments' facts about [`CODE`], stored before the firm registers: a grade that differs from the
/// declared one, a registered capital that agrees, a tax figure out of date, a social-insurance headcount, a
/// qualification certificate and the 失信 list.
pub(crate) async fn load_facts(app: &TestApp) {
    let store = &app.state.store;
    let today = finmart_domain::shanghai::today();
    let recent = (today - Duration::days(10)).to_string();
    let tax = store
        .create_data_provider("e2e-tax", "测试税务局", FactSource::Tax, &AuditEvent::anonymous(None, "test"))
        .await
        .unwrap();
    let records =
        [record("T-1", "tax_credit_grade", "B", "2025-12-31"), record("T-2", "tax_paid", "120000", "2023-12-31")];
    let facts = validate_fact_batch(&records, FactSource::Tax, today).unwrap();
    store.save_facts(&tax, &facts, FactArrival::Api, &|| {}).await.unwrap();
    let platform = store
        .create_data_provider(
            "e2e-credit",
            "测试信用信息共享平台",
            FactSource::CreditPlatform,
            &AuditEvent::anonymous(None, "test"),
        )
        .await
        .unwrap();
    let mut qualification = record("P-3", "qualification", "high_tech", "2024-12-01");
    qualification.certificate = Some(CERTIFICATE.into());
    qualification.valid_until = Some("2027-11-30".into());
    let records = [
        record("P-1", "registered_capital", "5000000", &recent),
        record("P-2", "social_insurance_headcount", "23", &recent),
        qualification,
        record("P-4", "dishonest_debtor", "否", &recent),
    ];
    let facts = validate_fact_batch(&records, FactSource::CreditPlatform, today).unwrap();
    store.save_facts(&platform, &facts, FactArrival::Connector, &|| {}).await.unwrap();
    assert_eq!(store.facts_of(&Uscc::parse(CODE).unwrap()).await.unwrap().len(), 6);
}

/// The firm registers (after its facts arrived), declaring grade A, 500 万元 of capital and 30 万元 of tax.
pub(crate) async fn register(app: &TestApp) -> (Client<'_>, i64) {
    let profile = json!({"uscc": CODE, "name": "津沽核验测试科技有限公司", "district": "binhai",
        "industry": "software", "established": "2019-03-01", "employees": 25, "revenue": 800_000_000,
        "tax_credit_grade": "A", "registered_capital": 500_000_000, "tax_paid": 30_000_000});
    let client = app.anonymous();
    let (status, body) = client
        .post("/api/v1/register", &json!({"login": "facts@example.cn", "password": "abc12345", "profile": profile}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "register on {}: {body}", app.backend);
    let client = app.sign_in_with("facts@example.cn", "abc12345").await;
    let (_, me) = client.get("/api/v1/session").await;
    let enterprise = me["account"]["enterprise_id"].as_i64().unwrap();
    (client, enterprise)
}

pub(crate) async fn institution_of(client: &Client<'_>) -> i64 {
    let (_, me) = client.get("/api/v1/session").await;
    me["account"]["institution_id"].as_i64().expect("institution id")
}

fn field<'a>(facts: &'a Value, kind: &str) -> &'a Value {
    facts["fields"].as_array().unwrap().iter().find(|f| f["kind"]["code"] == kind).unwrap_or_else(|| panic!("{kind}"))
}

pub(crate) fn in_future(days: i64) -> String {
    (finmart_domain::shanghai::today() + Duration::days(days)).to_string()
}

#[tokio::test]
async fn the_firm_sees_its_facts_against_its_declaration_field_by_field() {
    for app in TestApp::each(true).await {
        load_facts(&app).await;
        let (sme, enterprise) = register(&app).await;
        let (status, facts) = sme.get("/api/v1/me/facts").await;
        assert_eq!(status, StatusCode::OK, "{facts}");
        assert_eq!(facts["enterprise_id"], enterprise);
        assert_eq!(facts["stored"], 6, "{}: the facts sent before it registered", app.backend);
        let grade = field(&facts, "tax_credit_grade");
        assert_eq!((grade["state"].as_str(), grade["declared"].as_str()), (Some("conflict"), Some("A 级")));
        assert_eq!(grade["fact"]["value_text"], "B 级");
        assert_eq!(grade["fact"]["source"]["code"], "tax");
        assert_eq!(grade["fact"]["as_of"], "2025-12-31");
        assert_eq!(field(&facts, "tax_paid")["state"], "expired");
        assert_eq!(field(&facts, "tax_paid")["fact"]["freshness"], "expired");
        assert_eq!(field(&facts, "registered_capital")["state"], "verified");
        assert_eq!(field(&facts, "established")["state"], "unverified");
        assert!(field(&facts, "established")["fact"].is_null());
        let qualification = field(&facts, "qualification");
        assert_eq!(qualification["qualification"]["code"], "high_tech");
        assert_eq!((qualification["state"].as_str(), qualification["declared"].as_str()), (Some("verified"), None));
        assert_eq!(qualification["fact"]["certificate"], CERTIFICATE);
        assert_eq!(qualification["fact"]["valid_until"], "2027-11-30");
        let other: Vec<&str> =
            facts["other"].as_array().unwrap().iter().filter_map(|f| f["kind"]["code"].as_str()).collect();
        assert_eq!(other, ["social_insurance_headcount", "dishonest_debtor"]);

        // The profile page says the same, in Chinese, and in English on the English page.
        let (status, page) = sme.get_text("/sme/profile").await;
        assert_eq!(status, StatusCode::OK);
        for text in [
            "政府部门核验情况",
            "核验结果不符",
            "需更新",
            "已核验",
            "未核验",
            "B 级",
            "税务部门",
            CERTIFICATE,
            "2027-11-30",
            "社保缴纳人数",
            "失信被执行人",
            "未列入",
        ] {
            assert!(page.contains(text), "{}: the profile page shows {text}", app.backend);
        }
        let (_, page) = sme.get_text("/sme/profile?lang=en").await;
        for text in
            ["Verified by government sources", "Verification differs", "Needs updating", "Tax bureau", CERTIFICATE]
        {
            assert!(page.contains(text), "{}: the English page shows {text}", app.backend);
        }
    }
}

#[tokio::test]
async fn only_the_authorised_bank_sees_the_facts_while_the_authorisation_holds() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        load_facts(&app).await;
        let (sme, enterprise) = register(&app).await;
        let (bank, bank2) = (app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_BANK2).await);
        let (a, b) = (institution_of(&bank).await, institution_of(&bank2).await);
        let api = format!("/api/v1/enterprises/{enterprise}/facts");
        let page = format!("/bank/enterprises/{enterprise}");
        // Both banks may see the profile; neither the facts yet.
        for id in [a, b] {
            let (status, body) = sme.post("/api/v1/me/consents", &json!({"institution_id": id})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        for client in [&bank, &bank2] {
            let (status, body) = client.get(&api).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{be}: {body}");
            assert!(!body.to_string().contains(CERTIFICATE));
        }

        // Bad ends are refused, naming the field, and change nothing.
        for bad in [json!(in_future(-1)), json!("2027-02-30"), json!("下个月"), json!(in_future(365 * 6))] {
            let (status, body) =
                sme.post("/api/v1/me/fact-authorisations", &json!({"institution_ids": [a], "expires_on": bad})).await;
            assert_eq!(
                (status, body["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("expires_on")),
                "{bad}: {body}"
            );
        }
        let (status, body) = sme.post("/api/v1/me/fact-authorisations", &json!({"expires_on": in_future(30)})).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("institution_ids")), "{body}");
        let (_, listed) = sme.get("/api/v1/me/fact-authorisations").await;
        assert_eq!(listed["history"].as_array().unwrap().len(), 0, "{be}: nothing written");

        // Bank A only, for thirty days.
        let until = in_future(30);
        let (status, listed) =
            sme.post("/api/v1/me/fact-authorisations", &json!({"institution_ids": [a], "expires_on": until})).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(listed["active"][0]["institution_id"], a);
        assert_eq!(listed["active"][0]["expires_on"], until);
        assert_eq!(listed["active"][0]["state"], "active");

        let (status, seen) = bank.get(&api).await;
        assert_eq!(status, StatusCode::OK, "{be}: {seen}");
        assert_eq!(field(&seen, "tax_credit_grade")["state"], "conflict");
        assert_eq!(field(&seen, "tax_paid")["fact"]["freshness"], "expired");
        assert_eq!(field(&seen, "qualification")["fact"]["certificate"], CERTIFICATE);
        assert_eq!(seen["authorised_all"], false);
        assert!(seen["authorised_until"].as_str().is_some());
        let (status, html) = bank.get_text(&page).await;
        assert_eq!(status, StatusCode::OK);
        for text in ["政府部门核验信息", "核验结果不符", "需更新", CERTIFICATE] {
            assert!(html.contains(text), "{be}: bank A's page shows {text}");
        }
        let (status, body) = bank2.get(&api).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: bank B is refused: {body}");
        assert!(!body.to_string().contains(CERTIFICATE));
        let (status, html) = bank2.get_text(&page).await;
        assert_eq!(status, StatusCode::OK, "bank B still sees the profile");
        assert!(
            !html.contains(CERTIFICATE) && !html.contains("政府部门核验信息"),
            "{be}: bank B's page shows no facts"
        );

        // Each view of the facts is in the firm's log, as `facts`, by bank A only; the consent page says so.
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        let facts_views: Vec<&Value> = views.as_array().unwrap().iter().filter(|v| v["context"] == "facts").collect();
        assert_eq!(facts_views.len(), 2, "{be}: the API read and the page: {views}");
        assert!(facts_views.iter().all(|v| v["institution_id"] == a));
        let (_, consent_page) = sme.get_text("/sme/consent").await;
        assert!(consent_page.contains("查看核验信息"), "{be}: the view log names it");
        assert!(consent_page.contains(&until), "{be}: the authorisation's last day");

        // Withdrawn: hidden at once, on the API and the page.
        let (status, listed) = sme.delete(&format!("/api/v1/me/fact-authorisations/{a}")).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(listed["history"][0]["state"], "revoked");
        assert_eq!(bank.get(&api).await.0, StatusCode::NOT_FOUND, "{be}: withdrawn");
        let (_, html) = bank.get_text(&page).await;
        assert!(!html.contains(CERTIFICATE), "{be}: the page no longer shows them");

        // Every institution on the platform: bank B too, until that is withdrawn.
        let (status, _) = sme.post("/api/v1/me/fact-authorisations", &json!({"all": true})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, seen) = bank2.get(&api).await;
        assert_eq!((status, seen["authorised_all"].as_bool()), (StatusCode::OK, Some(true)), "{be}: {seen}");
        assert_eq!(sme.delete("/api/v1/me/fact-authorisations/all").await.0, StatusCode::OK);
        assert_eq!(bank2.get(&api).await.0, StatusCode::NOT_FOUND, "{be}");

        // An authorisation that reached its end (written yesterday, ending a second ago) stops by itself.
        let now = Utc::now();
        let event = AuditEvent::anonymous(None, "test");
        app.state
            .store
            .grant_facts_consent(
                enterprise,
                &[Some(a)],
                Some(now - Duration::seconds(1)),
                now - Duration::days(1),
                &event,
            )
            .await
            .unwrap();
        let (status, _) = bank.get(&api).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: past its end");
        let (_, listed) = sme.get("/api/v1/me/fact-authorisations").await;
        assert!(listed["active"].as_array().unwrap().is_empty());
        assert_eq!(listed["history"][0]["state"], "expired", "{listed}");
        let (_, consent_page) = sme.get_text("/sme/consent").await;
        assert!(consent_page.contains("已到期"), "{be}: shown as ended");
    }
}

#[tokio::test]
async fn the_consent_page_authorises_and_withdraws_and_refuses_a_past_day_beside_the_field() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        load_facts(&app).await;
        let (sme, enterprise) = register(&app).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let a = institution_of(&bank).await;
        let api = format!("/api/v1/enterprises/{enterprise}/facts");
        let target = a.to_string();
        let yesterday = in_future(-1);
        let (status, _, html) = sme
            .post_form("/sme/consent", &[("action", "facts_grant"), ("target", &target), ("expires_on", &yesterday)])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{be}");
        assert!(
            html.contains("早于今天") && html.contains("aria-invalid=\"true\""),
            "{be}: the reason beside the field"
        );
        assert!(html.contains(&format!("value=\"{yesterday}\"")), "what was typed is kept");
        let (status, _, html) = sme.post_form("/sme/consent", &[("action", "facts_grant"), ("expires_on", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("请至少选择一家机构"), "{be}");
        assert_eq!(bank.get(&api).await.0, StatusCode::NOT_FOUND, "{be}: nothing granted");

        let until = in_future(7);
        let (status, location, _) = sme
            .post_form("/sme/consent", &[("action", "facts_grant"), ("target", &target), ("expires_on", &until)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{be}");
        assert!(location.unwrap().contains("done=facts_granted"));
        assert_eq!(bank.get(&api).await.0, StatusCode::OK, "{be}: granted on the page");
        let (_, html) = sme.get_text("/sme/consent?lang=en").await;
        assert!(html.contains("Who may see your verified facts") && html.contains(&until), "{be}");
        let (status, _, _) = sme.post_form("/sme/consent", &[("action", "facts_revoke"), ("target", &target)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(bank.get(&api).await.0, StatusCode::NOT_FOUND, "{be}: withdrawn on the page");
    }
}
