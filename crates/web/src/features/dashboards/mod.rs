//! The uptake dashboards: the guarantee agency's (`/agency/dashboard`, the products it guarantees) and the
//! operator's (`/admin/dashboard`, the whole market or one agency or lender, with the market watch and the
//! yearly target), each with its list of underlying applications (`…/dashboard/applications`), the figures
//! for other systems (`GET /api/v1/stats/uptake`) and the exports of every table as CSV or XLSX
//! (`GET /api/v1/stats/uptake/export`).
//!
//! The figures ([`figures`]) are those of `/api/v1/stats/uptake`: the page embeds the same JSON for
//! `dashboard.js`, which draws the ECharts charts, and renders every chart's numbers as a table
//! ([`tables`]), which is also what the exports write ([`crate::http::export`]). The filter form is a plain
//! GET form, so the page works without JavaScript.

mod api;
mod figures;
mod pages;
mod tables;
mod watch;

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::export::{Cell, Table};
use crate::http::state::AppState;
use crate::template;
use finmart_store::stats::Scope;
use finmart_store::{Application, ApplicationFilter};
use serde_json::Value;
use tables::TableName;

/// The dashboards feature: the figures' API and exports, the pages and their templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "stats",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("dashboard.html"),
            template!("dashboard_applications.html"),
            template!("dashboard_parts.html"),
        ],
        ..Feature::default()
    }
}

/// The most rows an export of the applications list holds (a spreadsheet takes 1,048,576).
const EXPORT_ROWS: usize = 100_000;

/// A table as the page shows it, with the links that export the table `export` (with the figures' or the
/// list's `query`) as CSV and XLSX.
fn table_view(table: &Table, en: bool, title: (&str, &str), export: TableName, query: &str) -> Value {
    let href = |format: &str| format!("/api/v1/stats/uptake/export?table={}&format={format}&{query}", export.as_str());
    crate::http::export::table_view(table, en, title, href)
}

/// Basis points as the exports write a percentage, without the sign (`66.67`); `None` without a value.
fn percent_number(bps: Option<u32>) -> Option<String> {
    bps.map(|b| Cell::percent(Some(b)).display(false))
}

/// The applications of a scope, newest first, filtered.
async fn applications_in(
    state: &AppState,
    scope: Scope,
    filter: &ApplicationFilter,
) -> Result<Vec<Application>, ApiError> {
    Ok(match scope {
        Scope::Market => state.store.all_applications(filter).await?,
        Scope::Institution(id) => state.store.inbox(id, filter).await?,
        Scope::Agency(id) => state.store.applications_for_agency(id, filter).await?,
    })
}
