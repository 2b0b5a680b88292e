//! The score of an eligible product for a need: six named components, each 0–1000, weighted in one place.
//!
//! Each result carries its components so a page can say why A ranks above B. Every component is a
//! monotone function of one plain quantity (the effective annual cost, the decision days, …), so lowering
//! a product's cost can only raise its score.

use crate::compiled::CompiledProduct;
use crate::facts::{NeedFacts, bit};
use crate::policy::Subsidies;
use finmart_domain::{Collateral, Labelled, PolicySupport};
use serde::Serialize;

/// The weights of the components, in percent; they sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Weights {
    pub cost: u32,
    pub fit: u32,
    pub speed: u32,
    pub collateral: u32,
    pub policy: u32,
    pub relevance: u32,
}

/// Cost first: what a firm pays matters most; then how well the product is made for this loan, how soon
/// the money comes, what the firm must pledge, the policy help it gets, and how well the product's text
/// matches the stated purpose.
pub const WEIGHTS: Weights = Weights { cost: 35, fit: 15, speed: 15, collateral: 15, policy: 10, relevance: 10 };

/// Each component on a 0–1000 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Components {
    /// Effective annual cost: 0 % scores 1000, [`COST_CEILING`] or more scores 0.
    pub cost: u16,
    /// How near the need's amount and term sit to the middle of the product's ranges, plus the preferred
    /// repayment method.
    pub fit: u16,
    /// Working days to a decision: same day 1000, [`SLOW_DAYS`] or more 0; fully online adds a little.
    pub speed: u16,
    /// The lightest collateral the firm has to give: none 1000 … a property mortgage 300.
    pub collateral: u16,
    /// Policy support the firm actually receives.
    pub policy: u16,
    /// Text relevance of the product to the stated purpose, relative to the best match.
    pub relevance: u16,
}

impl Components {
    /// The weighted sum, 0–100,000.
    #[must_use]
    pub fn score(&self) -> u32 {
        let w = WEIGHTS;
        w.cost * u32::from(self.cost)
            + w.fit * u32::from(self.fit)
            + w.speed * u32::from(self.speed)
            + w.collateral * u32::from(self.collateral)
            + w.policy * u32::from(self.policy)
            + w.relevance * u32::from(self.relevance)
    }
}

/// The effective annual cost at which the cost component reaches zero: 15 %.
pub const COST_CEILING: u32 = 1500;
/// The decision time at which the speed component reaches zero: 30 working days.
pub const SLOW_DAYS: u16 = 30;

const FULL: u32 = 1000;

fn clamp(v: u32) -> u16 {
    u16::try_from(v.min(FULL)).unwrap_or(1000)
}

#[must_use]
pub fn cost_component(apr_bps: u32) -> u16 {
    clamp(FULL - apr_bps.min(COST_CEILING) * FULL / COST_CEILING)
}

#[must_use]
pub fn speed_component(decision_days: u16, online: bool) -> u16 {
    let days = u32::from(decision_days.min(SLOW_DAYS));
    let base = FULL - days * FULL / u32::from(SLOW_DAYS);
    // Fully online spares the trips to a branch: worth a tenth, within the scale.
    clamp(base * 9 / 10 + if online { 100 } else { 0 })
}

/// The burden of pledging each kind of collateral, lightest first: 1000 is none at all.
fn collateral_ease(kind: Collateral) -> u32 {
    match kind {
        Collateral::Guarantee => 700,
        Collateral::Receivables => 650,
        Collateral::IntellectualProperty => 600,
        Collateral::Equity => 500,
        Collateral::Equipment => 450,
        Collateral::RealEstate => 300,
    }
}

/// The lightest burden among the collateral the product accepts and the firm can give (`offered`); a
/// guarantee agency's involvement costs a little ease too (its fee is counted in the cost).
#[must_use]
pub fn collateral_component(product: &CompiledProduct, offered: u32) -> u16 {
    let agency = if product.guarantee_fee.is_some() { 100 } else { 0 };
    if product.collateral == 0 {
        return clamp(FULL - agency);
    }
    let usable = if product.collateral & offered != 0 { product.collateral & offered } else { product.collateral };
    let best = Collateral::ALL.iter().filter(|c| usable & bit(**c) != 0).map(|c| collateral_ease(*c)).max();
    clamp(best.unwrap_or(300).saturating_sub(agency))
}

/// A range on a log scale, as (middle, half-width) of `[ln lo, ln hi]`, computed once per product (or
/// need): the fit component reads it for thousands of products per match.
#[must_use]
pub fn log_span(lo: i64, hi: i64) -> (f64, f64) {
    if hi <= lo || lo <= 0 {
        return (0.0, 0.0);
    }
    let (lo, hi) = ((lo as f64).ln(), (hi as f64).ln());
    ((lo + hi) / 2.0, (hi - lo) / 2.0)
}

/// How central a value (given as its logarithm) is in a range given by [`log_span`]: 1000 at the geometric
/// middle, falling to 500 at either end (a request at the edge of a range is served, just not what the
/// product is made for).
fn centrality(ln_value: f64, (mid, half): (f64, f64)) -> u32 {
    if half <= 0.0 {
        return FULL;
    }
    let off = ((ln_value - mid).abs() / half).min(1.0);
    (f64::from(FULL) * (1.0 - off / 2.0)).round() as u32
}

#[must_use]
pub fn fit_component(product: &CompiledProduct, need: &NeedFacts) -> u16 {
    let amount = centrality(need.ln_amount, product.amount_log);
    let term = centrality(need.ln_term, product.term_log);
    let method = match need.repayment {
        Some(m) if !product.offers(m) => 0,
        _ => FULL,
    };
    clamp((amount * 2 + term * 2 + method) / 5)
}

#[must_use]
pub fn policy_component(product: &CompiledProduct, subsidies: Subsidies) -> u16 {
    let risk = if product.has_policy(PolicySupport::RiskCompensation) { 300 } else { 0 };
    let interest = if subsidies.interest > 0 { 400 } else { 0 };
    let fee = if subsidies.fee > 0 { 300 } else { 0 };
    clamp(risk + interest + fee)
}

#[must_use]
pub fn relevance_component(relative_score: f32) -> u16 {
    clamp((relative_score.clamp(0.0, 1.0) * 1000.0).round() as u32)
}

/// The components of one product for one firm and need.
#[must_use]
pub fn components(
    product: &CompiledProduct,
    need: &NeedFacts,
    apr: u32,
    subsidies: Subsidies,
    relevance: f32,
) -> Components {
    Components {
        cost: cost_component(apr),
        fit: fit_component(product, need),
        speed: speed_component(product.decision_days, product.online),
        collateral: collateral_component(product, need.collateral_offered),
        policy: policy_component(product, subsidies),
        relevance: relevance_component(relevance),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_hundred() {
        let w = WEIGHTS;
        assert_eq!(w.cost + w.fit + w.speed + w.collateral + w.policy + w.relevance, 100);
        let top = Components { cost: 1000, fit: 1000, speed: 1000, collateral: 1000, policy: 1000, relevance: 1000 };
        assert_eq!(top.score(), 100_000);
    }

    #[test]
    fn components_are_monotone() {
        assert!(cost_component(300) > cost_component(400));
        assert_eq!(cost_component(0), 1000);
        assert_eq!(cost_component(5000), 0);
        assert!(speed_component(1, false) > speed_component(10, false));
        assert!(speed_component(5, true) > speed_component(5, false));
        assert_eq!(speed_component(0, true), 1000);
        let ln = |v: i64| (v as f64).ln();
        assert_eq!(centrality(ln(100), log_span(10, 1000)), 1000);
        assert_eq!(centrality(ln(10), log_span(10, 1000)), 500);
        assert_eq!(centrality(ln(1000), log_span(10, 1000)), 500);
        assert_eq!(centrality(ln(50), log_span(50, 50)), 1000);
    }
}
