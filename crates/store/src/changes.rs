//! The product change log: an append-only list of (sequence, product id) that followers — the search
//! index of each server process — read from their last applied sequence on.

use crate::entity::product_change;
use crate::{Store, StoreError};
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// One entry of the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEntry {
    pub seq: i64,
    pub product_id: i64,
}

impl Store {
    /// Up to `limit` changes with a sequence above `after`, oldest first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn changes_after(&self, after: i64, limit: u64) -> Result<Vec<ChangeEntry>, StoreError> {
        Ok(product_change::Entity::find()
            .filter(product_change::Column::Id.gt(after))
            .order_by_asc(product_change::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| ChangeEntry { seq: c.id, product_id: c.product_id })
            .collect())
    }

    /// The newest sequence number, 0 when nothing was ever changed.
    ///
    /// # Errors
    /// Database failure.
    pub async fn last_change_seq(&self) -> Result<i64, StoreError> {
        Ok(product_change::Entity::find()
            .order_by_desc(product_change::Column::Id)
            .one(&self.db)
            .await?
            .map_or(0, |c| c.id))
    }

    /// Notified after every committed product change made through this handle (and its clones).
    #[must_use]
    pub fn change_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.changed)
    }

    /// Changes with every product change committed through this handle (not those read from the log that
    /// other processes wrote): what tells the other servers to look at the log now.
    #[must_use]
    pub fn committed_changes(&self) -> watch::Receiver<u64> {
        self.committed.subscribe()
    }

    pub(crate) fn announce_change(&self) {
        // One stored permit: a follower that is busy when this fires still wakes once afterwards.
        self.changed.notify_one();
        self.committed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The advisory lock that orders change-log appends on PostgreSQL (an arbitrary, fixed key).
const CHANGE_LOG_LOCK: i64 = 0x0066_696e_6d61_7274;

/// Appends to the change log inside the caller's transaction.
///
/// On PostgreSQL two transactions could take sequence numbers 10 and 11 and commit 11 first; a follower
/// reading then would move past 10 and never see it. Holding a transaction-scoped advisory lock from
/// taking the number until commit makes numbers become visible in order. (SQLite has one writer at a
/// time already.) Product writes are rare, so serialising them costs nothing that matters.
pub(crate) async fn record(db: &impl ConnectionTrait, product_id: i64) -> Result<(), StoreError> {
    record_all(db, &[product_id]).await
}

/// Appends one change per product inside the caller's transaction (under the same lock as [`record`]).
pub(crate) async fn record_all(db: &impl ConnectionTrait, product_ids: &[i64]) -> Result<(), StoreError> {
    if product_ids.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK})")).await?;
    }
    let now = Utc::now();
    // In statements of a bounded size: a statement's bound parameters are limited (32,766 on SQLite).
    for chunk in product_ids.chunks(1_000) {
        product_change::Entity::insert_many(chunk.iter().map(|id| product_change::ActiveModel {
            product_id: Set(*id),
            changed_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}
