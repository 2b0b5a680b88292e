use sea_orm::entity::prelude::*;

/// One publication of a reference rate (migration 10); rows are never changed or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reference_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `ReferenceKind` machine name.
    pub kind: String,
    pub rate_bps: i32,
    pub published_on: Date,
    /// 0 for the publication, 1, 2… for corrections of the same kind and day (the highest counts).
    pub revision: i32,
    pub source: String,
    /// The operator's account; NULL for the migration's seed and the command line.
    pub entered_by_account_id: Option<i64>,
    /// Who, in words: the account's name, `finmart rates set`, or the seed.
    pub entered_by: String,
    pub entered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
