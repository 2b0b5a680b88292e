//! The XLSX template banks fill in: sheet `产品` (column names, Chinese names, then one product per row)
//! and sheet `说明` (every column explained, and every kind of eligibility rule). Everything in it comes from the domain's [`column_info`], so
//! the template cannot offer a value the importer refuses.

use crate::SheetError;
use finmart_domain::{ColumnInfo, Labelled, RuleKind, column_info};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// The name of the sheet products are written on (the first sheet, which is the one read back).
pub(crate) const PRODUCT_SHEET: &str = "产品";
/// The name of the sheet that explains every column.
pub(crate) const HELP_SHEET: &str = "说明";
/// The last 0-based row the template's drop-down lists and input messages cover (row 10000).
const LAST_ROW: u32 = 9_999;

/// The import template as an XLSX file.
///
/// # Errors
/// [`SheetError::Format`] if the workbook cannot be built (a bug: the template is fixed).
pub fn template_xlsx() -> Result<Vec<u8>, SheetError> {
    workbook()
        .and_then(|mut book| book.save_to_buffer())
        .map_err(|e| SheetError::Format(format!("无法生成模板 / cannot build the template: {e}")))
}

/// The template workbook, before it is saved (tests fill in rows).
pub(crate) fn workbook() -> Result<Workbook, XlsxError> {
    let columns = column_info();
    let mut book = Workbook::new();
    products_sheet(book.add_worksheet(), &columns)?;
    help_sheet(book.add_worksheet(), &columns)?;
    Ok(book)
}

fn products_sheet(sheet: &mut Worksheet, columns: &[ColumnInfo]) -> Result<(), XlsxError> {
    sheet.set_name(PRODUCT_SHEET)?.set_active(true);
    let names = Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1F_4E_79))
        .set_border(FormatBorder::Thin);
    let labels = Format::new().set_background_color(Color::RGB(0xDD_EB_F7)).set_border(FormatBorder::Thin);
    let required_labels = labels.clone().set_bold().set_font_color(Color::RGB(0xC0_00_00));
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (col, column) in (0u16..).zip(columns) {
        sheet.write_string_with_format(0, col, column.name, &names)?;
        sheet.write_string_with_format(
            1,
            col,
            column.label_zh,
            if column.required { &required_labels } else { &labels },
        )?;
        let width = match column.name {
            "description" | "eligibility" => 40.0,
            "name" | "repayment_methods" | "collateral" | "districts" => 24.0,
            _ => 18.0,
        };
        sheet.set_column_width(col, width)?;
        // Codes stay text (`001` keeps its zeros); dates show as the importer reads them.
        match column.name {
            "institution_code" | "code" | "guarantee_agency_code" => {
                sheet.set_column_format(col, &text)?;
            }
            "valid_from" | "valid_until" => {
                sheet.set_column_format(col, &date)?;
            }
            _ => {}
        }
        sheet.add_data_validation(2, col, LAST_ROW, col, &validation(column)?)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    Ok(())
}

/// A drop-down list of Chinese names for a one-value vocabulary; otherwise a message on entering the cell
/// (the allowed values of a list column, or the column's rule).
fn validation(column: &ColumnInfo) -> Result<DataValidation, XlsxError> {
    let title: String = column.label_zh.chars().take(32).collect();
    if !column.allowed.is_empty() && !column.multiple {
        let labels: Vec<&str> = column.allowed.iter().map(|(_, zh)| *zh).collect();
        let machine: Vec<&str> = column.allowed.iter().map(|(name, _)| *name).collect();
        return DataValidation::new()
            .allow_list_strings(&labels)?
            .set_input_title(title)?
            .set_input_message(fit(&format!(
                "{}\n从下拉列表选择，或填写英文取值：{}",
                plain(column.rule_zh),
                machine.join(", ")
            )))?
            // Machine names are accepted too, so a value outside the list is only questioned, not refused.
            .set_error_style(DataValidationErrorStyle::Information)
            .set_error_title("不在下拉列表中")?
            .set_error_message(fit(&format!(
                "也可以填写英文取值，如 {}；全部取值见“说明”工作表。",
                machine.join(", ")
            )));
    }
    let message = if column.allowed.is_empty() {
        format!("{}\n示例：{}", plain(column.rule_zh), column.example)
    } else {
        let values: Vec<String> = column.allowed.iter().map(|(name, zh)| format!("{zh} {name}")).collect();
        format!("可填多个，用 | 分隔。可选：{}", values.join("、"))
    };
    DataValidation::new().allow_any_value().set_input_title(title)?.set_input_message(fit(&message))
}

/// A rule as a spreadsheet cell shows it: the backticks that mark what is typed as it is are dropped.
fn plain(rule: &str) -> String {
    rule.replace('`', "")
}

/// An input or error message within Excel's limit of 255 characters (UTF-16 units).
fn fit(message: &str) -> String {
    const MAX: usize = 255;
    if message.encode_utf16().count() <= MAX {
        return message.to_owned();
    }
    let suffix = "…（完整取值见“说明”工作表）";
    let budget = MAX - suffix.encode_utf16().count();
    let mut out = String::new();
    let mut used = 0;
    for c in message.chars() {
        used += c.len_utf16();
        if used > budget {
            break;
        }
        out.push(c);
    }
    out + suffix
}

fn help_sheet(sheet: &mut Worksheet, columns: &[ColumnInfo]) -> Result<(), XlsxError> {
    sheet.set_name(HELP_SHEET)?;
    let head = Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1F_4E_79))
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin);
    let required = cell.clone().set_bold().set_font_color(Color::RGB(0xC0_00_00));
    let headings = ["列名", "中文名", "必填/选填", "格式与规则", "允许的取值", "示例"];
    for (col, (heading, width)) in (0u16..).zip(headings.into_iter().zip([24.0, 20.0, 10.0, 44.0, 40.0, 30.0])) {
        sheet.write_string_with_format(0, col, heading, &head)?;
        sheet.set_column_width(col, width)?;
    }
    for (row, column) in (1u32..).zip(columns) {
        let allowed: Vec<String> = column.allowed.iter().map(|(name, zh)| format!("{zh}（{name}）")).collect();
        let allowed = if allowed.is_empty() {
            "—".to_owned()
        } else if column.multiple {
            format!("可填多个，用 | 分隔：\n{}", allowed.join("\n"))
        } else {
            allowed.join("\n")
        };
        let rule = plain(column.rule_zh);
        let cells = [
            column.name,
            column.label_zh,
            if column.required { "必填" } else { "选填" },
            &rule,
            &allowed,
            column.example,
        ];
        for (col, text) in (0u16..).zip(cells) {
            let format = if col == 2 && column.required { &required } else { &cell };
            sheet.write_string_with_format(row, col, text, format)?;
        }
    }
    let notes = [
        "填写方法：在“产品”工作表中，第 1 行是列名，第 2 行是中文名（两行都请保留），从第 3 行起每行填写一个产品。",
        "表头也可以只写列名或只写中文名；不用的选填列可以整列删除。取值既可以写中文名，也可以写英文取值。",
        "金额、期限、利率、日期可以直接输入数字或日期；百分数 3.45 表示 3.45%。",
        "产品页面没有写明的事项，选填列留空或填写“未说明”即可：导入后显示为“未说明”，不会被当作 0、纯信用或“否”。纯信用请写 none，非线上办理请写 否。",
        "导入时逐行校验：只要有一行有错，就列出所有出错的行（行号即表格的行号）、字段和原因，不导入任何数据。",
        "完整说明见 docs/import-format.md。",
    ];
    let first = u32::try_from(columns.len()).unwrap_or(u32::MAX).saturating_add(2);
    for (row, note) in (first..).zip(notes) {
        sheet.write_string(row, 0, note)?;
    }
    rule_kinds(sheet, first.saturating_add(u32::try_from(notes.len()).unwrap_or(0)).saturating_add(1), &head, &cell)
}

/// Below the notes, from `first`: every kind of eligibility rule with its Chinese name, key, value form and
/// an example, as the importer reads them (the one home of these is the domain's [`RuleKind`]).
fn rule_kinds(sheet: &mut Worksheet, first: u32, head: &Format, cell: &Format) -> Result<(), XlsxError> {
    sheet.write_string(first, 0, "准入条件（eligibility 列）可用的条件：条件名=取值，多个条件之间用分号分隔。")?;
    let headings = ["中文名", "条件名", "", "取值格式", "", "示例"];
    for (col, heading) in (0u16..).zip(headings) {
        sheet.write_string_with_format(first + 1, col, heading, head)?;
    }
    for (row, kind) in (first + 2..).zip(RuleKind::ALL) {
        let cells = [kind.label_zh(), kind.as_str(), "", kind.value_form().0, "", kind.example()];
        for (col, text) in (0u16..).zip(cells) {
            sheet.write_string_with_format(row, col, text, cell)?;
        }
    }
    Ok(())
}
