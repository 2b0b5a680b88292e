//! `/api/v1/me/favourites`: the signed-in firm's favourite products.

use super::{FavouriteView, add, list};
use crate::http::auth::SmeUser;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Id;
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(favourites)).routes(routes!(keep, forget))
}

/// The signed-in firm's favourite products, the most recently added first; a product no longer published
/// stays, with `listed: false`.
#[utoipa::path(
    get,
    path = "/api/v1/me/favourites",
    responses(
        (status = 200, body = Vec<FavouriteView>),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn favourites(sme: SmeUser, State(state): State<AppState>) -> Result<Json<Vec<FavouriteView>>, ApiError> {
    Ok(Json(list(&state, sme.1).await?))
}

/// Adds a published product to the signed-in firm's favourites. Adding one already there changes nothing.
/// Answers the favourites after the change.
#[utoipa::path(
    put,
    path = "/api/v1/me/favourites/{id}",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, description = "The favourites after the change", body = Vec<FavouriteView>),
        (status = 400, description = "A bad id, or the list is full (200 products)", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such published product", body = ErrorBody),
    )
)]
async fn keep(sme: SmeUser, State(state): State<AppState>, Id(id): Id) -> Result<Json<Vec<FavouriteView>>, ApiError> {
    add(&state, sme.1, id).await?;
    Ok(Json(list(&state, sme.1).await?))
}

/// Removes a product from the signed-in firm's favourites (one not there: nothing changes). Answers the
/// favourites after the change.
#[utoipa::path(
    delete,
    path = "/api/v1/me/favourites/{id}",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, description = "The favourites after the change", body = Vec<FavouriteView>),
        (status = 400, description = "A bad id", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn forget(sme: SmeUser, State(state): State<AppState>, Id(id): Id) -> Result<Json<Vec<FavouriteView>>, ApiError> {
    state.store.remove_favourite(sme.1, id).await?;
    Ok(Json(list(&state, sme.1).await?))
}
