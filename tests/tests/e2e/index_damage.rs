//! A damaged search index, on the demo catalogue: files damaged while the server is stopped (each kind in
//! turn) and while it runs. The server always starts; every search-backed answer is either 503
//! `index_rebuilding` with `Retry-After` (the API, the search page in both languages, matching) or exactly
//! what it answered before the damage, never a 500; and within a bounded wait the rebuilt index answers as
//! before and `/readyz` is ready again.

use crate::app::{Backend, TestApp, encode};
use crate::matching::{need, profile};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// How long a rebuild of the demo catalogue may take before the test fails (it takes well under a second).
const REBUILD_WAIT: Duration = Duration::from_secs(30);

/// The answers compared before and after: searches with words, filters, facets and sorts, the search page,
/// and a match (which ranks by the index's relevance).
fn requests() -> Vec<(&'static str, String, Option<Value>)> {
    let search = |q: &str, extra: &str| format!("/api/v1/search?q={}{extra}", encode(q));
    vec![
        ("search", search("信用贷", ""), None),
        ("search", search("专利", "&sort=rate&per_page=50"), None),
        ("search", search("", "&per_page=100"), None),
        ("search", search("科技", "&family=credit&collateral=none"), None),
        ("search", search("", "&sort=amount&page=2&per_page=10"), None),
        ("page", format!("/?q={}", encode("信用贷")), None),
        ("page", format!("/?q={}&lang=en", encode("信用贷")), None),
        ("match", "/api/v1/match".to_owned(), Some(json!({"profile": profile(), "need": need()}))),
    ]
}

/// A page without what changes from one request to the next (the session's CSRF token).
fn steady(text: String) -> String {
    const MARK: &str = "<meta name=\"csrf\" content=\"";
    match text.find(MARK) {
        Some(at) => {
            let rest = &text[at + MARK.len()..];
            let end = rest.find('"').unwrap_or(0);
            format!("{}{MARK}{}", &text[..at], &rest[end..])
        }
        None => text,
    }
}

/// Where two answers first differ, with a little of each.
fn difference(now: &str, was: &str) -> String {
    let at = now
        .char_indices()
        .zip(was.chars())
        .find(|((_, a), b)| a != b)
        .map_or(now.len().min(was.len()), |((i, _), _)| i);
    let around = |s: &str| s.get(at.saturating_sub(80)..).unwrap_or("").chars().take(240).collect::<String>();
    format!("at byte {at}:\n now: {}\n was: {}", around(now), around(was))
}

/// One answer: status, `Retry-After`, body (a page without its CSRF token).
async fn ask(app: &TestApp, uri: &str, body: Option<&Value>) -> (StatusCode, Option<String>, String) {
    let request = match body {
        Some(body) => Request::post(uri).header("content-type", "application/json").body(Body::from(body.to_string())),
        None => Request::get(uri).body(Body::empty()),
    };
    let response = app.router.clone().oneshot(request.expect("request")).await.expect("response");
    let status = response.status();
    let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, retry, steady(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Every answer, which must all be 200.
async fn answers(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for (_, uri, body) in requests() {
        let (status, _, text) = ask(app, &uri, body.as_ref()).await;
        assert_eq!(status, StatusCode::OK, "{uri} on {}: {text}", app.backend);
        out.push(text);
    }
    out
}

/// Asks everything until every answer is the one before the damage and `/readyz` is ready, checking that
/// each answer meanwhile is that same answer or 503 `index_rebuilding` with `Retry-After`.
async fn until_answers_as_before(app: &TestApp, before: &[String], case: &str) {
    let deadline = Instant::now() + REBUILD_WAIT;
    loop {
        let mut same = true;
        for ((kind, uri, body), was) in requests().iter().zip(before) {
            let (status, retry, text) = ask(app, uri, body.as_ref()).await;
            match status {
                StatusCode::OK => {
                    assert!(&text == was, "{case}: {uri} answered differently {}", difference(&text, was));
                }
                StatusCode::SERVICE_UNAVAILABLE => {
                    same = false;
                    assert_eq!(retry.as_deref(), Some("5"), "{case}: {uri}: 503 without Retry-After");
                    if *kind == "page" {
                        let words = if uri.contains("lang=en") { "being rebuilt" } else { "搜索索引正在重建" };
                        assert!(text.contains(words), "{case}: {uri}: the page says why: {text}");
                    } else {
                        let json: Value = serde_json::from_str(&text).expect("an error body");
                        assert_eq!(json["code"], "index_rebuilding", "{case}: {uri}: {json}");
                    }
                }
                other => panic!("{case}: {uri} on {} answered {other}: {text}", app.backend),
            }
        }
        let (status, ready) = app.get_json("/readyz").await;
        let state = ready["index"]["state"].as_str().unwrap_or_default().to_owned();
        if status == StatusCode::OK {
            assert_eq!(state, "ok", "{case}: {ready}");
            if same {
                return;
            }
        } else {
            assert!(["rebuilding", "unusable"].contains(&state.as_str()), "{case}: {ready}");
            assert_eq!(ready["status"], "not_ready", "{case}: {ready}");
        }
        assert!(Instant::now() < deadline, "{case}: not answering as before within {REBUILD_WAIT:?}: {ready}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The demo app, its index rebuilt once: the answers then depend on the database alone (an index grown by
/// following the change log also counts the documents it replaced in its scoring statistics until they are
/// merged away, so its scores differ from a rebuilt one's in the last digits).
async fn demo(backend: Backend) -> Option<TestApp> {
    let app = TestApp::with_demo(backend).await?;
    let store = app.state.store.clone();
    finmart_catalogue::sync::rebuild(&store, &app.state.catalogue, &|_, _| {}).await.expect("rebuild");
    Some(app)
}

/// The live generation of the app's index.
fn live_generation(app: &TestApp) -> PathBuf {
    let root = app.data_dir.join("index");
    let name = std::fs::read_to_string(root.join("CURRENT")).expect("CURRENT");
    root.join(name.trim())
}

/// A generation's number (`gen-<n>`).
fn number(generation: &Path) -> u64 {
    let name = generation.file_name().and_then(|n| n.to_str()).expect("a name");
    name.strip_prefix("gen-").and_then(|n| n.parse().ok()).expect("a generation")
}

/// Flips 16 bytes in the middle of every file in `dir` whose name ends with `suffix`; how many files.
fn damage(dir: &Path, suffix: &str) -> usize {
    let mut damaged = 0;
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(suffix) {
            continue;
        }
        let mut bytes = std::fs::read(&path).expect("read");
        let middle = bytes.len() / 2;
        let end = (middle + 16).min(bytes.len());
        for b in &mut bytes[middle..end] {
            *b ^= 0xFF;
        }
        // Written in place, as a failing disk would: the running server's mapped view sees it too.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes))
            .expect("write");
        damaged += 1;
    }
    damaged
}

#[tokio::test]
async fn an_index_damaged_while_stopped_never_stops_the_start_and_is_rebuilt() {
    // Every kind on SQLite; on PostgreSQL one (what differs there is only the database the rebuild reads).
    let every = [".term", ".store", ".idx", ".pos", ".fast", ".fieldnorm", "meta.json"];
    for (backend, kinds) in [(Backend::Sqlite, &every[..]), (Backend::Postgres, &[".fast"][..])] {
        let Some(mut app) = demo(backend).await else { continue };
        let before = answers(&app).await;
        for &suffix in kinds {
            let dir = live_generation(&app);
            // Damaged while stopped: the files are changed between the two runs.
            app = app.restart(|_| assert!(damage(&dir, suffix) > 0, "no {suffix} file in {}", dir.display())).await;
            let opened = app.state.catalogue.opened().clone();
            assert!(matches!(opened, finmart_catalogue::Opened::Damaged(_)), "{suffix}: {opened:?}");
            let case = format!("{suffix} on {}", app.backend);
            until_answers_as_before(&app, &before, &case).await;
            assert_eq!(number(&live_generation(&app)), number(&dir) + 1, "{case}: one rebuild serves");
            assert!(!dir.exists(), "{case}: the damaged generation is deleted");
        }
    }
}

#[tokio::test]
async fn an_index_damaged_while_running_is_noticed_by_a_search_and_rebuilt_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = demo(backend).await else { continue };
        let before = answers(&app).await;
        let dir = live_generation(&app);
        assert!(damage(&dir, ".store") > 0, "no document store in {}", dir.display());
        let case = format!("documents damaged while running on {}", app.backend);
        // A listing of every product reads every document: it meets the damage, and answers 503. (One not
        // asked before: those are kept in the cache of recent answers, computed before the damage.)
        let (status, _, text) = ask(&app, "/api/v1/search?per_page=99", None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{case}: {text}");
        until_answers_as_before(&app, &before, &case).await;
        assert_eq!(number(&live_generation(&app)), number(&dir) + 1, "{case}: one rebuild, however many 503s");
        assert!(!dir.exists(), "{case}: the damaged generation is deleted");
    }
}
