//! The needs API: the SME's needs (`/api/v1/me/needs…`) and the institution's feed and offers
//! (`/api/v1/needs…`, `/api/v1/offers…`).

use super::{
    AcceptView, FeedItem, NeedBody, NeedDetail, NeedView, OfferBody, OfferView, accept, close, counted, feed,
    need_detail, need_view, needs_of, offer_view, own_need, submit_need, submit_offer, withdraw,
};
use crate::http::auth::{Caller, LenderUser, SmeUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json, OfferId};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_need, my_needs))
        .routes(routes!(my_need))
        .routes(routes!(close_need))
        .routes(routes!(accept_offer))
        .routes(routes!(need_feed))
        .routes(routes!(make_offer))
        .routes(routes!(withdraw_offer))
}

// ---------------------------------------------------------------------------------------------------------
// The SME's side

/// Posts a financing need. Institutions the firm consented to (all, or named ones) see it in their feed
/// while it is open and before its deadline.
#[utoipa::path(
    post,
    path = "/api/v1/me/needs",
    request_body = NeedBody,
    responses(
        (status = 201, body = NeedView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn post_need(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NeedBody>,
) -> Result<(StatusCode, axum::Json<NeedView>), ApiError> {
    let need = submit_need(&state, &sme, &caller, body).await?;
    Ok((StatusCode::CREATED, axum::Json(need_view(&need, None))))
}

/// The signed-in SME's needs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/needs",
    responses(
        (status = 200, body = Vec<NeedView>),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_needs(sme: SmeUser, State(state): State<AppState>) -> Result<axum::Json<Vec<NeedView>>, ApiError> {
    Ok(axum::Json(needs_of(&state, sme.1).await?))
}

/// One of the signed-in SME's needs with every offer, each priced for the firm (the cheapest open one
/// marked).
#[utoipa::path(
    get,
    path = "/api/v1/me/needs/{id}",
    params(("id" = i64, Path, description = "Need id", minimum = 1)),
    responses(
        (status = 200, body = NeedDetail),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm", body = ErrorBody),
    )
)]
async fn my_need(sme: SmeUser, State(state): State<AppState>, Id(id): Id) -> Result<axum::Json<NeedDetail>, ApiError> {
    let need = own_need(&state, sme.1, id).await?;
    Ok(axum::Json(need_detail(&state, &need).await?))
}

/// Closes an open need: no more offers; open offers are declined.
#[utoipa::path(
    post,
    path = "/api/v1/me/needs/{id}/close",
    params(("id" = i64, Path, description = "Need id", minimum = 1)),
    responses(
        (status = 200, body = NeedView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm", body = ErrorBody),
        (status = 409, description = "The need is not open", body = ErrorBody),
    )
)]
async fn close_need(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<NeedView>, ApiError> {
    let need = close(&state, &sme, &caller, id).await?;
    Ok(axum::Json(counted(&state, &need).await?))
}

/// Accepts an open offer on an open need: an application is submitted with the offer's terms, the other
/// open offers are declined. Accepting the same offer again returns the same application (200).
#[utoipa::path(
    post,
    path = "/api/v1/me/needs/{id}/offers/{offer_id}/accept",
    params(("id" = i64, Path, description = "Need id", minimum = 1), ("offer_id" = i64, Path, description = "Offer id", minimum = 1)),
    responses(
        (status = 201, description = "Accepted: the application was submitted", body = AcceptView),
        (status = 200, description = "Accepted before: the same application", body = AcceptView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm, or no such offer on it", body = ErrorBody),
        (status = 409, description = "The need or offer moved on, or the product is no longer listed", body = ErrorBody),
    )
)]
async fn accept_offer(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    OfferId(offer_id): OfferId,
) -> Result<(StatusCode, axum::Json<AcceptView>), ApiError> {
    let view = accept(&state, &sme, &caller, id, offer_id).await?;
    let status = if view.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(view)))
}

// ---------------------------------------------------------------------------------------------------------
// The institution's side

/// The institution's feed: open needs, not past their deadline, of firms that consent to it (to all, or to
/// it by name), ranked by fit (the best match score of its listed products for the firm and need), each
/// with its fitting products and the institution's own offer. Consent is checked on every request.
#[utoipa::path(
    get,
    path = "/api/v1/needs/feed",
    responses(
        (status = 200, body = Vec<FeedItem>),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 503, description = "`index_rebuilding`: the search index, which ranks the fit by the stated purpose, was found damaged and is being rebuilt", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
async fn need_feed(
    lender: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<FeedItem>>, ApiError> {
    Ok(axum::Json(feed(&state, &lender, &caller).await?))
}

/// Offers on a need in the feed, with one of the institution's listed products (one open offer per
/// institution and need: withdraw it to offer again).
#[utoipa::path(
    post,
    path = "/api/v1/needs/{id}/offers",
    params(("id" = i64, Path, description = "Need id", minimum = 1)),
    request_body = OfferBody,
    responses(
        (status = 201, body = OfferView),
        (status = 400, description = "A bad field, or a product that is not the institution's listed one", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such need, or the firm has not allowed this institution", body = ErrorBody),
        (status = 409, description = "The need no longer takes offers, or the institution has an open offer on it", body = ErrorBody),
    )
)]
async fn make_offer(
    lender: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(body): Json<OfferBody>,
) -> Result<(StatusCode, axum::Json<OfferView>), ApiError> {
    let offer = submit_offer(&state, &lender, &caller, id, body).await?;
    Ok((StatusCode::CREATED, axum::Json(offer_view(&offer, None))))
}

/// Withdraws one of the institution's open offers.
#[utoipa::path(
    post,
    path = "/api/v1/offers/{id}/withdraw",
    params(("id" = i64, Path, description = "Offer id", minimum = 1)),
    responses(
        (status = 200, body = OfferView),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such offer of this institution", body = ErrorBody),
        (status = 409, description = "The offer is no longer open", body = ErrorBody),
    )
)]
async fn withdraw_offer(
    lender: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<OfferView>, ApiError> {
    Ok(axum::Json(offer_view(&withdraw(&state, &lender, &caller, id).await?, None)))
}
