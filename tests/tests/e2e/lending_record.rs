//! The lending record end to end, on SQLite and PostgreSQL (issue 13's walk): a signed-in firm is judged by
//! its own stored profile → applies (an ineligible and a duplicate attempt refused) → the bank approves with
//! terms → pays out in two parts (a third over the approval refused) → corrects one part → the firm's
//! timeline and notifications, the agency's and the operator's figures and the exports all show the
//! corrected amounts; and every figure equals the figures of the same loans entered right the first time.

use crate::app::TestApp;
use crate::client::Client;
use crate::dashboards::{download, parse_csv};
use crate::firm::{known_firm, product_with};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_OPERATOR};
use finmart_domain::{LifecycleState, ProductRecord};
use serde_json::{Value, json};

/// A guaranteed credit product of the demo bank (津门融资担保, 1.5 % a year), 10–500 万 over 3–36 months at
/// 3.6 %–6 %, that the known firm qualifies for.
async fn guaranteed_product(app: &TestApp) -> i64 {
    let store = &app.state.store;
    let bank = store.institutions().await.unwrap().into_iter().find(|i| i.code == "jingu-bank").unwrap();
    let spec = ProductRecord::from_pairs([
        ("institution_code", "jingu-bank"),
        ("code", "RECORD-1"),
        ("name", "记录测试担保贷"),
        ("family", "credit"),
        ("description", "用于放款记录测试的担保贷款"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "5000000"),
        ("term_min_months", "3"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.6"),
        ("rate_max_pct", "6"),
        ("rate_basis", "fixed"),
        ("repayment_methods", "equal_instalment"),
        ("eligibility", "min_years_in_operation=2"),
        ("collateral", "none"),
        ("guarantee_agency_code", "jinmen-guarantee"),
        ("guarantee_fee_pct", "1.5"),
        ("decision_days", "5"),
        ("online", "true"),
        ("districts", "all"),
        ("valid_from", "2020-01-01"),
    ])
    .validate()
    .expect("a valid product")
    .spec;
    let id = store.save_product(bank.id, LifecycleState::Published, &spec).await.unwrap().product_id();
    app.catch_up().await;
    id
}

async fn act(bank: &Client<'_>, id: i64, body: Value) -> (StatusCode, Value) {
    bank.post(&format!("/api/v1/applications/{id}/transitions"), &body).await
}

fn today() -> String {
    finmart_domain::shanghai::today().to_string()
}

fn pay(wan: u32) -> Value {
    json!({"action": "disburse", "amount": format!("{wan}万"), "rate": "4.2", "term": 12, "date": today()})
}

/// The loans of the walk: approved for 40 万; paid 25 万 (`mistake`; else the right 30 万) and 10 万; the wrong
/// part corrected to 30 万. Returns the application id.
async fn walk(app: &TestApp, mistake: bool) -> i64 {
    let backend = app.backend;
    let (sme, _) = known_firm(app).await;
    let product = guaranteed_product(app).await;
    let excluded = product_with(app, "RECORD-NO", "industries_allowed=industrial; scales=medium", "120101").await;

    // Judged by its own profile: the product page's verdict, and 精准匹配 starting from the stored profile.
    let (status, verdict) = sme.get(&format!("/api/v1/products/{product}/verdict")).await;
    assert_eq!(status, StatusCode::OK, "{backend}: {verdict}");
    assert_eq!(verdict["standing"]["code"], "eligible", "{backend}: {verdict}");
    let (_, me) = sme.get("/api/v1/me/profile").await;
    let (status, html) = sme.get_text("/match").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(me["profile"]["name"].as_str().unwrap()), "the match form is the firm's own profile");

    // Applying is checked: an excluded product and a second open application are refused; nothing is stored.
    let apply = |product: i64, key: &'static str| {
        let sme = &sme;
        async move {
            let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
                "purpose_text": "采购原材料", "idempotency_key": key});
            sme.post("/api/v1/applications", &body).await
        }
    };
    let (status, refused) = apply(excluded, "excluded").await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ineligible")), "{refused}");
    let (status, created) = apply(product, "record-1").await;
    assert_eq!(status, StatusCode::CREATED, "{backend}: {created}");
    let id = created["id"].as_i64().unwrap();
    let (status, twice) = apply(product, "record-2").await;
    assert_eq!((status, twice["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_application")), "{twice}");
    assert_eq!(twice["application_id"].as_i64(), Some(id), "the refusal names the first: {twice}");

    // The bank approves with terms: never above the request, within the product.
    let bank = app.sign_in(DEMO_BANK).await;
    assert_eq!(act(&bank, id, json!({"action": "accept"})).await.0, StatusCode::OK);
    let approve = |amount: &str, term: u32| json!({"action": "approve", "amount": amount, "rate": "4.2", "term": term, "method": "equal_instalment"});
    let (status, body) = act(&bank, id, approve("60万", 12)).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("amount")), "{body}");
    assert_eq!(body["message"], "amount：批准金额不能超过申请金额 50 万元");
    let (status, body) = act(&bank, id, approve("40万", 48)).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("term")), "{body}");
    let (status, approved) = act(&bank, id, approve("40万", 12)).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["approval"]["amount_text"], "40 万元");

    // Two parts; a third over the approval is refused with what is left.
    let (status, body) = act(&bank, id, pay(if mistake { 25 } else { 30 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(&bank, id, pay(10)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(&bank, id, pay(10)).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("amount")), "{body}");
    let left = if mistake { "5 万元" } else { "0 元" };
    assert!(body["message"].as_str().unwrap().contains(if mistake { left } else { "已全部放款" }), "{body}");

    if mistake {
        // The wrong part is corrected, with a reason; the original stays in the timeline.
        let (_, detail) = bank.get(&format!("/api/v1/applications/{id}")).await;
        let part = detail["payments"].as_array().unwrap().iter().find(|p| p["amount_text"] == "25 万元").unwrap()["id"]
            .as_i64()
            .unwrap();
        let mut correction = pay(30);
        correction["action"] = json!("correct");
        correction["correction"] = json!("disbursement");
        correction["part"] = json!(part);
        let (status, body) = act(&bank, id, correction.clone()).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("reason")), "a reason is required");
        correction["reason"] = json!("金额录入错误，应为 30 万元");
        let (status, corrected) = act(&bank, id, correction).await;
        assert_eq!(status, StatusCode::OK, "{corrected}");
        assert_eq!(corrected["disbursement"]["amount_text"], "40 万元");
    }
    id
}

/// The operator's and the agency's figures of today, and the agency's application list as exported.
async fn figures(app: &TestApp) -> (Value, Value, Vec<Vec<String>>) {
    let query = format!("from={0}&to={0}", today());
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let agency = app.sign_in(DEMO_AGENCY).await;
    let (status, market) = operator.get(&format!("/api/v1/stats/uptake?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{market}");
    let (status, agency_view) = agency.get(&format!("/api/v1/stats/uptake?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{agency_view}");
    let csv =
        download(app, &agency, &format!("/api/v1/stats/uptake/export?table=applications&format=csv&{query}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    (market, agency_view, parse_csv(&csv.bytes))
}

#[tokio::test]
async fn a_loan_is_approved_with_terms_paid_in_parts_and_corrected_and_every_figure_counts_the_correction() {
    for (wrong, right) in TestApp::each(true).await.into_iter().zip(TestApp::each(true).await) {
        let backend = wrong.backend;
        let id = walk(&wrong, true).await;
        walk(&right, false).await;

        // The firm's timeline and notifications tell the correction.
        let (sme, _) = known_firm(&wrong).await;
        let (_, mine) = sme.get(&format!("/api/v1/applications/{id}")).await;
        let correction = mine["events"].as_array().unwrap().iter().find(|e| !e["correction"].is_null()).unwrap();
        assert_eq!(correction["correction"]["kind"], "disbursement");
        assert_eq!(correction["correction"]["reason"], "金额录入错误，应为 30 万元");
        assert!(correction["correction"]["before_text"].as_str().unwrap().starts_with("25 万元"));
        let replaced: Vec<bool> =
            mine["payments"].as_array().unwrap().iter().map(|p| p["replaced"].as_bool().unwrap()).collect();
        assert_eq!(replaced, [true, false, false], "the original payment is kept, marked");
        let (_, notes) = sme.get("/api/v1/notifications").await;
        let kinds: Vec<&str> = notes["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds[0], "application_corrected", "{kinds:?}");
        let (status, page) = sme.get_text(&format!("/sme/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("更正放款") && page.contains("金额录入错误") && page.contains("40 万元"), "{backend}");

        // The figures count the corrected amounts, exactly as if they had been entered right.
        let (market, agency, list) = figures(&wrong).await;
        let (market_right, agency_right, list_right) = figures(&right).await;
        assert_eq!(market["totals"]["disbursed_amount"]["fen"], 40_000_000, "{backend}: {}", market["totals"]);
        assert_eq!(agency["totals"]["disbursed_amount"]["fen"], 40_000_000);
        assert_eq!(agency["totals"]["disbursed"], 2, "each payment counts (放款笔数)");
        // The fee of each part: 30 万 and 10 万 at 1.5 % a year over 12 months.
        assert_eq!(agency["totals"]["guarantee_fees"]["fen"], 450_000 + 150_000);
        assert_eq!(market["totals"], market_right["totals"], "{backend}");
        assert_eq!(agency, agency_right, "{backend}: the agency's figures");
        assert_eq!(market, market_right, "{backend}: the operator's figures");
        let row = list.iter().find(|r| r[0] == id.to_string()).expect("the application is exported");
        assert_eq!(row[10], "400000.00", "{backend}: the export's amount paid out, exact in 元: {row:?}");
        // The same rows but for when each was submitted and decided (the two walks ran a moment apart).
        let untimed = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| r.iter().enumerate().filter(|(i, _)| ![7, 8].contains(i)).map(|(_, c)| c.clone()).collect())
                .collect()
        };
        assert_eq!(untimed(&list), untimed(&list_right), "{backend}: the exports");
    }
}

#[tokio::test]
async fn archiving_a_product_is_restated_first_and_taken_only_when_confirmed() {
    for app in TestApp::each(true).await {
        let product = guaranteed_product(&app).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let uri = format!("/bank/products/{product}/archive");
        let (status, _, html) = bank.post_form(&uri, &[("back", "list")]).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("确认下架产品") && html.contains("记录测试担保贷") && html.contains("不能重新发布"),
            "{html}"
        );
        assert!(html.contains("name=\"back\" value=\"list\""), "the form's own fields are kept: {html}");
        let (_, listed) = bank.get(&format!("/api/v1/products/{product}")).await;
        assert_eq!(listed["id"].as_i64(), Some(product), "still listed before the confirmation");
        let (status, location, _) = bank.post_form(&uri, &[("back", "list"), ("confirm", "1")]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/bank/products?done=archived")));
        let stored = app.state.store.product(product).await.unwrap().unwrap();
        assert_eq!(stored.state, LifecycleState::Archived, "{}", app.backend);
    }
}
