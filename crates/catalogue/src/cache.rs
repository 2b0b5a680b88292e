//! Recent search answers, kept per index state.
//!
//! Most searches repeat (the front page, a family's page, the words everyone types), and an answer depends on
//! nothing but the request, the date (products are listed within their validity window) and the index. Each
//! answer is kept under the reader's searcher generation, which changes with every commit the reader loads:
//! once a change is in the index, no answer from before it can be found again, so the cache never serves an
//! answer older than what a search would compute. The key also names the index generation ([`Generation`]'s
//! serial number), so a rebuilt index never meets its predecessor's answers.
//!
//! [`Generation`]: crate::generation::Generation

use crate::search::{SearchRequest, SearchResults};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What an answer depends on: the index generation's serial number and its reader's searcher generation,
/// the request and the date.
type Key = ((u64, u64), SearchRequest, chrono::NaiveDate);

/// Cache hits and misses since start, for the metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
}

pub(crate) struct ResultCache {
    /// `None`: caching is off.
    entries: Mutex<Option<LruCache<Key, Arc<SearchResults>>>>,
    /// Since start, whatever the capacity was.
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ResultCache {
    /// A cache of at most `capacity` answers (0: none kept).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(NonZeroUsize::new(capacity).map(LruCache::new)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn counts(&self) -> CacheCounts {
        CacheCounts { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed) }
    }

    /// Keeps at most `capacity` answers from now on (0: none), dropping what is kept.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        *self.lock() = NonZeroUsize::new(capacity).map(LruCache::new);
    }

    /// A panic while the lock was held leaves at worst a missing entry: the map itself stays whole.
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<LruCache<Key, Arc<SearchResults>>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer for `(generation, req, today)`, computed by `search` unless kept. Two searches that miss
    /// at once both compute (the lock is never held while searching); the second answer replaces the first,
    /// and both are the same.
    pub(crate) fn get_or_search<E>(
        &self,
        generation: (u64, u64),
        req: &SearchRequest,
        today: chrono::NaiveDate,
        search: impl FnOnce() -> Result<SearchResults, E>,
    ) -> Result<Arc<SearchResults>, E> {
        let key = (generation, req.clone(), today);
        match self.lock().as_mut().map(|entries| entries.get(&key).cloned()) {
            None => return search().map(Arc::new),
            Some(Some(found)) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(found);
            }
            Some(None) => {}
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let answer = Arc::new(search()?);
        if let Some(entries) = self.lock().as_mut() {
            entries.put(key, Arc::clone(&answer));
        }
        Ok(answer)
    }
}
