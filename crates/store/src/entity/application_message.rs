use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    /// `enterprise` or `institution`: who wrote it.
    pub from_side: String,
    pub account_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub at: DateTimeUtc,
    /// When the other side first saw it.
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
