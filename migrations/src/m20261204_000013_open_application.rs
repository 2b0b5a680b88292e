//! One open application per firm and product, kept by the database. `application.open_for` is
//! `"{enterprise_id}:{product_id}"` while an application is open (submitted, accepted or approved) and NULL
//! once it is not (rejected, withdrawn, disbursed); a unique index on it refuses a second open application
//! for the same pair, also when two submissions race (NULLs never collide, on SQLite and PostgreSQL alike).
//!
//! Existing rows: the newest open application of each pair (by submission time, then id) gets its key; any
//! older open duplicate stays NULL and is otherwise untouched, for the record check to report (a later
//! transition of such a row leaves its NULL as it is). Closed applications stay NULL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Application {
    Table,
    OpenFor,
}

/// The index that makes the rule hold.
pub const OPEN_INDEX: &str = "ux_application_open_for";

/// The open states, as stored (`domain::ApplicationState::is_open`).
const OPEN: &str = "('submitted', 'accepted', 'approved')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Application::Table).add_column(string_null(Application::OpenFor)).to_owned(),
            )
            .await?;
        // Portable SQL: `||` and CAST … AS TEXT read the same on both databases.
        let newest_open = format!(
            "UPDATE application SET open_for = CAST(enterprise_id AS TEXT) || ':' || CAST(product_id AS TEXT) \
             WHERE state IN {OPEN} AND NOT EXISTS (SELECT 1 FROM application later \
               WHERE later.enterprise_id = application.enterprise_id AND later.product_id = application.product_id \
               AND later.state IN {OPEN} AND (later.submitted_at > application.submitted_at \
                 OR (later.submitted_at = application.submitted_at AND later.id > application.id)))"
        );
        manager.get_connection().execute_unprepared(&newest_open).await?;
        manager
            .create_index(
                Index::create()
                    .name(OPEN_INDEX)
                    .table(Application::Table)
                    .col(Application::OpenFor)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
