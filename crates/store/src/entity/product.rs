use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub institution_id: i64,
    pub code: String,
    pub name: String,
    pub family: String,
    pub description: String,
    pub amount_min_fen: i64,
    pub amount_max_fen: i64,
    pub term_min_months: i32,
    pub term_max_months: i32,
    pub rate_min_bps: i32,
    pub rate_max_bps: i32,
    pub rate_basis: String,
    pub lpr_spread_bps: Option<i32>,
    /// `|`-joined machine names.
    pub repayment_methods: String,
    /// `|`-joined machine names; empty when no collateral is required.
    pub collateral: String,
    pub guarantee_agency_id: Option<i64>,
    pub guarantee_fee_bps: Option<i32>,
    /// JSON object of rule key → text value.
    pub eligibility: String,
    /// `|`-joined machine names.
    pub policy_support: String,
    pub decision_days: i32,
    pub online: bool,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub state: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
