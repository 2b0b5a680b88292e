//! XLSX files: the first worksheet, a header row of column names or their Chinese names, then one record per
//! row (a product of an import file, a fact of a department's list).
//!
//! Cells are turned back into the text a person typed: `500000`, not `500000.0`; a date cell as
//! `YYYY-MM-DD`; a cell shown as a percentage (`4.8%`, stored as 0.048) as `4.8%`.

use crate::{Read, SheetError};
use calamine::{Data, Reader, StyleRange, Xlsx};
use finmart_domain::{ColumnInfo, ProductRecord, RowError, column_info};

/// The cells of a sheet's rows by column: (row number as the spreadsheet shows it, (column, text) pairs),
/// and the problems no row could carry (error cells).
#[derive(Debug, Default)]
pub(crate) struct Cells {
    pub rows: Vec<(usize, Vec<(&'static str, String)>)>,
    pub errors: Vec<RowError>,
}

/// Where a file's columns are described, for the message about an unknown header: (Chinese, English).
pub(crate) type ColumnsDoc = (&'static str, &'static str);
use std::io::Cursor;

/// How many cells to name in an error about cells outside any column, before `…`.
const NAMED_CELLS: usize = 5;

/// The product records of an import file's first worksheet.
pub(crate) fn read_xlsx(bytes: &[u8]) -> Result<Read, SheetError> {
    let cells =
        read_cells(bytes, &column_info(), ("docs/import-format.md 第 3 节", "docs/import-format.md section 3"))?;
    Ok(Read {
        records: cells.rows.into_iter().map(|(row, pairs)| (row, ProductRecord::from_pairs(pairs))).collect(),
        errors: cells.errors,
    })
}

/// The cells of the first worksheet by the columns of `columns` (a header of their names or Chinese names).
pub(crate) fn read_cells(bytes: &[u8], columns: &[ColumnInfo], doc: ColumnsDoc) -> Result<Cells, SheetError> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| SheetError::Format(format!("不是有效的 XLSX 文件 / not a valid XLSX file: {e}")))?;
    let Some(sheet) = book.sheet_names().into_iter().next() else {
        return Err(SheetError::Format("工作簿中没有工作表 / the workbook has no worksheet".to_owned()));
    };
    let range = book.worksheet_range(&sheet).map_err(|e| {
        SheetError::Format(format!("无法读取工作表“{sheet}” / cannot read the worksheet “{sheet}”: {e}"))
    })?;
    // Styles only tell percentages apart: a workbook whose styles cannot be read is read without them.
    let styles = book.worksheet_style(&sheet).unwrap_or_else(|_| StyleRange::empty());
    let empty = || SheetError::Format(format!("工作表“{sheet}”是空的 / the worksheet “{sheet}” is empty"));
    let (first_row, first_col) = range.start().ok_or_else(empty)?;
    let mut rows = range.rows().zip(first_row..).map(|(cells, r)| {
        let cells: Vec<Cell> = cells.iter().zip(first_col..).map(|(data, c)| Cell::of(data, &styles, (r, c))).collect();
        (r, cells)
    });

    let (header_row, header_cells) =
        rows.by_ref().find(|(_, cells)| cells.iter().any(|c| !matches!(c, Cell::Empty))).ok_or_else(empty)?;
    let header = header(&header_cells, header_row, first_col, columns, doc)?;

    let mut read = Cells::default();
    let mut headless = Vec::new();
    for (r, cells) in rows {
        if cells.iter().all(|c| matches!(c, Cell::Empty)) {
            continue;
        }
        if r == header_row + 1 && is_label_row(&cells, &header) {
            continue;
        }
        let row = r as usize + 1;
        let mut pairs = Vec::new();
        for ((cell, column), c) in cells.into_iter().zip(&header).zip(first_col..) {
            match (cell, column) {
                (Cell::Empty, _) => {}
                (_, None) => headless.push(cell_name(r, c)),
                (Cell::Text(text), Some(column)) => pairs.push((column.name, text)),
                (Cell::Error(value), Some(column)) => read.errors.push(RowError::new(
                    row,
                    column.name,
                    format!("单元格是错误值 {value}"),
                    format!("the cell holds the error value {value}"),
                )),
            }
        }
        read.rows.push((row, pairs));
    }
    if !headless.is_empty() {
        let more = if headless.len() > NAMED_CELLS { "…" } else { "" };
        headless.truncate(NAMED_CELLS);
        let cells = headless.join(", ");
        return Err(SheetError::Format(format!(
            "单元格 {cells}{more} 有内容，但所在的列没有表头 / cells {cells}{more} have content but their column has \
             no header"
        )));
    }
    Ok(read)
}

/// The column of each cell of the header row (`None` for a blank header cell).
fn header(
    cells: &[Cell],
    row: u32,
    first_col: u32,
    columns: &[ColumnInfo],
    (doc_zh, doc_en): ColumnsDoc,
) -> Result<Vec<Option<ColumnInfo>>, SheetError> {
    let mut header: Vec<Option<ColumnInfo>> = Vec::with_capacity(cells.len());
    let mut unknown = Vec::new();
    for (cell, c) in cells.iter().zip(first_col..) {
        let text = match cell {
            Cell::Empty => {
                header.push(None);
                continue;
            }
            Cell::Text(text) | Cell::Error(text) => text,
        };
        let Some(column) = column_of(text, columns) else {
            unknown.push(format!("“{text}”（{}）", cell_name(row, c)));
            header.push(None);
            continue;
        };
        if header.iter().flatten().any(|seen| seen.name == column.name) {
            return Err(SheetError::Format(format!(
                "表头中 {} 出现了两次（{}） / the header has {} twice ({})",
                column.name,
                cell_name(row, c),
                column.name,
                cell_name(row, c)
            )));
        }
        header.push(Some(column.clone()));
    }
    if !unknown.is_empty() {
        let unknown = unknown.join("、");
        return Err(SheetError::Format(format!(
            "未知的表头 {unknown}：表头须为列名或列的中文名（见 {doc_zh}） / unknown header {unknown}: headers must \
             be column names or their Chinese names ({doc_en})"
        )));
    }
    Ok(header)
}

/// Whether a row is the template's row of Chinese column names: every filled cell is its column's name.
fn is_label_row(cells: &[Cell], header: &[Option<ColumnInfo>]) -> bool {
    cells.iter().zip(header).all(|(cell, column)| match (cell, column) {
        (Cell::Empty, _) => true,
        (Cell::Text(text), Some(column)) => normalize(text) == normalize(column.label_zh),
        _ => false,
    })
}

/// The column a header names, by its machine name or Chinese name, in any of their usual spellings.
pub(crate) fn column_of<'a>(text: &str, columns: &'a [ColumnInfo]) -> Option<&'a ColumnInfo> {
    let key = normalize(text);
    columns.iter().find(|column| aliases(column).contains(&key))
}

/// The spellings of a column a header may use, normalised: `amount_min_yuan`, `额度下限（元）`, `额度下限`.
fn aliases(column: &ColumnInfo) -> [String; 3] {
    let bare = column.label_zh.split(['（', '(']).next().unwrap_or(column.label_zh);
    [normalize(column.name), normalize(column.label_zh), normalize(bare)]
}

/// Header text without spaces, with ASCII brackets and percent sign, in ASCII lower case, and without a
/// trailing `*` (a mark people add to required columns).
fn normalize(text: &str) -> String {
    text.trim()
        .trim_end_matches(['*', '＊'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '％' => '%',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A cell's name as a spreadsheet shows it (`C5`), from 0-based row and column.
pub(crate) fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// A cell as text, as the person who filled it in typed it.
enum Cell {
    Empty,
    Text(String),
    /// An error value such as `#N/A`.
    Error(String),
}

impl Cell {
    fn of(data: &Data, styles: &StyleRange, position: (u32, u32)) -> Self {
        let percent = || {
            styles
                .get(position)
                .and_then(|style| style.number_format.as_ref())
                .is_some_and(|format| is_percent_format(&format.format_code))
        };
        let number = |value: f64| {
            if percent() { format!("{}%", number_text(value * 100.0)) } else { number_text(value) }
        };
        let text = match data {
            Data::Empty => return Self::Empty,
            Data::String(s) | Data::DurationIso(s) => s.clone(),
            Data::Int(i) if !percent() => i.to_string(),
            #[allow(clippy::cast_precision_loss)]
            Data::Int(i) => number(*i as f64),
            Data::Float(f) => number(*f),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, h, min, s, ms) = dt.to_ymd_hms_milli();
                if (h, min, s, ms) == (0, 0, 0, 0) {
                    format!("{y:04}-{m:02}-{d:02}")
                } else {
                    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}")
                }
            }
            Data::DateTime(dt) => number_text(dt.as_f64()),
            Data::DateTimeIso(s) => match s.split_once('T') {
                Some((date, time)) if time.chars().all(|c| matches!(c, '0' | ':' | '.')) => date.to_owned(),
                _ => s.clone(),
            },
            Data::Error(e) => return Self::Error(e.to_string()),
        };
        if text.trim().is_empty() { Self::Empty } else { Self::Text(text) }
    }
}

/// Whether a number format shows its value as a percentage (a `%` outside quotes and escapes).
fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// A number as a person would have typed it: `500000`, `3.45`, never an exponent or binary noise.
pub(crate) fn number_text(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    // Spreadsheets show at most 15 significant digits; rounding there undoes binary noise (0.1 + 0.2).
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    // Adding zero turns -0 into 0.
    (rounded + 0.0).to_string()
}
