//! The operator can suspend an institution (a lender leaving the platform, or one under investigation):
//! while it has a row in `institution_suspension` its people cannot sign in and its API tokens are refused,
//! until the operator resumes it (the row is deleted). A table of its own rather than columns on
//! `institution`, so that nothing reading institutions changes; no row for any existing institution.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstitutionSuspension {
    Table,
    InstitutionId,
    SuspendedAt,
    Reason,
}

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstitutionSuspension::Table)
                    .col(big_integer(InstitutionSuspension::InstitutionId).primary_key())
                    .col(timestamp_with_time_zone(InstitutionSuspension::SuspendedAt))
                    .col(string(InstitutionSuspension::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InstitutionSuspension::Table, InstitutionSuspension::InstitutionId)
                            .to(Institution::Table, Institution::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}
