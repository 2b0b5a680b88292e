//! The products API: a bank's products (`/api/v1/bank/products...`), the operator's reviews
//! (`/api/v1/reviews...`) and the guarantee agency's products (`/api/v1/agency/products`).

use super::{
    Act, AgencyProductView, Bank, DecisionView, ManagedProductView, ProductActionView, QUEUE_LIMIT, ReviewQueueItem,
    SendBackBody, UploadView, VersionView, approve, label_of, outcome_name, send_back, template_download,
};
use crate::http::auth::{AgencyUser, Caller, LenderUser, OperatorUser};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Id, Json, JsonOrEmpty, Query};
use crate::http::rejected::{UploadRefusal, UploadRejected};
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finmart_domain::{FieldErrors, Labelled, LifecycleAct, ProductRecord, ValueError};
use finmart_store::ReviewDecision;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product))
        .routes(routes!(submit_product))
        .routes(routes!(pause_product))
        .routes(routes!(resume_product))
        .routes(routes!(archive_product))
        .routes(routes!(product_versions))
        .routes(routes!(upload_products))
        .routes(routes!(template))
        .routes(routes!(reviews))
        .routes(routes!(approve_review))
        .routes(routes!(send_back_review))
        .routes(routes!(agency_products))
        .routes(routes!(describe_rule))
}

/// A JSON object of import columns as a record; keys that are not columns are refused.
fn body_record(object: &Map<String, Value>) -> Result<ProductRecord, ApiError> {
    let mut errors = FieldErrors::default();
    for key in object.keys() {
        if !finmart_domain::COLUMNS.contains(&key.as_str()) {
            errors.push(key.as_str(), ValueError::Invalid("未知的列".to_owned()));
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(ProductRecord::from_json(object)?)
}

impl Bank {
    /// Does `act` on the bank's product `id` and answers with the product after it.
    async fn run(&self, id: i64, act: Act) -> Result<axum::Json<ProductActionView>, ApiError> {
        let done = self.act(id, act).await?;
        self.answer(id, done).await
    }

    /// The answer to a change of the bank's product: what it did, and the product after it.
    async fn answer(&self, id: i64, done: (&str, Option<i64>)) -> Result<axum::Json<ProductActionView>, ApiError> {
        let product = ManagedProductView::from(&self.product(id).await?);
        Ok(axum::Json(ProductActionView { outcome: done.0.to_owned(), review_id: done.1, product }))
    }
}

/// The caller's institution's products, newest change first, in every state.
#[utoipa::path(
    get,
    path = "/api/v1/bank/products",
    responses(
        (status = 200, body = Vec<ManagedProductView>),
        (status = 403, description = "Not an institution user or token", body = ErrorBody),
    )
)]
async fn list_products(bank: Bank) -> Result<axum::Json<Vec<ManagedProductView>>, ApiError> {
    let products = bank.state.store.managed_products(bank.id).await?;
    Ok(axum::Json(products.iter().map(ManagedProductView::from).collect()))
}

/// Create a product as a draft, from a JSON object of import columns (`docs/import-format.md`; numbers,
/// booleans and arrays are accepted for their columns). `institution_code` is always the caller's, and
/// `state` follows the workflow: neither is taken from the body.
#[utoipa::path(
    post,
    path = "/api/v1/bank/products",
    request_body(content = Object, description = "Import columns → values"),
    responses(
        (status = 201, body = ManagedProductView),
        (status = 400, description = "Every bad column, in `errors`", body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn create_product(
    bank: Bank,
    Json(body): Json<Map<String, Value>>,
) -> Result<(StatusCode, axum::Json<ManagedProductView>), ApiError> {
    let id = bank.create(&body_record(&body)?).await?;
    Ok((StatusCode::CREATED, axum::Json(ManagedProductView::from(&bank.product(id).await?))))
}

/// One of the caller's products.
#[utoipa::path(
    get,
    path = "/api/v1/bank/products/{id}",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ManagedProductView),
        (status = 404, description = "No such product of the caller's institution", body = ErrorBody),
    )
)]
async fn get_product(bank: Bank, Id(id): Id) -> Result<axum::Json<ManagedProductView>, ApiError> {
    Ok(axum::Json(ManagedProductView::from(&bank.product(id).await?)))
}

/// Edit a product with the whole record (as for creating). A draft or a product in review changes at once;
/// a published or paused product stays as it is and the change waits for the operator (`pending_review`),
/// replacing any earlier pending change. The product code cannot change.
#[utoipa::path(
    put,
    path = "/api/v1/bank/products/{id}",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    request_body(content = Object, description = "Import columns → values"),
    responses(
        (status = 200, body = ProductActionView),
        (status = 400, description = "Every bad column, in `errors`", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The product is archived", body = ErrorBody),
    )
)]
async fn update_product(
    bank: Bank,
    Id(id): Id,
    Json(body): Json<Map<String, Value>>,
) -> Result<axum::Json<ProductActionView>, ApiError> {
    let outcome = bank.edit(id, &body_record(&body)?).await?;
    bank.answer(id, outcome_name(outcome)).await
}

/// Submit a draft for review (→ `in_review`).
#[utoipa::path(
    post,
    path = "/api/v1/bank/products/{id}/submit",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ProductActionView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not a draft; the message names the current state", body = ErrorBody),
    )
)]
async fn submit_product(bank: Bank, Id(id): Id) -> Result<axum::Json<ProductActionView>, ApiError> {
    bank.run(id, Act::Submit).await
}

/// Pause a published product (hidden from search and matching at once).
#[utoipa::path(
    post,
    path = "/api/v1/bank/products/{id}/pause",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ProductActionView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not published; the message names the current state", body = ErrorBody),
    )
)]
async fn pause_product(bank: Bank, Id(id): Id) -> Result<axum::Json<ProductActionView>, ApiError> {
    bank.run(id, Act::Change(LifecycleAct::Pause)).await
}

/// Resume a paused product (published again; its content did not change, so no review is needed).
#[utoipa::path(
    post,
    path = "/api/v1/bank/products/{id}/resume",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ProductActionView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not paused; the message names the current state", body = ErrorBody),
    )
)]
async fn resume_product(bank: Bank, Id(id): Id) -> Result<axum::Json<ProductActionView>, ApiError> {
    bank.run(id, Act::Change(LifecycleAct::Resume)).await
}

/// Archive a product (final; withdraws a pending review).
#[utoipa::path(
    post,
    path = "/api/v1/bank/products/{id}/archive",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses(
        (status = 200, body = ProductActionView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already archived", body = ErrorBody),
    )
)]
async fn archive_product(bank: Bank, Id(id): Id) -> Result<axum::Json<ProductActionView>, ApiError> {
    bank.run(id, Act::Change(LifecycleAct::Archive)).await
}

/// A product's versions, newest first: who, when, what was done, the whole record and what changed.
#[utoipa::path(
    get,
    path = "/api/v1/bank/products/{id}/versions",
    params(("id" = i64, Path, description = "Product id", minimum = 1)),
    responses((status = 200, body = Vec<VersionView>), (status = 404, body = ErrorBody))
)]
async fn product_versions(bank: Bank, Id(id): Id) -> Result<axum::Json<Vec<VersionView>>, ApiError> {
    let versions = bank.state.store.product_versions(Some(bank.id), id).await?;
    Ok(axum::Json(versions.iter().map(VersionView::from).collect()))
}

/// The upload's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct UploadParams {
    /// The file's name; its extension decides the format
    #[param(required = true, value_type = String)]
    file_name: Option<String>,
}

/// Upload a sheet of products (the body is the file: `.xlsx` or `.csv` in the import format, named by
/// `file_name`). Every row must be the caller's institution's. Any problem refuses the whole file (400 with
/// every problem by row and column, nothing written); otherwise every row is submitted for review.
#[utoipa::path(
    post,
    path = "/api/v1/bank/products/upload",
    params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadView),
        (status = 400, description = "`rejected`: rows refused, every problem in `rows` (nothing was written); `invalid_file`: not a sheet", body = UploadRefusal),
        (status = 403, body = ErrorBody),
    )
)]
async fn upload_products(bank: Bank, Query(params): Query<UploadParams>, body: Bytes) -> Result<Response, ApiError> {
    let file_name = params.file_name.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let file_name = file_name.ok_or_else(|| ApiError::invalid("file_name", &ValueError::Empty))?;
    Ok(match bank.upload(file_name, &body).await? {
        Ok(summary) => axum::Json(UploadView::from(&summary)).into_response(),
        Err(rows) => UploadRejected::of(
            &rows,
            label_of,
            format!("文件有 {} 处问题，未导入任何产品", rows.len()),
            format!("the file has {} problem(s); nothing was imported", rows.len()),
        )
        .into_response(),
    })
}

/// The XLSX template: the columns, their Chinese names and allowed values.
#[utoipa::path(
    get,
    path = "/api/v1/bank/products/template.xlsx",
    responses((status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>))
)]
async fn template(user: LenderUser) -> Result<Response, ApiError> {
    template_download(user).await
}

/// The operator's queue: pending reviews, oldest first, each with what it changes against the live version.
#[utoipa::path(
    get,
    path = "/api/v1/reviews",
    responses(
        (status = 200, body = Vec<ReviewQueueItem>),
        (status = 403, description = "Not the operator", body = ErrorBody),
    ),
    tag = "reviews"
)]
async fn reviews(
    _operator: OperatorUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<ReviewQueueItem>>, ApiError> {
    let items = state.store.pending_reviews(QUEUE_LIMIT).await?;
    Ok(axum::Json(items.iter().map(ReviewQueueItem::from).collect()))
}

/// The operator's decision, as answered.
fn decision(review_id: i64, product_id: i64, d: ReviewDecision) -> axum::Json<DecisionView> {
    axum::Json(DecisionView {
        review_id,
        product_id,
        decision: d.as_str().to_owned(),
        decision_label: d.label_zh().to_owned(),
    })
}

/// Approve a review: the product is saved with the proposed record and published.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/approve",
    params(("id" = i64, Path, description = "Review id", minimum = 1)),
    responses(
        (status = 200, body = DecisionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already decided, or the product was archived", body = ErrorBody),
    ),
    tag = "reviews"
)]
async fn approve_review(
    operator: OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(review_id): Id,
) -> Result<axum::Json<DecisionView>, ApiError> {
    let product_id = approve(&state, &caller, &operator.0, review_id).await?;
    Ok(decision(review_id, product_id, ReviewDecision::Approved))
}

/// Send a review back with a reason (required); a new product returns to `draft`, a live product stays.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/send-back",
    params(("id" = i64, Path, description = "Review id", minimum = 1)),
    request_body = SendBackBody,
    responses(
        (status = 200, body = DecisionView),
        (status = 400, description = "No reason given", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already decided", body = ErrorBody),
    ),
    tag = "reviews"
)]
async fn send_back_review(
    operator: OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(review_id): Id,
    // An empty body is no reason (refused by the store, naming `reason`), not a malformed body.
    JsonOrEmpty(body): JsonOrEmpty<SendBackBody>,
) -> Result<axum::Json<DecisionView>, ApiError> {
    let product_id = send_back(&state, &caller, &operator.0, review_id, &body.reason).await?;
    Ok(decision(review_id, product_id, ReviewDecision::SentBack))
}

/// The products the caller's guarantee agency backs, in every state but draft.
#[utoipa::path(
    get,
    path = "/api/v1/agency/products",
    responses(
        (status = 200, body = Vec<AgencyProductView>),
        (status = 403, description = "Not a guarantee-agency user", body = ErrorBody),
    ),
    tag = "agency"
)]
async fn agency_products(
    agency: AgencyUser,
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<AgencyProductView>>, ApiError> {
    let products = state.store.agency_products(agency.1).await?;
    Ok(axum::Json(products.iter().map(AgencyProductView::from).collect()))
}

/// The sentence an SME reads for one condition of the product form's eligibility builder.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RuleSentence {
    /// The rule's key.
    pub kind: String,
    pub sentence: String,
    pub sentence_en: String,
}

/// Describe one eligibility condition as the product form's builder states it (a kind and its inputs: a
/// number, a range in 万元 or head counts, ticked values, or the lender's words a line each), in the words
/// the SME will read, or say what is wrong with it. The form's script calls it as a condition is typed; it
/// stores nothing.
#[utoipa::path(
    post,
    path = "/api/v1/eligibility/describe",
    request_body = super::form::rules::RuleRow,
    responses(
        (status = 200, body = RuleSentence),
        (status = 400, description = "The kind or the value, in `errors`, in Chinese and English", body = ErrorBody),
        (status = 403, description = "Not an institution user or token", body = ErrorBody),
    )
)]
async fn describe_rule(
    _user: LenderUser,
    Json(row): Json<super::form::rules::RuleRow>,
) -> Result<axum::Json<RuleSentence>, ApiError> {
    let mut errors = FieldErrors::default();
    match row.rule() {
        Some(Ok(rule)) => {
            return Ok(axum::Json(RuleSentence {
                kind: rule.key().to_owned(),
                sentence: rule.describe_zh(),
                sentence_en: rule.describe_en(),
            }));
        }
        Some(Err(e)) => errors.push("value", e),
        None => {
            let unknown =
                finmart_domain::RuleKind::parse(row.kind.trim()).err().map_or(ValueError::Empty, ValueError::from);
            errors.push("kind", unknown);
        }
    }
    Err(errors.into())
}
