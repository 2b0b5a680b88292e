//! Building the application and serving it: database, index, change follower, router, graceful shutdown.

use crate::auth::sessions::Sessions;
use crate::config::Config;
use crate::state::{App, AppState};
use crate::{api, assets, auth, match_pages, pages};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use finmart_catalogue::{Catalogue, sync};
use finmart_matching::Matcher;
use finmart_store::Store;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa_swagger_ui::SwaggerUi;

/// Connects the database (running migrations) and opens the index, rebuilding or catching it up.
///
/// # Errors
/// The database cannot be reached or migrated, or the index directory cannot be used.
pub async fn build_app(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)?;
    let store = Store::connect(&config.database_url()).await?;
    let catalogue = Arc::new(Catalogue::open(&config.index_dir())?);
    sync::prepare(&store, &catalogue, &|_, _| {}).await?;
    let matcher = Arc::new(Matcher::new());
    matcher.replace_all(sync::listed_products(&store).await?);
    tracing::info!(database = store.backend_name(), products = catalogue.len(), "catalogue ready");
    let sessions = Sessions::open(&store, config.redis_url.as_deref()).await?;
    tracing::info!(sessions = sessions.kind(), "sessions ready");
    let app = App::new(config, store, catalogue, matcher, sessions);
    let firms = app.refresh_pool().await.map_err(|e| anyhow::anyhow!("{}", e.body.message_en))?;
    tracing::info!(firms, findable = app.pool.len(), "reverse-matching pool ready");
    Ok(AppState(Arc::new(app)))
}

/// The largest request body accepted (product sheets included).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// How long a session lasts without use.
const SESSION_IDLE: tower_sessions::cookie::time::Duration = tower_sessions::cookie::time::Duration::hours(12);

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name("finmart_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));
    Router::new()
        .route("/", get(pages::home))
        .route("/fragments/results", get(pages::results_fragment))
        .route("/products/{id}", get(pages::product))
        .route("/match", get(match_pages::match_page))
        .route("/fragments/match", get(match_pages::match_fragment))
        .route("/fragments/cost/{id}", get(match_pages::cost_fragment))
        .route("/static/{version}/{name}", get(assets::asset))
        .route("/healthz", get(healthz))
        .merge(crate::accounts::pages())
        .merge(crate::bank_products::pages())
        .merge(crate::applications::pages())
        .merge(crate::needs::pages())
        .merge(crate::dashboards::pages())
        .merge(api_router)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(15)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.ping().await;
    let status = if database.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if database.is_ok() { "ok" } else { "degraded" },
        "database": state.store.backend_name(),
        "sessions": state.sessions.kind(),
        "indexed_products": state.catalogue.len(),
        "index_change_seq": state.catalogue.applied_seq(),
    });
    (status, Json(body))
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
}

/// How often the pool of findable firms looks for profile changes (cheap: one primary-key read).
const POOL_POLL: Duration = Duration::from_secs(2);

/// Every this many pool polls (an hour), expired sessions are removed.
const SESSION_SWEEP_TICKS: u64 = 1_800;

async fn follow_pool(state: AppState) {
    let mut ticks: u64 = 0;
    loop {
        tokio::time::sleep(POOL_POLL).await;
        if let Err(e) = state.refresh_pool().await {
            tracing::warn!(error = %e.body.message_en, "reverse-matching pool could not refresh; retrying");
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
        let follower = tokio::spawn(sync::follow(state.store.clone(), Arc::clone(&state.catalogue), state.listeners()));
        let pool_follower = tokio::spawn(follow_pool(state.clone()));
        let rollups = tokio::spawn(follow_rollups(state.store.clone()));
        let app = router(state.clone());
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown).await });
        Ok(Self { addr, state, serve, follower, pool_follower, rollups })
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
        result??;
        Ok(())
    }
}

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
