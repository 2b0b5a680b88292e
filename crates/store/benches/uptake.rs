//! The guarantee agency's dashboard query ([`Store::uptake`]) on a bench database: the agency with the most
//! applications, over the last 12 months, by month (and by day and week after it); then the same for the
//! lender with the most applications.
//!
//! Fill a database first (`bench/stats.sh` does everything: it creates `finmart_bench` on the local
//! PostgreSQL of `scripts/services.sh` and runs `finmart gen-bench-data --applications 5000000`), then:
//!
//! ```text
//! FINMART_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5433/finmart_bench \
//!     cargo bench -p finmart-store --bench uptake
//! ```
//!
//! Criterion measures the mean; then every call of `FINMART_BENCH_RUNS` (default 50) is timed and p50/p99
//! printed, the figures BENCHMARKS.md states. Without `FINMART_BENCH_DATABASE_URL` (as under `cargo test
//! --all-targets`) it only says so. `FINMART_BENCH_MARKET=1` also rolls up the market's closed days and months
//! (timing that) and times the operator's whole-market query over 12 months and over 30 days.

use chrono::{Days, Months, NaiveDate};
use criterion::{Criterion, criterion_group};
use finmart_store::Store;
use finmart_store::stats::{Granularity, Scope, UptakeFilter, UptakeQuery};
use sea_orm::{ConnectionTrait, Statement};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn url() -> Option<String> {
    std::env::var("FINMART_BENCH_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

fn runs() -> usize {
    std::env::var("FINMART_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(50)
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("tokio runtime: {e}"),
    }
}

/// A number from the first column of the first row of `sql`.
async fn scalar(store: &Store, sql: &str) -> i64 {
    let db = store.connection();
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await;
    match row {
        Ok(Some(row)) => row.try_get_by_index::<Option<i64>>(0).ok().flatten().unwrap_or(0),
        Ok(None) => 0,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// The dashboard's query: the biggest agency (by applications), the 12 months up to the day of the latest
/// event, and what the database holds.
struct Setup {
    store: Store,
    agency: i64,
    /// The lender with the most applications.
    lender: i64,
    from: NaiveDate,
    to: NaiveDate,
    applications: i64,
    events: i64,
    agency_applications: i64,
}

async fn setup(url: &str) -> Setup {
    let store = match Store::connect(url).await {
        Ok(store) => store,
        Err(e) => panic!("cannot open {url}: {e}"),
    };
    let agency = scalar(
        &store,
        "SELECT guarantee_agency_id FROM application WHERE guarantee_agency_id IS NOT NULL \
         GROUP BY guarantee_agency_id ORDER BY COUNT(*) DESC, guarantee_agency_id LIMIT 1",
    )
    .await;
    let lender = scalar(
        &store,
        "SELECT institution_id FROM application GROUP BY institution_id ORDER BY COUNT(*) DESC, institution_id LIMIT 1",
    )
    .await;
    let latest = match store.backend_name() {
        "postgres" => "SELECT CAST(EXTRACT(EPOCH FROM MAX(at)) AS BIGINT) FROM application_event",
        _ => "SELECT CAST(strftime('%s', MAX(at)) AS INTEGER) FROM application_event",
    };
    let latest = scalar(&store, latest).await;
    let to = chrono::DateTime::from_timestamp(latest + 8 * 3600, 0).map_or(NaiveDate::MIN, |t| t.date_naive());
    let from = to.checked_sub_months(Months::new(12)).and_then(|d| d.checked_add_days(Days::new(1))).unwrap_or(to);
    let applications = scalar(&store, "SELECT COUNT(*) FROM application").await;
    let events = scalar(&store, "SELECT COUNT(*) FROM application_event").await;
    let agency_applications =
        scalar(&store, &format!("SELECT COUNT(*) FROM application WHERE guarantee_agency_id = {agency}")).await;
    Setup { store, agency, lender, from, to, applications, events, agency_applications }
}

fn query(s: &Setup, scope: Scope, granularity: Granularity) -> UptakeQuery {
    UptakeQuery { scope, from: s.from, to: s.to, granularity, filter: UptakeFilter::default() }
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99), samples[samples.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

fn dashboard(c: &mut Criterion) {
    let Some(url) = url() else {
        eprintln!("uptake bench: FINMART_BENCH_DATABASE_URL is not set; nothing to measure (see bench/stats.sh)");
        return;
    };
    let rt = runtime();
    let s = rt.block_on(setup(&url));
    eprintln!(
        "uptake bench: {} ({}); {} applications, {} events; agency {} has {} applications; {} to {} ({} days)",
        s.store.backend_name(),
        url.rsplit('/').next().unwrap_or_default(),
        s.applications,
        s.events,
        s.agency,
        s.agency_applications,
        s.from,
        s.to,
        (s.to - s.from).num_days() + 1,
    );
    // (name, scope, first day): the last 12 months; the market also over the operator's default 30 days.
    let mut cases = vec![("agency", Scope::Agency(s.agency), s.from), ("lender", Scope::Institution(s.lender), s.from)];
    if std::env::var("FINMART_BENCH_MARKET").is_ok_and(|v| v == "1") {
        // The market reads roll-ups of closed days and months; the server keeps them current in the
        // background. The first refresh on a filled database rolls up its whole history.
        let started = Instant::now();
        match rt.block_on(s.store.refresh_uptake_rollups(chrono::Utc::now())) {
            Ok(done) => eprintln!(
                "uptake bench: market roll-ups: {} days and {} months rolled up in {:.1} s",
                done.days,
                done.months,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => panic!("refresh_uptake_rollups: {e}"),
        }
        // The period's last day is read live, as a server reads today: its roll-up is forgotten.
        let last = s.to.format("%Y-%m-%d");
        for table in ["uptake_rollup_period", "uptake_rollup"] {
            let db = s.store.connection();
            let forget = format!("DELETE FROM {table} WHERE span = 'd' AND start = '{last}'");
            if let Err(e) = rt.block_on(db.execute_unprepared(&forget)) {
                panic!("{forget}: {e}");
            }
        }
        cases.push(("market", Scope::Market, s.from));
        cases.push(("market 30 days", Scope::Market, s.to - Days::new(29)));
    }

    let mut group = c.benchmark_group("uptake");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, scope, from) in &cases {
        let q = UptakeQuery { from: *from, ..query(&s, *scope, Granularity::Month) };
        group.bench_function(format!("{name} dashboard, by month"), |b| {
            b.iter(|| black_box(rt.block_on(s.store.uptake(&q))));
        });
    }
    group.finish();

    for (name, scope, from) in &cases {
        for granularity in [Granularity::Month, Granularity::Week, Granularity::Day] {
            let q = UptakeQuery { from: *from, ..query(&s, *scope, granularity) };
            let first = match rt.block_on(s.store.uptake(&q)) {
                Ok(u) => u,
                Err(e) => panic!("uptake: {e}"),
            };
            let n = runs();
            let mut samples = Vec::with_capacity(n);
            for _ in 0..n {
                let started = Instant::now();
                black_box(rt.block_on(s.store.uptake(&q)).ok());
                samples.push(started.elapsed());
            }
            let (p50, p99, max) = percentiles(samples);
            eprintln!(
                "uptake bench: {name} {granularity:?}: {n} runs, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms \
                 ({} applications, {} approved, {} disbursed in the period; {} buckets)",
                ms(p50),
                ms(p99),
                ms(max),
                first.totals.applications,
                first.totals.approved,
                first.totals.disbursed,
                first.series.len(),
            );
        }
    }
    if cases.iter().any(|(name, ..)| *name == "market") {
        match rt.block_on(s.store.uptake_plan(&query(&s, Scope::Market, Granularity::Month))) {
            Ok(plan) => plan.iter().for_each(|line| eprintln!("uptake market plan: {line}")),
            Err(e) => panic!("uptake plan: {e}"),
        }
    }
    // The plan of the agency's statement, executed once more: what the figures above are made of.
    let q = query(&s, Scope::Agency(s.agency), Granularity::Month);
    match rt.block_on(s.store.uptake_plan(&q)) {
        Ok(plan) => plan.iter().for_each(|line| eprintln!("uptake plan: {line}")),
        Err(e) => panic!("uptake plan: {e}"),
    }
}

criterion_group!(benches, dashboard);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
