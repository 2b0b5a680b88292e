//! Explanations: every check a product makes, put into words for the firm — what the product requires,
//! what the firm has, whether it passes, and what would change the outcome.
//!
//! The decision itself comes from [`crate::compiled`] (a [`Verdict`]); this module never decides, so the
//! words cannot disagree with the ranking.
//!
//! A fact the product does not state reads 未说明 / not stated in the requirement (`额度上限 1000 万元，下限未说明`,
//! `担保方式：未说明`, `年利率：未说明`, `审批时效：未说明`), and a check it leaves undecided reads
//! `需向机构确认：…` with what is not stated and what to ask the institution; it has no fix, since nothing
//! the firm does changes what the product's page says. The product's other conditions, in the lender's own
//! words, read `需人工确认：<the lender's words>`: they are stated, but only the lender can check them.

use crate::checks::{CheckKind, Checks};
use crate::compiled::{CompiledProduct, Verdict};
use crate::facts::{NeedFacts, calendar_days};
use crate::verified::Verified;
use chrono::{Datelike, NaiveDate};
use finmart_domain::{
    Bps, Collateral, CollateralTerms, EligibilityRule, EnterpriseProfile, Fact, FactKind, Fen, FinancingNeed, HomeArea,
    Labelled, Months, OtherCondition, OverdueHistory, Product, RangeEnd, ServiceArea, StatedRange, Verification,
    join_zh, rule_verification,
};
use serde::Serialize;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

fn text(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text { zh: zh.into(), en: en.into() }
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The firm has not given the figure the check needs (需补充).
    Missing,
    /// The product does not state the fact the check needs (需向机构确认).
    Unconfirmed,
}

/// One check of one product, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable reason code.
    pub code: &'static str,
    pub label: Text,
    pub outcome: Outcome,
    /// What the product requires.
    pub requirement: Text,
    /// What the firm has or asked for; absent when it has not said.
    pub actual: Option<Text>,
    /// One sentence: "要求纳税信用等级 A 级及以上，贵企业为 B 级", "需补充：近一年纳税额" or
    /// "需向机构确认：额度下限未说明，请确认可否申请 50 万元".
    pub message: Text,
    /// What would change a failure: for the need, what to ask instead; for the firm, what to improve. Never
    /// set for the other outcomes.
    pub fix: Option<Text>,
    /// The lender's own words the sentences quote (its other conditions), as it wrote them in whatever
    /// language: a page marks them as data, since the words around them are in the page's language.
    pub quoted: Vec<String>,
    /// How the rule stands against the firm's verified facts (已核验 / 未核验 / 核验结果不符 / 需更新), for a
    /// rule a fact of the catalogue backs, when the firm was matched with its facts or the product requires
    /// the rule verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationNote>,
}

/// One rule's verification, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationNote {
    /// `verified`, `unverified`, `conflict` or `expired`.
    pub state: &'static str,
    /// 已核验, 未核验, 核验结果不符, 需更新.
    pub label: Text,
    /// The product requires the rule to be met by a verified fact.
    pub required: bool,
    /// The verified value with its source and date, or what is missing.
    pub detail: Text,
}

/// What the explanations read.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub profile: &'a EnterpriseProfile,
    pub need: Option<&'a FinancingNeed>,
    pub today: NaiveDate,
    /// The quote's effective annual rate, for the cost-ceiling check.
    pub apr: Option<u32>,
    /// The deployment's home area: areas are named as seen from it (服务天津市全市, 服务江苏省苏州市).
    pub home: &'a HomeArea,
    /// The firm's declaration and verified facts, when matched with them (`profile` is then the profile
    /// they make, [`Verified::profile`]).
    pub verified: Option<&'a Verified>,
}

/// Every check `product` makes of the subject, in display order, with the outcome from `verdict`.
#[must_use]
pub fn findings(
    product: &Product,
    compiled: &CompiledProduct,
    subject: &Subject<'_>,
    verdict: Verdict,
) -> Vec<Finding> {
    let need_facts = subject.need.map(NeedFacts::of);
    findings_of(product, compiled.checks_made(need_facts.as_ref()), subject, verdict)
}

/// The checks `made` of `product` (a subset of what [`findings`] explains: an application's checks, say), in
/// display order, with the outcome from `verdict`.
#[must_use]
pub fn findings_of(product: &Product, made: Checks, subject: &Subject<'_>, verdict: Verdict) -> Vec<Finding> {
    made.iter()
        .map(|kind| {
            let outcome = if verdict.failed.contains(kind) {
                Outcome::Fail
            } else if verdict.missing.contains(kind) {
                Outcome::Missing
            } else if verdict.unconfirmed.contains(kind) {
                Outcome::Unconfirmed
            } else {
                Outcome::Pass
            };
            finding(product, kind, outcome, subject)
        })
        .collect()
}

/// The lender's words a check's sentences quote: its other conditions.
fn quoted(product: &Product, kind: CheckKind) -> Vec<String> {
    match rule_of(product, kind) {
        Some(EligibilityRule::OtherConditions(conditions)) => {
            conditions.iter().map(|c| c.as_str().to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

fn rule_of(product: &Product, kind: CheckKind) -> Option<&EligibilityRule> {
    product.spec.eligibility.rules().iter().find(|r| CheckKind::of_rule(r) == kind)
}

fn finding(product: &Product, kind: CheckKind, outcome: Outcome, s: &Subject<'_>) -> Finding {
    let requirement = requirement(product, kind, s);
    let actual = actual(kind, s);
    let message = match (outcome, &actual) {
        (Outcome::Missing, _) => {
            let (zh, en) = missing_field(kind);
            text(format!("需补充：{zh}"), format!("Please add: {en}"))
        }
        (Outcome::Unconfirmed, _) => {
            to_confirm(product, kind, s).unwrap_or_else(|| ask_lender(requirement.clone(), ask_about(kind)))
        }
        (Outcome::Pass, _) => text(format!("符合：{}", requirement.zh), format!("Met: {}", requirement.en)),
        (Outcome::Fail, Some(a)) => text(
            format!("要求{}，贵企业{}", requirement.zh, a.zh),
            format!("Requires {}; you: {}", requirement.en, a.en),
        ),
        (Outcome::Fail, None) => text(format!("要求{}", requirement.zh), format!("Requires {}", requirement.en)),
    };
    let mut fix = if outcome == Outcome::Fail { fix(product, kind, s) } else { None };
    let mut message = message;
    let verification = rule_of(product, kind).and_then(|rule| verification(product, rule, s));
    if let Some((note, Some((required_message, required_fix)))) = &verification
        && outcome == Outcome::Fail
        && note.required
    {
        message = required_message.clone();
        fix = Some(required_fix.clone());
    }
    Finding {
        code: kind.as_str(),
        label: text(kind.label_zh(), kind.label_en()),
        outcome,
        requirement,
        actual,
        message,
        fix,
        quoted: quoted(product, kind),
        verification: verification.map(|(note, _)| note),
    }
}

/// The verification of `rule` for the subject: its note, and for a rule required verified that no current
/// fact backs, the failure's message and fix (须经核验：未核验 / 需更新). `None` for a rule no fact backs, or
/// when the firm was matched without its facts and the product does not require the rule verified.
fn verification(
    product: &Product,
    rule: &EligibilityRule,
    s: &Subject<'_>,
) -> Option<(VerificationNote, Option<(Text, Text)>)> {
    let required = product.spec.verified_rules.contains(rule.kind());
    let no_facts;
    let (declared, facts, today) = match s.verified {
        Some(v) => (v.declared(), v.facts(), v.today()),
        None if required => {
            no_facts = Vec::new();
            (s.profile, no_facts.as_slice(), s.today)
        }
        None => return None,
    };
    let stands = rule_verification(rule, declared, facts, today)?;
    let kind = rule.kind().fact_kind()?;
    let source = |fact: &Fact| {
        let source = s.verified.and_then(|v| v.source_of(fact));
        (
            source.map_or("政府部门", |x| x.label_zh()),
            source.map_or_else(|| "government source".to_owned(), |x| x.label_en().to_lowercase()),
        )
    };
    let value = |fact: &Fact| (fact.value.text_zh(fact.kind), fact.value.text_en(fact.kind));
    let detail = match (&stands.state, stands.fact) {
        (Verification::Verified, Some(fact)) => {
            let ((src, src_en), (v, v_en)) = (source(fact), value(fact));
            text(
                format!("已核验：{src}核验为 {v}（{}）", fact.as_of),
                format!("Verified: {v_en} per the {src_en} (as of {})", fact.as_of),
            )
        }
        (Verification::Conflict, Some(fact)) => {
            let ((src, src_en), (v, v_en)) = (source(fact), value(fact));
            let (d, d_en) = declared_text(kind, declared);
            text(
                format!("核验结果不符：申报为 {d}，{src}核验为 {v}（{}），按核验结果判断", fact.as_of),
                format!(
                    "Verification differs: you declared {d_en}; the {src_en} says {v_en} (as of {}); judged on the verified value",
                    fact.as_of
                ),
            )
        }
        (Verification::Expired, Some(fact)) => {
            let (src, src_en) = source(fact);
            text(
                format!("需更新：{src} {} 的核验信息已于 {} 过期，视为未核验", fact.as_of, fact.valid_until),
                format!(
                    "Needs updating: the {src_en}'s fact as of {} expired on {}; it counts as not verified",
                    fact.as_of, fact.valid_until
                ),
            )
        }
        _ if required => text(
            format!("未核验：尚无{}的核验信息", kind.label_zh()),
            format!("Not verified: no verified {} yet", kind.label_en().to_lowercase()),
        ),
        _ => text("未核验：按企业申报判断", "Not verified: judged on your declaration"),
    };
    let state = match stands.state {
        Verification::Verified => "verified",
        Verification::Unverified => "unverified",
        Verification::Conflict => "conflict",
        Verification::Expired => "expired",
    };
    let failure = (required && !stands.is_current()).then(|| {
        let requirement = (rule.describe_zh(), rule.describe_en());
        let by = rule.kind().verified_by();
        let message = text(
            format!("须经核验：{}。要求{}（{}）", stands.state.label_zh(), requirement.0, by.0),
            format!("Must be verified: {}. Requires {} ({})", stands.state.label_en().to_lowercase(), requirement.1, by.1),
        );
        let fix = if stands.state == Verification::Expired {
            text(
                format!("请联系数据来源部门更新{}的核验信息；更新后即可重新匹配", kind.label_zh()),
                format!("Ask the source to send your {} again; the match follows once it is current", kind.label_en().to_lowercase()),
            )
        } else {
            text(
                format!("{}须经政府部门核验：由相关部门或信用信息共享平台报送贵企业的{}后即可重新匹配", rule.kind().label_zh(), kind.label_zh()),
                format!("{} must be verified: once the department or the credit information sharing platform sends your {}, you can match", rule.kind().label_en(), kind.label_en().to_lowercase()),
            )
        };
        (message, fix)
    });
    let note =
        VerificationNote { state, label: text(stands.state.label_zh(), stands.state.label_en()), required, detail };
    Some((note, failure))
}

/// The firm's declaration of the figure a fact of `kind` verifies, in words.
fn declared_text(kind: FactKind, declared: &EnterpriseProfile) -> (String, String) {
    let none = || ("未申报".to_owned(), "nothing".to_owned());
    match kind {
        FactKind::TaxCreditGrade => {
            declared.tax_credit_grade.map_or_else(none, |g| (g.label_zh().to_owned(), format!("grade {}", g.as_str())))
        }
        FactKind::TaxPaid => declared.tax_paid.map_or_else(none, |f| (f.display_zh(), f.display_en())),
        FactKind::Established => (declared.established.to_string(), declared.established.to_string()),
        _ => none(),
    }
}

/// Whether the product's rate gives a quote for the need's term (for the product's terms without a need).
fn rate_quoted(product: &Product, s: &Subject<'_>) -> bool {
    match s.need {
        Some(need) => product.spec.pricing.quote(&product.references, need.term, RangeEnd::Low).is_some(),
        None => product.annual_rate().min().is_some(),
    }
}

fn requirement(product: &Product, kind: CheckKind, s: &Subject<'_>) -> Text {
    let spec = &product.spec;
    if let Some(rule) = rule_of(product, kind) {
        return text(rule.describe_zh(), rule.describe_en());
    }
    match kind {
        CheckKind::District => match spec.area {
            ServiceArea::NotStated => text("服务区域：未说明", "Area served: not stated"),
            ServiceArea::Nationwide => text("服务全国", "Serves all of China"),
            ServiceArea::Within(_) => text(
                format!("服务{}", spec.area.describe_zh(s.home)),
                format!("Serves {}", spec.area.describe_en(s.home)),
            ),
        },
        CheckKind::Amount => range_text(spec.amount, &AMOUNT, Fen::display_zh, Fen::display_en),
        CheckKind::Term => range_text(spec.term, &TERM, Months::display_zh, Months::display_en),
        CheckKind::Collateral => match &spec.collateral {
            CollateralTerms::NotStated => text("担保方式：未说明", "Collateral: not stated"),
            terms => text(format!("担保方式为{}", terms.describe_zh()), format!("Collateral: {}", terms.describe_en())),
        },
        CheckKind::Guarantee => {
            let agency = product.guarantee_agency.as_ref().map_or("融资担保机构", |a| a.name.as_str());
            let (fee, fee_en) = spec
                .guarantee
                .as_ref()
                .map_or_else(|| ("未说明".to_owned(), "not stated".to_owned()), |g| (g.fee_text_zh(), g.fee_text_en()));
            text(format!("由{agency}提供担保（担保费率 {fee}）"), format!("A guarantee by {agency} (fee {fee_en})"))
        }
        CheckKind::MaxCost if !rate_quoted(product, s) => {
            let rate = product.rate_text();
            text(format!("年利率：{}", rate.line_zh()), format!("Annual rate: {}", rate.line_en()))
        }
        CheckKind::MaxCost => match s.apr {
            Some(apr) => text(
                format!("按最低利率测算的年化综合成本为 {}", percent(apr)),
                format!("An effective annual cost of {} at the lowest rate", percent(apr)),
            ),
            // The upfront fee, net of subsidy, eats the whole loan: no rate describes it.
            None => {
                text("按最低利率无法测算年化综合成本", "No effective annual cost can be computed at the lowest rate")
            }
        },
        CheckKind::Speed => match spec.decision_days {
            None => text("审批时效：未说明", "Time to decision: not stated"),
            Some(days) => text(
                format!("约 {days} 个工作日（约 {} 天）出审批结果", calendar_days(days)),
                format!("About {days} working days ({} days) to a decision", calendar_days(days)),
            ),
        },
        // A rule the product does not have is never a check it makes; named all the same, so that a new
        // check kind does not compile until its words are decided here.
        CheckKind::MinYearsInOperation
        | CheckKind::Revenue
        | CheckKind::Employees
        | CheckKind::Scales
        | CheckKind::MinTaxCreditGrade
        | CheckKind::TaxPaid
        | CheckKind::QualificationsAny
        | CheckKind::QualificationsAll
        | CheckKind::IndustriesAllowed
        | CheckKind::IndustriesExcluded
        | CheckKind::SectorsAny
        | CheckKind::MinInventionPatents
        | CheckKind::MinTrademarks
        | CheckKind::GovProcurementContract
        | CheckKind::CoreEnterpriseReceivables
        | CheckKind::FirstLoanOnly
        | CheckKind::NoOverdueMonths
        | CheckKind::MaxDebtRatio
        | CheckKind::OtherConditions => text(kind.label_zh(), kind.label_en()),
    }
}

/// How a range's requirement reads, by which of its bounds the product states.
struct RangeWords {
    /// Both stated: `贷款金额 10 万元 至 100 万元` / `An amount of … to …`.
    between: (&'static str, &'static str),
    /// Only the maximum: `额度上限 1000 万元，下限未说明` / `Up to …; minimum not stated`.
    up_to: (&'static str, &'static str),
    /// Only the minimum: `额度下限 10 万元，上限未说明` / `At least …; maximum not stated`.
    at_least: (&'static str, &'static str),
    /// Neither: `额度：未说明` / `Amount: not stated`.
    neither: (&'static str, &'static str),
    /// What an unconfirmed check says is not stated: the minimum, the maximum, both.
    no_min: (&'static str, &'static str),
    no_max: (&'static str, &'static str),
    no_range: (&'static str, &'static str),
}

const AMOUNT: RangeWords = RangeWords {
    between: ("贷款金额", "An amount of"),
    up_to: ("额度上限", "下限"),
    at_least: ("额度下限", "上限"),
    neither: ("额度：未说明", "Amount: not stated"),
    no_min: ("额度下限未说明", "the minimum amount is not stated"),
    no_max: ("额度上限未说明", "the maximum amount is not stated"),
    no_range: ("额度未说明", "the amount is not stated"),
};

const TERM: RangeWords = RangeWords {
    between: ("贷款期限", "A term of"),
    up_to: ("期限最长", "最短"),
    at_least: ("期限最短", "最长"),
    neither: ("期限：未说明", "Term: not stated"),
    no_min: ("最短期限未说明", "the shortest term is not stated"),
    no_max: ("最长期限未说明", "the longest term is not stated"),
    no_range: ("期限未说明", "the term is not stated"),
};

/// The requirement of a range as far as the product states it.
fn range_text<T: Ord + Copy + std::fmt::Debug>(
    range: StatedRange<T>,
    w: &RangeWords,
    zh: fn(T) -> String,
    en: fn(T) -> String,
) -> Text {
    match (range.min(), range.max()) {
        (Some(lo), Some(hi)) => text(
            format!("{} {} 至 {}", w.between.0, zh(lo), zh(hi)),
            format!("{} {} to {}", w.between.1, en(lo), en(hi)),
        ),
        (None, Some(hi)) => text(
            format!("{} {}，{}未说明", w.up_to.0, zh(hi), w.up_to.1),
            format!("Up to {}; minimum not stated", en(hi)),
        ),
        (Some(lo), None) => text(
            format!("{} {}，{}未说明", w.at_least.0, zh(lo), w.at_least.1),
            format!("At least {}; maximum not stated", en(lo)),
        ),
        (None, None) => text(w.neither.0, w.neither.1),
    }
}

/// Which bounds of a range the product leaves unstated, in words; `None` when it states both.
fn unstated_bounds<T: Ord + Copy + std::fmt::Debug>(range: StatedRange<T>, w: &RangeWords) -> Option<Text> {
    let (zh, en) = match (range.min(), range.max()) {
        (None, None) => w.no_range,
        (None, Some(_)) => w.no_min,
        (Some(_), None) => w.no_max,
        (Some(_), Some(_)) => return None,
    };
    Some(text(zh, en))
}

/// The message of an unconfirmed check: what the product does not state and what to ask the institution
/// (`需向机构确认：…`), or for the product's other conditions the lender's own words (`需人工确认：…`).
/// `None` for a check that cannot be unconfirmed (every other rule a product has is stated, and so is its
/// guarantee agency; an unstated area is asked about).
fn to_confirm(product: &Product, kind: CheckKind, s: &Subject<'_>) -> Option<Text> {
    let spec = &product.spec;
    Some(match kind {
        CheckKind::OtherConditions => {
            let EligibilityRule::OtherConditions(conditions) = rule_of(product, kind)? else { return None };
            let words = |separator| conditions.iter().map(OtherCondition::as_str).collect::<Vec<_>>().join(separator);
            text(format!("需人工确认：{}", words("；")), format!("To be checked by the lender: {}", words("; ")))
        }
        CheckKind::Amount => {
            let need = s.need?;
            ask_lender(
                unstated_bounds(spec.amount, &AMOUNT)?,
                text(
                    format!("请确认可否申请 {}", need.amount.display_zh()),
                    format!("ask whether you can borrow {}", need.amount.display_en()),
                ),
            )
        }
        CheckKind::Term => {
            let need = s.need?;
            ask_lender(
                unstated_bounds(spec.term, &TERM)?,
                text(
                    format!("请确认可否贷款 {}", need.term.display_zh()),
                    format!("ask whether a term of {} is possible", need.term.display_en()),
                ),
            )
        }
        CheckKind::Collateral => {
            let need = s.need?;
            ask_lender(
                text("担保方式未说明", "the collateral required is not stated"),
                if need.collateral_offered.is_empty() {
                    text("请确认可否纯信用（无抵质押）申请", "ask whether you can borrow without collateral")
                } else {
                    text(
                        format!("请确认是否接受{}", join_zh(&need.collateral_offered)),
                        format!("ask whether they accept {}", labels_en(&need.collateral_offered)),
                    )
                },
            )
        }
        CheckKind::MaxCost => {
            let max = s.need?.max_annual_cost?;
            ask_lender(
                text("年利率未说明", "the annual rate is not stated"),
                text(
                    format!("请确认年化综合成本能否不高于 {}", max.percent_text()),
                    format!("ask whether the effective annual cost stays at or below {}", max.percent_text()),
                ),
            )
        }
        CheckKind::Speed => {
            let days = s.need?.needed_within_days?;
            ask_lender(
                text("审批时效未说明", "the time to a decision is not stated"),
                text(
                    format!("请确认能否在 {days} 天内用款"),
                    format!("ask whether the money can come within {days} days"),
                ),
            )
        }
        CheckKind::District => ask_lender(
            // The only fact about the firm a product may leave unstated: where it lends.
            text("服务区域未说明", "the area served is not stated"),
            text(
                "请向机构确认是否覆盖您所在的区县",
                format!("ask whether they lend in {}", s.profile.district.division().full_name()),
            ),
        ),
        CheckKind::Guarantee
        | CheckKind::MinYearsInOperation
        | CheckKind::Revenue
        | CheckKind::Employees
        | CheckKind::Scales
        | CheckKind::MinTaxCreditGrade
        | CheckKind::TaxPaid
        | CheckKind::QualificationsAny
        | CheckKind::QualificationsAll
        | CheckKind::IndustriesAllowed
        | CheckKind::IndustriesExcluded
        | CheckKind::SectorsAny
        | CheckKind::MinInventionPatents
        | CheckKind::MinTrademarks
        | CheckKind::GovProcurementContract
        | CheckKind::CoreEnterpriseReceivables
        | CheckKind::FirstLoanOnly
        | CheckKind::NoOverdueMonths
        | CheckKind::MaxDebtRatio => return None,
    })
}

/// `需向机构确认：<what is not stated>，<what to ask>`.
fn ask_lender(unstated: Text, ask: Text) -> Text {
    text(
        format!("需向机构确认：{}，{}", unstated.zh, ask.zh),
        format!("To confirm with the lender: {}; {}", unstated.en, ask.en),
    )
}

/// What to ask when [`to_confirm`] has no words for a check.
fn ask_about(kind: CheckKind) -> Text {
    text(format!("请向机构确认{}", kind.label_zh()), format!("ask about: {}", kind.label_en()))
}

fn labels_en<T: Labelled>(values: &[T]) -> String {
    values.iter().map(|v| v.label_en()).collect::<Vec<_>>().join(", ")
}

fn percent(bps: u32) -> String {
    Bps::new(bps).map_or_else(|_| format!("{bps}BP"), Bps::percent_text)
}

fn yes_no(value: bool, yes: (&str, &str), no: (&str, &str)) -> Text {
    let (zh, en) = if value { yes } else { no };
    text(zh, en)
}

/// The firm's side, phrased to follow "贵企业".
fn actual(kind: CheckKind, s: &Subject<'_>) -> Option<Text> {
    let p = s.profile;
    Some(match kind {
        CheckKind::District => {
            let place = p.district.division().name_from(s.home);
            text(format!("位于{place}"), format!("in {place}"))
        }
        CheckKind::MinYearsInOperation => {
            let y = p.years_in_operation(s.today);
            text(format!("成立 {y} 年"), format!("{y} years in business"))
        }
        CheckKind::Revenue => {
            text(format!("上年营业收入为 {}", p.revenue.display_zh()), format!("revenue {}", p.revenue.display_en()))
        }
        CheckKind::Employees => text(format!("从业人员 {} 人", p.employees), format!("{} employees", p.employees)),
        CheckKind::Scales => {
            let scale = p.scale()?;
            text(format!("为{}", scale.label_zh()), scale.label_en())
        }
        CheckKind::MinTaxCreditGrade => {
            let g = p.tax_credit_grade?;
            text(format!("为 {} 级", g.as_str()), format!("grade {}", g.as_str()))
        }
        CheckKind::TaxPaid => {
            let paid = p.tax_paid?;
            text(format!("上年纳税 {}", paid.display_zh()), format!("paid {}", paid.display_en()))
        }
        CheckKind::QualificationsAny | CheckKind::QualificationsAll => match p.qualifications.as_deref()? {
            [] => text("暂无相关资质", "hold none"),
            held => text(format!("具有{}资质", join_zh(held)), labels_en(held)),
        },
        CheckKind::IndustriesAllowed | CheckKind::IndustriesExcluded => {
            text(format!("属于{}", p.industry.label_zh()), p.industry.label_en())
        }
        CheckKind::SectorsAny => match p.sectors.as_deref()? {
            [] => text("不属于所列重点产业", "in none of them"),
            sectors => text(format!("属于{}", join_zh(sectors)), labels_en(sectors)),
        },
        CheckKind::MinInventionPatents => {
            let n = p.invention_patents?;
            text(format!("有效发明专利 {n} 件"), format!("{n} invention patent(s)"))
        }
        CheckKind::MinTrademarks => {
            let n = p.trademarks?;
            text(format!("注册商标 {n} 件"), format!("{n} trademark(s)"))
        }
        CheckKind::GovProcurementContract => {
            yes_no(p.has_procurement_contract()?, ("持有政府采购合同", "hold one"), ("暂无政府采购合同", "hold none"))
        }
        CheckKind::CoreEnterpriseReceivables => yes_no(
            p.has_core_receivables()?,
            ("持有核心企业确认的应收账款", "hold such receivables"),
            ("暂无核心企业确认的应收账款", "hold none"),
        ),
        CheckKind::FirstLoanOnly => yes_no(
            p.ever_borrowed?,
            ("已有银行贷款记录", "have borrowed from a bank before"),
            ("为首贷户", "have never borrowed from a bank"),
        ),
        CheckKind::NoOverdueMonths => match p.overdue? {
            OverdueHistory::Never => text("从未逾期", "never overdue"),
            OverdueHistory::MonthsAgo { months } => {
                text(format!("{months} 个月前有逾期"), format!("overdue {months} month(s) ago"))
            }
        },
        CheckKind::MaxDebtRatio => {
            let r = p.debt_ratio()?;
            text(r.describe_zh(), r.describe_en())
        }
        // The lender's words ask about nothing the profile holds: the firm's side is for the lender to learn.
        CheckKind::OtherConditions => return None,
        CheckKind::Amount => {
            let a = s.need?.amount;
            text(format!("申请 {}", a.display_zh()), format!("asked for {}", a.display_en()))
        }
        CheckKind::Term => {
            let t = s.need?.term;
            text(format!("申请期限 {}", t.display_zh()), format!("asked for {}", t.display_en()))
        }
        CheckKind::Collateral => {
            let offered = &s.need?.collateral_offered;
            if offered.is_empty() {
                text("未提供抵质押", "offered no collateral")
            } else {
                text(
                    format!("可提供{}", join_zh(offered)),
                    format!("offered {}", offered.iter().map(|c| c.label_en()).collect::<Vec<_>>().join(", ")),
                )
            }
        }
        CheckKind::Guarantee => yes_no(
            s.need?.accepts_guarantee,
            ("接受担保", "accept a guarantee"),
            ("选择不接受担保", "do not accept a guarantee"),
        ),
        CheckKind::MaxCost => {
            let max = s.need?.max_annual_cost?;
            text(
                format!("可接受的年化成本上限为 {}", max.percent_text()),
                format!("accept at most {}", max.percent_text()),
            )
        }
        CheckKind::Speed => {
            let d = s.need?.needed_within_days?;
            text(format!("需在 {d} 天内用款"), format!("need the money within {d} days"))
        }
    })
}

/// The field a missing outcome asks for.
fn missing_field(kind: CheckKind) -> (&'static str, &'static str) {
    match kind {
        CheckKind::Scales => ("资产总额（用于划分企业规模）", "total assets (to classify the enterprise's scale)"),
        CheckKind::MinTaxCreditGrade => ("纳税信用等级", "tax credit grade"),
        CheckKind::TaxPaid => ("近一年纳税额", "tax paid last year"),
        CheckKind::MinInventionPatents => ("有效发明专利数量", "number of invention patents"),
        CheckKind::MinTrademarks => ("注册商标数量", "number of trademarks"),
        CheckKind::GovProcurementContract => ("政府采购合同情况", "government procurement contracts"),
        CheckKind::CoreEnterpriseReceivables => ("应收账款情况", "receivables"),
        CheckKind::FirstLoanOnly => ("是否有过银行贷款", "whether you have borrowed from a bank"),
        CheckKind::NoOverdueMonths => ("逾期记录", "overdue record"),
        CheckKind::MaxDebtRatio => ("资产总额和负债总额", "total assets and liabilities"),
        CheckKind::QualificationsAny | CheckKind::QualificationsAll => {
            ("企业资质（没有也请注明）", "qualifications (or that you hold none)")
        }
        CheckKind::SectorsAny => ("所属重点产业（不属于也请注明）", "priority sectors (or that you are in none)"),
        // Checks of figures every profile or need has, and the lender's own words, which read no figure: never
        // missing, named so a new kind is decided here.
        CheckKind::District
        | CheckKind::MinYearsInOperation
        | CheckKind::Revenue
        | CheckKind::Employees
        | CheckKind::IndustriesAllowed
        | CheckKind::IndustriesExcluded
        | CheckKind::OtherConditions
        | CheckKind::Amount
        | CheckKind::Term
        | CheckKind::Collateral
        | CheckKind::Guarantee
        | CheckKind::MaxCost
        | CheckKind::Speed => (kind.label_zh(), kind.label_en()),
    }
}

fn add_years(day: NaiveDate, years: u16) -> Option<NaiveDate> {
    let year = day.year() + i32::from(years);
    NaiveDate::from_ymd_opt(year, day.month(), day.day()).or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// What would turn a failure into a pass: for the need, the change to ask for; for the firm, what to improve.
/// `None` when nothing the firm does changes it (its district, its industry, a past bank loan).
fn fix(product: &Product, kind: CheckKind, s: &Subject<'_>) -> Option<Text> {
    let spec = &product.spec;
    let p = s.profile;
    Some(match kind {
        // A need fails only against a stated bound, so the fix names that bound.
        CheckKind::Amount => {
            let asked = s.need?.amount;
            match (spec.amount.min(), spec.amount.max()) {
                (_, Some(max)) if asked > max => text(
                    format!("将申请金额调整为 {} 以内", max.display_zh()),
                    format!("Ask for {} or less", max.display_en()),
                ),
                (Some(min), _) if asked < min => text(
                    format!("将申请金额提高至 {}", min.display_zh()),
                    format!("Ask for at least {}", min.display_en()),
                ),
                _ => return None,
            }
        }
        CheckKind::Term => {
            let asked = s.need?.term;
            match (spec.term.min(), spec.term.max()) {
                (_, Some(max)) if asked > max => text(
                    format!("将期限调整为 {} 以内", max.display_zh()),
                    format!("Ask for {} or less", max.display_en()),
                ),
                (Some(min), _) if asked < min => text(
                    format!("将期限调整为 {} 以上", min.display_zh()),
                    format!("Ask for at least {}", min.display_en()),
                ),
                _ => return None,
            }
        }
        CheckKind::Collateral => match &spec.collateral {
            CollateralTerms::AnyOf { unsecured: false, kinds } => {
                let owned: Vec<Collateral> = kinds.iter().copied().filter(|c| p.collateral.contains(c)).collect();
                if owned.is_empty() {
                    text(format!("如能提供{}之一，即可申请", join_zh(kinds)), "Offer one of the collateral listed")
                } else {
                    text(
                        format!("贵企业拥有{}，提供即可申请", join_zh(&owned)),
                        format!("You own {}: offer it", labels_en(&owned)),
                    )
                }
            }
            CollateralTerms::AllOf { kinds } => {
                let offered = &s.need?.collateral_offered;
                let lacking: Vec<Collateral> = kinds.iter().copied().filter(|c| !offered.contains(c)).collect();
                if lacking.iter().all(|c| p.collateral.contains(c)) {
                    text(
                        format!("贵企业拥有{}，一并提供即可申请", join_zh(&lacking)),
                        format!("You own {}: offer it as well", labels_en(&lacking)),
                    )
                } else {
                    text(format!("还需同时提供{}", join_zh(&lacking)), format!("Also offer {}", labels_en(&lacking)))
                }
            }
            // Terms that anything meets never fail, and terms not stated are unconfirmed, not failed.
            CollateralTerms::NotStated
            | CollateralTerms::NoneRequired
            | CollateralTerms::AnyOf { unsecured: true, .. } => {
                return None;
            }
        },
        CheckKind::Guarantee => text("接受融资担保机构担保即可申请", "Accept the guarantee agency"),
        CheckKind::MaxCost => {
            let apr = percent(s.apr?);
            text(format!("将可接受的年化成本提高至 {apr}"), format!("Accept a cost of {apr}"))
        }
        CheckKind::Speed => {
            let days = calendar_days(spec.decision_days?);
            text(format!("如可等待约 {days} 天"), format!("If you can wait about {days} days"))
        }
        // Where the firm is and what it does are not for it to change.
        CheckKind::District => return None,
        CheckKind::MinYearsInOperation
        | CheckKind::Revenue
        | CheckKind::Employees
        | CheckKind::Scales
        | CheckKind::MinTaxCreditGrade
        | CheckKind::TaxPaid
        | CheckKind::QualificationsAny
        | CheckKind::QualificationsAll
        | CheckKind::IndustriesAllowed
        | CheckKind::IndustriesExcluded
        | CheckKind::SectorsAny
        | CheckKind::MinInventionPatents
        | CheckKind::MinTrademarks
        | CheckKind::GovProcurementContract
        | CheckKind::CoreEnterpriseReceivables
        | CheckKind::FirstLoanOnly
        | CheckKind::NoOverdueMonths
        | CheckKind::MaxDebtRatio
        | CheckKind::OtherConditions => return rule_fix(rule_of(product, kind)?, p),
    })
}

/// What the firm can do to meet a failed eligibility rule; `None` when nothing it does changes it (a scale,
/// an industry, a sector, a past bank loan, a figure above a maximum). Every rule is named, so a new rule
/// kind does not compile until its fix (or its lack of one) is decided here.
fn rule_fix(rule: &EligibilityRule, p: &EnterpriseProfile) -> Option<Text> {
    Some(match rule {
        EligibilityRule::MinYearsInOperation(n) => {
            let day = add_years(p.established, *n)?;
            text(format!("{day} 起成立满 {n} 年即可申请"), format!("Eligible from {day}"))
        }
        EligibilityRule::Revenue(b) if b.min.is_some_and(|m| p.revenue < m) => {
            let m = b.min?;
            text(format!("上年营业收入达到 {}", m.display_zh()), format!("Revenue of at least {}", m.display_en()))
        }
        EligibilityRule::Employees(b) if b.min.is_some_and(|m| p.employees < m) => {
            let m = b.min?;
            text(format!("从业人员达到 {m} 人"), format!("At least {m} employees"))
        }
        EligibilityRule::MinTaxCreditGrade(g) => {
            text(format!("将纳税信用等级提升至 {} 级", g.as_str()), format!("Raise the tax grade to {}", g.as_str()))
        }
        EligibilityRule::TaxPaid(b) if b.min.is_some_and(|m| p.tax_paid.is_some_and(|paid| paid < m)) => {
            let m = b.min?;
            text(format!("上年纳税额达到 {}", m.display_zh()), format!("Pay at least {} in tax", m.display_en()))
        }
        EligibilityRule::QualificationsAny(v) => {
            text(format!("取得{}资质之一", join_zh(v)), "Obtain one of the qualifications")
        }
        EligibilityRule::QualificationsAll(v) => {
            let lacking: Vec<_> = v.iter().copied().filter(|q| !p.qualification_list().contains(q)).collect();
            text(format!("取得{}资质", join_zh(&lacking)), "Obtain the missing qualifications")
        }
        EligibilityRule::MinInventionPatents(n) => {
            let more = n.saturating_sub(p.invention_patents.unwrap_or(0));
            text(format!("再取得 {more} 件发明专利"), format!("{more} more invention patent(s)"))
        }
        EligibilityRule::MinTrademarks(n) => {
            let more = n.saturating_sub(p.trademarks.unwrap_or(0));
            text(format!("再注册 {more} 件商标"), format!("{more} more trademark(s)"))
        }
        EligibilityRule::GovProcurementContract => {
            text("中标政府采购合同后可申请", "Win a government procurement contract")
        }
        EligibilityRule::CoreEnterpriseReceivables => {
            text("取得核心企业确认的应收账款后可申请", "Hold receivables confirmed by a core enterprise")
        }
        EligibilityRule::NoOverdueMonths(n) => {
            let p_months = p.months_since_overdue().unwrap_or(0);
            let wait = n.saturating_sub(p_months);
            text(
                format!("保持按时还款，约 {wait} 个月后可申请"),
                format!("Keep repaying on time for {wait} more month(s)"),
            )
        }
        EligibilityRule::MaxDebtRatio(r) => text(
            format!("将资产负债率降至 {} 以下", r.percent_text()),
            format!("Bring the debt ratio to {} or below", r.percent_text()),
        ),
        EligibilityRule::Revenue(_)
        | EligibilityRule::Employees(_)
        | EligibilityRule::TaxPaid(_)
        | EligibilityRule::Scales(_)
        | EligibilityRule::IndustriesAllowed(_)
        | EligibilityRule::IndustriesExcluded(_)
        | EligibilityRule::SectorsAny(_)
        | EligibilityRule::FirstLoanOnly => return None,
        // Never failed: only the lender checks its own words.
        EligibilityRule::OtherConditions(_) => return None,
    })
}
