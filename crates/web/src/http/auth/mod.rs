//! Who is asking, and may they: the session or API token behind each request, CSRF protection, and the
//! extractors handlers use to demand a signed-in caller.
//!
//! One middleware ([`identify`]) runs on every request. It resolves the caller from an institution's API
//! token (`Authorization: Bearer fmt_…`) or from the session cookie (re-reading the account each time, so a
//! disabled account stops at once), refuses state-changing requests made with the session cookie that do
//! not carry the session's CSRF token, and leaves a [`Caller`] in the request (and in [`CALLER`], which the
//! templates read for the signed-in user's menu and the forms' CSRF field).
//!
//! A visitor who is not signed in has no stored session (a thousand page views store nothing): the forms
//! they may post (登录, 注册, the invitation) carry a token that must equal the `finmart_csrf` cookie
//! (double submit), so a form posted from another site, which cannot read or set that cookie, is refused —
//! login CSRF included. Anonymous JSON calls under `/api/` need no token: a cross-site page cannot send
//! `application/json` without the browser asking first, and the API answers no such preflight.
//!
//! Handlers take [`Auth`] (a signed-in caller: API paths answer 401, pages redirect to the login page) and
//! check roles and ownership with [`Principal`]'s accessors and [`require`].

pub mod sessions;

// Hashing and secrets are the store's, shared with the command line.
pub use finmart_store::password;

use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::http::{lang, page};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use finmart_domain::{Labelled, Principal, Role};
use finmart_store::{AuditEvent, TokenOwner, TokenUse};
use serde::Serialize;
use std::net::SocketAddr;
use tower_sessions::Session;

/// Session keys.
pub const SESSION_ACCOUNT: &str = "account_id";
pub const SESSION_CSRF: &str = "csrf";
/// API tokens start with this, so a leaked one is recognisable (and so are mistakes like pasting a password).
pub const TOKEN_PREFIX: &str = "fmt_";
/// The form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The cookie holding a visitor's CSRF token before signing in (double submit; no session is stored).
pub const CSRF_COOKIE: &str = "finmart_csrf";

/// The caller of one request.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub principal: Option<Principal>,
    /// Signed in with an API token rather than a session.
    pub via_token: bool,
    /// That token (id, name), which the audit entries of its acts name beside its creator's account.
    pub token: Option<(i64, String)>,
    /// The session's CSRF token, when it has one.
    pub csrf: Option<String>,
    /// The peer address, for throttling and the audit log.
    pub address: String,
}

/// What templates show of the caller: the menu for the role and the CSRF field of forms.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    pub user: Option<FrameUser>,
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameUser {
    pub name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub role_label_en: &'static str,
}

impl Caller {
    /// The audit entry of an act by `principal` through this request (from its address).
    #[must_use]
    pub fn audit<'a>(&'a self, principal: &Principal, action: &'a str) -> AuditEvent<'a> {
        let event = AuditEvent::by(principal, Some(self.address.as_str()), action);
        match &self.token {
            Some((id, name)) => event.by_token(*id, name),
            None => event,
        }
    }

    #[must_use]
    pub fn frame(&self) -> Frame {
        Frame {
            user: self.principal.as_ref().map(|p| FrameUser {
                name: p.display_name.clone(),
                role: p.role.as_str(),
                role_label: p.role.label_zh(),
                role_label_en: p.role.label_en(),
            }),
            csrf: self.csrf.clone(),
        }
    }
}

tokio::task_local! {
    /// The caller of the request being handled, for template rendering deep below the handler.
    pub static CALLER: Caller;
}

/// The signed-in caller. Rejects with 401 (`/api/…`) or a redirect to the login page (pages).
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Caller>().and_then(|c| c.principal.clone()) {
            return Ok(Self(principal));
        }
        if parts.uri.path().starts_with("/api/") {
            return Err(ApiError::unauthenticated().into_response());
        }
        let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        Err(Redirect::to(&format!("/login?next={next}")).into_response())
    }
}

/// Extractors of a signed-in caller of one role, with the party it acts for: anyone not signed in is
/// refused as by [`Auth`], a signed-in caller of another role with 403. Taking one names who may use a
/// handler in its signature.
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $party:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Principal, pub i64);

        impl FromRequestParts<AppState> for $name {
            type Rejection = Response;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let Auth(principal) = Auth::from_request_parts(parts, state).await?;
                let party: fn(&Principal) -> Option<i64> = $party;
                match party(&principal) {
                    Some(id) => Ok(Self(principal, id)),
                    None => Err(ApiError::forbidden().into_response()),
                }
            }
        }
    };
}

role_extractor!(
    /// A signed-in SME user, and its enterprise.
    SmeUser,
    Principal::enterprise
);
role_extractor!(
    /// A signed-in institution user (or an institution's API token), and its institution.
    LenderUser,
    Principal::lender
);
role_extractor!(
    /// A signed-in guarantee-agency user, and its agency.
    AgencyUser,
    Principal::agency
);
role_extractor!(
    /// A signed-in data provider's user (or its API token), and its provider.
    ProviderUser,
    Principal::provider
);
role_extractor!(
    /// The signed-in operator (the party is its account).
    OperatorUser,
    |p| p.is_operator().then_some(p.account_id)
);

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned().unwrap_or_default())
    }
}

/// 403 unless the principal has one of `roles`.
///
/// # Errors
/// The role is not among them.
pub fn require(principal: &Principal, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&principal.role) { Ok(()) } else { Err(ApiError::forbidden()) }
}

/// The SME user's enterprise, or 403.
///
/// # Errors
/// Not an SME user.
pub fn enterprise_of(principal: &Principal) -> Result<i64, ApiError> {
    principal.enterprise().ok_or_else(ApiError::forbidden)
}

/// The institution user's lender, or 403.
///
/// # Errors
/// Not an institution user.
pub fn lender_of(principal: &Principal) -> Result<i64, ApiError> {
    principal.lender().ok_or_else(ApiError::forbidden)
}

/// The guarantee-agency user's agency, or 403.
///
/// # Errors
/// Not a guarantee-agency user.
pub fn agency_of(principal: &Principal) -> Result<i64, ApiError> {
    principal.agency().ok_or_else(ApiError::forbidden)
}

fn peer(request: &Request) -> String {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The layer of every route that needs a signed-in caller: anyone else is answered 401 before the handler
/// (and its extractors) run.
pub async fn require_signed_in(request: Request, next: Next) -> Response {
    if request.extensions().get::<Caller>().is_some_and(|c| c.principal.is_some()) {
        next.run(request).await
    } else {
        ApiError::unauthenticated().into_response()
    }
}

/// The middleware that identifies every request's caller (see the module documentation).
pub async fn identify(State(state): State<AppState>, session: Session, request: Request, next: Next) -> Response {
    let page_lang = (!request.uri().path().starts_with("/api/"))
        .then(|| lang::negotiate(request.uri().query(), request.headers()).0);
    match resolve(&state, &session, request).await {
        Ok((caller, set_cookie, request)) => {
            let mut request = request;
            request.extensions_mut().insert(caller.clone());
            let mut response = CALLER.scope(caller, next.run(request)).await;
            if let Some(cookie) = set_cookie {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        // A refused form is shown as the site's error page, not as the API's JSON.
        Err(response) => match page_lang {
            Some(lang) => page::as_page(&state, lang, response),
            None => response,
        },
    }
}

/// The visitor's CSRF token from the `finmart_csrf` cookie, or a new one and the cookie that sets it.
fn visitor_csrf(state: &AppState, request: &Request) -> (String, Option<HeaderValue>) {
    let given = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.len() >= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric()));
    if let Some(token) = given {
        return (token.to_owned(), None);
    }
    let token = password::secret(32);
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}");
    (token.clone(), HeaderValue::from_str(&cookie).ok())
}

/// The caller, the CSRF cookie to set (a visitor's first page), and the request (its body read back when
/// the CSRF token was looked for in a form).
async fn resolve(
    state: &AppState,
    session: &Session,
    request: Request,
) -> Result<(Caller, Option<HeaderValue>, Request), Response> {
    let address = peer(&request);
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    if let Some(token) = bearer {
        let (principal, token) = token_principal(state, &token).await.map_err(IntoResponse::into_response)?;
        let caller = Caller { principal: Some(principal), via_token: true, token: Some(token), csrf: None, address };
        return Ok((caller, None, request));
    }
    let fail = |e: tower_sessions::session::Error| session_error(&e).into_response();
    let account_id = session.get::<i64>(SESSION_ACCOUNT).await.map_err(fail)?;
    let csrf = session.get::<String>(SESSION_CSRF).await.map_err(fail)?;
    let mut principal = None;
    if let Some(id) = account_id {
        let account = state.store.account(id).await.map_err(|e| ApiError::from(e).into_response())?;
        let suspended = match account.as_ref().and_then(|a| a.institution_id) {
            Some(institution) => state
                .store
                .institution_suspension(institution)
                .await
                .map_err(|e| ApiError::from(e).into_response())?
                .is_some(),
            None => false,
        };
        match account {
            Some(account) if !account.disabled && !suspended => principal = Some(account.principal()),
            // Disabled, deleted or its institution suspended since signing in: the session ends now.
            _ => session.flush().await.map_err(fail)?,
        }
    }
    let anonymous_api = principal.is_none() && csrf.is_none() && request.uri().path().starts_with("/api/");
    let (csrf, set_cookie) = match csrf {
        Some(token) => (Some(token), None),
        None if principal.is_none() && !anonymous_api => {
            let (token, cookie) = visitor_csrf(state, &request);
            (Some(token), cookie)
        }
        None => (None, None),
    };
    // A token made just now was never given to a page, so a request without the cookie carries none.
    let known = if set_cookie.is_some() { None } else { csrf.as_deref() };
    let request = if is_safe(request.method()) || anonymous_api { request } else { check_csrf(request, known).await? };
    Ok((Caller { principal, via_token: false, token: None, csrf, address }, set_cookie, request))
}

/// The principal a token acts as (its creator, for the token's owner: an institution or a data provider),
/// and the token's id and name.
async fn token_principal(state: &AppState, token: &str) -> Result<(Principal, (i64, String)), ApiError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(ApiError::unauthenticated());
    }
    let (info, creator) = match state.store.use_api_token(&password::digest(token)).await? {
        TokenUse::Live(info, creator) => (info, creator),
        TokenUse::Unknown => return Err(ApiError::unauthenticated()),
        TokenUse::AccountDisabled(_) => {
            return Err(ApiError::new(
                ErrorCode::TokenAccountDisabled,
                "创建该 API 令牌的账号已停用，令牌暂不可用",
                "the account that created this API token is disabled, so the token is refused",
            ));
        }
        TokenUse::InstitutionSuspended(_) => {
            return Err(ApiError::new(
                ErrorCode::TokenInstitutionSuspended,
                "该 API 令牌所属机构已被平台暂停使用，令牌暂不可用",
                "this API token's institution is suspended by the platform's operator, so the token is refused",
            ));
        }
    };
    let mut principal = creator.principal();
    // A token acts only for its owner: its creator's party, checked again in case the account was moved.
    let owner = match info.owner {
        TokenOwner::Institution(id) => principal.lender() == Some(id),
        TokenOwner::Provider(id) => principal.provider() == Some(id),
    };
    if !owner {
        return Err(ApiError::unauthenticated());
    }
    principal.display_name = format!("API: {}", info.name);
    Ok((principal, (info.id, info.name)))
}

/// The CSRF token a state-changing request carries: the header, else the `csrf` field of a urlencoded form
/// (the body is read and put back), else, for forms only, the `csrf` query parameter (multipart uploads, whose body is not
/// read here, and a GET form posted by one of its buttons, 保存到企业档案 on the matching page, whose fields
/// must not carry the token into the addresses the form's GET makes).
async fn check_csrf(request: Request, expected: Option<&str>) -> Result<Request, Response> {
    let refuse = || ApiError::csrf().into_response();
    let Some(expected) = expected else { return Err(refuse()) };
    if let Some(given) = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if password::same_secret(given, expected) { Ok(request) } else { Err(refuse()) };
    }
    let carries = |pairs: &[u8]| {
        form_urlencoded::parse(pairs).any(|(k, v)| k == CSRF_FIELD && password::same_secret(&v, expected))
    };
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    // Only forms may carry it in the address (a JSON call has its header; a token in an address leaks
    // into logs and the Referer).
    let in_query = (is_form || content_type.starts_with("multipart/form-data"))
        && request.uri().query().is_some_and(|q| carries(q.as_bytes()));
    if is_form && !in_query {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, crate::http::BODY_LIMIT).await.map_err(|_| refuse())?;
        return if carries(&bytes) { Ok(Request::from_parts(parts, Body::from(bytes))) } else { Err(refuse()) };
    }
    if in_query { Ok(request) } else { Err(refuse()) }
}

/// A session that cannot be read or written: the store unreachable is 503 `sessions_unavailable` (retry
/// shortly); a record that does not decode is a bug, 500.
fn session_error(e: &tower_sessions::session::Error) -> ApiError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match e {
        Error::Store(StoreError::Backend(_)) => ApiError::sessions_unavailable(e),
        _ => ApiError::internal(e),
    }
}

/// The session's CSRF token, made when the session has none (pages with forms call this).
///
/// # Errors
/// The session store failed.
pub async fn ensure_csrf(session: &Session) -> Result<String, ApiError> {
    let fail = |e: tower_sessions::session::Error| session_error(&e);
    if let Some(token) = session.get::<String>(SESSION_CSRF).await.map_err(fail)? {
        return Ok(token);
    }
    let token = password::secret(32);
    session.insert(SESSION_CSRF, &token).await.map_err(fail)?;
    Ok(token)
}

/// Signs `account_id` in on this session: a new session id (no fixation), a new CSRF token.
///
/// # Errors
/// The session store failed.
pub async fn sign_in(session: &Session, account_id: i64) -> Result<String, ApiError> {
    let fail = |e: tower_sessions::session::Error| session_error(&e);
    session.cycle_id().await.map_err(fail)?;
    session.insert(SESSION_ACCOUNT, account_id).await.map_err(fail)?;
    let token = password::secret(32);
    session.insert(SESSION_CSRF, &token).await.map_err(fail)?;
    Ok(token)
}

/// Ends the session: its record is deleted from the store and the cookie cleared.
///
/// # Errors
/// The session store failed.
pub async fn sign_out(session: &Session) -> Result<(), ApiError> {
    session.flush().await.map_err(|e| session_error(&e))
}
