//! Bench applications: `finmart-synth` histories over the stored published products and enterprises,
//! written in bulk by [`Store::insert_bench_applications`].
//!
//! Application `i` of seed `s` has the idempotency key `bench-{s}-{i}` and no applicant account
//! (`applicant_account_id` 0: bench data has no accounts). Before generating anything the run counts the
//! keys of its seed: when the count is already reached it writes nothing; otherwise it continues from the
//! count (batches are committed in index order, so an interrupted run resumes where it stopped), and keys
//! already stored are skipped in any case. Submission times depend on the requested count, so to change the
//! count of an existing seed use another seed or a fresh database.

use crate::import::progress_bar;
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{LifecycleState, Product};
use finmart_store::Store;
use finmart_store::bench_insert::{BenchApplication, BenchFirm};
use finmart_synth::{Applicant, Applications, SyntheticApplication};

/// Applications per transaction.
const BATCH: usize = 2_000;
/// Products read per page.
const PRODUCT_PAGE: u64 = 1_000;

/// The idempotency-key prefix of a seed's bench applications.
#[must_use]
pub fn key_prefix(seed: u64) -> String {
    format!("bench-{seed}-")
}

/// The instant generated histories end: the start (Asia/Shanghai midnight) of `day`.
#[must_use]
pub fn history_end(day: NaiveDate) -> DateTime<Utc> {
    finmart_domain::shanghai::day_start(day)
}

/// Every published product, in id order.
async fn published_products(store: &Store) -> anyhow::Result<Vec<Product>> {
    let mut published = Vec::new();
    let mut after = 0;
    loop {
        let page = store.products_after(after, PRODUCT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        published.extend(page.into_iter().filter(|p| p.state == LifecycleState::Published));
    }
    Ok(published)
}

/// The store's form of a generated application.
fn bench_application<'a>(
    prefix: &str,
    app: SyntheticApplication,
    products: &'a [Product],
    firms: &'a [BenchFirm],
) -> BenchApplication<'a> {
    BenchApplication {
        idempotency_key: format!("{prefix}{}", app.index),
        product: &products[app.product],
        firm: &firms[app.applicant],
        amount: app.amount,
        term: app.term,
        purpose: app.purpose,
        purpose_text: app.purpose_text,
        submitted_at: app.submitted_at,
        steps: app.steps.into_iter().map(|s| (s.at, s.action)).collect(),
    }
}

/// Generates the missing ones of `count` applications of `seed` with histories ending at `end`; returns
/// how many it wrote.
///
/// # Errors
/// No published product or no stored enterprise to apply with; database failure; a history the store
/// refuses (a generator defect the tests catch).
pub async fn generate(
    store: &Store,
    count: usize,
    seed: u64,
    end: DateTime<Utc>,
    show_progress: bool,
) -> anyhow::Result<u64> {
    let prefix = key_prefix(seed);
    let stored = usize::try_from(store.count_bench_applications(&prefix).await?).unwrap_or(usize::MAX);
    if count == 0 || stored >= count {
        return Ok(0);
    }
    let products = published_products(store).await?;
    let firms: Vec<BenchFirm> = store.bench_firms().await?;
    if products.is_empty() || firms.is_empty() {
        anyhow::bail!(
            "生成融资申请需要已发布的产品和企业画像（--products、--smes）/ applications need published products \
             and stored enterprises (--products, --smes)"
        );
    }
    let applicants: Vec<Applicant> = firms.iter().map(|f| Applicant::of(&f.profile)).collect();
    let references = store.reference_rates().await?;
    let generator = Applications::new(seed, count, products.iter().map(|p| &p.spec), &references, &applicants, end);

    let bar = progress_bar(count as u64, "生成融资申请", show_progress);
    bar.set_position(stored as u64);
    let mut written = 0;
    let mut next = stored;
    while next < count {
        let upto = (next + BATCH).min(count);
        let batch: Vec<BenchApplication<'_>> = (next..upto)
            .filter_map(|i| generator.get(i))
            .map(|a| bench_application(&prefix, a, &products, &firms))
            .collect();
        written += store.insert_bench_applications(&batch).await?;
        bar.set_position(upto as u64);
        next = upto;
    }
    bar.finish_and_clear();
    Ok(written)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{ApplicationState, Labelled};

    async fn store(dir: &tempfile::TempDir) -> Store {
        Store::connect(&Store::sqlite_url(dir.path())).await.unwrap()
    }

    /// Everything stored about every seventh application, for comparing two databases.
    async fn dump(store: &Store, n: i64) -> Vec<(finmart_store::Application, Vec<finmart_store::ApplicationEvent>)> {
        let mut out = Vec::new();
        for id in (1..=n).step_by(7) {
            let mut app = store.application(id).await.unwrap().unwrap();
            app.overdue = false;
            out.push((app, store.application_events(id).await.unwrap()));
        }
        out
    }

    #[tokio::test]
    async fn gen_bench_data_writes_applications_once_and_the_same_for_the_same_seed() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (first, second) = (store(&a).await, store(&b).await);
        let summary = crate::bench::generate(&first, 150, 300, 2_000, 7, day, false).await.unwrap();
        assert_eq!(summary.applications_written, 2_000);
        assert!(summary.facts_written > 100, "the departments' facts about part of 300 firms");
        assert_eq!(first.count_bench_applications(&key_prefix(7)).await.unwrap(), 2_000);

        // The same numbers again write nothing.
        let again = crate::bench::generate(&first, 150, 300, 2_000, 7, day, false).await.unwrap();
        assert_eq!((again.applications_written, again.profiles_written, again.facts_written), (0, 0, 0));
        assert_eq!(first.count_bench_applications("bench-").await.unwrap(), 2_000);

        // Another database, the same seed: the same applications, field for field.
        crate::bench::generate(&second, 150, 300, 2_000, 7, day, false).await.unwrap();
        let sample = dump(&first, 2_000).await;
        assert_eq!(sample, dump(&second, 2_000).await);

        let end = history_end(day);
        let mut states = std::collections::HashMap::new();
        for (app, events) in &sample {
            assert_eq!(events[0].to, ApplicationState::Submitted);
            assert!(events.iter().all(|e| e.at < end));
            assert_eq!(app.state, events.last().unwrap().to);
            assert_eq!(app.applicant_account_id, 0);
            *states.entry(app.state).or_insert(0) += 1;
        }
        assert_eq!(states.len(), ApplicationState::ALL.len(), "{states:?}");
    }

    #[tokio::test]
    async fn an_interrupted_run_resumes_and_a_store_without_products_is_refused() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let refused = generate(&store, 10, 1, history_end(day), false).await.unwrap_err();
        assert!(refused.to_string().contains("--products"), "{refused}");

        crate::bench::generate(&store, 60, 80, 0, 3, day, false).await.unwrap();
        // Write the first 300 of 1,000 as an interrupted run would have, then run to the end.
        let products = published_products(&store).await.unwrap();
        let firms = store.bench_firms().await.unwrap();
        let applicants: Vec<Applicant> = firms.iter().map(|f| Applicant::of(&f.profile)).collect();
        let references = store.reference_rates().await.unwrap();
        let generator =
            Applications::new(3, 1_000, products.iter().map(|p| &p.spec), &references, &applicants, history_end(day));
        let first: Vec<_> =
            (0..300).map(|i| bench_application("bench-3-", generator.get(i).unwrap(), &products, &firms)).collect();
        assert_eq!(store.insert_bench_applications(&first).await.unwrap(), 300);
        assert_eq!(generate(&store, 1_000, 3, history_end(day), false).await.unwrap(), 700);
        assert_eq!(generate(&store, 1_000, 3, history_end(day), false).await.unwrap(), 0);
        assert_eq!(store.count_bench_applications(&key_prefix(3)).await.unwrap(), 1_000);
    }
}
