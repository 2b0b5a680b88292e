use sea_orm::entity::prelude::*;

/// One file kept on an application (migration 20); its bytes are in the storage `storage` names, under
/// `storage_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    /// The material of the product's list it is for, if any.
    pub material: Option<String>,
    pub file_name: String,
    /// `pdf`, `jpeg`, `png`, `xlsx`: read from the content.
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `database` or `object_store`.
    pub storage: String,
    pub storage_key: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
