//! The index kept in step with a real (SQLite) store: rebuilds, change following, filters and facets.

use crate::sync::{ReadFrom, catch_up, listed_products, prepare, published_products, rebuild};
use crate::{Catalogue, CatalogueError, CollateralFilter, Opened, SearchRequest, SortOrder};
use finmart_domain::{
    Fen, InstitutionKind, LifecycleState, NewInstitution, Product, ProductFamily, ProductRecord, ProductSpec,
};
use finmart_store::testing::TestDb;
use std::sync::Arc;

pub(super) fn spec(code: &str, name: &str, family: &str, description: &str, extra: &[(&str, &str)]) -> ProductSpec {
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

pub(super) fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

/// A fresh database with the bank every product here belongs to.
pub(super) async fn with_bank() -> (TestDb, i64) {
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
    (db, bank.id)
}

/// The index of `db`, built from it.
pub(super) async fn index(db: &TestDb) -> (tempfile::TempDir, Arc<Catalogue>) {
    let dir = tempfile::tempdir().expect("dir");
    let catalogue = Arc::new(Catalogue::open(dir.path()).expect("open"));
    prepare(&db.store, &catalogue, &|_, _| {}).await.expect("prepare");
    (dir, catalogue)
}

/// An index of these products alone, all published.
async fn catalogue_of(products: &[ProductSpec]) -> (TestDb, tempfile::TempDir, Arc<Catalogue>) {
    let (db, bank) = with_bank().await;
    for p in products {
        db.store.save_product(bank, LifecycleState::Published, p).await.expect("save");
    }
    let (dir, catalogue) = index(&db).await;
    (db, dir, catalogue)
}

pub(super) async fn seeded() -> (TestDb, i64) {
    let (db, bank) = with_bank().await;
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
        db.store.save_product(bank, LifecycleState::Published, p).await.expect("save");
    }
    let draft = spec("E", "草稿信用贷", "credit", "尚未发布的信用贷款", &[]);
    db.store.save_product(bank, LifecycleState::Draft, &draft).await.expect("save");
    (db, bank)
}

pub(super) fn names(c: &Catalogue, req: &SearchRequest) -> Vec<String> {
    c.search(req, today()).expect("search").hits.iter().map(|h| h.product.spec.name.clone()).collect()
}

pub(super) fn text(q: &str) -> SearchRequest {
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

    // A change through the store reaches search on the next catch-up; pausing and deleting remove it. Each
    // search below was answered before the change and kept in the cache of recent answers: none of them
    // is served again once the index has changed.
    assert!(names(&catalogue, &text("绿色通道")).is_empty());
    let hits = catalogue.search_cache_counts().hits;
    assert!(names(&catalogue, &text("绿色通道")).is_empty());
    assert_eq!(catalogue.search_cache_counts().hits, hits + 1, "a repeated search is answered from the cache");
    let changed = spec("A", "科创信用贷", "credit", "面向科技型中小企业的纯信用贷款，新增绿色通道", &[]);
    db.store.save_product(bank, LifecycleState::Published, &changed).await.expect("save");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert_eq!(names(&catalogue, &text("绿色通道")), vec!["科创信用贷"]);
    let id = db.store.product_id_by_code(bank, "B").await.expect("q").expect("id");
    db.store.set_product_state(id, LifecycleState::Paused).await.expect("pause");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert!(names(&catalogue, &text("专利")).is_empty());
    assert!(names(&catalogue, &text("专利贷")).is_empty(), "searched before the change, not served from then");
    let id = db.store.product_id_by_code(bank, "D").await.expect("q").expect("id");
    db.store.delete_product(id).await.expect("delete");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert_eq!(catalogue.len(), 2);

    // Reopening keeps the index and its position; a second process is refused while it is open.
    let seq = catalogue.applied_seq();
    drop(catalogue);
    let reopened = Arc::new(Catalogue::open(dir.path()).expect("reopen"));
    assert_eq!(reopened.opened(), &Opened::Usable);
    assert_eq!(reopened.applied_seq(), seq);
    assert!(matches!(Catalogue::open(dir.path()), Err(CatalogueError::Busy(_))), "one process per index");
    // A rebuild writes a new generation and deletes the old one.
    assert_eq!(rebuild(&db.store, &reopened, &|_, _| {}).await.expect("rebuild"), 2);
    assert_eq!(reopened.applied_seq(), seq);
    let generations = std::fs::read_dir(dir.path())
        .expect("list")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with("gen-")))
        .count();
    assert_eq!(generations, 1, "the replaced generation is deleted");
    drop(reopened);
    // An index of the layout before generations (tantivy's files directly in the directory) is rebuilt
    // before serving, like one of another schema version.
    let old = tempfile::tempdir().expect("dir");
    std::fs::write(old.path().join("meta.json"), b"{}").expect("old layout");
    let outdated = Arc::new(Catalogue::open(old.path()).expect("open old layout"));
    assert!(outdated.needs_rebuild(), "{:?}", outdated.opened());
    prepare(&db.store, &outdated, &|_, _| {}).await.expect("prepare");
    assert_eq!(outdated.len(), 2);
    assert!(!old.path().join("meta.json").exists(), "the old layout's files are removed");
}

/// The products the index gives a listener, and whether it read them from the index.
pub(super) async fn loaded(db: &TestDb, catalogue: &Arc<Catalogue>) -> (Vec<Product>, ReadFrom) {
    published_products(&db.store, catalogue, &[], &|_| {}).await.expect("products")
}

/// What a listener is loaded from, checked to be exactly what the database gives, and read from the index.
async fn assert_index_gives_the_databases_products(db: &TestDb, catalogue: &Arc<Catalogue>) {
    let (from_index, from) = loaded(db, catalogue).await;
    assert_eq!(from, ReadFrom::Index);
    assert_eq!(from_index, listed_products(&db.store, &|_| {}).await.expect("database"));
}

#[tokio::test]
async fn the_index_gives_every_published_product_as_the_database_does() {
    let (db, bank) = seeded().await;
    let (_dir, catalogue) = index(&db).await;
    assert_index_gives_the_databases_products(&db, &catalogue).await;
    let published = loaded(&db, &catalogue).await.0;
    assert_eq!(published.len(), 4, "drafts are not among them");

    // Changed, paused, deleted and added products, each applied as its own commit (new segments, deleted
    // documents): the index still gives what the database gives, in id order.
    let changed = spec("A", "科创信用贷", "credit", "新增绿色通道", &[("amount_max_yuan", "300万")]);
    db.store.save_product(bank, LifecycleState::Published, &changed).await.expect("save");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    let paused = db.store.product_id_by_code(bank, "B").await.expect("q").expect("id");
    db.store.set_product_state(paused, LifecycleState::Paused).await.expect("pause");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    let deleted = db.store.product_id_by_code(bank, "D").await.expect("q").expect("id");
    db.store.delete_product(deleted).await.expect("delete");
    db.store
        .save_product(bank, LifecycleState::Published, &spec("G", "滨海信用快贷", "credit", "新上架", &[]))
        .await
        .expect("save");
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    assert_index_gives_the_databases_products(&db, &catalogue).await;
    let names: Vec<String> = loaded(&db, &catalogue).await.0.into_iter().map(|p| p.spec.name).collect();
    assert_eq!(names, vec!["科创信用贷", "银税e贷", "滨海信用快贷"]);
}

#[tokio::test]
async fn copies_a_logged_change_does_not_explain_are_not_loaded_and_the_index_is_rebuilt() {
    let (db, bank) = seeded().await;
    let (_dir, catalogue) = index(&db).await;
    let database = listed_products(&db.store, &|_| {}).await.expect("database");
    let seq = catalogue.applied_seq();

    // A change logged after the index's position is not a difference: the follower tells the listener.
    let changed = spec("A", "科创信用贷", "credit", "尚未进入索引的修改", &[]);
    db.store.save_product(bank, LifecycleState::Published, &changed).await.expect("save");
    assert_eq!(loaded(&db, &catalogue).await, (database.clone(), ReadFrom::Index));
    catch_up(&db.store, &catalogue, &[]).await.expect("catch up");
    let database = listed_products(&db.store, &|_| {}).await.expect("database");

    // A copy unlike the database's with no change to explain it (as an index written by a version that
    // stored products differently would hold): the database is read, and the index rebuilt.
    let mut drifted = database[1].clone();
    drifted.spec.description = "旧版本写下的副本".into();
    let live = catalogue.live().expect("live");
    live.apply(&[drifted.id], &[drifted], catalogue.applied_seq()).expect("apply");
    assert_eq!(loaded(&db, &catalogue).await, (database.clone(), ReadFrom::Database));
    until_the_index_gives(&db, &catalogue, &database).await;

    // A product missing from the index: its count is not the database's.
    let live = catalogue.live().expect("live");
    live.apply(&[database[0].id], &[], catalogue.applied_seq()).expect("apply");
    assert_eq!(loaded(&db, &catalogue).await, (database.clone(), ReadFrom::Database));
    until_the_index_gives(&db, &catalogue, &database).await;
    assert!(catalogue.applied_seq() > seq);
}

/// Waits (a few seconds at most) until the rebuilt index gives `products` from its copies.
async fn until_the_index_gives(db: &TestDb, catalogue: &Arc<Catalogue>, products: &[Product]) {
    for _ in 0..500 {
        if catalogue.health() == crate::Health::Ready {
            let (now, from) = loaded(db, catalogue).await;
            if from == ReadFrom::Index {
                assert_eq!(now, products);
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the index was not rebuilt: {catalogue:?}");
}

fn district(name: &str) -> finmart_domain::District {
    finmart_domain::District::parse(name, &finmart_domain::HomeArea::default()).expect("district")
}

#[tokio::test]
async fn the_area_filter_finds_who_serves_a_district_and_the_facet_counts_each_home_district() {
    let area = |code: &str, name: &str, cell: &str| spec(code, name, "credit", "流动资金贷款", &[("districts", cell)]);
    let (_db, _dir, c) = catalogue_of(&[
        area("N", "全国通", "全国"),
        area("C", "全市贷", "全市"),
        area("B", "滨海贷", "滨海新区|西青区"),
        area("S", "苏州科技贷", "江苏省苏州市"),
        area("U", "未说明贷", "未说明"),
    ])
    .await;
    let serving = |names: &[&str]| {
        let mut got = self::names(
            &c,
            &SearchRequest { districts: names.iter().map(|n| district(n)).collect(), ..SearchRequest::default() },
        );
        got.sort();
        got
    };
    assert_eq!(serving(&["和平区"]), ["全国通", "全市贷"]);
    assert_eq!(serving(&["滨海新区"]), ["全国通", "全市贷", "滨海贷"]);
    assert_eq!(serving(&["江苏省苏州市虎丘区"]), ["全国通", "苏州科技贷"]);
    assert_eq!(serving(&["辽宁省沈阳市和平区"]), ["全国通"]);
    let results = c.search(&SearchRequest::default(), today()).expect("search");
    let counts = results.facets.districts(&finmart_domain::HomeArea::default());
    assert_eq!(counts.len(), 16, "every district of 天津 is served by the nationwide and citywide products");
    assert_eq!(&counts[..2], [(district("西青区"), 3), (district("滨海新区"), 3)], "most first, then by code");
    assert!(counts.iter().any(|(d, n)| *d == district("和平区") && *n == 2));
    let suzhou = finmart_domain::HomeArea::parse("江苏省苏州市").expect("home");
    let counts = results.facets.districts(&suzhou);
    assert!(counts.iter().all(|(_, n)| *n == 2), "全国通 and 苏州科技贷 in each of 苏州's districts: {counts:?}");
    // A place name in the text finds the products serving it.
    assert_eq!(names(&c, &text("苏州 科技贷")).first().map(String::as_str), Some("苏州科技贷"));
}

#[tokio::test]
async fn filters_sorts_and_facets() {
    let (db, bank) = seeded().await;
    let (_dir, c) = index(&db).await;

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
    let home = finmart_domain::HomeArea::default();
    let binhai = district("滨海新区");
    let in_binhai = results.facets.districts(&home).into_iter().find(|(d, _)| *d == binhai);
    assert_eq!(in_binhai.map(|(_, n)| n), Some(1));

    // Paging past the end is empty, not an error; highlights mark the matched words.
    let far = SearchRequest { page: 9, ..SearchRequest::default() };
    assert!(c.search(&far, today()).expect("search").hits.is_empty());
    let hit = c.search(&text("专利"), today()).expect("search").hits[0].clone();
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

#[tokio::test]
async fn traditional_and_full_width_text_is_found_and_shown_as_written() {
    let (_db, _dir, c) = catalogue_of(&[
        spec("T", "港城倉單質押貸", "supply_chain", "以標準倉單質押，利率按ＬＰＲ加點，額度最高５００萬元。", &[]),
        spec("S", "应收账款融资", "receivables", "以应收账款质押，利率按LPR加点。", &[]),
    ])
    .await;
    for query in ["仓单质押", "倉單質押", "港城仓单质押贷", "港城倉單質押貸"] {
        let hit = c.search(&text(query), today()).expect("search").hits[0].clone();
        assert_eq!(hit.product.spec.name, "港城倉單質押貸", "{query}");
        // Highlights mark the words in the product's own characters (仓单质押 is one word of the search
        // vocabulary: the inventory family's).
        assert!(hit.name_html.contains("<b>倉單質押</b>貸"), "{query}: {}", hit.name_html);
        assert!(hit.snippet_html.contains("<b>倉單質押</b>"), "{query}: {}", hit.snippet_html);
    }
    for query in ["LPR", "ＬＰＲ", "lpr"] {
        let results = c.search(&text(query), today()).expect("search");
        assert_eq!(results.total, 2, "{query}");
        let written: Vec<bool> = results.hits.iter().map(|h| h.snippet_html.contains("<b>ＬＰＲ</b>")).collect();
        assert_eq!(written.iter().filter(|w| **w).count(), 1, "{query}: the full-width text keeps its width");
    }
    assert_eq!(names(&c, &text("５００萬")), vec!["港城倉單質押貸"]);
}

#[tokio::test]
async fn generic_words_only_order_what_other_words_found() {
    let (_db, _dir, c) = catalogue_of(&[
        spec("G", "津沽企业贷款", "credit", "为中小企业提供的流动资金贷款，银行审批快。", &[]),
        spec("P", "专利质押融资", "ip_pledge", "以发明专利质押获得贷款", &[("collateral", "ip")]),
        spec("M", "厂房抵押贷", "mortgage", "以厂房抵押", &[("collateral", "real_estate")]),
    ])
    .await;
    // Beside a specific word, 企业, 贷款 and 银行 neither find nor lift the product named by them.
    for query in ["企业贷款 专利", "银行 专利", "中小企业专利贷款"] {
        let results = c.search(&text(query), today()).expect("search");
        let found: Vec<&str> = results.hits.iter().map(|h| h.product.spec.name.as_str()).collect();
        assert_eq!(found, vec!["专利质押融资"], "{query}");
        assert_eq!(results.total, 1, "{query}: generic words are not needed beside other words");
    }
    // Alone, they search as any words do.
    assert_eq!(names(&c, &text("企业贷款")).first().map(String::as_str), Some("津沽企业贷款"));
    assert!(names(&c, &text("贷款")).len() >= 2);
}

/// An English page's reader types English: the family's English words find its products, whatever the case,
/// and the small words (loan, for, of) only order what the others found.
#[tokio::test]
async fn english_words_find_products_by_their_family() {
    let (_db, _dir, c) = catalogue_of(&[
        spec("P", "滨城专利贷", "ip_pledge", "以发明专利质押", &[]),
        spec("T", "银税e贷", "tax_credit", "依据纳税记录核定额度", &[]),
        spec("E", "设备更新贷", "equipment", "购置生产设备", &[]),
        spec("C", "无忧经营贷", "credit", "凭经营流水核定额度", &[]),
        spec("F", "首户通", "first_loan", "从未借款的小微企业", &[]),
    ])
    .await;
    // The search box's English examples.
    assert_eq!(names(&c, &text("unsecured loan")), vec!["无忧经营贷"]);
    assert_eq!(names(&c, &text("tax loan")), vec!["银税e贷"]);
    assert_eq!(names(&c, &text("first loan")), vec!["首户通"]);
    assert_eq!(names(&c, &text("patent loan")), vec!["滨城专利贷"]);
    assert_eq!(names(&c, &text("Patent Loans")), vec!["滨城专利贷"]);
    assert_eq!(names(&c, &text("loans for tax")), vec!["银税e贷"]);
    // Whole words only: `equipment` is not `ip`, and an English word no family has finds nothing.
    assert_eq!(names(&c, &text("equipment")), vec!["设备更新贷"]);
    assert!(names(&c, &text("weather loan")).is_empty());
}

#[tokio::test]
async fn family_words_weigh_less_than_the_products_own() {
    let (_db, _dir, c) = catalogue_of(&[
        // A credit product that never says 信用: its family's aliases (信用贷, 纯信用…) are all it has.
        spec("A", "滨城科技贷", "credit", "面向科技型企业，按研发投入核定额度，随借随还。", &[]),
        // A credit loan by its own words, filed under another family.
        spec("O", "滨城首户经营贷", "first_loan", "首次借款的小店可申请信用贷款，凭经营流水核定额度，随借随还。", &[]),
    ])
    .await;
    assert_eq!(names(&c, &text("信用贷")), vec!["滨城首户经营贷", "滨城科技贷"]);
    // The family's words still find a product by its family.
    assert_eq!(names(&c, &text("纯信用")).len(), 2);
}

#[tokio::test]
async fn a_search_finds_the_products_with_every_word_in_any_order() {
    let (_db, _dir, c) = catalogue_of(&[
        spec("F", "港城首贷通", "first_loan", "首次贷款的企业专享，审批快", &[("rate_min_pct", "3.1")]),
        spec(
            "B",
            "滨海首贷易",
            "first_loan",
            "滨海新区企业的首笔贷款",
            &[("districts", "binhai"), ("rate_min_pct", "3.9")],
        ),
        spec("M", "滨海厂房抵押贷", "mortgage", "以厂房抵押", &[("districts", "binhai"), ("rate_min_pct", "3.0")]),
        spec(
            "C",
            "津沽经营信用贷",
            "credit",
            "按纳税和结算数据核定额度",
            &[("eligibility", "min_tax_credit_grade=B"), ("rate_min_pct", "2.9")],
        ),
        spec("T", "银税e贷", "tax_credit", "依据纳税记录核定额度", &[("rate_min_pct", "4.2")]),
    ])
    .await;
    // Found: the products with every word. 港城首贷通 (首贷 alone) and 滨海厂房抵押贷 (滨海 alone) are not.
    let both = c.search(&text("首贷 滨海"), today()).expect("search");
    assert_eq!(both.total, 1);
    assert_eq!(names(&c, &text("首贷 滨海")), vec!["滨海首贷易"]);
    // The same products whatever the order.
    for sort in [SortOrder::RateAsc, SortOrder::AmountDesc, SortOrder::DecisionAsc] {
        let req = SearchRequest { text: "首贷 滨海".into(), sort, ..SearchRequest::default() };
        assert_eq!(names(&c, &req), vec!["滨海首贷易"], "{sort:?}");
    }
    // Paging cuts the list without losing or repeating a product.
    let mut paged = Vec::new();
    for page in 1..=3 {
        let req = SearchRequest { text: "首贷".into(), page, per_page: 1, ..SearchRequest::default() };
        paged.extend(names(&c, &req));
    }
    assert_eq!(paged, names(&c, &text("首贷")));
    assert_eq!(paged.len(), 2);

    // 纳税 (a synonym of 税贷) in a credit product's rule and description does not make it a 税贷: found
    // are the tax loans alone, although the credit product's rate is lower. A synonym in a product's name
    // or family words does find it (银税 in 银税e贷's name and its family's words).
    assert_eq!(names(&c, &text("税贷")), vec!["银税e贷"]);
    let tax = SearchRequest { text: "税贷".into(), sort: SortOrder::RateAsc, ..SearchRequest::default() };
    assert_eq!(names(&c, &tax), vec!["银税e贷"]);
    let by_amount = SearchRequest { sort: SortOrder::AmountDesc, ..tax };
    assert_eq!(c.search(&by_amount, today()).expect("search").facets.families, vec![(ProductFamily::TaxCredit, 1)]);
    // The word as written finds it anywhere: 纳税 itself finds both.
    assert_eq!(c.search(&text("纳税"), today()).expect("search").total, 2);
}

/// A product in several families is counted under each, admitted by a filter of any, and found by any
/// family's words: a further family's after the main family's, and both after the product's own text.
#[tokio::test]
async fn further_families_are_faceted_filtered_and_searched() {
    use ProductFamily as F;
    let (_db, _dir, c) = catalogue_of(&[
        // Credit by its own words.
        spec("OWN", "津沽经营信用贷", "credit", "面向小微企业的信用贷款，凭经营流水核定额度。", &[]),
        // Credit by its main family alone: its description never says 信用.
        spec("MAIN", "津沽流水贷", "credit", "凭企业结算流水核定额度，随借随还。", &[]),
        // A technology loan that is also a credit loan, by its further family alone.
        spec("ALSO", "滨城科创积分贷", "tech", "按科技创新积分核定额度，随借随还。", &[("more_families", "credit")]),
        // A technology loan that is nothing else.
        spec("TECH", "滨城研发贷", "tech", "按研发投入核定额度。", &[("collateral", "ip")]),
        spec("MORT", "厂房抵押贷", "mortgage", "以厂房抵押。", &[("collateral", "real_estate")]),
        // A supply-chain product that also discounts bills.
        spec(
            "BILL",
            "链上票据通",
            "supply_chain",
            "为核心企业上游供应商办理融资。",
            &[("more_families", "bill_discount"), ("collateral", "receivables")],
        ),
    ])
    .await;
    let browse = c.search(&SearchRequest::default(), today()).expect("search");
    assert_eq!(browse.total, 6);
    let count = |facets: &[(F, u64)], f: F| facets.iter().find(|(x, _)| *x == f).map_or(0, |(_, n)| *n);
    let families = &browse.facets.families;
    assert_eq!(count(families, F::Credit), 3, "{families:?}");
    assert_eq!(count(families, F::Tech), 2, "{families:?}");
    assert_eq!(count(families, F::BillDiscount), 1, "{families:?}");
    assert_eq!(count(families, F::SupplyChain), 1, "{families:?}");
    assert_eq!(families.iter().map(|(_, n)| n).sum::<u64>(), 8, "a product is counted under each of its families");

    // A filter of a family admits the products of it as a further family too; of several, by any.
    let of = |families: Vec<F>| {
        let mut found = names(&c, &SearchRequest { families, ..SearchRequest::default() });
        found.sort();
        found
    };
    assert_eq!(of(vec![F::Credit]), ["津沽流水贷", "津沽经营信用贷", "滨城科创积分贷"]);
    assert_eq!(of(vec![F::Tech]), ["滨城研发贷", "滨城科创积分贷"]);
    assert_eq!(of(vec![F::BillDiscount, F::Mortgage]), ["厂房抵押贷", "链上票据通"]);
    // Facet counts of families still ignore the family filter, and count under each family.
    let filtered = c.search(&SearchRequest { families: vec![F::BillDiscount], ..SearchRequest::default() }, today());
    assert_eq!(count(&filtered.expect("search").facets.families, F::Credit), 3);

    // 信用贷: its own words first, then the main family's words, then a further family's; never a product
    // that is not a credit loan at all.
    assert_eq!(names(&c, &text("信用贷")), ["津沽经营信用贷", "津沽流水贷", "滨城科创积分贷"]);
    // A further family's name and aliases find the product.
    assert_eq!(names(&c, &text("票据贴现")), ["链上票据通"]);
    assert_eq!(names(&c, &text("商票贴现")), ["链上票据通"]);
    let tech = names(&c, &text("科技贷"));
    assert_eq!(tech.len(), 2, "{tech:?}");
    assert!(tech.contains(&"滨城研发贷".to_owned()) && tech.contains(&"滨城科创积分贷".to_owned()));
}

/// A new publication of the LPR reaches every server's index through the change log: the LPR-priced
/// product sorts, filters and shows by its new effective rate; a fixed-rate one does not move.
#[tokio::test]
async fn a_new_reference_rate_reaches_every_index() {
    let (db, bank) = with_bank().await;
    let floating = spec(
        "L",
        "港城浮动利率贷",
        "credit",
        "按一年期LPR加点定价",
        &[
            ("rate_min_pct", ""),
            ("rate_max_pct", ""),
            ("rate_basis", "lpr_1y"),
            ("lpr_spread_min_bps", "40"),
            ("lpr_spread_max_bps", "100"),
        ],
    );
    let fixed = spec("F", "港城固定利率贷", "credit", "固定利率", &[("rate_max_pct", "4"), ("rate_basis", "fixed")]);
    for s in [&floating, &fixed] {
        db.store.save_product(bank, LifecycleState::Published, s).await.expect("save");
    }
    // Two servers on one database, each with its own index.
    let (_a_dir, a) = index(&db).await;
    let (_b_dir, b) = index(&db).await;
    let rate_of = |c: &Catalogue, name: &str| {
        let hits = c.search(&SearchRequest::default(), today()).expect("search").hits.clone();
        hits.into_iter()
            .find(|h| h.product.spec.name == name)
            .and_then(|h| h.product.annual_rate().min())
            .map(|r| r.bps().bps())
    };
    let by_rate = SearchRequest { sort: SortOrder::RateAsc, ..SearchRequest::default() };
    let capped =
        SearchRequest { max_rate: Some(finmart_domain::Bps::new(330).expect("bps")), ..SearchRequest::default() };
    assert_eq!(rate_of(&a, "港城浮动利率贷"), Some(340));
    assert_eq!(names(&a, &by_rate), vec!["港城浮动利率贷", "港城固定利率贷"]);
    assert!(names(&a, &capped).is_empty());

    let operator = finmart_domain::Principal {
        account_id: 1,
        role: finmart_domain::Role::Operator,
        display_name: "运营".into(),
        enterprise_id: None,
        institution_id: None,
        provider_id: None,
    };
    let input = finmart_domain::PublicationInput {
        kind: "lpr_1y",
        percent: "2.8",
        published_on: &finmart_domain::shanghai::today().to_string(),
        source: "",
        correction: false,
    };
    let event = finmart_store::AuditEvent::by(&operator, None, "reference_rate.publish");
    db.store.publish_reference_rate(&input, "运营", event).await.expect("publish");
    for c in [&a, &b] {
        catch_up(&db.store, c, &[]).await.expect("catch up");
        assert_eq!(rate_of(c, "港城浮动利率贷"), Some(320));
        assert_eq!(rate_of(c, "港城固定利率贷"), Some(350));
        assert_eq!(names(c, &capped), vec!["港城浮动利率贷"]);
        // What a listener loads from the index is priced by the new publication too.
        assert_index_gives_the_databases_products(&db, c).await;
    }
}

/// The facet counts and the total come from one pass over the products; each count must be exactly the
/// total the same search gives with that value chosen, for every combination of the other filters, and the
/// totals must be what the products' own facts say.
#[tokio::test]
async fn every_facet_count_is_the_total_of_choosing_it() {
    use ProductFamily as F;
    use finmart_domain::Labelled;
    let (db, bank) = with_bank().await;
    let other = db
        .store
        .create_institution(&NewInstitution {
            code: "other".into(),
            name: "滨城测试银行".into(),
            kind: InstitutionKind::Bank,
            intro: String::new(),
        })
        .await
        .expect("institution")
        .id;
    let families =
        [("credit", ""), ("tech", "credit"), ("tax_credit", ""), ("mortgage", "tech"), ("credit", "tax_credit")];
    let areas = ["全国", "全市", "滨海新区", "滨海新区|西青区", "和平区", "未说明"];
    // (institution, main family, further family, area cell, amount max in 万元, has 信用 in its name)
    let mut facts = Vec::new();
    for i in 0..30_usize {
        let (family, more) = families[i % families.len()];
        let (owner, code) = if i % 3 == 0 { (other, "other") } else { (bank, "bank") };
        let area = areas[(i * 7) % areas.len()];
        let max = ["100", "300", "800"][i % 3];
        let name = if i % 4 == 0 { format!("津沽信用贷{i}") } else { format!("津沽经营贷{i}") };
        let mut extra = vec![("institution_code", code), ("districts", area), ("amount_max_yuan", "")];
        let max_yuan = format!("{max}0000");
        extra[2].1 = &max_yuan;
        if !more.is_empty() {
            extra.push(("more_families", more));
        }
        let p = spec(&format!("P{i}"), &name, family, "流动资金", &extra);
        db.store.save_product(owner, LifecycleState::Published, &p).await.expect("save");
        facts.push((owner, family, more, area, max, i % 4 == 0));
    }
    let (_dir, c) = index(&db).await;
    let binhai = district("滨海新区");
    let serves_binhai = |area: &str| ["全国", "全市", "滨海新区", "滨海新区|西青区"].contains(&area);
    let home = finmart_domain::HomeArea::default();
    let mut checked = 0;
    for family_filter in [vec![], vec![F::Credit], vec![F::Credit, F::Tech]] {
        for institution_filter in [vec![], vec![other]] {
            for district_filter in [vec![], vec![binhai]] {
                for amount in [None, Some(Fen::wan(200))] {
                    for words in ["", "信用贷"] {
                        let req = SearchRequest {
                            text: words.into(),
                            families: family_filter.clone(),
                            institutions: institution_filter.clone(),
                            districts: district_filter.clone(),
                            amount,
                            ..SearchRequest::default()
                        };
                        let results = c.search(&req, today()).expect("search");
                        let total_with = |r: SearchRequest| c.search(&r, today()).expect("search").total as u64;
                        for family in [F::Credit, F::Tech, F::TaxCredit, F::Mortgage, F::Leasing] {
                            let counted =
                                results.facets.families.iter().find(|(f, _)| *f == family).map_or(0, |(_, n)| *n);
                            let chosen = total_with(SearchRequest { families: vec![family], ..req.clone() });
                            assert_eq!(counted, chosen, "{family} in {req:?}");
                        }
                        for institution in [bank, other] {
                            let counted = results
                                .facets
                                .institutions
                                .iter()
                                .find(|(i, _)| *i == institution)
                                .map_or(0, |(_, n)| *n);
                            let chosen = total_with(SearchRequest { institutions: vec![institution], ..req.clone() });
                            assert_eq!(counted, chosen, "institution {institution} in {req:?}");
                        }
                        for place in ["滨海新区", "和平区", "西青区"] {
                            let d = district(place);
                            let counted = results
                                .facets
                                .districts(&home)
                                .into_iter()
                                .find(|(x, _)| *x == d)
                                .map_or(0, |(_, n)| n);
                            let chosen = total_with(SearchRequest { districts: vec![d], ..req.clone() });
                            assert_eq!(counted, chosen, "{place} in {req:?}");
                        }
                        // The total, from the products' own facts.
                        let expected = facts
                            .iter()
                            .filter(|(owner, family, more, area, max, credit_name)| {
                                let in_family = family_filter.is_empty()
                                    || family_filter.iter().any(|f| f.as_str() == *family || f.as_str() == *more);
                                let by_institution =
                                    institution_filter.is_empty() || institution_filter.contains(owner);
                                let in_district = district_filter.is_empty() || serves_binhai(area);
                                let big_enough = amount.is_none() || *max != "100";
                                // 信用贷 is in the name, or the credit family's words (main or further).
                                let has_words =
                                    words.is_empty() || *credit_name || *family == "credit" || *more == "credit";
                                in_family && by_institution && in_district && big_enough && has_words
                            })
                            .count();
                        assert_eq!(results.total, expected, "{req:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 48);
}

/// Only products inside their validity window today are found, counted or sorted; the window is checked
/// by the collecting pass, so every kind of search is tried.
#[tokio::test]
async fn only_products_listed_today_are_found() {
    let (_db, _dir, c) = catalogue_of(&[
        spec("NOW", "津沽信用贷", "credit", "流动资金", &[]),
        spec("SOON", "津沽信用贷二期", "credit", "流动资金", &[("valid_from", "2026-12-01")]),
        spec(
            "GONE",
            "津沽信用贷旧版",
            "credit",
            "流动资金",
            &[("valid_from", "2025-01-01"), ("valid_until", "2026-06-30")],
        ),
        spec("LAST", "津沽信用贷末班", "credit", "流动资金", &[("valid_until", "2026-11-22")]),
    ])
    .await;
    for req in [
        SearchRequest::default(),
        text("信用贷"),
        SearchRequest { sort: SortOrder::AmountDesc, ..text("信用贷") },
        SearchRequest { families: vec![ProductFamily::Credit], ..SearchRequest::default() },
    ] {
        let results = c.search(&req, today()).expect("search");
        let mut found: Vec<String> = results.hits.iter().map(|h| h.product.spec.name.clone()).collect();
        found.sort();
        assert_eq!(found, ["津沽信用贷", "津沽信用贷末班"], "{req:?}");
        assert_eq!(results.total, 2, "{req:?}");
        assert_eq!(results.facets.families, vec![(ProductFamily::Credit, 2)], "{req:?}");
    }
    let later = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let mut found: Vec<String> = c
        .search(&SearchRequest::default(), later)
        .expect("search")
        .hits
        .iter()
        .map(|h| h.product.spec.name.clone())
        .collect();
    found.sort();
    assert_eq!(found, ["津沽信用贷", "津沽信用贷二期"]);
}
