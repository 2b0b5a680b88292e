//! Places through the whole system: districts as codes with names beside them, the first deployment's
//! machine names still read, and a deployment elsewhere (`FINMART_HOME_AREA=辽宁省沈阳市`) offering its own
//! districts and reading 和平区 as its own.

use crate::app::{Backend, TestApp, encode};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::DEMO_SME;
use finmart_domain::{HomeArea, InstitutionKind, LifecycleState, NewInstitution, ProductRecord};
use serde_json::{Value, json};

pub(crate) fn profile(district: &str) -> Value {
    json!({
        "name": "测试科技有限公司", "district": district, "industry": "software", "established": "2019-05-01",
        "employees": 45, "revenue": 1_200_000_000, "tax_credit_grade": "B", "ever_borrowed": true,
        "overdue": {"kind": "never"}
    })
}

pub(crate) fn need() -> Value {
    json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"})
}

/// Publishes a plain credit loan serving `area` (an import cell read as seen from the app's home area).
async fn product_serving(app: &TestApp, code: &str, area: &str) -> i64 {
    let store = &app.state.store;
    let bank = match store.institution_by_code("region-bank").await.unwrap() {
        Some(bank) => bank,
        None => store
            .create_institution(&NewInstitution {
                code: "region-bank".into(),
                name: "地区测试银行".into(),
                kind: InstitutionKind::Bank,
                intro: String::new(),
            })
            .await
            .unwrap(),
    };
    let spec = ProductRecord::from_pairs([
        ("institution_code", "region-bank"),
        ("code", code),
        ("name", code),
        ("family", "credit"),
        ("description", "流动资金贷款"),
        ("amount_min_yuan", "10万"),
        ("amount_max_yuan", "500万"),
        ("term_min_months", "1"),
        ("term_max_months", "36"),
        ("rate_min_pct", "4"),
        ("rate_max_pct", "6"),
        ("rate_basis", "fixed"),
        ("repayment_methods", "equal_instalment"),
        ("decision_days", "5"),
        ("online", "true"),
        ("collateral", "none"),
        ("districts", area),
    ])
    .validate_in(&app.state.config.home_area)
    .unwrap()
    .spec;
    let id = store.save_product(bank.id, LifecycleState::Published, &spec).await.unwrap().product_id();
    app.catch_up().await;
    id
}

/// Where product `id` landed in a match, and its district check.
pub(crate) fn placed(out: &Value, id: i64) -> (String, Value) {
    for list in ["eligible", "to_confirm", "near_misses", "needs_info", "ineligible"] {
        if let Some(item) = out[list].as_array().unwrap().iter().find(|i| i["product"]["id"] == id) {
            let check =
                item["details"]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "district").unwrap();
            return (list.to_owned(), check.clone());
        }
    }
    panic!("product {id} is in no list: {out}");
}

#[tokio::test]
async fn the_api_reads_codes_names_and_the_old_machine_names() {
    for app in TestApp::each(true).await {
        // Search: the three ways of naming 滨海新区 find the same products.
        let totals: Vec<Value> = {
            let mut totals = Vec::new();
            for v in ["binhai", "120116", &encode("滨海新区")] {
                totals.push(app.search("", &format!("&district={v}")).await["total"].clone());
            }
            totals
        };
        assert!(totals.iter().all(|t| *t == totals[0]), "{}: {totals:?}", app.backend);
        let one = app.search("", "&district=120116&per_page=1").await;
        let item = &one["items"][0];
        assert!(
            item["districts"].as_array().unwrap().iter().any(|d| d["code"] == "120116" && d["label"] == "滨海新区")
        );
        assert!(["within", "nationwide"].contains(&item["area"]["kind"].as_str().unwrap()), "{item}");
        // The search page selects the district however the link named it.
        let (_, page) = app.get("/?district=binhai").await;
        assert!(page.contains(r#"<option value="120116" selected>"#), "the filter shows 滨海新区 chosen");
        let facet = one["facets"]["district"].as_array().unwrap();
        assert!(facet.iter().any(|d| d["code"] == "120101" && d["label"] == "和平区"), "{facet:?}");

        // Matching: the same firm, its district written three ways.
        let mut counts = Vec::new();
        for district in ["binhai", "120116", "滨海新区", "天津市滨海新区"] {
            let (status, out) = app
                .post_json("/api/v1/match", &json!({"profile": profile(district), "need": need(), "details": true}))
                .await;
            assert_eq!(status, StatusCode::OK, "{district} on {}: {out}", app.backend);
            counts.push((out["eligible_total"].clone(), out["ineligible_total"].clone()));
        }
        assert!(counts.iter().all(|c| *c == counts[0]), "{}: {counts:?}", app.backend);

        // A firm's own profile: written with an old machine name or a name, kept and sent as the code, with
        // the name beside it.
        let sme = app.sign_in(DEMO_SME).await;
        let (_, me) = sme.get("/api/v1/me/profile").await;
        for (written, code, name) in [("heping", "120101", "和平区"), ("滨海新区", "120116", "滨海新区")] {
            let mut profile = me["profile"].clone();
            profile["district"] = json!(written);
            let (status, saved) = sme.put("/api/v1/me/profile", &profile).await;
            assert_eq!(status, StatusCode::OK, "{written}: {saved}");
            assert_eq!(
                (saved["profile"]["district"].as_str(), saved["district"]["label"].as_str()),
                (Some(code), Some(name))
            );
        }
        // A name shared outside the home area, or a place that is no county, is refused by field.
        for (district, says) in [("朝阳区", "北京市朝阳区"), ("天津市", "区县"), ("atlantis", "atlantis")]
        {
            let (status, out) = app
                .post_json("/api/v1/match", &json!({"profile": profile(district), "need": need(), "details": true}))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{district}: {out}");
            assert!(out.to_string().contains("profile.district") && out.to_string().contains(says), "{out}");
        }
    }
}

#[tokio::test]
async fn areas_are_shown_and_matched_as_their_pages_say() {
    for app in TestApp::each(false).await {
        // A product page says where it serves; one whose page does not say asks the firm to confirm.
        let citywide = product_serving(&app, "AREA-CITY", "all").await;
        let unstated = product_serving(&app, "AREA-UNSTATED", "").await;
        let suzhou = product_serving(&app, "AREA-SUZHOU", "江苏省苏州市").await;
        let (status, detail) = app.get_json(&format!("/api/v1/products/{suzhou}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (detail["area"]["text"].as_str(), detail["citywide"].as_bool()),
            (Some("江苏省苏州市"), Some(false))
        );
        assert_eq!(detail["area"]["divisions"][0]["code"], "320500");
        let (_, out) = app
            .post_json("/api/v1/match", &json!({"profile": profile("binhai"), "need": need(), "details": true}))
            .await;
        let (list, check) = placed(&out, unstated);
        assert_eq!(list, "to_confirm", "{}", app.backend);
        assert_eq!(check["message"]["zh"], "需向机构确认：服务区域未说明，请向机构确认是否覆盖您所在的区县");
        let (list, check) = placed(&out, suzhou);
        assert_eq!(list, "ineligible", "{}", app.backend);
        assert_eq!(check["message"]["zh"], "要求服务江苏省苏州市，贵企业位于滨海新区");
        let (list, check) = placed(&out, citywide);
        assert_eq!((list.as_str(), check["requirement"]["zh"].as_str()), ("eligible", Some("服务天津市全市")));
        let (_, page) = app.get(&format!("/products/{unstated}")).await;
        assert!(page.contains("请向机构确认是否覆盖您所在的区县"), "the page says the area is not stated");
    }
}

#[tokio::test]
async fn a_deployment_in_shenyang_offers_its_districts_and_reads_its_names() {
    let Some(app) = TestApp::configured(Backend::Sqlite, |config| {
        config.home_area = HomeArea::parse("辽宁省沈阳市").unwrap();
    })
    .await
    else {
        return;
    };
    // The forms and the search filter offer 沈阳's districts.
    for path in ["/register", "/", "/match"] {
        let (status, page) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("皇姑区") && page.contains("value=\"210102\""), "{path} offers 沈阳's districts");
        assert!(!page.contains("滨海新区"), "{path} offers no district of 天津");
    }
    // 全市 is 沈阳; 和平区 is 沈阳's, in an import as in a firm's profile.
    let city = product_serving(&app, "SY-CITY", "全市").await;
    let heping = product_serving(&app, "SY-HEPING", "和平区").await;
    let tianjin = product_serving(&app, "TJ-CITY", "天津市").await;
    let (status, detail) = app.get_json(&format!("/api/v1/products/{heping}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["area"]["divisions"][0]["code"], "210102");
    assert_eq!(detail["districts"][0]["label"], "和平区");
    let (_, detail) = app.get_json(&format!("/api/v1/products/{city}")).await;
    assert_eq!((detail["area"]["text"].as_str(), detail["citywide"].as_bool()), (Some("沈阳市全市"), Some(true)));
    let (status, out) =
        app.post_json("/api/v1/match", &json!({"profile": profile("和平区"), "need": need(), "details": true})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(placed(&out, city).0, "eligible");
    assert_eq!(placed(&out, heping).0, "eligible");
    let (list, check) = placed(&out, tianjin);
    assert_eq!(list, "ineligible");
    assert_eq!(check["message"]["zh"], "要求服务天津市，贵企业位于和平区");
    // The first deployment's machine names still mean 天津's districts.
    let (_, out) =
        app.post_json("/api/v1/match", &json!({"profile": profile("heping"), "need": need(), "details": true})).await;
    assert_eq!(placed(&out, tianjin).0, "eligible");
    assert_eq!(placed(&out, heping).0, "ineligible");
    // The search filter reads names as 沈阳's too.
    let found = app.search("", &format!("&district={}", encode("和平区"))).await;
    let mut ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [city, heping]);
}

#[tokio::test]
async fn the_banks_product_form_offers_the_whole_city_districts_nationwide_unstated_and_other_areas() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(finmart_cli::demo_accounts::DEMO_BANK).await;
        let (status, page) = bank.get_text("/bank/products/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(r#"value="city" checked"#) && page.contains("全市（天津市）"),
            "the whole city is the default"
        );
        let post = |code: &'static str, area: Vec<(&'static str, &'static str)>| {
            let mut fields = vec![
                ("code", code),
                ("name", code),
                ("family", "credit"),
                ("description", "地区测试"),
                ("term_unit", "months"),
                ("rate_form", "unstated"),
                ("repayment", "unstated"),
                ("collateral_form", "unstated"),
                ("online", "unstated"),
            ];
            fields.extend(area);
            let bank = &bank;
            async move { bank.post_form("/bank/products/new", &fields).await }
        };
        let stored = |location: Option<String>| {
            let id: i64 =
                location.unwrap().trim_start_matches("/bank/products/").split('?').next().unwrap().parse().unwrap();
            let store = &app.state.store;
            async move { store.product(id).await.unwrap().unwrap().spec.area.to_cell() }
        };
        let cases = [
            ("F-CITY", vec![("area_scope", "city")], "120000"),
            (
                "F-SOME",
                vec![
                    ("area_scope", "some"),
                    ("districts", "120116"),
                    ("districts", "120101"),
                    ("area_other", "江苏省苏州市"),
                ],
                "120101|120116|320500",
            ),
            ("F-ALL", vec![("area_scope", "nationwide")], "全国"),
            ("F-NONE", vec![("area_scope", "unstated")], ""),
        ];
        for (code, area, cell) in cases {
            let (status, location, body) = post(code, area).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{code} on {}: {body}", app.backend);
            assert_eq!(stored(location.clone()).await, cell, "{code} on {}", app.backend);
            if code == "F-SOME" {
                let (_, page) = bank.get_text(location.as_deref().unwrap()).await;
                assert!(
                    page.contains(r#"value="120116" checked"#) && page.contains(r#"value="江苏省苏州市""#),
                    "{page}"
                );
            }
        }
        // Districts asked for and none given is refused, with the form's other problems.
        let (status, _, page) = post("F-EMPTY", vec![("area_scope", "some")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("请勾选区县或填写其他地区"), "{page}");
        let (status, _, page) =
            bank.post_form("/bank/products/new", &[("code", "F-EMPTY"), ("area_scope", "some")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("请勾选区县或填写其他地区") && page.contains(r##"href="#f-name""##), "{page}");
        // A shared name is refused beside the field, naming each place.
        let (status, _, page) = post("F-BAD", vec![("area_scope", "some"), ("area_other", "朝阳区")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("北京市朝阳区") && page.contains("吉林省长春市朝阳区"), "{page}");
    }
}
