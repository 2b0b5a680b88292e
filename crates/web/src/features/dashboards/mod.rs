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
use crate::http::export::Table;
use crate::http::state::AppState;
use crate::template;
use finmart_store::stats::Scope;
use finmart_store::{Application, ApplicationFilter};
use serde_json::{Value, json};
use tables::TableName;

/// The dashboards feature: the figures' API and exports, the pages and their templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
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

const EXPORT_PATH: &str = "/api/v1/stats/uptake/export";

/// The links that export `table` (with the figures' or the list's `query`) as CSV and XLSX.
fn export_links(table: TableName, query: &str) -> Value {
    let href = |format: &str| format!("{EXPORT_PATH}?table={}&format={format}&{query}", table.as_str());
    json!({"csv": href("csv"), "xlsx": href("xlsx")})
}

/// A table as the page shows it: caption, headers, cells as text in the page's language, numbers marked.
fn table_view(table: &Table, en: bool, title: (&str, &str), links: Value) -> Value {
    let headers: Vec<Value> = table.headers.iter().map(|(zh, e)| json!(if en { e } else { zh })).collect();
    let numeric: Vec<bool> =
        (0..table.headers.len()).map(|i| table.rows.iter().any(|r| r.get(i).is_some_and(|c| c.is_number()))).collect();
    let rows: Vec<Value> = table
        .rows
        .iter()
        .map(|r| Value::Array(r.iter().map(|c| json!({"text": c.display(en), "num": c.is_number()})).collect()))
        .collect();
    json!({
        "caption": if en { title.1 } else { title.0 },
        "headers": headers.into_iter().zip(numeric).map(|(h, n)| json!({"text": h, "num": n})).collect::<Vec<_>>(),
        "rows": rows,
        "export": links,
    })
}

/// Basis points as a percentage with two decimals, without the sign: `66.67`.
fn percent_number(bps: u32) -> String {
    format!("{}.{:02}", bps / 100, bps % 100)
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
