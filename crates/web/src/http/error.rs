//! The one place errors become HTTP responses.
//!
//! Use [`ApiError::invalid`] for bad input (400, naming the field), [`ApiError::not_found`] for a missing
//! resource (404); everything from the libraries converts with `?`: an unavailable database is 503, and
//! anything else is logged in full and answered with a bare 500 that leaks nothing. Every body is
//! `{"code", "message" (中文), "message_en", "field"?}` with a stable machine-readable `code` from
//! [`ErrorCode`], the one list of codes (the table in `docs/api-errors.md` is tested against it).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finmart_catalogue::CatalogueError;
use finmart_domain::{FieldError, FieldErrors, ValueError};
use finmart_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every machine-readable error code the API answers with. Clients branch on these; they never change
/// meaning, and a new one is added here (and to `docs/api-errors.md`, which a test compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a query or path parameter, or a form field, is invalid (`field` names it).
    InvalidParameter,
    /// 400: a JSON body does not parse into the expected shape (`field` is the path of the first bad field).
    InvalidBody,
    /// 400: an uploaded file cannot be read as a sheet.
    InvalidFile,
    /// 400: an uploaded sheet has bad rows; nothing was written (every problem in `rows`).
    Rejected,
    /// 401: nobody is signed in, or the API token is unknown or revoked.
    Unauthenticated,
    /// 401: a wrong login or password (the same answer for both).
    BadCredentials,
    /// 403: signed in, but this is not the caller's to see or do.
    Forbidden,
    /// 403: the account is disabled.
    AccountDisabled,
    /// 403: a state-changing request without the session's CSRF token.
    Csrf,
    /// 404: no such resource, or not the caller's (existence is not revealed).
    NotFound,
    /// 409: the request conflicts with what is stored (a taken login, a state that moved on).
    Conflict,
    /// 429: too many attempts; retry later.
    TooManyRequests,
    /// 500: an unexpected failure (logged in full; nothing of it is in the answer).
    Internal,
    /// 503: the database is unavailable; retry later.
    Unavailable,
}

impl ErrorCode {
    /// Every code, in the order of the documented table.
    pub const ALL: &[Self] = &[
        Self::InvalidParameter,
        Self::InvalidBody,
        Self::InvalidFile,
        Self::Rejected,
        Self::Unauthenticated,
        Self::BadCredentials,
        Self::Forbidden,
        Self::AccountDisabled,
        Self::Csrf,
        Self::NotFound,
        Self::Conflict,
        Self::TooManyRequests,
        Self::Internal,
        Self::Unavailable,
    ];

    /// The code as clients see it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidParameter => "invalid_parameter",
            Self::InvalidBody => "invalid_body",
            Self::InvalidFile => "invalid_file",
            Self::Rejected => "rejected",
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden => "forbidden",
            Self::AccountDisabled => "account_disabled",
            Self::Csrf => "csrf",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooManyRequests => "too_many_requests",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The HTTP status that goes with the code.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidParameter | Self::InvalidBody | Self::InvalidFile | Self::Rejected => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::AccountDisabled | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ErrorBody {
    /// Stable machine-readable code (see `ErrorCode`).
    pub code: ErrorCode,
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
    /// Any error: its code (which decides the status) and the reason in both languages.
    pub fn new(code: ErrorCode, message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            body: ErrorBody {
                code,
                message: message.into(),
                message_en: message_en.into(),
                field: None,
                errors: Vec::new(),
            },
        }
    }

    /// 400: a bad parameter or field, named.
    pub fn invalid(field: &str, error: &ValueError) -> Self {
        Self::new(
            ErrorCode::InvalidParameter,
            format!("参数 {field} 无效：{}", error.message_zh()),
            format!("invalid parameter {field}: {error}"),
        )
        .on_field(field)
    }

    /// 400: a JSON body that does not parse into the expected shape, naming the path of the first bad field.
    pub fn bad_json(path: &str, reason: &str) -> Self {
        let field = if path.is_empty() || path == "." { "body" } else { path };
        Self::new(
            ErrorCode::InvalidBody,
            format!("请求内容的字段 {field} 无效：{reason}"),
            format!("invalid field {field} in the request body: {reason}"),
        )
        .on_field(field)
    }

    /// 404: no such resource (or not the caller's).
    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what_zh}不存在"), format!("{what_en} not found"))
    }

    /// 401: nobody is signed in (or the API token is unknown or revoked).
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "请先登录", "sign in first")
    }

    /// 403: signed in, but this is not theirs to see or do.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "无权访问或操作", "not allowed")
    }

    /// 403: a state-changing request without the session's CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            ErrorCode::Csrf,
            "页面已过期或请求来源无效，请刷新页面后重试",
            "missing or wrong CSRF token; reload the page and retry",
        )
    }

    /// 409: the request conflicts with what is stored (a taken login, a state that moved on).
    pub fn conflict(message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message, message_en)
    }

    /// 429: too many attempts; retry later.
    pub fn too_many(message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooManyRequests, message, message_en)
    }

    fn unavailable() -> Self {
        Self::new(ErrorCode::Unavailable, "服务暂时不可用，请稍后重试", "service temporarily unavailable, please retry")
    }

    /// 500: logged in full here; the answer says nothing of it.
    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "request failed");
        Self::new(ErrorCode::Internal, "服务器内部错误", "internal server error")
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

impl From<tokio::task::JoinError> for ApiError {
    /// Work moved off the async threads panicked or was cancelled.
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(&e)
    }
}

impl IntoResponse for ApiError {
    /// The JSON answer; the body also rides along as an extension, so that on page routes
    /// [`crate::http::page::page_layer`] can show it as the error page instead.
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body.clone())).into_response();
        response.extensions_mut().insert(self.body);
        response
    }
}
