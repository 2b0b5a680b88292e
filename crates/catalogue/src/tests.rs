//! The index kept in step with a real (SQLite) store: rebuilds, change following, filters and facets.

use crate::sync::{catch_up, prepare, rebuild};
use crate::{Catalogue, CollateralFilter, SearchRequest, SortOrder};
use finmart_domain::{Fen, InstitutionKind, LifecycleState, NewInstitution, ProductFamily, ProductRecord, ProductSpec};
use std::sync::Arc;

fn spec(code: &str, name: &str, family: &str, description: &str, extra: &[(&str, &str)]) -> ProductSpec {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("institution_code", "bank"),
        ("code", code),
        ("name", name),
        ("family", family),
        ("description", description),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "3000000"),
        ("term_min_months", "6"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.5"),
        ("rate_max_pct", "5"),
        ("repayment_methods", "equal_instalment"),
        ("decision_days", "5"),
        ("collateral", "none"),
        ("online", "false"),
        ("districts", "all"),
        ("valid_from", "2026-01-01"),
    ];
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k, v));
    }
    ProductRecord::from_pairs(pairs).validate().expect("valid").spec
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

async fn seeded() -> (finmart_store::testing::TestDb, i64) {
    let db = finmart_store::testing::sqlite().await;
    let bank = db
        .store
        .create_institution(&NewInstitution {
            code: "bank".into(),
            name: "津沽测试银行".into(),
            kind: InstitutionKind::Bank,
            intro: String::new(),
        })
        .await
        .expect("institution");
    let products = [
        spec("A", "科创信用贷", "credit", "面向科技型中小企业的纯信用贷款，无需抵押", &[("online", "true")]),
        spec(
            "B",
            "专利质押融资",
            "ip_pledge",
            "以发明专利、商标等知识产权质押获得贷款",
            &[("collateral", "ip"), ("rate_min_pct", "3.2")],
        ),
        spec(
            "C",
            "银税e贷",
            "tax_credit",
            "依据纳税信用等级和纳税记录核定额度",
            &[("districts", "binhai"), ("amount_max_yuan", "500万")],
        ),
        spec(
            "D",
            "厂房抵押贷",
            "mortgage",
            "以厂房、土地等不动产抵押",
            &[("collateral", "real_estate"), ("decision_days", "20")],
        ),
    ];
    for p in &products {
        db.store.save_product(bank.id, LifecycleState::Published, p).await.expect("save");
    }
    let draft = spec("E", "草稿信用贷", "credit", "尚未发布的信用贷款", &[]);
    db.store.save_product(bank.id, LifecycleState::Draft, &draft).await.expect("save");
    (db, bank.id)
}

fn names(c: &Catalogue, req: &SearchRequest) -> Vec<String> {
    c.search(req, today()).expect("search").hits.into_iter().map(|h| h.product.spec.name).collect()
}

fn text(q: &str) -> SearchRequest {
    SearchRequest { text: q.to_owned(), ..SearchRequest::default() }
}

#[tokio::test]
async fn rebuilds_then_follows_the_database() {
    let (db, bank) = seeded().await;
    let dir = tempfile::tempdir().expect("dir");
    let catalogue = Arc::new(Catalogue::open(dir.path()).expect("open"));
    assert!(catalogue.needs_rebuild());
    prepare(&db.store, &catalogue, &|_, _| {}).await.expect("prepare");
    assert_eq!(catalogue.len(), 4, "drafts are not indexed");
    assert_eq!(names(&catalogue, &text("信用贷")).first().map(String::as_str), Some("科创信用贷"));
    assert_eq!(names(&catalogue, &text("专利贷")).first().map(String::as_str), Some("专利质押融资"));
    assert_eq!(names(&catalogue, &text("税贷")).first().map(String::as_str), Some("银税e贷"));
    assert!(names(&catalogue, &text("草稿")).is_empty());

    // A change through the store reaches search on the next catch-up; pausing and deleting remove it.
    let changed = spec("A", "科创信用贷", "credit", "面向科技型中小企业的纯信用贷款，新增绿色通道", &[]);
    db.store.save_product(bank, LifecycleState::Published, &changed).await.expect("save");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert_eq!(names(&catalogue, &text("绿色通道")), vec!["科创信用贷"]);
    let id = db.store.product_id_by_code(bank, "B").await.expect("q").expect("id");
    db.store.set_product_state(id, LifecycleState::Paused).await.expect("pause");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert!(names(&catalogue, &text("专利")).is_empty());
    let id = db.store.product_id_by_code(bank, "D").await.expect("q").expect("id");
    db.store.delete_product(id).await.expect("delete");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert_eq!(catalogue.len(), 2);

    // Reopening keeps the index and its position; a damaged directory is rebuilt.
    let seq = catalogue.applied_seq();
    drop(catalogue);
    let reopened = Arc::new(Catalogue::open(dir.path()).expect("reopen"));
    assert!(!reopened.needs_rebuild());
    assert_eq!(reopened.applied_seq(), seq);
    drop(reopened);
    std::fs::write(dir.path().join("meta.json"), b"not json").expect("damage");
    let repaired = Arc::new(Catalogue::open(dir.path()).expect("open damaged"));
    assert!(repaired.needs_rebuild());
    assert_eq!(rebuild(&db.store, &repaired, &|_, _| {}).await.expect("rebuild"), 2);
}

#[tokio::test]
async fn filters_sorts_and_facets() {
    let (db, bank) = seeded().await;
    let dir = tempfile::tempdir().expect("dir");
    let c = Arc::new(Catalogue::open(dir.path()).expect("open"));
    prepare(&db.store, &c, &|_, _| {}).await.expect("prepare");

    let no_collateral = SearchRequest { collateral: CollateralFilter::NoneRequired, ..SearchRequest::default() };
    let mut got = names(&c, &no_collateral);
    got.sort();
    assert_eq!(got, vec!["科创信用贷", "银税e贷"]);
    let big = SearchRequest { amount: Some(Fen::wan(400)), ..SearchRequest::default() };
    assert_eq!(names(&c, &big), vec!["银税e贷"]);
    let online = SearchRequest { online_only: true, ..SearchRequest::default() };
    assert_eq!(names(&c, &online), vec!["科创信用贷"]);
    let by_rate = SearchRequest { sort: SortOrder::RateAsc, ..SearchRequest::default() };
    assert_eq!(names(&c, &by_rate).first().map(String::as_str), Some("专利质押融资"));
    let by_speed = SearchRequest { sort: SortOrder::DecisionAsc, ..SearchRequest::default() };
    assert_eq!(names(&c, &by_speed).last().map(String::as_str), Some("厂房抵押贷"));

    // Facet counts of a dimension ignore that dimension's own filter but respect the others.
    let req = SearchRequest { families: vec![ProductFamily::Credit], online_only: false, ..SearchRequest::default() };
    let results = c.search(&req, today()).expect("search");
    assert_eq!(results.total, 1);
    assert_eq!(results.facets.families.iter().map(|(_, n)| n).sum::<u64>(), 4);
    assert_eq!(results.facets.institutions, vec![(bank, 1)]);
    let binhai = results.facets.districts.iter().find(|(d, _)| *d == finmart_domain::District::Binhai);
    assert_eq!(binhai.map(|(_, n)| *n), Some(1));

    // Paging past the end is empty, not an error; highlights mark the matched words.
    let far = SearchRequest { page: 9, ..SearchRequest::default() };
    assert!(c.search(&far, today()).expect("search").hits.is_empty());
    let hit = c.search(&text("专利"), today()).expect("search").hits.remove(0);
    assert!(hit.snippet_html.contains("<b>专利</b>"), "{}", hit.snippet_html);
    // A lone character beside real words does not widen the search to everything containing it.
    assert_eq!(c.search(&text("银税e贷"), today()).expect("search").total, 1);
    // As you type: an unfinished last word matches as a prefix.
    // (抵 alone is no word of any text: only the prefix finds 抵押.)
    // The name match ranks above the description's 无需抵押.
    assert_eq!(names(&c, &text("抵")), vec!["厂房抵押贷", "科创信用贷"]);
    // Snippets of text whose words overlap in search mode (担保贷款 → 担保, 贷款, 担保贷款) do not break.
    assert!(c.search(&text("惠农担保贷"), today()).is_ok());
    // An exact name match ranks first even against longer matching text.
    assert_eq!(names(&c, &text("银税e贷")).first().map(String::as_str), Some("银税e贷"));
}
