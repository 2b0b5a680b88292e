//! Verified enterprise facts (信用信息) from government sources.
//!
//! - `data_provider`: a source of facts (a department, or the city's 信用信息共享平台), registered for one
//!   `source` (`FactSource`'s machine name), which decides the fact kinds it may write.
//! - `verified_fact`: one row per record a provider sent, keyed by the provider's own record id, so a record
//!   sent again replaces the one before instead of adding a second. Facts are kept by 统一社会信用代码, not by
//!   enterprise row: a firm that registers later finds the facts sent before it did.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date, pk_auto, string, string_len, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataProvider {
    Table,
    Id,
    Code,
    Name,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VerifiedFact {
    Table,
    Id,
    ProviderId,
    SourceRecordId,
    Uscc,
    Kind,
    Value,
    AsOf,
    ValidUntil,
    Arrival,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataProvider::Table)
                    .col(pk_auto(DataProvider::Id).big_integer())
                    .col(string_len(DataProvider::Code, 64).unique_key())
                    .col(string(DataProvider::Name))
                    .col(string_len(DataProvider::Source, 32))
                    .col(timestamp_with_time_zone(DataProvider::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VerifiedFact::Table)
                    .col(pk_auto(VerifiedFact::Id).big_integer())
                    .col(big_integer(VerifiedFact::ProviderId))
                    .col(string_len(VerifiedFact::SourceRecordId, 64))
                    .col(string_len(VerifiedFact::Uscc, 18))
                    .col(string_len(VerifiedFact::Kind, 40))
                    .col(text(VerifiedFact::Value))
                    .col(date(VerifiedFact::AsOf))
                    .col(date(VerifiedFact::ValidUntil))
                    .col(string_len(VerifiedFact::Arrival, 16))
                    .col(timestamp_with_time_zone(VerifiedFact::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerifiedFact::Table, VerifiedFact::ProviderId)
                            .to(DataProvider::Table, DataProvider::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("verified_fact_provider_record")
                    .table(VerifiedFact::Table)
                    .col(VerifiedFact::ProviderId)
                    .col(VerifiedFact::SourceRecordId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("verified_fact_uscc")
                    .table(VerifiedFact::Table)
                    .col(VerifiedFact::Uscc)
                    .col(VerifiedFact::Kind)
                    .to_owned(),
            )
            .await
    }
}
