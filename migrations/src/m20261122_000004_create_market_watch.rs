//! The operator's market watch: the search log kept for unmet-demand analysis, and the yearly uptake
//! targets; plus the indexes that keep the operator's other market figures fast (stale listings, response
//! deadlines, financing cost).
//!
//! The search log holds no personal data: no account, no address, no session; the query is stored
//! normalised, with long digit runs masked, by the store.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, pk_auto, string_len, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchLog {
    Table,
    Id,
    At,
    Query,
    Results,
    Family,
}

#[derive(DeriveIden)]
enum UptakeTarget {
    Table,
    Id,
    Year,
    LoansTarget,
    AmountTargetFen,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    State,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Application {
    Table,
    State,
    RespondBy,
    DisbursedAt,
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

macro_rules! cols {
    ($($c:expr),+) => { vec![$($c.into_iden()),+] };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchLog::Table)
                    .if_not_exists()
                    .col(pk_auto(SearchLog::Id).big_integer())
                    .col(timestamp_with_time_zone(SearchLog::At))
                    .col(string_len(SearchLog::Query, 100))
                    .col(big_integer(SearchLog::Results))
                    .col(string_len(SearchLog::Family, 255))
                    .to_owned(),
            )
            .await?;
        // A period's searches; and one query's history.
        index(manager, "ix_search_log_at", SearchLog::Table, cols![SearchLog::At], false).await?;
        index(manager, "ix_search_log_query", SearchLog::Table, cols![SearchLog::Query], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(UptakeTarget::Table)
                    .if_not_exists()
                    .col(pk_auto(UptakeTarget::Id).big_integer())
                    .col(integer(UptakeTarget::Year))
                    .col(big_integer(UptakeTarget::LoansTarget))
                    .col(big_integer(UptakeTarget::AmountTargetFen))
                    .col(big_integer(UptakeTarget::SetBy))
                    .col(timestamp_with_time_zone(UptakeTarget::SetAt))
                    .to_owned(),
            )
            .await?;
        // One target per year (set again: updated in place).
        index(manager, "ux_uptake_target_year", UptakeTarget::Table, cols![UptakeTarget::Year], true).await?;

        // Stale listings: published products by when they were last updated.
        index(manager, "ix_product_state_updated", Product::Table, cols![Product::State, Product::UpdatedAt], false)
            .await?;
        // Applications still waiting for a first response, by their deadline.
        index(
            manager,
            "ix_application_state_respond_by",
            Application::Table,
            cols![Application::State, Application::RespondBy],
            false,
        )
        .await?;
        // Loans disbursed in a period (the average financing cost).
        index(manager, "ix_application_disbursed_at", Application::Table, cols![Application::DisbursedAt], false)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_application_disbursed_at", Application::Table.into_iden()),
            ("ix_application_state_respond_by", Application::Table.into_iden()),
            ("ix_product_state_updated", Product::Table.into_iden()),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        for table in [UptakeTarget::Table.into_iden(), SearchLog::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
