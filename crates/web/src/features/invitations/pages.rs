//! Invitation pages: `/bank/invitations`, `/bank/invitations/new` (and its post), `/sme/invitations` and its
//! 谢绝 post.

use super::InvitationView;
use crate::http::auth::{Caller, LenderUser, SmeUser};
use crate::http::contacts::InstitutionContacts;
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::params::id as parse_id;
use crate::http::state::{AppState, today};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_store::{NewInvitation, StoreError};
use serde_json::{Map, Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/bank/invitations", get(bank_list).post(invite_submit))
        .route("/bank/invitations/new", get(invite_form))
        .route("/sme/invitations", get(sme_list))
        .route("/sme/invitations/{id}/decline", post(decline_submit))
}

async fn bank_list(LenderUser(_, lender): LenderUser, State(state): State<AppState>, page: Page) -> PageResult {
    let sent = state.store.invitations_of_institution(lender).await?;
    let views: Vec<InvitationView> = sent.iter().map(InvitationView::from).collect();
    let done = Form::of_query(page.query()).get("sent").is_some();
    page.show("bank_invitations.html", object(json!({"page": "bank_invitations", "items": views, "sent": done})))
}

/// The firm an institution may invite: one whose consent covers it (else 404, as if there were none).
async fn consenting_firm(state: &AppState, lender: i64, id: i64) -> Result<String, ApiError> {
    let missing = || ApiError::not_found("企业", "enterprise");
    if !state.store.consenting_among(lender, &[id]).await?.contains(&id) {
        return Err(missing());
    }
    Ok(state.store.enterprise(id).await?.ok_or_else(missing)?.profile.name)
}

/// The invitation form for firm `enterprise`, with `values` and `errors` (by field, `form` for the whole).
async fn invite_view(
    state: &AppState,
    lender: i64,
    page: &Page,
    enterprise: i64,
    values: Map<String, Value>,
    errors: Map<String, Value>,
) -> PageResult {
    let firm = consenting_firm(state, lender, enterprise).await?;
    let day = today();
    let products: Vec<Value> = state
        .store
        .published_products_of(lender)
        .await?
        .iter()
        .filter(|p| p.is_listed_on(day))
        // Names are data: without `label_en` the option is marked with their language.
        .map(|p| json!({"code": p.id.to_string(), "label": p.spec.name}))
        .collect();
    let contacts = InstitutionContacts::of(state, lender, None).await?;
    let managers: Vec<Value> = contacts
        .managers
        .iter()
        .map(|m| {
            let label = format!("{} {}", m.name, m.phone);
            json!({"code": m.id.to_string(), "label": label})
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.contains_key("form") {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    let context = json!({
        "page": "bank_invitations", "firm": {"id": enterprise, "name": firm}, "products": products,
        "managers": managers, "values": values, "errors": errors,
    });
    page.show_with(status, "bank_invitation_new.html", object(context))
}

/// `GET /bank/invitations/new?enterprise={id}&product={id}` (from a candidate of the candidates list).
async fn invite_form(LenderUser(_, lender): LenderUser, State(state): State<AppState>, page: Page) -> PageResult {
    let query = Form::of_query(page.query());
    let enterprise = parse_id("enterprise", query.field("enterprise"))?;
    let values = query.values(&["product"]);
    let mut values: Map<String, Value> =
        values.into_iter().map(|(k, v)| (if k == "product" { "product_id".to_owned() } else { k }, v)).collect();
    values.insert("enterprise_id".to_owned(), Value::String(enterprise.to_string()));
    invite_view(&state, lender, &page, enterprise, values, Map::new()).await
}

/// `POST /bank/invitations`: `enterprise_id`, `product_id`, `manager_id` (optional), `note` (optional).
async fn invite_submit(
    LenderUser(p, lender): LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let enterprise = parse_id("enterprise_id", form.field("enterprise_id"))?;
    let refused = async {
        let product_id = parse_id("product_id", form.field("product_id"))?;
        let manager_id = match form.field("manager_id") {
            "" => None,
            text => Some(parse_id("manager_id", text)?),
        };
        let new = NewInvitation {
            institution_id: lender,
            enterprise_id: enterprise,
            product_id,
            account_id: Some(p.account_id),
            manager_id,
            note: Some(form.field("note").to_owned()),
        };
        state.store.invite(&new, &caller.audit(&p, "invitation.send")).await.map_err(ApiError::from)
    }
    .await;
    match refused {
        Ok(_) => Ok(see_other("/bank/invitations?sent=1")),
        Err(e) if matches!(e.status, StatusCode::BAD_REQUEST | StatusCode::CONFLICT) => {
            let page = page.at("/bank/invitations/new");
            let values = form.values(&["enterprise_id", "product_id", "manager_id", "note"]);
            invite_view(&state, lender, &page, enterprise, values, page.error_messages(&e)).await
        }
        Err(e) => Err(e),
    }
}

async fn sme_list(SmeUser(_, eid): SmeUser, State(state): State<AppState>, page: Page) -> PageResult {
    sme_view(&state, eid, &page, Map::new(), StatusCode::OK).await
}

/// The firm's invitations, each with the lender's 客户经理, and a refused decline's `errors`.
async fn sme_view(
    state: &AppState,
    enterprise: i64,
    page: &Page,
    errors: Map<String, Value>,
    status: StatusCode,
) -> PageResult {
    let received = state.store.invitations_for_enterprise(enterprise).await?;
    let views: Vec<InvitationView> = received.iter().map(InvitationView::from).collect();
    let done = Form::of_query(page.query()).get("declined").is_some();
    let context = json!({"page": "sme_invitations", "items": views, "errors": errors, "declined": done});
    page.show_with(status, "sme_invitations.html", object(context))
}

/// `POST /sme/invitations/{id}/decline`: `reason` (optional).
async fn decline_submit(
    SmeUser(p, eid): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let event = caller.audit(&p, "invitation.decline");
    match state.store.decline_invitation(eid, id, Some(form.field("reason")), &event).await {
        Ok(_) => Ok(see_other("/sme/invitations?declined=1")),
        Err(e @ (StoreError::Invalid(_) | StoreError::Invitation(_))) => {
            let e = ApiError::from(e);
            let status = e.status;
            let page = page.at("/sme/invitations");
            sme_view(&state, eid, &page, page.error_messages(&e), status).await
        }
        Err(e) => Err(e.into()),
    }
}
