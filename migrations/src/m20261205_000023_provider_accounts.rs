//! Accounts and API tokens of data providers (the departments that send verified facts).
//!
//! - `account.provider_id`: the data provider a `provider` account acts for (like `institution_id` for a
//!   lender's staff).
//! - `api_token`: a token now belongs to an institution or a data provider, exactly one of them, so
//!   `institution_id` becomes nullable beside a new `provider_id`. PostgreSQL alters the table in place;
//!   SQLite cannot drop a NOT NULL, so the table is rebuilt with its rows, ids and indexes.
//! - `fact_batch`: one row per batch or list a provider's facts arrived in (by API, upload or connector), with
//!   what it did, who sent it and when: the provider's and the operator's record of loads.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, pk_auto, string_len, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    ProviderId,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    InstitutionId,
    ProviderId,
    Name,
    Prefix,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DataProvider {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FactBatch {
    Table,
    Id,
    ProviderId,
    Arrival,
    Records,
    Added,
    Replaced,
    Unchanged,
    AccountId,
    TokenId,
    ReceivedAt,
}

/// The table SQLite rebuilds into before it takes `api_token`'s name.
const REBUILT: &str = "api_token_rebuilt";

fn provider_index() -> IndexCreateStatement {
    Index::create().name("ix_api_token_provider").table(ApiToken::Table).col(ApiToken::ProviderId).to_owned()
}

/// Exactly one owner per token.
fn one_owner() -> SimpleExpr {
    Expr::cust("(institution_id IS NULL) <> (provider_id IS NULL)")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter().table(Account::Table).add_column(big_integer_null(Account::ProviderId)).to_owned(),
            )
            .await?;
        if backend == DbBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(Account::Table)
                        .add_foreign_key(
                            TableForeignKey::new()
                                .name("fk_account_provider")
                                .from_tbl(Account::Table)
                                .from_col(Account::ProviderId)
                                .to_tbl(DataProvider::Table)
                                .to_col(DataProvider::Id),
                        )
                        .to_owned(),
                )
                .await?;
            let db = manager.get_connection();
            db.execute_unprepared("ALTER TABLE api_token ALTER COLUMN institution_id DROP NOT NULL").await?;
            db.execute_unprepared(
                "ALTER TABLE api_token ADD COLUMN provider_id BIGINT NULL \
                 CONSTRAINT fk_api_token_provider REFERENCES data_provider (id)",
            )
            .await?;
            db.execute_unprepared(
                "ALTER TABLE api_token ADD CONSTRAINT api_token_one_owner \
                 CHECK ((institution_id IS NULL) <> (provider_id IS NULL))",
            )
            .await?;
            manager.create_index(provider_index()).await?;
        } else {
            rebuild_sqlite_tokens(manager).await?;
        }
        manager
            .create_index(
                Index::create().name("ix_account_provider").table(Account::Table).col(Account::ProviderId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FactBatch::Table)
                    .col(pk_auto(FactBatch::Id).big_integer())
                    .col(big_integer(FactBatch::ProviderId))
                    .col(string_len(FactBatch::Arrival, 16))
                    .col(integer(FactBatch::Records))
                    .col(integer(FactBatch::Added))
                    .col(integer(FactBatch::Replaced))
                    .col(integer(FactBatch::Unchanged))
                    .col(big_integer_null(FactBatch::AccountId))
                    .col(big_integer_null(FactBatch::TokenId))
                    .col(timestamp_with_time_zone(FactBatch::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FactBatch::Table, FactBatch::ProviderId)
                            .to(DataProvider::Table, DataProvider::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_fact_batch_provider")
                    .table(FactBatch::Table)
                    .col(FactBatch::ProviderId)
                    .col(FactBatch::Id)
                    .to_owned(),
            )
            .await
    }
}

/// SQLite: a new table of the same columns (the owner nullable, the provider added, one of them required),
/// the rows copied with their ids, the old table dropped and the new one renamed; then its index again. One
/// call, so every statement runs on one connection (another pooled connection may still read the old
/// schema).
async fn rebuild_sqlite_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let create = Table::create()
        .table(Alias::new(REBUILT))
        .col(pk_auto(ApiToken::Id).big_integer())
        .col(big_integer_null(ApiToken::InstitutionId))
        .col(big_integer_null(ApiToken::ProviderId))
        .col(string_len(ApiToken::Name, 60))
        .col(string_len(ApiToken::Prefix, 16))
        .col(string_len(ApiToken::TokenHash, 64).unique_key())
        .col(big_integer(ApiToken::CreatedBy))
        .col(timestamp_with_time_zone(ApiToken::CreatedAt))
        .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
        .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
        .check(one_owner())
        .foreign_key(
            ForeignKey::create()
                .name("fk_api_token_institution")
                .from(Alias::new(REBUILT), ApiToken::InstitutionId)
                .to(Institution::Table, Institution::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_api_token_provider")
                .from(Alias::new(REBUILT), ApiToken::ProviderId)
                .to(DataProvider::Table, DataProvider::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_string(SqliteQueryBuilder);
    let index = Index::create()
        .name("ix_api_token_institution")
        .table(ApiToken::Table)
        .col(ApiToken::InstitutionId)
        .to_string(SqliteQueryBuilder);
    let columns = "id, institution_id, name, prefix, token_hash, created_by, created_at, last_used_at, revoked_at";
    let script = format!(
        "{create};\n\
         INSERT INTO {REBUILT} ({columns}) SELECT {columns} FROM api_token;\n\
         DROP TABLE api_token;\n\
         ALTER TABLE {REBUILT} RENAME TO api_token;\n\
         {index};\n\
         {provider_index};",
        provider_index = provider_index().to_string(SqliteQueryBuilder)
    );
    manager.get_connection().execute_unprepared(&script).await?;
    Ok(())
}
