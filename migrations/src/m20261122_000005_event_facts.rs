//! Application events carry the facts the uptake figures group and sum by, so the dashboards read one
//! table and never join `application`.
//!
//! With millions of applications, joining each event of a period to its application is one random read
//! per event: a guarantee agency's year (about 170,000 events in the 5,000,000-application bench data)
//! took seconds per figure. Each event now records, when it is written, what it is about: the product,
//! its family, the firm's district, industry, scale and qualifications, first and credit loan, the amount
//! applied for, seconds since submission, and for a disbursement the amount paid and the guarantee fee it
//! earns, for a rejection the reason. Events are never updated, so the copy cannot go stale.
//!
//! Existing events are filled from their applications here. On PostgreSQL the agency's and the lender's
//! indexes carry every one of those columns (`INCLUDE`), so an agency's or a lender's period is one
//! contiguous index-only range; the agency's is partial, as most events belong to unguaranteed products.
//! SQLite keeps the plain indexes: its deployments are small.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, boolean_null, string_len_null, string_null, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApplicationEvent {
    Table,
    ProductId,
    Family,
    District,
    Industry,
    Scale,
    Qualifications,
    FirstLoan,
    CreditLoan,
    AppliedFen,
    ElapsedSeconds,
    DisbursedFen,
    GuaranteeFeeFen,
    Reason,
}

/// Seconds from the application's submission to the event, never negative.
fn elapsed(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "GREATEST(CAST(FLOOR(EXTRACT(EPOCH FROM (application_event.at - a.submitted_at))) AS BIGINT), 0)"
        }
        // julianday() is a day count with millisecond precision: round to whole milliseconds, then drop them.
        _ => {
            "MAX(CAST(ROUND((julianday(application_event.at) - julianday(a.submitted_at)) * 86400000.0) AS INTEGER) \
             / 1000, 0)"
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ApplicationEvent as E;
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            big_integer_null(E::ProductId),
            string_len_null(E::Family, 32),
            string_len_null(E::District, 16),
            string_len_null(E::Industry, 32),
            string_len_null(E::Scale, 16),
            string_null(E::Qualifications),
            boolean_null(E::FirstLoan),
            boolean_null(E::CreditLoan),
            big_integer_null(E::AppliedFen),
            big_integer_null(E::ElapsedSeconds),
            big_integer_null(E::DisbursedFen),
            big_integer_null(E::GuaranteeFeeFen),
            text_null(E::Reason),
        ];
        for column in columns {
            manager.alter_table(Table::alter().table(E::Table).add_column(column).to_owned()).await?;
        }

        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        // The same figures `store::event_facts` writes for new events.
        db.execute_unprepared(&format!(
            "UPDATE application_event SET \
               product_id = a.product_id, family = a.family, district = a.district, industry = a.industry, \
               scale = a.scale, qualifications = a.qualifications, first_loan = a.first_loan, \
               credit_loan = a.credit_loan, applied_fen = a.amount_fen, elapsed_seconds = {elapsed}, \
               disbursed_fen = CASE WHEN application_event.to_state = 'disbursed' THEN a.disbursed_amount_fen END, \
               guarantee_fee_fen = CASE WHEN application_event.to_state = 'disbursed' THEN \
                 COALESCE(a.disbursed_amount_fen, 0) * COALESCE(a.guarantee_fee_bps, 0) \
                 * COALESCE(a.disbursed_term_months, 0) / 120000 END, \
               reason = CASE WHEN application_event.to_state = 'rejected' THEN a.reason END \
             FROM application a WHERE a.id = application_event.application_id",
            elapsed = elapsed(backend)
        ))
        .await?;

        if backend == DbBackend::Postgres {
            // Every column the figures read, so an agency's or a lender's period is an index-only range.
            const FACTS: &str = "to_state, product_id, family, district, industry, scale, qualifications, \
                first_loan, credit_loan, applied_fen, elapsed_seconds, disbursed_fen, guarantee_fee_fen, reason";
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS ix_application_event_agency_facts \
                 ON application_event (guarantee_agency_id, at) INCLUDE (institution_id, {FACTS}) \
                 WHERE guarantee_agency_id IS NOT NULL"
            ))
            .await?;
            db.execute_unprepared("DROP INDEX IF EXISTS ix_application_event_agency").await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS ix_application_event_institution_facts \
                 ON application_event (institution_id, at) INCLUDE (guarantee_agency_id, {FACTS})"
            ))
            .await?;
            db.execute_unprepared("DROP INDEX IF EXISTS ix_application_event_institution").await?;
        }
        Ok(())
    }
}
