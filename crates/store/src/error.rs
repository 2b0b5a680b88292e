//! The store's errors.

use crate::import::RowError;
use crate::password::PasswordError;
use finmart_domain::{FieldErrors, LifecycleError};
use sea_orm::DbErr;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// A stored value no longer parses as its domain type (written by something other than this store).
    #[error("{table} {id}: stored {field} is invalid: {reason}")]
    Corrupt { table: &'static str, id: i64, field: &'static str, reason: String },
    /// No such record.
    #[error("{what} `{key}` not found")]
    NotFound { what: &'static str, key: String },
    /// The write would break a uniqueness or reference rule.
    #[error("{0}")]
    Conflict(String),
    /// A record was refused before anything was written (a profile without a credit code, say).
    #[error("invalid record: {0}")]
    Invalid(FieldErrors),
    /// A password could not be hashed; nothing was written.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// An import was refused; nothing was written.
    #[error("import refused: {} problem(s)", .0.len())]
    ImportRejected(Vec<RowError>),
}

impl StoreError {
    /// Whether the failure is the database being unavailable (pool exhausted, connection refused).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Db(DbErr::ConnectionAcquire(_) | DbErr::Conn(_)))
    }
}

/// The lifecycle's refusal as the conflict the store has always given: `中文 / English`, which the web splits
/// into its message and `message_en`.
impl From<LifecycleError> for StoreError {
    fn from(e: LifecycleError) -> Self {
        Self::Conflict(format!("{} / {e}", e.message_zh()))
    }
}
