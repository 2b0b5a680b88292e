//! The finmart command line: serve, migrate, import, reindex, demo.
pub mod demo;
