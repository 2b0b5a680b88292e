//! Real pricing: published reference rates as data, and a product's rate as its page says it.
//!
//! **`reference_rate`** holds every publication of the loan prime rates (1-year, over-5-year) and of the
//! PBOC's benchmark lending rates (up to 1 year, 1–5 years, over 5 years): the value, the day it was
//! published (or took effect), where it was read, who entered it and when. A new publication is a new row;
//! a correction of a day's value is another row of the same kind and day with the next `revision`. Rows are
//! never changed or deleted (triggers refuse it), so the history stays. The table is seeded with the values
//! in force when this migration was written; the operator enters every later publication:
//! - LPR published 2025-05-20: 1-year 3.00 %, over-5-year 3.50 % (全国银行间同业拆借中心, www.chinamoney.com.cn);
//! - benchmark lending rates in effect from 2015-10-24: up to 1 year 4.35 %, 1–5 years 4.75 %, over 5 years
//!   4.90 % (中国人民银行, www.pbc.gov.cn).
//!
//! **`product`** keeps its rate as written: a figure range per year, month or day in millionths
//! (`rate_period`, `rate_notation`, `rate_min_ppm`, `rate_max_ppm`), an LPR spread range
//! (`lpr_spread_min_bps`, `lpr_spread_max_bps`) or a float over the benchmark (`benchmark_markup_min`,
//! `benchmark_markup_max`, hundredths of a percent), with `rate_basis` saying which (`fixed`, `lpr_1y`,
//! `lpr_5y`, `benchmark`, or NULL). The guarantee fee becomes a range (`guarantee_fee_min_bps`,
//! `guarantee_fee_max_bps`). The columns of before (`rate_min_bps`, `rate_max_bps`, `lpr_spread_bps`,
//! `guarantee_fee_bps`) are dropped.
//!
//! Existing products keep their meaning. A fixed or unstated-basis rate keeps its annual figures (× 100 in
//! millionths). An LPR product stored its annual range worked out at the LPR it was written against (the
//! seeded 3.00 % and 3.50 %, which Finmart quoted with) and its spread; it becomes LPR + (range − that LPR),
//! so with the seeded values it shows the same figures, and a new publication moves them. Where only a
//! maximum was stated the stored spread, if not above it, is the spread's minimum; with no annual figure the
//! stored spread is the whole range (NULL: "LPR 加点"). A fee becomes the range from itself to itself. The
//! import records kept with versions and reviews are restated the same way, in the new columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, date, integer, pk_auto, string_len, timestamp_with_time_zone};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReferenceRate {
    Table,
    Id,
    Kind,
    RateBps,
    PublishedOn,
    Revision,
    Source,
    EnteredByAccountId,
    EnteredBy,
    EnteredAt,
}

/// The seeded publications: (kind, basis points, day, source).
const SEED: [(&str, i32, &str, &str); 5] = [
    ("lpr_1y", 300, "2025-05-20", "全国银行间同业拆借中心 www.chinamoney.com.cn"),
    ("lpr_5y", 350, "2025-05-20", "全国银行间同业拆借中心 www.chinamoney.com.cn"),
    ("benchmark_1y", 435, "2015-10-24", "中国人民银行 www.pbc.gov.cn"),
    ("benchmark_1_5y", 475, "2015-10-24", "中国人民银行 www.pbc.gov.cn"),
    ("benchmark_5y_plus", 490, "2015-10-24", "中国人民银行 www.pbc.gov.cn"),
];

/// Who entered the seeded rows.
const SEEDED_BY: &str = "初始数据（迁移 10）";

/// The product columns added (all nullable: NULL is 未说明 or "not this form").
const ADDED: [(&str, &str); 10] = [
    ("rate_period", "text"),
    ("rate_notation", "text"),
    ("rate_min_ppm", "int"),
    ("rate_max_ppm", "int"),
    ("lpr_spread_min_bps", "int"),
    ("lpr_spread_max_bps", "int"),
    ("benchmark_markup_min", "int"),
    ("benchmark_markup_max", "int"),
    ("guarantee_fee_min_bps", "int"),
    ("guarantee_fee_max_bps", "int"),
];

/// The product columns of before, dropped once their values are moved.
const DROPPED: [&str; 4] = ["rate_min_bps", "rate_max_bps", "lpr_spread_bps", "guarantee_fee_bps"];

/// Records read and rewritten per statement.
const RECORD_PAGE: u64 = 500;

fn reference_rate_table() -> TableCreateStatement {
    use ReferenceRate as R;
    Table::create()
        .table(R::Table)
        .col(pk_auto(R::Id).big_integer())
        .col(string_len(R::Kind, 32))
        .col(integer(R::RateBps))
        .col(date(R::PublishedOn))
        .col(integer(R::Revision).default(0))
        .col(string_len(R::Source, 200).default(""))
        .col(big_integer_null(R::EnteredByAccountId))
        .col(string_len(R::EnteredBy, 100))
        .col(timestamp_with_time_zone(R::EnteredAt))
        .to_owned()
}

/// The table refuses UPDATE and DELETE, so its history stays whatever code runs against it.
async fn append_only(db: &impl ConnectionTrait, backend: DbBackend) -> Result<(), DbErr> {
    if backend == DbBackend::Postgres {
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION reference_rate_append_only() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'reference_rate is append-only'; END; $$ LANGUAGE plpgsql",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER reference_rate_append_only BEFORE UPDATE OR DELETE ON reference_rate \
             FOR EACH ROW EXECUTE FUNCTION reference_rate_append_only()",
        )
        .await?;
    } else {
        for op in ["UPDATE", "DELETE"] {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER reference_rate_no_{} BEFORE {op} ON reference_rate \
                 BEGIN SELECT RAISE(ABORT, 'reference_rate is append-only'); END",
                op.to_lowercase()
            ))
            .await?;
        }
    }
    Ok(())
}

/// The seeded LPR of `kind` (the one the stored annual ranges were worked out at), from the table itself.
fn seeded(kind: &str) -> String {
    format!(
        "(SELECT rate_bps FROM reference_rate WHERE kind = '{kind}' AND revision = 0 AND entered_by = '{SEEDED_BY}')"
    )
}

/// Moves the stored rates and fees into the new columns (see the module's notes).
async fn restate_products(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared(
        "UPDATE product SET rate_period = 'annual', rate_notation = 'percent', \
         rate_min_ppm = rate_min_bps * 100, rate_max_ppm = rate_max_bps * 100 \
         WHERE (rate_basis IS NULL OR rate_basis = 'fixed') AND (rate_min_bps IS NOT NULL OR rate_max_bps IS NOT NULL)",
    )
    .await?;
    for kind in ["lpr_1y", "lpr_5y"] {
        let lpr = seeded(kind);
        db.execute_unprepared(&format!(
            "UPDATE product SET \
             lpr_spread_min_bps = CASE \
               WHEN rate_min_bps IS NOT NULL THEN rate_min_bps - {lpr} \
               WHEN rate_max_bps IS NULL THEN lpr_spread_bps \
               WHEN lpr_spread_bps <= rate_max_bps - {lpr} THEN lpr_spread_bps \
               ELSE NULL END, \
             lpr_spread_max_bps = CASE \
               WHEN rate_max_bps IS NOT NULL THEN rate_max_bps - {lpr} \
               WHEN rate_min_bps IS NULL THEN lpr_spread_bps \
               ELSE NULL END \
             WHERE rate_basis = '{kind}'"
        ))
        .await?;
    }
    db.execute_unprepared(
        "UPDATE product SET guarantee_fee_min_bps = guarantee_fee_bps, guarantee_fee_max_bps = guarantee_fee_bps \
         WHERE guarantee_fee_bps IS NOT NULL",
    )
    .await?;
    Ok(())
}

/// A percentage cell (`3.45`, `3.45%`, or a JSON number) in basis points; `None` when it is not one.
fn cell_bps(value: &serde_json::Value) -> Option<i64> {
    let text = match value {
        serde_json::Value::String(s) => s.trim().trim_end_matches(['%', '％']).trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 || whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    Some(whole * 100 + frac)
}

/// A whole-number cell (`40`, or a JSON number).
fn cell_int(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The record in the new columns, or `None` when it needs no change (or is not a JSON object: the store
/// reports such a record as corrupt when it reads it, as before). `lpr` is the seeded LPR by tenor.
fn restated(text: &str, lpr: &[(String, i64)]) -> Option<String> {
    let serde_json::Value::Object(mut record) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let mut changed = false;
    let tenor = record.get("rate_basis").and_then(|v| v.as_str()).map(str::trim).map(str::to_owned);
    if let Some(reference) = tenor.and_then(|t| lpr.iter().find(|(kind, _)| *kind == t).map(|(_, v)| *v)) {
        let min = record.remove("rate_min_pct").as_ref().and_then(cell_bps);
        let max = record.remove("rate_max_pct").as_ref().and_then(cell_bps);
        let spread = record.remove("lpr_spread_bps").as_ref().and_then(cell_int);
        let (lo, hi) = match (min, max) {
            (Some(lo), Some(hi)) => (Some(lo - reference), Some(hi - reference)),
            (Some(lo), None) => (Some(lo - reference), None),
            (None, Some(hi)) => (spread.filter(|s| *s <= hi - reference), Some(hi - reference)),
            (None, None) => (spread, spread),
        };
        for (column, value) in [("lpr_spread_min_bps", lo), ("lpr_spread_max_bps", hi)] {
            if let Some(v) = value {
                record.insert(column.to_owned(), serde_json::Value::String(v.to_string()));
            }
        }
        changed = true;
    }
    if let Some(fee) = record.remove("guarantee_fee_pct") {
        let empty = matches!(&fee, serde_json::Value::Null) || fee.as_str().is_some_and(|s| s.trim().is_empty());
        if !empty {
            record.insert("guarantee_fee_min_pct".to_owned(), fee.clone());
            record.insert("guarantee_fee_max_pct".to_owned(), fee);
        }
        changed = true;
    }
    changed.then(|| serde_json::Value::Object(record).to_string())
}

/// Rewrites the import records of `table` (`product_version` or `product_review`) in the new columns.
async fn restate_records(db: &impl ConnectionTrait, table: &'static str, lpr: &[(String, i64)]) -> Result<(), DbErr> {
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
            if let Some(new) = restated(&text, lpr) {
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
    /// One transaction: the products' rates are moved and the old columns dropped together.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        manager.create_table(reference_rate_table()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_reference_rate_kind_day")
                    .table(ReferenceRate::Table)
                    .col(ReferenceRate::Kind)
                    .col(ReferenceRate::PublishedOn)
                    .col(ReferenceRate::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        for (kind, bps, day, source) in SEED {
            use ReferenceRate as R;
            let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|e| DbErr::Custom(e.to_string()))?;
            let insert = Query::insert()
                .into_table(R::Table)
                .columns([R::Kind, R::RateBps, R::PublishedOn, R::Revision, R::Source, R::EnteredBy, R::EnteredAt])
                .values([kind.into(), bps.into(), day.into(), 0.into(), source.into(), SEEDED_BY.into(), now.into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            db.execute(&insert).await?;
        }
        append_only(db, backend).await?;

        for (column, kind) in ADDED {
            let definition = match (kind, backend) {
                ("int", _) => "INTEGER NULL",
                (_, DbBackend::Postgres) => "VARCHAR(16) NULL",
                _ => "varchar(16) NULL",
            };
            db.execute_unprepared(&format!("ALTER TABLE product ADD COLUMN {column} {definition}")).await?;
        }
        restate_products(db).await?;
        for column in DROPPED {
            db.execute_unprepared(&format!("ALTER TABLE product DROP COLUMN {column}")).await?;
        }

        let mut lpr = Vec::new();
        for kind in ["lpr_1y", "lpr_5y"] {
            let row = db
                .query_one_raw(Statement::from_string(backend, format!("SELECT {} AS v", seeded(kind))))
                .await?
                .ok_or_else(|| DbErr::Custom(format!("no seeded {kind}")))?;
            lpr.push((kind.to_owned(), i64::from(row.try_get::<i32>("", "v")?)));
        }
        restate_records(db, "product_version", &lpr).await?;
        restate_records(db, "product_review", &lpr).await
    }
}

#[cfg(test)]
mod tests {
    use super::restated;

    fn lpr() -> Vec<(String, i64)> {
        vec![("lpr_1y".to_owned(), 300), ("lpr_5y".to_owned(), 350)]
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn records_move_to_the_new_columns_with_the_same_figures() {
        let old =
            r#"{"code":"P-1","rate_basis":"lpr_1y","rate_min_pct":"3.45","rate_max_pct":"4.8","lpr_spread_bps":"45"}"#;
        let new = json(&restated(old, &lpr()).unwrap());
        assert_eq!(
            new,
            json(r#"{"code":"P-1","rate_basis":"lpr_1y","lpr_spread_min_bps":"45","lpr_spread_max_bps":"180"}"#)
        );
        let five = r#"{"rate_basis":"lpr_5y","rate_min_pct":3.3}"#;
        assert_eq!(
            json(&restated(five, &lpr()).unwrap()),
            json(r#"{"rate_basis":"lpr_5y","lpr_spread_min_bps":"-20"}"#)
        );
        let bare = r#"{"rate_basis":"lpr_1y","lpr_spread_bps":"40"}"#;
        assert_eq!(
            json(&restated(bare, &lpr()).unwrap()),
            json(r#"{"rate_basis":"lpr_1y","lpr_spread_min_bps":"40","lpr_spread_max_bps":"40"}"#)
        );
        let unsaid = r#"{"rate_basis":"lpr_1y"}"#;
        assert_eq!(json(&restated(unsaid, &lpr()).unwrap()), json(r#"{"rate_basis":"lpr_1y"}"#));
        let capped = r#"{"rate_basis":"lpr_1y","rate_max_pct":"4.8","lpr_spread_bps":"40"}"#;
        assert_eq!(
            json(&restated(capped, &lpr()).unwrap()),
            json(r#"{"rate_basis":"lpr_1y","lpr_spread_min_bps":"40","lpr_spread_max_bps":"180"}"#)
        );
        let fee = r#"{"rate_basis":"fixed","rate_min_pct":"3.45","guarantee_agency_code":"g","guarantee_fee_pct":"1"}"#;
        assert_eq!(
            json(&restated(fee, &lpr()).unwrap()),
            json(
                r#"{"rate_basis":"fixed","rate_min_pct":"3.45","guarantee_agency_code":"g","guarantee_fee_min_pct":"1","guarantee_fee_max_pct":"1"}"#
            )
        );
        assert_eq!(restated(r#"{"rate_basis":"fixed","rate_min_pct":"3.45"}"#, &lpr()), None);
        assert_eq!(restated("not json", &lpr()), None);
    }
}
