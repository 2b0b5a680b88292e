use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub product_id: i64,
    pub institution_id: i64,
    pub guarantee_agency_id: Option<i64>,
    pub applicant_account_id: i64,
    pub idempotency_key: String,
    pub amount_fen: i64,
    pub term_months: i32,
    pub purpose: String,
    pub purpose_text: String,
    pub profile: String,
    pub district: String,
    pub industry: String,
    pub scale: Option<String>,
    pub family: String,
    /// `|`-joined qualification machine names of the profile snapshot.
    pub qualifications: String,
    /// The firm had never borrowed from a bank (首贷), or the product is a first-loan product.
    pub first_loan: bool,
    /// The product asks no collateral and no guarantee (信用贷款).
    pub credit_loan: bool,
    pub guarantee_fee_bps: Option<i32>,
    pub state: String,
    pub submitted_at: DateTimeUtc,
    pub respond_by: DateTimeUtc,
    pub first_response_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub disbursed_at: Option<DateTimeUtc>,
    pub disbursed_amount_fen: Option<i64>,
    pub disbursed_rate_bps: Option<i32>,
    pub disbursed_term_months: Option<i32>,
    pub disbursed_on: Option<Date>,
    /// The approved terms as JSON (`ApprovalTerms`); NULL until approved, and for approvals recorded before
    /// approvals carried terms (migration 14).
    pub approval: Option<String>,
    pub reason: Option<String>,
    pub offer_id: Option<i64>,
    pub updated_at: DateTimeUtc,
    /// `"{enterprise_id}:{product_id}"` while the application is open (submitted, accepted, approved), NULL
    /// otherwise: a unique index keeps one open application per firm and product (migration 13).
    pub open_for: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
