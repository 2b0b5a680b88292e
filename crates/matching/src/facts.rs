//! A firm and a need in the compact form the checks read: sets as bit masks, figures as plain integers.
//! Built once per match (or once per stored profile for reverse matching), so checking 100,000 products
//! is a tight loop of integer comparisons.

use chrono::NaiveDate;
use finmart_domain::{
    Collateral, EnterpriseProfile, EnterpriseScale, FinancingNeed, Labelled, RepaymentMethod, TaxCreditGrade,
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

/// What the checks read about a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmFacts {
    pub district: u32,
    pub industry: u32,
    /// The scale bit; 0 when the scale cannot be derived (total assets missing where the industry needs them).
    pub scale: u32,
    pub qualifications: u32,
    pub sectors: u32,
    pub collateral: u32,
    pub years: u16,
    pub employees: u32,
    pub revenue: i64,
    /// [`grade_rank`]; 0 when unknown.
    pub tax_grade: u8,
    pub tax_paid: Option<i64>,
    pub invention_patents: Option<u32>,
    pub trademarks: Option<u32>,
    pub procurement: Option<bool>,
    pub core_receivables: Option<bool>,
    pub ever_borrowed: Option<bool>,
    /// Whole months since the last overdue repayment; `u16::MAX` when never.
    pub months_since_overdue: Option<u16>,
    /// 资产负债率 in basis points.
    pub debt_ratio: Option<u32>,
}

impl FirmFacts {
    #[must_use]
    pub fn of(profile: &EnterpriseProfile, today: NaiveDate) -> Self {
        Self {
            district: bit(profile.district),
            industry: bit(profile.industry),
            scale: profile.scale().map_or(0, bit),
            qualifications: mask(&profile.qualifications),
            sectors: mask(&profile.sectors),
            collateral: mask(&profile.collateral),
            years: profile.years_in_operation(today),
            employees: profile.employees,
            revenue: profile.revenue.fen(),
            tax_grade: profile.tax_credit_grade.map_or(0, grade_rank),
            tax_paid: profile.tax_paid.map(|f| f.fen()),
            invention_patents: profile.invention_patents,
            trademarks: profile.trademarks,
            procurement: profile.has_procurement_contract(),
            core_receivables: profile.has_core_receivables(),
            ever_borrowed: profile.ever_borrowed,
            months_since_overdue: profile.months_since_overdue(),
            debt_ratio: profile.debt_ratio(),
        }
    }

    /// Whether the firm is 小微 (micro or small).
    #[must_use]
    pub fn is_small_or_micro(&self) -> bool {
        self.scale & (bit(EnterpriseScale::Micro) | bit(EnterpriseScale::Small)) != 0
    }
}

/// What the checks read about a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedFacts {
    pub amount: i64,
    pub term: u16,
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
            amount: need.amount.fen(),
            term: need.term.get(),
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
