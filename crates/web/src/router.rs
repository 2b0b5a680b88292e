//! Every route of the application: the features, listed, and the middleware around them.

use crate::features;
use crate::http::api_doc::{SharedAnswers, operations};
use crate::http::auth;
use crate::http::page::{not_found, page_layer};
use crate::http::state::{AppState, today};
use crate::http::templates::{TemplateList, Templates};
use crate::http::{Feature, assets, client_address, headers, metrics, rate_limit};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use finmart_catalogue::Health;
use serde_json::json;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// Every feature of the site.
fn features() -> Vec<Feature> {
    vec![
        features::search::feature(),
        features::matching::feature(),
        features::products::feature(),
        features::applications::feature(),
        features::accounts::feature(),
        features::institutions::feature(),
        features::rates::feature(),
        features::consent::feature(),
        features::needs::feature(),
        features::prospects::feature(),
        features::dashboards::feature(),
        features::market_watch::feature(),
        features::compare::feature(),
        features::favourites::feature(),
        features::providers::feature(),
        features::documents::feature(),
        features::contacts::feature(),
        features::messages::feature(),
        features::invitations::feature(),
    ]
}

/// Every feature's templates (the application's template environment is built from them).
#[must_use]
pub fn templates() -> Templates {
    let lists: Vec<TemplateList> = features().iter().map(|f| f.templates).collect();
    Templates::new(&lists)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Finmart API", description = "金融超市：产品检索与匹配 / financing products for SMEs"),
    components(schemas(crate::http::error::ErrorBody, crate::http::error::ErrorCode)),
    modifiers(&Credentials)
)]
struct ApiDoc;

/// Every feature's API (with the OpenAPI document) and pages.
fn assemble() -> (OpenApiRouter<AppState>, Router<AppState>) {
    let (mut api, mut pages) = (OpenApiRouter::with_openapi(ApiDoc::openapi()), Router::new());
    for feature in features() {
        let (public, signed) = (tagged(feature.public_api, feature.tag), tagged(feature.api, feature.tag));
        api = api.merge(public).merge(signed_in(signed));
        pages = pages.merge(feature.pages);
    }
    // Last, when every operation is known with its credentials: what all of them share.
    utoipa::Modify::modify(&SharedAnswers, api.get_openapi_mut());
    (api, pages)
}

/// A feature's operations carry its tag, unless they name one.
fn tagged(mut api: OpenApiRouter<AppState>, tag: &str) -> OpenApiRouter<AppState> {
    for item in api.get_openapi_mut().paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            operation.tags.get_or_insert_with(|| vec![tag.to_owned()]);
        }
    }
    api
}

/// A feature's signed-in API: refused with 401 to anyone not signed in, and documented with the credentials
/// it accepts on every operation (the session cookie or an institution's API token), from which
/// [`SharedAnswers`] adds the 401 and 403.
fn signed_in(mut api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    if api.get_openapi().paths.paths.is_empty() {
        // A feature without a signed-in API (axum refuses a layer over no routes).
        return api;
    }
    use utoipa::openapi::security::SecurityRequirement;
    let requirements = [
        SecurityRequirement::new("session", Vec::<String>::new()),
        SecurityRequirement::new("token", Vec::<String>::new()),
    ];
    for item in api.get_openapi_mut().paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            operation.security = Some(requirements.to_vec());
        }
    }
    api.route_layer(axum::middleware::from_fn(auth::require_signed_in))
}

/// The credentials the API accepts, named by the signed-in operations.
#[derive(Debug)]
struct Credentials;

impl utoipa::Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let session = ApiKeyValue::with_description(
            "finmart_session",
            "The session cookie set by `POST /api/v1/session`; state-changing requests also send its CSRF token in `x-csrf-token`",
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(session)));
        let mut token = Http::new(HttpAuthScheme::Bearer);
        token.description = Some("An institution's API token (`fmt_…`), made on `/bank/tokens`".to_owned());
        components.add_security_scheme("token", SecurityScheme::Http(token));
    }
}

/// The OpenAPI document of the whole API (served at `/api/openapi.json`).
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    assemble().0.into_openapi()
}

/// How long a session lasts without use.
const SESSION_IDLE: tower_sessions::cookie::time::Duration = tower_sessions::cookie::time::Duration::hours(12);

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let (api, pages) = assemble();
    let (api_router, openapi) = api.split_for_parts();
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name("finmart_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));
    let [csp, nosniff, referrer, frames, hsts] = headers::layers(state.config.secure_cookies);
    Router::new()
        .merge(pages.layer(axum::middleware::from_fn_with_state(state.clone(), page_layer)))
        .route("/static/{version}/{name}", get(assets::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api_router.layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::layer)))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::sessions::outage_layer))
        // Outside sessions and identity: a scrape needs neither (and works while Redis is down), and its bearer
        // token is the metrics token, not an API token.
        .route("/metrics", get(metrics::endpoint))
        .layer(RequestBodyLimitLayer::new(state.config.body_limit()))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(15)))
        .layer(TraceLayer::new_for_http())
        // Outside the others (but the headers'), so it sees their refusals and timeouts too.
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::layer))
        // Outside the metrics and everything else that reads the client's address (rate limits, the sign-in
        // throttle, /metrics' loopback rule): behind a trusted proxy it is the address the proxy appended.
        .layer(axum::middleware::from_fn_with_state(state.clone(), client_address::layer))
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(frames)
        .layer(hsts)
        .with_state(state)
}

/// Liveness: the process answers. Nothing else is checked, so an orchestrator restarts only a server that
/// no longer answers at all (a dependency's outage is for `/readyz`).
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// How long each readiness check may take before its part counts as down.
const READY_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Readiness: every part the server needs, each with its state; 503 when one is down. The database answers
/// a query (the change log's head), Redis (when sessions are there) a PING, and the index a trivial search.
/// The index is `ok`, `rebuilding` (found damaged; `indexed_products` counts the new generation so far, of
/// `products_read` read from the database's `products_total`) or `unusable` (damaged, its rebuild failing or
/// about to start: this check starts one, as a search would). `lag` is how many changes of the log the
/// index has still to apply (the follower applies them within seconds; a lag is reported, not a failure).
/// `matcher` and `pool` are what loads after the start (the matching engine's products, the firms reverse
/// matching draws on): `loading` (`read` of `total` so far), then `ok` (`loaded`). They do not make the
/// server unready: search, pages and everything else answer meanwhile, and what needs them answers 503
/// `warming_up` with `Retry-After`, so a load balancer keeps sending traffic from the first second;
/// `status` is then `warming_up` (200) until both are loaded.
/// `documents` is the storage of documents' bytes (`storage`: `database` or `object_store`) and whether it
/// answers (`ok` or `down`: an object store listed, within 2 s). A down object store does not make the server
/// unready: every server shares it, so none could do better, and everything but documents works meanwhile
/// (their uploads and downloads answer 503 `storage_unavailable`).
/// Errors are logged, not shown: the endpoint is public.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    // The checks run side by side, so a database that does not answer (which the database storage of
    // documents also needs) costs one timeout, not two.
    let (head, documents) = tokio::join!(
        tokio::time::timeout(READY_CHECK_TIMEOUT, state.store.last_change_seq()),
        tokio::time::timeout(READY_CHECK_TIMEOUT, state.store.check_document_storage()),
    );
    let head = match head {
        Ok(Ok(seq)) => Some(seq),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database did not answer");
            None
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer within 2 s");
            None
        }
    };
    let database = json!({
        "state": if head.is_some() { "ok" } else { "down" },
        "backend": state.store.backend_name(),
    });
    let redis = match state.sessions.ping().await {
        None => json!({ "state": "not_configured" }),
        Some(Ok(())) => json!({ "state": "ok" }),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "readiness: Redis did not answer");
            json!({ "state": "down" })
        }
    };
    let documents = match documents {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the document storage did not answer");
            "down"
        }
        Err(_) => {
            tracing::warn!("readiness: the document storage did not answer within 2 s");
            "down"
        }
    };
    let documents = json!({ "state": documents, "storage": state.store.document_storage_name() });
    let trivial = finmart_catalogue::SearchRequest { per_page: 1, ..Default::default() };
    let searched = state.read_index(move |c| c.search(&trivial, today())).await;
    if let Err(e) = &searched {
        tracing::warn!(error = %e.body.message_en, "readiness: the index cannot be searched");
    }
    let mut index = match (&searched, state.catalogue.health()) {
        (Ok(_), _) => json!({ "state": "ok", "indexed_products": state.catalogue.len() }),
        (Err(_), Health::Rebuilding { indexed, read, total }) => json!({
            "state": "rebuilding", "indexed_products": indexed, "products_read": read, "products_total": total,
        }),
        (Err(_), Health::Ready | Health::Unusable) => json!({ "state": "unusable", "indexed_products": 0 }),
    };
    let applied = state.catalogue.applied_seq();
    index["applied_seq"] = json!(applied);
    index["change_log_head"] = json!(head);
    index["lag"] = json!(head.map(|h| (h - applied).max(0)));
    let ready = head.is_some() && redis["state"] != "down" && searched.is_ok();
    let warm = state.warm_up.matcher.is_loaded() && state.warm_up.pool.is_loaded();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": match (ready, warm) { (false, _) => "not_ready", (true, false) => "warming_up", (true, true) => "ready" },
        "database": database,
        "redis": redis,
        "documents": documents,
        "index": index,
        "matcher": state.warm_up.matcher.view(),
        "pool": state.warm_up.pool.view(),
    });
    (status, Json(body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::http::error::ErrorCode;

    /// The documented table of error codes: `(code, status)` of each row of `docs/api-errors.md`.
    fn documented_codes() -> Vec<(String, u16)> {
        include_str!("../../../docs/api-errors.md")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code.to_owned(), cells.get(2)?.parse().ok()?))
            })
            .collect()
    }

    /// The OpenAPI document names each schema by its type's bare name, and a second type of the same name
    /// silently replaces the first (a response would then be checked against another type's shape): so
    /// every type the API documents has a name of its own.
    #[test]
    fn every_documented_type_has_a_name_of_its_own() {
        fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    rust_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut seen: std::collections::BTreeMap<String, std::path::PathBuf> = std::collections::BTreeMap::new();
        let mut twice = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut derives_schema = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    derives_schema = true;
                } else if derives_schema && !line.starts_with("#[") && !line.starts_with("///") {
                    let name = line
                        .split_whitespace()
                        .skip_while(|w| !matches!(*w, "struct" | "enum"))
                        .nth(1)
                        .map(|n| n.trim_end_matches(['{', '(', ';']).split('<').next().unwrap_or(n).to_owned());
                    if let Some(name) = name
                        && let Some(first) = seen.insert(name.clone(), file.clone())
                    {
                        twice.push(format!("{name}: {} and {}", first.display(), file.display()));
                    }
                    derives_schema = false;
                }
            }
        }
        assert!(seen.len() > 50, "the scan finds the documented types: {}", seen.len());
        assert!(twice.is_empty(), "documented types sharing a name: {twice:?}");
    }

    #[test]
    fn the_documented_error_codes_are_the_codes() {
        let codes: Vec<(String, u16)> =
            ErrorCode::ALL.iter().map(|c| (c.as_str().to_owned(), c.status().as_u16())).collect();
        assert_eq!(documented_codes(), codes, "docs/api-errors.md and ErrorCode differ");
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str(), "{code:?} serialises as its code");
        }
    }

    #[test]
    fn the_openapi_document_lists_the_error_codes_and_every_error_answer_has_its_body() {
        let doc = serde_json::to_value(openapi()).unwrap();
        let listed: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .expect("ErrorCode is an enum schema")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, codes);
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() > 50, "every feature's API is in the document");
        for (path, operations) in paths {
            for (method, operation) in operations.as_object().expect("operations") {
                let Some(responses) = operation["responses"].as_object() else { continue };
                for (status, response) in responses {
                    if !status.starts_with('4') && !status.starts_with('5') {
                        continue;
                    }
                    let schema = response["content"]["application/json"]["schema"]["$ref"].as_str();
                    assert!(
                        schema.is_some_and(|s| s.ends_with("/ErrorBody") || s.ends_with("/UploadRefusal")),
                        "{method} {path} {status}: an error answer without the error body ({schema:?})"
                    );
                }
            }
        }
    }
}
