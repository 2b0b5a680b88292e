//! Documents: a product's 材料清单 through the API, the import sheet and the bank's form; files uploaded to an
//! application, seen and downloaded by its two parties and the operator only (404 for everyone else),
//! every download logged in the firm's audit; every refusal (wrong type, too large, empty, too many, a
//! material not listed) answered with the file's name and the limit, and nothing stored; the "what happens
//! next" view after applying, and the notifications of a submission to both sides. SQLite and PostgreSQL.

use crate::app::{Backend, TestApp};
use crate::client::Client;
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME, DEMO_SME2};
use serde_json::{Value, json};

/// A multipart body of `(name, file name, bytes)` parts (no file name: a plain field), and its content type.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----finmart-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small PDF (what the kind check reads is its header).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The first bytes of a PNG: signature and the start of its header chunk.
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2,
    0, 0, 0,
];

/// Uploads `bytes` as `file` (for `material`, if any) to application `id` through the API.
pub async fn upload(
    client: &Client<'_>,
    id: i64,
    file: &str,
    bytes: &[u8],
    material: Option<&str>,
) -> (StatusCode, Value) {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some(file), bytes)];
    if let Some(m) = material {
        parts.push(("material", None, m.as_bytes()));
    }
    let (content_type, body) = multipart(&parts);
    let reply =
        client.request(Method::POST, &format!("/api/v1/applications/{id}/documents"), Some(&content_type), body).await;
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, json)
}

/// The demo catalogue on `backend`, with small document limits (2 KiB a file, 3 an application), so the
/// refusals are cheap to reach.
async fn small_limits(backend: Backend) -> Option<TestApp> {
    let app = TestApp::configured(backend, |c| {
        c.document_max_bytes = 2048;
        c.documents_per_application = 3;
    })
    .await?;
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    app.catch_up().await;
    app.state.refresh_pool().await.expect("pool loads");
    Some(app)
}

pub const MATERIALS: [&str; 3] = ["营业执照", "近一年财务报表", "纳税证明"];

/// The bank lists a product with a 材料清单 through the API; the operator approves it. Its id.
pub async fn listed_product(bank: &Client<'_>, operator: &Client<'_>, code: &str) -> i64 {
    let mut listing = crate::journey::new_product_named(code, "材料清单贷（测试）");
    listing["materials"] = json!(MATERIALS.join("|"));
    crate::journey::publish_listing(bank, operator, &listing).await
}

#[tokio::test]
async fn documents_are_kept_seen_by_their_parties_and_refused_whole() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = small_limits(backend).await else { continue };
        let b = app.backend;
        let (sme, bank, operator) =
            (app.sign_in(DEMO_SME).await, app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_OPERATOR).await);
        let product = listed_product(&bank, &operator, "DOCS-01").await;
        app.catch_up().await;

        // The product's page and API list the materials; 未说明 stays apart from 无需材料.
        let (_, detail) = app.get_json(&format!("/api/v1/products/{product}")).await;
        assert_eq!(detail["materials"]["kind"], "listed", "{b}: {detail}");
        assert_eq!(detail["materials"]["names"], json!(MATERIALS));
        let (_, page) = app.get(&format!("/products/{product}")).await;
        assert!(page.contains("申请材料") && page.contains("近一年财务报表"), "{b}");
        let (_, page) = app.get(&format!("/products/{product}?lang=en")).await;
        assert!(page.contains("Documents to provide"), "{b}");

        // The SME applies: both sides are told, and it lands on what happens next.
        let amount = detail["amount_min_fen"].as_i64().unwrap() / 100;
        let apply = json!({"product_id": product, "amount": amount.to_string(), "term": "12",
            "purpose": "working_capital", "idempotency_key": "docs-1"});
        let (status, created) = sme.post("/api/v1/applications", &apply).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {created}");
        let a = created["id"].as_i64().unwrap();
        for (who, link) in [(&sme, format!("/sme/applications/{a}")), (&bank, format!("/bank/applications/{a}"))] {
            let (_, notes) = who.get("/api/v1/notifications").await;
            let told = notes["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "application_submitted" && n["link"] == link);
            assert!(told, "{b}: {:?} is told of the submission: {notes}", who.login);
        }
        let (_, notes) = sme.get("/api/v1/notifications").await;
        assert_eq!(notes["items"][0]["title"], "融资申请已提交", "{b}: the firm's own words");
        let (status, next) = sme.get_text(&format!("/sme/applications/{a}/submitted")).await;
        assert_eq!(status, StatusCode::OK, "{b}: {next}");
        assert!(next.contains("提交成功，接下来") && next.contains("3 个工作日"), "{b}: {next}");
        assert!(next.contains("data-upcoming=\"accepted\"") && next.contains("data-upcoming=\"disbursed\""), "{b}");
        assert!(next.contains("data-upload-link"), "{b}: the way to upload");
        let (_, next_en) = sme.get_text(&format!("/sme/applications/{a}/submitted?lang=en")).await;
        assert!(next_en.contains("What happens next") && next_en.contains("3 working days"), "{b}");

        // Two documents kept; what is missing follows.
        let (status, pdf) = upload(&sme, a, "营业执照.pdf", PDF, Some("营业执照")).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {pdf}");
        assert_eq!((pdf["kind"].as_str(), pdf["material"].as_str()), (Some("pdf"), Some("营业执照")));
        // The name says .jpg, the content is a PNG: the content decides.
        let (status, png) = upload(&sme, a, "纳税证明.jpg", PNG, Some("纳税证明")).await;
        assert_eq!((status, png["kind"].as_str()), (StatusCode::CREATED, Some("png")), "{b}: {png}");
        let (_, list) = sme.get(&format!("/api/v1/applications/{a}/documents")).await;
        assert_eq!(list["missing"], json!(["近一年财务报表"]), "{b}: {list}");
        let before = app.state.store.document_totals().await.unwrap();
        assert_eq!(before, (2, (PDF.len() + PNG.len()) as u64), "{b}");

        // Every refusal names the field and the reason, and keeps nothing.
        let mut big = PDF.to_vec();
        big.resize(3000, b' ');
        // (file, bytes, material, field at fault, reason, words of the message)
        type Refusal<'a> = (&'a str, &'a [u8], Option<&'a str>, &'a str, &'a str, &'a str);
        let refusals: [Refusal<'_>; 4] = [
            ("报表.pdf", b"just text, named as a PDF", Some("近一年财务报表"), "file", "wrong_type", "不是 PDF"),
            ("空白.pdf", b"", None, "file", "empty", "是空的"),
            ("扫描件.pdf", &big, None, "file", "too_large", "2 KB"),
            ("身份证.pdf", PDF, Some("身份证"), "material", "unknown_material", "不在该产品的材料清单中"),
        ];
        for (file, bytes, material, field, reason, words) in refusals {
            let (status, body) = upload(&sme, a, file, bytes, material).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{b} {file}: {body}");
            assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("invalid_file"), Some(field)), "{body}");
            assert_eq!(body["reason"], reason, "{b}: {body}");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(file) && message.contains(words), "{b}: {message}");
            assert_eq!(app.state.store.document_totals().await.unwrap(), before, "{b} {file}: nothing stored");
        }
        // The third fits; a fourth is one too many.
        let (status, third) = upload(&sme, a, "other.pdf", PDF, None).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {third}");
        let full = app.state.store.document_totals().await.unwrap();
        let (status, body) = upload(&sme, a, "第四份.pdf", PDF, None).await;
        assert_eq!((status, body["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("too_many")), "{b}: {body}");
        assert!(body["message"].as_str().unwrap().contains("最多上传 3 个"), "{body}");
        assert_eq!(app.state.store.document_totals().await.unwrap(), full, "{b}: nothing stored");

        // Downloads: the two parties and the operator get the bytes; everyone else 404 (nobody: 401).
        let doc = pdf["id"].as_i64().unwrap();
        let path = format!("/api/v1/applications/{a}/documents/{doc}");
        for who in [&sme, &bank, &operator] {
            let reply = who.request(Method::GET, &path, None, Vec::new()).await;
            assert_eq!(reply.status, StatusCode::OK, "{b}: {:?}", who.login);
            assert_eq!(reply.body.as_bytes(), PDF, "{b}");
        }
        for login in [DEMO_SME2, DEMO_BANK2, DEMO_AGENCY] {
            let other = app.sign_in(login).await;
            for uri in [
                path.clone(),
                format!("/api/v1/applications/{a}/documents"),
                format!("/applications/{a}/documents/{doc}"),
            ] {
                let reply = other.request(Method::GET, &uri, None, Vec::new()).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{b}: {login} {uri}");
                assert!(!reply.body.contains("营业执照"), "{b}: {login} sees nothing of it");
            }
        }
        let reply = app.anonymous().request(Method::GET, &path, None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        // The bank's page download is logged too.
        let reply = bank.request(Method::GET, &format!("/applications/{a}/documents/{doc}"), None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::OK, "{b}");
        assert!(reply.body.starts_with("%PDF"));

        // Every download is in the audit the firm reads; the lender's also in its profile-view log.
        let (_, audit) = sme.get("/api/v1/audit").await;
        let downloads = audit.to_string().matches("document.download").count();
        assert_eq!(downloads, 4, "{b}: one entry per download: {audit}");
        let (_, views) = sme.get("/api/v1/me/profile-views").await;
        let by_document = views.as_array().unwrap().iter().filter(|v| v["context"] == "document").count();
        assert_eq!(by_document, 2, "{b}: the bank's two downloads: {views}");

        // The bank's application page lists them with links and what is still missing.
        let (status, page) = bank.get_text(&format!("/bank/applications/{a}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("data-document=\"{doc}\"")) && page.contains("download>"), "{b}");
        assert!(page.contains("data-material=\"近一年财务报表\" class=\"missing\""), "{b}: {page}");
        assert!(page.contains("营业执照.pdf") && page.contains("尚缺 1 项材料"), "{b}");
    }
}

#[tokio::test]
async fn the_upload_page_refuses_in_chinese_and_keeps_nothing() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = small_limits(backend).await else { continue };
        let b = app.backend;
        let (sme, bank, operator) =
            (app.sign_in(DEMO_SME).await, app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_OPERATOR).await);
        let product = listed_product(&bank, &operator, "DOCS-02").await;
        app.catch_up().await;

        // Applying on the page lands on the next step.
        let (_, form) = sme.get_text(&format!("/apply/{product}")).await;
        let key = form.split("name=\"idempotency_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let fields =
            [("amount", "10"), ("term", "12"), ("purpose", "working_capital"), ("idempotency_key", key.as_str())];
        let (status, location, body) = sme.post_form(&format!("/apply/{product}"), &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{b}: {body}");
        let location = location.unwrap();
        assert!(location.ends_with("/submitted"), "{b}: {location}");
        let a: i64 = location.split('/').nth(3).unwrap().parse().unwrap();

        let (status, page) = sme.get_text(&format!("/sme/applications/{a}/documents")).await;
        assert_eq!(status, StatusCode::OK, "{b}: {page}");
        let csrf = page.split("documents?csrf=").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let action = format!("/sme/applications/{a}/documents?csrf={csrf}");
        // The page's language comes from the address (a browser's is remembered in a cookie).
        let post = |file: &'static str, bytes: &'static [u8], material: &'static str, lang: &'static str| {
            let (content_type, body) =
                multipart(&[("material", None, material.as_bytes()), ("file", Some(file), bytes)]);
            let (sme, action) = (&sme, format!("{action}&lang={lang}"));
            async move { sme.request(Method::POST, &action, Some(&content_type), body).await }
        };
        let refused = post("假的.png", b"GIF89a not a png at all", "营业执照", "zh").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{b}: {}", refused.body);
        assert!(refused.body.contains("文件“假的.png”不是 PDF、JPEG、PNG 或 XLSX 文件"), "{b}: {}", refused.body);
        assert!(!refused.body.contains("invalid_file") && !refused.body.contains("wrong_type"), "{b}: no codes");
        assert_eq!(app.state.store.document_totals().await.unwrap(), (0, 0), "{b}: nothing stored");
        let kept = post("执照.pdf", PDF, "营业执照", "zh").await;
        assert_eq!(kept.status, StatusCode::SEE_OTHER, "{b}: {}", kept.body);
        let (_, page) = sme.get_text(&kept.location.unwrap()).await;
        assert!(page.contains("data-uploaded") && page.contains("执照.pdf"), "{b}");
        assert!(page.contains("data-material=\"营业执照\" class=\"provided\""), "{b}");
        // In English, the refusal is English.
        let refused = post("empty.pdf", b"", "", "en").await;
        assert!(refused.body.contains("the file “empty.pdf” is empty"), "{b}: {}", refused.body);
        assert!(!refused.body.contains("是空的"), "{b}: one language a page");
        assert_eq!(app.state.store.document_totals().await.unwrap().0, 1, "{b}");

        // The firm's application page shows the section; the lender cannot upload (403), others 404.
        let (_, detail) = sme.get_text(&format!("/sme/applications/{a}")).await;
        assert!(detail.contains("id=\"documents\"") && detail.contains("上传材料"), "{b}");
        let (status, _) = upload(&bank, a, "x.pdf", PDF, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
        let (status, _) = upload(&app.sign_in(DEMO_SME2).await, a, "x.pdf", PDF, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(app.state.store.document_totals().await.unwrap().0, 1, "{b}");
    }
}

#[tokio::test]
async fn materials_come_through_the_import_sheet_and_the_bank_form() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;

        // The import sheet: a `materials` column (and 无需材料, and an empty cell for 未说明).
        let csv = "institution_code,code,name,family,description,amount_max_yuan,districts,materials\n\
                   jingu-bank,SHEET-M1,清单导入贷,credit,导入测试,100万,all,营业执照|纳税证明\n\
                   jingu-bank,SHEET-M2,无需材料贷,credit,导入测试,100万,all,无需材料\n\
                   jingu-bank,SHEET-M3,未说明材料贷,credit,导入测试,100万,all,\n";
        let reply = bank
            .request(
                Method::POST,
                "/api/v1/bank/products/upload?file_name=m.csv",
                Some("text/csv"),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert!(reply.status.is_success(), "{b}: {}", reply.body);
        let (_, mine) = bank.get("/api/v1/bank/products").await;
        let record = |code: &str| {
            let id = mine
                .as_array()
                .or_else(|| mine["items"].as_array())
                .unwrap()
                .iter()
                .find(|p| p["code"] == code)
                .unwrap()["id"]
                .as_i64()
                .unwrap();
            let bank = &bank;
            async move { bank.get(&format!("/api/v1/bank/products/{id}")).await.1 }
        };
        assert_eq!(record("SHEET-M1").await["record"]["materials"], "营业执照|纳税证明", "{b}");
        assert_eq!(record("SHEET-M2").await["record"]["materials"], "none", "{b}");
        assert!(record("SHEET-M3").await["record"].get("materials").is_none(), "{b}: 未说明 is no cell");
        let bad = "institution_code,code,name,family,description,amount_max_yuan,districts,materials\n\
                   jingu-bank,SHEET-M4,重复材料贷,credit,导入测试,100万,all,营业执照|营业执照\n";
        let reply = bank
            .request(
                Method::POST,
                "/api/v1/bank/products/upload?file_name=m.csv",
                Some("text/csv"),
                bad.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(reply.body.contains("materials") && reply.body.contains("重复"), "{b}: {}", reply.body);

        // The XLSX template has the column.
        let reply = bank.request(Method::GET, "/api/v1/bank/products/template.xlsx", None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::OK);

        // The bank's form: 须提供以下材料, one a line; it reads back into the same inputs.
        let mut fields = vec![
            ("code", "FORM-M1"),
            ("name", "表单材料贷"),
            ("family", "credit"),
            ("description", "表单上填写材料清单"),
            ("amount_max", "100"),
            ("rate_form", "unstated"),
            ("repayment", "unstated"),
            ("collateral_form", "unstated"),
            ("online", "unstated"),
            ("area_scope", "some"),
            ("districts", "binhai"),
            ("materials_form", "none"),
            ("materials_list", "营业执照\n近一年财务报表"),
        ];
        let (status, _, html) = bank.post_form("/bank/products/new", &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: a list with 无需提供材料 is refused");
        assert!(html.contains("请清空材料清单"), "{b}");
        fields.retain(|(k, _)| *k != "materials_form");
        fields.push(("materials_form", "listed"));
        let (status, location, html) = bank.post_form("/bank/products/new", &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{b}: {html}");
        let location = location.unwrap();
        let id = location.trim_start_matches("/bank/products/").split('?').next().unwrap();
        let (_, managed) = bank.get(&format!("/api/v1/bank/products/{id}")).await;
        assert_eq!(managed["record"]["materials"], "营业执照|近一年财务报表", "{b}: {managed}");
        let (_, html) = bank.get_text(&format!("/bank/products/{id}")).await;
        assert!(html.contains("value=\"listed\" checked") && html.contains("营业执照\n近一年财务报表"), "{b}");
    }
}
