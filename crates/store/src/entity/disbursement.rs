use sea_orm::entity::prelude::*;

/// One payment of a loan (migration 14). A corrected or reversed payment keeps its row, marked with the
/// event that replaced it; only rows without one count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disbursement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub amount_fen: i64,
    pub rate_bps: i32,
    pub term_months: i32,
    pub disbursed_on: Date,
    /// Why the rate or term differs from the approval.
    pub reason: Option<String>,
    /// The event that recorded it (a payment, or the correction that replaced another).
    pub event_id: Option<i64>,
    /// The correction's event, once corrected or reversed.
    pub replaced_by_event_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
