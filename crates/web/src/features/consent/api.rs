//! The SME's profile, consents and profile-view log: `/api/v1/me/profile`, `/api/v1/me/consents…`,
//! `/api/v1/me/profile-views`.

use super::{
    ConsentTarget, ConsentsView, FactsConsentsView, FactsGrantBody, GrantBody, MyFacts, MyProfile, ProfileViewItem,
    VIEWS_DEFAULT, VIEWS_MAX, consents_of, facts_consents_of, facts_end, grant_facts, revoke_facts, set_consent,
    stored,
};
use crate::http::auth::{Caller, SmeUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Query, Segment};
use crate::http::params::field_error;
use crate::http::state::{AppState, today};
use axum::extract::State;
use finmart_domain::{EnterpriseProfile, ValueError};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_profile, update_my_profile))
        .routes(routes!(my_consents, grant))
        .routes(routes!(revoke))
        .routes(routes!(my_profile_views))
        .routes(routes!(my_facts))
        .routes(routes!(my_fact_authorisations, grant_fact_authorisation))
        .routes(routes!(revoke_fact_authorisation))
}

/// The signed-in SME's profile.
#[utoipa::path(
    get,
    path = "/api/v1/me/profile",
    responses(
        (status = 200, body = MyProfile),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_profile(sme: SmeUser, State(state): State<AppState>) -> Result<axum::Json<MyProfile>, ApiError> {
    Ok(axum::Json(MyProfile::of(&stored(&state, sme.1).await?, &state.config.home_area)))
}

/// Replaces the signed-in SME's profile (the whole `EnterpriseProfile`, amounts in fen). The credit code
/// cannot change: leave `uscc` out or send the stored one.
#[utoipa::path(
    put,
    path = "/api/v1/me/profile",
    request_body(content = crate::http::profile_schema::ProfileSchema, description = "The whole profile, as `GET` returns it under `profile`"),
    responses(
        (status = 200, body = MyProfile),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn update_my_profile(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(profile): Json<EnterpriseProfile>,
) -> Result<axum::Json<MyProfile>, ApiError> {
    profile.validate(today())?;
    let saved =
        state.save_profile(eid, profile, &caller.audit(&p, "profile.update").detail(json!({"via": "api"}))).await?;
    Ok(axum::Json(MyProfile::of(&saved, &state.config.home_area)))
}

/// The signed-in SME's consents: to every institution, to named ones, and the history.
#[utoipa::path(
    get,
    path = "/api/v1/me/consents",
    responses(
        (status = 200, body = ConsentsView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_consents(sme: SmeUser, State(state): State<AppState>) -> Result<axum::Json<ConsentsView>, ApiError> {
    Ok(axum::Json(consents_of(&state, sme.1).await?))
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
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such institution", body = ErrorBody),
    )
)]
async fn grant(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<GrantBody>,
) -> Result<axum::Json<ConsentsView>, ApiError> {
    let target = match (body.institution_id, body.all) {
        (Some(id), None | Some(false)) => Some(id),
        (None, Some(true)) => None,
        _ => {
            let either = "请给出 institution_id，或 \"all\": true（二者选一）";
            return Err(field_error("institution_id", ValueError::Invalid(either.to_owned())));
        }
    };
    set_consent(&state, &sme, &caller, target, true).await?;
    Ok(axum::Json(consents_of(&state, sme.1).await?))
}

/// Withdraws the consent given to one institution (`/me/consents/12`) or to every institution
/// (`/me/consents/all`), with immediate effect. Withdrawing what is not granted changes nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/me/consents/{target}",
    params(("target" = String, Path, description = "An institution id, or `all`", pattern = "^([1-9][0-9]{0,17}|all)$")),
    responses(
        (status = 200, description = "The consents after the change", body = ConsentsView),
        (status = 400, description = "Neither a number nor `all`", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn revoke(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Segment(ConsentTarget(target)): Segment<ConsentTarget>,
) -> Result<axum::Json<ConsentsView>, ApiError> {
    set_consent(&state, &sme, &caller, target, false).await?;
    Ok(axum::Json(consents_of(&state, sme.1).await?))
}

/// The profile-view log's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ViewsParams {
    /// How many, 1–1000 (default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

impl ViewsParams {
    fn limit(&self) -> Result<u64, ApiError> {
        let Some(v) = self.limit.as_deref() else { return Ok(VIEWS_DEFAULT) };
        v.parse::<u64>()
            .ok()
            .filter(|n| (1..=VIEWS_MAX).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", &ValueError::Invalid(format!("应为 1 至 {VIEWS_MAX} 的整数"))))
    }
}

/// Who viewed the signed-in SME's profile, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/profile-views",
    params(ViewsParams),
    responses(
        (status = 200, body = Vec<ProfileViewItem>),
        (status = 400, description = "A bad limit", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_profile_views(
    sme: SmeUser,
    State(state): State<AppState>,
    Query(params): Query<ViewsParams>,
) -> Result<axum::Json<Vec<ProfileViewItem>>, ApiError> {
    let views = state.store.profile_views(sme.1, params.limit()?).await?;
    Ok(axum::Json(views.iter().map(ProfileViewItem::from).collect()))
}

/// The signed-in SME's verified facts (kept by its credit code, those sent before it registered included),
/// field by field against its declared profile: 已核验 / 未核验 / 核验结果不符 / 需更新, each with its source
/// and dates; and the facts no profile field declares.
#[utoipa::path(
    get,
    path = "/api/v1/me/facts",
    responses(
        (status = 200, body = MyFacts),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_facts(sme: SmeUser, State(state): State<AppState>) -> Result<axum::Json<MyFacts>, ApiError> {
    let firm = stored(&state, sme.1).await?;
    let report = crate::http::facts::report_of(&state, &firm.profile).await?;
    let uscc = firm.profile.uscc.as_ref().map(|u| u.as_str().to_owned());
    Ok(axum::Json(MyFacts { enterprise_id: firm.id, uscc, report }))
}

/// Which institutions may see the signed-in SME's verified facts: the authorisations in force, and every
/// one given (active, expired or withdrawn).
#[utoipa::path(
    get,
    path = "/api/v1/me/fact-authorisations",
    responses(
        (status = 200, body = FactsConsentsView),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn my_fact_authorisations(
    sme: SmeUser,
    State(state): State<AppState>,
) -> Result<axum::Json<FactsConsentsView>, ApiError> {
    Ok(axum::Json(facts_consents_of(&state, sme.1).await?))
}

/// Lets one or several institutions (`{"institution_ids": [12, 15]}`) or every institution on the platform
/// (`{"all": true}`) see the verified facts, until the end of `expires_on` (Asia/Shanghai) or until
/// withdrawn. All or none: an unknown institution or a guarantee agency refuses the whole request. An
/// authorisation in force for the same party is replaced when the end differs, kept when it is the same.
#[utoipa::path(
    post,
    path = "/api/v1/me/fact-authorisations",
    request_body = FactsGrantBody,
    responses(
        (status = 200, description = "The authorisations after the change", body = FactsConsentsView),
        (status = 400, description = "Neither or both of `institution_ids` and `all`, a guarantee agency, or an `expires_on` that is no date, before today or more than five years ahead", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such institution", body = ErrorBody),
    )
)]
async fn grant_fact_authorisation(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<FactsGrantBody>,
) -> Result<axum::Json<FactsConsentsView>, ApiError> {
    let ids = body.institution_ids.unwrap_or_default();
    let targets: Vec<Option<i64>> = match (ids.is_empty(), body.all) {
        (false, None | Some(false)) => ids.into_iter().map(Some).collect(),
        (true, Some(true)) => vec![None],
        _ => {
            let either = ValueError::worded(
                "请给出 institution_ids（一家或多家机构），或 \"all\": true（二者选一）",
                "give institution_ids (one or several institutions), or \"all\": true (one of the two)",
            );
            return Err(field_error("institution_ids", either));
        }
    };
    let end = facts_end(body.expires_on.as_deref(), today())?;
    grant_facts(&state, &sme, &caller, &targets, end).await?;
    Ok(axum::Json(facts_consents_of(&state, sme.1).await?))
}

/// Withdraws the authorisation of the verified facts given to one institution
/// (`/me/fact-authorisations/12`) or to every institution (`/me/fact-authorisations/all`), with immediate
/// effect on every page and API. Withdrawing what is not in force changes nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/me/fact-authorisations/{target}",
    params(("target" = String, Path, description = "An institution id, or `all`", pattern = "^([1-9][0-9]{0,17}|all)$")),
    responses(
        (status = 200, description = "The authorisations after the change", body = FactsConsentsView),
        (status = 400, description = "Neither a number nor `all`", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    )
)]
async fn revoke_fact_authorisation(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Segment(ConsentTarget(target)): Segment<ConsentTarget>,
) -> Result<axum::Json<FactsConsentsView>, ApiError> {
    revoke_facts(&state, &sme, &caller, target).await?;
    Ok(axum::Json(facts_consents_of(&state, sme.1).await?))
}
