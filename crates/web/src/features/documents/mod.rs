//! Documents on applications: the firm uploads files (PDF, JPEG, PNG, XLSX, their kind read from their
//! content) naming the material of the product's 材料清单 each is for; the firm, the product's institution
//! and the operator list and download them, every download recorded in the audit log the firm reads.
//!
//! - API: `GET`/`POST /api/v1/applications/{id}/documents`, `GET /api/v1/applications/{id}/documents/{doc}`.
//! - Pages: the firm's upload page `/sme/applications/{id}/documents`, and the download
//!   `/applications/{id}/documents/{doc}` for whoever may see it. The application pages (the applications
//!   feature) show the same list through the kit's `http::documents`.
//!
//! Refusals (empty, too large, a kind not accepted, too many, a material not listed) keep nothing: the
//! API answers 400 `invalid_file` naming the field and `reason`, the page the Chinese message with the file's
//! name and the limit.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::Caller;
use crate::http::documents::{application_for_documents, open_for_documents};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extract::{FromSegment, parse_id};
use crate::http::state::AppState;
use crate::template;
use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use finmart_domain::{Labelled, Principal, UploadRefusal};
use finmart_store::{DocumentInfo, NewDocument, StoreError};

/// The documents feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "documents",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("_documents.html"), template!("sme_documents.html")],
        ..Feature::default()
    }
}

/// The `{document_id}` path segment: a positive number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DocumentId(i64);

impl FromSegment for DocumentId {
    const NAME: &'static str = "document_id";

    fn from_segment(text: &str) -> Result<Self, ApiError> {
        parse_id("document_id", text).map(Self)
    }
}

/// A multipart upload as read: the file's name as sent, its bytes, and the material named.
#[derive(Debug, Default)]
struct Upload {
    file_name: Option<String>,
    bytes: Vec<u8>,
    material: String,
}

/// Reads the `file` and `material` fields of an upload, stopping as soon as the file is over `max_bytes`
/// (refused with its name and the limit; the rest is never read).
///
/// # Errors
/// `invalid_file` for a file over the limit or no file at all; `invalid_body` for a form that does not read.
async fn read_upload(mut multipart: Multipart, max_bytes: u64) -> Result<Upload, ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(ErrorCode::InvalidBody, "上传的表单无法读取", e.body_text()).on_field("file")
    };
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let too_large = || {
                    let name = finmart_domain::clean_file_name(&name);
                    ApiError::from(StoreError::Upload(UploadRefusal::TooLarge { name, max: max_bytes }))
                };
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            bytes.extend_from_slice(&chunk);
                            if bytes.len() as u64 > max_bytes {
                                return Err(too_large());
                            }
                        }
                        Ok(None) => break,
                        // The body's own limit (the file and a little more) was reached.
                        Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                        Err(e) => return Err(unreadable(e)),
                    }
                }
                upload.file_name = Some(name);
                upload.bytes = bytes;
            }
            Some("material") => upload.material = field.text().await.map_err(unreadable)?,
            // The CSRF token of a page's form, and anything else a client adds, are not the upload's.
            _ => {}
        }
    }
    if upload.file_name.as_deref().is_none_or(str::is_empty) && upload.bytes.is_empty() {
        return Err(
            ApiError::new(ErrorCode::InvalidFile, "请选择要上传的文件", "choose a file to upload").on_field("file")
        );
    }
    Ok(upload)
}

/// Keeps `upload` on application `id` for `p`: the applying firm only (the lender and the operator see
/// documents but do not add them: 403; anyone else 404), while the application is open.
///
/// # Errors
/// 404, 403, 409 (closed), the store's refusal (400 `invalid_file`, nothing kept).
async fn upload(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    id: i64,
    upload: Upload,
) -> Result<DocumentInfo, ApiError> {
    let app = application_for_documents(state, p, id).await?;
    if p.enterprise() != Some(app.enterprise_id) {
        return Err(ApiError::forbidden());
    }
    if !open_for_documents(&app) {
        return Err(ApiError::conflict(
            format!("申请当前为“{}”，已不能再上传材料", app.state.label_zh()),
            format!("the application is {}: no more documents can be added", app.state.label_en()),
        ));
    }
    let new = NewDocument {
        application_id: app.id,
        material: Some(upload.material.as_str()),
        file_name: upload.file_name.as_deref().unwrap_or_default(),
        bytes: upload.bytes,
        uploaded_by: p.account_id,
    };
    Ok(state.store.add_document(new, state.config.document_limits(), &caller.audit(p, "document.upload")).await?)
}

/// Document `doc` of application `id` as a download for `p` (who may see the application's documents),
/// recorded in the audit log the firm reads.
///
/// # Errors
/// 404 for an application or document `p` may not see; the storage's failure.
async fn download(state: &AppState, p: &Principal, caller: &Caller, id: i64, doc: i64) -> Result<Response, ApiError> {
    let app = application_for_documents(state, p, id).await?;
    let info = state.store.document(app.id, doc).await?.ok_or_else(|| ApiError::not_found("文件", "document"))?;
    let lender = p.lender().filter(|l| *l == app.institution_id);
    let bytes = state.store.download_document(&info, lender, &caller.audit(p, "document.download")).await?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(info.kind.mime()));
    if let Ok(value) = HeaderValue::from_str(&disposition(&info.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // A firm's papers: never kept by a shared cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// `attachment` with the name twice (RFC 6266): an ASCII stand-in, and the name itself percent-encoded
/// as UTF-8 (RFC 5987), which every current browser reads.
fn disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_download_names_the_file_in_both_forms() {
        assert_eq!(
            super::disposition("营业执照 1.pdf"),
            "attachment; filename=\"_____1.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%201.pdf"
        );
    }
}
