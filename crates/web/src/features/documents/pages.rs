//! The documents pages: the firm's upload page for one application (its documents, the product's 材料清单
//! with what is missing, the form), and the download for whoever may see the application's documents.

use super::{DocumentId, download, read_upload, upload};
use crate::http::auth::{Auth, Caller, SmeUser};
use crate::http::documents::{application_for_documents, documents_of};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::{Id, Segment};
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use finmart_domain::Principal;
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sme/applications/{id}/documents",
            // The upload reads its file in chunks up to the document limit; the router's request limit
            // (from the same setting) bounds the rest.
            get(sme_page).post(sme_upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/applications/{id}/documents/{document_id}", get(download_page))
}

/// The upload page of application `id`, with `refused` (the error of an upload just refused) shown above
/// the form with its status.
async fn show(state: &AppState, page: &Page, p: &Principal, id: i64, refused: Option<&ApiError>) -> PageResult {
    let app = application_for_documents(state, p, id).await?;
    let docs = documents_of(state, &app).await?;
    let uploaded = Form::of_query(page.query()).get("uploaded").is_some();
    let context = object(json!({
        "app": {"id": app.id, "product_id": app.product_id, "product_name": app.product_name,
                "institution_name": app.institution_name},
        "docs": docs, "uploaded": uploaded && refused.is_none(),
        "error": refused.map(|e| page.pick(&e.body.message, &e.body.message_en).to_owned()),
        "error_field": refused.and_then(|e| e.body.field.clone()),
        "page": "sme_applications",
    }));
    page.clone().at(&format!("/sme/applications/{id}/documents")).show_with(
        refused.map_or(StatusCode::OK, |e| e.status),
        "sme_documents.html",
        context,
    )
}

/// `GET /sme/applications/{id}/documents`: the firm's documents for the application and the form.
async fn sme_page(SmeUser(p, _): SmeUser, State(state): State<AppState>, page: Page, Id(id): Id) -> PageResult {
    show(&state, &page, &p, id, None).await
}

/// `POST /sme/applications/{id}/documents` (multipart: `file`, `material`; the CSRF token in the address):
/// kept, then back to the page (303); refused (or the document storage down: 503), the page again with the
/// reason beside the form.
async fn sme_upload(
    SmeUser(p, _): SmeUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    multipart: Multipart,
) -> PageResult {
    application_for_documents(&state, &p, id).await?;
    let outcome = match read_upload(multipart, state.config.document_max_bytes).await {
        Ok(form) => upload(&state, &p, &caller, id, form).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/sme/applications/{id}/documents?uploaded=1#documents"))),
        // A refusal, or the document storage down: the page again, the reason above the form.
        Err(e)
            if (e.status.is_client_error() && e.status != StatusCode::NOT_FOUND)
                || e.body.code == ErrorCode::StorageUnavailable =>
        {
            show(&state, &page, &p, id, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /applications/{id}/documents/{document_id}`: the file, for the firm, the lender and the operator.
async fn download_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Id(id): Id,
    Segment(DocumentId(document_id)): Segment<DocumentId>,
) -> Result<Response, ApiError> {
    download(&state, &p, &caller, id, document_id).await
}
