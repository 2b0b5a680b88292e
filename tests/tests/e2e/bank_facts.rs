//! A bank's view of a firm's verified facts where it works (issue 17, item 5): badges per fact on its inbox,
//! on the application and on a product's candidates (API and pages), and the printable 授权查询版 credit
//! summary, all only while the firm's authorisation of its facts for that bank holds. The firm authorises bank
//! A only: bank A sees the badges (a conflict, a fact out of date as 需更新) and opens the summary, bank B
//! sees `null` and "not authorised" and gets 404; after the firm withdraws, bank A's next request shows
//! nothing; every showing is in the firm's view log. On SQLite and PostgreSQL.

use crate::app::TestApp;
use crate::client::Client;
use crate::consent_needs::tailored_product;
use crate::verified_facts::{CERTIFICATE, CODE, in_future, institution_of, load_facts, register};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_BANK2};
use serde_json::{Value, json};

/// The firm's application to `product` (100 万元 for a year).
async fn apply(sme: &Client<'_>, product: i64, key: &str) -> i64 {
    let body = json!({"product_id": product, "amount": "100万", "term": "12", "purpose": "working_capital",
        "idempotency_key": key});
    let (status, created) = sme.post("/api/v1/applications", &body).await;
    assert_eq!(status, StatusCode::CREATED, "apply: {created}");
    created["id"].as_i64().expect("application id")
}

/// Whether the page links to `path` (an attribute's slashes may be written `&#x2f;`).
fn links_to(html: &str, path: &str) -> bool {
    html.contains(path) || html.contains(&path.replace('/', "&#x2f;"))
}

/// The badge of `kind` (and, for a qualification, which one).
fn badge<'a>(facts: &'a Value, kind: &str) -> &'a Value {
    facts["badges"]
        .as_array()
        .unwrap_or_else(|| panic!("badges in {facts}"))
        .iter()
        .find(|b| b["kind"]["code"] == kind)
        .unwrap_or_else(|| panic!("a {kind} badge in {facts}"))
}

/// The inbox item of application `id`, as the API lists it for `client`.
async fn listed(client: &Client<'_>, id: i64) -> Value {
    let (status, list) = client.get("/api/v1/applications").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

/// The candidate `firm` of `product`, as the API lists it for `client`.
async fn candidate(client: &Client<'_>, product: i64, firm: i64) -> Value {
    let (status, found) = client.get(&format!("/api/v1/products/{product}/candidates?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["profile_id"] == firm)
        .cloned()
        .unwrap_or_else(|| panic!("firm {firm} among the candidates: {found}"))
}

/// How many views of the firm's facts its log holds, and whether every one is by `institution`.
async fn facts_views(sme: &Client<'_>, institution: i64) -> usize {
    let (status, views) = sme.get("/api/v1/me/profile-views?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{views}");
    let facts: Vec<&Value> = views.as_array().unwrap().iter().filter(|v| v["context"] == "facts").collect();
    assert!(facts.iter().all(|v| v["institution_id"] == institution), "only the authorised bank: {views}");
    facts.len()
}

#[tokio::test]
async fn only_the_authorised_bank_sees_badges_and_the_credit_summary_and_only_while_it_holds() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        load_facts(&app).await;
        let (sme, firm) = register(&app).await;
        let (bank, bank2) = (app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_BANK2).await);
        let (a, b) = (institution_of(&bank).await, institution_of(&bank2).await);
        // Each bank has a product only this firm fits, which it applied to; it lets both see its profile.
        let fits = json!({"revenue": 800_000_000, "district": "binhai"});
        let (product_a, product_b) = (tailored_product(&app, a, &fits).await, tailored_product(&app, b, &fits).await);
        app.catch_up().await;
        for id in [a, b] {
            let (status, body) = sme.post("/api/v1/me/consents", &json!({"institution_id": id})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (app_a, app_b) = (apply(&sme, product_a, "facts-a").await, apply(&sme, product_b, "facts-b").await);

        // Before any authorisation of the facts: `null` everywhere, for both banks.
        assert!(listed(&bank, app_a).await["verified_facts"].is_null(), "{be}: not yet authorised");
        assert_eq!(facts_views(&sme, a).await, 0, "{be}: nothing shown, nothing logged");

        // Bank A only, for thirty days.
        let until = in_future(30);
        let (status, body) =
            sme.post("/api/v1/me/fact-authorisations", &json!({"institution_ids": [a], "expires_on": until})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Bank A: the inbox list, the application and the candidates carry the badges.
        let item = listed(&bank, app_a).await;
        let facts = &item["verified_facts"];
        assert!(facts.is_object(), "{be}: {item}");
        let grade = badge(facts, "tax_credit_grade");
        assert_eq!((grade["state"].as_str(), grade["state_label"].as_str()), (Some("conflict"), Some("核验结果不符")));
        assert_eq!(grade["text"], "纳税信用等级 B 级", "{be}: the verified value, the declared one was A");
        assert_eq!(grade["source"]["code"], "tax");
        assert_eq!(grade["provider"], "测试税务局");
        assert_eq!(grade["as_of"], "2025-12-31");
        let tax = badge(facts, "tax_paid");
        assert_eq!((tax["state"].as_str(), tax["state_label"].as_str()), (Some("expired"), Some("需更新")), "{be}");
        assert_eq!(tax["state_label_en"], "Needs updating");
        assert_eq!(badge(facts, "registered_capital")["state"], "verified");
        let title = badge(facts, "qualification");
        assert_eq!((title["text"].as_str(), title["state_label"].as_str()), (Some("高新技术企业"), Some("已核验")));
        assert_eq!(badge(facts, "social_insurance_headcount")["text"], "社保缴纳人数 23 人");
        assert!(facts["badges"].as_array().unwrap().iter().all(|b| b["kind"]["code"] != "established"), "no fact");
        assert_eq!(facts["authorised_all"], false);
        assert!(facts["authorised_until"].as_str().is_some());
        let summary = format!("/bank/enterprises/{firm}/credit-summary");
        assert_eq!(facts["summary_link"], summary.as_str());
        let (status, one) = bank.get(&format!("/api/v1/applications/{app_a}")).await;
        assert_eq!(status, StatusCode::OK, "{one}");
        assert_eq!(badge(&one["verified_facts"], "tax_credit_grade")["state"], "conflict", "{be}");
        let found = candidate(&bank, product_a, firm).await;
        assert_eq!(badge(&found["verified_facts"], "tax_paid")["state_label"], "需更新", "{be}: {found}");
        // Other callers of the list get no such field: it is the lender's.
        let (_, own) = sme.get("/api/v1/applications").await;
        assert!(own["items"][0].get("verified_facts").is_none(), "{be}: {own}");

        // And its pages: the badges, their source and date, the summary's link.
        for page in [
            "/bank/inbox".to_owned(),
            format!("/bank/applications/{app_a}"),
            format!("/bank/candidates?product={product_a}"),
        ] {
            let (status, html) = bank.get_text(&page).await;
            assert_eq!(status, StatusCode::OK, "{be} {page}");
            for text in ["纳税信用等级 B 级·核验结果不符", "需更新", "高新技术企业·已核验", "税务部门 · 2025-12-31"]
            {
                assert!(html.contains(text), "{be}: {page} shows {text}");
            }
            assert!(links_to(&html, &summary), "{be}: {page} links to the summary");
            assert!(!html.contains("未授权查看核验信息"), "{be}: {page}");
            let (_, html) =
                bank.get_text(&format!("{page}{}lang=en", if page.contains('?') { '&' } else { '?' })).await;
            for text in [
                "Tax credit grade: grade B·Verification differs",
                "Needs updating",
                "Credit summary (authorised query)",
            ] {
                assert!(html.contains(text), "{be}: {page} in English shows {text}");
            }
        }

        // The credit summary: every fact with its source, provider and dates, the checks, the authorisation,
        // who queried and when; each opening logged.
        let before = facts_views(&sme, a).await;
        assert!(before >= 2, "{be}: the lists and the application were logged: {before}");
        let (status, html) = bank.get_text(&summary).await;
        assert_eq!(status, StatusCode::OK, "{be}: {html}");
        for text in [
            "企业信用信息（授权查询版）",
            "津沽核验测试科技有限公司",
            CODE,
            CERTIFICATE,
            "2027-11-30",
            "测试税务局",
            "测试信用信息共享平台",
            "税务部门",
            "核验结果不符",
            "需更新",
            "未列入",
            "仅在授权有效期内有效",
            &until,
            "查询时间（北京时间）",
            "data-print",
        ] {
            assert!(html.contains(text), "{be}: the summary shows {text}");
        }
        let name = app.state.store.institution(a).await.unwrap().expect("bank A").name;
        assert!(html.contains(&name), "{be}: the querying institution is named");
        assert_eq!(facts_views(&sme, a).await, before + 1, "{be}: the opening is logged");
        let (_, html) = bank.get_text(&format!("{summary}?lang=en")).await;
        for text in [
            "Enterprise credit summary (authorised query)",
            "Authorised-query copy",
            "Verification differs",
            CERTIFICATE,
        ] {
            assert!(html.contains(text), "{be}: the English summary shows {text}");
        }

        // Bank B: `null` on the API, "not authorised" on the pages, and the summary is not there.
        let item = listed(&bank2, app_b).await;
        assert!(item.get("verified_facts").is_some_and(Value::is_null), "{be}: present and null: {item}");
        let (_, one) = bank2.get(&format!("/api/v1/applications/{app_b}")).await;
        assert!(one["verified_facts"].is_null(), "{be}");
        assert!(candidate(&bank2, product_b, firm).await["verified_facts"].is_null(), "{be}");
        for page in [
            "/bank/inbox".to_owned(),
            format!("/bank/applications/{app_b}"),
            format!("/bank/candidates?product={product_b}"),
        ] {
            let (status, html) = bank2.get_text(&page).await;
            assert_eq!(status, StatusCode::OK, "{be} {page}");
            assert!(html.contains("未授权查看核验信息"), "{be}: bank B's {page} says so");
            assert!(
                !html.contains("纳税信用等级 B 级") && !links_to(&html, &summary),
                "{be}: bank B's {page} shows no fact"
            );
        }
        let (status, html) = bank2.get_text(&summary).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}");
        assert!(!html.contains(CERTIFICATE) && !html.contains(CODE), "{be}: nothing of it");
        assert_eq!(bank2.get(&format!("/api/v1/enterprises/{firm}/facts")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(sme.get_text(&summary).await.0, StatusCode::FORBIDDEN, "{be}: a bank's page");

        // Withdrawn: bank A's very next requests show nothing.
        let (status, body) = sme.delete(&format!("/api/v1/me/fact-authorisations/{a}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let logged = facts_views(&sme, a).await;
        assert!(listed(&bank, app_a).await["verified_facts"].is_null(), "{be}: withdrawn");
        let (_, one) = bank.get(&format!("/api/v1/applications/{app_a}")).await;
        assert!(one["verified_facts"].is_null(), "{be}");
        assert!(candidate(&bank, product_a, firm).await["verified_facts"].is_null(), "{be}");
        for page in [
            "/bank/inbox".to_owned(),
            format!("/bank/applications/{app_a}"),
            format!("/bank/candidates?product={product_a}"),
        ] {
            let (_, html) = bank.get_text(&page).await;
            assert!(html.contains("未授权查看核验信息") && !html.contains("纳税信用等级 B 级"), "{be}: {page}");
        }
        let (status, html) = bank.get_text(&summary).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: the summary is gone");
        assert!(!html.contains(CERTIFICATE));
        assert_eq!(facts_views(&sme, a).await, logged, "{be}: nothing shown, nothing logged");
    }
}
