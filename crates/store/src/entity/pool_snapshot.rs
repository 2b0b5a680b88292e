use sea_orm::entity::prelude::*;

/// The reverse-matching pool as written down after a whole read (migration 26); its bytes are in
/// [`super::pool_snapshot_part`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pool_snapshot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The Shanghai day the firms' ages and the facts' freshness were worked out for.
    pub day: Date,
    /// The enterprise revision it reflects.
    pub revision: i64,
    /// The layout of its parts.
    pub format: i32,
    pub firms: i64,
    pub parts: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
