//! Products that require a rule to be met by a verified fact (纳税信用等级须经税务核验).
//!
//! - `product.verified_rules`: the rule keys separated by `|` (`min_tax_credit_grade|qualifications_any`),
//!   NULL for none required, which is what every existing product is: none of them said more, so each is
//!   matched as before, on declarations with the firm's current verified facts in their place.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Product {
    Table,
    VerifiedRules,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Product::Table).add_column(text_null(Product::VerifiedRules)).to_owned())
            .await
    }
}
