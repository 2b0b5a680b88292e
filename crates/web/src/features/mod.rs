//! The site's features, one folder each, each the same shape: `mod.rs` (what the feature does, its views
//! and its `feature()`), `api.rs` (its JSON API with OpenAPI), `pages.rs` (its pages and form posts).
//! Features import the kit ([`crate::http`]) and never each other.

pub mod accounts;
pub mod applications;
pub mod compare;
pub mod consent;
pub mod contacts;
pub mod dashboards;
pub mod documents;
pub mod favourites;
pub mod institutions;
pub mod invitations;
pub mod market_watch;
pub mod matching;
pub mod messages;
pub mod needs;
pub mod products;
pub mod prospects;
pub mod providers;
pub mod rates;
pub mod search;
