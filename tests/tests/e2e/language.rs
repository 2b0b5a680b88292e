//! One language per page: every page of the site, as each role sees it, in Chinese and in English, read as a
//! person reads it (`page_text.rs`). A page fails on a `snake_case` code, raw JSON, a programmer's word, or
//! text in the other language outside data marked with `lang` (a product's or a firm's name).
//!
//! The pages are found in the features' routers, so a page added later is walked too or the test says so.

use crate::app::TestApp;
use crate::client::Client;
use crate::page_text::{Fault, faults};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_OPERATOR, DEMO_PROVIDER, DEMO_SME, DEMO_SME2};
use regex::Regex;
use serde_json::json;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// Faults found before this walk existed and not yet mended, one per line: route, page language, fault and
/// text (digits as `N`), tab-separated. The walk fails on any fault not listed here and on any listed one it
/// no longer finds, so the list only shrinks.
const KNOWN: &str = include_str!("language_known.tsv");

/// The pages that are not pages to read: a file, a download, a redirect.
const NOT_READ: [&str; 3] = ["/bank/products/template.xlsx", "/applications/{id}/documents/{document_id}", "/me"];

/// Every `GET` route of the features' pages, as written in their routers (`{id}` for parameters).
fn page_routes() -> BTreeSet<String> {
    let features = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/web/src/features");
    let route = Regex::new(r#"\.route\(\s*("[^"]+"|PATH)\s*,"#).unwrap();
    let constant = Regex::new(r#"const PATH: &str = "([^"]+)""#).unwrap();
    let mut routes = BTreeSet::new();
    for feature in std::fs::read_dir(features).unwrap() {
        let file = feature.unwrap().path().join("pages.rs");
        let Ok(source) = std::fs::read_to_string(&file) else { continue };
        let path_constant = constant.captures(&source).map(|c| c[1].to_owned());
        let starts: Vec<_> = route.captures_iter(&source).collect();
        for (i, found) in starts.iter().enumerate() {
            let whole = found.get(0).unwrap();
            // A route's handlers run to the next route or the end of the router function.
            let router_end = source[whole.end()..].find("\n}").map_or(source.len(), |at| whole.end() + at);
            let end = starts.get(i + 1).map_or(router_end, |next| next.get(0).unwrap().start().min(router_end));
            if !source[whole.end()..end].contains("get(") {
                continue;
            }
            let path = match &found[1] {
                "PATH" => path_constant.clone().expect("PATH constant"),
                quoted => quoted.trim_matches('"').to_owned(),
            };
            routes.insert(path);
        }
    }
    routes
}

fn with_lang(path: &str, lang: &str) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}lang={lang}")
}

/// Publishes a product of the demo bank guaranteed by the demo agency, with a 材料清单.
async fn publish(app: &TestApp, bank: &Client<'_>, operator: &Client<'_>, code: &str) -> i64 {
    let mut listing = crate::journey::new_product_named(code, &format!("语言测试贷 {code}"));
    listing["guarantee_agency_code"] = json!("jinmen-guarantee");
    listing["guarantee_fee_pct"] = json!(1);
    listing["materials"] = json!(["营业执照", "近一年纳税证明"]);
    let product = crate::journey::publish_listing(bank, operator, &listing).await;
    app.catch_up().await;
    product
}

#[tokio::test]
async fn every_page_reads_in_one_language_for_every_role() {
    let app = TestApp::with_demo(crate::app::Backend::Sqlite).await.unwrap();
    let anonymous = app.anonymous();
    let (sme, sme2, bank, agency, operator, provider) = (
        app.sign_in(DEMO_SME).await,
        app.sign_in(DEMO_SME2).await,
        app.sign_in(DEMO_BANK).await,
        app.sign_in(DEMO_AGENCY).await,
        app.sign_in(DEMO_OPERATOR).await,
        app.sign_in(DEMO_PROVIDER).await,
    );
    let (_, me) = bank.get("/api/v1/session").await;
    let bank_id = me["account"]["institution_id"].as_i64().unwrap();
    let (_, me) = sme.get("/api/v1/session").await;
    let enterprise = me["account"]["enterprise_id"].as_i64().unwrap();

    // A world with something on every page: an application taken through approval and disbursement with a
    // document and messages, a second one waiting, a need with an offer, an invitation, a favourite, a
    // product waiting for review and a draft, an account invitation, a branch and a 客户经理.
    let product = publish(&app, &bank, &operator, "LANG-1").await;
    let other = publish(&app, &bank, &operator, "LANG-2").await;
    sme.post("/api/v1/me/consents", &json!({"institution_id": bank_id})).await;
    sme2.post("/api/v1/me/consents", &json!({"institution_id": bank_id})).await;
    // The bank sees the SME's verified facts too (a section of its view of the firm), until a day in the future.
    let until = (chrono::Utc::now() + chrono::Duration::days(90)).date_naive().to_string();
    let facts = json!({"institution_ids": [bank_id], "expires_on": until});
    let (status, body) = sme.post("/api/v1/me/fact-authorisations", &facts).await;
    assert!(status.is_success(), "authorise facts: {status} {body}");
    // The demo's departments sent facts about the SME's firm, so both its profile page and the bank's view
    // of it show verified facts in both languages.
    let (_, facts) = sme.get("/api/v1/me/facts").await;
    assert!(facts["stored"].as_u64().unwrap_or(0) > 0, "the demo SME has verified facts: {facts}");
    sme.put("/api/v1/me/contact", &json!({"name": "周敏", "phone": "022-23456789"})).await;
    // A department's token and a batch it sent.
    provider.post("/api/v1/tokens", &json!({"name": "信用平台推送"})).await;
    let (_, profile) = sme.get("/api/v1/me/profile").await;
    let batch = json!([{"source_record_id": "LANG-1", "uscc": profile["profile"]["uscc"], "kind": "tax_credit_grade",
        "value": "A", "as_of": "2025-12-31"}]);
    let (status, sent) = provider.post("/api/v1/facts/batches", &batch).await;
    assert_eq!(status, axum::http::StatusCode::CREATED, "{sent}");
    let apply = |product: i64, key: &'static str| {
        let sme = &sme;
        async move {
            let body = json!({"product_id": product, "amount": "200000", "term": "12", "purpose": "working_capital",
                "idempotency_key": key});
            let (status, created) = sme.post("/api/v1/applications", &body).await;
            assert!(status.is_success(), "apply: {status} {created}");
            created["id"].as_i64().unwrap()
        }
    };
    let application = apply(product, "lang-1").await;
    let waiting = apply(other, "lang-2").await;
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let (status, uploaded) = crate::documents::upload(&sme, application, "营业执照.pdf", pdf, Some("营业执照")).await;
    assert!(status.is_success(), "upload: {status} {uploaded}");
    let thread = format!("/api/v1/applications/{application}/messages");
    sme.post(&thread, &json!({"body": "您好，请问还需要补充哪些材料？"})).await;
    bank.post(&thread, &json!({"body": "请补充近一年的纳税证明。"})).await;
    let (status, body) = bank.step(application, &json!({"action": "accept"})).await;
    assert!(status.is_success(), "accept: {status} {body}");
    let (status, body) = bank.approve_as_asked(application).await;
    assert!(status.is_success(), "approve: {status} {body}");
    let payment = bank.payment_of_approval(application).await;
    let (status, body) = bank.step(application, &payment).await;
    assert!(status.is_success(), "disburse: {status} {body}");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive().to_string();
    let (_, need) = sme
        .post(
            "/api/v1/me/needs",
            &json!({"amount": 50_000_000, "term": 12, "purpose": "working_capital",
            "purpose_text": "采购原材料", "deadline": deadline}),
        )
        .await;
    let need = need["id"].as_i64().expect("a need");
    let offer = json!({"product_id": product, "amount": 30_000_000, "rate": 420, "term": 12, "note": "三日放款"});
    let (status, body) = bank.post(&format!("/api/v1/needs/{need}/offers"), &offer).await;
    assert!(status.is_success(), "offer: {status} {body}");
    let (_, me2) = sme2.get("/api/v1/session").await;
    let enterprise2 = me2["account"]["enterprise_id"].as_i64().unwrap();
    let (status, body) =
        bank.post("/api/v1/invitations", &json!({"enterprise_id": enterprise2, "product_id": product})).await;
    assert!(status.is_success(), "invite: {status} {body}");
    sme.put(&format!("/api/v1/me/favourites/{product}"), &json!({})).await;
    bank.post(
        "/api/v1/institution/branches",
        &json!({"name": "南开支行", "address": "南开区鞍山西道 1 号", "phone": "022-27654321"}),
    )
    .await;
    let (status, draft) =
        bank.post("/api/v1/bank/products", &crate::journey::new_product_named("LANG-3", "语言测试草稿贷")).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let draft = draft["id"].as_i64().unwrap();
    let (status, pending) =
        bank.post("/api/v1/bank/products", &crate::journey::new_product_named("LANG-4", "语言测试待审贷")).await;
    assert_eq!(status, StatusCode::CREATED, "{pending}");
    bank.post(&format!("/api/v1/bank/products/{}/submit", pending["id"]), &json!({})).await;
    let (status, invited) = operator
        .post("/api/v1/accounts", &json!({"login": "lang@haihe.cn", "display_name": "新同事", "role": "institution", "institution_id": bank_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invite = invited["invite_path"].as_str().unwrap().to_owned();
    app.catch_up().await;

    let cost = format!("/fragments/cost/{product}?amount=200000&term=12");
    let visit = |route: &'static str, path: String, reader: &'static str| (route, path, reader);
    let table = [
        visit("/", "/".into(), "anonymous"),
        visit("/", format!("/?q={}", crate::app::encode("专利贷")), "anonymous"),
        visit("/", "/?amount=-5".into(), "anonymous"),
        visit("/fragments/results", format!("/fragments/results?q={}", crate::app::encode("信用贷")), "anonymous"),
        visit("/products/{id}", format!("/products/{product}"), "anonymous"),
        visit("/products/{id}", "/products/999999".into(), "anonymous"),
        visit("/fragments/cost/{id}", cost, "anonymous"),
        visit("/compare", format!("/compare?ids={product},{other}"), "sme"),
        visit("/match", "/match".into(), "sme"),
        visit("/fragments/match", "/fragments/match".into(), "sme"),
        visit("/login", "/login".into(), "anonymous"),
        visit("/register", "/register".into(), "anonymous"),
        visit("/invite/{token}", invite, "anonymous"),
        visit("/apply/{product_id}", format!("/apply/{other}"), "sme"),
        visit("/sme/applications", "/sme/applications".into(), "sme"),
        visit("/sme/applications/{id}", format!("/sme/applications/{application}"), "sme"),
        visit("/sme/applications/{id}", format!("/sme/applications/{waiting}"), "sme"),
        visit("/sme/applications/{id}/submitted", format!("/sme/applications/{waiting}/submitted"), "sme"),
        visit("/sme/applications/{id}/documents", format!("/sme/applications/{waiting}/documents"), "sme"),
        visit("/applications/{id}/conversation", format!("/applications/{application}/conversation"), "sme"),
        visit("/applications/{id}/conversation", format!("/applications/{application}/conversation"), "bank"),
        visit("/sme/favourites", "/sme/favourites".into(), "sme"),
        visit("/sme/needs", "/sme/needs".into(), "sme"),
        visit("/sme/needs/{id}", format!("/sme/needs/{need}"), "sme"),
        visit("/sme/profile", "/sme/profile".into(), "sme"),
        visit("/sme/consent", "/sme/consent".into(), "sme"),
        visit("/sme/contact", "/sme/contact".into(), "sme"),
        visit("/sme/invitations", "/sme/invitations".into(), "sme2"),
        visit("/notifications", "/notifications".into(), "sme"),
        visit("/notifications", "/notifications".into(), "bank"),
        visit("/audit", "/audit".into(), "sme"),
        visit("/audit", "/audit".into(), "bank"),
        visit("/audit", "/audit".into(), "operator"),
        visit("/bank/inbox", "/bank/inbox".into(), "bank"),
        visit("/bank/applications/{id}", format!("/bank/applications/{application}"), "bank"),
        visit("/bank/applications/{id}", format!("/bank/applications/{waiting}"), "bank"),
        visit("/bank/products", "/bank/products".into(), "bank"),
        visit("/bank/products/new", "/bank/products/new".into(), "bank"),
        visit("/bank/products/upload", "/bank/products/upload".into(), "bank"),
        visit("/bank/products/{id}", format!("/bank/products/{draft}"), "bank"),
        visit("/bank/products/{id}", format!("/bank/products/{product}"), "bank"),
        visit("/bank/needs", "/bank/needs".into(), "bank"),
        visit("/bank/candidates", "/bank/candidates".into(), "bank"),
        visit("/bank/candidates", format!("/bank/candidates?product={product}"), "bank"),
        visit("/bank/enterprises/{id}", format!("/bank/enterprises/{enterprise}"), "bank"),
        visit(
            "/bank/enterprises/{id}/credit-summary",
            format!("/bank/enterprises/{enterprise}/credit-summary"),
            "bank",
        ),
        visit("/bank/invitations", "/bank/invitations".into(), "bank"),
        visit("/bank/invitations/new", format!("/bank/invitations/new?enterprise={enterprise2}"), "bank"),
        visit("/bank/contacts", "/bank/contacts".into(), "bank"),
        visit("/bank/tokens", "/bank/tokens".into(), "bank"),
        visit("/agency/dashboard", "/agency/dashboard".into(), "agency"),
        visit("/agency/dashboard/applications", "/agency/dashboard/applications".into(), "agency"),
        visit("/agency/products", "/agency/products".into(), "agency"),
        visit("/admin/dashboard", "/admin/dashboard".into(), "operator"),
        visit("/admin/dashboard/applications", "/admin/dashboard/applications".into(), "operator"),
        visit("/admin/reviews", "/admin/reviews".into(), "operator"),
        visit("/admin/institutions", "/admin/institutions".into(), "operator"),
        visit("/admin/rates", "/admin/rates".into(), "operator"),
        visit("/admin/accounts", "/admin/accounts".into(), "operator"),
        visit("/admin/facts", "/admin/facts".into(), "operator"),
        visit("/provider", "/provider".into(), "provider"),
        visit("/provider/tokens", "/provider/tokens".into(), "provider"),
    ];

    // Every page of the routers is in the table (or named as not a page to read).
    let walked: BTreeSet<String> = table.iter().map(|(route, _, _)| (*route).to_owned()).collect();
    let missing: Vec<_> =
        page_routes().into_iter().filter(|r| !walked.contains(r) && !NOT_READ.contains(&r.as_str())).collect();
    assert!(missing.is_empty(), "pages the language walk does not visit: {missing:?}");

    let client = |reader: &str| match reader {
        "anonymous" => &anonymous,
        "sme" => &sme,
        "sme2" => &sme2,
        "bank" => &bank,
        "agency" => &agency,
        "operator" => &operator,
        "provider" => &provider,
        other => panic!("no reader {other}"),
    };
    let digits = Regex::new(r"[0-9]+").unwrap();
    let mut found = BTreeSet::new();
    for (route, path, reader) in &table {
        for lang in ["zh", "en"] {
            let address = with_lang(path, lang);
            let (status, html) = client(reader).get_text(&address).await;
            assert!(status.as_u16() < 500, "{reader} GET {address}: {status}\n{html}");
            let html = if route.starts_with("/fragments/") {
                let declared = if lang == "en" { "en" } else { "zh-CN" };
                format!(r#"<html lang="{declared}"><body>{html}</body></html>"#)
            } else {
                html
            };
            let page_faults: Vec<Fault> = faults(&html);
            for fault in page_faults {
                let text = digits.replace_all(&fault.text, "N");
                found.insert(format!("{route}\t{lang}\t{}\t{text}", fault.kind));
            }
        }
    }
    let known: BTreeSet<String> =
        KNOWN.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    let new: Vec<_> = found.difference(&known).collect();
    let mended: Vec<_> = known.difference(&found).collect();
    let mut report = String::new();
    for line in &new {
        let _ = writeln!(report, "{line}");
    }
    assert!(
        new.is_empty(),
        "text in the wrong language or a code shown to people (route, page language, fault, text):\n{report}"
    );
    assert!(mended.is_empty(), "mended, so remove from language_known.tsv: {mended:#?}");
}
