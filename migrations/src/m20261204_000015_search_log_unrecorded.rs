//! Searches the search log could not record, per Asia/Shanghai day: under overload the server's queue of
//! searches waiting to be written is full, and a search is counted here instead of being lost without
//! trace, so the operator's demand figures say how much they undercount.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchLogUnrecorded {
    Table,
    Day,
    Searches,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchLogUnrecorded::Table)
                    .if_not_exists()
                    // One row per day, incremented in place.
                    .col(date(SearchLogUnrecorded::Day).primary_key())
                    .col(big_integer(SearchLogUnrecorded::Searches))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SearchLogUnrecorded::Table).if_exists().to_owned()).await
    }
}
