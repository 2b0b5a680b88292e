//! The one place errors become HTTP responses.
//!
//! Use [`ApiError::invalid`] for bad input (400, naming the field), [`ApiError::not_found`] for a missing
//! resource (404); everything from the libraries converts with `?`: an unavailable database is 503, and
//! anything else is logged in full and answered with a bare 500 that leaks nothing. Every body is
//! `{"code", "message" (中文), "message_en", "field"?}` with a stable machine-readable `code`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finmart_catalogue::CatalogueError;
use finmart_domain::{FieldError, ValueError};
use finmart_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid_parameter`, `not_found`, `unavailable`, `internal`.
    pub code: &'static str,
    /// The reason, in Chinese.
    pub message: String,
    /// The reason, in English.
    pub message_en: String,
    /// The parameter or field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn invalid(field: &str, error: &ValueError) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                code: "invalid_parameter",
                message: format!("参数 {field} 无效：{}", error.message_zh()),
                message_en: format!("invalid parameter {field}: {error}"),
                field: Some(field.to_owned()),
            },
        }
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: ErrorBody {
                code: "not_found",
                message: format!("{what_zh}不存在"),
                message_en: format!("{what_en} not found"),
                field: None,
            },
        }
    }

    fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: ErrorBody {
                code: "unavailable",
                message: "服务暂时不可用，请稍后重试".to_owned(),
                message_en: "service temporarily unavailable, please retry".to_owned(),
                field: None,
            },
        }
    }

    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: ErrorBody {
                code: "internal",
                message: "服务器内部错误".to_owned(),
                message_en: "internal server error".to_owned(),
                field: None,
            },
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::invalid(&e.field, &e.error)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound { what, .. } => Self::not_found("记录", what),
            _ if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                Self::unavailable()
            }
            _ => Self::internal(&e),
        }
    }
}

impl From<CatalogueError> for ApiError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::Store(s) => s.into(),
            other => Self::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
