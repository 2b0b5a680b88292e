//! Building the application and serving it: database, index, change follower, router, graceful shutdown.

use crate::change_bus::ChangeBus;
use crate::config::Config;
use crate::http::auth::sessions::Sessions;
use crate::http::state::{App, AppState};
use crate::router::{router, templates};
use crate::startup::{self, StartupError};
use finmart_catalogue::{Catalogue, sync};
use finmart_matching::Matcher;
use finmart_store::{DocumentStorage, ObjectStorage, Secret, Store};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Connects the database (running migrations) and opens the index: catching it up, building it when it is
/// missing or of another version, or, when it is damaged, serving without it while it is rebuilt in the
/// background (a damaged index never stops the start). The matcher's book and the reverse-matching pool are
/// not loaded yet: [`Server::start`] loads them in the background while it answers (see
/// [`crate::http::warm_up`]).
///
/// # Errors
/// The database cannot be reached or migrated, or the index directory cannot be used.
pub async fn open_app(config: Config) -> anyhow::Result<AppState> {
    let store = open_store(&config).await?;
    let store = with_document_storage(&config, store).await?;
    let catalogue = Arc::new(open_catalogue(&config)?);
    sync::prepare(&store, &catalogue, &|_, _| {}).await?;
    tracing::info!(database = store.backend_name(), products = catalogue.len(), "search index ready");
    let matcher = Arc::new(Matcher::new(config.home_area));
    let sessions = Sessions::open(&store, config.redis_url.as_ref().map(Secret::expose)).await?;
    tracing::info!(sessions = sessions.kind(), "sessions ready");
    let app = App::new(config, store, catalogue, matcher, sessions, templates());
    // The repair's catch-up tells the matcher of the changes made meanwhile; while its book loads, they are
    // kept and applied after the load.
    app.repair_index();
    Ok(AppState(Arc::new(app)))
}

/// [`open_app`] with the matcher and the pool loaded before it returns, for what needs everything at once
/// (tests, a command that matches).
///
/// # Errors
/// As [`open_app`]; the matcher or the pool cannot be read.
pub async fn build_app(config: Config) -> anyhow::Result<AppState> {
    let state = open_app(config).await?;
    state.warm_up().await.map_err(|e| anyhow::anyhow!("{}", e.body.message_en))?;
    Ok(state)
}

/// The data directory, proven usable, and the database, migrated: what every command that touches the data
/// opens first, failing as one line that names what could not be used.
///
/// # Errors
/// The data directory cannot be created or written, or the database cannot be reached or migrated.
pub async fn open_store(config: &Config) -> Result<Store, StartupError> {
    usable_dir(&config.data_dir)?;
    connect_database(config).await
}

/// How long the object store may take to answer at start (its client retries a refused connection a few
/// times within a second or two; a silent host is given this long).
const OBJECT_STORE_START_TIMEOUT: Duration = Duration::from_secs(10);

/// `store` with documents kept in the configured object store, checked to answer (its bucket there, its key
/// accepted); unchanged, documents in the database, when none is configured.
///
/// # Errors
/// Settings that cannot be meant ([`StartupError::Config`]), or a store that does not answer or refuses us
/// ([`StartupError::Service`], naming its endpoint and bucket, never the secret).
pub async fn with_document_storage(config: &Config, store: Store) -> Result<Store, StartupError> {
    const FIX: &str = "start the object store, or correct FINMART_S3_ENDPOINT, FINMART_S3_BUCKET (it must exist) and \
                       the key (FINMART_S3_ACCESS_KEY_ID, FINMART_S3_SECRET_ACCESS_KEY)";
    let Some(settings) = config.object_store.settings().map_err(StartupError::Config)? else {
        tracing::info!(storage = store.document_storage_name(), "documents kept in the database");
        return Ok(store);
    };
    let location = settings.location();
    let storage = ObjectStorage::s3(&settings).map_err(|e| StartupError::Config(e.to_string()))?;
    match tokio::time::timeout(OBJECT_STORE_START_TIMEOUT, storage.check()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(StartupError::service("the S3 object store", &location, &e, FIX)),
        Err(_) => {
            let silent = std::io::Error::other(format!("no answer within {} s", OBJECT_STORE_START_TIMEOUT.as_secs()));
            return Err(StartupError::service("the S3 object store", &location, &silent, FIX));
        }
    }
    tracing::info!(storage = storage.name(), location, "documents kept in the object store");
    Ok(store.with_document_storage(Arc::new(storage)))
}

/// The search index in the data directory (rebuilt empty when it is unusable; see [`Catalogue::open`]).
///
/// # Errors
/// Its directory cannot be created or written (a server already holding it is named as a possibility).
pub fn open_catalogue(config: &Config) -> Result<Catalogue, StartupError> {
    let index_dir = config.index_dir();
    let entries = usize::try_from(config.search_cache).unwrap_or(usize::MAX);
    let catalogue = Catalogue::open(&index_dir).map_err(|e| {
        StartupError::path(
            "search index",
            &index_dir,
            &e,
            "make it writable by this user, and stop any other finmart using this data directory",
        )
    })?;
    catalogue.set_search_cache(entries);
    Ok(catalogue)
}

const DATA_DIR_FIX: &str = "make it writable by this user or choose another with --data-dir (FINMART_DATA_DIR)";

/// The data directory, created if need be and proven writable (a file written and removed), so that an
/// unusable one is named now rather than by SQLite's or the index's own words later.
fn usable_dir(dir: &std::path::Path) -> Result<(), StartupError> {
    let fail = |e: std::io::Error| StartupError::path("data directory", dir, &e, DATA_DIR_FIX);
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".finmart-write-check");
    std::fs::write(&probe, b"").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

/// The database, migrated. PostgreSQL is first reached over TCP, so a refused or silent server fails within
/// [`startup::PROBE_TIMEOUT`] naming it, instead of after the pool's 10 s wait with no name.
async fn connect_database(config: &Config) -> Result<Store, StartupError> {
    let url = config.database_url();
    if url.starts_with("postgres") {
        const FIX: &str = "start PostgreSQL or correct --database-url (DATABASE_URL)";
        startup::probe("PostgreSQL", &url, 5432, FIX).await?;
        Store::connect(&url).await.map_err(|e| StartupError::service("PostgreSQL", &url, &e, FIX))
    } else {
        Store::connect(&url)
            .await
            .map_err(|e| StartupError::path("SQLite database in", &config.data_dir, &e, DATA_DIR_FIX))
    }
}

/// A running server: its address, and the task serving it.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    serve: JoinHandle<std::io::Result<()>>,
    follower: JoinHandle<()>,
    pool_follower: JoinHandle<()>,
    rollups: JoinHandle<()>,
    warm_up: JoinHandle<()>,
    /// Announcing product changes to the other servers (with Redis), stopped when this is dropped.
    _bus: Option<ChangeBus>,
}

/// With Redis, the bus telling other servers of this one's product changes (and it of theirs) at once, and
/// the follower's poll slowed to a safety net; without it, the poll alone, often enough to bring another
/// process's changes within a second.
async fn announce_changes(state: &AppState) -> anyhow::Result<(Option<ChangeBus>, Duration)> {
    match (state.config.redis_url.as_ref().map(Secret::expose), state.sessions.redis_pool()) {
        (Some(url), Some(pool)) => {
            let bus = ChangeBus::start(url, pool, &state.store).await?;
            Ok((Some(bus), sync::ANNOUNCED_POLL_INTERVAL))
        }
        _ => Ok((None, sync::POLL_INTERVAL)),
    }
}

/// How often the pool of findable firms looks for profile changes (cheap: one primary-key read).
const POOL_POLL: Duration = Duration::from_secs(2);

/// Every this many pool polls (an hour), expired sessions are removed.
const SESSION_SWEEP_TICKS: u64 = 1_800;

/// Loads the matcher and the pool in the background (see [`crate::http::warm_up`]), retrying until it can.
async fn warm_up(state: AppState) {
    while let Err(e) = state.warm_up().await {
        tracing::warn!(error = %e.body.message_en, "matching could not be loaded yet; retrying");
        tokio::time::sleep(POOL_POLL).await;
    }
}

async fn follow_pool(state: AppState) {
    let mut ticks: u64 = 0;
    loop {
        tokio::time::sleep(POOL_POLL).await;
        // Until the pool is loaded (by the warm-up) there is nothing to refresh. On a new Shanghai day it is
        // reloaded here, with requests served meanwhile from the one they have.
        if state.warm_up.pool.is_loaded() {
            let refreshed = match state.reload_pool_if_new_day().await {
                Ok(true) => Ok(0),
                Ok(false) => state.refresh_pool().await,
                Err(e) => Err(e),
            };
            if let Err(e) = refreshed {
                tracing::warn!(error = %e.body.message_en, "reverse-matching pool could not refresh; retrying");
            }
        }
        ticks += 1;
        if ticks.is_multiple_of(SESSION_SWEEP_TICKS) {
            // Expired database sessions are never read again; sweep them now and then (Redis expires its own).
            if let Err(e) = state.store.session_delete_expired().await {
                tracing::warn!(error = %e, "expired sessions could not be removed");
            }
        }
    }
}

/// How often closed days and months of the market's figures are rolled up (see
/// `finmart_store::uptake_rollup`): a day is rolled up within this long of an hour after it ends.
const ROLLUP_REFRESH: Duration = Duration::from_secs(600);

/// Rolls up the market's figures now and every [`ROLLUP_REFRESH`]. The figures are exact without it, only
/// slower for the operator's whole market, so a failure is logged and retried.
async fn follow_rollups(store: finmart_store::Store) {
    loop {
        let started = std::time::Instant::now();
        match store.refresh_uptake_rollups(chrono::Utc::now()).await {
            Ok(done) if done.days + done.months > 0 => tracing::info!(
                days = done.days,
                months = done.months,
                seconds = started.elapsed().as_secs_f64(),
                "market figures rolled up"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "market figures could not be rolled up; retrying later"),
        }
        tokio::time::sleep(ROLLUP_REFRESH).await;
    }
}

impl Server {
    /// Binds the configured address (port 0 picks a free one) and starts serving and following changes.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn start(state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(state.config.listen).await?;
        let addr = listener.local_addr()?;
        let (bus, poll) = announce_changes(&state).await?;
        let follower =
            tokio::spawn(sync::follow(state.store.clone(), Arc::clone(&state.catalogue), state.listeners(), poll));
        let pool_follower = tokio::spawn(follow_pool(state.clone()));
        let warm_up = tokio::spawn(warm_up(state.clone()));
        let rollups = tokio::spawn(follow_rollups(state.store.clone()));
        let app = router(state.clone());
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown).await });
        Ok(Self { addr, state, serve, follower, pool_follower, rollups, warm_up, _bus: bus })
    }

    /// Waits until the server has shut down (after the shutdown future completes and requests drain).
    ///
    /// # Errors
    /// The server failed.
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self.serve.await;
        self.follower.abort();
        self.pool_follower.abort();
        self.rollups.abort();
        self.warm_up.abort();
        // Every request has been answered: the searches they queued are written before the process ends.
        if tokio::time::timeout(SEARCH_LOG_FLUSH, self.state.search_log.flush()).await.is_err() {
            tracing::warn!("the search log could not be written within 10 s of shutting down");
        }
        result??;
        Ok(())
    }
}

/// How long shutting down waits for the search log's last writes (the database may be the reason it stops).
const SEARCH_LOG_FLUSH: Duration = Duration::from_secs(10);

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
