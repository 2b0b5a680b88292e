//! Migration 11 (districts as division codes) on a database written before it, on SQLite and PostgreSQL:
//! every product keeps its area (all sixteen districts become 天津市), and every district column of firms,
//! applications and their events holds the district's code.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::testing::{self, TestDb};
use crate::tests::{bank, spec};
use crate::{AuditEvent, NewApplication};
use chrono::NaiveDate;
use finmart_domain::{District, Fen, HomeArea, LifecycleState, LoanPurpose, Months, Principal, Role, ServiceArea};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

/// How many migrations come before the one under test.
fn before() -> u32 {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let at = names.iter().position(|n| n.ends_with("_000011_division_codes")).unwrap();
    u32::try_from(at).unwrap()
}

/// The one text column `s` of each row of `sql`.
async fn texts(db: &TestDb, sql: &str) -> Vec<String> {
    let conn = db.store.connection();
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect()
}

/// The first deployment's names of the codes the store writes now.
const OLD_NAMES: [(&str, &str); 4] =
    [("120101", "heping"), ("120104", "nankai"), ("120116", "binhai"), ("120119", "jizhou")];

#[tokio::test]
async fn migration_11_turns_district_names_into_codes_and_keeps_every_area() {
    let home = HomeArea::default();
    for db in testing::all_at_migration(before()).await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        // Today's store writes the columns of the migrations after 11: add them while it writes the old rows,
        // and drop them again before migration 11 runs on the tables as they were.
        for later in [
            testing::PRODUCT_SOURCE,
            testing::OPEN_APPLICATION,
            testing::LENDING_RECORD,
            testing::DOCUMENTS,
            testing::VERIFIED_RULES,
        ] {
            later.add(conn).await;
        }
        // A submission also marks an open invitation applied (migration 17's table): today's store needs the
        // table while it writes the old rows; it is dropped again before the migrations run.
        conn.execute_unprepared(
            "CREATE TABLE invitation (id BIGINT PRIMARY KEY, state VARCHAR NOT NULL, \
             decided_at TIMESTAMP WITH TIME ZONE NULL, application_id BIGINT NULL, open_for VARCHAR NULL)",
        )
        .await
        .unwrap();
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let saved = |code: &'static str, districts: &'static str| {
            let s = spec(&[("code", code), ("districts", districts)]);
            async move { store.save_product(owner, LifecycleState::Published, &s).await.unwrap().product_id() }
        };
        let citywide = saved("CITY", "all").await;
        let some = saved("SOME", "binhai|heping|nankai").await;
        let one = saved("ONE", "jizhou").await;

        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut firm = finmart_synth::profiles(7, 1, today).next().unwrap().profile;
        firm.district = District::parse("binhai", &home).unwrap();
        let enterprise = store.save_enterprise(&firm, true).await.unwrap().id;
        let sme = Principal {
            account_id: 100,
            role: Role::Sme,
            display_name: "测试".into(),
            enterprise_id: Some(enterprise),
            institution_id: None,
            provider_id: None,
        };
        let new = NewApplication {
            enterprise_id: enterprise,
            product_id: some,
            applicant_account_id: sme.account_id,
            idempotency_key: "k-1".into(),
            amount: Fen::wan(50),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: "采购原材料".into(),
            offer_id: None,
        };
        let application = store.submit_application(&new, &AuditEvent::by(&sme, None, "application.submit")).await;
        let application = application.unwrap().0.id;

        let products = store.products(&[citywide, some, one]).await.unwrap();
        assert_eq!(products[0].spec.area, ServiceArea::from_cell("全市", &home).unwrap());

        // The old form: machine names, and a whole-city product as its sixteen districts.
        conn.execute_unprepared(&format!("DELETE FROM product_district WHERE product_id = {citywide}")).await.unwrap();
        for d in home.districts() {
            let name = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan"]
                .into_iter()
                .chain(["beichen", "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"])
                .find(|n| District::parse(n, &home).unwrap() == d)
                .unwrap();
            conn.execute_unprepared(&format!(
                "INSERT INTO product_district (product_id, district) VALUES ({citywide}, '{name}')"
            ))
            .await
            .unwrap();
        }
        for table in ["product_district", "enterprise", "application", "application_event"] {
            for (code, name) in OLD_NAMES {
                conn.execute_unprepared(&format!("UPDATE {table} SET district = '{name}' WHERE district = '{code}'"))
                    .await
                    .unwrap();
            }
        }
        for table in ["enterprise", "application"] {
            let aged = conn
                .execute_unprepared(&format!(
                    "UPDATE {table} SET profile = REPLACE(profile, '\"district\":\"120116\"', '\"district\":\"binhai\"')"
                ))
                .await
                .unwrap();
            assert_eq!(aged.rows_affected(), 1, "{backend}: {table}'s profile JSON names the district");
        }
        let events = "SELECT district AS s FROM application_event WHERE district IS NOT NULL";
        assert!(!texts(&db, events).await.is_empty(), "{backend}: the application has events with the district");
        assert!(texts(&db, events).await.iter().all(|d| d == "binhai"), "{backend}");

        for later in [
            testing::PRODUCT_SOURCE,
            testing::OPEN_APPLICATION,
            testing::LENDING_RECORD,
            testing::DOCUMENTS,
            testing::VERIFIED_RULES,
        ] {
            later.drop(conn).await;
        }
        conn.execute_unprepared("DROP TABLE invitation").await.unwrap();
        Migrator::up(conn, None).await.unwrap();

        assert_eq!(store.products(&[citywide, some, one]).await.unwrap(), products, "{backend}");
        let db = &db;
        let rows = |id: i64| {
            let sql = format!("SELECT district AS s FROM product_district WHERE product_id = {id} ORDER BY district");
            async move { texts(db, &sql).await }
        };
        assert_eq!(rows(citywide).await, ["120000"], "{backend}: the whole city is one row");
        assert_eq!(rows(some).await, ["120101", "120104", "120116"], "{backend}");
        assert_eq!(rows(one).await, ["120119"], "{backend}");
        assert_eq!(texts(db, "SELECT district AS s FROM enterprise").await, ["120116"], "{backend}");
        assert_eq!(texts(db, "SELECT district AS s FROM application").await, ["120116"], "{backend}");
        assert!(texts(db, events).await.iter().all(|d| d == "120116"), "{backend}");
        // The JSON kept as written (the profile says `binhai`) reads as the same district.
        let stored = store.enterprise(enterprise).await.unwrap().unwrap();
        assert_eq!(stored.profile.district.code(), "120116", "{backend}");
        let read = store.application(application).await.unwrap().unwrap();
        assert_eq!((read.district.code(), read.profile.district.code()), ("120116".to_owned(), "120116".to_owned()));
    }
}
