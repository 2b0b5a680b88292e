//! The contacts API: the SME's own contact and sharing choice, an institution's branches and 客户经理, and the
//! other side's contacts as each may see them.

use super::{
    ApplicationContacts, BranchBody, ContactBody, ManagerBody, MyContact, SharingBody, branch_input, manager_input,
    own_contacts,
};
use crate::http::auth::{Auth, Caller, LenderUser, SmeUser};
use crate::http::contacts::{
    BranchView, ContactView, InstitutionContacts, ManagerView, conversation_application, counterpart_contacts,
    firm_contact,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use finmart_domain::ContactInput;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_contact, save_my_contact))
        .routes(routes!(set_sharing))
        .routes(routes!(enterprise_contact))
        .routes(routes!(application_contacts))
        .routes(routes!(institution_contacts))
        .routes(routes!(add_branch))
        .routes(routes!(remove_branch))
        .routes(routes!(add_manager))
        .routes(routes!(remove_manager))
}

/// The signed-in SME's contact person and phone, and whether it shares them with consenting institutions.
#[utoipa::path(get, path = "/api/v1/me/contact",
    responses((status = 200, body = MyContact), (status = 403, description = "Not an SME user", body = ErrorBody)))]
async fn my_contact(sme: SmeUser, State(state): State<AppState>) -> Result<axum::Json<MyContact>, ApiError> {
    Ok(axum::Json(MyContact::of(state.store.enterprise_contact(sme.1).await?.as_ref())))
}

/// Sets the signed-in SME's contact person and phone (its sharing choice stays as it was).
#[utoipa::path(put, path = "/api/v1/me/contact", request_body = ContactBody,
    responses(
        (status = 200, body = MyContact),
        (status = 400, description = "A bad name or phone, named in `field`", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ))]
async fn save_my_contact(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ContactBody>,
) -> Result<axum::Json<MyContact>, ApiError> {
    let input = ContactInput::parse(&body.name, &body.phone)?;
    let saved = state.store.save_enterprise_contact(eid, &input, &caller.audit(&p, "contact.update")).await?;
    Ok(axum::Json(MyContact::of(Some(&saved))))
}

/// Whether the institutions the SME's consent covers may see its contact (`{"share": true}`); institutions
/// it applied to always may. Off until chosen.
#[utoipa::path(put, path = "/api/v1/me/contact/sharing", request_body = SharingBody,
    responses(
        (status = 200, body = MyContact),
        (status = 400, description = "No contact given yet (`share`)", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ))]
async fn set_sharing(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SharingBody>,
) -> Result<axum::Json<MyContact>, ApiError> {
    let saved = state.store.set_contact_sharing(eid, body.share, &caller.audit(&p, "contact.share")).await?;
    Ok(axum::Json(MyContact::of(Some(&saved))))
}

/// A firm's contact person and phone, for an institution it applied to, or whose consent covers it while
/// the firm shares its contact with consenting institutions; 404 otherwise, and when it gave none. Every
/// answer with the contact is recorded in the firm's profile-view log (context `contact`).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/contact", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = ContactView),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "Not shared with the institution, or none given", body = ErrorBody),
    ))]
async fn enterprise_contact(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<ContactView>, ApiError> {
    let found = firm_contact(&state, &caller, &p, lender, id, None).await?;
    found.contact.map(axum::Json).ok_or_else(|| ApiError::not_found("联系人", "contact"))
}

/// The other side's contacts on an application: to the firm, the lender's branches and 客户经理; to the
/// lender, the firm's contact (logged); the operator sees both. Others get 404.
#[utoipa::path(get, path = "/api/v1/applications/{id}/contacts", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = ApplicationContacts),
        (status = 404, description = "No such application of the caller's", body = ErrorBody),
    ))]
async fn application_contacts(
    Auth(p): Auth,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::Json<ApplicationContacts>, ApiError> {
    let app = conversation_application(&state, &p, id).await?;
    let (institution, enterprise) = counterpart_contacts(&state, &caller, &p, &app).await?;
    Ok(axum::Json(ApplicationContacts { application_id: app.id, institution, enterprise }))
}

/// The signed-in institution's branches and 客户经理.
#[utoipa::path(get, path = "/api/v1/institution/contacts",
    responses(
        (status = 200, body = InstitutionContacts),
        (status = 403, description = "Not an institution user", body = ErrorBody),
    ))]
async fn institution_contacts(
    LenderUser(_p, lender): LenderUser,
    State(state): State<AppState>,
) -> Result<axum::Json<InstitutionContacts>, ApiError> {
    let (branches, managers) = own_contacts(&state, lender).await?;
    Ok(axum::Json(InstitutionContacts { branches, managers }))
}

/// Adds a branch (网点) of the signed-in institution.
#[utoipa::path(post, path = "/api/v1/institution/branches", request_body = BranchBody,
    responses(
        (status = 201, body = BranchView),
        (status = 400, description = "A bad field, named in `field`", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
    ))]
async fn add_branch(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<BranchBody>,
) -> Result<(StatusCode, axum::Json<BranchView>), ApiError> {
    let home = &state.config.home_area;
    let (input, district) = branch_input(home, &body.name, &body.address, &body.phone, &body.district)?;
    let branch = state.store.add_branch(lender, &input, district, &caller.audit(&p, "branch.add")).await?;
    Ok((StatusCode::CREATED, axum::Json(BranchView::of(&branch, home))))
}

/// Removes one of the signed-in institution's branches (its 客户经理 stay, without a branch).
#[utoipa::path(delete, path = "/api/v1/institution/branches/{id}", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 204),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such branch of the institution's", body = ErrorBody),
    ))]
async fn remove_branch(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    state.store.remove_branch(lender, id, &caller.audit(&p, "branch.remove")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a 客户经理 of the signed-in institution, at one of its branches or none.
#[utoipa::path(post, path = "/api/v1/institution/managers", request_body = ManagerBody,
    responses(
        (status = 201, body = ManagerView),
        (status = 400, description = "A bad field, named in `field`", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
    ))]
async fn add_manager(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ManagerBody>,
) -> Result<(StatusCode, axum::Json<ManagerView>), ApiError> {
    let input = manager_input(&body.name, &body.phone)?;
    let manager = state.store.add_manager(lender, &input, body.branch_id, &caller.audit(&p, "manager.add")).await?;
    Ok((StatusCode::CREATED, axum::Json(ManagerView::from(&manager))))
}

/// Removes one of the signed-in institution's 客户经理.
#[utoipa::path(delete, path = "/api/v1/institution/managers/{id}", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 204),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such 客户经理 of the institution's", body = ErrorBody),
    ))]
async fn remove_manager(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    state.store.remove_manager(lender, id, &caller.audit(&p, "manager.remove")).await?;
    Ok(StatusCode::NO_CONTENT)
}
