//! The uptake figures API end to end: scope by role, the figures of applications made and decided through
//! the API, and bad parameters named.

use crate::app::TestApp;
use axum::http::StatusCode;
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use serde_json::json;

#[tokio::test]
async fn figures_follow_the_applications_and_the_caller() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let agency = app.sign_in(DEMO_AGENCY).await;
        let sme = app.sign_in(DEMO_SME).await;
        // A product of the bank guaranteed by the demo agency, listed and approved.
        let mut listing = crate::journey::new_product_named("STATS-01", "统计担保贷（测试）");
        listing["guarantee_agency_code"] = json!("jinmen-guarantee");
        listing["guarantee_fee_pct"] = json!(1.5);
        let product = crate::journey::publish_listing(&bank, &operator, &listing).await;
        app.catch_up().await;
        // Two applications: one disbursed (80 万 of 100 万 for 12 months), one rejected.
        let apply = |key: &str, amount: &str| json!({"product_id": product, "amount": amount, "term": "12", "purpose": "working_capital", "idempotency_key": key});
        // The first is decided before the second is made: a firm has one open application per product.
        let today = crate::journey::shanghai_today();
        for (key, amount, steps) in [
            (
                "s-1",
                "100万",
                vec![
                    json!({"action": "accept"}),
                    json!({"action": "approve"}),
                    json!({"action": "disburse", "amount": "800000", "rate": "3.85", "term": "12", "date": today}),
                ],
            ),
            ("s-2", "50万", vec![json!({"action": "accept"}), json!({"action": "reject", "reason": "经营流水不足"})]),
        ] {
            let (status, body) = sme.post("/api/v1/applications", &apply(key, amount)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let id = body["id"].as_i64().unwrap();
            for step in steps {
                let (status, body) = bank.step(id, &step).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
        let query = format!("/api/v1/stats/uptake?from={today}&to={today}&product={product}");
        let (status, view) = agency.get(&query).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let t = &view["totals"];
        assert_eq!(
            (t["applications"].as_u64(), t["accepted"].as_u64(), t["approved"].as_u64()),
            (Some(2), Some(2), Some(1)),
            "{}",
            app.backend
        );
        assert_eq!((t["rejected"].as_u64(), t["disbursed"].as_u64()), (Some(1), Some(1)));
        assert_eq!(t["applied"]["fen"], 150_000_000);
        assert_eq!(t["disbursed_amount"]["wan"], "80.00");
        assert_eq!(t["guaranteed"]["fen"], 80_000_000);
        assert_eq!(t["guarantee_fees"]["fen"], 1_200_000, "1.5 % of 80 万 for a year");
        assert_eq!(t["approval_rate_bps"], 5_000);
        assert_eq!(view["rejections_by_reason"], json!([{"reason": "经营流水不足", "count": 1}]));
        assert_eq!(view["by_product"][0]["label"], "统计担保贷（测试）");
        assert_eq!(view["series"].as_array().unwrap().len(), 1);
        // The bank sees the same for its own product; the operator the same for the market filtered to it.
        let (_, for_bank) = bank.get(&query).await;
        assert_eq!(for_bank["totals"], view["totals"]);
        assert_eq!(for_bank["scope"]["kind"], "institution");
        let (_, market) = operator.get(&query).await;
        assert_eq!(market["totals"], view["totals"]);
        assert_eq!(market["scope"]["name"], "全市场");
        // SMEs have none; bad parameters are named.
        let (status, _) = sme.get("/api/v1/stats/uptake").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        for (q, field) in [
            ("from=2026-13-01", "from"),
            ("from=2026-03-02&to=2026-03-01", "from"),
            ("granularity=year", "granularity"),
            ("from=2024-01-01&to=2026-01-01&granularity=day", "granularity"),
            ("district=atlantis", "district"),
            ("colour=red", "colour"),
        ] {
            let (status, body) = agency.get(&format!("/api/v1/stats/uptake?{q}")).await;
            assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{q}: {body}");
        }
    }
}
