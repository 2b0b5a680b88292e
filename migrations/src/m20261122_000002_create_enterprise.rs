//! Stored SME profiles (企业画像), and the revision counter that tells in-memory copies of them when to reload.
//!
//! The whole profile is kept as JSON text (the domain type is the schema); the columns beside it are what
//! queries filter on without parsing it. `discoverable` is the firm's consent to be found by banks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, pk_auto, string_len, string_len_null, text, timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enterprise {
    Table,
    Id,
    Uscc,
    Name,
    District,
    Industry,
    Scale,
    Discoverable,
    Revision,
    Profile,
    CreatedAt,
    UpdatedAt,
}

/// Named counters, each bumped inside the transaction of the writes it counts.
#[derive(DeriveIden)]
enum Counter {
    Table,
    Name,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Enterprise::Table)
                    .if_not_exists()
                    .col(pk_auto(Enterprise::Id).big_integer())
                    .col(string_len(Enterprise::Uscc, 18).unique_key())
                    .col(string_len(Enterprise::Name, 100))
                    .col(string_len(Enterprise::District, 16))
                    .col(string_len(Enterprise::Industry, 32))
                    .col(string_len_null(Enterprise::Scale, 16))
                    .col(boolean(Enterprise::Discoverable))
                    .col(big_integer(Enterprise::Revision))
                    .col(text(Enterprise::Profile))
                    .col(timestamp_with_time_zone(Enterprise::CreatedAt))
                    .col(timestamp_with_time_zone(Enterprise::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Paging through the firms that consented to be found, in id order.
        manager
            .create_index(
                Index::create()
                    .name("ix_enterprise_discoverable")
                    .table(Enterprise::Table)
                    .col(Enterprise::Discoverable)
                    .col(Enterprise::Id)
                    .to_owned(),
            )
            .await?;
        // Reading what changed since a revision.
        manager
            .create_index(
                Index::create()
                    .name("ix_enterprise_revision")
                    .table(Enterprise::Table)
                    .col(Enterprise::Revision)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Counter::Table)
                    .if_not_exists()
                    .col(string_len(Counter::Name, 40).primary_key())
                    .col(big_integer(Counter::Value))
                    .to_owned(),
            )
            .await?;
        let insert = Query::insert()
            .into_table(Counter::Table)
            .columns([Counter::Name, Counter::Value])
            .values(["enterprise".into(), 0_i64.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(insert).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Counter::Table.into_iden(), Enterprise::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
