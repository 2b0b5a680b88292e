//! Matching a firm's need against every published product: the in-memory book of compiled products, the
//! match itself, and its result.
//!
//! The book is rebuilt copy-on-write when products change (a change is rare; a match is every keystroke),
//! so a match reads one immutable snapshot without locks held.

use crate::checks::CheckKind;
use crate::compiled::{CompiledProduct, Verdict, day_number};
use crate::cost::{LoanCost, LoanQuote, loan_cost, loan_cost_at_rate};
use crate::explain::{Finding, Subject, findings};
use crate::facts::{FirmFacts, NeedFacts};
use crate::policy::{POLICY, Subsidies, SubsidyFinding};
use crate::rank::{Components, WEIGHTS, Weights, components};
use crate::verified::Verified;
use chrono::NaiveDate;
use finmart_domain::changes::Listener;
use finmart_domain::{
    Bps, EnterpriseProfile, EnterpriseScale, Fen, FinancingNeed, HomeArea, Labelled, Months, Product, RepaymentMethod,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The published products, compiled.
#[derive(Debug, Default)]
pub struct Book {
    products: Vec<Arc<Product>>,
    compiled: Vec<CompiledProduct>,
}

impl Book {
    /// A book of products with their compiled forms, in id order.
    fn from_pairs(mut pairs: Vec<(Arc<Product>, CompiledProduct)>) -> Self {
        pairs.sort_by_key(|(p, _)| p.id);
        let (products, compiled) = pairs.into_iter().unzip();
        Self { products, compiled }
    }

    fn compile(products: impl IntoIterator<Item = Product>) -> Vec<(Arc<Product>, CompiledProduct)> {
        products
            .into_iter()
            .map(|p| {
                let compiled = CompiledProduct::new(&p);
                (Arc::new(p), compiled)
            })
            .collect()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.products.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}

/// The matching engine of one process: the book of published products, kept current by the catalogue's
/// follower of the change log (see [`Listener`]).
#[derive(Debug)]
pub struct Matcher {
    /// The deployment's home area, for explanations (服务天津市全市).
    home: HomeArea,
    book: RwLock<Arc<Book>>,
    /// Effective annual rates by what they depend on, shared by every match.
    aprs: RwLock<FastMap<AprKey, Option<u32>>>,
}

/// A quote's figures (the schedule itself comes from [`crate::cost`] on request). Only a product that states
/// a rate (at least its minimum) has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub method: RepaymentMethod,
    /// The product does not state its repayment methods: `method` is the firm's preference, else 等额本息,
    /// assumed for the quote (以银行审批为准).
    pub method_assumed: bool,
    /// The loan's term (a benchmark rate follows its band).
    pub term: Months,
    /// The rate quoted: the product's lowest for the loan's term (rounded half up to a whole basis point
    /// from what its page says, at its reference rates).
    pub rate: Bps,
    /// The product states only a minimum rate ("最低 3.2%"): the quote rests on that minimum and the rate
    /// offered may be any higher, so every figure is the least the loan can cost.
    pub rate_is_floor: bool,
    /// The product names a guarantee agency but not the lower end of its fee: the fee is left out of every
    /// figure, which is then the least the loan can cost.
    pub fee_unstated: bool,
    /// The effective annual rate of the whole (interest, guarantee fee, subsidies).
    pub apr: Bps,
    pub first_payment: Fen,
    pub max_payment: Fen,
    pub total_interest: Fen,
    pub guarantee_fee: Fen,
    pub interest_subsidy: Fen,
    pub fee_subsidy: Fen,
    pub total_cost: Fen,
    /// The subsidy rates the firm qualifies for on this product.
    pub subsidies: Subsidies,
}

impl Quote {
    /// The summary of a loan cost computed on `terms` for `product` ([`loan_quote`], or a calculator's own
    /// terms); the rate is a floor when the product states no maximum for the term.
    #[must_use]
    pub fn of(cost: &LoanCost, terms: &LoanQuote, product: &CompiledProduct, subsidies: Subsidies) -> Self {
        let (_, max) = product.rate_for(terms.term);
        Self {
            method: cost.method,
            method_assumed: !product.states_methods(),
            term: terms.term,
            rate: terms.annual_rate,
            rate_is_floor: max.is_none(),
            fee_unstated: product.guaranteed && product.fee_min.is_none(),
            apr: cost.effective_annual_rate,
            first_payment: cost.first_payment,
            max_payment: cost.max_payment,
            total_interest: cost.total_interest,
            guarantee_fee: cost.guarantee_fee,
            interest_subsidy: cost.interest_subsidy,
            fee_subsidy: cost.fee_subsidy,
            total_cost: cost.total_cost,
            subsidies,
        }
    }
}

/// The loan terms of `product` at its lowest rate for `term` and its lowest stated fee, with the given
/// subsidies; `None` when the product states no rate, or only a maximum: a loan whose rate is unknown is not
/// quoted at all (never at a rate made up for it). A rate stated only as a minimum is quoted at that minimum
/// ([`Quote::rate_is_floor`]); a fee not stated is left out ([`Quote::fee_unstated`]).
#[must_use]
pub fn loan_quote(
    product: &CompiledProduct,
    subsidies: Subsidies,
    amount: Fen,
    term: Months,
    method: RepaymentMethod,
) -> Option<LoanQuote> {
    let bps = |v: u32| Bps::new(v).unwrap_or(Bps::MAX);
    Some(LoanQuote {
        principal: amount,
        annual_rate: bps(product.rate_for(term).0?),
        term,
        method,
        guarantee_fee_rate: bps(product.fee_min.unwrap_or(0)),
        interest_subsidy_rate: bps(subsidies.interest),
        fee_subsidy_rate: bps(subsidies.fee),
    })
}

/// The exact quote for the shown products, with the effective rate the ranking used.
fn quote_of(product: &CompiledProduct, terms: &LoanQuote, priced: Priced) -> Option<Quote> {
    loan_cost_at_rate(terms, Bps::new(priced.apr).unwrap_or(Bps::MAX))
        .ok()
        .map(|c| Quote::of(&c, terms, product, priced.subsidies))
}

/// What the effective annual rate of a loan depends on: not its amount (every cash flow scales with it),
/// so one figure serves every firm and need with the same terms, and the engine keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AprKey {
    pub rate: u32,
    pub fee: u32,
    pub subsidies: Subsidies,
    pub method: RepaymentMethod,
    pub term: u16,
}

/// The principal effective rates are computed on: large enough that rounding to the fen moves nothing.
const NOTIONAL: Fen = Fen::wan(10_000);
/// How many effective rates the engine keeps before starting afresh (a few MB).
const APR_CACHE_LIMIT: usize = 200_000;

impl AprKey {
    fn compute(self) -> Option<u32> {
        let bps = |v: u32| Bps::new(v).unwrap_or(Bps::MAX);
        let quote = LoanQuote {
            principal: NOTIONAL,
            annual_rate: bps(self.rate),
            term: Months::new(self.term).ok()?,
            method: self.method,
            guarantee_fee_rate: bps(self.fee),
            interest_subsidy_rate: bps(self.subsidies.interest),
            fee_subsidy_rate: bps(self.subsidies.fee),
        };
        loan_cost(&quote).ok().map(|c| c.effective_annual_rate.bps())
    }
}

/// A product's price for a firm and need: the effective annual rate and what it was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Priced {
    apr: u32,
    subsidies: Subsidies,
    method: RepaymentMethod,
}

/// Every check of `product` for a firm and need, and its price: priced (and the cost ceiling decided) when
/// the product fails at most one other check, since only those can be shown as eligible, nearly so, needing
/// data or to confirm. The ineligible ones are priced only when shown ([`Matcher::match_need`]).
fn evaluate(
    product: &CompiledProduct,
    firm: &FirmFacts,
    need: &NeedFacts,
    apr_of: &mut dyn FnMut(AprKey) -> Option<u32>,
) -> (Verdict, Option<Priced>) {
    let verdict = product.check_firm(firm).and(product.check_need(need));
    if verdict.failed.len() > 1 {
        return (verdict, None);
    }
    price(product, firm, need, verdict, apr_of)
}

/// The product's price for the firm and need, and the cost ceiling decided on it. Without a stated rate
/// there is nothing to price, and `check_need` has already left the cost ceiling unconfirmed.
fn price(
    product: &CompiledProduct,
    firm: &FirmFacts,
    need: &NeedFacts,
    mut verdict: Verdict,
    apr_of: &mut dyn FnMut(AprKey) -> Option<u32>,
) -> (Verdict, Option<Priced>) {
    let Some(rate) = product.rate_for(need.term).0 else { return (verdict, None) };
    let method = product.quote_method(need.repayment);
    let subsidies = POLICY.subsidies(product, firm, rate);
    let key = AprKey { rate, fee: product.fee_min.unwrap_or(0), subsidies, method, term: need.term.get() };
    let apr = apr_of(key);
    let failed = CompiledProduct::check_cost(need, apr);
    verdict.failed.0 |= failed.0;
    // Without the fee the cost is a floor: above the ceiling it fails, within it the agency must confirm.
    if product.guaranteed && product.fee_min.is_none() && need.max_cost.is_some() && failed.is_empty() {
        verdict.unconfirmed.insert(CheckKind::MaxCost);
    }
    (verdict, apr.map(|apr| Priced { apr, subsidies, method }))
}

/// What a match is asked.
#[derive(Debug, Clone, Copy)]
pub struct MatchRequest<'a> {
    pub profile: &'a EnterpriseProfile,
    pub need: &'a FinancingNeed,
    pub today: NaiveDate,
    /// Text relevance of products to the need's purpose (product id → 0..=1), from the catalogue.
    pub relevance: &'a HashMap<i64, f32>,
    /// How many products to return (with explanations) in each list.
    pub limit: usize,
    /// The firm's verified facts, when it is matched with them: the match then judges
    /// [`Verified::profile`] (current facts over declarations, `profile` being the declaration), rules a
    /// product requires verified read them, and the explanations say how each rule stands. `None`: the
    /// declaration alone, and every rule required verified fails.
    pub verified: Option<&'a Verified>,
}

/// One product in a result list.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    #[serde(skip)]
    pub product: Arc<Product>,
    pub product_id: i64,
    /// 1-based place in its list.
    pub rank: usize,
    pub score: u32,
    pub components: Components,
    /// `None` when the product states no rate (or its cost cannot be computed).
    pub quote: Option<Quote>,
    /// Every check, passed or not.
    pub findings: Vec<Finding>,
    /// Each subsidy the product carries, and whether the firm receives it and why (not), by the one subsidy
    /// table ([`crate::policy`]).
    pub subsidies: Vec<SubsidyFinding>,
}

/// How many products a reason ruled out (or left undecided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub code: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
    pub count: usize,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct MatchOutcome {
    /// Published products within their validity window today.
    pub considered: usize,
    pub scale: Option<EnterpriseScale>,
    pub weights: Weights,
    pub eligible_total: usize,
    pub eligible: Vec<Ranked>,
    /// Failed by exactly one check that the firm can change by asking differently.
    pub near_misses_total: usize,
    pub near_misses: Vec<Ranked>,
    /// Not failed, but undecided for lack of the firm's data (the firm can act: 需补充). Their findings also
    /// show what the product leaves to confirm.
    pub needs_info_total: usize,
    pub needs_info: Vec<Ranked>,
    /// Not failed and lacking none of the firm's data, but the product does not state a fact a check needs
    /// (需向机构确认): listed apart from the eligible ones, never in their place.
    pub to_confirm_total: usize,
    pub to_confirm: Vec<Ranked>,
    /// Everything else, fewest failures first.
    pub ineligible_total: usize,
    pub ineligible: Vec<Ranked>,
    /// Ineligible and near-miss products counted under every check they failed.
    pub by_reason: Vec<ReasonCount>,
    /// Products counted under every check that lacked data.
    pub missing: Vec<ReasonCount>,
    /// Products counted under every check whose fact the product does not state.
    pub unconfirmed: Vec<ReasonCount>,
}

/// FxHash's mixing step: the memo of effective rates is looked up for most products of every match, and
/// its keys (rates, terms) are the platform's own data, so a fast unkeyed hash is the right trade.
#[derive(Debug, Default, Clone, Copy)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The best `limit` products of one list, kept while scanning: a max-heap on a key where larger is worse,
/// so its top is the one to drop. Only shown products are kept, whatever the list's length.
struct Shortlist<K: Ord> {
    limit: usize,
    total: usize,
    heap: std::collections::BinaryHeap<Ranking<K>>,
}

struct Ranking<K>(K, Scored);

impl<K: Ord> PartialEq for Ranking<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<K: Ord> Eq for Ranking<K> {}
impl<K: Ord> PartialOrd for Ranking<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: Ord> Ord for Ranking<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl<K: Ord> Shortlist<K> {
    fn new(limit: usize) -> Self {
        Self { limit, total: 0, heap: std::collections::BinaryHeap::with_capacity(limit + 1) }
    }

    /// Whether a product of `key` would be kept, were it offered now.
    fn would_keep(&self, key: &K) -> bool {
        self.heap.len() < self.limit || self.heap.peek().is_some_and(|worst| *key < worst.0)
    }

    fn offer(&mut self, key: K, scored: impl FnOnce() -> Scored) {
        self.total += 1;
        if self.heap.len() < self.limit {
            self.heap.push(Ranking(key, scored()));
        } else if self.heap.peek().is_some_and(|worst| key < worst.0) {
            self.heap.pop();
            self.heap.push(Ranking(key, scored()));
        }
    }

    /// The kept products, best first.
    fn into_sorted(self) -> Vec<Scored> {
        self.heap.into_sorted_vec().into_iter().map(|r| r.1).collect()
    }
}

/// Better is a higher score, then a lower id.
type ByScore = (std::cmp::Reverse<u32>, i64);
/// Nearer is fewer failed or missing checks, then a lower id (what the product leaves unstated is not the
/// firm's distance).
type ByDistance = (u32, i64);

/// A product's place during the scan: its index in the book, verdict, score and quote.
struct Scored {
    index: usize,
    verdict: Verdict,
    score: u32,
    components: Components,
    priced: Option<Priced>,
}

fn counts(per_kind: &[usize; 32]) -> Vec<ReasonCount> {
    let mut out: Vec<ReasonCount> = CheckKind::ALL
        .iter()
        .filter(|k| per_kind[**k as usize] > 0)
        .map(|k| ReasonCount {
            code: k.as_str(),
            label: k.label_zh(),
            label_en: k.label_en(),
            count: per_kind[*k as usize],
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    out
}

impl Matcher {
    /// An empty matcher whose explanations name areas as seen from `home`.
    #[must_use]
    pub fn new(home: HomeArea) -> Self {
        Self { home, book: RwLock::default(), aprs: RwLock::default() }
    }

    /// The deployment's home area, which explanations name areas from.
    #[must_use]
    pub(crate) fn home(&self) -> &HomeArea {
        &self.home
    }

    /// The effective annual rate for `key`: from this match's memo, the engine's cache, or computed.
    fn apr(&self, key: AprKey, memo: &mut FastMap<AprKey, Option<u32>>) -> Option<u32> {
        if let Some(apr) = memo.get(&key) {
            return *apr;
        }
        let cached = self.aprs.read().ok().and_then(|m| m.get(&key).copied());
        let apr = cached.unwrap_or_else(|| {
            let apr = key.compute();
            if let Ok(mut m) = self.aprs.write() {
                if m.len() >= APR_CACHE_LIMIT {
                    m.clear();
                }
                m.insert(key, apr);
            }
            apr
        });
        memo.insert(key, apr);
        apr
    }

    /// The current book.
    #[must_use]
    pub fn book(&self) -> Arc<Book> {
        self.book.read().map_or_else(|p| Arc::clone(&p.into_inner()), |b| Arc::clone(&b))
    }

    fn set(&self, book: Book) {
        match self.book.write() {
            Ok(mut b) => *b = Arc::new(book),
            Err(p) => *p.into_inner() = Arc::new(book),
        }
    }

    /// Replaces the whole book with `listed` (the published products).
    pub fn replace_all(&self, listed: Vec<Product>) {
        self.set(Book::from_pairs(Book::compile(listed)));
    }

    /// Removes each id in `changed` (sorted) and adds back the products in `listed` (those among them still
    /// published). Only the changed products are compiled again; the rest keep their compiled form.
    pub fn apply(&self, changed: &[i64], listed: &[Product]) {
        let current = self.book();
        let mut pairs: Vec<(Arc<Product>, CompiledProduct)> = current
            .products
            .iter()
            .zip(&current.compiled)
            .filter(|(p, _)| changed.binary_search(&p.id).is_err())
            .map(|(p, c)| (Arc::clone(p), c.clone()))
            .collect();
        pairs.extend(Book::compile(listed.iter().cloned()));
        self.set(Book::from_pairs(pairs));
    }

    /// Matches a firm's need against every product listed today.
    #[must_use]
    pub fn match_need(&self, req: &MatchRequest<'_>) -> MatchOutcome {
        let book = self.book();
        let (firm, profile) = match req.verified {
            Some(v) => (v.firm_facts(), v.profile()),
            None => (FirmFacts::of(req.profile, req.today), req.profile),
        };
        let need = NeedFacts::of(req.need);
        let day = day_number(req.today);
        let mut memo: FastMap<AprKey, Option<u32>> = FastMap::default();
        let mut eligible: Shortlist<ByScore> = Shortlist::new(req.limit);
        let mut near: Shortlist<ByScore> = Shortlist::new(req.limit);
        let mut needs_info: Shortlist<ByScore> = Shortlist::new(req.limit);
        let mut to_confirm: Shortlist<ByScore> = Shortlist::new(req.limit);
        let mut ineligible: Shortlist<ByDistance> = Shortlist::new(req.limit);
        let mut by_reason = [0usize; 32];
        let mut missing = [0usize; 32];
        let mut unconfirmed = [0usize; 32];
        let mut considered = 0;
        let mut apr_of = |key| self.apr(key, &mut memo);

        for (index, product) in book.compiled.iter().enumerate() {
            if !product.valid_on(day) {
                continue;
            }
            considered += 1;
            // Price only what can still be shown as eligible, a near miss, needing data or to confirm: the
            // rest is out for other reasons already.
            let (mut verdict, mut priced) = evaluate(product, &firm, &need, &mut apr_of);
            let id = product.id;
            // An ineligible product left unpriced that will be shown is priced after all when the need sets a
            // cost ceiling, so that its findings never show the ceiling as met for want of a price. Pricing
            // can only add a failure, so one that would not be kept without it is left unpriced.
            if verdict.failed.len() > 1
                && need.max_cost.is_some()
                && product.rate_for(need.term).0.is_some()
                && ineligible.would_keep(&(verdict.failed.len() + verdict.missing.len(), id))
            {
                (verdict, priced) = price(product, &firm, &need, verdict, &mut apr_of);
            }
            let near_miss = verdict.missing.is_empty()
                && verdict.failed.len() == 1
                && verdict.failed.iter().all(CheckKind::is_about_need);
            for kind in verdict.missing.iter() {
                missing[kind as usize] += 1;
            }
            for kind in verdict.unconfirmed.iter() {
                unconfirmed[kind as usize] += 1;
            }
            for kind in verdict.failed.iter() {
                by_reason[kind as usize] += 1;
            }
            // The lists, in order of precedence: a failed check rules the product out (or makes it a near
            // miss); else data the firm has not given (it can act); else a fact the product leaves unstated
            // (the institution must confirm it); else eligible.
            if !verdict.failed.is_empty() && !near_miss {
                // Ineligible ones are ordered by how far off they are, so no score is needed.
                let distance = verdict.failed.len() + verdict.missing.len();
                ineligible.offer((distance, id), || Scored {
                    index,
                    verdict,
                    score: 0,
                    components: Components::default(),
                    priced,
                });
                continue;
            }
            let relevance = req.relevance.get(&id).copied().unwrap_or(0.0);
            let components =
                components(product, &need, priced.map(|p| p.apr), POLICY.entitled(product, &firm), relevance);
            let score = components.score();
            let list = if near_miss {
                &mut near
            } else if !verdict.missing.is_empty() {
                &mut needs_info
            } else if verdict.to_confirm() {
                &mut to_confirm
            } else {
                &mut eligible
            };
            list.offer((std::cmp::Reverse(score), id), || Scored { index, verdict, score, components, priced });
        }

        let subject = Subject {
            profile,
            need: Some(req.need),
            today: req.today,
            apr: None,
            home: &self.home,
            verified: req.verified,
        };
        let finish = |list: Vec<Scored>| -> Vec<Ranked> {
            list.into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let product = Arc::clone(&book.products[s.index]);
                    let compiled = &book.compiled[s.index];
                    let quote = s.priced.and_then(|p| {
                        let terms = loan_quote(compiled, p.subsidies, req.need.amount, req.need.term, p.method)?;
                        quote_of(compiled, &terms, p)
                    });
                    let subject = Subject { apr: s.priced.map(|p| p.apr), ..subject };
                    let findings = findings(&product, compiled, &subject, s.verdict);
                    Ranked {
                        product_id: product.id,
                        product,
                        rank: i + 1,
                        score: s.score,
                        components: s.components,
                        quote,
                        findings,
                        subsidies: POLICY.findings(compiled, &firm),
                    }
                })
                .collect()
        };
        let (eligible_total, near_misses_total) = (eligible.total, near.total);
        let (needs_info_total, ineligible_total) = (needs_info.total, ineligible.total);
        let to_confirm_total = to_confirm.total;
        let eligible = finish(eligible.into_sorted());
        let near_misses = finish(near.into_sorted());
        let needs_info = finish(needs_info.into_sorted());
        let to_confirm = finish(to_confirm.into_sorted());
        let ineligible = finish(ineligible.into_sorted());
        MatchOutcome {
            considered,
            scale: req.profile.scale(),
            weights: WEIGHTS,
            eligible_total,
            eligible,
            near_misses_total,
            near_misses,
            needs_info_total,
            needs_info,
            to_confirm_total,
            to_confirm,
            ineligible_total,
            ineligible,
            by_reason: counts(&by_reason),
            missing: counts(&missing),
            unconfirmed: counts(&unconfirmed),
        }
    }
}

impl Listener for Matcher {
    fn replaced(&self, changed: &[i64], listed: &[Product]) {
        self.apply(changed, listed);
    }
}
