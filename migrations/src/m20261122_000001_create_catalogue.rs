//! Institutions, products, the districts each product serves, and the product change log that keeps the
//! search index in step with the database.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, date, date_null, integer, integer_null, pk_auto, string, string_len, text,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Intro,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
    InstitutionId,
    Code,
    Name,
    Family,
    Description,
    AmountMinFen,
    AmountMaxFen,
    TermMinMonths,
    TermMaxMonths,
    RateMinBps,
    RateMaxBps,
    RateBasis,
    LprSpreadBps,
    RepaymentMethods,
    Collateral,
    GuaranteeAgencyId,
    GuaranteeFeeBps,
    Eligibility,
    PolicySupport,
    DecisionDays,
    Online,
    ValidFrom,
    ValidUntil,
    State,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductDistrict {
    Table,
    ProductId,
    District,
}

#[derive(DeriveIden)]
enum ProductChange {
    Table,
    Id,
    ProductId,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Institution::Table)
                    .if_not_exists()
                    .col(pk_auto(Institution::Id).big_integer())
                    .col(string_len(Institution::Code, 40).unique_key())
                    .col(string_len(Institution::Name, 100))
                    .col(string_len(Institution::Kind, 32))
                    .col(text(Institution::Intro))
                    .col(timestamp_with_time_zone(Institution::CreatedAt))
                    .col(timestamp_with_time_zone(Institution::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Product::Table)
                    .if_not_exists()
                    .col(pk_auto(Product::Id).big_integer())
                    .col(big_integer(Product::InstitutionId))
                    .col(string_len(Product::Code, 40))
                    .col(string_len(Product::Name, 100))
                    .col(string_len(Product::Family, 32))
                    .col(text(Product::Description))
                    .col(big_integer(Product::AmountMinFen))
                    .col(big_integer(Product::AmountMaxFen))
                    .col(integer(Product::TermMinMonths))
                    .col(integer(Product::TermMaxMonths))
                    .col(integer(Product::RateMinBps))
                    .col(integer(Product::RateMaxBps))
                    .col(string_len(Product::RateBasis, 16))
                    .col(integer_null(Product::LprSpreadBps))
                    .col(string(Product::RepaymentMethods))
                    .col(string(Product::Collateral))
                    .col(ColumnDef::new(Product::GuaranteeAgencyId).big_integer().null())
                    .col(integer_null(Product::GuaranteeFeeBps))
                    .col(text(Product::Eligibility))
                    .col(string(Product::PolicySupport))
                    .col(integer(Product::DecisionDays))
                    .col(boolean(Product::Online))
                    .col(date(Product::ValidFrom))
                    .col(date_null(Product::ValidUntil))
                    .col(string_len(Product::State, 16))
                    .col(timestamp_with_time_zone(Product::CreatedAt))
                    .col(timestamp_with_time_zone(Product::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_institution")
                            .from(Product::Table, Product::InstitutionId)
                            .to(Institution::Table, Institution::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_guarantee_agency")
                            .from(Product::Table, Product::GuaranteeAgencyId)
                            .to(Institution::Table, Institution::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Imports upsert by the institution's own product code.
        manager
            .create_index(
                Index::create()
                    .name("ux_product_institution_code")
                    .table(Product::Table)
                    .col(Product::InstitutionId)
                    .col(Product::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_guarantee_agency")
                    .table(Product::Table)
                    .col(Product::GuaranteeAgencyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductDistrict::Table)
                    .if_not_exists()
                    .col(big_integer(ProductDistrict::ProductId))
                    .col(string_len(ProductDistrict::District, 16))
                    .primary_key(Index::create().col(ProductDistrict::ProductId).col(ProductDistrict::District))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_district_product")
                            .from(ProductDistrict::Table, ProductDistrict::ProductId)
                            .to(Product::Table, Product::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_district_district")
                    .table(ProductDistrict::Table)
                    .col(ProductDistrict::District)
                    .to_owned(),
            )
            .await?;

        // No foreign key: the log outlives deleted products, which is how the index learns of deletions.
        manager
            .create_table(
                Table::create()
                    .table(ProductChange::Table)
                    .if_not_exists()
                    .col(pk_auto(ProductChange::Id).big_integer())
                    .col(big_integer(ProductChange::ProductId))
                    .col(timestamp_with_time_zone(ProductChange::ChangedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProductChange::Table.into_iden(),
            ProductDistrict::Table.into_iden(),
            Product::Table.into_iden(),
            Institution::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
