//! What a server loads after it has started answering: the matching engine's book (every listed product,
//! compiled) and the reverse-matching pool (every stored firm).
//!
//! At the planned scale these take tens of seconds to load from the database, while search needs neither
//! (its index is on disk). So the server answers from the first second and loads them in the background:
//! each is a [`Part`] that says how far it has got, for `/readyz`, and the operations that need one answer
//! 503 `warming_up` with `Retry-After` until it is loaded, never an empty or partial answer.
//!
//! The product follower starts with the server and tells the matcher of every change; a change told while
//! the book is being read could be overwritten by the older copy the load then installs. [`MatcherGate`]
//! keeps such changes aside and applies them after the load, under one lock with the follower.

use finmart_domain::Product;
use finmart_domain::changes::Listener;
use finmart_matching::Matcher;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// One thing loaded in the background: loading (how many of how many read), then loaded.
#[derive(Debug, Default)]
pub struct Part {
    loaded: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
    /// Where its last load came from, when the part says (the pool: its snapshot or the database).
    from: Mutex<Option<&'static str>>,
}

impl Part {
    #[must_use]
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// How far the load has got: `done` of about `total` read.
    pub fn progress(&self, done: u64, total: u64) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Loaded, with `count` entries.
    pub fn finish(&self, count: u64) {
        self.progress(count, count);
        self.loaded.store(true, Ordering::Release);
    }

    /// Loaded, with `count` entries, from `from` (shown by `/readyz`).
    pub fn finish_from(&self, count: u64, from: &'static str) {
        *self.from.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(from);
        self.finish(count);
    }

    /// The part as `/readyz` shows it.
    #[must_use]
    pub fn view(&self) -> Value {
        let (done, total) = (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed));
        if self.is_loaded() {
            let from = *self.from.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match from {
                Some(from) => json!({ "state": "ok", "loaded": done, "from": from }),
                None => json!({ "state": "ok", "loaded": done }),
            }
        } else {
            json!({ "state": "loading", "read": done, "total": total })
        }
    }
}

/// The parts loaded in the background.
#[derive(Debug, Default)]
pub struct WarmUp {
    /// The matching engine's book (needed by matching and the institutions' needs feed).
    pub matcher: Part,
    /// The reverse-matching pool (needed by a product's candidates).
    pub pool: Part,
}

/// The changes the follower told while the book was loading, latest first wins: id → the product as
/// listed then (`None`: no longer listed).
type Pending = BTreeMap<i64, Option<Product>>;

/// The matcher as the product follower sees it: changes told before its book is loaded are kept and
/// applied after the load, so none is lost to the older copy the load installs.
#[derive(Debug)]
pub struct MatcherGate {
    matcher: Arc<Matcher>,
    /// `Some` until the book is loaded.
    pending: Mutex<Option<Pending>>,
}

impl MatcherGate {
    #[must_use]
    pub fn new(matcher: Arc<Matcher>) -> Self {
        Self { matcher, pending: Mutex::new(Some(Pending::new())) }
    }

    fn pending(&self) -> MutexGuard<'_, Option<Pending>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Installs `listed` (every listed product, read after the follower started) as the book, then the
    /// changes told meanwhile. Blocking: compiling the book takes seconds at scale.
    pub fn load(&self, listed: Vec<Product>) {
        self.matcher.replace_all(listed);
        let mut pending = self.pending();
        if let Some(told) = pending.take() {
            let changed: Vec<i64> = told.keys().copied().collect();
            let listed: Vec<Product> = told.into_values().flatten().collect();
            if !changed.is_empty() {
                self.matcher.apply(&changed, &listed);
            }
        }
    }
}

impl Listener for MatcherGate {
    fn replaced(&self, changed: &[i64], listed: &[Product]) {
        let mut pending = self.pending();
        match pending.as_mut() {
            Some(told) => {
                for id in changed {
                    told.insert(*id, listed.iter().find(|p| p.id == *id).cloned());
                }
            }
            // Loaded: applied under the lock, so a load finishing cannot interleave (it only ever finishes once).
            None => self.matcher.apply(changed, listed),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_part_loads_then_says_ok() {
        let part = Part::default();
        part.progress(3, 10);
        assert_eq!(part.view(), json!({ "state": "loading", "read": 3, "total": 10 }));
        part.finish(9);
        assert!(part.is_loaded());
        assert_eq!(part.view(), json!({ "state": "ok", "loaded": 9 }));
    }
}
