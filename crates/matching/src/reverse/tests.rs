//! The pass over the pool against the plain definition of its answer: every visible firm checked by
//! [`CompiledProduct::check_firm`], every fitting one scored, sorted by score then id. The columns, the
//! shared per-product work and the bound that passes over firms which cannot enter the list must change
//! nothing, on generated catalogues (some requiring rules verified) and firms (some with verified facts),
//! with consent filters and after changes to the pool.

use super::*;
use crate::CheckKind;
use chrono::NaiveDate;
use finmart_domain::{Bps, Publication, ReferenceKind, ReferenceRates};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn products(n: usize) -> Vec<CompiledProduct> {
    let on = NaiveDate::from_ymd_opt(2025, 5, 20).unwrap_or_default();
    let p = |kind, bps| Publication { kind, rate: Bps::new(bps).unwrap_or(Bps::ZERO), published_on: on };
    let references = ReferenceRates::current([p(ReferenceKind::Lpr1y, 300), p(ReferenceKind::Lpr5y, 350)], today());
    let institutions = finmart_synth::institutions(8);
    let mut products: Vec<CompiledProduct> =
        finmart_synth::published(11, n, &institutions, today(), &references).iter().map(CompiledProduct::new).collect();
    // Some require rules verified: the tax grade, the years, a qualification of the list.
    for (i, p) in products.iter_mut().enumerate() {
        match i % 8 {
            1 => p.requires_verified.insert(CheckKind::MinTaxCreditGrade),
            3 => p.requires_verified.insert(CheckKind::MinYearsInOperation),
            5 => p.requires_verified.insert(CheckKind::QualificationsAny),
            7 => p.requires_verified.insert(CheckKind::QualificationsAll),
            _ => {}
        }
    }
    products
}

fn firms(seed: u64, n: usize, first_id: i64) -> Vec<PoolEntry> {
    finmart_synth::profiles(seed, n, today())
        .enumerate()
        .map(|(i, s)| {
            let mut facts = FirmFacts::of(&s.profile, today());
            // Part of the firms have current facts backing some of their figures and qualifications.
            if i % 3 != 0 {
                facts.verified.set_if(CheckKind::MinTaxCreditGrade, i % 2 == 0);
                facts.verified.set_if(CheckKind::MinYearsInOperation, i % 5 != 0);
                facts.verified_qualifications = facts.qualifications & if i % 4 == 0 { u32::MAX } else { 0b1010_1010 };
            }
            PoolEntry { id: first_id + i as i64, facts, open: s.discoverable }
        })
        .collect()
}

/// The answer by its definition.
fn plainly(
    entries: &[PoolEntry],
    product: &CompiledProduct,
    limit: usize,
    visible: impl Fn(i64, bool) -> bool,
) -> Candidates {
    let (mut pool, mut total, mut needs_info) = (0, 0, 0);
    let mut fitting = Vec::new();
    for e in entries.iter().filter(|e| visible(e.id, e.open)) {
        pool += 1;
        let verdict = product.check_firm(&e.facts);
        if !verdict.failed.is_empty() {
            continue;
        }
        if !verdict.missing.is_empty() {
            needs_info += 1;
            continue;
        }
        total += 1;
        let need = typical_need(product, &e.facts);
        let apr = product.rate_for(need.term).0.and_then(|rate| {
            let subsidies = POLICY.subsidies(product, &e.facts, rate);
            loan_quote(product, subsidies, need.amount, need.term, product.quote_method(None))
                .and_then(|terms| crate::cost::loan_cost(&terms).ok())
                .map(|c| c.effective_annual_rate.bps())
        });
        let c = components(product, &need, apr, POLICY.entitled(product, &e.facts), 0.0);
        fitting.push((Reverse(c.score()), e.id, c));
    }
    fitting.sort();
    let top = fitting
        .into_iter()
        .take(limit)
        .enumerate()
        .map(|(i, (Reverse(score), profile_id, components))| Candidate { profile_id, rank: i + 1, score, components })
        .collect();
    Candidates { pool, total, needs_info, top }
}

#[test]
fn the_pass_finds_what_the_definition_finds() {
    let products = products(120);
    assert!(products.len() > 60, "{} products", products.len());
    let mut entries = firms(5, 6_000, 1);
    let pool = ProfilePool::new();
    pool.replace_all(entries.clone());
    let some_banks = |id: i64, open: bool| open || id % 7 == 0;
    let mut fitting = 0;
    for (i, product) in products.iter().enumerate() {
        let limit = [1, 20, 100][i % 3];
        let found = pool.candidates(product, limit);
        assert_eq!(found, plainly(&entries, product, limit, |_, open| open), "product {}", product.id);
        fitting += found.total;
        assert_eq!(
            pool.candidates_where(product, limit, some_banks),
            plainly(&entries, product, limit, some_banks),
            "product {} with a consent filter",
            product.id
        );
    }
    // The generated firms must exercise the pass: many fit, many do not.
    assert!(fitting > products.len() * 100 && fitting < products.len() * 5_000, "{fitting} fitting");

    // Changes: updates (other facts and consent), removals, and new firms between and after the others.
    let fresh = firms(6, 600, 1);
    let mut changes: Vec<(i64, Option<(FirmFacts, bool)>)> = Vec::new();
    for (k, f) in fresh.iter().enumerate() {
        let id = match k % 3 {
            0 => f.id * 9,          // an update of an existing firm
            1 => 10_000 + f.id * 2, // a new firm past the end
            _ => -f.id,             // a new firm before the start
        };
        changes.push((id, Some((f.facts, !f.open))));
    }
    changes.extend((1..200).map(|id| (id * 13, None)));
    pool.apply(changes.clone());
    for (id, change) in changes {
        match (entries.binary_search_by_key(&id, |e| e.id), change) {
            (Ok(i), Some((facts, open))) => entries[i] = PoolEntry { id, facts, open },
            (Ok(i), None) => {
                entries.remove(i);
            }
            (Err(i), Some((facts, open))) => entries.insert(i, PoolEntry { id, facts, open }),
            (Err(_), None) => {}
        }
    }
    assert_eq!(pool.len(), entries.len());
    for product in products.iter().step_by(3) {
        assert_eq!(pool.candidates(product, 20), plainly(&entries, product, 20, |_, open| open), "{}", product.id);
        assert_eq!(pool.candidates_where(product, 20, some_banks), plainly(&entries, product, 20, some_banks));
    }
}
