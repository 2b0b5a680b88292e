//! Eligibility rules: what an enterprise must be or have for a product, as typed data.
//!
//! Each rule has a stable key and a one-line text form (`min_tax_credit_grade=B`) shared by the database,
//! the import files and the API, and a sentence in plain Chinese for product pages. The kinds of rule, with
//! their keys and names, are one vocabulary ([`RuleKind`]). Evaluating a rule against an enterprise profile
//! is the matching crate's job; this module only says what the rule is.
//!
//! One kind is not the platform's to decide: [`EligibilityRule::OtherConditions`] holds conditions in the
//! lender's own words ("经营者无不良嗜好"), shown as written and left for the lender to check.

use crate::labels::join_zh;
use crate::vocab::{EnterpriseScale, Industry, PrioritySector, Qualification, TaxCreditGrade};
use crate::{Bps, Fen, FieldErrors, Labelled, ValueError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

crate::labelled_enum! {
    /// The kinds of eligibility rule, in the order a product shows its rules: the key of each (import files,
    /// the database, the API) and its name (import errors, pages). A key may also be written as its Chinese
    /// name in the one-line form.
    pub enum RuleKind: "eligibility rule" {
        MinYearsInOperation => "min_years_in_operation", "成立年限", "Years in business",
        Revenue => "revenue_yuan", "营业收入", "Revenue",
        Employees => "employees", "从业人员", "Employees",
        Scales => "scales", "企业规模", "Enterprise scale",
        MinTaxCreditGrade => "min_tax_credit_grade", "纳税信用等级", "Tax credit grade",
        TaxPaid => "tax_paid_yuan", "纳税额", "Tax paid",
        QualificationsAny => "qualifications_any", "资质要求", "Qualifications",
        QualificationsAll => "qualifications_all", "资质要求（全部）", "Qualifications (all)",
        IndustriesAllowed => "industries_allowed", "支持行业", "Industries served",
        IndustriesExcluded => "industries_excluded", "限制行业", "Industries excluded",
        SectorsAny => "sectors_any", "重点产业", "Priority sectors",
        MinInventionPatents => "min_invention_patents", "发明专利", "Invention patents",
        MinTrademarks => "min_trademarks", "注册商标", "Trademarks",
        GovProcurementContract => "gov_procurement_contract", "政府采购合同", "Procurement contract",
        CoreEnterpriseReceivables => "core_enterprise_receivables", "核心企业应收账款", "Core-enterprise receivables",
        FirstLoanOnly => "first_loan_only", "首贷户", "First loan only",
        NoOverdueMonths => "no_overdue_months", "逾期记录", "Overdue record",
        MaxDebtRatio => "max_debt_ratio_pct", "资产负债率", "Debt ratio",
        OtherConditions => "other_conditions", "其他条件", "Other conditions",
    }
}

/// How amount ranges are written (营业收入, 纳税额).
const AMOUNT_RANGE: (&str, &str) = (
    "金额范围（元，可用“万”）：下限..上限，可省略一侧",
    "an amount range in yuan (万 allowed): min..max, either side may be left out",
);

impl RuleKind {
    /// How a value of this kind is written, in Chinese and English: told with every bad value of the kind,
    /// and the "取值格式" of the import format's table of kinds (a test holds them equal).
    #[must_use]
    pub const fn value_form(self) -> (&'static str, &'static str) {
        match self {
            Self::MinYearsInOperation => ("非负整数（年）", "a whole number of years"),
            Self::Revenue | Self::TaxPaid => AMOUNT_RANGE,
            Self::Employees => {
                ("人数范围：下限..上限，可省略一侧", "a range of head counts: min..max, either side may be left out")
            }
            Self::Scales => ("企业规模，一个或多个，用 | 分隔", "enterprise scales, one or more, separated by |"),
            Self::MinTaxCreditGrade => ("纳税信用等级 A、B、M、C 或 D", "a tax credit grade: A, B, M, C or D"),
            Self::QualificationsAny | Self::QualificationsAll => {
                ("企业资质，一个或多个，用 | 分隔", "qualifications, one or more, separated by |")
            }
            Self::IndustriesAllowed | Self::IndustriesExcluded => {
                ("行业，一个或多个，用 | 分隔", "industries, one or more, separated by |")
            }
            Self::SectorsAny => ("重点产业，一个或多个，用 | 分隔", "priority sectors, one or more, separated by |"),
            Self::MinInventionPatents | Self::MinTrademarks => ("非负整数（件）", "a whole number"),
            Self::GovProcurementContract | Self::CoreEnterpriseReceivables | Self::FirstLoanOnly => {
                ("只能为 true（不需要此条件时删去该项）", "only true (leave the rule out when it does not apply)")
            }
            Self::NoOverdueMonths => ("非负整数（月）", "a whole number of months"),
            Self::MaxDebtRatio => ("百分数 0–100，最多两位小数", "a percentage 0–100, at most 2 decimals"),
            Self::OtherConditions => (
                "机构原话，一条或多条，用 | 分隔；每条最多 200 字，不含分号和 |",
                "the lender's words, one condition or more separated by |; each up to 200 characters, without ; or |",
            ),
        }
    }

    /// One rule of this kind in the one-line form, as the import format shows it (a test parses each).
    #[must_use]
    pub const fn example(self) -> &'static str {
        match self {
            Self::MinYearsInOperation => "min_years_in_operation=2",
            Self::Revenue => "revenue_yuan=100万..5000万",
            Self::Employees => "employees=..300",
            Self::Scales => "scales=micro|small",
            Self::MinTaxCreditGrade => "min_tax_credit_grade=B",
            Self::TaxPaid => "tax_paid_yuan=..50万",
            Self::QualificationsAny => "qualifications_any=high_tech|innovative_sme|seed",
            Self::QualificationsAll => "qualifications_all=high_tech|specialised",
            Self::IndustriesAllowed => "industries_allowed=industrial|software",
            Self::IndustriesExcluded => "industries_excluded=real_estate_development",
            Self::SectorsAny => "sectors_any=biomedicine|new_energy",
            Self::MinInventionPatents => "min_invention_patents=1",
            Self::MinTrademarks => "min_trademarks=2",
            Self::GovProcurementContract => "gov_procurement_contract=true",
            Self::CoreEnterpriseReceivables => "core_enterprise_receivables=true",
            Self::FirstLoanOnly => "first_loan_only=true",
            Self::NoOverdueMonths => "no_overdue_months=24",
            Self::MaxDebtRatio => "max_debt_ratio_pct=70",
            Self::OtherConditions => "other_conditions=经营者无不良嗜好|入选区级种子企业库",
        }
    }
}

/// The key of the rule that became `tax_paid_yuan` when tax paid gained an upper bound; it took a minimum
/// alone. Stored products, product versions, pending reviews and files written before still say it, so it
/// is read for ever with the meaning it had (`min_tax_paid_yuan=50000` is `tax_paid_yuan=50000..`), and
/// never written. Reading it here, rather than migrating the stored rows, also covers the versions'
/// records and the files nobody can migrate.
pub const LEGACY_MIN_TAX_PAID_KEY: &str = "min_tax_paid_yuan";

/// One condition in the lender's own words (其他条件: "经营者无不良嗜好", "入选区级种子企业库"), kept as written.
/// Nothing in a profile can decide it, so matching shows it to the firm and leaves it to the lender.
///
/// It never holds what separates rules or conditions in the one-line form (`;`, `；`, `|`, a line break),
/// so every product's rules read back from the text they are written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherCondition(String);

impl OtherCondition {
    /// Longest condition, in characters: a sentence or two of a product page.
    pub const MAX_CHARS: usize = 200;
    /// Most conditions one product states.
    pub const MAX_COUNT: usize = 20;

    /// # Errors
    /// An empty text, one longer than [`Self::MAX_CHARS`], or one holding `;`, `；`, `|` or a line break.
    pub fn new(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        let chars = text.chars().count();
        if text.is_empty() {
            Err(ValueError::Empty)
        } else if let Some(c) = text.chars().find(|c| matches!(c, ';' | '；' | '|' | '\n' | '\r')) {
            let shown = if c.is_whitespace() { "换行".to_owned() } else { format!("“{c}”") };
            Err(ValueError::Invalid(format!(
                "一条其他条件中不能含有{shown}：多条条件之间用 | 分隔，如 other_conditions=经营者无不良嗜好|入选区级种子企业库"
            )))
        } else if chars > Self::MAX_CHARS {
            Err(ValueError::Invalid(format!("每条其他条件最多 {} 个字，这一条有 {chars} 个字", Self::MAX_CHARS)))
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
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
    /// Tax paid last year within bounds (年纳税额不少于 10 万元 / 不超过 50 万元).
    TaxPaid(Bounds<Fen>),
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
    /// Conditions in the lender's words, one or more, for the lender to check (never passed or failed).
    OtherConditions(Vec<OtherCondition>),
}

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

fn parse_bounds<T: Ord + Copy>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
    show: impl Fn(T) -> String,
) -> Result<Bounds<T>, ValueError> {
    let (lo, hi) = value
        .split_once("..")
        .ok_or_else(|| ValueError::Invalid("范围应写作 下限..上限（可省略一侧），如 1000000..50000000".to_owned()))?;
    let side = |s: &str| if s.trim().is_empty() { Ok(None) } else { parse(s).map(Some) };
    let bounds = Bounds { min: side(lo)?, max: side(hi)? };
    match (bounds.min, bounds.max) {
        (None, None) => Err(ValueError::Empty),
        (Some(a), Some(b)) if a > b => Err(ValueError::InvertedRange { min: show(a), max: show(b) }),
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
        (Some(lo), Some(hi)) => format!("在 {}至 {}之间", show(lo), show(hi)),
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

/// What [`LEGACY_MIN_TAX_PAID_KEY`] takes: one amount, the least tax paid.
const LEGACY_FORM: (&str, &str) = (
    "一个金额（元，可用“万”），即纳税额不低于该金额；写范围或上限请用 tax_paid_yuan=下限..上限",
    "one amount in yuan, the least tax paid; for a range or a maximum write tax_paid_yuan=min..max",
);

/// How a key is read: its kind and the value in the kind's own syntax (the legacy key's amount as a minimum).
///
/// # Errors
/// A key that is neither a rule kind's key or Chinese name nor [`LEGACY_MIN_TAX_PAID_KEY`], or a range under
/// the legacy key (which took an amount).
fn read_key<'v>(key: &str, value: &'v str) -> Result<(RuleKind, std::borrow::Cow<'v, str>), ValueError> {
    if key.trim() == LEGACY_MIN_TAX_PAID_KEY {
        if value.contains("..") {
            return Err(ValueError::Invalid(format!("{LEGACY_MIN_TAX_PAID_KEY} 只写一个金额，不写范围")));
        }
        return Ok((RuleKind::TaxPaid, format!("{}..", value.trim()).into()));
    }
    Ok((RuleKind::parse(key)?, value.into()))
}

fn parse_other_conditions(value: &str) -> Result<Vec<OtherCondition>, ValueError> {
    let conditions: Vec<OtherCondition> =
        value.split('|').map(str::trim).filter(|s| !s.is_empty()).map(OtherCondition::new).collect::<Result<_, _>>()?;
    match conditions.len() {
        0 => Err(ValueError::Empty),
        n if n > OtherCondition::MAX_COUNT => {
            Err(ValueError::Invalid(format!("其他条件最多 {} 条，这里有 {n} 条", OtherCondition::MAX_COUNT)))
        }
        _ => Ok(conditions),
    }
}

fn conditions_text(conditions: &[OtherCondition], separator: &str) -> String {
    conditions.iter().map(OtherCondition::as_str).collect::<Vec<_>>().join(separator)
}

impl EligibilityRule {
    /// Builds a rule from its key and text value, as found in import files and the database.
    ///
    /// # Errors
    /// An unknown key, or a value that does not parse for that key.
    pub fn from_key_value(key: &str, value: &str) -> Result<Self, ValueError> {
        let (kind, value) = read_key(key, value)?;
        Self::parse(kind, &value)
    }

    /// Builds a rule of `kind` from its text value.
    ///
    /// # Errors
    /// A value that does not parse for that kind.
    pub fn parse(kind: RuleKind, value: &str) -> Result<Self, ValueError> {
        Ok(match kind {
            RuleKind::MinYearsInOperation => Self::MinYearsInOperation(parse_count(value)?),
            RuleKind::Revenue => Self::Revenue(parse_bounds(value, Fen::parse_yuan, yuan_text)?),
            RuleKind::Employees => Self::Employees(parse_bounds(value, parse_count, |n: u32| n.to_string())?),
            RuleKind::Scales => Self::Scales(parse_list(value)?),
            RuleKind::MinTaxCreditGrade => Self::MinTaxCreditGrade(TaxCreditGrade::parse(value)?),
            RuleKind::TaxPaid => Self::TaxPaid(parse_bounds(value, Fen::parse_yuan, yuan_text)?),
            RuleKind::QualificationsAny => Self::QualificationsAny(parse_list(value)?),
            RuleKind::QualificationsAll => Self::QualificationsAll(parse_list(value)?),
            RuleKind::IndustriesAllowed => Self::IndustriesAllowed(parse_list(value)?),
            RuleKind::IndustriesExcluded => Self::IndustriesExcluded(parse_list(value)?),
            RuleKind::SectorsAny => Self::SectorsAny(parse_list(value)?),
            RuleKind::MinInventionPatents => Self::MinInventionPatents(parse_count(value)?),
            RuleKind::MinTrademarks => Self::MinTrademarks(parse_count(value)?),
            RuleKind::GovProcurementContract => parse_flag(value).map(|()| Self::GovProcurementContract)?,
            RuleKind::CoreEnterpriseReceivables => parse_flag(value).map(|()| Self::CoreEnterpriseReceivables)?,
            RuleKind::FirstLoanOnly => parse_flag(value).map(|()| Self::FirstLoanOnly)?,
            RuleKind::NoOverdueMonths => Self::NoOverdueMonths(parse_count(value)?),
            RuleKind::MaxDebtRatio => Self::MaxDebtRatio(Bps::parse_percent(value)?),
            RuleKind::OtherConditions => Self::OtherConditions(parse_other_conditions(value)?),
        })
    }

    /// The kind of this rule.
    #[must_use]
    pub fn kind(&self) -> RuleKind {
        match self {
            Self::MinYearsInOperation(_) => RuleKind::MinYearsInOperation,
            Self::Revenue(_) => RuleKind::Revenue,
            Self::Employees(_) => RuleKind::Employees,
            Self::Scales(_) => RuleKind::Scales,
            Self::MinTaxCreditGrade(_) => RuleKind::MinTaxCreditGrade,
            Self::TaxPaid(_) => RuleKind::TaxPaid,
            Self::QualificationsAny(_) => RuleKind::QualificationsAny,
            Self::QualificationsAll(_) => RuleKind::QualificationsAll,
            Self::IndustriesAllowed(_) => RuleKind::IndustriesAllowed,
            Self::IndustriesExcluded(_) => RuleKind::IndustriesExcluded,
            Self::SectorsAny(_) => RuleKind::SectorsAny,
            Self::MinInventionPatents(_) => RuleKind::MinInventionPatents,
            Self::MinTrademarks(_) => RuleKind::MinTrademarks,
            Self::GovProcurementContract => RuleKind::GovProcurementContract,
            Self::CoreEnterpriseReceivables => RuleKind::CoreEnterpriseReceivables,
            Self::FirstLoanOnly => RuleKind::FirstLoanOnly,
            Self::NoOverdueMonths(_) => RuleKind::NoOverdueMonths,
            Self::MaxDebtRatio(_) => RuleKind::MaxDebtRatio,
            Self::OtherConditions(_) => RuleKind::OtherConditions,
        }
    }

    /// The stable key of this rule.
    #[must_use]
    pub fn key(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The text value that [`EligibilityRule::from_key_value`] reads back.
    #[must_use]
    pub fn value_text(&self) -> String {
        match self {
            Self::MinYearsInOperation(n) | Self::NoOverdueMonths(n) => n.to_string(),
            Self::Revenue(b) | Self::TaxPaid(b) => bounds_text(b, yuan_text),
            Self::Employees(b) => bounds_text(b, |n| n.to_string()),
            Self::Scales(v) => list_text(v),
            Self::MinTaxCreditGrade(g) => g.as_str().to_owned(),
            Self::QualificationsAny(v) | Self::QualificationsAll(v) => list_text(v),
            Self::IndustriesAllowed(v) | Self::IndustriesExcluded(v) => list_text(v),
            Self::SectorsAny(v) => list_text(v),
            Self::MinInventionPatents(n) | Self::MinTrademarks(n) => n.to_string(),
            Self::GovProcurementContract | Self::CoreEnterpriseReceivables | Self::FirstLoanOnly => "true".to_owned(),
            Self::MaxDebtRatio(r) => r.percent_text().trim_end_matches('%').to_owned(),
            Self::OtherConditions(v) => conditions_text(v, "|"),
        }
    }

    /// The requirement in plain Chinese, as a product page states it. Other conditions read as the lender
    /// wrote them.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Self::MinYearsInOperation(n) => format!("企业成立满 {n} 年"),
            Self::Revenue(b) => format!("上年营业收入{}", bounds_zh(b, Fen::display_zh)),
            Self::Employees(b) => format!("从业人员{}", bounds_zh(b, |n| format!("{n} 人"))),
            Self::Scales(v) => format!("企业规模为{}", join_zh(v)),
            Self::MinTaxCreditGrade(g) => format!("纳税信用等级 {} 级及以上", g.as_str()),
            Self::TaxPaid(b) => format!("上年纳税总额{}", bounds_zh(b, Fen::display_zh)),
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
            Self::OtherConditions(v) => conditions_text(v, "；"),
        }
    }
}

impl EligibilityRule {
    /// The requirement in plain English. Other conditions keep the lender's (Chinese) words: a translation
    /// would be the platform's words, not the lender's.
    #[must_use]
    pub fn describe_en(&self) -> String {
        match self {
            Self::MinYearsInOperation(1) => "In business for at least 1 year".to_owned(),
            Self::MinYearsInOperation(n) => format!("In business for at least {n} years"),
            Self::Revenue(b) => format!("Last year's revenue {}", bounds_en(b, Fen::display_en)),
            Self::Employees(b) => format!("Employees {}", bounds_en(b, |n| n.to_string())),
            Self::Scales(v) => format!("Enterprise scale: {}", join_en(v, "or")),
            Self::MinTaxCreditGrade(g) => format!("Tax credit grade {} or better", g.as_str()),
            Self::TaxPaid(b) => format!("Tax paid last year {}", bounds_en(b, Fen::display_en)),
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
            Self::OtherConditions(v) => format!("In the lender's words: {}", conditions_text(v, "; ")),
        }
    }
}

/// What a part of the one-line form without `=` is told.
const NO_EQUALS: &str = "应写作 条件名=取值，条件之间用分号分隔（其他条件 other_conditions 的多条之间用 | 分隔）";

/// How much of a key or a part as written names it in an error.
const SHOWN_CHARS: usize = 40;

fn shown(text: &str) -> String {
    text.trim().chars().take(SHOWN_CHARS).collect()
}

/// Reads rules one by one, keeping every good one and an error for every bad one, in the order written.
#[derive(Default)]
struct Reader {
    /// Every kind met so far, good or bad: a repeat is refused even when the first value was bad, since the
    /// author meant one rule.
    seen: BTreeSet<RuleKind>,
    rules: Vec<EligibilityRule>,
    errors: FieldErrors,
}

impl Reader {
    /// One `key=value`; an error is filed under the key as written (a Chinese name, or the legacy key, is
    /// what the author sees in the file), naming the rule as written and what its kind accepts.
    fn pair(&mut self, key: &str, value: &str) {
        let read = read_key(key, value).map_err(|e| (None, e)).and_then(|(kind, value)| {
            if !self.seen.insert(kind) {
                return Err((None, repeated(kind)));
            }
            let accepted = if key.trim() == LEGACY_MIN_TAX_PAID_KEY { LEGACY_FORM } else { kind.value_form() };
            EligibilityRule::parse(kind, &value).map_err(|e| (Some(accepted), e))
        });
        match read {
            Ok(rule) => self.rules.push(rule),
            Err((accepted, error)) => {
                let rule = format!("{}={}", key.trim(), value.trim());
                self.errors.push(shown(key), in_rule(&rule, error, accepted));
            }
        }
    }

    /// A part of the one-line form without `=`, filed under its own text.
    fn no_equals(&mut self, part: &str) {
        self.errors.push(shown(part), in_rule(part, ValueError::Invalid(NO_EQUALS.to_owned()), None));
    }

    fn finish(mut self) -> Result<EligibilityRules, FieldErrors> {
        self.rules.sort_by_key(EligibilityRule::kind);
        self.errors.into_result(|| EligibilityRules(self.rules))
    }
}

/// How much of a rule as written an error quotes.
const QUOTED_CHARS: usize = 80;

/// `error` of the rule written as `rule` (quoted up to [`QUOTED_CHARS`]), with what its kind accepts.
fn in_rule(rule: &str, error: ValueError, accepted: Option<(&'static str, &'static str)>) -> ValueError {
    let rule = rule.trim();
    let mut quoted: String = rule.chars().take(QUOTED_CHARS).collect();
    if quoted.len() < rule.len() {
        quoted.push('…');
    }
    let (accepted_zh, accepted_en) = accepted.unzip();
    ValueError::InRule { rule: quoted, error: Box::new(error), accepted_zh, accepted_en }
}

fn repeated(kind: RuleKind) -> ValueError {
    ValueError::Invalid(format!("条件“{}”（{}）重复出现，每个条件只能写一次", kind.as_str(), kind.label_zh()))
}

/// The text of a JSON value of the object form: a string as it is, a number or `true` as its text, an array
/// as its items joined with `|`. `false` and `null` keep their text, which no rule accepts.
fn json_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join("|")
        }
        other => other.to_string(),
    }
}

/// The eligibility rules of one product: at most one rule per kind, kept in [`RuleKind`] order.
///
/// Serialised as a map from key to text value (`{"min_tax_credit_grade": "B"}`); deserialising also takes
/// numbers, booleans and arrays as values, so JSON files can say `"min_trademarks": 2`, and reads the legacy
/// key [`LEGACY_MIN_TAX_PAID_KEY`] of rows stored before.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EligibilityRules(Vec<EligibilityRule>);

impl EligibilityRules {
    /// # Errors
    /// Two rules of the same kind.
    pub fn new(mut rules: Vec<EligibilityRule>) -> Result<Self, ValueError> {
        rules.sort_by_key(EligibilityRule::kind);
        if let Some(w) = rules.windows(2).find(|w| w[0].kind() == w[1].kind()) {
            return Err(repeated(w[0].kind()));
        }
        Ok(Self(rules))
    }

    /// Parses the one-line form `key=value; key=value` used in CSV cells. An empty text means no rules.
    ///
    /// # Errors
    /// Every bad rule, each under its key as written (the field of the [`FieldErrors`]): an unknown key, a
    /// value that does not parse, a kind written twice, or a part without `=` (under the part's text).
    pub fn parse_line(text: &str) -> Result<Self, FieldErrors> {
        let mut reader = Reader::default();
        for part in text.split([';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((key, value)) => reader.pair(key, value),
                None => reader.no_equals(part),
            }
        }
        reader.finish()
    }

    /// Reads the object form `{"key": value}` of JSON files (values as [`EligibilityRules`] describes).
    ///
    /// # Errors
    /// Every bad rule, as [`EligibilityRules::parse_line`] reports them.
    pub fn from_json_object(object: &serde_json::Map<String, serde_json::Value>) -> Result<Self, FieldErrors> {
        let mut reader = Reader::default();
        for (key, value) in object {
            reader.pair(key, &json_text(value));
        }
        reader.finish()
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
        let object = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        Self::from_json_object(&object).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn line_form_round_trips() {
        let line = "min_years_in_operation=2; revenue_yuan=1000000..50000000; min_tax_credit_grade=B; \
                    tax_paid_yuan=100000..500000; qualifications_any=high_tech|tech_sme|unicorn; first_loan_only=true; \
                    max_debt_ratio_pct=70; other_conditions=经营者无不良嗜好|入选区级种子企业库";
        let rules = EligibilityRules::parse_line(line).unwrap();
        assert_eq!(rules.rules().len(), 8);
        assert_eq!(EligibilityRules::parse_line(&rules.to_line()).unwrap(), rules);
    }

    #[test]
    fn json_form_takes_native_values() {
        let json = r#"{"min_trademarks": 2, "scales": ["micro", "small"], "first_loan_only": true,
                       "revenue_yuan": "..30000000", "other_conditions": ["经营者无不良嗜好", "入选区级种子企业库"]}"#;
        let rules: EligibilityRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.rules().len(), 5);
        let back: EligibilityRules = serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
        assert_eq!(back, rules);
        let words: Vec<&str> = match &rules.rules()[4] {
            EligibilityRule::OtherConditions(v) => v.iter().map(OtherCondition::as_str).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(words, ["经营者无不良嗜好", "入选区级种子企业库"]);
    }

    #[test]
    fn bad_rules_name_the_key() {
        let key = |line: &str| fields(&EligibilityRules::parse_line(line).unwrap_err()).concat();
        assert_eq!(key("min_tax_credit_grade=Z"), "min_tax_credit_grade");
        assert_eq!(key("favourite_colour=blue"), "favourite_colour");
        assert_eq!(key("revenue_yuan=500..100"), "revenue_yuan");
        assert_eq!(key("first_loan_only=false"), "first_loan_only");
        assert_eq!(key("min_trademarks=1; min_trademarks=2"), "min_trademarks");
        assert_eq!(key("no equals sign here"), "no equals sign here");
    }

    #[test]
    fn every_bad_rule_is_reported_in_the_order_written() {
        let line = "min_years_in_operation=two; scales=micro; favourite_colour=blue; tax_paid_yuan=50万..10万; \
                    qualifications_any=high_tech|no_such_title; other_conditions=; 成立年限=3; 无等号";
        let errors = EligibilityRules::parse_line(line).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "min_years_in_operation",
                "favourite_colour",
                "tax_paid_yuan",
                "qualifications_any",
                "other_conditions",
                "成立年限",
                "无等号"
            ]
        );
        let messages: Vec<String> = errors.0.iter().map(|e| e.error.message_zh()).collect();
        // Each names the rule as written, the reason and what its kind accepts.
        assert_eq!(messages[0], "“min_years_in_operation=two”：“two”不是有效的数字；取值应为非负整数（年）");
        assert!(
            messages[1].starts_with(
                "“favourite_colour=blue”：未知的取值“favourite_colour”，可选：成立年限（min_years_in_operation）、"
            ),
            "{}",
            messages[1]
        );
        assert!(
            messages[1].contains("纳税额（tax_paid_yuan）、") && messages[1].contains("其他条件（other_conditions）")
        );
        assert_eq!(
            messages[2],
            "“tax_paid_yuan=50万..10万”：下限 500000 大于上限 100000；取值应为金额范围（元，可用“万”）：下限..上限，可省略一侧"
        );
        assert!(messages[3].starts_with("“qualifications_any=high_tech|no_such_title”：未知的取值“no_such_title”，可选：国家科技型中小企业（tech_sme）、"));
        assert!(
            messages[3].contains("独角兽企业（unicorn）")
                && messages[3].ends_with("；取值应为企业资质，一个或多个，用 | 分隔")
        );
        assert!(messages[4].starts_with("“other_conditions=”：不能为空；取值应为机构原话"), "{}", messages[4]);
        // The Chinese name of a kind is its key: written twice under two names is still twice.
        assert_eq!(messages[5], "“成立年限=3”：条件“min_years_in_operation”（成立年限）重复出现，每个条件只能写一次");
        assert!(messages[6].starts_with("“无等号”：应写作 条件名=取值"), "{}", messages[6]);
        // The English side says the same.
        let english = errors.0[2].error.to_string();
        assert!(english.starts_with(
            "`tax_paid_yuan=50万..10万`: minimum 500000 is greater than maximum 100000; expected an amount range"
        ));
    }

    #[test]
    fn a_long_rule_is_quoted_in_part() {
        let line = format!("other_conditions={}", "字".repeat(OtherCondition::MAX_CHARS + 1));
        let errors = EligibilityRules::parse_line(&line).unwrap_err();
        let message = errors.0[0].error.message_zh();
        assert!(
            message.starts_with(&format!("“other_conditions={}…”：每条其他条件最多 200 个字", "字".repeat(63))),
            "{message}"
        );
    }

    #[test]
    fn every_kind_says_how_it_is_written_and_its_example_reads() {
        for kind in RuleKind::ALL {
            let (zh, en) = kind.value_form();
            assert!(!zh.is_empty() && !en.is_empty(), "{kind}");
            let rules = EligibilityRules::parse_line(kind.example()).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(rules.rules().iter().map(EligibilityRule::kind).collect::<Vec<_>>(), [*kind]);
        }
    }

    #[test]
    fn tax_paid_has_both_bounds_and_the_old_key_keeps_its_meaning() {
        let rule = |key, value| EligibilityRule::from_key_value(key, value).unwrap();
        let at_most = rule("tax_paid_yuan", "..50万");
        assert_eq!(at_most, EligibilityRule::TaxPaid(Bounds { min: None, max: Some(Fen::wan(50)) }));
        assert_eq!(at_most.describe_zh(), "上年纳税总额不超过 50 万元");
        assert_eq!(at_most.describe_en(), "Tax paid last year at most CNY 500,000");
        let old = rule(LEGACY_MIN_TAX_PAID_KEY, "100000");
        assert_eq!(old, rule("tax_paid_yuan", "10万.."));
        assert_eq!(old.describe_zh(), "上年纳税总额不低于 10 万元");
        assert_eq!(old.key(), "tax_paid_yuan");
        // Stored rows say the old key; they read with the same meaning and are written with the new one.
        let stored: EligibilityRules = serde_json::from_str(r#"{"min_tax_paid_yuan": "100000"}"#).unwrap();
        assert_eq!(stored.rules(), [old]);
        assert_eq!(serde_json::to_string(&stored).unwrap(), r#"{"tax_paid_yuan":"100000.."}"#);
        assert_eq!(stored.to_line(), "tax_paid_yuan=100000..");
        // The old key took an amount, not a range; and it is the same rule as the new one.
        assert!(EligibilityRule::from_key_value(LEGACY_MIN_TAX_PAID_KEY, "..5").is_err());
        let twice = EligibilityRules::parse_line("min_tax_paid_yuan=1; tax_paid_yuan=..5").unwrap_err();
        assert_eq!(fields(&twice), ["tax_paid_yuan"]);
    }

    #[test]
    fn other_conditions_keep_the_lenders_words() {
        let rule =
            EligibilityRule::from_key_value("other_conditions", " 经营者无不良嗜好 | 入选区级种子企业库 ").unwrap();
        assert_eq!(rule.describe_zh(), "经营者无不良嗜好；入选区级种子企业库");
        assert_eq!(rule.describe_en(), "In the lender's words: 经营者无不良嗜好; 入选区级种子企业库");
        assert_eq!(rule.value_text(), "经营者无不良嗜好|入选区级种子企业库");
        // Commas and 、 are the lender's punctuation, not separators.
        let one = EligibilityRule::from_key_value("其他条件", "实际控制人年龄在 25、60 周岁之间, 本地户籍").unwrap();
        assert_eq!(one.value_text(), "实际控制人年龄在 25、60 周岁之间, 本地户籍");
        for bad in ["a；b", "a;b", "a\nb"] {
            assert!(OtherCondition::new(bad).is_err(), "{bad}");
        }
        assert!(OtherCondition::new(&"字".repeat(OtherCondition::MAX_CHARS + 1)).is_err());
        assert!(OtherCondition::new(&"字".repeat(OtherCondition::MAX_CHARS)).is_ok());
        let many = vec!["条件"; OtherCondition::MAX_COUNT + 1].join("|");
        assert!(EligibilityRule::from_key_value("other_conditions", &many).is_err());
        // A condition holding a separator cannot come in through the JSON form either.
        let json = serde_json::json!({"other_conditions": ["经营者无不良嗜好；无赌博"]});
        let errors = EligibilityRules::from_json_object(json.as_object().unwrap()).unwrap_err();
        assert_eq!(fields(&errors), ["other_conditions"]);
    }

    /// The import format's table of kinds (section 5.2) and the JSON schema's rule object say what the code
    /// reads: every kind by its key, Chinese name, value form and example, the old key, and the
    /// qualifications by value and names (section 4.11, and the schema's lists).
    #[test]
    fn the_import_format_and_its_schema_describe_every_kind() {
        let doc = include_str!("../../../docs/import-format.md");
        let cell = |text: &str| text.replace('|', "\\|");
        for kind in RuleKind::ALL {
            let start = format!("| `{}` | {} | ", kind.as_str(), kind.label_zh());
            let line = doc.lines().find(|l| l.starts_with(&start)).unwrap_or_else(|| panic!("no row {start}"));
            let end = format!(" | {} | `{}` |", cell(kind.value_form().0), cell(kind.example()));
            assert!(line.ends_with(&end), "{line}\nshould end with {end}");
        }
        assert!(doc.contains(&format!("`{LEGACY_MIN_TAX_PAID_KEY}=")));
        for q in Qualification::ALL {
            let row = format!("| `{}` | {} | {} |", q.as_str(), q.label_zh(), q.label_en());
            assert!(doc.contains(&row), "docs/import-format.md has no row {row}");
        }

        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/product-import.schema.json")).unwrap();
        let rules = schema["$defs"]["eligibilityObject"]["properties"].as_object().unwrap();
        let mut keys: BTreeSet<&str> = RuleKind::ALL.iter().flat_map(|k| [k.as_str(), k.label_zh()]).collect();
        keys.insert(LEGACY_MIN_TAX_PAID_KEY);
        assert_eq!(rules.keys().map(String::as_str).collect::<BTreeSet<_>>(), keys);
        let names: Vec<&str> = Qualification::ALL.iter().flat_map(|q| [q.as_str(), q.label_zh()]).collect();
        for key in ["qualifications_any", "qualifications_all"] {
            assert_eq!(rules[key]["anyOf"][0]["items"]["enum"], serde_json::json!(names), "{key}");
        }
    }

    #[test]
    fn describes_rules_in_chinese() {
        let r = EligibilityRule::from_key_value("min_tax_credit_grade", "B").unwrap();
        assert_eq!(r.describe_zh(), "纳税信用等级 B 级及以上");
        let r = EligibilityRule::from_key_value("revenue_yuan", "1000000..50000000").unwrap();
        assert_eq!(r.describe_zh(), "上年营业收入在 100 万元至 5,000 万元之间");
        let r = EligibilityRule::from_key_value("employees", "5..300").unwrap();
        assert_eq!(r.describe_zh(), "从业人员在 5 人至 300 人之间");
        let r = EligibilityRule::from_key_value("employees", "..300").unwrap();
        assert_eq!(r.describe_zh(), "从业人员不超过 300 人");
        let r = EligibilityRule::from_key_value("revenue_yuan", "..3000万").unwrap();
        assert_eq!(r.describe_zh(), "上年营业收入不超过 3,000 万元");
        let r = EligibilityRule::from_key_value("qualifications_any", "high_tech|specialised").unwrap();
        assert_eq!(r.describe_zh(), "具有高新技术企业、专精特新企业资质之一");
        assert_eq!(r.describe_en(), "Holds one of: High-tech enterprise or Specialised and innovative SME");
    }

    #[test]
    fn every_kind_parses_back_from_its_own_text() {
        let samples = [
            ("min_years_in_operation", "3"),
            ("revenue_yuan", "..1000000"),
            ("employees", "5..300"),
            ("scales", "micro|small"),
            ("min_tax_credit_grade", "A"),
            ("tax_paid_yuan", "50000..500000"),
            ("qualifications_any", "gazelle|seed|talent_programme"),
            ("qualifications_all", "high_tech|innovative_sme|advanced_tech_service"),
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
            ("other_conditions", "经营者无不良嗜好"),
        ];
        assert_eq!(samples.len(), RuleKind::ALL.len());
        for (kind, (key, value)) in RuleKind::ALL.iter().zip(samples) {
            let rule = EligibilityRule::from_key_value(key, value).unwrap();
            assert_eq!(rule.kind(), *kind, "listed in the vocabulary's order");
            assert_eq!(rule.key(), key);
            assert_eq!(EligibilityRule::from_key_value(key, &rule.value_text()).unwrap(), rule);
            assert_eq!(EligibilityRule::from_key_value(kind.label_zh(), value).unwrap(), rule, "by its Chinese name");
            assert!(!rule.describe_zh().is_empty() && !rule.describe_en().is_empty());
        }
    }
}
