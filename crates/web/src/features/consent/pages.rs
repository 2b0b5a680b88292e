//! The SME's profile and consent pages: `/sme/profile`, `/sme/consent` and their form posts.

use super::{ConsentTarget, ConsentsView, ProfileViewItem, VIEWS_DEFAULT, save_profile, set_consent, stored};
use crate::http::auth::{Caller, SmeUser};
use crate::http::error::ApiError;
use crate::http::extract::FromSegment;
use crate::http::format::{Label, shanghai, wan_input};
use crate::http::forms::{Form, errors_view, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::profile_form::{FIELDS, LIST_FIELDS, choices, label_of, parse_match_form};
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::{
    EnterpriseProfile, Fen, FieldErrors, HomeArea, InstitutionKind, Labelled, OverdueHistory, ValueError,
};
use finmart_store::StoredEnterprise;
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sme/profile", get(profile_page).post(profile_submit))
        .route("/sme/consent", get(consent_page).post(consent_submit))
}

/// The profile form's values for a stored profile (the inverse of the form's parsing).
fn profile_values(p: &EnterpriseProfile) -> Map<String, Value> {
    let wan = |v: Option<Fen>| v.map(wan_input).unwrap_or_default();
    let count = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    let tri = |v: Option<bool>| v.map_or("unknown", |yes| if yes { "yes" } else { "no" });
    let (overdue, months) = match p.overdue {
        None => ("unknown", String::new()),
        Some(OverdueHistory::Never) => ("never", String::new()),
        Some(OverdueHistory::MonthsAgo { months }) => ("months", months.to_string()),
    };
    // The vocabularies' values serialise as their codes.
    object(json!({
        "name": p.name, "district": p.district, "industry": p.industry, "established": p.established.to_string(),
        "employees": p.employees.to_string(), "revenue": wan_input(p.revenue),
        "tax_grade": p.tax_credit_grade.map_or("unknown", |g| g.as_str()), "borrowed": tri(p.ever_borrowed),
        "overdue": overdue, "overdue_months": months, "assets": wan(p.total_assets),
        "liabilities": wan(p.total_liabilities), "tax_paid": wan(p.tax_paid), "patents": count(p.invention_patents),
        "trademarks": count(p.trademarks), "qual": p.qualification_list(), "sector": p.sector_list(),
        "receivables": tri(p.has_core_receivables()), "procurement": tri(p.has_procurement_contract()),
        "owned": p.collateral,
    }))
}

/// The profile fields of the matching form: those before its need part, which starts at `amount`.
fn profile_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|(name, _, _)| *name).take_while(|name| *name != "amount")
}

fn is_profile_field(name: &str) -> bool {
    profile_fields().any(|f| f == name)
}

/// The profile a posted form describes, on top of the stored one (what the form does not ask is kept), or
/// every bad field.
fn profile_from_form(
    form: &Form,
    current: &EnterpriseProfile,
    home: &HomeArea,
) -> Result<EnterpriseProfile, FieldErrors> {
    // Only the profile part of the matching form is read: its need part takes its defaults.
    let only_profile: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.0.iter().filter(|(k, _)| is_profile_field(k)))
        .finish();
    let parsed = parse_match_form(Some(&only_profile), today(), home);
    let mut errors = FieldErrors::default();
    let name = form.field("name").trim().to_owned();
    if name.is_empty() {
        errors.push("name", ValueError::Empty);
    } else if name.chars().count() > finmart_domain::MAX_TEXT_CHARS {
        errors.push("name", ValueError::TooLarge { max: format!("{} 个字", finmart_domain::MAX_TEXT_CHARS) });
    }
    errors.0.extend(parsed.errors.0.into_iter().filter(|e| e.field == "form" || is_profile_field(&e.field)));
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

/// The profile page: the form with `values`, and `errors` beside their fields and listed above.
fn profile_form(
    home: &HomeArea,
    page: &Page,
    firm: &StoredEnterprise,
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
        "updated_at": shanghai(firm.updated_at), "saved": saved,
    });
    page.show_with(status, "sme_profile.html", object(context))
}

async fn profile_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let firm = stored(&state, sme.1).await?;
    let saved = Form::of_query(page.query()).get("saved").is_some();
    let home = &state.config.home_area;
    profile_form(home, &page, &firm, profile_values(&firm.profile), &FieldErrors::default(), saved, StatusCode::OK)
}

async fn profile_submit(SmeUser(_, eid): SmeUser, State(state): State<AppState>, page: Page, form: Form) -> PageResult {
    let firm = stored(&state, eid).await?;
    let errors = match profile_from_form(&form, &firm.profile, &state.config.home_area) {
        Ok(profile) => match save_profile(&state, eid, profile).await {
            Ok(_) => return Ok(see_other("/sme/profile?saved=1")),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                let mut errors = FieldErrors::default();
                for f in e.body.errors {
                    let known = f.field == "name" || is_profile_field(&f.field);
                    errors.push(if known { f.field } else { "form".to_owned() }, ValueError::Invalid(f.message));
                }
                if errors.is_empty() {
                    errors.push("form", ValueError::Invalid(e.body.message));
                }
                errors
            }
            Err(e) => return Err(e),
        },
        Err(errors) => errors,
    };
    // Show what was typed again, beside the reasons.
    let mut values = profile_values(&firm.profile);
    let typed: Vec<&str> = profile_fields().chain(["name"]).collect();
    values.extend(form.values(&typed));
    values.extend(typed.iter().filter(|k| LIST_FIELDS.contains(k)).map(|k| ((*k).to_owned(), form.all(k).into())));
    let home = &state.config.home_area;
    profile_form(home, &page.at("/sme/profile"), &firm, values, &errors, false, StatusCode::BAD_REQUEST)
}

async fn consent_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    consent_view(&state, sme.1, &page, Map::new(), StatusCode::OK).await
}

/// The consent page: who may see the profile, the institutions to choose from, and who looked.
async fn consent_view(
    state: &AppState,
    enterprise_id: i64,
    page: &Page,
    errors: Map<String, Value>,
    status: StatusCode,
) -> PageResult {
    let consents = state.store.consents(enterprise_id).await?;
    let views = state.store.profile_views(enterprise_id, VIEWS_DEFAULT).await?;
    let institutions = state.store.institutions().await?;
    let institutions: Vec<Value> = institutions
        .iter()
        .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
        .map(|i| {
            let granted = consents.institutions.iter().any(|c| c.institution_id == Some(i.id));
            json!({"id": i.id, "name": i.name, "kind": Label::of(i.kind), "granted": granted})
        })
        .collect();
    let context = json!({
        "page": "sme_consent", "consents": ConsentsView::from(&consents), "institutions": institutions,
        "views": views.iter().map(ProfileViewItem::from).collect::<Vec<_>>(), "errors": errors,
        "done": Form::of_query(page.query()).get("done"),
    });
    page.show_with(status, "sme_consent.html", object(context))
}

/// `POST /sme/consent`: `action` = `grant` | `revoke`, `target` = `all` | an institution id.
async fn consent_submit(
    sme: SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let result = async {
        let ConsentTarget(target) =
            ConsentTarget::from_segment(form.field("target")).map_err(|e| e.on_field("target"))?;
        match form.field("action") {
            "grant" => set_consent(&state, &sme, &caller, target, true).await.map(|_| "granted"),
            "revoke" => set_consent(&state, &sme, &caller, target, false).await.map(|_| "revoked"),
            other => Err(ApiError::invalid("action", &ValueError::Invalid(format!("未知操作“{other}”")))),
        }
    }
    .await;
    match result {
        Ok(done) => Ok(see_other(&format!("/sme/consent?done={done}"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let page = page.at("/sme/consent");
            consent_view(&state, sme.1, &page, page.error_messages(&e), e.status).await
        }
        Err(e) => Err(e),
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

    fn form_of(values: &Map<String, Value>) -> Form {
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
        Form(pairs)
    }

    #[test]
    fn a_stored_profile_fills_the_form_and_reads_back_the_same() {
        let profile = stored();
        let back = profile_from_form(&form_of(&profile_values(&profile)), &profile, &HomeArea::default()).unwrap();
        assert_eq!(back, profile);
        // Changing an answer replaces what the form cannot show.
        let mut form = form_of(&profile_values(&profile));
        for (k, v) in &mut form.0 {
            if k == "receivables" {
                *v = "no".to_owned();
            }
            if k == "employees" {
                *v = "60人".to_owned();
            }
        }
        let changed = profile_from_form(&form, &profile, &HomeArea::default()).unwrap();
        assert_eq!(changed.receivables, Some(Vec::new()));
        assert_eq!(changed.employees, 60);
        assert_eq!(changed.copyrights, Some(7));
    }

    #[test]
    fn a_bad_form_names_its_fields() {
        let form = Form(vec![
            ("name".to_owned(), String::new()),
            ("employees".to_owned(), "abc".to_owned()),
            ("revenue".to_owned(), "-1".to_owned()),
        ]);
        let Err(errors) = profile_from_form(&form, &stored(), &HomeArea::default()) else { panic!("refused") };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "employees", "revenue"]);
        assert!(errors.0.iter().all(|e| e.error.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }
}
