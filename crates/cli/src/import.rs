//! `finmart import FILE`: products from a JSON or CSV file (format: docs/import-format.md).
//!
//! Every row is validated first (the domain's [`ProductRecord`]), then checked against the database
//! (institutions, guarantee agencies, repeated codes). Any problem anywhere: every problem is reported with
//! its row, field and reason, and nothing is written. Otherwise all rows are upserted in one transaction.

use finmart_domain::{ImportRow, ProductRecord};
use finmart_store::{ImportSummary, RowError, Store, StoreError};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{0}")]
    Format(String),
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Rejected(Vec<RowError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ImportRejected(errors) => Self::Rejected(errors),
            other => Self::Store(other),
        }
    }
}

/// Reads the records of a file: (row number as its author sees it, record).
///
/// # Errors
/// Unreadable file, unknown extension, or a file that is not JSON / CSV at all.
pub fn read_records(path: &Path) -> Result<Vec<(usize, ProductRecord)>, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    // Spreadsheet programs often start UTF-8 files with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => read_json(bytes),
        Some("csv") => read_csv(bytes),
        _ => Err(ImportError::Format("文件扩展名须为 .json 或 .csv / the file must end in .json or .csv".to_owned())),
    }
}

fn read_json(bytes: &[u8]) -> Result<Vec<(usize, ProductRecord)>, ImportError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ImportError::Format(format!("不是有效的 JSON / not valid JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("products") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(ImportError::Format(
                "JSON 须为产品数组，或含 products 数组的对象 / expected an array of products or {\"products\": [...]}"
                    .to_owned(),
            )),
        },
        _ => return Err(ImportError::Format("JSON 须为产品数组 / expected an array of products".to_owned())),
    };
    let mut records = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let row = i + 1;
        match item {
            serde_json::Value::Object(object) => match ProductRecord::from_json(&object) {
                Ok(record) => records.push((row, record)),
                Err(fields) => errors.extend(row_errors(row, &fields)),
            },
            _ => errors.push(RowError::new(row, "row", "每一项须为对象", "each item must be an object")),
        }
    }
    if errors.is_empty() { Ok(records) } else { Err(ImportError::Rejected(errors)) }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, ProductRecord)>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Format(format!("CSV 表头无法读取 / unreadable CSV header: {e}")))?
        .clone();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, result) in reader.records().enumerate() {
        // The header is row 1, so the first data row is row 2 (counted by record, which CRLF files and
        // quoted line breaks do not disturb).
        let row = i + 2;
        match result {
            Ok(record) => records.push((row, ProductRecord::from_pairs(headers.iter().zip(record.iter())))),
            Err(e) => errors.push(RowError::new(row, "row", format!("无法解析：{e}"), format!("unreadable: {e}"))),
        }
    }
    if errors.is_empty() { Ok(records) } else { Err(ImportError::Rejected(errors)) }
}

fn row_errors(row: usize, fields: &finmart_domain::FieldErrors) -> Vec<RowError> {
    fields.0.iter().map(|f| RowError::new(row, &f.field, f.error.message_zh(), f.error.to_string())).collect()
}

/// Validates every record; returns the rows, or every problem (including those only the database sees).
///
/// # Errors
/// [`ImportError::Rejected`] with every problem; database failure.
pub async fn validate(
    store: &Store,
    records: Vec<(usize, ProductRecord)>,
) -> Result<Vec<(usize, ImportRow)>, ImportError> {
    let mut rows = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    for (row, record) in records {
        match record.validate() {
            Ok(valid) => rows.push((row, valid)),
            Err(fields) => errors.extend(row_errors(row, &fields)),
        }
    }
    errors.extend(store.check_import(&rows).await?);
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(ImportError::Rejected(errors))
    }
}

/// Imports a file: all rows or none.
///
/// # Errors
/// See [`ImportError`].
pub async fn import_file(store: &Store, path: &Path, show_progress: bool) -> Result<ImportSummary, ImportError> {
    let rows = validate(store, read_records(path)?).await?;
    let bar = progress_bar(rows.len() as u64, "导入产品", show_progress);
    let tick = bar.clone();
    let summary = store.import(&rows, &move || tick.inc(1)).await?;
    bar.finish_and_clear();
    Ok(summary)
}

/// A progress bar on stderr, hidden when not wanted (tests, pipes).
#[must_use]
pub fn progress_bar(len: u64, message: &'static str, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The report of a rejected file, one line per problem.
#[must_use]
pub fn report(errors: &[RowError]) -> String {
    let mut out = format!(
        "导入失败，共 {} 处错误，未导入任何数据 / import refused, {} problem(s), nothing imported:\n",
        errors.len(),
        errors.len()
    );
    for e in errors {
        out.push_str(&format!("  第 {} 行 row {}  {}：{} / {}\n", e.row, e.row, e.field, e.message, e.message_en));
    }
    out
}
