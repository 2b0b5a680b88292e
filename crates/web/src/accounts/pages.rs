//! The account pages: 登录, 注册, 设置密码 (invitation), 退出, the operator's 账号管理, an institution's
//! API 令牌, and 操作日志 (audit log). Forms post back to their own path; success redirects (303), a bad
//! form is shown again with the reasons beside the fields (400).

use super::{
    NewAccountBody, audit_entries, authenticate, create_account, create_token, home_of, register_enterprise,
    revoke_token, set_disabled, use_invite,
};
use crate::auth::{self, Auth, Caller, require};
use crate::error::ApiError;
use crate::forms::{error_messages, field, field_messages, parse, see_other};
use crate::lang::{Lang, negotiate};
use crate::match_pages::options;
use crate::pages::{PageError, page_error, show};
use crate::state::{AppState, today};
use crate::views::shanghai;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use finmart_domain::{
    District, EnterpriseProfile, Fen, FieldErrors, Industry, InstitutionKind, Labelled, Role, Uscc, ValueError,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use tower_sessions::Session;

/// This module's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    crate::template!("login.html"),
    crate::template!("register.html"),
    crate::template!("invite.html"),
    crate::template!("admin_accounts.html"),
    crate::template!("tokens.html"),
    crate::template!("audit.html"),
];

/// This module's pages and form posts.
pub fn pages() -> Router<AppState> {
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
        .route("/audit", get(audit_page))
}

/// A local path to go on to after signing in (never another site).
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

async fn login_page(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    if let Some(p) = &caller.principal {
        return Ok(see_other(home_of(p.role)));
    }
    let csrf = auth::ensure_csrf(&session).await.map_err(|e| page_error(&state, lang, e))?;
    let next = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut context = Map::new();
    context.insert("csrf".into(), csrf.into());
    context.insert("next".into(), next.into());
    context.insert("page".into(), "login".into());
    show(&state, (lang, cookie), "login.html", context, "/login", raw.as_deref(), StatusCode::OK)
}

async fn login_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let form = parse(&body);
    match authenticate(&state, &caller, field(&form, "login"), field(&form, "password")).await {
        Ok(account) => {
            auth::sign_in(&session, account.id).await.map_err(|e| page_error(&state, lang, e))?;
            Ok(see_other(safe_next(field(&form, "next")).unwrap_or(home_of(account.role))))
        }
        Err(e) if e.status.is_client_error() => {
            let mut context = Map::new();
            context.insert("errors".into(), Value::Object(error_messages(&e, lang)));
            context.insert("values".into(), json!({"login": field(&form, "login")}));
            context.insert("next".into(), field(&form, "next").into());
            show(&state, (lang, None), "login.html", context, "/login", None, e.status)
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    if let Some(p) = &caller.principal {
        let event = finmart_store::AuditEvent::by(p, Some(&caller.address), "logout");
        state.store.audit(&event).await.map_err(|e| page_error(&state, lang, e.into()))?;
    }
    auth::sign_out(&session).await.map_err(|e| page_error(&state, lang, e))?;
    Ok(see_other("/"))
}

async fn me(Auth(p): Auth) -> Response {
    see_other(home_of(p.role))
}

fn register_choices() -> Value {
    json!({"districts": options::<District>(), "industries": options::<Industry>()})
}

async fn register_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let csrf = auth::ensure_csrf(&session).await.map_err(|e| page_error(&state, lang, e))?;
    let mut context = Map::new();
    context.insert("csrf".into(), csrf.into());
    context.insert("choices".into(), register_choices());
    context.insert("page".into(), "register".into());
    show(&state, (lang, cookie), "register.html", context, "/register", raw.as_deref(), StatusCode::OK)
}

/// The profile the registration form describes, or every bad field.
fn registration_profile(form: &[(String, String)]) -> Result<EnterpriseProfile, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = field(form, "name").trim();
    if name.is_empty() {
        errors.push("name", ValueError::Empty);
    }
    let uscc = errors.check("uscc", Uscc::parse(field(form, "uscc")));
    let district = errors.check("district", District::parse(field(form, "district")).map_err(ValueError::from));
    let industry = errors.check("industry", Industry::parse(field(form, "industry")).map_err(ValueError::from));
    let established = errors.check(
        "established",
        field(form, "established")
            .trim()
            .parse::<chrono::NaiveDate>()
            .map_err(|_| ValueError::Invalid("请按 2020-01-31 的格式填写日期".to_owned())),
    );
    if established.is_some_and(|d| d > today()) {
        errors.push("established", ValueError::Invalid("成立日期不能晚于今天".to_owned()));
    }
    let employees = errors.check(
        "employees",
        field(form, "employees")
            .trim()
            .parse::<u32>()
            .map_err(|_| ValueError::NotANumber(field(form, "employees").chars().take(20).collect())),
    );
    let revenue: Option<Fen> = errors.check("revenue", crate::match_pages::form::parse_wan(field(form, "revenue")));
    let (Some(uscc), Some(district), Some(industry), Some(established), Some(employees), Some(revenue), true) =
        (uscc, district, industry, established, employees, revenue, errors.is_empty())
    else {
        return Err(errors);
    };
    let profile = json!({
        "uscc": uscc, "name": name, "district": district, "industry": industry, "established": established,
        "employees": employees, "revenue": revenue,
    });
    serde_json::from_value(profile).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.push("form", ValueError::Invalid(e.to_string()));
        errors
    })
}

async fn register_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let form = parse(&body);
    let mut errors = match registration_profile(&form) {
        Ok(profile) => {
            if field(&form, "password") == field(&form, "password2") {
                match register_enterprise(
                    &state,
                    &caller,
                    &session,
                    field(&form, "login"),
                    field(&form, "password"),
                    &profile,
                )
                .await
                {
                    Ok(_) => return Ok(see_other("/sme/profile")),
                    Err(e) if e.status.is_client_error() => {
                        let mut m = error_messages(&e, lang);
                        // The API names profile fields `profile.x`; the form names them `x`.
                        m = m.into_iter().map(|(k, v)| (k.trim_start_matches("profile.").to_owned(), v)).collect();
                        m
                    }
                    Err(e) => return Err(page_error(&state, lang, e)),
                }
            } else {
                let mut m = Map::new();
                m.insert(
                    "password2".into(),
                    (if lang.is_en() { "the passwords differ" } else { "两次输入的密码不一致" }).into(),
                );
                m
            }
        }
        Err(e) => field_messages(&e, lang),
    };
    if errors.is_empty() {
        errors.insert("form".into(), "?".into());
    }
    let mut context = Map::new();
    let values: Map<String, Value> = form
        .iter()
        .filter(|(k, _)| !k.starts_with("password") && *k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    context.insert("errors".into(), Value::Object(errors));
    context.insert("values".into(), Value::Object(values));
    context.insert("choices".into(), register_choices());
    show(&state, (lang, None), "register.html", context, "/register", None, StatusCode::BAD_REQUEST)
}

async fn invite_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let account = state
        .store
        .account_for_invite(&auth::password::digest(&token))
        .await
        .map_err(|e| page_error(&state, lang, e.into()))?
        .ok_or_else(|| {
            page_error(&state, lang, ApiError::not_found("邀请链接（可能已过期）", "invitation (it may have expired)"))
        })?;
    let csrf = auth::ensure_csrf(&session).await.map_err(|e| page_error(&state, lang, e))?;
    let mut context = Map::new();
    context.insert("csrf".into(), csrf.into());
    context.insert(
        "account".into(),
        json!({"login": account.login, "display_name": account.display_name, "role": account.role.label_zh()}),
    );
    show(&state, (lang, cookie), "invite.html", context, &format!("/invite/{token}"), raw.as_deref(), StatusCode::OK)
}

async fn invite_submit(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let form = parse(&body);
    let error = if field(&form, "password") == field(&form, "password2") {
        match use_invite(&state, &caller, &token, field(&form, "password")).await {
            Ok(account) => {
                auth::sign_in(&session, account.id).await.map_err(|e| page_error(&state, lang, e))?;
                return Ok(see_other(home_of(account.role)));
            }
            Err(e) if e.status == StatusCode::BAD_REQUEST => error_messages(&e, lang),
            Err(e) => return Err(page_error(&state, lang, e)),
        }
    } else {
        let mut m = Map::new();
        m.insert(
            "password2".into(),
            (if lang.is_en() { "the passwords differ" } else { "两次输入的密码不一致" }).into(),
        );
        m
    };
    let mut context = Map::new();
    context.insert("errors".into(), Value::Object(error));
    show(&state, (lang, None), "invite.html", context, &format!("/invite/{token}"), None, StatusCode::BAD_REQUEST)
}

async fn accounts_context(state: &AppState, lang: Lang) -> Result<Map<String, Value>, PageError> {
    let accounts = state.store.accounts(None).await.map_err(|e| page_error(state, lang, e.into()))?;
    let institutions = state.store.institutions().await.map_err(|e| page_error(state, lang, e.into()))?;
    let names: HashMap<i64, &str> = institutions.iter().map(|i| (i.id, i.name.as_str())).collect();
    let rows: Vec<Value> = accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "login": a.login, "display_name": a.display_name, "role": a.role.label_zh(),
                "role_en": a.role.label_en(), "party": a.institution_id.and_then(|i| names.get(&i).copied()),
                "enterprise_id": a.enterprise_id, "disabled": a.disabled, "invited": a.invited,
                "last_login": a.last_login_at.map(shanghai),
            })
        })
        .collect();
    let lenders: Vec<Value> = institutions
        .iter()
        .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
        .map(|i| json!({"id": i.id, "name": i.name}))
        .collect();
    let agencies: Vec<Value> = institutions
        .iter()
        .filter(|i| i.kind == InstitutionKind::GuaranteeAgency)
        .map(|i| json!({"id": i.id, "name": i.name}))
        .collect();
    let mut context = Map::new();
    context.insert("accounts".into(), rows.into());
    context.insert("lenders".into(), lenders.into());
    context.insert("agencies".into(), agencies.into());
    context.insert("page".into(), "admin".into());
    Ok(context)
}

async fn accounts_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    require(&p, &[Role::Operator]).map_err(|e| page_error(&state, lang, e))?;
    let context = accounts_context(&state, lang).await?;
    show(&state, (lang, None), "admin_accounts.html", context, "/admin/accounts", raw.as_deref(), StatusCode::OK)
}

async fn accounts_create(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    require(&p, &[Role::Operator]).map_err(|e| page_error(&state, lang, e))?;
    let form = parse(&body);
    let role = field(&form, "role");
    let institution_id = match role {
        "institution" => field(&form, "lender_id").parse().ok(),
        "agency" => field(&form, "agency_id").parse().ok(),
        _ => None,
    };
    let password = Some(field(&form, "password").to_owned()).filter(|p| !p.is_empty());
    let body = NewAccountBody {
        login: field(&form, "login").to_owned(),
        display_name: field(&form, "display_name").to_owned(),
        role: role.to_owned(),
        institution_id,
        password,
    };
    let mut context = accounts_context(&state, lang).await?;
    let status = match create_account(&state, &caller, &p, &body).await {
        Ok(created) => {
            context = accounts_context(&state, lang).await?;
            context
                .insert("created".into(), json!({"login": created.account.login, "invite_path": created.invite_path}));
            StatusCode::OK
        }
        Err(e) if e.status.is_client_error() => {
            context.insert("errors".into(), Value::Object(error_messages(&e, lang)));
            let values: Map<String, Value> = form
                .iter()
                .filter(|(k, _)| *k != "password" && *k != "csrf")
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            context.insert("values".into(), Value::Object(values));
            e.status
        }
        Err(e) => return Err(page_error(&state, lang, e)),
    };
    show(&state, (lang, None), "admin_accounts.html", context, "/admin/accounts", None, status)
}

async fn accounts_toggle(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(page_error(&state, lang, ApiError::not_found("页面", "page"))),
    };
    let id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    set_disabled(&state, &caller, &p, id, disabled).await.map_err(|e| page_error(&state, lang, e))?;
    Ok(see_other("/admin/accounts"))
}

async fn tokens_context(
    state: &AppState,
    caller: &Caller,
    p: &finmart_domain::Principal,
    lang: Lang,
) -> Result<Map<String, Value>, PageError> {
    let institution = super::token_manager(p, caller).map_err(|e| page_error(state, lang, e))?;
    let tokens = state.store.api_tokens(institution).await.map_err(|e| page_error(state, lang, e.into()))?;
    let rows: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({"id": t.id, "name": t.name, "prefix": t.prefix, "created": shanghai(t.created_at),
                "last_used": t.last_used_at.map(shanghai), "revoked": t.revoked_at.map(shanghai)})
        })
        .collect();
    let mut context = Map::new();
    context.insert("tokens".into(), rows.into());
    context.insert("page".into(), "tokens".into());
    Ok(context)
}

async fn tokens_page(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    let context = tokens_context(&state, &caller, &p, lang).await?;
    show(&state, (lang, None), "tokens.html", context, "/bank/tokens", raw.as_deref(), StatusCode::OK)
}

async fn tokens_create(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let form = parse(&body);
    let result = create_token(&state, &caller, &p, field(&form, "name")).await;
    let mut context = tokens_context(&state, &caller, &p, lang).await?;
    let status = match result {
        Ok(created) => {
            context.insert("secret".into(), created.secret.into());
            StatusCode::OK
        }
        Err(e) if e.status.is_client_error() => {
            context.insert("errors".into(), Value::Object(error_messages(&e, lang)));
            e.status
        }
        Err(e) => return Err(page_error(&state, lang, e)),
    };
    show(&state, (lang, None), "tokens.html", context, "/bank/tokens", None, status)
}

async fn tokens_revoke(
    State(state): State<AppState>,
    caller: Caller,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    revoke_token(&state, &caller, &p, id).await.map_err(|e| page_error(&state, lang, e))?;
    Ok(see_other("/bank/tokens"))
}

/// What each audited action is called on the page.
fn action_label(action: &str) -> &str {
    match action {
        "login" => "登录",
        "login.failed" => "登录失败",
        "logout" => "退出",
        "account.register" => "注册",
        "account.create" => "创建账号",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.password_set" => "设置密码",
        "api_token.create" => "创建 API 令牌",
        "api_token.revoke" => "吊销 API 令牌",
        "profile.view" => "查看企业画像",
        "consent.grant" => "授权查看",
        "consent.revoke" => "撤回授权",
        a if a.starts_with("product.") => "产品变更",
        a if a.starts_with("application.") => "申请状态变更",
        a if a.starts_with("need.") || a.starts_with("offer.") => "融资需求",
        other => other,
    }
}

async fn audit_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(raw.as_deref(), &headers);
    let before = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "before")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let entries = audit_entries(&state, &p, before, 100).await.map_err(|e| page_error(&state, lang, e))?;
    let next = entries.last().map(|e| e.id).filter(|_| entries.len() == 100);
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({"id": e.id, "at": shanghai(e.at), "action": e.action, "label": action_label(&e.action),
                "role": e.role.as_deref().and_then(|r| Role::parse(r).ok()).map(|r| r.label_zh()),
                "account_id": e.account_id, "subject": format!("{} {}", e.subject_kind, e.subject_id.map(|i| i.to_string()).unwrap_or_default()),
                "detail": if e.detail.as_object().is_some_and(|m| !m.is_empty()) { e.detail.to_string() } else { String::new() }})
        })
        .collect();
    let mut context = Map::new();
    context.insert("entries".into(), rows.into());
    context.insert("next".into(), next.into());
    context.insert("all".into(), p.is_operator().into());
    context.insert("page".into(), "audit".into());
    show(&state, (lang, None), "audit.html", context, "/audit", raw.as_deref(), StatusCode::OK)
}
