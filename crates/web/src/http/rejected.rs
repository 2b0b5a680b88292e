//! The answer to a sheet or batch refused row by row: nothing was written, and every problem is listed by row
//! and column (a bank's product upload, a data provider's batch of facts).

use crate::http::error::{ApiError, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finmart_domain::RowError;
use serde::Serialize;
use utoipa::ToSchema;

/// One problem of one row of an uploaded sheet or a sent batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowProblem {
    /// The row as the sheet's author sees it (the header is row 1), or the record's place in a batch (from 1).
    pub row: usize,
    /// The column (`eligibility.min_tax_credit_grade` for one rule of a column).
    pub field: String,
    /// The column's Chinese name, as in the template.
    pub label_zh: String,
    pub message: String,
    pub message_en: String,
}

/// An upload or batch refused: nothing was written, and every problem is listed by row and column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadRejected {
    /// `rejected`.
    pub code: ErrorCode,
    pub message: String,
    pub message_en: String,
    pub rows: Vec<RowProblem>,
}

impl UploadRejected {
    /// The refusal of `rows`, each column named by `label_zh` (the format's Chinese column names).
    #[must_use]
    pub fn of(rows: &[RowError], label_zh: impl Fn(&str) -> String, message: String, message_en: String) -> Self {
        let rows = rows
            .iter()
            .map(|e| RowProblem {
                row: e.row,
                field: e.field.clone(),
                label_zh: label_zh(&e.field),
                message: e.message.clone(),
                message_en: e.message_en.clone(),
            })
            .collect();
        Self { code: ErrorCode::Rejected, message, message_en, rows }
    }
}

impl IntoResponse for UploadRejected {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, axum::Json(self)).into_response()
    }
}

/// The 400 of an upload: its rows refused (`rejected`, every problem in `rows`), or the request itself
/// refused with the error body (`invalid_parameter`: no `file_name`; `invalid_file`: not a sheet). Any of
/// the two, not one of: the error body's schema admits a rejection's members too.
#[derive(Debug)]
pub struct UploadRefusal;

impl utoipa::PartialSchema for UploadRefusal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{Ref, schema::AnyOfBuilder};
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("UploadRejected"))
            .item(Ref::from_schema_name("ErrorBody"))
            .description(Some("`rejected` with `rows`, or the error body (`invalid_parameter`, `invalid_file`)"))
            .into()
    }
}

impl utoipa::ToSchema for UploadRefusal {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("UploadRejected".to_owned(), UploadRejected::schema()));
        <UploadRejected as utoipa::ToSchema>::schemas(schemas);
    }
}

/// A file or body not of its format (a reader's message, "中文 / English"): 400 `invalid_file` on `field`.
#[must_use]
pub fn not_of_format(message: &str, field: &str) -> ApiError {
    let (zh, en) = finmart_sheets::format_words(message);
    ApiError::new(ErrorCode::InvalidFile, zh, en).on_field(field)
}
