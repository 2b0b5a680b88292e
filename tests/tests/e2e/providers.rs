//! Data providers send verified facts through the API (issue 17, item 2a): a provider's user makes a token,
//! the token sends batches; a batch is all or nothing with every row's reason, a record sent again changes
//! nothing or corrects itself, a provider writes only its source's kinds, and every batch is recorded and
//! audited. Facts about a firm not yet on the platform are kept and found when it registers.

use crate::app::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR, DEMO_PROVIDER, DEMO_SME};
use finmart_domain::{FactKind, FactValue, Labelled, TaxCreditGrade, Uscc};
use finmart_web::http::error::ApiError;
use finmart_web::http::kept::Kept;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::watch;

fn grade(id: &str, uscc: &str, grade: &str) -> Value {
    json!({"source_record_id": id, "uscc": uscc, "kind": "tax_credit_grade", "value": grade, "as_of": "2025-12-31"})
}

#[tokio::test]
async fn a_provider_sends_batches_all_or_nothing_and_again_changes_nothing() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let clerk = app.sign_in(DEMO_PROVIDER).await;
        let (status, made) = clerk.post("/api/v1/tokens", &json!({"name": "征信平台推送"})).await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {made}");
        let feed = app.with_token(made["secret"].as_str().unwrap());
        // The signed-in firm's code (its declared grade is not the verified one), and a firm not registered yet.
        let sme = app.sign_in(DEMO_SME).await;
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let firm = me["profile"]["uscc"].as_str().expect("the demo firm's code").to_owned();
        let declared = me["profile"]["tax_credit_grade"].as_str().unwrap_or("").to_owned();
        let verified = if declared == "B" { "C" } else { "B" };
        let newcomer = Uscc::with_check("91120116MA06PRXW1").unwrap().as_str().to_owned();
        let batch = json!({"records": [grade("E2E-1", &firm, verified), grade("E2E-2", &newcomer, "A")]});

        let (status, sent) = feed.post("/api/v1/facts/batches", &batch).await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {sent}");
        assert_eq!((sent["records"].as_u64(), sent["added"].as_u64()), (Some(2), Some(2)), "{sent}");
        assert_eq!(sent["arrival"]["code"], "api");
        // The same batch again (an answer lost on the way): nothing changes.
        let (_, again) = feed.post("/api/v1/facts/batches", &batch).await;
        assert_eq!((again["added"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(2)), "{again}");

        // A batch with faults anywhere is refused whole, every fault named by record and field.
        let bad = json!([
            grade("E2E-3", &firm, "A"),
            grade("E2E-4", "91350100M000100Y44", "A"),
            {"source_record_id": "E2E-5", "uscc": firm, "kind": "moon_phase", "value": "full", "as_of": "2025-12-31"},
            grade("E2E-6", &firm, "AAA"),
            {"source_record_id": "E2E-7", "uscc": firm, "kind": "tax_credit_grade", "value": "A", "as_of": "2999-01-01"},
            grade("E2E-3", &firm, "B"),
            {"source_record_id": "E2E-8", "uscc": firm, "kind": "social_insurance_headcount", "value": "12", "as_of": "2026-10-31"},
        ]);
        let (status, refused) = feed.post("/api/v1/facts/batches", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend}: {refused}");
        assert_eq!(refused["code"], "rejected");
        let faults: Vec<(u64, String)> = refused["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str().unwrap().to_owned()))
            .collect();
        for expected in [(2, "uscc"), (3, "kind"), (4, "value"), (5, "as_of"), (6, "source_record_id"), (7, "kind")] {
            assert!(faults.contains(&(expected.0, expected.1.to_owned())), "{backend}: {expected:?} in {faults:?}");
        }
        assert!(!faults.iter().any(|(row, _)| *row == 1), "the good record has no fault: {faults:?}");
        let (_, rows) = clerk.get("/api/v1/facts/batches").await;
        assert_eq!(rows.as_array().unwrap().len(), 2, "{backend}: a refused batch is not recorded");
        let firm_code = Uscc::parse(&firm).unwrap();
        let stored = app.state.store.facts_of(&firm_code).await.unwrap();
        let ours: Vec<_> = stored.iter().filter(|f| f.fact.source_record_id.starts_with("E2E-")).collect();
        assert_eq!(ours.len(), 1, "{backend}: nothing of the refused batch is stored");
        let expected = FactValue::Grade { grade: TaxCreditGrade::parse(verified).unwrap() };
        assert_eq!((ours[0].fact.kind, &ours[0].fact.value), (FactKind::TaxCreditGrade, &expected));

        // Not JSON records: the body is refused as a whole.
        let reply = feed
            .request(Method::POST, "/api/v1/facts/batches", Some("application/json"), b"{\"rows\": 1}".to_vec())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains("invalid_file"), "{}", reply.body);

        // A correction under the same id replaces the record.
        let (_, corrected) = feed.post("/api/v1/facts/batches", &json!([grade("E2E-1", &firm, "A")])).await;
        assert_eq!(corrected["replaced"].as_u64(), Some(1), "{corrected}");

        // The firm not yet registered: its fact is kept by its code.
        let kept = app.state.store.facts_of(&Uscc::parse(&newcomer).unwrap()).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend}");
        assert_eq!(kept[0].provider.code, "tj-tax");

        // Recorded for the provider and audited with the token that sent it.
        let (_, batches) = clerk.get("/api/v1/facts/batches").await;
        assert_eq!(batches.as_array().unwrap().len(), 3, "{backend}: {batches}");
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, audit) = operator.get("/api/v1/audit?limit=50").await;
        let loads: Vec<&Value> =
            audit.as_array().unwrap().iter().filter(|e| e["action"] == "fact_batch.load").collect();
        assert!(loads.len() >= 3, "{backend}: {audit}");
        assert_eq!(loads[0]["detail"]["token_name"], "征信平台推送");
        assert_eq!(loads[0]["detail"]["provider"], "tj-tax");

        // The provider's page shows the batches, in either language.
        for lang in ["zh", "en"] {
            let page = clerk.request(Method::GET, &format!("/provider?lang={lang}"), None, vec![]).await;
            assert_eq!(page.status, StatusCode::OK, "{lang}");
            assert!(page.body.contains("data-batches"), "{lang}");
            assert!(page.body.contains("tax_credit_grade"), "{lang}: the kinds it may send");
        }

        // A revoked token stops at once.
        let id = made["token"]["id"].as_i64().unwrap();
        let (status, _) = clerk.delete(&format!("/api/v1/tokens/{id}")).await;
        assert!(status.is_success());
        let (status, _) = feed.post("/api/v1/facts/batches", &batch).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
    }
}

/// The operator's figures on verified facts move exactly with what a provider sends, and read and export in
/// both languages.
#[tokio::test]
async fn the_operators_coverage_figures_count_each_firm_exactly() {
    for app in TestApp::each(true).await {
        let backend = app.backend;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, before) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(status, StatusCode::OK, "{backend}: {before}");
        let kind = |figures: &Value, code: &str, member: &str| {
            let kinds = figures["kinds"].as_array().unwrap();
            kinds.iter().find(|k| k["kind"]["code"] == code).unwrap()[member].as_u64().unwrap()
        };
        // Kept between requests and computed again after a change: a small platform's is always current.
        assert_eq!(before["updating"], false, "{backend}: {before}");
        let computed_at =
            |figures: &Value| chrono::DateTime::parse_from_rfc3339(figures["computed_at"].as_str().unwrap()).unwrap();
        let (_, again) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(computed_at(&again), computed_at(&before), "{backend}: nothing changed, the kept copy answers");
        let firms = before["firms"].as_u64().unwrap();
        assert!(firms > 0 && kind(&before, "tax_credit_grade", "verified") <= firms, "{backend}: {before}");
        let districts: u64 = before["districts"].as_array().unwrap().iter().map(|d| d["firms"].as_u64().unwrap()).sum();
        assert_eq!(districts, firms, "every firm in one district");

        // A firm with no tax figure verified yet gets one, and one that differs from its grade: +1 verified
        // tax paid; for the grade, +1 conflict unless it was already verified.
        let sme = app.sign_in(DEMO_SME).await;
        let (_, me) = sme.get("/api/v1/me/profile").await;
        let firm = me["profile"]["uscc"].as_str().unwrap().to_owned();
        let stored = app.state.store.facts_of(&Uscc::parse(&firm).unwrap()).await.unwrap();
        let had = |kind: FactKind| stored.iter().any(|f| f.fact.kind == kind);
        let declared = me["profile"]["tax_credit_grade"].as_str().unwrap_or("").to_owned();
        let other = if declared == "D" { "A" } else { "D" };
        let clerk = app.sign_in(DEMO_PROVIDER).await;
        let batch = json!([
            grade("COV-1", &firm, other),
            {"source_record_id": "COV-2", "uscc": firm, "kind": "tax_paid", "value": "88000", "as_of": "2025-12-31"},
        ]);
        let (status, sent) = clerk.post("/api/v1/facts/batches", &batch).await;
        assert_eq!(status, StatusCode::CREATED, "{backend}: {sent}");
        let (_, after) = operator.get("/api/v1/stats/facts").await;
        assert_eq!(after["firms"], before["firms"]);
        assert!(computed_at(&after) > computed_at(&before), "{backend}: the batch moved the firms' revision");
        assert_eq!(after["updating"], false, "{backend}: {after}");
        if !had(FactKind::TaxPaid) {
            assert_eq!(kind(&after, "tax_paid", "verified"), kind(&before, "tax_paid", "verified") + 1, "{backend}");
        }
        if !had(FactKind::TaxCreditGrade) && !declared.is_empty() {
            let grade_verified = kind(&after, "tax_credit_grade", "verified");
            assert_eq!(grade_verified, kind(&before, "tax_credit_grade", "verified") + 1, "{backend}");
            let conflicts = kind(&after, "tax_credit_grade", "conflicts");
            assert_eq!(conflicts, kind(&before, "tax_credit_grade", "conflicts") + 1, "{backend}");
        }
        // The page in both languages, every table with its exports; an export reads back.
        for lang in ["zh", "en"] {
            let page = operator.request(Method::GET, &format!("/admin/facts?lang={lang}"), None, vec![]).await;
            assert_eq!(page.status, StatusCode::OK, "{lang}");
            assert!(page.body.contains("data-coverage=\"current\""), "{lang}: {}", page.body);
            for table in ["by_kind", "by_district", "by_industry", "providers", "products"] {
                assert!(page.body.contains(&format!("data-table=\"t-{table}\"")), "{lang}: {table}");
            }
        }
        // A published product requiring a verified grade is counted for the grade and listed.
        let bank = app.sign_in(DEMO_BANK).await;
        let mut listing = crate::journey::new_product_named("COV-REQ", "核验覆盖贷（测试）");
        listing["eligibility"] = json!({"min_tax_credit_grade": "B"});
        listing["verified_rules"] = json!(["min_tax_credit_grade"]);
        let required = crate::journey::publish_listing(&bank, &operator, &listing).await;
        let (_, now) = operator.get("/api/v1/stats/facts").await;
        let requiring = |figures: &Value| {
            let kinds = figures["kinds"].as_array().unwrap();
            kinds.iter().find(|k| k["kind"]["code"] == "tax_credit_grade").unwrap()["products_requiring"].as_u64()
        };
        assert_eq!(requiring(&now), requiring(&after).map(|n| n + 1), "{backend}: {now}");
        let listed = now["products"].as_array().unwrap();
        let ours = listed.iter().find(|p| p["id"] == required).unwrap_or_else(|| panic!("{now}"));
        assert_eq!(ours["rules"][0]["code"], "min_tax_credit_grade");
        let csv =
            operator.request(Method::GET, "/api/v1/stats/facts/export?table=by_kind&format=csv", None, vec![]).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("纳税信用等级"), "{}", csv.body);
        let bad = operator.request(Method::GET, "/api/v1/stats/facts/export?table=nope&format=csv", None, vec![]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    }
}

/// The figures are kept between requests: while their first computation runs, the API and the exports
/// (but the products') answer 503 `computing` and the page shows the products and reloads itself; once a
/// copy is kept, a change answers it at once, marked as updating, while the new one is computed.
#[tokio::test]
async fn the_coverage_is_answered_computing_then_kept_and_marked_updating_while_computed_again() {
    // Requests do not wait for a computation: what they answer while one runs is seen at once.
    let Some(app) = TestApp::configured(Backend::Sqlite, |c| c.figures_wait_ms = 0).await else { return };
    finmart_cli::load_demo(&app.state.store).await.unwrap();
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let key = || async {
        let (firms, facts) = app.state.store.fact_figures_revision().await.unwrap();
        (firms, facts, finmart_web::http::state::today())
    };
    // The real computation, held until its gate opens.
    let held = |gate: &watch::Receiver<bool>| {
        let (store, mut gate) = (app.state.store.clone(), gate.clone());
        move || async move {
            let _ = gate.wait_for(|open| *open).await;
            Ok::<_, ApiError>(store.fact_figures(finmart_web::http::state::today()).await?)
        }
    };
    let (open, gate) = watch::channel(false);
    let first = app.state.fact_figures.get(key().await, Duration::ZERO, held(&gate)).await.unwrap();
    assert!(matches!(first, Kept::Computing));

    let (status, body) = operator.get("/api/v1/stats/facts").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("computing")), "{body}");
    let export = |table: &str| format!("/api/v1/stats/facts/export?table={table}&format=csv");
    let by_kind = operator.request(Method::GET, &export("by_kind"), None, vec![]).await;
    assert_eq!(by_kind.status, StatusCode::SERVICE_UNAVAILABLE, "{}", by_kind.body);
    let providers = operator.request(Method::GET, &export("providers"), None, vec![]).await;
    assert_eq!(providers.status, StatusCode::SERVICE_UNAVAILABLE, "{}", providers.body);
    let products = operator.request(Method::GET, &export("products"), None, vec![]).await;
    assert_eq!(products.status, StatusCode::OK, "the products' table is read per request: {}", products.body);
    for lang in ["zh", "en"] {
        let page = operator.request(Method::GET, &format!("/admin/facts?lang={lang}"), None, vec![]).await;
        assert_eq!(page.status, StatusCode::OK, "{lang}");
        assert!(page.body.contains("data-coverage=\"computing\"") && page.body.contains("http-equiv=\"refresh\""));
        assert!(page.body.contains("data-table=\"t-products\"") && !page.body.contains("data-table=\"t-by_kind\""));
        assert!(!page.body.contains("data-table=\"t-providers\""));
    }

    // The computation ends: kept, and current.
    open.send_replace(true);
    let computed = app.state.fact_figures.get(key().await, Duration::from_secs(10), held(&gate)).await.unwrap();
    assert!(matches!(computed, Kept::Current(_)));
    let (status, kept) = operator.get("/api/v1/stats/facts").await;
    assert_eq!((status, &kept["updating"]), (StatusCode::OK, &json!(false)), "{kept}");

    // A batch moves the revision; its computation has not ended: the kept copy at once, marked updating.
    let clerk = app.sign_in(DEMO_PROVIDER).await;
    let (_, me) = app.sign_in(DEMO_SME).await.get("/api/v1/me/profile").await;
    let firm = me["profile"]["uscc"].as_str().unwrap().to_owned();
    let (status, sent) = clerk.post("/api/v1/facts/batches", &json!([grade("KEPT-1", &firm, "D")])).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (open, gate) = watch::channel(false);
    let updating = app.state.fact_figures.get(key().await, Duration::ZERO, held(&gate)).await.unwrap();
    assert!(matches!(updating, Kept::Updating(_)));
    let (status, older) = operator.get("/api/v1/stats/facts").await;
    assert_eq!((status, &older["updating"]), (StatusCode::OK, &json!(true)), "{older}");
    assert_eq!(older["computed_at"], kept["computed_at"]);
    let page = operator.request(Method::GET, "/admin/facts", None, vec![]).await;
    assert!(page.body.contains("data-coverage=\"updating\"") && page.body.contains("data-table=\"t-by_kind\""));
    assert!(!page.body.contains("http-equiv=\"refresh\""));

    // Once it ends, the new copy is current.
    open.send_replace(true);
    let now = app.state.fact_figures.get(key().await, Duration::from_secs(10), held(&gate)).await.unwrap();
    assert!(matches!(now, Kept::Current(_)));
    let (_, current) = operator.get("/api/v1/stats/facts").await;
    assert_eq!(current["updating"], false, "{current}");
    assert_ne!(current["computed_at"], kept["computed_at"]);
}
