//! A product belongs to one main family (`family`, as before) and any number of further ones: a 科技贷 that
//! is also 信用贷款. They are stored as the other list-valued product facts are, `|`-joined machine names
//! (in vocabulary order, never the main family), in a new column.
//!
//! Existing products get none: the empty text, which is what a product without further families stores.
//! The import records kept in `product_version.record` and `product_review.record` need no change: a record
//! without the `more_families` column reads as having none, which is what every product had.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Product {
    Table,
    MoreFamilies,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NOT NULL with a default: SQLite adds such a column in place, and every existing row gets none.
        let column = string(Product::MoreFamilies).default("").to_owned();
        manager.alter_table(Table::alter().table(Product::Table).add_column(column).to_owned()).await
    }
}
