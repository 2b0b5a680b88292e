//! `TestApp`: the real application on a fresh database (SQLite file or PostgreSQL database) and a fresh
//! index directory, driven in process through its router, or over a real socket when a test needs one.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use finmart_store::testing;
use finmart_web::{AppState, Config, build_app, open_app, router};
use http_body_util::BodyExt;
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

pub struct TestApp {
    pub backend: &'static str,
    pub state: AppState,
    pub router: Router,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    _dir: tempfile::TempDir,
    _db: Option<testing::TestDb>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    /// A fresh app, or `None` for PostgreSQL when it is not configured (never in CI: that panics).
    pub async fn new(backend: Backend) -> Option<Self> {
        Self::configured(backend, |_| {}).await
    }

    /// A fresh app whose configuration `configure` changes first (as a deployment's flags or environment
    /// would: `FINMART_HOME_AREA` is `config.home_area`).
    pub async fn configured(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, database_url, name) = match backend {
            Backend::Sqlite => (None, None, "sqlite"),
            Backend::Postgres => {
                let db = testing::postgres().await?;
                let url = db.url.clone();
                (Some(db), Some(url), "postgres")
            }
        };
        let data_dir = dir.path().join("data");
        let mut config = Config::for_tests(data_dir.clone(), database_url.clone());
        configure(&mut config);
        let state = build_app(config).await.expect("app starts");
        let router = router(state.clone());
        Some(Self { backend: name, state, router, data_dir, database_url, _dir: dir, _db: db })
    }

    /// Another server of the same deployment: a data directory (and so a search index) of its own, this
    /// one's database, and the tests' configuration changed by `configure`, as the first one's was.
    pub async fn another_server(&self, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().join("data");
        let shared = self.database_url.clone().unwrap_or_else(|| finmart_store::Store::sqlite_url(&self.data_dir));
        let mut config = Config::for_tests(data_dir.clone(), Some(shared.clone()));
        configure(&mut config);
        let state = build_app(config).await.expect("the other server starts");
        let router = router(state.clone());
        Self { backend: self.backend, state, router, data_dir, database_url: Some(shared), _dir: dir, _db: None }
    }

    /// A fresh app with the demo catalogue loaded and indexed.
    pub async fn with_demo(backend: Backend) -> Option<Self> {
        let app = Self::new(backend).await?;
        finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
        app.catch_up().await;
        app.state.refresh_pool().await.expect("pool loads");
        Some(app)
    }

    /// Both backends that are available (PostgreSQL always in CI).
    pub async fn each(demo: bool) -> Vec<Self> {
        let mut apps = Vec::new();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let app = if demo { Self::with_demo(backend).await } else { Self::new(backend).await };
            apps.extend(app);
        }
        apps
    }

    /// The same app started again on its data directory and database, as a server restarted by its operator
    /// (with the tests' configuration: a `configure` of [`TestApp::configured`] is not repeated), doing
    /// `between` to the data directory while it is stopped. The running one is dropped first, and its index
    /// closed, once the background work still holding it (a rebuild's last catch-up) has let go of it.
    pub async fn restart(self, between: impl FnOnce(&std::path::Path)) -> Self {
        self.started_again(between, true).await
    }

    /// The same app started again as a server starts: answering before the matcher and the pool are loaded
    /// (`state.warm_up()` loads them, when the test says).
    pub async fn restart_cold(self) -> Self {
        self.started_again(|_| {}, false).await
    }

    async fn started_again(self, between: impl FnOnce(&std::path::Path), warm: bool) -> Self {
        let Self { backend, state, router: old, data_dir, database_url, _dir, _db } = self;
        drop(old);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::sync::Arc::strong_count(&state.catalogue) > 1 {
            assert!(std::time::Instant::now() < deadline, "the index is still held 10 s after the app stopped");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        drop(state);
        between(&data_dir);
        let config = Config::for_tests(data_dir.clone(), database_url.clone());
        let state = if warm { build_app(config).await } else { open_app(config).await }.expect("app restarts");
        let router = router(state.clone());
        Self { backend, state, router, data_dir, database_url, _dir, _db }
    }

    /// Applies pending database changes to the index and the matcher now (the server's follower does this
    /// on its own).
    pub async fn catch_up(&self) {
        self.state.catch_up().await.expect("catch up");
    }

    /// A POST with a JSON body; the response as JSON.
    pub async fn post_json(&self, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.post_raw(uri, body.to_string()).await
    }

    /// A POST with any body; the response as JSON.
    pub async fn post_raw(&self, uri: &str, body: String) -> (StatusCode, Value) {
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request");
        let response = self.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        crate::documented::check(&axum::http::Method::POST, uri, status, &String::from_utf8_lossy(&bytes));
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!("{uri} on {}: not JSON ({e}): {}", self.backend, String::from_utf8_lossy(&bytes))
        });
        (status, json)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, String) {
        let (status, _, body) = self.get_with_cookie(uri, None).await;
        (status, body)
    }

    /// A GET carrying a `Cookie` header; returns the response's `Set-Cookie` too.
    pub async fn get_with_cookie(&self, uri: &str, cookie: Option<&str>) -> (StatusCode, Option<String>, String) {
        let mut request = Request::builder().uri(uri);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response =
            self.router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
        let status = response.status();
        let set_cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        crate::documented::check(&axum::http::Method::GET, uri, status, &body);
        (status, set_cookie, body)
    }

    pub async fn get_json(&self, uri: &str) -> (StatusCode, Value) {
        let (status, body) = self.get(uri).await;
        let json =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri} on {}: not JSON ({e}): {body}", self.backend));
        (status, json)
    }

    /// Searches the API: `/api/v1/search?q=…` plus extra parameters.
    pub async fn search(&self, q: &str, extra: &str) -> Value {
        let uri = format!("/api/v1/search?q={}{extra}", encode(q));
        let (status, json) = self.get_json(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {json}");
        json
    }
}

pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The product names of a search response.
pub fn names(json: &Value) -> Vec<String> {
    json["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().expect("name").to_owned()).collect()
}

/// A GET over a real socket (HTTP/1.1, connection closed after), for tests of the running server.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before a huge request is fully written; its answer still counts.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}
