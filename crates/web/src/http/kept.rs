//! A figure too costly to compute per request (the coverage of verified facts over a million firms takes
//! tens of seconds), computed in the background and kept with the key it was computed for and when.
//!
//! A request names the key the figure would have now (what it depends on: a revision, a day) and how long it
//! may wait. A kept copy of that key answers at once. Otherwise one computation for the key runs (requests
//! that arrive meanwhile wait for the same one, never start another), and the request waits for it up to its
//! budget: a small platform's figure is computed in milliseconds and always answered current; a large one's
//! request is answered with the older copy, marked as being updated, or told the figure is still being
//! computed when there is none. The computation goes on after its requests stop waiting, so a later request
//! finds it kept.

use crate::http::error::ApiError;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// A value as computed for `key` at `at`.
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
    /// Computed for an older key; the current one is being computed.
    Updating(Arc<Computed<K, V>>),
    /// Never computed yet; the first computation is under way.
    Computing,
}

/// How a computation ended, as its waiters see it.
#[derive(Debug)]
enum Outcome<K, V> {
    Running,
    Done(Arc<Computed<K, V>>),
    Failed,
}

/// Where a computation tells how it ended.
type Told<K, V> = watch::Receiver<Arc<Outcome<K, V>>>;

struct State<K, V> {
    kept: Option<Arc<Computed<K, V>>>,
    /// The computation under way, its key and where it tells how it ended.
    running: Option<(K, Told<K, V>)>,
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
        Self { state: Arc::new(Mutex::new(State { kept: None, running: None })) }
    }
}

fn lock<K, V>(state: &Mutex<State<K, V>>) -> MutexGuard<'_, State<K, V>> {
    // The state is replaced whole under the lock: a panic elsewhere cannot leave it half-written.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K, V> Keeper<K, V>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// The figure for `key`: kept, or computed by `compute` (started unless a computation for `key` is
    /// already under way) within `wait`, else the older copy or [`Kept::Computing`].
    ///
    /// # Errors
    /// The computation failed within `wait` (it is logged; the next request starts another).
    pub async fn get<F, Fut>(&self, key: K, wait: Duration, compute: F) -> Result<Kept<K, V>, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let mut outcome = {
            let mut state = lock(&self.state);
            if let Some(kept) = state.kept.as_ref().filter(|k| k.key == key) {
                return Ok(Kept::Current(Arc::clone(kept)));
            }
            match &state.running {
                Some((running, outcome)) if *running == key => outcome.clone(),
                _ => {
                    let outcome = self.start(key.clone(), compute());
                    state.running = Some((key, outcome.clone()));
                    outcome
                }
            }
        };
        let ended = tokio::time::timeout(wait, outcome.wait_for(|o| !matches!(**o, Outcome::Running))).await;
        match ended.map(|o| o.map(|o| Arc::clone(&*o))) {
            Ok(Ok(done)) => match &*done {
                Outcome::Done(computed) => Ok(Kept::Current(Arc::clone(computed))),
                Outcome::Failed | Outcome::Running => Err(ApiError::new(
                    crate::http::error::ErrorCode::Internal,
                    "统计计算失败，请稍后重试",
                    "computing the figures failed; retry later",
                )),
            },
            // Still running (or its task ended without a word, which `start` does not let happen): the older
            // copy if there is one.
            Err(_) | Ok(Err(_)) => {
                Ok(lock(&self.state).kept.as_ref().map_or(Kept::Computing, |k| Kept::Updating(Arc::clone(k))))
            }
        }
    }

    /// Spawns the computation of `key`, which keeps its result (unless a newer one was kept meanwhile) and
    /// tells its waiters.
    fn start(&self, key: K, computation: impl Future<Output = Result<V, ApiError>> + Send + 'static) -> Told<K, V> {
        let (tell, outcome) = watch::channel(Arc::new(Outcome::Running));
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let started = Utc::now();
            let result = computation.await;
            let mut state = lock(&state);
            if state.running.as_ref().is_some_and(|(k, _)| *k == key) {
                state.running = None;
            }
            let ended = match result {
                Ok(value) => {
                    let computed = Arc::new(Computed { key, value, at: started });
                    // A computation started later may have finished first: the later start is kept.
                    if state.kept.as_ref().is_none_or(|k| k.at <= started) {
                        state.kept = Some(Arc::clone(&computed));
                    }
                    Outcome::Done(computed)
                }
                Err(error) => {
                    tracing::error!(error = ?error, "computing kept figures failed");
                    Outcome::Failed
                }
            };
            drop(state);
            tell.send_replace(Arc::new(ended));
        });
        outcome
    }
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

    #[tokio::test]
    async fn a_kept_figure_answers_its_key_and_a_new_key_computes_again() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let runs = Arc::new(AtomicU32::new(0));
        let compute = |v: u32| {
            let runs = Arc::clone(&runs);
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(v)
            }
        };
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
        let slow = |v: u32| {
            let (runs, mut gate) = (Arc::clone(&runs), gate.clone());
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                gate.wait_for(|open| *open).await.unwrap();
                Ok(v)
            }
        };
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
    async fn a_failed_computation_is_an_error_and_the_next_request_tries_again() {
        let keeper: Keeper<u32, u32> = Keeper::default();
        let failed = keeper
            .get(1, LONG, || async { Err(ApiError::new(crate::http::error::ErrorCode::Internal, "x", "x")) })
            .await;
        assert!(failed.is_err());
        assert_eq!(value(&keeper.get(1, LONG, || async { Ok(7) }).await.unwrap()), ("current", Some(7)));
    }
}
