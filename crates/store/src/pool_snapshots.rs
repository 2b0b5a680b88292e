//! The reverse-matching pool written down (`pool_snapshot` and its parts): the bytes are the matching
//! crate's to encode; the store keeps them with what they reflect (the day, the enterprise revision, the
//! layout) and gives back the newest.

use crate::entity::{enterprise, pool_snapshot, pool_snapshot_part};
use crate::{Store, StoreError};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

/// A snapshot of the pool as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSnapshot {
    pub id: i64,
    /// The Shanghai day its firms' ages and facts' freshness were worked out for.
    pub day: NaiveDate,
    /// The enterprise revision it reflects (every change up to it is in it).
    pub revision: i64,
    pub format: i32,
    pub firms: u64,
    /// The encoded entries, in order.
    pub parts: Vec<Vec<u8>>,
}

impl Store {
    /// Stores a snapshot of the pool and removes the older ones (in one transaction: a reader sees the old
    /// snapshot or the new one, whole).
    ///
    /// # Errors
    /// Database failure (nothing is stored).
    pub async fn save_pool_snapshot(
        &self,
        day: NaiveDate,
        revision: i64,
        format: i32,
        firms: u64,
        parts: &[Vec<u8>],
    ) -> Result<i64, StoreError> {
        let txn = self.write_txn().await?;
        let snapshot = pool_snapshot::ActiveModel {
            day: Set(day),
            revision: Set(revision),
            format: Set(format),
            firms: Set(i64::try_from(firms).unwrap_or(i64::MAX)),
            parts: Set(i32::try_from(parts.len()).unwrap_or(i32::MAX)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (part, bytes) in parts.iter().enumerate() {
            pool_snapshot_part::ActiveModel {
                snapshot_id: Set(snapshot.id),
                part: Set(i32::try_from(part).unwrap_or(i32::MAX)),
                bytes: Set(bytes.clone()),
            }
            .insert(&txn)
            .await?;
        }
        // Older ones only: a snapshot another server is writing at the same moment stays, and the next
        // save removes whichever is older then.
        pool_snapshot_part::Entity::delete_many()
            .filter(pool_snapshot_part::Column::SnapshotId.lt(snapshot.id))
            .exec(&txn)
            .await?;
        pool_snapshot::Entity::delete_many().filter(pool_snapshot::Column::Id.lt(snapshot.id)).exec(&txn).await?;
        txn.commit().await?;
        Ok(snapshot.id)
    }

    /// The newest snapshot of `format` (the latest day, then the highest revision), with its parts.
    ///
    /// # Errors
    /// Database failure; [`StoreError::Corrupt`] when parts are missing.
    pub async fn latest_pool_snapshot(&self, format: i32) -> Result<Option<PoolSnapshot>, StoreError> {
        let Some(row) = pool_snapshot::Entity::find()
            .filter(pool_snapshot::Column::Format.eq(format))
            .order_by_desc(pool_snapshot::Column::Day)
            .order_by_desc(pool_snapshot::Column::Revision)
            .order_by_desc(pool_snapshot::Column::Id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let parts: Vec<Vec<u8>> = pool_snapshot_part::Entity::find()
            .filter(pool_snapshot_part::Column::SnapshotId.eq(row.id))
            .order_by_asc(pool_snapshot_part::Column::Part)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.bytes)
            .collect();
        if parts.len() != usize::try_from(row.parts).unwrap_or(usize::MAX) {
            return Err(StoreError::Corrupt {
                table: "pool_snapshot",
                id: row.id,
                field: "parts",
                reason: format!("{} parts stored of {}", parts.len(), row.parts),
            });
        }
        Ok(Some(PoolSnapshot {
            id: row.id,
            day: row.day,
            revision: row.revision,
            format: row.format,
            firms: u64::try_from(row.firms).unwrap_or_default(),
            parts,
        }))
    }

    /// How many enterprises were written after revision `since` (through the revision index).
    ///
    /// # Errors
    /// Database failure.
    pub async fn count_enterprises_revised_after(&self, since: i64) -> Result<u64, StoreError> {
        Ok(enterprise::Entity::find().filter(enterprise::Column::Revision.gt(since)).count(&self.db).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::testing;
    use chrono::NaiveDate;
    use sea_orm::EntityTrait;

    #[tokio::test]
    async fn the_newest_snapshot_is_given_back_whole_and_replaces_the_older_ones() {
        for db in testing::all().await {
            let s = &db.store;
            assert_eq!(s.latest_pool_snapshot(1).await.unwrap(), None, "{}", db.backend);
            let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
            let parts = vec![vec![0_u8, 1, 2, 255], vec![], vec![7; 70_000]];
            let first = s.save_pool_snapshot(day, 40, 1, 12, &parts).await.unwrap();
            let read = s.latest_pool_snapshot(1).await.unwrap().unwrap();
            assert_eq!((read.id, read.day, read.revision, read.firms), (first, day, 40, 12), "{}", db.backend);
            assert_eq!(read.parts, parts);
            // Another layout is not given for this one.
            assert_eq!(s.latest_pool_snapshot(2).await.unwrap(), None);
            // A newer one replaces it, parts and all.
            let next = day.succ_opt().unwrap();
            let second = s.save_pool_snapshot(next, 41, 1, 1, &[vec![9]]).await.unwrap();
            let read = s.latest_pool_snapshot(1).await.unwrap().unwrap();
            assert_eq!((read.id, read.day, read.revision, read.parts), (second, next, 41, vec![vec![9]]));
            let rows = crate::entity::pool_snapshot_part::Entity::find().all(s.connection()).await.unwrap();
            assert_eq!(rows.len(), 1, "the older snapshot's parts are gone on {}", db.backend);
            // A part gone missing is named, never read as a smaller pool.
            crate::entity::pool_snapshot_part::Entity::delete_many().exec(s.connection()).await.unwrap();
            assert!(matches!(
                s.latest_pool_snapshot(1).await,
                Err(crate::StoreError::Corrupt { table: "pool_snapshot", .. })
            ));
        }
    }

    #[tokio::test]
    async fn the_firms_written_after_a_revision_are_counted() {
        for db in testing::all().await {
            let s = &db.store;
            let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
            let firms: Vec<_> = finmart_synth::profiles(5, 4, today).map(|p| (p.profile, p.discoverable)).collect();
            s.insert_enterprises(&firms[..3]).await.unwrap();
            let revision = s.enterprise_revision().await.unwrap();
            assert_eq!(s.count_enterprises_revised_after(0).await.unwrap(), 3, "{}", db.backend);
            assert_eq!(s.count_enterprises_revised_after(revision).await.unwrap(), 0);
            s.save_enterprise(&firms[3].0, firms[3].1).await.unwrap();
            assert_eq!(s.count_enterprises_revised_after(revision).await.unwrap(), 1);
        }
    }
}
