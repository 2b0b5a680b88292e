//! The lending record carries its terms: an approval records what was granted, a loan may be paid out in
//! parts, and a wrong record is corrected by a new event, never by an edit.
//!
//! - `application.approval`: the approved amount, rate (fixed, or LPR plus a spread), term and repayment
//!   method as JSON (the domain's `ApprovalTerms`); NULL for every application approved before (their
//!   lender records the terms by a correction before paying out more).
//! - `disbursement`: one row per payment, with the event that recorded it and, once corrected or
//!   reversed, the event that replaced it (the row stays: the history keeps what was entered). Each
//!   existing disbursed application's payment becomes its first row, tied to its disbursement event.
//! - `application_event.counted`: how many of its kind the event counts in the figures: 1 for every event
//!   so far; a correction's event carries the difference it makes (−1 when a payment is reversed, and the
//!   amounts' differences in `disbursed_fen` and `guarantee_fee_fen`), dated as the payment it corrects, so
//!   every figure adds up to what it would have been had the right value been entered first. On PostgreSQL
//!   the lender's and the agency's covering indexes gain the column, so their figures stay index-only.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, date, integer, pk_auto, small_integer, string_null, text_null,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Application {
    Table,
    Id,
    Approval,
}

#[derive(DeriveIden)]
enum ApplicationEvent {
    Table,
    Id,
    Counted,
}

#[derive(DeriveIden)]
enum Disbursement {
    Table,
    Id,
    ApplicationId,
    AmountFen,
    RateBps,
    TermMonths,
    DisbursedOn,
    Reason,
    EventId,
    ReplacedByEventId,
    CreatedAt,
}

/// The event facts the PostgreSQL covering indexes carry (migration 5's, and now `counted`).
const FACTS: &str = "to_state, product_id, family, district, industry, scale, qualifications, first_loan, \
    credit_loan, applied_fen, elapsed_seconds, disbursed_fen, guarantee_fee_fen, reason, counted";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter().table(Application::Table).add_column(text_null(Application::Approval)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApplicationEvent::Table)
                    .add_column(small_integer(ApplicationEvent::Counted).default(1))
                    .to_owned(),
            )
            .await?;
        use Disbursement as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(pk_auto(D::Id).big_integer())
                    .col(big_integer(D::ApplicationId))
                    .col(big_integer(D::AmountFen))
                    .col(integer(D::RateBps))
                    .col(integer(D::TermMonths))
                    .col(date(D::DisbursedOn))
                    .col(string_null(D::Reason))
                    .col(big_integer_null(D::EventId))
                    .col(big_integer_null(D::ReplacedByEventId))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::ApplicationId)
                            .to(Application::Table, Application::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::EventId)
                            .to(ApplicationEvent::Table, ApplicationEvent::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_disbursement_application").table(D::Table).col(D::ApplicationId).to_owned(),
            )
            .await?;
        // Every payment recorded so far, tied to the event that recorded it (the latest disbursement event of
        // its application: there was one per application).
        db.execute_unprepared(
            "INSERT INTO disbursement (application_id, amount_fen, rate_bps, term_months, disbursed_on, reason, \
             event_id, replaced_by_event_id, created_at) \
             SELECT a.id, a.disbursed_amount_fen, a.disbursed_rate_bps, a.disbursed_term_months, a.disbursed_on, NULL, \
             (SELECT MAX(e.id) FROM application_event e WHERE e.application_id = a.id AND e.to_state = 'disbursed'), \
             NULL, COALESCE(a.disbursed_at, a.updated_at) \
             FROM application a WHERE a.disbursed_amount_fen IS NOT NULL AND a.disbursed_rate_bps IS NOT NULL \
             AND a.disbursed_term_months IS NOT NULL AND a.disbursed_on IS NOT NULL ORDER BY a.id",
        )
        .await?;
        if backend == DbBackend::Postgres {
            for (name, on, include) in [
                ("ix_application_event_agency_facts", "(guarantee_agency_id, at)", "institution_id"),
                ("ix_application_event_institution_facts", "(institution_id, at)", "guarantee_agency_id"),
            ] {
                let partial = if include == "institution_id" { " WHERE guarantee_agency_id IS NOT NULL" } else { "" };
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
                db.execute_unprepared(&format!(
                    "CREATE INDEX {name} ON application_event {on} INCLUDE ({include}, {FACTS}){partial}"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
