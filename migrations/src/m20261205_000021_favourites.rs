//! A signed-in firm keeps the products it wants to come back to (收藏): one row per firm and product, the
//! pair its key, so adding a product twice keeps one row. A product's row stays when the product is paused
//! or archived, so the firm's list can say that it is no longer offered instead of losing it silently.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Favourite {
    Table,
    EnterpriseId,
    ProductId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Enterprise {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Favourite::Table)
                    .col(big_integer(Favourite::EnterpriseId))
                    .col(big_integer(Favourite::ProductId))
                    .col(timestamp_with_time_zone(Favourite::CreatedAt))
                    .primary_key(Index::create().col(Favourite::EnterpriseId).col(Favourite::ProductId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Favourite::Table, Favourite::EnterpriseId)
                            .to(Enterprise::Table, Enterprise::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Favourite::Table, Favourite::ProductId)
                            .to(Product::Table, Product::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}
