//! Contact pages: the SME's `/sme/contact` (and the sharing choice posted from the consent page), and the
//! institution's `/bank/contacts` (branches and 客户经理).

use super::{branch_input, manager_input, own_contacts};
use crate::http::auth::{Caller, LenderUser, SmeUser};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::format::district_options;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::params::id as parse_id;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{ContactInput, FieldErrors, ValueError};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sme/contact", get(contact_page).post(contact_submit))
        .route("/sme/contact/sharing", post(sharing_submit))
        .route("/bank/contacts", get(bank_contacts_page))
        .route("/bank/contacts/branches", post(branch_submit))
        .route("/bank/contacts/branches/{id}/delete", post(branch_delete))
        .route("/bank/contacts/managers", post(manager_submit))
        .route("/bank/contacts/managers/{id}/delete", post(manager_delete))
}

async fn contact_page(sme: SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    let own = state.store.enterprise_contact(sme.1).await?;
    let values = json!({"name": own.as_ref().map(|c| c.name.clone()), "phone": own.as_ref().map(|c| c.phone.clone())});
    let saved = Form::of_query(page.query()).get("saved").is_some();
    let share = own.as_ref().is_some_and(|c| c.share_with_consented);
    let context = json!({"page": "sme_contact", "values": values, "errors": {}, "saved": saved, "share": share});
    page.show("sme_contact.html", object(context))
}

async fn contact_submit(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let errors = match ContactInput::parse(form.field("name"), form.field("phone")) {
        Ok(input) => {
            state.store.save_enterprise_contact(eid, &input, &caller.audit(&p, "contact.update")).await?;
            return Ok(see_other("/sme/contact?saved=1"));
        }
        Err(errors) => errors,
    };
    let share = state.store.enterprise_contact(eid).await?.is_some_and(|c| c.share_with_consented);
    let context = json!({
        "page": "sme_contact", "values": form.values(&["name", "phone"]), "errors": page.field_messages(&errors),
        "saved": false, "share": share,
    });
    page.at("/sme/contact").show_with(StatusCode::BAD_REQUEST, "sme_contact.html", object(context))
}

/// `POST /sme/contact/sharing`: `share` = `yes` | `no` (an explicit choice; nothing else is taken for yes).
async fn sharing_submit(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    form: Form,
) -> PageResult {
    let share = match form.field("share") {
        "yes" => true,
        "no" => false,
        other => {
            let reason =
                ValueError::worded(format!("请选择“共享”或“不共享”（收到“{other}”）"), "choose to share or not");
            return Err(ApiError::invalid("share", &reason));
        }
    };
    match state.store.set_contact_sharing(eid, share, &caller.audit(&p, "contact.share")).await {
        Ok(_) => Ok(see_other("/sme/consent?done=sharing#sharing")),
        // No contact yet: the contact page is where to give one.
        Err(finmart_store::StoreError::Invalid(_)) => Ok(see_other("/sme/contact?first=1")),
        Err(e) => Err(e.into()),
    }
}

/// A refused form of the contacts page: which (`branch` | `manager`), what was typed, the messages by field.
type Refused<'a> = (&'a str, Map<String, Value>, Map<String, Value>);

/// The institution's contacts page; after a refused form, `refused` = (which form: `branch` | `manager`, what
/// was typed, the messages by field).
async fn bank_contacts_view(
    state: &AppState,
    lender: i64,
    page: &Page,
    refused: Option<Refused<'_>>,
    status: StatusCode,
) -> PageResult {
    let (branches, managers) = own_contacts(state, lender).await?;
    let branch_options: Vec<Value> =
        branches.iter().map(|b| json!({"code": b.id.to_string(), "label": b.name})).collect();
    let mut context = object(json!({
        "page": "bank_contacts", "branches": branches, "managers": managers, "branch_options": branch_options,
        "districts": district_options(&state.config.home_area), "done": Form::of_query(page.query()).get("done"),
        "branch_values": {}, "branch_errors": {}, "manager_values": {}, "manager_errors": {},
    }));
    if let Some((form, values, errors)) = refused {
        context.insert(format!("{form}_values"), Value::Object(values));
        context.insert(format!("{form}_errors"), Value::Object(errors));
    }
    page.show_with(status, "bank_contacts.html", context)
}

async fn bank_contacts_page(
    LenderUser(_, lender): LenderUser,
    State(state): State<AppState>,
    page: Page,
) -> PageResult {
    bank_contacts_view(&state, lender, &page, None, StatusCode::OK).await
}

async fn branch_submit(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let home = &state.config.home_area;
    let checked =
        branch_input(home, form.field("name"), form.field("address"), form.field("phone"), form.field("district"));
    let errors = match checked {
        Ok((input, district)) => {
            state.store.add_branch(lender, &input, district, &caller.audit(&p, "branch.add")).await?;
            return Ok(see_other("/bank/contacts?done=branch"));
        }
        Err(errors) => errors,
    };
    let refused = ("branch", form.values(&["name", "address", "phone", "district"]), page.field_messages(&errors));
    bank_contacts_view(&state, lender, &page.at("/bank/contacts"), Some(refused), StatusCode::BAD_REQUEST).await
}

async fn manager_submit(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let mut errors = FieldErrors::default();
    let input = manager_input(form.field("name"), form.field("phone")).map_err(|e| errors.0.extend(e.0)).ok();
    let branch = match form.field("branch_id") {
        "" => None,
        text => parse_id("branch_id", text)
            .map_err(|_| {
                errors.push("branch_id", ValueError::worded("请选择贵机构的网点", "choose one of your branches"))
            })
            .ok(),
    };
    if let Some(input) = input.filter(|_| errors.is_empty()) {
        match state.store.add_manager(lender, &input, branch, &caller.audit(&p, "manager.add")).await {
            Ok(_) => return Ok(see_other("/bank/contacts?done=manager")),
            Err(finmart_store::StoreError::Invalid(refused)) => errors.0.extend(refused.0),
            Err(e) => return Err(e.into()),
        }
    }
    let refused = ("manager", form.values(&["name", "phone", "branch_id"]), page.field_messages(&errors));
    bank_contacts_view(&state, lender, &page.at("/bank/contacts"), Some(refused), StatusCode::BAD_REQUEST).await
}

async fn branch_delete(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    state.store.remove_branch(lender, id, &caller.audit(&p, "branch.remove")).await?;
    Ok(see_other("/bank/contacts?done=removed"))
}

async fn manager_delete(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    state.store.remove_manager(lender, id, &caller.audit(&p, "manager.remove")).await?;
    Ok(see_other("/bank/contacts?done=removed"))
}
