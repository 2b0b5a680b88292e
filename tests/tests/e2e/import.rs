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
