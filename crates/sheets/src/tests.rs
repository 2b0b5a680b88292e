#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::xlsx::{cell_name, number_text};
use finmart_domain::{COLUMNS, ImportRow, column_info};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// Reads a file as a deployment in 天津 does.
fn read_records_tj(file_name: &str, bytes: &[u8]) -> Result<Vec<(usize, ProductRecord)>, SheetError> {
    read_records(file_name, bytes, &finmart_domain::HomeArea::default())
}

fn example(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validated(records: &[(usize, ProductRecord)]) -> Vec<ImportRow> {
    records.iter().map(|(_, r)| r.validate().unwrap()).collect()
}

fn rows(records: &[(usize, ProductRecord)]) -> Vec<usize> {
    records.iter().map(|(row, _)| *row).collect()
}

fn rejected(result: Result<Vec<(usize, ProductRecord)>, SheetError>) -> Vec<RowError> {
    match result {
        Err(SheetError::Rejected(errors)) => errors,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn format_error(result: Result<Vec<(usize, ProductRecord)>, SheetError>) -> String {
    match result {
        Err(SheetError::Format(message)) => message,
        other => panic!("expected Format, got {other:?}"),
    }
}

/// The example CSV as rows of text, header first.
fn csv_table() -> Vec<Vec<String>> {
    let bytes = example("products.csv");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// Writes text cells as a person would type them: numbers as numbers, dates as date cells, true/false as
/// booleans, the rest as text. Returns how many cells were not text.
fn write_typed(sheet: &mut Worksheet, row: u32, cells: &[String]) -> usize {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut typed = 0;
    for (col, text) in (0u16..).zip(cells) {
        if text.is_empty() {
            continue;
        }
        if let Ok(n) = text.parse::<f64>()
            && number_text(n) == *text
        {
            sheet.write_number(row, col, n).unwrap();
        } else if text.len() == 10
            && let Ok(d) = ExcelDateTime::parse_from_str(text)
        {
            sheet.write_datetime_with_format(row, col, &d, &date).unwrap();
        } else if let Ok(b) = text.parse::<bool>() {
            sheet.write_boolean(row, col, b).unwrap();
        } else {
            sheet.write_string(row, col, text).unwrap();
            continue;
        }
        typed += 1;
    }
    typed
}

fn xlsx(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    fill(book.add_worksheet());
    book.save_to_buffer().unwrap()
}

/// A valid product row, as (column, text).
fn good_row() -> Vec<(&'static str, &'static str)> {
    vec![
        ("institution_code", "example-bank"),
        ("code", "T-01"),
        ("name", "测试贷"),
        ("family", "credit"),
        ("description", "测试产品"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "300万"),
        ("term_min_months", "6"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.45"),
        ("rate_max_pct", "4.8"),
        ("repayment_methods", "equal_instalment|interest_only"),
        ("decision_days", "3"),
        ("districts", "all"),
        ("valid_from", "2026-01-01"),
    ]
}

fn write_row(sheet: &mut Worksheet, row: u32, header: &[&str], values: &[(&str, &str)]) {
    for (col, name) in (0u16..).zip(header) {
        if let Some((_, v)) = values.iter().find(|(k, _)| k == name) {
            sheet.write_string(row, col, *v).unwrap();
        }
    }
}

#[test]
fn csv_and_json_examples_give_the_same_products() {
    let csv = read_records_tj("products.csv", &example("products.csv")).unwrap();
    let json = read_records_tj("products.json", &example("products.json")).unwrap();
    assert_eq!(rows(&csv), [2, 3, 4, 5, 6], "CSV rows are file lines, the header being line 1");
    assert_eq!(rows(&json), [1, 2, 3, 4, 5], "JSON rows are 1-based array indexes");
    assert_eq!(validated(&csv), validated(&json));
}

#[test]
fn a_byte_order_mark_and_upper_case_extension_are_fine() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(example("products.csv"));
    let with_bom = read_records_tj("PRODUCTS.CSV", &bytes).unwrap();
    assert_eq!(with_bom, read_records_tj("products.csv", &example("products.csv")).unwrap());
}

#[test]
fn the_bad_csv_example_is_rejected_with_every_row_and_field() {
    let errors = rejected(read_records_tj("products-bad.csv", &example("products-bad.csv")));
    for (row, field) in [
        (2, "amount_min_yuan"),
        (2, "family"),
        (3, "term_max_months"),
        (3, "eligibility.favourite_colour"),
        (4, "rate_max_pct"),
        (4, "guarantee_agency_code"),
        (4, "online"),
        (4, "districts"),
        (4, "valid_until"),
    ] {
        assert!(errors.iter().any(|e| e.row == row && e.field == field), "row {row} {field}: {errors:#?}");
    }
    assert!(errors.is_sorted_by_key(|e| e.row));
    assert!(errors.iter().all(|e| !e.message.is_empty() && !e.message_en.is_empty()));
}

#[test]
fn json_problems_are_collected_with_validation_problems() {
    let json = br#"[{"institution_code": "x", "code": "A", "name": {"no": 1}}, 7]"#;
    let errors = rejected(read_records_tj("p.json", json));
    assert!(errors.iter().any(|e| e.row == 1 && e.field == "name"), "{errors:#?}");
    assert!(errors.iter().any(|e| e.row == 2 && e.field == "row"), "{errors:#?}");
    assert!(matches!(read_records_tj("p.json", b"{\"x\": 1}"), Err(SheetError::Format(_))));
    assert!(matches!(read_records_tj("p.json", b"not json"), Err(SheetError::Format(_))));
}

#[test]
fn an_xlsx_of_the_examples_gives_the_csv_records() {
    let table = csv_table();
    let mut typed = 0;
    let bytes = xlsx(|sheet| {
        for (row, cells) in (0u32..).zip(&table) {
            typed += write_typed(sheet, row, cells);
        }
    });
    assert!(typed > 30, "numbers, dates and booleans are written as such ({typed})");
    let from_xlsx = read_records_tj("products.xlsx", &bytes).unwrap();
    let from_csv = read_records_tj("products.csv", &example("products.csv")).unwrap();
    assert_eq!(from_xlsx, from_csv, "same records, same row numbers");
}

#[test]
fn a_bad_xlsx_is_rejected_row_by_row() {
    let header: Vec<&str> = good_row().iter().map(|(k, _)| *k).collect();
    let bytes = xlsx(|sheet| {
        for (col, name) in (0u16..).zip(&header) {
            sheet.write_string(0, col, *name).unwrap();
        }
        write_row(sheet, 1, &header, &good_row());
        let mut bad_amount = good_row();
        bad_amount[5].1 = "-5";
        write_row(sheet, 2, &header, &bad_amount);
        let mut bad_family = good_row();
        bad_family[3].1 = "magic_loan";
        bad_family[1].1 = "T-02";
        write_row(sheet, 3, &header, &bad_family);
    });
    let errors = rejected(read_records_tj("bad.xlsx", &bytes));
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
    assert_eq!(found, [(3, "amount_min_yuan"), (4, "family")], "{errors:#?}");
    assert!(errors[1].message.contains("magic_loan"));
}

#[test]
fn chinese_headers_are_accepted_and_rows_are_spreadsheet_rows() {
    let info = column_info();
    let label = |name: &str| info.iter().find(|c| c.name == name).unwrap().label_zh.to_owned();
    let values = good_row();
    let bytes = xlsx(|sheet| {
        for (col, (name, value)) in (0u16..).zip(&values) {
            let header = match *name {
                // Loose spellings of the Chinese names: ASCII brackets, without the unit, a required mark.
                "amount_min_yuan" => "额度下限(元)".to_owned(),
                "amount_max_yuan" => "额度上限".to_owned(),
                "rate_min_pct" => "年利率下限（%）*".to_owned(),
                "code" => "code".to_owned(),
                other => label(other),
            };
            sheet.write_string(0, col, header).unwrap();
            // Two blank rows, then the product on spreadsheet row 4.
            sheet.write_string(3, col, *value).unwrap();
        }
    });
    let records = read_records_tj("zh.xlsx", &bytes).unwrap();
    assert_eq!(rows(&records), [4]);
    assert_eq!(records[0].1, ProductRecord::from_pairs(good_row()));
}

#[test]
fn unknown_or_repeated_headers_are_refused() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "code").unwrap();
        sheet.write_string(0, 1, "颜色").unwrap();
        sheet.write_string(1, 0, "A").unwrap();
    });
    let message = format_error(read_records_tj("x.xlsx", &bytes));
    assert!(message.contains("颜色") && message.contains("B1"), "{message}");

    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "code").unwrap();
        sheet.write_string(0, 1, "产品编码").unwrap();
    });
    assert!(format_error(read_records_tj("x.xlsx", &bytes)).contains("code"));

    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "code").unwrap();
        sheet.write_string(1, 2, "stray").unwrap();
    });
    assert!(format_error(read_records_tj("x.xlsx", &bytes)).contains("C2"));

    assert!(format_error(read_records_tj("x.xlsx", &xlsx(|_| {}))).contains("empty"));
    assert!(format_error(read_records_tj("x.xlsx", b"PK not really")).contains("XLSX"));
}

#[test]
fn cells_come_out_as_typed() {
    let bytes = xlsx(|sheet| {
        let percent = Format::new().set_num_format("0.00%");
        let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        for (col, name) in
            (0u16..).zip(["amount_min_yuan", "rate_min_pct", "rate_max_pct", "valid_from", "valid_until"])
        {
            sheet.write_string(0, col, name).unwrap();
        }
        sheet.write_number(1, 0, 500_000.0).unwrap();
        sheet.write_number(1, 1, 0.1 + 0.2).unwrap();
        sheet.write_number_with_format(1, 2, 0.048, &percent).unwrap();
        sheet.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2026, 1, 1).unwrap(), &chinese_date).unwrap();
        sheet.write_string(1, 4, " 2027-12-31 ").unwrap();
    });
    let Err(SheetError::Rejected(_)) = read_records_tj("c.xlsx", &bytes) else { panic!("incomplete rows are refused") };
    let read = xlsx::read_xlsx(&bytes).unwrap();
    let record = &read.records[0].1;
    assert_eq!(record.value("amount_min_yuan"), Some("500000"));
    assert_eq!(record.value("rate_min_pct"), Some("0.3"));
    assert_eq!(record.value("rate_max_pct"), Some("4.8%"));
    assert_eq!(record.value("valid_from"), Some("2026-01-01"));
    assert_eq!(record.value("valid_until"), Some("2027-12-31"));
}

#[test]
fn numbers_and_cell_names() {
    assert_eq!(number_text(500_000.0), "500000");
    assert_eq!(number_text(3.45), "3.45");
    assert_eq!(number_text(-0.0), "0");
    assert_eq!(number_text(1e12), "1000000000000");
    assert_eq!(number_text(0.048 * 100.0), "4.8");
    assert_eq!(cell_name(0, 0), "A1");
    assert_eq!(cell_name(9, 25), "Z10");
    assert_eq!(cell_name(0, 26), "AA1");
}

#[test]
fn the_template_reads_back_as_no_products() {
    let bytes = template_xlsx().unwrap();
    assert_eq!(read_records_tj("t.xlsx", &bytes).unwrap(), []);
}

#[test]
fn a_template_with_one_row_filled_in_imports_it() {
    let mut book = template::workbook().unwrap();
    let sheet = book.worksheet_from_index(0).unwrap();
    let filled = good_row();
    write_row(sheet, 2, COLUMNS, &filled);
    let bytes = book.save_to_buffer().unwrap();
    let records = read_records_tj("t.xlsx", &bytes).unwrap();
    assert_eq!(rows(&records), [3]);
    assert_eq!(records[0].1, ProductRecord::from_pairs(filled));
}

#[test]
fn the_template_lists_every_column_on_both_sheets() {
    use calamine::{Reader, Xlsx};
    let bytes = template_xlsx().unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), [template::PRODUCT_SHEET, template::HELP_SHEET]);
    let products = book.worksheet_range(template::PRODUCT_SHEET).unwrap();
    let text = |r: &calamine::Range<calamine::Data>, row: u32, col: u32| {
        r.get_value((row, col)).map(ToString::to_string).unwrap_or_default()
    };
    let help = book.worksheet_range(template::HELP_SHEET).unwrap();
    for (col, c) in (0u32..).zip(column_info()) {
        assert_eq!(text(&products, 0, col), c.name);
        assert_eq!(text(&products, 1, col), c.label_zh);
        let row = col + 1;
        assert_eq!(text(&help, row, 0), c.name);
        assert_eq!(text(&help, row, 2), if c.required { "必填" } else { "选填" });
        // The rule as written, without the backticks that mark typed values on the upload page.
        assert_eq!(text(&help, row, 3), c.rule_zh.replace('`', ""));
        for (machine, zh) in &c.allowed {
            let allowed = text(&help, row, 4);
            assert!(allowed.contains(machine) && allowed.contains(zh), "{}: {allowed}", c.name);
        }
    }
    // Every kind of eligibility rule, by its Chinese name and key, with what it takes and an example.
    use finmart_domain::{Labelled, RuleKind};
    let rows = help.height() as u32;
    for kind in RuleKind::ALL {
        let row = (0..rows).find(|&r| text(&help, r, 1) == kind.as_str()).unwrap_or_else(|| panic!("{kind}"));
        assert_eq!(text(&help, row, 0), kind.label_zh());
        assert_eq!(
            (text(&help, row, 3), text(&help, row, 5)),
            (kind.value_form().0.to_owned(), kind.example().to_owned())
        );
    }
}

#[test]
fn other_extensions_are_refused() {
    assert!(format_error(read_records_tj("products.txt", &example("products.csv"))).contains(".xlsx"));
    assert!(matches!(read_records_tj("products", b""), Err(SheetError::Format(_))));
}

/// A page that leaves facts out: an empty cell is absent, a cell saying 未说明 reaches the domain as written
/// (which reads it as not stated), in XLSX and CSV alike.
#[test]
fn empty_and_unstated_cells_read_as_not_stated() {
    use finmart_domain::{CollateralTerms, LprTenor, Pricing, StatedRange};
    let header = [
        "institution_code",
        "code",
        "name",
        "family",
        "description",
        "amount_min_yuan",
        "amount_max_yuan",
        "rate_basis",
        "lpr_spread_bps",
        "collateral",
        "online",
        "districts",
    ];
    let row = [
        "example-bank",
        "KJD-01",
        "科技贷",
        "credit",
        "最高 500 万元，LPR 加点",
        "",
        "500万",
        "lpr_1y",
        "",
        "",
        "未说明",
        "all",
    ];
    let bytes = xlsx(|sheet| {
        for (col, (name, value)) in (0u16..).zip(header.iter().zip(row)) {
            sheet.write_string(0, col, *name).unwrap();
            if !value.is_empty() {
                sheet.write_string(1, col, value).unwrap();
            }
        }
    });
    let csv = format!("{}\n{}\n", header.join(","), row.join(","));
    for records in [read_records_tj("p.xlsx", &bytes).unwrap(), read_records_tj("p.csv", csv.as_bytes()).unwrap()] {
        let record = &records[0].1;
        assert_eq!((record.value("amount_min_yuan"), record.value("collateral")), (None, None));
        assert_eq!(record.value("online"), Some("未说明"), "passed on as written");
        let spec = record.validate().unwrap().spec;
        assert_eq!((spec.amount.min(), spec.online), (None, None));
        assert_eq!(spec.collateral, CollateralTerms::NotStated, "an empty cell is 未说明, not 纯信用");
        assert_eq!(spec.pricing, Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED });
        assert!(spec.term.is_unstated() && spec.repayment_methods.is_none());
    }
}
