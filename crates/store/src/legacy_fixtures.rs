//! Rows as earlier schemas held them, written with plain SQL, for the tests of the migrations that change
//! them: the store's own writes follow the latest schema, so a database at an earlier migration is filled
//! here, column by column, in the form of its day.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::testing::TestDb;
use chrono::{NaiveDate, TimeZone, Utc};
use finmart_domain::{Bps, EligibilityRules, Fen, Months};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, Value};

/// The moment every fixture row was written.
pub(crate) fn written_at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
}

/// Inserts `columns` into `table` and returns the new row's id.
pub(crate) async fn insert(db: &TestDb, table: &str, columns: Vec<(&str, Value)>) -> i64 {
    let (names, values): (Vec<_>, Vec<_>) = columns.into_iter().unzip();
    let statement = Query::insert()
        .into_table(Alias::new(table))
        .columns(names.into_iter().map(Alias::new))
        .values(values.into_iter().map(SimpleExpr::from))
        .unwrap()
        .returning_col(Alias::new("id"))
        .to_owned();
    let row = db.store.connection().query_one(&statement).await.unwrap().unwrap();
    row.try_get::<i64>("", "id").unwrap()
}

/// A product row in the columns of migrations 1–9 (before migration 10 moved the rates), from an import
/// row in the columns of that time (`rate_min_pct`, `lpr_spread_bps`, `guarantee_fee_pct`…), with its
/// districts. An absent cell is NULL (possible from migration 8 on); `collateral` is written as given
/// (before migration 8, `""` meant 纯信用).
pub(crate) async fn insert_product(
    db: &TestDb,
    institution_id: i64,
    agency_id: Option<i64>,
    state: &str,
    cells: &[(&str, &str)],
) -> i64 {
    let cell = |name: &str| cells.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let text = |name: &str| Value::String(cell(name).map(|v| v.to_owned()));
    let fen = |name: &str| Value::BigInt(cell(name).map(|v| Fen::parse_yuan(v).unwrap().fen()));
    let months = |name: &str| Value::Int(cell(name).map(|v| i32::from(Months::parse(v).unwrap().get())));
    let bps = |name: &str| Value::Int(cell(name).map(|v| i32::try_from(Bps::parse_percent(v).unwrap().bps()).unwrap()));
    let int = |name: &str| Value::Int(cell(name).map(|v| v.parse::<i32>().unwrap()));
    let day = |name: &str| Value::ChronoDate(cell(name).map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap()));
    let eligibility =
        serde_json::to_string(&EligibilityRules::parse_line(cell("eligibility").unwrap_or("")).unwrap()).unwrap();
    let online = Value::Bool(cell("online").map(|v| v == "true"));
    let at = Value::ChronoDateTimeUtc(Some(written_at()));
    let id = insert(
        db,
        "product",
        vec![
            ("institution_id", institution_id.into()),
            ("code", text("code")),
            ("name", text("name")),
            ("family", text("family")),
            ("description", text("description")),
            ("amount_min_fen", fen("amount_min_yuan")),
            ("amount_max_fen", fen("amount_max_yuan")),
            ("term_min_months", months("term_min_months")),
            ("term_max_months", months("term_max_months")),
            ("rate_min_bps", bps("rate_min_pct")),
            ("rate_max_bps", bps("rate_max_pct")),
            ("rate_basis", text("rate_basis")),
            ("lpr_spread_bps", int("lpr_spread_bps")),
            ("repayment_methods", text("repayment_methods")),
            ("collateral", text("collateral")),
            ("guarantee_agency_id", Value::BigInt(agency_id)),
            ("guarantee_fee_bps", bps("guarantee_fee_pct")),
            ("eligibility", eligibility.into()),
            ("policy_support", cell("policy_support").unwrap_or("").into()),
            ("decision_days", int("decision_days")),
            ("online", online),
            ("valid_from", day("valid_from")),
            ("valid_until", day("valid_until")),
            ("state", state.into()),
            ("created_at", at.clone()),
            ("updated_at", at),
        ],
    )
    .await;
    for district in cell("districts").unwrap_or("").split('|').filter(|d| !d.is_empty()) {
        let statement = Query::insert()
            .into_table(Alias::new("product_district"))
            .columns([Alias::new("product_id"), Alias::new("district")])
            .values([id.into(), district.into()])
            .unwrap()
            .to_owned();
        db.store.connection().execute(&statement).await.unwrap();
    }
    id
}

/// The import record the store kept with versions and reviews: the row's cells as a JSON object.
pub(crate) fn record(cells: &[(&str, &str)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> =
        cells.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned()))).collect();
    serde_json::Value::Object(object).to_string()
}

/// A version of `product_id` holding `record`.
pub(crate) async fn insert_version(db: &TestDb, product_id: i64, version: i32, state: &str, record: String) -> i64 {
    let at = Value::ChronoDateTimeUtc(Some(written_at()));
    insert(
        db,
        "product_version",
        vec![
            ("product_id", product_id.into()),
            ("version", version.into()),
            ("account_id", Value::BigInt(Some(7))),
            ("at", at),
            ("action", "product.create".into()),
            ("state", state.into()),
            ("record", record.into()),
            ("changes", "[]".into()),
        ],
    )
    .await
}

/// An undecided review of `product_id` proposing `record`.
pub(crate) async fn insert_review(db: &TestDb, product_id: i64, record: String) -> i64 {
    let at = Value::ChronoDateTimeUtc(Some(written_at()));
    insert(
        db,
        "product_review",
        vec![
            ("product_id", product_id.into()),
            ("record", record.into()),
            ("submitted_by", 7_i64.into()),
            ("submitted_at", at),
        ],
    )
    .await
}
