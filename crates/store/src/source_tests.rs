//! A copied product's source page and reading day, on SQLite and PostgreSQL: stored, read back, changed and
//! cleared; and migration 12, which gives every existing product none.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::tests::{bank, spec};
use crate::{SaveOutcome, testing};
use finmart_domain::LifecycleState;
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn a_source_is_stored_read_back_and_changed() {
    for db in testing::all().await {
        let (store, backend) = (&db.store, db.backend);
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let copied = spec(&[
            ("code", "REAL-1"),
            ("source_url", "http://www.example.com/p/科技贷.html?id=7"),
            ("source_read_on", "2026-12-03"),
        ]);
        let id = store.save_product(owner, LifecycleState::Published, &copied).await.unwrap().product_id();
        let read = store.product(id).await.unwrap().unwrap();
        assert_eq!(read.spec, copied, "{backend}");
        assert_eq!(read.spec.source.as_ref().unwrap().read_on.to_string(), "2026-12-03");

        let mut reread = copied.clone();
        reread.source.as_mut().unwrap().read_on = "2026-12-04".parse().unwrap();
        assert_eq!(
            store.save_product(owner, LifecycleState::Published, &reread).await.unwrap(),
            SaveOutcome::Updated(id),
            "{backend}: a new reading day is a change"
        );
        let mut listed = reread.clone();
        listed.source = None;
        store.save_product(owner, LifecycleState::Published, &listed).await.unwrap();
        assert_eq!(store.product(id).await.unwrap().unwrap().spec.source, None, "{backend}");
    }
}

/// Products saved, then the columns dropped and migration 12 forgotten as if it had never run: running it
/// again gives every product no source, and the columns take one as any product's.
#[tokio::test]
async fn migration_12_gives_existing_products_no_source() {
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
        for column in ["source_url", "source_read_on"] {
            conn.execute_unprepared(&format!("ALTER TABLE product DROP COLUMN {column}")).await.unwrap();
        }
        conn.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm20261203_000012_product_source'")
            .await
            .unwrap();
        Migrator::up(conn, None).await.unwrap();

        assert_eq!(store.products(&ids).await.unwrap(), before, "{backend}");
        assert!(before.iter().all(|p| p.spec.source.is_none()));
        let mut copied = before[0].spec.clone();
        copied.source = spec(&[("source_url", "https://example.com/a"), ("source_read_on", "2026-12-03")]).source;
        store.save_product(owner, LifecycleState::Published, &copied).await.unwrap();
        assert_eq!(store.product(ids[0]).await.unwrap().unwrap().spec, copied, "{backend}");
    }
}
