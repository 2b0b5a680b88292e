//! A product's checks compiled to flat fields, so that matching one firm against every published product
//! (or one product against every stored firm) is a loop of integer comparisons with no allocation.
//!
//! This is the one place that decides pass, fail or missing; the explanations in [`crate::explain`] only
//! put the decision into words.

use crate::checks::{CheckKind, Checks};
use crate::facts::{FirmFacts, NeedFacts, bit, calendar_days, grade_rank, mask};
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

    #[must_use]
    pub fn merge(self, other: Verdict) -> Verdict {
        Verdict { failed: Checks(self.failed.0 | other.failed.0), missing: Checks(self.missing.0 | other.missing.0) }
    }
}

/// A bound pair with `None` for an open side.
type Span<T> = (Option<T>, Option<T>);

fn outside<T: PartialOrd>(value: T, (lo, hi): &Span<T>) -> bool {
    lo.as_ref().is_some_and(|lo| value < *lo) || hi.as_ref().is_some_and(|hi| value > *hi)
}

/// The flat form of one product.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledProduct {
    pub id: i64,
    pub districts: u32,
    /// Validity window as days since the epoch; `valid_until` is `i32::MAX` when open.
    pub valid_from: i32,
    pub valid_until: i32,
    pub amount: (i64, i64),
    pub term: (u16, u16),
    pub rate_min: u32,
    pub rate_max: u32,
    /// Repayment methods offered, as bits.
    pub methods: u32,
    /// Collateral accepted (any one of them); 0 when none is required.
    pub collateral: u32,
    /// The guarantee agency's annual fee rate, when the loan is guaranteed by one.
    pub guarantee_fee: Option<u32>,
    pub policy: u32,
    pub decision_days: u16,
    pub online: bool,
    // The eligibility rules, one field per kind; `None` / 0 when the product has no such rule.
    min_years: Option<u16>,
    revenue: Option<Span<i64>>,
    employees: Option<Span<u32>>,
    scales: u32,
    min_tax_grade: Option<u8>,
    min_tax_paid: Option<i64>,
    qualifications_any: u32,
    qualifications_all: u32,
    industries_allowed: u32,
    industries_excluded: u32,
    sectors_any: u32,
    min_patents: Option<u32>,
    min_trademarks: Option<u32>,
    procurement: bool,
    core_receivables: bool,
    first_loan_only: bool,
    no_overdue_months: Option<u16>,
    max_debt_ratio: Option<u32>,
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
            districts: mask(&spec.districts),
            valid_from: day_number(spec.valid_from),
            valid_until: spec.valid_until.map_or(i32::MAX, day_number),
            amount: (spec.amount.min().fen(), spec.amount.max().fen()),
            term: (spec.term.min().get(), spec.term.max().get()),
            rate_min: spec.rate.min().bps(),
            rate_max: spec.rate.max().bps(),
            methods: mask(&spec.repayment_methods),
            collateral: mask(&spec.collateral),
            guarantee_fee: spec.guarantee.as_ref().map(|g| g.fee_rate.bps()),
            policy: mask(&spec.policy_support),
            decision_days: spec.decision_days,
            online: spec.online,
            min_years: None,
            revenue: None,
            employees: None,
            scales: 0,
            min_tax_grade: None,
            min_tax_paid: None,
            qualifications_any: 0,
            qualifications_all: 0,
            industries_allowed: 0,
            industries_excluded: 0,
            sectors_any: 0,
            min_patents: None,
            min_trademarks: None,
            procurement: false,
            core_receivables: false,
            first_loan_only: false,
            no_overdue_months: None,
            max_debt_ratio: None,
        };
        for rule in spec.eligibility.rules() {
            match rule {
                EligibilityRule::MinYearsInOperation(n) => c.min_years = Some(*n),
                EligibilityRule::Revenue(b) => c.revenue = Some((b.min.map(|f| f.fen()), b.max.map(|f| f.fen()))),
                EligibilityRule::Employees(b) => c.employees = Some((b.min, b.max)),
                EligibilityRule::Scales(v) => c.scales = mask(v),
                EligibilityRule::MinTaxCreditGrade(g) => c.min_tax_grade = Some(grade_rank(*g)),
                EligibilityRule::MinTaxPaid(f) => c.min_tax_paid = Some(f.fen()),
                EligibilityRule::QualificationsAny(v) => c.qualifications_any = mask(v),
                EligibilityRule::QualificationsAll(v) => c.qualifications_all = mask(v),
                EligibilityRule::IndustriesAllowed(v) => c.industries_allowed = mask(v),
                EligibilityRule::IndustriesExcluded(v) => c.industries_excluded = mask(v),
                EligibilityRule::SectorsAny(v) => c.sectors_any = mask(v),
                EligibilityRule::MinInventionPatents(n) => c.min_patents = Some(*n),
                EligibilityRule::MinTrademarks(n) => c.min_trademarks = Some(*n),
                EligibilityRule::GovProcurementContract => c.procurement = true,
                EligibilityRule::CoreEnterpriseReceivables => c.core_receivables = true,
                EligibilityRule::FirstLoanOnly => c.first_loan_only = true,
                EligibilityRule::NoOverdueMonths(n) => c.no_overdue_months = Some(*n),
                EligibilityRule::MaxDebtRatio(r) => c.max_debt_ratio = Some(r.bps()),
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

    /// The checks about the firm: districts and every eligibility rule.
    #[must_use]
    pub fn check_firm(&self, f: &FirmFacts) -> Verdict {
        use CheckKind as K;
        let mut failed = Checks::NONE;
        let mut missing = Checks::NONE;
        // Decides a rule that needs a figure the firm may not have given.
        let mut known = |kind: CheckKind, value: Option<bool>| match value {
            Some(pass) => failed.set_if(kind, !pass),
            None => missing.insert(kind),
        };
        if let Some(n) = self.min_years {
            known(K::MinYearsInOperation, Some(f.years >= n));
        }
        if let Some(span) = &self.revenue {
            known(K::Revenue, Some(!outside(f.revenue, span)));
        }
        if let Some(span) = &self.employees {
            known(K::Employees, Some(!outside(f.employees, span)));
        }
        if self.scales != 0 {
            known(K::Scales, (f.scale != 0).then_some(self.scales & f.scale != 0));
        }
        if let Some(min) = self.min_tax_grade {
            known(K::MinTaxCreditGrade, (f.tax_grade != 0).then_some(f.tax_grade <= min));
        }
        if let Some(min) = self.min_tax_paid {
            known(K::MinTaxPaid, f.tax_paid.map(|paid| paid >= min));
        }
        if self.qualifications_any != 0 {
            known(K::QualificationsAny, Some(f.qualifications & self.qualifications_any != 0));
        }
        if self.qualifications_all != 0 {
            known(K::QualificationsAll, Some(f.qualifications & self.qualifications_all == self.qualifications_all));
        }
        if self.industries_allowed != 0 {
            known(K::IndustriesAllowed, Some(f.industry & self.industries_allowed != 0));
        }
        if self.industries_excluded != 0 {
            known(K::IndustriesExcluded, Some(f.industry & self.industries_excluded == 0));
        }
        if self.sectors_any != 0 {
            known(K::SectorsAny, Some(f.sectors & self.sectors_any != 0));
        }
        if let Some(n) = self.min_patents {
            known(K::MinInventionPatents, f.invention_patents.map(|have| have >= n));
        }
        if let Some(n) = self.min_trademarks {
            known(K::MinTrademarks, f.trademarks.map(|have| have >= n));
        }
        if self.procurement {
            known(K::GovProcurementContract, f.procurement);
        }
        if self.core_receivables {
            known(K::CoreEnterpriseReceivables, f.core_receivables);
        }
        if self.first_loan_only {
            known(K::FirstLoanOnly, f.ever_borrowed.map(|borrowed| !borrowed));
        }
        if let Some(n) = self.no_overdue_months {
            known(K::NoOverdueMonths, f.months_since_overdue.map(|months| months >= n));
        }
        if let Some(max) = self.max_debt_ratio {
            known(K::MaxDebtRatio, f.debt_ratio.map(|ratio| ratio <= max));
        }
        failed.set_if(K::District, self.districts & f.district == 0);
        Verdict { failed, missing }
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

    /// The checks this product makes of any firm, pass or fail, in display order (for explanations).
    #[must_use]
    pub fn checks_made(&self, need: Option<&NeedFacts>) -> Checks {
        use CheckKind as K;
        let mut made = Checks::NONE;
        made.insert(K::District);
        let rules = [
            (K::MinYearsInOperation, self.min_years.is_some()),
            (K::Revenue, self.revenue.is_some()),
            (K::Employees, self.employees.is_some()),
            (K::Scales, self.scales != 0),
            (K::MinTaxCreditGrade, self.min_tax_grade.is_some()),
            (K::MinTaxPaid, self.min_tax_paid.is_some()),
            (K::QualificationsAny, self.qualifications_any != 0),
            (K::QualificationsAll, self.qualifications_all != 0),
            (K::IndustriesAllowed, self.industries_allowed != 0),
            (K::IndustriesExcluded, self.industries_excluded != 0),
            (K::SectorsAny, self.sectors_any != 0),
            (K::MinInventionPatents, self.min_patents.is_some()),
            (K::MinTrademarks, self.min_trademarks.is_some()),
            (K::GovProcurementContract, self.procurement),
            (K::CoreEnterpriseReceivables, self.core_receivables),
            (K::FirstLoanOnly, self.first_loan_only),
            (K::NoOverdueMonths, self.no_overdue_months.is_some()),
            (K::MaxDebtRatio, self.max_debt_ratio.is_some()),
        ];
        for (kind, present) in rules {
            made.set_if(kind, present);
        }
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
