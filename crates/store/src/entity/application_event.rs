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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
