//! Finmart's database: the only place that reads or writes it.
//!
//! [`Store`] wraps a sea-orm connection to SQLite (the default, a file under the data directory) or
//! PostgreSQL (by URL), runs the migrations on connect, and maps rows to domain types. Every write to a
//! product also appends to the `product_change` log in the same transaction, which is how the search index
//! (derived from this database) learns what to update, in this process or any other. Enterprise profiles are
//! upserted by credit code, in bulk too, and every enterprise write bumps a revision counter that in-memory
//! copies poll.

mod accounts;
mod applications;
mod audit;
pub mod bench_insert;
mod changes;
mod consent;
mod contacts;
#[cfg(test)]
mod conversation_tests;
mod counters;
mod documents;
#[cfg(test)]
mod documents_s3_tests;
mod enterprises;
pub mod entity;
mod error;
pub mod event_facts;
mod fact_coverage;
mod facts;
#[cfg(test)]
mod facts_consent_tests;
#[cfg(test)]
mod families_tests;
mod favourites;
mod import;
mod institutions;
mod invitations;
#[cfg(test)]
mod legacy_fixtures;
mod login_throttle;
mod mapping;
pub mod market_watch;
mod messages;
mod needs;
mod notifications;
mod object_storage;
#[cfg(test)]
mod open_application_migration_tests;
pub mod password;
mod pool_snapshots;
#[cfg(test)]
mod pricing_migration_tests;
mod product_admin;
mod products;
#[cfg(test)]
mod provider_tests;
mod record_check;
#[cfg(test)]
mod record_check_tests;
mod reference_rates;
#[cfg(test)]
mod region_migration_tests;
mod search_log_batch;
mod sessions;
#[cfg(test)]
mod source_tests;
mod sql;
pub mod stats;
#[cfg(test)]
mod stats_tests;
mod suspension;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(any(test, feature = "testing"))]
pub mod testing_s3;
#[cfg(test)]
mod tests;
mod tokens;
#[cfg(test)]
mod unstated_migration_tests;
pub mod uptake_rollup;

pub use accounts::{Account, CreatedStaffAccount, INVITE_DAYS, NewAccount};
pub use applications::{
    Application, ApplicationEvent, ApplicationFilter, ListCursor, MAX_IDEMPOTENCY_KEY_CHARS, MAX_LIST_ROWS,
    NewApplication, Payment,
};
pub use audit::{AuditEntry, AuditEvent, AuditQuery};
pub use changes::ChangeEntry;
pub use consent::{
    ConsentEntry, Consents, FactsConsentEntry, FactsConsentState, FactsConsents, ProfileViewEntry, VIEW_CONTEXTS,
};
pub use contacts::{Branch, ContactAccess, EnterpriseContact, Manager};
pub use documents::{DATABASE, DatabaseStorage, DocumentInfo, DocumentStorage, KEY_PREFIX, NewDocument};
pub use enterprises::StoredEnterprise;
pub use error::{InvitationError, KindFixed, NeedError, Record, StorageError, StoreError, WrongParty};
pub use fact_coverage::{FactCoverage, FactFigures, ProviderFreshness, RequiringProduct};
pub use facts::{DataProvider, FactBatch, FactBatchOutcome, StoredFact};
pub use favourites::{Favourite, MAX_FAVOURITES};
/// The acts [`Store::change_product_lifecycle`] takes; the lifecycle's rules are the domain's.
pub use finmart_domain::LifecycleAct;
pub use import::{ImportSummary, RowError};
pub use institutions::InstitutionSummary;
pub use invitations::{InvitationEntry, InvitationState, NewInvitation};
pub use login_throttle::LoginLimits;
pub use messages::{Message, MessageSide};
pub use needs::{NeedRecord, NewNeed, NewOffer, OfferRecord};
pub use notifications::{
    ApplicationFacts, CorrectionFacts, InvitationFacts, MessageFacts, Notice, Notification, NotificationContent,
    NotificationKind, Party,
};
pub use object_storage::{OBJECT_STORE, ObjectStorage, S3Settings, Secret};
pub use pool_snapshots::PoolSnapshot;
pub use product_admin::{
    EditOutcome, ManagedProduct, ProductReview, ProductVersion, ReviewDecision, ReviewItem, UploadSummary,
    VersionAction,
};
pub use products::SaveOutcome;
pub use record_check::{Breach, RecordCheck, RecordRule};
pub use reference_rates::ReferenceRateEntry;
pub use search_log_batch::{LoggedSearch, SEARCH_LOG_BATCH};
pub use suspension::Suspension;
pub use tokens::{ApiTokenInfo, TokenOwner, TokenUse};

use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// The database, shared by the whole process (cheap to clone).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Woken after every committed product change, so in-process followers need not wait for their poll.
    changed: Arc<Notify>,
    /// Counts the product changes committed through this handle, for whatever tells other processes of
    /// them (each watcher sees every count, unlike the one permit of `changed`, which the follower takes).
    committed: Arc<watch::Sender<u64>>,
    /// Permits for a read to take a second pooled connection and run in two halves at once (the uptake
    /// figures). A quarter of the pool: reads that hold one connection while they wait for a second can
    /// then never take the whole pool between them.
    pub(crate) second_connections: Arc<Semaphore>,
    /// Where documents' bytes are kept: the database unless the deployment names another storage.
    documents: Arc<dyn DocumentStorage>,
}

impl Store {
    /// The URL of the default SQLite database inside `data_dir`.
    #[must_use]
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("finmart.sqlite3").display())
    }

    /// Connects and brings the schema up to date.
    ///
    /// # Errors
    /// The database cannot be reached or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = Self::open(url).await?;
        Migrator::up(&store.db, None).await?;
        Ok(store)
    }

    /// Connects without touching the schema (the tests of a migration start from the one before it).
    pub(crate) async fn open(url: &str) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        let pool = if url.starts_with("sqlite") { 8 } else { 20 };
        options
            .sqlx_logging(false)
            .max_connections(pool)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        let db = Database::connect(options).await?;
        if db.get_database_backend() == DbBackend::Sqlite {
            // WAL lets searches read while an import writes; the setting is kept in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
        }
        let second_connections = Arc::new(Semaphore::new(pool as usize / 4));
        let committed = Arc::new(watch::Sender::new(0));
        let documents = Arc::new(DatabaseStorage::new(db.clone()));
        Ok(Self { db, changed: Arc::new(Notify::new()), committed, second_connections, documents })
    }

    /// Which kind of database this is (`sqlite` or `postgres`), for logs and health checks.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Postgres => "postgres",
            DbBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    /// It does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }

    /// A transaction for writing. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads and then writes fails at once, without waiting, when another writer committed
    /// in between (a background search-log write, say). Taking the lock first makes it wait its turn
    /// instead. PostgreSQL ignores the mode.
    ///
    /// # Errors
    /// The database cannot begin a transaction.
    pub(crate) async fn write_txn(&self) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    /// The raw connection, for tests and tools that need SQL the store does not offer.
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Closes the pool (waits for connections to be returned).
    ///
    /// # Errors
    /// The pool could not be closed cleanly.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::from)
    }
}
