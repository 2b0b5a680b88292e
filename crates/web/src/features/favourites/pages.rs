//! The favourites page, `/sme/favourites`, and the form post of every 收藏 / 取消收藏 button.

use super::{add, list};
use crate::http::auth::SmeUser;
use crate::http::error::ApiError;
use crate::http::extract::parse_id;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::redirect::local_path;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use finmart_domain::ValueError;
use serde_json::json;

/// How many favourites the page's "对比" link takes: the comparison page compares four at once (and says so
/// when given more).
const COMPARE_AT_ONCE: usize = 4;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/sme/favourites", get(favourites_page).post(favourites_submit))
}

/// `GET /sme/favourites`: the list, each with 取消收藏, and a link comparing the ones still offered.
async fn favourites_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let items = list(&state, sme.1).await?;
    let offered: Vec<String> =
        items.iter().filter(|f| f.listed).take(COMPARE_AT_ONCE).map(|f| f.product.id.to_string()).collect();
    let done = Form::of_query(page.query()).get("done").map(str::to_owned);
    let context = json!({
        "page": "sme_favourites", "items": items, "compare_ids": offered.join(","), "done": done,
    });
    page.show("sme_favourites.html", object(context))
}

/// `POST /sme/favourites`: `action` = `add` | `remove`, `product_id`; then back to `next` (a path of this
/// site: the product page or card it was pressed on), else to the list.
async fn favourites_submit(sme: SmeUser, State(state): State<AppState>, form: Form) -> PageResult {
    let id = parse_id("product_id", form.field("product_id"))?;
    let done = match form.field("action") {
        "add" => {
            add(&state, sme.1, id).await?;
            "added"
        }
        "remove" => {
            state.store.remove_favourite(sme.1, id).await?;
            "removed"
        }
        other => {
            let shown: String = other.chars().take(20).collect();
            return Err(ApiError::invalid("action", &ValueError::Invalid(format!("未知操作“{shown}”"))));
        }
    };
    let next =
        local_path(form.field("next")).filter(|n| n.starts_with("/products/") || n.starts_with("/sme/favourites"));
    Ok(see_other(next.unwrap_or(&format!("/sme/favourites?done={done}"))))
}
