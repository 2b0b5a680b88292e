//! JSON and CSV import files (`docs/import-format.md` section 2).

use crate::{Read, SheetError};
use finmart_domain::{ProductRecord, RowError};

/// An array of product objects, or `{"products": [...]}`; rows are the 1-based index in the array.
pub(crate) fn read_json(bytes: &[u8]) -> Result<Read, SheetError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| SheetError::Format(format!("不是有效的 JSON / not valid JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("products") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(SheetError::Format(
                    "JSON 须为产品数组，或含 products 数组的对象 / expected an array of products or {\"products\": [...]}"
                        .to_owned(),
                ));
            }
        },
        _ => return Err(SheetError::Format("JSON 须为产品数组 / expected an array of products".to_owned())),
    };
    let mut read = Read { records: Vec::with_capacity(items.len()), errors: Vec::new() };
    for (i, item) in items.into_iter().enumerate() {
        let row = i + 1;
        match item {
            serde_json::Value::Object(object) => match ProductRecord::from_json(&object) {
                Ok(record) => read.records.push((row, record)),
                Err(fields) => read.errors.extend(RowError::from_fields(row, &fields)),
            },
            _ => read.errors.push(RowError::new(row, "row", "每一项须为对象", "each item must be an object")),
        }
    }
    Ok(read)
}

/// A header row of column names, then one product per record; the header is row 1.
pub(crate) fn read_csv(bytes: &[u8]) -> Result<Read, SheetError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| SheetError::Format(format!("CSV 表头无法读取 / unreadable CSV header: {e}")))?
        .clone();
    let mut read = Read::default();
    for (i, result) in reader.records().enumerate() {
        // The header is row 1, so the first data row is row 2 (counted by record, which CRLF files and
        // quoted line breaks do not disturb).
        let row = i + 2;
        match result {
            Ok(record) => read.records.push((row, ProductRecord::from_pairs(headers.iter().zip(record.iter())))),
            Err(e) => read.errors.push(RowError::new(row, "row", format!("无法解析：{e}"), format!("unreadable: {e}"))),
        }
    }
    Ok(read)
}
