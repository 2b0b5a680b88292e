//! Roll-ups of the whole market's uptake figures, so the operator's dashboard does not group millions of
//! events on every request.
//!
//! `uptake_rollup` holds, for one closed Shanghai day (`span` `d`) or month (`m`), exactly the rows the
//! figures' statement returns for the whole market over that period (grouping, key, state and the additive
//! aggregates); `uptake_rollup_period` says which periods are rolled up. The store writes both in one
//! transaction, so a period's rows exist exactly when its marker does.
//!
//! Events are written at the time they happen, so a closed day never changes in use; the demo and bench
//! generators and fixtures do write past events, and so triggers on `application_event` forget the day and
//! the month of every event inserted, updated or deleted (and everything on `TRUNCATE`). The roll-ups are
//! therefore never stale, whatever writes the events.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date, string_len, string_null, timestamp_with_time_zone};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UptakeRollup {
    Table,
    Span,
    Start,
    G,
    K,
    State,
    Events,
    Amount,
    Disbursed,
    Guaranteed,
    Fees,
}

#[derive(DeriveIden)]
enum UptakeRollupPeriod {
    Table,
    Span,
    Start,
    Events,
    ComputedAt,
}

/// The Shanghai day and month of an event's `at`, in each backend's SQL (`{at}` is the column).
const SQLITE_DAY: &str = "date({at}, '+8 hours')";
const SQLITE_MONTH: &str = "date({at}, '+8 hours', 'start of month')";
const POSTGRES_DAY: &str = "CAST({at} AT TIME ZONE INTERVAL '+08:00' AS DATE)";
const POSTGRES_MONTH: &str = "CAST(date_trunc('month', {at} AT TIME ZONE INTERVAL '+08:00') AS DATE)";

const TABLES: [&str; 2] = ["uptake_rollup", "uptake_rollup_period"];

/// PostgreSQL advisory-lock classes for a day's and a month's roll-up; the object is the period's first
/// day as days since 2000-01-01. A roll-up takes its period's lock exclusively before it reads; a statement
/// writing events takes the locks of their periods shared before it forgets them. So an event written
/// while its day is being rolled up either waits and then forgets the new roll-up, or is committed before
/// the roll-up reads. (SQLite has one writer at a time, and a roll-up writes from its first statement.)
pub const ROLLUP_LOCK_DAY: i32 = 7301;
pub const ROLLUP_LOCK_MONTH: i32 = 7302;

async fn postgres_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    // Statement-level triggers with transition tables: one DELETE per statement, however many events a
    // bulk insert writes.
    for (function, rows) in [("uptake_rollup_forget_new", "new_rows"), ("uptake_rollup_forget_old", "old_rows")] {
        let day = POSTGRES_DAY.replace("{at}", "c.at");
        let month = POSTGRES_MONTH.replace("{at}", "c.at");
        let locks = format!(
            "PERFORM pg_advisory_xact_lock_shared(CASE p.span WHEN 'd' THEN {ROLLUP_LOCK_DAY} ELSE {ROLLUP_LOCK_MONTH} END, \
             p.start - DATE '2000-01-01') \
             FROM (SELECT DISTINCT 'd' AS span, {day} AS start FROM {rows} c \
             UNION SELECT DISTINCT 'm', {month} FROM {rows} c ORDER BY 1, 2) p;\n"
        );
        let deletes: String = TABLES
            .iter()
            .map(|table| {
                format!(
                    "DELETE FROM {table} t USING (SELECT DISTINCT 'd' AS span, {day} AS start FROM {rows} c \
                     UNION SELECT DISTINCT 'm', {month} FROM {rows} c) p \
                     WHERE t.span = p.span AND t.start = p.start;\n"
                )
            })
            .collect();
        db.execute_unprepared(&format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN\n{locks}{deletes}RETURN NULL;\nEND\n$$"
        ))
        .await?;
    }
    db.execute_unprepared(
        "CREATE OR REPLACE FUNCTION uptake_rollup_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN\nDELETE FROM uptake_rollup;\nDELETE FROM uptake_rollup_period;\nRETURN NULL;\nEND\n$$",
    )
    .await?;
    for (name, when, function) in [
        ("uptake_rollup_after_insert", "INSERT ON application_event REFERENCING NEW TABLE AS new_rows", "new"),
        ("uptake_rollup_after_update_new", "UPDATE ON application_event REFERENCING NEW TABLE AS new_rows", "new"),
        ("uptake_rollup_after_update_old", "UPDATE ON application_event REFERENCING OLD TABLE AS old_rows", "old"),
        ("uptake_rollup_after_delete", "DELETE ON application_event REFERENCING OLD TABLE AS old_rows", "old"),
    ] {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER {name} AFTER {when} FOR EACH STATEMENT EXECUTE FUNCTION uptake_rollup_forget_{function}()"
        ))
        .await?;
    }
    db.execute_unprepared(
        "CREATE TRIGGER uptake_rollup_after_truncate AFTER TRUNCATE ON application_event \
         FOR EACH STATEMENT EXECUTE FUNCTION uptake_rollup_forget_all()",
    )
    .await?;
    Ok(())
}

async fn sqlite_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    // SQLite has row triggers only: two index probes per event written.
    for (name, op, rows) in [
        ("uptake_rollup_after_insert", "INSERT", &["NEW"][..]),
        ("uptake_rollup_after_update", "UPDATE", &["OLD", "NEW"][..]),
        ("uptake_rollup_after_delete", "DELETE", &["OLD"][..]),
    ] {
        let mut body = String::new();
        for row in rows {
            let at = format!("{row}.at");
            let (day, month) = (SQLITE_DAY.replace("{at}", &at), SQLITE_MONTH.replace("{at}", &at));
            for table in TABLES {
                body.push_str(&format!(
                    "DELETE FROM {table} WHERE (span = 'd' AND start = {day}) OR (span = 'm' AND start = {month});\n"
                ));
            }
        }
        db.execute_unprepared(&format!(
            "CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON application_event BEGIN\n{body}END"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UptakeRollupPeriod::Table)
                    .if_not_exists()
                    .col(string_len(UptakeRollupPeriod::Span, 1))
                    .col(date(UptakeRollupPeriod::Start))
                    .col(big_integer(UptakeRollupPeriod::Events))
                    .col(timestamp_with_time_zone(UptakeRollupPeriod::ComputedAt))
                    .primary_key(Index::create().col(UptakeRollupPeriod::Span).col(UptakeRollupPeriod::Start))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UptakeRollup::Table)
                    .if_not_exists()
                    .col(string_len(UptakeRollup::Span, 1))
                    .col(date(UptakeRollup::Start))
                    .col(big_integer(UptakeRollup::G))
                    .col(string_null(UptakeRollup::K))
                    .col(string_len(UptakeRollup::State, 32))
                    .col(big_integer(UptakeRollup::Events))
                    .col(big_integer(UptakeRollup::Amount))
                    .col(big_integer(UptakeRollup::Disbursed))
                    .col(big_integer(UptakeRollup::Guaranteed))
                    .col(big_integer(UptakeRollup::Fees))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_uptake_rollup_period")
                    .table(UptakeRollup::Table)
                    .col(UptakeRollup::Span)
                    .col(UptakeRollup::Start)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(db).await,
            _ => sqlite_triggers(db).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for trigger in [
                "uptake_rollup_after_insert",
                "uptake_rollup_after_update_new",
                "uptake_rollup_after_update_old",
                "uptake_rollup_after_delete",
                "uptake_rollup_after_truncate",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger} ON application_event")).await?;
            }
            for function in ["uptake_rollup_forget_new", "uptake_rollup_forget_old", "uptake_rollup_forget_all"] {
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {function}()")).await?;
            }
        } else {
            for trigger in ["uptake_rollup_after_insert", "uptake_rollup_after_update", "uptake_rollup_after_delete"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger}")).await?;
            }
        }
        for table in [UptakeRollup::Table.into_iden(), UptakeRollupPeriod::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
