//! Rules a product requires to be met by a verified fact (纳税信用等级须经税务核验), and how each eligibility
//! rule stands against the firm's verified facts (已核验 / 未核验 / 核验结果不符 / 需更新).
//!
//! [`RULE_FACTS`] is the one table of which fact kind of the catalogue ([`crate::FactKind`]) backs which
//! kind of product condition ([`RuleKind`]). A rule without a row has no fact that could verify it (营业收入,
//! 从业人员, patents, the lender's own words…) and cannot be required verified. Four kinds of the catalogue
//! back no condition yet, since no product condition reads them: 注册资本, 行政处罚, 失信被执行人 and 欠税 (and
//! the headcounts); a condition added for one of them gets its row here, and becomes requirable.
//!
//! A product that requires nothing verified (the default, and every product stored before this existed)
//! is matched as before: on the firm's declarations with its current verified facts in their place
//! ([`crate::with_verified`]). A product that requires a rule verified fails that rule for a firm without a
//! current fact backing it (未核验, or 需更新 when the only fact has expired), whatever the firm declares.

use crate::eligibility::{EligibilityRule, EligibilityRules, RuleKind};
use crate::facts::{Fact, FactKind, FactSource, Freshness, Verification, latest, qualification_fact, verify};
use crate::labels::Labelled;
use crate::profile::EnterpriseProfile;
use crate::vocab::Qualification;
use crate::{FieldErrors, ValueError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which fact kind verifies which kind of product condition: the one table (see the module documentation).
pub const RULE_FACTS: [(RuleKind, FactKind); 5] = [
    (RuleKind::MinYearsInOperation, FactKind::Established),
    (RuleKind::MinTaxCreditGrade, FactKind::TaxCreditGrade),
    (RuleKind::TaxPaid, FactKind::TaxPaid),
    (RuleKind::QualificationsAny, FactKind::Qualification),
    (RuleKind::QualificationsAll, FactKind::Qualification),
];

impl RuleKind {
    /// The fact kind that verifies rules of this kind ([`RULE_FACTS`]); `None` when no fact can.
    #[must_use]
    pub fn fact_kind(self) -> Option<FactKind> {
        RULE_FACTS.iter().find(|(rule, _)| *rule == self).map(|(_, fact)| *fact)
    }

    /// Who verifies a rule of this kind, in Chinese and English: `须经税务部门核验`, `verified by the tax
    /// bureau` (empty for a kind no fact backs).
    #[must_use]
    pub fn verified_by(self) -> (String, String) {
        if self.fact_kind().is_none() {
            return (String::new(), String::new());
        }
        (format!("须经{}核验", sources_zh(self)), format!("verified by the {}", sources_en(self)))
    }
}

/// A verified fact with the department it came from, as matching and pages read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedFact {
    pub fact: Fact,
    pub source: FactSource,
}

/// The rules a product requires to be met by a verified fact: a set of rule kinds, each one the product has
/// as a condition and one [`RULE_FACTS`] backs. Empty: none required (the default).
///
/// Written as its rule keys: in JSON a list (`["min_tax_credit_grade"]`), in an import cell and the store's
/// column separated by `|` (`min_tax_credit_grade|qualifications_any`); an empty cell or `none` is none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct VerifiedRules(Vec<RuleKind>);

impl TryFrom<Vec<String>> for VerifiedRules {
    type Error = ValueError;

    fn try_from(keys: Vec<String>) -> Result<Self, ValueError> {
        Self::from_cell(&keys.join("|"))
    }
}

impl From<VerifiedRules> for Vec<String> {
    fn from(rules: VerifiedRules) -> Self {
        rules.0.iter().map(|k| k.as_str().to_owned()).collect()
    }
}

impl VerifiedRules {
    /// None required.
    pub const NONE: Self = Self(Vec::new());

    /// Reads the cell: rule keys (or their Chinese names) separated by `|`, `、` or `,`; empty or `none` is
    /// none required.
    ///
    /// # Errors
    /// An unknown rule, a rule no verified fact can back (naming the ones that can), or one given twice.
    pub fn from_cell(v: &str) -> Result<Self, ValueError> {
        let v = v.trim();
        if v.is_empty() || matches!(v, "none" | "无") {
            return Ok(Self::NONE);
        }
        let kinds = v.split(['|', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(RuleKind::parse);
        Self::new(kinds.collect::<Result<Vec<_>, _>>()?)
    }

    /// The rules of `kinds` required verified.
    ///
    /// # Errors
    /// A rule no verified fact can back (naming the ones that can), or one given twice.
    pub fn new(mut kinds: Vec<RuleKind>) -> Result<Self, ValueError> {
        for (at, &kind) in kinds.iter().enumerate() {
            if kind.fact_kind().is_none() {
                return Err(ValueError::worded(
                    format!("“{}”没有可核验的政府数据，可要求核验的条件：{}", kind.label_zh(), requirable_zh()),
                    format!(
                        "no verified fact can back `{}`; these can be required verified: {}",
                        kind.as_str(),
                        requirable_en()
                    ),
                ));
            }
            if kinds[..at].contains(&kind) {
                return Err(ValueError::worded(
                    format!("“{}”重复出现", kind.label_zh()),
                    format!("`{}` is given twice", kind.as_str()),
                ));
            }
        }
        kinds.sort_unstable();
        Ok(Self(kinds))
    }

    /// The cell [`Self::from_cell`] reads back (empty for none required).
    #[must_use]
    pub fn to_cell(&self) -> String {
        self.0.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|")
    }

    /// Holds the rules to the product's conditions: each must be one the product has.
    ///
    /// # Errors
    /// The rules the product does not have as a condition, named, under `field`.
    pub fn check_against(&self, eligibility: &EligibilityRules, field: &str) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        for kind in &self.0 {
            if !eligibility.rules().iter().any(|r| r.kind() == *kind) {
                errors.push(
                    field,
                    ValueError::worded(
                        format!("产品没有“{}”这一准入条件，不能要求其经核验", kind.label_zh()),
                        format!("the product has no `{}` condition to require verified", kind.as_str()),
                    ),
                );
            }
        }
        errors.into_result(|| ())
    }

    #[must_use]
    pub fn contains(&self, kind: RuleKind) -> bool {
        self.0.contains(&kind)
    }

    #[must_use]
    pub fn kinds(&self) -> &[RuleKind] {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `纳税信用等级须经税务部门核验；…`, or `无（按企业申报及已核验信息匹配）`.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        if self.0.is_empty() {
            return "无（按企业申报及已核验信息匹配）".to_owned();
        }
        self.0.iter().map(|k| format!("{}{}", k.label_zh(), k.verified_by().0)).collect::<Vec<_>>().join("；")
    }

    /// `Tax credit grade verified by the tax bureau; …`, or `None (declarations and verified facts are used)`.
    #[must_use]
    pub fn describe_en(&self) -> String {
        if self.0.is_empty() {
            return "None (declarations and verified facts are used)".to_owned();
        }
        self.0.iter().map(|k| format!("{} {}", k.label_en(), k.verified_by().1)).collect::<Vec<_>>().join("; ")
    }
}

/// The rules that can be required verified, for messages.
fn requirable_zh() -> String {
    RULE_FACTS.iter().map(|(k, _)| format!("{}（{}）", k.label_zh(), k.as_str())).collect::<Vec<_>>().join("、")
}

fn requirable_en() -> String {
    RULE_FACTS.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// The departments (not the relaying platform) that supply the fact backing `kind`.
fn departments(kind: RuleKind) -> Vec<FactSource> {
    kind.fact_kind()
        .map(|f| f.info().sources.iter().copied().filter(|s| *s != FactSource::CreditPlatform).collect())
        .unwrap_or_default()
}

fn sources_zh(kind: RuleKind) -> String {
    departments(kind).iter().map(|s| s.label_zh()).collect::<Vec<_>>().join("或")
}

fn sources_en(kind: RuleKind) -> String {
    departments(kind).iter().map(|s| s.label_en().to_lowercase()).collect::<Vec<_>>().join(" or ")
}

/// How one product condition stands against the firm's facts: the state, and the fact that decided it (the
/// current one for 已核验 / 核验结果不符, the expired one for 需更新; none for 未核验).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerification<'f> {
    pub state: Verification,
    pub fact: Option<&'f Fact>,
}

impl RuleVerification<'_> {
    /// Whether a current fact backs the rule (a rule required verified may pass).
    #[must_use]
    pub fn is_current(&self) -> bool {
        matches!(self.state, Verification::Verified | Verification::Conflict)
    }
}

/// How `rule` stands against the firm's `facts` on `today`, its declaration being `declared`; `None` for a
/// rule no fact backs ([`RULE_FACTS`]).
///
/// A figure (grade, tax paid, date of establishment) is [`verify`]'s answer. A qualifications rule is about
/// its titles: 已核验 when a current fact shows one of them (for 资质要求) or every one of them (for 资质要求
/// （全部）); else 需更新 when an expired fact shows one; else 未核验. A list cannot contradict: a title declared
/// without a fact is unverified, not a conflict.
#[must_use]
pub fn rule_verification<'f>(
    rule: &EligibilityRule,
    declared: &EnterpriseProfile,
    facts: &'f [Fact],
    today: NaiveDate,
) -> Option<RuleVerification<'f>> {
    let kind = rule.kind().fact_kind()?;
    let titles: &[Qualification] = match rule {
        EligibilityRule::QualificationsAny(t) | EligibilityRule::QualificationsAll(t) => t,
        _ => {
            let state = verify(declared, facts, kind, today)?;
            let fact = latest(facts, kind, today).filter(|_| state != Verification::Unverified);
            return Some(RuleVerification { state, fact });
        }
    };
    let found: Vec<&Fact> = titles.iter().filter_map(|t| qualification_fact(facts, *t, today)).collect();
    let current: Vec<&Fact> = found.iter().copied().filter(|f| f.freshness(today) == Freshness::Current).collect();
    let verified = match rule {
        EligibilityRule::QualificationsAll(_) => current.len() == titles.len(),
        _ => !current.is_empty(),
    };
    Some(if verified {
        RuleVerification { state: Verification::Verified, fact: current.first().copied() }
    } else if let Some(fact) = found.iter().copied().find(|f| f.freshness(today) == Freshness::Expired) {
        RuleVerification { state: Verification::Expired, fact: Some(fact) }
    } else {
        RuleVerification { state: Verification::Unverified, fact: None }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::facts::{FactRecord, read_record};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn today() -> NaiveDate {
        day("2026-12-04")
    }

    fn fact(kind: &str, value: &str, as_of: &str, valid_until: Option<&str>) -> Fact {
        let record = FactRecord {
            source_record_id: format!("{kind}-{value}-{as_of}"),
            uscc: "91350100M000100Y43".into(),
            kind: kind.into(),
            value: value.into(),
            certificate: (kind == "qualification").then(|| "GR202412000123".into()),
            as_of: as_of.into(),
            valid_until: valid_until.map(Into::into),
        };
        read_record(&record, FactSource::CreditPlatform, today()).unwrap()
    }

    fn profile() -> EnterpriseProfile {
        serde_json::from_value(serde_json::json!({
            "district": "binhai", "industry": "software", "established": "2019-05-01", "employees": 40,
            "revenue": 800_000_000, "tax_credit_grade": "A", "qualifications": ["high_tech"]
        }))
        .unwrap()
    }

    #[test]
    fn every_backed_rule_names_a_kind_of_the_catalogue_once() {
        for (rule, fact) in RULE_FACTS {
            assert_eq!(rule.fact_kind(), Some(fact));
            assert_eq!(RULE_FACTS.iter().filter(|(r, _)| *r == rule).count(), 1, "{rule}");
        }
        assert_eq!(RuleKind::Revenue.fact_kind(), None);
        assert_eq!(RuleKind::OtherConditions.fact_kind(), None);
    }

    #[test]
    fn the_cell_reads_back_and_refuses_what_no_fact_can_back() {
        let rules = VerifiedRules::from_cell("qualifications_any | 纳税信用等级").unwrap();
        assert_eq!(rules.kinds(), [RuleKind::MinTaxCreditGrade, RuleKind::QualificationsAny]);
        assert_eq!(rules.to_cell(), "min_tax_credit_grade|qualifications_any");
        assert_eq!(VerifiedRules::from_cell(&rules.to_cell()).unwrap(), rules);
        assert_eq!(VerifiedRules::from_cell("").unwrap(), VerifiedRules::NONE);
        assert_eq!(VerifiedRules::from_cell("none").unwrap(), VerifiedRules::NONE);
        assert!(VerifiedRules::from_cell("credit_score").is_err());
        let revenue = VerifiedRules::from_cell("revenue_yuan").unwrap_err();
        assert!(
            revenue.message_zh().contains("营业收入") && revenue.message_zh().contains("纳税信用等级"),
            "{}",
            revenue.message_zh()
        );
        assert!(VerifiedRules::from_cell("min_tax_credit_grade|纳税信用等级").is_err());
        // JSON is a list of keys, checked the same way.
        let json: VerifiedRules = serde_json::from_str(r#"["tax_paid_yuan"]"#).unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), r#"["tax_paid_yuan"]"#);
        assert!(serde_json::from_str::<VerifiedRules>(r#"["employees"]"#).is_err());
        assert_eq!(rules.describe_zh(), "纳税信用等级须经税务部门核验；资质要求须经科技部门或工业和信息化部门核验");
        assert_eq!(
            rules.describe_en(),
            "Tax credit grade verified by the tax bureau; Qualifications verified by the science and technology bureau or industry and information technology bureau"
        );
    }

    #[test]
    fn a_rule_required_verified_must_be_a_condition_of_the_product() {
        let eligibility = EligibilityRules::parse_line("min_tax_credit_grade=B; employees=..300").unwrap();
        let ok = VerifiedRules::from_cell("min_tax_credit_grade").unwrap();
        assert!(ok.check_against(&eligibility, "verified_rules").is_ok());
        let bad = VerifiedRules::from_cell("min_tax_credit_grade|tax_paid_yuan").unwrap();
        let errors = bad.check_against(&eligibility, "verified_rules").unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "verified_rules");
        assert!(errors.0[0].error.message_zh().contains("纳税额"), "{}", errors.0[0].error.message_zh());
    }

    #[test]
    fn each_rule_stands_verified_unverified_in_conflict_or_expired() {
        let p = profile();
        let grade = EligibilityRule::MinTaxCreditGrade(crate::TaxCreditGrade::B);
        let state = |facts: &[Fact]| rule_verification(&grade, &p, facts, today()).unwrap().state;
        assert_eq!(state(&[]), Verification::Unverified);
        assert_eq!(state(&[fact("tax_credit_grade", "A", "2025-12-31", None)]), Verification::Verified);
        assert_eq!(state(&[fact("tax_credit_grade", "B", "2025-12-31", None)]), Verification::Conflict);
        let expired = [fact("tax_credit_grade", "A", "2024-12-31", None)];
        let v = rule_verification(&grade, &p, &expired, today()).unwrap();
        assert_eq!((v.state.clone(), v.fact), (Verification::Expired, Some(&expired[0])));
        assert!(!v.is_current());
        // Years in business are verified by the date of establishment; tax paid by the year's figure.
        let years = EligibilityRule::MinYearsInOperation(3);
        let established = [fact("established", "2019-05-01", "2026-06-30", None)];
        assert_eq!(rule_verification(&years, &p, &established, today()).unwrap().state, Verification::Verified);
        let moved = [fact("established", "2020-05-01", "2026-06-30", None)];
        assert_eq!(rule_verification(&years, &p, &moved, today()).unwrap().state, Verification::Conflict);
        // A rule no fact backs has no state.
        assert!(rule_verification(&EligibilityRule::MinTrademarks(1), &p, &established, today()).is_none());
    }

    #[test]
    fn a_qualifications_rule_is_verified_by_its_titles() {
        let p = profile();
        let any = EligibilityRule::QualificationsAny(vec![Qualification::HighTech, Qualification::TechSme]);
        let all = EligibilityRule::QualificationsAll(vec![Qualification::HighTech, Qualification::TechSme]);
        let high_tech = fact("qualification", "high_tech", "2024-12-01", Some("2027-11-30"));
        let tech_sme_old = fact("qualification", "tech_sme", "2023-12-01", Some("2025-11-30"));
        let state = |rule: &EligibilityRule, facts: &[Fact]| rule_verification(rule, &p, facts, today()).unwrap().state;
        assert_eq!(state(&any, &[]), Verification::Unverified);
        assert_eq!(state(&any, std::slice::from_ref(&high_tech)), Verification::Verified);
        assert_eq!(state(&any, std::slice::from_ref(&tech_sme_old)), Verification::Expired);
        assert_eq!(state(&all, &[high_tech.clone(), tech_sme_old.clone()]), Verification::Expired);
        assert_eq!(state(&all, std::slice::from_ref(&high_tech)), Verification::Unverified);
        let tech_sme = fact("qualification", "tech_sme", "2025-12-01", Some("2026-12-31"));
        assert_eq!(state(&all, &[high_tech, tech_sme_old, tech_sme]), Verification::Verified);
    }
}
