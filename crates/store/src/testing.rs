//! Fresh databases for tests: a new SQLite file, and a new PostgreSQL database on the server named by
//! `FINMART_TEST_DATABASE_URL` (started by `scripts/services.sh`).
//!
//! Without that variable the PostgreSQL half is skipped with a note on stderr — except under `CI=true`,
//! where a missing PostgreSQL is a failure, so CI can never pass on SQLite alone.

// Test support: a database that cannot be created is a failed test, so panicking is the right report.
#![allow(clippy::expect_used)]

use crate::Store;
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use std::sync::atomic::{AtomicU32, Ordering};

/// A store on a fresh database, and what keeps that database alive: the SQLite file's temporary directory,
/// or the PostgreSQL database, which is dropped with this value.
#[derive(Debug)]
pub struct TestDb {
    pub backend: &'static str,
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    _postgres: Option<DroppedDatabase>,
}

/// A test database on the PostgreSQL server, dropped when this value is.
///
/// Without this every test run left its databases behind (about 15 MB each, a hundred and more a run), and a
/// CI machine with a small disk filled up before the browser tests ran.
#[derive(Debug)]
struct DroppedDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DroppedDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its own runtime
        // does the work. WITH (FORCE) ends the connections the store's pool (and a test server's) still holds.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let outcome = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = Database::connect(admin_url.as_str()).await.map_err(|e| e.to_string())?;
                admin.execute_unprepared(&sql).await.map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            // Not a panic: this may run while a failed test unwinds, and the failure is the report that matters.
            Ok(Err(error)) => eprintln!("note: could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!("note: dropping test database {} panicked", self.name),
        }
    }
}

/// The PostgreSQL server for tests, if configured.
///
/// # Panics
/// Under `CI=true` when it is not configured.
#[must_use]
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("FINMART_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but FINMART_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI (scripts/services.sh)"
            )
        }
        _ => {
            eprintln!("note: FINMART_TEST_DATABASE_URL not set, skipping the PostgreSQL half of this test");
            None
        }
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("finmart_test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

/// A store on a fresh SQLite file in a temporary directory.
///
/// # Panics
/// When the database cannot be created (a test failure).
pub async fn sqlite() -> TestDb {
    sqlite_at(None).await
}

/// A store on a fresh PostgreSQL database, or `None` when no server is configured (outside CI).
///
/// # Panics
/// When the server is configured but the database cannot be created.
pub async fn postgres() -> Option<TestDb> {
    postgres_at(None).await
}

/// Every backend available: SQLite always, PostgreSQL when configured (and always in CI).
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// Every backend available, each a fresh database with only the first `steps` migrations applied: the
/// schema a test of migration `steps + 1` fills with old rows before it runs the rest with
/// `Migrator::up(db.store.connection(), None)`. The store's own queries assume the newest schema: use
/// the ones whose tables the remaining migrations do not change.
///
/// # Panics
/// When a database cannot be created or migrated (a test failure).
pub async fn all_at_migration(steps: u32) -> Vec<TestDb> {
    let mut dbs = vec![sqlite_at(Some(steps)).await];
    dbs.extend(postgres_at(Some(steps)).await);
    dbs
}

/// A store on `url` with `steps` migrations applied (all of them for `None`).
async fn store_at(url: &str, steps: Option<u32>) -> Store {
    let store = Store::open(url).await.expect("connect to the test database");
    Migrator::up(store.connection(), steps).await.expect("migrate the test database");
    store
}

async fn sqlite_at(steps: Option<u32>) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = Store::sqlite_url(dir.path());
    let store = store_at(&url, steps).await;
    TestDb { backend: "sqlite", url, store, _dir: Some(dir), _postgres: None }
}

async fn postgres_at(steps: Option<u32>) -> Option<TestDb> {
    let admin_url = postgres_admin_url()?;
    let name = unique_name();
    let admin = Database::connect(admin_url.as_str()).await.expect("connect to the test PostgreSQL server");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
    admin.close().await.expect("close admin connection");
    let dropped = DroppedDatabase { admin_url: admin_url.clone(), name: name.clone() };
    let url = with_database(&admin_url, &name);
    let store = store_at(&url, steps).await;
    Some(TestDb { backend: "postgres", url, store, _dir: None, _postgres: Some(dropped) })
}

/// `postgres://u@h:p/db?x` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(super::with_database("postgres://p@h:5433/postgres", "x"), "postgres://p@h:5433/x");
        assert_eq!(
            super::with_database("postgres://p@h/postgres?sslmode=disable", "x"),
            "postgres://p@h/x?sslmode=disable"
        );
    }
}

/// Columns that migrations after the one under test add and today's store writes: a migration test writes
/// its old rows with today's code, so it adds them first and drops them again before the migration under
/// test runs (which, with the ones after it, adds them back).
#[derive(Debug, Clone, Copy)]
pub struct LaterColumns(pub &'static [(&'static str, &'static str, &'static str)]);

/// Migration 12's: a copied product's source.
pub const PRODUCT_SOURCE: LaterColumns =
    LaterColumns(&[("product", "source_url", "VARCHAR NULL"), ("product", "source_read_on", "DATE NULL")]);

/// Migration 13's: an open application's key (one open application per firm and product).
pub const OPEN_APPLICATION: LaterColumns = LaterColumns(&[("application", "open_for", "VARCHAR NULL")]);

/// Migration 14's: an application's approved terms, and how many of its kind an event counts.
pub const LENDING_RECORD: LaterColumns = LaterColumns(&[
    ("application", "approval", "TEXT NULL"),
    ("application_event", "counted", "SMALLINT NOT NULL DEFAULT 1"),
]);

/// Migration 20's: a product's 材料清单.
pub const DOCUMENTS: LaterColumns = LaterColumns(&[("product", "materials", "TEXT NULL")]);

/// Migration 24's: the rules a product requires verified.
pub const VERIFIED_RULES: LaterColumns = LaterColumns(&[("product", "verified_rules", "TEXT NULL")]);

impl LaterColumns {
    /// Adds the columns.
    ///
    /// # Panics
    /// A statement the database refuses (a broken test).
    pub async fn add(self, conn: &impl sea_orm::ConnectionTrait) {
        for (table, column, definition) in self.0 {
            conn.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column} {definition}"))
                .await
                .expect("a later column adds");
        }
    }

    /// Drops the columns.
    ///
    /// # Panics
    /// A statement the database refuses (a broken test).
    pub async fn drop(self, conn: &impl sea_orm::ConnectionTrait) {
        for (table, column, _) in self.0 {
            conn.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {column}"))
                .await
                .expect("a later column drops");
        }
    }
}

#[cfg(test)]
pub(crate) use two_banks::{Firms, TwoBanks, credit_spec};

/// The import cells of the tests' credit product (科创信用贷, 10–300 万元, 6–36 months, 3.45–5.2 %, decided in
/// 3 days, in three districts), with `pairs` in place of its own; an empty value removes a cell. Each test
/// module states only what its product has on top.
#[cfg(test)]
pub(crate) fn product_cells<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = vec![
        ("institution_code", "test-bank"),
        ("code", "P-1"),
        ("name", "科创信用贷"),
        ("family", "credit"),
        ("description", "面向科技型企业的纯信用贷款"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "3000000"),
        ("term_min_months", "6"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.45"),
        ("rate_max_pct", "5.2"),
        ("repayment_methods", "equal_instalment"),
        ("decision_days", "3"),
        ("districts", "binhai|heping|nankai"),
        ("valid_from", "2026-01-01"),
    ];
    for (k, v) in pairs {
        all.retain(|(key, _)| key != k);
        if !v.is_empty() {
            all.push((k, v));
        }
    }
    all
}

/// Two banks with a published product each and two synthetic firms: where the store's tests of
/// applications, contact details, messages and invitations start.
#[cfg(test)]
mod two_banks {
    use crate::{NewApplication, Store};
    use chrono::NaiveDate;
    use finmart_domain::{
        Fen, InstitutionKind, LifecycleState, LoanPurpose, Months, NewInstitution, ProductRecord, ProductSpec,
    };

    /// Whether the fixture's firms are open to every institution (`discoverable`), or to none until a test
    /// grants a consent.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Firms {
        Discoverable,
        Private,
    }

    /// The rows' ids.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct TwoBanks {
        /// 测试银行 (`test-bank`).
        pub bank: i64,
        /// 另一家银行 (`other-bank`).
        pub other_bank: i64,
        /// The bank's `P-1`.
        pub product: i64,
        /// The other bank's `Q-1`.
        pub other_product: i64,
        pub enterprise: i64,
        pub other_enterprise: i64,
    }

    /// A published credit product of `institution` (its code): 10–300 万元, 6–36 months, fixed 3.45–5.2%,
    /// decided in 3 days, in three districts.
    pub(crate) fn credit_spec(institution: &str, code: &str) -> ProductSpec {
        let cells = super::product_cells(&[
            ("institution_code", institution),
            ("code", code),
            ("rate_basis", "fixed"),
            ("online", "true"),
            ("valid_from", "2020-01-01"),
        ]);
        ProductRecord::from_pairs(cells).validate().expect("valid test row").spec
    }

    impl TwoBanks {
        /// Creates them on `store`.
        ///
        /// # Panics
        /// A write the store refuses (a broken test).
        pub(crate) async fn create(store: &Store, firms: Firms) -> Self {
            let institution = |code: &str, name: &str| NewInstitution {
                code: code.into(),
                name: name.into(),
                kind: InstitutionKind::Bank,
                intro: String::new(),
            };
            let bank = store.create_institution(&institution("test-bank", "测试银行")).await.expect("bank").id;
            let other_bank =
                store.create_institution(&institution("other-bank", "另一家银行")).await.expect("other bank").id;
            let publish = async |institution: i64, spec: ProductSpec| {
                store.save_product(institution, LifecycleState::Published, &spec).await.expect("product").product_id()
            };
            let product = publish(bank, credit_spec("test-bank", "P-1")).await;
            let other_product = publish(other_bank, credit_spec("other-bank", "Q-1")).await;
            let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
            let discoverable = matches!(firms, Firms::Discoverable);
            let mut profiles = finmart_synth::profiles(7, 2, today).map(|p| p.profile);
            let (first, second) = (profiles.next().expect("a firm"), profiles.next().expect("another firm"));
            let enterprise = store.save_enterprise(&first, discoverable).await.expect("firm").id;
            let other_enterprise = store.save_enterprise(&second, discoverable).await.expect("other firm").id;
            Self { bank, other_bank, product, other_product, enterprise, other_enterprise }
        }

        /// The firm's application (its account is `100 + enterprise`) to `product`: 50 万元 for 12 months of
        /// working capital.
        pub(crate) fn application(&self, product: i64, key: &str) -> NewApplication {
            NewApplication {
                enterprise_id: self.enterprise,
                product_id: product,
                applicant_account_id: 100 + self.enterprise,
                idempotency_key: key.into(),
                amount: Fen::wan(50),
                term: Months::new(12).expect("12 months"),
                purpose: LoanPurpose::WorkingCapital,
                purpose_text: "采购原材料".into(),
                offer_id: None,
            }
        }
    }
}
