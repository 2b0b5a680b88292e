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
use finmart_domain::{FieldError, FieldErrors, ValueError};
use finmart_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid_parameter`, `invalid_body`, `not_found`, `unauthenticated`,
    /// `forbidden`, `csrf`, `conflict`, `too_many_requests`, `unavailable`, `internal`.
    pub code: &'static str,
    /// The reason, in Chinese.
    pub message: String,
    /// The reason, in English.
    pub message_en: String,
    /// The parameter or field at fault, when there is one (the first, when there are several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, when a body had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldMessage>,
}

/// One bad field of a body.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
    pub message_en: String,
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
                errors: Vec::new(),
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
                errors: Vec::new(),
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
                errors: Vec::new(),
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
                errors: Vec::new(),
            },
        }
    }
}

impl ApiError {
    /// Any error with a status, a stable code and the reason in both languages.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                message_en: message_en.into(),
                field: None,
                errors: Vec::new(),
            },
        }
    }

    /// 401: nobody is signed in (or the API token is unknown or revoked).
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录", "sign in first")
    }

    /// 403: signed in, but this is not theirs to see or do.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "无权访问或操作", "not allowed")
    }

    /// 403: a state-changing request without the session's CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "页面已过期或请求来源无效，请刷新页面后重试",
            "missing or wrong CSRF token; reload the page and retry",
        )
    }

    /// 409: the request conflicts with what is stored (a taken login, a state that moved on).
    pub fn conflict(message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message, message_en)
    }

    /// 429: too many attempts; retry later.
    pub fn too_many(message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message, message_en)
    }

    /// Names the field at fault.
    #[must_use]
    pub fn on_field(mut self, field: &str) -> Self {
        self.body.field = Some(field.to_owned());
        self
    }
}

impl From<FieldErrors> for ApiError {
    /// Every bad field of a body, listed; `field` names the first.
    fn from(e: FieldErrors) -> Self {
        let errors: Vec<FieldMessage> =
            e.0.iter()
                .map(|f| FieldMessage {
                    field: f.field.clone(),
                    message: f.error.message_zh(),
                    message_en: f.error.to_string(),
                })
                .collect();
        let Some(first) = e.0.first() else {
            return Self::invalid("body", &ValueError::Empty);
        };
        let mut error = Self::invalid(&first.field, &first.error);
        error.body.message =
            errors.iter().map(|f| format!("{}：{}", f.field, f.message)).collect::<Vec<_>>().join("；");
        error.body.message_en =
            errors.iter().map(|f| format!("{}: {}", f.field, f.message_en)).collect::<Vec<_>>().join("; ");
        error.body.errors = errors;
        error
    }
}

impl ApiError {
    /// A JSON body that does not parse into the expected shape: names the path of the first bad field.
    pub fn bad_json(path: &str, reason: &str) -> Self {
        let field = if path.is_empty() || path == "." { "body".to_owned() } else { path.to_owned() };
        Self {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                code: "invalid_body",
                message: format!("请求内容的字段 {field} 无效：{reason}"),
                message_en: format!("invalid field {field} in the request body: {reason}"),
                field: Some(field),
                errors: Vec::new(),
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
            StoreError::Invalid(errors) => errors.clone().into(),
            StoreError::Conflict(message) => Self::conflict(message.clone(), message.clone()),
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
