//! The one place errors become HTTP responses.
//!
//! Use [`ApiError::invalid`] for bad input (400, naming the field), [`ApiError::not_found`] for a missing
//! resource (404); everything from the libraries converts with `?`. Each of the store's refusals has its
//! status and code here, with the words the store's error gives it (`message_zh` and `Display`); an
//! unavailable database is 503, and anything else is logged in full and answered with a bare 500 that
//! leaks nothing. Every body is
//! `{"code", "message" (中文), "message_en", "field"?}` with a stable machine-readable `code` from
//! [`ErrorCode`], the one list of codes (the table in `docs/api-errors.md` is tested against it).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use finmart_catalogue::CatalogueError;
use finmart_domain::{FieldError, FieldErrors, TransitionError, ValueError};
use finmart_store::{InvitationError, NeedError, StorageError, StoreError};
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
    /// 401: the API token is live but the account that created it is disabled; it acts again only if the
    /// account is re-enabled.
    TokenAccountDisabled,
    /// 401: the API token is live but its institution is suspended by the operator; it acts again only if
    /// the institution is resumed.
    TokenInstitutionSuspended,
    /// 403: signed in, but this is not the caller's to see or do.
    Forbidden,
    /// 403: the account is disabled.
    AccountDisabled,
    /// 403: the account's institution is suspended by the operator (sign-in refused).
    InstitutionSuspended,
    /// 403: a state-changing request without the session's CSRF token.
    Csrf,
    /// 404: no such resource, or not the caller's (existence is not revealed).
    NotFound,
    /// 404: the document's row is there but its content is missing from the document storage, or is not
    /// what was uploaded (another size or SHA-256); the operator is to be told, the firm may upload it again.
    DocumentMissing,
    /// 409: the request conflicts with what is stored (a taken login, a state that moved on).
    Conflict,
    /// 409: the firm already has an open application (submitted, accepted or approved) to this product;
    /// `link` and `application_id` name it.
    DuplicateApplication,
    /// 422: the firm does not meet the product's conditions; `reasons` lists each failed condition with what
    /// would change it.
    Ineligible,
    /// 422: the firm's profile lacks facts the product's conditions need; `reasons` names each (with the
    /// profile member to give), `link` is the profile page.
    ProfileIncomplete,
    /// 429: too many attempts; retry later.
    TooManyRequests,
    /// 429: over the JSON API's rate limit (per API token, else per client address); `limit` names it and
    /// `retry_after` (also the `Retry-After` header) says in how many seconds to retry.
    RateLimited,
    /// 500: an unexpected failure (logged in full; nothing of it is in the answer).
    Internal,
    /// 503: the database is unavailable; retry later.
    Unavailable,
    /// 503: the session store (Redis) is unreachable; sign-in and signed-in requests answer this at once
    /// until it returns (the client reconnects by itself); retry in a few seconds.
    SessionsUnavailable,
    /// 503: the search index was found damaged and is being rebuilt from the database; everything that reads
    /// it (search, its facets, matching's relevance) answers this until the rebuild is in place. Retry after
    /// `Retry-After` seconds.
    IndexRebuilding,
    /// 503: the document storage (the S3 object store, when one is configured) cannot be reached or refuses
    /// the server: an upload kept nothing, a download was not made; retry later.
    StorageUnavailable,
    /// 503: the server has just started and is still loading what this operation needs (the matching
    /// engine's products, or the firms reverse matching draws on); search and everything else answer
    /// meanwhile. Retry after `Retry-After` seconds.
    WarmingUp,
    /// 503: a figure too costly to compute per request (the coverage of verified facts at scale) has not
    /// been computed yet; its first computation is under way. Retry after `Retry-After` seconds.
    Computing,
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
        Self::TokenAccountDisabled,
        Self::TokenInstitutionSuspended,
        Self::Forbidden,
        Self::AccountDisabled,
        Self::InstitutionSuspended,
        Self::Csrf,
        Self::NotFound,
        Self::DocumentMissing,
        Self::Conflict,
        Self::DuplicateApplication,
        Self::Ineligible,
        Self::ProfileIncomplete,
        Self::TooManyRequests,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
        Self::SessionsUnavailable,
        Self::IndexRebuilding,
        Self::StorageUnavailable,
        Self::WarmingUp,
        Self::Computing,
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
            Self::TokenAccountDisabled => "token_account_disabled",
            Self::TokenInstitutionSuspended => "token_institution_suspended",
            Self::Forbidden => "forbidden",
            Self::AccountDisabled => "account_disabled",
            Self::InstitutionSuspended => "institution_suspended",
            Self::Csrf => "csrf",
            Self::NotFound => "not_found",
            Self::DocumentMissing => "document_missing",
            Self::Conflict => "conflict",
            Self::DuplicateApplication => "duplicate_application",
            Self::Ineligible => "ineligible",
            Self::ProfileIncomplete => "profile_incomplete",
            Self::TooManyRequests => "too_many_requests",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::SessionsUnavailable => "sessions_unavailable",
            Self::IndexRebuilding => "index_rebuilding",
            Self::StorageUnavailable => "storage_unavailable",
            Self::WarmingUp => "warming_up",
            Self::Computing => "computing",
        }
    }

    /// The HTTP status that goes with the code.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidParameter | Self::InvalidBody | Self::InvalidFile | Self::Rejected => StatusCode::BAD_REQUEST,
            Self::Unauthenticated
            | Self::BadCredentials
            | Self::TokenAccountDisabled
            | Self::TokenInstitutionSuspended => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::AccountDisabled | Self::InstitutionSuspended | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound | Self::DocumentMissing => StatusCode::NOT_FOUND,
            Self::Conflict | Self::DuplicateApplication => StatusCode::CONFLICT,
            Self::Ineligible | Self::ProfileIncomplete => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests | Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable
            | Self::SessionsUnavailable
            | Self::IndexRebuilding
            | Self::StorageUnavailable
            | Self::WarmingUp
            | Self::Computing => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// How many seconds a client should wait before trying again, sent as `Retry-After`.
    #[must_use]
    pub fn retry_after(self) -> Option<u32> {
        match self {
            // A rebuild of the whole catalogue takes seconds; the header spares clients from polling faster.
            Self::IndexRebuilding => Some(INDEX_RETRY_SECONDS),
            // Loading takes seconds to tens of seconds at scale (see `readyz` for its progress).
            Self::WarmingUp => Some(WARMING_RETRY_SECONDS),
            // A first computation at a million firms takes tens of seconds.
            Self::Computing => Some(COMPUTING_RETRY_SECONDS),
            _ => None,
        }
    }

    /// `response` with this code's `Retry-After`, if it has one (for pages that show the error in place).
    #[must_use]
    pub fn with_retry_after(self, mut response: Response) -> Response {
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The `Retry-After` of `index_rebuilding`.
pub const INDEX_RETRY_SECONDS: u32 = 5;

/// The `Retry-After` of `warming_up`.
pub const WARMING_RETRY_SECONDS: u32 = 3;

/// The `Retry-After` of `computing`.
pub const COMPUTING_RETRY_SECONDS: u32 = 5;

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
    /// What a refusal adds (its members are the body's own): an application's, or the rate limit's. Boxed:
    /// most errors carry none of it, and every result of a handler carries the error's size.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Box<Refusal>>,
}

/// What a refusal adds to the error body: an application's (`reasons`, `link`, `application_id`), or the
/// rate limit's (`limit`, `limit_per_minute`, `retry_after`).
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct Refusal {
    /// Why an application was refused: each condition failed or fact missing (`ineligible`,
    /// `profile_incomplete`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    /// The page that resolves it: the open application (`duplicate_application`), the profile to complete
    /// (`profile_incomplete`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The open application a second one was refused for (`duplicate_application`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<i64>,
    /// The limit a `rate_limited` request is over: `per_token` (its API token's) or `per_address` (its
    /// client address's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The requests a minute that limit allows (`rate_limited`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_per_minute: Option<u32>,
    /// Seconds until a request is allowed again, as the `Retry-After` header (`rate_limited`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Why an uploaded document was refused (`invalid_file`): `empty`, `too_large`, `wrong_type`,
    /// `too_many` or `unknown_material`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One condition of a product that refused an application: failed, or missing a fact of the firm's.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Reason {
    /// The check's stable code (`min_tax_credit_grade`, `qualifications_any`, `amount`…), as in a match.
    pub code: String,
    pub label: String,
    pub label_en: String,
    /// `fail` (the firm does not meet it) or `missing` (the firm has not given the fact it needs).
    pub outcome: String,
    /// What the product requires and what the firm has, or what to add.
    pub message: String,
    pub message_en: String,
    /// What would change a failure (absent when nothing the firm does would).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_en: Option<String>,
    /// The member of the profile (`EnterpriseProfile`) that holds the fact, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_field: Option<String>,
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
                refusal: None,
            },
        }
    }

    /// An application's refusal: `code`, the words, and what it adds to the body.
    pub fn refused(
        code: ErrorCode,
        message: impl Into<String>,
        message_en: impl Into<String>,
        refusal: Refusal,
    ) -> Self {
        let mut error = Self::new(code, message, message_en);
        error.body.refusal = Some(Box::new(refusal));
        error
    }

    /// 400: a bad parameter or field, named.
    pub fn invalid(field: &str, error: &ValueError) -> Self {
        Self::invalid_because(field, &error.message_zh(), &error.to_string())
    }

    /// 400: a bad parameter or field, named, with the reason in both languages.
    fn invalid_because(field: &str, reason_zh: &str, reason_en: &str) -> Self {
        Self::new(
            ErrorCode::InvalidParameter,
            format!("{}无效：{reason_zh}", crate::http::field_names::zh(field)),
            format!("invalid {}: {reason_en}", crate::http::field_names::en(field)),
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

    /// 403: the caller's institution is suspended by the operator (its people cannot act until it is resumed).
    pub fn institution_suspended() -> Self {
        Self::new(
            ErrorCode::InstitutionSuspended,
            "贵机构已被平台暂停使用，请联系平台运营方",
            "your institution is suspended by the platform's operator; contact the operator",
        )
    }

    /// 503: the session store cannot be reached (logged; the answer names no host).
    pub fn sessions_unavailable(error: &dyn std::error::Error) -> Self {
        tracing::warn!(error = %error, "session store unavailable");
        Self::new(
            ErrorCode::SessionsUnavailable,
            "登录服务暂时不可用，请几秒后重试",
            "the sign-in service is temporarily unavailable; retry in a few seconds",
        )
    }

    /// 503: the search index is unusable (damaged, being rebuilt); the rebuild was started by whoever found it so.
    pub fn index_rebuilding() -> Self {
        Self::new(
            ErrorCode::IndexRebuilding,
            "搜索索引正在重建，请稍后重试",
            "the search index is being rebuilt; retry in a few seconds",
        )
    }

    /// 503: what the operation needs (`what`, in Chinese and English) is still loading after the start.
    pub fn warming_up(what_zh: &str, what_en: &str) -> Self {
        Self::new(
            ErrorCode::WarmingUp,
            format!("服务刚启动，{what_zh}正在加载，请稍后重试"),
            format!("the server has just started and is still loading {what_en}; retry in a few seconds"),
        )
    }

    /// 503: the figure (`what`, in Chinese and English) is being computed for the first time.
    pub fn computing(what_zh: &str, what_en: &str) -> Self {
        Self::new(
            ErrorCode::Computing,
            format!("{what_zh}正在计算，请稍后重试"),
            format!("{what_en} are being computed; retry in a few seconds"),
        )
    }

    /// The document storage's failure (logged with its details here): 503 `storage_unavailable` while it is
    /// down or not this server's, 404 `document_missing` for a document whose content it lost.
    pub fn storage(error: &StorageError) -> Self {
        match error {
            StorageError::Unavailable { .. } => {
                tracing::warn!(error = %error, "document storage unavailable");
                Self::new(
                    ErrorCode::StorageUnavailable,
                    error.message_zh(),
                    "the document storage is temporarily unavailable: the file was not kept or could not be read; retry later",
                )
            }
            StorageError::NotConfigured { .. } => {
                tracing::error!(error = %error, "a document is kept in a storage this server is not configured with");
                Self::new(
                    ErrorCode::StorageUnavailable,
                    error.message_zh(),
                    "the document is kept in a document storage this server is not configured with; tell the platform's operator",
                )
            }
            StorageError::Missing { .. } | StorageError::Altered { .. } => {
                tracing::error!(error = %error, "a document's content is lost");
                let en = if matches!(error, StorageError::Missing { .. }) {
                    "the document's content is missing from the document storage; tell the platform's operator, or upload it again"
                } else {
                    "the document's content in the document storage is not what was uploaded; tell the platform's operator, or upload it again"
                };
                Self::new(ErrorCode::DocumentMissing, error.message_zh(), en)
            }
            StorageError::Settings { .. } => Self::internal(error),
        }
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
    /// Every variant is named, so a new refusal cannot reach clients without a decision here.
    fn from(e: StoreError) -> Self {
        use StoreError as S;
        match e {
            S::NotFound { what, .. } => Self::not_found(what.name_zh(), what.name_en()),
            S::Invalid(errors) | S::Transition(TransitionError::Invalid(errors)) => errors.into(),
            // The other side's step: not this caller's to take.
            S::Transition(e @ TransitionError::WrongSide(_)) => {
                Self::new(ErrorCode::Forbidden, e.message_zh(), e.to_string())
            }
            // The firm's first open application to the product is where to go instead.
            e @ S::DuplicateApplication { existing } => {
                let link = Some(format!("/sme/applications/{existing}"));
                let first = Refusal { link, application_id: Some(existing), ..Refusal::default() };
                Self::refused(ErrorCode::DuplicateApplication, e.message_zh(), e.to_string(), first)
            }
            // A document refused: the file (or the material named) is at fault, and nothing was kept.
            S::Upload(refusal) => {
                let why = Refusal { reason: Some(refusal.reason().to_owned()), ..Refusal::default() };
                Self::refused(ErrorCode::InvalidFile, refusal.message_zh(), refusal.message_en(), why)
                    .on_field(refusal.field())
            }
            // The document storage: its outage is a 503 to retry, a document it lost a 404 of its own; the
            // storage's words (an S3 error, an endpoint) are for the log only.
            S::Storage(e) => Self::storage(&e),
            // The offer names a product the institution may not offer with: the field is wrong.
            S::Need(e @ NeedError::NotOwnProduct) => {
                Self::invalid_because("product_id", &e.message_zh(), &e.to_string())
            }
            // An invitation names a product the institution may not invite to: the field is wrong.
            S::Invitation(e @ InvitationError::NotOwnProduct) => {
                Self::invalid_because("product_id", &e.message_zh(), &e.to_string())
            }
            e @ (S::Transition(_)
            | S::Lifecycle(_)
            | S::Need(_)
            | S::Invitation(_)
            | S::NotListed
            | S::KeyReused
            | S::LoginTaken(_)
            | S::InstitutionCodeTaken(_)
            | S::KindFixed(_)
            | S::EnterpriseRegistered
            | S::WrongParty(_)
            | S::NotAGuaranteeAgency(_)
            | S::ReviewDecided(_)
            | S::ProposalCodeMismatch
            | S::ProductChanged
            | S::PublicationExists { .. }
            | S::NothingToCorrect { .. }) => Self::conflict(e.message_zh(), e.to_string()),
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                Self::unavailable()
            }
            // The system's own failures (and a tool's: an act without an account, a bench history, an import
            // refused outside the upload that lists its rows): their text is for the log only.
            e @ (S::Db(_)
            | S::Corrupt { .. }
            | S::Encode { .. }
            | S::Password(_)
            | S::ImportRejected(_)
            | S::NoActor
            | S::BenchHistory { .. }) => Self::internal(&e),
        }
    }
}

impl From<CatalogueError> for ApiError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::Store(s) => s.into(),
            CatalogueError::Unavailable => Self::index_rebuilding(),
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
        let code = self.body.code;
        let mut response = (self.status, Json(self.body.clone())).into_response();
        response.extensions_mut().insert(self.body);
        code.with_retry_after(response)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{ApplicationAction, ApplicationState, LifecycleState, ProductAct, Side};
    use finmart_store::Record;

    fn answer(e: StoreError) -> (StatusCode, ErrorCode, String, String, Option<String>) {
        let e = ApiError::from(e);
        (e.status, e.body.code, e.body.message, e.body.message_en, e.body.field)
    }

    #[test]
    fn the_application_machine_refusals_are_forbidden_invalid_or_conflicts() {
        let wrong_side = TransitionError::WrongSide(Side::Institution);
        let (status, code, zh, en, _) = answer(wrong_side.clone().into());
        assert_eq!((status, code), (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
        assert_eq!((zh, en), (wrong_side.message_zh(), wrong_side.to_string()));

        let mut no_reason = FieldErrors::default();
        no_reason.push("reason", ValueError::Invalid("请填写拒绝原因".to_owned()));
        let (status, code, _, _, field) = answer(TransitionError::Invalid(no_reason).into());
        assert_eq!(
            (status, code, field.as_deref()),
            (StatusCode::BAD_REQUEST, ErrorCode::InvalidParameter, Some("reason"))
        );

        // Another act changed the application since it was read: a conflict, to read it again.
        let (status, code, zh, _, _) = answer(TransitionError::Changed.into());
        assert_eq!(
            (status, code, zh.as_str()),
            (StatusCode::CONFLICT, ErrorCode::Conflict, "申请刚刚被其他操作更新，请刷新后重试")
        );

        let late = TransitionError::NotFromState {
            action: ApplicationAction::Withdraw.name(),
            from: ApplicationState::Disbursed,
        };
        let (status, code, zh, en, _) = answer(late.into());
        assert_eq!((status, code), (StatusCode::CONFLICT, ErrorCode::Conflict));
        assert_eq!(zh, "申请当前为“已放款”，不能执行“撤回”");
        assert!(en.contains("cannot withdraw"), "{en}");
    }
    #[test]
    fn refusals_are_conflicts_in_both_languages() {
        let refused = ProductAct::Pause.apply(LifecycleState::Draft).unwrap_err();
        let (status, code, zh, en, _) = answer(refused.into());
        assert_eq!((status, code), (StatusCode::CONFLICT, ErrorCode::Conflict));
        assert_eq!(
            (zh.as_str(), en.as_str()),
            ("产品当前状态为“草稿”，不能暂停", "the product is draft; it cannot be paused")
        );
        let (status, _, zh, en, _) = answer(StoreError::KeyReused);
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(zh, StoreError::KeyReused.message_zh());
        assert_eq!(en, StoreError::KeyReused.to_string());
    }

    #[test]
    fn an_offer_with_another_institutions_product_names_the_field() {
        let (status, code, zh, _, field) = answer(NeedError::NotOwnProduct.into());
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, ErrorCode::InvalidParameter));
        assert_eq!(field.as_deref(), Some("product_id"));
        assert_eq!(zh, "产品无效：请选择贵机构已上架的产品");
    }

    #[test]
    fn an_institution_kept_on_its_side_is_a_conflict() {
        let refused = finmart_store::KindFixed::BacksProducts(2);
        let (status, code, zh, en, field) = answer(refused.into());
        assert_eq!((status, code, field), (StatusCode::CONFLICT, ErrorCode::Conflict, None));
        assert_eq!((zh, en), (refused.message_zh(), refused.to_string()));
    }

    #[test]
    fn a_missing_record_is_named_and_its_key_is_not_told() {
        let (status, code, zh, en, _) = answer(StoreError::NotFound { what: Record::Need, key: "42".to_owned() });
        assert_eq!((status, code), (StatusCode::NOT_FOUND, ErrorCode::NotFound));
        assert_eq!((zh.as_str(), en.as_str()), ("融资需求不存在", "need not found"));
    }

    #[test]
    fn internal_text_never_reaches_the_client() {
        let source = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let (status, code, zh, en, _) = answer(StoreError::Encode { what: "profile", source });
        assert_eq!((status, code), (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal));
        assert_eq!((zh.as_str(), en.as_str()), ("服务器内部错误", "internal server error"));
    }
}
