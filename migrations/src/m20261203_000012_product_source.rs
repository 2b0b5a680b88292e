//! A product copied from a public page (a bank's site, a government 金融超市) carries the page's address and
//! the day it was read, so every reader can check it and see how old the copy is. Two nullable columns:
//! NULL in both for a product its lender listed, which is every existing product.
//!
//! The import records kept in `product_version.record` and `product_review.record` need no change: a record
//! without the columns reads as having no source, which is what every product had.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{date_null, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Product {
    Table,
    SourceUrl,
    SourceReadOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [string_null(Product::SourceUrl), date_null(Product::SourceReadOn)] {
            manager.alter_table(Table::alter().table(Product::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
