use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    /// The application's lender and guarantee agency, copied so figures read events by party and time.
    pub institution_id: i64,
    pub guarantee_agency_id: Option<i64>,
    pub at: DateTimeUtc,
    pub from_state: Option<String>,
    pub to_state: String,
    pub account_id: Option<i64>,
    pub side: String,
    pub note: String,
    // What the event is about, copied from the application when it is written (see `event_facts`), so
    // the uptake figures read events alone. Filled for every event; `Option` because the columns were added
    // to a table that had rows (migration 5 filled those).
    pub product_id: Option<i64>,
    pub family: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub scale: Option<String>,
    pub qualifications: Option<String>,
    pub first_loan: Option<bool>,
    pub credit_loan: Option<bool>,
    pub applied_fen: Option<i64>,
    pub elapsed_seconds: Option<i64>,
    /// Disbursements only: the amount paid out and the guarantee fee it earns over its term.
    pub disbursed_fen: Option<i64>,
    pub guarantee_fee_fen: Option<i64>,
    /// Rejections only.
    pub reason: Option<String>,
    /// How many of its kind it counts in the figures: 1 for a step, 0 for a correction that changes amounts
    /// only, −1 for one that reverses a payment (migration 14).
    pub counted: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
