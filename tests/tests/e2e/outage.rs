//! Dependencies going away and coming back, with real servers: a private `redis-server` on a free port
//! (never the shared one), stopped and started again while a signed-in client keeps asking. While Redis is
//! down every signed-in request answers 503 `sessions_unavailable` within a second (never a hang); after it
//! returns, the same session works again within five seconds, with no restart of Finmart. In CI a missing
//! `redis-server` fails the test.

use crate::app::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::DEMO_SME;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test's own, on a free port, keeping its data in a temporary directory (saved
/// on a clean stop, so sessions survive a restart as they would in production).
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Started and answering, or `None` when `redis-server` is not installed (never under `CI=true`: that
    /// panics, so the test cannot silently skip in CI).
    pub fn start() -> Option<Self> {
        let installed = Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_ok();
        if !installed {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but redis-server is not installed: the Redis outage tests must run in CI"
            );
            eprintln!("note: redis-server not installed, skipping the Redis outage test");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let mut redis = Self { port, dir: tempfile::tempdir().expect("temp dir"), child: None };
        redis.run();
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port and data) and waits until it accepts connections.
    pub fn run(&mut self) {
        let dir: &Path = self.dir.path();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "3600 1"])
            .args(["--appendonly", "no", "--dir"])
            .arg(PathBuf::from(dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on port {} within 10 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: its connections stay open but nothing answers, as
    /// with a host that hangs.
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("running");
        let status = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill {signal}");
    }

    /// Stops the server as an operator would (SIGTERM: it saves its data and exits), and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn a_frozen_redis_is_a_503_within_a_second_and_then_service_as_before() {
    let Some(redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(url)).await.expect("app starts");
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    let sme = app.sign_in(DEMO_SME).await;
    redis.signal("-STOP");
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = sme.get("/api/v1/session").await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!("sessions_unavailable"))
        );
        assert!(started.elapsed() < Duration::from_secs(1), "Redis frozen: the answer took {:?}", started.elapsed());
    }
    redis.signal("-CONT");
    let back = Instant::now();
    while sme.get("/api/v1/session").await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "not back within 5 s of Redis thawing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_redis_restart_is_a_short_clear_503_and_then_service_as_before() {
    let Some(mut redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(url)).await.expect("app starts");
    finmart_cli::load_demo(&app.state.store).await.expect("demo loads");
    let sme = app.sign_in(DEMO_SME).await;
    assert_eq!(sme.get("/api/v1/session").await.0, StatusCode::OK);

    redis.stop();
    let down = Instant::now();
    let mut answers = 0;
    while down.elapsed() < Duration::from_secs(3) {
        let started = Instant::now();
        let (status, body) = sme.get("/api/v1/session").await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "Redis down: {body}");
        assert_eq!(body["code"], "sessions_unavailable", "{body}");
        assert!(took < Duration::from_secs(1), "Redis down: the answer took {took:?}, over 1 s");
        let started = Instant::now();
        let page = sme.request(Method::GET, "/", None, Vec::new()).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "the page too");
        assert!(page.body.contains("登录服务暂时不可用"), "the page says why, in Chinese: {}", page.body);
        assert!(started.elapsed() < Duration::from_secs(1), "the page answered in {:?}", started.elapsed());
        answers += 1;
    }
    let again = app.anonymous();
    let started = Instant::now();
    let (status, body) =
        again.post("/api/v1/session", &serde_json::json!({"login": DEMO_SME, "password": "wrong-anyway"})).await;
    assert!(started.elapsed() < Duration::from_secs(2), "sign-in answered in {:?}", started.elapsed());
    assert_ne!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
    assert!(answers >= 3, "several requests were answered while Redis was down ({answers})");

    redis.run();
    let back = Instant::now();
    loop {
        let (status, body) = sme.get("/api/v1/session").await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(back.elapsed() < Duration::from_secs(5), "not back within 5 s of Redis returning: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = back.elapsed();
    eprintln!("redis outage: {answers} answers while down; service back {recovered:?} after Redis returned");
    let fresh = app.sign_in(DEMO_SME).await;
    assert_eq!(fresh.get("/api/v1/session").await.0, StatusCode::OK, "a new sign-in works too");
}

#[tokio::test]
async fn readyz_names_redis_while_it_is_down_and_healthz_stays_up() {
    let Some(mut redis) = PrivateRedis::start() else { return };
    let url = redis.url();
    let app = TestApp::configured(Backend::Sqlite, |c| c.redis_url = Some(url)).await.expect("app starts");
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["redis"]["state"], "ok", "{ready}");
    assert_eq!(ready["database"]["state"], "ok", "{ready}");
    assert_eq!(ready["index"]["state"], "ok", "{ready}");

    redis.stop();
    let started = Instant::now();
    let (status, ready) = app.get_json("/readyz").await;
    assert!(started.elapsed() < Duration::from_secs(1), "readyz answered in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["status"], "not_ready");
    assert_eq!(ready["redis"]["state"], "down", "readyz names Redis: {ready}");
    assert_eq!(ready["database"]["state"], "ok", "only Redis is down: {ready}");
    let (status, health) = app.get_json("/healthz").await;
    assert_eq!((status, &health["status"]), (StatusCode::OK, &serde_json::json!("ok")), "the process still answers");

    redis.run();
    let back = Instant::now();
    while app.get_json("/readyz").await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "readyz not ready within 5 s of Redis returning");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
