//! Migration 8 (未说明 product facts) on a database written before it, on SQLite and PostgreSQL: every
//! product, version and review keeps its meaning, and the rebuilt table keeps its schema, sequence and
//! foreign keys. The rows are written in the form of their day ([`legacy_fixtures`]), migration 8 alone is
//! checked against the schema, and the products are then read through every later migration.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use crate::entity::{product_review, product_version};
use crate::legacy_fixtures;
use crate::testing::{self, TestDb};
use crate::tests::{agency, bank, cells, spec};
use chrono::NaiveDate;
use finmart_domain::{
    Collateral, CollateralTerms, Fen, Labelled, LifecycleState, LoanPurpose, ProductRecord, ProductSpec,
};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Statement};

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
fn aged(cells: &[(&'static str, &'static str)], defaults: bool) -> String {
    let kept: Vec<(&str, &str)> = cells
        .iter()
        .copied()
        .filter(|(k, v)| {
            !((*k == "collateral" && *v == "none")
                || (defaults && ((*k == "online" && *v == "false") || (*k == "rate_basis" && *v == "fixed"))))
        })
        .collect();
    legacy_fixtures::record(&kept)
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

/// An LPR row's cells as migration 10 restates them: the annual range of the day (at the seeded LPR of
/// 3.00 %) becomes the spread range.
fn lpr_restated<'a>(cells: &[(&'a str, &'a str)], min: &'a str, max: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = cells
        .iter()
        .copied()
        .filter(|(k, _)| !matches!(*k, "rate_min_pct" | "rate_max_pct" | "lpr_spread_bps"))
        .collect();
    out.push(("lpr_spread_min_bps", min));
    out.push(("lpr_spread_max_bps", max));
    out
}

fn read(cells: &[(&str, &str)]) -> ProductSpec {
    ProductRecord::from_pairs(cells.iter().copied()).validate().unwrap().spec
}

#[tokio::test]
async fn migration_8_keeps_what_every_product_meant() {
    for db in testing::all_at_migration(BEFORE).await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let guarantor = store.create_institution(&agency()).await.unwrap().id;

        // Products in the form of before, every fact stated. 纯信用 (an empty collateral) at a fixed rate,
        // sold offline, published after a review and applied for…
        let credit = cells(&[
            ("code", "OLD-1"),
            ("collateral", "none"),
            ("rate_basis", "fixed"),
            ("lpr_spread_bps", ""),
            ("online", "false"),
        ]);
        let stored = |c: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
            c.iter().map(|&(k, v)| if k == "collateral" && v == "none" { (k, "") } else { (k, v) }).collect()
        };
        let p1 = legacy_fixtures::insert_product(&db, owner, None, "published", &stored(&credit)).await;
        legacy_fixtures::insert_version(&db, p1, 1, "draft", aged(&credit, true)).await;
        legacy_fixtures::insert_version(&db, p1, 2, "published", aged(&credit, true)).await;
        legacy_fixtures::insert_review(&db, p1, aged(&credit, true)).await;
        // …any one of two kinds of collateral at the LPR, a NULL spread (read as 0), waiting for review…
        let secured = cells(&[
            ("code", "OLD-2"),
            ("collateral", "real_estate|receivables"),
            ("lpr_spread_bps", "0"),
            ("guarantee_agency_code", "test-guarantee"),
            ("guarantee_fee_pct", "1"),
        ]);
        let without_spread: Vec<_> = secured.iter().copied().filter(|(k, _)| *k != "lpr_spread_bps").collect();
        let p2 = legacy_fixtures::insert_product(&db, owner, Some(guarantor), "in_review", &without_spread).await;
        legacy_fixtures::insert_version(&db, p2, 1, "draft", aged(&secured, false)).await;
        legacy_fixtures::insert_review(&db, p2, aged(&secured, false)).await;
        // …one nothing refers to but its districts, and one deleted (its id is not to be used again).
        let plain = cells(&[("code", "OLD-3"), ("collateral", "equipment")]);
        let p3 = legacy_fixtures::insert_product(&db, owner, None, "published", &plain).await;
        let gone = cells(&[("code", "OLD-4"), ("collateral", "none")]);
        let p4 = legacy_fixtures::insert_product(&db, owner, None, "draft", &stored(&gone)).await;
        conn.execute_unprepared(&format!("DELETE FROM product_district WHERE product_id = {p4}")).await.unwrap();
        conn.execute_unprepared(&format!("DELETE FROM product WHERE id = {p4}")).await.unwrap();

        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut firm = finmart_synth::profiles(7, 1, today).next().unwrap().profile;
        // Written as the first deployment wrote districts (migration 11 turns them into codes later).
        firm.district = finmart_domain::District::parse("binhai", &finmart_domain::HomeArea::default()).unwrap();
        let enterprise = store.save_enterprise(&firm, true).await.unwrap().id;
        let at = sea_orm::Value::ChronoDateTimeUtc(Some(legacy_fixtures::written_at()));
        let application = legacy_fixtures::insert(
            &db,
            "application",
            vec![
                ("enterprise_id", enterprise.into()),
                ("product_id", p1.into()),
                ("institution_id", owner.into()),
                ("applicant_account_id", 100_i64.into()),
                ("idempotency_key", "k-1".into()),
                ("amount_fen", Fen::wan(50).fen().into()),
                ("term_months", 12_i32.into()),
                ("purpose", LoanPurpose::WorkingCapital.as_str().into()),
                ("purpose_text", "采购原材料".into()),
                ("profile", serde_json::to_string(&firm).unwrap().into()),
                ("district", "binhai".into()),
                ("industry", firm.industry.as_str().into()),
                ("family", "credit".into()),
                ("qualifications", "".into()),
                ("first_loan", false.into()),
                ("credit_loan", true.into()),
                ("state", "submitted".into()),
                ("submitted_at", at.clone()),
                ("respond_by", at.clone()),
                ("updated_at", at),
            ],
        )
        .await;
        let schema_before = schema(&db).await;

        Migrator::up(conn, Some(1)).await.unwrap();

        // The table is the same but for the relaxed columns, with its indexes, foreign keys and sequence; the
        // empty collateral is now `none` and the NULL spread 0.
        let backend_kind = conn.get_database_backend();
        assert_eq!(schema(&db).await, relaxed(&schema_before, backend_kind), "{backend}");
        if backend_kind == DbBackend::Sqlite {
            assert!(texts(&db, "SELECT \"table\" AS s FROM pragma_foreign_key_check").await.is_empty());
        }
        let facts = texts(&db, "SELECT code || ' ' || collateral || ' ' || COALESCE(CAST(lpr_spread_bps AS TEXT), '-') AS s FROM product ORDER BY id").await;
        assert_eq!(facts, ["OLD-1 none -", "OLD-2 real_estate|receivables 0", "OLD-3 equipment -5"], "{backend}");

        // Through every later migration, each product reads back as it meant, 纯信用 and "any one of"
        // included, every fact stated (the LPR rows' ranges become spreads over the seeded LPR: migration 10).
        Migrator::up(conn, None).await.unwrap();
        let expected =
            [read(&credit), read(&lpr_restated(&secured, "45", "220")), read(&lpr_restated(&plain, "45", "220"))];
        let products = store.products(&[p1, p2, p3]).await.unwrap();
        let specs: Vec<ProductSpec> = products.iter().map(|p| p.spec.clone()).collect();
        assert_eq!(specs, expected, "{backend}");
        assert_eq!(products[0].spec.collateral, CollateralTerms::NoneRequired);
        let any = vec![Collateral::RealEstate, Collateral::Receivables];
        assert_eq!(products[1].spec.collateral, CollateralTerms::AnyOf { unsecured: false, kinds: any });
        for p in &products {
            let s = &p.spec;
            assert!(
                s.amount.range().is_some() && s.term.range().is_some() && p.annual_rate().range().is_some(),
                "{s:?}"
            );
            assert!(s.repayment_methods.is_some() && s.decision_days.is_some(), "{s:?}");
            assert!(s.online.is_some() && s.valid_from.is_some(), "{s:?}");
        }
        // The versions' and reviews' records read back as their products.
        let (versions, reviews) = record_specs(&db).await;
        let of = |id: i64| &expected[[p1, p2, p3].iter().position(|p| *p == id).unwrap()];
        let version_products: Vec<i64> = product_version::Entity::find()
            .order_by_asc(product_version::Column::Id)
            .all(conn)
            .await
            .unwrap()
            .iter()
            .map(|v| v.product_id)
            .collect();
        assert_eq!(versions.len(), 3);
        for ((_, spec), product) in versions.iter().zip(version_products) {
            assert_eq!(spec, of(product), "{backend}");
        }
        assert_eq!((&reviews[0].1, &reviews[1].1), (of(p1), of(p2)), "{backend}");

        // Ids are not used again.
        let next = spec(&[("code", "NEW-1")]);
        let p5 = store.save_product(owner, LifecycleState::Draft, &next).await.unwrap().product_id();
        assert!(p5 > p4, "{backend}: new id {p5} after deleted {p4}");

        // The application still points at its product; a referenced product still cannot be deleted, and
        // deleting one nothing refers to still takes its districts with it.
        let read_back = store.application(application).await.unwrap().unwrap();
        assert_eq!((read_back.product_id, read_back.product_name.as_str()), (p1, "科创信用贷"), "{backend}");
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
        let still: Vec<ProductSpec> = store.products(&[p1, p2]).await.unwrap().into_iter().map(|p| p.spec).collect();
        assert_eq!(still, expected[..2], "{backend}");
    }
}
