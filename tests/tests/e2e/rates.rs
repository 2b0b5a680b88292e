//! Reference rates end to end, on SQLite and PostgreSQL: the current rates for everyone, a publication by
//! the operator over the API and on `/admin/rates` (every bad field named, a day already entered refused
//! beside the day, a correction), and a new LPR reaching the product pages, search, the calculator and
//! matching; the calculator and matching saying what their figures assume for every form of pricing. Who
//! may call each operation is the authorisation matrix's (`authz.rs`).

use crate::app::TestApp;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR};
use serde_json::{Value, json};

/// The id of a demo product by its institution's and its own code.
async fn product_id(app: &TestApp, institution: &str, code: &str) -> i64 {
    let store = &app.state.store;
    let owner = store.institution_by_code(institution).await.unwrap().unwrap().id;
    store.product_id_by_code(owner, code).await.unwrap().unwrap()
}

fn fields(body: &Value) -> Vec<&str> {
    body["errors"].as_array().map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect()).unwrap_or_default()
}

/// The quote of the calculator API for a product: 100 万元 over 12 months, interest only.
async fn cost(app: &TestApp, id: i64) -> Value {
    let (status, body) = app.get_json(&format!("/api/v1/products/{id}/cost?amount=100万&term=12")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_new_lpr_reaches_product_pages_search_the_calculator_and_matching() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        // The seeded publications, for everyone.
        let (status, current) = app.get_json("/api/v1/reference-rates").await;
        assert_eq!(status, StatusCode::OK);
        let rates = current["rates"].as_array().unwrap();
        assert_eq!(rates.len(), 5, "{current}");
        assert_eq!(
            (rates[0]["kind"]["code"].as_str(), rates[0]["rate_text"].as_str()),
            (Some("lpr_1y"), Some("3.00%"))
        );
        assert_eq!(rates[0]["published_on"], "2025-05-20");
        assert_eq!(rates[2]["text"], "2015-10-24 起执行的贷款基准利率（1 年以内，含 1 年）4.35%");

        // An LPR product of the demo: 1 年期 LPR +50~150BP.
        let id = product_id(&app, "jingu-bank", "JGB-CR-001").await;
        let (_, detail) = app.get_json(&format!("/api/v1/products/{id}")).await;
        assert_eq!(
            (detail["rate_min_bps"].as_u64(), detail["rate_max_bps"].as_u64()),
            (Some(350), Some(450)),
            "{backend}"
        );
        assert_eq!(detail["rate_written"], "1 年期 LPR +50~150BP");
        assert_eq!(
            detail["rate_line"],
            "1 年期 LPR +50~150BP（年化 3.5% – 4.5%，按 2025-05-20 公布的 1 年期 LPR 3.00% 计）"
        );
        assert_eq!(detail["pricing"], json!({"kind": "lpr", "tenor": "lpr_1y", "spread_bps": {"min": 50, "max": 150}}));
        let assumed = cost(&app, id).await["methods"][0]["summary"]["assumptions"][0].clone();
        assert_eq!(assumed, "按 2025-05-20 公布的 1 年期 LPR 3.00% 加 50BP – 150BP 计，区间取低值：年化 3.5%");

        // The operator enters a new 1-year LPR, published today.
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let today = finmart_domain::shanghai::today().to_string();
        let publication =
            json!({"kind": "lpr_1y", "percent": "2.8", "published_on": today, "source": "全国银行间同业拆借中心"});
        let (status, entered) = operator.post("/api/v1/reference-rates", &publication).await;
        assert_eq!(status, StatusCode::CREATED, "{entered}");
        assert_eq!(
            (entered["current"].as_bool(), entered["entered_by"].as_str()),
            (Some(true), Some("平台运营（演示）")),
            "{entered}"
        );
        app.catch_up().await;

        // Every copy follows: the product page, search, the calculator, matching.
        let (_, detail) = app.get_json(&format!("/api/v1/products/{id}")).await;
        assert_eq!(
            (detail["rate_min_bps"].as_u64(), detail["rate_max_bps"].as_u64()),
            (Some(330), Some(430)),
            "{backend}"
        );
        assert!(
            detail["rate_line"].as_str().unwrap().contains(&format!("按 {today} 公布的 1 年期 LPR 2.80% 计")),
            "{detail}"
        );
        let name = detail["name"].as_str().unwrap().to_owned();
        let found = app.search(&name, "").await;
        let hit = found["items"].as_array().unwrap().iter().find(|i| i["id"] == id).cloned().unwrap();
        assert_eq!(hit["rate_min_bps"], 330, "{backend}");
        let quote = cost(&app, id).await;
        assert_eq!(quote["methods"][0]["summary"]["rate_bps"], 330);
        let profile = json!({"name": "天津测试软件有限公司", "district": "binhai", "industry": "software",
            "established": "2019-05-01", "employees": 45, "revenue": 1_200_000_000, "total_assets": 900_000_000,
            "total_liabilities": 300_000_000, "tax_credit_grade": "A", "tax_paid": 40_000_000, "qualifications": ["tech_sme", "high_tech"],
            "invention_patents": 2, "trademarks": 1, "receivables": [], "procurement_contracts": [], "ever_borrowed": true,
            "overdue": {"kind": "never"}});
        let need = json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"});
        let (status, matched) = app
            .post_json("/api/v1/match", &json!({"profile": profile, "need": need, "limit": 100, "details": true}))
            .await;
        assert_eq!(status, StatusCode::OK, "{matched}");
        let lists = ["eligible", "near_misses", "needs_info", "to_confirm", "ineligible"];
        let item = lists
            .iter()
            .flat_map(|l| matched[l].as_array().unwrap().iter())
            .find(|i| i["product"]["id"] == id && !i["quote"].is_null());
        if let Some(item) = item {
            assert_eq!(item["quote"]["rate_bps"], 330, "{backend}");
            assert!(item["details"]["quote"]["assumptions"][0].as_str().unwrap().contains("LPR 2.80%"), "{item}");
        }
        let history = operator.get("/api/v1/reference-rates/history").await.1;
        assert_eq!(history.as_array().unwrap().len(), 6);
        assert_eq!(history[0]["current"], true);
        assert_eq!(history[1]["current"], false);
    }
}

#[tokio::test]
async fn publications_are_checked_and_a_day_takes_only_a_correction() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        // Every bad field at once.
        let bad = json!({"kind": "lpr_2y", "percent": "101", "published_on": "2999-01-01", "source": "来".repeat(201)});
        let (status, body) = operator.post("/api/v1/reference-rates", &bad).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")), "{body}");
        assert_eq!(fields(&body), ["kind", "percent", "published_on", "source"], "{body}");
        let (status, body) =
            operator.post("/api/v1/reference-rates", &json!({"kind": "lpr_1y", "percent": "3", "extra": 1})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")), "{body}");
        // The seeded day again: a conflict about the day; as a correction it is entered.
        let seeded = json!({"kind": "lpr_1y", "percent": "3.1", "published_on": "2025-05-20"});
        let (status, body) = operator.post("/api/v1/reference-rates", &seeded).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (StatusCode::CONFLICT, Some("conflict"), Some("published_on")),
            "{body}"
        );
        assert!(body["message"].as_str().unwrap().contains("已录入"), "{body}");
        assert!(body["message_en"].as_str().unwrap().contains("entered already"), "{body}");
        let mut correction = seeded.clone();
        correction["correction"] = json!(true);
        let (status, body) = operator.post("/api/v1/reference-rates", &correction).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!((body["revision"].as_i64(), body["current"].as_bool()), (Some(1), Some(true)));
        let nothing = json!({"kind": "lpr_1y", "percent": "3.1", "published_on": "2025-05-21", "correction": true});
        let (status, body) = operator.post("/api/v1/reference-rates", &nothing).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::CONFLICT, Some("published_on")), "{body}");
        // A bank may not enter rates.
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, _) = bank
            .post("/api/v1/reference-rates", &json!({"kind": "lpr_1y", "percent": "1", "published_on": "2025-06-20"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_operator_enters_rates_on_the_page() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, html) = operator.get_text("/admin/rates").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        for needle in [
            "参考利率",
            "现行公布值",
            "1 年期 LPR",
            "3.00%",
            "2025-05-20",
            "贷款基准利率（5 年以上）",
            "4.90%",
            "初始数据（迁移 10）",
            "全国银行间同业拆借中心",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        let (_, english) = operator.get_text("/admin/rates?lang=en").await;
        assert!(english.contains("Reference rates") && english.contains("In force today"), "English switch");

        // A refused form comes back with each reason beside its field.
        let (status, _, html) = operator
            .post_form("/admin/rates", &[("kind", "lpr_5y"), ("percent", "三点五"), ("published_on", "2999-01-01")])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("“三点五”不是有效的数字"), "{html}");
        assert!(html.contains("不能晚于今天"), "{html}");
        assert!(html.contains("value=\"三点五\""), "the form keeps what was typed");
        let (status, _, html) = operator
            .post_form("/admin/rates", &[("kind", "lpr_5y"), ("percent", "3.6"), ("published_on", "2025-05-20")])
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"e-published_on\">2025-05-20 的5 年期以上 LPR已录入"), "beside the day: {html}");

        // Entered: 303 back with a note naming it.
        let (status, location, _) = operator
            .post_form(
                "/admin/rates",
                &[("kind", "lpr_5y"), ("percent", "3.6"), ("published_on", "2025-05-20"), ("correction", "true")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = location.unwrap();
        assert!(location.starts_with("/admin/rates?entered="), "{location}");
        let (_, html) = operator.get_text(&location).await;
        assert!(html.contains("已更正 2025-05-20 的5 年期以上 LPR 3.60%"), "{html}");
        let (_, current) = app.get_json("/api/v1/reference-rates").await;
        assert_eq!(current["rates"][1]["rate_text"], "3.60%");
        // Other roles: not their page.
        let bank = app.sign_in(DEMO_BANK).await;
        assert_eq!(bank.get_text("/admin/rates").await.0, StatusCode::FORBIDDEN);
    }
}

/// The calculator says what it assumes for each form of pricing, quotes an LPR rate without its spread only
/// as a marked estimate, and does not quote a rate not stated at all.
#[tokio::test]
async fn the_calculator_states_its_assumptions() {
    for app in TestApp::each(true).await {
        let monthly = cost(&app, product_id(&app, "beiyang-mc", "BYX-CR-002").await).await;
        let m = &monthly["methods"][0];
        assert_eq!(m["summary"]["assumptions"][0], "月息 0.6% – 0.8% 按 × 12 折算为年化，区间取低值：7.2%");
        assert_eq!(m["high"]["assumptions"][0], "月息 0.6% – 0.8% 按 × 12 折算为年化，区间取高值：9.6%");
        let daily = cost(&app, product_id(&app, "huize-mc", "HZX-CR-001").await).await;
        assert!(
            daily["methods"][0]["summary"]["assumptions"][0]
                .as_str()
                .unwrap()
                .starts_with("日息万分之2 – 万分之3 按 × 360 折算为年化")
        );
        let benchmark = cost(&app, product_id(&app, "gushang-rcb", "GSR-CR-001").await).await;
        let s = &benchmark["methods"][0]["summary"];
        assert_eq!((s["rate_bps"].as_u64(), s["rate_text"].as_str()), (Some(566), Some("约 5.66%")));
        assert!(
            s["assumptions"][0].as_str().unwrap().contains("4.35% 上浮 30% 计：年化 约 5.66%（四舍五入到 0.01%）"),
            "{s}"
        );
        let fee = cost(&app, product_id(&app, "jingu-bank", "JGB-GU-001").await).await;
        let fee_words = fee["methods"][0]["summary"]["assumptions"][1].as_str().unwrap();
        assert_eq!(fee_words, "担保费按 0.5% – 1.5% 区间取低值 0.5%/年");
        assert!(fee["methods"][0]["high"]["assumptions"][1].as_str().unwrap().contains("区间取高值 1.5%"));

        let estimate = cost(&app, product_id(&app, "haihe-bank", "HHB-CR-P01").await).await;
        assert_eq!((estimate["rate_stated"].as_bool(), estimate["estimate"].as_bool()), (Some(false), Some(true)));
        let e = &estimate["methods"][0]["summary"];
        assert_eq!(e["estimate"], true);
        assert_eq!(
            e["assumptions"][0],
            "参考估算：加点幅度未说明，按 1 年期 LPR 3.00%（2025-05-20）本身估算，实际以银行审批为准"
        );
        let (_, page) = app
            .get(&format!("/products/{}?calc=1&amount=100&term=12", product_id(&app, "haihe-bank", "HHB-CR-P01").await))
            .await;
        assert!(page.contains("参考估算，不是报价"), "the page marks the estimate");
        let none = cost(&app, product_id(&app, "gushang-rcb", "GSR-MG-P01").await).await;
        assert_eq!((none["rate_stated"].as_bool(), none["estimate"].as_bool()), (Some(false), Some(false)));
        assert!(none["methods"].as_array().unwrap().is_empty(), "a rate not stated is not quoted");
        // The product page says the rate as written and how it became annual.
        let (_, page) = app.get(&format!("/products/{}", product_id(&app, "beiyang-mc", "BYX-CR-002").await)).await;
        assert!(page.contains("月息 0.6% – 0.8%（年化 7.2% – 9.6%，按月利率 × 12 折算）"), "{page}");
    }
}

/// One way of pricing posted through the form: the product code, the inputs, and the line it must show.
type PricingCase = (&'static str, &'static [(&'static str, &'static str)], &'static str);

/// The bank's product form, in plain words, creates and edits every kind of pricing (月息, 日息, an LPR spread
/// range, LPR with the spread unstated, 基准利率上浮, a fixed minimum): the record it builds is priced as chosen.
#[tokio::test]
async fn the_product_form_takes_every_form_of_pricing() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, html) = bank.get_text("/bank/products/new").await;
        for label in ["月利率（月息）", "日利率（日息）", "基准利率上浮", "加点上限"] {
            assert!(html.contains(label), "the form has {label}");
        }
        assert!(!html.contains("LPR 加点（基点，旧格式）") && !html.contains("rate_unit"), "no import columns");
        let base = [
            ("name", "表单定价贷"),
            ("family", "credit"),
            ("description", "表单上新建的产品"),
            ("amount_max", "100"),
            ("term_max", "24"),
            ("term_unit", "months"),
            ("repayment", "unstated"),
            ("collateral_form", "unstated"),
            ("online", "unstated"),
            ("area_scope", "city"),
        ];
        let forms: [PricingCase; 6] = [
            (
                "PF-1",
                &[("rate_form", "monthly"), ("monthly_min", "0.6"), ("monthly_max", "0.6")],
                "月息 0.6%（年化 7.2%，按月利率 × 12 折算）",
            ),
            ("PF-2", &[("rate_form", "daily"), ("daily_min", "万分之2")], "日息万分之2 起"),
            (
                "PF-3",
                &[("rate_form", "lpr"), ("lpr_tenor", "lpr_1y"), ("lpr_spread", "50"), ("lpr_spread_max", "150")],
                "1 年期 LPR +50~150BP（年化 3.5% – 4.5%",
            ),
            (
                "PF-4",
                &[("rate_form", "lpr"), ("lpr_tenor", "lpr_5y"), ("lpr_spread_unstated", "1")],
                "5 年期以上 LPR 加点（加点幅度未说明）；参考：2025-05-20 公布的 5 年期以上 LPR 3.50%",
            ),
            ("PF-5", &[("rate_form", "benchmark"), ("markup_max", "1.3倍")], "不超过基准利率的 1.3 倍"),
            ("PF-6", &[("rate_form", "fixed"), ("fixed_min", "3.5")], "年利率 3.5% 起（固定利率）"),
        ];
        for (code, pricing, line) in forms {
            let mut fields: Vec<(&str, &str)> = vec![("code", code)];
            fields.extend(base);
            fields.extend(pricing);
            let (status, location, html) = bank.post_form("/bank/products/new", &fields).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{code}: {html}");
            let id: i64 =
                location.unwrap().trim_start_matches("/bank/products/").split('?').next().unwrap().parse().unwrap();
            let stored = app.state.store.product(id).await.unwrap().unwrap();
            let shown = stored.rate_text().line_zh();
            assert!(shown.starts_with(line), "{code}: {shown}");
            // The edit form shows the cells back, as an export writes them (a float of 1.3 times is +30 %).
            let (_, edit) = bank.get_text(&format!("/bank/products/{id}")).await;
            for (_, value) in pricing.iter().filter(|(name, _)| *name != "lpr_spread_unstated") {
                let value = if *value == "1.3倍" { "30" } else { value };
                assert!(
                    edit.contains(&format!("value=\"{value}\""))
                        || edit.contains(&format!("<option value=\"{value}\" selected")),
                    "{code}: {value} in the edit form"
                );
            }
        }
        // A bad pricing cell is named beside its field.
        let mut fields: Vec<(&str, &str)> = vec![("code", "PF-7")];
        fields.extend(base);
        fields.extend([("rate_form", "benchmark"), ("markup_min", "9倍")]);
        let (status, _, html) = bank.post_form("/bank/products/new", &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("超出范围：基准利率的浮动幅度应在 −90% 至 +300%"), "{html}");
    }
}
