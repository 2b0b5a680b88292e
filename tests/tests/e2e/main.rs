//! End-to-end tests of the whole system: one test binary, each test on a fresh database.

mod app;
mod catalogue_api;
mod import;
mod live;
mod pages;
mod relevance;
