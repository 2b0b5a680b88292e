use sea_orm::entity::prelude::*;

/// One search, kept for unmet-demand analysis: no account, no address, no session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// Normalised (trimmed, lower-cased, whitespace collapsed, long digit runs masked), at most 100 characters.
    pub query: String,
    /// Total hits.
    pub results: i64,
    /// `|`-joined family machine names of the filter, or empty.
    pub family: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
