//! Enterprise scale (大/中/小/微) by the national classification, 工信部联企业〔2011〕300号
//! 《中小企业划型标准规定》.
//!
//! Scale is derived, never typed in: the thresholds of every industry live in [`SCALE_TABLE`] and
//! [`classify`] applies them. For each industry the regulation names up to two measures (employees,
//! revenue, total assets). A firm is *large* when it reaches every ceiling of the SME band ("X 人以下**或**营业收入
//! Y 以下为中小微型企业" — so large means X or more **and** Y or more); *medium* and *small* when it reaches
//! every threshold of that band ("…及以上，且…及以上"); *micro* otherwise.

use crate::Fen;
use crate::vocab::{EnterpriseScale, Industry};

/// The measures one band requires, each "at least"; `None` when the band does not use that measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub employees: Option<u32>,
    /// 营业收入 in 万元.
    pub revenue_wan: Option<u32>,
    /// 资产总额 in 万元.
    pub assets_wan: Option<u32>,
}

/// The three bands of one industry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleRule {
    pub industry: Industry,
    pub large: Thresholds,
    pub medium: Thresholds,
    pub small: Thresholds,
}

const fn er(employees: u32, revenue_wan: u32) -> Thresholds {
    Thresholds { employees: Some(employees), revenue_wan: Some(revenue_wan), assets_wan: None }
}
const fn ra(revenue_wan: u32, assets_wan: u32) -> Thresholds {
    Thresholds { employees: None, revenue_wan: Some(revenue_wan), assets_wan: Some(assets_wan) }
}
const fn ea(employees: u32, assets_wan: u32) -> Thresholds {
    Thresholds { employees: Some(employees), revenue_wan: None, assets_wan: Some(assets_wan) }
}
const fn r(revenue_wan: u32) -> Thresholds {
    Thresholds { employees: None, revenue_wan: Some(revenue_wan), assets_wan: None }
}
const fn e(employees: u32) -> Thresholds {
    Thresholds { employees: Some(employees), revenue_wan: None, assets_wan: None }
}

const fn rule(industry: Industry, large: Thresholds, medium: Thresholds, small: Thresholds) -> ScaleRule {
    ScaleRule { industry, large, medium, small }
}

/// 《中小企业划型标准规定》第四条, one row per industry, in the regulation's order.
pub const SCALE_TABLE: &[ScaleRule] = &[
    // (一) 农、林、牧、渔业：营业收入 20000 万元以下；500 万元及以上中型，50 万元及以上小型。
    rule(Industry::Agriculture, r(20_000), r(500), r(50)),
    // (二) 工业：从业人员 1000 人以下或营业收入 40000 万元以下；300 人且 2000 万元中型；20 人且 300 万元小型。
    rule(Industry::Industrial, er(1000, 40_000), er(300, 2000), er(20, 300)),
    // (三) 建筑业：营业收入 80000 万元以下或资产总额 80000 万元以下；6000 万元且 5000 万元中型；300 万元且 300 万元小型。
    rule(Industry::Construction, ra(80_000, 80_000), ra(6000, 5000), ra(300, 300)),
    // (四) 批发业：200 人以下或 40000 万元以下；20 人且 5000 万元中型；5 人且 1000 万元小型。
    rule(Industry::Wholesale, er(200, 40_000), er(20, 5000), er(5, 1000)),
    // (五) 零售业：300 人以下或 20000 万元以下；50 人且 500 万元中型；10 人且 100 万元小型。
    rule(Industry::Retail, er(300, 20_000), er(50, 500), er(10, 100)),
    // (六) 交通运输业：1000 人以下或 30000 万元以下；300 人且 3000 万元中型；20 人且 200 万元小型。
    rule(Industry::Transport, er(1000, 30_000), er(300, 3000), er(20, 200)),
    // (七) 仓储业：200 人以下或 30000 万元以下；100 人且 1000 万元中型；20 人且 100 万元小型。
    rule(Industry::Warehousing, er(200, 30_000), er(100, 1000), er(20, 100)),
    // (八) 邮政业：1000 人以下或 30000 万元以下；300 人且 2000 万元中型；20 人且 100 万元小型。
    rule(Industry::Postal, er(1000, 30_000), er(300, 2000), er(20, 100)),
    // (九) 住宿业：300 人以下或 10000 万元以下；100 人且 2000 万元中型；10 人且 100 万元小型。
    rule(Industry::Accommodation, er(300, 10_000), er(100, 2000), er(10, 100)),
    // (十) 餐饮业：同住宿业。
    rule(Industry::Catering, er(300, 10_000), er(100, 2000), er(10, 100)),
    // (十一) 信息传输业：2000 人以下或 100000 万元以下；100 人且 1000 万元中型；10 人且 100 万元小型。
    rule(Industry::Telecom, er(2000, 100_000), er(100, 1000), er(10, 100)),
    // (十二) 软件和信息技术服务业：300 人以下或 10000 万元以下；100 人且 1000 万元中型；10 人且 50 万元小型。
    rule(Industry::Software, er(300, 10_000), er(100, 1000), er(10, 50)),
    // (十三) 房地产开发经营：营业收入 200000 万元以下或资产总额 10000 万元以下；1000 万元且 5000 万元中型；
    // 100 万元且 2000 万元小型。
    rule(Industry::RealEstateDevelopment, ra(200_000, 10_000), ra(1000, 5000), ra(100, 2000)),
    // (十四) 物业管理：1000 人以下或 5000 万元以下；300 人且 1000 万元中型；100 人且 500 万元小型。
    rule(Industry::PropertyManagement, er(1000, 5000), er(300, 1000), er(100, 500)),
    // (十五) 租赁和商务服务业：300 人以下或资产总额 120000 万元以下；100 人且 8000 万元中型；10 人且 100 万元小型。
    rule(Industry::LeasingBusinessServices, ea(300, 120_000), ea(100, 8000), ea(10, 100)),
    // (十六) 其他未列明行业：300 人以下；100 人及以上中型，10 人及以上小型。
    rule(Industry::Other, e(300), e(100), e(10)),
];

/// The row of `industry`; every industry has one (a test checks).
#[must_use]
pub fn scale_rule(industry: Industry) -> &'static ScaleRule {
    SCALE_TABLE.iter().find(|r| r.industry == industry).unwrap_or(&SCALE_TABLE[SCALE_TABLE.len() - 1])
}

/// The figures classification reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleInputs {
    pub employees: u32,
    pub revenue: Fen,
    pub total_assets: Option<Fen>,
}

const FEN_PER_WAN: i64 = 1_000_000;

impl Thresholds {
    /// Whether the firm reaches every measure; `None` when a measure is needed and the firm has not given it.
    fn reached_by(&self, firm: &ScaleInputs) -> Option<bool> {
        let employees = self.employees.is_none_or(|min| firm.employees >= min);
        let revenue = self.revenue_wan.is_none_or(|min| firm.revenue.fen() >= i64::from(min) * FEN_PER_WAN);
        let assets = match self.assets_wan {
            None => true,
            Some(min) => firm.total_assets?.fen() >= i64::from(min) * FEN_PER_WAN,
        };
        Some(employees && revenue && assets)
    }

    /// Whether the band uses total assets.
    #[must_use]
    pub fn needs_assets(&self) -> bool {
        self.assets_wan.is_some()
    }
}

/// The scale of a firm. `None` only when its industry measures total assets and the firm has not given them.
#[must_use]
pub fn classify(industry: Industry, firm: &ScaleInputs) -> Option<EnterpriseScale> {
    let rule = scale_rule(industry);
    // A band is decided only by its own measures: a missing total doesn't matter if a band above is already
    // reached, nor if a measure of the band that is given already rules it out.
    for (band, scale) in [
        (rule.large, EnterpriseScale::Large),
        (rule.medium, EnterpriseScale::Medium),
        (rule.small, EnterpriseScale::Small),
    ] {
        let without_assets = Thresholds { assets_wan: None, ..band };
        if without_assets.reached_by(firm) == Some(false) {
            continue;
        }
        if band.reached_by(firm)? {
            return Some(scale);
        }
    }
    Some(EnterpriseScale::Micro)
}

/// The measures an industry's classification reads, for forms that ask only what is needed.
#[must_use]
pub fn industry_needs_assets(industry: Industry) -> bool {
    scale_rule(industry).large.needs_assets()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Labelled;
    use EnterpriseScale::{Large, Medium, Micro, Small};

    fn firm(employees: u32, revenue_wan: u32, assets_wan: Option<u32>) -> ScaleInputs {
        ScaleInputs { employees, revenue: Fen::wan(revenue_wan), total_assets: assets_wan.map(Fen::wan) }
    }

    fn less_one(wan: u32) -> Fen {
        Fen::from_fen(Fen::wan(wan).fen() - 1).unwrap()
    }

    fn scale(industry: Industry, employees: u32, revenue_wan: u32, assets_wan: Option<u32>) -> Option<EnterpriseScale> {
        classify(industry, &firm(employees, revenue_wan, assets_wan))
    }

    #[test]
    fn every_industry_has_exactly_one_row() {
        for &industry in Industry::ALL {
            assert_eq!(SCALE_TABLE.iter().filter(|r| r.industry == industry).count(), 1, "{industry}");
        }
        assert_eq!(SCALE_TABLE.len(), Industry::ALL.len());
    }

    #[test]
    fn bands_rise_with_scale() {
        for row in SCALE_TABLE {
            let measures = |t: Thresholds| [t.employees, t.revenue_wan, t.assets_wan];
            for (lo, hi) in [(row.small, row.medium), (row.medium, row.large)] {
                for (a, b) in measures(lo).into_iter().zip(measures(hi)) {
                    assert_eq!(a.is_some(), b.is_some(), "{}: bands use different measures", row.industry);
                    assert!(a <= b, "{}: a lower band needs more", row.industry);
                }
            }
        }
    }

    #[test]
    fn industrial_boundaries() {
        use Industry::Industrial as I;
        // Micro: below 20 people or below 300 万元.
        assert_eq!(scale(I, 19, 300, None), Some(Micro));
        assert_eq!(scale(I, 20, 299, None), Some(Micro));
        assert_eq!(scale(I, 20, 300, None), Some(Small));
        assert_eq!(scale(I, 299, 1999, None), Some(Small));
        assert_eq!(scale(I, 300, 1999, None), Some(Small));
        assert_eq!(scale(I, 299, 2000, None), Some(Small));
        assert_eq!(scale(I, 300, 2000, None), Some(Medium));
        assert_eq!(scale(I, 999, 40_000, None), Some(Medium));
        assert_eq!(scale(I, 1000, 39_999, None), Some(Medium));
        assert_eq!(scale(I, 1000, 40_000, None), Some(Large));
        // Many people but almost no revenue: SME by the "or", and micro by revenue.
        assert_eq!(scale(I, 5000, 100, None), Some(Micro));
    }

    #[test]
    fn one_boundary_pair_per_band_for_every_industry() {
        // For each band of each row: exactly at the thresholds reaches it; one below on any measure does not.
        for row in SCALE_TABLE {
            for (band, expected) in [(row.large, Large), (row.medium, Medium), (row.small, Small)] {
                let at = firm(band.employees.unwrap_or(0), band.revenue_wan.unwrap_or(0), band.assets_wan);
                assert_eq!(classify(row.industry, &at), Some(expected), "{} at {expected:?}", row.industry);
                if let Some(n) = band.employees {
                    let below = ScaleInputs { employees: n - 1, ..at };
                    assert!(classify(row.industry, &below) < Some(expected), "{} employees", row.industry);
                }
                if let Some(n) = band.revenue_wan {
                    let below = ScaleInputs { revenue: less_one(n), ..at };
                    assert!(classify(row.industry, &below) < Some(expected), "{} revenue", row.industry);
                }
                if let Some(n) = band.assets_wan {
                    let below = ScaleInputs { total_assets: Some(less_one(n)), ..at };
                    assert!(classify(row.industry, &below) < Some(expected), "{} assets", row.industry);
                }
            }
        }
    }

    #[test]
    fn named_rows_match_the_regulation() {
        assert_eq!(scale(Industry::Wholesale, 5, 1000, None), Some(Small));
        assert_eq!(scale(Industry::Wholesale, 4, 1000, None), Some(Micro));
        assert_eq!(scale(Industry::Wholesale, 20, 5000, None), Some(Medium));
        assert_eq!(scale(Industry::Wholesale, 200, 40_000, None), Some(Large));
        assert_eq!(scale(Industry::Retail, 10, 100, None), Some(Small));
        assert_eq!(scale(Industry::Retail, 50, 500, None), Some(Medium));
        assert_eq!(scale(Industry::Retail, 300, 20_000, None), Some(Large));
        assert_eq!(scale(Industry::Software, 10, 50, None), Some(Small));
        assert_eq!(scale(Industry::Software, 9, 5000, None), Some(Micro));
        assert_eq!(scale(Industry::Software, 100, 1000, None), Some(Medium));
        assert_eq!(scale(Industry::Software, 300, 10_000, None), Some(Large));
        assert_eq!(scale(Industry::Catering, 100, 2000, None), Some(Medium));
        assert_eq!(scale(Industry::Accommodation, 10, 99, None), Some(Micro));
        assert_eq!(scale(Industry::Transport, 20, 200, None), Some(Small));
        assert_eq!(scale(Industry::Telecom, 2000, 100_000, None), Some(Large));
        assert_eq!(scale(Industry::Construction, 0, 300, Some(300)), Some(Small));
        assert_eq!(scale(Industry::Construction, 0, 6000, Some(4999)), Some(Small));
        assert_eq!(scale(Industry::LeasingBusinessServices, 100, 0, Some(8000)), Some(Medium));
        assert_eq!(scale(Industry::Other, 9, 1_000_000, None), Some(Micro));
        assert_eq!(scale(Industry::Other, 10, 0, None), Some(Small));
        assert_eq!(scale(Industry::Other, 300, 0, None), Some(Large));
        assert_eq!(scale(Industry::Agriculture, 10_000, 50, None), Some(Small));
    }

    #[test]
    fn missing_assets_only_matter_where_they_decide() {
        // Construction needs assets unless revenue alone already rules the bands out.
        assert_eq!(scale(Industry::Construction, 0, 6000, None), None);
        assert_eq!(scale(Industry::Construction, 0, 299, None), Some(Micro));
        // Industries that never use assets never need them.
        assert_eq!(scale(Industry::Industrial, 50, 500, None), Some(Small));
        assert!(industry_needs_assets(Industry::RealEstateDevelopment));
        assert!(!industry_needs_assets(Industry::Retail));
    }
}
