//! Finmart's HTTP server: the JSON API under `/api/v1` (OpenAPI at `/api/openapi.json`, browsable at
//! `/api/docs`), the HTML pages, and `/healthz` and `/readyz`.
//!
//! Three layers, imports pointing down only:
//! - [`http`]: the kit every feature is built from (state, errors, extractors, pages, forms, formats, auth);
//!   it imports no feature.
//! - [`features`]: one folder per feature (`mod.rs` for what it does, `api.rs`, `pages.rs`), each
//!   registering its own routes, pages and templates; no feature imports another.
//! - [`router`] and [`server`]: the list of features, the middleware around them, and serving.

pub mod change_bus;
pub mod config;
pub mod features;
pub mod http;
pub mod router;
pub mod server;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use http::state::{self as state, AppState};
pub use router::router;
pub use server::{Server, build_app, open_app, open_catalogue, open_store, shutdown_signal};
