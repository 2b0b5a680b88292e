//! The authorisation matrix: every marketplace endpoint × every role (and nobody signed in) × one's own
//! versus another party's resource, asserting the exact set of callers that succeed. Everyone else gets
//! 401 (nobody signed in), 403 (a role that may never use it) or 404 (another party's resource, whose
//! existence is not revealed), and nothing of the resource in the body. Writes are tried by every refused
//! caller first and must change nothing; then the one allowed caller succeeds. Runs on SQLite and
//! PostgreSQL.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME, DEMO_SME2};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Sme,
    Sme2,
    Bank,
    Bank2,
    Agency,
    Operator,
}

use Who::{Agency, Anonymous, Bank, Bank2, Operator, Sme, Sme2};

const EVERYONE: [Who; 7] = [Anonymous, Sme, Sme2, Bank, Bank2, Agency, Operator];
const SIGNED_IN: [Who; 6] = [Sme, Sme2, Bank, Bank2, Agency, Operator];

struct World<'a> {
    clients: Vec<(Who, Client<'a>)>,
    /// A published product of the bank, guaranteed by the agency.
    product: i64,
    /// The SME's application to it.
    application: i64,
    /// The SME's enterprise.
    enterprise: i64,
    /// The SME's posted financing need.
    need: i64,
    /// Text that appears in the SME's application and profile and nowhere else: a leak detector.
    secret: String,
}

impl World<'_> {
    fn client(&self, who: Who) -> &Client<'_> {
        &self.clients.iter().find(|(w, _)| *w == who).expect("client").1
    }
}

async fn world(app: &TestApp) -> World<'_> {
    let mut clients = vec![(Anonymous, app.anonymous())];
    for (who, login) in [
        (Sme, DEMO_SME),
        (Sme2, DEMO_SME2),
        (Bank, DEMO_BANK),
        (Bank2, DEMO_BANK2),
        (Agency, DEMO_AGENCY),
        (Operator, DEMO_OPERATOR),
    ] {
        clients.push((who, app.sign_in(login).await));
    }
    let by = |who: Who| &clients.iter().find(|(w, _)| *w == who).expect("client").1;
    // A published product of the bank that the agency guarantees: listed, reviewed and approved here.
    let mut listing = crate::journey::new_product_named("MATRIX-01", "矩阵担保贷（测试）");
    listing["guarantee_agency_code"] = json!("jinmen-guarantee");
    listing["guarantee_fee_pct"] = json!(1);
    let (status, created) = by(Bank).post("/api/v1/bank/products", &listing).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let product = created["id"].as_i64().expect("id");
    let (status, submitted) = by(Bank).post(&format!("/api/v1/bank/products/{product}/submit"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    let review = submitted["review_id"].as_i64().expect("review id");
    let (status, approved) = by(Operator).post(&format!("/api/v1/reviews/{review}/approve"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    app.catch_up().await;
    let (_, detail) = app.get_json(&format!("/api/v1/products/{product}")).await;
    let amount_yuan = detail["amount_min_fen"].as_i64().expect("amount") / 100;
    let term = detail["term_min_months"].as_i64().expect("term");
    // The SME withdraws any consent, so only its application gives the bank a view of its profile.
    let (status, body) = by(Sme).delete("/api/v1/me/consents/all").await;
    assert!(status.is_success(), "revoke all: {status} {body}");
    let secret = "授权矩阵专用说明文字".to_owned();
    let (status, application) = by(Sme)
        .post(
            "/api/v1/applications",
            &json!({"product_id": product, "amount": amount_yuan.to_string(), "term": term.to_string(),
                "purpose": "working_capital", "purpose_text": secret, "idempotency_key": "matrix-1"}),
        )
        .await;
    assert!(status.is_success(), "apply: {status} {application}");
    let application = application["id"].as_i64().expect("application id");
    let (_, me) = by(Sme).get("/api/v1/session").await;
    let enterprise = me["account"]["enterprise_id"].as_i64().expect("enterprise");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive().to_string();
    let (status, need) = by(Sme)
        .post(
            "/api/v1/me/needs",
            &json!({"amount": 50_000_000, "term": 12, "purpose": "working_capital", "purpose_text": secret, "deadline": deadline}),
        )
        .await;
    assert!(status.is_success(), "post need: {status} {need}");
    let need = need["id"].as_i64().expect("need id");
    World { clients, product, application, enterprise, need, secret }
}

/// Asserts that exactly `allowed` succeed at GET `path`, and the others are refused without a leak.
async fn read(world: &World<'_>, path: &str, allowed: &[Who]) {
    for who in EVERYONE {
        let (status, body) = world.client(who).get(path).await;
        if allowed.contains(&who) {
            assert!(status.is_success(), "{who:?} GET {path}: expected success, got {status} {body}");
        } else {
            refused(world, who, "GET", path, status, &body);
        }
    }
}

fn refused(world: &World<'_>, who: Who, method: &str, path: &str, status: StatusCode, body: &Value) {
    let expected: &[StatusCode] =
        if who == Anonymous { &[StatusCode::UNAUTHORIZED] } else { &[StatusCode::FORBIDDEN, StatusCode::NOT_FOUND] };
    assert!(expected.contains(&status), "{who:?} {method} {path}: expected one of {expected:?}, got {status} {body}");
    assert!(!body.to_string().contains(&world.secret), "{who:?} {method} {path} leaked: {body}");
}

/// Every caller but `allowed` is refused the write first (and the check afterwards sees nothing changed);
/// then `allowed` succeeds.
async fn write(world: &World<'_>, method: &str, path: &str, body: &Value, allowed: Who) -> Value {
    for who in EVERYONE.into_iter().filter(|w| *w != allowed) {
        let client = world.client(who);
        let (status, reply) = match method {
            "POST" => client.post(path, body).await,
            "PUT" => client.put(path, body).await,
            "DELETE" => client.delete(path).await,
            other => panic!("method {other}"),
        };
        refused(world, who, method, path, status, &reply);
    }
    let client = world.client(allowed);
    let (status, reply) = match method {
        "POST" => client.post(path, body).await,
        "PUT" => client.put(path, body).await,
        _ => client.delete(path).await,
    };
    assert!(status.is_success(), "{allowed:?} {method} {path}: {status} {reply}");
    reply
}

#[tokio::test]
async fn every_endpoint_admits_exactly_its_callers() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        let (p, a, e, n) = (w.product, w.application, w.enterprise, w.need);

        // Accounts.
        read(&w, "/api/v1/session", &SIGNED_IN).await;
        read(&w, "/api/v1/accounts", &[Operator]).await;
        read(&w, "/api/v1/audit", &SIGNED_IN).await;
        read(&w, "/api/v1/tokens", &[Bank, Bank2]).await;

        // Products: the bank's own; the operator's queue; the agency's guaranteed list.
        read(&w, "/api/v1/bank/products", &[Bank, Bank2]).await;
        read(&w, &format!("/api/v1/bank/products/{p}"), &[Bank]).await;
        read(&w, &format!("/api/v1/bank/products/{p}/versions"), &[Bank]).await;
        read(&w, "/api/v1/reviews", &[Operator]).await;
        read(&w, "/api/v1/agency/products", &[Agency]).await;
        read(&w, &format!("/api/v1/products/{p}/candidates"), &[Bank]).await;

        // Applications: listed by every party for its own scope; one application by its parties only.
        read(&w, "/api/v1/applications", &SIGNED_IN).await;
        read(&w, &format!("/api/v1/applications/{a}"), &[Sme, Bank, Agency, Operator]).await;
        for who in [Sme2, Bank2] {
            let (_, list) = w.client(who).get("/api/v1/applications").await;
            assert!(!list.to_string().contains(&w.secret), "{who:?} sees another party's application: {list}");
        }
        read(&w, "/api/v1/notifications", &[Sme, Sme2, Bank, Bank2]).await;

        // The SME's own data, and its profile as institutions see it (the bank: through the application).
        read(&w, "/api/v1/me/profile", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/consents", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/profile-views", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/needs", &[Sme, Sme2]).await;
        read(&w, &format!("/api/v1/me/needs/{n}"), &[Sme]).await;
        read(&w, &format!("/api/v1/enterprises/{e}/profile"), &[Bank]).await;
        read(&w, "/api/v1/needs/feed", &[Bank, Bank2]).await;
        let (_, feed) = w.client(Bank2).get("/api/v1/needs/feed").await;
        assert!(!feed.to_string().contains(&w.secret), "no consent, no need in the feed: {feed}");

        // Writes: each by its one party.
        let reply =
            write(&w, "POST", &format!("/api/v1/applications/{a}/transitions"), &json!({"action": "accept"}), Bank)
                .await;
        assert_eq!(reply["state"]["code"], "accepted");
        write(&w, "POST", &format!("/api/v1/bank/products/{p}/pause"), &json!({}), Bank).await;
        write(&w, "POST", &format!("/api/v1/bank/products/{p}/resume"), &json!({}), Bank).await;
        write(&w, "POST", &format!("/api/v1/me/needs/{n}/close"), &json!({}), Sme).await;
        let reply =
            write(&w, "POST", &format!("/api/v1/applications/{a}/transitions"), &json!({"action": "withdraw"}), Sme)
                .await;
        assert_eq!(reply["state"]["code"], "withdrawn");
        // Own-scoped writes: every SME user may change its own consent, nobody else any.
        for who in EVERYONE {
            let (status, body) = w.client(who).post("/api/v1/me/consents", &json!({"all": true})).await;
            if matches!(who, Sme | Sme2) {
                assert!(status.is_success(), "{who:?} consents: {status} {body}");
            } else {
                refused(&w, who, "POST", "/api/v1/me/consents", status, &body);
            }
        }
        let reply = write(
            &w,
            "POST",
            "/api/v1/accounts",
            &json!({"login": "matrix@finmart.demo", "display_name": "矩阵", "role": "operator", "password": "abc12345"}),
            Operator,
        )
        .await;
        assert_eq!(reply["account"]["role"], "operator");
    }
}
