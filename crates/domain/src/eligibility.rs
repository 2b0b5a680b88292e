//! Eligibility rules: what an enterprise must be or have for a product, as typed data.
//!
//! Each rule has a stable key and a one-line text form (`min_tax_credit_grade=B`) shared by the database,
//! the import files and the API, and a sentence in plain Chinese for product pages. Evaluating a rule
//! against an enterprise profile is the matching crate's job; this module only says what the rule is.

use crate::labels::join_zh;
use crate::vocab::{EnterpriseScale, Industry, PrioritySector, Qualification, TaxCreditGrade};
use crate::{Bps, Fen, Labelled, ValueError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A bound on one or both sides; at least one side is set and `min <= max` when both are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T: Ord + Copy> Bounds<T> {
    #[must_use]
    pub fn contains(&self, value: T) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }
}

/// One eligibility rule of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EligibilityRule {
    /// 成立年限 at least this many years.
    MinYearsInOperation(u16),
    /// Last year's revenue within bounds.
    Revenue(Bounds<Fen>),
    /// Employee count within bounds.
    Employees(Bounds<u32>),
    /// Enterprise scale one of these.
    Scales(Vec<EnterpriseScale>),
    /// 纳税信用等级 at least this grade.
    MinTaxCreditGrade(TaxCreditGrade),
    /// Tax paid last year at least this much.
    MinTaxPaid(Fen),
    /// Holds at least one of these qualifications.
    QualificationsAny(Vec<Qualification>),
    /// Holds all of these qualifications.
    QualificationsAll(Vec<Qualification>),
    /// Industry one of these.
    IndustriesAllowed(Vec<Industry>),
    /// Industry none of these.
    IndustriesExcluded(Vec<Industry>),
    /// Belongs to at least one of these priority sectors.
    SectorsAny(Vec<PrioritySector>),
    /// At least this many granted invention patents.
    MinInventionPatents(u32),
    /// At least this many registered trademarks.
    MinTrademarks(u32),
    /// Holds a government procurement contract.
    GovProcurementContract,
    /// Holds receivables from a core enterprise.
    CoreEnterpriseReceivables,
    /// Has never had a bank loan (首贷户).
    FirstLoanOnly,
    /// No overdue repayment in the last this many months.
    NoOverdueMonths(u16),
    /// Liabilities / assets at most this ratio.
    MaxDebtRatio(Bps),
}

/// The stable keys, in the order rules are shown.
pub const RULE_KEYS: &[&str] = &[
    "min_years_in_operation",
    "revenue_yuan",
    "employees",
    "scales",
    "min_tax_credit_grade",
    "min_tax_paid_yuan",
    "qualifications_any",
    "qualifications_all",
    "industries_allowed",
    "industries_excluded",
    "sectors_any",
    "min_invention_patents",
    "min_trademarks",
    "gov_procurement_contract",
    "core_enterprise_receivables",
    "first_loan_only",
    "no_overdue_months",
    "max_debt_ratio_pct",
];

fn parse_list<T: Labelled>(value: &str) -> Result<Vec<T>, ValueError> {
    let items: Vec<T> = value
        .split(['|', '、', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(T::parse)
        .collect::<Result<_, _>>()?;
    if items.is_empty() { Err(ValueError::Empty) } else { Ok(items) }
}

fn list_text<T: Labelled>(items: &[T]) -> String {
    items.iter().map(|i| i.as_str()).collect::<Vec<_>>().join("|")
}

fn parse_count<T: std::str::FromStr>(value: &str) -> Result<T, ValueError> {
    let value = value.trim();
    if value.starts_with('-') {
        return Err(ValueError::Negative);
    }
    value.parse().map_err(|_| ValueError::NotANumber(value.chars().take(32).collect()))
}

fn parse_flag(value: &str) -> Result<(), ValueError> {
    match value.trim() {
        "true" | "1" | "yes" | "是" => Ok(()),
        other => Err(ValueError::Invalid(format!("只能为 true（不需要此条件时请删去该项），实际为“{other}”"))),
    }
}

fn parse_bounds<T: Ord + Copy + std::fmt::Debug>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Result<Bounds<T>, ValueError> {
    let (lo, hi) = value
        .split_once("..")
        .ok_or_else(|| ValueError::Invalid("范围应写作 下限..上限（可省略一侧），如 1000000..50000000".to_owned()))?;
    let side = |s: &str| if s.trim().is_empty() { Ok(None) } else { parse(s).map(Some) };
    let bounds = Bounds { min: side(lo)?, max: side(hi)? };
    match (bounds.min, bounds.max) {
        (None, None) => Err(ValueError::Empty),
        (Some(a), Some(b)) if a > b => Err(ValueError::InvertedRange { min: format!("{a:?}"), max: format!("{b:?}") }),
        _ => Ok(bounds),
    }
}

fn bounds_text<T: Copy>(b: &Bounds<T>, show: impl Fn(T) -> String) -> String {
    format!("{}..{}", b.min.map(&show).unwrap_or_default(), b.max.map(&show).unwrap_or_default())
}

fn yuan_text(f: Fen) -> String {
    let fen = f.fen();
    if fen % 100 == 0 { (fen / 100).to_string() } else { format!("{}.{:02}", fen / 100, fen % 100) }
}

fn bounds_zh<T: Copy>(b: &Bounds<T>, show: impl Fn(T) -> String) -> String {
    match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("{}至{}", show(lo), show(hi)),
        (Some(lo), None) => format!("不低于 {}", show(lo)),
        (None, Some(hi)) => format!("不超过 {}", show(hi)),
        (None, None) => "不限".to_owned(),
    }
}

fn join_en<T: Labelled>(values: &[T], conjunction: &str) -> String {
    let labels: Vec<&str> = values.iter().map(|v| v.label_en()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

fn bounds_en<T: Copy>(b: &Bounds<T>, show: impl Fn(T) -> String) -> String {
    match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("between {} and {}", show(lo), show(hi)),
        (Some(lo), None) => format!("at least {}", show(lo)),
        (None, Some(hi)) => format!("at most {}", show(hi)),
        (None, None) => "any".to_owned(),
    }
}

impl EligibilityRule {
    /// Builds a rule from its key and text value, as found in import files and the database.
    ///
    /// # Errors
    /// An unknown key, or a value that does not parse for that key.
    pub fn from_key_value(key: &str, value: &str) -> Result<Self, ValueError> {
        Ok(match key.trim() {
            "min_years_in_operation" => Self::MinYearsInOperation(parse_count(value)?),
            "revenue_yuan" => Self::Revenue(parse_bounds(value, Fen::parse_yuan)?),
            "employees" => Self::Employees(parse_bounds(value, parse_count)?),
            "scales" => Self::Scales(parse_list(value)?),
            "min_tax_credit_grade" => Self::MinTaxCreditGrade(TaxCreditGrade::parse(value)?),
            "min_tax_paid_yuan" => Self::MinTaxPaid(Fen::parse_yuan(value)?),
            "qualifications_any" => Self::QualificationsAny(parse_list(value)?),
            "qualifications_all" => Self::QualificationsAll(parse_list(value)?),
            "industries_allowed" => Self::IndustriesAllowed(parse_list(value)?),
            "industries_excluded" => Self::IndustriesExcluded(parse_list(value)?),
            "sectors_any" => Self::SectorsAny(parse_list(value)?),
            "min_invention_patents" => Self::MinInventionPatents(parse_count(value)?),
            "min_trademarks" => Self::MinTrademarks(parse_count(value)?),
            "gov_procurement_contract" => parse_flag(value).map(|()| Self::GovProcurementContract)?,
            "core_enterprise_receivables" => parse_flag(value).map(|()| Self::CoreEnterpriseReceivables)?,
            "first_loan_only" => parse_flag(value).map(|()| Self::FirstLoanOnly)?,
            "no_overdue_months" => Self::NoOverdueMonths(parse_count(value)?),
            "max_debt_ratio_pct" => Self::MaxDebtRatio(Bps::parse_percent(value)?),
            other => {
                return Err(ValueError::Unknown(crate::UnknownValue {
                    vocabulary: "eligibility rule",
                    value: other.chars().take(64).collect(),
                    allowed: RULE_KEYS.join(", "),
                }));
            }
        })
    }

    /// The stable key of this rule.
    #[must_use]
    pub fn key(&self) -> &'static str {
        match self {
            Self::MinYearsInOperation(_) => "min_years_in_operation",
            Self::Revenue(_) => "revenue_yuan",
            Self::Employees(_) => "employees",
            Self::Scales(_) => "scales",
            Self::MinTaxCreditGrade(_) => "min_tax_credit_grade",
            Self::MinTaxPaid(_) => "min_tax_paid_yuan",
            Self::QualificationsAny(_) => "qualifications_any",
            Self::QualificationsAll(_) => "qualifications_all",
            Self::IndustriesAllowed(_) => "industries_allowed",
            Self::IndustriesExcluded(_) => "industries_excluded",
            Self::SectorsAny(_) => "sectors_any",
            Self::MinInventionPatents(_) => "min_invention_patents",
            Self::MinTrademarks(_) => "min_trademarks",
            Self::GovProcurementContract => "gov_procurement_contract",
            Self::CoreEnterpriseReceivables => "core_enterprise_receivables",
            Self::FirstLoanOnly => "first_loan_only",
            Self::NoOverdueMonths(_) => "no_overdue_months",
            Self::MaxDebtRatio(_) => "max_debt_ratio_pct",
        }
    }

    /// The text value that [`EligibilityRule::from_key_value`] reads back.
    #[must_use]
    pub fn value_text(&self) -> String {
        match self {
            Self::MinYearsInOperation(n) | Self::NoOverdueMonths(n) => n.to_string(),
            Self::Revenue(b) => bounds_text(b, yuan_text),
            Self::Employees(b) => bounds_text(b, |n| n.to_string()),
            Self::Scales(v) => list_text(v),
            Self::MinTaxCreditGrade(g) => g.as_str().to_owned(),
            Self::MinTaxPaid(f) => yuan_text(*f),
            Self::QualificationsAny(v) | Self::QualificationsAll(v) => list_text(v),
            Self::IndustriesAllowed(v) | Self::IndustriesExcluded(v) => list_text(v),
            Self::SectorsAny(v) => list_text(v),
            Self::MinInventionPatents(n) | Self::MinTrademarks(n) => n.to_string(),
            Self::GovProcurementContract | Self::CoreEnterpriseReceivables | Self::FirstLoanOnly => "true".to_owned(),
            Self::MaxDebtRatio(r) => r.percent_text().trim_end_matches('%').to_owned(),
        }
    }

    /// The requirement in plain Chinese, as a product page states it.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Self::MinYearsInOperation(n) => format!("企业成立满 {n} 年"),
            Self::Revenue(b) => format!("上年营业收入{}", bounds_zh(b, Fen::display_zh)),
            Self::Employees(b) => format!("从业人员{}", bounds_zh(b, |n| format!("{n} 人"))),
            Self::Scales(v) => format!("企业规模为{}", join_zh(v)),
            Self::MinTaxCreditGrade(g) => format!("纳税信用等级 {} 级及以上", g.as_str()),
            Self::MinTaxPaid(f) => format!("上年纳税总额不低于 {}", f.display_zh()),
            Self::QualificationsAny(v) if v.len() == 1 => format!("具有{}资质", join_zh(v)),
            Self::QualificationsAny(v) => format!("具有{}资质之一", join_zh(v)),
            Self::QualificationsAll(v) => format!("同时具有{}资质", join_zh(v)),
            Self::IndustriesAllowed(v) => format!("所属行业为{}", join_zh(v)),
            Self::IndustriesExcluded(v) => format!("不支持{}企业", join_zh(v)),
            Self::SectorsAny(v) => format!("属于{}等重点产业", join_zh(v)),
            Self::MinInventionPatents(n) => format!("拥有有效发明专利不少于 {n} 件"),
            Self::MinTrademarks(n) => format!("拥有注册商标不少于 {n} 件"),
            Self::GovProcurementContract => "持有已中标的政府采购合同".to_owned(),
            Self::CoreEnterpriseReceivables => "持有核心企业确认的应收账款".to_owned(),
            Self::FirstLoanOnly => "此前未在银行取得过贷款（首贷户）".to_owned(),
            Self::NoOverdueMonths(n) => format!("近 {n} 个月无逾期记录"),
            Self::MaxDebtRatio(r) => format!("资产负债率不高于 {}", r.percent_text()),
        }
    }
}

impl EligibilityRule {
    /// The requirement in plain English.
    #[must_use]
    pub fn describe_en(&self) -> String {
        match self {
            Self::MinYearsInOperation(1) => "In business for at least 1 year".to_owned(),
            Self::MinYearsInOperation(n) => format!("In business for at least {n} years"),
            Self::Revenue(b) => format!("Last year's revenue {}", bounds_en(b, Fen::display_en)),
            Self::Employees(b) => format!("Employees {}", bounds_en(b, |n| n.to_string())),
            Self::Scales(v) => format!("Enterprise scale: {}", join_en(v, "or")),
            Self::MinTaxCreditGrade(g) => format!("Tax credit grade {} or better", g.as_str()),
            Self::MinTaxPaid(f) => format!("Tax paid last year at least {}", f.display_en()),
            Self::QualificationsAny(v) if v.len() == 1 => format!("Holds the {} qualification", join_en(v, "or")),
            Self::QualificationsAny(v) => format!("Holds one of: {}", join_en(v, "or")),
            Self::QualificationsAll(v) => format!("Holds all of: {}", join_en(v, "and")),
            Self::IndustriesAllowed(v) => format!("Industry: {}", join_en(v, "or")),
            Self::IndustriesExcluded(v) => format!("Not for: {}", join_en(v, "or")),
            Self::SectorsAny(v) => format!("In a priority sector: {}", join_en(v, "or")),
            Self::MinInventionPatents(n) => format!("At least {n} granted invention patent(s)"),
            Self::MinTrademarks(n) => format!("At least {n} registered trademark(s)"),
            Self::GovProcurementContract => "Holds a won government procurement contract".to_owned(),
            Self::CoreEnterpriseReceivables => "Holds receivables confirmed by a core enterprise".to_owned(),
            Self::FirstLoanOnly => "Has never borrowed from a bank (first loan)".to_owned(),
            Self::NoOverdueMonths(n) => format!("No overdue repayment in the last {n} months"),
            Self::MaxDebtRatio(r) => format!("Debt ratio at most {}", r.percent_text()),
        }
    }
}

/// The eligibility rules of one product: at most one rule per key, kept in [`RULE_KEYS`] order.
///
/// Serialised as a map from key to text value (`{"min_tax_credit_grade": "B"}`); deserialising also takes
/// numbers, booleans and arrays as values, so JSON files can say `"min_trademarks": 2`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EligibilityRules(Vec<EligibilityRule>);

impl EligibilityRules {
    /// # Errors
    /// Two rules with the same key.
    pub fn new(mut rules: Vec<EligibilityRule>) -> Result<Self, ValueError> {
        rules.sort_by_key(|r| RULE_KEYS.iter().position(|k| *k == r.key()));
        if let Some(w) = rules.windows(2).find(|w| w[0].key() == w[1].key()) {
            return Err(ValueError::Invalid(format!("条件“{}”重复出现", w[0].key())));
        }
        Ok(Self(rules))
    }

    /// Parses the one-line form `key=value; key=value` used in CSV cells. An empty text means no rules.
    ///
    /// # Errors
    /// The first bad pair, as `(key, error)`.
    pub fn parse_line(text: &str) -> Result<Self, (String, ValueError)> {
        let mut rules = Vec::new();
        for pair in text.split([';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                (pair.chars().take(40).collect::<String>(), ValueError::Invalid("应写作 条件=取值".to_owned()))
            })?;
            rules.push(EligibilityRule::from_key_value(key, value).map_err(|e| (key.trim().to_owned(), e))?);
        }
        Self::new(rules).map_err(|e| (String::new(), e))
    }

    /// The one-line form read by [`EligibilityRules::parse_line`].
    #[must_use]
    pub fn to_line(&self) -> String {
        self.0.iter().map(|r| format!("{}={}", r.key(), r.value_text())).collect::<Vec<_>>().join("; ")
    }

    #[must_use]
    pub fn rules(&self) -> &[EligibilityRule] {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for EligibilityRules {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, String> = self.0.iter().map(|r| (r.key(), r.value_text())).collect();
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EligibilityRules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let map = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
        let mut rules = Vec::with_capacity(map.len());
        for (key, value) in map {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(true) => "true".to_owned(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string()))
                    .collect::<Vec<_>>()
                    .join("|"),
                other => other.to_string(),
            };
            rules.push(
                EligibilityRule::from_key_value(&key, &text).map_err(|e| D::Error::custom(format!("{key}: {e}")))?,
            );
        }
        Self::new(rules).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_form_round_trips() {
        let line = "min_years_in_operation=2; revenue_yuan=1000000..50000000; min_tax_credit_grade=B; \
                    qualifications_any=high_tech|tech_sme; first_loan_only=true; max_debt_ratio_pct=70";
        let rules = EligibilityRules::parse_line(line).unwrap();
        assert_eq!(rules.rules().len(), 6);
        assert_eq!(EligibilityRules::parse_line(&rules.to_line()).unwrap(), rules);
    }

    #[test]
    fn json_form_takes_native_values() {
        let json = r#"{"min_trademarks": 2, "scales": ["micro", "small"], "first_loan_only": true,
                       "revenue_yuan": "..30000000"}"#;
        let rules: EligibilityRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.rules().len(), 4);
        let back: EligibilityRules = serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
        assert_eq!(back, rules);
    }

    #[test]
    fn bad_rules_name_the_key() {
        let (key, _) = EligibilityRules::parse_line("min_tax_credit_grade=Z").unwrap_err();
        assert_eq!(key, "min_tax_credit_grade");
        let (key, _) = EligibilityRules::parse_line("favourite_colour=blue").unwrap_err();
        assert_eq!(key, "favourite_colour");
        assert!(EligibilityRules::parse_line("revenue_yuan=500..100").is_err());
        assert!(EligibilityRules::parse_line("first_loan_only=false").is_err());
        assert!(EligibilityRules::parse_line("min_trademarks=1; min_trademarks=2").is_err());
    }

    #[test]
    fn describes_rules_in_chinese() {
        let r = EligibilityRule::from_key_value("min_tax_credit_grade", "B").unwrap();
        assert_eq!(r.describe_zh(), "纳税信用等级 B 级及以上");
        let r = EligibilityRule::from_key_value("revenue_yuan", "1000000..50000000").unwrap();
        assert_eq!(r.describe_zh(), "上年营业收入100 万元至5000 万元");
        let r = EligibilityRule::from_key_value("qualifications_any", "high_tech|specialised").unwrap();
        assert_eq!(r.describe_zh(), "具有高新技术企业、专精特新企业资质之一");
        assert_eq!(r.describe_en(), "Holds one of: High-tech enterprise or Specialised and innovative SME");
    }

    #[test]
    fn every_key_parses_back_from_its_own_text() {
        let samples = [
            ("min_years_in_operation", "3"),
            ("revenue_yuan", "..1000000"),
            ("employees", "5..300"),
            ("scales", "micro|small"),
            ("min_tax_credit_grade", "A"),
            ("min_tax_paid_yuan", "50000"),
            ("qualifications_any", "gazelle"),
            ("qualifications_all", "high_tech|specialised"),
            ("industries_allowed", "industrial|software"),
            ("industries_excluded", "real_estate_development"),
            ("sectors_any", "biomedicine"),
            ("min_invention_patents", "1"),
            ("min_trademarks", "2"),
            ("gov_procurement_contract", "true"),
            ("core_enterprise_receivables", "true"),
            ("first_loan_only", "true"),
            ("no_overdue_months", "24"),
            ("max_debt_ratio_pct", "70.5"),
        ];
        assert_eq!(samples.len(), RULE_KEYS.len());
        for (key, value) in samples {
            let rule = EligibilityRule::from_key_value(key, value).unwrap();
            assert_eq!(rule.key(), key);
            assert_eq!(EligibilityRule::from_key_value(key, &rule.value_text()).unwrap(), rule);
            assert!(!rule.describe_zh().is_empty() && !rule.describe_en().is_empty());
        }
    }
}
