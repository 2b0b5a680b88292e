//! Matching knows the firm, on SQLite and PostgreSQL: a signed-in SME's 精准匹配 starts from its stored
//! profile and saves changes back to it (audited, with CSRF, bad fields named beside their inputs); a product
//! page shows the firm its verdict (可申请, 差一点 with what to change, 需补充 with the facts to add, 不符合 with
//! the reasons); a list left out of a profile is not given (需补充), an empty one is none (不符合).

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_SME};
use finmart_domain::{LifecycleState, NewInstitution, ProductRecord};
use serde_json::{Value, json};

/// The firm the tests are about: what the SME's stored profile is set to (its credit code kept). It gives no
/// priority sectors (left out: not given) and holds one qualification.
pub fn known_profile(current: &Value) -> Value {
    json!({
        "uscc": current["uscc"], "name": "天津已知科技有限公司", "district": "120116", "industry": "software",
        "established": "2019-05-20", "employees": 45, "revenue": 1_200_000_000, "total_assets": 3_000_000_000i64,
        "total_liabilities": 1_200_000_000, "tax_credit_grade": "B", "tax_paid": 35_000_000,
        "qualifications": ["tech_sme"], "collateral": [], "receivables": [], "procurement_contracts": [],
        "ever_borrowed": true, "overdue": {"kind": "never"},
    })
}

/// Signs the demo SME in and sets its profile to [`known_profile`]; returns the client and its enterprise id.
pub async fn known_firm(app: &TestApp) -> (Client<'_>, i64) {
    let sme = app.sign_in(DEMO_SME).await;
    let (status, me) = sme.get("/api/v1/me/profile").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, saved) = sme.put("/api/v1/me/profile", &known_profile(&me["profile"])).await;
    assert_eq!(status, StatusCode::OK, "{}: {saved}", app.backend);
    assert!(saved["profile"].get("sectors").is_none(), "left out stays left out: {saved}");
    (sme, me["enterprise_id"].as_i64().unwrap())
}

/// The demo bank (`jingu-bank`), or without the demo a bank made for the test: (id, code).
async fn test_bank(app: &TestApp) -> (i64, String) {
    let store = &app.state.store;
    let known = store
        .institutions()
        .await
        .unwrap()
        .into_iter()
        .find(|i| ["jingu-bank", "firm-test-bank"].contains(&i.code.as_str()));
    if let Some(bank) = known {
        return (bank.id, bank.code);
    }
    let new = NewInstitution {
        code: "firm-test-bank".into(),
        name: "判定测试银行".into(),
        kind: finmart_domain::InstitutionKind::Bank,
        intro: String::new(),
    };
    let created = store.create_institution(&new).await.unwrap();
    (created.id, created.code)
}

/// A product of the demo bank (or a test bank), published at once, with these eligibility rules (import
/// syntax) and area.
pub async fn product_with(app: &TestApp, code: &str, eligibility: &str, districts: &str) -> i64 {
    let (institution_id, institution_code) = test_bank(app).await;
    let store = &app.state.store;
    let name = format!("判定测试贷 {code}");
    let spec = ProductRecord::from_pairs([
        ("institution_code", institution_code.as_str()),
        ("code", code),
        ("name", name.as_str()),
        ("family", "credit"),
        ("description", "用于企业判定测试的信用贷款"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "5000000"),
        ("term_min_months", "3"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.6"),
        ("rate_max_pct", "6"),
        ("rate_basis", "fixed"),
        ("repayment_methods", "equal_instalment"),
        ("eligibility", eligibility),
        ("collateral", "none"),
        ("decision_days", "5"),
        ("online", "true"),
        ("districts", districts),
        ("valid_from", "2020-01-01"),
    ])
    .validate()
    .unwrap_or_else(|e| panic!("{code}: {e:?}"))
    .spec;
    let id = store.save_product(institution_id, LifecycleState::Published, &spec).await.unwrap().product_id();
    app.catch_up().await;
    id
}

/// The four products of the verdicts, for [`known_profile`]: eligible, nearly (a tax grade the firm can
/// raise), needing information (priority sectors, not given) and ineligible (district, industry and scale).
pub struct Verdicts {
    pub eligible: i64,
    pub near: i64,
    pub missing: i64,
    pub ineligible: i64,
}

pub async fn verdict_products(app: &TestApp) -> Verdicts {
    Verdicts {
        eligible: product_with(app, "FIRM-OK", "min_years_in_operation=2", "all").await,
        near: product_with(app, "FIRM-NEAR", "min_tax_credit_grade=A", "all").await,
        missing: product_with(app, "FIRM-MISS", "sectors_any=biomedicine|new_materials", "all").await,
        ineligible: product_with(app, "FIRM-NO", "industries_allowed=industrial; scales=medium", "120101").await,
    }
}

#[tokio::test]
async fn the_product_page_shows_a_signed_in_firm_its_verdict() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (sme, _) = known_firm(&app).await;
        let v = verdict_products(&app).await;
        let verdict = |id: i64| {
            let sme = &sme;
            async move {
                let (status, body) = sme.get(&format!("/api/v1/products/{id}/verdict")).await;
                assert_eq!(status, StatusCode::OK, "{backend}: {body}");
                body
            }
        };

        let ok = verdict(v.eligible).await;
        assert_eq!(
            (ok["standing"]["code"].as_str(), ok["standing"]["label"].as_str()),
            (Some("eligible"), Some("可申请"))
        );
        assert_eq!(ok["may_apply"], true);

        let near = verdict(v.near).await;
        assert_eq!(near["standing"]["code"], "near_miss", "{near}");
        assert_eq!(near["failed"], json!(["min_tax_credit_grade"]));
        let finding = near["findings"].as_array().unwrap().iter().find(|f| f["outcome"] == "fail").unwrap();
        assert_eq!(finding["message"]["zh"], "要求纳税信用等级 A 级及以上，贵企业为 B 级");
        assert_eq!(finding["fix"]["zh"], "将纳税信用等级提升至 A 级");

        let missing = verdict(v.missing).await;
        assert_eq!(missing["standing"]["code"], "needs_info", "{missing}");
        assert_eq!(missing["missing"], json!(["sectors_any"]));
        assert_eq!(missing["may_apply"], false);

        let no = verdict(v.ineligible).await;
        assert_eq!(no["standing"]["code"], "ineligible", "{no}");
        assert_eq!(no["failed"], json!(["district", "scales", "industries_allowed"]));

        // The page says the same, with what to change and where to fill in what is missing.
        let (status, html) = sme.get_text(&format!("/products/{}", v.near)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-standing=\"near_miss\"") && html.contains("差一点"), "{html}");
        assert!(html.contains("怎样才能符合：将纳税信用等级提升至 A 级"));
        assert!(html.contains("href=\"/sme/profile#f-tax_grade\""));
        let (_, html) = sme.get_text(&format!("/products/{}", v.missing)).await;
        assert!(html.contains("data-standing=\"needs_info\"") && html.contains("需补充：所属重点产业"), "{html}");
        assert!(html.contains("href=\"/sme/profile#f-sector\""), "a link to fill it in");
        let (_, html) = sme.get_text(&format!("/products/{}", v.ineligible)).await;
        assert!(html.contains("data-standing=\"ineligible\"") && html.contains("要求所属行业为"), "{html}");
        let (_, html) = sme.get_text(&format!("/products/{}", v.eligible)).await;
        assert!(html.contains("data-standing=\"eligible\"") && html.contains("可以申请"));
        let (_, html) = sme.get_text(&format!("/products/{}?lang=en", v.near)).await;
        assert!(html.contains("What would change it: Raise the tax grade to A"), "English is one click away");

        // Anyone else sees the product without a verdict; the API is the SME's only.
        let (_, html) = app.anonymous().get_text(&format!("/products/{}", v.near)).await;
        assert!(!html.contains("data-standing") && html.contains("登录企业账号"));
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, html) = bank.get_text(&format!("/products/{}", v.near)).await;
        assert!(!html.contains("data-standing"));
        let (status, _) = bank.get(&format!("/api/v1/products/{}/verdict", v.near)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = sme.get("/api/v1/products/999999/verdict").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// The CSRF token a page's 保存到企业档案 button posts with.
fn save_token(html: &str) -> String {
    let start = html.find("/match/save?csrf=").expect("the save button") + "/match/save?csrf=".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

/// The matching form as a browser posts it, with `changes` made.
fn match_form(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = [
        ("district", "120116"),
        ("industry", "software"),
        ("established", "2019-05-20"),
        ("employees", "45"),
        ("revenue", "1200"),
        ("tax_grade", "B"),
        ("borrowed", "yes"),
        ("overdue", "never"),
        ("overdue_months", ""),
        ("assets", "30000"),
        ("liabilities", "12000"),
        ("tax_paid", "35"),
        ("patents", ""),
        ("trademarks", ""),
        ("receivables", "no"),
        ("procurement", "no"),
        ("qual", "tech_sme"),
        ("amount", "100"),
        ("term", "12"),
        ("purpose", "working_capital"),
        ("purpose_text", ""),
        ("max_cost", ""),
        ("within_days", ""),
        ("guarantee", "yes"),
        ("repayment", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in changes {
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = (*value).to_owned(),
            None => pairs.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    pairs
}

async fn post_save<'a>(
    client: &Client<'a>,
    query: &str,
    pairs: &[(String, String)],
) -> (StatusCode, Option<String>, String) {
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post_form(&format!("/match/save?{query}"), &fields).await
}

#[tokio::test]
async fn a_signed_in_firm_matches_from_its_profile_and_saves_back_to_it() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (sme, enterprise) = known_firm(&app).await;
        let v = verdict_products(&app).await;

        // 精准匹配 starts from the firm's profile, not the generic defaults, and shows its result at once.
        let (status, html) = sme.get_text("/match").await;
        assert_eq!(status, StatusCode::OK, "{backend}");
        assert!(html.contains("data-profile=\"1\"") && html.contains("天津已知科技有限公司"), "{html}");
        assert!(html.contains("<option value=\"120116\" selected>"), "the firm's district");
        assert!(html.contains("value=\"45\""), "the firm's head count");
        assert!(html.contains("<option value=\"B\" selected>"), "the firm's tax grade, not the default");
        assert!(html.contains("个可申请"), "the result for the firm is shown");
        assert!(html.contains("保存到企业档案"));
        assert!(html.contains("企业档案尚未填写"), "the sectors it has not given are pointed out");
        let token = save_token(&html);

        // Saving needs the session's token: none, or a wrong one, is refused and changes nothing.
        sme.set_csrf(None);
        let (status, _, _) = post_save(&sme, "", &match_form(&[("tax_grade", "A")])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend}: no token");
        let (status, _, _) = post_save(&sme, "csrf=wrong", &match_form(&[("tax_grade", "A")])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A bad field is named beside its input in Chinese (English on the switch), the form as typed.
        let query = format!("csrf={}", crate::app::encode(&token));
        let (status, _, html) = post_save(&sme, &query, &match_form(&[("employees", "很多")])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend}: {html}");
        assert!(html.contains("id=\"e-employees\"") && html.contains("不是有效的数字"), "{html}");
        assert!(html.contains("value=\"很多\""), "what was typed stays");
        let (status, _, html) = post_save(&sme, &format!("{query}&lang=en"), &match_form(&[("employees", "x")])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("not a number"), "{html}");
        let (_, me) = sme.get("/api/v1/me/profile").await;
        assert_eq!(me["profile"]["employees"], 45, "nothing saved");

        // 保存到企业档案: the profile part is stored (the need is not), and the match is shown again.
        let changed = match_form(&[("tax_grade", "A"), ("employees", "60"), ("sector", "new_materials")]);
        let (status, location, body) = post_save(&sme, &query, &changed).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{backend}: {body}");
        let location = location.unwrap();
        assert!(location.starts_with("/match?") && location.contains("saved=1"), "{location}");
        assert!(!location.contains("csrf"), "the token stays out of the address: {location}");
        let (status, html) = sme.get_text(&location).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("已保存到企业档案") && html.contains("<option value=\"A\" selected>"));
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let saved = &me["profile"];
        assert_eq!((saved["tax_credit_grade"].as_str(), saved["employees"].as_u64()), (Some("A"), Some(60)));
        assert_eq!(saved["sectors"], json!(["new_materials"]), "a saved form gives its lists");
        assert_eq!(saved["qualifications"], json!(["tech_sme"]));
        assert_eq!(saved["name"], "天津已知科技有限公司", "what the form does not show is kept");
        assert_eq!(saved["uscc"], me["profile"]["uscc"]);
        // The saved profile is what the product pages judge now: the grade rule is met, the sectors given.
        let (_, near) = sme.get(&format!("/api/v1/products/{}/verdict", v.near)).await;
        assert_eq!(near["standing"]["code"], "eligible", "{near}");
        let (_, missing) = sme.get(&format!("/api/v1/products/{}/verdict", v.missing)).await;
        assert_eq!(missing["standing"]["code"], "eligible", "{missing}");
        // Audited like the profile page's save, naming where it came from.
        let (_, audit) = sme.get("/api/v1/audit").await;
        let entry = audit["items"]
            .as_array()
            .or_else(|| audit.as_array())
            .unwrap()
            .iter()
            .find(|e| e["action"] == "profile.update" && e["detail"]["via"] == "match")
            .unwrap_or_else(|| panic!("an audit entry: {audit}"))
            .clone();
        assert_eq!(entry["enterprise_id"], enterprise);

        // Only the firm's own users save; others are sent to sign in or refused, and nothing changes.
        // (Anonymous, without a visitor's CSRF cookie, is refused before anything.)
        let (status, _, _) = app.anonymous().post_form("/match/save", &[("tax_grade", "D")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, _, _) = post_save(&bank, "", &match_form(&[("tax_grade", "D")])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, me) = sme.get("/api/v1/me/profile").await;
        assert_eq!(me["profile"]["tax_credit_grade"], "A");

        // Anonymous visitors keep the generic defaults and no save button.
        let (_, html) = app.anonymous().get_text("/match").await;
        assert!(!html.contains("data-profile") && !html.contains("保存到企业档案"));
    }
}

#[tokio::test]
async fn an_omitted_list_is_not_given_and_an_empty_one_is_none() {
    // Without the demo catalogue, so that every product of the test is among those shown.
    for app in TestApp::each(false).await {
        let v = verdict_products(&app).await;
        let qualified = product_with(&app, "FIRM-QUAL", "qualifications_any=high_tech|specialised", "all").await;
        let profile = known_profile(&json!({}));
        let body = |profile: &Value| json!({"profile": profile, "need": {"amount": 50_000_000, "term": 12, "purpose": "working_capital"}, "limit": 100, "details": true});
        let placed = |out: &Value, id: i64| -> (String, Value) {
            for list in ["eligible", "near_misses", "needs_info", "to_confirm", "ineligible"] {
                if let Some(item) = out[list].as_array().unwrap().iter().find(|i| i["product"]["id"] == id) {
                    return (list.to_owned(), item.clone());
                }
            }
            panic!("{id} is in no list shown: {out}")
        };
        let mut without_uscc = profile.clone();
        without_uscc.as_object_mut().unwrap().remove("uscc");

        // Sectors left out: the sector rule is 需补充, named in the counts too.
        let (status, out) = app.post_json("/api/v1/match", &body(&without_uscc)).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let (list, item) = placed(&out, v.missing);
        assert_eq!((list.as_str(), &item["missing"]), ("needs_info", &json!(["sectors_any"])), "{item}");
        assert!(out["missing"].as_array().unwrap().iter().any(|r| r["code"] == "sectors_any"));
        // Sectors given as none: the rule fails.
        let mut none = without_uscc.clone();
        none["sectors"] = json!([]);
        let (_, out) = app.post_json("/api/v1/match", &body(&none)).await;
        let (list, item) = placed(&out, v.missing);
        assert_eq!((list.as_str(), &item["failed"]), ("ineligible", &json!(["sectors_any"])), "{item}");

        // The same for qualifications.
        let (_, out) = app.post_json("/api/v1/match", &body(&none)).await;
        let (list, _) = placed(&out, qualified);
        assert_eq!(list, "ineligible", "tech_sme is not high_tech");
        let mut unknown = none.clone();
        unknown.as_object_mut().unwrap().remove("qualifications");
        let (_, out) = app.post_json("/api/v1/match", &body(&unknown)).await;
        let (list, item) = placed(&out, qualified);
        assert_eq!((list.as_str(), &item["missing"]), ("needs_info", &json!(["qualifications_any"])), "{item}");
        let finding =
            item["details"]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "qualifications_any").unwrap();
        assert_eq!(finding["message"]["zh"], "需补充：企业资质（没有也请注明）");
        let mut empty = none.clone();
        empty["qualifications"] = json!([]);
        let (_, out) = app.post_json("/api/v1/match", &body(&empty)).await;
        let (list, item) = placed(&out, qualified);
        assert_eq!((list.as_str(), &item["failed"]), ("ineligible", &json!(["qualifications_any"])));
        let finding =
            item["details"]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "qualifications_any").unwrap();
        assert_eq!(finding["actual"]["zh"], "暂无相关资质");

        // The OpenAPI document describes the profile member by member, with what leaving a list out means.
        let (_, doc) = app.get_json("/api/openapi.json").await;
        let schema = &doc["components"]["schemas"]["EnterpriseProfile"];
        assert!(schema["properties"]["revenue"]["description"].as_str().unwrap().contains("fen"), "{schema}");
        assert!(schema["properties"]["qualifications"]["description"].as_str().unwrap().contains("需补充"));
        assert_eq!(schema["required"], json!(["district", "industry", "established", "employees", "revenue"]));
        let body_schema = &doc["components"]["schemas"]["MatchBody"]["properties"]["profile"];
        assert!(body_schema.to_string().contains("EnterpriseProfile"), "{body_schema}");
    }
}
