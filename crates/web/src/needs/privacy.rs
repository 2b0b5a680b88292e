//! The SME's own profile, its consents and the log of who viewed it; an institution reading a profile.
//!
//! - `GET/PUT /api/v1/me/profile`, page `/sme/profile` (SME users): the profile the marketplace shows and
//!   matches with. The form is the profile part of the matching form, parsed by
//!   [`crate::match_pages::form::parse_match_form`]; the credit code cannot change.
//! - `GET/POST /api/v1/me/consents`, `DELETE /api/v1/me/consents/{institution_id|all}`,
//!   `GET /api/v1/me/profile-views`, page `/sme/consent` (SME users).
//! - `GET /api/v1/enterprises/{id}/profile` (institution users): 404 unless the firm consented to the
//!   institution (or to all) or applied to it; every read is recorded in the firm's view log.

use super::{event, query_map};
use crate::auth::{Auth, Caller, enterprise_of, lender_of};
use crate::error::{ApiError, ErrorBody};
use crate::forms::{error_messages, field, field_messages as messages, parse as form_pairs, see_other};
use crate::lang::{Lang, negotiate};
use crate::match_pages::calc::wan_text;
use crate::match_pages::form::{self, parse_match_form};
use crate::pages::{PageError, page_error, show};
use crate::params::json_body;
use crate::state::{AppState, today};
use crate::views::{Label, shanghai};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use finmart_domain::{EnterpriseProfile, FieldErrors, InstitutionKind, Labelled, OverdueHistory, ValueError};
use finmart_store::{ConsentEntry, Consents, ProfileViewEntry, StoreError, StoredEnterprise, VIEW_CONTEXTS};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How many profile views the log shows by default, and at most.
const VIEWS_DEFAULT: u64 = 100;
const VIEWS_MAX: u64 = 1_000;

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/sme/profile", get(profile_page).post(profile_submit))
        .route("/sme/consent", get(consent_page).post(consent_submit))
}

pub(super) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_profile, update_my_profile))
        .routes(routes!(my_consents, grant))
        .routes(routes!(revoke))
        .routes(routes!(my_profile_views))
        .routes(routes!(enterprise_profile))
}

// ---------------------------------------------------------------------------------------------------------
// Views

/// The SME's own profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyProfile {
    pub enterprise_id: i64,
    /// The whole profile (amounts in fen), as `PUT` takes it.
    #[schema(value_type = Object)]
    pub profile: EnterpriseProfile,
    /// The scale derived from the profile (absent when total assets are needed and missing).
    pub scale: Option<Label>,
    /// Every institution may see the profile (consent for all).
    pub discoverable: bool,
    /// Last change, RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub updated_at: String,
    pub updated_at_text: String,
}

impl From<&StoredEnterprise> for MyProfile {
    fn from(e: &StoredEnterprise) -> Self {
        Self {
            enterprise_id: e.id,
            profile: e.profile.clone(),
            scale: e.profile.scale().map(Label::of),
            discoverable: e.discoverable,
            updated_at: e.updated_at.to_rfc3339(),
            updated_at_text: shanghai(e.updated_at),
        }
    }
}

/// One consent, active or revoked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: i64,
    /// `true`: every institution; else `institution_id` names it.
    pub all: bool,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub active: bool,
    pub granted_at: String,
    pub granted_at_text: String,
    pub revoked_at: Option<String>,
    pub revoked_at_text: Option<String>,
}

impl From<&ConsentEntry> for ConsentView {
    fn from(c: &ConsentEntry) -> Self {
        Self {
            id: c.id,
            all: c.institution_id.is_none(),
            institution_id: c.institution_id,
            institution_name: c.institution_name.clone(),
            active: c.is_active(),
            granted_at: c.granted_at.to_rfc3339(),
            granted_at_text: shanghai(c.granted_at),
            revoked_at: c.revoked_at.map(|t| t.to_rfc3339()),
            revoked_at_text: c.revoked_at.map(shanghai),
        }
    }
}

/// The SME's consents: to every institution, to named ones, and the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentsView {
    /// Every institution may see the profile (for reverse matching and posted needs).
    pub all: bool,
    /// Institutions named in an active consent.
    pub institutions: Vec<ConsentView>,
    /// Every consent ever given, newest first.
    pub history: Vec<ConsentView>,
}

impl From<&Consents> for ConsentsView {
    fn from(c: &Consents) -> Self {
        Self {
            all: c.all,
            institutions: c.institutions.iter().map(ConsentView::from).collect(),
            history: c.history.iter().map(ConsentView::from).collect(),
        }
    }
}

/// `POST /api/v1/me/consents`: `{"institution_id": 12}` or `{"all": true}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    pub institution_id: Option<i64>,
    pub all: Option<bool>,
}

/// Why an institution looked at a profile, in both languages.
fn context_label(context: &str) -> (&'static str, &'static str) {
    match context {
        "candidates" => ("客户发现（反向匹配）", "Prospect list (reverse matching)"),
        "application" => ("查看融资申请", "Reviewing an application"),
        "need" => ("融资需求", "A posted need"),
        _ => ("查看企业画像", "Opened the profile"),
    }
}

/// One recorded view of the profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileViewItem {
    pub id: i64,
    /// RFC 3339 (UTC), and as shown (Asia/Shanghai).
    pub at: String,
    pub at_text: String,
    pub institution_id: i64,
    pub institution_name: String,
    /// `candidates`, `application`, `need` or `profile`.
    pub context: String,
    pub context_label: &'static str,
    pub context_label_en: &'static str,
    pub application_id: Option<i64>,
}

impl From<&ProfileViewEntry> for ProfileViewItem {
    fn from(v: &ProfileViewEntry) -> Self {
        let (zh, en) = context_label(&v.context);
        Self {
            id: v.id,
            at: v.at.to_rfc3339(),
            at_text: shanghai(v.at),
            institution_id: v.institution_id,
            institution_name: v.institution_name.clone(),
            context: v.context.clone(),
            context_label: zh,
            context_label_en: en,
            application_id: v.application_id,
        }
    }
}

/// An enterprise's profile as an institution sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseProfileView {
    pub id: i64,
    pub name: String,
    #[schema(value_type = Object)]
    pub profile: EnterpriseProfile,
    pub scale: Option<Label>,
    pub district: Label,
    pub industry: Label,
    pub years_in_operation: u16,
}

impl From<&StoredEnterprise> for EnterpriseProfileView {
    fn from(e: &StoredEnterprise) -> Self {
        let p = &e.profile;
        Self {
            id: e.id,
            name: p.name.clone(),
            profile: p.clone(),
            scale: p.scale().map(Label::of),
            district: Label::of(p.district),
            industry: Label::of(p.industry),
            years_in_operation: p.years_in_operation(today()),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shared work of the API and the pages

async fn stored(state: &AppState, enterprise_id: i64) -> Result<StoredEnterprise, ApiError> {
    state.store.enterprise(enterprise_id).await?.ok_or_else(|| ApiError::not_found("企业", "enterprise"))
}

/// Stores `profile` for the SME, keeping the credit code (filled in when absent).
async fn save_profile(
    state: &AppState,
    enterprise_id: i64,
    mut profile: EnterpriseProfile,
) -> Result<StoredEnterprise, ApiError> {
    let current = stored(state, enterprise_id).await?;
    if profile.uscc.is_none() {
        profile.uscc.clone_from(&current.profile.uscc);
    }
    Ok(state.store.update_enterprise(enterprise_id, &profile).await?)
}

/// `target` of a consent: `all`, or an institution id.
fn consent_target(text: &str) -> Result<Option<i64>, ApiError> {
    if text == "all" { Ok(None) } else { crate::api::parse_id(text).map(Some) }
}

fn unknown_institution(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { what: "institution", .. } => ApiError::not_found("机构", "institution"),
        other => other.into(),
    }
}

async fn grant_for(
    state: &AppState,
    p: &finmart_domain::Principal,
    caller: &Caller,
    target: Option<i64>,
) -> Result<(), ApiError> {
    let eid = enterprise_of(p)?;
    state.store.grant_consent(eid, target, &event(p, caller, "consent.grant")).await.map_err(unknown_institution)?;
    Ok(())
}

async fn revoke_for(
    state: &AppState,
    p: &finmart_domain::Principal,
    caller: &Caller,
    target: Option<i64>,
) -> Result<(), ApiError> {
    let eid = enterprise_of(p)?;
    state.store.revoke_consent(eid, target, &event(p, caller, "consent.revoke")).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// API

/// The signed-in SME's profile.
#[utoipa::path(
    get,
    path = "/api/v1/me/profile",
    responses(
        (status = 200, body = MyProfile),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn my_profile(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<MyProfile>, ApiError> {
    let eid = enterprise_of(&p)?;
    Ok(Json(MyProfile::from(&stored(&state, eid).await?)))
}

/// Replaces the signed-in SME's profile (the whole `EnterpriseProfile`, amounts in fen). The credit code
/// cannot change: leave `uscc` out or send the stored one.
#[utoipa::path(
    put,
    path = "/api/v1/me/profile",
    request_body(content = Object, description = "The whole profile, as `GET` returns it under `profile`"),
    responses(
        (status = 200, body = MyProfile),
        (status = 400, description = "A bad field, named in `field` (every one in `errors`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn update_my_profile(
    State(state): State<AppState>,
    Auth(p): Auth,
    body: Bytes,
) -> Result<Json<MyProfile>, ApiError> {
    let eid = enterprise_of(&p)?;
    let profile: EnterpriseProfile = json_body(&body)?;
    if let Err(errors) = profile.validate(today()) {
        return Err(errors.into());
    }
    Ok(Json(MyProfile::from(&save_profile(&state, eid, profile).await?)))
}

/// The signed-in SME's consents: to every institution, to named ones, and the history.
#[utoipa::path(
    get,
    path = "/api/v1/me/consents",
    responses(
        (status = 200, body = ConsentsView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn my_consents(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<ConsentsView>, ApiError> {
    let eid = enterprise_of(&p)?;
    Ok(Json(ConsentsView::from(&state.store.consents(eid).await?)))
}

/// Lets one institution (`{"institution_id": 12}`) or every institution (`{"all": true}`) see the profile
/// for reverse matching and posted needs. Granting what is already granted changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/me/consents",
    request_body = GrantBody,
    responses(
        (status = 200, description = "The consents after the change", body = ConsentsView),
        (status = 400, description = "Neither or both of `institution_id` and `all`, or a guarantee agency", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such institution", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn grant(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    body: Bytes,
) -> Result<Json<ConsentsView>, ApiError> {
    let eid = enterprise_of(&p)?;
    let body: GrantBody = json_body(&body)?;
    let target = match (body.institution_id, body.all) {
        (Some(id), None | Some(false)) => Some(id),
        (None, Some(true)) => None,
        _ => {
            return Err(ApiError::invalid(
                "institution_id",
                &ValueError::Invalid("请给出 institution_id，或 \"all\": true（二者选一）".to_owned()),
            ));
        }
    };
    grant_for(&state, &p, &caller, target).await?;
    Ok(Json(ConsentsView::from(&state.store.consents(eid).await?)))
}

/// Withdraws the consent given to one institution (`/me/consents/12`) or to every institution
/// (`/me/consents/all`), with immediate effect. Withdrawing what is not granted changes nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/me/consents/{target}",
    params(("target" = String, Path, description = "An institution id, or `all`")),
    responses(
        (status = 200, description = "The consents after the change", body = ConsentsView),
        (status = 400, description = "Neither a number nor `all`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn revoke(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(target): Path<String>,
) -> Result<Json<ConsentsView>, ApiError> {
    let eid = enterprise_of(&p)?;
    revoke_for(&state, &p, &caller, consent_target(&target)?).await?;
    Ok(Json(ConsentsView::from(&state.store.consents(eid).await?)))
}

/// Who viewed the signed-in SME's profile, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/profile-views",
    params(("limit" = Option<u64>, Query, description = "How many, 1–1000 (default 100)")),
    responses(
        (status = 200, body = Vec<ProfileViewItem>),
        (status = 400, description = "A bad limit", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn my_profile_views(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<ProfileViewItem>>, ApiError> {
    let eid = enterprise_of(&p)?;
    let limit =
        match query_map(raw.as_deref()).get("limit") {
            None => VIEWS_DEFAULT,
            Some(v) => v.parse::<u64>().ok().filter(|n| (1..=VIEWS_MAX).contains(n)).ok_or_else(|| {
                ApiError::invalid("limit", &ValueError::Invalid(format!("应为 1 至 {VIEWS_MAX} 的整数")))
            })?,
        };
    let views = state.store.profile_views(eid, limit).await?;
    Ok(Json(views.iter().map(ProfileViewItem::from).collect()))
}

/// An SME's profile, for an institution it consented to (or applied to). Every read is recorded in the
/// firm's view log with `context`.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{id}/profile",
    params(
        ("id" = i64, Path, description = "Enterprise id"),
        ("context" = Option<String>, Query, description = "Why: `profile` (default), `candidates`, `need` or `application`"),
    ),
    responses(
        (status = 200, body = EnterpriseProfileView),
        (status = 400, description = "A bad id or context", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such enterprise, or it has not allowed this institution", body = ErrorBody),
    ),
    tag = "privacy"
)]
async fn enterprise_profile(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<EnterpriseProfileView>, ApiError> {
    let context = query_map(raw.as_deref()).get("context").cloned().unwrap_or_else(|| "profile".to_owned());
    Ok(Json(read_profile(&state, &p, &caller, &id, &context).await?))
}

/// An institution reads an SME's profile: 403 for other roles, 404 without consent or application; the
/// view is recorded.
pub(super) async fn read_profile(
    state: &AppState,
    p: &finmart_domain::Principal,
    caller: &Caller,
    id: &str,
    context: &str,
) -> Result<EnterpriseProfileView, ApiError> {
    let institution = lender_of(p)?;
    let id = crate::api::parse_id(id)?;
    if !VIEW_CONTEXTS.contains(&context) {
        return Err(ApiError::invalid(
            "context",
            &ValueError::Invalid(format!("应为 {} 之一", VIEW_CONTEXTS.join("、"))),
        ));
    }
    if !state.store.may_view_profile(id, institution).await? {
        return Err(ApiError::not_found("企业", "enterprise"));
    }
    let firm = stored(state, id).await?;
    let ev = event(p, caller, "profile.view");
    state.store.record_profile_view(id, institution, Some(p.account_id), context, None, &ev).await?;
    Ok(EnterpriseProfileView::from(&firm))
}

// ---------------------------------------------------------------------------------------------------------
// Pages

fn tri(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn codes<T: Labelled>(values: &[T]) -> Value {
    Value::Array(values.iter().map(|v| Value::from(v.as_str())).collect())
}

/// The profile form's values for a stored profile (the inverse of the form's parsing).
fn profile_values(p: &EnterpriseProfile) -> Map<String, Value> {
    let opt_wan = |v: Option<finmart_domain::Fen>| v.map(wan_text).unwrap_or_default();
    let opt_count = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    let (overdue, months) = match p.overdue {
        None => ("unknown", String::new()),
        Some(OverdueHistory::Never) => ("never", String::new()),
        Some(OverdueHistory::MonthsAgo { months }) => ("months", months.to_string()),
    };
    let mut values = Map::new();
    values.insert("name".into(), p.name.clone().into());
    values.insert("district".into(), p.district.as_str().into());
    values.insert("industry".into(), p.industry.as_str().into());
    values.insert("established".into(), p.established.to_string().into());
    values.insert("employees".into(), p.employees.to_string().into());
    values.insert("revenue".into(), wan_text(p.revenue).into());
    values.insert("tax_grade".into(), p.tax_credit_grade.map_or("unknown", |g| g.as_str()).into());
    values.insert("borrowed".into(), tri(p.ever_borrowed).into());
    values.insert("overdue".into(), overdue.into());
    values.insert("overdue_months".into(), months.into());
    values.insert("assets".into(), opt_wan(p.total_assets).into());
    values.insert("liabilities".into(), opt_wan(p.total_liabilities).into());
    values.insert("tax_paid".into(), opt_wan(p.tax_paid).into());
    values.insert("patents".into(), opt_count(p.invention_patents).into());
    values.insert("trademarks".into(), opt_count(p.trademarks).into());
    values.insert("qual".into(), codes(&p.qualifications));
    values.insert("sector".into(), codes(&p.sectors));
    values.insert("receivables".into(), tri(p.has_core_receivables()).into());
    values.insert("procurement".into(), tri(p.has_procurement_contract()).into());
    values.insert("owned".into(), codes(&p.collateral));
    values
}

/// The profile fields of the matching form (its need part is not on this page).
const PROFILE_FIELDS: &[&str] = &[
    "district",
    "industry",
    "established",
    "employees",
    "revenue",
    "tax_grade",
    "borrowed",
    "overdue",
    "overdue_months",
    "assets",
    "liabilities",
    "tax_paid",
    "patents",
    "trademarks",
    "qual",
    "sector",
    "receivables",
    "procurement",
    "owned",
];

/// The profile a posted form describes, on top of the stored one (what the form does not ask is kept), or
/// every bad field.
fn profile_from_form(
    pairs: &[(String, String)],
    current: &EnterpriseProfile,
) -> Result<EnterpriseProfile, FieldErrors> {
    // Only the profile part of the matching form is read: its need part takes its defaults.
    let only_profile: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(k, _)| PROFILE_FIELDS.contains(&k.as_str())))
        .finish();
    let parsed = parse_match_form(Some(&only_profile), today());
    let mut errors = FieldErrors::default();
    let name = field(pairs, "name").trim().to_owned();
    if name.is_empty() {
        errors.push("name", ValueError::Empty);
    } else if name.chars().count() > finmart_domain::MAX_TEXT_CHARS {
        errors.push("name", ValueError::TooLarge { max: format!("{} 个字", finmart_domain::MAX_TEXT_CHARS) });
    }
    errors.0.extend(
        parsed.errors.0.into_iter().filter(|e| e.field == "form" || PROFILE_FIELDS.contains(&e.field.as_str())),
    );
    let Some((mut profile, _)) = parsed.input.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push("form", ValueError::Invalid("表单内容无效，请检查后重试".to_owned()));
        }
        return Err(errors);
    };
    profile.uscc.clone_from(&current.uscc);
    profile.name = name;
    profile.registered_capital = current.registered_capital;
    profile.copyrights = current.copyrights;
    profile.outstanding_loans = current.outstanding_loans;
    // The form asks whether, not how much: an unchanged answer keeps the stored details.
    if profile.has_core_receivables() == current.has_core_receivables() {
        profile.receivables.clone_from(&current.receivables);
    }
    if profile.has_procurement_contract() == current.has_procurement_contract() {
        profile.procurement_contracts.clone_from(&current.procurement_contracts);
    }
    Ok(profile)
}

fn error_list(errors: &FieldErrors, lang: Lang) -> Vec<Value> {
    errors
        .0
        .iter()
        .map(|e| {
            let (zh, en) = if e.field == "name" { ("企业名称", "Name") } else { form::label_of(&e.field) };
            let message = if lang.is_en() { e.error.to_string() } else { e.error.message_zh() };
            json!({"field": e.field, "label": if lang.is_en() { en } else { zh }, "message": message})
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn profile_form(
    state: &AppState,
    lang: Lang,
    firm: &StoredEnterprise,
    values: Map<String, Value>,
    errors: &FieldErrors,
    saved: bool,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let mut context = Map::new();
    context.insert("page".into(), "sme_profile".into());
    context.insert("form".into(), Value::Object(values));
    context.insert("errors".into(), Value::Object(messages(errors, lang)));
    context.insert("error_list".into(), Value::Array(error_list(errors, lang)));
    context.insert("choices".into(), crate::match_pages::choices());
    context.insert("uscc".into(), firm.profile.uscc.as_ref().map(|u| u.as_str().to_owned()).into());
    context.insert("scale".into(), json!(firm.profile.scale().map(Label::of)));
    context.insert("updated_at".into(), shanghai(firm.updated_at).into());
    context.insert("saved".into(), saved.into());
    show(state, (lang, cookie), "sme_profile.html", context, "/sme/profile", raw, status)
}

async fn profile_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e: ApiError| page_error(&state, lang, e);
    let eid = enterprise_of(&p).map_err(fail)?;
    let firm = stored(&state, eid).await.map_err(fail)?;
    let saved = query_map(raw.as_deref()).contains_key("saved");
    let values = profile_values(&firm.profile);
    profile_form(&state, lang, &firm, values, &FieldErrors::default(), saved, raw.as_deref(), StatusCode::OK, cookie)
}

async fn profile_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let fail = |e: ApiError| page_error(&state, lang, e);
    let eid = enterprise_of(&p).map_err(fail)?;
    let firm = stored(&state, eid).await.map_err(fail)?;
    let pairs = form_pairs(&body);
    let errors = match profile_from_form(&pairs, &firm.profile) {
        Ok(profile) => match save_profile(&state, eid, profile).await {
            Ok(_) => return Ok(see_other("/sme/profile?saved=1")),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                let mut errors = FieldErrors::default();
                for f in e.body.errors {
                    let known = f.field == "name" || PROFILE_FIELDS.contains(&f.field.as_str());
                    errors.push(if known { f.field } else { "form".to_owned() }, ValueError::Invalid(f.message));
                }
                if errors.is_empty() {
                    errors.push("form", ValueError::Invalid(e.body.message));
                }
                errors
            }
            Err(e) => return Err(fail(e)),
        },
        Err(errors) => errors,
    };
    // Show what was typed again, beside the reasons.
    let mut values = profile_values(&firm.profile);
    for key in PROFILE_FIELDS.iter().chain(&["name"]) {
        if ["qual", "sector", "owned"].contains(key) {
            let list: Vec<Value> =
                pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| Value::String(v.clone())).collect();
            values.insert((*key).to_owned(), Value::Array(list));
        } else if let Some((_, v)) = pairs.iter().find(|(k, _)| k == key) {
            values.insert((*key).to_owned(), Value::String(v.clone()));
        }
    }
    profile_form(&state, lang, &firm, values, &errors, false, None, StatusCode::BAD_REQUEST, None)
}

async fn consent_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    consent_view(&state, &p, lang, Map::new(), raw.as_deref(), StatusCode::OK, cookie).await
}

async fn consent_view(
    state: &AppState,
    p: &finmart_domain::Principal,
    lang: Lang,
    errors: Map<String, Value>,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| page_error(state, lang, e);
    let eid = enterprise_of(p).map_err(fail)?;
    let consents = state.store.consents(eid).await.map_err(|e| fail(e.into()))?;
    let views = state.store.profile_views(eid, VIEWS_DEFAULT).await.map_err(|e| fail(e.into()))?;
    let institutions: Vec<Value> = state
        .store
        .institutions()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
        .map(|i| {
            let granted = consents.institutions.iter().any(|c| c.institution_id == Some(i.id));
            json!({"id": i.id, "name": i.name, "kind": Label::of(i.kind), "granted": granted})
        })
        .collect();
    let mut context = Map::new();
    context.insert("page".into(), "sme_consent".into());
    context.insert("consents".into(), json!(ConsentsView::from(&consents)));
    context.insert("institutions".into(), Value::Array(institutions));
    context.insert("views".into(), json!(views.iter().map(ProfileViewItem::from).collect::<Vec<_>>()));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("done".into(), query_map(raw).get("done").cloned().into());
    show(state, (lang, cookie), "sme_consent.html", context, "/sme/consent", raw, status)
}

/// `POST /sme/consent`: `action` = `grant` | `revoke`, `target` = `all` | an institution id.
async fn consent_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let pairs = form_pairs(&body);
    let result = async {
        let target = consent_target(field(&pairs, "target")).map_err(|e| e.on_field("target"))?;
        match field(&pairs, "action") {
            "grant" => grant_for(&state, &p, &caller, target).await.map(|()| "granted"),
            "revoke" => revoke_for(&state, &p, &caller, target).await.map(|()| "revoked"),
            other => Err(ApiError::invalid("action", &ValueError::Invalid(format!("未知操作“{other}”")))),
        }
    }
    .await;
    match result {
        Ok(done) => Ok(see_other(&format!("/sme/consent?done={done}"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            consent_view(&state, &p, lang, error_messages(&e, lang), None, e.status, None).await
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn stored() -> EnterpriseProfile {
        serde_json::from_value(json!({
            "name": "天津测试科技有限公司",
            "district": "heping",
            "industry": "software",
            "sectors": ["new_materials"],
            "established": "2019-05-20",
            "registered_capital": 100_000_000,
            "employees": 45,
            "revenue": 1_234_500_000,
            "total_assets": 3_000_000_000i64,
            "total_liabilities": 1_500_000_000,
            "tax_credit_grade": "A",
            "tax_paid": 35_500_000,
            "qualifications": ["high_tech", "specialised"],
            "invention_patents": 3,
            "copyrights": 7,
            "collateral": ["real_estate"],
            "receivables": [{"debtor": "核心企业甲", "amount": 80_000_000, "core_enterprise": true}],
            "ever_borrowed": false,
            "overdue": {"kind": "months_ago", "months": 30},
        }))
        .unwrap()
    }

    fn pairs_of(values: &Map<String, Value>) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in values {
            match v {
                Value::Array(list) => {
                    pairs.extend(list.iter().filter_map(Value::as_str).map(|s| (k.clone(), s.to_owned())));
                }
                Value::String(s) => pairs.push((k.clone(), s.clone())),
                _ => {}
            }
        }
        pairs
    }

    #[test]
    fn a_stored_profile_fills_the_form_and_reads_back_the_same() {
        let profile = stored();
        let back = profile_from_form(&pairs_of(&profile_values(&profile)), &profile).unwrap();
        assert_eq!(back, profile);
        // Changing an answer replaces what the form cannot show.
        let mut pairs = pairs_of(&profile_values(&profile));
        for (k, v) in &mut pairs {
            if k == "receivables" {
                *v = "no".to_owned();
            }
            if k == "employees" {
                *v = "60人".to_owned();
            }
        }
        let changed = profile_from_form(&pairs, &profile).unwrap();
        assert_eq!(changed.receivables, Some(Vec::new()));
        assert_eq!(changed.employees, 60);
        assert_eq!(changed.copyrights, Some(7));
    }

    #[test]
    fn a_bad_form_names_its_fields() {
        let pairs = vec![
            ("name".to_owned(), String::new()),
            ("employees".to_owned(), "abc".to_owned()),
            ("revenue".to_owned(), "-1".to_owned()),
        ];
        let Err(errors) = profile_from_form(&pairs, &stored()) else { panic!("refused") };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "employees", "revenue"]);
        assert!(errors.0.iter().all(|e| e.error.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }
}
