//! The authorisation matrix: every marketplace endpoint × every role (and nobody signed in) × one's own
//! versus another party's resource, asserting the exact set of callers that succeed. Everyone else gets
//! 401 (nobody signed in), 403 (a role that may never use it) or 404 (another party's resource, whose
//! existence is not revealed), and nothing of the resource in the body. Writes are tried by every refused
//! caller first and must change nothing; then the one allowed caller succeeds. Runs on SQLite and
//! PostgreSQL.

use crate::app::TestApp;
use crate::client::Client;
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{
    DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_PROVIDER, DEMO_PROVIDER2, DEMO_SME, DEMO_SME2,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Sme,
    Sme2,
    Bank,
    Bank2,
    Agency,
    Operator,
    /// A data provider's user (the demo's tax department) and another provider's (social insurance).
    Provider,
    Provider2,
}

use Who::{Agency, Anonymous, Bank, Bank2, Operator, Provider, Provider2, Sme, Sme2};

const EVERYONE: [Who; 9] = [Anonymous, Sme, Sme2, Bank, Bank2, Agency, Operator, Provider, Provider2];
const SIGNED_IN: [Who; 8] = [Sme, Sme2, Bank, Bank2, Agency, Operator, Provider, Provider2];
/// The marketplace's parties: everyone signed in but the data providers, who only send facts.
const MARKET: [Who; 6] = [Sme, Sme2, Bank, Bank2, Agency, Operator];

struct World<'a> {
    clients: Vec<(Who, Client<'a>)>,
    /// A published product of the bank, guaranteed by the agency.
    product: i64,
    /// Another published product of the bank, which its offer names (the SME has an open application to the
    /// first, and a firm has one open application per product).
    offered: i64,
    /// The SME's application to it.
    application: i64,
    /// The SME's enterprise.
    enterprise: i64,
    /// The SME's posted financing need.
    need: i64,
    /// Text that appears in the SME's application and profile and nowhere else: a leak detector.
    secret: String,
    /// The operations exercised, as (method, path with `*` for ids), to check every endpoint is.
    covered: Mutex<BTreeSet<(String, String)>>,
}

impl World<'_> {
    fn client(&self, who: Who) -> &Client<'_> {
        &self.clients.iter().find(|(w, _)| *w == who).expect("client").1
    }

    fn cover(&self, method: &str, path: &str) {
        self.covered.lock().unwrap().insert((method.to_owned(), shape(path)));
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
        (Provider, DEMO_PROVIDER),
        (Provider2, DEMO_PROVIDER2),
    ] {
        clients.push((who, app.sign_in(login).await));
    }
    let by = |who: Who| &clients.iter().find(|(w, _)| *w == who).expect("client").1;
    // Published products of the bank (the first guaranteed by the agency): listed, reviewed and approved here.
    let publish = async |listing: Value| crate::journey::publish_listing(by(Bank), by(Operator), &listing).await;
    let mut listing = crate::journey::new_product_named("MATRIX-01", "矩阵担保贷（测试）");
    listing["guarantee_agency_code"] = json!("jinmen-guarantee");
    listing["guarantee_fee_pct"] = json!(1);
    let product = publish(listing).await;
    let offered = publish(crate::journey::new_product_named("MATRIX-03", "矩阵报价贷（测试）")).await;
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
    World { clients, product, offered, application, enterprise, need, secret, covered: Mutex::new(BTreeSet::new()) }
}

/// A path with every id (a number, a token, `all`) replaced by `*`, and no query string.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            let id = seg.starts_with('{') || seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() || seg == "all";
            if id { "*" } else { seg }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(client: &Client<'_>, method: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    match method {
        "GET" => client.get(path).await,
        "POST" => client.post(path, body).await,
        "PUT" => client.put(path, body).await,
        "DELETE" => client.delete(path).await,
        other => panic!("method {other}"),
    }
}

fn refused(world: &World<'_>, who: Who, method: &str, path: &str, status: StatusCode, body: &Value) {
    let expected: &[StatusCode] =
        if who == Anonymous { &[StatusCode::UNAUTHORIZED] } else { &[StatusCode::FORBIDDEN, StatusCode::NOT_FOUND] };
    assert!(expected.contains(&status), "{who:?} {method} {path}: expected one of {expected:?}, got {status} {body}");
    assert!(!body.to_string().contains(&world.secret), "{who:?} {method} {path} leaked: {body}");
}

/// Exactly `allowed` succeed at GET `path` (each on its own scope); the others are refused, without a leak.
async fn read(world: &World<'_>, path: &str, allowed: &[Who]) {
    world.cover("GET", path);
    for who in EVERYONE {
        let (status, body) = world.client(who).get(path).await;
        if allowed.contains(&who) {
            assert!(status.is_success(), "{who:?} GET {path}: expected success, got {status} {body}");
        } else {
            refused(world, who, "GET", path, status, &body);
        }
    }
}

/// Exactly `allowed` open the page at `path` (200); nobody signed in is sent to sign in, every other caller
/// is refused (403, or 404 as if it did not exist), without a leak.
async fn page(world: &World<'_>, path: &str, allowed: &[Who]) {
    for who in EVERYONE {
        let (status, body) = world.client(who).get_text(path).await;
        if allowed.contains(&who) {
            assert_eq!(status, StatusCode::OK, "{who:?} GET {path}: {body}");
        } else if who == Anonymous {
            assert_eq!(status, StatusCode::SEE_OTHER, "{who:?} GET {path}: sent to sign in");
        } else {
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
                "{who:?} GET {path}: expected 403 or 404, got {status}"
            );
            assert!(!body.contains(&world.secret), "{who:?} GET {path} leaked");
        }
    }
}

/// A write that exactly one caller may make: every other caller is refused first (and changes nothing,
/// which the allowed caller's success afterwards shows), then `allowed` succeeds.
async fn write(world: &World<'_>, method: &str, path: &str, body: &Value, allowed: Who) -> Value {
    world.cover(method, path);
    for who in EVERYONE.into_iter().filter(|w| *w != allowed) {
        let (status, reply) = call(world.client(who), method, path, body).await;
        refused(world, who, method, path, status, &reply);
    }
    let (status, reply) = call(world.client(allowed), method, path, body).await;
    assert!(status.is_success(), "{allowed:?} {method} {path}: {status} {reply}");
    reply
}

/// A write on the caller's own scope (`/me/…`, one's own list): every role outside `allowed` is refused;
/// `allowed` callers succeed, each on its own data (`skip`: callers whose success this body cannot show).
async fn own_write(world: &World<'_>, method: &str, path: &str, body: &Value, allowed: &[Who], skip: &[Who]) {
    world.cover(method, path);
    for who in EVERYONE {
        if skip.contains(&who) {
            continue;
        }
        let (status, reply) = call(world.client(who), method, path, body).await;
        if allowed.contains(&who) {
            assert!(status.is_success(), "{who:?} {method} {path}: {status} {reply}");
        } else {
            refused(world, who, method, path, status, &reply);
        }
    }
}

/// A raw request (a file, not JSON): exactly `allowed` succeed.
async fn raw(world: &World<'_>, method: Method, path: &str, content_type: Option<&str>, body: &[u8], allowed: &[Who]) {
    world.cover(method.as_str(), path);
    for who in EVERYONE {
        let reply = world.client(who).request(method.clone(), path, content_type, body.to_vec()).await;
        if allowed.contains(&who) {
            assert!(reply.status.is_success(), "{who:?} {method} {path}: {} {}", reply.status, reply.body);
        } else {
            let json: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
            refused(world, who, method.as_str(), path, reply.status, &json);
        }
    }
}

/// Operations anyone may call, signed in or not (the public catalogue, signing in and registering).
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/products/*"),
    ("GET", "/api/v1/products/*/cost"),
    ("GET", "/api/v1/institutions"),
    ("GET", "/api/v1/reference-rates"),
    ("POST", "/api/v1/match"),
    ("POST", "/api/v1/match/explain"),
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/register"),
    ("POST", "/api/v1/invites/*"),
];

async fn id_of(client: &Client<'_>, path: &str, pick: impl Fn(&Value) -> bool) -> i64 {
    let (status, list) = client.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {list}");
    let items =
        list.as_array().or_else(|| list["items"].as_array()).unwrap_or_else(|| panic!("{path}: not a list: {list}"));
    items.iter().find(|v| pick(v)).unwrap_or_else(|| panic!("{path}: {list}"))["id"].as_i64().unwrap()
}

#[tokio::test]
async fn every_endpoint_admits_exactly_its_callers() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        let (p, a, e, n) = (w.product, w.application, w.enterprise, w.need);
        let (_, bank_me) = w.client(Bank).get("/api/v1/session").await;
        let bank_institution = bank_me["account"]["institution_id"].as_i64().unwrap();

        // Accounts.
        read(&w, "/api/v1/session", &SIGNED_IN).await;
        read(&w, "/api/v1/accounts", &[Operator]).await;
        read(&w, "/api/v1/audit", &MARKET).await;
        let token_owners = [Bank, Bank2, Provider, Provider2];
        read(&w, "/api/v1/tokens", &token_owners).await;
        own_write(&w, "POST", "/api/v1/tokens", &json!({"name": "矩阵"}), &token_owners, &[]).await;
        let token = id_of(w.client(Bank), "/api/v1/tokens", |t| t["revoked_at"].is_null()).await;
        write(&w, "DELETE", &format!("/api/v1/tokens/{token}"), &json!({}), Bank).await;
        let token = id_of(w.client(Provider), "/api/v1/tokens", |t| t["revoked_at"].is_null()).await;
        write(&w, "DELETE", &format!("/api/v1/tokens/{token}"), &json!({}), Provider).await;

        // Data providers: each sends and lists its own batches; the operator registers providers.
        read(&w, "/api/v1/facts/batches", &[Provider, Provider2]).await;
        let grade = json!([{"source_record_id": "MATRIX-1", "uscc": "91350100M000100Y43", "kind": "tax_credit_grade",
            "value": "A", "as_of": "2025-12-31"}]);
        // The second provider (social insurance) may not send a tax grade: refused by its source, not its role.
        own_write(&w, "POST", "/api/v1/facts/batches", &grade, &[Provider], &[Provider2]).await;
        read(&w, "/api/v1/providers", &[Operator]).await;
        let provider = json!({"code": "matrix-court", "name": "矩阵法院", "source": "courts"});
        write(&w, "POST", "/api/v1/providers", &provider, Operator).await;

        // Matching with a stored profile (by `profile_id`): the firm's own users only; a profile given in the
        // body is anyone's to match (PUBLIC). The explanation of a product follows the same rule.
        let need = json!({"amount": 50_000_000, "term": 12, "purpose": "working_capital"});
        let by_id = json!({"profile_id": e, "need": need});
        own_write(&w, "POST", "/api/v1/match", &by_id, &[Sme], &[]).await;
        let (_, matched) = w.client(Sme).post("/api/v1/match", &by_id).await;
        let listed = ["eligible", "near_misses", "needs_info", "to_confirm", "ineligible"]
            .iter()
            .find_map(|l| matched[*l][0]["product"]["id"].as_i64())
            .unwrap_or_else(|| panic!("the demo firm's match lists nothing: {matched}"));
        let explain = json!({"profile_id": e, "need": need, "product_id": listed});
        own_write(&w, "POST", "/api/v1/match/explain", &explain, &[Sme], &[]).await;

        // Products: the bank's own; the operator's queue and decisions; the agency's guaranteed list.
        read(&w, &format!("/api/v1/products/{p}/verdict"), &[Sme, Sme2]).await;
        read(&w, "/api/v1/bank/products", &[Bank, Bank2]).await;
        read(&w, &format!("/api/v1/bank/products/{p}"), &[Bank]).await;
        read(&w, &format!("/api/v1/bank/products/{p}/versions"), &[Bank]).await;
        read(&w, "/api/v1/reviews", &[Operator]).await;
        read(&w, "/api/v1/agency/products", &[Agency]).await;
        read(&w, &format!("/api/v1/products/{p}/candidates"), &[Bank]).await;
        raw(&w, Method::GET, "/api/v1/bank/products/template.xlsx", None, b"", &[Bank, Bank2]).await;
        let rule = json!({"kind": "min_years_in_operation", "value": "2"});
        own_write(&w, "POST", "/api/v1/eligibility/describe", &rule, &[Bank, Bank2], &[]).await;
        let (_, template) = w.client(Bank).get(&format!("/api/v1/bank/products/{p}")).await;
        assert!(!template.is_null());
        own_write(
            &w,
            "POST",
            "/api/v1/bank/products",
            &crate::journey::new_product_named("MATRIX-02", "矩阵草稿"),
            &[Bank, Bank2],
            &[],
        )
        .await;
        let draft = id_of(w.client(Bank), "/api/v1/bank/products", |p| p["code"] == "MATRIX-02").await;
        write(
            &w,
            "PUT",
            &format!("/api/v1/bank/products/{draft}"),
            &crate::journey::new_product_named("MATRIX-02", "矩阵草稿二"),
            Bank,
        )
        .await;
        let submitted = write(&w, "POST", &format!("/api/v1/bank/products/{draft}/submit"), &json!({}), Bank).await;
        let review = submitted["review_id"].as_i64().unwrap();
        write(
            &w,
            "POST",
            &format!("/api/v1/reviews/{review}/send-back"),
            &json!({"reason": "请补充产品说明"}),
            Operator,
        )
        .await;
        let resubmitted = write(&w, "POST", &format!("/api/v1/bank/products/{draft}/submit"), &json!({}), Bank).await;
        let review = resubmitted["review_id"].as_i64().unwrap();
        write(&w, "POST", &format!("/api/v1/reviews/{review}/approve"), &json!({}), Operator).await;
        write(&w, "POST", &format!("/api/v1/bank/products/{draft}/pause"), &json!({}), Bank).await;
        write(&w, "POST", &format!("/api/v1/bank/products/{draft}/resume"), &json!({}), Bank).await;
        write(&w, "POST", &format!("/api/v1/bank/products/{draft}/archive"), &json!({}), Bank).await;
        let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/examples/products.csv")).unwrap();
        // The header and the example bank's rows, as each bank's own.
        let csv: String = String::from_utf8(csv)
            .unwrap()
            .lines()
            .enumerate()
            .filter(|(i, line)| *i == 0 || line.starts_with("example-bank,"))
            .map(|(_, line)| format!("{}\n", line.replacen("example-bank", "{code}", 1)))
            .collect();
        for (who, code) in [(Bank, "jingu-bank"), (Bank2, "haihe-bank")] {
            // Each bank uploads its own sheet; the others are refused the same file.
            let sheet = csv.replace("{code}", code);
            let path = "/api/v1/bank/products/upload?file_name=products.csv";
            w.cover("POST", path);
            for other in EVERYONE {
                let reply =
                    w.client(other).request(Method::POST, path, Some("text/csv"), sheet.clone().into_bytes()).await;
                if other == who {
                    assert!(reply.status.is_success(), "{who:?} upload: {} {}", reply.status, reply.body);
                } else if !matches!(other, Bank | Bank2) {
                    refused(
                        &w,
                        other,
                        "POST",
                        path,
                        reply.status,
                        &serde_json::from_str(&reply.body).unwrap_or(Value::Null),
                    );
                } else {
                    assert_eq!(
                        reply.status,
                        StatusCode::BAD_REQUEST,
                        "another bank's rows are refused: {}",
                        reply.body
                    );
                }
            }
        }

        // Comparing products: anyone (a firm sees its own standing, never another firm's); favourites: each
        // firm its own list, no other role.
        read(&w, &format!("/api/v1/compare?ids={p},{}", w.offered), &EVERYONE).await;
        for who in [Sme, Sme2] {
            let (_, cmp) = w.client(who).get(&format!("/api/v1/compare?ids={p}")).await;
            assert!(cmp["items"][0]["verdict"]["standing"].is_object(), "{who:?} sees its standing: {cmp}");
            assert!(!cmp.to_string().contains(&w.secret), "{who:?}: {cmp}");
        }
        let (_, cmp) = w.client(Bank).get(&format!("/api/v1/compare?ids={p}")).await;
        assert!(cmp["items"][0]["verdict"].is_null(), "no standing for a bank: {cmp}");
        own_write(&w, "PUT", &format!("/api/v1/me/favourites/{p}"), &json!({}), &[Sme, Sme2], &[]).await;
        read(&w, "/api/v1/me/favourites", &[Sme, Sme2]).await;
        own_write(&w, "DELETE", &format!("/api/v1/me/favourites/{p}"), &json!({}), &[Sme, Sme2], &[]).await;

        // Applications: listed by every party for its own scope; one application by its parties only.
        read(&w, "/api/v1/applications", &MARKET).await;
        read(&w, &format!("/api/v1/applications/{a}"), &[Sme, Bank, Agency, Operator]).await;
        for who in [Sme2, Bank2] {
            let (_, list) = w.client(who).get("/api/v1/applications").await;
            assert!(!list.to_string().contains(&w.secret), "{who:?} sees another party's application: {list}");
        }
        // Documents: the firm uploads to its own open application (the lender and the operator read but do not
        // add: 403; anyone else 404); the firm, the lender and the operator list and download them, and no
        // one else, the guarantee agency included.
        let documents = format!("/api/v1/applications/{a}/documents");
        let (content_type, upload) =
            crate::documents::multipart(&[("file", Some("matrix.pdf"), crate::documents::PDF)]);
        w.cover("POST", &documents);
        for who in EVERYONE.into_iter().filter(|w| *w != Sme) {
            let reply = w.client(who).request(Method::POST, &documents, Some(&content_type), upload.clone()).await;
            refused(
                &w,
                who,
                "POST",
                &documents,
                reply.status,
                &serde_json::from_str(&reply.body).unwrap_or(Value::Null),
            );
        }
        assert_eq!(app.state.store.document_totals().await.unwrap().0, 0, "refused uploads keep nothing");
        let reply = w.client(Sme).request(Method::POST, &documents, Some(&content_type), upload).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let document = reply.json()["id"].as_i64().unwrap();
        read(&w, &documents, &[Sme, Bank, Operator]).await;
        raw(&w, Method::GET, &format!("{documents}/{document}"), None, b"", &[Sme, Bank, Operator]).await;
        read(&w, "/api/v1/notifications", &[Sme, Sme2, Bank, Bank2]).await;
        read(&w, "/api/v1/notifications/unread", &SIGNED_IN).await;
        let note = id_of(w.client(Bank), "/api/v1/notifications", |_| true).await;
        write(&w, "POST", &format!("/api/v1/notifications/{note}/read"), &json!({}), Bank).await;
        own_write(&w, "POST", "/api/v1/notifications/read-all", &json!({}), &[Sme, Sme2, Bank, Bank2], &[]).await;

        // Contact details: the firm's own; the lender it applied to sees it; each side's on the application.
        read(&w, "/api/v1/me/contact", &[Sme, Sme2]).await;
        let person = json!({"name": "矩阵联系人", "phone": "13800001234"});
        own_write(&w, "PUT", "/api/v1/me/contact", &person, &[Sme, Sme2], &[]).await;
        own_write(&w, "PUT", "/api/v1/me/contact/sharing", &json!({"share": false}), &[Sme, Sme2], &[]).await;
        read(&w, &format!("/api/v1/enterprises/{e}/contact"), &[Bank]).await;
        read(&w, &format!("/api/v1/applications/{a}/contacts"), &[Sme, Bank, Operator]).await;
        read(&w, "/api/v1/institution/contacts", &[Bank, Bank2]).await;
        let branch =
            json!({"name": "矩阵支行", "address": "和平区矩阵路 1 号", "phone": "022-23456789", "district": "120101"});
        own_write(&w, "POST", "/api/v1/institution/branches", &branch, &[Bank, Bank2], &[]).await;
        let (_, own) = w.client(Bank).get("/api/v1/institution/contacts").await;
        let branch_id = own["branches"][0]["id"].as_i64().unwrap();
        let manager = json!({"name": "矩阵经理", "phone": "13900001234"});
        own_write(&w, "POST", "/api/v1/institution/managers", &manager, &[Bank, Bank2], &[]).await;
        let (_, own) = w.client(Bank).get("/api/v1/institution/contacts").await;
        let manager_id = own["managers"][0]["id"].as_i64().unwrap();
        write(&w, "DELETE", &format!("/api/v1/institution/managers/{manager_id}"), &json!({}), Bank).await;
        write(&w, "DELETE", &format!("/api/v1/institution/branches/{branch_id}"), &json!({}), Bank).await;

        // The application's thread: its two parties write, the operator reads, anyone else gets 404.
        let thread = format!("/api/v1/applications/{a}/messages");
        own_write(&w, "POST", &thread, &json!({"body": "矩阵消息"}), &[Sme, Bank], &[]).await;
        read(&w, &thread, &[Sme, Bank, Operator]).await;
        read(&w, "/api/v1/messages/unread", &SIGNED_IN).await;
        read(&w, "/api/v1/invitations", &[Sme, Sme2, Bank, Bank2]).await;

        // The SME's own data, and its profile as institutions see it (the bank: through the application).
        read(&w, "/api/v1/me/profile", &[Sme, Sme2]).await;
        let (_, own) = w.client(Sme).get("/api/v1/me/profile").await;
        let own = own.get("profile").cloned().unwrap_or(own);
        own_write(&w, "PUT", "/api/v1/me/profile", &own, &[Sme], &[Sme2]).await;
        read(&w, "/api/v1/me/consents", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/profile-views", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/needs", &[Sme, Sme2]).await;
        read(&w, &format!("/api/v1/me/needs/{n}"), &[Sme]).await;
        read(&w, &format!("/api/v1/enterprises/{e}/profile"), &[Bank]).await;
        // Verified facts: the firm's own; an institution's read only while the firm's authorisation of its facts
        // for it holds (the bank, by name; the other bank never), and not after it is withdrawn.
        read(&w, "/api/v1/me/facts", &[Sme, Sme2]).await;
        read(&w, "/api/v1/me/fact-authorisations", &[Sme, Sme2]).await;
        let facts_to_bank =
            json!({"institution_ids": [bank_institution], "expires_on": crate::journey::shanghai_today()});
        own_write(&w, "POST", "/api/v1/me/fact-authorisations", &facts_to_bank, &[Sme, Sme2], &[]).await;
        read(&w, &format!("/api/v1/enterprises/{e}/facts"), &[Bank]).await;
        // The printable credit summary (a page) by the same rule.
        let summary = format!("/bank/enterprises/{e}/credit-summary");
        page(&w, &summary, &[Bank]).await;
        let withdraw = format!("/api/v1/me/fact-authorisations/{bank_institution}");
        own_write(&w, "DELETE", &withdraw, &json!({}), &[Sme, Sme2], &[]).await;
        read(&w, &format!("/api/v1/enterprises/{e}/facts"), &[]).await;
        page(&w, &summary, &[]).await;
        read(&w, "/api/v1/needs/feed", &[Bank, Bank2]).await;
        let (_, feed) = w.client(Bank2).get("/api/v1/needs/feed").await;
        assert!(!feed.to_string().contains(&w.secret), "no consent, no need in the feed: {feed}");

        // Needs and offers: the SME lets the bank (only) see it; the bank offers; the SME accepts.
        own_write(&w, "POST", "/api/v1/me/consents", &json!({"institution_id": bank_institution}), &[Sme, Sme2], &[])
            .await;
        // An invitation to the consenting firm: the bank sends it, the firm declines it.
        let invite = json!({"enterprise_id": e, "product_id": w.offered, "note": "矩阵邀请"});
        let sent = write(&w, "POST", "/api/v1/invitations", &invite, Bank).await;
        let invitation = sent["id"].as_i64().unwrap();
        write(&w, "POST", &format!("/api/v1/invitations/{invitation}/decline"), &json!({}), Sme).await;
        let (_, detail) = app.get_json(&format!("/api/v1/products/{p}")).await;
        let offer = json!({"product_id": w.offered, "amount": detail["amount_min_fen"], "rate": 400, "term": detail["term_min_months"], "note": "矩阵报价"});
        write(&w, "POST", &format!("/api/v1/needs/{n}/offers"), &offer, Bank).await;
        let (_, mine) = w.client(Sme).get(&format!("/api/v1/me/needs/{n}")).await;
        let offer_id = mine["offers"][0]["id"].as_i64().unwrap_or_else(|| panic!("an offer: {mine}"));
        write(&w, "POST", &format!("/api/v1/offers/{offer_id}/withdraw"), &json!({}), Bank).await;
        write(&w, "POST", &format!("/api/v1/needs/{n}/offers"), &offer, Bank).await;
        let (_, mine) = w.client(Sme).get(&format!("/api/v1/me/needs/{n}")).await;
        let open = mine["offers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["state"] == "open" || o["state"]["code"] == "open")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        write(&w, "POST", &format!("/api/v1/me/needs/{n}/offers/{open}/accept"), &json!({}), Sme).await;
        let deadline = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive().to_string();
        own_write(
            &w,
            "POST",
            "/api/v1/me/needs",
            &json!({"amount": 30_000_000, "term": 6, "purpose": "working_capital", "deadline": deadline}),
            &[Sme, Sme2],
            &[],
        )
        .await;
        let second = id_of(w.client(Sme), "/api/v1/me/needs", |x| x["id"].as_i64() != Some(n)).await;
        write(&w, "POST", &format!("/api/v1/me/needs/{second}/close"), &json!({}), Sme).await;

        // Applications: moved by their parties; submitted by SMEs on their own (the SME's first, withdrawn,
        // leaves the product free for a new one).
        let reply =
            write(&w, "POST", &format!("/api/v1/applications/{a}/transitions"), &json!({"action": "accept"}), Bank)
                .await;
        assert_eq!(reply["state"]["code"], "accepted");
        let reply =
            write(&w, "POST", &format!("/api/v1/applications/{a}/transitions"), &json!({"action": "withdraw"}), Sme)
                .await;
        assert_eq!(reply["state"]["code"], "withdrawn");
        let body = json!({"product_id": p, "amount": (detail["amount_min_fen"].as_i64().unwrap() / 100).to_string(),
            "term": detail["term_min_months"].to_string(), "purpose": "working_capital", "idempotency_key": "matrix-2"});
        own_write(&w, "POST", "/api/v1/applications", &body, &[Sme, Sme2], &[]).await;
        own_write(&w, "DELETE", &format!("/api/v1/me/consents/{bank_institution}"), &json!({}), &[Sme, Sme2], &[])
            .await;

        // The operator's institutions: listed with their products, created and edited (the code stays).
        read(&w, "/api/v1/institutions/admin", &[Operator]).await;
        let new = json!({"code": "matrix-factor", "name": "矩阵商业保理", "kind": "factoring"});
        let created = write(&w, "POST", "/api/v1/institutions", &new, Operator).await;
        let institution = created["id"].as_i64().unwrap();
        let edit = json!({"name": "矩阵保理", "kind": "other", "intro": "矩阵"});
        write(&w, "PUT", &format!("/api/v1/institutions/{institution}"), &edit, Operator).await;
        let suspension = format!("/api/v1/institutions/{institution}/suspension");
        let reply = write(&w, "POST", &suspension, &json!({"reason": "矩阵测试"}), Operator).await;
        assert_eq!(reply["reason"], "矩阵测试");
        write(&w, "DELETE", &suspension, &json!({}), Operator).await;

        // Reference rates: anyone reads the current ones; the operator reads the history and enters one.
        read(&w, "/api/v1/reference-rates", &EVERYONE).await;
        read(&w, "/api/v1/reference-rates/history", &[Operator]).await;
        let publication = json!({"kind": "lpr_5y", "percent": "3.5", "published_on": "2025-06-20"});
        let entered = write(&w, "POST", "/api/v1/reference-rates", &publication, Operator).await;
        assert_eq!(entered["revision"], 0);

        // The operator's account administration (last: it changes accounts).
        let reply = write(
            &w,
            "POST",
            "/api/v1/accounts",
            &json!({"login": "matrix@finmart.demo", "display_name": "矩阵", "role": "operator", "password": "abc12345"}),
            Operator,
        )
        .await;
        let account = reply["account"]["id"].as_i64().unwrap();
        write(&w, "POST", &format!("/api/v1/accounts/{account}/disable"), &json!({}), Operator).await;
        write(&w, "POST", &format!("/api/v1/accounts/{account}/enable"), &json!({}), Operator).await;

        // Uptake figures: each institution and agency for its own scope, the operator for the market.
        read(&w, "/api/v1/stats/uptake", &[Bank, Bank2, Agency, Operator]).await;
        let (_, agency_view) = w.client(Agency).get("/api/v1/stats/uptake").await;
        assert_eq!(agency_view["scope"]["kind"], "agency");
        let (_, bank2_view) = w.client(Bank2).get("/api/v1/stats/uptake").await;
        assert!(
            !bank2_view.to_string().contains("矩阵担保贷"),
            "another lender's product in bank2's figures: {bank2_view}"
        );
        let (status, _) = w.client(Bank).get("/api/v1/stats/uptake?agency=1").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "only the operator may choose the scope");

        // The operator's market watch: the operator only.
        read(&w, "/api/v1/stats/market/searches", &[Operator]).await;
        read(&w, "/api/v1/stats/market/stale", &[Operator]).await;
        read(&w, "/api/v1/stats/market/response-breaches", &[Operator]).await;
        read(&w, "/api/v1/stats/market/cost", &[Operator]).await;
        read(&w, "/api/v1/stats/market/targets", &[Operator]).await;
        write(&w, "PUT", "/api/v1/stats/market/targets/2030", &json!({"loans": 100, "amount": 100_000_000}), Operator)
            .await;

        // The dashboards' exports: the callers of the figures, each on its own scope; the application list
        // names the firm but carries nothing of what it wrote or of its profile.
        let export = "/api/v1/stats/uptake/export?table=applications&format=csv";
        let figures = "/api/v1/stats/uptake/export?table=by_product&format=xlsx";
        raw(&w, Method::GET, export, None, b"", &[Bank, Bank2, Agency, Operator]).await;
        raw(&w, Method::GET, figures, None, b"", &[Bank, Bank2, Agency, Operator]).await;
        raw(&w, Method::GET, "/api/v1/stats/uptake/export?table=stale&format=csv", None, b"", &[Operator]).await;
        // The figures on verified facts: the operator's.
        read(&w, "/api/v1/stats/facts", &[Operator]).await;
        raw(&w, Method::GET, "/api/v1/stats/facts/export?table=by_district&format=xlsx", None, b"", &[Operator]).await;
        for who in [Bank, Bank2, Agency, Operator] {
            let reply = w.client(who).request(Method::GET, export, None, Vec::new()).await;
            assert!(!reply.body.contains(&w.secret), "{who:?}: the export leaked the application's text");
        }

        // Every operation of the API is either public or was exercised above.
        let (_, openapi) = app.get_json("/api/openapi.json").await;
        let covered = w.covered.lock().unwrap().clone();
        let mut missing = Vec::new();
        for (path, item) in openapi["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let op = (method.to_uppercase(), shape(path));
                let public = PUBLIC.iter().any(|(m, p)| *m == op.0 && *p == op.1);
                if !public && !covered.contains(&op) {
                    missing.push(format!("{} {path}", op.0));
                }
            }
        }
        assert!(missing.is_empty(), "operations not in the authorisation matrix: {missing:#?}");
    }
}

/// The page actions that write (form posts), beside the API's matrix: nobody signed in is sent to sign in,
/// a role that may never act is refused (403) and changes nothing, the allowed role succeeds (303).
#[tokio::test]
async fn page_actions_admit_exactly_their_callers() {
    for app in TestApp::each(true).await {
        let w = world(&app).await;
        let (_, before) = w.client(Sme).get("/api/v1/me/profile").await;
        let district = before["profile"]["district"].as_str().unwrap().to_owned();
        let save = [("district", district.as_str()), ("industry", "software"), ("employees", "88"), ("revenue", "500")];
        for who in EVERYONE.into_iter().filter(|w| *w != Sme) {
            let (status, location, body) = w.client(who).post_form("/match/save", &save).await;
            if who == Anonymous {
                // A form with no session and no visitor's token is refused before anything (login CSRF).
                assert_eq!(status, StatusCode::FORBIDDEN, "{who:?}: {body}");
                assert_eq!(location, None);
            } else if who == Sme2 {
                // Another firm saves its own profile, never the SME's.
                assert_eq!(status, StatusCode::SEE_OTHER, "{who:?}: {body}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} POST /match/save: {body}");
            }
        }
        let (_, unchanged) = w.client(Sme).get("/api/v1/me/profile").await;
        assert_eq!(unchanged["profile"]["employees"], before["profile"]["employees"], "only its own firm saves it");
        let (status, location, body) = w.client(Sme).post_form("/match/save", &save).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(location.unwrap().contains("saved=1"));
        let (_, after) = w.client(Sme).get("/api/v1/me/profile").await;
        assert_eq!(after["profile"]["employees"], 88);
    }
}
