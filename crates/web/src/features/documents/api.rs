//! The documents API: list an application's documents with the materials still missing, upload one, and
//! download one.

use super::{DocumentId, download, read_upload, upload};
use crate::http::auth::{Auth, Caller};
use crate::http::documents::{DocumentList, DocumentView, application_for_documents, documents_of};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Segment};
use crate::http::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The upload reads its file in chunks and stops at the configured document limit; the request's own
    // limit (the router's, from the same setting) bounds the rest, so axum's default 2 MB is lifted here.
    let uploads = OpenApiRouter::new().routes(routes!(list, add)).layer(DefaultBodyLimit::disable());
    OpenApiRouter::new().merge(uploads).routes(routes!(get_one))
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documents the form; the handler reads the parts as they stream.
pub struct UploadForm {
    /// The file: PDF, JPEG, PNG or XLSX, judged by its content; at most the server's document limit
    /// (10 MB unless configured).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The material of the product's 材料清单 this file is for (one of its names); leave out for none.
    material: Option<String>,
}

/// An application's documents and its product's 材料清单 with what is still missing: for the applying
/// firm, the product's institution and the operator (anyone else: 404).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/documents",
    params(("id" = i64, Path, description = "Application id", minimum = 1)),
    responses(
        (status = 200, body = DocumentList),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, Auth(p): Auth, Id(id): Id) -> Result<axum::Json<DocumentList>, ApiError> {
    let app = application_for_documents(&state, &p, id).await?;
    Ok(axum::Json(documents_of(&state, &app).await?))
}

/// Uploads a document to the caller's own open application (SME users). Its kind is read from its content;
/// an empty file, one over the size limit, one of another kind, one past the application's count limit or
/// one naming a material the product does not list is refused (`invalid_file`, `field` and `reason` say
/// which) and nothing is kept.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/documents",
    params(("id" = i64, Path, description = "Application id", minimum = 1)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Kept", body = DocumentView),
        (status = 400, description = "`invalid_file`: refused (`field`: `file` or `material`; `reason`: `empty`, `too_large`, `wrong_type`, `too_many`, `unknown_material`); nothing was kept", body = ErrorBody),
        (status = 403, description = "The lender or the operator: they read documents but do not add them", body = ErrorBody),
        (status = 404, description = "No such application, or not the caller's", body = ErrorBody),
        (status = 409, description = "The application is decided, paid out or withdrawn", body = ErrorBody),
        (status = 503, description = "`storage_unavailable`: the document storage (an S3 object store) cannot be reached; nothing was kept", body = ErrorBody),
    )
)]
async fn add(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Id(id): Id,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, axum::Json<DocumentView>), ApiError> {
    // Who may upload is decided before the body is read.
    application_for_documents(&state, &p, id).await?;
    // A body that is not multipart/form-data is refused in JSON like every other bad body, naming the field.
    let multipart = multipart.map_err(|e| ApiError::bad_json("file", &e.body_text()))?;
    let form = read_upload(multipart, state.config.document_max_bytes).await?;
    let kept = upload(&state, &p, &caller, id, form).await?;
    Ok((StatusCode::CREATED, axum::Json(DocumentView::from(&kept))))
}

/// Downloads a document (the file as uploaded, with its media type): for the applying firm, the product's
/// institution and the operator. Every download is recorded in the audit log the firm reads, and a
/// lender's also in the firm's profile-view log. The content is checked against the size and SHA-256
/// recorded at the upload before it is sent.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/documents/{document_id}",
    params(
        ("id" = i64, Path, description = "Application id", minimum = 1),
        ("document_id" = i64, Path, description = "Document id", minimum = 1),
    ),
    responses(
        (status = 200, description = "The file, with its own media type", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "`not_found`: no such application or document, or not the caller's; `document_missing`: the document's content is missing from the document storage or is not what was uploaded (nothing recorded)", body = ErrorBody),
        (status = 503, description = "`storage_unavailable`: the document storage (an S3 object store) cannot be reached, or is not this server's; nothing recorded", body = ErrorBody),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Id(id): Id,
    Segment(DocumentId(document_id)): Segment<DocumentId>,
) -> Result<Response, ApiError> {
    download(&state, &p, &caller, id, document_id).await
}
