//! A product's checks compiled to flat fields, so that matching one firm against every published product
//! (or one product against every stored firm) is a loop of integer comparisons with no allocation.
//!
//! This is the one place that decides pass, fail or missing; the explanations in [`crate::explain`] only
//! put the decision into words.

use crate::checks::{CheckKind, Checks};
use crate::facts::{FirmFacts, NeedFacts, bit, calendar_days, grade_rank, mask};
use crate::rank::log_span;
use chrono::NaiveDate;
use finmart_domain::{EligibilityRule, Labelled, PolicySupport, Product, RepaymentMethod};

/// Which checks failed and which could not be decided for lack of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    pub failed: Checks,
    pub missing: Checks,
}

impl Verdict {
    #[must_use]
    pub fn eligible(&self) -> bool {
        self.failed.is_empty() && self.missing.is_empty()
    }
}

/// The flat form of one product: sets as bit masks, bounds as plain integers with "no bound" values
/// (0, `u32::MAX`, …), so that a check is a comparison and an absent rule can never fail. `rules` says which
/// rules the product has (for explanations and for the *missing* outcome).
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledProduct {
    pub id: i64,
    /// Validity window as days since the epoch; `valid_until` is `i32::MAX` when open.
    pub valid_from: i32,
    pub valid_until: i32,
    pub districts: u32,
    /// The eligibility rules the product has.
    pub rules: Checks,
    pub scales: u32,
    pub qualifications_any: u32,
    pub qualifications_all: u32,
    pub industries_allowed: u32,
    pub industries_excluded: u32,
    pub sectors_any: u32,
    pub employees: (u32, u32),
    pub revenue: (i64, i64),
    pub min_tax_paid: i64,
    pub min_patents: u32,
    pub min_trademarks: u32,
    pub max_debt_ratio: u32,
    pub min_years: u16,
    pub no_overdue_months: u16,
    /// [`grade_rank`] of the lowest grade accepted; `u8::MAX` when any grade is.
    pub min_tax_grade: u8,
    pub procurement: bool,
    pub core_receivables: bool,
    pub first_loan_only: bool,
    pub online: bool,
    pub decision_days: u16,
    pub term: (u16, u16),
    pub amount: (i64, i64),
    /// The amount and term ranges on a log scale, for the fit component ([`crate::rank::log_span`]).
    pub amount_log: (f64, f64),
    pub term_log: (f64, f64),
    pub rate_min: u32,
    pub rate_max: u32,
    /// Repayment methods offered, as bits.
    pub methods: u32,
    /// Collateral accepted (any one of them); 0 when none is required.
    pub collateral: u32,
    /// The guarantee agency's annual fee rate, when the loan is guaranteed by one.
    pub guarantee_fee: Option<u32>,
    pub policy: u32,
}

/// Days since 1970-01-01, for cheap validity comparisons.
#[must_use]
pub fn day_number(day: NaiveDate) -> i32 {
    i32::try_from(day.signed_duration_since(NaiveDate::default()).num_days()).unwrap_or(i32::MAX)
}

impl CompiledProduct {
    #[must_use]
    pub fn new(product: &Product) -> Self {
        let spec = &product.spec;
        let mut c = Self {
            id: product.id,
            valid_from: day_number(spec.valid_from),
            valid_until: spec.valid_until.map_or(i32::MAX, day_number),
            districts: mask(&spec.districts),
            rules: Checks::NONE,
            scales: 0,
            qualifications_any: 0,
            qualifications_all: 0,
            industries_allowed: 0,
            industries_excluded: 0,
            sectors_any: 0,
            employees: (0, u32::MAX),
            revenue: (0, i64::MAX),
            min_tax_paid: 0,
            min_patents: 0,
            min_trademarks: 0,
            max_debt_ratio: u32::MAX,
            min_years: 0,
            no_overdue_months: 0,
            min_tax_grade: u8::MAX,
            procurement: false,
            core_receivables: false,
            first_loan_only: false,
            online: spec.online,
            decision_days: spec.decision_days,
            term: (spec.term.min().get(), spec.term.max().get()),
            amount: (spec.amount.min().fen(), spec.amount.max().fen()),
            amount_log: log_span(spec.amount.min().fen(), spec.amount.max().fen()),
            term_log: log_span(i64::from(spec.term.min().get()), i64::from(spec.term.max().get())),
            rate_min: spec.rate.min().bps(),
            rate_max: spec.rate.max().bps(),
            methods: mask(&spec.repayment_methods),
            collateral: mask(&spec.collateral),
            guarantee_fee: spec.guarantee.as_ref().map(|g| g.fee_rate.bps()),
            policy: mask(&spec.policy_support),
        };
        for rule in spec.eligibility.rules() {
            c.rules.insert(CheckKind::of_rule(rule));
            match rule {
                EligibilityRule::MinYearsInOperation(n) => c.min_years = *n,
                EligibilityRule::Revenue(b) => {
                    c.revenue = (b.min.map_or(0, |f| f.fen()), b.max.map_or(i64::MAX, |f| f.fen()));
                }
                EligibilityRule::Employees(b) => c.employees = (b.min.unwrap_or(0), b.max.unwrap_or(u32::MAX)),
                EligibilityRule::Scales(v) => c.scales = mask(v),
                EligibilityRule::MinTaxCreditGrade(g) => c.min_tax_grade = grade_rank(*g),
                EligibilityRule::MinTaxPaid(f) => c.min_tax_paid = f.fen(),
                EligibilityRule::QualificationsAny(v) => c.qualifications_any = mask(v),
                EligibilityRule::QualificationsAll(v) => c.qualifications_all = mask(v),
                EligibilityRule::IndustriesAllowed(v) => c.industries_allowed = mask(v),
                EligibilityRule::IndustriesExcluded(v) => c.industries_excluded = mask(v),
                EligibilityRule::SectorsAny(v) => c.sectors_any = mask(v),
                EligibilityRule::MinInventionPatents(n) => c.min_patents = *n,
                EligibilityRule::MinTrademarks(n) => c.min_trademarks = *n,
                EligibilityRule::GovProcurementContract => c.procurement = true,
                EligibilityRule::CoreEnterpriseReceivables => c.core_receivables = true,
                EligibilityRule::FirstLoanOnly => c.first_loan_only = true,
                EligibilityRule::NoOverdueMonths(n) => c.no_overdue_months = *n,
                EligibilityRule::MaxDebtRatio(r) => c.max_debt_ratio = r.bps(),
            }
        }
        c
    }

    /// Whether the product is within its validity window on the day numbered `day`.
    #[must_use]
    pub fn valid_on(&self, day: i32) -> bool {
        self.valid_from <= day && day <= self.valid_until
    }

    #[must_use]
    pub fn has_policy(&self, policy: PolicySupport) -> bool {
        self.policy & bit(policy) != 0
    }

    #[must_use]
    pub fn offers(&self, method: RepaymentMethod) -> bool {
        self.methods & bit(method) != 0
    }

    /// The repayment method a quote uses: the firm's preference when offered, else the first the product
    /// offers in the vocabulary's order (等额本息 first, the most common).
    #[must_use]
    pub fn quote_method(&self, preferred: Option<RepaymentMethod>) -> RepaymentMethod {
        preferred.filter(|m| self.offers(*m)).unwrap_or_else(|| {
            RepaymentMethod::ALL.iter().copied().find(|m| self.offers(*m)).unwrap_or(RepaymentMethod::EqualInstalment)
        })
    }

    /// The checks about the firm: districts and every eligibility rule. Branch-free: every rule is compared
    /// (an absent one holds a bound nothing fails), then the rules the firm lacks data for become *missing*.
    #[must_use]
    pub fn check_firm(&self, f: &FirmFacts) -> Verdict {
        use CheckKind as K;
        let mut failed = Checks::NONE;
        failed.set_if(K::District, self.districts & f.district == 0);
        failed.set_if(K::MinYearsInOperation, f.years < self.min_years);
        failed.set_if(K::Revenue, f.revenue < self.revenue.0 || f.revenue > self.revenue.1);
        failed.set_if(K::Employees, f.employees < self.employees.0 || f.employees > self.employees.1);
        failed.set_if(K::Scales, self.scales != 0 && self.scales & f.scale == 0);
        failed.set_if(K::MinTaxCreditGrade, f.tax_grade > self.min_tax_grade);
        failed.set_if(K::MinTaxPaid, f.tax_paid < self.min_tax_paid);
        failed.set_if(
            K::QualificationsAny,
            self.qualifications_any != 0 && f.qualifications & self.qualifications_any == 0,
        );
        failed.set_if(K::QualificationsAll, f.qualifications & self.qualifications_all != self.qualifications_all);
        failed.set_if(K::IndustriesAllowed, self.industries_allowed != 0 && f.industry & self.industries_allowed == 0);
        failed.set_if(K::IndustriesExcluded, f.industry & self.industries_excluded != 0);
        failed.set_if(K::SectorsAny, self.sectors_any != 0 && f.sectors & self.sectors_any == 0);
        failed.set_if(K::MinInventionPatents, f.invention_patents < self.min_patents);
        failed.set_if(K::MinTrademarks, f.trademarks < self.min_trademarks);
        failed.set_if(K::GovProcurementContract, self.procurement && !f.procurement);
        failed.set_if(K::CoreEnterpriseReceivables, self.core_receivables && !f.core_receivables);
        failed.set_if(K::FirstLoanOnly, self.first_loan_only && f.ever_borrowed);
        failed.set_if(K::NoOverdueMonths, f.months_since_overdue < self.no_overdue_months);
        failed.set_if(K::MaxDebtRatio, f.debt_ratio > self.max_debt_ratio);
        let missing = Checks(self.rules.0 & f.unknown.0);
        Verdict { failed: Checks(failed.0 & !missing.0), missing }
    }

    /// The checks about the need, all but the cost ceiling (which needs the quote; see [`Self::check_cost`]).
    #[must_use]
    pub fn check_need(&self, n: &NeedFacts) -> Checks {
        use CheckKind as K;
        let mut failed = Checks::NONE;
        failed.set_if(K::Amount, n.amount < self.amount.0 || n.amount > self.amount.1);
        failed.set_if(K::Term, n.term < self.term.0 || n.term > self.term.1);
        failed.set_if(K::Collateral, self.collateral != 0 && self.collateral & n.collateral_offered == 0);
        failed.set_if(K::Guarantee, self.guarantee_fee.is_some() && !n.accepts_guarantee);
        failed.set_if(
            K::Speed,
            n.needed_within_days.is_some_and(|days| calendar_days(self.decision_days) > u32::from(days)),
        );
        failed
    }

    /// The cost-ceiling check for a quote of effective annual rate `apr` (basis points).
    #[must_use]
    pub fn check_cost(n: &NeedFacts, apr: u32) -> Checks {
        let mut failed = Checks::NONE;
        failed.set_if(CheckKind::MaxCost, n.max_cost.is_some_and(|max| apr > max));
        failed
    }

    /// The checks this product makes of any firm, pass or fail (for explanations).
    #[must_use]
    pub fn checks_made(&self, need: Option<&NeedFacts>) -> Checks {
        use CheckKind as K;
        let mut made = self.rules;
        made.insert(K::District);
        if let Some(n) = need {
            made.insert(K::Amount);
            made.insert(K::Term);
            made.set_if(K::Collateral, self.collateral != 0);
            made.set_if(K::Guarantee, self.guarantee_fee.is_some());
            made.set_if(K::MaxCost, n.max_cost.is_some());
            made.set_if(K::Speed, n.needed_within_days.is_some());
        }
        made
    }
}
