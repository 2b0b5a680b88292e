//! The JSON API's rate limits (`docs/SECURITY.md`, "API rate limits"): a request under `/api/` counts
//! against its API token's limit when it carries one (keyed by the token's id, never its secret), else
//! against its client address's (the peer of the connection; `X-Forwarded-For` is not trusted, as
//! elsewhere). Over the limit it is answered 429 `rate_limited` with `Retry-After`, before its handler runs.
//!
//! The count is GCRA (a limit of N a minute allows N at once, then one every 60 s / N). With Redis
//! configured every server shares it ([`shared`]); while Redis cannot be reached each server counts alone
//! ([`local`], governor's keyed limiter), so a Redis outage never blocks or fails an API request: the cost
//! is that the limit is per server until Redis returns.

pub mod local;
pub mod shared;

use crate::config::Config;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorCode, Refusal};
use crate::http::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fred::prelude::Pool;
use local::Local;
use shared::Shared;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Token,
    Address,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Self::Token => "per_token",
            Self::Address => "per_address",
        }
    }
}

/// One limit: its rate and its in-process counter.
#[derive(Debug)]
struct Limit {
    per_minute: NonZeroU32,
    local: Local,
}

impl Limit {
    fn of(per_minute: u32) -> Option<Self> {
        NonZeroU32::new(per_minute).map(|per_minute| Self { per_minute, local: Local::new(per_minute) })
    }
}

/// The API's limits, as configured (`--api-rate-per-token`, `--api-rate-per-address`; 0 is none).
#[derive(Debug)]
pub struct RateLimits {
    per_token: Option<Limit>,
    per_address: Option<Limit>,
    shared: Option<Shared>,
}

/// A request over its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub scope: Scope,
    pub per_minute: u32,
    pub retry_after: Duration,
}

impl RateLimits {
    /// The configured limits, shared through `redis` when given (the sessions' pool).
    #[must_use]
    pub fn new(config: &Config, redis: Option<Pool>) -> Self {
        Self {
            per_token: Limit::of(config.api_rate_per_token),
            per_address: Limit::of(config.api_rate_per_address),
            shared: redis.map(Shared::new),
        }
    }

    /// Counts one request of `key` against the `scope`'s limit.
    ///
    /// # Errors
    /// Over the limit.
    pub async fn check(&self, scope: Scope, key: &str) -> Result<(), Limited> {
        let limit = match scope {
            Scope::Token => &self.per_token,
            Scope::Address => &self.per_address,
        };
        let Some(limit) = limit else { return Ok(()) };
        let key = format!("{}:{key}", scope.name());
        let decided = match &self.shared {
            Some(shared) => match shared.check(&key, limit.per_minute).await {
                Ok(decided) => decided,
                Err(error) => {
                    tracing::debug!(%error, "rate limit decided by this server alone");
                    limit.local.check(&key)
                }
            },
            None => limit.local.check(&key),
        };
        decided.map_err(|retry_after| Limited { scope, per_minute: limit.per_minute.get(), retry_after })
    }
}

/// The key of a client address: the address itself for IPv4 (and IPv4 mapped into IPv6), the /64 prefix
/// for IPv6, which is what one subscriber is given (a client changing its interface identifier is still
/// one client).
#[must_use]
pub fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The limit a request counts against, and its key there: the API token's id, else the peer address
/// (`local` for a request without one, made in process).
fn scope_and_key(request: &Request) -> (Scope, String) {
    if let Some((id, _)) = request.extensions().get::<Caller>().and_then(|c| c.token.as_ref()) {
        return (Scope::Token, id.to_string());
    }
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| address_key(c.0.ip()));
    (Scope::Address, address.unwrap_or_else(|| "local".to_owned()))
}

/// The layer of the API's routes (inside the one that identifies the caller, whose token it reads).
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (scope, key) = scope_and_key(&request);
    match state.rate_limits.check(scope, &key).await {
        Ok(()) => next.run(request).await,
        Err(limited) => limited.into_response(),
    }
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        // Whole seconds, rounded up: retrying at the advertised second is always allowed.
        let seconds = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        let (whose_zh, whose_en) = match self.scope {
            Scope::Token => ("每个 API 令牌", "per API token"),
            Scope::Address => ("每个客户端地址", "per client address"),
        };
        let limit = Refusal {
            limit: Some(self.scope.name().to_owned()),
            limit_per_minute: Some(self.per_minute),
            retry_after: Some(seconds),
            ..Refusal::default()
        };
        let error = ApiError::refused(
            ErrorCode::RateLimited,
            format!("API 请求过于频繁：{whose_zh}每分钟最多 {} 次，请 {seconds} 秒后重试", self.per_minute),
            format!(
                "too many API requests: the limit is {} a minute {whose_en}; retry in {seconds} s",
                self.per_minute
            ),
            limit,
        );
        let mut response = error.into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_ipv4_address_and_ipv6_prefix() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2:aaaa::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    #[test]
    fn the_answer_names_the_limit_and_when_to_retry() {
        let limited = Limited { scope: Scope::Address, per_minute: 600, retry_after: Duration::from_millis(100) };
        let response = limited.into_response();
        assert_eq!(response.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = response.extensions().get::<crate::http::error::ErrorBody>().unwrap();
        assert_eq!(body.code, ErrorCode::RateLimited);
        let json = serde_json::to_value(body).unwrap();
        assert_eq!(json["limit"], "per_address");
        assert_eq!(json["limit_per_minute"], 600);
        assert_eq!(json["retry_after"], 1);
        assert!(body.message_en.contains("600 a minute per client address"), "{}", body.message_en);
    }
}
