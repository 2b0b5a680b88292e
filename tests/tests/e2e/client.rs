//! A signed-in (or anonymous) HTTP client of a [`TestApp`]: keeps the session cookie, sends the CSRF token
//! on every state-changing request, and speaks JSON, forms and plain text.

use crate::app::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use finmart_cli::demo_accounts::DEMO_PASSWORD;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Mutex;
use tower::ServiceExt;

pub struct Client<'a> {
    pub app: &'a TestApp,
    pub login: Option<String>,
    cookie: Mutex<Option<String>>,
    /// The visitor's CSRF cookie (`finmart_csrf=…`), kept as a browser keeps it.
    visitor_cookie: Mutex<Option<String>>,
    csrf: Mutex<Option<String>>,
    bearer: Option<String>,
}

/// A response: status, `Location` header, body text (and the body's bytes as sent, for files).
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    /// A client with no session.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            login: None,
            cookie: Mutex::new(None),
            visitor_cookie: Mutex::new(None),
            csrf: Mutex::new(None),
            bearer: None,
        }
    }

    /// A client signed in as a demo account (all share [`DEMO_PASSWORD`]).
    pub async fn sign_in(&self, login: &str) -> Client<'_> {
        self.sign_in_with(login, DEMO_PASSWORD).await
    }

    /// A client signed in with this login and password (panics when sign-in fails).
    pub async fn sign_in_with(&self, login: &str, password: &str) -> Client<'_> {
        let client = self.anonymous();
        let (status, body) = client.post("/api/v1/session", &json!({"login": login, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "sign in as {login} on {}: {body}", self.backend);
        *client.csrf.lock().unwrap() = body["csrf"].as_str().map(str::to_owned);
        Client { login: Some(login.to_owned()), ..client }
    }

    /// A client using an institution's API token.
    pub fn with_token(&self, token: &str) -> Client<'_> {
        Client { bearer: Some(token.to_owned()), ..self.anonymous() }
    }
}

impl Client<'_> {
    pub async fn request(&self, method: Method, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut request = Request::builder().method(method.clone()).uri(uri);
        let cookies: Vec<String> = [self.cookie.lock().unwrap().clone(), self.visitor_cookie.lock().unwrap().clone()]
            .into_iter()
            .flatten()
            .collect();
        if !cookies.is_empty() {
            request = request.header("cookie", cookies.join("; "));
        }
        if let Some(token) = &self.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if method != Method::GET
            && let Some(csrf) = self.csrf.lock().unwrap().clone()
        {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response =
            self.app.router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or("");
            if let Some(pair) = text.split(';').next()
                && pair.starts_with("finmart_session=")
            {
                let cleared = text.contains("Max-Age=0") || pair == "finmart_session=";
                *self.cookie.lock().unwrap() = (!cleared).then(|| pair.to_owned());
            }
            if let Some(pair) = text.split(';').next()
                && pair.starts_with("finmart_csrf=")
            {
                *self.visitor_cookie.lock().unwrap() = Some(pair.to_owned());
            }
        }
        let status = response.status();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        crate::documented::check(&method, uri, status, &body);
        Reply { status, location, body, bytes: bytes.to_vec() }
    }

    fn parse(&self, uri: &str, reply: &Reply) -> Value {
        if reply.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&reply.body).unwrap_or_else(|e| {
            panic!("{uri} as {:?} on {}: not JSON ({e}): {}", self.login, self.app.backend, reply.body)
        })
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let reply = self.request(Method::GET, uri, None, Vec::new()).await;
        let json = self.parse(uri, &reply);
        (reply.status, json)
    }

    pub async fn get_text(&self, uri: &str) -> (StatusCode, String) {
        let reply = self.request(Method::GET, uri, None, Vec::new()).await;
        (reply.status, reply.body)
    }

    pub async fn send(&self, method: Method, uri: &str, body: &Value) -> (StatusCode, Value) {
        let reply = self.request(method, uri, Some("application/json"), body.to_string().into_bytes()).await;
        let json = self.parse(uri, &reply);
        (reply.status, json)
    }

    pub async fn post(&self, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, uri, body).await
    }

    pub async fn put(&self, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::PUT, uri, body).await
    }

    pub async fn delete(&self, uri: &str) -> (StatusCode, Value) {
        let reply = self.request(Method::DELETE, uri, None, Vec::new()).await;
        let json = self.parse(uri, &reply);
        (reply.status, json)
    }

    /// A urlencoded form post (the CSRF token goes in the header, as the middleware accepts either).
    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let reply = self.request(Method::POST, uri, Some("application/x-www-form-urlencoded"), body.into_bytes()).await;
        (reply.status, reply.location, reply.body)
    }

    /// The session cookie, for tests of the session itself.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().unwrap().clone()
    }

    /// Replaces the CSRF token this client sends (tests of CSRF refusal).
    pub fn set_csrf(&self, token: Option<&str>) {
        *self.csrf.lock().unwrap() = token.map(str::to_owned);
    }
}

impl Client<'_> {
    /// The body of an approval of application `id` as asked: the amount and term applied for, the product's
    /// lowest stated rate (3.85 % when it states none) and its first repayment method.
    pub async fn approval_as_asked(&self, id: i64) -> Value {
        let (_, app) = self.get(&format!("/api/v1/applications/{id}")).await;
        let (_, product) = self.get(&format!("/api/v1/products/{}", app["product_id"])).await;
        let rate_bps = product["rate_min_bps"].as_u64().unwrap_or(385);
        let method = product["repayment_methods"][0]["code"].as_str().unwrap_or("equal_instalment").to_owned();
        serde_json::json!({
            "action": "approve",
            "amount": (app["amount_fen"].as_i64().unwrap_or(0) / 100).to_string(),
            "term": app["term_months"],
            "rate": format!("{}.{:02}", rate_bps / 100, rate_bps % 100),
            "method": method,
        })
    }

    /// Approves application `id` as asked ([`Self::approval_as_asked`]).
    pub async fn approve_as_asked(&self, id: i64) -> (StatusCode, Value) {
        let body = self.approval_as_asked(id).await;
        self.post(&format!("/api/v1/applications/{id}/transitions"), &body).await
    }

    /// A payment of the whole approval of application `id`, at its rate and term, today.
    pub async fn payment_of_approval(&self, id: i64) -> Value {
        let (_, app) = self.get(&format!("/api/v1/applications/{id}")).await;
        let approval = &app["approval"];
        let rate_bps = approval["rate_bps"].as_i64().unwrap_or(0);
        serde_json::json!({
            "action": "disburse",
            "amount": (approval["amount_fen"].as_i64().unwrap_or(0) / 100).to_string(),
            "term": approval["term_months"],
            "rate": format!("{}.{:02}", rate_bps / 100, rate_bps % 100),
            "date": finmart_domain::shanghai::today().to_string(),
        })
    }
}

impl Client<'_> {
    /// Takes `step` on application `id` as the tests of the figures write it: a bare `approve` approves as
    /// asked, and a payment without a reason says it is paid at the rate the test chose (the figures then
    /// count that rate, whatever the product's lowest).
    pub async fn step(&self, id: i64, step: &Value) -> (StatusCode, Value) {
        let mut body = step.clone();
        match step["action"].as_str() {
            Some("approve") if step.get("amount").is_none() => body = self.approval_as_asked(id).await,
            Some("disburse") if step.get("reason").is_none() => body["reason"] = json!("按测试约定的利率和期限放款"),
            _ => {}
        }
        self.post(&format!("/api/v1/applications/{id}/transitions"), &body).await
    }
}
