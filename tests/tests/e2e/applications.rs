//! Applications end to end, on SQLite and PostgreSQL: an SME applies, the bank accepts, approves and
//! disburses, the SME sees every step and is notified; a double submit is one application; transitions
//! outside the machine are refused with clear errors; nobody reaches another party's application.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME, DEMO_SME2};
use serde_json::{Value, json};

/// A listed product of `institution_code` that the demo SME, made an established firm
/// ([`crate::firm::known_firm`]), may apply for (its conditions met, or only for the lender to confirm): (id, amount in yuan at its minimum, term in months at its minimum, the
/// whole search item).
async fn listed_product(app: &TestApp, institution_code: &str) -> (i64, String, u64, Value) {
    let (status, institutions) = app.get_json("/api/v1/institutions").await;
    assert_eq!(status, StatusCode::OK);
    let id = institutions
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == institution_code)
        .unwrap_or_else(|| panic!("demo institution {institution_code}"))["id"]
        .as_i64()
        .unwrap();
    let results = app.search("", &format!("&institution={id}&per_page=100")).await;
    // The demo SME as an established firm, so that products' conditions can be met (applications are
    // checked against them).
    let (sme, _) = crate::firm::known_firm(app).await;
    let item = applicable(&sme, results["items"].as_array().unwrap())
        .await
        .unwrap_or_else(|| panic!("a listed product of {institution_code} the demo SME may apply for"));
    let yuan = (item["amount_min_fen"].as_i64().unwrap() / 100).to_string();
    (item["id"].as_i64().unwrap(), yuan, item["term_min_months"].as_u64().unwrap(), item)
}

/// The first of `items` (search items) that `sme`'s firm may apply for, by the product's verdict.
async fn applicable(sme: &Client<'_>, items: &[Value]) -> Option<Value> {
    for item in items {
        let (status, verdict) = sme.get(&format!("/api/v1/products/{}/verdict", item["id"])).await;
        assert_eq!(status, StatusCode::OK, "{verdict}");
        if verdict["may_apply"] == true {
            return Some(item.clone());
        }
    }
    None
}

async fn apply(sme: &Client<'_>, product: i64, amount: &str, term: u64, key: &str) -> (StatusCode, Value) {
    sme.post(
        "/api/v1/applications",
        &json!({"product_id": product, "amount": amount, "term": term, "purpose": "working_capital",
                "purpose_text": "采购原材料", "idempotency_key": key}),
    )
    .await
}

async fn act(client: &Client<'_>, id: i64, body: Value) -> (StatusCode, Value) {
    client.post(&format!("/api/v1/applications/{id}/transitions"), &body).await
}

fn states(detail: &Value) -> Vec<String> {
    detail["events"].as_array().unwrap().iter().map(|e| e["to"]["code"].as_str().unwrap().to_owned()).collect()
}

fn today() -> String {
    finmart_web::state::today().to_string()
}

#[tokio::test]
async fn an_sme_applies_and_the_bank_takes_it_to_disbursement() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (product, amount, term, item) = listed_product(&app, "jingu-bank").await;
        let sme = app.sign_in(DEMO_SME).await;
        let bank = app.sign_in(DEMO_BANK).await;

        let (status, created) = apply(&sme, product, &amount, term, "journey-1").await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {created}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["state"]["code"], "submitted");
        assert_eq!(created["product_name"], item["name"]);
        assert_eq!(created["actions"], json!(["withdraw"]));
        assert!(created["profile"]["district"].is_string(), "the snapshot travels with it: {created}");

        // The bank's inbox has it, with a notification; reading it is a logged view of the firm's profile.
        let (status, inbox) = bank.get("/api/v1/applications?state=submitted").await;
        assert_eq!(status, StatusCode::OK, "{inbox}");
        let row = inbox["items"].as_array().unwrap().iter().find(|a| a["id"] == id).expect("in the inbox").clone();
        assert_eq!(row["overdue"], false);
        assert!(row.get("profile").is_none(), "lists leave the snapshot out");
        let (_, notes) = bank.get("/api/v1/notifications").await;
        assert!(notes["unread"].as_u64().unwrap() >= 1);
        assert_eq!(notes["items"][0]["kind"], "application_submitted");
        assert_eq!(notes["items"][0]["link"], format!("/bank/applications/{id}"));
        let (status, seen) = bank.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["actions"], json!(["accept"]));
        let enterprise = created["enterprise_id"].as_i64().unwrap();
        let views = app.state.store.profile_views(enterprise, 10).await.unwrap();
        assert!(!views.is_empty(), "{backend}: the bank's reading is logged");

        let (status, accepted) = act(&bank, id, json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK, "{accepted}");
        assert_eq!(accepted["state"]["code"], "accepted");
        assert_eq!(accepted["actions"], json!(["approve", "reject"]));
        let (status, approved) = bank.approve_as_asked(id).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["approval"]["amount_fen"], created["amount_fen"], "approved as asked");
        assert!(approved["approval"]["total_interest_fen"].as_i64().unwrap() > 0, "the cost it implies: {approved}");
        let rate_text = approved["approval"]["annual_rate_text"].as_str().unwrap().to_owned();
        let disburse = bank.payment_of_approval(id).await;
        let (status, disbursed) = act(&bank, id, disburse).await;
        assert_eq!(status, StatusCode::OK, "{disbursed}");
        assert_eq!(disbursed["state"]["code"], "disbursed");
        assert_eq!(disbursed["disbursement"]["rate_text"], rate_text.as_str());
        assert_eq!(disbursed["actions"], json!(["correct"]), "all paid out: only a correction is left");

        // The SME sees every step, timestamped, and was notified of each.
        let (status, mine) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(states(&mine), ["submitted", "accepted", "approved", "disbursed"], "{backend}");
        assert!(mine["events"].as_array().unwrap().iter().all(|e| e["at_text"].as_str().unwrap().len() == 16));
        assert!(mine["first_response_at"].is_string() && mine["decided_at"].is_string());
        let (_, notes) = sme.get("/api/v1/notifications?unread=true").await;
        let kinds: Vec<&str> = notes["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        // Told of each step, its own submission included.
        assert_eq!(
            kinds,
            ["application_disbursed", "application_approved", "application_accepted", "application_submitted"],
            "{backend}"
        );
        assert_eq!(notes["unread"], 4);
        let (_, listed) = sme.get("/api/v1/applications").await;
        assert!(listed["items"].as_array().unwrap().iter().any(|a| a["id"] == id && a["state"]["code"] == "disbursed"));

        // The pages show the same.
        let (status, page) = sme.get_text(&format!("/sme/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for step in ["已提交", "已受理", "已审批通过", "已放款", rate_text.as_str(), "批准条件"] {
            assert!(page.contains(step), "{step} missing from the SME's timeline");
        }
        assert!(!page.contains("/withdraw"), "no withdrawing a disbursed application");
        let (status, page) = sme.get_text("/sme/applications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("/sme/applications/{id}")));
        let (status, page) = bank.get_text("/bank/inbox").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains(&format!("/bank/applications/{id}")));
        let (status, page) = bank.get_text(&format!("/bank/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("企业画像") && page.contains("已放款"));
        let (status, page) = sme.get_text("/notifications").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("贷款已放款"));
        let first = notes["items"][0]["id"].as_i64().unwrap();
        let (status, location, _) = sme.post_form(&format!("/notifications/{first}/read"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, Some(format!("/sme/applications/{id}")));
        let (_, count) = sme.get("/api/v1/notifications/unread").await;
        assert_eq!(count["unread"], 3);
        let (status, count) = sme.post("/api/v1/notifications/read-all", &json!({})).await;
        assert_eq!((status, count["unread"].as_u64()), (StatusCode::OK, Some(0)));

        // The API gives both languages; English pages show the English words.
        assert_eq!(
            (notes["items"][0]["title"].as_str(), notes["items"][0]["title_en"].as_str()),
            (Some("贷款已放款"), Some("Your loan was disbursed"))
        );
        let (status, page) = sme.get_text("/notifications?lang=en").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Your loan was disbursed") && !page.contains("贷款已放款"), "{page}");
    }
}

#[tokio::test]
async fn the_bank_works_the_journey_through_its_pages() {
    for app in TestApp::each(true).await {
        let (product, amount, term, _) = listed_product(&app, "jingu-bank").await;
        let sme = app.sign_in(DEMO_SME).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, created) = apply(&sme, product, &amount, term, "pages-1").await;
        let id = created["id"].as_i64().unwrap();
        let page = format!("/bank/applications/{id}");

        let (status, location, _) = bank.post_form(&page, &[("action", "accept")]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(page.as_str())));
        // A rejection needs a reason: the form comes back with it marked.
        let (status, _, body) = bank.post_form(&page, &[("action", "reject"), ("reason", " ")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("请填写拒绝原因"), "{body}");
        // 审批通过 carries its terms, is restated first, and is taken only when confirmed.
        let terms = bank.approval_as_asked(id).await;
        let rate = terms["rate"].as_str().unwrap().to_owned();
        let method = terms["method"].as_str().unwrap().to_owned();
        let term_text = term.to_string();
        // The form takes 万元: the amount applied for, and one 万 more for a payment over it.
        let yuan: i64 = terms["amount"].as_str().unwrap().parse().unwrap();
        let (wan, over) = ((yuan as f64 / 10_000.0).to_string(), (yuan as f64 / 10_000.0 + 1.0).to_string());
        let approve = [
            ("action", "approve"),
            ("amount", wan.as_str()),
            ("rate_basis", "fixed"),
            ("rate", rate.as_str()),
            ("term", term_text.as_str()),
            ("method", method.as_str()),
        ];
        let (status, _, body) = bank.post_form(&page, &approve).await;
        assert_eq!(status, StatusCode::OK, "a confirmation: {body}");
        assert!(body.contains("确认审批通过") && body.contains("金额 "), "{body}");
        assert!(body.contains("name=\"confirm\" value=\"1\""), "{body}");
        let (_, detail) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(detail["state"]["code"], "accepted", "nothing is done before the confirmation");
        let confirmed: Vec<(&str, &str)> = approve.iter().copied().chain([("confirm", "1")]).collect();
        let (status, location, _) = bank.post_form(&page, &confirmed).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(page.as_str())));
        let (status, _, body) = bank
            .post_form(
                &page,
                &[("action", "disburse"), ("amount", "1"), ("rate", ""), ("term", &term_text), ("date", &today())],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("aria-invalid=\"true\""), "the missing rate is marked");
        // More than the approval: refused beside the field, nothing asked to confirm.
        let (status, _, body) = bank
            .post_form(
                &page,
                &[("action", "disburse"), ("amount", &over), ("rate", &rate), ("term", &term_text), ("date", &today())],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("放款金额不能超过批准金额"), "{body}");
        let pay = [("action", "disburse"), ("amount", &wan), ("rate", &rate), ("term", &term_text), ("date", &today())];
        let (status, _, body) = bank.post_form(&page, &pay).await;
        assert!(status == StatusCode::OK && body.contains("确认放款"), "{body}");
        let confirmed: Vec<(&str, &str)> = pay.iter().copied().chain([("confirm", "1")]).collect();
        let (status, _, body) = bank.post_form(&page, &confirmed).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        // A step the machine no longer allows is explained (409), not done.
        let (status, _, body) = bank.post_form(&page, &[("action", "accept")]).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body.contains("不能执行“受理”"), "{body}");
        let (_, detail) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(states(&detail), ["submitted", "accepted", "approved", "disbursed"]);
        assert_eq!(detail["disbursement"]["amount_fen"].as_i64(), Some(yuan * 100));

        // The SME withdraws another application from its page.
        let (_, second) = apply(&sme, product, &amount, term, "pages-2").await;
        let second = second["id"].as_i64().unwrap();
        let withdraw = format!("/sme/applications/{second}/withdraw");
        let (status, _, body) = sme.post_form(&withdraw, &[]).await;
        assert!(status == StatusCode::OK && body.contains("确认撤回申请"), "asked first: {body}");
        let (status, location, _) = sme.post_form(&withdraw, &[("confirm", "1")]).await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, Some(format!("/sme/applications/{second}"))));
        let (status, _, body) = sme.post_form(&format!("/sme/applications/{second}/withdraw"), &[]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (_, notes) = bank.get("/api/v1/notifications?unread=true").await;
        assert_eq!(notes["items"][0]["kind"], "application_withdrawn");
        // Overdue filter and marks: none is late yet.
        let (status, page) = bank.get_text("/bank/inbox?overdue=true").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!page.contains("超时未响应"));
        let (status, page) = bank.get_text("/bank/inbox?from=not-a-date").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("YYYY-MM-DD"));
    }
}

#[tokio::test]
async fn a_double_submit_is_one_application() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (product, amount, term, _) = listed_product(&app, "jingu-bank").await;
        let sme = app.sign_in(DEMO_SME).await;

        // The API: the same key twice (body or header) is the same application.
        let (status, first) = apply(&sme, product, &amount, term, "double-1").await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, again) = apply(&sme, product, &amount, term, "double-1").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {again}");
        assert_eq!(again["id"], first["id"]);
        let body = json!({"product_id": product, "amount": amount, "term": term, "purpose": "working_capital", "purpose_text": "采购原材料"});
        let reply = sme
            .request(
                axum::http::Method::POST,
                "/api/v1/applications",
                Some("application/json"),
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "no key: {}", reply.body);
        assert_eq!(reply.json()["field"], "idempotency_key");
        let (status, other) = apply(&sme, product, "999999999", term, "double-1").await;
        assert_eq!(status, StatusCode::CONFLICT, "same key, another request: {other}");
        // Withdrawn, so that the form below may apply to the product again.
        let (status, body) = act(&sme, first["id"].as_i64().unwrap(), json!({"action": "withdraw"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // The form: the key is rendered into the page, so posting it twice lands on one application.
        let (status, page) =
            sme.get_text(&format!("/apply/{product}?amount=50&term={term}&purpose=working_capital")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let key = page
            .split("name=\"idempotency_key\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the form carries a key")
            .to_owned();
        let (_, page2) = sme.get_text(&format!("/apply/{product}")).await;
        assert!(!page2.contains(&key), "every rendering has a new key");
        let amount_wan = format!("{}元", amount);
        let fields = [
            ("idempotency_key", key.as_str()),
            ("amount", amount_wan.as_str()),
            ("term", &term.to_string()),
            ("purpose", "working_capital"),
            ("purpose_text", "双击测试"),
        ]
        .map(|(k, v)| (k, v.to_owned()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, first_location, body) = sme.post_form(&format!("/apply/{product}"), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{backend}: {body}");
        let (status, second_location, _) = sme.post_form(&format!("/apply/{product}"), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(first_location, second_location);
        let (_, mine) = sme.get("/api/v1/applications").await;
        let with_text = mine["items"].as_array().unwrap().iter().filter(|a| a["purpose_text"] == "双击测试").count();
        assert_eq!(with_text, 1, "{backend}");
        let (_, notes) = app.sign_in(DEMO_BANK).await.get("/api/v1/notifications").await;
        let submitted = notes["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "application_submitted");
        assert_eq!(submitted.count(), 2, "{backend}: one notification per application");

        // A bad form comes back with the reasons beside the fields and the same key.
        let bad = [("idempotency_key", "bad-form"), ("amount", "abc"), ("term", "0"), ("purpose", "")];
        let (status, _, body) = sme.post_form(&format!("/apply/{product}"), &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("value=\"bad-form\""), "the key survives a bad submit");
        assert_eq!(body.matches("aria-invalid=\"true\"").count(), 3, "{body}");
    }
}

#[tokio::test]
async fn transitions_outside_the_machine_are_refused_clearly() {
    for app in TestApp::each(true).await {
        let (product, amount, term, _) = listed_product(&app, "jingu-bank").await;
        let sme = app.sign_in(DEMO_SME).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, created) = apply(&sme, product, &amount, term, "refused-1").await;
        let id = created["id"].as_i64().unwrap();

        let (status, body) = act(&bank, id, json!({"action": "approve"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["message"], "申请当前为“已提交”，不能执行“审批通过”");
        assert!(body["message_en"].as_str().unwrap().contains("cannot approve"));
        let (status, body) = act(&sme, id, json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["message"].as_str().unwrap().contains("金融机构"), "{body}");
        let (status, body) = act(&bank, id, json!({"action": "withdraw"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["message"].as_str().unwrap().contains("企业"), "{body}");
        let (status, body) = act(&bank, id, json!({"action": "launch"})).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("action")));
        let (status, body) = act(&bank, id, json!({"action": "accept", "colour": "red"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields are refused: {body}");
        for login in [DEMO_OPERATOR, DEMO_AGENCY] {
            let (status, _) = act(&app.sign_in(login).await, id, json!({"action": "accept"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        }

        let (status, _) = act(&bank, id, json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = act(&bank, id, json!({"action": "reject"})).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("reason")), "{body}");
        let full = json!({"action": "disburse", "amount": "100", "rate": "3.5", "term": 12, "date": today()});
        let (status, body) = act(&bank, id, full).await;
        assert_eq!(status, StatusCode::CONFLICT, "disbursing an accepted application: {body}");
        assert_eq!(body["message"], "申请当前为“已受理”，不能执行“放款”");
        let (status, body) = bank.approve_as_asked(id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) =
            act(&bank, id, json!({"action": "disburse", "amount": "100", "term": 12, "date": today()})).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("rate")), "{body}");
        let early = json!({"action": "disburse", "amount": "100", "rate": 3.5, "term": 12, "date": "2020-01-01"});
        let (status, body) = act(&bank, id, early).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("date")), "{body}");
        let (status, body) = act(&sme, id, json!({"action": "withdraw"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) =
            act(&bank, id, json!({"action": "disburse", "amount": "100", "rate": 3.5, "term": 12, "date": today()}))
                .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["message"], "申请当前为“已撤回”，不能执行“放款”");
        let (_, detail) = sme.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(states(&detail), ["submitted", "accepted", "approved", "withdrawn"]);

        // Only SMEs apply; an unlisted product cannot be applied to.
        let (status, _) = apply(&bank, product, &amount, term, "bank-applies").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = apply(&app.anonymous(), product, &amount, term, "nobody").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = apply(&sme, 999_999, &amount, term, "missing").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = apply(&sme, product, "abc", term, "bad-amount").await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("amount")), "{body}");
        let (status, page) = bank.get_text(&format!("/apply/{product}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    }
}

#[tokio::test]
async fn nobody_reaches_another_partys_application() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let (product, amount, term, _) = listed_product(&app, "jingu-bank").await;
        let sme = app.sign_in(DEMO_SME).await;
        let (_, created) = apply(&sme, product, &amount, term, "private-1").await;
        let id = created["id"].as_i64().unwrap();
        let uri = format!("/api/v1/applications/{id}");

        let bank2 = app.sign_in(DEMO_BANK2).await;
        let sme2 = app.sign_in(DEMO_SME2).await;
        for (who, client) in [("bank2", &bank2), ("sme2", &sme2)] {
            let (status, body) = client.get(&uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{backend} {who}: {body}");
            let action = if who == "bank2" { "accept" } else { "withdraw" };
            let (status, _) = act(client, id, json!({"action": action})).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} acting");
            let (_, list) = client.get("/api/v1/applications").await;
            assert!(list["items"].as_array().unwrap().iter().all(|a| a["id"] != id), "{who} lists it");
        }
        let (status, _) = bank2.get_text(&format!("/bank/applications/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = bank2.post_form(&format!("/bank/applications/{id}"), &[("action", "accept")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = sme2.get_text(&format!("/sme/applications/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = sme2.post_form(&format!("/sme/applications/{id}/withdraw"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, mine) = sme.get("/api/v1/notifications").await;
        let (_, theirs) = app.sign_in(DEMO_BANK).await.get("/api/v1/notifications").await;
        let note = theirs["items"][0]["id"].as_i64().unwrap();
        for client in [&bank2, &sme2, &sme] {
            let (status, _) = client.post(&format!("/api/v1/notifications/{note}/read"), &json!({})).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "another party's notification");
        }
        assert_eq!(mine["unread"], 1, "the firm's own: its submission received");
        let (_, none) = bank2.get("/api/v1/notifications").await;
        assert!(none["items"].as_array().unwrap().is_empty());
        let (status, _) = app.anonymous().get(&uri).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.anonymous().get_text("/bank/inbox").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _) = app.sign_in(DEMO_OPERATOR).await.get("/api/v1/notifications").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = sme.get_text("/bank/inbox").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The operator sees everything; an agency only what is made to products it guarantees.
        let (status, all) = app.sign_in(DEMO_OPERATOR).await.get("/api/v1/applications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(all["items"].as_array().unwrap().iter().any(|a| a["id"] == id));
        let agency = app.sign_in(DEMO_AGENCY).await;
        let guaranteed = created["guarantee_agency_id"].as_i64();
        let (status, _) = agency.get(&uri).await;
        let agency_id = app.state.store.institution_by_code("jinmen-guarantee").await.unwrap().map(|i| i.id);
        let expected =
            if guaranteed.is_some() && guaranteed == agency_id { StatusCode::OK } else { StatusCode::NOT_FOUND };
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn a_guarantee_agency_sees_applications_on_the_products_it_guarantees() {
    for app in TestApp::each(true).await {
        let agency_id = app.state.store.institution_by_code("jinmen-guarantee").await.unwrap().unwrap().id;
        let (status, institutions) = app.get_json("/api/v1/institutions").await;
        assert_eq!(status, StatusCode::OK);
        // A listed product guaranteed by the demo agency, whoever lends it, that the demo SME (an established
        // firm here, so that the demo's products' conditions can be met) may apply for.
        let (sme, _) = crate::firm::known_firm(&app).await;
        let mut found = None;
        for institution in institutions.as_array().unwrap() {
            let code = institution["code"].as_str().unwrap();
            let results = app.search("", &format!("&institution={}&per_page=100", institution["id"])).await;
            for item in results["items"].as_array().unwrap() {
                let (_, detail) = app.get_json(&format!("/api/v1/products/{}", item["id"])).await;
                let guaranteed = detail["guarantee"]["agency"]["id"].as_i64() == Some(agency_id);
                if guaranteed && applicable(&sme, std::slice::from_ref(item)).await.is_some() {
                    found = Some((code.to_owned(), item.clone()));
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        let Some((_, item)) = found else {
            eprintln!("note: no demo product guaranteed by jinmen-guarantee that the demo SME may apply for; skipping");
            return;
        };
        let amount = (item["amount_min_fen"].as_i64().unwrap() / 100).to_string();
        let (status, created) =
            apply(&sme, item["id"].as_i64().unwrap(), &amount, item["term_min_months"].as_u64().unwrap(), "agency-1")
                .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        let agency = app.sign_in(DEMO_AGENCY).await;
        let (status, detail) = agency.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["actions"], json!([]));
        let (_, list) = agency.get("/api/v1/applications").await;
        assert!(list["items"].as_array().unwrap().iter().all(|a| a["guarantee_agency_id"] == agency_id));
        assert!(list["items"].as_array().unwrap().iter().any(|a| a["id"] == id));
    }
}

#[tokio::test]
async fn the_application_api_is_documented() {
    let app = TestApp::new(crate::app::Backend::Sqlite).await.unwrap();
    let (status, spec) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/applications", "post"),
        ("/api/v1/applications", "get"),
        ("/api/v1/applications/{id}", "get"),
        ("/api/v1/applications/{id}/transitions", "post"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/unread", "get"),
        ("/api/v1/notifications/{id}/read", "post"),
        ("/api/v1/notifications/read-all", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path} documented");
    }
    assert!(spec["components"]["schemas"]["ApplicationView"].is_object());
}
