//! The JSON API over the demo catalogue, on SQLite and PostgreSQL.

use crate::app::{TestApp, names};
use axum::http::StatusCode;
use finmart_domain::LifecycleState;

#[tokio::test]
async fn search_finds_ip_pledge_products_for_zhuanlidai() {
    for app in TestApp::each(true).await {
        let json = app.search("专利贷", "").await;
        // Precise as well as complete: exactly the 20 published IP-pledge products, not everything with 贷.
        assert_eq!(json["total"], 20, "{}", app.backend);
        let items = json["items"].as_array().unwrap();
        for item in &items[..5] {
            assert_eq!(
                item["family"]["code"],
                "ip_pledge",
                "{}: {} in {:?}",
                app.backend,
                item["name"],
                items.iter().map(|i| (i["name"].as_str(), i["score"].as_f64())).collect::<Vec<_>>()
            );
        }
        assert!(items[0]["name_html"].as_str().unwrap().contains("<b>"), "the name is highlighted");
        assert!(items[0]["amount_text"].as_str().unwrap().contains("万元"));
        // Facets: every family count respects the text query; the ip_pledge facet leads.
        let families = json["facets"]["family"].as_array().unwrap();
        let ip = families.iter().find(|f| f["code"] == "ip_pledge").expect("ip_pledge facet");
        assert_eq!(ip["count"], 20, "{}: every published IP-pledge product matches", app.backend);
        // A product is counted under each of its families: the counts add up to the products found and their
        // further families.
        let all = app.search("专利贷", "&per_page=100").await;
        let further: usize =
            all["items"].as_array().unwrap().iter().map(|i| i["more_families"].as_array().unwrap().len()).sum();
        let counted = families.iter().map(|f| f["count"].as_u64().unwrap()).sum::<u64>();
        assert_eq!(counted, json["total"].as_u64().unwrap() + further as u64);
        assert_eq!(json["facets"]["district"].as_array().unwrap().len(), 16);
    }
}

#[tokio::test]
async fn filters_sorts_and_pages() {
    for app in TestApp::each(true).await {
        let browse = app.search("", "&per_page=100").await;
        assert_eq!(browse["total"], 342, "{}: every published product, no drafts", app.backend);

        // A family filter admits the products of the family, main or further: 科技贷 that are also 信用贷款.
        let credit = app.search("", "&family=credit&collateral=none&per_page=100").await;
        let is_credit = |item: &serde_json::Value| {
            item["family"]["code"] == "credit"
                || item["more_families"].as_array().unwrap().iter().any(|f| f["code"] == "credit")
        };
        let tech_credit = app.search("科创积分贷", "&family=credit").await;
        assert_eq!(tech_credit["items"][0]["code"], "HHB-TE-001", "{tech_credit}");
        assert_eq!(tech_credit["items"][0]["family"]["code"], "tech");
        for item in credit["items"].as_array().unwrap() {
            assert!(is_credit(item), "{item}");
            // Needing no collateral: 纯信用, or credit accepted as one of the choices (信用、抵押均可).
            assert_eq!(item["collateral_terms"]["unsecured"], true, "{item}");
        }
        // The family facet ignores its own filter, so it still offers every family.
        let others = credit["facets"]["family"].as_array().unwrap();
        assert!(others.iter().any(|f| f["code"] == "tax_credit"), "{others:?}");
        assert_eq!(others.iter().find(|f| f["code"] == "credit").unwrap()["count"], credit["total"]);

        let fits = app.search("", "&amount=800万&term=60&per_page=100").await;
        assert!(fits["total"].as_u64().unwrap() > 0);
        // A bound the product does not state (null) leaves the range open: such a product may serve the amount.
        for item in fits["items"].as_array().unwrap() {
            assert!(
                item["amount_min_fen"].as_i64().is_none_or(|m| m <= 800_000_000)
                    && item["amount_max_fen"].as_i64().is_none_or(|m| m >= 800_000_000),
                "{item}"
            );
            let (min, max) = (item["term_min_months"].as_u64(), item["term_max_months"].as_u64());
            assert!(min.is_none_or(|m| m <= 60) && max.is_none_or(|m| m >= 60), "{item}");
        }

        let cheap = app.search("", "&sort=rate&per_page=50").await;
        let rates: Vec<u64> =
            cheap["items"].as_array().unwrap().iter().map(|i| i["rate_min_bps"].as_u64().unwrap()).collect();
        assert!(rates.windows(2).all(|w| w[0] <= w[1]), "{rates:?}");
        let capped = app.search("", "&max_rate=3.5&per_page=100").await;
        assert!(capped["items"].as_array().unwrap().iter().all(|i| i["rate_min_bps"].as_u64().unwrap() <= 350));
        let fast = app.search("", "&sort=speed&online=true&per_page=100").await;
        let days: Vec<u64> =
            fast["items"].as_array().unwrap().iter().map(|i| i["decision_days"].as_u64().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] <= w[1]));
        assert!(fast["items"].as_array().unwrap().iter().all(|i| i["online"] == true));
        let big = app.search("", "&sort=amount&per_page=20").await;
        let amounts: Vec<i64> =
            big["items"].as_array().unwrap().iter().map(|i| i["amount_max_fen"].as_i64().unwrap()).collect();
        assert!(amounts.windows(2).all(|w| w[0] >= w[1]));
        let subsidised = app.search("", "&policy=interest_subsidy&per_page=100").await;
        assert!(
            subsidised["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| { i["policy_support"].as_array().unwrap().iter().any(|p| p["code"] == "interest_subsidy") })
        );

        let binhai = app.search("", "&district=binhai&per_page=100").await;
        assert!(
            binhai["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| { i["districts"].as_array().unwrap().iter().any(|d| d["code"] == "120116") })
        );

        let page1 = names(&app.search("贷款", "&per_page=5&page=1").await);
        let page2 = names(&app.search("贷款", "&per_page=5&page=2").await);
        assert_eq!(page1.len(), 5);
        assert!(page1.iter().all(|n| !page2.contains(n)), "pages do not overlap");
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_field() {
    let app = TestApp::new(crate::app::Backend::Sqlite).await.unwrap();
    // The largest URI the HTTP layer passes to the application; larger request heads are refused by the
    // server itself (431, see live.rs).
    let huge = format!("/api/v1/search?q={}", "x".repeat(60_000));
    let cases = [
        ("/api/v1/search?amount=-5".to_owned(), "amount"),
        ("/api/v1/search?family=unknown_family".to_owned(), "family"),
        ("/api/v1/search?page=0".to_owned(), "page"),
        ("/api/v1/search?per_page=1000".to_owned(), "per_page"),
        ("/api/v1/search?term=abc".to_owned(), "term"),
        ("/api/v1/search?max_rate=-1".to_owned(), "max_rate"),
        ("/api/v1/search?district=chaoyang".to_owned(), "district"),
        ("/api/v1/search?sort=cheapest".to_owned(), "sort"),
        ("/api/v1/search?nonsense=1".to_owned(), "nonsense"),
        (huge, "q"),
        ("/api/v1/products/abc".to_owned(), "id"),
        ("/api/v1/products/-3".to_owned(), "id"),
    ];
    for (uri, field) in cases {
        let (status, json) = app.get_json(&uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}", &uri[..uri.len().min(80)]);
        assert_eq!(json["code"], "invalid_parameter");
        assert_eq!(json["field"], field, "{json}");
        assert!(!json["message"].as_str().unwrap().is_empty() && !json["message_en"].as_str().unwrap().is_empty());
    }
    let (status, json) = app.get_json("/api/v1/search?amount=-5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json,
        serde_json::json!({
            "code": "invalid_parameter",
            "field": "amount",
            "message": "金额无效：不能为负数",
            "message_en": "invalid amount: must not be negative",
        })
    );
}

#[tokio::test]
async fn products_institutions_and_health() {
    for app in TestApp::each(true).await {
        let hit = app.search("专利", "&per_page=1").await;
        let id = hit["items"][0]["id"].as_i64().unwrap();
        let (status, detail) = app.get_json(&format!("/api/v1/products/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(!detail["description"].as_str().unwrap().is_empty());
        assert!(detail["eligibility"].as_array().unwrap().iter().all(|r| !r["text"].as_str().unwrap().is_empty()));
        assert_eq!(detail["state"]["code"], "published");

        // Unpublished products are not public.
        let mut unlisted = None;
        let mut after = 0;
        while unlisted.is_none() {
            let page = app.state.store.products_after(after, 100).await.unwrap();
            after = page.last().expect("the demo has drafts").id;
            unlisted = page.into_iter().find(|p| p.state != LifecycleState::Published);
        }
        let (status, json) = app.get_json(&format!("/api/v1/products/{}", unlisted.unwrap().id)).await;
        assert_eq!((status, json["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let (status, _) = app.get_json("/api/v1/products/99999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, institutions) = app.get_json("/api/v1/institutions").await;
        assert_eq!(status, StatusCode::OK);
        let list = institutions.as_array().unwrap();
        assert_eq!(list.len(), 30);
        assert!(list.iter().any(|i| i["kind"]["code"] == "guarantee_agency"));

        let (status, health) = app.get_json("/healthz").await;
        assert_eq!((status, &health["status"]), (StatusCode::OK, &serde_json::json!("ok")));
        let (status, ready) = app.get_json("/readyz").await;
        assert_eq!(status, StatusCode::OK, "{ready}");
        assert_eq!(ready["status"], "ready");
        assert_eq!(ready["database"]["state"], "ok");
        assert_eq!(ready["database"]["backend"], app.backend);
        assert_eq!(ready["redis"]["state"], "not_configured");
        assert_eq!(ready["index"]["state"], "ok");
        assert_eq!(ready["index"]["indexed_products"], 342);
        assert_eq!(ready["index"]["lag"], 0, "caught up: {ready}");
        assert_eq!(ready["index"]["change_log_head"], ready["index"]["applied_seq"]);
    }
}

#[tokio::test]
async fn openapi_and_offline_docs() {
    let app = TestApp::new(crate::app::Backend::Sqlite).await.unwrap();
    let (status, spec) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/v1/search", "/api/v1/products/{id}", "/api/v1/institutions"] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
    let (status, page) = app.get("/api/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("swagger-ui"));
    assert!(!page.contains("http://") && !page.contains("https://"), "the docs page loads nothing from outside");
    let (status, bundle) = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK, "the Swagger UI is served from the binary");
    assert!(bundle.len() > 100_000);
}
