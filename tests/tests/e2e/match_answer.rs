//! The match answer's shape: a small first page of compact rows whose totals and counts are exact, every
//! row agreeing with the whole explanation (`"details": true`), and `POST /api/v1/match/explain` answering
//! exactly what the full item says, with bad input named.

use crate::app::{Backend, TestApp};
use crate::matching::{need, profile};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// The lists of an answer, in the order the API gives them.
const LISTS: [&str; 5] = ["eligible", "near_misses", "needs_info", "to_confirm", "ineligible"];

/// What the first page may weigh: the budget for a phone.
const FIRST_PAGE_BYTES: usize = 50 * 1024;

/// The answer's body as sent, and as JSON.
async fn answer(app: &TestApp, path: &str, body: &Value) -> (StatusCode, String, Value) {
    let reply =
        app.anonymous().request(Method::POST, path, Some("application/json"), body.to_string().into_bytes()).await;
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, reply.body, json)
}

/// `item` without its `details`.
fn row(item: &Value) -> Value {
    let mut row = item.clone();
    row.as_object_mut().unwrap().remove("details");
    row
}

/// The codes of `details`' findings of `outcome`, as a row gives them: absent when none.
fn codes(details: &Value, outcome: &str) -> Value {
    let codes: Vec<Value> = details["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == outcome)
        .map(|f| f["code"].clone())
        .collect();
    if codes.is_empty() { Value::Null } else { Value::Array(codes) }
}

/// Everything but the lists: the totals, the scale, the weights and the counts by reason.
fn totals(out: &Value) -> Value {
    let mut rest = out.clone();
    for list in LISTS {
        rest.as_object_mut().unwrap().remove(list);
    }
    rest
}

#[tokio::test]
async fn the_first_page_is_small_and_agrees_with_the_whole_explanation() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    // A firm without some figures, so that every list has products on the demo data.
    let mut firm = profile();
    firm.as_object_mut().unwrap().remove("tax_credit_grade");
    for firm in [profile(), firm] {
        let body = json!({"profile": firm, "need": need()});
        let (status, text, compact) = answer(&app, "/api/v1/match", &body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(text.len() <= FIRST_PAGE_BYTES, "the first page weighs {} bytes", text.len());
        let listed: usize = LISTS.iter().map(|l| compact[l].as_array().unwrap().len()).sum();
        assert!(listed >= 40, "the demo data fills the lists: {listed} listed");
        assert!(compact["eligible"][0]["details"].is_null(), "no details unless asked for");

        let mut asked = body.clone();
        asked["details"] = json!(true);
        let (status, full_text, full) = answer(&app, "/api/v1/match", &asked).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            full_text.len() > text.len() * 3,
            "the details are the bulk: {} against {}",
            full_text.len(),
            text.len()
        );
        assert_eq!(totals(&compact), totals(&full), "the totals and counts do not depend on the details");

        for list in LISTS {
            let (rows, items) = (compact[list].as_array().unwrap(), full[list].as_array().unwrap());
            assert_eq!(rows.len(), items.len(), "{list}");
            for (r, item) in rows.iter().zip(items) {
                assert_eq!(*r, row(item), "{list}: a row is its full item without the details");
                let d = &item["details"];
                // What the row says is what the explanation says.
                assert_eq!(r["failed"], codes(d, "fail"), "{list}: {item}");
                assert_eq!(r["missing"], codes(d, "missing"));
                assert_eq!(r["unconfirmed"], codes(d, "unconfirmed"));
                let (p, full) = (&r["product"], &d["product"]);
                assert_eq!((&p["id"], &p["name"], &p["family"]), (&full["id"], &full["name"], &full["family"]["code"]));
                assert_eq!(p["institution"]["name"], full["institution"]["name"]);
                assert_eq!(p["amount_fen"], json!([full["amount_min_fen"], full["amount_max_fen"]]));
                assert_eq!(p["term_months"], json!([full["term_min_months"], full["term_max_months"]]));
                if r["quote"].is_null() {
                    assert!(d["quote"].is_null());
                } else {
                    for key in ["rate_bps", "apr_bps", "first_payment_fen", "total_cost_fen"] {
                        assert_eq!(r["quote"][key], d["quote"][key], "{list}: quote {key}");
                    }
                    for caveat in ["method_assumed", "rate_is_floor", "fee_unstated"] {
                        let said = r["quote"].get(caveat).unwrap_or(&json!(false)).clone();
                        assert_eq!(said, d["quote"][caveat], "{list}: quote {caveat}");
                    }
                    assert_eq!(r["quote"]["method"], d["quote"]["method"]["code"]);
                }
                // A near miss names its one change: its failed check's fix.
                if list == "near_misses" {
                    let failed: Vec<&Value> =
                        d["findings"].as_array().unwrap().iter().filter(|f| f["outcome"] == "fail").collect();
                    assert_eq!((failed.len(), &r["fix"]), (1, &failed[0]["fix"]), "{item}");
                    assert!(r["fix"]["zh"].as_str().is_some_and(|s| !s.is_empty()));
                } else {
                    assert!(r.get("fix").is_none(), "{list}: {r}");
                }
                // The ineligible are ordered by distance, not scored.
                assert_eq!(r["components"].is_null(), list == "ineligible", "{list}: {r}");
            }
        }

        // The explanation of a listed product is exactly its full item, in its list.
        for list in LISTS {
            for item in full[list].as_array().unwrap().iter().take(3) {
                let mut ask = body.clone();
                ask["product_id"] = item["product"]["id"].clone();
                let (status, _, explained) = answer(&app, "/api/v1/match/explain", &ask).await;
                assert_eq!(status, StatusCode::OK, "{explained}");
                assert_eq!(explained, json!({"list": list, "item": item}));
            }
        }
    }
}

#[tokio::test]
async fn explain_answers_only_for_a_listed_product_and_names_bad_fields() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    let body = json!({"profile": profile(), "need": need()});
    let (_, _, out) = answer(&app, "/api/v1/match", &body).await;
    let second = out["ineligible"][1]["product"]["id"].as_i64().expect("two ineligible products on the demo data");
    let with = |extra: Value| {
        let mut b = body.clone();
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    // Listed with the default length, not with one product per list: the explanation follows the lists.
    let (status, _, explained) = answer(&app, "/api/v1/match/explain", &with(json!({"product_id": second}))).await;
    assert_eq!(
        (status, explained["list"].as_str(), &explained["item"]["rank"]),
        (StatusCode::OK, Some("ineligible"), &json!(2))
    );
    let (status, _, refused) =
        answer(&app, "/api/v1/match/explain", &with(json!({"product_id": second, "limit": 1}))).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{refused}");
    let (status, _, refused) = answer(&app, "/api/v1/match/explain", &with(json!({"product_id": 99_999_999}))).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{refused}");

    for (extra, field) in [
        (json!({}), "product_id"),
        (json!({"product_id": "one"}), "product_id"),
        (json!({"product_id": 0}), "product_id"),
        (json!({"product_id": second, "limit": 0}), "limit"),
        (json!({"product_id": second, "limit": 101}), "limit"),
        (json!({"product_id": second, "details": true}), "details"),
        (json!({"product_id": second, "need": {"amount": 0, "term": 12, "purpose": "research"}}), "need.amount"),
        (json!({"product_id": second, "profile_id": 1}), "profile"),
    ] {
        let (status, _, json) = answer(&app, "/api/v1/match/explain", &with(extra.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {json}");
        assert!(json["field"].as_str().unwrap_or("").starts_with(field), "{extra}: {json}");
        assert!(!json["message"].as_str().unwrap().is_empty());
    }
    let (status, _, json) =
        answer(&app, "/api/v1/match/explain", &json!({"profile_id": 1, "need": need(), "product_id": second})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a stored profile needs its firm's user: {json}");
}
