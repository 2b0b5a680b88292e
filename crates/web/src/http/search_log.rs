//! The search log's writer (`docs/SECURITY.md`, "The search log under load"): searches wait in a bounded
//! queue that one task drains, writing whatever has gathered in one transaction of multi-row inserts. A
//! search never waits for the database, memory is bounded by the queue's capacity
//! (`--search-log-queue`), and under load the writes grow bigger instead of more numerous.
//!
//! When the queue is full a search is not logged but counted; the writer adds the count to the day's
//! `search_log_unrecorded` row in the same transaction as its next batch, and the demand figures show it,
//! so they never undercount in silence. A batch the database refuses twice is counted the same way.
//!
//! The same events are counted for `/metrics` ([`SearchLogCounts`]): queued, written, not recorded.

use crate::http::metrics::SearchLogCounts;
use chrono::Utc;
use finmart_store::{LoggedSearch, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most queued searches one transaction takes.
const MAX_BATCH: usize = 2_000;

/// How long the writer waits for searches before it looks at the count of searches not recorded anyway
/// (a count left by a failed write is written again without waiting for the next search).
const IDLE_WAKE: Duration = Duration::from_secs(1);

/// Before a failed batch is written again (a database restart, a lock held a moment too long).
const RETRY_AFTER: Duration = Duration::from_millis(200);

enum Message {
    Search(LoggedSearch),
    /// Answered once everything queued before it is written (or counted as not recorded).
    Flush(oneshot::Sender<()>),
}

/// The queue of searches to log, and the count of those that found it full.
#[derive(Debug)]
pub struct SearchLog {
    sender: mpsc::Sender<Message>,
    not_recorded: Arc<AtomicU64>,
    counts: SearchLogCounts,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Search(s) => f.debug_tuple("Search").field(s).finish(),
            Self::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl SearchLog {
    /// A queue of `capacity` searches and its writer, a task on the current Tokio runtime that ends when
    /// the queue is dropped; what becomes of each search is counted in `counts`.
    #[must_use]
    pub fn start(store: Store, capacity: usize, counts: SearchLogCounts) -> Self {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let not_recorded = Arc::new(AtomicU64::new(0));
        tokio::spawn(write(store, receiver, Arc::clone(&not_recorded), counts.clone()));
        Self { sender, not_recorded, counts }
    }

    /// Queues one search to log, without waiting; when the queue is full it is counted as not recorded.
    pub fn record(&self, search: LoggedSearch) {
        if self.sender.try_send(Message::Search(search)).is_ok() {
            self.counts.queued.inc();
        } else {
            self.not_recorded.fetch_add(1, Ordering::AcqRel);
            self.counts.not_recorded.inc();
        }
    }

    /// Waits until every search queued before now is written or counted (on shutdown, and for tests that
    /// read the log).
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            // An error here means the writer is gone, so there is nothing left to wait for.
            let _ = written.await;
        }
    }
}

/// The writer: takes whatever has gathered (at most [`MAX_BATCH`]), writes it with the count of searches
/// not recorded since the last write, then answers the flushes that were among it.
async fn write(
    store: Store,
    mut receiver: mpsc::Receiver<Message>,
    not_recorded: Arc<AtomicU64>,
    counts: SearchLogCounts,
) {
    let mut messages = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = tokio::time::timeout(IDLE_WAKE, receiver.recv_many(&mut messages, MAX_BATCH)).await;
        if matches!(received, Ok(0)) {
            break; // The queue was dropped: the server is gone.
        }
        let mut searches = Vec::with_capacity(messages.len());
        let mut flushes = Vec::new();
        for message in messages.drain(..) {
            match message {
                Message::Search(search) => searches.push(search),
                Message::Flush(done) => flushes.push(done),
            }
        }
        let dropped = not_recorded.swap(0, Ordering::AcqRel);
        if !searches.is_empty() || dropped > 0 {
            store_batch(&store, &searches, dropped, &not_recorded, &counts).await;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Writes one batch, once more after a moment if it fails; a batch that fails twice is counted as not
/// recorded (with the count it carried), to be written with the next one.
async fn store_batch(
    store: &Store,
    searches: &[LoggedSearch],
    dropped: u64,
    not_recorded: &AtomicU64,
    counts: &SearchLogCounts,
) {
    if dropped > 0 {
        tracing::warn!(searches = dropped, "search log queue full: searches counted as not recorded");
    }
    let mut result = store.log_searches(searches, dropped, Utc::now()).await;
    if result.is_err() {
        tokio::time::sleep(RETRY_AFTER).await;
        result = store.log_searches(searches, dropped, Utc::now()).await;
    }
    match result {
        Ok(()) => counts.written.inc_by(searches.len() as u64),
        Err(error) => {
            tracing::warn!(%error, searches = searches.len(), "search log write failed: the batch is counted as not recorded");
            not_recorded.fetch_add(dropped + searches.len() as u64, Ordering::AcqRel);
            // The dropped ones were counted when they were dropped.
            counts.not_recorded.inc_by(searches.len() as u64);
        }
    }
}
