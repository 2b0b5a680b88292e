//! Where sessions live: the database (the default: SQLite with no configuration, or PostgreSQL) or Redis
//! when `REDIS_URL` is set. One enum so the router has one type whichever is in force.

use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::lang;
use crate::http::page::error_page;
use crate::http::state::AppState;
use crate::startup::StartupError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use finmart_store::Store;
use std::time::Duration;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::{SessionStore, session_store};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::error::{Error as RedisError, ErrorKind as RedisErrorKind};
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config as RedisConfig, Pool};
use tower_sessions_redis_store::fred::types::ConnectHandle;
use tower_sessions_redis_store::fred::types::config::{ConnectionConfig, PerformanceConfig, ReconnectPolicy};

/// How long one Redis command may take: past this a signed-in request answers 503 `sessions_unavailable`
/// rather than waiting (Redis answers a session read in well under a millisecond when it is up).
pub const REDIS_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// How long connecting (or reconnecting) to Redis may take before the attempt counts as failed.
pub(crate) const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The backoff between reconnection attempts: from 100 ms doubling up to 1 s, for ever, so service is back
/// within about a second of Redis returning.
pub(crate) fn reconnect_policy() -> ReconnectPolicy {
    ReconnectPolicy::new_exponential(0, 100, 1_000, 2)
}

/// How long a server's start may wait for Redis to accept its clients.
pub(crate) const REDIS_START_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects `client` (a pool or one client) and waits until it is connected, trying again after a failed
/// attempt until [`REDIS_START_TIMEOUT`]. `init` listens for the connection before starting it: the
/// separate `connect` then `wait_for_connect` can miss a connection made between the two and then wait
/// for ever, which a busy machine made happen.
///
/// # Errors
/// The last attempt's error, or a timeout when no attempt ended in time.
pub(crate) async fn connect_at_start<C: ClientLike>(client: &C) -> Result<ConnectHandle, RedisError> {
    let deadline = tokio::time::Instant::now() + REDIS_START_TIMEOUT;
    let timed_out =
        || RedisError::new(RedisErrorKind::Timeout, format!("no answer within {} s", REDIS_START_TIMEOUT.as_secs()));
    loop {
        match tokio::time::timeout_at(deadline, client.init()).await {
            Ok(Ok(connection)) => return Ok(connection),
            Ok(Err(e)) if tokio::time::Instant::now() + RETRY_PAUSE >= deadline => return Err(e),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "Redis refused a first connection; trying again");
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            Err(_) => return Err(timed_out()),
        }
    }
}

/// The pause between two attempts of [`connect_at_start`].
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// Sessions in the application database's `session` table.
#[derive(Debug, Clone)]
pub struct SqlSessions(pub Store);

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry(record: &Record) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_default()
}

#[async_trait::async_trait]
impl SessionStore for SqlSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; still, never hand out one that exists.
        while self.0.session_exists(&record.id.to_string()).await.map_err(backend)? {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        self.0.session_save(&record.id.to_string(), &data, expiry(record)).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = self.0.session_load(&id.to_string()).await.map_err(backend)? else { return Ok(None) };
        let record: Record = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok((record.expiry_date > OffsetDateTime::now_utc()).then_some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.session_delete(&id.to_string()).await.map_err(backend)
    }
}

/// The layer just outside the session layer: while the session store is unreachable, every answer that
/// failed because of it is 503 `sessions_unavailable` (the session layer's own bare 500 when it could not
/// save, included), shown on pages as the error page in the visitor's language.
pub async fn outage_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let (lang, _) = lang::negotiate(request.uri().query(), request.headers());
    let response = next.run(request).await;
    let code = response.extensions().get::<ErrorBody>().map(|b| b.code);
    let session_save_failed = matches!(state.sessions, Sessions::Redis(..))
        && response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && code.is_none();
    if !session_save_failed && code != Some(ErrorCode::SessionsUnavailable) {
        return response;
    }
    let error = ApiError::sessions_unavailable(&std::io::Error::other("the session store could not be reached"));
    if is_api { error.into_response() } else { error_page(&state, lang, error.status, &error.body) }
}

/// The session store in force.
#[derive(Debug, Clone)]
pub enum Sessions {
    Sql(SqlSessions),
    /// The store, and its client kept for the readiness check's PING.
    Redis(RedisStore<Pool>, Pool),
}

impl Sessions {
    /// Redis when a URL is given (connecting now, so a wrong URL fails the start), else the database.
    ///
    /// # Errors
    /// The Redis URL does not parse or the server cannot be reached.
    pub async fn open(store: &Store, redis_url: Option<&str>) -> anyhow::Result<Self> {
        let Some(url) = redis_url else { return Ok(Self::Sql(SqlSessions(store.clone()))) };
        const FIX: &str = "start Redis or correct --redis-url (REDIS_URL)";
        let fail = |e: &(dyn std::error::Error + 'static)| StartupError::service("Redis", url, e, FIX);
        let performance = PerformanceConfig { default_command_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
        let connection = ConnectionConfig {
            connection_timeout: REDIS_CONNECT_TIMEOUT,
            internal_command_timeout: REDIS_CONNECT_TIMEOUT,
            ..Default::default()
        };
        let config = RedisConfig::from_url(url).map_err(|e| fail(&e))?;
        // Reached over TCP first: the operating system's words for a refused port, not the client's debug text.
        crate::startup::probe("Redis", url, 6379, FIX).await?;
        let pool = Pool::new(config, Some(performance), Some(connection), Some(reconnect_policy()), 4)
            .map_err(|e| fail(&e))?;
        // The connection tasks run for the life of the process and reconnect with the policy's backoff after
        // Redis goes away; meanwhile commands fail after the command timeout instead of waiting.
        let _connection = connect_at_start(&pool).await.map_err(|e| fail(&e))?;
        Ok(Self::Redis(RedisStore::new(pool.clone()), pool))
    }

    /// `sql` or `redis`, for logs and the health check.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sql(_) => "database",
            Self::Redis(..) => "redis",
        }
    }

    /// The Redis client, when sessions are there (the API's rate limits share it).
    #[must_use]
    pub fn redis_pool(&self) -> Option<Pool> {
        match self {
            Self::Sql(_) => None,
            Self::Redis(_, pool) => Some(pool.clone()),
        }
    }

    /// For the readiness check: `None` when sessions are in the database (checked as the database), else
    /// whether Redis answered a PING within [`REDIS_COMMAND_TIMEOUT`] (the error, when not).
    pub async fn ping(&self) -> Option<Result<(), String>> {
        let Self::Redis(_, pool) = self else { return None };
        let answered = tokio::time::timeout(REDIS_COMMAND_TIMEOUT, pool.ping::<String>(None)).await;
        Some(match answered {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} ms", REDIS_COMMAND_TIMEOUT.as_millis())),
        })
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sql(s) => s.create(record).await,
            Self::Redis(s, _) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sql(s) => s.save(record).await,
            Self::Redis(s, _) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sql(s) => s.load(id).await,
            Self::Redis(s, _) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sql(s) => s.delete(id).await,
            Self::Redis(s, _) => s.delete(id).await,
        }
    }
}
