//! The accounts API: the session, registration, invitations, the operator's accounts, an institution's API
//! tokens and the audit log.

use super::{
    AccountView, AuditView, CreatedAccount, NewAccountBody, NewTokenView, SessionView, TokenManager, TokenView,
    audit_entries, authenticate, create_account, register_enterprise, set_disabled, sign_out, use_invite,
};
use crate::http::auth::{self, Auth, Caller, OperatorUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json, Query, parse_id};
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use finmart_domain::{EnterpriseProfile, ValueError};
use serde::Deserialize;
use tower_sessions::Session;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What needs a signed-in caller.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_get))
        .routes(routes!(accounts_list, account_create))
        .routes(routes!(account_disable))
        .routes(routes!(account_enable))
        .routes(routes!(tokens_list, token_create))
        .routes(routes!(token_revoke))
        .routes(routes!(audit_log))
}

/// What anyone may do: sign in and out, register, accept an invitation.
pub(super) fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_create, session_delete))
        .routes(routes!(register))
        .routes(routes!(accept_invite))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub login: String,
    pub password: String,
}

/// Sign in: the session cookie is set and the CSRF token returned.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginBody,
    responses((status = 200, body = SessionView),
        (status = 401, description = "`bad_credentials`: a wrong login or password", body = ErrorBody),
        (status = 403, description = "`account_disabled`: the account is disabled; `institution_suspended`: its institution is suspended by the operator", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: too many sign-in attempts for this login or from this address; retry later", body = ErrorBody)))]
async fn session_create(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    Json(body): Json<LoginBody>,
) -> Result<axum::Json<SessionView>, ApiError> {
    let account = authenticate(&state, &caller, &body.login, &body.password).await?;
    let csrf = auth::sign_in(&session, account.id).await?;
    Ok(axum::Json(SessionView { account: AccountView::from(&account), csrf }))
}

/// The signed-in account and its CSRF token.
#[utoipa::path(get, path = "/api/v1/session",
    responses((status = 200, body = SessionView)))]
async fn session_get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    session: Session,
) -> Result<axum::Json<SessionView>, ApiError> {
    let account = state.store.account(principal.account_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let csrf = auth::ensure_csrf(&session).await?;
    Ok(axum::Json(SessionView { account: AccountView::from(&account), csrf }))
}

/// Sign out: the session is deleted.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
async fn session_delete(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
) -> Result<StatusCode, ApiError> {
    sign_out(&state, &caller, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// E-mail address used to sign in.
    pub login: String,
    pub password: String,
    /// The enterprise's profile; `uscc` (统一社会信用代码) is required and must be valid.
    #[schema(value_type = crate::http::profile_schema::ProfileSchema)]
    pub profile: EnterpriseProfile,
}

/// Registers an SME (self-service; institutions and agencies are created by the operator).
#[utoipa::path(post, path = "/api/v1/register", request_body = RegisterBody,
    responses((status = 201, body = SessionView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    Json(body): Json<RegisterBody>,
) -> Result<(StatusCode, axum::Json<SessionView>), ApiError> {
    let (account, csrf) =
        register_enterprise(&state, &caller, &session, &body.login, &body.password, &body.profile).await?;
    Ok((StatusCode::CREATED, axum::Json(SessionView { account: AccountView::from(&account), csrf })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub password: String,
}

/// Chooses the first password of an invited institution or agency account.
#[utoipa::path(post, path = "/api/v1/invites/{token}", request_body = InviteBody,
    params(("token" = String, Path, description = "The invitation token from the link")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
    Json(body): Json<InviteBody>,
) -> Result<StatusCode, ApiError> {
    use_invite(&state, &caller, &token, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every account (operator only).
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, body = Vec<AccountView>)))]
async fn accounts_list(
    _: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<AccountView>>, ApiError> {
    Ok(axum::Json(state.store.accounts(None).await?.iter().map(AccountView::from).collect()))
}

/// Creates an institution, agency or operator account (operator only).
#[utoipa::path(post, path = "/api/v1/accounts", request_body = NewAccountBody,
    responses((status = 201, body = CreatedAccount), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn account_create(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewAccountBody>,
) -> Result<(StatusCode, axum::Json<CreatedAccount>), ApiError> {
    Ok((StatusCode::CREATED, axum::Json(create_account(&state, &caller, &p, &body).await?)))
}

/// Disables an account: its sessions and use stop at once.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody),
        (status = 409, description = "`conflict`: the operator's own account", body = ErrorBody)))]
async fn account_disable(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<AccountView>, ApiError> {
    Ok(axum::Json(AccountView::from(&set_disabled(&state, &caller, &p, id, true).await?)))
}

/// Re-enables an account.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody),
        (status = 409, description = "`conflict`: the operator's own account", body = ErrorBody)))]
async fn account_enable(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<AccountView>, ApiError> {
    Ok(axum::Json(AccountView::from(&set_disabled(&state, &caller, &p, id, false).await?)))
}

/// The API tokens of the caller's institution or data provider.
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenView>)))]
async fn tokens_list(
    manager: TokenManager,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<TokenView>>, ApiError> {
    Ok(axum::Json(state.store.api_tokens(manager.owner).await?.iter().map(TokenView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// What the token is for (1–60 characters), e.g. the system that uses it.
    pub name: String,
}

/// Creates an API token for the caller's institution or data provider (their users, in a session).
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenBody,
    responses((status = 201, body = NewTokenView), (status = 403, body = ErrorBody)))]
async fn token_create(
    manager: TokenManager,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewTokenBody>,
) -> Result<(StatusCode, axum::Json<NewTokenView>), ApiError> {
    Ok((StatusCode::CREATED, axum::Json(manager.create(&state, &caller, &body.name).await?)))
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn token_revoke(
    manager: TokenManager,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    manager.revoke(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditParams {
    /// Only entries older than this entry id (the last id of the previous page).
    #[param(value_type = Option<i64>, minimum = 1)]
    before: Option<String>,
    /// How many entries, 1–500 (default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

impl AuditParams {
    /// `before` and `limit`.
    ///
    /// # Errors
    /// 400 naming the bad parameter.
    fn page(&self) -> Result<(Option<i64>, u64), ApiError> {
        let before = self.before.as_deref().map(|v| parse_id("before", v)).transpose()?;
        let limit = self.limit.as_deref().map_or(Some(100), |v| v.parse().ok().filter(|n| (1..=500).contains(n)));
        let bad_limit = || ApiError::invalid("limit", &ValueError::Invalid("须为 1–500 的整数".to_owned()));
        Ok((before, limit.ok_or_else(bad_limit)?))
    }
}

/// The audit log: the operator reads everything; every other account its own party's entries. Newest
/// first; page with `before` (an entry id) and `limit` (1–500, default 100).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditView>)))]
async fn audit_log(
    State(state): State<AppState>,
    Auth(p): Auth,
    Query(params): Query<AuditParams>,
) -> Result<axum::Json<Vec<AuditView>>, ApiError> {
    let (before, limit) = params.page()?;
    Ok(axum::Json(audit_entries(&state, &p, before, limit).await?.into_iter().map(AuditView::from).collect()))
}
