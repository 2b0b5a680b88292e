//! Documents in an S3-compatible object store: a real S3 server in the test's process (s3s over a
//! temporary directory), reached over HTTP by the servers' own object-store client. Two servers of one
//! deployment share one database and one bucket, so a file uploaded through one downloads through the other
//! byte for byte; with the store stopped an upload is refused (503 `storage_unavailable`; on the page, the
//! reason above the form) and nothing is stored; a file lost from the bucket is 404 `document_missing`;
//! `/readyz` says whether the store answers; settings that cannot work stop the start. SQLite and
//! PostgreSQL.

use crate::app::{Backend, TestApp};
use crate::client::Client;
use crate::documents::{PDF, listed_product, multipart, upload};
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use finmart_store::testing_s3::{ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, TestS3};
use finmart_store::{DocumentStorage, Secret};
use finmart_web::config::ObjectStoreConfig;
use finmart_web::startup::StartupError;
use finmart_web::{Config, build_app};
use serde_json::{Value, json};

/// The settings of a server that keeps documents in `s3`.
fn object_store(s3: &TestS3) -> ObjectStoreConfig {
    ObjectStoreConfig {
        bucket: Some(BUCKET.to_owned()),
        endpoint: Some(s3.endpoint()),
        region: None,
        access_key_id: Some(ACCESS_KEY_ID.to_owned()),
        secret_access_key: Some(Secret::new(SECRET_ACCESS_KEY)),
    }
}

/// A PDF of a little more than `n` bytes whose body runs through every byte value, so that a byte changed,
/// lost or re-encoded on the way shows.
fn large_pdf(n: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..n).map(|i| (i * 7 % 256) as u8));
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

/// The demo on a server keeping documents in `s3` (`None`: PostgreSQL is not configured here).
async fn server(backend: Backend, s3: &TestS3) -> Option<TestApp> {
    let app = TestApp::configured(backend, |c| c.object_store = object_store(s3)).await?;
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    app.catch_up().await;
    Some(app)
}

/// The firm's application to a new product with a 材料清单 (listed by the bank, approved by the operator).
async fn application(app: &TestApp, sme: &Client<'_>, code: &str) -> i64 {
    let (bank, operator) = (app.sign_in(DEMO_BANK).await, app.sign_in(DEMO_OPERATOR).await);
    let product = listed_product(&bank, &operator, code).await;
    app.catch_up().await;
    let (_, detail) = app.get_json(&format!("/api/v1/products/{product}")).await;
    let amount = detail["amount_min_fen"].as_i64().unwrap() / 100;
    let apply = json!({"product_id": product, "amount": amount.to_string(), "term": "12",
        "purpose": "working_capital", "idempotency_key": code});
    let (status, created) = sme.post("/api/v1/applications", &apply).await;
    assert_eq!(status, StatusCode::CREATED, "{}: {created}", app.backend);
    created["id"].as_i64().unwrap()
}

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    app.get_json("/readyz").await
}

#[tokio::test]
async fn two_servers_share_one_database_and_one_object_store() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let s3 = TestS3::start().await;
        let Some(one) = server(backend, &s3).await else { continue };
        let b = one.backend;
        let two = one.another_server(|c| c.object_store = object_store(&s3)).await;
        assert_eq!(two.state.store.document_storage_name(), "object_store", "{b}");

        let sme = one.sign_in(DEMO_SME).await;
        let a = application(&one, &sme, "S3-SHARED").await;
        let file = large_pdf(300_000);
        let (status, kept) = upload(&sme, a, "近一年财务报表.pdf", &file, Some("近一年财务报表")).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {kept}");
        let doc = kept["id"].as_i64().unwrap();

        // The bytes are in the bucket, under a key that names the application and no file; not in the
        // database.
        let keys = s3.storage().keys().await.unwrap();
        assert_eq!(keys.len(), 1, "{b}: {keys:?}");
        assert!(keys[0].starts_with(&format!("applications/{a}/")) && !keys[0].contains("财务"), "{b}: {keys:?}");
        assert_eq!(one.state.store.document_totals().await.unwrap(), (1, 0), "{b}: one row, no bytes in the database");

        // Through the other server, byte for byte, for the lender and the firm; each download audited.
        let path = format!("/api/v1/applications/{a}/documents/{doc}");
        for login in [DEMO_BANK, DEMO_SME] {
            let reader = two.sign_in(login).await;
            let reply = reader.request(Method::GET, &path, None, Vec::new()).await;
            assert_eq!(reply.status, StatusCode::OK, "{b} {login}: {}", reply.body);
            assert_eq!(reply.bytes.len(), file.len(), "{b} {login}");
            assert!(reply.bytes == file, "{b} {login}: byte for byte");
        }
        let (_, audit) = sme.get("/api/v1/audit").await;
        assert_eq!(audit.to_string().matches("document.download").count(), 2, "{b}: {audit}");
        assert_eq!(audit.to_string().matches("document.upload").count(), 1, "{b}");

        // Both servers are ready, and say where documents are kept.
        for server in [&one, &two] {
            let (status, ready) = readiness(server).await;
            assert_eq!(status, StatusCode::OK, "{b}: {ready}");
            assert_eq!(ready["documents"], json!({"state": "ok", "storage": "object_store"}), "{b}");
        }
    }
}

#[tokio::test]
async fn with_the_object_store_stopped_an_upload_is_refused_and_nothing_is_stored() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut s3 = TestS3::start().await;
        let Some(app) = server(backend, &s3).await else { continue };
        let b = app.backend;
        let sme = app.sign_in(DEMO_SME).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let a = application(&app, &sme, "S3-STOPPED").await;
        let (status, kept) = upload(&sme, a, "营业执照.pdf", PDF, Some("营业执照")).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {kept}");
        let doc = kept["id"].as_i64().unwrap();
        let path = format!("/api/v1/applications/{a}/documents/{doc}");

        s3.stop().await;
        let started = std::time::Instant::now();
        let (status, refused) = upload(&sme, a, "纳税证明.pdf", PDF, Some("纳税证明")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{b}: {refused}");
        assert_eq!(refused["code"], "storage_unavailable", "{b}: {refused}");
        assert_eq!(refused["message"], "文件存储暂时不可用，文件未保存或未能读取，请稍后重试", "{b}");
        assert!(!refused.to_string().contains("127.0.0.1"), "{b}: the store's address is for the log: {refused}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{b}: refused within seconds");
        assert_eq!(app.state.store.document_totals().await.unwrap(), (1, 0), "{b}: no row stored");

        // The page says it above the form, in the page's language, with the same status.
        let (_, page) = sme.get_text(&format!("/sme/applications/{a}/documents")).await;
        let csrf = page.split("documents?csrf=").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let (content_type, body) =
            multipart(&[("material", None, "纳税证明".as_bytes()), ("file", Some("纳税证明.pdf"), PDF)]);
        let action = format!("/sme/applications/{a}/documents?csrf={csrf}");
        let reply = sme.request(Method::POST, &action, Some(&content_type), body.clone()).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{b}");
        assert!(reply.body.contains("id=\"upload-error\"") && reply.body.contains("文件存储暂时不可用"), "{b}");
        let reply = sme.request(Method::POST, &format!("{action}&lang=en"), Some(&content_type), body).await;
        assert!(reply.body.contains("the document storage is temporarily unavailable"), "{b}: {}", reply.body);
        assert_eq!(app.state.store.document_totals().await.unwrap(), (1, 0), "{b}: still no row");

        // A download is refused too, and not recorded; the server stays ready, its documents part down.
        let reply = bank.request(Method::GET, &path, None, Vec::new()).await;
        assert_eq!(
            (reply.status, reply.json()["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("storage_unavailable"))
        );
        let (status, ready) = readiness(&app).await;
        assert_eq!(status, StatusCode::OK, "{b}: the rest works meanwhile: {ready}");
        assert_eq!(ready["documents"]["state"], "down", "{b}: {ready}");

        // Back: the bucket holds the first file only; uploads and downloads work again.
        s3.resume().await;
        assert_eq!(s3.storage().keys().await.unwrap().len(), 1, "{b}: nothing of the refused uploads");
        let (status, again) = upload(&sme, a, "纳税证明.pdf", PDF, Some("纳税证明")).await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {again}");
        assert_eq!(readiness(&app).await.1["documents"]["state"], "ok", "{b}");
        let (_, audit) = sme.get("/api/v1/audit").await;
        assert_eq!(audit.to_string().matches("document.download").count(), 0, "{b}: the refused one is not one");

        // A file lost from the bucket behind the server's back is a 404 of its own, never a 500.
        let storage = s3.storage();
        for key in storage.keys().await.unwrap() {
            storage.delete(&key).await.unwrap();
        }
        let reply = bank.request(Method::GET, &path, None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{b}: {}", reply.body);
        assert_eq!(reply.json()["code"], "document_missing", "{b}");
        let reply = bank.request(Method::GET, &format!("/applications/{a}/documents/{doc}"), None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{b}: the page's download");
        assert!(reply.body.contains("找不到"), "{b}: {}", reply.body);
    }
}

/// Settings that cannot work stop the start with one line naming them, never the secret.
#[tokio::test]
async fn object_store_settings_that_cannot_work_stop_the_start() {
    let mut s3 = TestS3::start().await;
    let start = |object_store: ObjectStoreConfig| async move {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path().join("data"), None);
        config.object_store = object_store;
        let e = build_app(config).await.unwrap_err();
        let startup = e.downcast_ref::<StartupError>().unwrap_or_else(|| panic!("not a start-up error: {e:#}"));
        (startup.exit_code(), startup.to_string())
    };
    let wrong_secret =
        ObjectStoreConfig { secret_access_key: Some(Secret::new("wrong-secret-0000")), ..object_store(&s3) };
    let (code, said) = start(wrong_secret).await;
    assert_eq!(code, 69, "{said}");
    assert!(said.contains("the S3 object store") && said.contains(&format!("{}/{BUCKET}", s3.endpoint())), "{said}");
    assert!(!said.contains("wrong-secret-0000") && !said.contains(SECRET_ACCESS_KEY), "{said}");

    let no_bucket = ObjectStoreConfig { bucket: Some("missing-bucket".into()), ..object_store(&s3) };
    let (code, said) = start(no_bucket).await;
    assert_eq!(code, 69, "{said}");
    assert!(said.contains("missing-bucket"), "{said}");

    let (code, said) = start(ObjectStoreConfig { bucket: None, ..object_store(&s3) }).await;
    assert_eq!(code, 78, "{said}");
    assert!(said.contains("FINMART_S3_BUCKET is not"), "{said}");

    s3.stop().await;
    let (code, said) = start(object_store(&s3)).await;
    assert_eq!(code, 69, "{said}");
    assert!(said.contains("the S3 object store"), "{said}");

    // Running, it starts, and says where documents go.
    s3.resume().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(dir.path().join("data"), None);
    config.object_store = object_store(&s3);
    let state = build_app(config).await.unwrap();
    assert_eq!(state.store.document_storage_name(), "object_store");
    s3.storage().check().await.unwrap();
}
