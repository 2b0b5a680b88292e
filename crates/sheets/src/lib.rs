//! Sheets in and out: the one place that reads product import files (JSON, CSV, XLSX) into
//! [`ProductRecord`]s and facts lists into [`finmart_domain::FactRecord`]s, and that writes the XLSX template
//! banks fill in.
//!
//! Reading is all or nothing: every row of the file is read and validated by the domain
//! ([`ProductRecord::validate`]), and any problem anywhere gives [`SheetError::Rejected`] with every row's
//! problems, each with the row number as the file's author sees it. What needs the database (does the
//! institution exist, is a product listed twice) is checked later, by the store. The formats are described
//! in `docs/import-format.md`.

mod facts;
mod template;
mod text;
mod xlsx;

#[cfg(test)]
mod tests;

pub use facts::read_fact_records;
pub use template::template_xlsx;

use finmart_domain::{HomeArea, ProductRecord, RowError};
use thiserror::Error;

/// Why a file could not be read.
#[derive(Debug, Error)]
pub enum SheetError {
    /// The file as a whole is unusable (wrong extension, not JSON / CSV / XLSX, unknown header…). The
    /// message is bilingual: `中文 / English`.
    #[error("{0}")]
    Format(String),
    /// Some rows are wrong: every problem of every row, in row order.
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Rejected(Vec<RowError>),
}

/// The two languages of a [`SheetError::Format`] message (`中文 / English`); the whole message as both when
/// it has no separator.
#[must_use]
pub fn format_words(message: &str) -> (&str, &str) {
    message.split_once(" / ").unwrap_or((message, message))
}

/// What a reader found: the records of the file, and the problems no record could carry.
#[derive(Debug, Default)]
struct Read {
    records: Vec<(usize, ProductRecord)>,
    errors: Vec<RowError>,
}

/// Reads and validates the product records of a file: (row number as its author sees it, record).
///
/// The format follows the extension of `file_name`, in any case: `.json`, `.csv` or `.xlsx`. Row numbers
/// are the CSV line (the header is line 1), the 1-based index in a JSON array, or the spreadsheet row.
///
/// # Errors
/// [`SheetError::Format`] for an unknown extension or a file that is not of its format at all (or an XLSX
/// sheet with an unknown header); [`SheetError::Rejected`] with every problem of every row otherwise.
pub fn read_records(file_name: &str, bytes: &[u8], home: &HomeArea) -> Result<Vec<(usize, ProductRecord)>, SheetError> {
    let extension = std::path::Path::new(file_name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    // Spreadsheet programs often start UTF-8 files with a byte-order mark.
    let text = || bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let read = match extension.as_deref() {
        Some("json") => text::read_json(text())?,
        Some("csv") => text::read_csv(text())?,
        Some("xlsx") => xlsx::read_xlsx(bytes)?,
        _ => {
            return Err(SheetError::Format(
                "文件扩展名须为 .json、.csv 或 .xlsx / the file must end in .json, .csv or .xlsx".to_owned(),
            ));
        }
    };
    validate(read, home)
}

/// Validates every record, keeping every problem; a field a reader already reported (an XLSX error cell)
/// is not reported again.
fn validate(read: Read, home: &HomeArea) -> Result<Vec<(usize, ProductRecord)>, SheetError> {
    let Read { records, mut errors } = read;
    let reported: Vec<(usize, String)> = errors.iter().map(|e| (e.row, e.field.clone())).collect();
    for (row, record) in &records {
        if let Err(fields) = record.validate_in(home) {
            errors.extend(
                RowError::from_fields(*row, &fields)
                    .into_iter()
                    .filter(|e| !reported.iter().any(|(r, f)| *r == e.row && *f == e.field)),
            );
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        // Stable: the fields of a row stay in the order they were found.
        errors.sort_by_key(|e| e.row);
        Err(SheetError::Rejected(errors))
    }
}
