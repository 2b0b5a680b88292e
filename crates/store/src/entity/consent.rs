use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub institution_id: Option<i64>,
    pub granted_at: DateTimeUtc,
    pub granted_by: Option<i64>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<i64>,
    /// The consent lets the institution see the profile (every consent before migration 25).
    pub covers_profile: bool,
    /// The consent lets the institution see the firm's verified facts.
    pub covers_facts: bool,
    /// The end of the consent (UTC): from then on it counts as withdrawn. `None`: until withdrawn.
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
