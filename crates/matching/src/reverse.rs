//! Reverse matching: for one product, the stored firms that fit it, ranked the same way as products are
//! for a firm.
//!
//! Every stored firm is held in memory in its compact form ([`FirmFacts`]) with a flag saying whether it
//! consented to be found by every institution (`open`), so one product is checked against a million of them
//! in a single pass. The pool keeps them as columns (one vector per fact, [`columns`]): the pass reads only
//! the facts the product's rules name, then the few the score needs for the firms that fit; and once the
//! list is full, a firm whose best possible score cannot enter it is passed over before its fit is computed. Firms that consented only to some institutions are kept too: the caller says, through
//! a filter, which firms the asking institution may see. A firm has no stated need here, so the
//! need-side checks are skipped and the ranking uses the need such a firm typically brings to such a
//! product: about a quarter of its revenue (within the product's range) over a year (within its terms),
//! offering the collateral it owns.
//!
//! What the product leaves unstated: every check made here is about the firm, and the product states each
//! of those it makes (an eligibility rule is there or not), except two: an area its page leaves unstated is
//! *unconfirmed* for every firm, and so are the product's other conditions in its lender's words; both are the
//! asking institution's own to check (it knows where it lends and what its words mean), so a firm that meets
//! everything else is listed. A product's other unknowns never hold a firm back or let one through. The need-side facts a page may leave out (amount,
//! term, rate, collateral, decision time) only shape the score, by the rules of [`crate::rank`]: the typical
//! need is kept within the bounds that are stated, and a product with no stated rate has no quote and earns
//! no cost points for any firm (which leaves the order of its firms to the other components).
//!
//! Each firm is judged as its own match judges it ([`crate::Verified`]): the pool is given its effective
//! profile (current verified facts over its declarations) with the rules those facts back
//! ([`FirmFacts::verified`], [`FirmFacts::verified_qualifications`], two more columns), so a rule a product
//! requires verified ([`CompiledProduct::check_firm`]) lists only firms whose current fact backs it: a grade
//! only declared, or verified by a fact now expired, keeps a firm out; a verified grade that differs from the
//! declared one is the grade judged.

use crate::compiled::CompiledProduct;
use crate::engine::loan_quote;
use crate::facts::{FirmFacts, NeedFacts};
use crate::policy::POLICY;
use crate::policy::{Applicant, Entitled, Subsidies};
use crate::rank::{Components, collateral_component, components, cost_component, policy_component};
use finmart_domain::{Collateral, Fen, Labelled, Months, RepaymentMethod, StatedRange};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, RwLock};

mod columns;
pub mod snapshot;

use columns::{CHUNK, Columns};

/// One stored firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolEntry {
    /// The stored profile's id.
    pub id: i64,
    /// What the checks read of the firm, with its verified facts ([`crate::Verified::firm_facts_of`]).
    pub facts: FirmFacts,
    /// The firm consented to be found by every institution.
    pub open: bool,
}

/// The stored firms, in memory, as columns in the order of their ids.
#[derive(Debug, Default)]
pub struct ProfilePool {
    firms: RwLock<Arc<Columns>>,
}

/// One firm that fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub profile_id: i64,
    pub rank: usize,
    pub score: u32,
    pub components: Components,
}

/// The answer of a reverse match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidates {
    /// Firms in the pool that the filter let through.
    pub pool: usize,
    /// Firms that pass every check.
    pub total: usize,
    /// Firms that fail nothing but have not given a figure the product checks.
    pub needs_info: usize,
    pub top: Vec<Candidate>,
}

/// `value` moved within the bounds `range` states (either may be unstated).
fn within<T: Ord + Copy + std::fmt::Debug>(value: T, range: StatedRange<T>) -> T {
    let value = range.min().map_or(value, |lo| value.max(lo));
    range.max().map_or(value, |hi| value.min(hi))
}

/// The typical need a firm brings to a product, for ranking without a stated need.
#[must_use]
pub fn typical_need(product: &CompiledProduct, firm: &FirmFacts) -> NeedFacts {
    typical_need_of(product, firm.revenue, firm.collateral)
}

/// The typical need of a firm of `revenue` (fen) that owns `collateral`.
fn typical_need_of(product: &CompiledProduct, revenue: i64, collateral: u32) -> NeedFacts {
    let quarter = Fen::from_fen(revenue / 4).unwrap_or(Fen::ZERO);
    let amount = within(quarter, product.amount);
    NeedFacts { amount, ln_amount: (amount.fen().max(1) as f64).ln(), ..typical_loan(product, collateral) }
}

/// The typical need but for its amount (a year within the product's terms, offering `collateral`); the
/// amount is left at zero.
fn typical_loan(product: &CompiledProduct, collateral: u32) -> NeedFacts {
    let term = within(Months::new(12).unwrap_or(Months::MIN), product.term);
    NeedFacts {
        amount: Fen::ZERO,
        term,
        ln_amount: 0.0,
        ln_term: f64::from(term.get()).ln(),
        collateral_offered: collateral,
        accepts_guarantee: true,
        max_cost: None,
        needed_within_days: None,
        repayment: None,
    }
}

/// What the pass over the firms reads of the product alone, worked out once.
struct PerProduct {
    /// The quote's repayment method: the product's first (no firm states a preference here).
    method: RepaymentMethod,
    /// The rate quoted at the typical term (a year, within the product's terms), when stated.
    rate: Option<u32>,
    /// The components no firm changes, with the best fit any firm can have: only the amount differs
    /// between firms' typical needs, and its centrality is full at the middle of the product's range.
    best: Components,
    /// The collateral component by the kinds a firm owns (a mask below 2⁹), filled as firms show them.
    collateral: Vec<Option<u16>>,
}

impl PerProduct {
    fn of(product: &CompiledProduct) -> Self {
        let mut need = typical_loan(product, 0);
        // Without a stated range the amount's centrality is neutral whatever the amount.
        if let Some((middle, _)) = product.amount_log {
            need.ln_amount = middle;
        }
        Self {
            method: product.quote_method(None),
            rate: product.rate_for(need.term).0,
            best: components(product, &need, None, Entitled::default(), 0.0),
            collateral: vec![None; 1 << Collateral::ALL.len()],
        }
    }

    /// The highest score a firm owning `collateral` can have with this quote and these subsidies: its
    /// components (as [`components`] makes them) with the best fit. The score increases with each component
    /// and the fit with the amount's centrality, so no firm's score exceeds it.
    fn best_score(&mut self, product: &CompiledProduct, collateral: u32, apr: Option<u32>, entitled: Entitled) -> u32 {
        let ease = match self.collateral.get_mut(collateral as usize) {
            Some(Some(ease)) => *ease,
            Some(slot) => *slot.insert(collateral_component(product, collateral)),
            None => collateral_component(product, collateral),
        };
        Components {
            cost: apr.map_or(0, cost_component),
            collateral: ease,
            policy: policy_component(product, entitled),
            ..self.best
        }
        .score()
    }
}

impl ProfilePool {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn snapshot(&self) -> Arc<Columns> {
        self.firms.read().map_or_else(|p| Arc::clone(&p.into_inner()), |e| Arc::clone(&e))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.snapshot().len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, in the order of their ids (what a snapshot of the pool keeps).
    #[must_use]
    pub fn entries(&self) -> Vec<PoolEntry> {
        let firms = self.snapshot();
        (0..firms.len()).map(|i| PoolEntry { id: firms.id[i], facts: firms.facts(i), open: firms.open[i] }).collect()
    }

    /// Replaces every entry.
    pub fn replace_all(&self, mut entries: Vec<PoolEntry>) {
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        let mut columns = Columns::default();
        for e in &entries {
            columns.push(e.id, &e.facts, e.open);
        }
        let firms = Arc::new(columns);
        match self.firms.write() {
            Ok(mut f) => *f = firms,
            Err(p) => *p.into_inner() = firms,
        }
    }

    /// Applies changed firms: `Some((facts, open))` puts a firm in (or updates it), `None` takes it out (its
    /// profile was removed). In place unless a match is reading the pool at that moment.
    pub fn apply(&self, changes: Vec<(i64, Option<(FirmFacts, bool)>)>) {
        let mut guard = match self.firms.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let columns = Arc::make_mut(&mut guard);
        for (id, facts) in changes {
            match (columns.id.binary_search(&id), facts) {
                (Ok(i), Some((facts, open))) => columns.set(i, id, &facts, open),
                (Ok(i), None) => columns.remove(i),
                (Err(i), Some((facts, open))) => columns.insert(i, id, &facts, open),
                (Err(_), None) => {}
            }
        }
    }

    /// The firms open to every institution that fit `product`, best first, `limit` of them.
    #[must_use]
    pub fn candidates(&self, product: &CompiledProduct, limit: usize) -> Candidates {
        self.candidates_where(product, limit, |_, open| open)
    }

    /// The firms that fit `product` among those `visible(id, open)` lets through, best first, `limit` of
    /// them. `open` is the firm's consent to be found by every institution, as the pool last saw it.
    #[must_use]
    pub fn candidates_where(
        &self,
        product: &CompiledProduct,
        limit: usize,
        visible: impl Fn(i64, bool) -> bool,
    ) -> Candidates {
        let columns = self.snapshot();
        let mut seen = 0;
        // Quotes differ between firms only by the subsidies they qualify for (at most four combinations);
        // the effective rate does not depend on the amount, so one quote per combination serves every firm.
        let mut aprs: Vec<(Subsidies, Option<u32>)> = Vec::with_capacity(4);
        // The best `limit` so far, worst on top: (Reverse(score), id) is larger for worse.
        let mut best: BinaryHeap<(Reverse<u32>, i64, Components)> = BinaryHeap::with_capacity(limit + 1);
        let (mut total, mut needs_info) = (0, 0);
        let mut per_product = PerProduct::of(product);
        let outside = columns.places_outside(product);
        let mut alive = [false; CHUNK];
        for start in (0..columns.len()).step_by(CHUNK) {
            let alive = &mut alive[..CHUNK.min(columns.len() - start)];
            // Which firms may be seen and are in the area, then which no stated rule fails, column by
            // column; only those are read further.
            seen += columns.visible(start, alive, &outside, &visible);
            columns.reject(product, start, alive);
            for i in alive.iter().enumerate().filter(|(_, a)| **a).map(|(k, _)| start + k) {
                let (failed, missing) = columns.verdict(product, i);
                debug_assert_eq!(
                    (failed, missing),
                    {
                        let v = product.check_firm(&columns.facts(i));
                        (!v.failed.is_empty(), v.missing)
                    },
                    "firm {} on product {}",
                    columns.id[i],
                    product.id
                );
                if failed {
                    continue;
                }
                if !missing.is_empty() {
                    needs_info += 1;
                    continue;
                }
                total += 1;
                let (id, revenue, collateral) = (columns.id[i], columns.revenue[i], columns.collateral[i]);
                let firm = Applicant { scales: columns.scale[i], qualifications: Some(columns.qualifications[i]) };
                // Quoted only at a stated rate; without one the cost earns nothing (see the module docs).
                let apr = per_product.rate.and_then(|rate| {
                    let subsidies = POLICY.subsidies_for(product, &firm, rate);
                    if let Some((_, apr)) = aprs.iter().find(|(s, _)| *s == subsidies) {
                        return *apr;
                    }
                    let need = typical_need_of(product, revenue, collateral);
                    let apr = loan_quote(product, subsidies, need.amount, need.term, per_product.method)
                        .and_then(|terms| crate::cost::loan_cost(&terms).ok())
                        .map(|c| c.effective_annual_rate.bps());
                    aprs.push((subsidies, apr));
                    apr
                });
                let entitled = POLICY.entitled_for(product, &firm);
                // Once the list is full, a firm that could not beat its worst even with the best fit the
                // product allows is passed over before its fit (a logarithm) is computed. Ties go to the lower
                // id, and ids rise through the pass, so "not better" is "not in the list": the list is the same.
                if best.len() >= limit {
                    let bound = per_product.best_score(product, collateral, apr, entitled);
                    if best.peek().is_none_or(|worst| (Reverse(bound), id) >= (worst.0, worst.1)) {
                        continue;
                    }
                }
                let need = typical_need_of(product, revenue, collateral);
                let c = components(product, &need, apr, entitled, 0.0);
                let key = (Reverse(c.score()), id);
                if best.len() < limit {
                    best.push((key.0, key.1, c));
                } else if best.peek().is_some_and(|worst| key < (worst.0, worst.1)) {
                    best.pop();
                    best.push((key.0, key.1, c));
                }
            }
        }
        let top: Vec<(u32, i64, Components)> =
            best.into_sorted_vec().into_iter().map(|(Reverse(score), id, c)| (score, id, c)).collect();
        Candidates {
            pool: seen,
            total,
            needs_info,
            top: top
                .into_iter()
                .enumerate()
                .map(|(i, (score, profile_id, components))| Candidate { profile_id, rank: i + 1, score, components })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
