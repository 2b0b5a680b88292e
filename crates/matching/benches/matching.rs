//! Matching speed: one firm's need against 100,000 generated products (the per-keystroke path), and one
//! product against 1,000,000 generated firms (reverse matching).
//!
//! Criterion measures the mean; the latency distribution the targets are stated in (p50/p99) is measured
//! after it by timing each call of a fixed workload, and printed. Run with
//! `cargo bench -p finmart-matching --bench matching`; set `FINMART_BENCH_PRODUCTS` / `FINMART_BENCH_FIRMS`
//! to change the sizes. Figures go to BENCHMARKS.md.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group};
use finmart_domain::{
    Bps, EnterpriseProfile, Fen, FinancingNeed, LoanPurpose, Months, Product, Publication, ReferenceKind,
    ReferenceRates,
};
use finmart_matching::{CompiledProduct, FirmFacts, MatchRequest, Matcher, PoolEntry, ProfilePool};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SEED: u64 = 20_261_122;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// The size asked for in `var`, else `default` under `cargo bench`, else a smoke-test size: `cargo test
/// --all-targets` runs this file once as a test (without `--bench`), which must stay quick.
fn size(var: &str, default: usize) -> usize {
    let benching = std::env::args().any(|a| a == "--bench");
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(if benching { default } else { 1_000 })
}

/// The LPR floating rates are priced by here: the value the migration seeds (2025-05-20, 1 year 3.00 %,
/// over 5 years 3.50 %).
fn references() -> ReferenceRates {
    let on = NaiveDate::from_ymd_opt(2025, 5, 20).unwrap_or_default();
    let p = |kind, bps| Publication { kind, rate: Bps::new(bps).unwrap_or(Bps::ZERO), published_on: on };
    ReferenceRates::current([p(ReferenceKind::Lpr1y, 300), p(ReferenceKind::Lpr5y, 350)], today())
}

/// Generated products, as the store would hand them over (published ones only).
fn products(n: usize) -> Vec<Product> {
    finmart_synth::published(SEED, n, &finmart_synth::institutions(20), today(), &references())
}

/// Generated firms with the need such a firm typically brings.
fn firms(n: usize) -> Vec<(EnterpriseProfile, FinancingNeed)> {
    finmart_synth::profiles(SEED + 1, n, today())
        .enumerate()
        .map(|(i, s)| {
            let amount = (s.profile.revenue.fen() / 5).clamp(10_000_000, 1_000_000_000);
            let need = FinancingNeed {
                amount: Fen::from_fen(amount).unwrap_or(Fen::ZERO),
                term: Months::new([6, 12, 12, 24, 36][i % 5]).unwrap_or(Months::MIN),
                purpose: [LoanPurpose::WorkingCapital, LoanPurpose::Equipment, LoanPurpose::Research][i % 3],
                purpose_text: String::new(),
                max_annual_cost: None,
                needed_within_days: None,
                collateral_offered: s.profile.collateral.clone(),
                accepts_guarantee: true,
                repayment: None,
            };
            (s.profile, need)
        })
        .collect()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99), samples[samples.len() - 1])
}

fn match_products(c: &mut Criterion) {
    let n = size("FINMART_BENCH_PRODUCTS", 100_000);
    let matcher = Matcher::new(finmart_domain::HomeArea::default());
    let listed = products(n);
    let count = listed.len();
    matcher.replace_all(listed);
    let firms = firms(200);
    let relevance = HashMap::new();
    let run = |i: usize| {
        let (profile, need) = &firms[i % firms.len()];
        matcher.match_need(&MatchRequest {
            profile,
            need,
            today: today(),
            relevance: &relevance,
            limit: 20,
            verified: None,
        })
    };

    let mut group = c.benchmark_group("match");
    group.sample_size(30);
    let mut i = 0;
    group.bench_function(format!("one firm against {count} products"), |b| {
        b.iter(|| {
            i += 1;
            black_box(run(i))
        });
    });
    group.finish();

    // Every firm of the workload once, timed one by one: the distribution a typing user sees.
    let mut samples = Vec::new();
    let mut eligible = 0;
    for round in 0..3 {
        for i in 0..firms.len() {
            let start = Instant::now();
            let out = run(i);
            samples.push(start.elapsed());
            if round == 0 {
                eligible += out.eligible_total;
            }
        }
    }
    let (p50, p99, max) = percentiles(samples);
    println!(
        "match latency over {count} published products, {} calls: p50 {p50:?}, p99 {p99:?}, max {max:?} \
         (mean eligible per firm {})",
        firms.len() * 3,
        eligible / firms.len()
    );
}

fn reverse_match(c: &mut Criterion) {
    let n = size("FINMART_BENCH_FIRMS", 1_000_000);
    let today = today();
    let pool = ProfilePool::new();
    pool.replace_all(
        finmart_synth::profiles(SEED + 2, n, today)
            .enumerate()
            .filter(|(_, s)| s.discoverable)
            .map(|(i, s)| PoolEntry { id: i as i64 + 1, facts: FirmFacts::of(&s.profile, today), open: true })
            .collect(),
    );
    let products: Vec<CompiledProduct> = products(200).iter().map(CompiledProduct::new).collect();
    let findable = pool.len();

    let mut group = c.benchmark_group("reverse");
    group.sample_size(10);
    let mut i = 0;
    group.bench_function(format!("one product against {findable} findable firms"), |b| {
        b.iter(|| {
            i += 1;
            black_box(pool.candidates(&products[i % products.len()], 20))
        });
    });
    group.finish();

    let mut samples = Vec::new();
    let mut fitting = 0;
    for product in &products {
        let start = Instant::now();
        let found = pool.candidates(product, 20);
        samples.push(start.elapsed());
        fitting += found.total;
    }
    let (p50, p99, max) = percentiles(samples);
    println!(
        "reverse latency over {findable} findable firms ({n} generated), {} products: p50 {p50:?}, p99 {p99:?}, \
         max {max:?} (mean fitting firms per product {})",
        products.len(),
        fitting / products.len()
    );
}

criterion_group!(benches, match_products, reverse_match);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
