//! Finmart's schema, as sea-orm migrations that run unchanged on SQLite and PostgreSQL.
//!
//! Portable column types only (integers, text, booleans, dates, UTC timestamps): money is `BIGINT` fen,
//! rates `INTEGER` basis points (rate figures as pages write them in millionths), list-valued product fields `|`-joined machine names, and eligibility rules
//! their JSON text. `finmart migrate` and every server start apply the pending ones.

pub use m20261122_000006_uptake_rollup::{ROLLUP_LOCK_DAY, ROLLUP_LOCK_MONTH};
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_catalogue;
mod m20261122_000002_create_enterprise;
mod m20261122_000003_create_marketplace;
mod m20261122_000004_create_market_watch;
mod m20261122_000005_event_facts;
mod m20261122_000006_uptake_rollup;
mod m20261122_000007_typed_notifications;
mod m20261203_000008_unstated_product_facts;
mod m20261203_000009_product_more_families;
mod m20261203_000010_reference_rates;
mod m20261203_000011_division_codes;
mod m20261203_000012_product_source;
mod m20261204_000013_open_application;
mod m20261204_000014_lending_record;
mod m20261204_000015_search_log_unrecorded;
mod m20261204_000016_institution_suspension;
mod m20261205_000017_contact_and_conversation;
mod m20261205_000020_documents;
mod m20261205_000021_favourites;
mod m20261205_000022_verified_facts;
mod m20261205_000023_provider_accounts;
mod m20261205_000024_product_verified_rules;
mod m20261205_000025_consent_scope;
mod m20261205_000026_pool_snapshot;

/// The ordered list of migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_catalogue::Migration),
            Box::new(m20261122_000002_create_enterprise::Migration),
            Box::new(m20261122_000003_create_marketplace::Migration),
            Box::new(m20261122_000004_create_market_watch::Migration),
            Box::new(m20261122_000005_event_facts::Migration),
            Box::new(m20261122_000006_uptake_rollup::Migration),
            Box::new(m20261122_000007_typed_notifications::Migration),
            Box::new(m20261203_000008_unstated_product_facts::Migration),
            Box::new(m20261203_000009_product_more_families::Migration),
            Box::new(m20261203_000010_reference_rates::Migration),
            Box::new(m20261203_000011_division_codes::Migration),
            Box::new(m20261203_000012_product_source::Migration),
            Box::new(m20261204_000013_open_application::Migration),
            Box::new(m20261204_000014_lending_record::Migration),
            Box::new(m20261204_000015_search_log_unrecorded::Migration),
            Box::new(m20261204_000016_institution_suspension::Migration),
            Box::new(m20261205_000017_contact_and_conversation::Migration),
            Box::new(m20261205_000020_documents::Migration),
            Box::new(m20261205_000021_favourites::Migration),
            Box::new(m20261205_000022_verified_facts::Migration),
            Box::new(m20261205_000023_provider_accounts::Migration),
            Box::new(m20261205_000024_product_verified_rules::Migration),
            Box::new(m20261205_000025_consent_scope::Migration),
            Box::new(m20261205_000026_pool_snapshot::Migration),
        ]
    }
}
