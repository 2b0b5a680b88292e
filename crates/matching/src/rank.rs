//! The score of an eligible product for a need: six named components, each 0–1000, weighted in one place.
//!
//! Each result carries its components so a page can say why A ranks above B. Every component is a
//! monotone function of one plain quantity (the effective annual cost, the decision days, …), so lowering
//! a product's cost can only raise its score.
//!
//! What a product does not state: a merit not stated earns nothing. A product whose rate is not stated has
//! no quote and scores 0 on cost; one whose decision time is not stated scores as the slowest (and gets no
//! online bonus unless it says it is online); one whose collateral is not stated scores 0 on collateral. So a
//! product that states its price (its speed, its terms) is never outranked on that component by one that
//! does not. Fit is different: it says where the need sits in the product's ranges, not what the product
//! is worth, so a bound not stated is read from the one that is, and a range or method list not stated at
//! all is neutral ([`NEUTRAL_FIT`], [`NEUTRAL_METHOD`]).

use crate::compiled::{CollateralMask, CompiledProduct};
use crate::facts::{NeedFacts, bit};
use crate::policy::Entitled;
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
    /// Effective annual cost: 0 % scores 1000, [`COST_CEILING`] or more scores 0, a rate not stated 0.
    pub cost: u16,
    /// How near the need's amount and term sit to the middle of the product's ranges, plus the preferred
    /// repayment method.
    pub fit: u16,
    /// Working days to a decision: same day 1000, [`SLOW_DAYS`] or more (or not stated) 0; fully online adds a
    /// little.
    pub speed: u16,
    /// The lightest collateral the firm has to give: none 1000 … a property mortgage 300, less for several
    /// kinds together; 0 when the product does not state its collateral.
    pub collateral: u16,
    /// Policy support: the subsidies the firm receives by the subsidy table ([`crate::policy`]), and the
    /// product's risk compensation (a merit of the product, the same for every firm: it pays the firm nothing).
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

/// The speed component; a decision time not stated scores as [`SLOW_DAYS`], and only a product that says it
/// is online gets the online bonus.
#[must_use]
pub fn speed_component(decision_days: Option<u16>, online: Option<bool>) -> u16 {
    let days = u32::from(decision_days.map_or(SLOW_DAYS, |d| d.min(SLOW_DAYS)));
    let base = FULL - days * FULL / u32::from(SLOW_DAYS);
    // Fully online spares the trips to a branch: worth a tenth, within the scale.
    clamp(base * 9 / 10 + if online == Some(true) { 100 } else { 0 })
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
        // A deposit or a bank's bill is nearly cash; inventory must be valued, watched and insured.
        Collateral::Deposit => 750,
        Collateral::Bills => 680,
        Collateral::Inventory => 400,
    }
}

/// What each kind beyond the first costs when several must all be given (房产抵押 + 保证).
const EXTRA_KIND: u32 = 100;

/// The burden of what the firm has to give: nothing (纯信用, or terms that accept credit alone) is no
/// burden; any-of terms cost the lightest kind among those the firm can give (`offered`), else among all of
/// them; all-of terms cost their heaviest kind and a little more for each further one. A guarantee agency's
/// involvement costs a little ease too (its fee is counted in the cost). Terms not stated earn nothing.
#[must_use]
pub fn collateral_component(product: &CompiledProduct, offered: u32) -> u16 {
    let agency = if product.guaranteed { 100 } else { 0 };
    let eases = |kinds: u32| Collateral::ALL.iter().filter(move |c| kinds & bit(**c) != 0).map(|c| collateral_ease(*c));
    let ease = match product.collateral {
        CollateralMask::NotStated => return 0,
        CollateralMask::NoneRequired | CollateralMask::AnyOf { unsecured: true, .. } => FULL,
        CollateralMask::AnyOf { unsecured: false, kinds } => {
            let usable = if kinds & offered != 0 { kinds & offered } else { kinds };
            eases(usable).max().unwrap_or(300)
        }
        CollateralMask::AllOf { kinds } => {
            let further = kinds.count_ones().saturating_sub(1);
            eases(kinds).min().unwrap_or(FULL).saturating_sub(further * EXTRA_KIND)
        }
    };
    clamp(ease.saturating_sub(agency))
}

/// How far a range with one stated bound is taken to reach from it, on a log scale: a factor of ten, about
/// what product ranges span (10 万–100 万元, 3–36 months).
const ONE_SIDED_REACH: f64 = std::f64::consts::LN_10;

/// A range on a log scale, as (middle, half-width) of `[ln lo, ln hi]`, computed once per product (or
/// need): the fit component reads it for thousands of products per match. With one bound stated the range
/// is taken to reach [`ONE_SIDED_REACH`] from it (up to 1000 万元 is centred on about 316 万元); with neither,
/// `None` (the fit is neutral).
#[must_use]
pub fn log_span(lo: Option<i64>, hi: Option<i64>) -> Option<(f64, f64)> {
    let ln = |v: i64| (v.max(1) as f64).ln();
    let half = ONE_SIDED_REACH / 2.0;
    match (lo, hi) {
        (Some(lo), Some(hi)) if hi <= lo || lo <= 0 => Some((0.0, 0.0)),
        (Some(lo), Some(hi)) => {
            let (lo, hi) = (ln(lo), ln(hi));
            Some(((lo + hi) / 2.0, (hi - lo) / 2.0))
        }
        (Some(lo), None) => Some((ln(lo) + half, half)),
        (None, Some(hi)) => Some((ln(hi) - half, half)),
        (None, None) => None,
    }
}

/// The fit of a value in a range that states neither bound: midway between a range's middle (1000) and its
/// edge (500), so an unstated range neither helps nor hurts a product.
pub const NEUTRAL_FIT: u32 = 750;
/// The fit of a preferred repayment method when the product does not state its methods: midway between
/// offered (1000) and not offered (0).
pub const NEUTRAL_METHOD: u32 = 500;

/// How central a value (given as its logarithm) is in a range given by [`log_span`]: 1000 at the geometric
/// middle, falling to 500 at either end (a request at the edge of a range is served, just not what the
/// product is made for).
fn centrality(ln_value: f64, span: Option<(f64, f64)>) -> u32 {
    let Some((mid, half)) = span else { return NEUTRAL_FIT };
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
    let method = match need.repayment.map(|m| product.offers(m)) {
        None | Some(Some(true)) => FULL,
        Some(Some(false)) => 0,
        Some(None) => NEUTRAL_METHOD,
    };
    clamp((amount * 2 + term * 2 + method) / 5)
}

#[must_use]
pub fn policy_component(product: &CompiledProduct, entitled: Entitled) -> u16 {
    let risk = if product.has_policy(PolicySupport::RiskCompensation) { 300 } else { 0 };
    let interest = if entitled.interest { 400 } else { 0 };
    let fee = if entitled.fee { 300 } else { 0 };
    clamp(risk + interest + fee)
}

#[must_use]
pub fn relevance_component(relative_score: f32) -> u16 {
    clamp((relative_score.clamp(0.0, 1.0) * 1000.0).round() as u32)
}

/// The components of one product for one firm and need; `apr` is the quote's effective annual rate, `None`
/// when there is no quote (the product states no rate): a cost not stated earns nothing.
#[must_use]
pub fn components(
    product: &CompiledProduct,
    need: &NeedFacts,
    apr: Option<u32>,
    entitled: Entitled,
    relevance: f32,
) -> Components {
    Components {
        cost: apr.map_or(0, cost_component),
        fit: fit_component(product, need),
        speed: speed_component(product.decision_days, product.online),
        collateral: collateral_component(product, need.collateral_offered),
        policy: policy_component(product, entitled),
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
        assert!(speed_component(Some(1), Some(false)) > speed_component(Some(10), Some(false)));
        assert!(speed_component(Some(5), Some(true)) > speed_component(Some(5), Some(false)));
        assert_eq!(speed_component(Some(0), Some(true)), 1000);
        let ln = |v: i64| (v as f64).ln();
        assert_eq!(centrality(ln(100), log_span(Some(10), Some(1000))), 1000);
        assert_eq!(centrality(ln(10), log_span(Some(10), Some(1000))), 500);
        assert_eq!(centrality(ln(1000), log_span(Some(10), Some(1000))), 500);
        assert_eq!(centrality(ln(50), log_span(Some(50), Some(50))), 1000);
    }

    /// A speed or a decision time not stated earns nothing: never more than a stated one.
    #[test]
    fn unstated_speed_earns_nothing() {
        assert_eq!(speed_component(None, None), 0);
        assert_eq!(speed_component(None, Some(false)), speed_component(Some(SLOW_DAYS), Some(false)));
        assert!(speed_component(Some(SLOW_DAYS), Some(true)) > speed_component(Some(SLOW_DAYS), None));
        for days in 0..=SLOW_DAYS + 5 {
            assert!(speed_component(Some(days), None) >= speed_component(None, None));
        }
    }

    /// One stated bound: the edge is 500 and a factor of ten inside is 500 again, the middle between 1000;
    /// neither: neutral.
    #[test]
    fn a_range_with_one_bound_fits_on_what_it_states() {
        let ln = |v: i64| (v as f64).ln();
        let up_to = log_span(None, Some(10_000));
        assert_eq!(centrality(ln(10_000), up_to), 500);
        assert_eq!(centrality(ln(1_000), up_to), 500);
        assert_eq!(centrality(ln(3_162), up_to), 1000);
        let from = log_span(Some(100), None);
        assert_eq!(centrality(ln(100), from), 500);
        assert_eq!(centrality(ln(316), from), 1000);
        assert_eq!(centrality(ln(5), log_span(None, None)), NEUTRAL_FIT);
    }
}
