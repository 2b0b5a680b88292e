//! 服务区域 on the bank's form: the whole home city (when the home area is one), districts ticked with other
//! places typed by name, 全国, or 未说明 — turned into the record's `districts` cell and read back from it.

use super::FormErrors;
use crate::http::format::district_options;
use finmart_domain::{Division, DivisionLevel, HomeArea, ServiceArea};
use serde_json::{Value, json};

/// The choices of the area radio group.
pub fn scopes(home: &HomeArea) -> Vec<Value> {
    let mut scopes = Vec::new();
    if let Some(city) = home.city() {
        let name = city.name();
        scopes.push(json!({"code": "city", "label": format!("全市（{name}）"), "label_en": format!("All of {name}")}));
    }
    scopes.push(json!({"code": "some", "label": "下列区县及其他地区", "label_en": "The districts ticked below and other areas"}));
    scopes.push(json!({"code": "nationwide", "label": "全国", "label_en": "Nationwide"}));
    scopes.push(json!({"code": "unstated", "label": "未说明（产品页面未写明）", "label_en": "Not stated (the page does not say)"}));
    scopes
}

/// The districts offered as checkboxes: the home area's.
pub fn districts(home: &HomeArea) -> Vec<Value> {
    district_options(home)
}

/// What a new product's form starts with: the whole city where the home area is one.
pub fn blank_scope(home: &HomeArea) -> &'static str {
    if home.city().is_some() { "city" } else { "some" }
}

/// The inputs showing a record's `districts` cell: `area_scope`, the ticked home districts and the other
/// divisions by name. A cell that does not read (a stored record never holds one) shows as typed.
pub fn inputs(cell: Option<&str>, home: &HomeArea) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match ServiceArea::from_cell(cell.unwrap_or(""), home) {
        Ok(ServiceArea::NotStated) => out.push(("area_scope", "unstated".to_owned())),
        Ok(ServiceArea::Nationwide) => out.push(("area_scope", "nationwide".to_owned())),
        Ok(ServiceArea::Within(list)) if home.city().is_some_and(|c| list.as_slice() == [c]) => {
            out.push(("area_scope", "city".to_owned()));
        }
        Ok(ServiceArea::Within(list)) => {
            out.push(("area_scope", "some".to_owned()));
            let at_home = |d: &Division| d.level() == DivisionLevel::County && home.division().contains(*d);
            out.extend(list.iter().filter(|d| at_home(d)).map(|d| ("districts", d.to_string())));
            let other: Vec<String> = list.iter().filter(|d| !at_home(d)).map(|d| d.name_from(home)).collect();
            out.push(("area_other", other.join("、")));
        }
        Err(_) => {
            out.push(("area_scope", "some".to_owned()));
            out.push(("area_other", cell.unwrap_or("").to_owned()));
        }
    }
    out
}

/// The record's `districts` cell of the posted choice; districts asked for and none named is refused (never
/// saved as 未说明 unasked), and so is no choice at all.
pub fn cell(scope: &str, ticked: &[&str], other: &str, errors: &mut FormErrors) -> String {
    let mut parts: Vec<&str> = match scope {
        "city" => vec!["全市"],
        "nationwide" => vec!["全国"],
        "unstated" => return String::new(),
        "some" => ticked.to_vec(),
        _ => {
            errors.add(
                "districts",
                "请选择服务区域，页面没有写明时请选“未说明”",
                "Choose the area served, or “not stated”",
            );
            return String::new();
        }
    };
    let other = other.trim();
    if !other.is_empty() {
        parts.push(other);
    }
    if scope == "some" && parts.is_empty() {
        errors.add(
            "districts",
            "请勾选区县或填写其他地区；产品页面没有写服务区域时请选“未说明”",
            "Tick districts or name other areas; choose “not stated” when the page does not say",
        );
    }
    parts.join("|")
}
