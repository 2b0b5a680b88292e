//! The eligibility builder: a list of condition rows, each a kind of rule (by its Chinese name) and the
//! inputs suited to that kind, read into an [`EligibilityRule`] by the domain's own parser and described by
//! the domain's own sentence (`describe_zh`/`describe_en`), so the form holds no rule of its own.

use crate::http::format::wan_input;
use finmart_domain::{
    EligibilityRule, EnterpriseScale, Fen, Industry, Labelled, PrioritySector, Qualification, RuleKind, TaxCreditGrade,
    ValueError,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// How many condition rows a form may hold: one per kind is all a product can have, a few more leave room
/// for a row being changed.
pub(in crate::features::products) const MAX_ROWS: usize = RuleKind::ALL.len() + 5;

/// The inputs a kind of rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// A whole number (or a percentage) with its unit.
    Number(&'static str, &'static str),
    /// A lower and an upper bound, either may be left out; `money` bounds are in 万元.
    Range { unit: (&'static str, &'static str), money: bool },
    /// One tax credit grade.
    Grade,
    /// Boxes to tick, from a vocabulary.
    Items,
    /// Nothing to enter: the condition is that the firm is so (首贷户, 持有政府采购合同).
    Flag,
    /// The lender's own words, one condition a line.
    Text,
}

fn input(kind: RuleKind) -> Input {
    use RuleKind as K;
    match kind {
        K::MinYearsInOperation => Input::Number("年", "years"),
        K::MinInventionPatents | K::MinTrademarks => Input::Number("件", ""),
        K::NoOverdueMonths => Input::Number("个月", "months"),
        K::MaxDebtRatio => Input::Number("%", "%"),
        K::Revenue | K::TaxPaid => Input::Range { unit: ("万元", "× CNY 10,000"), money: true },
        K::Employees => Input::Range { unit: ("人", "people"), money: false },
        K::MinTaxCreditGrade => Input::Grade,
        K::Scales
        | K::QualificationsAny
        | K::QualificationsAll
        | K::IndustriesAllowed
        | K::IndustriesExcluded
        | K::SectorsAny => Input::Items,
        K::GovProcurementContract | K::CoreEnterpriseReceivables | K::FirstLoanOnly => Input::Flag,
        K::OtherConditions => Input::Text,
    }
}

fn choices<T: Labelled>() -> Vec<(&'static str, &'static str, &'static str)> {
    T::ALL.iter().map(|v| (v.as_str(), v.label_zh(), v.label_en())).collect()
}

/// The values a kind's boxes or select offer: (code, 中文, English).
fn options(kind: RuleKind) -> Vec<(&'static str, &'static str, &'static str)> {
    use RuleKind as K;
    match kind {
        K::Scales => choices::<EnterpriseScale>(),
        K::QualificationsAny | K::QualificationsAll => choices::<Qualification>(),
        K::IndustriesAllowed | K::IndustriesExcluded => choices::<Industry>(),
        K::SectorsAny => choices::<PrioritySector>(),
        K::MinTaxCreditGrade => choices::<TaxCreditGrade>(),
        _ => Vec::new(),
    }
}

/// What a row asks, in plain words, under its inputs.
fn prompt(kind: RuleKind) -> (&'static str, &'static str) {
    use RuleKind as K;
    match kind {
        K::MinYearsInOperation => ("企业至少成立多少年", "At least how many years in business"),
        K::Revenue => (
            "上年营业收入的范围（万元），只限一侧时另一侧不填",
            "Last year's revenue (CNY 10,000); leave a side empty for no limit",
        ),
        K::Employees => ("从业人数的范围，只限一侧时另一侧不填", "Head count; leave a side empty for no limit"),
        K::TaxPaid => (
            "上年纳税总额的范围（万元），如“不超过 50 万元”只填上限",
            "Tax paid last year (CNY 10,000); for “at most 50” fill only the maximum",
        ),
        K::MinTaxCreditGrade => ("纳税信用等级不低于", "Tax credit grade at least"),
        K::Scales => ("企业规模须为以下之一", "Enterprise scale one of"),
        K::QualificationsAny => ("具有以下资质之一即可", "Holds any one of"),
        K::QualificationsAll => ("须同时具有以下全部资质", "Holds all of"),
        K::IndustriesAllowed => ("只支持以下行业", "Only these industries"),
        K::IndustriesExcluded => ("不支持以下行业", "Not these industries"),
        K::SectorsAny => ("属于以下重点产业之一", "In one of these priority sectors"),
        K::MinInventionPatents => ("有效发明专利至少多少件", "At least how many invention patents"),
        K::MinTrademarks => ("注册商标至少多少件", "At least how many trademarks"),
        K::NoOverdueMonths => ("近多少个月内无逾期", "No overdue repayment in the last … months"),
        K::MaxDebtRatio => ("资产负债率不高于（%）", "Debt ratio at most (%)"),
        K::GovProcurementContract | K::CoreEnterpriseReceivables | K::FirstLoanOnly => (
            "添加此条件即要求企业符合下面这句话，无需填写",
            "Adding this condition requires what the sentence says; nothing to fill in",
        ),
        K::OtherConditions => (
            "照贵行原话填写，每行一条（如“经营者无不良嗜好”）；平台不替贵行判断，申请时由贵行确认",
            "In your own words, one condition a line; the platform does not judge them, you confirm them on application",
        ),
    }
}

/// One condition row as posted (or as shown again): its kind and the values of its inputs, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub struct RuleRow {
    /// The kind's key (`other_conditions`) or Chinese name (`其他条件`).
    #[serde(default)]
    pub kind: String,
    /// A number, a grade, or the lender's words (one condition a line).
    #[serde(default)]
    pub value: String,
    /// The lower bound of a range (万元 for amounts).
    #[serde(default)]
    pub min: String,
    /// The upper bound of a range.
    #[serde(default)]
    pub max: String,
    /// The ticked values of a list (their codes).
    #[serde(default)]
    pub items: Vec<String>,
}

/// An amount typed in 万元, as the record writes it (`300万`); a unit typed anyway is not doubled.
pub(super) fn wan_cell(typed: &str) -> String {
    let number = typed.trim().trim_end_matches("万元").trim_end_matches('万').trim_end();
    if number.is_empty() { String::new() } else { format!("{number}万") }
}

impl RuleRow {
    /// The kind chosen, if any.
    pub fn kind(&self) -> Option<RuleKind> {
        RuleKind::parse(self.kind.trim()).ok()
    }

    /// The value in the one-line form's syntax, from the inputs of `kind`.
    fn value_text(&self, kind: RuleKind) -> String {
        match input(kind) {
            Input::Number(..) | Input::Grade => self.value.trim().to_owned(),
            Input::Range { money: true, .. } => format!("{}..{}", wan_cell(&self.min), wan_cell(&self.max)),
            Input::Range { money: false, .. } => format!("{}..{}", self.min.trim(), self.max.trim()),
            Input::Items => self.items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).collect::<Vec<_>>().join("|"),
            Input::Flag => "true".to_owned(),
            // A line, or a semicolon the bank typed between two conditions, separates conditions; the
            // conditions themselves are kept as written.
            Input::Text => self
                .value
                .split(['\n', '\r', ';', '；', '|'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("|"),
        }
    }

    /// Whether nothing was entered (a row added and left empty is dropped, not refused).
    pub fn is_blank(&self) -> bool {
        self.kind().is_none()
            && self.value.trim().is_empty()
            && self.min.trim().is_empty()
            && self.max.trim().is_empty()
            && self.items.is_empty()
    }

    /// The rule the row states, read by the domain; `None` for a row without a kind.
    ///
    /// # Errors
    /// What the domain says of the value (an empty value is [`ValueError::Empty`]).
    pub fn rule(&self) -> Option<Result<EligibilityRule, ValueError>> {
        let kind = self.kind()?;
        let text = self.value_text(kind);
        // Nothing entered is "empty", not "“” is not a number".
        if text.is_empty() {
            return Some(Err(ValueError::Empty));
        }
        Some(EligibilityRule::parse(kind, &text))
    }

    /// The row of an existing rule: its inputs filled from the rule's text value.
    pub fn of_rule(rule: &EligibilityRule) -> Self {
        let kind = rule.kind();
        let text = rule.value_text();
        let mut row = Self { kind: kind.as_str().to_owned(), ..Self::default() };
        match input(kind) {
            Input::Number(..) | Input::Grade => row.value = text,
            Input::Range { money, .. } => {
                let (lo, hi) = text.split_once("..").unwrap_or((&text, ""));
                let side = |s: &str| {
                    if money {
                        Fen::parse_yuan(s).map(wan_input).unwrap_or_else(|_| s.to_owned())
                    } else {
                        s.to_owned()
                    }
                };
                row.min = if lo.is_empty() { String::new() } else { side(lo) };
                row.max = if hi.is_empty() { String::new() } else { side(hi) };
            }
            Input::Items => row.items = text.split('|').map(str::to_owned).collect(),
            Input::Flag => {}
            Input::Text => row.value = text.replace('|', "\n"),
        }
        row
    }

    /// The row as the template shows it: its inputs for its kind, and the sentence the SME will read (or
    /// what is wrong, when `errors` are shown).
    pub fn view(&self, index: &str, en: bool, show_error: bool) -> Value {
        let kind = self.kind();
        let (sentence, error) = match self.rule() {
            Some(Ok(rule)) => (Some(if en { rule.describe_en() } else { rule.describe_zh() }), None),
            Some(Err(e)) if show_error => (None, Some(if en { e.to_string() } else { e.message_zh() })),
            _ => (None, None),
        };
        let mut view = kind.map_or_else(|| json!({}), |k| inputs_view(k, index));
        if let Value::Object(map) = &mut view {
            map.insert("index".into(), index.into());
            // Shown 1-based; a row drawn for the script keeps a placeholder the script fills.
            let number = index.parse::<usize>().map_or_else(|_| "__n__".to_owned(), |i| (i + 1).to_string());
            map.insert("number".into(), number.into());
            map.insert("kind".into(), kind.map(|k| k.as_str()).into());
            map.insert("value".into(), self.value.clone().into());
            map.insert("min".into(), self.min.clone().into());
            map.insert("max".into(), self.max.clone().into());
            map.insert("items".into(), self.items.clone().into());
            map.insert("sentence".into(), sentence.into());
            map.insert("error".into(), error.into());
        }
        view
    }
}

/// What the template needs to draw the inputs of `kind` for the row numbered `index`.
pub fn inputs_view(kind: RuleKind, index: &str) -> Value {
    let (prompt_zh, prompt_en) = prompt(kind);
    let options: Vec<Value> =
        options(kind).into_iter().map(|(code, zh, en)| json!({"code": code, "label": zh, "label_en": en})).collect();
    let (input, unit) = match input(kind) {
        Input::Number(zh, en) => ("number", (zh, en)),
        Input::Range { unit, .. } => ("range", unit),
        Input::Grade => ("grade", ("", "")),
        Input::Items => ("items", ("", "")),
        Input::Flag => ("flag", ("", "")),
        Input::Text => ("text", ("", "")),
    };
    json!({
        "index": index, "kind": kind.as_str(), "input": input, "unit": unit.0, "unit_en": unit.1,
        "prompt": prompt_zh, "prompt_en": prompt_en, "options": options,
    })
}

/// The kinds, by Chinese and English name, for the kind selects.
pub fn kinds_view() -> Vec<Value> {
    RuleKind::ALL.iter().map(|k| json!({"code": k.as_str(), "label": k.label_zh(), "label_en": k.label_en()})).collect()
}
