//! Prometheus metrics (`/metrics`, the text exposition; `docs/SECURITY.md`, "Metrics"): the one place they
//! are defined, recorded by the request layer here and by the few calls that time search and matching, and
//! read at each scrape for what is a state rather than an event (the index, the change log, the pool).
//!
//! Each application has its own registry (no process-global recorder), so two applications in one process
//! (the tests, several servers in one test) never count each other's requests. Recording is atomic
//! increments on handles found by label values, without locks held across an await.
//!
//! Who may read it: a loopback peer, or a request carrying the configured `--metrics-token` as a bearer
//! token (compared in constant time); anyone else is answered the site's 404, as for a path that does not
//! exist. A request with no known peer (made in process, without a connection) is not loopback.

use crate::http::error::{ErrorBody, ErrorCode};
use crate::http::page::{Page, not_found};
use crate::http::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use finmart_catalogue::Health;
use finmart_store::Secret;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Request latencies: from a tenth of a millisecond (a cached page, a refusal) to the 15 s timeout.
const LATENCY_BUCKETS: &[f64] =
    &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0];
/// In-process search and matching times: the targets are single-digit milliseconds.
const WORK_BUCKETS: &[f64] =
    &[0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
/// How many products a search or a match found: none, a handful, a page, up to the whole catalogue.
const COUNT_BUCKETS: &[f64] = &[0.0, 1.0, 5.0, 20.0, 100.0, 500.0, 1_000.0, 5_000.0, 20_000.0, 100_000.0];

/// The route label of a request no route matched (never the raw path: it may hold ids or anything).
const UNMATCHED: &str = "unmatched";

/// How long a scrape waits for the change log's head before reporting it unread.
const HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// The search log's counts (`crate::http::search_log`).
#[derive(Debug, Clone)]
pub struct SearchLogCounts {
    /// Searches put in the queue.
    pub queued: IntCounter,
    /// Searches written to the database.
    pub written: IntCounter,
    /// Searches not recorded: the queue was full, or their batch failed twice.
    pub not_recorded: IntCounter,
}

/// Every metric of one application.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    rate_limited: IntCounterVec,
    search_seconds: Histogram,
    search_results: Histogram,
    match_seconds: Histogram,
    match_eligible: Histogram,
    /// Institution names for facet labels ([`crate::http::state::App::institution_names`]): hit or miss.
    pub institution_names: IntCounterVec,
    /// Searches answered from the index's cache of recent answers, or computed (read at each scrape).
    search_cache: IntCounterVec,
    pub search_log: SearchLogCounts,
    index_state: IntGaugeVec,
    index_documents: IntGauge,
    applied_seq: IntGauge,
    head_seq: IntGauge,
    lag: IntGauge,
    head_read: IntGauge,
    pool_firms: IntGauge,
    matcher_products: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry of its own with every metric, named `finmart_…`, and this process's own figures.
    ///
    /// # Panics
    /// Never: the names and labels are fixed and valid, which the tests show.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("finmart".to_owned()), None).expect("a valid prefix");
        let r = Registrar(&registry);
        let route = ["route", "method", "status"];
        let metrics = Self {
            requests: r.add(IntCounterVec::new(Opts::new("http_requests_total", "HTTP requests answered"), &route)),
            latency: r.add(HistogramVec::new(
                HistogramOpts::new("http_request_duration_seconds", "Time to answer an HTTP request")
                    .buckets(LATENCY_BUCKETS.to_vec()),
                &route,
            )),
            errors: r.add(IntCounterVec::new(
                Opts::new("http_errors_total", "Error answers by their code (docs/api-errors.md)"),
                &["code"],
            )),
            rate_limited: r.add(IntCounterVec::new(
                Opts::new("http_rate_limited_total", "API requests refused 429 by the limit they were over"),
                &["scope"],
            )),
            search_seconds: r.add(Histogram::with_opts(
                HistogramOpts::new("search_duration_seconds", "Time of one index search in process")
                    .buckets(WORK_BUCKETS.to_vec()),
            )),
            search_results: r.add(Histogram::with_opts(
                HistogramOpts::new("search_results", "Products one search found (its total)")
                    .buckets(COUNT_BUCKETS.to_vec()),
            )),
            match_seconds: r.add(Histogram::with_opts(
                HistogramOpts::new("match_duration_seconds", "Time of the matcher for one need in process")
                    .buckets(WORK_BUCKETS.to_vec()),
            )),
            match_eligible: r.add(Histogram::with_opts(
                HistogramOpts::new("match_eligible_products", "Products one match found eligible")
                    .buckets(COUNT_BUCKETS.to_vec()),
            )),
            institution_names: r.add(IntCounterVec::new(
                Opts::new("institution_names_cache_total", "Reads of the institution names cache by result"),
                &["result"],
            )),
            search_cache: r.add(IntCounterVec::new(
                Opts::new("search_cache_total", "Searches answered from the cache of recent answers, by result"),
                &["result"],
            )),
            search_log: SearchLogCounts {
                queued: r.add(IntCounter::new("search_log_queued_total", "Searches queued for the search log")),
                written: r.add(IntCounter::new("search_log_written_total", "Searches written to the search log")),
                not_recorded: r.add(IntCounter::new(
                    "search_log_not_recorded_total",
                    "Searches not recorded (queue full or batch refused twice); counted in the log instead",
                )),
            },
            index_state: r.add(IntGaugeVec::new(
                Opts::new("index_state", "1 for the search index's state: ok, rebuilding or unusable"),
                &["state"],
            )),
            index_documents: r.add(IntGauge::new("index_documents", "Products in the search index")),
            applied_seq: r.add(IntGauge::new("index_applied_seq", "Last change-log sequence the index applied")),
            head_seq: r.add(IntGauge::new("change_log_head_seq", "Last sequence of the database's change log")),
            lag: r.add(IntGauge::new("index_lag_changes", "Changes of the log the index has still to apply")),
            head_read: r.add(IntGauge::new("change_log_readable", "1 when the scrape could read the change log")),
            pool_firms: r.add(IntGauge::new("matching_pool_firms", "Firms in the reverse-matching pool")),
            matcher_products: r.add(IntGauge::new("matcher_products", "Products compiled for matching")),
            registry,
        };
        #[cfg(target_os = "linux")]
        if let Err(e) = metrics.registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
        {
            tracing::warn!(error = %e, "process metrics are not available");
        }
        metrics
    }

    /// One index search, its time in process and its total.
    pub fn searched(&self, took: Duration, total: usize) {
        self.search_seconds.observe(took.as_secs_f64());
        self.search_results.observe(total as f64);
    }

    /// One match, the matcher's time in process and how many products were eligible.
    pub fn matched(&self, took: Duration, eligible: usize) {
        self.match_seconds.observe(took.as_secs_f64());
        self.match_eligible.observe(eligible as f64);
    }

    /// One answered request.
    fn answered(&self, route: &str, method: &Method, response: &Response, took: Duration) {
        let labels = [route, method_label(method), status_class(response.status().as_u16())];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(took.as_secs_f64());
        let extensions = response.extensions();
        if let Some(body) = extensions.get::<ErrorBody>() {
            self.errors.with_label_values(&[body.code.as_str()]).inc();
            if let Some(scope) = body.refusal.as_ref().and_then(|r| r.limit.as_deref()) {
                self.rate_limited.with_label_values(&[scope]).inc();
            }
        } else if let Some(code) = extensions.get::<ErrorCode>() {
            // An error shown as a page keeps only its code.
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Reads the states (index, change log, pool, matcher) and writes every metric in the text format.
    async fn exposition(&self, state: &AppState) -> Vec<u8> {
        let health = state.catalogue.health();
        for (name, on) in [
            ("ok", health == Health::Ready),
            ("rebuilding", matches!(health, Health::Rebuilding { .. })),
            ("unusable", health == Health::Unusable),
        ] {
            self.index_state.with_label_values(&[name]).set(i64::from(on));
        }
        self.index_documents.set(i64::try_from(state.catalogue.len()).unwrap_or(i64::MAX));
        let applied = state.catalogue.applied_seq();
        self.applied_seq.set(applied);
        match tokio::time::timeout(HEAD_TIMEOUT, state.store.last_change_seq()).await {
            Ok(Ok(head)) => {
                self.head_read.set(1);
                self.head_seq.set(head);
                self.lag.set((head - applied).max(0));
            }
            // The last values read stay, marked stale by `change_log_readable` (a gap would hide the lag).
            _ => self.head_read.set(0),
        }
        self.pool_firms.set(i64::try_from(state.pool.len()).unwrap_or(i64::MAX));
        let cache = state.catalogue.search_cache_counts();
        for (result, count) in [("hit", cache.hits), ("miss", cache.misses)] {
            // The catalogue counts since start; the counter catches up by the difference.
            let counter = self.search_cache.with_label_values(&[result]);
            counter.inc_by(count.saturating_sub(counter.get()));
        }
        self.matcher_products.set(i64::try_from(state.matcher.book().len()).unwrap_or(i64::MAX));
        let mut text = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::warn!(error = %e, "metrics could not be written");
        }
        text
    }
}

/// Registers each metric as it is made.
struct Registrar<'a>(&'a Registry);

impl Registrar<'_> {
    #[allow(clippy::expect_used)]
    fn add<M: prometheus::core::Collector + Clone + 'static>(&self, metric: prometheus::Result<M>) -> M {
        let metric = metric.expect("a valid metric");
        self.0.register(Box::new(metric.clone())).expect("a metric registered once");
        metric
    }
}

/// The method, from a fixed set (a client may send any token as its method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The layer around every route (outside the others, so it sees their refusals and timeouts too): counts
/// and times each request by its route template.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // `MatchedPath` holds an `Arc<str>`: cloning it allocates nothing.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    state.metrics.answered(route, &method, &response, started.elapsed());
    response
}

/// `GET /metrics`: the exposition to a loopback peer or the bearer of the metrics token, else the 404 page.
pub async fn endpoint(State(state): State<AppState>, page: Page, request: Request) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if !allowed(peer, request.headers(), state.config.metrics_token.as_ref().map(Secret::expose)) {
        return not_found(page).await;
    }
    let text = state.metrics.exposition(&state).await;
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], text)
        .into_response()
}

/// The access rule: a loopback peer, or the configured token as `Authorization: Bearer …`. No known peer is
/// not loopback; no token configured admits no bearer.
fn allowed(peer: Option<SocketAddr>, headers: &HeaderMap, token: Option<&str>) -> bool {
    if peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) {
        return true;
    }
    let Some(token) = token.filter(|t| !t.is_empty()) else { return false };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // Constant time over the bytes (a different length is refused at once: the length is no secret worth
    // the trouble).
    offered.is_some_and(|offered| bool::from(offered.as_bytes().ct_eq(token.as_bytes())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
        headers
    }

    #[test]
    fn loopback_peers_and_the_token_bearer_are_let_in_and_nobody_else() {
        let public: SocketAddr = "203.0.113.7:4000".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:4000".parse().unwrap();
        let none = HeaderMap::new();
        assert!(allowed(Some(loopback), &none, None));
        assert!(allowed(Some(mapped), &none, None));
        assert!(allowed(Some("[::1]:4000".parse().unwrap()), &none, None));
        assert!(!allowed(Some(public), &none, Some("s3cret")));
        assert!(!allowed(None, &none, Some("s3cret")), "no peer is not loopback");
        assert!(allowed(Some(public), &bearer("s3cret"), Some("s3cret")));
        assert!(allowed(None, &bearer("s3cret"), Some("s3cret")));
        assert!(!allowed(Some(public), &bearer("s3cres"), Some("s3cret")));
        assert!(!allowed(Some(public), &bearer("s3cret2"), Some("s3cret")));
        assert!(!allowed(Some(public), &bearer(""), Some("")), "an empty token admits nobody");
        assert!(!allowed(Some(public), &bearer("s3cret"), None));
    }

    #[test]
    fn every_metric_is_named_with_the_prefix_and_registered_once() {
        let metrics = Metrics::new();
        metrics.searched(Duration::from_micros(300), 12);
        let names: Vec<String> = metrics.registry.gather().iter().map(|f| f.name().to_owned()).collect();
        assert!(names.iter().all(|n| n.starts_with("finmart_")), "{names:?}");
        assert!(names.iter().any(|n| n == "finmart_search_duration_seconds"), "{names:?}");
        #[cfg(target_os = "linux")]
        assert!(names.iter().any(|n| n == "finmart_process_resident_memory_bytes"), "{names:?}");
    }

    #[test]
    fn methods_and_statuses_are_labelled_from_fixed_sets() {
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}
