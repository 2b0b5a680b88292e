use sea_orm::entity::prelude::*;

/// One part of a [`super::pool_snapshot`]'s bytes, numbered from 0.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pool_snapshot_part")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub snapshot_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub part: i32,
    pub bytes: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
