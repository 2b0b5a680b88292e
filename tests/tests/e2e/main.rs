//! End-to-end tests of the whole system: one test binary, each test on a fresh database.

// Test helpers panic on failure by design: a panic is the failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod accounts;
mod app;
mod applications;
mod applying;
mod authz;
mod catalogue_api;
mod client;
mod compare;
mod consent_needs;
mod conversation;
mod dashboards;
mod documented;
mod documents;
mod documents_s3;
mod firm;
mod headers;
mod import;
mod index_damage;
mod institutions;
mod journey;
mod language;
mod lending_record;
mod live;
mod market_watch;
mod match_answer;
mod matching;
mod metrics;
mod outage;
mod page_text;
mod pages;
mod products_admin;
mod rate_limits;
mod rates;
mod real_products;
mod record_check;
mod regions;
mod relevance;
mod search_log;
mod servers;
mod sessions;
mod stats;
mod verified_match;
mod warm_up;
