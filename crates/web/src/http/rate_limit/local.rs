//! The in-process limiter: governor's keyed GCRA, one per limit. It is the limit itself without Redis, and
//! the fallback while Redis cannot be reached.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every this many checks, keys whose state is back to fresh are dropped, so memory follows the clients
/// seen lately rather than every client ever seen.
const HOUSEKEEPING_EVERY: u64 = 4_096;

/// A keyed GCRA limit: `per_minute` requests a minute, all of which may come at once (the burst), then one
/// every `60 s / per_minute`.
#[derive(Debug)]
pub struct Local<C: Clock = DefaultClock> {
    limiter: RateLimiter<String, DashMapStateStore<String>, C, NoOpMiddleware<C::Instant>>,
    checks: AtomicU64,
}

impl Local {
    #[must_use]
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self::with_clock(per_minute, DefaultClock::default())
    }
}

impl<C: Clock> Local<C> {
    /// The limit on a clock of the caller's (a fake one in tests).
    pub fn with_clock(per_minute: NonZeroU32, clock: C) -> Self {
        let limiter = RateLimiter::new(Quota::per_minute(per_minute), DashMapStateStore::default(), clock);
        Self { limiter, checks: AtomicU64::new(0) }
    }

    /// Counts one request of `key`: `Err` with how long until one is allowed when it is over the limit.
    ///
    /// # Errors
    /// Over the limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map(|_| ())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_key_over_its_limit_waits_one_interval_and_other_keys_are_not_affected() {
        let clock = FakeRelativeClock::default();
        let limit = Local::with_clock(NonZeroU32::new(60).unwrap(), clock.clone());
        // The whole minute's allowance at once, then refused for one interval (60 s / 60).
        for n in 0..60 {
            assert_eq!(limit.check("token:1"), Ok(()), "request {n}");
        }
        assert_eq!(limit.check("token:1"), Err(Duration::from_secs(1)));
        assert_eq!(limit.check("token:2"), Ok(()), "another key has its own allowance");
        clock.advance(Duration::from_millis(400));
        assert_eq!(limit.check("token:1"), Err(Duration::from_millis(600)));
        clock.advance(Duration::from_millis(600));
        assert_eq!(limit.check("token:1"), Ok(()));
        assert!(limit.check("token:1").is_err(), "one interval allows one request");
        // A minute later the whole allowance is back.
        clock.advance(Duration::from_secs(60));
        for n in 0..60 {
            assert_eq!(limit.check("token:1"), Ok(()), "request {n} after a minute");
        }
    }
}
