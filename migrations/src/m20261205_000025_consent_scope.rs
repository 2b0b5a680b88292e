//! A consent says what it covers and until when: the profile (as every consent did until now), the firm's
//! verified facts (信用信息 from government sources, issue 17), or both; and an optional end (`expires_at`,
//! UTC), after which the consent counts as withdrawn without anything rewriting it.
//!
//! The defaults keep every existing row meaning exactly what it meant: it covers the profile, not the facts,
//! and never ends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consent {
    Table,
    CoversProfile,
    CoversFacts,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            boolean(Consent::CoversProfile).default(true).to_owned(),
            boolean(Consent::CoversFacts).default(false).to_owned(),
            timestamp_with_time_zone_null(Consent::ExpiresAt),
        ] {
            manager.alter_table(Table::alter().table(Consent::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
