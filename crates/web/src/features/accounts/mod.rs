//! Accounts: sign-in and sign-out, SME registration, invitations, the operator's account administration,
//! institutions' API tokens and the audit log, as pages and as API.
//!
//! Sign-in is one function (`authenticate`) for the page and the API: throttled per login and per
//! address before the password is even checked, the same answer for an unknown login and a wrong password,
//! and the session id rotated on success.
//!
//! This file holds the views and the work the API (`api.rs`) and the pages (`pages.rs`) share.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::{self, Auth, Caller, password};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use finmart_domain::{
    EnterpriseProfile, FieldErrors, Labelled, Principal, Role, StaffAccountInput, ValueError, check_password,
    normalize_login,
};
use finmart_store::{Account, AuditEntry, AuditQuery, LoginLimits, TokenOwner};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

/// Sign-in attempts counted over this window (the rules: `docs/SECURITY.md`, "Sign-in throttle").
const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Attempts checked per login from one address, per address over all logins, and per login over every
/// address past which addresses that never signed in to the account are refused.
const MAX_ATTEMPTS_PER_LOGIN_AND_ADDRESS: u64 = 5;
const MAX_ATTEMPTS_PER_ADDRESS: u64 = 20;
const MAX_ATTEMPTS_PER_LOGIN_FROM_NEW_ADDRESSES: u64 = 20;

/// The accounts feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "accounts",
        api: api::router(),
        public_api: api::public_router(),
        pages: pages::router(),
        templates: &[
            template!("login.html"),
            template!("register.html"),
            template!("invite.html"),
            template!("admin_accounts.html"),
            template!("tokens.html"),
            template!("audit.html"),
        ],
    }
}

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    /// `sme`, `institution`, `agency`, `operator` or `provider`.
    pub role: String,
    pub role_label: String,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    /// The data provider of a provider user.
    pub provider_id: Option<i64>,
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
            provider_id: a.provider_id,
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

/// Checks a login and password, with throttling; the account on success (the caller then signs it in).
///
/// # Errors
/// 429 when throttled, 401 for a wrong login or password (the same answer for both), 403 for a disabled
/// account, database failure.
async fn authenticate(state: &AppState, caller: &Caller, login: &str, secret: &str) -> Result<Account, ApiError> {
    let wrong =
        || ApiError::new(ErrorCode::BadCredentials, "账号或密码错误", "wrong login or password").on_field("password");
    let Ok(login) = normalize_login(login) else { return Err(wrong()) };
    let since = Utc::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let limits = LoginLimits {
        since,
        per_login_and_address: MAX_ATTEMPTS_PER_LOGIN_AND_ADDRESS,
        per_address: MAX_ATTEMPTS_PER_ADDRESS,
        per_login_from_new_addresses: MAX_ATTEMPTS_PER_LOGIN_FROM_NEW_ADDRESSES,
    };
    // Counted before the check, in one step with the limits' counts, so concurrent guesses cannot overrun.
    if !state.store.reserve_login_attempt(&login, &caller.address, &limits).await? {
        return Err(ApiError::too_many(
            format!("登录失败次数过多，请 {THROTTLE_WINDOW_MINUTES} 分钟后再试"),
            format!("too many failed sign-ins; try again in {THROTTLE_WINDOW_MINUTES} minutes"),
        ));
    }
    let found = state.store.account_for_login(&login).await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let secret = secret.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&secret, hash.as_deref())).await?;
    match found {
        Some((account, _)) if matches => {
            if account.disabled {
                return Err(ApiError::new(ErrorCode::AccountDisabled, "该账号已停用", "this account is disabled"));
            }
            if let Some(institution) = account.institution_id
                && state.store.institution_suspension(institution).await?.is_some()
            {
                return Err(ApiError::institution_suspended());
            }
            state.store.record_login(&account, Some(&caller.address)).await?;
            Ok(account)
        }
        other => {
            state.store.record_login_failure(&login, &caller.address, other.map(|(a, _)| a).as_ref()).await?;
            Err(wrong())
        }
    }
}

/// Hashes a new password off the async threads (argon2 is deliberately slow).
///
/// # Errors
/// The password breaks the rules (400 naming `field`), or hashing failed.
async fn new_password_hash(field: &str, secret: &str) -> Result<String, ApiError> {
    check_password(secret).map_err(|e| ApiError::invalid(field, &e))?;
    password::hash_off_thread(secret).await.map_err(|e| ApiError::internal(&e))
}

/// Where a role lands after signing in.
#[must_use]
fn home_of(role: Role) -> &'static str {
    match role {
        Role::Sme => "/sme/applications",
        Role::Institution => "/bank/inbox",
        Role::Agency => "/agency/products",
        Role::Operator => "/admin/reviews",
        Role::Provider => "/provider",
    }
}

/// Registers an SME user with its enterprise and signs it in.
///
/// # Errors
/// 400 naming bad fields, 409 when the login is taken or the enterprise already has an account.
async fn register_enterprise(
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

/// Signs the caller out: the act is audited (when someone was signed in) and the session deleted.
///
/// # Errors
/// Database or session store failure.
async fn sign_out(state: &AppState, caller: &Caller, session: &Session) -> Result<(), ApiError> {
    if let Some(p) = &caller.principal {
        state.store.audit(&caller.audit(p, "logout")).await?;
    }
    auth::sign_out(session).await
}

/// The account an invitation link is for.
///
/// # Errors
/// 404 for an unknown or expired invitation; database failure.
async fn invited(state: &AppState, token: &str) -> Result<Account, ApiError> {
    let expired = || ApiError::not_found("邀请链接（可能已过期）", "invitation (it may have expired)");
    state.store.account_for_invite(&password::digest(token)).await?.ok_or_else(expired)
}

/// Sets the first password of an invited account; the invitation ends.
///
/// # Errors
/// 404 for an unknown or expired invitation, 400 for a password breaking the rules.
async fn use_invite(state: &AppState, caller: &Caller, token: &str, secret: &str) -> Result<Account, ApiError> {
    let account = invited(state, token).await?;
    let hash = new_password_hash("password", secret).await?;
    state.store.set_password(account.id, &hash, &caller.audit(&account.principal(), "account.password_set")).await?;
    Ok(account)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub login: String,
    pub display_name: String,
    /// `institution`, `agency`, `operator` or `provider` (SMEs register themselves).
    pub role: String,
    /// The lender (role `institution`) or guarantee agency (role `agency`).
    pub institution_id: Option<i64>,
    /// The data provider (role `provider`; `GET /api/v1/providers` lists them).
    #[serde(default)]
    pub provider_id: Option<i64>,
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
async fn create_account(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    body: &NewAccountBody,
) -> Result<CreatedAccount, ApiError> {
    let input = StaffAccountInput {
        login: &body.login,
        display_name: &body.display_name,
        role: &body.role,
        institution_id: body.institution_id,
        provider_id: body.provider_id,
        password: body.password.as_deref(),
    };
    let created = state.store.create_staff_account(&input, caller.audit(operator, "account.create")).await?;
    Ok(CreatedAccount {
        account: AccountView::from(&created.account),
        invite_path: created.invite.map(|t| format!("/invite/{t}")),
    })
}

/// Disables or re-enables an account (the operator's act; not one's own).
///
/// # Errors
/// 409 for one's own account, 404 for no such account.
async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    id: i64,
    disabled: bool,
) -> Result<Account, ApiError> {
    if id == operator.account_id {
        // Enabling it is refused alike: a signed-in operator's own account is enabled already.
        return Err(ApiError::conflict("不能停用或启用自己的账号", "you cannot disable or enable your own account"));
    }
    let event = caller.audit(operator, if disabled { "account.disable" } else { "account.enable" });
    Ok(state.store.set_account_disabled(id, disabled, &event).await?)
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

/// The institution's or data provider's user behind a token-management request, and whose tokens they
/// manage: tokens are managed by people in a session, never by a token (403 for a request made with one, as
/// for any other role, before its body is read).
struct TokenManager {
    principal: Principal,
    owner: TokenOwner,
}

impl FromRequestParts<AppState> for TokenManager {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Auth(principal) = Auth::from_request_parts(parts, state).await?;
        let owner = match (principal.lender(), principal.provider()) {
            (Some(id), _) => TokenOwner::Institution(id),
            (None, Some(id)) => TokenOwner::Provider(id),
            (None, None) => return Err(ApiError::forbidden().into_response()),
        };
        let in_session = !parts.extensions.get::<Caller>().is_some_and(|c| c.via_token);
        in_session.then_some(Self { principal, owner }).ok_or_else(|| ApiError::forbidden().into_response())
    }
}

impl TokenManager {
    /// The page where this owner's people manage its tokens.
    fn page_path(&self) -> &'static str {
        match self.owner {
            TokenOwner::Institution(_) => "/bank/tokens",
            TokenOwner::Provider(_) => "/provider/tokens",
        }
    }

    /// Creates an API token for the owner.
    ///
    /// # Errors
    /// 400 for a bad name.
    async fn create(&self, state: &AppState, caller: &Caller, name: &str) -> Result<NewTokenView, ApiError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(ApiError::invalid("name", &ValueError::Invalid("名称须为 1–60 个字符".to_owned())));
        }
        let secret = format!("{}{}", auth::TOKEN_PREFIX, password::secret(24));
        let prefix: String = secret.chars().take(12).collect();
        let event = caller.audit(&self.principal, "api_token.create");
        let token = state.store.create_api_token(self.owner, name, &prefix, &password::digest(&secret), &event).await?;
        Ok(NewTokenView { token: TokenView::from(&token), secret })
    }

    /// Revokes one of the owner's tokens; it stops working at once.
    ///
    /// # Errors
    /// 404 for another owner's token.
    async fn revoke(&self, state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
        let event = caller.audit(&self.principal, "api_token.revoke");
        Ok(state.store.revoke_api_token(self.owner, id, &event).await?)
    }
}

/// The audit entries the principal may read: everything for the operator, its own party's otherwise.
///
/// # Errors
/// Database failure.
async fn audit_entries(
    state: &AppState,
    p: &Principal,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEntry>, ApiError> {
    let (enterprise_id, institution_id) = (p.enterprise(), p.lender().or(p.agency()));
    if !p.is_operator() && enterprise_id.is_none() && institution_id.is_none() {
        return Err(ApiError::forbidden());
    }
    Ok(state.store.audit_log(AuditQuery { enterprise_id, institution_id, before, limit }).await?)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::feature;
    use crate::http::templates::Templates;
    use serde_json::json;

    /// The account pages render with the context their handlers give (a broken template is a 500).
    #[test]
    fn account_pages_render() {
        let templates = Templates::new(&[feature().templates]);
        let frame = json!({"v": "1", "en": false, "switch_href": "/x?lang=en", "csrf": "t", "user": {"name": "n", "role": "operator", "role_label": "运营", "role_label_en": "Operator"}});
        for (name, extra) in [
            ("login.html", json!({"next": "/"})),
            ("register.html", json!({"choices": {"districts": [], "industries": []}})),
            ("invite.html", json!({"account": {"login": "a@b.cn", "display_name": "A", "role": "x"}})),
            (
                "admin_accounts.html",
                json!({"accounts": [{"id": 1, "login": "a@b.cn", "display_name": "A", "role": "r", "role_en": "r", "disabled": false, "invited": true}], "lenders": [{"id": 1, "name": "x"}], "agencies": []}),
            ),
            ("tokens.html", json!({"tokens": [{"id": 1, "name": "x", "prefix": "fmt_", "created": "2026"}]})),
            (
                "audit.html",
                json!({"entries": [{"id": 1, "at": "x", "label": "登录", "action": "login", "subject": "account 1", "detail": ""}], "next": null, "all": true}),
            ),
        ] {
            let mut context = frame.clone();
            for (k, v) in extra.as_object().unwrap() {
                context[k] = v.clone();
            }
            if let Err(e) = templates.render(name, &context) {
                panic!("{name}: {e:#}");
            }
        }
    }
}
