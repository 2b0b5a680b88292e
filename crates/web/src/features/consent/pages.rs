//! The SME's profile and consent pages: `/sme/profile`, `/sme/consent` and their form posts.

use super::{
    ConsentTarget, ConsentsView, ProfileViewItem, VIEWS_DEFAULT, facts_consents_of, facts_end, grant_facts,
    revoke_facts, set_consent, stored,
};
use crate::http::auth::{Caller, SmeUser};
use crate::http::error::ApiError;
use crate::http::extract::FromSegment;
use crate::http::facts::FactsReport;
use crate::http::format::{Label, shanghai};
use crate::http::forms::{Form, errors_view, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::profile_form::{
    LIST_FIELDS, choices, label_of, profile_fields, profile_from_form, profile_values, refused_save,
};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::{FieldErrors, HomeArea, InstitutionKind, ValueError};
use finmart_store::StoredEnterprise;
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sme/profile", get(profile_page).post(profile_submit))
        .route("/sme/consent", get(consent_page).post(consent_submit))
}

/// The profile page: the form with `values`, and `errors` beside their fields and listed above.
#[allow(clippy::too_many_arguments)]
fn profile_form(
    home: &HomeArea,
    page: &Page,
    firm: &StoredEnterprise,
    facts: &FactsReport,
    values: Map<String, Value>,
    errors: &FieldErrors,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let label = |field: &str| if field == "name" { ("企业名称", "Name") } else { label_of(field) };
    let (by_field, list) = errors_view(errors, page.lang, label);
    let context = json!({
        "page": "sme_profile", "form": values, "errors": by_field, "error_list": list, "choices": choices(home),
        "uscc": firm.profile.uscc.as_ref().map(|u| u.as_str()), "scale": firm.profile.scale().map(Label::of),
        "updated_at": shanghai(firm.updated_at), "saved": saved, "facts": facts,
    });
    page.show_with(status, "sme_profile.html", object(context))
}

async fn profile_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let firm = stored(&state, sme.1).await?;
    let saved = Form::of_query(page.query()).get("saved").is_some();
    let home = &state.config.home_area;
    let facts = crate::http::facts::report_of(&state, &firm.profile).await?;
    let values = profile_values(&firm.profile);
    profile_form(home, &page, &firm, &facts, values, &FieldErrors::default(), saved, StatusCode::OK)
}

async fn profile_submit(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let firm = stored(&state, eid).await?;
    let event = caller.audit(&p, "profile.update").detail(json!({"via": "profile"}));
    let errors = match profile_from_form(&form, &firm.profile, &state.config.home_area) {
        Ok(profile) => match state.save_profile(eid, profile, &event).await {
            Ok(_) => return Ok(see_other("/sme/profile?saved=1")),
            Err(e) => refused_save(e)?,
        },
        Err(errors) => errors,
    };
    // Show what was typed again, beside the reasons.
    let mut values = profile_values(&firm.profile);
    let typed: Vec<&str> = profile_fields().chain(["name"]).collect();
    values.extend(form.values(&typed));
    values.extend(typed.iter().filter(|k| LIST_FIELDS.contains(k)).map(|k| ((*k).to_owned(), form.all(k).into())));
    let home = &state.config.home_area;
    let facts = crate::http::facts::report_of(&state, &firm.profile).await?;
    profile_form(home, &page.at("/sme/profile"), &firm, &facts, values, &errors, false, StatusCode::BAD_REQUEST)
}

async fn consent_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    consent_view(&state, sme.1, &page, Map::new(), Value::Null, StatusCode::OK).await
}

/// The consent page: who may see the profile and the verified facts, the institutions to choose from, and
/// who looked. `facts_form`: what was typed in the form authorising facts, shown again beside its errors.
async fn consent_view(
    state: &AppState,
    enterprise_id: i64,
    page: &Page,
    errors: Map<String, Value>,
    facts_form: Value,
    status: StatusCode,
) -> PageResult {
    let consents = state.store.consents(enterprise_id).await?;
    let facts = facts_consents_of(state, enterprise_id).await?;
    let views = state.store.profile_views(enterprise_id, VIEWS_DEFAULT).await?;
    let institutions = state.store.institutions().await?;
    let institutions: Vec<Value> = institutions
        .iter()
        .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
        .map(|i| {
            let granted = consents.institutions.iter().any(|c| c.institution_id == Some(i.id));
            let facts = facts.active.iter().any(|c| c.institution_id == Some(i.id));
            json!({"id": i.id, "name": i.name, "kind": Label::of(i.kind), "granted": granted, "facts": facts})
        })
        .collect();
    let contact = state.store.enterprise_contact(enterprise_id).await?;
    let context = json!({
        "page": "sme_consent", "consents": ConsentsView::from(&consents), "institutions": institutions,
        "contact": contact.map(|c| json!({"name": c.name, "phone": c.phone, "share": c.share_with_consented})),
        "views": views.iter().map(ProfileViewItem::from).collect::<Vec<_>>(), "errors": errors,
        "done": Form::of_query(page.query()).get("done"), "facts": facts, "facts_form": facts_form,
        "facts_all": facts.active.iter().any(|c| c.all), "today": today().to_string(),
    });
    page.show_with(status, "sme_consent.html", object(context))
}

/// The institutions (or `all`) ticked in the form authorising facts: at least one.
fn facts_targets(form: &Form) -> Result<Vec<Option<i64>>, ApiError> {
    let ticked = form.all("target");
    if ticked.is_empty() {
        let none = ValueError::worded("请至少选择一家机构，或选择所有机构", "choose at least one institution, or all");
        return Err(ApiError::invalid("target", &none));
    }
    ticked
        .iter()
        .map(|t| ConsentTarget::from_segment(t).map(|ConsentTarget(t)| t).map_err(|e| e.on_field("target")))
        .collect()
}

/// `POST /sme/consent`: `action` = `grant` | `revoke` (the profile), `facts_grant` (the verified facts: one
/// or several `target`, and `expires_on`) | `facts_revoke`; `target` = `all` | an institution id.
async fn consent_submit(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let result = async {
        if form.field("action") == "facts_grant" {
            let targets = facts_targets(&form)?;
            let end = facts_end(Some(form.field("expires_on")), today())?;
            return grant_facts(&state, &sme, &caller, &targets, end).await.map(|_| "facts_granted");
        }
        let ConsentTarget(target) =
            ConsentTarget::from_segment(form.field("target")).map_err(|e| e.on_field("target"))?;
        match form.field("action") {
            "grant" => set_consent(&state, &sme, &caller, target, true).await.map(|_| "granted"),
            "revoke" => set_consent(&state, &sme, &caller, target, false).await.map(|_| "revoked"),
            "facts_revoke" => revoke_facts(&state, &sme, &caller, target).await.map(|_| "facts_revoked"),
            other => Err(ApiError::invalid("action", &ValueError::Invalid(format!("未知操作“{other}”")))),
        }
    }
    .await;
    match result {
        Ok(done) => {
            let anchor = if done.starts_with("facts") { "#facts" } else { "" };
            Ok(see_other(&format!("/sme/consent?done={done}{anchor}")))
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let page = page.at("/sme/consent");
            let typed = if form.field("action") == "facts_grant" {
                json!({"expires_on": form.field("expires_on"), "targets": form.all("target")})
            } else {
                Value::Null
            };
            consent_view(&state, sme.1, &page, page.error_messages(&e), typed, e.status).await
        }
        Err(e) => Err(e),
    }
}
