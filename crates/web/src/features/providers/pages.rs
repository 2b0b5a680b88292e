//! `/provider`: a data provider's page — what it may send, how, and its recent batches.

use super::{FactBatchView, ProviderView, RECENT_BATCHES};
use crate::http::auth::ProviderUser;
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/provider", get(home))
}

async fn home(ProviderUser(_, provider_id): ProviderUser, State(state): State<AppState>, page: Page) -> PageResult {
    let provider = state.store.data_provider(provider_id).await?;
    let batches: Vec<FactBatchView> =
        state.store.fact_batches(provider_id, RECENT_BATCHES).await?.iter().map(FactBatchView::from).collect();
    let context = json!({"page": "provider_home", "provider": ProviderView::from(&provider), "batches": batches});
    page.show("provider_home.html", object(context))
}
