//! Notifications record what happened instead of the words for it.
//!
//! Until now the store wrote each notification's Chinese title and body and a page link, so English pages
//! showed Chinese notifications and the store knew the web's addresses. A notification now records its kind
//! (already a column), the records it is about (application, need, offer) and, as JSON, the facts its words
//! need as they were when it was written (names, amount, term, purpose, respond-by, reason…); the web words
//! it in the reader's language.
//!
//! Rows written before keep their stored text and have no facts: the web shows them as they are, so nothing
//! already sent changes. Typed rows leave `title`, `body` and `link` empty (the columns stay NOT NULL, as
//! SQLite cannot relax a column without rebuilding its table).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notification {
    Table,
    ApplicationId,
    NeedId,
    OfferId,
    Facts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notification as N;
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            big_integer_null(N::ApplicationId),
            big_integer_null(N::NeedId),
            big_integer_null(N::OfferId),
            text_null(N::Facts),
        ] {
            manager.alter_table(Table::alter().table(N::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
