use sea_orm::entity::prelude::*;

/// An API token: exactly one of `institution_id` and `provider_id` (migration 23).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
