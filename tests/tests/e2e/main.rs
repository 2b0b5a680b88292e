//! End-to-end tests of the whole system: one test binary, each test on a fresh database.

// Test helpers panic on failure by design: a panic is the failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod app;
mod catalogue_api;
mod import;
mod live;
mod matching;
mod pages;
mod relevance;
