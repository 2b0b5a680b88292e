//! A signed-in firm's favourite products (收藏).
//!
//! - `GET /api/v1/me/favourites`, `PUT /api/v1/me/favourites/{id}` (adding twice keeps one),
//!   `DELETE /api/v1/me/favourites/{id}`; the page `/sme/favourites` and its form posts (收藏 / 取消收藏 on
//!   product cards and product pages post to `/sme/favourites`).
//! - SME users only, each on its own list (the store names the firm in every query): every other role gets
//!   403. Only a published product can be added; one that stops being published stays on the list, shown as
//!   no longer offered, until the firm removes it.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::format::{Label, shanghai};
use crate::http::state::{AppState, today};
use crate::http::views::ProductSummary;
use crate::template;
use finmart_domain::HomeArea;
use finmart_store::Favourite;
use serde::Serialize;
use utoipa::ToSchema;

/// The favourites feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "favourites",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("sme_favourites.html")],
        ..Feature::default()
    }
}

/// One favourite product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FavouriteView {
    pub product: ProductSummary,
    /// Published and within its validity window today; `false`: no longer offered (`state` says how).
    pub listed: bool,
    /// The product's lifecycle state (`published`, `paused`, `archived`…).
    pub state: Label,
    /// When the firm added it, RFC 3339 (UTC) and as shown (Asia/Shanghai).
    pub added_at: String,
    pub added_at_text: String,
}

impl FavouriteView {
    fn of(f: &Favourite, home: &HomeArea) -> Self {
        Self {
            product: ProductSummary::of(&f.product, home),
            listed: f.product.is_listed_on(today()),
            state: Label::of(f.product.state),
            added_at: f.added_at.to_rfc3339(),
            added_at_text: shanghai(f.added_at),
        }
    }
}

/// The firm's favourites, the most recently added first.
async fn list(state: &AppState, enterprise_id: i64) -> Result<Vec<FavouriteView>, ApiError> {
    let home = &state.config.home_area;
    Ok(state.store.favourites(enterprise_id).await?.iter().map(|f| FavouriteView::of(f, home)).collect())
}

/// Adds a published product to the firm's favourites (again: nothing changes); whether it was added now.
async fn add(state: &AppState, enterprise_id: i64, product_id: i64) -> Result<bool, ApiError> {
    // Only what the public can see can be kept; a product that is not listed is "not found".
    state.product_at(product_id).await?;
    Ok(state.store.add_favourite(enterprise_id, product_id).await?)
}
