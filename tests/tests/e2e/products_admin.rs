//! Banks' product management through HTTP on the demo data: a bank creates a product, submits it, the
//! operator sends it back (a reason is required) and approves the corrected one, and it reaches search and
//! matching; an edit of a live product waits for review while the live version stays; pause and resume act
//! at once; another bank, other roles and anonymous callers are kept out; a bad sheet imports nothing and a
//! good one becomes reviews; the XLSX template downloads and reads back; the pages work with forms.

use crate::app::{Backend, TestApp, encode, names};
use crate::client::Client;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A product of the test: attractive enough to rank among the first eligible ones for the test firm.
fn product(code: &str, name: &str) -> Value {
    json!({
        "institution_code": "haihe-bank",
        "code": code,
        "name": name,
        "family": "credit",
        "description": "端到端测试的纯信用贷款，线上申请，当天审批",
        "amount_min_yuan": 100_000,
        "amount_max_yuan": "500万",
        "term_min_months": 6,
        "term_max_months": 36,
        "rate_min_pct": 1.2,
        "rate_max_pct": 1.5,
        "repayment_methods": ["equal_instalment", "interest_only"],
        "collateral": "none",
        "guarantee_agency_code": "jinmen-guarantee",
        "guarantee_fee_pct": 0.5,
        "decision_days": 0,
        "online": true,
        "districts": "all",
        "valid_from": "2025-01-01"
    })
}

fn profile() -> Value {
    json!({
        "name": "天津测试软件有限公司",
        "district": "binhai",
        "industry": "software",
        "established": "2019-05-01",
        "employees": 45,
        "revenue": 1_200_000_000,
        "total_assets": 900_000_000,
        "total_liabilities": 300_000_000,
        "tax_credit_grade": "B",
        "tax_paid": 40_000_000,
        "qualifications": ["tech_sme"],
        "invention_patents": 2,
        "trademarks": 1,
        "receivables": [],
        "procurement_contracts": [],
        "ever_borrowed": false,
        "overdue": {"kind": "never"}
    })
}

async fn searched(app: &TestApp, name: &str) -> bool {
    app.catch_up().await;
    names(&app.search(name, "&per_page=50").await).iter().any(|n| n == name)
}

/// The ids of the products the test firm is eligible for.
async fn eligible(app: &TestApp, sme: &Client<'_>) -> Vec<i64> {
    app.catch_up().await;
    let need = json!({"amount": 200_000_000, "term": 12, "purpose": "working_capital", "purpose_text": "流动资金"});
    let (status, out) = sme.post("/api/v1/match", &json!({"profile": profile(), "need": need, "limit": 100})).await;
    assert_eq!(status, StatusCode::OK, "{}: {out}", app.backend);
    out["eligible"].as_array().unwrap().iter().map(|i| i["product"]["id"].as_i64().unwrap()).collect()
}

/// A GET with the client's session, answered as raw bytes and headers (for the XLSX template).
async fn download(app: &TestApp, client: &Client<'_>, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().uri(uri);
    if let Some(cookie) = client.cookie() {
        request = request.header("cookie", cookie);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn a_product_goes_from_draft_through_review_to_search_and_matching() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let sme = app.sign_in(DEMO_SME).await;
        let name = "星火测试科创贷";

        // A bad body names every bad column; nothing is created.
        let mut bad = product("E2E-1", name);
        bad["amount_min_yuan"] = json!("很多");
        bad["family"] = json!("magic");
        bad["colour"] = json!("red");
        let (status, body) = bank.post("/api/v1/bank/products", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        let (status, body) = bank
            .post("/api/v1/bank/products", &{
                let mut p = bad.clone();
                p.as_object_mut().unwrap().remove("colour");
                p
            })
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        let fields: Vec<&str> =
            body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"amount_min_yuan") && fields.contains(&"family"), "{b}: {fields:?}");

        // Created as a draft of the caller's own institution, whatever the body says.
        let (status, created) = bank.post("/api/v1/bank/products", &product("E2E-1", name)).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {created}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["state"], "draft");
        assert_eq!(created["record"]["institution_code"], "jingu-bank");
        assert!(!searched(&app, name).await, "{b}: a draft is not listed");

        // Submitted, sent back (a reason is required), corrected, resubmitted, approved.
        let (status, submitted) = bank.post(&format!("/api/v1/bank/products/{id}/submit"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{b}: {submitted}");
        assert_eq!(submitted["product"]["state"], "in_review");
        let review = submitted["review_id"].as_i64().unwrap();
        let (status, again) = bank.post(&format!("/api/v1/bank/products/{id}/submit"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: {again}");
        assert!(again["message"].as_str().unwrap().contains("审核中"), "{b}: {again}");

        let (status, queue) = operator.get("/api/v1/reviews").await;
        assert_eq!(status, StatusCode::OK, "{b}: {queue}");
        let item = queue.as_array().unwrap().iter().find(|i| i["review"]["id"] == review).expect("queued").clone();
        assert_eq!(item["live"], false);
        assert!(item["changes"].as_array().unwrap().iter().any(|c| c["column"] == "name" && c["after"] == name));

        let send_back = format!("/api/v1/reviews/{review}/send-back");
        let (status, body) = operator.post(&send_back, &json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        assert_eq!(body["field"], "reason");
        let (status, body) = operator.post(&send_back, &json!({"reason": "   "})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        let (status, body) = operator.post(&send_back, &json!({"reason": "请写明担保费率的收取方式"})).await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        let (_, back) = bank.get(&format!("/api/v1/bank/products/{id}")).await;
        assert_eq!(back["state"], "draft");
        assert_eq!(back["sent_back_reason"], "请写明担保费率的收取方式");

        let mut fixed = product("E2E-1", name);
        fixed["description"] = json!("端到端测试的纯信用贷款，担保费按年收取，线上申请，当天审批");
        let (status, edited) = bank.put(&format!("/api/v1/bank/products/{id}"), &fixed).await;
        assert_eq!(status, StatusCode::OK, "{b}: {edited}");
        assert_eq!(edited["outcome"], "saved");
        let (_, submitted) = bank.post(&format!("/api/v1/bank/products/{id}/submit"), &json!({})).await;
        let review = submitted["review_id"].as_i64().unwrap();
        let (status, body) = operator.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        assert_eq!(body["product_id"], id);
        let (status, body) = operator.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: {body}");

        assert!(searched(&app, name).await, "{b}: an approved product is found");
        assert!(eligible(&app, &sme).await.contains(&id), "{b}: and matched");

        // An edit of the live product waits for review; the live version stays listed until approval.
        let renamed = "星火测试科创贷二代";
        let mut edit = fixed.clone();
        edit["name"] = json!(renamed);
        let (status, edited) = bank.put(&format!("/api/v1/bank/products/{id}"), &edit).await;
        assert_eq!(status, StatusCode::OK, "{b}: {edited}");
        assert_eq!(edited["outcome"], "pending_review");
        assert_eq!(edited["product"]["state"], "published");
        assert_eq!(edited["product"]["name"], name);
        assert_eq!(edited["product"]["pending_review"]["record"]["name"], renamed);
        assert!(searched(&app, name).await && !searched(&app, renamed).await, "{b}: the live version stays");
        let (_, queue) = operator.get("/api/v1/reviews").await;
        let item = queue.as_array().unwrap().iter().find(|i| i["product_id"] == id).expect("queued").clone();
        assert_eq!(item["live"], true);
        let changes = item["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{b}: {changes:?}");
        assert_eq!(
            (&changes[0]["label_zh"], &changes[0]["before"], &changes[0]["after"]),
            (&json!("产品名称"), &json!(name), &json!(renamed))
        );
        let review = item["review"]["id"].as_i64().unwrap();
        operator.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
        assert!(searched(&app, renamed).await, "{b}: the approved change is live");

        // Pause hides it at once, resume shows it again; a wrong move names the current state.
        let (status, body) = bank.post(&format!("/api/v1/bank/products/{id}/pause"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        assert!(!searched(&app, renamed).await, "{b}: paused is hidden");
        assert!(!eligible(&app, &sme).await.contains(&id), "{b}: and not matched");
        let (status, body) = bank.post(&format!("/api/v1/bank/products/{id}/pause"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: {body}");
        assert!(body["message"].as_str().unwrap().contains("已暂停"), "{b}: {body}");
        let (status, _) = bank.post(&format!("/api/v1/bank/products/{id}/resume"), &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(searched(&app, renamed).await, "{b}: resumed is listed");

        // Every applied change is a version, newest first.
        let (status, versions) = bank.get(&format!("/api/v1/bank/products/{id}/versions")).await;
        assert_eq!(status, StatusCode::OK, "{b}: {versions}");
        let actions: Vec<&str> = versions.as_array().unwrap().iter().map(|v| v["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            ["resume", "pause", "approve", "approve", "submit", "update", "send_back", "submit", "create"]
        );
        assert!(versions[2]["changes"].as_array().unwrap().iter().any(|c| c["column"] == "name"));

        // The guarantee agency sees the product it backs.
        let agency = app.sign_in(DEMO_AGENCY).await;
        let (status, backed) = agency.get("/api/v1/agency/products").await;
        assert_eq!(status, StatusCode::OK, "{b}: {backed}");
        assert!(backed.as_array().unwrap().iter().any(|p| p["id"] == id), "{b}");
        assert!(backed.as_array().unwrap().iter().all(|p| p["state"] != "draft"));

        // The acts are in the bank's audit trail.
        let entries =
            app.state.store.audit_log(finmart_store::AuditQuery { limit: 200, ..Default::default() }).await.unwrap();
        for action in [
            "product.create",
            "product.submit",
            "product.send_back",
            "product.update",
            "product.approve",
            "product.pause",
            "product.resume",
        ] {
            assert!(entries.iter().any(|e| e.action == action && e.subject_id == Some(id)), "{b}: {action}");
        }
    }
}

#[tokio::test]
async fn only_the_owning_bank_may_manage_a_product() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, created) = bank.post("/api/v1/bank/products", &product("E2E-2", "归属测试贷")).await;
        let id = created["id"].as_i64().unwrap();
        let (_, submitted) = bank.post(&format!("/api/v1/bank/products/{id}/submit"), &json!({})).await;
        let review = submitted["review_id"].as_i64().unwrap();

        // Another bank: 404 on every route of the product, and its list does not show it.
        let bank2 = app.sign_in(DEMO_BANK2).await;
        for uri in [format!("/api/v1/bank/products/{id}"), format!("/api/v1/bank/products/{id}/versions")] {
            let (status, _) = bank2.get(&uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{b}: {uri}");
        }
        let (status, _) = bank2.put(&format!("/api/v1/bank/products/{id}"), &product("E2E-2", "抢改")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}");
        for act in ["submit", "pause", "resume", "archive"] {
            let (status, _) = bank2.post(&format!("/api/v1/bank/products/{id}/{act}"), &json!({})).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{b}: {act}");
        }
        let (_, list) = bank2.get("/api/v1/bank/products").await;
        assert!(list.as_array().unwrap().iter().all(|p| p["id"] != id), "{b}");
        let (status, _) = bank2.get_text(&format!("/bank/products/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}: the page too");

        // Other roles: 403; nobody signed in: 401.
        let sme = app.sign_in(DEMO_SME).await;
        let agency = app.sign_in(DEMO_AGENCY).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let anonymous = app.anonymous();
        for client in [&sme, &agency, &operator] {
            for uri in ["/api/v1/bank/products".to_owned(), format!("/api/v1/bank/products/{id}")] {
                let (status, _) = client.get(&uri).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?} {uri}", client.login);
            }
            let (status, _) = client.post("/api/v1/bank/products", &product("E2E-3", "越权")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?}", client.login);
            let (status, _) = client.post(&format!("/api/v1/bank/products/{id}/archive"), &json!({})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?}", client.login);
        }
        let (status, _) = anonymous.get("/api/v1/bank/products").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = anonymous.post(&format!("/api/v1/bank/products/{id}/pause"), &json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = anonymous.get("/api/v1/reviews").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = anonymous.get("/api/v1/agency/products").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let reply = anonymous.request(Method::GET, "/bank/products", None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{b}: pages send to the login");
        assert!(reply.location.unwrap_or_default().starts_with("/login"));

        // Only the operator reviews; only agencies list agency products.
        for client in [&bank, &sme, &agency] {
            let (status, _) = client.get("/api/v1/reviews").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?}", client.login);
            let (status, _) = client.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?}", client.login);
        }
        for client in [&bank, &sme, &operator] {
            let (status, _) = client.get("/api/v1/agency/products").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {:?}", client.login);
        }
        let (status, _) = operator.post("/api/v1/reviews/999999/approve", &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Archive is final.
        let (status, _) = bank.post(&format!("/api/v1/bank/products/{id}/archive"), &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = bank.post(&format!("/api/v1/bank/products/{id}/archive"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: {body}");
        assert!(body["message"].as_str().unwrap().contains("已下架"));
        let (status, _) = operator.post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: the archived product's review was withdrawn");
    }
}

const HEADER: &str = "institution_code,code,name,family,description,amount_min_yuan,amount_max_yuan,term_min_months,term_max_months,rate_min_pct,rate_max_pct,repayment_methods,decision_days,districts,valid_from";

fn csv_row(institution: &str, code: &str, name: &str, rate: &str) -> String {
    format!(
        "{institution},{code},{name},credit,批量上传的测试产品,100000,1000000,6,24,{rate},4.5,equal_instalment,5,all,2025-01-01"
    )
}

#[tokio::test]
async fn uploads_are_all_or_nothing_and_become_reviews() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, before) = bank.get("/api/v1/bank/products").await;
        let count = before.as_array().unwrap().len();
        let upload = async |name: &str, text: String| {
            let reply = bank
                .request(
                    Method::POST,
                    &format!("/api/v1/bank/products/upload?file_name={}", encode(name)),
                    Some("text/csv"),
                    text.into_bytes(),
                )
                .await;
            (reply.status, reply.json())
        };

        // Another institution's row, and a bad value: every problem by row and column, nothing written.
        let foreign = [
            HEADER.to_owned(),
            csv_row("jingu-bank", "UP-1", "上传一号", "3.5"),
            csv_row("haihe-bank", "UP-2", "上传二号", "3.5"),
        ]
        .join("\n");
        let (status, body) = upload("p.csv", foreign).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        assert_eq!(body["code"], "rejected");
        let rows = body["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{b}: {body}");
        assert_eq!((rows[0]["row"].as_u64(), rows[0]["field"].as_str()), (Some(3), Some("institution_code")));
        assert_eq!(rows[0]["message"], "只能上传本机构的产品");
        assert_eq!(rows[0]["label_zh"], "机构代码");
        let bad = [
            HEADER.to_owned(),
            csv_row("jingu-bank", "UP-1", "上传一号", "3.5"),
            csv_row("jingu-bank", "UP-2", "上传二号", "abc"),
        ]
        .join("\n");
        let (status, body) = upload("p.csv", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        assert!(
            body["rows"].as_array().unwrap().iter().any(|r| r["row"] == 3 && r["field"] == "rate_min_pct"),
            "{b}: {body}"
        );
        let (status, body) = upload("p.txt", "x".to_owned()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {body}");
        let (_, after) = bank.get("/api/v1/bank/products").await;
        assert_eq!(after.as_array().unwrap().len(), count, "{b}: nothing was written");

        // A good sheet: every row becomes a review.
        let good = [
            HEADER.to_owned(),
            csv_row("jingu-bank", "UP-1", "上传一号", "3.5"),
            csv_row("jingu-bank", "UP-2", "上传二号", "3.6"),
        ]
        .join("\n");
        let (status, body) = upload("products.CSV", good.clone()).await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        assert_eq!((body["created"].as_u64(), body["submitted"].as_u64()), (Some(2), Some(0)));
        let reviews: Vec<i64> = body["reviews"].as_array().unwrap().iter().map(|r| r.as_i64().unwrap()).collect();
        let (_, queue) = operator.get("/api/v1/reviews").await;
        let queued: Vec<i64> = queue.as_array().unwrap().iter().map(|i| i["review"]["id"].as_i64().unwrap()).collect();
        assert!(reviews.iter().all(|r| queued.contains(r)), "{b}: {queued:?}");
        let (_, after) = bank.get("/api/v1/bank/products").await;
        let states: Vec<&str> = after
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["code"].as_str().unwrap().starts_with("UP-"))
            .map(|p| p["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["in_review", "in_review"], "{b}");
        // The same sheet again changes nothing.
        let (_, body) = upload("products.csv", good).await;
        assert_eq!(body["unchanged"].as_u64(), Some(2), "{b}: {body}");
        // Only banks upload.
        let sme = app.sign_in(DEMO_SME).await;
        let reply = sme
            .request(Method::POST, "/api/v1/bank/products/upload?file_name=p.csv", Some("text/csv"), b"x".to_vec())
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_template_downloads_and_reads_back() {
    // The template does not depend on the database: one backend is enough.
    let app = TestApp::with_demo(Backend::Sqlite).await.expect("sqlite app");
    let bank = app.sign_in(DEMO_BANK).await;
    for uri in ["/bank/products/template.xlsx", "/api/v1/bank/products/template.xlsx"] {
        let (status, headers, bytes) = download(&app, &bank, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment") && disposition.contains(".xlsx"), "{disposition}");
        let records = finmart_sheets::read_records("template.xlsx", &bytes, &finmart_domain::HomeArea::default())
            .expect("the template reads back");
        assert!(records.is_empty());
    }
    let sme = app.sign_in(DEMO_SME).await;
    let (status, _, _) = download(&app, &sme, "/api/v1/bank/products/template.xlsx").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A multipart body with one file field.
fn multipart(file_name: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "----finmart-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

#[tokio::test]
async fn the_pages_manage_review_and_list_products() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, html) = bank.get_text("/bank/products").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(html.contains("我的产品") && html.contains("name=\"csrf\""), "{b}");
        let (status, html) = bank.get_text("/bank/products/new").await;
        assert_eq!(status, StatusCode::OK);
        for label in ["产品名称", "最高额度（万元）", "还款方式", "服务区域", "合作担保机构"]
        {
            assert!(html.contains(label), "{b}: the form has {label}");
        }

        // A bad form is shown again with the reasons beside the fields.
        let mut fields = vec![
            ("code", "PG-1"),
            ("name", "页面新建贷"),
            ("family", "credit"),
            ("description", "页面上新建的产品"),
            ("amount_min", "十万"),
            ("amount_max", "100"),
            ("term_min", "6"),
            ("term_max", "24"),
            ("term_unit", "months"),
            ("rate_form", "fixed"),
            ("fixed_min", "3.5"),
            ("fixed_max", "4.5"),
            ("repayment", "stated"),
            ("repayment_methods", "equal_instalment"),
            ("repayment_methods", "interest_only"),
            ("collateral_form", "unstated"),
            ("decision_days", "3"),
            ("online", "true"),
            ("area_scope", "some"),
            ("districts", "binhai"),
            ("districts", "heping"),
            ("valid_from", "2025-01-01"),
        ];
        let (status, _, html) = bank.post_form("/bank/products/new", &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}");
        assert!(html.contains("不是有效的数字") || html.contains("十万"), "{b}: {html}");
        assert!(html.contains("aria-invalid=\"true\""), "{b}");
        fields.retain(|(k, _)| *k != "amount_min");
        fields.push(("amount_min", "10"));
        let (status, location, _) = bank.post_form("/bank/products/new", &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{b}");
        let location = location.unwrap();
        assert!(location.starts_with("/bank/products/") && location.ends_with("?done=created"), "{location}");
        let id: i64 = location.trim_start_matches("/bank/products/").split('?').next().unwrap().parse().unwrap();
        let (status, html) = bank.get_text(&location).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("版本记录") && html.contains("页面新建贷"), "{b}");
        let (status, location, _) = bank.post_form(&format!("/bank/products/{id}/submit"), &[("back", "list")]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/bank/products?done=submitted")));
        let (status, _, _) = bank.post_form(&format!("/bank/products/{id}/pause"), &[]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: a product in review cannot be paused");

        // The operator's queue: sending back needs a reason.
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, html) = operator.get_text("/admin/reviews").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("页面新建贷"), "{b}");
        let (_, queue) = operator.get("/api/v1/reviews").await;
        let review =
            queue.as_array().unwrap().iter().find(|i| i["product_id"] == id).unwrap()["review"]["id"].as_i64().unwrap();
        let (status, _, html) =
            operator.post_form(&format!("/admin/reviews/{review}/send-back"), &[("reason", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}");
        assert!(html.contains("不能为空"), "{b}");
        let (status, location, _) =
            operator.post_form(&format!("/admin/reviews/{review}/send-back"), &[("reason", "请补充准入条件")]).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/reviews?done=sent_back")));
        let (_, html) = bank.get_text("/bank/products").await;
        assert!(html.contains("请补充准入条件"), "{b}: the bank sees the reason");

        // Upload through the page: a bad file lists its rows, a good one redirects with the counts.
        let bad = [HEADER.to_owned(), csv_row("haihe-bank", "PU-1", "页面上传", "3.5")].join("\n");
        let (content_type, body) = multipart("bad.csv", &bad);
        let reply = bank.request(Method::POST, "/bank/products/upload", Some(&content_type), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{b}: {}", reply.body);
        assert!(reply.body.contains("只能上传本机构的产品") && reply.body.contains("机构代码"), "{b}");
        let good = [HEADER.to_owned(), csv_row("jingu-bank", "PU-1", "页面上传", "3.5")].join("\n");
        let (content_type, body) = multipart("good.csv", &good);
        let reply = bank.request(Method::POST, "/bank/products/upload", Some(&content_type), body).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{b}: {}", reply.body);
        assert!(reply.location.unwrap().contains("done=uploaded&created=1"), "{b}");
        let (status, html) = bank.get_text("/bank/products/upload").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("multipart/form-data") && html.contains("?csrf="), "{b}");

        // The agency's list; other roles are refused.
        let agency = app.sign_in(DEMO_AGENCY).await;
        let (status, html) = agency.get_text("/agency/products").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(html.contains("担保产品"));
        let sme = app.sign_in(DEMO_SME).await;
        for uri in ["/bank/products", "/admin/reviews", "/agency/products"] {
            let (status, _) = sme.get_text(uri).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{b}: {uri}");
        }
    }
}

/// Further families on the bank's form: a checkbox per family with its Chinese name, each ticked one saved
/// and shown ticked again, a bad one refused beside the field; a product of two families shows both on its
/// page, in search results and in the API, with labels.
#[tokio::test]
async fn further_families_are_ticked_on_the_form_and_shown_everywhere() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let bank = app.sign_in(DEMO_BANK).await;
    let (status, html) = bank.get_text("/bank/products/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("也属于"), "the field is on the form");
    for (code, label) in [("credit", "信用贷款"), ("tech", "科技型企业贷款"), ("letter_of_guarantee", "保函")]
    {
        let checkbox = format!(r#"<input type="checkbox" name="more_families" value="{code}"> {label}</label>"#);
        assert!(html.contains(&checkbox), "{checkbox}");
    }

    let mut fields = vec![
        ("code", "PG-TECH"),
        ("name", "页面科创贷"),
        ("family", "tech"),
        ("description", "页面上新建的科技型企业贷款"),
        ("amount_max", "500"),
        ("rate_form", "unstated"),
        ("repayment", "unstated"),
        ("collateral_form", "unstated"),
        ("online", "unstated"),
        ("area_scope", "some"),
        ("districts", "binhai"),
        ("more_families", "credit"),
        ("more_families", "first_loan"),
        ("more_families", "magic"),
    ];
    let (status, _, html) = bank.post_form("/bank/products/new", &fields).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = html.split(r#"id="e-more_families""#).nth(1).unwrap().split("</p>").next().unwrap();
    assert!(error.contains("“magic”") && error.contains("order_financing"), "beside the field: {error}");
    assert!(html.contains(r#"value="credit" checked"#), "what was ticked stays ticked");
    fields.retain(|(k, v)| !(*k == "more_families" && *v == "magic"));
    let (status, location, _) = bank.post_form("/bank/products/new", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let (_, html) = bank.get_text(&location).await;
    for code in ["credit", "first_loan"] {
        assert!(html.contains(&format!(r#"name="more_families" value="{code}" checked"#)), "{code} ticked");
    }
    assert!(!html.contains(r#"name="more_families" value="tech" checked"#));
    let id = location.trim_start_matches("/bank/products/").split('?').next().unwrap();
    let (_, managed) = bank.get(&format!("/api/v1/bank/products/{id}")).await;
    assert_eq!(managed["record"]["more_families"], "credit|first_loan", "{managed}");

    // A demo 科技贷 that is also 信用贷款: the API, its page and the search results name both families.
    let found = app.search("科创积分贷", "").await;
    let item = &found["items"][0];
    assert_eq!((item["code"].as_str(), item["family"]["code"].as_str()), (Some("HHB-TE-001"), Some("tech")));
    assert_eq!(
        item["more_families"],
        json!([{"code": "credit", "label": "信用贷款", "label_en": "Unsecured credit loan"}])
    );
    let (status, detail) = app.get_json(&format!("/api/v1/products/{}", item["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["more_families"][0]["label"], "信用贷款");
    let (_, page) = app.get(&format!("/products/{}", item["id"])).await;
    assert!(page.contains("也属于：信用贷款"), "the product page lists every family");
    assert!(page.contains(r#"<span class="tag more-family">"#));
    let (_, english) = app.get(&format!("/products/{}?lang=en", item["id"])).await;
    assert!(
        english.contains("Unsecured credit loan") && english.contains("also: Unsecured credit loan"),
        "English too"
    );
    let (_, results) = app.get(&format!("/?q={}", encode("科创积分贷"))).await;
    let card = results.split(r#"<li class="card">"#).nth(1).unwrap();
    assert!(card.contains("科技型企业贷款") && card.contains("信用贷款"), "the result card shows both: {card}");
}

/// The bank's form in plain words (issue 12, item 8): a product with an any-of collateral (信用、抵押均可), a
/// condition in the bank's words and an LPR rate without its spread is made by ticking and typing words, and
/// the product's API says exactly that; the condition rows are added, previewed and refused beside
/// themselves without a script; opening the product and saving it unchanged changes nothing.
#[tokio::test]
async fn the_form_creates_a_product_in_plain_words() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let bank = app.sign_in(DEMO_BANK).await;
    let (status, html) = bank.get_text("/bank/products/new").await;
    assert_eq!(status, StatusCode::OK);
    for section in [
        "基本信息",
        "额度与期限",
        "利率",
        "还款方式",
        "担保方式",
        "合作担保机构与担保费",
        "申请条件",
        "服务区域",
        "政策支持",
    ] {
        assert!(html.contains(section), "the form has {section}");
    }
    for machine in ["用 | 分隔", "true/false", "import-format", "min_years_in_operation="] {
        assert!(!html.contains(machine), "the form does not ask for {machine}");
    }
    assert!(html.contains(r#"value="unstated" checked"#), "未说明 is a choice shown as chosen");
    let (_, english) = bank.get_text("/bank/products/new?lang=en").await;
    assert!(english.contains("Eligibility") && english.contains("Any one of the following"));

    let mut fields = vec![
        ("code", "PLAIN-01"),
        ("name", "平语贷"),
        ("family", "credit"),
        ("description", "信用、抵押均可，LPR 加点"),
        ("amount_max", "1000"),
        ("term_max", "3"),
        ("term_unit", "years"),
        ("rate_form", "lpr"),
        ("lpr_tenor", "lpr_1y"),
        ("lpr_spread", ""),
        ("lpr_spread_unstated", "1"),
        ("repayment", "unstated"),
        ("collateral_form", "any"),
        ("collateral_unsecured", "1"),
        ("collateral_kinds", "real_estate"),
        ("online", "unstated"),
        ("area_scope", "city"),
    ];
    // 添加条件 without a script: the form comes back with a row of the kind chosen, everything kept.
    let mut add = fields.clone();
    add.extend([("rule_new_kind", "other_conditions"), ("rule_add", "1")]);
    let (status, _, html) = bank.post_form("/bank/products/new", &add).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<textarea name="rule-0-value""#) && html.contains(r#"value="平语贷""#), "{html}");
    // 预览: the sentence the SME reads.
    fields.extend([
        ("rule-0-kind", "other_conditions"),
        ("rule-0-shown", "other_conditions"),
        ("rule-0-value", "经营者无不良嗜好"),
    ]);
    let mut preview = fields.clone();
    preview.push(("preview", "1"));
    let (status, _, html) = bank.post_form("/bank/products/new", &preview).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("企业将看到：</span><q>经营者无不良嗜好</q>"), "{html}");

    // A bad row and a bad amount: each reason beside its own input, and in the summary.
    let mut bad = fields.clone();
    bad.extend([
        ("rule-1-kind", "min_years_in_operation"),
        ("rule-1-shown", "min_years_in_operation"),
        ("rule-1-value", "-1"),
    ]);
    bad.retain(|(k, _)| *k != "amount_max");
    bad.push(("amount_max", "很多"));
    let (status, _, html) = bank.post_form("/bank/products/new", &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let beside =
        |id: &str| html.split(&format!(r#"id="{id}""#)).nth(1).unwrap().split("</p>").next().unwrap().to_owned();
    assert!(beside("e-rule-1").contains("不能为负数"), "{}", beside("e-rule-1"));
    assert!(beside("e-amount_max").contains("不是有效的数字"), "{}", beside("e-amount_max"));
    assert!(html.contains(r##"<a href="#rule-1">第 2 条申请条件</a>"##), "the summary links to the row");
    assert!(html.contains(r#"id="form-errors""#));

    let (status, location, html) = bank.post_form("/bank/products/new", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = location.unwrap();
    let id = location.trim_start_matches("/bank/products/").split('?').next().unwrap().to_owned();
    let (_, managed) = bank.get(&format!("/api/v1/bank/products/{id}")).await;
    let record = &managed["record"];
    assert_eq!(record["collateral"], "none|real_estate", "{record}");
    assert_eq!(record["eligibility"], "other_conditions=经营者无不良嗜好", "{record}");
    assert_eq!(record["rate_basis"], "lpr_1y");
    assert!(record["lpr_spread_bps"].is_null() && record["rate_min_pct"].is_null(), "{record}");
    assert!(record["online"].is_null() && record["repayment_methods"].is_null() && record["amount_min_yuan"].is_null());
    assert_eq!(
        (record["amount_max_yuan"].as_str(), record["term_max_months"].as_str()),
        (Some("10000000"), Some("36"))
    );

    // The product opens with its values in the inputs; saved unchanged, nothing changes.
    let (_, html) = bank.get_text(&location).await;
    for shown in [
        r#"name="collateral_form" id="f-collateral_form-any" value="any" checked"#,
        r#"name="collateral_unsecured" id="f-collateral_unsecured" value="1" checked"#,
        r#"name="lpr_spread_unstated" id="f-lpr_spread_unstated" value="1" checked"#,
        r#"name="rate_form" id="f-rate_form-lpr" value="lpr" checked"#,
        ">经营者无不良嗜好</textarea>",
        "企业将看到：</span><q>经营者无不良嗜好</q>",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    let (status, location, _) = bank.post_form(&format!("/bank/products/{id}"), &fields).await;
    assert_eq!((status, location.unwrap()), (StatusCode::SEE_OTHER, format!("/bank/products/{id}?done=unchanged")));

    // The sentence as the script asks for it, or the reason in Chinese and English.
    let (status, said) = bank
        .post(
            "/api/v1/eligibility/describe",
            &json!({"kind": "其他条件", "value": "经营者无不良嗜好\n入选区级种子企业库"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{said}");
    assert_eq!(said["sentence"], "经营者无不良嗜好；入选区级种子企业库");
    let (status, said) =
        bank.post("/api/v1/eligibility/describe", &json!({"kind": "tax_paid_yuan", "max": "50"})).await;
    assert_eq!((status, said["sentence"].as_str()), (StatusCode::OK, Some("上年纳税总额不超过 50 万元")));
    let (status, said) =
        bank.post("/api/v1/eligibility/describe", &json!({"kind": "min_years_in_operation", "value": "-1"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (said["errors"][0]["field"].as_str(), said["errors"][0]["message"].as_str()),
        (Some("value"), Some("不能为负数"))
    );
    let (status, said) = bank.post("/api/v1/eligibility/describe", &json!({"kind": "magic"})).await;
    assert_eq!((status, said["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("kind")));
}
