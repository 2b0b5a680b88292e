//! Banks' product management (create, edit, submit for review, pause, resume, archive, versions, bulk
//! upload and its XLSX template), the operator's review queue, and the guarantee agency's product list.
//!
//! A product is always written in the documented import format (`docs/import-format.md`): the API takes a
//! JSON object of import columns, the page's form (in plain words, `form/`) builds one, and a sheet has one
//! row per product. All three become a [`ProductRecord`] and are validated by [`ProductRecord::validate`], so there is one
//! answer to "is this a valid product". The institution is always the caller's own, never taken from input.
//! The workflow itself (reviews, versions, audit) lives in the store (`finmart_store::product_admin`).

mod api;
mod form;
mod pages;

use crate::http::Feature;
use crate::http::auth::{Caller, LenderUser};
use crate::http::error::ApiError;
use crate::http::rejected::not_of_format;
use crate::http::state::AppState;
use crate::template;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use finmart_domain::spec_record::{ColumnChange, column_label_zh};
use finmart_domain::{Fen, ImportRow, Labelled, Principal, Product, ProductAct, ProductRecord, ProductSpec, RowError};
use finmart_store::{
    EditOutcome, LifecycleAct, ManagedProduct, ProductReview, ProductVersion, ReviewItem, StoreError, UploadSummary,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The products feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "bank",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("bank_products.html"),
            template!("bank_product_form.html"),
            template!("_product_form.html"),
            template!("bank_upload.html"),
            template!("admin_reviews.html"),
            template!("agency_products.html"),
        ],
        ..Feature::default()
    }
}

/// The columns a bank never sets itself: the institution is the caller's, the state follows the workflow.
const NOT_FROM_INPUT: &[&str] = &["institution_code", "institution_name", "institution_kind", "state"];

/// How many pending reviews the queue shows at once.
const QUEUE_LIMIT: u64 = 200;

/// How the XLSX template is sent: as an attachment with this file name, and its type.
const TEMPLATE_DISPOSITION: &str = "attachment; filename=\"finmart-product-template.xlsx\"";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// ---------------------------------------------------------------------------------------------------------
// Views

/// One column that differs: its import name, its Chinese label and the values before and after.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    pub column: String,
    pub label_zh: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<&ColumnChange> for ChangeView {
    fn from(c: &ColumnChange) -> Self {
        Self {
            column: c.column.clone(),
            label_zh: c.label_zh.clone(),
            before: c.before.clone(),
            after: c.after.clone(),
        }
    }
}

fn changes_view(changes: &[ColumnChange]) -> Vec<ChangeView> {
    changes.iter().map(ChangeView::from).collect()
}

/// A review of a proposed product (or of a change to a live one).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: i64,
    pub product_id: i64,
    /// The proposed product in the import format (column → text).
    #[schema(value_type = Object)]
    pub record: Map<String, Value>,
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    /// `approved`, `sent_back`, `replaced`, `withdrawn`; absent while pending.
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was sent back.
    pub reason: Option<String>,
}

impl From<&ProductReview> for ReviewView {
    fn from(r: &ProductReview) -> Self {
        Self {
            id: r.id,
            product_id: r.product_id,
            record: r.record.to_json(),
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
            decision: r.decision.map(|d| d.as_str().to_owned()),
            decision_label: r.decision.map(|d| d.label_zh().to_owned()),
            decided_at: r.decided_at,
            reason: r.reason.clone(),
        }
    }
}

/// One of the bank's products, with its pending review and the operator's last reason for sending it back.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ManagedProductView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub family: String,
    pub family_label: String,
    pub family_label_en: String,
    /// `draft`, `in_review`, `published`, `paused` or `archived`.
    pub state: String,
    pub state_label: String,
    pub state_label_en: String,
    /// The product as it is (the live version of a published product) in the import format.
    #[schema(value_type = Object)]
    pub record: Map<String, Value>,
    /// A proposal waiting for the operator, if any.
    pub pending_review: Option<ReviewView>,
    /// The operator's reason, when the last decision sent the product back and nothing was submitted since.
    pub sent_back_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn product_record(p: &Product) -> ProductRecord {
    ProductRecord::from_spec(&p.spec, p.state, &p.institution.code)
}

impl From<&ManagedProduct> for ManagedProductView {
    fn from(m: &ManagedProduct) -> Self {
        let p = &m.product;
        Self {
            id: p.id,
            code: p.spec.code.clone(),
            name: p.spec.name.clone(),
            family: p.spec.family.as_str().to_owned(),
            family_label: p.spec.family.label_zh().to_owned(),
            family_label_en: p.spec.family.label_en().to_owned(),
            state: p.state.as_str().to_owned(),
            state_label: p.state.label_zh().to_owned(),
            state_label_en: p.state.label_en().to_owned(),
            record: product_record(p).to_json(),
            pending_review: m.pending.as_ref().map(ReviewView::from),
            sent_back_reason: m.sent_back_reason().map(str::to_owned),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// What a change to a product did, and the product after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductActionView {
    /// `saved` (applied), `pending_review` (waiting for the operator; the live product is unchanged),
    /// `unchanged`, or the lifecycle act done (`submitted`, `paused`, `resumed`, `archived`).
    pub outcome: String,
    /// The review opened, when there is one.
    pub review_id: Option<i64>,
    pub product: ManagedProductView,
}

/// One applied change of a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    /// The account that made the change.
    pub account_id: Option<i64>,
    pub at: DateTime<Utc>,
    /// `create`, `update`, `submit`, `approve`, `send_back`, `pause`, `resume`, `archive` or `upload`.
    pub action: String,
    pub action_label: String,
    /// The state after the change.
    pub state: String,
    pub state_label: String,
    pub state_label_en: String,
    /// The whole product after the change, in the import format.
    #[schema(value_type = Object)]
    pub record: Map<String, Value>,
    pub changes: Vec<ChangeView>,
}

impl From<&ProductVersion> for VersionView {
    fn from(v: &ProductVersion) -> Self {
        Self {
            version: v.version,
            account_id: v.account_id,
            at: v.at,
            action: v.action.as_str().to_owned(),
            action_label: v.action.label_zh().to_owned(),
            state: v.state.as_str().to_owned(),
            state_label: v.state.label_zh().to_owned(),
            state_label_en: v.state.label_en().to_owned(),
            record: v.record.to_json(),
            changes: changes_view(&v.changes),
        }
    }
}

/// A pending review in the operator's queue, with what it changes against the live version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewQueueItem {
    pub review: ReviewView,
    pub product_id: i64,
    pub product_code: String,
    pub product_name: String,
    pub institution_id: i64,
    pub institution_name: String,
    pub product_state: String,
    pub product_state_label: String,
    pub product_state_label_en: String,
    /// The product has a live (published or paused) version; otherwise it is new and every column is listed.
    pub live: bool,
    pub changes: Vec<ChangeView>,
}

impl From<&ReviewItem> for ReviewQueueItem {
    fn from(item: &ReviewItem) -> Self {
        let p = &item.product;
        Self {
            review: ReviewView::from(&item.review),
            product_id: p.id,
            product_code: p.spec.code.clone(),
            product_name: item.review.record.value("name").unwrap_or(&p.spec.name).to_owned(),
            institution_id: p.institution.id,
            institution_name: p.institution.name.clone(),
            product_state: p.state.as_str().to_owned(),
            product_state_label: p.state.label_zh().to_owned(),
            product_state_label_en: p.state.label_en().to_owned(),
            live: item.live,
            changes: changes_view(&item.changes),
        }
    }
}

/// The operator's decision on a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub review_id: i64,
    pub product_id: i64,
    /// `approved` or `sent_back`.
    pub decision: String,
    pub decision_label: String,
}

/// Why a review is sent back (required).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBackBody {
    #[serde(default)]
    pub reason: String,
}

/// A product a guarantee agency backs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyProductView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub institution_id: i64,
    pub institution_name: String,
    pub family: String,
    pub family_label: String,
    pub family_label_en: String,
    pub state: String,
    pub state_label: String,
    pub state_label_en: String,
    /// `null` when not stated.
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    /// The agency's annual fee on this product, in basis points: its stated bounds (`null`: not stated).
    pub guarantee_fee_min_bps: Option<u32>,
    pub guarantee_fee_max_bps: Option<u32>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Product> for AgencyProductView {
    fn from(p: &Product) -> Self {
        Self {
            id: p.id,
            code: p.spec.code.clone(),
            name: p.spec.name.clone(),
            institution_id: p.institution.id,
            institution_name: p.institution.name.clone(),
            family: p.spec.family.as_str().to_owned(),
            family_label: p.spec.family.label_zh().to_owned(),
            family_label_en: p.spec.family.label_en().to_owned(),
            state: p.state.as_str().to_owned(),
            state_label: p.state.label_zh().to_owned(),
            state_label_en: p.state.label_en().to_owned(),
            amount_min_fen: p.spec.amount.min().map(Fen::fen),
            amount_max_fen: p.spec.amount.max().map(Fen::fen),
            guarantee_fee_min_bps: p.spec.guarantee.as_ref().and_then(|g| g.fee.min()).map(finmart_domain::Bps::bps),
            guarantee_fee_max_bps: p.spec.guarantee.as_ref().and_then(|g| g.fee.max()).map(finmart_domain::Bps::bps),
            updated_at: p.updated_at,
        }
    }
}

/// What an upload did: every row became a submission for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadView {
    /// New products, created in review.
    pub created: usize,
    /// Existing products with a new pending review.
    pub submitted: usize,
    /// Rows equal to what is stored or already proposed.
    pub unchanged: usize,
    /// The reviews opened.
    pub reviews: Vec<i64>,
}

impl From<&UploadSummary> for UploadView {
    fn from(s: &UploadSummary) -> Self {
        Self { created: s.created, submitted: s.submitted, unchanged: s.unchanged, reviews: s.reviews.clone() }
    }
}

/// The Chinese label of a field named after an import column (`eligibility.x` → 准入条件).
pub(super) fn label_of(field: &str) -> String {
    let column = field.split('.').next().unwrap_or(field);
    if finmart_domain::COLUMNS.contains(&column) {
        column_label_zh(column)
    } else if field == "file" {
        "文件".to_owned()
    } else {
        field.to_owned()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shared by the API and the pages

/// A sheet's `中文 / English` format message as its two halves (the whole text for both when it has no
/// ` / `).
fn outcome_name(outcome: EditOutcome) -> (&'static str, Option<i64>) {
    match outcome {
        EditOutcome::Saved => ("saved", None),
        EditOutcome::PendingReview(id) => ("pending_review", Some(id)),
        EditOutcome::Unchanged => ("unchanged", None),
    }
}

/// A lifecycle act a bank does on its product (the last segment of its routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// A draft goes to review.
    Submit,
    /// Pause, resume or archive: done at once.
    Change(LifecycleAct),
}

impl Act {
    /// The act's route segment, its audit action and the name of its outcome.
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Submit => ("submit", "product.submit", "submitted"),
            Self::Change(LifecycleAct::Pause) => ("pause", "product.pause", "paused"),
            Self::Change(LifecycleAct::Resume) => ("resume", "product.resume", "resumed"),
            Self::Change(LifecycleAct::Archive) => ("archive", "product.archive", "archived"),
        }
    }

    /// The same act in the domain's product lifecycle (which says from which states it may be done).
    fn lifecycle(self) -> ProductAct {
        match self {
            Self::Submit => ProductAct::Submit,
            Self::Change(change) => change.into(),
        }
    }
}

/// A request of a bank's user (an institution user or its API token; anyone else is refused first, as by
/// [`LenderUser`]), with what the work on the bank's products needs. The institution is always the user's
/// own, never taken from input.
struct Bank {
    state: AppState,
    caller: Caller,
    user: Principal,
    /// The user's institution.
    id: i64,
}

impl FromRequestParts<AppState> for Bank {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let LenderUser(user, id) = LenderUser::from_request_parts(parts, state).await?;
        let caller = Caller::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        Ok(Self { state: state.clone(), caller, user, id })
    }
}

impl Bank {
    /// The bank's product `id` (404 for another institution's).
    async fn product(&self, id: i64) -> Result<ManagedProduct, ApiError> {
        Ok(self.state.store.managed_product(self.id, id).await?)
    }

    /// Validates a record as the bank's product (its own institution and state columns are not taken from
    /// input).
    async fn spec(&self, record: &ProductRecord) -> Result<ProductSpec, ApiError> {
        let institution =
            self.state.store.institution(self.id).await?.ok_or_else(|| ApiError::not_found("机构", "institution"))?;
        let mut own = ProductRecord::from_pairs(
            finmart_domain::COLUMNS
                .iter()
                .filter(|c| !NOT_FROM_INPUT.contains(c))
                .filter_map(|c| record.value(c).map(|v| (*c, v.to_owned()))),
        );
        own.set("institution_code", &institution.code);
        Ok(own.validate_in(&self.state.config.home_area)?.spec)
    }

    /// Creates the bank's product as a draft.
    async fn create(&self, record: &ProductRecord) -> Result<i64, ApiError> {
        let spec = self.spec(record).await?;
        let event = self.caller.audit(&self.user, "product.create");
        Ok(self.state.store.create_managed_product(self.id, &spec, &event).await?)
    }

    /// Edits the bank's product (a live one waits for review).
    async fn edit(&self, id: i64, record: &ProductRecord) -> Result<EditOutcome, ApiError> {
        let spec = self.spec(record).await?;
        let event = self.caller.audit(&self.user, "product.update");
        Ok(self.state.store.edit_managed_product(self.id, id, &spec, &event).await?)
    }

    /// A lifecycle act on the bank's product. Returns the outcome's name (`submitted`, `paused`, `resumed`,
    /// `archived`) and the review opened (by a submission).
    async fn act(&self, id: i64, act: Act) -> Result<(&'static str, Option<i64>), ApiError> {
        let (_, audit, outcome) = act.names();
        let event = self.caller.audit(&self.user, audit);
        let store = &self.state.store;
        let review = match act {
            Act::Submit => store.submit_managed_product(self.id, id, &event).await.map(Some),
            Act::Change(change) => store.change_product_lifecycle(self.id, id, change, &event).await.map(|_| None),
        };
        Ok((outcome, review?))
    }

    /// Reads a sheet and submits every row of it for review, all or nothing: the summary, or every problem
    /// of the rows (nothing was written). An unusable file is an error.
    async fn upload(&self, file_name: &str, bytes: &[u8]) -> Result<Result<UploadSummary, Vec<RowError>>, ApiError> {
        use finmart_sheets::SheetError;
        let home = &self.state.config.home_area;
        let records = match finmart_sheets::read_records(file_name, bytes, home) {
            Ok(records) => records,
            Err(SheetError::Rejected(rows)) => return Ok(Err(rows)),
            Err(SheetError::Format(message)) => return Err(not_of_format(&message, "file")),
        };
        let mut rows: Vec<(usize, ImportRow)> = Vec::with_capacity(records.len());
        let mut problems = Vec::new();
        for (row, record) in records {
            match record.validate_in(home) {
                Ok(r) => rows.push((row, r)),
                Err(e) => problems.extend(RowError::from_fields(row, &e)),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let name: String = file_name.chars().take(200).collect();
        let event = self.caller.audit(&self.user, "product.upload").detail(serde_json::json!({"file_name": name}));
        match self.state.store.upload_managed_products(self.id, &rows, &event).await {
            Ok(summary) => Ok(Ok(summary)),
            Err(StoreError::ImportRejected(rows)) => Ok(Err(rows)),
            Err(e) => Err(e.into()),
        }
    }
}

/// The XLSX template as a download (the API's and the page's).
async fn template_download(_: LenderUser) -> Result<Response, ApiError> {
    let bytes = finmart_sheets::template_xlsx().map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, XLSX_TYPE), (header::CONTENT_DISPOSITION, TEMPLATE_DISPOSITION)], bytes)
        .into_response())
}

/// Approves a review (operator only).
async fn approve(state: &AppState, caller: &Caller, operator: &Principal, review_id: i64) -> Result<i64, ApiError> {
    let event = caller.audit(operator, "product.approve");
    Ok(state.store.approve_review(review_id, &event).await?)
}

/// Sends a review back with a reason (operator only).
async fn send_back(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    review_id: i64,
    reason: &str,
) -> Result<i64, ApiError> {
    let event = caller.audit(operator, "product.send_back");
    Ok(state.store.send_back_review(review_id, reason, &event).await?)
}
