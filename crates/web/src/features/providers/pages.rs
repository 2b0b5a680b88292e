//! `/provider`: a data provider's page — what it may send, how, and its recent batches.

use super::figures::{FactsTable, Figures};
use super::{FactBatchView, ProviderView, RECENT_BATCHES};
use crate::http::auth::{OperatorUser, ProviderUser};
use crate::http::error::COMPUTING_RETRY_SECONDS;
use crate::http::export::table_view;
use crate::http::format::shanghai;
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/provider", get(home)).route("/admin/facts", get(admin_facts))
}

async fn home(ProviderUser(_, provider_id): ProviderUser, State(state): State<AppState>, page: Page) -> PageResult {
    let provider = state.store.data_provider(provider_id).await?;
    let batches: Vec<FactBatchView> =
        state.store.fact_batches(provider_id, RECENT_BATCHES).await?.iter().map(FactBatchView::from).collect();
    let context = json!({"page": "provider_home", "provider": ProviderView::from(&provider), "batches": batches});
    page.show("provider_home.html", object(context))
}

/// `/admin/facts`: the operator's figures on verified facts, each table with its exports. The coverage is
/// kept between requests with the providers' freshness: the page says when they were computed, and whether
/// a newer copy is being computed; while the first is computed it shows the products and reloads itself.
async fn admin_facts(_operator: OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    let figures = Figures::read(&state).await?;
    let home = &state.config.home_area;
    let computed = figures.computed().ok();
    let mut tables = Vec::new();
    for name in FactsTable::ALL {
        if computed.is_none() && Figures::is_kept(name) {
            continue;
        }
        let table = figures.table(name, home)?;
        let href = |format: &str| format!("/api/v1/stats/facts/export?table={}&format={format}", name.as_str());
        let mut view = table_view(&table, page.en(), name.title(), href);
        view["id"] = json!(name.as_str());
        tables.push(view);
    }
    let context = json!({
        "page": "admin",
        "firms": computed.map(|c| c.value.coverage.all.firms),
        "computed_at": computed.map(|c| shanghai(c.at)),
        "updating": figures.updating(),
        "refresh_seconds": COMPUTING_RETRY_SECONDS,
        "tables": tables,
    });
    page.show("admin_facts.html", object(context))
}
