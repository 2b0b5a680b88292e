//! A product's further families, on SQLite and PostgreSQL: stored as the set they are, read back, recorded
//! in versions, and migration 9, which gives every existing product none.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::tests::{bank, spec};
use crate::{AuditEvent, SaveOutcome, testing};
use finmart_domain::{LifecycleState, Principal, ProductFamily, Role};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

/// The stored text of `more_families` of product `id`.
async fn stored(db: &testing::TestDb, id: i64) -> String {
    let conn = db.store.connection();
    let sql = format!("SELECT more_families FROM product WHERE id = {id}");
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<String>("", "more_families").unwrap()
}

#[tokio::test]
async fn further_families_are_stored_as_a_set_and_read_back() {
    use ProductFamily as F;
    for db in testing::all().await {
        let (store, backend) = (&db.store, db.backend);
        let owner = store.create_institution(&bank()).await.unwrap().id;

        // Given out of order, twice, and with the main family (credit) among them: stored as the set.
        let mut tech = spec(&[("code", "KJ-1"), ("family", "credit"), ("more_families", "tech|首贷")]);
        tech.more_families = vec![F::Tech, F::Credit, F::FirstLoan, F::Tech];
        let id = store.save_product(owner, LifecycleState::Published, &tech).await.unwrap().product_id();
        assert_eq!(stored(&db, id).await, "first_loan|tech", "{backend}");
        let read = store.product(id).await.unwrap().unwrap();
        assert_eq!(read.spec.more_families, [F::FirstLoan, F::Tech], "{backend}");
        assert!(read.spec.is_in(F::Credit) && read.spec.is_in(F::Tech) && !read.spec.is_in(F::Mortgage));

        // The same set in another order changes nothing; another set is a change.
        let mut same = read.spec.clone();
        same.more_families = vec![F::Tech, F::FirstLoan];
        assert_eq!(
            store.save_product(owner, LifecycleState::Published, &same).await.unwrap(),
            SaveOutcome::Unchanged(id)
        );
        let mut fewer = same.clone();
        fewer.more_families = vec![F::BillDiscount];
        assert_eq!(
            store.save_product(owner, LifecycleState::Published, &fewer).await.unwrap(),
            SaveOutcome::Updated(id)
        );
        assert_eq!(store.product(id).await.unwrap().unwrap().spec.more_families, [F::BillDiscount], "{backend}");
        fewer.more_families.clear();
        store.save_product(owner, LifecycleState::Published, &fewer).await.unwrap();
        assert_eq!(stored(&db, id).await, "", "{backend}: none is the empty text");
        assert!(store.product(id).await.unwrap().unwrap().spec.more_families.is_empty());

        // A managed product's version records them in the import format, and they read back from it.
        let banker = Principal {
            account_id: 7,
            role: Role::Institution,
            display_name: "测试".into(),
            enterprise_id: None,
            institution_id: Some(owner),
            provider_id: None,
        };
        let event = AuditEvent::by(&banker, None, "product.create");
        let talent = spec(&[("code", "RC-1"), ("family", "talent"), ("more_families", "credit|startup_guarantee")]);
        let managed = store.create_managed_product(owner, &talent, &event).await.unwrap();
        let versions = store.product_versions(Some(owner), managed).await.unwrap();
        let record = &versions.last().unwrap().record;
        assert_eq!(record.value("more_families"), Some("credit|startup_guarantee"), "{backend}");
        assert!(
            versions.last().unwrap().changes.iter().any(|c| c.column == "more_families" && c.label_zh == "其他类别")
        );
        assert_eq!(record.validate().unwrap().spec, store.product(managed).await.unwrap().unwrap().spec);
    }
}

/// Migration 9 on a database written before it: the column is taken out again (with migration 9's row in
/// the migrations table), and the migration gives every existing product none.
#[tokio::test]
async fn migration_9_gives_existing_products_no_further_families() {
    for db in testing::all().await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let mut ids = Vec::new();
        for code in ["OLD-1", "OLD-2"] {
            let old = spec(&[("code", code)]);
            ids.push(store.save_product(owner, LifecycleState::Published, &old).await.unwrap().product_id());
        }
        let before = store.products(&ids).await.unwrap();

        conn.execute_unprepared("ALTER TABLE product DROP COLUMN more_families").await.unwrap();
        conn.execute_unprepared(
            "DELETE FROM seaql_migrations WHERE version = 'm20261203_000009_product_more_families'",
        )
        .await
        .unwrap();
        Migrator::up(conn, None).await.unwrap();

        assert_eq!(store.products(&ids).await.unwrap(), before, "{backend}");
        for id in &ids {
            assert_eq!(stored(&db, *id).await, "", "{backend}");
        }
        // The column takes further families as any other.
        let mut now = before[0].spec.clone();
        now.more_families = vec![ProductFamily::Tech];
        store.save_product(owner, LifecycleState::Published, &now).await.unwrap();
        assert_eq!(stored(&db, ids[0]).await, "tech", "{backend}");
        // NOT NULL: a row cannot leave it out as NULL (which would say nothing of what it means).
        let null = format!("UPDATE product SET more_families = NULL WHERE id = {}", ids[1]);
        assert!(conn.execute_unprepared(&null).await.is_err(), "{backend}");
    }
}

/// An application counts as a first loan (首贷) for a product of that family, main or further.
#[test]
fn a_first_loan_by_a_further_family_is_one() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut firm = finmart_synth::profiles(7, 1, today).next().unwrap().profile;
    firm.ever_borrowed = Some(true);
    let mut tech = spec(&[("family", "tech")]);
    assert!(!crate::applications::first_loan(&firm, &tech));
    tech.more_families = vec![ProductFamily::FirstLoan];
    assert!(crate::applications::first_loan(&firm, &tech));
    firm.ever_borrowed = Some(false);
    assert!(crate::applications::first_loan(&firm, &spec(&[])), "a firm that never borrowed");
}
