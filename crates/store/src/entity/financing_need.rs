use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "financing_need")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub account_id: i64,
    pub amount_fen: i64,
    pub term_months: i32,
    pub purpose: String,
    pub purpose_text: String,
    pub max_rate_bps: Option<i32>,
    pub deadline: Date,
    pub state: String,
    pub accepted_offer_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
