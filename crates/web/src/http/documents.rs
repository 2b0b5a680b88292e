//! An application's documents as the API returns them and the pages show them: the files kept, the
//! product's 材料清单 with what is still missing, and the limits of an upload. The documents feature serves
//! them; the application pages (another feature) show the same list, so it lives here.
//!
//! Who sees them: the applying firm, the product's institution and the operator. Anyone else, the product's
//! guarantee agency included, is answered 404, as if the application did not exist.

use crate::http::error::ApiError;
use crate::http::state::AppState;
use chrono::{DateTime, Utc};
use finmart_domain::{ApplicationState, DocumentLimits, Materials, Principal, size_text};
use finmart_store::{Application, DocumentInfo};
use serde::Serialize;
use utoipa::ToSchema;

/// Application `id` if `p` may see its documents (the firm, the lender, the operator), else 404.
///
/// # Errors
/// 404; database failure.
pub async fn application_for_documents(state: &AppState, p: &Principal, id: i64) -> Result<Application, ApiError> {
    let missing = || ApiError::not_found("申请", "application");
    let app = state.store.application(id).await?.ok_or_else(missing)?;
    let party = p.enterprise() == Some(app.enterprise_id) || p.lender() == Some(app.institution_id);
    if party || p.is_operator() { Ok(app) } else { Err(missing()) }
}

/// Whether the firm may still add documents: while the application is open (submitted, accepted or
/// approved); a decided, paid or withdrawn one is closed.
#[must_use]
pub fn open_for_documents(app: &Application) -> bool {
    matches!(app.state, ApplicationState::Submitted | ApplicationState::Accepted | ApplicationState::Approved)
}

/// One document kept on an application.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub application_id: i64,
    /// The material of the product's list it is for; `null` when none was named.
    pub material: Option<String>,
    pub file_name: String,
    /// `pdf`, `jpeg`, `png` or `xlsx`, read from the content.
    pub kind: &'static str,
    /// `PDF`, `JPEG`, `PNG`, `XLSX`.
    pub kind_label: &'static str,
    pub size_bytes: u64,
    pub size_text: String,
    pub size_text_en: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Asia/Shanghai, to the minute.
    pub uploaded_at_text: String,
    /// The download on the API.
    pub api_link: String,
    /// The download for a signed-in browser.
    pub link: String,
}

impl From<&DocumentInfo> for DocumentView {
    fn from(d: &DocumentInfo) -> Self {
        Self {
            id: d.id,
            application_id: d.application_id,
            material: d.material.clone(),
            file_name: d.file_name.clone(),
            kind: d.kind.as_str(),
            kind_label: d.kind.label(),
            size_bytes: d.size_bytes,
            size_text: size_text(d.size_bytes, true),
            size_text_en: size_text(d.size_bytes, false),
            sha256: d.sha256.clone(),
            uploaded_at: d.uploaded_at,
            uploaded_at_text: crate::http::format::shanghai(d.uploaded_at),
            api_link: format!("/api/v1/applications/{}/documents/{}", d.application_id, d.id),
            link: format!("/applications/{}/documents/{}", d.application_id, d.id),
        }
    }
}

/// One material of the product's list, and whether a document was named for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialStatus {
    pub name: String,
    pub provided: bool,
}

/// An application's documents and the materials its product asks for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentList {
    pub application_id: i64,
    pub items: Vec<DocumentView>,
    /// What the product says of materials: `listed`, `none_needed` or `not_stated` (未说明).
    pub materials_stated: &'static str,
    /// The product's list, in its order, each with whether a document names it.
    pub materials: Vec<MaterialStatus>,
    /// The listed materials no document names yet.
    pub missing: Vec<String>,
    /// Whether the firm may still add documents (the application is open and has room).
    pub open: bool,
    pub max_bytes: u64,
    pub max_bytes_text: String,
    pub max_bytes_text_en: String,
    pub max_per_application: u32,
    /// The firm's upload page.
    pub upload_link: String,
}

/// The documents of `app`, with its product's materials (read now: a list the lender changes shows at once).
///
/// # Errors
/// Database failure.
pub async fn documents_of(state: &AppState, app: &Application) -> Result<DocumentList, ApiError> {
    let docs = state.store.documents(app.id).await?;
    let materials = state.store.product(app.product_id).await?.map_or(Materials::NotStated, |p| p.spec.materials);
    let limits: DocumentLimits = state.config.document_limits();
    let statuses: Vec<MaterialStatus> = materials
        .names()
        .iter()
        .map(|name| MaterialStatus {
            name: name.clone(),
            provided: docs.iter().any(|d| d.material.as_deref() == Some(name.as_str())),
        })
        .collect();
    Ok(DocumentList {
        application_id: app.id,
        materials_stated: match materials {
            Materials::Listed(_) => "listed",
            Materials::NoneNeeded => "none_needed",
            Materials::NotStated => "not_stated",
        },
        missing: statuses.iter().filter(|s| !s.provided).map(|s| s.name.clone()).collect(),
        materials: statuses,
        open: open_for_documents(app) && (docs.len() as u64) < u64::from(limits.max_per_application),
        items: docs.iter().map(DocumentView::from).collect(),
        max_bytes: limits.max_bytes,
        max_bytes_text: size_text(limits.max_bytes, true),
        max_bytes_text_en: size_text(limits.max_bytes, false),
        max_per_application: limits.max_per_application,
        upload_link: format!("/sme/applications/{}/documents", app.id),
    })
}
