//! Named counters (`counter` table), each bumped inside the transaction of the writes it counts, so a
//! reader that sees the writes sees the new value and an in-memory copy knows when to read again.
//!
//! - `enterprise`: every enterprise written (and the firms a batch of facts is about); the revision stamped
//!   on each row.
//! - `verified_facts`: every change of the facts or of the batches recorded, whatever firm they are about
//!   (registered or not): what the operator's kept figures on facts are computed for.

use crate::StoreError;
use crate::entity::counter;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

pub(crate) const ENTERPRISE: &str = "enterprise";
pub(crate) const VERIFIED_FACTS: &str = "verified_facts";

/// Bumps counter `name` inside `txn` (starting it at 1 when it has never been bumped) and returns its new
/// value.
///
/// # Errors
/// Database failure.
pub(crate) async fn bump(txn: &impl ConnectionTrait, name: &str) -> Result<i64, StoreError> {
    counter::Entity::insert(counter::ActiveModel { name: Set(name.to_owned()), value: Set(1) })
        .on_conflict(
            OnConflict::column(counter::Column::Name)
                .value(counter::Column::Value, Expr::col((counter::Entity, counter::Column::Value)).add(1))
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    value(txn, name).await
}

/// The value of counter `name` (0 before its first bump).
///
/// # Errors
/// Database failure.
pub(crate) async fn value(db: &impl ConnectionTrait, name: &str) -> Result<i64, StoreError> {
    Ok(counter::Entity::find_by_id(name.to_owned()).one(db).await?.map_or(0, |c| c.value))
}
