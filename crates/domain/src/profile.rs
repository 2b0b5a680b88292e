//! The SME profile (企业画像) and its financing need (融资需求): what matching reads about a firm.
//!
//! Figures a firm may not know or may not want to give are `Option`s: matching reports a rule that needs a
//! missing figure as "需补充", never as a pass or a fail. So are the lists an eligibility rule reads
//! (qualifications, sectors), receivables and procurement contracts: `None` (the member left out of the
//! JSON) is "not given", `Some([])` is "none". A profile stored before lists could be left out always
//! wrote them, so it keeps meaning what it said; the profile form shows the checkboxes, so a saved form
//! gives an explicit list. Collateral the firm owns is a plain list (empty: none): no rule reads it, it only
//! suggests what the firm could offer.

use crate::ratio::DebtRatio;
use crate::scale::{ScaleInputs, classify};
use crate::vocab::TaxCreditGrade;
use crate::vocab::{
    Collateral, EnterpriseScale, Industry, LoanPurpose, PrioritySector, Qualification, RepaymentMethod,
};
use crate::{Bps, District, Fen, FieldErrors, Months, Uscc, ValueError};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The longest free text a profile or need keeps (names, purposes, counterparties).
pub const MAX_TEXT_CHARS: usize = 100;
/// No firm in China was registered before the People's Republic's first company registrations.
const EARLIEST_ESTABLISHED: (i32, u32, u32) = (1949, 10, 1);
/// A sanity ceiling on head counts and IP counts: larger values are typing errors.
const MAX_COUNT: u32 = 10_000_000;

/// A receivable the firm holds, and whether its debtor is a core enterprise (核心企业) that confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receivable {
    pub debtor: String,
    pub amount: Fen,
    #[serde(default)]
    pub core_enterprise: bool,
}

/// A won government procurement contract (政府采购合同).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcurementContract {
    pub buyer: String,
    pub amount: Fen,
}

/// The firm's repayment record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OverdueHistory {
    /// Never overdue.
    Never,
    /// Last overdue this many whole months ago (0 = overdue now or this month).
    MonthsAgo { months: u16 },
}

/// What matching knows about an enterprise. Amounts are integer fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseProfile {
    /// 统一社会信用代码; required for stored profiles, optional for an anonymous match.
    #[serde(default)]
    pub uscc: Option<Uscc>,
    #[serde(default)]
    pub name: String,
    pub district: District,
    pub industry: Industry,
    /// 重点产业; `None`: not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<Vec<PrioritySector>>,
    pub established: NaiveDate,
    #[serde(default)]
    pub registered_capital: Option<Fen>,
    pub employees: u32,
    /// Last year's revenue (上年营业收入).
    pub revenue: Fen,
    #[serde(default)]
    pub total_assets: Option<Fen>,
    #[serde(default)]
    pub total_liabilities: Option<Fen>,
    #[serde(default)]
    pub tax_credit_grade: Option<TaxCreditGrade>,
    /// Tax paid last year (上年纳税总额).
    #[serde(default)]
    pub tax_paid: Option<Fen>,
    /// 资质; `None`: not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifications: Option<Vec<Qualification>>,
    #[serde(default)]
    pub invention_patents: Option<u32>,
    #[serde(default)]
    pub trademarks: Option<u32>,
    #[serde(default)]
    pub copyrights: Option<u32>,
    /// Collateral the firm owns and could offer.
    #[serde(default)]
    pub collateral: Vec<Collateral>,
    #[serde(default)]
    pub receivables: Option<Vec<Receivable>>,
    #[serde(default)]
    pub procurement_contracts: Option<Vec<ProcurementContract>>,
    #[serde(default)]
    pub outstanding_loans: Option<Fen>,
    /// Whether it ever borrowed from a bank; `Some(false)` is a 首贷户.
    #[serde(default)]
    pub ever_borrowed: Option<bool>,
    #[serde(default)]
    pub overdue: Option<OverdueHistory>,
}

/// What the firm wants now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinancingNeed {
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    /// The purpose in the firm's own words, matched against product texts.
    #[serde(default)]
    pub purpose_text: String,
    /// The highest effective annual cost the firm accepts.
    #[serde(default)]
    pub max_annual_cost: Option<Bps>,
    /// Within how many calendar days the money is needed.
    #[serde(default)]
    pub needed_within_days: Option<u16>,
    /// Collateral the firm is willing to pledge for this loan.
    #[serde(default)]
    pub collateral_offered: Vec<Collateral>,
    /// Whether the firm accepts a guarantee agency (and its fee).
    #[serde(default = "yes")]
    pub accepts_guarantee: bool,
    /// A preferred repayment method, if any.
    #[serde(default)]
    pub repayment: Option<RepaymentMethod>,
}

fn yes() -> bool {
    true
}

fn check_text(errors: &mut FieldErrors, field: &str, text: &str, required: bool) {
    let chars = text.chars().count();
    if required && text.trim().is_empty() {
        errors.push(field, ValueError::Empty);
    } else if chars > MAX_TEXT_CHARS {
        errors.push(field, ValueError::Invalid(format!("最多 {MAX_TEXT_CHARS} 个字，实际为 {chars} 个")));
    }
}

fn check_count(errors: &mut FieldErrors, field: &str, value: Option<u32>) {
    if value.is_some_and(|n| n > MAX_COUNT) {
        errors.push(field, ValueError::TooLarge { max: MAX_COUNT.to_string() });
    }
}

/// Whole years from `from` to `to` (0 when `to` is earlier).
#[must_use]
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> u16 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    u16::try_from(years.max(0)).unwrap_or(u16::MAX)
}

impl EnterpriseProfile {
    /// Checks what types alone cannot: dates not in the future, text lengths, plausible counts.
    ///
    /// # Errors
    /// Every bad field, named as in the JSON (`established`, `receivables[1].debtor`).
    pub fn validate(&self, today: NaiveDate) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        check_text(&mut errors, "name", &self.name, false);
        let (y, m, d) = EARLIEST_ESTABLISHED;
        if self.established > today {
            errors.push("established", ValueError::Invalid(format!("成立日期 {} 晚于今天", self.established)));
        } else if NaiveDate::from_ymd_opt(y, m, d).is_some_and(|earliest| self.established < earliest) {
            errors.push("established", ValueError::Invalid(format!("成立日期 {} 早于 1949-10-01", self.established)));
        }
        if self.employees > MAX_COUNT {
            errors.push("employees", ValueError::TooLarge { max: MAX_COUNT.to_string() });
        }
        check_count(&mut errors, "invention_patents", self.invention_patents);
        check_count(&mut errors, "trademarks", self.trademarks);
        check_count(&mut errors, "copyrights", self.copyrights);
        for (i, r) in self.receivables.iter().flatten().enumerate() {
            check_text(&mut errors, &format!("receivables[{i}].debtor"), &r.debtor, true);
        }
        for (i, c) in self.procurement_contracts.iter().flatten().enumerate() {
            check_text(&mut errors, &format!("procurement_contracts[{i}].buyer"), &c.buyer, true);
        }
        errors.into_result(|| ())
    }

    /// 成立年限 in whole years on `today`.
    #[must_use]
    pub fn years_in_operation(&self, today: NaiveDate) -> u16 {
        whole_years(self.established, today)
    }

    /// The scale by 工信部联企业〔2011〕300号; `None` when the industry measures assets and none were given.
    #[must_use]
    pub fn scale(&self) -> Option<EnterpriseScale> {
        classify(
            self.industry,
            &ScaleInputs { employees: self.employees, revenue: self.revenue, total_assets: self.total_assets },
        )
    }

    /// 资产负债率, as its two totals; `None` unless both are known. It is compared exactly
    /// ([`DebtRatio::exceeds`]), never as a truncated number.
    #[must_use]
    pub fn debt_ratio(&self) -> Option<DebtRatio> {
        Some(DebtRatio::new(self.total_liabilities?, self.total_assets?))
    }

    /// The qualifications given, none when not given (for what counts them, never for a rule's decision).
    #[must_use]
    pub fn qualification_list(&self) -> &[Qualification] {
        self.qualifications.as_deref().unwrap_or_default()
    }

    /// The priority sectors given, none when not given (for display, never for a rule's decision).
    #[must_use]
    pub fn sector_list(&self) -> &[PrioritySector] {
        self.sectors.as_deref().unwrap_or_default()
    }

    /// Whether it holds receivables confirmed by a core enterprise; `None` when receivables were not stated.
    #[must_use]
    pub fn has_core_receivables(&self) -> Option<bool> {
        self.receivables.as_ref().map(|list| list.iter().any(|r| r.core_enterprise && r.amount > Fen::ZERO))
    }

    /// Whether it holds a government procurement contract; `None` when not stated.
    #[must_use]
    pub fn has_procurement_contract(&self) -> Option<bool> {
        self.procurement_contracts.as_ref().map(|list| list.iter().any(|c| c.amount > Fen::ZERO))
    }

    /// Whole months since the last overdue repayment; `Some(u16::MAX)` when never overdue.
    #[must_use]
    pub fn months_since_overdue(&self) -> Option<u16> {
        self.overdue.map(|o| match o {
            OverdueHistory::Never => u16::MAX,
            OverdueHistory::MonthsAgo { months } => months,
        })
    }
}

/// The longest a firm may say it can wait: ten years.
const MAX_WAIT_DAYS: u16 = 3650;

impl FinancingNeed {
    /// # Errors
    /// Every bad field: a zero amount, an over-long purpose, a zero or absurd wait.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.amount == Fen::ZERO {
            errors.push("amount", ValueError::TooSmall { min: "0.01".to_owned() });
        }
        check_text(&mut errors, "purpose_text", &self.purpose_text, false);
        match self.needed_within_days {
            Some(0) => errors.push("needed_within_days", ValueError::TooSmall { min: "1".to_owned() }),
            Some(d) if d > MAX_WAIT_DAYS => {
                errors.push("needed_within_days", ValueError::TooLarge { max: MAX_WAIT_DAYS.to_string() });
            }
            _ => {}
        }
        errors.into_result(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn profile() -> EnterpriseProfile {
        serde_json::from_value(serde_json::json!({
            "district": "binhai",
            "industry": "software",
            "established": "2019-05-20",
            "employees": 45,
            "revenue": 1_200_000_000,
        }))
        .unwrap()
    }

    #[test]
    fn minimal_json_leaves_unknowns_unknown() {
        let p = profile();
        assert_eq!(p.tax_credit_grade, None);
        assert_eq!(p.receivables, None);
        assert_eq!(p.has_core_receivables(), None);
        assert_eq!((p.qualifications.as_ref(), p.sectors.as_ref()), (None, None), "left out: not given");
        assert!(p.qualification_list().is_empty());
        assert_eq!(p.scale(), Some(EnterpriseScale::Small));
        assert_eq!(p.debt_ratio(), None);
    }

    #[test]
    fn an_empty_list_is_none_and_a_missing_one_not_given_both_ways() {
        let mut v = serde_json::to_value(profile()).unwrap();
        assert!(v.get("qualifications").is_none() && v.get("sectors").is_none(), "not given stays left out: {v}");
        v["qualifications"] = serde_json::json!([]);
        v["sectors"] = serde_json::json!(["new_materials"]);
        let p: EnterpriseProfile = serde_json::from_value(v).unwrap();
        assert_eq!(p.qualifications, Some(Vec::new()));
        assert_eq!(p.sectors, Some(vec![PrioritySector::NewMaterials]));
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back["qualifications"], serde_json::json!([]), "an explicit none is written");
        assert_eq!(serde_json::from_value::<EnterpriseProfile>(back).unwrap(), p);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        let mut v = serde_json::to_value(profile()).unwrap();
        v["favourite_colour"] = "red".into();
        assert!(serde_json::from_value::<EnterpriseProfile>(v).is_err());
        let mut v = serde_json::to_value(profile()).unwrap();
        v["revenue"] = (-1).into();
        assert!(serde_json::from_value::<EnterpriseProfile>(v).is_err());
        let mut v = serde_json::to_value(profile()).unwrap();
        v["uscc"] = "91120116MA05JXXX0X".into();
        assert!(serde_json::from_value::<EnterpriseProfile>(v).is_err());
    }

    #[test]
    fn future_establishment_and_long_names_are_named() {
        let mut p = profile();
        p.established = day(2030, 1, 1);
        p.name = "长".repeat(MAX_TEXT_CHARS + 1);
        p.receivables = Some(vec![Receivable { debtor: " ".into(), amount: Fen::wan(10), core_enterprise: true }]);
        let errors = p.validate(day(2026, 11, 22)).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "established", "receivables[0].debtor"]);
        assert!(profile().validate(day(2026, 11, 22)).is_ok());
    }

    #[test]
    fn years_count_whole_anniversaries() {
        let p = profile();
        assert_eq!(p.years_in_operation(day(2024, 5, 19)), 4);
        assert_eq!(p.years_in_operation(day(2024, 5, 20)), 5);
        assert_eq!(whole_years(day(2024, 2, 29), day(2025, 2, 28)), 0);
        assert_eq!(whole_years(day(2024, 2, 29), day(2025, 3, 1)), 1);
        assert_eq!(whole_years(day(2025, 1, 1), day(2024, 1, 1)), 0);
    }

    #[test]
    fn debt_ratio_needs_both_totals_and_is_kept_exact() {
        let mut p = profile();
        p.total_assets = Some(Fen::wan(1000));
        assert_eq!(p.debt_ratio(), None);
        p.total_liabilities = Some(Fen::from_fen(700_050_000).unwrap());
        let ratio = p.debt_ratio().unwrap();
        assert!(ratio.exceeds(crate::Bps::new(7000).unwrap()), "70.005 % is above 70 %");
        assert_eq!(ratio.percent_text().as_deref(), Some("70.005%"));
        p.total_assets = None;
        assert_eq!(p.debt_ratio(), None);
    }

    #[test]
    fn need_defaults_and_validation() {
        let need: FinancingNeed = serde_json::from_value(serde_json::json!({
            "amount": 100_000_000, "term": 12, "purpose": "working_capital"
        }))
        .unwrap();
        assert!(need.accepts_guarantee);
        assert!(need.validate().is_ok());
        let bad = FinancingNeed { amount: Fen::ZERO, needed_within_days: Some(0), ..need };
        let fields: Vec<String> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["amount", "needed_within_days"]);
        assert!(
            serde_json::from_value::<FinancingNeed>(serde_json::json!({
                "amount": 1, "term": 0, "purpose": "working_capital"
            }))
            .is_err()
        );
    }
}
