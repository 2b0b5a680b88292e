//! Accounts: sign-in and sign-out, SME registration, invitations, the operator's account administration,
//! institutions' API tokens and the audit log, as pages and as API.
//!
//! Sign-in is one function ([`authenticate`]) for the page and the API: throttled per login and per
//! address before the password is even checked, the same answer for an unknown login and a wrong password,
//! and the session id rotated on success.

mod pages;

use crate::auth::{self, Auth, Caller, password, require};
use crate::error::ApiError;
use crate::params::json_body;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

use chrono::{DateTime, Duration, Utc};
use finmart_domain::{
    EnterpriseProfile, FieldErrors, Labelled, Principal, Role, StaffAccountInput, ValueError, check_password,
    normalize_login,
};
use finmart_store::{Account, AuditEntry, AuditEvent, AuditQuery};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use pages::{TEMPLATES, pages};

/// Failed sign-ins counted over this window.
const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failures allowed per login, and per address, within the window.
const MAX_FAILURES_PER_LOGIN: u64 = 5;
const MAX_FAILURES_PER_ADDRESS: u64 = 20;

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    /// `sme`, `institution`, `agency` or `operator`.
    pub role: String,
    pub role_label: String,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub disabled: bool,
    /// Invited and no password chosen yet.
    pub invited: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id,
            login: a.login.clone(),
            display_name: a.display_name.clone(),
            role: a.role.as_str().to_owned(),
            role_label: a.role.label_zh().to_owned(),
            enterprise_id: a.enterprise_id,
            institution_id: a.institution_id,
            disabled: a.disabled,
            invited: a.invited,
            created_at: a.created_at,
            last_login_at: a.last_login_at,
        }
    }
}

/// The signed-in account and the CSRF token its state-changing requests must carry (`x-csrf-token`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub account: AccountView,
    pub csrf: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub login: String,
    pub password: String,
}

/// Checks a login and password, with throttling; the account on success (the caller then signs it in).
///
/// # Errors
/// 429 when throttled, 401 for a wrong login or password (the same answer for both), 403 for a disabled
/// account, database failure.
pub async fn authenticate(state: &AppState, caller: &Caller, login: &str, secret: &str) -> Result<Account, ApiError> {
    let wrong = || {
        ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "账号或密码错误", "wrong login or password")
            .on_field("password")
    };
    let Ok(login) = normalize_login(login) else { return Err(wrong()) };
    let since = Utc::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (by_login, by_address) = state.store.login_failures_since(&login, &caller.address, since).await?;
    if by_login >= MAX_FAILURES_PER_LOGIN || by_address >= MAX_FAILURES_PER_ADDRESS {
        return Err(ApiError::too_many(
            format!("登录失败次数过多，请 {THROTTLE_WINDOW_MINUTES} 分钟后再试"),
            format!("too many failed sign-ins; try again in {THROTTLE_WINDOW_MINUTES} minutes"),
        ));
    }
    let found = state.store.account_for_login(&login).await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let secret = secret.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&secret, hash.as_deref()))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    match found {
        Some((account, _)) if matches => {
            if account.disabled {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "account_disabled",
                    "该账号已停用",
                    "this account is disabled",
                ));
            }
            state.store.record_login(&account, Some(&caller.address)).await?;
            Ok(account)
        }
        other => {
            let account = other.map(|(a, _)| a);
            state.store.record_login_failure(&login, &caller.address, account.as_ref()).await?;
            Err(wrong())
        }
    }
}

/// Hashes a new password off the async threads (argon2 is deliberately slow).
///
/// # Errors
/// The password breaks the rules (400 naming `field`), or hashing failed.
pub async fn new_password_hash(field: &str, secret: &str) -> Result<String, ApiError> {
    check_password(secret).map_err(|e| ApiError::invalid(field, &e))?;
    password::hash_off_thread(secret).await.map_err(|e| ApiError::internal(&e))
}

/// Where a role lands after signing in.
#[must_use]
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Sme => "/sme/applications",
        Role::Institution => "/bank/inbox",
        Role::Agency => "/agency/products",
        Role::Operator => "/admin/reviews",
    }
}

/// This module's JSON API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_create, session_get, session_delete))
        .routes(routes!(register))
        .routes(routes!(accept_invite))
        .routes(routes!(accounts_list, account_create))
        .routes(routes!(account_disable))
        .routes(routes!(account_enable))
        .routes(routes!(tokens_list, token_create))
        .routes(routes!(token_revoke))
        .routes(routes!(audit_log))
}

/// Sign in: the session cookie is set and the CSRF token returned.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginBody,
    responses((status = 200, body = SessionView), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)), tag = "accounts")]
async fn session_create(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    body: Bytes,
) -> Result<Json<SessionView>, ApiError> {
    let body: LoginBody = json_body(&body)?;
    let account = authenticate(&state, &caller, &body.login, &body.password).await?;
    let csrf = auth::sign_in(&session, account.id).await?;
    Ok(Json(SessionView { account: AccountView::from(&account), csrf }))
}

/// The signed-in account and its CSRF token.
#[utoipa::path(get, path = "/api/v1/session",
    responses((status = 200, body = SessionView), (status = 401, body = crate::error::ErrorBody)), tag = "accounts")]
async fn session_get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    session: Session,
) -> Result<Json<SessionView>, ApiError> {
    let account = state.store.account(principal.account_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let csrf = auth::ensure_csrf(&session).await?;
    Ok(Json(SessionView { account: AccountView::from(&account), csrf }))
}

/// Sign out: the session is deleted.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)), tag = "accounts")]
async fn session_delete(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
) -> Result<StatusCode, ApiError> {
    if let Some(p) = &caller.principal {
        state.store.audit(&AuditEvent::by(p, Some(&caller.address), "logout")).await?;
    }
    auth::sign_out(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// E-mail address used to sign in.
    pub login: String,
    pub password: String,
    /// The enterprise's profile; `uscc` (统一社会信用代码) is required and must be valid.
    #[schema(value_type = Object)]
    pub profile: EnterpriseProfile,
}

/// Registers an SME user with its enterprise and signs it in.
///
/// # Errors
/// 400 naming bad fields, 409 when the login is taken or the enterprise already has an account.
pub async fn register_enterprise(
    state: &AppState,
    caller: &Caller,
    session: &Session,
    login: &str,
    secret: &str,
    profile: &EnterpriseProfile,
) -> Result<(Account, String), ApiError> {
    let mut errors = FieldErrors::default();
    let login = errors.check("login", normalize_login(login));
    errors.check("password", check_password(secret));
    if profile.uscc.is_none() {
        errors.push("profile.uscc", ValueError::Empty);
    }
    if profile.name.trim().is_empty() {
        errors.push("profile.name", ValueError::Empty);
    }
    let (Some(login), true) = (login, errors.is_empty()) else { return Err(errors.into()) };
    let hash = new_password_hash("password", secret).await?;
    let account = state.store.register_enterprise(profile, &login, &hash, Some(&caller.address)).await?;
    let csrf = auth::sign_in(session, account.id).await?;
    Ok((account, csrf))
}

/// Registers an SME (self-service; institutions and agencies are created by the operator).
#[utoipa::path(post, path = "/api/v1/register", request_body = RegisterBody,
    responses((status = 201, body = SessionView), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)), tag = "accounts")]
async fn register(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    body: Bytes,
) -> Result<(StatusCode, Json<SessionView>), ApiError> {
    let body: RegisterBody = json_body(&body)?;
    let (account, csrf) =
        register_enterprise(&state, &caller, &session, &body.login, &body.password, &body.profile).await?;
    Ok((StatusCode::CREATED, Json(SessionView { account: AccountView::from(&account), csrf })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub password: String,
}

/// Sets the first password of an invited account; the invitation ends.
///
/// # Errors
/// 404 for an unknown or expired invitation, 400 for a password breaking the rules.
pub async fn use_invite(state: &AppState, caller: &Caller, token: &str, secret: &str) -> Result<Account, ApiError> {
    let account = state
        .store
        .account_for_invite(&password::digest(token))
        .await?
        .ok_or_else(|| ApiError::not_found("邀请链接（可能已过期）", "invitation (it may have expired)"))?;
    let hash = new_password_hash("password", secret).await?;
    let event = AuditEvent::by(&account.principal(), Some(&caller.address), "account.password_set");
    state.store.set_password(account.id, &hash, &event).await?;
    Ok(account)
}

/// Chooses the first password of an invited institution or agency account.
#[utoipa::path(post, path = "/api/v1/invites/{token}", request_body = InviteBody,
    params(("token" = String, Path, description = "The invitation token from the link")),
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    tag = "accounts")]
async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let body: InviteBody = json_body(&body)?;
    use_invite(&state, &caller, &token, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every account (operator only).
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, body = Vec<AccountView>)), tag = "accounts")]
async fn accounts_list(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<Vec<AccountView>>, ApiError> {
    require(&p, &[Role::Operator])?;
    Ok(Json(state.store.accounts(None).await?.iter().map(AccountView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub login: String,
    pub display_name: String,
    /// `institution`, `agency` or `operator` (SMEs register themselves).
    pub role: String,
    /// The lender (role `institution`) or guarantee agency (role `agency`).
    pub institution_id: Option<i64>,
    /// A first password; without one, an invitation link is returned (valid 7 days).
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAccount {
    pub account: AccountView,
    /// The invitation path to hand to the person (shown once), when no password was given.
    pub invite_path: Option<String>,
}

/// Creates an institution, agency or operator account (the operator's act).
///
/// # Errors
/// 400 naming bad fields, 409 for a taken login or an institution of the wrong kind.
pub async fn create_account(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    body: &NewAccountBody,
) -> Result<CreatedAccount, ApiError> {
    require(operator, &[Role::Operator])?;
    let event = AuditEvent::by(operator, Some(&caller.address), "account.create");
    let input = StaffAccountInput {
        login: &body.login,
        display_name: &body.display_name,
        role: &body.role,
        institution_id: body.institution_id,
        password: body.password.as_deref(),
    };
    let created = state.store.create_staff_account(&input, event).await?;
    Ok(CreatedAccount {
        account: AccountView::from(&created.account),
        invite_path: created.invite.map(|t| format!("/invite/{t}")),
    })
}

/// Creates an institution, agency or operator account (operator only).
#[utoipa::path(post, path = "/api/v1/accounts", request_body = NewAccountBody,
    responses((status = 201, body = CreatedAccount), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)), tag = "accounts")]
async fn account_create(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedAccount>), ApiError> {
    require(&p, &[Role::Operator])?;
    let body: NewAccountBody = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(create_account(&state, &caller, &p, &body).await?)))
}

/// Disables or re-enables an account (operator only; not one's own).
///
/// # Errors
/// 403 for anyone but the operator or for one's own account, 404 for no such account.
pub async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    id: i64,
    disabled: bool,
) -> Result<Account, ApiError> {
    require(operator, &[Role::Operator])?;
    if id == operator.account_id {
        return Err(ApiError::conflict("不能停用自己的账号", "you cannot disable your own account"));
    }
    let event =
        AuditEvent::by(operator, Some(&caller.address), if disabled { "account.disable" } else { "account.enable" });
    Ok(state.store.set_account_disabled(id, disabled, &event).await?)
}

/// Disables an account: its sessions and use stop at once.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", params(("id" = i64, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = crate::error::ErrorBody)), tag = "accounts")]
async fn account_disable(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    require(&p, &[Role::Operator])?;
    let account = set_disabled(&state, &caller, &p, crate::api::parse_id(&id)?, true).await?;
    Ok(Json(AccountView::from(&account)))
}

/// Re-enables an account.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", params(("id" = i64, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = crate::error::ErrorBody)), tag = "accounts")]
async fn account_enable(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    require(&p, &[Role::Operator])?;
    let account = set_disabled(&state, &caller, &p, crate::api::parse_id(&id)?, false).await?;
    Ok(Json(AccountView::from(&account)))
}

/// An API token as its institution sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&finmart_store::ApiTokenInfo> for TokenView {
    fn from(t: &finmart_store::ApiTokenInfo) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new token: the secret is shown this once and never stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenView {
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// What the token is for (1–60 characters), e.g. the system that uses it.
    pub name: String,
}

/// The institution user behind a token-management request: tokens are managed by people in a session,
/// never by a token.
fn token_manager(p: &Principal, caller: &Caller) -> Result<i64, ApiError> {
    let institution = auth::lender_of(p)?;
    if caller.via_token { Err(ApiError::forbidden()) } else { Ok(institution) }
}

/// Creates an API token for the caller's institution.
///
/// # Errors
/// 403 for anyone but an institution user in a session; 400 for a bad name.
pub async fn create_token(
    state: &AppState,
    caller: &Caller,
    p: &Principal,
    name: &str,
) -> Result<NewTokenView, ApiError> {
    let institution = token_manager(p, caller)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::invalid("name", &ValueError::Invalid("名称须为 1–60 个字符".to_owned())));
    }
    let secret = format!("{}{}", auth::TOKEN_PREFIX, password::secret(24));
    let prefix: String = secret.chars().take(12).collect();
    let event = AuditEvent::by(p, Some(&caller.address), "api_token.create");
    let token = state.store.create_api_token(institution, name, &prefix, &password::digest(&secret), &event).await?;
    Ok(NewTokenView { token: TokenView::from(&token), secret })
}

/// The caller's institution's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenView>)), tag = "accounts")]
async fn tokens_list(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let institution = token_manager(&p, &caller)?;
    Ok(Json(state.store.api_tokens(institution).await?.iter().map(TokenView::from).collect()))
}

/// Creates an API token for the caller's institution (institution users, in a session).
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenBody,
    responses((status = 201, body = NewTokenView), (status = 403, body = crate::error::ErrorBody)), tag = "accounts")]
async fn token_create(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    body: Bytes,
) -> Result<(StatusCode, Json<NewTokenView>), ApiError> {
    token_manager(&p, &caller)?;
    let body: NewTokenBody = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(create_token(&state, &caller, &p, &body.name).await?)))
}

/// Revokes one of the caller's institution's tokens; it stops working at once.
///
/// # Errors
/// 403 for anyone but an institution user in a session; 404 for another institution's token.
pub async fn revoke_token(state: &AppState, caller: &Caller, p: &Principal, id: i64) -> Result<(), ApiError> {
    let institution = token_manager(p, caller)?;
    let event = AuditEvent::by(p, Some(&caller.address), "api_token.revoke");
    Ok(state.store.revoke_api_token(institution, id, &event).await?)
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), tag = "accounts")]
async fn token_revoke(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    revoke_token(&state, &caller, &p, crate::api::parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit entries the principal may read: everything for the operator, its own party's otherwise.
///
/// # Errors
/// Database failure.
pub async fn audit_entries(
    state: &AppState,
    p: &Principal,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEntry>, ApiError> {
    let mut query = AuditQuery { before, limit, ..AuditQuery::default() };
    match p.role {
        Role::Operator => {}
        Role::Sme => query.enterprise_id = Some(auth::enterprise_of(p)?),
        Role::Institution | Role::Agency => {
            query.institution_id = Some(p.institution_id.ok_or_else(ApiError::forbidden)?)
        }
    }
    Ok(state.store.audit_log(query).await?)
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub role: Option<String>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            account_id: e.account_id,
            role: e.role,
            action: e.action,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            enterprise_id: e.enterprise_id,
            institution_id: e.institution_id,
            detail: e.detail,
        }
    }
}

/// The audit log: the operator reads everything; every other account its own party's entries. Newest
/// first; page with `before` (an entry id) and `limit` (1–500, default 100).
#[utoipa::path(get, path = "/api/v1/audit",
    params(("before" = Option<i64>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = Vec<AuditView>), (status = 401, body = crate::error::ErrorBody)), tag = "accounts")]
async fn audit_log(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let (mut before, mut limit) = (None, 100);
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let number = || v.parse::<u64>().ok().filter(|n| *n > 0);
        match k.as_ref() {
            "before" => {
                before = Some(number().and_then(|n| i64::try_from(n).ok()).ok_or_else(|| {
                    ApiError::invalid("before", &ValueError::NotANumber(v.chars().take(20).collect()))
                })?);
            }
            "limit" => {
                limit = number()
                    .filter(|n| *n <= 500)
                    .ok_or_else(|| ApiError::invalid("limit", &ValueError::Invalid("须为 1–500 的整数".to_owned())))?;
            }
            other => return Err(ApiError::invalid(other, &ValueError::Invalid("未知参数".to_owned()))),
        }
    }
    Ok(Json(audit_entries(&state, &p, before, limit).await?.into_iter().map(AuditView::from).collect()))
}
