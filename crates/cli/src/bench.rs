//! `finmart gen-bench-data`: fictional institutions, products, SME profiles and financing applications with
//! their histories in bulk, for load tests and benchmarks at the scale the platform plans for (100,000
//! products, 1,000,000 profiles, millions of applications).
//!
//! Everything comes from [`finmart_synth`] with one seed, so a second run with the same numbers rewrites
//! nothing: products upsert by (institution, code) through the store's import path (which keeps the change
//! log), profiles by credit code through the bulk insert, and applications are counted by their
//! idempotency keys first ([`applications`]).

pub mod applications;

use crate::import::progress_bar;
use chrono::NaiveDate;
use finmart_domain::{ImportRow, NewInstitution};
use finmart_store::{ImportSummary, Store, StoreError};
use std::time::{Duration, Instant};

/// How many fictional institutions list the bench products.
pub const INSTITUTIONS: usize = 60;
/// Products per import transaction.
const PRODUCT_BATCH: usize = 1_000;
/// Profiles per bulk-insert transaction.
const PROFILE_BATCH: usize = 5_000;

/// The day generated data is dated from: 2026-11-22, or today when that is earlier. A fixed day keeps the
/// data the same on every day it is generated (so a re-run rewrites nothing); never later than today keeps
/// it valid (no firm established in the future).
#[must_use]
pub fn reference_date() -> NaiveDate {
    let today = chrono::Utc::now().date_naive();
    NaiveDate::from_ymd_opt(2026, 11, 22).map_or(today, |fixed| fixed.min(today))
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BenchSummary {
    pub institutions_created: usize,
    pub products: ImportSummary,
    /// Profiles created or changed.
    pub profiles_written: u64,
    /// How long generating and writing the products took.
    pub products_time: Duration,
    /// How long generating and writing the profiles took.
    pub profiles_time: Duration,
    /// Verified facts added or replaced (the departments' records about part of the firms).
    pub facts_written: usize,
    /// How long generating and writing the facts took.
    pub facts_time: Duration,
    /// Applications written (with their histories).
    pub applications_written: u64,
    /// How long generating and writing the applications took.
    pub applications_time: Duration,
}

/// Creates the bench institutions that are missing; returns how many it created.
///
/// # Errors
/// Database failure.
pub async fn ensure_institutions(store: &Store, institutions: &[NewInstitution]) -> Result<usize, StoreError> {
    let mut created = 0;
    for institution in institutions {
        if store.institution_by_code(&institution.code).await?.is_none() {
            store.create_institution(institution).await?;
            created += 1;
        }
    }
    Ok(created)
}

/// Generates and stores `products` products, `smes` profiles and `applications` applications from `seed`,
/// dated relative to `today` (application histories end at the start of `today` in Asia/Shanghai).
///
/// # Errors
/// Database failure, or generated data the store refuses (a defect the synth tests catch); applications
/// asked for with no published product or no enterprise stored.
pub async fn generate(
    store: &Store,
    products: usize,
    smes: usize,
    applications: usize,
    seed: u64,
    today: NaiveDate,
    show_progress: bool,
) -> anyhow::Result<BenchSummary> {
    let institutions = finmart_synth::institutions(INSTITUTIONS);
    let mut summary =
        BenchSummary { institutions_created: ensure_institutions(store, &institutions).await?, ..Default::default() };

    let started = Instant::now();
    let bar = progress_bar(products as u64, "生成产品", show_progress);
    // Floating rates are written against the LPR in the operator's table.
    let references = store.reference_rates().await?;
    let mut generated = finmart_synth::products(seed, products, &institutions, today, &references).peekable();
    let mut row_number = 0;
    while generated.peek().is_some() {
        let rows: Vec<(usize, ImportRow)> = generated
            .by_ref()
            .take(PRODUCT_BATCH)
            .map(|p| {
                row_number += 1;
                let row = ImportRow {
                    institution_code: p.institution_code,
                    new_institution: None,
                    state: p.state,
                    spec: p.spec,
                };
                (row_number, row)
            })
            .collect();
        let tick = bar.clone();
        let batch = store.import(&rows, &move || tick.inc(1)).await.map_err(|e| match e {
            StoreError::ImportRejected(errors) => anyhow::anyhow!(crate::import::report(&errors)),
            other => other.into(),
        })?;
        summary.products.created += batch.created;
        summary.products.updated += batch.updated;
        summary.products.unchanged += batch.unchanged;
    }
    bar.finish_and_clear();
    summary.products_time = started.elapsed();

    // The departments' facts about each batch of firms are written right after the batch, from the same
    // generated profiles.
    let providers = crate::demo::facts::ensure_providers(store).await?;
    let bar = progress_bar(smes as u64, "生成企业画像", show_progress);
    let mut generated = finmart_synth::profiles(seed, smes, today).peekable();
    let mut first_index = 0;
    while generated.peek().is_some() {
        let started = Instant::now();
        let batch: Vec<_> = generated.by_ref().take(PROFILE_BATCH).map(|p| (p.profile, p.discoverable)).collect();
        summary.profiles_written += store.insert_enterprises(&batch).await?;
        summary.profiles_time += started.elapsed();
        let started = Instant::now();
        let firms = batch.iter().enumerate().map(|(i, (profile, _))| (first_index + i, profile));
        summary.facts_written +=
            crate::demo::facts::store_generated(store, &providers, firms, seed, today, &|| {}).await?;
        summary.facts_time += started.elapsed();
        first_index += batch.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();

    let started = Instant::now();
    summary.applications_written =
        applications::generate(store, applications, seed, applications::history_end(today), show_progress).await?;
    summary.applications_time = started.elapsed();
    Ok(summary)
}
