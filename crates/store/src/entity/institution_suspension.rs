use sea_orm::entity::prelude::*;

/// One row per suspended institution (migration 16); none while it is not suspended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "institution_suspension")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: i64,
    pub suspended_at: DateTimeUtc,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
