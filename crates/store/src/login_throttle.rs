//! The sign-in throttle's one atomic step: an attempt is counted *before* its password is checked, in the
//! same transaction that reads the counts, so concurrent attempts cannot all pass a check that each alone
//! would fail. An attempt's row stays as a failure unless the sign-in succeeds (see `record_login`).
//!
//! The rules (why: `docs/SECURITY.md`, "Sign-in throttle"), each over the same window:
//! - per login *and* address: a guesser at one address gets a few tries at one account;
//! - per address: one address guessing many logins;
//! - per login across addresses: a cap on guessing one account from many addresses, applied only to
//!   addresses that have never signed in to that account, so its owner at a known address is not locked out.

use crate::entity::{account, audit_log, login_failure};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

/// How many attempts each rule allows since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub since: DateTime<Utc>,
    pub per_login_and_address: u64,
    pub per_address: u64,
    /// Attempts on one login from every address, past which addresses unknown to the account are refused.
    pub per_login_from_new_addresses: u64,
}

/// The key of the PostgreSQL advisory lock that makes the count and the record one step across
/// connections (held for the few statements of the reservation, never during the password check).
const ATTEMPT_LOCK: i64 = 0x6669_6e6d_6c6f_6731;

impl Store {
    /// Counts and records one sign-in attempt in one step: `true` when it may be checked (it is then
    /// recorded, as a failure until [`Store::record_login`] clears it), `false` when a limit is reached
    /// (nothing is recorded).
    ///
    /// # Errors
    /// Database failure.
    pub async fn reserve_login_attempt(
        &self,
        login: &str,
        address: &str,
        limits: &LoginLimits,
    ) -> Result<bool, StoreError> {
        let login: String = login.chars().take(100).collect();
        let address: String = address.chars().take(64).collect();
        // SQLite: an immediate transaction already holds the database's one write lock while it reads.
        let txn = self.write_txn().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            let lock = format!("SELECT pg_advisory_xact_lock({ATTEMPT_LOCK})");
            txn.execute_unprepared(&lock).await?;
        }
        let recent = || login_failure::Entity::find().filter(login_failure::Column::At.gt(limits.since));
        let pair = recent()
            .filter(login_failure::Column::Login.eq(login.as_str()))
            .filter(login_failure::Column::Address.eq(address.as_str()))
            .count(&txn)
            .await?;
        let from_address = recent().filter(login_failure::Column::Address.eq(address.as_str())).count(&txn).await?;
        let mut allowed = pair < limits.per_login_and_address && from_address < limits.per_address;
        if allowed {
            let on_login = recent().filter(login_failure::Column::Login.eq(login.as_str())).count(&txn).await?;
            if on_login >= limits.per_login_from_new_addresses {
                allowed = known_address(&txn, &login, &address).await?;
            }
        }
        if allowed {
            login_failure::ActiveModel {
                login: Set(login),
                address: Set(address),
                at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(allowed)
    }
}

/// Whether the account of `login` has signed in from `address` before (its audit log says so).
async fn known_address(db: &impl ConnectionTrait, login: &str, address: &str) -> Result<bool, StoreError> {
    let Some(account) = account::Entity::find().filter(account::Column::Login.eq(login)).one(db).await? else {
        return Ok(false);
    };
    let signed_in = audit_log::Entity::find()
        .filter(audit_log::Column::AccountId.eq(account.id))
        .filter(audit_log::Column::Action.eq("login"))
        .filter(audit_log::Column::Address.eq(address))
        .count(db)
        .await?;
    Ok(signed_in > 0)
}
