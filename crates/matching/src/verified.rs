//! A firm with its verified facts, as matching reads it: the profile it declared, the facts government
//! sources sent about it (with their sources), and the profile matching judges — each current verified fact
//! in place of the declaration ([`with_verified`]). The facts come in as data: matching reads nothing.
//!
//! A product's rule required verified (纳税信用等级须经税务核验) reads [`FirmFacts::verified`] and
//! [`FirmFacts::verified_qualifications`], set here; a firm matched without facts has neither, so every
//! such rule fails for it (未核验).

use crate::checks::CheckKind;
use crate::facts::{FirmFacts, bit};
use chrono::NaiveDate;
use finmart_domain::{
    EnterpriseProfile, Fact, FactKind, FactSource, FactValue, Freshness, RULE_FACTS, SourcedFact, latest_fact,
    with_verified,
};

/// A firm's declaration and its verified facts on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    declared: EnterpriseProfile,
    effective: EnterpriseProfile,
    facts: Vec<Fact>,
    sources: Vec<FactSource>,
    today: NaiveDate,
}

impl Verified {
    /// The firm of `declared` with `facts` (any order, current and expired), on `today`.
    #[must_use]
    pub fn new(declared: EnterpriseProfile, facts: Vec<SourcedFact>, today: NaiveDate) -> Self {
        let (facts, sources): (Vec<Fact>, Vec<FactSource>) = facts.into_iter().map(|f| (f.fact, f.source)).unzip();
        let effective = with_verified(&declared, &facts, today);
        Self { declared, effective, facts, sources, today }
    }

    /// What the firm declared.
    #[must_use]
    pub fn declared(&self) -> &EnterpriseProfile {
        &self.declared
    }

    /// The profile matching judges: current verified facts over declarations.
    #[must_use]
    pub fn profile(&self) -> &EnterpriseProfile {
        &self.effective
    }

    #[must_use]
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The department `fact` (one of [`Self::facts`]) came from.
    #[must_use]
    pub fn source_of(&self, fact: &Fact) -> Option<FactSource> {
        self.facts.iter().position(|f| std::ptr::eq(f, fact)).and_then(|i| self.sources.get(i).copied())
    }

    /// What the checks read: the effective profile's figures, and which rules a current fact backs.
    #[must_use]
    pub fn firm_facts(&self) -> FirmFacts {
        backed(FirmFacts::of(&self.effective, self.today), &self.facts, self.today)
    }

    /// [`Self::firm_facts`] of the firm of `declared` with `facts` on `today`, without keeping either: how
    /// the reverse-matching pool reads each stored firm (most have no facts and are read as declared).
    #[must_use]
    pub fn firm_facts_of(declared: &EnterpriseProfile, facts: &[Fact], today: NaiveDate) -> FirmFacts {
        if facts.is_empty() {
            return FirmFacts::of(declared, today);
        }
        backed(FirmFacts::of(&with_verified(declared, facts, today), today), facts, today)
    }
}

/// `firm` (the effective profile's figures) with the rules a current fact of `facts` backs.
fn backed(mut firm: FirmFacts, facts: &[Fact], today: NaiveDate) -> FirmFacts {
    let current = |f: &Fact| f.freshness(today) == Freshness::Current;
    for (rule, kind) in RULE_FACTS {
        if kind != FactKind::Qualification {
            let backed = latest_fact(facts, kind, today).is_some_and(current);
            firm.verified.set_if(CheckKind::of_kind(rule), backed);
        }
    }
    for fact in facts.iter().filter(|f| current(f)) {
        if let FactValue::Qualification { title, .. } = fact.value {
            firm.verified_qualifications |= bit(title);
        }
    }
    firm
}
