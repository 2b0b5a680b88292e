//! Search speed in process: the index of 100,000 generated products (as `finmart gen-bench-data` stores them,
//! SQLite), built from the database, then the query mix of the search page (`bench/search.lua`'s requests:
//! Chinese words with and without filters, sorted, page 2, browsing with filters, browsing all).
//!
//! Reported: the index build from the database (timed runs, not criterion: one build takes seconds), then
//! criterion's mean per query and, after it, each query's p50/p99 over a fixed number of calls, every call
//! computed (the cache of recent answers off), and last the same mix answered from that cache. Run with
//! `cargo bench -p finmart --bench search`; `FINMART_BENCH_PRODUCTS` changes the size. Figures go to
//! BENCHMARKS.md. Under `cargo test --all-targets` this file runs once at a smoke size.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group};
use finmart_catalogue::{Catalogue, CollateralFilter, SearchRequest, SortOrder, sync};
use finmart_domain::{Fen, ProductFamily};
use finmart_store::Store;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEED: u64 = 7;

/// The size asked for in `var`, else `default` under `cargo bench`, else a smoke-test size.
fn size(var: &str, default: usize) -> usize {
    let benching = std::env::args().any(|a| a == "--bench");
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(if benching { default } else { 500 })
}

/// The search page's typical requests (the in-process twin of `bench/search.lua`).
fn mix() -> Vec<(&'static str, SearchRequest)> {
    let text = |t: &str| SearchRequest { text: t.to_owned(), ..SearchRequest::default() };
    vec![
        ("专利贷", text("专利贷")),
        ("信用贷 collateral=none", SearchRequest { collateral: CollateralFilter::NoneRequired, ..text("信用贷") }),
        ("税贷 sort=rate", SearchRequest { sort: SortOrder::RateAsc, ..text("税贷") }),
        ("首贷 滨海", text("首贷 滨海")),
        (
            "family=credit amount=100万",
            SearchRequest {
                families: vec![ProductFamily::Credit],
                amount: Some(Fen::yuan(1_000_000)),
                ..SearchRequest::default()
            },
        ),
        ("政采贷 page=2", SearchRequest { page: 2, ..text("政采贷") }),
        ("设备融资租赁", text("设备融资租赁")),
        ("browse all", SearchRequest::default()),
    ]
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99))
}

fn search(c: &mut Criterion) {
    let n = size("FINMART_BENCH_PRODUCTS", 100_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let data = tempfile::tempdir().unwrap();
    let store = runtime.block_on(async {
        let store = Store::connect(&Store::sqlite_url(data.path())).await.unwrap();
        let today = finmart_cli::bench::reference_date();
        finmart_cli::bench::generate(&store, n, 0, 0, SEED, today, false).await.unwrap();
        store
    });

    // The index build from the database, as `finmart reindex` and a damaged index's repair do it.
    let mut builds = Vec::new();
    let mut kept = None;
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = Arc::new(Catalogue::open(dir.path()).unwrap());
        let started = Instant::now();
        let indexed = runtime.block_on(sync::rebuild(&store, &catalogue, &|_, _| {})).unwrap();
        builds.push(started.elapsed());
        kept = Some((dir, catalogue, indexed));
    }
    let (_dir, catalogue, indexed) = kept.unwrap();
    // The engine, every call computed: the cache of recent answers would answer every repeat.
    catalogue.set_search_cache(0);
    let build: Vec<String> = builds.iter().map(|d| format!("{:.2} s", d.as_secs_f64())).collect();
    println!("index build from the database: {indexed} published of {n} products: {}", build.join(", "));

    let today = finmart_cli::bench::reference_date();
    let mut group = c.benchmark_group("search");
    for (name, request) in mix() {
        group.bench_function(name, |b| b.iter(|| black_box(catalogue.search(&request, today).unwrap())));
    }
    group.finish();

    let calls = if std::env::args().any(|a| a == "--bench") { 300 } else { 5 };
    for (name, request) in mix() {
        let mut samples = Vec::with_capacity(calls);
        let mut total = 0;
        for _ in 0..calls {
            let started = Instant::now();
            let results = black_box(catalogue.search(&request, today).unwrap());
            samples.push(started.elapsed());
            total = results.total;
        }
        let (p50, p99) = percentiles(samples);
        println!("search {name:<28} total {total:>6}  p50 {:>7.3} ms  p99 {:>7.3} ms", ms(p50), ms(p99));
    }

    // The same mix answered from the cache of recent answers (as the server keeps them by default).
    catalogue.set_search_cache(finmart_catalogue::SEARCH_CACHE_ENTRIES);
    for (name, request) in mix() {
        catalogue.search(&request, today).unwrap();
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            black_box(catalogue.search(&request, today).unwrap());
            samples.push(started.elapsed());
        }
        let (p50, p99) = percentiles(samples);
        println!("cached {name:<28} p50 {:>8.4} ms  p99 {:>8.4} ms", ms(p50), ms(p99));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = search
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
