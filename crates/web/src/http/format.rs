//! Money, dates and choice lists as people read and write them: the one home of every format the pages,
//! forms, API views and exports share, so an amount typed in one form reads the same in another.
//!
//! - One money format for people: amounts are 万元 with thousands separators and at most two decimals, in
//!   sentences (the domain's `Fen::display_zh`, with 约 when rounded) and in tables, key figures and charts'
//!   tables ([`wan_text`]); English pages give exact `CNY 1,234.56` (`Fen::display_en`). Exact 元 where the fen
//!   matter: repayment schedules ([`yuan_text`]), a loan's costs (payments, interest, fees, total cost:
//!   [`exact_money`]) and exports (`export::Cell::Money`). Form inputs take a plain number of 万元
//!   ([`wan_input`], read back by [`parse_wan`]), the same unit as the amounts shown beside them.
//!   The API's machine figures ([`wan`], `Amount`) stay plain decimals a program can parse.
//! - Dates are typed as `2021-05-20`, `2021/5/20`, `2021.05.20`, `2021年5月20日` or `2021-05` ([`parse_date`]);
//!   times are shown in Asia/Shanghai to the minute ([`shanghai`]).

use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{Bps, District, Division, Fen, HomeArea, Labelled, StatedRange, ValueError};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Fen as 万元 with two decimals, rounded half up (one 万元 is 1,000,000 fen): `80.00`. A machine figure (the
/// API's `Amount::wan`, chart data); pages show [`wan_text`].
#[must_use]
pub fn wan(fen: i64) -> String {
    let hundredths = (fen.abs() + 5_000) / 10_000;
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, hundredths / 100, hundredths % 100)
}

/// Fen as people read 万元 in a table or a key figure: `166,395`, `13.65` (no unit; the column or the figure
/// names it).
#[must_use]
pub fn wan_text(fen: i64) -> String {
    finmart_domain::wan_figure(fen).0
}

/// An amount as a number of 万元 for a form input, exact: `100`, `5.5`, `0.8`, `0.000001`.
#[must_use]
pub fn wan_input(amount: Fen) -> String {
    let fen = amount.fen();
    let (whole, rest) = (fen / 1_000_000, fen % 1_000_000);
    if rest == 0 { whole.to_string() } else { format!("{whole}.{}", format!("{rest:06}").trim_end_matches('0')) }
}

/// An amount typed into a form: 万元 unless it says its unit (`300` and `300万` are 300 万元, `8000元` is
/// 8,000 元).
///
/// # Errors
/// Empty, not a number, negative, too precise or too large.
pub fn parse_wan(text: &str) -> Result<Fen, ValueError> {
    let t = text.trim();
    if t.ends_with('万') || t.ends_with('元') {
        Fen::parse_yuan(t)
    } else if t.is_empty() {
        Err(ValueError::Empty)
    } else {
        Fen::parse_yuan(&format!("{t}万"))
    }
}

/// `1234567` fen as `12,345.67` (元, always two decimals, for schedules and tables).
#[must_use]
pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", finmart_domain::group_thousands(&(fen / 100).to_string()), fen % 100)
}

/// A non-negative amount in fen as `(中文, English)` sentence text (`5 万元`, `CNY 50,000`).
#[must_use]
pub fn money(fen: i64) -> (String, String) {
    let f = Fen::from_fen(fen.max(0)).unwrap_or(Fen::ZERO);
    (f.display_zh(), f.display_en())
}

/// A loan's cost figure (a payment, interest, a fee, the total cost) as `(中文, English)`, exact to the fen
/// in both: `85,058.55 元`, `CNY 85,058.55`. Costs are compared between products to the 元, so they are never
/// rounded to 万元.
#[must_use]
pub fn exact_money(fen: i64) -> (String, String) {
    let f = Fen::from_fen(fen.max(0)).unwrap_or(Fen::ZERO);
    (f.display_exact_zh(), f.display_en())
}

/// A rate in basis points as percent text (`3.85%`; empty for a value out of range).
#[must_use]
pub fn percent(bps: u32) -> String {
    Bps::new(bps).map(Bps::percent_text).unwrap_or_default()
}

/// A UTC time as shown to people: Asia/Shanghai, to the minute.
#[must_use]
pub fn shanghai(t: DateTime<Utc>) -> String {
    finmart_domain::shanghai::minute_text(t)
}

/// A day as people type it: `2021-05-20`, `2021/5/20`, `2021.05.20`, `2021年5月20日`; `2021-05` is the
/// first of the month.
///
/// # Errors
/// Empty, or not a date.
pub fn parse_date(text: &str) -> Result<NaiveDate, ValueError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    let t = trimmed.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let t = t.trim_end_matches('-');
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d"))
        .map_err(|_| {
            let given: String = trimmed.chars().take(20).collect();
            ValueError::Invalid(format!("应为 YYYY-MM-DD 格式的日期（如 2021-05-20），实际为“{given}”"))
        })
}

/// What a page shows for a fact the product does not state (never a default that means something else).
pub const UNSTATED_ZH: &str = "未说明";
pub const UNSTATED_EN: &str = "Not stated";

/// A product's stated range in Chinese: `10 万元 – 500 万元`, `最高 1000 万元`, `20 万元 起`, `未说明`.
pub fn span_zh<T: Ord + Copy + std::fmt::Debug>(range: &StatedRange<T>, show: impl Fn(T) -> String) -> String {
    range.text_zh(show)
}

/// The same in English: `CNY 100,000 – CNY 5,000,000`, `Up to …`, `From …`, `Not stated`.
pub fn span_en<T: Ord + Copy + std::fmt::Debug>(range: &StatedRange<T>, show: impl Fn(T) -> String) -> String {
    range.text_en(show)
}

/// A value of a closed vocabulary: its machine name and labels.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Label {
    pub code: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
}

impl Label {
    pub fn of<T: Labelled>(v: T) -> Self {
        Self { code: v.as_str(), label: v.label_zh(), label_en: v.label_en() }
    }

    pub fn all<T: Labelled>(values: &[T]) -> Vec<Self> {
        values.iter().map(|v| Self::of(*v)).collect()
    }
}

/// A division (a firm's district, a city a product serves) in the shape of a [`Label`]: its 6-digit code and
/// its name as seen from the home area (和平区 at home, 江苏省苏州市 elsewhere; place names stay Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Place {
    pub code: String,
    pub label: String,
    pub label_en: String,
}

impl Place {
    #[must_use]
    pub fn of(division: Division, home: &HomeArea) -> Self {
        let name = division.name_from(home);
        Self { code: division.to_string(), label: name.clone(), label_en: name }
    }

    #[must_use]
    pub fn district(district: District, home: &HomeArea) -> Self {
        Self::of(district.division(), home)
    }

    /// The place of a stored code (or a first-deployment name); the text itself when it names none.
    #[must_use]
    pub fn of_stored(text: &str, home: &HomeArea) -> Self {
        District::parse_in_scope(text).map_or_else(
            |_| Self { code: text.to_owned(), label: text.to_owned(), label_en: text.to_owned() },
            |d| Self::district(d, home),
        )
    }
}

/// The home area's districts as the choices of a form (`code`, `label`, `label_en`).
#[must_use]
pub fn district_options(home: &HomeArea) -> Vec<Value> {
    home.districts().into_iter().map(|d| json!(Place::district(d, home))).collect()
}

/// Every value of a vocabulary as a choice of a form (`code`, `label`, `label_en`).
#[must_use]
pub fn options<T: Labelled>() -> Vec<Value> {
    T::ALL.iter().map(|v| json!({"code": v.as_str(), "label": v.label_zh(), "label_en": v.label_en()})).collect()
}

/// A vocabulary's value in the page's language.
#[must_use]
pub fn label_in<T: Labelled>(en: bool, v: T) -> String {
    (if en { v.label_en() } else { v.label_zh() }).to_owned()
}

/// Values of a vocabulary in the page's language, joined (`无` / `None` when there are none).
#[must_use]
pub fn labels_in<T: Labelled>(en: bool, items: &[T]) -> String {
    if items.is_empty() {
        return (if en { "None" } else { "无" }).to_owned();
    }
    items.iter().map(|v| label_in(en, *v)).collect::<Vec<_>>().join(if en { ", " } else { "、" })
}

/// An amount in fen and as 万元 text with two decimals (rounded half up), as the dashboards show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Amount {
    pub fen: i64,
    /// 万元, two decimals: `80.00`.
    pub wan: String,
}

impl From<i64> for Amount {
    fn from(fen: i64) -> Self {
        Self { fen, wan: wan(fen) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_wan_and_tables_in_yuan() {
        assert_eq!(wan_input(Fen::wan(100)), "100");
        assert_eq!(wan_input(Fen::yuan(55_000)), "5.5");
        assert_eq!(wan_input(Fen::yuan(8_000)), "0.8");
        assert_eq!(wan_input(Fen::from_fen(1).unwrap()), "0.000001");
        assert_eq!(yuan_text(123_456_789), "1,234,567.89");
        assert_eq!(yuan_text(5), "0.05");
        assert_eq!(yuan_text(0), "0.00");
        assert_eq!(yuan_text(-150), "-1.50");
        assert_eq!(wan(8_000_000), "8.00");
        assert_eq!(wan(12_345_678), "12.35");
        assert_eq!(wan(-5_000), "-0.01");
    }

    /// Every amount a form shows reads back as itself.
    #[test]
    fn amounts_are_written_as_the_forms_read_them() {
        for fen in [500_000_000, 8_000_000, 12_345_600, 12_345_678, 1, 100] {
            let f = Fen::from_fen(fen).unwrap();
            assert_eq!(parse_wan(&wan_input(f)), Ok(f), "{fen}");
        }
        assert_eq!(parse_wan("300"), Ok(Fen::wan(300)));
        assert_eq!(parse_wan(" 300万 "), Ok(Fen::wan(300)));
        assert_eq!(parse_wan("300万元"), Ok(Fen::wan(300)));
        assert_eq!(parse_wan("80000元"), Ok(Fen::wan(8)));
        assert_eq!(parse_wan("1,234.5"), Ok(Fen::parse_yuan("12345000").unwrap()));
        assert_eq!(parse_wan("0.5"), Ok(Fen::yuan(5000)));
        assert_eq!(parse_wan("-1"), Err(ValueError::Negative));
        assert_eq!(parse_wan(""), Err(ValueError::Empty));
        assert!(matches!(parse_wan("abc"), Err(ValueError::NotANumber(_))));
    }

    #[test]
    fn dates_as_people_write_them() {
        let may20 = NaiveDate::from_ymd_opt(2021, 5, 20).unwrap();
        for text in ["2021-05-20", "2021/5/20", "2021.05.20", "2021年5月20日", " 2021-05-20 "] {
            assert_eq!(parse_date(text), Ok(may20), "{text}");
        }
        assert_eq!(parse_date("2021-05"), Ok(NaiveDate::from_ymd_opt(2021, 5, 1).unwrap()));
        assert_eq!(parse_date(""), Err(ValueError::Empty));
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("yesterday").is_err());
    }
}
