//! The reverse-matching pool written down (`pool_snapshot`, its bytes in `pool_snapshot_part`), so a server
//! starts from it and reads only the firms changed since, instead of every firm and its facts (tens of
//! seconds at a million firms). Derived data: deleting the rows costs one slow start, nothing else.
//!
//! Kept in the database rather than beside the index: a backup or a restore then brings back the snapshot
//! with the firms it was made from, and every server on one database starts from it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, blob, date, integer, pk_auto, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PoolSnapshot {
    Table,
    Id,
    /// The Shanghai day its firms' ages and facts' freshness were worked out for.
    Day,
    /// The enterprise revision it reflects: every change up to it is in it.
    Revision,
    /// The layout of its parts.
    Format,
    Firms,
    Parts,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PoolSnapshotPart {
    Table,
    SnapshotId,
    Part,
    Bytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PoolSnapshot::Table)
                    .col(pk_auto(PoolSnapshot::Id).big_integer())
                    .col(date(PoolSnapshot::Day))
                    .col(big_integer(PoolSnapshot::Revision))
                    .col(integer(PoolSnapshot::Format))
                    .col(big_integer(PoolSnapshot::Firms))
                    .col(integer(PoolSnapshot::Parts))
                    .col(timestamp_with_time_zone(PoolSnapshot::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PoolSnapshotPart::Table)
                    .col(big_integer(PoolSnapshotPart::SnapshotId))
                    .col(integer(PoolSnapshotPart::Part))
                    .col(blob(PoolSnapshotPart::Bytes))
                    .primary_key(Index::create().col(PoolSnapshotPart::SnapshotId).col(PoolSnapshotPart::Part))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PoolSnapshotPart::Table, PoolSnapshotPart::SnapshotId)
                            .to(PoolSnapshot::Table, PoolSnapshot::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }
}
