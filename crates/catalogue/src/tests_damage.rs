//! A damaged index: every kind of damaged file is found when the index is opened, a search that meets
//! damage stops serving from it, and a rebuild from the database brings back the same answers, with the
//! changes made meanwhile.

use crate::sync::{ReadFrom, catch_up, listed_products, rebuild, start_repair};
use crate::tests::{index, loaded, names, seeded, spec, text};
use crate::{Catalogue, CatalogueError, Health, Opened, SearchRequest};
use finmart_domain::changes::Listener;
use finmart_domain::{LifecycleState, Product};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The live generation's directory.
fn live_dir(root: &Path) -> PathBuf {
    let name = std::fs::read_to_string(root.join("CURRENT")).expect("CURRENT");
    root.join(name.trim())
}

/// Flips 16 bytes in the middle of every file of the live generation whose name ends with `suffix`;
/// returns how many files it damaged.
pub(crate) fn damage(root: &Path, suffix: &str) -> usize {
    let mut damaged = 0;
    for entry in std::fs::read_dir(live_dir(root)).expect("list") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(suffix) {
            continue;
        }
        let mut bytes = std::fs::read(&path).expect("read");
        let middle = bytes.len() / 2;
        let end = (middle + 16).min(bytes.len());
        for b in &mut bytes[middle..end] {
            *b ^= 0xFF;
        }
        std::fs::write(&path, bytes).expect("write");
        damaged += 1;
    }
    damaged
}

/// The searches compared before and after: text, a facet-heavy empty query, a sort by fast field.
fn answers(c: &Catalogue) -> Result<Vec<Vec<String>>, CatalogueError> {
    answers_paged(c, 100)
}

/// [`answers`] with pages of `per_page` (another page size is another request, which the cache of recent
/// answers does not hold).
fn answers_paged(c: &Catalogue, per_page: usize) -> Result<Vec<Vec<String>>, CatalogueError> {
    let all = SearchRequest { per_page, ..SearchRequest::default() };
    let by_rate = SearchRequest { sort: crate::SortOrder::RateAsc, per_page, ..SearchRequest::default() };
    [SearchRequest { per_page, ..text("信用贷") }, SearchRequest { per_page, ..text("专利贷") }, all, by_rate]
        .iter()
        .map(|req| {
            c.search(req, crate::tests::today()).map(|r| {
                let mut out: Vec<String> = r.hits.iter().map(|h| h.product.spec.name.clone()).collect();
                out.push(format!("total {}", r.total));
                out.extend(r.facets.families.iter().map(|(f, n)| format!("{f:?} {n}")));
                out
            })
        })
        .collect()
}

/// Removes every file of the live generation whose name ends with `suffix`.
fn remove(root: &Path, suffix: &str) -> usize {
    let mut removed = 0;
    for entry in std::fs::read_dir(live_dir(root)).expect("list") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with(suffix) {
            std::fs::remove_file(path).expect("remove");
            removed += 1;
        }
    }
    removed
}

/// Damages the index in the directory; returns how many files it touched.
type Harm = fn(&Path) -> usize;

#[tokio::test]
async fn every_kind_of_damaged_file_is_found_at_open_and_rebuilt() {
    // Checksums find the first five; the field norms fail to open before they are summed; meta.json fails
    // to parse. A missing file has no checksum to fail: its segment's readers do not open. A `CURRENT`
    // naming no generation is damage too.
    let kinds: [(&str, Harm); 10] = [
        (".term", |d| damage(d, ".term")),
        (".store", |d| damage(d, ".store")),
        (".idx", |d| damage(d, ".idx")),
        (".pos", |d| damage(d, ".pos")),
        (".fast", |d| damage(d, ".fast")),
        (".fieldnorm", |d| damage(d, ".fieldnorm")),
        ("meta.json", |d| damage(d, "meta.json")),
        (".fast removed", |d| remove(d, ".fast")),
        (".store removed", |d| remove(d, ".store")),
        ("CURRENT", |d| std::fs::write(d.join("CURRENT"), "\u{0}garbage").map(|()| 1).expect("write")),
    ];
    for (suffix, harm) in kinds {
        let (db, _) = seeded().await;
        let (dir, catalogue) = index(&db).await;
        let before = answers(&catalogue).expect("search");
        let seq = catalogue.applied_seq();
        drop(catalogue);
        assert!(harm(dir.path()) > 0, "no {suffix} file to damage");

        let opened = Arc::new(Catalogue::open(dir.path()).expect("a damaged index still opens"));
        assert!(matches!(opened.opened(), Opened::Damaged(_)), "{suffix}: {:?}", opened.opened());
        assert!(!opened.needs_rebuild(), "{suffix}: a damaged index is rebuilt in the background, not before serving");
        assert_eq!(opened.health(), Health::Unusable, "{suffix}");
        assert!(matches!(opened.search(&text("信用贷"), crate::tests::today()), Err(CatalogueError::Unavailable)));
        assert!(matches!(opened.relevance("信用贷", 10), Err(CatalogueError::Unavailable)));

        assert_eq!(rebuild(&db.store, &opened, &|_, _| {}).await.expect("rebuild"), 4, "{suffix}");
        assert_eq!(opened.health(), Health::Ready);
        assert_eq!(opened.applied_seq(), seq, "{suffix}");
        assert_eq!(answers(&opened).expect("search"), before, "{suffix}: the rebuilt index answers as before");
    }
}

/// What a listener was told.
#[derive(Default)]
struct Told(Mutex<Vec<i64>>);

impl Listener for Told {
    fn replaced(&self, changed: &[i64], _listed: &[Product]) {
        self.0.lock().expect("told").extend_from_slice(changed);
    }
}

#[tokio::test]
async fn a_search_that_meets_damage_stops_serving_and_one_repair_brings_back_the_answers_with_later_changes() {
    let (db, bank) = seeded().await;
    let (dir, catalogue) = index(&db).await;
    let before = answers(&catalogue).expect("search");
    let told = Arc::new(Told::default());
    let listeners: Vec<Arc<dyn Listener>> = vec![Arc::clone(&told) as Arc<dyn Listener>];

    // The documents are damaged under the running index: the search that reads them marks it unusable. (The
    // searches made before would be answered from the cache of recent answers, rightly: they were computed
    // from the undamaged index, which is what reads would give. New ones read the files.)
    assert!(damage(dir.path(), ".store") > 0);
    assert!(matches!(answers_paged(&catalogue, 50), Err(CatalogueError::Unavailable)));
    assert_eq!(catalogue.health(), Health::Unusable);
    // A listener loaded now reads the database instead, and gets every published product all the same.
    let (products, from) = loaded(&db, &catalogue).await;
    assert_eq!(from, ReadFrom::Database);
    assert_eq!(products, listed_products(&db.store, &|_| {}).await.expect("database"));

    // A change made while it is unusable reaches the listeners at once.
    let added = spec("F", "滨海信用快贷", "credit", "新上架的纯信用贷款", &[]);
    db.store.save_product(bank, LifecycleState::Published, &added).await.expect("save");
    let added_id = db.store.product_id_by_code(bank, "F").await.expect("q").expect("id");
    catch_up(&db.store, &catalogue, &listeners).await.expect("catch up");
    assert_eq!(*told.0.lock().expect("told"), vec![added_id]);

    // Only one repair runs however many ask; a change made before it swaps in is in the rebuilt index.
    assert!(start_repair(&db.store, &catalogue, &listeners));
    assert!(!start_repair(&db.store, &catalogue, &listeners), "a second repair while one is under way");
    let renamed = spec("A", "科创信用贷", "credit", "面向科技型中小企业的纯信用贷款，新增绿色通道", &[]);
    db.store.save_product(bank, LifecycleState::Published, &renamed).await.expect("save");
    let renamed_id = db.store.product_id_by_code(bank, "A").await.expect("q").expect("id");
    let head = db.store.last_change_seq().await.expect("head");
    let mut waited = 0;
    while catalogue.health() != Health::Ready || catalogue.applied_seq() < head {
        assert!(waited < 500, "the repair did not finish: {catalogue:?}");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
        // The follower's part: apply what the log holds (after the swap, from the rebuild's position).
        catch_up(&db.store, &catalogue, &listeners).await.expect("catch up");
    }
    assert_eq!(names(&catalogue, &text("绿色通道")), vec!["科创信用贷"]);
    assert_eq!(names(&catalogue, &text("快贷")).first().map(String::as_str), Some("滨海信用快贷"));
    assert!(told.0.lock().expect("told").contains(&renamed_id), "the listeners missed no change");
    // 专利贷 finds none of the changed products: it answers exactly as before.
    assert_eq!(answers(&catalogue).expect("search")[1], before[1]);
}

#[tokio::test]
async fn a_listener_loaded_from_a_damaged_index_reads_the_database_and_the_index_stops_serving() {
    let (db, _bank) = seeded().await;
    let (dir, catalogue) = index(&db).await;
    assert!(damage(dir.path(), ".store") > 0);
    let (products, from) = loaded(&db, &catalogue).await;
    assert_eq!(from, ReadFrom::Database);
    assert_eq!(products, listed_products(&db.store, &|_| {}).await.expect("database"));
    assert_eq!(products.len(), 4);
    assert_eq!(catalogue.health(), Health::Unusable, "the read that met the damage marked the index unusable");
}
