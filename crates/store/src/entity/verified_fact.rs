use sea_orm::entity::prelude::*;

/// One record a data provider sent, keyed by (provider, its record id) (migration 22).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "verified_fact")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider_id: i64,
    pub source_record_id: String,
    pub uscc: String,
    /// `FactKind`'s machine name.
    pub kind: String,
    /// The `FactValue` as JSON.
    pub value: String,
    pub as_of: Date,
    pub valid_until: Date,
    /// `FactArrival`'s machine name: how the record came (API batch, uploaded list, connector).
    pub arrival: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
