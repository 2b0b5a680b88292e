//! A product's checks compiled to flat fields, so that matching one firm against every published product
//! (or one product against every stored firm) is a loop of integer comparisons with no allocation.
//!
//! This is the one place that decides pass, fail, *missing* (the firm has not given a figure the check
//! needs: 需补充) or *unconfirmed* (the product does not state the fact the check needs: 需向机构确认); the
//! explanations in [`crate::explain`] only put the decision into words.
//!
//! What a product's page leaves out stays unstated here too (`None`, an unstated bound,
//! [`CollateralMask::NotStated`]): a check that needs it comes out *unconfirmed*, never a pass or a fail on a
//! made-up default. So are the product's other conditions, in the lender's own words: nothing in a profile
//! decides them, so they are always *unconfirmed*, and a product whose only open point is one of them is
//! listed to confirm with the lender, never as eligible. A stated bound still decides on its own: an amount
//! above a stated maximum fails even when the minimum is not stated, and so does a firm's tax paid, revenue
//! or head count outside a rule's stated bound. Two facts decide nothing when unstated: an unstated start of
//! validity is "from publication" (the product is valid), and unstated repayment methods are neutral in the
//! fit component ([`crate::rank`]), since a repayment preference is a wish, not a check.

use crate::checks::{CheckKind, Checks};
use crate::facts::{FirmFacts, NeedFacts, bit, calendar_days, grade_rank, mask};
use crate::rank::log_span;
use chrono::NaiveDate;
use finmart_domain::{
    Bounds, Bps, CollateralTerms, EligibilityRule, Fen, Labelled, Months, PolicySupport, Pricing, Product, Range,
    RepaymentMethod, ServiceArea, StatedRange,
};

/// How each check came out: which failed, which could not be decided for lack of the firm's data
/// (*missing*) and which could not be decided because the product does not state what the check needs
/// (*unconfirmed*). A check is in at most one of the three sets; one in none of them passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    pub failed: Checks,
    pub missing: Checks,
    pub unconfirmed: Checks,
}

impl Verdict {
    /// Every check passed.
    #[must_use]
    pub fn eligible(&self) -> bool {
        self.failed.is_empty() && self.missing.is_empty() && self.unconfirmed.is_empty()
    }

    /// Nothing failed and the firm lacks no data, but the product leaves a fact the check needs unstated:
    /// the firm can apply once the institution confirms it (需向机构确认).
    #[must_use]
    pub fn to_confirm(&self) -> bool {
        self.failed.is_empty() && self.missing.is_empty() && !self.unconfirmed.is_empty()
    }

    /// Records a product-side decision: `Some(false)` fails, `None` (not stated) is unconfirmed.
    fn decide(&mut self, kind: CheckKind, passes: Option<bool>) {
        match passes {
            Some(true) => {}
            Some(false) => self.failed.insert(kind),
            None => self.unconfirmed.insert(kind),
        }
    }

    /// Both verdicts together (of disjoint checks: the firm's and the need's).
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        Self {
            failed: Checks(self.failed.0 | other.failed.0),
            missing: Checks(self.missing.0 | other.missing.0),
            unconfirmed: Checks(self.unconfirmed.0 | other.unconfirmed.0),
        }
    }
}

/// A product's [`CollateralTerms`] on bit masks of the collateral kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollateralMask {
    /// The page does not say.
    NotStated,
    /// 纯信用.
    NoneRequired,
    /// Any one of `kinds`, or nothing at all when `unsecured`.
    AnyOf { unsecured: bool, kinds: u32 },
    /// All of `kinds` together.
    AllOf { kinds: u32 },
}

impl CollateralMask {
    #[must_use]
    pub fn of(terms: &CollateralTerms) -> Self {
        match terms {
            CollateralTerms::NotStated => Self::NotStated,
            CollateralTerms::NoneRequired => Self::NoneRequired,
            CollateralTerms::AnyOf { unsecured, kinds } => Self::AnyOf { unsecured: *unsecured, kinds: mask(kinds) },
            CollateralTerms::AllOf { kinds } => Self::AllOf { kinds: mask(kinds) },
        }
    }

    /// Whether a borrower offering the kinds in `offered` meets the terms; `None` when they are not stated.
    /// [`CollateralTerms::met_by`] on masks, for the hot loop (a property test holds the two equal).
    #[must_use]
    pub const fn met_by(self, offered: u32) -> Option<bool> {
        match self {
            Self::NotStated => None,
            Self::NoneRequired | Self::AnyOf { unsecured: true, .. } => Some(true),
            Self::AnyOf { unsecured: false, kinds } => Some(kinds & offered != 0),
            Self::AllOf { kinds } => Some(kinds & offered == kinds),
        }
    }
}

/// A product's [`ServiceArea`] as division codes: a firm is served when the product lists its district or
/// a division above it (at most three codes against a short sorted list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaCodes {
    /// The page does not say.
    NotStated,
    Nationwide,
    /// Up to [`FEW`] codes, held in the product itself, the rest 0 (no division's code). Most products list
    /// a city or a few districts: reading them needs no second memory access, which a match makes for
    /// every product (the area check was most of a match's time when the codes were always boxed).
    Few([u32; FEW]),
    /// More codes, sorted.
    Within(Box<[u32]>),
}

/// How many codes an area holds inline.
pub const FEW: usize = 4;

impl AreaCodes {
    #[must_use]
    pub fn of(area: &ServiceArea) -> Self {
        match area {
            ServiceArea::NotStated => Self::NotStated,
            ServiceArea::Nationwide => Self::Nationwide,
            ServiceArea::Within(list) => {
                let mut codes: Vec<u32> = list.iter().map(|d| d.code()).collect();
                codes.sort_unstable();
                if codes.len() <= FEW {
                    let mut few = [0; FEW];
                    few[..codes.len()].copy_from_slice(&codes);
                    Self::Few(few)
                } else {
                    Self::Within(codes.into())
                }
            }
        }
    }

    /// Whether a firm in the district of `codes` ([`crate::facts::district_codes`]) is served: `None` when
    /// the area is not stated. [`ServiceArea::covers`] on codes (a property test holds the two equal).
    #[must_use]
    pub fn covers(&self, codes: &[u32; 3]) -> Option<bool> {
        match self {
            Self::NotStated => None,
            Self::Nationwide => Some(true),
            Self::Few(listed) => Some(codes.iter().any(|c| *c != 0 && listed.contains(c))),
            Self::Within(listed) => Some(codes.iter().any(|c| *c != 0 && listed.binary_search(c).is_ok())),
        }
    }
}

/// The flat form of one product: sets as bit masks, eligibility bounds as plain integers with "no bound"
/// values (0, `u32::MAX`, …), so that a check is a comparison and an absent rule can never fail. `rules`
/// says which rules the product has (for explanations and for the *missing* outcome). The product's own
/// figures (amount, term, rate, methods, collateral, decision time, online) keep what the page left
/// unstated as `None`, for the *unconfirmed* outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledProduct {
    pub id: i64,
    /// Validity window as days since the epoch; `valid_from` is `i32::MIN` when no start is stated (valid
    /// from publication) and `valid_until` is `i32::MAX` when no end is.
    pub valid_from: i32,
    pub valid_until: i32,
    pub area: AreaCodes,
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
    pub tax_paid: (i64, i64),
    pub min_patents: u32,
    pub min_trademarks: u32,
    /// The highest 资产负债率 accepted; `None` without the rule (a ratio has no "no bound" value: debts
    /// without assets are above every cap).
    pub max_debt_ratio: Option<Bps>,
    pub min_years: u16,
    pub no_overdue_months: u16,
    /// [`grade_rank`] of the lowest grade accepted; `u8::MAX` when any grade is.
    pub min_tax_grade: u8,
    pub procurement: bool,
    pub core_receivables: bool,
    pub first_loan_only: bool,
    pub online: Option<bool>,
    /// Working days to a decision.
    pub decision_days: Option<u16>,
    pub term: StatedRange<Months>,
    pub amount: StatedRange<Fen>,
    /// The amount and term ranges on a log scale, for the fit component ([`crate::rank::log_span`]); `None`
    /// when neither bound is stated.
    pub amount_log: Option<(f64, f64)>,
    pub term_log: Option<(f64, f64)>,
    /// The annual rate's bounds over the product's stated terms, in basis points (rounded half up from the
    /// exact annual equivalent of what the page says, at the product's reference rates): what ranks and
    /// filters by rate. A quote needs a minimum (see [`Self::rate_for`]).
    pub rate_min: Option<u32>,
    pub rate_max: Option<u32>,
    /// A rate on the PBOC benchmark follows the loan's term band: its bounds in each band (up to 1 year, 1–5
    /// years, over 5 years). `None` for every other pricing, whose rate is the same for every term.
    pub band_rates: Option<[(Option<u32>, Option<u32>); 3]>,
    /// Repayment methods offered, as bits.
    pub methods: Option<u32>,
    pub collateral: CollateralMask,
    /// Whether a guarantee agency backs the loan (its fee and its consent come with it).
    pub guaranteed: bool,
    /// The agency's annual fee rate's stated bounds, in basis points (both `None`: 未说明).
    pub fee_min: Option<u32>,
    pub fee_max: Option<u32>,
    pub policy: u32,
    /// The rules the product requires to be met by a verified fact ([`finmart_domain::VerifiedRules`]).
    pub requires_verified: Checks,
}

/// Money bounds as fen, with "no bound" values nothing falls outside.
fn fen_bounds(b: &Bounds<Fen>) -> (i64, i64) {
    (b.min.map_or(0, Fen::fen), b.max.map_or(i64::MAX, Fen::fen))
}

/// A benchmark-priced product's rate bounds in each term band, at its reference rates (the band is the
/// loan's, whatever the product's terms); `None` for other pricing.
fn band_rates(product: &Product) -> Option<[(Option<u32>, Option<u32>); 3]> {
    if !matches!(product.spec.pricing, Pricing::Benchmark { .. }) {
        return None;
    }
    // One term in each band: the band is all that matters.
    let at = |months: u16| {
        let terms = Months::new(months).map(|m| StatedRange::stated(Range::point(m))).unwrap_or(StatedRange::UNSTATED);
        let r = product.spec.pricing.annual(&product.references, &terms);
        (r.min().map(|a| a.bps().bps()), r.max().map(|a| a.bps().bps()))
    };
    Some([at(12), at(36), at(120)])
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
        let rates = product.annual_rate();
        let mut c = Self {
            id: product.id,
            valid_from: spec.valid_from.map_or(i32::MIN, day_number),
            valid_until: spec.valid_until.map_or(i32::MAX, day_number),
            area: AreaCodes::of(&spec.area),
            rules: Checks::NONE,
            scales: 0,
            qualifications_any: 0,
            qualifications_all: 0,
            industries_allowed: 0,
            industries_excluded: 0,
            sectors_any: 0,
            employees: (0, u32::MAX),
            revenue: (0, i64::MAX),
            tax_paid: (0, i64::MAX),
            min_patents: 0,
            min_trademarks: 0,
            max_debt_ratio: None,
            min_years: 0,
            no_overdue_months: 0,
            min_tax_grade: u8::MAX,
            procurement: false,
            core_receivables: false,
            first_loan_only: false,
            online: spec.online,
            decision_days: spec.decision_days,
            term: spec.term,
            amount: spec.amount,
            amount_log: log_span(spec.amount.min().map(Fen::fen), spec.amount.max().map(Fen::fen)),
            term_log: log_span(
                spec.term.min().map(|m| i64::from(m.get())),
                spec.term.max().map(|m| i64::from(m.get())),
            ),
            rate_min: rates.min().map(|r| r.bps().bps()),
            rate_max: rates.max().map(|r| r.bps().bps()),
            band_rates: band_rates(product),
            methods: spec.repayment_methods.as_deref().map(mask),
            collateral: CollateralMask::of(&spec.collateral),
            guaranteed: spec.guarantee.is_some(),
            fee_min: spec.guarantee.as_ref().and_then(|g| g.fee.min()).map(Bps::bps),
            fee_max: spec.guarantee.as_ref().and_then(|g| g.fee.max()).map(Bps::bps),
            policy: mask(&spec.policy_support),
            requires_verified: Checks::NONE,
        };
        for kind in spec.verified_rules.kinds() {
            c.requires_verified.insert(CheckKind::of_kind(*kind));
        }
        for rule in spec.eligibility.rules() {
            c.rules.insert(CheckKind::of_rule(rule));
            match rule {
                EligibilityRule::MinYearsInOperation(n) => c.min_years = *n,
                EligibilityRule::Revenue(b) => c.revenue = fen_bounds(b),
                EligibilityRule::Employees(b) => c.employees = (b.min.unwrap_or(0), b.max.unwrap_or(u32::MAX)),
                EligibilityRule::Scales(v) => c.scales = mask(v),
                EligibilityRule::MinTaxCreditGrade(g) => c.min_tax_grade = grade_rank(*g),
                EligibilityRule::TaxPaid(b) => c.tax_paid = fen_bounds(b),
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
                EligibilityRule::MaxDebtRatio(r) => c.max_debt_ratio = Some(*r),
                // Nothing to compare: the rule's bit in `rules` is all the check reads (see `check_firm`);
                // its words are read from the product by the explanations.
                EligibilityRule::OtherConditions(_) => {}
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

    /// Whether the product offers `method`; `None` when it does not state its methods.
    #[must_use]
    pub fn offers(&self, method: RepaymentMethod) -> Option<bool> {
        self.methods.map(|m| m & bit(method) != 0)
    }

    /// The repayment method a quote uses: the firm's preference when offered, else the first the product
    /// offers in the vocabulary's order (等额本息 first, the most common). A product that does not state its
    /// methods is quoted on the firm's preference, else on 等额本息, and the quote says the method is assumed
    /// ([`Self::states_methods`]).
    #[must_use]
    pub fn quote_method(&self, preferred: Option<RepaymentMethod>) -> RepaymentMethod {
        preferred.filter(|m| self.offers(*m) != Some(false)).unwrap_or_else(|| {
            RepaymentMethod::ALL
                .iter()
                .copied()
                .find(|m| self.offers(*m) == Some(true))
                .unwrap_or(RepaymentMethod::EqualInstalment)
        })
    }

    #[must_use]
    pub const fn states_methods(&self) -> bool {
        self.methods.is_some()
    }

    /// The rate's bounds for a loan of `term`: the benchmark band's for benchmark pricing, else the product's.
    #[must_use]
    pub fn rate_for(&self, term: Months) -> (Option<u32>, Option<u32>) {
        match &self.band_rates {
            Some(bands) => {
                bands[match term.get() {
                    0..=12 => 0,
                    13..=60 => 1,
                    _ => 2,
                }]
            }
            None => (self.rate_min, self.rate_max),
        }
    }

    /// The product states a minimum rate and no maximum ("最低 3.2%"): a quote at that minimum is the least
    /// the loan can cost, and says so.
    #[must_use]
    pub const fn rate_is_floor(&self) -> bool {
        self.rate_min.is_some() && self.rate_max.is_none()
    }

    /// The checks about the firm: districts and every eligibility rule. Every rule is compared (an absent one
    /// holds a bound nothing fails; the debt-ratio cap, which has no such bound, is an `Option`), then the
    /// rules the firm lacks data for become *missing*. Every bound is inclusive and compared exactly: money in
    /// fen, the debt ratio as `liabilities × 10 000` against `cap × assets` ([`finmart_domain::DebtRatio::exceeds`]).
    #[must_use]
    pub fn check_firm(&self, f: &FirmFacts) -> Verdict {
        let mut verdict = self.check_firm_declared(f);
        // A rule required verified fails without a current fact backing it, whatever the firm declares (or
        // leaves out): one predictable branch for the products that require nothing.
        if !self.requires_verified.is_empty() {
            let unverified = self.unverified(f);
            verdict.failed = Checks(verdict.failed.0 | unverified.0);
            verdict.missing = Checks(verdict.missing.0 & !unverified.0);
        }
        verdict
    }

    /// [`Self::check_firm`] without the rules required verified: each rule on the figures the firm has (its
    /// declarations, with any current facts in their place).
    #[must_use]
    pub fn check_firm_declared(&self, f: &FirmFacts) -> Verdict {
        use CheckKind as K;
        let mut failed = Checks::NONE;
        let served = self.area.covers(&f.district);
        failed.set_if(K::District, served == Some(false));
        failed.set_if(K::MinYearsInOperation, f.years < self.min_years);
        failed.set_if(K::Revenue, f.revenue < self.revenue.0 || f.revenue > self.revenue.1);
        failed.set_if(K::Employees, f.employees < self.employees.0 || f.employees > self.employees.1);
        failed.set_if(K::Scales, self.scales != 0 && self.scales & f.scale == 0);
        failed.set_if(K::MinTaxCreditGrade, f.tax_grade > self.min_tax_grade);
        failed.set_if(K::TaxPaid, f.tax_paid < self.tax_paid.0 || f.tax_paid > self.tax_paid.1);
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
        failed.set_if(K::MaxDebtRatio, self.max_debt_ratio.is_some_and(|cap| f.debt_ratio.exceeds(cap)));
        let missing = Checks(self.rules.0 & f.unknown.0);
        // Every rule a product has is stated, and decides, except its other conditions: the lender's words,
        // which only the lender can check (they read nothing of the firm, so they are never missing). And an
        // area the page leaves out is unconfirmed.
        let mut unconfirmed = Checks(self.rules.0 & K::OtherConditions.bit());
        unconfirmed.set_if(K::District, served.is_none());
        Verdict { failed: Checks(failed.0 & !missing.0), missing, unconfirmed }
    }

    /// The rules the product requires verified that no current fact of the firm backs: a figure's check
    /// when its fact is missing or expired; a qualifications rule when no verified title meets it (one of
    /// its titles for 资质要求, every one for 资质要求（全部））. What [`finmart_domain::rule_verification`]
    /// calls not current, on bits.
    #[must_use]
    pub fn unverified(&self, f: &FirmFacts) -> Checks {
        self.unverified_of(f.verified, f.verified_qualifications)
    }

    /// [`Self::unverified`] on the two things it reads of a firm ([`FirmFacts::verified`] and
    /// [`FirmFacts::verified_qualifications`]), as the reverse-matching pool holds them in columns.
    #[must_use]
    pub fn unverified_of(&self, verified: Checks, verified_qualifications: u32) -> Checks {
        use CheckKind as K;
        let lists = K::QualificationsAny.bit() | K::QualificationsAll.bit();
        let mut out = Checks(self.requires_verified.0 & !verified.0 & !lists);
        out.set_if(
            K::QualificationsAny,
            self.requires_verified.contains(K::QualificationsAny)
                && self.qualifications_any & verified_qualifications == 0,
        );
        out.set_if(
            K::QualificationsAll,
            self.requires_verified.contains(K::QualificationsAll)
                && self.qualifications_all & verified_qualifications != self.qualifications_all,
        );
        out
    }

    /// The checks about the need, all but the cost ceiling's comparison (which needs the quote; see
    /// [`Self::check_cost`]). Each is decided on what the product states: a need outside a stated bound
    /// fails, one a stated bound admits but an unstated one leaves open is unconfirmed. The cost ceiling is
    /// unconfirmed here when the product states no minimum rate, since then there is no quote to compare.
    #[must_use]
    pub fn check_need(&self, n: &NeedFacts) -> Verdict {
        use CheckKind as K;
        let mut v = self.check_loan(n.amount, n.term);
        v.decide(K::Collateral, self.collateral.met_by(n.collateral_offered));
        v.failed.set_if(K::Guarantee, self.guaranteed && !n.accepts_guarantee);
        if let Some(days) = n.needed_within_days {
            v.decide(K::Speed, self.decision_days.map(|d| calendar_days(d) <= u32::from(days)));
        }
        if n.max_cost.is_some() && self.rate_for(n.term).0.is_none() {
            v.unconfirmed.insert(K::MaxCost);
        }
        v
    }

    /// The checks of a loan's amount and term alone: what an application asks of the product besides the
    /// firm's checks (its collateral and guarantee are for the lender to settle with the firm).
    #[must_use]
    pub fn check_loan(&self, amount: Fen, term: Months) -> Verdict {
        let mut v = Verdict::default();
        v.decide(CheckKind::Amount, self.amount.admits(amount));
        v.decide(CheckKind::Term, self.term.admits(term));
        v
    }

    /// The cost-ceiling check for a quote at the product's stated rate, of effective annual rate `apr`
    /// (basis points); `None` when no rate describes the loan (the upfront fee, net of subsidy, is not less
    /// than the amount), which no ceiling admits.
    #[must_use]
    pub fn check_cost(n: &NeedFacts, apr: Option<u32>) -> Checks {
        let mut failed = Checks::NONE;
        failed.set_if(CheckKind::MaxCost, n.max_cost.is_some_and(|max| apr.is_none_or(|apr| apr > max)));
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
            // 纯信用 asks nothing; everything else is shown, met or not, including terms not stated.
            made.set_if(K::Collateral, self.collateral != CollateralMask::NoneRequired);
            made.set_if(K::Guarantee, self.guaranteed);
            made.set_if(K::MaxCost, n.max_cost.is_some());
            made.set_if(K::Speed, n.needed_within_days.is_some());
        }
        made
    }
}
