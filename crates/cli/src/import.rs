//! `finmart import FILE`: products from a JSON, CSV or XLSX file (format: docs/import-format.md).
//!
//! The file is read and every row validated by `finmart_sheets` (the domain's [`ProductRecord`]); a file
//! whose rows are all valid is then checked against the database (institutions, guarantee agencies,
//! repeated codes). Any problem anywhere: every problem is reported with its row, field and reason, and
//! nothing is written. Otherwise all rows are upserted in one transaction.

use finmart_domain::{HomeArea, ImportRow, ProductRecord};
use finmart_sheets::SheetError;
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

impl From<SheetError> for ImportError {
    fn from(e: SheetError) -> Self {
        match e {
            SheetError::Format(message) => Self::Format(message),
            SheetError::Rejected(errors) => Self::Rejected(errors),
        }
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ImportRejected(errors) => Self::Rejected(errors),
            other => Self::Store(other),
        }
    }
}

/// Reads the records of a file: (row number as its author sees it, record), areas read as seen from `home`.
/// Reading and row validation are `finmart_sheets::read_records` (JSON, CSV or XLSX, by extension).
///
/// # Errors
/// Unreadable file, unknown extension, a file that is not JSON / CSV / XLSX at all, or bad rows.
pub fn read_records(path: &Path, home: &HomeArea) -> Result<Vec<(usize, ProductRecord)>, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    Ok(finmart_sheets::read_records(&path.to_string_lossy(), &bytes, home)?)
}

/// Validates every record; returns the rows, or every problem (including those only the database sees).
///
/// # Errors
/// [`ImportError::Rejected`] with every problem; database failure.
pub async fn validate(
    store: &Store,
    records: Vec<(usize, ProductRecord)>,
    home: &HomeArea,
) -> Result<Vec<(usize, ImportRow)>, ImportError> {
    let mut rows = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    for (row, record) in records {
        match record.validate_in(home) {
            Ok(valid) => rows.push((row, valid)),
            Err(fields) => errors.extend(RowError::from_fields(row, &fields)),
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

/// Imports a file, its areas read as seen from `home` (全市, 本省, bare district names): all rows or none.
///
/// # Errors
/// See [`ImportError`].
pub async fn import_file(
    store: &Store,
    path: &Path,
    home: &HomeArea,
    show_progress: bool,
) -> Result<ImportSummary, ImportError> {
    let rows = validate(store, read_records(path, home)?, home).await?;
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
