//! Migration 13 (one open application per firm and product) on a database written before it, on SQLite and
//! PostgreSQL: the newest open application of each pair takes the key, older open duplicates and closed ones
//! stay NULL and are otherwise untouched, and from then on the database refuses a second open one.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::testing::{self, TestDb};
use crate::tests::{bank, spec};
use crate::{AuditEvent, StoreError};
use chrono::{NaiveDate, TimeDelta};
use finmart_domain::{ApplicationAction, Fen, Labelled, LifecycleState, LoanPurpose, Months, Principal, Role, Side};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

/// The migrations before the one under test.
const BEFORE: u32 = 12;

/// Each application's id, state, `updated_at` and key, in id order.
async fn rows(db: &TestDb, with_key: bool) -> Vec<String> {
    let conn = db.store.connection();
    let key = if with_key { " || ' ' || COALESCE(open_for, '-')" } else { "" };
    let sql = format!(
        "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || CAST(updated_at AS TEXT){key} AS s \
         FROM application ORDER BY id"
    );
    let found = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    found.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect()
}

/// An application row in the columns of migration 12, submitted `minutes` after the fixtures' moment.
async fn application(db: &TestDb, firm: (i64, &str), product: i64, institution: i64, state: &str, minutes: i64) -> i64 {
    let (enterprise, profile) = firm;
    let at = crate::legacy_fixtures::written_at() + TimeDelta::minutes(minutes);
    let at = sea_orm::Value::ChronoDateTimeUtc(Some(at));
    crate::legacy_fixtures::insert(
        db,
        "application",
        vec![
            ("enterprise_id", enterprise.into()),
            ("product_id", product.into()),
            ("institution_id", institution.into()),
            ("applicant_account_id", (100 + enterprise).into()),
            ("idempotency_key", format!("old-{enterprise}-{product}-{minutes}").into()),
            ("amount_fen", Fen::wan(50).fen().into()),
            ("term_months", 12_i32.into()),
            ("purpose", LoanPurpose::WorkingCapital.as_str().into()),
            ("purpose_text", "".into()),
            ("profile", profile.into()),
            ("district", "120116".into()),
            ("industry", "software".into()),
            ("family", "credit".into()),
            ("qualifications", "".into()),
            ("first_loan", false.into()),
            ("credit_loan", true.into()),
            ("state", state.into()),
            ("submitted_at", at.clone()),
            ("respond_by", at.clone()),
            ("updated_at", at),
        ],
    )
    .await
}

#[tokio::test]
async fn migration_13_keys_the_newest_open_application_of_each_pair_and_leaves_the_rest() {
    for db in testing::all_at_migration(BEFORE).await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        // Today's store writes migration 20's and 24's product columns: added while it writes, dropped before 13 runs.
        testing::DOCUMENTS.add(conn).await;
        testing::VERIFIED_RULES.add(conn).await;
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let p1 = store.save_product(owner, LifecycleState::Published, &spec(&[("code", "M13-1")])).await.unwrap();
        let p2 = store.save_product(owner, LifecycleState::Published, &spec(&[("code", "M13-2")])).await.unwrap();
        let (p1, p2) = (p1.product_id(), p2.product_id());
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut firms = finmart_synth::profiles(13, 2, today).map(|p| p.profile);
        let (f1, f2) = (firms.next().unwrap(), firms.next().unwrap());
        let e1 = store.save_enterprise(&f1, true).await.unwrap().id;
        let e2 = store.save_enterprise(&f2, true).await.unwrap().id;
        let (j1, j2) = (serde_json::to_string(&f1).unwrap(), serde_json::to_string(&f2).unwrap());
        let (a, b) = ((e1, j1.as_str()), (e2, j2.as_str()));

        // Firm 1 and product 1: three open duplicates (the newest by submission is not the highest id) and a
        // rejection after them; firm 2 and product 1: a loan paid out; firm 1 and product 2: one open.
        let older = application(&db, a, p1, owner, "submitted", 0).await;
        let newest = application(&db, a, p1, owner, "accepted", 30).await;
        let middle = application(&db, a, p1, owner, "approved", 10).await;
        let rejected = application(&db, a, p1, owner, "rejected", 60).await;
        let paid = application(&db, b, p1, owner, "disbursed", 5).await;
        let single = application(&db, a, p2, owner, "submitted", 5).await;
        let before = rows(&db, false).await;
        testing::DOCUMENTS.drop(conn).await;
        testing::VERIFIED_RULES.drop(conn).await;

        Migrator::up(conn, Some(1)).await.unwrap();

        // Nothing but the key changed.
        assert_eq!(rows(&db, false).await, before, "{backend}");
        let key = |id: i64| async move {
            let sql = format!("SELECT COALESCE(open_for, '-') AS s FROM application WHERE id = {id}");
            let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
            row.unwrap().try_get::<String>("", "s").unwrap()
        };
        assert_eq!(key(newest).await, format!("{e1}:{p1}"), "{backend}: the newest open one");
        for id in [older, middle, rejected, paid] {
            assert_eq!(key(id).await, "-", "{backend}: {id} stays NULL");
        }
        assert_eq!(key(single).await, format!("{e1}:{p2}"));

        // The database refuses a second open application of a pair, whoever writes it.
        let twin = format!("UPDATE application SET open_for = '{e1}:{p1}' WHERE id = {middle}");
        assert!(conn.execute_unprepared(&twin).await.is_err(), "{backend}: a second key for one pair");

        // Through every later migration, the store names the newest as the one to go to; once it is closed
        // the firm may apply again, and the older duplicates stay as they were (for the record check).
        Migrator::up(conn, None).await.unwrap();
        let sme = Principal {
            account_id: 100 + e1,
            role: Role::Sme,
            display_name: "企业用户".into(),
            enterprise_id: Some(e1),
            institution_id: None,
            provider_id: None,
        };
        let event = AuditEvent::by(&sme, None, "application.submit");
        let request = crate::NewApplication {
            enterprise_id: e1,
            product_id: p1,
            applicant_account_id: 100 + e1,
            idempotency_key: "after-13".into(),
            amount: Fen::wan(50),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: String::new(),
            offer_id: None,
        };
        let refused = store.submit_application(&request, &event).await;
        assert!(
            matches!(refused, Err(StoreError::DuplicateApplication { existing }) if existing == newest),
            "{refused:?}"
        );
        let banker = Principal {
            account_id: 1,
            role: Role::Institution,
            display_name: "银行".into(),
            enterprise_id: None,
            institution_id: Some(owner),
            provider_id: None,
        };
        let reject = ApplicationAction::Reject { reason: "额度已满".into() };
        store
            .transition_application(newest, &reject, Side::Institution, owner, &AuditEvent::by(&banker, None, "x"))
            .await
            .unwrap();
        assert_eq!(key(newest).await, "-", "{backend}: a closed application frees the pair");
        let (again, created) = store.submit_application(&request, &event).await.unwrap();
        assert!(created && again.id > rejected);
        assert_eq!(key(again.id).await, format!("{e1}:{p1}"));
        assert_eq!((key(older).await, key(middle).await), ("-".to_owned(), "-".to_owned()));
    }
}
