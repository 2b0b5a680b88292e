//! Typed extractors: a handler names what it reads and gets it checked, or the request is refused with a
//! 400 naming the parameter or field (on page routes shown as the error page).
//!
//! - [`Id`]: the `{id}` path segment as a positive number ([`OfferId`] for `{offer_id}`); [`Segment`] any
//!   other typed segment (a year, a consent's target).
//! - [`Query`]: the query string read strictly into a serde struct (see [`crate::http::query`]).
//! - [`Json`]: the body as JSON, naming the path of the first field that does not fit (`need.term`).

use crate::http::error::ApiError;
use crate::http::query::{self, Unknown};
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use finmart_domain::ValueError;
use serde::de::DeserializeOwned;

/// A positive id from text (a path segment or a parameter).
///
/// # Errors
/// 400 naming `field`.
pub fn parse_id(field: &str, text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid(field, &ValueError::NotANumber(text.chars().take(20).collect())))
}

/// The value of the path parameter `name`.
async fn path_param(parts: &mut Parts, name: &str) -> Result<String, Response> {
    let params = RawPathParams::from_request_parts(parts, &()).await.map_err(IntoResponse::into_response)?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .ok_or_else(|| ApiError::internal(&std::io::Error::other(format!("route has no {{{name}}}"))).into_response())
}

/// The `{id}` path segment: a positive number, else 400 naming `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let text = path_param(parts, "id").await?;
        parse_id("id", &text).map(Self).map_err(IntoResponse::into_response)
    }
}

/// The `{offer_id}` path segment: a positive number, else 400 naming `id` (as every id of the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for OfferId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let text = path_param(parts, "offer_id").await?;
        parse_id("id", &text).map(Self).map_err(IntoResponse::into_response)
    }
}

/// A value a path segment names, read from the segment called [`FromSegment::NAME`].
pub trait FromSegment: Sized {
    /// The segment's name in the route (`{year}` → `year`).
    const NAME: &'static str;

    /// The value of the segment's text.
    ///
    /// # Errors
    /// 400 naming the segment.
    fn from_segment(text: &str) -> Result<Self, ApiError>;
}

/// A typed path segment (see [`FromSegment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<T>(pub T);

impl<T: FromSegment, S: Send + Sync> FromRequestParts<S> for Segment<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let text = path_param(parts, T::NAME).await?;
        T::from_segment(&text).map(Self).map_err(IntoResponse::into_response)
    }
}

/// The query string as `T`, refusing unknown and repeated parameters by name.
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query::parse(parts.uri.query(), Unknown::Refuse).map(Self)
    }
}

/// A JSON body as `T`. The content type is not checked (clients send JSON without saying so); a body that
/// does not parse is a 400 naming the path of the first bad field. A district named in it (`"district":
/// "和平区"`) is read as seen from the deployment's home area (codes and the old machine names read too).
#[derive(Debug, Clone, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        state.config.home_area.reading(|| json_body(&bytes)).map(Self).map_err(IntoResponse::into_response)
    }
}

/// A JSON body as `T`, or `T::default()` when the body is empty (an act whose fields are all optional,
/// posted without a body).
#[derive(Debug, Clone, Default)]
pub struct JsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for JsonOrEmpty<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        state.config.home_area.reading(|| json_body(&bytes)).map(Self).map_err(IntoResponse::into_response)
    }
}

/// A JSON body parsed into `T`, naming the path of the first field that does not fit (`need.term`).
///
/// # Errors
/// 400 `invalid_body` with the path and serde's reason.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| ApiError::bad_json(&e.path().to_string(), &e.inner().to_string()))?;
    de.end().map_err(|e| ApiError::bad_json("body", &e.to_string()))?;
    Ok(value)
}
