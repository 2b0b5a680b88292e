//! Finmart's HTTP server: the JSON API under `/api/v1` (OpenAPI at `/api/openapi.json`, browsable at
//! `/api/docs`), the HTML pages, and `/healthz`.
//!
//! Handlers are thin: parameters are parsed and validated in [`params`], work is done by the store and the
//! catalogue, results are shaped by [`views`], and every error becomes a response in [`error`].

pub mod accounts;
pub mod api;
pub mod applications;
pub mod assets;
pub mod auth;
pub mod bank_products;
pub mod config;
pub mod dashboards;
pub mod error;
pub mod export;
mod forms;
pub mod lang;
pub mod market_watch;
pub mod match_pages;
pub mod matching;
pub mod needs;
pub mod pages;
pub mod params;
pub mod server;
pub mod state;
pub mod stats;
pub mod telemetry;
pub mod templates;
pub mod views;

pub use config::Config;
pub use server::{Server, build_app, router, shutdown_signal};
pub use state::AppState;
