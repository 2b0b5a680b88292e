//! Facts lists (名单) as departments publish them, and facts batches as files: the records a data provider or
//! the operator loads, read into [`FactRecord`]s. Columns are described in `docs/facts-format.md`.
//!
//! Reading checks the file's shape only (its columns, its cells); each record's value, credit code and dates
//! are checked against the provider's source by the domain ([`finmart_domain::validate_fact_batch`]).

use crate::SheetError;
use crate::xlsx::{column_of, read_cells};
use finmart_domain::{FactRecord, RowError, fact_columns};

const DOC: (&str, &str) = ("docs/facts-format.md", "docs/facts-format.md");

/// Reads the fact records of a file: (row number as its author sees it, record), all or nothing.
///
/// The format follows the extension of `file_name`: `.json` (an array of records, or `{"records": [...]}`),
/// `.csv` or `.xlsx` (a header of column names or Chinese names, then one record a row).
///
/// # Errors
/// [`SheetError::Format`] for an unknown extension, a file not of its format or an unknown header;
/// [`SheetError::Rejected`] with every row's problem (an unknown key, an error cell, an unreadable row).
pub fn read_fact_records(file_name: &str, bytes: &[u8]) -> Result<Vec<(usize, FactRecord)>, SheetError> {
    let extension = std::path::Path::new(file_name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let text = || bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Each row's cells by column, then read into records once the file's shape is known good.
    let mut rows: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    let mut errors = Vec::new();
    match extension.as_deref() {
        Some("xlsx") => {
            let cells = read_cells(bytes, &fact_columns(), DOC)?;
            errors.extend(cells.errors);
            for (row, pairs) in cells.rows {
                rows.push((row, pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
            }
        }
        Some("csv") => {
            let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text());
            let headers = reader
                .headers()
                .map_err(|e| SheetError::Format(format!("CSV 表头无法读取 / unreadable CSV header: {e}")))?
                .clone();
            let columns = fact_columns();
            let mut names = Vec::new();
            for header in &headers {
                let Some(column) = column_of(header, &columns) else {
                    return Err(SheetError::Format(format!(
                        "未知的表头“{header}”（见 {}） / unknown header “{header}” (see {})",
                        DOC.0, DOC.1
                    )));
                };
                names.push(column.name.to_owned());
            }
            for (i, result) in reader.records().enumerate() {
                let row = i + 2;
                match result {
                    Ok(record) => {
                        rows.push((row, names.iter().cloned().zip(record.iter().map(str::to_owned)).collect()))
                    }
                    Err(e) => {
                        errors.push(RowError::new(row, "row", format!("无法解析：{e}"), format!("unreadable: {e}")))
                    }
                }
            }
        }
        Some("json") => {
            let value: serde_json::Value = serde_json::from_slice(text())
                .map_err(|e| SheetError::Format(format!("不是有效的 JSON / not valid JSON: {e}")))?;
            let items = match value {
                serde_json::Value::Array(items) => items,
                serde_json::Value::Object(mut map) => match map.remove("records") {
                    Some(serde_json::Value::Array(items)) => items,
                    _ => return Err(not_records()),
                },
                _ => return Err(not_records()),
            };
            for (i, item) in items.into_iter().enumerate() {
                let row = i + 1;
                let serde_json::Value::Object(object) = item else {
                    errors.push(RowError::new(row, "row", "每一项须为对象", "each item must be an object"));
                    continue;
                };
                let mut pairs = Vec::new();
                for (key, value) in object {
                    match value {
                        serde_json::Value::Null => {}
                        serde_json::Value::String(s) => pairs.push((key, s)),
                        serde_json::Value::Number(n) => pairs.push((key, n.to_string())),
                        serde_json::Value::Bool(b) => pairs.push((key, b.to_string())),
                        _ => errors.push(RowError::new(
                            row,
                            &key,
                            "须为文字、数字或 true/false",
                            "must be text, a number or true/false",
                        )),
                    }
                }
                rows.push((row, pairs));
            }
        }
        _ => {
            return Err(SheetError::Format(
                "文件扩展名须为 .json、.csv 或 .xlsx / the file must end in .json, .csv or .xlsx".to_owned(),
            ));
        }
    }
    let mut records = Vec::with_capacity(rows.len());
    for (row, pairs) in rows {
        match FactRecord::from_pairs(pairs) {
            Ok(record) => records.push((row, record)),
            Err(fields) => errors.extend(RowError::from_fields(row, &fields)),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(SheetError::Rejected(errors))
    }
}

fn not_records() -> SheetError {
    SheetError::Format(
        "JSON 须为记录数组，或含 records 数组的对象 / expected an array of records or {\"records\": [...]}".to_owned(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    /// A list as a department publishes it: Chinese headers, a date cell, a number cell.
    fn xlsx(rows: &[[&str; 5]]) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, header) in ["记录编号", "统一社会信用代码", "信息类别", "取值", "信息日期"].iter().enumerate()
        {
            sheet.write_string(0, u16::try_from(c).unwrap(), *header).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap() + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap();
                match cell.parse::<f64>() {
                    Ok(n) if c == 3 => sheet.write_number(r, c, n).map(|_| ()).unwrap(),
                    _ => sheet.write_string(r, c, *cell).map(|_| ()).unwrap(),
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_list_reads_the_same_from_xlsx_csv_and_json() {
        let row = ["SI-1", "91350100M000100Y43", "社保缴纳人数", "36", "2026-11-30"];
        let from_xlsx = read_fact_records("名单.xlsx", &xlsx(&[row])).unwrap();
        let csv = format!("记录编号,统一社会信用代码,信息类别,取值,信息日期\n{}\n", row.join(","));
        let from_csv = read_fact_records("list.CSV", csv.as_bytes()).unwrap();
        let json = r#"{"records": [{"source_record_id": "SI-1", "uscc": "91350100M000100Y43",
            "kind": "社保缴纳人数", "value": 36, "as_of": "2026-11-30", "valid_until": null}]}"#;
        let from_json = read_fact_records("batch.json", json.as_bytes()).unwrap();
        assert_eq!(from_xlsx[0].1.value, "36", "a number cell reads as typed");
        assert_eq!(from_xlsx[0].0, 2);
        assert_eq!(from_csv, from_xlsx);
        assert_eq!(from_json[0].1, from_xlsx[0].1);
    }

    #[test]
    fn a_file_of_the_wrong_shape_is_refused_naming_what_is_wrong() {
        let unknown = read_fact_records("list.csv", "记录编号,信用分\nA,7\n".as_bytes()).unwrap_err();
        assert!(unknown.to_string().contains("信用分"), "{unknown}");
        let SheetError::Rejected(rows) =
            read_fact_records("b.json", br#"[{"value": "A"}, 7, {"value": [1]}]"#).unwrap_err()
        else {
            panic!("rejected by row")
        };
        assert_eq!(rows.iter().map(|e| (e.row, e.field.as_str())).collect::<Vec<_>>(), [(2, "row"), (3, "value")]);
        assert!(matches!(read_fact_records("list.txt", b"x"), Err(SheetError::Format(_))));
    }
}
