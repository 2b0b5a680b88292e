//! Accounts end to end: sign-in and sign-out, session rotation, CSRF, throttling, disabled accounts,
//! registration, invitations, API tokens and the audit log, on SQLite and PostgreSQL.

use crate::app::TestApp;
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{
    DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_PASSWORD, DEMO_SME, DEMO_SME2,
};
use serde_json::json;

#[tokio::test]
async fn every_demo_account_signs_in_and_out() {
    for app in TestApp::each(true).await {
        for (login, role) in [
            (DEMO_OPERATOR, "operator"),
            (DEMO_BANK, "institution"),
            (DEMO_BANK2, "institution"),
            (DEMO_SME, "sme"),
            (DEMO_SME2, "sme"),
            (DEMO_AGENCY, "agency"),
        ] {
            let client = app.sign_in(login).await;
            let (status, me) = client.get("/api/v1/session").await;
            assert_eq!(status, StatusCode::OK, "{login}: {me}");
            assert_eq!(me["account"]["role"], role);
            assert_eq!(me["account"]["login"], login);
            assert!(me["account"].get("password_hash").is_none());
            let cookie = client.cookie().expect("session cookie");
            let (status, _) = client.delete("/api/v1/session").await;
            assert_eq!(status, StatusCode::NO_CONTENT);
            // The old cookie no longer works: the session is gone from the store, not just from the browser.
            let (status, _, _) = app.get_with_cookie("/api/v1/session", Some(&cookie)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{login} after sign-out on {}", app.backend);
        }
    }
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_cookies_are_protected() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    let visitor = app.anonymous();
    let reply = visitor.request(Method::GET, "/login", None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(visitor.cookie(), None, "the login page stores no session: its CSRF token is in a cookie");
    let token =
        reply.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf field");
    visitor.set_csrf(Some(token));
    let (status, location, _) = visitor
        .post_form("/login", &[("login", DEMO_SME), ("password", DEMO_PASSWORD), ("next", "/sme/applications")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/sme/applications"));
    assert!(visitor.cookie().is_some(), "signing in starts the session");
    // Cookie attributes.
    let client = app.anonymous();
    let reply = client
        .request(
            Method::POST,
            "/api/v1/session",
            Some("application/json"),
            json!({"login": DEMO_SME, "password": DEMO_PASSWORD}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let (_, set_cookie, _) = {
        let r = app.get_with_cookie("/login", None).await;
        (r.0, r.1, r.2)
    };
    let set_cookie = set_cookie.expect("set-cookie on the login page");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    // An open redirect is refused: `next` must be a local path.
    let visitor = app.anonymous();
    let reply = visitor.request(Method::GET, "/login", None, Vec::new()).await;
    let token = reply.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    visitor.set_csrf(Some(&token));
    let (_, location, _) = visitor
        .post_form("/login", &[("login", DEMO_SME), ("password", DEMO_PASSWORD), ("next", "//evil.example/")])
        .await;
    assert_eq!(location.as_deref(), Some("/sme/applications"));
}

/// The sign-in form posted with each form of `next` that a browser would follow off-site (or that cannot be
/// a header): every one signs in and goes to the role's home page, never elsewhere and never a 500.
#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    for attack in finmart_web::http::redirect::ATTACK_FORMS {
        let visitor = app.anonymous();
        let reply = visitor.request(Method::GET, &format!("/login?next={}", urlencode(attack)), None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::OK, "{attack:?}");
        let token =
            reply.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
        visitor.set_csrf(Some(&token));
        let (status, location, body) =
            visitor.post_form("/login", &[("login", DEMO_SME), ("password", DEMO_PASSWORD), ("next", attack)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{attack:?}: {body}");
        assert_eq!(location.as_deref(), Some("/sme/applications"), "{attack:?}");
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Login CSRF: another site's page posting the sign-in form (no `finmart_csrf` cookie, or a token not the
/// cookie's) signs no one in, and the visitor reads why on the page.
#[tokio::test]
async fn a_sign_in_form_posted_from_elsewhere_is_refused() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    let fields = [("login", DEMO_SME), ("password", DEMO_PASSWORD), ("next", "/")];
    // No cookie, no token; then no cookie with a token made up (or taken from someone else's page).
    let stranger = app.anonymous();
    let (status, _, body) = stranger.post_form("/login", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("页面已过期或请求来源无效"), "a Chinese page says why: {body}");
    assert_eq!(stranger.cookie(), None, "nobody is signed in");
    let visitor = app.anonymous();
    let reply = visitor.request(Method::GET, "/login", None, Vec::new()).await;
    let token = reply.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let mut with_token = fields.to_vec();
    with_token.push(("csrf", &token));
    let (status, _, _) = stranger.post_form("/login", &with_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a token without its cookie");
    // The visitor's own page (cookie and field) signs in.
    let (status, location, body) = visitor.post_form("/login", &with_token).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some("/"));
    assert!(visitor.cookie().is_some());
}

/// The CSRF token counts only from the header or a form's body: in the address of a JSON call it is refused.
#[tokio::test]
async fn a_csrf_token_in_the_address_of_a_json_call_is_refused() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    let bank = app.sign_in(DEMO_BANK).await;
    let (_, session) = bank.get("/api/v1/session").await;
    let token = session["csrf"].as_str().unwrap().to_owned();
    bank.set_csrf(None);
    let (status, body) = bank.post(&format!("/api/v1/tokens?csrf={token}"), &json!({"name": "core"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "csrf");
    bank.set_csrf(Some(&token));
    let (status, body) = bank.post("/api/v1/tokens", &json!({"name": "core"})).await;
    assert_eq!(status, StatusCode::CREATED, "in the header it counts: {body}");
}

async fn stored_sessions(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.state.store.connection();
    let sql = Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM session");
    db.query_one_raw(sql).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap()
}

/// Anonymous page views store no session (a crawler or a flood of `GET /login` fills nothing); signing in
/// stores exactly one.
#[tokio::test]
async fn anonymous_visitors_store_no_session() {
    for app in TestApp::each(true).await {
        let returning = app.anonymous();
        for _ in 0..25 {
            for path in ["/", "/login", "/register", "/?q=%E8%B4%B7%E6%AC%BE", "/match"] {
                let reply = app.anonymous().request(Method::GET, path, None, Vec::new()).await;
                assert_eq!(reply.status, StatusCode::OK, "{path}");
                returning.request(Method::GET, path, None, Vec::new()).await;
            }
        }
        assert_eq!(stored_sessions(&app).await, 0, "125 page views by new visitors and 125 by one, on {}", app.backend);
        let reply = returning.request(Method::GET, "/login", None, Vec::new()).await;
        let token =
            reply.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
        let (status, _, body) =
            returning.post_form("/login", &[("login", DEMO_SME), ("password", DEMO_PASSWORD), ("csrf", &token)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(stored_sessions(&app).await, 1, "signing in stores the session, on {}", app.backend);
        let (status, _) = returning.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        bank.set_csrf(None);
        let (status, body) = bank.post("/api/v1/tokens", &json!({"name": "core"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "csrf");
        bank.set_csrf(Some("0000"));
        let (status, _) = bank.post("/api/v1/tokens", &json!({"name": "core"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A form without the field is refused too.
        let (status, _, _) = bank.post_form("/logout", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, body) = bank.post("/api/v1/tokens", &json!({"name": "core"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    for app in TestApp::each(true).await {
        let client = app.anonymous();
        for _ in 0..5 {
            let (status, body) =
                client.post("/api/v1/session", &json!({"login": DEMO_BANK, "password": "wrong-password1"})).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body["message"], "账号或密码错误");
        }
        // Now even the right password waits.
        let (status, body) =
            client.post("/api/v1/session", &json!({"login": DEMO_BANK, "password": DEMO_PASSWORD})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(body["message"].as_str().unwrap().contains("15 分钟"));
        // Other accounts are not locked out by it.
        let (status, _) = client.post("/api/v1/session", &json!({"login": DEMO_SME, "password": DEMO_PASSWORD})).await;
        assert_eq!(status, StatusCode::OK);
        // Unknown logins answer exactly like wrong passwords.
        let (status, body) =
            app.anonymous().post("/api/v1/session", &json!({"login": "nobody@x.cn", "password": "whatever1"})).await;
        assert_eq!((status, body["message"].as_str()), (StatusCode::UNAUTHORIZED, Some("账号或密码错误")));
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, log) = operator.get("/api/v1/audit?limit=500").await;
        let failures = log.as_array().unwrap().iter().filter(|e| e["action"] == "login.failed").count();
        assert!(failures >= 6, "failed sign-ins are audited: {failures}");
    }
}

#[tokio::test]
async fn a_hundred_concurrent_wrong_passwords_get_only_the_limit_checked() {
    for app in TestApp::each(true).await {
        let attempts = (0..100).map(|_| async {
            app.anonymous().post("/api/v1/session", &json!({"login": DEMO_BANK, "password": "wrong-password1"})).await.0
        });
        let statuses = join_all(attempts.collect()).await;
        let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        assert_eq!((checked, refused), (5, 95), "{}: {statuses:?}", app.backend);
        // Each checked password is one audited failure: no more were checked than answered.
        let (_, log) = app.sign_in(DEMO_OPERATOR).await.get("/api/v1/audit?limit=500").await;
        let failures = log.as_array().unwrap().iter().filter(|e| e["action"] == "login.failed").count();
        assert_eq!(failures, 5, "{}", app.backend);
    }
}

/// Runs every future to its end concurrently (on this task), their outputs in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    // Twenty failures from one address, each on a different login (guessing logins, not passwords).
    for i in 0..20 {
        let (status, _) = app
            .anonymous()
            .post("/api/v1/session", &json!({"login": format!("guess{i}@x.cn"), "password": "nope12345"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) =
        app.anonymous().post("/api/v1/session", &json!({"login": DEMO_SME, "password": DEMO_PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address waits now: {body}");
}

#[tokio::test]
async fn a_disabled_account_stops_at_once() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK2).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, accounts) = operator.get("/api/v1/accounts").await;
        let id =
            accounts.as_array().unwrap().iter().find(|a| a["login"] == DEMO_BANK2).unwrap()["id"].as_i64().unwrap();
        let (status, body) = operator.post(&format!("/api/v1/accounts/{id}/disable"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["disabled"], true);
        let (status, _) = bank.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the live session ends");
        let (status, body) =
            app.anonymous().post("/api/v1/session", &json!({"login": DEMO_BANK2, "password": DEMO_PASSWORD})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("account_disabled")));
        let (status, _) = operator.post(&format!("/api/v1/accounts/{id}/enable"), &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        app.sign_in(DEMO_BANK2).await;
        // Nobody else may do this.
        let sme = app.sign_in(DEMO_SME).await;
        let (status, _) = sme.post(&format!("/api/v1/accounts/{id}/disable"), &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn enterprises_register_themselves_with_a_valid_credit_code() {
    for app in TestApp::each(true).await {
        let profile = json!({"uscc": "91120116MA05JQ8X3B", "name": "津沽测试科技有限公司", "district": "binhai",
            "industry": "software", "established": "2019-03-01", "employees": 25, "revenue": 800_000_000});
        let client = app.anonymous();
        let (status, body) = client
            .post("/api/v1/register", &json!({"login": "Boss@Example.cn", "password": "abc12345", "profile": profile}))
            .await;
        if status != StatusCode::CREATED {
            panic!("register on {}: {status} {body}", app.backend);
        }
        assert_eq!(body["account"]["role"], "sme");
        assert_eq!(body["account"]["login"], "boss@example.cn");
        let (status, me) = client.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::OK, "registration signs in: {me}");
        // The same enterprise cannot register twice, and a bad code is named.
        let (status, body) = app
            .anonymous()
            .post("/api/v1/register", &json!({"login": "other@example.cn", "password": "abc12345", "profile": profile}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let mut bad = profile.clone();
        bad["uscc"] = json!("91120116MA05JQ8X3A");
        let (status, body) = app
            .anonymous()
            .post("/api/v1/register", &json!({"login": "x@example.cn", "password": "abc12345", "profile": bad}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["field"], "profile.uscc");
        let (status, body) = app
            .anonymous()
            .post("/api/v1/register", &json!({"login": "y@example.cn", "password": "short", "profile": profile}))
            .await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("password")));
    }
}

#[tokio::test]
async fn the_operator_invites_institution_users() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, institutions) = app.get_json("/api/v1/institutions").await;
        let find = |code: &str| {
            institutions.as_array().unwrap().iter().find(|i| i["code"] == code).unwrap()["id"].as_i64().unwrap()
        };
        let (bank, agency) = (find("haihe-bank"), find("jinmen-guarantee"));
        let (status, body) = operator
            .post("/api/v1/accounts", &json!({"login": "new@haihe.cn", "display_name": "新同事", "role": "institution", "institution_id": bank}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let path = body["invite_path"].as_str().expect("an invitation").to_owned();
        let token = path.trim_start_matches("/invite/");
        // An agency user must belong to an agency, an institution user to a lender.
        let (status, _) = operator
            .post(
                "/api/v1/accounts",
                &json!({"login": "x@haihe.cn", "display_name": "X", "role": "agency", "institution_id": bank}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = operator
            .post(
                "/api/v1/accounts",
                &json!({"login": "y@jm.cn", "display_name": "Y", "role": "institution", "institution_id": agency}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Not signed in before the password is set; the invitation works once.
        let (status, _) =
            app.anonymous().post("/api/v1/session", &json!({"login": "new@haihe.cn", "password": "abc12345"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) =
            app.anonymous().post(&format!("/api/v1/invites/{token}"), &json!({"password": "abc12345"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) =
            app.anonymous().post(&format!("/api/v1/invites/{token}"), &json!({"password": "abc12345"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let user = app.sign_in_with("new@haihe.cn", "abc12345").await;
        let (_, me) = user.get("/api/v1/session").await;
        assert_eq!(me["account"]["institution_id"], bank);
        // Only the operator creates accounts.
        let (status, _) = user
            .post(
                "/api/v1/accounts",
                &json!({"login": "z@haihe.cn", "display_name": "Z", "role": "institution", "institution_id": bank}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn api_tokens_are_scoped_hashed_and_revocable() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let (status, created) = bank.post("/api/v1/tokens", &json!({"name": "核心系统"})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("fmt_"));
        let (_, list) = bank.get("/api/v1/tokens").await;
        assert!(!list.to_string().contains(&secret), "the secret is never shown again");
        let system = app.with_token(&secret);
        let (status, me) = system.get("/api/v1/tokens").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "tokens cannot manage tokens: {me}");
        let (status, _) = system.get("/api/v1/audit").await;
        assert_eq!(status, StatusCode::OK, "a token acts for its institution");
        // Another bank cannot see or revoke it.
        let other = app.sign_in(DEMO_BANK2).await;
        let id = created["token"]["id"].as_i64().unwrap();
        let (_, theirs) = other.get("/api/v1/tokens").await;
        assert_eq!(theirs, json!([]));
        let (status, _) = other.delete(&format!("/api/v1/tokens/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // SMEs have no tokens.
        let (status, _) = app.sign_in(DEMO_SME).await.post("/api/v1/tokens", &json!({"name": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = bank.delete(&format!("/api/v1/tokens/{id}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = system.get("/api/v1/audit").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once: {body}");
        let (status, _) = app.with_token("fmt_nonsense").get("/api/v1/audit").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_token_dies_with_its_account_and_its_acts_name_it() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, me) = bank.get("/api/v1/session").await;
        let account_id = me["account"]["id"].as_i64().unwrap();
        let (status, created) = bank.post("/api/v1/tokens", &json!({"name": "核心系统"})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let token_id = created["token"]["id"].as_i64().unwrap();
        let system = app.with_token(created["secret"].as_str().unwrap());
        let (status, products) = system.get("/api/v1/bank/products").await;
        assert_eq!(status, StatusCode::OK, "{products}");
        let list = products.as_array().or_else(|| products["items"].as_array()).expect("a list of products");
        let id = list.iter().find(|p| p["state"] == "published").expect("a published product")["id"].as_i64().unwrap();
        let (status, body) = system.post(&format!("/api/v1/bank/products/{id}/pause"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);

        // The operator disables the account that made the token: the token is refused at once, and says why.
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, _) = operator.post(&format!("/api/v1/accounts/{account_id}/disable"), &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        for (status, body) in [
            system.get("/api/v1/bank/products").await,
            system.post(&format!("/api/v1/bank/products/{id}/resume"), &json!({})).await,
        ] {
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("token_account_disabled")),
                "{}: {body}",
                app.backend
            );
            assert!(body["message"].as_str().unwrap().contains("已停用"), "{body}");
            assert!(body["message_en"].as_str().unwrap().contains("disabled"), "{body}");
        }
        // Enabled again, the account's token acts again (documented: revoking is what ends a token for good).
        let (status, _) = operator.post(&format!("/api/v1/accounts/{account_id}/enable"), &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = system.post(&format!("/api/v1/bank/products/{id}/resume"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // The audit log shows the account and the token it acted by; the refused acts wrote nothing.
        let (_, log) = operator.get("/api/v1/audit?limit=200").await;
        let by_token: Vec<&serde_json::Value> =
            log.as_array().unwrap().iter().filter(|e| e["detail"]["token_id"] == token_id).collect();
        assert_eq!(by_token.len(), 2, "{}: the pause and the resume: {by_token:?}", app.backend);
        for entry in by_token {
            assert_eq!(entry["account_id"], account_id, "{entry}");
            assert_eq!(entry["detail"]["token_name"], "核心系统", "{entry}");
        }
    }
}

#[tokio::test]
async fn each_party_reads_only_its_own_audit_entries() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let bank2 = app.sign_in(DEMO_BANK2).await;
        let sme = app.sign_in(DEMO_SME).await;
        let (_, bank_me) = bank.get("/api/v1/session").await;
        let (_, sme_me) = sme.get("/api/v1/session").await;
        let bank_inst = bank_me["account"]["institution_id"].as_i64().unwrap();
        let sme_ent = sme_me["account"]["enterprise_id"].as_i64().unwrap();
        for (client, check) in [(&bank, Some(("institution_id", bank_inst))), (&sme, Some(("enterprise_id", sme_ent)))]
        {
            let (status, log) = client.get("/api/v1/audit").await;
            assert_eq!(status, StatusCode::OK);
            let entries = log.as_array().unwrap();
            assert!(!entries.is_empty());
            if let Some((key, id)) = check {
                assert!(entries.iter().all(|e| e[key] == id), "{key} {id}: {log}");
            }
        }
        let (_, log2) = bank2.get("/api/v1/audit").await;
        assert!(log2.as_array().unwrap().iter().all(|e| e["institution_id"] != bank_inst));
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, all) = operator.get("/api/v1/audit?limit=500").await;
        let logins = all.as_array().unwrap().iter().filter(|e| e["action"] == "login").count();
        assert!(logins >= 4, "{logins}");
        let (status, body) = operator.get("/api/v1/audit?limit=0").await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));
        let (status, _) = app.anonymous().get("/api/v1/audit").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_audit_log_refuses_updates_in_the_database() {
    use sea_orm::ConnectionTrait;
    for app in TestApp::each(true).await {
        app.sign_in(DEMO_SME).await;
        let db = app.state.store.connection();
        assert!(db.execute_unprepared("UPDATE audit_log SET action = 'x'").await.is_err(), "{}", app.backend);
        assert!(db.execute_unprepared("DELETE FROM audit_log").await.is_err(), "{}", app.backend);
    }
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_show_the_role_menu() {
    let Some(app) = TestApp::with_demo(crate::app::Backend::Sqlite).await else { return };
    let (status, location, _) = {
        let r = app.anonymous().request(Method::GET, "/admin/accounts", None, Vec::new()).await;
        (r.status, r.location, r.body)
    };
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/login?next=%2Fadmin%2Faccounts"));
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let (status, html) = operator.get_text("/admin/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("账号管理") && html.contains(DEMO_BANK), "{html}");
    assert!(html.contains("name=\"csrf\""));
    let sme = app.sign_in(DEMO_SME).await;
    let (status, html) = sme.get_text("/admin/accounts").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    let (_, home) = sme.get_text("/").await;
    assert!(home.contains("我的申请") && home.contains("退出"), "the SME menu on every page");
    let (status, html) = app.anonymous().get_text("/register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("统一社会信用代码"));
}

#[tokio::test]
async fn a_suspended_institution_cannot_sign_in_or_act_by_token_until_resumed() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let bank = app.sign_in(DEMO_BANK).await;
        let (_, me) = bank.get("/api/v1/session").await;
        let institution = me["account"]["institution_id"].as_i64().expect("the bank's institution");
        let (status, created) = bank.post("/api/v1/tokens", &json!({"name": "核心系统"})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let system = app.with_token(created["secret"].as_str().unwrap());
        assert_eq!(system.get("/api/v1/bank/products").await.0, StatusCode::OK);
        let other_bank = app.sign_in(DEMO_BANK2).await;

        // A suspension needs a reason; the operator's page and API refuse one without.
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let path = format!("/api/v1/institutions/{institution}/suspension");
        let (status, body) = operator.post(&path, &json!({"reason": "  "})).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("reason")), "{body}");
        let (status, body) = operator.post("/api/v1/institutions/999999/suspension", &json!({"reason": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = operator.post(&path, &json!({"reason": "监管通报，暂停合作"})).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        assert_eq!(body["reason"], "监管通报，暂停合作");

        // Its session ends, its people cannot sign in, its token is refused, each saying why.
        let (status, body) = bank.get("/api/v1/session").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the held session ended: {body}");
        let (status, body) =
            app.anonymous().post("/api/v1/session", &json!({"login": DEMO_BANK, "password": DEMO_PASSWORD})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("institution_suspended")), "{body}");
        assert!(body["message"].as_str().unwrap().contains("暂停"), "{body}");
        for (status, body) in
            [system.get("/api/v1/bank/products").await, system.post("/api/v1/tokens", &json!({"name": "x"})).await]
        {
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("token_institution_suspended")),
                "{backend}: {body}"
            );
        }
        // Another bank is not touched; the operator's list shows the suspension.
        assert_eq!(other_bank.get("/api/v1/bank/products").await.0, StatusCode::OK);
        let (_, list) = operator.get("/api/v1/institutions/admin").await;
        let row = list.as_array().unwrap().iter().find(|i| i["id"] == institution).unwrap().clone();
        assert_eq!(row["suspension"]["reason"], "监管通报，暂停合作", "{row}");
        let page = operator.get_text("/admin/institutions").await.1;
        assert!(page.contains("已暂停") && page.contains("监管通报，暂停合作"), "the page shows it");

        // Resumed: the token acts again and its people sign in again; both acts are in the audit log.
        let (status, _) = operator.delete(&path).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(system.get("/api/v1/bank/products").await.0, StatusCode::OK);
        let again = app.sign_in(DEMO_BANK).await;
        assert_eq!(again.get("/api/v1/session").await.0, StatusCode::OK);
        // The page's forms: only the operator's are taken; a reason is needed there too.
        let suspend_form = format!("/admin/institutions/{institution}/suspend");
        let (status, _, _) = other_bank.post_form(&suspend_form, &[("reason", "越权")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a bank cannot suspend an institution");
        let (status, _, html) = operator.post_form(&suspend_form, &[("reason", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
        assert!(html.contains("id=\"f{institution}-reason\"") || html.contains("暂停原因"), "the form again");
        let (status, location, _) = operator.post_form(&suspend_form, &[("reason", "资料待核实")]).await;
        assert_eq!(
            (status, location.as_deref()),
            (StatusCode::SEE_OTHER, Some(&*format!("/admin/institutions?suspended={institution}")))
        );
        assert_eq!(system.get("/api/v1/bank/products").await.0, StatusCode::UNAUTHORIZED);
        let (status, _, _) = operator.post_form(&format!("/admin/institutions/{institution}/resume"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(system.get("/api/v1/bank/products").await.0, StatusCode::OK);

        let (_, log) = operator.get("/api/v1/audit?limit=50").await;
        let actions: Vec<&str> = log.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"institution.suspend") && actions.contains(&"institution.resume"), "{actions:?}");
    }
}
