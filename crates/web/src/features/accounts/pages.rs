//! The account pages: 登录, 注册, 设置密码 (invitation), 退出, the operator's 账号管理, an institution's
//! API 令牌, and 操作日志 (audit log). Forms post back to their own path; success redirects (303), a bad
//! form is shown again with the reasons beside the fields (400).

use super::{
    NewAccountBody, TokenManager, audit_entries, authenticate, create_account, home_of, invited, register_enterprise,
    set_disabled, sign_out, use_invite,
};
use crate::http::acts;
use crate::http::auth::{self, Auth, Caller, OperatorUser};
use crate::http::error::ApiError;
use crate::http::extract::{Id, parse_id};
use crate::http::format::{district_options, options, parse_wan, shanghai};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::redirect;
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use finmart_domain::{
    District, EnterpriseProfile, FieldErrors, HomeArea, Industry, InstitutionKind, Labelled, Uscc, ValueError,
};
use finmart_store::{Account, ApiTokenInfo};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use tower_sessions::Session;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/register", get(register_page).post(register_submit))
        .route("/invite/{token}", get(invite_page).post(invite_submit))
        .route("/me", get(me))
        .route("/admin/accounts", get(accounts_page).post(accounts_create))
        .route("/admin/accounts/{id}/{action}", post(accounts_toggle))
        .route("/bank/tokens", get(tokens_page).post(tokens_create))
        .route("/bank/tokens/{id}/revoke", post(tokens_revoke))
        .route("/provider/tokens", get(tokens_page).post(tokens_create))
        .route("/provider/tokens/{id}/revoke", post(tokens_revoke))
        .route("/audit", get(audit_page))
}

/// The fields of a posted form to show again: all but the passwords and the CSRF token.
fn values_without_secrets(form: &Form) -> Map<String, Value> {
    form.0
        .iter()
        .filter(|(k, _)| !k.starts_with("password") && *k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect()
}

/// The message beside the repeated password when the two differ.
fn passwords_differ(page: &Page) -> Map<String, Value> {
    object(json!({"password2": page.pick("两次输入的密码不一致", "the passwords differ")}))
}

async fn login_page(caller: Caller, page: Page) -> PageResult {
    if let Some(p) = &caller.principal {
        return Ok(see_other(home_of(p.role)));
    }
    // The visitor's token (its cookie), not a stored session: see `http::auth`.
    let csrf = caller.csrf.unwrap_or_default();
    let next = Form::of_query(page.query()).field("next").to_owned();
    page.show("login.html", object(json!({"csrf": csrf, "next": next, "page": "login"})))
}

async fn login_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    page: Page,
    form: Form,
) -> PageResult {
    let e = match authenticate(&state, &caller, form.field("login"), form.field("password")).await {
        Ok(account) => {
            auth::sign_in(&session, account.id).await?;
            return Ok(see_other(redirect::local_path(form.field("next")).unwrap_or(home_of(account.role))));
        }
        Err(e) if e.status.is_client_error() => e,
        Err(e) => return Err(e),
    };
    let context = object(json!({
        "errors": page.error_messages(&e), "values": {"login": form.field("login")}, "next": form.field("next"),
    }));
    page.at("/login").show_with(e.status, "login.html", context)
}

async fn logout(State(state): State<AppState>, caller: Caller, session: Session) -> PageResult {
    sign_out(&state, &caller, &session).await?;
    Ok(see_other("/"))
}

async fn me(Auth(p): Auth) -> Response {
    see_other(home_of(p.role))
}

fn register_choices(home: &HomeArea) -> Value {
    json!({"districts": district_options(home), "industries": options::<Industry>()})
}

async fn register_page(State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    let csrf = caller.csrf.unwrap_or_default();
    let choices = register_choices(&state.config.home_area);
    page.show("register.html", object(json!({"csrf": csrf, "choices": choices, "page": "register"})))
}

/// The profile the registration form describes, or every bad field.
fn registration_profile(form: &Form, home: &HomeArea) -> Result<EnterpriseProfile, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = form.field("name").trim();
    if name.is_empty() {
        errors.push("name", ValueError::Empty);
    }
    let uscc = errors.check("uscc", Uscc::parse(form.field("uscc")));
    let district = errors.check("district", District::parse(form.field("district"), home));
    let industry = errors.check("industry", Industry::parse(form.field("industry")));
    let date_format = || ValueError::Invalid("请按 2020-01-31 的格式填写日期".to_owned());
    let established = form.field("established").trim().parse::<NaiveDate>().map_err(|_| date_format());
    let established = errors.check("established", established);
    if established.is_some_and(|d| d > today()) {
        errors.push("established", ValueError::Invalid("成立日期不能晚于今天".to_owned()));
    }
    let employees = form.field("employees");
    let not_a_number = || ValueError::NotANumber(employees.chars().take(20).collect());
    let employees = errors.check("employees", employees.trim().parse::<u32>().map_err(|_| not_a_number()));
    let revenue = errors.check("revenue", parse_wan(form.field("revenue")));
    if !errors.is_empty() {
        return Err(errors);
    }
    // Every value is given here: each one missing left an error.
    let profile = json!({
        "uscc": uscc, "name": name, "district": district, "industry": industry, "established": established,
        "employees": employees, "revenue": revenue,
    });
    let profile = serde_json::from_value(profile).map_err(|e| ValueError::Invalid(e.to_string()));
    errors.check("form", profile).ok_or(errors)
}

async fn register_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    page: Page,
    form: Form,
) -> PageResult {
    let errors = match registration_profile(&form, &state.config.home_area) {
        Err(e) => page.field_messages(&e),
        Ok(_) if form.field("password") != form.field("password2") => passwords_differ(&page),
        Ok(profile) => {
            let (login, password) = (form.field("login"), form.field("password"));
            match register_enterprise(&state, &caller, &session, login, password, &profile).await {
                Ok(_) => return Ok(see_other("/sme/profile")),
                // The API names profile fields `profile.x`; the form names them `x`.
                Err(e) if e.status.is_client_error() => page
                    .error_messages(&e)
                    .into_iter()
                    .map(|(k, v)| (k.trim_start_matches("profile.").to_owned(), v))
                    .collect(),
                Err(e) => return Err(e),
            }
        }
    };
    let choices = register_choices(&state.config.home_area);
    let context = object(json!({"errors": errors, "values": values_without_secrets(&form), "choices": choices}));
    page.at("/register").show_with(StatusCode::BAD_REQUEST, "register.html", context)
}

async fn invite_page(
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Path(token): Path<String>,
) -> PageResult {
    let account = invited(&state, &token).await?;
    let csrf = caller.csrf.unwrap_or_default();
    let account =
        json!({"login": account.login, "display_name": account.display_name, "role": account.role.label_zh()});
    page.show("invite.html", object(json!({"csrf": csrf, "account": account})))
}

async fn invite_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    page: Page,
    Path(token): Path<String>,
    form: Form,
) -> PageResult {
    let errors = if form.field("password") == form.field("password2") {
        match use_invite(&state, &caller, &token, form.field("password")).await {
            Ok(account) => {
                auth::sign_in(&session, account.id).await?;
                return Ok(see_other(home_of(account.role)));
            }
            Err(e) if e.status == StatusCode::BAD_REQUEST => page.error_messages(&e),
            Err(e) => return Err(e),
        }
    } else {
        passwords_differ(&page)
    };
    let page = page.at(&format!("/invite/{token}"));
    page.show_with(StatusCode::BAD_REQUEST, "invite.html", object(json!({"errors": errors})))
}

async fn accounts_context(state: &AppState) -> PageResult<Map<String, Value>> {
    let accounts = state.store.accounts(None).await?;
    let institutions = state.store.institutions().await?;
    let names: HashMap<i64, &str> = institutions.iter().map(|i| (i.id, i.name.as_str())).collect();
    let providers = state.store.data_providers().await?;
    let provider_names: HashMap<i64, &str> = providers.iter().map(|p| (p.id, p.name.as_str())).collect();
    let row = |a: &Account| {
        json!({
            "id": a.id, "login": a.login, "display_name": a.display_name, "role": a.role.label_zh(),
            "role_en": a.role.label_en(), "party": a.institution_id.and_then(|i| names.get(&i).copied())
                .or_else(|| a.provider_id.and_then(|p| provider_names.get(&p).copied())),
            "enterprise_id": a.enterprise_id, "disabled": a.disabled, "invited": a.invited,
            "last_login": a.last_login_at.map(shanghai),
        })
    };
    let rows: Vec<Value> = accounts.iter().map(row).collect();
    let of_kind = |agency: bool| -> Vec<Value> {
        let chosen = institutions.iter().filter(|i| (i.kind == InstitutionKind::GuaranteeAgency) == agency);
        chosen.map(|i| json!({"id": i.id, "name": i.name})).collect()
    };
    let providers: Vec<Value> = providers.iter().map(|p| json!({"id": p.id, "name": p.name})).collect();
    Ok(object(json!({
        "accounts": rows, "lenders": of_kind(false), "agencies": of_kind(true), "providers": providers,
        "page": "admin",
    })))
}

async fn accounts_page(_: OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    page.show("admin_accounts.html", accounts_context(&state).await?)
}

async fn accounts_create(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let role = form.field("role");
    let institution_id = match role {
        "institution" => form.field("lender_id").parse().ok(),
        "agency" => form.field("agency_id").parse().ok(),
        _ => None,
    };
    let body = NewAccountBody {
        login: form.field("login").to_owned(),
        display_name: form.field("display_name").to_owned(),
        role: role.to_owned(),
        institution_id,
        provider_id: (role == "provider").then(|| form.field("provider_id").parse().ok()).flatten(),
        password: Some(form.field("password").to_owned()).filter(|p| !p.is_empty()),
    };
    let (status, outcome) = match create_account(&state, &caller, &p, &body).await {
        Ok(created) => {
            (StatusCode::OK, json!({"created": {"login": created.account.login, "invite_path": created.invite_path}}))
        }
        Err(e) if e.status.is_client_error() => {
            (e.status, json!({"errors": page.error_messages(&e), "values": values_without_secrets(&form)}))
        }
        Err(e) => return Err(e),
    };
    let mut context = accounts_context(&state).await?;
    context.extend(object(outcome));
    page.at("/admin/accounts").show_with(status, "admin_accounts.html", context)
}

async fn accounts_toggle(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::not_found("页面", "page")),
    };
    set_disabled(&state, &caller, &p, parse_id("id", &id)?, disabled).await?;
    Ok(see_other("/admin/accounts"))
}

async fn tokens_context(state: &AppState, manager: &TokenManager) -> PageResult<Map<String, Value>> {
    let row = |t: &ApiTokenInfo| {
        json!({"id": t.id, "name": t.name, "prefix": t.prefix, "created": shanghai(t.created_at),
            "last_used": t.last_used_at.map(shanghai), "revoked": t.revoked_at.map(shanghai)})
    };
    let rows: Vec<Value> = state.store.api_tokens(manager.owner).await?.iter().map(row).collect();
    Ok(object(json!({"tokens": rows, "page": "tokens", "base": manager.page_path()})))
}

async fn tokens_page(manager: TokenManager, State(state): State<AppState>, page: Page) -> PageResult {
    page.show("tokens.html", tokens_context(&state, &manager).await?)
}

async fn tokens_create(
    manager: TokenManager,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let (status, outcome) = match manager.create(&state, &caller, form.field("name")).await {
        Ok(created) => (StatusCode::OK, json!({"secret": created.secret})),
        Err(e) if e.status.is_client_error() => (e.status, json!({"errors": page.error_messages(&e)})),
        Err(e) => return Err(e),
    };
    let mut context = tokens_context(&state, &manager).await?;
    context.extend(object(outcome));
    page.at(manager.page_path()).show_with(status, "tokens.html", context)
}

async fn tokens_revoke(manager: TokenManager, State(state): State<AppState>, caller: Caller, Id(id): Id) -> PageResult {
    manager.revoke(&state, &caller, id).await?;
    Ok(see_other(manager.page_path()))
}

/// What each audited action is called on the page.
/// One entry of the audit log as the page shows it: every word in the page's language, the facts it
/// recorded by name (the API's `/api/v1/audit` keeps the machine names).
fn audit_row(e: &finmart_store::AuditEntry, en: bool) -> Value {
    let pick = |(zh, english): acts::Words| if en { english } else { zh };
    let facts: Vec<Value> = acts::facts(&e.action, &e.detail, en)
        .into_iter()
        .map(|f| json!({"name": f.name, "value": f.value, "data": f.data}))
        .collect();
    json!({
        "id": e.id,
        "at": shanghai(e.at),
        "label": pick(acts::action(&e.action)),
        "role": e.role.as_deref().and_then(acts::role).map(pick),
        "account_id": e.account_id,
        "subject": pick(acts::subject(&e.subject_kind)),
        "subject_id": e.subject_id,
        "facts": facts,
    })
}

async fn audit_page(State(state): State<AppState>, Auth(p): Auth, page: Page) -> PageResult {
    let before = Form::of_query(page.query()).get("before").and_then(|v| v.parse::<i64>().ok());
    let entries = audit_entries(&state, &p, before, 100).await?;
    let next = entries.last().map(|e| e.id).filter(|_| entries.len() == 100);
    let en = page.en();
    let rows: Vec<Value> = entries.iter().map(|e| audit_row(e, en)).collect();
    page.show("audit.html", object(json!({"entries": rows, "next": next, "all": p.is_operator(), "page": "audit"})))
}
