use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uscc: String,
    pub name: String,
    pub district: String,
    pub industry: String,
    /// The derived scale's machine name; `None` when it cannot be derived.
    pub scale: Option<String>,
    /// The firm's consent to be found by banks.
    pub discoverable: bool,
    /// The `enterprise` counter's value when the row was last written.
    pub revision: i64,
    /// JSON of the whole `EnterpriseProfile`.
    pub profile: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
