//! One product judged for one firm: the verdict a product page shows a signed-in firm, and the check an
//! application must pass when it is submitted. The same checks ([`CompiledProduct::check_firm`]) and the same
//! explanations ([`crate::explain`]) as a match, for one product instead of the whole book.
//!
//! What is judged besides the firm's own checks (its district and every eligibility rule):
//! - on a product page, nothing: there is no need (no amount, no term), so only the firm's checks apply;
//! - for an application, its amount and term ([`Loan`]). Its collateral and guarantee are for the lender to
//!   settle with the firm, and a cost ceiling or a deadline are a match's wishes, not an application's terms,
//!   so none of those is judged.
//!
//! The standing follows the match's lists, in the same order of precedence: a failed check first, then data
//! the firm has not given (需补充), then a fact the product leaves unstated (需向机构确认), else eligible. A
//! product failed by exactly one check, with nothing missing, is 差一点 when that check is one the firm can
//! change: asking for another amount or term (as in a match's near misses), or a rule the explanations
//! give a fix for (a grade to raise, a qualification to obtain, a date from which the firm qualifies). A match
//! has a whole need to ask differently; a product page has none, so what the firm itself can change is its
//! one way to be "nearly" eligible there.

use crate::checks::{CheckKind, Checks};
use crate::compiled::{CompiledProduct, Verdict};
use crate::engine::Matcher;
use crate::explain::{Finding, Outcome, Subject, findings_of};
use crate::facts::FirmFacts;
use crate::verified::Verified;
use chrono::NaiveDate;
use finmart_domain::{EnterpriseProfile, Fen, FinancingNeed, Labelled, LoanPurpose, Months, Product};
use serde::Serialize;

/// What an application asks of a product besides the firm's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loan {
    pub amount: Fen,
    pub term: Months,
}

finmart_domain::labelled_enum! {
    /// Where a firm stands with one product.
    pub enum Standing: "standing" {
        Eligible => "eligible", "可申请", "You can apply",
        NearMiss => "near_miss", "差一点", "Nearly",
        NeedsInfo => "needs_info", "需补充", "More information needed",
        ToConfirm => "to_confirm", "需向机构确认", "To confirm with the lender",
        Ineligible => "ineligible", "不符合", "Not eligible",
    }
}

/// One product judged for one firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub product_id: i64,
    pub standing: Standing,
    #[serde(skip)]
    pub verdict: Verdict,
    /// Every check made, in display order, with the firm's value, the sentence and, for a failure, the fix.
    pub findings: Vec<Finding>,
}

impl Judgement {
    /// The findings of one outcome.
    pub fn with_outcome(&self, outcome: Outcome) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.outcome == outcome)
    }

    /// Whether an application may be submitted: nothing failed and nothing is missing (what only the lender
    /// can confirm does not hold it back).
    #[must_use]
    pub fn may_apply(&self) -> bool {
        matches!(self.standing, Standing::Eligible | Standing::ToConfirm)
    }
}

/// The standing of a verdict with its findings (see the module documentation).
fn standing(verdict: &Verdict, findings: &[Finding]) -> Standing {
    if !verdict.failed.is_empty() {
        let changeable = |kind: CheckKind| {
            kind.is_about_need() || findings.iter().any(|f| f.code == kind.as_str() && f.fix.is_some())
        };
        let near = verdict.failed.len() == 1 && verdict.missing.is_empty() && verdict.failed.iter().all(changeable);
        return if near { Standing::NearMiss } else { Standing::Ineligible };
    }
    if !verdict.missing.is_empty() {
        Standing::NeedsInfo
    } else if !verdict.unconfirmed.is_empty() {
        Standing::ToConfirm
    } else {
        Standing::Eligible
    }
}

impl Matcher {
    /// Judges `product` for the firm of `profile` on `today`, with the amount and term of an application
    /// (`loan`) or without (a product page: only the firm's checks). The product is compiled here, so a
    /// product just published (or read from the database by the caller) is judged as it is, whatever the
    /// book holds yet.
    #[must_use]
    pub fn judge(
        &self,
        product: &Product,
        profile: &EnterpriseProfile,
        loan: Option<Loan>,
        today: NaiveDate,
    ) -> Judgement {
        self.judge_with(product, profile, None, loan, today)
    }

    /// [`Self::judge`] for the firm with its verified facts: on [`Verified::profile`], each rule the
    /// product requires verified reading the facts, and the findings saying how each rule stands.
    #[must_use]
    pub fn judge_verified(&self, product: &Product, verified: &Verified, loan: Option<Loan>) -> Judgement {
        self.judge_with(product, verified.profile(), Some(verified), loan, verified.today())
    }

    fn judge_with(
        &self,
        product: &Product,
        profile: &EnterpriseProfile,
        verified: Option<&Verified>,
        loan: Option<Loan>,
        today: NaiveDate,
    ) -> Judgement {
        let compiled = CompiledProduct::new(product);
        let firm = verified.map_or_else(|| FirmFacts::of(profile, today), Verified::firm_facts);
        let mut verdict = compiled.check_firm(&firm);
        let mut made = compiled.checks_made(None);
        // The explanations of amount and term read them from a need: the loan's, with nothing else asked.
        let need = loan.map(|l| FinancingNeed {
            amount: l.amount,
            term: l.term,
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: String::new(),
            max_annual_cost: None,
            needed_within_days: None,
            collateral_offered: Vec::new(),
            accepts_guarantee: true,
            repayment: None,
        });
        if let Some(l) = loan {
            verdict = verdict.and(compiled.check_loan(l.amount, l.term));
            made = Checks(made.0 | CheckKind::Amount.bit() | CheckKind::Term.bit());
        }
        let subject = Subject { profile, need: need.as_ref(), today, apr: None, home: self.home(), verified };
        let findings = findings_of(product, made, &subject, verdict);
        Judgement { product_id: product.id, standing: standing(&verdict, &findings), verdict, findings }
    }
}
