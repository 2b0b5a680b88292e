//! `finmart import`: the documented example files import (twice without change); a bad file is refused
//! with every row and field named, and changes nothing.

use crate::app::TestApp;
use finmart_cli::import::{ImportError, import_file};
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/examples").join(name)
}

#[tokio::test]
async fn example_files_import_once_and_reach_search() {
    for app in TestApp::each(false).await {
        let store = &app.state.store;
        let first =
            import_file(store, &example("products.json"), &finmart_domain::HomeArea::default(), false).await.unwrap();
        assert_eq!((first.created, first.updated, first.unchanged), (5, 0, 0), "{}", app.backend);
        assert_eq!(first.institutions_created, 2);
        let seq = store.last_change_seq().await.unwrap();

        // The CSV example describes the same products: importing it changes nothing, nor does a repeat.
        for file in ["products.csv", "products.json"] {
            let again = import_file(store, &example(file), &finmart_domain::HomeArea::default(), false).await.unwrap();
            assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 5), "{file} on {}", app.backend);
        }
        assert_eq!(store.last_change_seq().await.unwrap(), seq, "no change logged by identical imports");

        app.catch_up().await;
        let hit = app.search("知识产权质押贷（示例）", "&per_page=1").await;
        assert_eq!(hit["items"][0]["code"], "ZSCQ-01");
    }
}

#[tokio::test]
async fn a_bad_file_is_refused_row_by_row_and_changes_nothing() {
    for app in TestApp::each(false).await {
        let store = &app.state.store;
        import_file(store, &example("products.json"), &finmart_domain::HomeArea::default(), false).await.unwrap();
        let before = store.products_after(0, 100).await.unwrap();
        let seq = store.last_change_seq().await.unwrap();

        let Err(ImportError::Rejected(errors)) =
            import_file(store, &example("products-bad.csv"), &finmart_domain::HomeArea::default(), false).await
        else {
            panic!("the bad example must be refused on {}", app.backend);
        };
        let has = |row: usize, field: &str| errors.iter().any(|e| e.row == row && e.field == field);
        for (row, field) in [
            (2, "amount_min_yuan"),
            (2, "family"),
            (3, "term_max_months"),
            (3, "eligibility.favourite_colour"),
            (3, "eligibility.tax_paid_yuan"),
            (4, "rate_max_pct"),
            (4, "guarantee_agency_code"),
            (4, "online"),
            (4, "districts"),
            (4, "valid_until"),
        ] {
            assert!(has(row, field), "row {row} field {field} not reported: {errors:#?}");
        }
        assert!(errors.iter().all(|e| !e.message.is_empty() && !e.message_en.is_empty()));
        let report = finmart_cli::import::report(&errors);
        assert!(report.contains("第 2 行") && report.contains("amount_min_yuan"));

        assert_eq!(store.products_after(0, 100).await.unwrap(), before, "nothing stored was changed");
        assert_eq!(store.last_change_seq().await.unwrap(), seq);
    }
}

#[tokio::test]
async fn one_bad_row_among_good_ones_imports_nothing() {
    let app = TestApp::new(crate::app::Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(example("products.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    // A row naming an institution that does not exist, without name and kind to create it.
    let ghost =
        lines[1].replacen("example-bank,示例商业银行,bank,", "ghost-bank,,,", 1).replacen("KJXD-01", "GHOST-01", 1);
    lines.push(ghost);
    let path = dir.path().join("mixed.csv");
    // Written with CRLF and a byte-order mark, as spreadsheet programs do.
    std::fs::write(&path, format!("\u{feff}{}\r\n", lines.join("\r\n"))).unwrap();
    let Err(ImportError::Rejected(errors)) =
        import_file(&app.state.store, &path, &finmart_domain::HomeArea::default(), false).await
    else {
        panic!("must be refused");
    };
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].row, errors[0].field.as_str()), (lines.len(), "institution_code"));
    assert_eq!(app.state.store.count_products(None).await.unwrap(), 0);
    assert!(app.state.store.institutions().await.unwrap().is_empty(), "not even the good rows' institutions");

    let not_json = dir.path().join("broken.json");
    std::fs::write(&not_json, "{ not json").unwrap();
    assert!(matches!(
        import_file(&app.state.store, &not_json, &finmart_domain::HomeArea::default(), false).await,
        Err(ImportError::Format(_))
    ));
    let wrong = dir.path().join("products.txt");
    std::fs::write(&wrong, "x").unwrap();
    assert!(matches!(
        import_file(&app.state.store, &wrong, &finmart_domain::HomeArea::default(), false).await,
        Err(ImportError::Format(_))
    ));
}

/// A product page in its lender's words: an upper bound on tax paid, titles of the extended list, and
/// conditions nothing in a profile can decide. It imports whole, its page shows each, and a match passes or
/// fails the bound and leaves the words to the lender (需人工确认), never passing or failing them.
#[tokio::test]
async fn a_product_with_other_conditions_and_an_upper_bound_imports_and_matches_with_them() {
    for app in TestApp::each(false).await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("words.json");
        let product = serde_json::json!([{
            "institution_code": "words-bank", "institution_name": "原话银行", "institution_kind": "bank",
            "code": "YH-01", "name": "种子企业成长贷", "family": "credit",
            "description": "面向入选区级种子企业库、年纳税额不超过50万元的创新型中小企业，最高300万元。",
            "amount_max_yuan": "300万", "term_max_months": 12, "districts": "all",
            "eligibility": {
                "tax_paid_yuan": "..50万",
                "qualifications_any": ["innovative_sme", "种子企业"],
                "other_conditions": ["经营者无不良嗜好", "入选区级种子企业库"]
            }
        }]);
        std::fs::write(&path, product.to_string()).unwrap();
        let summary = import_file(&app.state.store, &path, &finmart_domain::HomeArea::default(), false).await.unwrap();
        assert_eq!(summary.created, 1, "{}", app.backend);
        app.catch_up().await;
        let id = app.state.store.products_after(0, 10).await.unwrap()[0].id;

        // Shown as plain sentences on the API and the page, the lender's words as written.
        let (_, detail) = app.get_json(&format!("/api/v1/products/{id}")).await;
        let rules: Vec<(&str, &str)> = detail["eligibility"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["rule"].as_str().unwrap(), r["text"].as_str().unwrap()))
            .collect();
        assert_eq!(
            rules,
            [
                ("tax_paid_yuan", "上年纳税总额不超过 50 万元"),
                ("qualifications_any", "具有创新型中小企业、种子企业资质之一"),
                ("other_conditions", "经营者无不良嗜好；入选区级种子企业库"),
            ],
            "{}",
            app.backend
        );
        assert_eq!(detail["eligibility"][2]["name"], "其他条件");
        assert_eq!(detail["eligibility"][2]["lender_checks"], true);
        let (_, page) = app.get(&format!("/products/{id}")).await;
        assert!(page.contains("上年纳税总额不超过 50 万元") && page.contains("其他条件"), "{page}");
        assert!(page.contains("经营者无不良嗜好；入选区级种子企业库"));

        // A seed enterprise paying 40 万元: the bound passes, the words are for the lender to confirm.
        let firm = |tax_paid: i64| {
            serde_json::json!({
                "name": "天津种子科技有限公司", "district": "heping", "industry": "software",
                "established": "2022-05-01", "employees": 12, "revenue": 300_000_000,
                "total_assets": 200_000_000, "total_liabilities": 50_000_000, "tax_credit_grade": "B",
                "tax_paid": tax_paid, "qualifications": ["seed"], "invention_patents": 0, "trademarks": 0,
                "receivables": [], "procurement_contracts": [], "ever_borrowed": false,
                "overdue": {"kind": "never"}
            })
        };
        let need = serde_json::json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"});
        let (status, out) = app
            .post_json(
                "/api/v1/match",
                &serde_json::json!({"profile": firm(40_000_000), "need": need, "details": true}),
            )
            .await;
        assert_eq!(status, axum::http::StatusCode::OK, "{out}");
        assert_eq!((out["eligible_total"].as_u64(), out["to_confirm_total"].as_u64()), (Some(0), Some(1)), "{out}");
        let findings = out["to_confirm"][0]["details"]["findings"].as_array().unwrap();
        let finding = |code: &str| findings.iter().find(|f| f["code"] == code).unwrap();
        assert_eq!(finding("tax_paid_yuan")["outcome"], "pass");
        let words = finding("other_conditions");
        assert_eq!(words["outcome"], "unconfirmed");
        assert_eq!(words["message"]["zh"], "需人工确认：经营者无不良嗜好；入选区级种子企业库");
        assert!(out["unconfirmed"].as_array().unwrap().iter().any(|r| r["code"] == "other_conditions"));

        // Paying 60 万元, the firm is outside the stated bound: not eligible, with the reason.
        let (_, out) = app
            .post_json(
                "/api/v1/match",
                &serde_json::json!({"profile": firm(60_000_000), "need": need, "details": true}),
            )
            .await;
        assert_eq!(out["ineligible_total"], 1, "{out}");
        let findings = out["ineligible"][0]["details"]["findings"].as_array().unwrap();
        let failed = findings.iter().find(|f| f["outcome"] == "fail").unwrap();
        assert_eq!(failed["code"], "tax_paid_yuan");
        assert_eq!(failed["message"]["zh"], "要求上年纳税总额不超过 50 万元，贵企业上年纳税 60 万元");
        let words = findings.iter().find(|f| f["code"] == "other_conditions").unwrap();
        assert_eq!(words["outcome"], "unconfirmed", "the words are never failed");
    }
}

/// Every bad rule of a row is reported, each under `eligibility.<key>` with the rule as written and what its
/// kind accepts, beside the row's other bad cells; nothing is stored.
#[tokio::test]
async fn every_bad_rule_of_a_row_is_reported_and_nothing_is_stored() {
    let app = TestApp::new(crate::app::Backend::Sqlite).await.unwrap();
    let store = &app.state.store;
    import_file(store, &example("products.json"), &finmart_domain::HomeArea::default(), false).await.unwrap();
    let before = store.products_after(0, 100).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(example("products.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[1] = lines[1].replacen(
        "min_years_in_operation=2; min_tax_credit_grade=B; qualifications_any=high_tech|tech_sme|specialised; \
         no_overdue_months=24",
        "min_years_in_operation=two; min_tax_credit_grade=Z; favourite_colour=blue; tax_paid_yuan=50万..10万; \
         qualifications_any=high_tech|no_such_title; other_conditions=经营者无不良嗜好|",
        1,
    );
    let path = dir.path().join("rules.csv");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let Err(ImportError::Rejected(errors)) =
        import_file(store, &path, &finmart_domain::HomeArea::default(), false).await
    else {
        panic!("must be refused");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "eligibility.min_years_in_operation",
            "eligibility.min_tax_credit_grade",
            "eligibility.favourite_colour",
            "eligibility.tax_paid_yuan",
            "eligibility.qualifications_any"
        ],
        "{errors:#?}"
    );
    assert!(errors.iter().all(|e| e.row == 2));
    assert_eq!(
        errors[1].message,
        "“min_tax_credit_grade=Z”：未知的取值“Z”，可选：A 级（A）、B 级（B）、M 级（M）、C 级（C）、D 级（D）；取值应为纳税信用等级 A、B、M、C 或 D"
    );
    assert!(
        errors[2].message.contains("可选：成立年限（min_years_in_operation）")
            && errors[2].message.contains("其他条件（other_conditions）")
    );
    assert!(errors[4].message.contains("创新型中小企业（innovative_sme）"), "{}", errors[4].message);
    let report = finmart_cli::import::report(&errors);
    assert!(report.contains("共 5 处错误") && report.contains("tax_paid_yuan=50万..10万"), "{report}");
    assert_eq!(store.products_after(0, 100).await.unwrap(), before, "nothing stored was changed");
}
