//! A firm and a need in the compact form the checks read: sets as bit masks, figures as plain integers.
//! Built once per match (or once per stored profile for reverse matching), so checking 100,000 products
//! is a tight loop of integer comparisons.

use crate::checks::{CheckKind, Checks};
use chrono::NaiveDate;
use finmart_domain::{
    Collateral, DebtRatio, District, EnterpriseProfile, EnterpriseScale, Fen, FinancingNeed, Labelled, Months,
    RepaymentMethod, TaxCreditGrade,
};

/// The bit of `value` within its vocabulary (declaration order).
#[must_use]
pub fn bit<T: Labelled + PartialEq>(value: T) -> u32 {
    T::ALL.iter().position(|v| *v == value).map_or(0, |i| 1 << i)
}

/// The bits of several values.
#[must_use]
pub fn mask<T: Labelled + PartialEq>(values: &[T]) -> u32 {
    values.iter().fold(0, |m, v| m | bit(*v))
}

/// A tax grade as a number, 1 = A (best) … 5 = D.
#[must_use]
pub fn grade_rank(grade: TaxCreditGrade) -> u8 {
    bit(grade).trailing_zeros() as u8 + 1
}

/// What the checks read about a firm. A figure the firm has not given holds a placeholder and its check's
/// bit is set in `unknown`, so the checks compare without branching and the unknown ones come out as
/// *missing*, never as a pass or a fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmFacts {
    /// The codes of the firm's district and the divisions above it (city, province), 0 where there are
    /// fewer: a product's area covers the firm when it lists one of them.
    pub district: [u32; 3],
    pub industry: u32,
    /// The scale bit; 0 when the scale cannot be derived (total assets missing where the industry needs them).
    pub scale: u32,
    pub qualifications: u32,
    pub sectors: u32,
    pub collateral: u32,
    /// The checks whose figure the firm has not given.
    pub unknown: Checks,
    pub years: u16,
    /// [`grade_rank`]; 0 when unknown.
    pub tax_grade: u8,
    pub procurement: bool,
    pub core_receivables: bool,
    pub ever_borrowed: bool,
    /// Whole months since the last overdue repayment; `u16::MAX` when never.
    pub months_since_overdue: u16,
    pub employees: u32,
    pub invention_patents: u32,
    pub trademarks: u32,
    /// 资产负债率, as its two totals (compared exactly, see [`DebtRatio::exceeds`]); 0 of 0 when unknown.
    pub debt_ratio: DebtRatio,
    pub revenue: i64,
    pub tax_paid: i64,
    /// The checks of figures a current verified fact backs (成立日期, 纳税信用等级, 纳税额): what a product
    /// requiring them verified reads. None for a firm matched on its declarations alone.
    pub verified: Checks,
    /// The qualifications a current verified fact shows, as bits.
    pub verified_qualifications: u32,
}

impl FirmFacts {
    #[must_use]
    pub fn of(profile: &EnterpriseProfile, today: NaiveDate) -> Self {
        let mut unknown = Checks::NONE;
        for kind in CheckKind::ALL {
            unknown.set_if(*kind, !given(*kind, profile));
        }
        let scale = profile.scale();
        Self {
            district: district_codes(profile.district),
            industry: bit(profile.industry),
            scale: scale.map_or(0, bit),
            qualifications: mask(profile.qualification_list()),
            sectors: mask(profile.sector_list()),
            collateral: mask(&profile.collateral),
            unknown,
            years: profile.years_in_operation(today),
            tax_grade: profile.tax_credit_grade.map_or(0, grade_rank),
            procurement: profile.has_procurement_contract().unwrap_or(false),
            core_receivables: profile.has_core_receivables().unwrap_or(false),
            ever_borrowed: profile.ever_borrowed.unwrap_or(false),
            months_since_overdue: profile.months_since_overdue().unwrap_or(0),
            employees: profile.employees,
            invention_patents: profile.invention_patents.unwrap_or(0),
            trademarks: profile.trademarks.unwrap_or(0),
            debt_ratio: profile.debt_ratio().unwrap_or_default(),
            revenue: profile.revenue.fen(),
            tax_paid: profile.tax_paid.map_or(0, |f| f.fen()),
            verified: Checks::NONE,
            verified_qualifications: 0,
        }
    }

    /// Whether the firm is 小微 (micro or small).
    #[must_use]
    pub fn is_small_or_micro(&self) -> bool {
        self.scale & (bit(EnterpriseScale::Micro) | bit(EnterpriseScale::Small)) != 0
    }
}

/// Whether the firm has given what `kind` reads of it. Every check is named, so a new one does not compile
/// until it is decided here; one left out would compare a placeholder as if it were the firm's figure.
fn given(kind: CheckKind, profile: &EnterpriseProfile) -> bool {
    use CheckKind as K;
    match kind {
        K::Scales => profile.scale().is_some(),
        K::MinTaxCreditGrade => profile.tax_credit_grade.is_some(),
        K::TaxPaid => profile.tax_paid.is_some(),
        K::MinInventionPatents => profile.invention_patents.is_some(),
        K::MinTrademarks => profile.trademarks.is_some(),
        K::GovProcurementContract => profile.has_procurement_contract().is_some(),
        K::CoreEnterpriseReceivables => profile.has_core_receivables().is_some(),
        K::FirstLoanOnly => profile.ever_borrowed.is_some(),
        K::NoOverdueMonths => profile.months_since_overdue().is_some(),
        K::MaxDebtRatio => profile.debt_ratio().is_some(),
        // A list left out is not given; an empty one is "none", which the rule decides.
        K::QualificationsAny | K::QualificationsAll => profile.qualifications.is_some(),
        K::SectorsAny => profile.sectors.is_some(),
        // Figures every profile has.
        K::District
        | K::MinYearsInOperation
        | K::Revenue
        | K::Employees
        | K::IndustriesAllowed
        | K::IndustriesExcluded => true,
        // The lender's own words read nothing of the firm: never missing, always for the lender to check.
        K::OtherConditions => true,
        // The need's checks read the need, never the profile.
        K::Amount | K::Term | K::Collateral | K::Guarantee | K::MaxCost | K::Speed => true,
    }
}

/// A district's code and the codes above it, district first.
#[must_use]
pub fn district_codes(district: District) -> [u32; 3] {
    let mut codes = [0; 3];
    for (slot, division) in codes.iter_mut().zip(district.division().with_ancestors()) {
        *slot = division.code();
    }
    codes
}

/// What the checks read about a need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeedFacts {
    pub amount: Fen,
    pub term: Months,
    /// Logarithms of amount and term, for the fit component.
    pub ln_amount: f64,
    pub ln_term: f64,
    pub collateral_offered: u32,
    pub accepts_guarantee: bool,
    pub max_cost: Option<u32>,
    pub needed_within_days: Option<u16>,
    pub repayment: Option<RepaymentMethod>,
}

impl NeedFacts {
    #[must_use]
    pub fn of(need: &FinancingNeed) -> Self {
        Self {
            amount: need.amount,
            term: need.term,
            ln_amount: (need.amount.fen().max(1) as f64).ln(),
            ln_term: f64::from(need.term.get()).ln(),
            collateral_offered: mask::<Collateral>(&need.collateral_offered),
            accepts_guarantee: need.accepts_guarantee,
            max_cost: need.max_annual_cost.map(finmart_domain::Bps::bps),
            needed_within_days: need.needed_within_days,
            repayment: need.repayment,
        }
    }
}

/// Working days to calendar days: five working days a week, rounded up.
#[must_use]
pub const fn calendar_days(working_days: u16) -> u32 {
    (working_days as u32 * 7).div_ceil(5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_rank_best_first() {
        assert_eq!(grade_rank(TaxCreditGrade::A), 1);
        assert_eq!(grade_rank(TaxCreditGrade::D), 5);
    }

    #[test]
    fn working_days_become_calendar_days() {
        assert_eq!(calendar_days(0), 0);
        assert_eq!(calendar_days(1), 2);
        assert_eq!(calendar_days(5), 7);
        assert_eq!(calendar_days(10), 14);
    }
}
