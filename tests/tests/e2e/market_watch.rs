//! The operator's market watch end to end: searches from the API and the pages logged without personal
//! data and counted as unmet demand; stale listings; response-deadline breaches; the average financing
//! cost and the yearly target of loans facilitated, following applications made and decided through the
//! API; the operator alone may read or set them; bad parameters are named.

use crate::app::{TestApp, encode};
use axum::http::StatusCode;
use chrono::{Datelike, Duration, Utc};
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use finmart_store::entity::{application, product, search_log};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// The unmet-demand figures for today, once `searches` searches have been logged (the log is written by a
/// spawned task after each search).
async fn demand_once_logged(app: &TestApp, searches: u64) -> Value {
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let today = crate::journey::shanghai_today();
    let uri = format!("/api/v1/stats/market/searches?from={today}&to={today}");
    for _ in 0..100 {
        let (status, view) = operator.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        if view["searches"].as_u64() >= Some(searches) {
            return view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{}: fewer than {searches} searches were logged", app.backend);
}

#[tokio::test]
async fn searches_are_logged_without_personal_data_and_counted() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        // Logged: the API, the search page and its results fragment, with words or filters.
        let found = app.search("科技贷", "").await["total"].as_u64().unwrap();
        assert!(found > 0, "{b}");
        let (status, _) = app.get(&format!("/?q={}", encode("科技贷"))).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.get(&format!("/fragments/results?q={}", encode(" 科技贷 "))).await;
        assert_eq!(status, StatusCode::OK);
        let nothing = app.search("ZZQX 13812345678", "").await["total"].as_u64().unwrap();
        assert_eq!(nothing, 0, "{b}");
        let (status, filtered) = app.get_json("/api/v1/search?family=credit").await;
        assert_eq!(status, StatusCode::OK);
        // Not logged: no words and no filters; a further page of a search.
        app.get_json("/api/v1/search").await;
        app.search("科技贷", "&page=2").await;
        // A bad search is no search.
        let (status, _) = app.get_json("/api/v1/search?amount=abc&q=x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let view = demand_once_logged(&app, 5).await;
        // Give any (wrongly) spawned write a moment, then check the exact counts.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let view2 = demand_once_logged(&app, 5).await;
        assert_eq!(view, view2, "{b}: more searches were logged than expected");
        assert_eq!((view["searches"].as_u64(), view["no_result_searches"].as_u64()), (Some(5), Some(1)), "{b}");
        assert_eq!(
            view["top"],
            json!([
                {"query": "科技贷", "searches": 3, "no_results": 0},
                {"query": "zzqx #", "searches": 1, "no_results": 1},
            ]),
            "{b}"
        );
        assert_eq!(view["unmet"], json!([{"query": "zzqx #", "searches": 1, "no_results": 1}]), "{b}");

        // The log itself: normalised, masked, the family filter kept, nothing else.
        let rows = search_log::Entity::find().all(app.state.store.connection()).await.unwrap();
        assert_eq!(rows.len(), 5, "{b}");
        assert!(rows.iter().all(|r| !r.query.contains("1381234")), "{b}: a phone number was stored: {rows:?}");
        let filter_only = rows.iter().find(|r| r.query.is_empty()).unwrap();
        assert_eq!((filter_only.family.as_str(), filter_only.results), ("credit", filtered["total"].as_i64().unwrap()));
        assert!(rows.iter().filter(|r| r.query == "科技贷").all(|r| r.results == i64::try_from(found).unwrap()));

        // Another period has none.
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (_, empty) = operator.get("/api/v1/stats/market/searches?from=2020-01-01&to=2020-01-31&limit=5").await;
        assert_eq!(
            empty,
            json!({
                "from": "2020-01-01", "to": "2020-01-31", "searches": 0, "no_result_searches": 0, "not_recorded": 0,
                "top": [], "unmet": []
            })
        );
    }
}

#[tokio::test]
async fn market_figures_follow_the_marketplace() {
    for app in TestApp::each(true).await {
        let b = app.backend;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let bank = app.sign_in(DEMO_BANK).await;
        let sme = app.sign_in(DEMO_SME).await;
        let today = crate::journey::shanghai_today();
        let year = (Utc::now() + Duration::hours(8)).year();

        // Nothing yet.
        let (status, cost) = operator.get(&format!("/api/v1/stats/market/cost?from={today}&to={today}")).await;
        assert_eq!(status, StatusCode::OK, "{cost}");
        assert_eq!((cost["loans"].as_u64(), &cost["average"]), (Some(0), &Value::Null), "{b}");
        let (_, target) = operator.get("/api/v1/stats/market/targets").await;
        assert_eq!((target["year"].as_i64(), &target["target"]), (Some(i64::from(year)), &Value::Null), "{b}");
        assert_eq!(target["loans"], 0);
        let (_, stale) = operator.get("/api/v1/stats/market/stale").await;
        assert_eq!(stale["total"], 0, "{b}: the demo catalogue was just loaded");

        // The operator sets the year's target: 4 loans, 400 万元.
        let (status, set) = operator
            .put(&format!("/api/v1/stats/market/targets/{year}"), &json!({"loans": 4, "amount": 400_000_000}))
            .await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(set["target"]["loans"], 4);
        assert_eq!(set["target"]["amount"], json!({"fen": 400_000_000, "wan": "400.00"}));
        assert_eq!((set["loans_progress_bps"].as_u64(), set["amount_progress_bps"].as_u64()), (Some(0), Some(0)));

        // A guaranteed product (fee 1.5 %), listed; three applications: one disbursed (80 万 at 3.85 %), one
        // withdrawn, one left unanswered.
        let mut listing = crate::journey::new_product_named("WATCH-01", "市场监测担保贷（测试）");
        listing["guarantee_agency_code"] = json!("jinmen-guarantee");
        listing["guarantee_fee_pct"] = json!(1.5);
        let product_id = crate::journey::publish_listing(&bank, &operator, &listing).await;
        app.catch_up().await;
        let apply = |key: &str, amount: &str| json!({"product_id": product_id, "amount": amount, "term": "12", "purpose": "working_capital", "idempotency_key": key});
        // Each is closed before the next is made: a firm has one open application per product.
        let mut ids = Vec::new();
        let submit = async |key: &str, amount: &str| {
            let (status, body) = sme.post("/api/v1/applications", &apply(key, amount)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["id"].as_i64().unwrap()
        };
        ids.push(submit("w-1", "100万").await);
        for step in [
            json!({"action": "accept"}),
            json!({"action": "approve"}),
            json!({"action": "disburse", "amount": "800000", "rate": "3.85", "term": "12", "date": today}),
        ] {
            let (status, body) = bank.step(ids[0], &step).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        ids.push(submit("w-2", "50万").await);
        let (status, body) =
            sme.post(&format!("/api/v1/applications/{}/transitions", ids[1]), &json!({"action": "withdraw"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(submit("w-3", "30万").await);
        // The third one's deadline has passed without an answer.
        application::Entity::update_many()
            .col_expr(application::Column::RespondBy, Expr::value(Utc::now() - Duration::hours(1)))
            .filter(application::Column::Id.eq(ids[2]))
            .exec(app.state.store.connection())
            .await
            .unwrap();

        let (_, cost) = operator.get(&format!("/api/v1/stats/market/cost?from={today}&to={today}")).await;
        assert_eq!((cost["loans"].as_u64(), &cost["amount"]["fen"]), (Some(1), &json!(80_000_000)), "{b}: {cost}");
        assert_eq!(cost["average"], json!({"bps": 535, "percent": "5.35%"}), "{b}: 3.85 % + 1.5 % guarantee fee");

        let (_, target) = operator.get(&format!("/api/v1/stats/market/targets?year={year}")).await;
        assert_eq!((target["loans"].as_u64(), &target["amount"]["fen"]), (Some(1), &json!(80_000_000)), "{b}");
        assert_eq!(
            (target["loans_progress_bps"].as_u64(), target["amount_progress_bps"].as_u64()),
            (Some(2_500), Some(2_000))
        );

        let (_, breaches) =
            operator.get(&format!("/api/v1/stats/market/response-breaches?from={today}&to={today}")).await;
        assert_eq!(
            breaches["total"],
            json!({"applications": 3, "breaches": 1, "rate_bps": 3_333, "overdue_open": 1}),
            "{b}: {breaches}"
        );
        let row = &breaches["institutions"][0];
        assert_eq!(
            (row["institution_name"].as_str(), row["breaches"].as_u64()),
            (Some("津沽商业银行"), Some(1)),
            "{breaches}"
        );

        // A listing last touched 100 days ago is stale.
        let demo_product = product::Entity::find()
            .filter(product::Column::Id.ne(product_id))
            .filter(product::Column::State.eq("published"))
            .one(app.state.store.connection())
            .await
            .unwrap()
            .unwrap();
        product::Entity::update_many()
            .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now() - Duration::days(100)))
            .filter(product::Column::Id.eq(demo_product.id))
            .exec(app.state.store.connection())
            .await
            .unwrap();
        let (_, stale) = operator.get("/api/v1/stats/market/stale").await;
        assert_eq!(stale["total"], 1, "{b}: {stale}");
        let item = &stale["items"][0];
        assert_eq!(
            (item["product_id"].as_i64(), item["days_since_update"].as_i64()),
            (Some(demo_product.id), Some(100))
        );
        assert_eq!(item["name"], demo_product.name);
        assert!(item["institution_name"].as_str().is_some_and(|n| !n.is_empty()), "{item}");

        // Setting the target is audited.
        let (_, audit) = operator.get("/api/v1/audit?limit=100").await;
        let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "target.set").expect("target.set audited");
        assert_eq!(entry["detail"]["loans"], 4, "{entry}");
    }
}

#[tokio::test]
async fn only_the_operator_and_parameters_are_named() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let paths = [
            "/api/v1/stats/market/searches",
            "/api/v1/stats/market/stale",
            "/api/v1/stats/market/response-breaches",
            "/api/v1/stats/market/cost",
            "/api/v1/stats/market/targets",
        ];
        for login in [DEMO_BANK, DEMO_AGENCY, DEMO_SME] {
            let other = app.sign_in(login).await;
            for path in paths {
                let (status, _) = other.get(path).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{login} GET {path}");
            }
            let (status, _) = other.put("/api/v1/stats/market/targets/2026", &json!({"loans": 1, "amount": 1})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login} PUT");
        }
        for path in paths {
            let (status, _) = app.anonymous().get(path).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous GET {path}");
            let (status, _) = operator.get(path).await;
            assert_eq!(status, StatusCode::OK, "operator GET {path}");
        }
        let (status, _) =
            app.anonymous().put("/api/v1/stats/market/targets/2026", &json!({"loans": 1, "amount": 1})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        for (uri, field) in [
            ("/api/v1/stats/market/searches?from=2026-13-01", "from"),
            ("/api/v1/stats/market/searches?to=yesterday", "to"),
            ("/api/v1/stats/market/searches?from=2026-03-02&to=2026-03-01", "from"),
            ("/api/v1/stats/market/searches?limit=0", "limit"),
            ("/api/v1/stats/market/searches?limit=many", "limit"),
            ("/api/v1/stats/market/searches?colour=red", "colour"),
            ("/api/v1/stats/market/response-breaches?from=2026-02-30", "from"),
            ("/api/v1/stats/market/response-breaches?from=2026-03-02&to=2026-03-01", "from"),
            ("/api/v1/stats/market/cost?to=2026/03/01", "to"),
            ("/api/v1/stats/market/cost?from=2010-01-01&to=2026-01-01", "from"),
            ("/api/v1/stats/market/stale?from=2026-01-01", "from"),
            ("/api/v1/stats/market/targets?year=abc", "year"),
            ("/api/v1/stats/market/targets?year=1999", "year"),
        ] {
            let (status, body) = operator.get(uri).await;
            assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{uri}: {body}");
        }
        for (uri, body, field) in [
            ("/api/v1/stats/market/targets/abc", json!({"loans": 1, "amount": 1}), "year"),
            ("/api/v1/stats/market/targets/3000", json!({"loans": 1, "amount": 1}), "year"),
            ("/api/v1/stats/market/targets/2026", json!({"loans": -1, "amount": 1}), "loans"),
            ("/api/v1/stats/market/targets/2026", json!({"loans": 1, "amount": -5}), "amount"),
            ("/api/v1/stats/market/targets/2026", json!({"loans": 1}), "body"),
            ("/api/v1/stats/market/targets/2026", json!({"loans": 1, "amount": 1, "extra": 1}), "extra"),
        ] {
            let (status, reply) = operator.put(uri, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {reply}");
            assert!(
                reply["field"].as_str().is_some_and(|f| f == field || f.starts_with(field)),
                "{uri} {body}: {reply}"
            );
        }
        // Nothing was set by the refused writes.
        let (_, target) = operator.get("/api/v1/stats/market/targets?year=2026").await;
        assert_eq!(target["target"], Value::Null);
    }
}
