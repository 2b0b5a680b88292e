//! Reverse matching: for one product, the stored firms that fit it, ranked the same way as products are
//! for a firm.
//!
//! Every stored firm is held in memory in its compact form ([`FirmFacts`]) with a flag saying whether it
//! consented to be found by every institution (`open`), so one product is checked against a million of them
//! in a single pass. Firms that consented only to some institutions are kept too: the caller says, through
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

use crate::compiled::CompiledProduct;
use crate::engine::loan_quote;
use crate::facts::{FirmFacts, NeedFacts};
use crate::policy::POLICY;
use crate::policy::Subsidies;
use crate::rank::{Components, components};
use finmart_domain::{Fen, Months, StatedRange};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, RwLock};

/// One stored firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolEntry {
    /// The stored profile's id.
    pub id: i64,
    pub facts: FirmFacts,
    /// The firm consented to be found by every institution.
    pub open: bool,
}

/// The stored firms, in memory.
#[derive(Debug, Default)]
pub struct ProfilePool {
    entries: RwLock<Arc<Vec<PoolEntry>>>,
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
    let quarter = Fen::from_fen(firm.revenue / 4).unwrap_or(Fen::ZERO);
    let amount = within(quarter, product.amount);
    let term = within(Months::new(12).unwrap_or(Months::MIN), product.term);
    NeedFacts {
        amount,
        term,
        ln_amount: (amount.fen().max(1) as f64).ln(),
        ln_term: f64::from(term.get()).ln(),
        collateral_offered: firm.collateral,
        accepts_guarantee: true,
        max_cost: None,
        needed_within_days: None,
        repayment: None,
    }
}

impl ProfilePool {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn snapshot(&self) -> Arc<Vec<PoolEntry>> {
        self.entries.read().map_or_else(|p| Arc::clone(&p.into_inner()), |e| Arc::clone(&e))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.snapshot().len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces every entry.
    pub fn replace_all(&self, mut entries: Vec<PoolEntry>) {
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        let entries = Arc::new(entries);
        match self.entries.write() {
            Ok(mut e) => *e = entries,
            Err(p) => *p.into_inner() = entries,
        }
    }

    /// Applies changed firms: `Some((facts, open))` puts a firm in (or updates it), `None` takes it out (its
    /// profile was removed). In place unless a match is reading the pool at that moment.
    pub fn apply(&self, changes: Vec<(i64, Option<(FirmFacts, bool)>)>) {
        let mut guard = match self.entries.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let entries = Arc::make_mut(&mut guard);
        for (id, facts) in changes {
            match (entries.binary_search_by_key(&id, |e| e.id), facts) {
                (Ok(i), Some((facts, open))) => {
                    entries[i].facts = facts;
                    entries[i].open = open;
                }
                (Ok(i), None) => {
                    entries.remove(i);
                }
                (Err(i), Some((facts, open))) => entries.insert(i, PoolEntry { id, facts, open }),
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
        let entries = self.snapshot();
        let mut seen = 0;
        // Quotes differ between firms only by the subsidies they qualify for (at most four combinations);
        // the effective rate does not depend on the amount, so one quote per combination serves every firm.
        let mut aprs: Vec<(Subsidies, Option<u32>)> = Vec::with_capacity(4);
        // The best `limit` so far, worst on top: (Reverse(score), id) is larger for worse.
        let mut best: BinaryHeap<(Reverse<u32>, i64, Components)> = BinaryHeap::with_capacity(limit + 1);
        let (mut total, mut needs_info) = (0, 0);
        let method = product.quote_method(None);
        for entry in entries.iter() {
            if !visible(entry.id, entry.open) {
                continue;
            }
            seen += 1;
            let verdict = product.check_firm(&entry.facts);
            if !verdict.failed.is_empty() {
                continue;
            }
            if !verdict.missing.is_empty() {
                needs_info += 1;
                continue;
            }
            total += 1;
            let need = typical_need(product, &entry.facts);
            // Quoted only at a stated rate; without one the cost earns nothing (see the module docs).
            let apr = product.rate_for(need.term).0.and_then(|rate| {
                let subsidies = POLICY.subsidies(product, &entry.facts, rate);
                if let Some((_, apr)) = aprs.iter().find(|(s, _)| *s == subsidies) {
                    return *apr;
                }
                let apr = loan_quote(product, subsidies, need.amount, need.term, method)
                    .and_then(|terms| crate::cost::loan_cost(&terms).ok())
                    .map(|c| c.effective_annual_rate.bps());
                aprs.push((subsidies, apr));
                apr
            });
            let c = components(product, &need, apr, POLICY.entitled(product, &entry.facts), 0.0);
            let key = (Reverse(c.score()), entry.id);
            if best.len() < limit {
                best.push((key.0, key.1, c));
            } else if best.peek().is_some_and(|worst| key < (worst.0, worst.1)) {
                best.pop();
                best.push((key.0, key.1, c));
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
