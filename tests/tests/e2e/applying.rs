//! Applying is checked, on SQLite and PostgreSQL: at submission the firm's stored profile is judged by the
//! product's conditions with the application's amount and term (the product page's verdict): an ineligible
//! firm is refused with the reasons and what would change them, missing facts are asked for (naming them,
//! with the way to the profile), facts only the lender can confirm do not hold it back, and a second open
//! application to one product is refused with a link to the first. Through the API (stable codes) and the
//! pages (the message beside the form, which keeps what was typed). Nothing stored changes on a refusal.

use crate::app::TestApp;
use crate::client::Client;
use crate::firm::{known_firm, product_with, verdict_products};
use axum::http::StatusCode;
use finmart_cli::demo_accounts::DEMO_BANK;
use serde_json::{Value, json};

async fn apply(sme: &Client<'_>, product: i64, key: &str) -> (StatusCode, Value) {
    let body = json!({"product_id": product, "amount": "50万", "term": "12", "purpose": "working_capital",
        "purpose_text": "采购原材料", "idempotency_key": key});
    sme.post("/api/v1/applications", &body).await
}

/// The application form as posted, with its key.
fn form(key: &str) -> [(&'static str, String); 5] {
    [
        ("idempotency_key", key.to_owned()),
        ("amount", "66".to_owned()),
        ("term", "18".to_owned()),
        ("purpose", "working_capital".to_owned()),
        ("purpose_text", "扩大生产".to_owned()),
    ]
}

async fn post_form(sme: &Client<'_>, uri: &str, key: &str) -> (StatusCode, Option<String>, String) {
    let fields = form(key);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sme.post_form(uri, &pairs).await
}

async fn count(sme: &Client<'_>) -> usize {
    let (_, mine) = sme.get("/api/v1/applications").await;
    mine["items"].as_array().unwrap().len()
}

fn codes(reasons: &Value) -> Vec<&str> {
    reasons.as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn an_ineligible_firm_is_refused_with_the_reasons_and_what_would_change_them() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (sme, _) = known_firm(&app).await;
        let v = verdict_products(&app).await;

        // The API: 422, a stable code, every failed condition with the firm's value and what would change it.
        let (status, body) = apply(&sme, v.ineligible, "no-1").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {body}");
        assert_eq!(body["code"], "ineligible");
        assert_eq!(codes(&body["reasons"]), ["district", "scales", "industries_allowed"], "{body}");
        assert!(body["reasons"].as_array().unwrap().iter().all(|r| r["outcome"] == "fail"));
        assert!(body["message"].as_str().unwrap().starts_with("贵企业不符合该产品的申请条件：要求服务"), "{body}");
        assert!(body["message_en"].as_str().unwrap().contains("does not meet"));
        let (status, body) = apply(&sme, v.near, "near-1").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ineligible")));
        let reason = &body["reasons"][0];
        assert_eq!(
            (reason["code"].as_str(), reason["profile_field"].as_str()),
            (Some("min_tax_credit_grade"), Some("tax_credit_grade"))
        );
        assert_eq!(reason["message"], "要求纳税信用等级 A 级及以上，贵企业为 B 级");
        assert_eq!(
            (reason["fix"].as_str(), reason["fix_en"].as_str()),
            (Some("将纳税信用等级提升至 A 级"), Some("Raise the tax grade to A"))
        );
        assert_eq!(count(&sme).await, 0, "{backend}: nothing stored");
        let (_, notes) = app.sign_in(DEMO_BANK).await.get("/api/v1/notifications").await;
        assert!(notes["items"].as_array().unwrap().iter().all(|n| n["kind"] != "application_submitted"));

        // The page: the reasons beside the form, what was typed kept; English on the switch.
        let uri = format!("/apply/{}", v.near);
        let (status, _, html) = post_form(&sme, &uri, "near-page").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {html}");
        assert!(html.contains("data-code=\"ineligible\"") && html.contains("申请未提交"), "{html}");
        assert!(
            html.contains("要求纳税信用等级 A 级及以上，贵企业为 B 级") && html.contains("将纳税信用等级提升至 A 级")
        );
        assert!(html.contains("href=\"/sme/profile#f-tax_grade\""));
        assert!(html.contains("value=\"66\"") && html.contains("value=\"18\"") && html.contains("扩大生产"), "kept");
        let (_, _, html) = post_form(&sme, &format!("{uri}?lang=en"), "near-page-en").await;
        assert!(html.contains("Not submitted") && html.contains("Raise the tax grade to A"), "{html}");
        assert_eq!(count(&sme).await, 0);

        // Once the firm meets the condition (its profile says so), the same application goes through.
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let mut profile = me["profile"].clone();
        profile["tax_credit_grade"] = json!("A");
        let (status, _) = sme.put("/api/v1/me/profile", &profile).await;
        assert_eq!(status, StatusCode::OK);
        let (status, created) = apply(&sme, v.near, "near-2").await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {created}");
        assert_eq!(created["profile"]["tax_credit_grade"], "A", "the judged profile is the one it carries");
    }
}

#[tokio::test]
async fn missing_facts_are_asked_for_before_submitting() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (sme, _) = known_firm(&app).await;
        let v = verdict_products(&app).await;

        // The form says so before anything is submitted, with the way to the profile.
        let uri = format!("/apply/{}", v.missing);
        let (status, html) = sme.get_text(&uri).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-standing=\"needs_info\"") && html.contains("需补充：所属重点产业"), "{html}");
        assert!(html.contains("href=\"/sme/profile#f-sector\""));

        // The API refuses naming the facts and the profile member, with the profile page to go to.
        let (status, body) = apply(&sme, v.missing, "miss-1").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {body}");
        assert_eq!(body["code"], "profile_incomplete");
        assert_eq!(codes(&body["reasons"]), ["sectors_any"]);
        assert_eq!(
            (body["reasons"][0]["outcome"].as_str(), body["reasons"][0]["profile_field"].as_str()),
            (Some("missing"), Some("sectors"))
        );
        assert_eq!(body["link"], "/sme/profile");
        assert!(body["message"].as_str().unwrap().starts_with("请先在企业档案中补充：所属重点产业"), "{body}");
        // And the page, beside the form.
        let (status, _, html) = post_form(&sme, &uri, "miss-page").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("data-code=\"profile_incomplete\"") && html.contains("去完善企业档案"), "{html}");
        assert!(html.contains("value=\"66\""));
        assert_eq!(count(&sme).await, 0, "{backend}");

        // Given (even as "none of them"), the rule decides: here it fails, for a firm in none of the sectors.
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let mut profile = me["profile"].clone();
        profile["sectors"] = json!([]);
        sme.put("/api/v1/me/profile", &profile).await;
        let (status, body) = apply(&sme, v.missing, "miss-2").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ineligible")), "{body}");

        // What only the lender can confirm (its own words, an area its page leaves out) does not hold it back.
        let confirm = product_with(&app, "FIRM-ASK", "other_conditions=经营者无不良嗜好", "all").await;
        let (_, verdict) = sme.get(&format!("/api/v1/products/{confirm}/verdict")).await;
        assert_eq!(verdict["standing"]["code"], "to_confirm", "{verdict}");
        let (status, created) = apply(&sme, confirm, "ask-1").await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {created}");
    }
}

#[tokio::test]
async fn a_second_open_application_is_refused_with_a_link_to_the_first() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (sme, _) = known_firm(&app).await;
        let v = verdict_products(&app).await;
        let (status, first) = apply(&sme, v.eligible, "dup-1").await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {first}");
        let id = first["id"].as_i64().unwrap();

        // The same key again is the first (a double click, a retry), never a refusal.
        let (status, again) = apply(&sme, v.eligible, "dup-1").await;
        assert_eq!((status, again["id"].as_i64()), (StatusCode::OK, Some(id)));
        // Another key: 409, naming the first.
        let (status, body) = apply(&sme, v.eligible, "dup-2").await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend}: {body}");
        assert_eq!(body["code"], "duplicate_application");
        assert_eq!(
            (body["link"].as_str(), body["application_id"].as_i64()),
            (Some(format!("/sme/applications/{id}").as_str()), Some(id))
        );
        assert!(body["message"].as_str().unwrap().contains("在途申请"));
        assert_eq!(count(&sme).await, 1);

        // The page says so before, and refuses with the link after, keeping what was typed.
        let uri = format!("/apply/{}", v.eligible);
        let (_, html) = sme.get_text(&uri).await;
        assert!(html.contains("id=\"open-application\"") && html.contains(&format!("href=\"/sme/applications/{id}\"")));
        let (status, _, html) = post_form(&sme, &uri, "dup-page").await;
        assert_eq!(status, StatusCode::CONFLICT, "{html}");
        assert!(
            html.contains("data-code=\"duplicate_application\"") && html.contains(&format!("/sme/applications/{id}"))
        );
        assert!(html.contains("value=\"66\""));
        assert_eq!(count(&sme).await, 1);

        // Accepted is still open; withdrawn, the firm may apply again.
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, _) =
            bank.post(&format!("/api/v1/applications/{id}/transitions"), &json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = apply(&sme, v.eligible, "dup-3").await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) =
            sme.post(&format!("/api/v1/applications/{id}/transitions"), &json!({"action": "withdraw"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = post_form(&sme, &uri, "dup-page").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{backend}: applied again from the page");
        assert_eq!(count(&sme).await, 2);

        // The error body's refusal members are in the OpenAPI document.
        let (_, doc) = app.get_json("/api/openapi.json").await;
        let schemas = &doc["components"]["schemas"];
        let body = format!("{} {}", schemas["ErrorBody"], schemas["Refusal"]);
        for member in ["reasons", "link", "application_id"] {
            assert!(body.contains(member), "{member} in {body}");
        }
        assert!(schemas["Reason"]["properties"]["fix"].is_object(), "{}", schemas["Reason"]);
    }
}
