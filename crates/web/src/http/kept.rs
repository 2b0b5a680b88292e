//! A figure too costly to compute per request (the coverage of verified facts over a million firms takes
//! tens of seconds), computed in the background and kept with the key it was computed for and when.
//!
//! A request names the key the figure would have now (what it depends on: a revision, a day) and how long it
//! may wait. A kept copy of that key answers at once. Otherwise the figure is computed for the key, and the
//! request waits for it up to its budget: a small platform's is computed in milliseconds and always answered
//! current; a large one's request is answered with the older copy, marked as being updated, or told the
//! figure is still being computed when there is none. The computation goes on after its requests stop
//! waiting, so a later request finds it kept.
//!
//! One computation runs at a time: requests for its key wait for it, never start another; a request for a
//! newer key while it runs leaves its computation to start when the running one ends (the newest key asked
//! for replaces any other waiting), so a platform whose firms change every second computes one figure after
//! another, never a pile of them side by side.

use crate::http::error::{ApiError, ErrorCode};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// A value as computed for `key` at `at` (when its computation started: what it read is at least as new).
#[derive(Debug)]
pub struct Computed<K, V> {
    pub key: K,
    pub value: V,
    pub at: DateTime<Utc>,
}

/// What a request gets.
#[derive(Debug)]
pub enum Kept<K, V> {
    /// Computed for the key asked for.
    Current(Arc<Computed<K, V>>),
    /// Computed for an older key; the current one is being computed (or is next).
    Updating(Arc<Computed<K, V>>),
    /// Never computed yet; the first computation is under way.
    Computing,
}

/// How a computation ended, as its waiters see it.
#[derive(Debug)]
enum Outcome<K, V> {
    Running,
    Done(Arc<Computed<K, V>>),
    Failed(K),
}

/// Where a computation tells how it ended.
type Told<K, V> = watch::Receiver<Arc<Outcome<K, V>>>;

/// A computation not started yet.
type Job<V> = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = Result<V, ApiError>> + Send>> + Send>;

struct State<K, V> {
    kept: Option<Arc<Computed<K, V>>>,
    /// The computation under way: its key and where it tells how it ended.
    running: Option<(K, Told<K, V>)>,
    /// The computation to start when the running one ends: the newest key asked for meanwhile.
    next: Option<(K, Job<V>)>,
}

/// One figure kept between requests (see the module's comment).
pub struct Keeper<K, V> {
    state: Arc<Mutex<State<K, V>>>,
}

impl<K, V> std::fmt::Debug for Keeper<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper").finish_non_exhaustive()
    }
}

impl<K, V> Default for Keeper<K, V> {
    fn default() -> Self {
        Self { state: Arc::new(Mutex::new(State { kept: None, running: None, next: None })) }
    }
}

fn lock<K, V>(state: &Mutex<State<K, V>>) -> MutexGuard<'_, State<K, V>> {
    // Every change under the lock is a whole assignment: a panic elsewhere cannot leave it half-written.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn failed() -> ApiError {
    ApiError::new(ErrorCode::Internal, "统计计算失败，请稍后重试", "computing the figures failed; retry later")
}

impl<K, V> Keeper<K, V>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// The figure for `key`: kept, or computed by `compute` (unless a computation for `key` is under way or
    /// waiting) within `wait`, else the older copy or [`Kept::Computing`].
    ///
    /// # Errors
    /// The computation for `key` failed within `wait` (it is logged; the next request starts another).
    pub async fn get<F, Fut>(&self, key: K, wait: Duration, compute: F) -> Result<Kept<K, V>, ApiError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let deadline = Instant::now() + wait;
        let mut told = {
            let mut state = lock(&self.state);
            if let Some(kept) = state.kept.as_ref().filter(|k| k.key == key) {
                return Ok(Kept::Current(Arc::clone(kept)));
            }
            let job: Job<V> = Box::new(move || Box::pin(compute()));
            match &state.running {
                Some((running, told)) if *running == key => told.clone(),
                Some((_, told)) => {
                    let told = told.clone();
                    if !state.next.as_ref().is_some_and(|(next, _)| *next == key) {
                        state.next = Some((key.clone(), job));
                    }
                    told
                }
                None => start(&self.state, &mut state, key.clone(), job),
            }
        };
        loop {
            let outcome =
                match tokio::time::timeout_at(deadline, told.wait_for(|o| !matches!(**o, Outcome::Running))).await {
                    Ok(Ok(outcome)) => Some(Arc::clone(&*outcome)),
                    Ok(Err(_)) | Err(_) => None,
                };
            let ended = outcome.is_some();
            let state = lock(&self.state);
            if let Some(kept) = state.kept.as_ref().filter(|k| k.key == key) {
                return Ok(Kept::Current(Arc::clone(kept)));
            }
            match outcome.as_deref() {
                Some(Outcome::Done(computed)) if computed.key == key => return Ok(Kept::Current(Arc::clone(computed))),
                Some(Outcome::Failed(k)) if *k == key => return Err(failed()),
                _ => {}
            }
            // The one awaited was an older key's: ours has started after it, and there is time to wait.
            if ended && let Some((_, ours)) = state.running.as_ref().filter(|(k, _)| *k == key) {
                told = ours.clone();
                continue;
            }
            return Ok(state.kept.as_ref().map_or(Kept::Computing, |k| Kept::Updating(Arc::clone(k))));
        }
    }
}

/// Spawns the computation of `key` as the running one (the caller holds `locked`, the lock of `state`). When
/// it ends it keeps its result (unless a later one was kept meanwhile), tells its waiters, and starts the
/// computation waiting next.
fn start<K, V>(state: &Arc<Mutex<State<K, V>>>, locked: &mut State<K, V>, key: K, job: Job<V>) -> Told<K, V>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    let (tell, told) = watch::channel(Arc::new(Outcome::Running));
    locked.running = Some((key.clone(), told.clone()));
    let shared = Arc::clone(state);
    tokio::spawn(async move {
        let started = Utc::now();
        let result = job().await;
        let mut locked = lock(&shared);
        let ended = match result {
            Ok(value) => {
                let computed = Arc::new(Computed { key, value, at: started });
                if locked.kept.as_ref().is_none_or(|k| k.at <= started) {
                    locked.kept = Some(Arc::clone(&computed));
                }
                Outcome::Done(computed)
            }
            Err(error) => {
                tracing::error!(error = ?error, "computing kept figures failed");
                Outcome::Failed(key)
            }
        };
        locked.running = None;
        if let Some((key, job)) = locked.next.take() {
            let done = locked.kept.as_ref().is_some_and(|k| k.key == key);
            if !done {
                start(&shared, &mut locked, key, job);
            }
        }
        drop(locked);
        tell.send_replace(Arc::new(ended));
    });
    told
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const NO_WAIT: Duration = Duration::ZERO;
    const LONG: Duration = Duration::from_secs(5);

    fn value<K: std::fmt::Debug, V: Copy>(kept: &Kept<K, V>) -> (&'static str, Option<V>) {
        match kept {
            Kept::Current(c) => ("current", Some(c.value)),
            Kept::Updating(c) => ("updating", Some(c.value)),
            Kept::Computing => ("computing", None),
        }
    }

    /// A computation of `v` that counts itself in `runs` and ends once `gate` is open.
    fn held(
        runs: &Arc<AtomicU32>,
        gate: &watch::Receiver<bool>,
        v: u32,
    ) -> impl FnOnce() -> Pin<Box<dyn Future<Output = Result<u32, ApiError>> + Send>> + Send + 'static {
        let (runs, mut gate) = (Arc::clone(runs), gate.clone());
        move || {
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                gate.wait_for(|open| *open).await.unwrap();
                Ok(v)
            })
        }
    }

    #[tokio::test]
    async fn a_kept_figure_answers_its_key_and_a_new_key_computes_again() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let runs = Arc::new(AtomicU32::new(0));
        let (_open, gate) = watch::channel(true);
        let compute = |v: u32| held(&runs, &gate, v);
        assert_eq!(value(&keeper.get(1, LONG, compute(10)).await.unwrap()), ("current", Some(10)));
        assert_eq!(value(&keeper.get(1, LONG, compute(99)).await.unwrap()), ("current", Some(10)));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the kept copy answers without computing");
        assert_eq!(value(&keeper.get(2, LONG, compute(20)).await.unwrap()), ("current", Some(20)));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_slow_figure_is_computing_then_updating_with_the_older_copy_and_computed_once_per_key() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let runs = Arc::new(AtomicU32::new(0));
        let (release, gate) = watch::channel(false);
        let slow = |v: u32| held(&runs, &gate, v);
        assert_eq!(value(&keeper.get(1, NO_WAIT, slow(10)).await.unwrap()), ("computing", None));
        // A second request for the same key waits for the same computation.
        assert_eq!(value(&keeper.get(1, NO_WAIT, slow(11)).await.unwrap()), ("computing", None));
        release.send_replace(true);
        assert_eq!(value(&keeper.get(1, LONG, slow(12)).await.unwrap()), ("current", Some(10)));
        assert_eq!(runs.load(Ordering::SeqCst), 1);

        release.send_replace(false);
        assert_eq!(value(&keeper.get(2, NO_WAIT, slow(20)).await.unwrap()), ("updating", Some(10)));
        release.send_replace(true);
        assert_eq!(value(&keeper.get(2, LONG, slow(21)).await.unwrap()), ("current", Some(20)));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn one_computation_runs_at_a_time_and_the_newest_key_asked_meanwhile_is_computed_next() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let runs = Arc::new(AtomicU32::new(0));
        let (release, gate) = watch::channel(false);
        let slow = |v: u32| held(&runs, &gate, v);
        assert_eq!(value(&keeper.get(1, NO_WAIT, slow(10)).await.unwrap()), ("computing", None));
        assert_eq!(value(&keeper.get(2, NO_WAIT, slow(20)).await.unwrap()), ("computing", None));
        assert_eq!(value(&keeper.get(3, NO_WAIT, slow(30)).await.unwrap()), ("computing", None));
        tokio::task::yield_now().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the newer keys wait for the running one");
        release.send_replace(true);
        // Waits for key 1's computation, then for key 3's, started after it; key 2's never runs.
        assert_eq!(value(&keeper.get(3, LONG, slow(31)).await.unwrap()), ("current", Some(30)));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(value(&keeper.get(1, LONG, slow(11)).await.unwrap()), ("current", Some(11)), "1 is not kept now");
    }

    #[tokio::test]
    async fn a_failed_computation_is_an_error_and_the_next_request_tries_again() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let failed = keeper
            .get(1, LONG, || async { Err(ApiError::new(crate::http::error::ErrorCode::Internal, "x", "x")) })
            .await;
        assert!(failed.is_err());
        assert_eq!(value(&keeper.get(1, LONG, || async { Ok(7) }).await.unwrap()), ("current", Some(7)));
    }
}
