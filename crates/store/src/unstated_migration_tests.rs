//! Migration 8 (未说明 product facts) on a database written before it, on SQLite and PostgreSQL: every
//! product, version and review keeps its meaning, and the rebuilt table keeps its schema, sequence and
//! foreign keys.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use crate::entity::{product_review, product_version};
use crate::testing::{self, TestDb};
use crate::tests::{agency, bank, spec};
use crate::{AuditEvent, NewApplication};
use chrono::NaiveDate;
use finmart_domain::{
    Collateral, CollateralTerms, Fen, LifecycleState, LoanPurpose, Months, Principal, ProductRecord, ProductSpec, Role,
};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Set, Statement};

/// The migrations before the one under test.
const BEFORE: u32 = 7;

/// The columns migration 8 makes nullable.
const RELAXED: [&str; 12] = [
    "amount_min_fen",
    "amount_max_fen",
    "term_min_months",
    "term_max_months",
    "rate_min_bps",
    "rate_max_bps",
    "rate_basis",
    "repayment_methods",
    "collateral",
    "decision_days",
    "online",
    "valid_from",
];

/// The columns the migrations after 8 add to `product`, with their definitions. Today's store reads and
/// writes them, so the test adds them to the schema-7 database while the store writes and reads its old rows,
/// and drops them again before migration 8 runs on the table as it was.
const LATER_PRODUCT_COLUMNS: [(&str, &str); 3] =
    [("more_families", "VARCHAR NOT NULL DEFAULT ''"), ("source_url", "VARCHAR NULL"), ("source_read_on", "DATE NULL")];

async fn later_product_columns(db: &TestDb, add: bool) {
    for (column, definition) in LATER_PRODUCT_COLUMNS {
        let sql = if add {
            format!("ALTER TABLE product ADD COLUMN {column} {definition}")
        } else {
            format!("ALTER TABLE product DROP COLUMN {column}")
        };
        db.store.connection().execute_unprepared(&sql).await.unwrap();
    }
}

/// The one text column `s` of each row of `sql`.
async fn texts(db: &TestDb, sql: &str) -> Vec<String> {
    let conn = db.store.connection();
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect()
}

/// What the schema says about `product` and the tables that refer to it: its definition, indexes and
/// triggers, every foreign key that points at it or from it, and its id sequence.
async fn schema(db: &TestDb) -> Vec<Vec<String>> {
    match db.store.connection().get_database_backend() {
        DbBackend::Sqlite => vec![
            texts(db, "SELECT sql AS s FROM sqlite_master WHERE name = 'product'").await,
            texts(
                db,
                "SELECT type || ' ' || name || ': ' || sql AS s FROM sqlite_master \
                 WHERE tbl_name = 'product' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name",
            )
            .await,
            texts(
                db,
                "SELECT m.name || '.' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || ' ON DELETE ' \
                 || f.on_delete || ' ON UPDATE ' || f.on_update AS s \
                 FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' \
                 ORDER BY m.name, f.id, f.seq",
            )
            .await,
            texts(db, "SELECT CAST(seq AS TEXT) AS s FROM sqlite_sequence WHERE name = 'product'").await,
        ],
        _ => vec![
            texts(
                db,
                "SELECT column_name || ' ' || data_type || ' nullable=' || is_nullable || ' default=' \
                 || COALESCE(column_default, '-') AS s FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'product' ORDER BY ordinal_position",
            )
            .await,
            texts(
                db,
                "SELECT indexname || ': ' || indexdef AS s FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename = 'product' ORDER BY indexname",
            )
            .await,
            texts(
                db,
                "SELECT conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) AS s \
                 FROM pg_constraint WHERE conrelid = 'product'::regclass OR confrelid = 'product'::regclass \
                 ORDER BY 1",
            )
            .await,
            texts(db, "SELECT tgname::text AS s FROM pg_trigger WHERE tgrelid = 'product'::regclass AND NOT tgisinternal ORDER BY 1").await,
        ],
    }
}

/// The schema as migration 8 should leave it: the same, with the relaxed columns nullable.
fn relaxed(before: &[Vec<String>], backend: DbBackend) -> Vec<Vec<String>> {
    let mut after = before.to_vec();
    match backend {
        DbBackend::Sqlite => {
            let sql = &mut after[0][0];
            for column in RELAXED {
                let start = sql.find(&format!("\"{column}\" ")).unwrap();
                let end = start + sql[start..].find(',').unwrap();
                let definition = sql[start..end].replace(" NOT NULL", " NULL");
                sql.replace_range(start..end, &definition);
            }
        }
        _ => {
            for line in &mut after[0] {
                if RELAXED.iter().any(|c| line.starts_with(&format!("{c} "))) {
                    *line = line.replace("nullable=NO", "nullable=YES");
                }
            }
        }
    }
    after
}

/// A record as the store wrote it before migration 8: `collateral` left out for 纯信用 (an empty cell);
/// with `defaults`, also `online` (false) and `rate_basis` (fixed) left out, as an import file could.
fn aged(text: &str, defaults: bool) -> String {
    let mut record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).unwrap();
    let mut drop_if = |column: &str, meant: &str| {
        if record.get(column).and_then(|v| v.as_str()) == Some(meant) {
            record.remove(column);
        }
    };
    drop_if("collateral", "none");
    if defaults {
        drop_if("online", "false");
        drop_if("rate_basis", "fixed");
    }
    serde_json::Value::Object(record).to_string()
}

fn spec_of(record: &str) -> ProductSpec {
    let value: serde_json::Value = serde_json::from_str(record).unwrap();
    ProductRecord::from_json(value.as_object().unwrap()).unwrap().validate().unwrap().spec
}

/// Every version's and review's record, by id, as specs.
async fn record_specs(db: &TestDb) -> (Vec<(i64, ProductSpec)>, Vec<(i64, ProductSpec)>) {
    let conn = db.store.connection();
    let versions = product_version::Entity::find().order_by_asc(product_version::Column::Id).all(conn).await.unwrap();
    let reviews = product_review::Entity::find().order_by_asc(product_review::Column::Id).all(conn).await.unwrap();
    (
        versions.iter().map(|v| (v.id, spec_of(&v.record))).collect(),
        reviews.iter().map(|r| (r.id, spec_of(&r.record))).collect(),
    )
}

#[tokio::test]
async fn migration_8_keeps_what_every_product_meant() {
    for db in testing::all_at_migration(BEFORE).await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        later_product_columns(&db, true).await;
        let owner = store.create_institution(&bank()).await.unwrap().id;
        store.create_institution(&agency()).await.unwrap();
        let principal = |account_id, role, institution_id| Principal {
            account_id,
            role,
            display_name: "测试".into(),
            enterprise_id: None,
            institution_id,
        };
        let banker = principal(7, Role::Institution, Some(owner));
        let by = |action| AuditEvent::by(&banker, None, action);
        let operator = principal(1, Role::Operator, None);

        // Products as the store wrote them before: every fact stated. 纯信用 at a fixed rate, sold offline,
        // published through a review and applied for…
        let credit = spec(&[
            ("code", "OLD-1"),
            ("collateral", "none"),
            ("rate_basis", "fixed"),
            ("lpr_spread_bps", ""),
            ("online", "false"),
        ]);
        let p1 = store.create_managed_product(owner, &credit, &by("product.create")).await.unwrap();
        let review = store.submit_managed_product(owner, p1, &by("product.submit")).await.unwrap();
        store.approve_review(review, &AuditEvent::by(&operator, None, "product.approve")).await.unwrap();
        // …any one of two kinds of collateral at the LPR, waiting for review…
        let secured = spec(&[
            ("code", "OLD-2"),
            ("collateral", "real_estate|receivables"),
            ("lpr_spread_bps", "0"),
            ("guarantee_agency_code", "test-guarantee"),
            ("guarantee_fee_pct", "1"),
        ]);
        let p2 = store.create_managed_product(owner, &secured, &by("product.create")).await.unwrap();
        store.submit_managed_product(owner, p2, &by("product.submit")).await.unwrap();
        // …one nothing refers to but its districts, and one deleted (its id is not to be used again).
        let plain = spec(&[("code", "OLD-3"), ("collateral", "equipment")]);
        let p3 = store.save_product(owner, LifecycleState::Published, &plain).await.unwrap().product_id();
        let gone = spec(&[("code", "OLD-4"), ("collateral", "none")]);
        let p4 = store.save_product(owner, LifecycleState::Draft, &gone).await.unwrap().product_id();
        store.delete_product(p4).await.unwrap();

        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let firm = finmart_synth::profiles(7, 1, today).next().unwrap().profile;
        let enterprise = store.save_enterprise(&firm, true).await.unwrap().id;
        let sme = Principal { enterprise_id: Some(enterprise), ..principal(100, Role::Sme, None) };
        let new = NewApplication {
            enterprise_id: enterprise,
            product_id: p1,
            applicant_account_id: sme.account_id,
            idempotency_key: "k-1".into(),
            amount: Fen::wan(50),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: "采购原材料".into(),
            offer_id: None,
        };
        let application = store.submit_application(&new, &AuditEvent::by(&sme, None, "application.submit")).await;
        let application = application.unwrap().0;

        // What they mean, as read now, before the rows are put in the old form.
        let products = store.products(&[p1, p2, p3]).await.unwrap();
        let (versions, reviews) = record_specs(&db).await;
        assert_eq!((versions.len(), reviews.len()), (5, 2), "{backend}");

        // The old form: the table as migration 7 left it, an empty collateral for 纯信用, a NULL spread read as
        // 0, records without the columns whose absence meant 纯信用, offline and a fixed rate.
        later_product_columns(&db, false).await;
        conn.execute_unprepared("UPDATE product SET collateral = '' WHERE collateral = 'none'").await.unwrap();
        conn.execute_unprepared(&format!("UPDATE product SET lpr_spread_bps = NULL WHERE id = {p2}")).await.unwrap();
        for row in product_version::Entity::find().all(conn).await.unwrap() {
            let record = aged(&row.record, row.product_id == p1);
            product_version::ActiveModel { record: Set(record), ..row.into() }.update(conn).await.unwrap();
        }
        for row in product_review::Entity::find().all(conn).await.unwrap() {
            let record = aged(&row.record, row.product_id == p1);
            product_review::ActiveModel { record: Set(record), ..row.into() }.update(conn).await.unwrap();
        }
        // Read by today's rules, those records would say 未说明: the migration has work to do.
        let (old_versions, _) = record_specs(&db).await;
        let (_, first) = old_versions.iter().find(|(id, _)| *id == versions[0].0).unwrap();
        assert_eq!((&first.collateral, first.online, first.rate_basis), (&CollateralTerms::NotStated, None, None));
        let schema_before = schema(&db).await;

        Migrator::up(conn, Some(1)).await.unwrap();

        // The table is the same but for the relaxed columns, with its indexes, foreign keys and sequence.
        let backend_kind = conn.get_database_backend();
        assert_eq!(schema(&db).await, relaxed(&schema_before, backend_kind), "{backend}");
        if backend_kind == DbBackend::Sqlite {
            assert!(texts(&db, "SELECT \"table\" AS s FROM pragma_foreign_key_check").await.is_empty());
        }
        // The later migrations, whose columns today's store reads.
        Migrator::up(conn, None).await.unwrap();

        // Every product reads back as it was, 纯信用 and "any one of" included, every fact stated.
        assert_eq!(store.products(&[p1, p2, p3]).await.unwrap(), products, "{backend}");
        assert_eq!(products[0].spec.collateral, CollateralTerms::NoneRequired);
        let any = vec![Collateral::RealEstate, Collateral::Receivables];
        assert_eq!(products[1].spec.collateral, CollateralTerms::AnyOf { unsecured: false, kinds: any });
        for p in &products {
            let s = &p.spec;
            assert!(s.amount.range().is_some() && s.term.range().is_some() && s.rate.range().is_some(), "{s:?}");
            assert!(s.rate_basis.is_some() && s.repayment_methods.is_some() && s.decision_days.is_some(), "{s:?}");
            assert!(s.online.is_some() && s.valid_from.is_some(), "{s:?}");
        }
        assert_eq!(products[1].spec.rate_basis, secured.rate_basis, "a NULL spread was read as 0");
        // The versions' and reviews' records read back as the same specs.
        assert_eq!(record_specs(&db).await, (versions, reviews), "{backend}");

        // Ids are not used again.
        let next = spec(&[("code", "NEW-1")]);
        let p5 = store.save_product(owner, LifecycleState::Draft, &next).await.unwrap().product_id();
        assert!(p5 > p4, "{backend}: new id {p5} after deleted {p4}");

        // The application still points at its product; a referenced product still cannot be deleted, and
        // deleting one nothing refers to still takes its districts with it.
        let read = store.application(application.id).await.unwrap().unwrap();
        assert_eq!((read.product_id, read.product_name.as_str()), (p1, "科创信用贷"), "{backend}");
        for referenced in [p1, p2] {
            let refused = conn.execute_unprepared(&format!("DELETE FROM product WHERE id = {referenced}")).await;
            assert!(refused.is_err(), "{backend}: product {referenced} deleted");
        }
        let districts = format!("SELECT CAST(COUNT(*) AS TEXT) AS s FROM product_district WHERE product_id = {p3}");
        assert_eq!(texts(&db, &districts).await, ["3"], "{backend}");
        conn.execute_unprepared(&format!("DELETE FROM product WHERE id = {p3}")).await.unwrap();
        assert_eq!(texts(&db, &districts).await, ["0"], "{backend}");
        let orphan =
            conn.execute_unprepared("INSERT INTO product_district (product_id, district) VALUES (999999, 'binhai')");
        assert!(orphan.await.is_err(), "{backend}: a district of no product");
        assert_eq!(store.products(&[p1, p2]).await.unwrap(), products[..2], "{backend}");
    }
}
