//! Matching through the API on the demo data and on products made for the test: ranked and explained
//! results, every ineligible product with a reason, the cost numbers against hand computation, reverse
//! matching consistent with the forward direction, and bad input answered with the field named.

use crate::app::{Backend, TestApp};
use axum::http::StatusCode;
use finmart_domain::{LifecycleState, NewInstitution, ProductRecord};
use serde_json::{Value, json};

pub fn profile() -> Value {
    json!({
        "name": "天津测试软件有限公司",
        "district": "binhai",
        "industry": "software",
        "established": "2019-05-01",
        "employees": 45,
        "revenue": 1_200_000_000,
        "total_assets": 900_000_000,
        "total_liabilities": 300_000_000,
        "tax_credit_grade": "B",
        "tax_paid": 40_000_000,
        "qualifications": ["tech_sme"],
        "invention_patents": 2,
        "trademarks": 1,
        "receivables": [],
        "procurement_contracts": [],
        "ever_borrowed": false,
        "overdue": {"kind": "never"}
    })
}

pub fn need() -> Value {
    json!({"amount": 200_000_000, "term": 12, "purpose": "research", "purpose_text": "研发 专利"})
}

async fn post_match(app: &TestApp, body: &Value) -> Value {
    let (status, json) = app.post_json("/api/v1/match", body).await;
    assert_eq!(status, StatusCode::OK, "{}: {json}", app.backend);
    json
}

fn outcomes(item: &Value) -> Vec<(String, String)> {
    item["details"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_owned(), f["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_profile_gets_a_ranked_explained_list_on_the_demo_data() {
    for app in TestApp::each(true).await {
        let body = json!({"profile": profile(), "need": need(), "limit": 100, "details": true});
        let out = post_match(&app, &body).await;
        let total = |k: &str| out[k].as_u64().unwrap();
        assert_eq!(
            total("eligible_total")
                + total("near_misses_total")
                + total("needs_info_total")
                + total("to_confirm_total")
                + total("ineligible_total"),
            total("considered"),
            "{}: every listed product is in exactly one list",
            app.backend
        );
        assert!(total("eligible_total") >= 10, "{}: {}", app.backend, total("eligible_total"));
        assert_eq!(out["scale"]["code"], "small");
        let eligible = out["eligible"].as_array().unwrap();
        let scores: Vec<u64> = eligible.iter().map(|i| i["score"].as_u64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first");
        for item in eligible {
            assert!(outcomes(item).iter().all(|(_, o)| o == "pass"), "{item}");
            let quote = &item["quote"];
            assert!(quote["apr_bps"].as_u64().unwrap() > 0 && quote["first_payment_fen"].as_i64().unwrap() > 0);
            assert!(item["components"]["cost"].as_u64().unwrap() <= 1000);
        }
        // Every ineligible product says why, with a sentence naming the requirement and the firm's value.
        for item in out["ineligible"].as_array().unwrap() {
            let failed = item["details"]["findings"].as_array().unwrap().iter().filter(|f| f["outcome"] == "fail");
            let mut any = false;
            for f in failed {
                any = true;
                // A rule the product requires verified says so first (须经核验：未核验。要求…).
                let zh = f["message"]["zh"].as_str().unwrap();
                assert!(
                    zh.strip_prefix("须经核验：")
                        .map_or(zh, |rest| rest.split_once('。').map_or("", |(_, r)| r))
                        .starts_with("要求"),
                    "{f}"
                );
            }
            assert!(any, "{}: an ineligible product without a reason: {item}", app.backend);
        }
        for item in out["near_misses"].as_array().unwrap() {
            let fails: Vec<&Value> =
                item["details"]["findings"].as_array().unwrap().iter().filter(|f| f["outcome"] == "fail").collect();
            assert_eq!(fails.len(), 1);
            assert!(fails[0]["fix"]["zh"].as_str().is_some(), "a near miss says what to change: {item}");
        }
        let reasons: u64 = out["by_reason"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).sum();
        assert!(reasons >= total("ineligible_total"), "every ineligible product is counted under a reason");
        // The same input gives the same output.
        assert_eq!(post_match(&app, &body).await, out, "{}", app.backend);
    }
}

#[tokio::test]
async fn missing_figures_are_asked_for_not_guessed() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    let mut p = profile();
    for field in ["tax_credit_grade", "tax_paid", "invention_patents", "receivables", "ever_borrowed", "overdue"] {
        p.as_object_mut().unwrap().remove(field);
    }
    let out = post_match(&app, &json!({"profile": p, "need": need(), "details": true})).await;
    assert!(out["needs_info_total"].as_u64().unwrap() > 0);
    let missing: Vec<&str> = out["missing"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
    assert!(missing.contains(&"min_tax_credit_grade"), "{missing:?}");
    for item in out["needs_info"].as_array().unwrap() {
        let asks = item["details"]["findings"].as_array().unwrap().iter().filter(|f| f["outcome"] == "missing");
        for f in asks {
            assert!(f["message"]["zh"].as_str().unwrap().starts_with("需补充："), "{f}");
        }
    }
}

#[tokio::test]
async fn a_firm_matches_its_own_stored_profile_by_id() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    let sme = app.sign_in(finmart_cli::demo_accounts::DEMO_SME).await;
    let (_, me) = sme.get("/api/v1/session").await;
    let own = me["account"]["enterprise_id"].as_i64().unwrap();
    let stored = app.state.store.enterprise(own).await.unwrap().unwrap();
    let (status, by_id) = sme.post("/api/v1/match", &json!({"profile_id": own, "need": need()})).await;
    assert_eq!(status, StatusCode::OK, "{by_id}");
    let inline = post_match(&app, &json!({"profile": stored.profile, "need": need()})).await;
    assert_eq!(by_id, inline);
    // Another firm's stored profile is not the caller's to match with, and nobody signed in has one.
    let other =
        app.state.store.enterprises_after(0, 3, false).await.unwrap().into_iter().find(|e| e.id != own).unwrap();
    let (status, json) = sme.post("/api/v1/match", &json!({"profile_id": other.id, "need": need()})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    let (status, json) = app.post_json("/api/v1/match", &json!({"profile_id": own, "need": need()})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
}

#[tokio::test]
async fn bad_match_input_names_the_field() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else { return };
    let with = |path: &[&str], value: Value| {
        let mut body = json!({"profile": profile(), "need": need()});
        let mut at = &mut body;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let cases = [
        (with(&["profile", "uscc"], json!("91120116MA05JXXX0X")), "profile.uscc"),
        (with(&["profile", "revenue"], json!(-5)), "profile.revenue"),
        (with(&["profile", "district"], json!("atlantis")), "profile.district"),
        (with(&["profile", "favourite_colour"], json!("red")), "profile"),
        (with(&["profile", "established"], json!("2099-01-01")), "profile.established"),
        (with(&["need", "term"], json!(0)), "need.term"),
        (with(&["need", "amount"], json!(0)), "need.amount"),
        (with(&["need", "needed_within_days"], json!(0)), "need.needed_within_days"),
        (with(&["limit"], json!(0)), "limit"),
        (with(&["profile_id"], json!(1)), "profile"),
        (json!({"need": need()}), "profile"),
    ];
    for (body, field) in cases {
        let (status, json) = app.post_json("/api/v1/match", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {json}");
        assert!(json["field"].as_str().unwrap().starts_with(field), "{field}: {json}");
        assert!(!json["message"].as_str().unwrap().is_empty());
    }
    let (status, json) = app.post_raw("/api/v1/match", "{not json".to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    // Several bad fields are all listed.
    let mut body = with(&["profile", "established"], json!("2099-01-01"));
    body["need"]["amount"] = json!(0);
    let (_, json) = app.post_json("/api/v1/match", &body).await;
    let fields: Vec<&str> = json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["profile.established", "need.amount"]);
}

/// A bank with one product of known terms: 4.35 %, 12 months, 等额本息 and 先息后本, optionally a guarantee.
async fn known_product(app: &TestApp) -> i64 {
    let store = &app.state.store;
    let bank = store
        .create_institution(&NewInstitution {
            code: "calc-bank".into(),
            name: "计算测试银行".into(),
            kind: finmart_domain::InstitutionKind::Bank,
            intro: String::new(),
        })
        .await
        .unwrap();
    let spec = ProductRecord::from_pairs([
        ("institution_code", "calc-bank"),
        ("code", "CALC-1"),
        ("name", "计算验证贷"),
        ("family", "credit"),
        ("description", "用于核对还款计划的测试产品"),
        ("amount_min_yuan", "10000"),
        ("amount_max_yuan", "1000000"),
        ("term_min_months", "1"),
        ("term_max_months", "36"),
        ("rate_min_pct", "4.35"),
        ("rate_max_pct", "6"),
        ("repayment_methods", "equal_instalment|interest_only"),
        ("policy_support", "interest_subsidy"),
        ("collateral", "none"),
        ("decision_days", "3"),
        ("districts", "all"),
        ("valid_from", "2026-01-01"),
    ])
    .validate()
    .unwrap()
    .spec;
    let id = store.save_product(bank.id, LifecycleState::Published, &spec).await.unwrap().product_id();
    app.catch_up().await;
    id
}

#[tokio::test]
async fn the_calculator_matches_hand_computation() {
    for app in TestApp::each(false).await {
        let id = known_product(&app).await;
        let (status, out) = app.get_json(&format!("/api/v1/products/{id}/cost?amount=12万&term=12")).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let methods = out["methods"].as_array().unwrap();
        let by = |code: &str| methods.iter().find(|m| m["summary"]["method"]["code"] == code).unwrap().clone();
        // 等额本息: P·r(1+r)^n / ((1+r)^n − 1) with P = 120,000 yuan, r = 4.35 % / 12, n = 12
        // = 10,237.188 04… yuan → 10,237.19 yuan, rounded half-up to the fen.
        let level = by("equal_instalment");
        assert_eq!(level["summary"]["first_payment_fen"], 1_023_719);
        let schedule = level["schedule"].as_array().unwrap();
        assert_eq!(schedule.len(), 12);
        assert_eq!(schedule[0]["interest_fen"], 43_500, "120,000 × 4.35 % / 12 = 435.00 yuan");
        assert_eq!(schedule[11]["balance_after_fen"], 0);
        let principal: i64 = schedule.iter().map(|i| i["principal_fen"].as_i64().unwrap()).sum();
        assert_eq!(principal, 12_000_000);
        // No fee, no subsidy: the effective annual rate is the nominal rate.
        assert_eq!(level["summary"]["apr_bps"], 435);
        // 先息后本: 435.00 yuan a month, principal at the end; total interest 12 × 435 = 5,220 yuan.
        let bullet = by("interest_only");
        assert_eq!(bullet["summary"]["first_payment_fen"], 43_500);
        assert_eq!(bullet["summary"]["total_interest_fen"], 522_000);
        assert_eq!(bullet["schedule"][11]["payment_fen"], 12_043_500);
        // 小微 firms get half the rate back, at most 1.5 points: 4.35 % → 1.5 points → 2.85 % effective.
        let (_, subsidised) = app
            .get_json(&format!("/api/v1/products/{id}/cost?amount=12万&term=12&method=interest_only&subsidised=true"))
            .await;
        assert_eq!(subsidised["methods"][0]["summary"]["apr_bps"], 285, "{subsidised}");
        assert_eq!(
            subsidised["methods"][0]["summary"]["interest_subsidy_fen"], 180_000,
            "120,000 × 1.5 % = 1,800 yuan"
        );
    }
}

/// The subsidy table through the API: on the product with 财政贴息 (4.35 %), a medium firm holding 高新技术企业
/// pays the unsubsidised rate and is told why; a small firm gets the 1.5 points back (2.85 %).
#[tokio::test]
async fn the_interest_subsidy_reaches_small_and_micro_firms_only_through_the_api() {
    for app in TestApp::each(false).await {
        let id = known_product(&app).await;
        let need =
            json!({"amount": 12_000_000, "term": 12, "purpose": "working_capital", "repayment": "interest_only"});
        // The product's whole explanation, on demand.
        let explain = async |profile: Value| -> Value {
            let (status, out) = app
                .post_json("/api/v1/match/explain", &json!({"profile": profile, "need": need, "product_id": id}))
                .await;
            assert_eq!(status, StatusCode::OK, "{out}");
            out["item"].clone()
        };
        let mut medium = profile();
        medium["employees"] = json!(150);
        medium["revenue"] = json!(5_000_000_000i64);
        medium["qualifications"] = json!(["high_tech"]);
        let out = post_match(&app, &json!({"profile": medium, "need": need})).await;
        assert_eq!(out["scale"]["code"], "medium", "{out}");
        let got = explain(medium).await;
        assert_eq!(got["quote"]["apr_bps"], 435, "{got}");
        let details = &got["details"];
        assert_eq!(details["quote"]["interest_subsidy_bps"], 0);
        assert_eq!(details["subsidies"][0]["code"], "interest_subsidy");
        assert_eq!(details["subsidies"][0]["entitled"], false);
        assert_eq!(
            details["subsidies"][0]["message"]["zh"],
            "财政贴息限小型企业、微型企业，贵企业为中型企业，不能享受"
        );

        let out = post_match(&app, &json!({"profile": profile(), "need": need})).await;
        assert_eq!(out["scale"]["code"], "small", "{out}");
        let got = explain(profile()).await;
        assert_eq!(got["quote"]["apr_bps"], 285, "{got}");
        assert_eq!(got["details"]["subsidies"][0]["entitled"], true);
    }
}

#[tokio::test]
async fn bad_calculator_input_names_the_parameter() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else { return };
    let id = known_product(&app).await;
    for (query, field) in [
        ("amount=5000", "amount"),
        ("amount=abc", "amount"),
        ("amount=0", "amount"),
        ("term=48", "term"),
        ("term=0", "term"),
        ("method=equal_principal", "method"),
        ("method=weekly", "method"),
        ("subsidised=maybe", "subsidised"),
        ("colour=red", "colour"),
    ] {
        let (status, json) = app.get_json(&format!("/api/v1/products/{id}/cost?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {json}");
        assert_eq!(json["field"], field, "{query}: {json}");
    }
    let (status, _) = app.get_json("/api/v1/products/999999/cost").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_product_is_matched_once_the_change_log_is_followed() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else { return };
    let body = json!({"profile": profile(), "need": {"amount": 5_000_000, "term": 12, "purpose": "working_capital"}});
    assert_eq!(post_match(&app, &body).await["considered"], 0);
    let id = known_product(&app).await;
    let out = post_match(&app, &body).await;
    assert_eq!(out["eligible"][0]["product"]["id"], id);
    app.state.store.set_product_state(id, LifecycleState::Paused).await.unwrap();
    app.catch_up().await;
    assert_eq!(post_match(&app, &body).await["considered"], 0);
}
