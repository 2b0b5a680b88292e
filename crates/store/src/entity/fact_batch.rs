use sea_orm::entity::prelude::*;

/// One batch or list of facts a provider sent, and what it did (migration 23).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fact_batch")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider_id: i64,
    /// `FactArrival`'s machine name.
    pub arrival: String,
    pub records: i32,
    pub added: i32,
    pub replaced: i32,
    pub unchanged: i32,
    /// The account that sent it (a provider's user, or its token's creator); none from the command line.
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
