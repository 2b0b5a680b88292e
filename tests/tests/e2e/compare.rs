//! Comparing products and keeping favourites, through HTTP on the demo data (SQLite and PostgreSQL): the
//! comparison's values and costs (the loan calculator's, for the same loan), its limit of four, unknown and
//! unpublished ids; a firm's favourites added, listed and removed, only its own, other roles refused.

use crate::app::TestApp;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_SME, DEMO_SME2};
use finmart_domain::{LifecycleState, ProductRecord};
use serde_json::{Value, json};

/// Three published products of the demo bank with different amounts, rates and decision times, and one
/// archived: (a, b, c, archived).
async fn products(app: &TestApp) -> (i64, i64, i64, i64) {
    let bank = app.sign_in(DEMO_BANK).await;
    let (_, me) = bank.get("/api/v1/session").await;
    let institution = me["account"]["institution_id"].as_i64().expect("institution");
    let store = &app.state.store;
    let code = store.institution(institution).await.unwrap().expect("institution").code;
    let make = async |product: &str, name: &str, amount: (&str, &str), rate: (&str, &str), days: &str, state| {
        let pairs = vec![
            ("institution_code", code.as_str()),
            ("code", product),
            ("name", name),
            ("family", "credit"),
            ("description", "对比测试用产品"),
            ("amount_min_yuan", amount.0),
            ("amount_max_yuan", amount.1),
            ("term_min_months", "6"),
            ("term_max_months", "36"),
            ("rate_min_pct", rate.0),
            ("rate_max_pct", rate.1),
            ("rate_basis", "fixed"),
            ("repayment_methods", "equal_instalment|interest_only"),
            ("collateral", "none"),
            ("decision_days", days),
            ("online", "true"),
            ("districts", "all"),
            ("valid_from", "2020-01-01"),
        ];
        let spec = ProductRecord::from_pairs(pairs).validate().expect("a valid product").spec;
        store.save_product(institution, state, &spec).await.unwrap().product_id()
    };
    let a = make("CMP-A", "对比甲贷", ("100000", "3000000"), ("3.6", "4.8"), "3", LifecycleState::Published).await;
    let b = make("CMP-B", "对比乙贷", ("100000", "10000000"), ("4.2", "6"), "7", LifecycleState::Published).await;
    let c = make("CMP-C", "对比丙贷", ("500000", "5000000"), ("5", "7"), "1", LifecycleState::Published).await;
    let gone = make("CMP-D", "对比丁贷", ("100000", "3000000"), ("3.6", "4.8"), "3", LifecycleState::Archived).await;
    app.catch_up().await;
    (a, b, c, gone)
}

fn ids_of(items: &Value) -> Vec<i64> {
    items.as_array().expect("items").iter().map(|i| i["id"].as_i64().expect("id")).collect()
}

fn best_of(comparison: &Value, row: &str) -> Vec<i64> {
    comparison["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["best"].as_array().expect("best").iter().any(|b| b == row))
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// The cheapest method's figures of the loan calculator for the same loan.
async fn calculator(app: &TestApp, product: i64, amount_yuan: i64, term: i64) -> Value {
    let uri = format!("/api/v1/products/{product}/cost?amount={amount_yuan}&term={term}");
    let (status, cost) = app.get_json(&uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {cost}");
    cost["methods"][0]["summary"].clone()
}

#[tokio::test]
async fn the_comparison_shows_each_products_values_and_the_calculators_cost() {
    for app in TestApp::each(true).await {
        let (a, b, c, gone) = products(&app).await;
        let anonymous = app.anonymous();
        let (status, cmp) = anonymous.get(&format!("/api/v1/compare?ids={a},{b},{c}&amount=1000000&term=12")).await;
        assert_eq!(status, StatusCode::OK, "{}: {cmp}", app.backend);
        assert_eq!(ids_of(&cmp["items"]), vec![a, b, c], "in the order asked");
        assert_eq!(cmp["need"]["source"], "asked");
        assert_eq!(cmp["need"]["amount_fen"], 100_000_000);
        assert_eq!(cmp["max"], 4);
        for item in cmp["items"].as_array().unwrap() {
            let id = item["id"].as_i64().unwrap();
            let calc = calculator(&app, id, 1_000_000, 12).await;
            assert_eq!(item["cost"]["total_cost_fen"], calc["total_cost_fen"], "product {id}: {item}");
            assert_eq!(item["cost"]["apr_bps"], calc["apr_bps"], "product {id}");
            assert_eq!(item["cost"]["method"]["code"], calc["method"]["code"], "product {id}");
            assert!(item["verdict"].is_null(), "nobody signed in: no standing");
            assert!(item["rate_written"].as_str().unwrap().contains('%'), "the rate as stated: {item}");
        }
        assert_eq!(cmp["items"][1]["amount_max_fen"], 1_000_000_000);
        assert_eq!(cmp["items"][2]["decision_days"], 1);
        // The best of the rows where best means one thing, and the rows that differ.
        assert_eq!(best_of(&cmp, "amount"), vec![b], "highest amount");
        assert_eq!(best_of(&cmp, "decision"), vec![c], "fastest decision");
        assert_eq!(best_of(&cmp, "cost"), vec![a], "lowest cost");
        let differs: Vec<&str> = cmp["differs"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        for row in ["amount", "rate", "cost", "decision"] {
            assert!(differs.contains(&row), "{row} differs: {differs:?}");
        }
        for row in ["term", "collateral", "institution"] {
            assert!(!differs.contains(&row), "{row} is the same for all: {differs:?}");
        }

        // A loan one product does not lend: no cost, and why.
        let (_, small) = anonymous.get(&format!("/api/v1/compare?ids={a},{c}&amount=200000&term=12")).await;
        assert!(small["items"][1]["cost"].is_null(), "{small}");
        assert!(small["items"][1]["cost_note"].as_str().unwrap().contains("额度"), "{small}");
        assert!(small["items"][0]["cost"].is_object());

        // At most four; ids are numbers; unknown and unpublished ones are listed apart, never an error.
        let (status, five) = anonymous.get(&format!("/api/v1/compare?ids={a},{b},{c},{gone},999999")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{five}");
        assert_eq!(five["field"], "ids");
        assert!(five["message"].as_str().unwrap().contains("最多同时对比 4 个产品"), "{five}");
        for bad in ["", "?ids=", "?ids=abc", "?ids=1,-3", "?ids=1&amount=abc", "?ids=1&term=0"] {
            let (status, reply) = anonymous.get(&format!("/api/v1/compare{bad}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {reply}");
        }
        let (status, partly) = anonymous.get(&format!("/api/v1/compare?ids={a},{gone},999999")).await;
        assert_eq!(status, StatusCode::OK, "{partly}");
        assert_eq!(ids_of(&partly["items"]), vec![a]);
        let unavailable: Vec<i64> =
            partly["unavailable"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
        assert_eq!(unavailable, vec![gone, 999_999]);
        assert!(partly["unavailable"][0]["message"].as_str().unwrap().contains("不再发布"));

        // A signed-in firm: its standing per product, the loan from its newest open need, its own subsidies.
        let sme = app.sign_in(DEMO_SME).await;
        let deadline = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive().to_string();
        let need = json!({"amount": 200_000_000, "term": 24, "purpose": "working_capital", "deadline": deadline});
        let (status, posted) = sme.post("/api/v1/me/needs", &need).await;
        assert!(status.is_success(), "{posted}");
        let (status, mine) = sme.get(&format!("/api/v1/compare?ids={a},{b},{c}")).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(mine["need"]["source"], "need", "{}", mine["need"]);
        assert_eq!(mine["need"]["amount_fen"], 200_000_000);
        assert_eq!(mine["need"]["term_months"], 24);
        assert_eq!(mine["need"]["firm"], true);
        for item in mine["items"].as_array().unwrap() {
            let standing = item["verdict"]["standing"]["code"].as_str().unwrap_or_default();
            assert!(
                ["eligible", "near_miss", "needs_info", "to_confirm", "ineligible"].contains(&standing),
                "{standing}: {item}"
            );
            // No subsidy on these products: the firm's cost is the calculator's for the same loan.
            let id = item["id"].as_i64().unwrap();
            let calc = calculator(&app, id, 2_000_000, 24).await;
            assert_eq!(item["cost"]["total_cost_fen"], calc["total_cost_fen"], "product {id}");
        }
        // The standing is for the loan priced: 500 万元 is beyond product A's 300 万元.
        let (_, explicit) = sme.get(&format!("/api/v1/compare?ids={a}&amount=5000000&term=12")).await;
        assert_eq!(explicit["need"]["source"], "asked");
        assert!(
            explicit["items"][0]["verdict"]["failed"].as_array().unwrap().iter().any(|f| f == "amount"),
            "{explicit}"
        );
    }
}

#[tokio::test]
async fn the_comparison_page_keeps_its_list_refuses_a_fifth_and_names_unknown_ids() {
    for app in TestApp::each(true).await {
        let (a, b, c, gone) = products(&app).await;
        let (status, html) = app.get(&format!("/compare?ids={a},{b},{c}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        for name in ["对比甲贷", "对比乙贷", "对比丙贷", "data-differs", "data-best", "data-scroller", "综合融资成本"]
        {
            assert!(html.contains(name), "{name} on the page");
        }
        let (status, html) = app.get(&format!("/compare?ids={a},{b},{c}&lang=en")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Total cost") && !html.contains("综合融资成本"), "one language per page");

        // 加入对比 without JavaScript: the kept list grows in the cookie, and the page shows it.
        let (status, cookie, _) = app.get_with_cookie(&format!("/compare?add={a}"), None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let cookie = cookie.expect("the list is kept");
        assert!(cookie.starts_with(&format!("finmart_compare={a};")), "{cookie}");
        let (status, cookie, _) =
            app.get_with_cookie(&format!("/compare?add={b}"), Some(&format!("finmart_compare={a}"))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(cookie.unwrap().starts_with(&format!("finmart_compare={a}.{b};")));

        // A fifth is refused with the reason, and the four stay.
        let four = format!("finmart_compare={a}.{b}.{c}.{gone}");
        let (status, _, html) = app.get_with_cookie("/compare?add=424242", Some(&four)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("最多同时对比 4 个产品"), "the refusal says why");
        let (status, html) = app.get(&format!("/compare?ids={a},{b},{c},{gone},424242")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("最多同时对比 4 个产品"));

        // Unknown and unpublished ids: a message each, never an error page.
        let (status, html) = app.get(&format!("/compare?ids={gone},999999,abc")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("编号 {gone} 的产品不存在或已不再发布")), "named");
        assert!(html.contains("编号 999999 的产品不存在或已不再发布"));
        let (status, html) = app.get(&format!("/compare?ids={a}&amount=abc&term=0")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("对比甲贷"), "the comparison is still shown");
        assert_eq!(html.matches("aria-invalid=\"true\"").count(), 2, "each bad field marked beside it");
    }
}

#[tokio::test]
async fn a_firm_keeps_its_own_favourites_and_no_other_role_may() {
    for app in TestApp::each(true).await {
        let (a, b, _, gone) = products(&app).await;
        let sme = app.sign_in(DEMO_SME).await;
        let sme2 = app.sign_in(DEMO_SME2).await;
        let (status, list) = sme.put(&format!("/api/v1/me/favourites/{a}"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{}: {list}", app.backend);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (_, again) = sme.put(&format!("/api/v1/me/favourites/{a}"), &json!({})).await;
        assert_eq!(again.as_array().unwrap().len(), 1, "adding twice keeps one: {again}");
        let (_, list) = sme.put(&format!("/api/v1/me/favourites/{b}"), &json!({})).await;
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert_eq!(list[0]["product"]["id"], b, "the most recent first");
        assert_eq!(list[0]["listed"], true);

        // Only what is published can be added; another firm's list is its own.
        let (status, _) = sme.put(&format!("/api/v1/me/favourites/{gone}"), &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = sme.put("/api/v1/me/favourites/999999", &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, theirs) = sme2.get("/api/v1/me/favourites").await;
        assert_eq!(theirs, json!([]), "another firm sees none of them");
        let (status, _) = sme2.delete(&format!("/api/v1/me/favourites/{a}")).await;
        assert_eq!(status, StatusCode::OK);
        let (_, mine) = sme.get("/api/v1/me/favourites").await;
        assert_eq!(mine.as_array().unwrap().len(), 2, "another firm's removal changes nothing of this one's");

        // A product that stops being published stays, shown as such.
        app.state.store.set_product_state(b, LifecycleState::Archived).await.unwrap();
        app.catch_up().await;
        let (_, mine) = sme.get("/api/v1/me/favourites").await;
        let archived = mine.as_array().unwrap().iter().find(|f| f["product"]["id"] == b).expect("kept");
        assert_eq!(archived["listed"], false);
        assert_eq!(archived["state"]["code"], "archived");
        let (status, html) = sme.get_text("/sme/favourites").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("对比乙贷") && html.contains("已不再发布"), "named as no longer offered");

        // The page's buttons: back to the product page it was pressed on.
        let (status, location, _) = sme
            .post_form(
                "/sme/favourites",
                &[("action", "remove"), ("product_id", &a.to_string()), ("next", &format!("/products/{a}"))],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some(format!("/products/{a}").as_str()));
        let (_, mine) = sme.get("/api/v1/me/favourites").await;
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let (status, location, _) = sme
            .post_form(
                "/sme/favourites",
                &[("action", "add"), ("product_id", &a.to_string()), ("next", "//evil.example")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/sme/favourites?done=added"), "never off the site");
        let (status, html) = sme.get_text(&format!("/products/{a}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("aria-pressed=\"true\""), "the product page shows it is kept");

        // Other roles.
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, _) = bank.get("/api/v1/me/favourites").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = bank.put(&format!("/api/v1/me/favourites/{a}"), &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) =
            bank.post_form("/sme/favourites", &[("action", "add"), ("product_id", &a.to_string())]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.anonymous().get("/api/v1/me/favourites").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
