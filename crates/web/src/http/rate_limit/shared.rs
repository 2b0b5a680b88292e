//! The limit shared by every server through Redis: the same GCRA as governor's (`governor::Gcra`), run as
//! one Lua script so that reading and moving a key's theoretical arrival time is one atomic step, on
//! Redis's own clock (so servers whose clocks differ still count alike).

use fred::prelude::{ClientLike, LuaInterface, Pool};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the limiter waits for Redis before deciding locally. Redis answers in well under a millisecond;
/// a request is never held longer than this by the limit.
pub const REDIS_LIMIT_TIMEOUT: Duration = Duration::from_millis(100);

/// After Redis failed to answer, the limiter decides locally for this long before asking it again, so an
/// outage costs one timeout a second, not one per request.
const RETRY_REDIS_AFTER: Duration = Duration::from_secs(1);

/// Keys are namespaced so that the limits never meet the sessions' keys.
const KEY_PREFIX: &str = "finmart:api-rate:";

/// GCRA over one key. `ARGV[1]` is the emission interval `t` and `ARGV[2]` the tolerance `tau = t × (burst
/// − 1)`, both in microseconds; the key holds the theoretical arrival time `tat`. A request at `now` is
/// allowed when `now ≥ tat − tau`, and then `tat` becomes `max(tat, now) + t`; otherwise the answer is how
/// long until `tat − tau`. The key expires when it would be back to fresh. Times are formatted with `%.0f`
/// because Lua's `tostring` keeps 14 digits and microseconds since 1970 have 16.
const GCRA: &str = r"
local t = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local earliest = tat - tau
if now < earliest then
  return {0, earliest - now}
end
local nxt = math.max(tat, now) + t
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.max(1, math.ceil((nxt - now) / 1000)))
return {1, 0}
";

/// The Redis side of the limits (the sessions' pool).
#[derive(Debug)]
pub struct Shared {
    pool: Pool,
    /// Until when Redis is not asked (after it failed to answer).
    skip_until: Mutex<Option<Instant>>,
}

/// Why Redis gave no decision (the caller decides locally).
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("Redis is not connected")]
    NotConnected,
    #[error("Redis did not answer within {} ms", REDIS_LIMIT_TIMEOUT.as_millis())]
    Timeout,
    #[error("Redis refused the rate-limit script: {0}")]
    Failed(#[from] fred::error::Error),
    #[error("Redis answered the rate-limit script with {0:?}")]
    Unexpected(Vec<i64>),
}

impl Shared {
    #[must_use]
    pub fn new(pool: Pool) -> Self {
        Self { pool, skip_until: Mutex::new(None) }
    }

    /// Counts one request of `key` under a limit of `per_minute`: `Ok(Err(wait))` when it is over.
    ///
    /// # Errors
    /// Redis is down, slow or refused the script (or was so less than a second ago).
    pub async fn check(&self, key: &str, per_minute: NonZeroU32) -> Result<Result<(), Duration>, Unavailable> {
        let skipping = self.skip_until.lock().ok().and_then(|s| *s).is_some_and(|until| Instant::now() < until);
        if skipping || !self.pool.is_connected() {
            return Err(Unavailable::NotConnected);
        }
        let answer = match tokio::time::timeout(REDIS_LIMIT_TIMEOUT, self.eval(key, per_minute)).await {
            Ok(answer) => answer,
            Err(_) => Err(Unavailable::Timeout),
        };
        if answer.is_err()
            && let Ok(mut skip) = self.skip_until.lock()
        {
            *skip = Some(Instant::now() + RETRY_REDIS_AFTER);
        }
        answer
    }

    async fn eval(&self, key: &str, per_minute: NonZeroU32) -> Result<Result<(), Duration>, Unavailable> {
        let t = 60_000_000 / u64::from(per_minute.get());
        let tau = t * u64::from(per_minute.get() - 1);
        let key = format!("{KEY_PREFIX}{key}");
        let answer: Vec<i64> = self.pool.eval(GCRA, key, vec![t, tau]).await?;
        match answer.as_slice() {
            [1, _] => Ok(Ok(())),
            [0, wait] => Ok(Err(Duration::from_micros(u64::try_from(*wait).unwrap_or(0)))),
            _ => Err(Unavailable::Unexpected(answer)),
        }
    }
}
