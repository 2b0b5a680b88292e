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
    /// The further families, `|`-joined machine names in vocabulary order; empty for none (migration 9).
    pub more_families: String,
    pub description: String,
    // The facts a product's page may leave out are NULL when it does (未说明), never a stand-in value.
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    pub term_min_months: Option<i32>,
    pub term_max_months: Option<i32>,
    pub rate_min_bps: Option<i32>,
    pub rate_max_bps: Option<i32>,
    /// `fixed`, or the LPR tenor's machine name.
    pub rate_basis: Option<String>,
    /// The spread over the LPR; NULL with an LPR basis when the page does not state it.
    pub lpr_spread_bps: Option<i32>,
    /// `|`-joined machine names.
    pub repayment_methods: Option<String>,
    /// The terms in `CollateralTerms::to_cell` form: `none` (纯信用), `a|b` (any one), `none|a|b` (credit
    /// or any one), `a+b` (all of them).
    pub collateral: Option<String>,
    pub guarantee_agency_id: Option<i64>,
    pub guarantee_fee_bps: Option<i32>,
    /// JSON object of rule key → text value.
    pub eligibility: String,
    /// `|`-joined machine names.
    pub policy_support: String,
    pub decision_days: Option<i32>,
    pub online: Option<bool>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// The public page a copied product was read from, and the day (migration 12): both or neither.
    pub source_url: Option<String>,
    pub source_read_on: Option<Date>,
    pub state: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
