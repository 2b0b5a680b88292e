//! Reverse matching: for one product, the stored firms that fit it, ranked the same way as products are
//! for a firm.
//!
//! The firms that consented to be found are held in memory in their compact form ([`FirmFacts`]), so one
//! product is checked against a million of them in a single pass. A firm has no stated need here, so the
//! need-side checks are skipped and the ranking uses the need such a firm typically brings to such a
//! product: about a quarter of its revenue (within the product's range) over a year (within its terms),
//! offering the collateral it owns.

use crate::compiled::CompiledProduct;
use crate::engine::quote_terms;
use crate::facts::{FirmFacts, NeedFacts};
use crate::policy::Subsidies;
use crate::rank::{Components, components};
use finmart_domain::{Fen, Months};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One stored firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolEntry {
    /// The stored profile's id.
    pub id: i64,
    pub facts: FirmFacts,
}

/// The firms that may be found, in memory.
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
    /// Firms in the pool.
    pub pool: usize,
    /// Firms that pass every check.
    pub total: usize,
    /// Firms that fail nothing but have not given a figure the product checks.
    pub needs_info: usize,
    pub top: Vec<Candidate>,
}

/// The typical need a firm brings to a product, for ranking without a stated need.
#[must_use]
pub fn typical_need(product: &CompiledProduct, firm: &FirmFacts) -> NeedFacts {
    let amount = (firm.revenue / 4).clamp(product.amount.0, product.amount.1.max(product.amount.0));
    let term = 12u16.clamp(product.term.0, product.term.1.max(product.term.0));
    NeedFacts {
        amount,
        term,
        ln_amount: (amount.max(1) as f64).ln(),
        ln_term: f64::from(term).ln(),
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

    /// Applies changed firms: `Some(facts)` puts a firm in (or updates it), `None` takes it out (its profile
    /// was removed or it withdrew consent). In place unless a match is reading the pool at that moment.
    pub fn apply(&self, changes: Vec<(i64, Option<FirmFacts>)>) {
        let mut guard = match self.entries.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let entries = Arc::make_mut(&mut guard);
        for (id, facts) in changes {
            match (entries.binary_search_by_key(&id, |e| e.id), facts) {
                (Ok(i), Some(facts)) => entries[i].facts = facts,
                (Ok(i), None) => {
                    entries.remove(i);
                }
                (Err(i), Some(facts)) => entries.insert(i, PoolEntry { id, facts }),
                (Err(_), None) => {}
            }
        }
    }

    /// The firms that fit `product`, best first, `limit` of them.
    #[must_use]
    pub fn candidates(&self, product: &CompiledProduct, limit: usize) -> Candidates {
        let entries = self.snapshot();
        // Quotes differ between firms only by the subsidies they qualify for; the effective rate does not
        // depend on the amount, so one quote per subsidy combination serves every firm.
        let mut aprs: HashMap<Subsidies, u32> = HashMap::new();
        let mut scored: Vec<(u32, i64, Components)> = Vec::new();
        let mut needs_info = 0;
        for entry in entries.iter() {
            let verdict = product.check_firm(&entry.facts);
            if !verdict.failed.is_empty() {
                continue;
            }
            if !verdict.missing.is_empty() {
                needs_info += 1;
                continue;
            }
            let need = typical_need(product, &entry.facts);
            let method = product.quote_method(None);
            let amount = Fen::from_fen(need.amount).unwrap_or(Fen::ZERO);
            let term = Months::new(need.term).unwrap_or(Months::MIN);
            let (terms, subsidies) = quote_terms(product, &entry.facts, amount, term, method);
            let apr = *aprs
                .entry(subsidies)
                .or_insert_with(|| crate::cost::loan_cost(&terms).map_or(u32::MAX, |c| c.effective_annual_rate.bps()));
            let c = components(product, &need, apr, subsidies, 0.0);
            scored.push((c.score(), entry.id, c));
        }
        let total = scored.len();
        let order = |a: &(u32, i64, Components), b: &(u32, i64, Components)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by(limit - 1, order);
        }
        scored.truncate(limit);
        scored.sort_by(order);
        Candidates {
            pool: entries.len(),
            total,
            needs_info,
            top: scored
                .into_iter()
                .enumerate()
                .map(|(i, (score, profile_id, components))| Candidate { profile_id, rank: i + 1, score, components })
                .collect(),
        }
    }
}
