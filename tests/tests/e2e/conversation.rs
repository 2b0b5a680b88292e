//! Contact and conversation between a firm and a lender, end to end on SQLite and PostgreSQL: who sees a
//! firm's contact (and that each showing is logged for the firm), an application's message thread (unread
//! counts, notifications, 404 to others, the length limit, nothing stored on refusal), and invitations from
//! the candidates list (sent, refused, declined, applied).

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME, DEMO_SME2};
use serde_json::{Value, json};

/// Publishes a product of the demo bank (listed, reviewed, approved) and returns its id.
async fn publish(app: &TestApp, bank: &Client<'_>, operator: &Client<'_>, code: &str) -> i64 {
    let listing = crate::journey::new_product_named(code, &format!("联络测试贷 {code}"));
    let product = crate::journey::publish_listing(bank, operator, &listing).await;
    app.catch_up().await;
    product
}

async fn apply(sme: &Client<'_>, product: i64, key: &str) -> i64 {
    let body = json!({"product_id": product, "amount": "200000", "term": "12", "purpose": "working_capital",
        "idempotency_key": key});
    let (status, created) = sme.post("/api/v1/applications", &body).await;
    assert!(status.is_success(), "apply: {status} {created}");
    created["id"].as_i64().unwrap()
}

/// Who every test here starts with, each signed in: a demo firm, the demo bank, the second demo bank and the
/// operator, with the firm's and the bank's ids.
struct Parties<'a> {
    sme: Client<'a>,
    bank: Client<'a>,
    bank2: Client<'a>,
    operator: Client<'a>,
    enterprise_id: i64,
    bank_id: i64,
}

impl<'a> Parties<'a> {
    /// Signs them in, the firm as `firm` (a demo login).
    async fn sign_in(app: &'a TestApp, firm: &str) -> Self {
        let (sme, bank, bank2, operator) = (
            app.sign_in(firm).await,
            app.sign_in(DEMO_BANK).await,
            app.sign_in(DEMO_BANK2).await,
            app.sign_in(DEMO_OPERATOR).await,
        );
        let (_, me) = sme.get("/api/v1/session").await;
        let enterprise_id = me["account"]["enterprise_id"].as_i64().expect("the firm's account has its firm");
        let (_, me) = bank.get("/api/v1/session").await;
        let bank_id = me["account"]["institution_id"].as_i64().expect("the bank's account has its bank");
        Self { sme, bank, bank2, operator, enterprise_id, bank_id }
    }
}

fn contact_views(views: &Value) -> usize {
    views.as_array().unwrap().iter().filter(|v| v["context"] == "contact").count()
}

#[tokio::test]
async fn a_firms_contact_is_shared_only_by_application_or_consent_with_sharing_and_each_view_is_logged() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        let Parties { sme, bank, bank2, operator, enterprise_id: e, bank_id } = Parties::sign_in(&app, DEMO_SME2).await;
        sme.delete("/api/v1/me/consents/all").await;
        // A bad phone is refused, named, and nothing changes.
        let (status, refused) = sme.put("/api/v1/me/contact", &json!({"name": "周敏", "phone": "12345"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{be}: {refused}");
        assert_eq!(refused["field"], "phone");
        let (status, mine) = sme.put("/api/v1/me/contact", &json!({"name": "周敏", "phone": "022-23456789"})).await;
        assert_eq!(status, StatusCode::OK, "{be}: {mine}");
        assert_eq!(mine["share_with_consented"], false, "not stated is not yes");

        // Hidden without an application or consent with sharing; consent alone does not share it.
        let contact = format!("/api/v1/enterprises/{e}/contact");
        assert_eq!(bank.get(&contact).await.0, StatusCode::NOT_FOUND, "{be}");
        sme.post("/api/v1/me/consents", &json!({"institution_id": bank_id})).await;
        assert_eq!(bank.get(&contact).await.0, StatusCode::NOT_FOUND, "{be}: consent without sharing");
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        assert_eq!(contact_views(&views), 0, "{be}: nothing shown, nothing logged");

        // Sharing with consenting institutions: the bank sees it, the other bank (no consent) does not.
        let (status, _) = sme.put("/api/v1/me/contact/sharing", &json!({"share": true})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, shown) = bank.get(&contact).await;
        assert_eq!(status, StatusCode::OK, "{be}: {shown}");
        assert_eq!(shown["phone"], "022-23456789");
        assert_eq!(bank2.get(&contact).await.0, StatusCode::NOT_FOUND, "{be}");
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        assert_eq!(contact_views(&views), 1, "{be}: the view is logged: {views}");
        let logged = views.as_array().unwrap().iter().find(|v| v["context"] == "contact").unwrap();
        assert_eq!(logged["context_label"], "查看联系人及电话");
        // The firm reads it on its consent page, in words.
        let (_, page) = sme.get_text("/sme/consent").await;
        assert!(page.contains("查看联系人及电话") && !page.contains(">contact<"), "{be}");

        // Withdrawn consent hides it again; an application to bank2's product shows it to bank2 alone.
        sme.delete(&format!("/api/v1/me/consents/{bank_id}")).await;
        assert_eq!(bank.get(&contact).await.0, StatusCode::NOT_FOUND, "{be}: consent withdrawn");
        let product = publish(&app, &bank2, &operator, "CONTACT-2").await;
        let application = apply(&sme, product, "contact-1").await;
        assert_eq!(bank2.get(&contact).await.0, StatusCode::OK, "{be}: applied");
        let (status, both) = bank2.get(&format!("/api/v1/applications/{application}/contacts")).await;
        assert_eq!(status, StatusCode::OK, "{be}: {both}");
        assert_eq!(both["enterprise"]["contact"]["name"], "周敏");
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        assert_eq!(contact_views(&views), 3, "{be}: every showing is logged: {views}");
        // The firm sees the bank's branches and 客户经理 on its application (the demo bank has none: empty).
        let (status, theirs) = sme.get(&format!("/api/v1/applications/{application}/contacts")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(theirs["institution"]["managers"].is_array() && theirs["enterprise"].is_null(), "{theirs}");
    }
}

#[tokio::test]
async fn an_institution_manages_its_branches_and_managers_and_the_firm_sees_them_on_its_application() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        let Parties { sme, bank, bank2, operator, .. } = Parties::sign_in(&app, DEMO_SME).await;
        let branch =
            json!({"name": "测试支行", "address": "河西区友谊路 1 号", "phone": "022-28001234", "district": "120103"});
        let (status, created) = bank.post("/api/v1/institution/branches", &branch).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {created}");
        let bad = json!({"name": "", "address": "地址", "phone": "1", "district": "120103"});
        let (status, refused) = bank.post("/api/v1/institution/branches", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> =
            refused["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "phone"], "{refused}");
        let manager = json!({"name": "周经理", "phone": "13600001111", "branch_id": created["id"]});
        let (status, m) = bank.post("/api/v1/institution/managers", &manager).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {m}");
        // Another bank cannot remove them (404), nor attach a manager to them.
        let branch_path = format!("/api/v1/institution/branches/{}", created["id"]);
        assert_eq!(bank2.delete(&branch_path).await.0, StatusCode::NOT_FOUND);
        let (status, _) = bank2.post("/api/v1/institution/managers", &manager).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let product = publish(&app, &bank, &operator, "CONTACT-3").await;
        let application = apply(&sme, product, "contact-3").await;
        let (_, theirs) = sme.get(&format!("/api/v1/applications/{application}/contacts")).await;
        let names: Vec<&str> =
            theirs["institution"]["managers"].as_array().unwrap().iter().filter_map(|m| m["name"].as_str()).collect();
        assert!(names.contains(&"周经理"), "{be}: {theirs}");
        let (_, page) = sme.get_text(&format!("/applications/{application}/conversation")).await;
        assert!(
            page.contains("周经理") && page.contains("13600001111"),
            "{be}: the conversation page shows the manager"
        );
    }
}

#[tokio::test]
async fn messages_count_unread_notify_the_other_side_and_stay_between_the_parties() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        let Parties { sme, bank, bank2, operator, .. } = Parties::sign_in(&app, DEMO_SME).await;
        let (sme2, agency) = (app.sign_in(DEMO_SME2).await, app.sign_in(DEMO_AGENCY).await);
        let product = publish(&app, &bank, &operator, "MSG-1").await;
        let application = apply(&sme, product, "msg-1").await;
        let thread = format!("/api/v1/applications/{application}/messages");
        let (status, posted) = sme.post(&thread, &json!({"body": "您好，请问还需要补充哪些材料？"})).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {posted}");
        let (_, unread) = bank.get("/api/v1/messages/unread").await;
        assert_eq!(unread["total"], 1, "{be}: {unread}");
        assert_eq!(unread["applications"][0]["application_id"], application);
        let (_, notes) = bank.get("/api/v1/notifications?unread=true").await;
        assert!(notes.to_string().contains("message_posted"), "{be}: the bank is notified: {notes}");
        let (_, inbox) = bank.get_text("/bank/inbox").await;
        assert!(inbox.contains("新消息 1"), "{be}: the inbox shows the count");
        // The bank reads it (marking it read) and replies; now the firm has one unread.
        let (status, read) = bank.get(&thread).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(read["messages"][0]["body"], "您好，请问还需要补充哪些材料？");
        assert_eq!(bank.get("/api/v1/messages/unread").await.1["total"], 0, "{be}: read on view");
        let (status, _) = bank.post(&thread, &json!({"body": "请补充近一年的纳税证明。"})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(sme.get("/api/v1/messages/unread").await.1["total"], 1, "{be}");
        let (_, list) = sme.get_text("/sme/applications").await;
        assert!(list.contains("新消息 1"), "{be}: the firm's list shows the count");
        let (_, notes) = sme.get("/api/v1/notifications?unread=true").await;
        assert!(notes.to_string().contains("message_posted"), "{be}: the firm is notified");

        // The operator reads (marking nothing) but cannot write; others get 404.
        let (status, seen) = operator.get(&thread).await;
        assert_eq!((status, seen["can_post"].as_bool()), (StatusCode::OK, Some(false)), "{be}");
        assert_eq!(sme.get("/api/v1/messages/unread").await.1["total"], 1, "{be}: the operator marks nothing read");
        assert_eq!(operator.post(&thread, &json!({"body": "运营"})).await.0, StatusCode::FORBIDDEN);
        for other in [&sme2, &bank2, &agency] {
            assert_eq!(other.get(&thread).await.0, StatusCode::NOT_FOUND, "{be}");
            assert_eq!(other.post(&thread, &json!({"body": "你好"})).await.0, StatusCode::NOT_FOUND, "{be}");
            assert_eq!(
                other.get_text(&format!("/applications/{application}/conversation")).await.0,
                StatusCode::NOT_FOUND
            );
        }

        // The limit: empty and too long are refused, naming the field; nothing is stored.
        for bad in [String::new(), "   ".to_owned(), "字".repeat(2_001)] {
            let (status, refused) = sme.post(&thread, &json!({"body": bad})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{be}: {refused}");
            assert_eq!(refused["field"], "body");
        }
        let (status, _, page) =
            sme.post_form(&format!("/applications/{application}/conversation"), &[("body", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("不能为空"), "{be}: the form says why, in Chinese");
        let long = "字".repeat(2_001);
        let (_, _, page) =
            sme.post_form(&format!("/applications/{application}/conversation"), &[("body", long.as_str())]).await;
        assert!(page.contains("最多 2000 个字"), "{be}");
        let (_, after) = sme.get(&thread).await;
        assert_eq!(after["messages"].as_array().unwrap().len(), 2, "{be}: nothing stored on refusal");
        // The form posts too.
        let (status, location, _) =
            sme.post_form(&format!("/applications/{application}/conversation"), &[("body", "好的，马上上传。")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap().contains("/conversation"));
        let (_, audit) = sme.get("/api/v1/audit").await;
        assert!(audit.to_string().contains("message.post"), "{be}: audited");
    }
}

#[tokio::test]
async fn a_bank_invites_a_consenting_firm_which_declines_or_applies() {
    for app in TestApp::each(true).await {
        let be = app.backend;
        let Parties { sme, bank, bank2, operator, enterprise_id: e, bank_id } = Parties::sign_in(&app, DEMO_SME).await;
        let product = publish(&app, &bank, &operator, "INV-1").await;
        let other = publish(&app, &bank2, &operator, "INV-2").await;
        sme.delete("/api/v1/me/consents/all").await;
        let invite = json!({"enterprise_id": e, "product_id": product, "note": "欢迎申请我行科创贷"});
        let (status, _) = bank.post("/api/v1/invitations", &invite).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: no consent, no invitation");
        sme.post("/api/v1/me/consents", &json!({"institution_id": bank_id})).await;
        let (status, refused) =
            bank.post("/api/v1/invitations", &json!({"enterprise_id": e, "product_id": other})).await;
        assert_eq!((status, refused["field"].as_str()), (StatusCode::BAD_REQUEST, Some("product_id")), "{be}");
        let (status, sent) = bank.post("/api/v1/invitations", &invite).await;
        assert_eq!(status, StatusCode::CREATED, "{be}: {sent}");
        assert_eq!(sent["state"]["code"], "sent");
        let (status, _) = bank.post("/api/v1/invitations", &invite).await;
        assert_eq!(status, StatusCode::CONFLICT, "{be}: one open invitation per firm and product");
        let (status, _) = bank2.post("/api/v1/invitations", &json!({"enterprise_id": e, "product_id": other})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{be}: bank2 has no consent");

        // The firm sees it, with the note; another firm does not.
        let (_, mine) = sme.get("/api/v1/invitations").await;
        assert_eq!(mine[0]["note"], "欢迎申请我行科创贷", "{be}: {mine}");
        assert_eq!(mine[0]["apply_link"], format!("/apply/{product}"));
        let (_, notes) = sme.get("/api/v1/notifications?unread=true").await;
        assert!(notes.to_string().contains("invitation_received"), "{be}");
        let (_, page) = sme.get_text("/sme/invitations").await;
        assert!(page.contains("去申请") && page.contains("欢迎申请我行科创贷"), "{be}");
        let sme2 = app.sign_in(DEMO_SME2).await;
        let (_, theirs) = sme2.get("/api/v1/invitations").await;
        assert!(!theirs.to_string().contains("欢迎申请"), "{be}");
        let id = sent["id"].as_i64().unwrap();
        assert_eq!(sme2.post(&format!("/api/v1/invitations/{id}/decline"), &json!({})).await.0, StatusCode::NOT_FOUND);

        // Declined (with a reason): the bank sees it and is told.
        let (status, declined) =
            sme.post(&format!("/api/v1/invitations/{id}/decline"), &json!({"reason": "暂无资金需求"})).await;
        assert_eq!((status, declined["state"]["code"].as_str()), (StatusCode::OK, Some("declined")), "{be}");
        assert_eq!(sme.post(&format!("/api/v1/invitations/{id}/decline"), &json!({})).await.0, StatusCode::CONFLICT);
        let (_, notes) = bank.get("/api/v1/notifications?unread=true").await;
        assert!(notes.to_string().contains("invitation_declined"), "{be}");

        // Invited again, the firm applies: the bank sees it applied, with the application.
        let (_, again) = bank.post("/api/v1/invitations", &invite).await;
        let application = apply(&sme, product, "inv-1").await;
        let (_, sent_list) = bank.get("/api/v1/invitations").await;
        let now = sent_list.as_array().unwrap().iter().find(|i| i["id"] == again["id"]).unwrap();
        assert_eq!(now["state"]["code"], "applied", "{be}: {now}");
        assert_eq!(now["application_id"], application);
        let (_, page) = bank.get_text("/bank/invitations").await;
        assert!(page.contains("已申请") && page.contains("已谢绝"), "{be}");

        // The candidates page links each firm to the invitation form, which the consenting firm's bank opens.
        let (status, form) = bank.get_text(&format!("/bank/invitations/new?enterprise={e}&product={product}")).await;
        assert_eq!(status, StatusCode::OK, "{be}");
        assert!(form.contains("发出邀请"));
        assert_eq!(bank2.get_text(&format!("/bank/invitations/new?enterprise={e}")).await.0, StatusCode::NOT_FOUND);
    }
}
