//! The real-products fixture (`tests/fixtures/real-products/`): 51 SME loan products as their public pages
//! state them import whole; what a page leaves out is 未说明 wherever the product is shown; each carries its
//! source page and the day it was read; judged Chinese queries find them (traditional forms included).

use crate::app::TestApp;
use crate::regions;
use finmart_cli::import::import_file;
use finmart_domain::{HomeArea, InstitutionKind, NewInstitution};
use serde_json::Value;
use serde_json::json;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real-products").join(name)
}

/// The fixture's products, by name as written, to their codes.
fn code_of(name: &str) -> String {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(fixture("products.json")).unwrap()).unwrap();
    let products = file["products"].as_array().unwrap();
    let found = products.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no product {name}"));
    found["code"].as_str().unwrap().to_owned()
}

/// The codes of the first `n` results of `q`.
async fn top(app: &TestApp, q: &str, n: usize) -> Vec<String> {
    let found = app.search(q, &format!("&per_page={n}")).await;
    found["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn real_products_import_whole_say_what_pages_leave_out_and_are_found() {
    for app in TestApp::each(false).await {
        let store = &app.state.store;
        // The guarantee agencies products name exist before the products (scripts/load-real-products.sh).
        let agencies = std::fs::read_to_string(fixture("agencies.tsv")).unwrap();
        for line in agencies.lines().skip(1) {
            let (code, name) = line.split_once('\t').unwrap();
            let agency = NewInstitution {
                code: code.into(),
                name: name.into(),
                kind: InstitutionKind::GuaranteeAgency,
                intro: String::new(),
            };
            store.create_institution(&agency).await.unwrap();
        }
        let home = HomeArea::default();
        let summary = import_file(store, &fixture("products.json"), &home, false).await.unwrap();
        assert_eq!((summary.created, summary.updated), (51, 0), "the whole file on {}", app.backend);
        let again = import_file(store, &fixture("products.json"), &home, false).await.unwrap();
        assert_eq!(again.unchanged, 51, "importing it again changes nothing");
        app.catch_up().await;

        // 青创贷's page gives no amount, term, rate, repayment, area, decision time or validity.
        let code = code_of("青创贷");
        let hit = app.search("青创贷", "&per_page=1").await;
        let item = &hit["items"][0];
        assert_eq!(item["code"], code.as_str());
        assert_eq!((item["amount_text"].as_str(), item["rate_text"].as_str()), (Some("未说明"), Some("未说明")));
        assert_eq!(item["area"]["kind"], "not_stated");
        assert_eq!(item["source"]["read_on"], "2026-12-03", "the day it was read");
        assert!(item["source"]["url"].as_str().unwrap().starts_with("http"));
        let id = item["id"].as_i64().unwrap();
        let (_, detail) = app.get_json(&format!("/api/v1/products/{id}")).await;
        assert_eq!(detail["repayment_text"], "未说明");
        assert_eq!(detail["online_text"], "未说明");
        let (_, page) = app.get(&format!("/products/{id}")).await;
        assert!(page.contains("未说明") && page.contains("来源："), "the page says so and names its source");
        assert!(page.contains("2026-12-03 读取"), "with the day it was read");

        // Judged queries (JUDGED_QUERIES.md): the product the words name comes first, in either script.
        let warehouse = code_of("非標(biāo)準(zhǔn)倉單質(zhì)押");
        for q in ["仓单质押", "倉單質押"] {
            assert!(top(&app, q, 3).await.contains(&warehouse), "{q} on {}", app.backend);
        }
        let procurement = [code_of("政采贷"), code_of("政採貸")];
        let found = top(&app, "政采贷", 3).await;
        assert!(procurement.iter().all(|c| found.contains(c)), "政采贷: {found:?}");
        assert!(top(&app, "人才贷", 3).await.contains(&code_of("人才贷")), "人才贷");
        assert!(top(&app, "知识产权质押", 5).await.contains(&code_of("天府知来贷")), "知识产权质押");

        // Matching a firm in 河西区: a product whose page gives no area is 需向机构确认 for its area; one
        // served only in 苏州 is refused for it, saying where it serves.
        let id_of = |code: String| {
            let store = store.clone();
            async move {
                let all = store.products_after(0, 200).await.unwrap();
                all.iter().find(|p| p.spec.code == code).map(|p| p.id).unwrap()
            }
        };
        let (status, out) = app
            .post_json(
                "/api/v1/match",
                &json!({"profile": regions::profile("河西区"), "need": regions::need(), "details": true}),
            )
            .await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let (list, check) = regions::placed(&out, id_of(code_of("青创贷")).await);
        assert_eq!(list, "to_confirm", "{}", app.backend);
        assert!(check["message"]["zh"].as_str().unwrap().contains("服务区域未说明"), "{check}");
        let suzhou = id_of(code_of("光子貸")).await;
        let listed = ["eligible", "to_confirm", "near_misses", "needs_info"]
            .iter()
            .any(|l| out[*l].as_array().unwrap().iter().any(|i| i["product"]["id"] == suzhou));
        assert!(!listed, "a product served only in 苏州 is never offered to a firm in 河西区");
    }
}
