//! Consent and privacy, institution-only reverse matching, and posted needs with offers, through HTTP on
//! the demo data (SQLite and PostgreSQL).
//!
//! Each bank gets a product only the demo SME fits (its exact revenue, its district), so whether the firm is
//! listed depends on consent alone.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME, DEMO_SME2};
use finmart_domain::{LifecycleState, ProductRecord};
use serde_json::{Value, json};

/// The parties of these tests.
struct World<'a> {
    sme: Client<'a>,
    bank: Client<'a>,
    bank2: Client<'a>,
    /// The SME's enterprise, its name and its profile.
    enterprise: i64,
    name: String,
    profile: Value,
    /// jingu-bank and haihe-bank.
    bank_id: i64,
    bank2_id: i64,
    /// A listed product of each bank that only the SME fits.
    product_a: i64,
    product_b: i64,
}

async fn institution_of(client: &Client<'_>) -> i64 {
    let (status, me) = client.get("/api/v1/session").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["account"]["institution_id"].as_i64().expect("institution id")
}

/// A published product of `institution_id` whose only firm-side rules are the SME's district and revenue.
pub(crate) async fn tailored_product(app: &TestApp, institution_id: i64, profile: &Value) -> i64 {
    let store = &app.state.store;
    let institution = store.institution(institution_id).await.unwrap().expect("institution");
    let revenue = profile["revenue"].as_i64().expect("revenue");
    let yuan = format!("{}.{:02}", revenue / 100, revenue % 100);
    let eligibility = format!("revenue_yuan={yuan}..{yuan}");
    let district = profile["district"].as_str().expect("district").to_owned();
    let pairs = vec![
        ("institution_code", institution.code.as_str()),
        ("code", "E2E-CONSENT"),
        ("name", "授权测试专属贷"),
        ("family", "credit"),
        ("description", "仅用于授权与反向匹配测试"),
        ("amount_min_yuan", "10000"),
        ("amount_max_yuan", "50000000"),
        ("term_min_months", "1"),
        ("term_max_months", "60"),
        ("rate_min_pct", "3.6"),
        ("rate_max_pct", "6"),
        ("rate_basis", "fixed"),
        ("repayment_methods", "equal_instalment|interest_only"),
        ("eligibility", eligibility.as_str()),
        ("collateral", "none"),
        ("decision_days", "5"),
        ("online", "true"),
        ("districts", district.as_str()),
        ("valid_from", "2020-01-01"),
    ];
    let spec = ProductRecord::from_pairs(pairs).validate().expect("a valid product").spec;
    store.save_product(institution_id, LifecycleState::Published, &spec).await.unwrap().product_id()
}

async fn world(app: &TestApp) -> World<'_> {
    let sme = app.sign_in(DEMO_SME).await;
    let bank = app.sign_in(DEMO_BANK).await;
    let bank2 = app.sign_in(DEMO_BANK2).await;
    let (status, me) = sme.get("/api/v1/me/profile").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let enterprise = me["enterprise_id"].as_i64().expect("enterprise id");
    let profile = me["profile"].clone();
    let name = profile["name"].as_str().expect("name").to_owned();
    let (bank_id, bank2_id) = (institution_of(&bank).await, institution_of(&bank2).await);
    let product_a = tailored_product(app, bank_id, &profile).await;
    let product_b = tailored_product(app, bank2_id, &profile).await;
    // The matching engine follows the change log (the server's follower does this within a second).
    app.catch_up().await;
    // Start from no consent at all (the demo firm may be open to every institution).
    let (status, consents) = sme.delete("/api/v1/me/consents/all").await;
    assert_eq!(status, StatusCode::OK, "{consents}");
    assert_eq!(consents["all"], false);
    World { sme, bank, bank2, enterprise, name, profile, bank_id, bank2_id, product_a, product_b }
}

impl World<'_> {
    /// The enterprise ids a bank's candidate list for `product` shows.
    async fn listed(&self, client: &Client<'_>, product: i64) -> Vec<i64> {
        let (status, found) = client.get(&format!("/api/v1/products/{product}/candidates?limit=100")).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert!(found.get("access").is_none(), "no demo_open marker any more: {found}");
        found["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .map(|c| c["profile_id"].as_i64().expect("id"))
            .collect()
    }

    async fn consent(&self, body: Value) -> Value {
        let (status, consents) = self.sme.post("/api/v1/me/consents", &body).await;
        assert_eq!(status, StatusCode::OK, "{body}: {consents}");
        consents
    }

    async fn revoke(&self, target: &str) -> Value {
        let (status, consents) = self.sme.delete(&format!("/api/v1/me/consents/{target}")).await;
        assert_eq!(status, StatusCode::OK, "{target}: {consents}");
        consents
    }

    async fn feed_ids(&self, client: &Client<'_>) -> Vec<i64> {
        let (status, feed) = client.get("/api/v1/needs/feed").await;
        assert_eq!(status, StatusCode::OK, "{feed}");
        feed.as_array().expect("feed").iter().map(|i| i["need"]["id"].as_i64().expect("id")).collect()
    }

    fn deadline(&self, days: i64) -> String {
        (chrono::Utc::now() + chrono::Duration::days(days)).date_naive().to_string()
    }
}

#[tokio::test]
async fn candidates_are_the_products_institutions_and_scoped_by_consent() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        let (a, b) = (w.product_a, w.product_b);
        let path = format!("/api/v1/products/{a}/candidates");

        // Who may ask at all.
        let (status, _) = app.anonymous().get(&path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        for login in [DEMO_SME, DEMO_SME2, DEMO_AGENCY, DEMO_OPERATOR] {
            let (status, body) = app.sign_in(login).await.get(&path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login}: {body}");
        }
        let (status, body) = w.bank.get(&format!("/api/v1/products/{b}/candidates")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another bank's product: {body}");
        let (status, _) = w.bank.get(&format!("{path}?limit=0")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Without consent the firm is nobody's candidate.
        assert!(!w.listed(&w.bank, a).await.contains(&w.enterprise), "{}", app.backend);
        assert!(!w.listed(&w.bank2, b).await.contains(&w.enterprise));

        // Consent to bank 2 only: bank 2 finds it, bank 1 does not.
        let consents = w.consent(json!({"institution_id": w.bank2_id})).await;
        assert_eq!(consents["institutions"][0]["institution_id"], w.bank2_id, "{consents}");
        assert_eq!(w.listed(&w.bank2, b).await, vec![w.enterprise], "{}", app.backend);
        assert!(!w.listed(&w.bank, a).await.contains(&w.enterprise));
        let (_, found) = w.bank2.get(&format!("/api/v1/products/{b}/candidates")).await;
        let first = &found["candidates"][0];
        assert_eq!(first["name"], w.name.as_str());
        assert!(
            first["findings"].as_array().unwrap().iter().any(|f| f["code"] == "revenue_yuan" && f["outcome"] == "pass"),
            "why it fits: {first}"
        );

        // Revoking takes effect on the next request.
        let consents = w.revoke(&w.bank2_id.to_string()).await;
        assert!(consents["institutions"].as_array().unwrap().is_empty());
        assert!(!w.listed(&w.bank2, b).await.contains(&w.enterprise), "{}", app.backend);

        // Open to all: both find it; withdrawn: neither, at once.
        w.consent(json!({"all": true})).await;
        assert!(w.listed(&w.bank, a).await.contains(&w.enterprise), "{}", app.backend);
        assert!(w.listed(&w.bank2, b).await.contains(&w.enterprise));
        w.revoke("all").await;
        assert!(!w.listed(&w.bank, a).await.contains(&w.enterprise), "{}", app.backend);
        let (_, consents) = w.sme.get("/api/v1/me/consents").await;
        assert_eq!(consents["all"], false);
        assert_eq!(consents["history"].as_array().unwrap().len(), 2, "{consents}");

        // Bad consent requests.
        let (status, _) = w.sme.post("/api/v1/me/consents", &json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = w.sme.post("/api/v1/me/consents", &json!({"institution_id": 999_999})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = w.sme.delete("/api/v1/me/consents/everyone").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // The page lists the bank's products and, with consent, the firm.
        w.consent(json!({"institution_id": w.bank_id})).await;
        let (status, html) = w.bank.get_text(&format!("/bank/candidates?product={a}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("授权测试专属贷") && html.contains(&w.name), "{}", app.backend);
        let (status, html) = w.bank.get_text(&format!("/bank/candidates?product={b}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "not the bank's product");
        assert!(!html.contains(&w.name));
        let (status, _) = w.sme.get_text("/bank/candidates").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn profiles_are_read_with_consent_only_and_every_view_is_logged() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        let path = format!("/api/v1/enterprises/{}/profile", w.enterprise);
        let (status, body) = w.bank.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no consent: {body}");
        let (status, _) = w.sme.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.anonymous().get(&path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        w.consent(json!({"institution_id": w.bank_id})).await;
        // Being listed as a candidate counts as a view (once a day), and so does each opening of the profile.
        assert!(w.listed(&w.bank, w.product_a).await.contains(&w.enterprise));
        w.listed(&w.bank, w.product_a).await;
        let (status, seen) = w.bank.get(&format!("{path}?context=candidates")).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["name"], w.name.as_str());
        assert_eq!(seen["profile"]["revenue"], w.profile["revenue"]);
        let (status, _) = w.bank.get(&format!("{path}?context=gossip")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = w.bank2.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "consent was for bank 1 only");
        let (status, html) = w.bank.get_text(&format!("/bank/enterprises/{}", w.enterprise)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&w.name));

        let (status, views) = w.sme.get("/api/v1/me/profile-views").await;
        assert_eq!(status, StatusCode::OK, "{views}");
        let contexts: Vec<&str> = views.as_array().unwrap().iter().map(|v| v["context"].as_str().unwrap()).collect();
        assert_eq!(contexts, ["profile", "candidates", "candidates"], "newest first on {}", app.backend);
        assert!(views.as_array().unwrap().iter().all(|v| v["institution_id"] == w.bank_id));
        assert!(views[0]["at_text"].as_str().unwrap().len() == 16, "Shanghai time to the minute: {views}");
        let (status, _) = w.bank.get("/api/v1/me/profile-views").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The SME's consent page shows the log and the institutions.
        let (status, html) = w.sme.get_text("/sme/consent").await;
        assert_eq!(status, StatusCode::OK);
        let bank_name = app.state.store.institution(w.bank_id).await.unwrap().unwrap().name;
        assert!(html.contains(&bank_name) && html.contains("客户发现"), "{}", app.backend);
        // And its form changes consent (Post/Redirect/Get).
        let (status, location, _) =
            w.sme.post_form("/sme/consent", &[("action", "revoke"), ("target", &w.bank_id.to_string())]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/sme/consent?done=revoked")));
        let (status, _) = w.bank.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "revoked at once");
        let (status, _, html) = w.sme.post_form("/sme/consent", &[("action", "grant"), ("target", "x")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
        let (status, location, _) = w.sme.post_form("/sme/consent", &[("action", "grant"), ("target", "all")]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/sme/consent?done=granted")));
        let (status, _) = w.bank2.get(&path).await;
        assert_eq!(status, StatusCode::OK, "open to all");

        // The audit log has the consent changes and views for the firm.
        let (_, log) = w.sme.get("/api/v1/audit").await;
        let text = log.to_string();
        for action in ["consent.grant", "consent.revoke", "profile.view"] {
            assert!(text.contains(action), "{action} in {text}");
        }
    }
}

#[tokio::test]
async fn the_sme_edits_its_own_profile_but_not_its_credit_code() {
    for app in TestApp::each(true).await {
        let sme = app.sign_in(DEMO_SME).await;
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let mut profile = me["profile"].clone();
        profile["employees"] = json!(123);
        let (status, saved) = sme.put("/api/v1/me/profile", &profile).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["profile"]["employees"], 123);
        profile["uscc"] = json!("91120116MA05K8B13X");
        let (status, body) = sme.put("/api/v1/me/profile", &profile).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = app.sign_in(DEMO_BANK).await.get("/api/v1/me/profile").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The page: filled from the stored profile, bad fields explained in Chinese, a good form saved.
        let (status, html) = sme.get_text("/sme/profile").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("value=\"123\"") && html.contains(me["profile"]["name"].as_str().unwrap()));
        let (status, _, html) =
            sme.post_form("/sme/profile", &[("name", ""), ("employees", "很多"), ("revenue", "-5")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("企业名称") && html.contains("不是有效的数字") && html.contains("不能为负数"), "{html}");
        let fields = [
            ("name", "天津改名科技有限公司"),
            ("district", "heping"),
            ("industry", "software"),
            ("established", "2018-03-01"),
            ("employees", "88"),
            ("revenue", "1500"),
            ("tax_grade", "A"),
            ("borrowed", "no"),
            ("overdue", "never"),
            ("receivables", "unknown"),
            ("procurement", "unknown"),
            ("qual", "high_tech"),
        ];
        let (status, location, body) = sme.post_form("/sme/profile", &fields).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/sme/profile?saved=1")), "{body}");
        let (_, after) = sme.get("/api/v1/me/profile").await;
        let p = &after["profile"];
        assert_eq!((p["name"].as_str(), p["employees"].as_i64()), (Some("天津改名科技有限公司"), Some(88)));
        assert_eq!(p["revenue"], 1_500_000_000_i64);
        assert_eq!(p["uscc"], me["profile"]["uscc"], "the credit code stays");
        assert_eq!(p["qualifications"], json!(["high_tech"]));
    }
}

#[tokio::test]
async fn a_need_reaches_consenting_banks_and_an_accepted_offer_applies_once() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        w.consent(json!({"institution_id": w.bank2_id})).await;

        // Bad needs are refused field by field.
        let (status, body) = w
            .sme
            .post(
                "/api/v1/me/needs",
                &json!({"amount": 0, "term": 12, "purpose": "working_capital", "deadline": "2000-01-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let fields: Vec<&str> =
            body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["amount", "deadline"]);

        let (status, need) = w
            .sme
            .post(
                "/api/v1/me/needs",
                &json!({"amount": 200_000_000, "term": 12, "purpose": "working_capital", "purpose_text": "备货",
                    "max_rate": 600, "deadline": w.deadline(10)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{need}");
        let id = need["id"].as_i64().unwrap();
        assert_eq!(need["state"]["code"], "open");

        // Bank 2 (allowed) sees it, ranked by fit with its product that fits; bank 1 does not.
        assert!(w.feed_ids(&w.bank2).await.contains(&id), "{}", app.backend);
        assert!(!w.feed_ids(&w.bank).await.contains(&id));
        let (_, feed) = w.bank2.get("/api/v1/needs/feed").await;
        let item = feed.as_array().unwrap().iter().find(|i| i["need"]["id"] == id).unwrap();
        assert!(
            item["fitting"].as_array().unwrap().iter().any(|f| f["product_id"] == w.product_b),
            "the tailored product fits: {item}"
        );
        assert!(item["fit_score"].as_u64().unwrap() > 0);
        let offer =
            json!({"product_id": w.product_a, "amount": 150_000_000, "rate": 420, "term": 12, "note": "三日放款"});
        let (status, _) = w.bank.post(&format!("/api/v1/needs/{id}/offers"), &offer).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no consent, no offer");
        let (status, body) = w.bank2.post(&format!("/api/v1/needs/{id}/offers"), &offer).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "another bank's product: {body}");
        assert_eq!(body["field"], "product_id");
        let offer =
            json!({"product_id": w.product_b, "amount": 150_000_000, "rate": 420, "term": 12, "note": "三日放款"});
        let (status, made) = w.bank2.post(&format!("/api/v1/needs/{id}/offers"), &offer).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let offer_id = made["id"].as_i64().unwrap();
        let (status, _) = w.bank2.post(&format!("/api/v1/needs/{id}/offers"), &offer).await;
        assert_eq!(status, StatusCode::CONFLICT, "one open offer per bank");
        let (status, _) = w.sme.post(&format!("/api/v1/needs/{id}/offers"), &offer).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The SME compares: each offer priced.
        let (status, detail) = w.sme.get(&format!("/api/v1/me/needs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let compared = &detail["offers"][0];
        assert_eq!(compared["id"], offer_id);
        assert!(compared["cost"]["total_cost_fen"].as_i64().unwrap() > 0, "{compared}");
        assert_eq!(compared["cost"]["cheapest"], true);
        let (status, _) = app.sign_in(DEMO_SME2).await.get(&format!("/api/v1/me/needs/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Accepting makes one application, however often it is accepted.
        let accept = format!("/api/v1/me/needs/{id}/offers/{offer_id}/accept");
        let (status, first) = w.sme.post(&accept, &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let application = first["application_id"].as_i64().unwrap();
        let (status, again) = w.sme.post(&accept, &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["application_id"], application);
        assert_eq!(again["created"], false);
        let apps = app.state.store.applications_for_enterprise(w.enterprise, &Default::default()).await.unwrap();
        let from_offer: Vec<_> = apps.iter().filter(|a| a.offer_id == Some(offer_id)).collect();
        assert_eq!(from_offer.len(), 1, "{}", app.backend);
        assert_eq!((from_offer[0].id, from_offer[0].product_id), (application, w.product_b));
        assert_eq!(from_offer[0].amount.fen(), 150_000_000);
        let (_, need) = w.sme.get(&format!("/api/v1/me/needs/{id}")).await;
        assert_eq!(need["need"]["state"]["code"], "accepted");
        assert_eq!(need["offers"][0]["state"]["code"], "accepted");
        assert_eq!(need["offers"][0]["application_id"], application);
        assert!(!w.feed_ids(&w.bank2).await.contains(&id), "an accepted need leaves the feed");
        let (status, _) = w.bank2.post(&format!("/api/v1/offers/{offer_id}/withdraw"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // Revoking consent hides an open need at once.
        let (_, second) = w
            .sme
            .post(
                "/api/v1/me/needs",
                &json!({"amount": 50_000_000, "term": 6, "purpose": "equipment", "deadline": w.deadline(5)}),
            )
            .await;
        let second = second["id"].as_i64().unwrap();
        assert!(w.feed_ids(&w.bank2).await.contains(&second));
        w.revoke(&w.bank2_id.to_string()).await;
        assert!(!w.feed_ids(&w.bank2).await.contains(&second), "{}", app.backend);
        let (status, _) = w.bank2.post(&format!("/api/v1/needs/{second}/offers"), &offer).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, closed) = w.sme.post(&format!("/api/v1/me/needs/{second}/close"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["state"]["code"], "closed");
        let (status, _) = w.sme.post(&format!("/api/v1/me/needs/{second}/close"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, mine) = w.sme.get("/api/v1/me/needs").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(mine.as_array().unwrap().len(), 2);

        let (_, log) = w.sme.get("/api/v1/audit").await;
        let text = log.to_string();
        for action in ["need.post", "offer.create", "offer.accept", "need.close"] {
            assert!(text.contains(action), "{action} on {}", app.backend);
        }
        let (_, log) = w.bank2.get("/api/v1/audit").await;
        assert!(log.to_string().contains("offer.create"));
    }
}

#[tokio::test]
async fn the_needs_pages_post_offer_compare_and_accept() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        w.consent(json!({"all": true})).await;

        let (status, html) = w.sme.get_text("/sme/needs").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let (status, _, html) = w
            .sme
            .post_form(
                "/sme/needs",
                &[("amount", "abc"), ("term", "12"), ("purpose", "working_capital"), ("deadline", "")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("融资金额") && html.contains("请填写此项"), "{html}");
        let deadline = w.deadline(7);
        let (status, location, _) = w
            .sme
            .post_form(
                "/sme/needs",
                &[
                    ("amount", "300"),
                    ("term", "2年"),
                    ("purpose", "equipment"),
                    ("purpose_text", "购置数控机床"),
                    ("max_rate", "5"),
                    ("deadline", &deadline),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = location.unwrap();
        let id: i64 = location.trim_start_matches("/sme/needs/").parse().unwrap();

        // Both banks see it on their page; bank 1 offers through the form.
        let (status, html) = w.bank.get_text("/bank/needs").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("need-{id}")) && html.contains(&w.name), "{}", app.backend);
        let a = w.product_a.to_string();
        let (status, _, html) = w
            .bank
            .post_form(
                &format!("/bank/needs/{id}/offers"),
                &[("product_id", &a), ("amount", "300"), ("rate", "abc"), ("term", "24")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("年利率"), "the bad field is named");
        let (status, location, _) = w
            .bank
            .post_form(
                &format!("/bank/needs/{id}/offers"),
                &[("product_id", &a), ("amount", "300"), ("rate", "4.1"), ("term", "24"), ("note", "可先息后本")],
            )
            .await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, Some(format!("/bank/needs?done=offered#need-{id}"))));
        let b = w.product_b.to_string();
        let (status, _, _) = w
            .bank2
            .post_form(
                &format!("/bank/needs/{id}/offers"),
                &[("product_id", &b), ("amount", "280"), ("rate", "4.8"), ("term", "24")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        // The SME's page compares both and accepts the cheaper one.
        let (status, html) = w.sme.get_text(&format!("/sme/needs/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("接受此报价") && html.contains("可先息后本") && html.contains("最低"), "{html}");
        let (_, detail) = w.sme.get(&format!("/api/v1/me/needs/{id}")).await;
        let cheapest = detail["offers"].as_array().unwrap().iter().find(|o| o["cost"]["cheapest"] == true).unwrap();
        assert_eq!(cheapest["institution_id"], w.bank_id, "4.1% beats 4.8%: {detail}");
        let offer_id = cheapest["id"].as_i64().unwrap();
        let (status, location, _) = w.sme.post_form(&format!("/sme/needs/{id}/offers/{offer_id}/accept"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap().starts_with(&format!("/sme/needs/{id}?application=")));
        let (status, _, _) = w.sme.post_form(&format!("/sme/needs/{id}/offers/{offer_id}/accept"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "accepting twice is harmless");
        let apps = app.state.store.applications_for_enterprise(w.enterprise, &Default::default()).await.unwrap();
        assert_eq!(apps.iter().filter(|a| a.offer_id == Some(offer_id)).count(), 1, "{}", app.backend);
        let (_, detail) = w.sme.get(&format!("/api/v1/me/needs/{id}")).await;
        let states: Vec<&str> =
            detail["offers"].as_array().unwrap().iter().map(|o| o["state"]["code"].as_str().unwrap()).collect();
        assert_eq!(states, ["accepted", "declined"]);
        let (status, html) = w.bank.get_text("/bank/needs").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("已接受"), "the bank's offers list shows the outcome");
        let (status, _) = w.bank.get_text("/sme/needs").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// What forward matching says of the product for each of the first candidates: every firm-side check
/// passes (the need-side ones depend on the need asked for).
#[tokio::test]
async fn reverse_matching_agrees_with_forward_matching_for_the_products_institution() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let bank_id = institution_of(&bank).await;
        // One of the bank's products with firm-side rules, so the candidate list is a real selection.
        let (_, search) = app.get_json(&format!("/api/v1/search?institution={bank_id}&per_page=100")).await;
        let items = search["items"].as_array().expect("items");
        let mut chosen = None;
        for item in items {
            let id = item["id"].as_i64().unwrap();
            let (status, found) = bank.get(&format!("/api/v1/products/{id}/candidates?limit=10")).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            let (pool, total) = (found["pool"].as_u64().unwrap(), found["total"].as_u64().unwrap());
            if total > 0 && total < pool {
                chosen = Some((item.clone(), found));
                break;
            }
        }
        let (product, found) = chosen.expect("a product of the bank that some firms fit");
        let id = product["id"].as_i64().unwrap();
        assert!(found["pool"].as_u64().unwrap() > 1000, "the demo firms open to all: {}", app.backend);
        let candidates = found["candidates"].as_array().unwrap();
        let scores: Vec<u64> = candidates.iter().map(|c| c["score"].as_u64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
        let ranks: Vec<u64> = candidates.iter().map(|c| c["rank"].as_u64().unwrap()).collect();
        assert_eq!(ranks, (1..=candidates.len() as u64).collect::<Vec<_>>());
        let need = json!({"amount": product["amount_min_fen"], "term": product["term_min_months"], "purpose": "working_capital"});
        for c in candidates.iter().take(3) {
            let stored = app.state.store.enterprise(c["profile_id"].as_i64().unwrap()).await.unwrap().unwrap();
            assert!(stored.discoverable, "only firms that consented are found");
            let (status, out) = app
                .post_json(
                    "/api/v1/match",
                    &json!({"profile": stored.profile, "need": need, "limit": 100, "details": true}),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            let lists = ["eligible", "near_misses", "needs_info", "ineligible"];
            let item = lists.iter().flat_map(|l| out[*l].as_array().unwrap().iter()).find(|i| i["product"]["id"] == id);
            if let Some(item) = item {
                let firm_failures: Vec<&Value> = item["details"]["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| {
                        f["outcome"] != "pass"
                            && !["amount", "term", "collateral", "guarantee", "max_cost", "speed"]
                                .contains(&f["code"].as_str().unwrap())
                    })
                    .collect();
                assert!(firm_failures.is_empty(), "{}: {firm_failures:?}", app.backend);
            }
            // The list's own explanation agrees: every finding passed.
            assert!(c["findings"].as_array().unwrap().iter().all(|f| f["outcome"] == "pass"), "{c}");
        }
    }
}
