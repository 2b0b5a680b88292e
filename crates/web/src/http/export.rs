//! Exports: one table (headers and rows of typed cells) as CSV or XLSX, and the download response. Every
//! export of the site is written here, so a spreadsheet program reads the same columns and numbers whichever
//! format is chosen.
//!
//! - Amounts ([`Cell::Money`]) read as 万元 on pages (`166,395`, the column header saying 万元) and are written
//!   exact in 元 to the files (the header saying 元), so a spreadsheet adds them up to the fen.
//! - CSV is UTF-8 with a byte-order mark (so spreadsheet programs read Chinese), comma-separated, quoted
//!   where needed, one header row. Numbers are plain decimals (`80.00`), dates `YYYY-MM-DD`, times
//!   `YYYY-MM-DD HH:MM` (Asia/Shanghai).
//! - XLSX has one sheet with a bold, frozen header row. Counts are integers, amounts numbers of 元 shown
//!   with separators and two decimals, dates and times real spreadsheet dates (Asia/Shanghai), empty cells
//!   empty.

use crate::http::error::ApiError;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, FormatAlign, Workbook, XlsxError};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `csv` or `xlsx`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// Text with its English version (pages in English show it; exports are Chinese).
    Label {
        zh: String,
        en: String,
    },
    /// A count, or any whole number.
    Int(i64),
    /// A decimal number given as its exact text (`80.00`, `3.5`), and how many decimals to show.
    Decimal {
        text: String,
        places: u8,
    },
    /// An amount in fen: 万元 on pages, exact 元 in files.
    Money(i64),
    /// The unit of a [`Cell::Money`] beside it (a key figure's unit column): 万元 on pages, 元 in files.
    MoneyUnit,
    /// A calendar day.
    Date(NaiveDate),
    /// An instant, shown in Asia/Shanghai to the minute.
    Time(DateTime<Utc>),
}

impl Cell {
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    #[must_use]
    pub fn label(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Label { zh: zh.into(), en: en.into() }
    }

    #[must_use]
    pub fn count(n: u64) -> Self {
        Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Basis points as a percentage with two decimals; empty for `None`.
    #[must_use]
    pub fn percent(bps: Option<u32>) -> Self {
        bps.map_or(Self::Empty, |b| Self::Decimal { text: format!("{}.{:02}", b / 100, b % 100), places: 2 })
    }

    /// Decimal text (`3.5`) with `places` decimals; empty for `None`.
    #[must_use]
    pub fn decimal(text: Option<&str>, places: u8) -> Self {
        text.map_or(Self::Empty, |t| Self::Decimal { text: t.to_owned(), places })
    }

    /// Whether the cell holds a number (right-aligned on pages).
    #[must_use]
    pub fn is_number(&self) -> bool {
        matches!(self, Self::Int(_) | Self::Decimal { .. } | Self::Money(_))
    }

    /// The cell as text, in English when `en` (labels only; everything else is the same in both).
    #[must_use]
    pub fn display(&self, en: bool) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(t) => t.clone(),
            Self::Label { zh, en: english } => (if en { english } else { zh }).clone(),
            Self::Int(n) => n.to_string(),
            Self::Decimal { text, .. } => text.clone(),
            Self::Money(fen) => crate::http::format::wan_text(*fen),
            Self::MoneyUnit => (if en { WAN_UNIT.1 } else { WAN_UNIT.0 }).to_owned(),
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
            Self::Time(t) => crate::http::format::shanghai(*t),
        }
    }

    /// The cell as a file holds it (Chinese, amounts exact in 元 without separators).
    fn file_text(&self) -> String {
        match self {
            Self::Money(fen) => {
                let sign = if *fen < 0 { "-" } else { "" };
                format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
            }
            Self::MoneyUnit => "元".to_owned(),
            other => other.display(false),
        }
    }
}

/// The unit of amounts on pages, Chinese and English.
pub const WAN_UNIT: (&str, &str) = ("万元", "10k yuan");

/// The header of a column of [`Cell::Money`]: `申请金额（万元）` on pages; files write `申请金额（元）`. Every
/// column headed in 万元 holds amounts.
#[must_use]
pub fn money_header(zh: &str, en: &str) -> (String, String) {
    (format!("{zh}（{}）", WAN_UNIT.0), format!("{en} ({})", WAN_UNIT.1))
}

/// A table to export: the sheet's name and the header row in Chinese (with English for pages), and rows of
/// cells (each row as long as the headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet name: at most 31 characters, none of `[]:*?/\`.
    pub sheet: String,
    pub headers: Vec<(String, String)>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The Chinese headers as the files write them: a column headed by [`money_header`] (amounts) says 元, as
    /// its cells are written, whether or not the table has rows.
    fn file_headers(&self) -> Vec<String> {
        let page_unit = format!("（{}）", WAN_UNIT.0);
        self.headers
            .iter()
            .map(|(zh, _)| zh.strip_suffix(&page_unit).map_or_else(|| zh.clone(), |name| format!("{name}（元）")))
            .collect()
    }
}

fn failed(e: &dyn std::error::Error) -> ApiError {
    ApiError::internal(e)
}

/// The table as CSV: UTF-8 with a byte-order mark, Chinese headers.
///
/// # Errors
/// Writing failed (a bug: the writer writes to memory).
pub fn csv(table: &Table) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(table.file_headers()).map_err(|e| failed(&e))?;
    for row in &table.rows {
        writer.write_record(row.iter().map(Cell::file_text)).map_err(|e| failed(&e))?;
    }
    writer.into_inner().map_err(|e| failed(e.error()))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, u8::try_from(d.month()).unwrap_or(1), u8::try_from(d.day()).unwrap_or(1))
}

fn excel_time(t: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let local = t.with_timezone(&finmart_domain::shanghai::offset()).naive_local();
    excel_date(local.date())?.and_hms(
        u16::try_from(local.hour()).unwrap_or(0),
        u8::try_from(local.minute()).unwrap_or(0),
        0,
    )
}

fn workbook(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&table.sheet)?;
    let header = XlsxFormat::new().set_bold().set_align(FormatAlign::Center);
    let int = XlsxFormat::new().set_num_format("0");
    let decimals = [
        XlsxFormat::new().set_num_format("0"),
        XlsxFormat::new().set_num_format("0.0"),
        XlsxFormat::new().set_num_format("0.00"),
    ];
    let date = XlsxFormat::new().set_num_format("yyyy-mm-dd");
    let time = XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    let money = XlsxFormat::new().set_num_format("#,##0.00");
    let headers = table.file_headers();
    let mut widths: Vec<usize> = headers.iter().map(|zh| zh.chars().count() * 2).collect();
    for (col, zh) in (0u16..).zip(&headers) {
        sheet.write_string_with_format(0, col, zh, &header)?;
    }
    for (row, cells) in (1u32..).zip(&table.rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Empty => {}
                Cell::Text(t) | Cell::Label { zh: t, .. } => {
                    sheet.write_string(row, col, t)?;
                }
                Cell::MoneyUnit => {
                    sheet.write_string(row, col, cell.file_text())?;
                }
                #[allow(clippy::cast_precision_loss)]
                Cell::Money(fen) => {
                    // A spreadsheet number is a double: fen / 100 is the double nearest the two-decimal value
                    // (exact to the fen for any amount below 2^53 fen), shown back with two decimals.
                    sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &money)?;
                }
                #[allow(clippy::cast_precision_loss)]
                Cell::Int(n) => {
                    sheet.write_number_with_format(row, col, *n as f64, &int)?;
                }
                Cell::Decimal { text, places } => {
                    let value: f64 = text.parse().map_err(|_| XlsxError::ParameterError(text.clone()))?;
                    let format = &decimals[usize::from(*places).min(decimals.len() - 1)];
                    sheet.write_number_with_format(row, col, value, format)?;
                }
                Cell::Date(d) => {
                    sheet.write_datetime_with_format(row, col, excel_date(*d)?, &date)?;
                }
                Cell::Time(t) => {
                    sheet.write_datetime_with_format(row, col, excel_time(*t)?, &time)?;
                }
            }
            if let Some(width) = widths.get_mut(usize::from(col)) {
                let chars = cell.file_text().chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
                *width = (*width).max(chars);
            }
        }
    }
    for (col, width) in (0u16..).zip(widths) {
        #[allow(clippy::cast_precision_loss)]
        sheet.set_column_width(col, (width.clamp(8, 60) + 2) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// The table as an XLSX workbook of one sheet.
///
/// # Errors
/// The workbook cannot be built (a bad sheet name: a bug).
pub fn xlsx(table: &Table) -> Result<Vec<u8>, ApiError> {
    workbook(table).map_err(|e| failed(&e))
}

/// Percent-encodes a file name for `filename*=UTF-8''…` (RFC 5987: everything but letters, digits and
/// `-._~`).
fn encode_filename(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The download: the table in `format`, named `ascii_name` (letters, digits, `-_.` only) for old clients and
/// `name` (may be Chinese) for the rest, without the extension.
///
/// # Errors
/// The file cannot be written (a bug).
pub fn download(table: &Table, format: Format, ascii_name: &str, name: &str) -> Result<Response, ApiError> {
    let body = match format {
        Format::Csv => csv(table)?,
        Format::Xlsx => xlsx(table)?,
    };
    let ext = format.extension();
    let ascii: String =
        ascii_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let disposition =
        format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{}.{ext}", encode_filename(name));
    let disposition = HeaderValue::from_str(&disposition).map_err(|e| failed(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        body,
    )
        .into_response())
}

/// A table as a page shows it (the `data_table` macro of `_tables.html`): caption, headers, cells as text in the
/// page's language, numbers and data marked, and the links `href(format)` that export it as CSV and XLSX.
#[must_use]
pub fn table_view(table: &Table, en: bool, title: (&str, &str), href: impl Fn(&str) -> String) -> serde_json::Value {
    use serde_json::json;
    let numeric = |i: usize| table.rows.iter().any(|r| r.get(i).is_some_and(Cell::is_number));
    let header = |(i, (zh, e)): (usize, &(String, String))| json!({"text": if en { e } else { zh }, "num": numeric(i)});
    let headers: Vec<serde_json::Value> = table.headers.iter().enumerate().map(header).collect();
    // Text cells hold the data as written (a name, a rejection reason, a search): the page marks their language.
    let cell = |c: &Cell| json!({"text": c.display(en), "num": c.is_number(), "data": matches!(c, Cell::Text(_))});
    let rows: Vec<Vec<serde_json::Value>> = table.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    json!({
        "caption": if en { title.1 } else { title.0 },
        "headers": headers,
        "rows": rows,
        "export": {"csv": href("csv"), "xlsx": href("xlsx")},
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            sheet: "按产品".to_owned(),
            headers: vec![
                ("产品".into(), "Product".into()),
                money_header("金额", "Amount"),
                ("单位".into(), "Unit".into()),
            ],
            rows: vec![
                vec![Cell::label("担保贷, \"甲\"", "Loan"), Cell::Money(166_395_000_012_345), Cell::MoneyUnit],
                vec![Cell::Empty, Cell::Money(1_234_567), Cell::Empty],
                vec![Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()), Cell::percent(Some(5_000)), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_chinese_headers_and_quoted_text() {
        let bytes = csv(&table()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(
            text, "产品,金额（元）,单位\n\"担保贷, \"\"甲\"\"\",1663950000123.45,元\n,12345.67,\n2026-03-01,50.00,\n",
            "amounts exact in 元 in files"
        );
    }

    #[test]
    fn pages_show_amounts_in_wan() {
        let t = table();
        assert_eq!(t.headers[1].0, "金额（万元）");
        assert_eq!(t.rows[0][1].display(false), "166,395,000.01");
        assert_eq!(t.rows[1][1].display(true), "1.23");
        assert_eq!(
            (t.rows[0][2].display(false), t.rows[0][2].display(true)),
            ("万元".to_owned(), "10k yuan".to_owned())
        );
    }

    #[test]
    fn xlsx_is_a_zip_and_names_are_encoded() {
        let bytes = xlsx(&table()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(encode_filename("按产品 a-1.x"), "%E6%8C%89%E4%BA%A7%E5%93%81%20a-1.x");
        let t = DateTime::parse_from_rfc3339("2026-03-01T15:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(Cell::Time(t).display(false), "2026-03-01 23:30", "Asia/Shanghai");
        assert_eq!(Cell::percent(Some(1_234)).display(false), "12.34");
        assert_eq!(Cell::percent(None), Cell::Empty);
    }
}
