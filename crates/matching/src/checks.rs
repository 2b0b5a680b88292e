//! The checks a product makes of a firm, each with a stable code: the product's eligibility rules (the
//! codes and names are the rule kinds' keys and names, [`RuleKind`]) plus what the product declares outside
//! them (districts served, amount, term, collateral, guarantee, cost ceiling and decision time).

use finmart_domain::{EligibilityRule, Labelled, RuleKind};

finmart_domain::labelled_enum! {
    /// One thing a product checks. The machine name is the reason code of a failure.
    pub enum CheckKind: "check" {
        District => "district", "服务区域", "District served",
        MinYearsInOperation => "min_years_in_operation", "成立年限", "Years in business",
        Revenue => "revenue_yuan", "营业收入", "Revenue",
        Employees => "employees", "从业人员", "Employees",
        Scales => "scales", "企业规模", "Enterprise scale",
        MinTaxCreditGrade => "min_tax_credit_grade", "纳税信用等级", "Tax credit grade",
        TaxPaid => "tax_paid_yuan", "纳税额", "Tax paid",
        QualificationsAny => "qualifications_any", "资质要求", "Qualifications",
        QualificationsAll => "qualifications_all", "资质要求（全部）", "Qualifications (all)",
        IndustriesAllowed => "industries_allowed", "支持行业", "Industries served",
        IndustriesExcluded => "industries_excluded", "限制行业", "Industries excluded",
        SectorsAny => "sectors_any", "重点产业", "Priority sectors",
        MinInventionPatents => "min_invention_patents", "发明专利", "Invention patents",
        MinTrademarks => "min_trademarks", "注册商标", "Trademarks",
        GovProcurementContract => "gov_procurement_contract", "政府采购合同", "Procurement contract",
        CoreEnterpriseReceivables => "core_enterprise_receivables", "核心企业应收账款", "Core-enterprise receivables",
        FirstLoanOnly => "first_loan_only", "首贷户", "First loan only",
        NoOverdueMonths => "no_overdue_months", "逾期记录", "Overdue record",
        MaxDebtRatio => "max_debt_ratio_pct", "资产负债率", "Debt ratio",
        OtherConditions => "other_conditions", "其他条件", "Other conditions",
        Amount => "amount", "贷款金额", "Amount",
        Term => "term", "贷款期限", "Term",
        Collateral => "collateral", "担保方式", "Collateral",
        Guarantee => "guarantee", "融资担保", "Guarantee agency",
        MaxCost => "max_cost", "成本上限", "Cost ceiling",
        Speed => "speed", "用款时间", "Time to decision",
    }
}

impl CheckKind {
    /// The bit of this check in a [`Checks`] set.
    #[must_use]
    pub const fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The check that tests `rule`.
    #[must_use]
    pub fn of_rule(rule: &EligibilityRule) -> Self {
        Self::of_kind(rule.kind())
    }

    /// The check that tests rules of `kind`: the same code and names (a test holds them equal).
    #[must_use]
    pub const fn of_kind(kind: RuleKind) -> Self {
        match kind {
            RuleKind::MinYearsInOperation => Self::MinYearsInOperation,
            RuleKind::Revenue => Self::Revenue,
            RuleKind::Employees => Self::Employees,
            RuleKind::Scales => Self::Scales,
            RuleKind::MinTaxCreditGrade => Self::MinTaxCreditGrade,
            RuleKind::TaxPaid => Self::TaxPaid,
            RuleKind::QualificationsAny => Self::QualificationsAny,
            RuleKind::QualificationsAll => Self::QualificationsAll,
            RuleKind::IndustriesAllowed => Self::IndustriesAllowed,
            RuleKind::IndustriesExcluded => Self::IndustriesExcluded,
            RuleKind::SectorsAny => Self::SectorsAny,
            RuleKind::MinInventionPatents => Self::MinInventionPatents,
            RuleKind::MinTrademarks => Self::MinTrademarks,
            RuleKind::GovProcurementContract => Self::GovProcurementContract,
            RuleKind::CoreEnterpriseReceivables => Self::CoreEnterpriseReceivables,
            RuleKind::FirstLoanOnly => Self::FirstLoanOnly,
            RuleKind::NoOverdueMonths => Self::NoOverdueMonths,
            RuleKind::MaxDebtRatio => Self::MaxDebtRatio,
            RuleKind::OtherConditions => Self::OtherConditions,
        }
    }

    /// Whether the check reads the financing need rather than the firm: the firm can change these by
    /// asking differently (a near miss), and reverse matching, which has no need, skips them.
    #[must_use]
    pub const fn is_about_need(self) -> bool {
        matches!(self, Self::Amount | Self::Term | Self::Collateral | Self::Guarantee | Self::MaxCost | Self::Speed)
    }
}

/// A set of checks, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Checks(pub u32);

impl Checks {
    pub const NONE: Checks = Checks(0);

    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[must_use]
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    #[must_use]
    pub const fn contains(self, kind: CheckKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn insert(&mut self, kind: CheckKind) {
        self.0 |= kind.bit();
    }

    /// Sets `kind` when `cond` holds (branch-free in the hot loop).
    #[inline]
    pub fn set_if(&mut self, kind: CheckKind, cond: bool) {
        self.0 |= u32::from(cond) << (kind as u32);
    }

    /// The checks, in declaration order. Walks the set bits only: this runs for every product of a match.
    pub fn iter(self) -> impl Iterator<Item = CheckKind> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let next = CheckKind::ALL.get(bits.trailing_zeros() as usize).copied()?;
            bits &= bits - 1;
            Some(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_kind_is_a_check_of_the_same_code_and_names_and_fits_in_the_bits() {
        for kind in RuleKind::ALL {
            let check = CheckKind::of_kind(*kind);
            assert_eq!(
                (check.as_str(), check.label_zh(), check.label_en()),
                (kind.as_str(), kind.label_zh(), kind.label_en())
            );
            assert!(!check.is_about_need(), "{check}");
        }
        assert!(CheckKind::ALL.len() <= 32);
        let rule = EligibilityRule::MinTrademarks(2);
        assert_eq!(CheckKind::of_rule(&rule), CheckKind::MinTrademarks);
    }

    #[test]
    fn sets_hold_what_was_put_in() {
        let mut set = Checks::NONE;
        set.insert(CheckKind::Amount);
        set.set_if(CheckKind::Speed, true);
        set.set_if(CheckKind::Term, false);
        assert_eq!(set.iter().collect::<Vec<_>>(), [CheckKind::Amount, CheckKind::Speed]);
        assert_eq!(set.len(), 2);
    }
}
