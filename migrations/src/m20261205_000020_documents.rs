//! Documents: a product's 材料清单, and the files applicants upload to their applications.
//!
//! - `product.materials`: the list in the import cell's own form (`a|b|c`, `none` for 无需材料), NULL for
//!   未说明, which is what every existing product is (no page it was read from gave a list).
//! - `application_document`: one row per file kept, with what the pages list (name, kind, size, the
//!   material it is for) and where its bytes are (`storage` and `storage_key`).
//! - `document_blob`: the bytes of files kept in the database (the default storage), apart from the
//!   metadata so that listing an application's documents never reads them. In the database every server
//!   of a deployment sees the same files, on SQLite and PostgreSQL alike (`blob` is BLOB and bytea).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, blob, pk_auto, string, string_len, string_null, text_null, timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Product {
    Table,
    Materials,
}

#[derive(DeriveIden)]
enum Application {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApplicationDocument {
    Table,
    Id,
    ApplicationId,
    Material,
    FileName,
    Kind,
    SizeBytes,
    Sha256,
    Storage,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum DocumentBlob {
    Table,
    Key,
    Bytes,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Product::Table).add_column(text_null(Product::Materials)).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApplicationDocument::Table)
                    .col(pk_auto(ApplicationDocument::Id).big_integer())
                    .col(big_integer(ApplicationDocument::ApplicationId))
                    .col(string_null(ApplicationDocument::Material))
                    .col(string(ApplicationDocument::FileName))
                    .col(string_len(ApplicationDocument::Kind, 16))
                    .col(big_integer(ApplicationDocument::SizeBytes))
                    .col(string_len(ApplicationDocument::Sha256, 64))
                    .col(string_len(ApplicationDocument::Storage, 16))
                    .col(string_len(ApplicationDocument::StorageKey, 100).unique_key())
                    .col(big_integer(ApplicationDocument::UploadedBy))
                    .col(timestamp_with_time_zone(ApplicationDocument::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApplicationDocument::Table, ApplicationDocument::ApplicationId)
                            .to(Application::Table, Application::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_application_document_application")
                    .table(ApplicationDocument::Table)
                    .col(ApplicationDocument::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentBlob::Table)
                    .col(string_len(DocumentBlob::Key, 100).primary_key())
                    .col(blob(DocumentBlob::Bytes))
                    .col(timestamp_with_time_zone(DocumentBlob::CreatedAt))
                    .to_owned(),
            )
            .await
    }
}
