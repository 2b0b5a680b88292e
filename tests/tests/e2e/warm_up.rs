//! A server answers before the matching engine's products and the reverse-matching pool are loaded, as it
//! starts: search answers at once, exactly as a loaded server does; matching (and a product's explanation),
//! the needs feed and a product's candidates answer 503 `warming_up` with `Retry-After` (never a 500, never
//! a partial answer); `/readyz` shows both parts `loading` with the server ready for traffic, then `ok`;
//! and once loaded every answer is the loaded server's. The test loads them itself (`state.warm_up()`), so the loading state lasts exactly
//! as long as the test needs it, without waiting on time.

use crate::app::{TestApp, encode};
use crate::matching::{need, profile};
use axum::http::StatusCode;
use finmart_catalogue::sync;
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_SME};
use finmart_domain::LifecycleState;
use serde_json::{Value, json};

/// A listed product of the institution `institution_id`.
async fn listed_product_of(app: &TestApp, institution_id: i64) -> i64 {
    let products = app.state.store.products_after(0, 10_000).await.expect("products");
    products
        .iter()
        .find(|p| p.institution.id == institution_id && p.state == LifecycleState::Published)
        .map(|p| p.id)
        .expect("the demo bank has a listed product")
}

/// The first product the match of [`profile`] and [`need`] lists (on a loaded server).
async fn first_listed(app: &TestApp) -> i64 {
    let (status, out) = app.post_json("/api/v1/match", &json!({"profile": profile(), "need": need()})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out["eligible"][0]["product"]["id"].as_i64().expect("the demo data has an eligible product")
}

/// The answers that need the matcher or the pool, as the demo bank (status, body); `listed` is a product
/// the match lists, to explain.
async fn needing_warm_up(app: &TestApp, product: i64, listed: i64) -> Vec<(String, StatusCode, Value)> {
    let bank = app.sign_in(DEMO_BANK).await;
    let mut out = Vec::new();
    let (status, body) = app.post_json("/api/v1/match", &json!({"profile": profile(), "need": need()})).await;
    out.push(("match".to_owned(), status, body));
    let explain = json!({"profile": profile(), "need": need(), "product_id": listed});
    let (status, body) = app.post_json("/api/v1/match/explain", &explain).await;
    out.push(("explain".to_owned(), status, body));
    let (status, body) = bank.get("/api/v1/needs/feed").await;
    out.push(("feed".to_owned(), status, body));
    let (status, body) = bank.get(&format!("/api/v1/products/{product}/candidates?limit=50")).await;
    out.push(("candidates".to_owned(), status, body));
    out
}

/// The `Retry-After` of a 503 of matching (the one operation answered without a session, so asked raw).
async fn match_retry_after(app: &TestApp) -> Option<String> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let body = json!({"profile": profile(), "need": need()}).to_string();
    let request = Request::post("/api/v1/match").header("content-type", "application/json").body(Body::from(body));
    let response = app.router.clone().oneshot(request.expect("request")).await.expect("response");
    response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

#[tokio::test]
async fn a_started_server_searches_at_once_and_answers_warming_up_until_matching_is_loaded() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let bank_institution = {
            let (_, session) = app.sign_in(DEMO_BANK).await.get("/api/v1/session").await;
            session["account"]["institution_id"].as_i64().expect("institution id")
        };
        let product = listed_product_of(&app, bank_institution).await;
        // A need of a firm that consented to the bank, so the bank's feed has something to rank.
        let sme = app.sign_in(DEMO_SME).await;
        let (status, body) = sme.post("/api/v1/me/consents", &json!({"institution_id": bank_institution})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let deadline = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive().to_string();
        let posted = json!({"amount": 200_000_000, "term": 12, "purpose": "working_capital", "deadline": deadline});
        let (status, body) = sme.post("/api/v1/me/needs", &posted).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let search = format!("/api/v1/search?q={}&per_page=50", encode("信用贷"));
        let (_, searched) = app.get_json(&search).await;
        let listed = first_listed(&app).await;
        let loaded = needing_warm_up(&app, product, listed).await;
        for (what, status, body) in &loaded {
            assert_eq!(*status, StatusCode::OK, "{what} on {backend}: {body}");
        }
        assert!(loaded[2].2.as_array().is_some_and(|feed| !feed.is_empty()), "{backend}: the feed ranks the need");
        let book = app.state.matcher.book().len();
        let firms = app.state.pool.len();

        let app = app.restart_cold().await;
        // Search needs neither part: it answers at once, as before.
        let (status, now) = app.get_json(&search).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {now}");
        assert_eq!(now, searched, "{backend}: search answers as a loaded server does");
        for (what, status, body) in needing_warm_up(&app, product, listed).await {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what} on {backend}: {body}");
            assert_eq!(body["code"], "warming_up", "{what} on {backend}: {body}");
        }
        assert_eq!(match_retry_after(&app).await.as_deref(), Some("3"), "{backend}: Retry-After");
        let (status, ready) = app.get_json("/readyz").await;
        assert_eq!(status, StatusCode::OK, "{backend}: traffic may come while loading: {ready}");
        assert_eq!(ready["status"], "warming_up", "{backend}: {ready}");
        assert_eq!(ready["index"]["state"], "ok", "{backend}: {ready}");
        for part in ["matcher", "pool"] {
            assert_eq!(ready[part]["state"], "loading", "{backend}: {part}: {ready}");
        }

        app.state.warm_up().await.expect("matching loads");
        let (status, ready) = app.get_json("/readyz").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {ready}");
        assert_eq!(ready["status"], "ready", "{backend}: {ready}");
        // The book is read from the index's stored copies (it was usable), not from the database, and those
        // copies are every listed product exactly as the database gives it.
        let (from_index, from) =
            sync::published_products(&app.state.store, &app.state.catalogue, &[], &|_| {}).await.expect("products");
        assert_eq!(from, sync::ReadFrom::Index, "{backend}");
        let from_database = sync::listed_products(&app.state.store, &|_| {}).await.expect("database");
        assert_eq!(from_index.len(), book, "{backend}");
        assert!(from_index == from_database, "{backend}: the index's copies differ from the database's products");
        assert_eq!(ready["matcher"], json!({"state": "ok", "loaded": book, "from": "index"}), "{backend}: {ready}");
        // The snapshot the first start wrote (of no firms, before the demo) is too far behind: every firm
        // is read, and a snapshot written for the next start.
        assert_eq!(ready["pool"], json!({"state": "ok", "loaded": firms, "from": "database"}), "{backend}: {ready}");
        let now = needing_warm_up(&app, product, listed).await;
        for ((what, status, body), (_, _, before)) in now.iter().zip(&loaded) {
            assert_eq!(*status, StatusCode::OK, "{what} on {backend}: {body}");
            assert_eq!(body, before, "{what} on {backend}: answers as before the restart");
        }
    }
}

/// A product change the follower tells while the matcher's book is loading is applied after the load, not
/// lost to the copy the load read (which may be older than the change).
#[tokio::test]
async fn a_product_change_told_while_the_matcher_loads_is_kept() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let listed = app.state.matcher.book().len();
        let products = app.state.store.products_after(0, 10_000).await.expect("products");
        let product = products.into_iter().find(|p| p.state == LifecycleState::Published).expect("a listed product");
        let first = product.id;
        let app = app.restart_cold().await;
        // As the follower tells it: `first` is no longer listed (the load below still reads it as listed).
        for listener in app.state.listeners() {
            listener.replaced(&[first], &[]);
        }
        app.state.warm_up().await.expect("matching loads");
        assert_eq!(app.state.matcher.book().len(), listed - 1, "{backend}: the change told while loading is kept");
        // Once loaded, what the follower tells goes straight to the book.
        for listener in app.state.listeners() {
            listener.replaced(&[first], std::slice::from_ref(&product));
        }
        assert_eq!(app.state.matcher.book().len(), listed, "{backend}");
    }
}

/// The pool's `from` on `/readyz` after the app loads it.
async fn pool_loaded_from(app: &TestApp) -> Value {
    app.state.warm_up().await.expect("matching loads");
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["pool"]["state"], "ok", "{ready}");
    ready["pool"]["from"].clone()
}

/// A server starts its pool from the snapshot the last whole read wrote and reads only the firms written
/// since (the pool then equals what a whole read gives); a snapshot it cannot trust (another day than today
/// or yesterday, a revision the database has not reached, entries that differ from the database's firms)
/// is passed over for a whole read.
#[tokio::test]
async fn the_pool_starts_from_its_snapshot_and_reads_only_what_changed_since() {
    use finmart_matching::reverse::snapshot;
    for app in TestApp::each(true).await {
        let backend = app.backend;
        // A whole read writes the snapshot (the demo's firms are past what the first start's snapshot held).
        let app = app.restart_cold().await;
        assert_eq!(pool_loaded_from(&app).await, "database", "{backend}");
        let written = app.state.store.latest_pool_snapshot(snapshot::FORMAT).await.expect("read").expect("written");
        assert_eq!(written.firms, app.state.pool.len() as u64, "{backend}");
        assert!(written.firms > 0, "{backend}");

        // A firm changes after the snapshot: it stops consenting to be found and gives another headcount.
        let mut firms = Vec::new();
        app.state.store.each_enterprise_revised_after(0, |e| firms.push(e)).await.expect("firms");
        let firm = firms.into_iter().find(|e| e.discoverable).expect("a findable demo firm");
        let mut changed = firm.profile.clone();
        changed.employees += 7;
        app.state.store.save_enterprise(&changed, false).await.expect("saved");
        app.state.refresh_pool().await.expect("refreshed");
        let expected = app.state.pool.entries();
        let entry = expected.iter().find(|e| e.id == firm.id).expect("in the pool");
        assert!(!entry.open, "{backend}");

        let app = app.restart_cold().await;
        assert_eq!(pool_loaded_from(&app).await, "snapshot", "{backend}");
        assert_eq!(app.state.pool.entries(), expected, "{backend}: the snapshot and the change since");

        // Snapshots that are not to be trusted, each the newest in turn: a whole read instead, same pool.
        let today = finmart_web::http::state::today();
        let revision = app.state.store.enterprise_revision().await.expect("revision");
        let mut flipped = expected.clone();
        for e in &mut flipped {
            e.open = !e.open;
        }
        let untrusted = [
            ("another database's firms", today, revision, flipped),
            ("three days old", today - chrono::Days::new(3), revision, expected.clone()),
            ("ahead of the database", today, revision + 1, expected.clone()),
        ];
        let mut app = app;
        for (what, day, revision, entries) in untrusted {
            let parts = snapshot::encode(&entries);
            let firms = entries.len() as u64;
            app.state.store.save_pool_snapshot(day, revision, snapshot::FORMAT, firms, &parts).await.expect("saved");
            app = app.restart_cold().await;
            assert_eq!(pool_loaded_from(&app).await, "database", "{what} on {backend}");
            assert_eq!(app.state.pool.entries(), expected, "{what} on {backend}");
        }
        // The whole read wrote a good one again.
        let app = app.restart_cold().await;
        assert_eq!(pool_loaded_from(&app).await, "snapshot", "{backend}");
    }
}
