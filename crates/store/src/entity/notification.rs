use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub at: DateTimeUtc,
    pub kind: String,
    /// The Chinese words and page of a row written before notifications were typed (migration 7); empty on
    /// typed rows, which the web words from `kind` and `facts`.
    pub title: String,
    pub body: String,
    pub link: String,
    pub read_at: Option<DateTimeUtc>,
    /// The records a typed notification is about.
    pub application_id: Option<i64>,
    pub need_id: Option<i64>,
    pub offer_id: Option<i64>,
    /// The facts a typed notification's words need, as JSON; `None` on rows written before.
    pub facts: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
