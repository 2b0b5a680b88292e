//! A product fact its page leaves out is stored as 未说明 (NULL), never as a value that means something else.
//!
//! Amount, term and rate bounds, rate basis, repayment methods, collateral, decision time, `online` and the
//! start of validity become nullable (`lpr_spread_bps` already was: NULL with an LPR basis now means "LPR
//! 加点" with no spread stated). Collateral is stored in the one text form of the domain's terms: `none`
//! (纯信用), `a|b` (any one of them), `none|a|b` (credit alone, or any one), `a+b` (all of them).
//!
//! Existing databases upgrade in place and nothing that was known becomes unknown. Every existing row was
//! fully stated, so its columns keep their values, except the two that were read with a default:
//! - an empty `collateral` meant 纯信用: it becomes `none` (a non-empty `a|b` meant any one of them, as now);
//! - an LPR basis with a NULL spread was read as a spread of 0 (no row the store wrote had one): it becomes 0.
//!
//! The import records kept in `product_version.record` and `product_review.record` (JSON objects of import
//! columns, empty cells left out) are read with the new rules too, where an absent `collateral`, `online` or
//! `rate_basis` is 未说明; under the old rules those meant 纯信用, false and fixed, so the records gain
//! `"collateral": "none"`, `"online": "false"` and `"rate_basis": "fixed"` where the column is absent.
//!
//! PostgreSQL drops the NOT NULLs in place. SQLite cannot relax a column, so the table is rebuilt in this
//! migration's transaction. With foreign keys enforced (sqlx's default, and a pragma that cannot be turned
//! off inside a transaction), dropping `product` runs an implicit `DELETE FROM product`: it would cascade to
//! `product_district`, and count a violation for every row of the tables that restrict (`product_version`,
//! `product_review`, `application`, `offer`). So the rows are copied to temporary tables first, the
//! districts are taken out and put back, and the products are inserted into the new table after the drop:
//! with foreign keys deferred, each inserted product cancels the violations its referencing rows counted,
//! and the commit checks that none is left. The table keeps its `AUTOINCREMENT` sequence (ids of deleted
//! products are not reused: the change log still names them), and its indexes and triggers are created
//! again from their stored definitions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean_null, date_null, integer_null, pk_auto, string, string_len, string_len_null,
    string_null, text, timestamp_with_time_zone,
};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
    InstitutionId,
    Code,
    Name,
    Family,
    Description,
    AmountMinFen,
    AmountMaxFen,
    TermMinMonths,
    TermMaxMonths,
    RateMinBps,
    RateMaxBps,
    RateBasis,
    LprSpreadBps,
    RepaymentMethods,
    Collateral,
    GuaranteeAgencyId,
    GuaranteeFeeBps,
    Eligibility,
    PolicySupport,
    DecisionDays,
    Online,
    ValidFrom,
    ValidUntil,
    State,
    CreatedAt,
    UpdatedAt,
}

/// The columns that may now be 未说明.
const RELAXED: [&str; 12] = [
    "amount_min_fen",
    "amount_max_fen",
    "term_min_months",
    "term_max_months",
    "rate_min_bps",
    "rate_max_bps",
    "rate_basis",
    "repayment_methods",
    "collateral",
    "decision_days",
    "online",
    "valid_from",
];

/// Every column of `product`, in table order.
const COLUMNS: &str = "id, institution_id, code, name, family, description, amount_min_fen, amount_max_fen, \
    term_min_months, term_max_months, rate_min_bps, rate_max_bps, rate_basis, lpr_spread_bps, repayment_methods, \
    collateral, guarantee_agency_id, guarantee_fee_bps, eligibility, policy_support, decision_days, online, \
    valid_from, valid_until, state, created_at, updated_at";

/// Import columns whose absence from a stored record meant a value before this migration, and the cell that
/// says that value now.
const ABSENT_MEANT: [(&str, &str); 3] = [("collateral", "none"), ("online", "false"), ("rate_basis", "fixed")];

/// Records read and rewritten per statement.
const RECORD_PAGE: u64 = 500;

/// `product` as migrations 1 and 4 made it (the same columns, types and foreign keys; its indexes are
/// created again from their stored definitions), with the facts a page may leave out nullable.
fn relaxed_product() -> TableCreateStatement {
    use Product as P;
    Table::create()
        .table(P::Table)
        .col(pk_auto(P::Id).big_integer())
        .col(big_integer(P::InstitutionId))
        .col(string_len(P::Code, 40))
        .col(string_len(P::Name, 100))
        .col(string_len(P::Family, 32))
        .col(text(P::Description))
        .col(big_integer_null(P::AmountMinFen))
        .col(big_integer_null(P::AmountMaxFen))
        .col(integer_null(P::TermMinMonths))
        .col(integer_null(P::TermMaxMonths))
        .col(integer_null(P::RateMinBps))
        .col(integer_null(P::RateMaxBps))
        .col(string_len_null(P::RateBasis, 16))
        .col(integer_null(P::LprSpreadBps))
        .col(string_null(P::RepaymentMethods))
        .col(string_null(P::Collateral))
        .col(ColumnDef::new(P::GuaranteeAgencyId).big_integer().null())
        .col(integer_null(P::GuaranteeFeeBps))
        .col(text(P::Eligibility))
        .col(string(P::PolicySupport))
        .col(integer_null(P::DecisionDays))
        .col(boolean_null(P::Online))
        .col(date_null(P::ValidFrom))
        .col(date_null(P::ValidUntil))
        .col(string_len(P::State, 16))
        .col(timestamp_with_time_zone(P::CreatedAt))
        .col(timestamp_with_time_zone(P::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_product_institution")
                .from(P::Table, P::InstitutionId)
                .to(Institution::Table, Institution::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_product_guarantee_agency")
                .from(P::Table, P::GuaranteeAgencyId)
                .to(Institution::Table, Institution::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

/// SQLite: rebuilds `product` with the relaxed columns (see the module's notes for why in this order).
async fn rebuild_on_sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    // The indexes and triggers on `product` (migrations 1 and 4 made three indexes), to make again as they
    // were; `sql` is NULL only for the automatic indexes of constraints, which the new table makes itself.
    let mut again = Vec::new();
    for row in db
        .query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'product' AND type IN ('index', 'trigger') \
             AND sql IS NOT NULL ORDER BY type, name",
        ))
        .await?
    {
        again.push(row.try_get::<String>("", "sql")?);
    }
    db.execute_unprepared("PRAGMA defer_foreign_keys = ON").await?;
    db.execute_unprepared("CREATE TEMP TABLE product_v7 AS SELECT * FROM product").await?;
    db.execute_unprepared("CREATE TEMP TABLE product_district_v7 AS SELECT * FROM product_district").await?;
    db.execute_unprepared("CREATE TEMP TABLE product_seq_v7 AS SELECT seq FROM sqlite_sequence WHERE name = 'product'")
        .await?;
    // Taken out here so the drop's cascade has nothing to delete (with or without enforced foreign keys).
    db.execute_unprepared("DELETE FROM product_district").await?;
    db.execute_unprepared("DROP TABLE product").await?;
    manager.create_table(relaxed_product()).await?;
    db.execute_unprepared(&format!("INSERT INTO product ({COLUMNS}) SELECT {COLUMNS} FROM temp.product_v7")).await?;
    db.execute_unprepared(
        "INSERT INTO product_district (product_id, district) SELECT product_id, district FROM temp.product_district_v7",
    )
    .await?;
    db.execute_unprepared("DELETE FROM sqlite_sequence WHERE name = 'product'").await?;
    db.execute_unprepared("INSERT INTO sqlite_sequence (name, seq) SELECT 'product', seq FROM temp.product_seq_v7")
        .await?;
    for sql in again {
        db.execute_unprepared(&sql).await?;
    }
    for table in ["product_v7", "product_district_v7", "product_seq_v7"] {
        db.execute_unprepared(&format!("DROP TABLE temp.{table}")).await?;
    }
    Ok(())
}

/// Whether a record leaves `column` out: absent, null, or a blank text (which an import reads as an empty
/// cell).
fn left_out(record: &serde_json::Map<String, serde_json::Value>, column: &str) -> bool {
    match record.get(column) {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// The record with the columns whose absence meant a value written out, or `None` when it needs no change
/// (or is not a JSON object: the store reports such a record as corrupt when it reads it, as before).
fn restated(text: &str) -> Option<String> {
    let serde_json::Value::Object(mut record) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let mut changed = false;
    for (column, meant) in ABSENT_MEANT {
        if left_out(&record, column) {
            record.insert(column.to_owned(), serde_json::Value::String(meant.to_owned()));
            changed = true;
        }
    }
    changed.then(|| serde_json::Value::Object(record).to_string())
}

/// Rewrites the import records of `table` (`product_version` or `product_review`) to keep their meaning.
async fn restate_records(db: &impl ConnectionTrait, table: &'static str) -> Result<(), DbErr> {
    let (id, record) = (Alias::new("id"), Alias::new("record"));
    let mut after = 0_i64;
    loop {
        let page = db
            .query_all(
                Query::select()
                    .columns([id.clone(), record.clone()])
                    .from(Alias::new(table))
                    .and_where(Expr::col(id.clone()).gt(after))
                    .order_by(id.clone(), Order::Asc)
                    .limit(RECORD_PAGE),
            )
            .await?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.try_get("", "id")?;
        for row in &page {
            let text: String = row.try_get("", "record")?;
            if let Some(new) = restated(&text) {
                let row_id: i64 = row.try_get("", "id")?;
                db.execute(
                    Query::update()
                        .table(Alias::new(table))
                        .value(record.clone(), new)
                        .and_where(Expr::col(id.clone()).eq(row_id)),
                )
                .await?;
            }
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on every backend: SQLite's rebuild must not be seen half done, and its deferred
    /// foreign keys are checked at this transaction's commit.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => rebuild_on_sqlite(manager).await?,
            _ => {
                let clauses: Vec<String> = RELAXED.iter().map(|c| format!("ALTER COLUMN {c} DROP NOT NULL")).collect();
                db.execute_unprepared(&format!("ALTER TABLE product {}", clauses.join(", "))).await?;
            }
        }
        // What the old reading made of these rows, now stated.
        db.execute_unprepared("UPDATE product SET collateral = 'none' WHERE TRIM(collateral) = ''").await?;
        db.execute_unprepared(
            "UPDATE product SET lpr_spread_bps = 0 WHERE rate_basis <> 'fixed' AND lpr_spread_bps IS NULL",
        )
        .await?;
        restate_records(db, "product_version").await?;
        restate_records(db, "product_review").await
    }
}

#[cfg(test)]
mod tests {
    use super::restated;

    #[test]
    fn a_record_keeps_what_its_absent_columns_meant() {
        let old = r#"{"code":"P-1","collateral":"real_estate|receivables","online":"true"}"#;
        let new: serde_json::Value = serde_json::from_str(&restated(old).unwrap()).unwrap();
        assert_eq!(new["collateral"], "real_estate|receivables");
        assert_eq!(new["online"], "true");
        assert_eq!(new["rate_basis"], "fixed");

        let new: serde_json::Value =
            serde_json::from_str(&restated(r#"{"code":"P-2","collateral":" "}"#).unwrap()).unwrap();
        assert_eq!(
            (&new["collateral"], &new["online"], &new["rate_basis"]),
            (&"none".into(), &"false".into(), &"fixed".into())
        );

        let stated = r#"{"collateral":"none","online":"false","rate_basis":"lpr_1y"}"#;
        assert_eq!(restated(stated), None);
        assert_eq!(restated("not json"), None);
        assert_eq!(restated("[1]"), None);
    }
}
