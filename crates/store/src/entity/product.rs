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
    /// `fixed`, `lpr_1y`, `lpr_5y`, `benchmark`, or NULL (not said: a figure alone, or nothing).
    pub rate_basis: Option<String>,
    /// A rate stated outright: `annual`, `monthly` or `daily`, and `percent`, `per_mille` or
    /// `per_ten_thousand`, with the figures in millionths as the page writes them.
    pub rate_period: Option<String>,
    pub rate_notation: Option<String>,
    pub rate_min_ppm: Option<i32>,
    pub rate_max_ppm: Option<i32>,
    /// The spread over the LPR in basis points (both NULL: "LPR 加点" without the spread).
    pub lpr_spread_min_bps: Option<i32>,
    pub lpr_spread_max_bps: Option<i32>,
    /// The float over the PBOC benchmark rate, in hundredths of a percent of it.
    pub benchmark_markup_min: Option<i32>,
    pub benchmark_markup_max: Option<i32>,
    /// `|`-joined machine names.
    pub repayment_methods: Option<String>,
    /// The terms in `CollateralTerms::to_cell` form: `none` (纯信用), `a|b` (any one), `none|a|b` (credit
    /// or any one), `a+b` (all of them).
    pub collateral: Option<String>,
    pub guarantee_agency_id: Option<i64>,
    /// The guarantee fee's range (both NULL with an agency: 未说明).
    pub guarantee_fee_min_bps: Option<i32>,
    pub guarantee_fee_max_bps: Option<i32>,
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
    /// 材料清单 in the import cell's form (`a|b`, `none`); NULL: 未说明 (migration 20).
    pub materials: Option<String>,
    /// The rules required to be met by a verified fact, keys joined by `|`; NULL: none (migration 24).
    pub verified_rules: Option<String>,
    pub state: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
