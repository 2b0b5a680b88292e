//! Matching with verified facts: a rule a product requires verified, and how each rule's explanation says
//! it stands (已核验 / 未核验 / 核验结果不符 / 需更新), in a match and in one product's judgement.

use super::{firm, need, product, today};
use crate::explain::{Finding, Outcome};
use crate::{MatchOutcome, MatchRequest, Matcher, Standing, Verified};
use finmart_domain::{
    EnterpriseProfile, Fact, FactRecord, FactSource, HomeArea, Product, SourcedFact, read_fact_record,
};
use serde_json::json;
use std::collections::HashMap;

const FIRM: &str = "91350100M000100Y43";

fn fact(kind: &str, value: &str, as_of: &str, valid_until: Option<&str>, source: FactSource) -> SourcedFact {
    let record = FactRecord {
        source_record_id: format!("{kind}-{value}-{as_of}"),
        uscc: FIRM.into(),
        kind: kind.into(),
        value: value.into(),
        certificate: (kind == "qualification").then(|| "GR202412000123".into()),
        as_of: as_of.into(),
        valid_until: valid_until.map(Into::into),
    };
    let fact: Fact = read_fact_record(&record, source, today()).unwrap();
    SourcedFact { fact, source }
}

fn grade(value: &str, as_of: &str) -> SourcedFact {
    fact("tax_credit_grade", value, as_of, None, FactSource::Tax)
}

/// A product asking grade B or better, verified when `required`.
fn grade_product(required: bool) -> Product {
    let verified = if required { json!(["min_tax_credit_grade"]) } else { json!([]) };
    product(1, json!({"eligibility": {"min_tax_credit_grade": "B"}, "verified_rules": verified}))
}

fn run_with(products: Vec<Product>, profile: &EnterpriseProfile, facts: Option<Vec<SourcedFact>>) -> MatchOutcome {
    let matcher = Matcher::new(HomeArea::default());
    matcher.replace_all(products);
    let relevance = HashMap::new();
    let verified = facts.map(|f| Verified::new(profile.clone(), f, today()));
    let n = need(json!({}));
    matcher.match_need(&MatchRequest {
        profile,
        need: &n,
        today: today(),
        relevance: &relevance,
        limit: 10,
        verified: verified.as_ref(),
    })
}

fn grade_finding(out: &MatchOutcome) -> Finding {
    let ranked = out.eligible.iter().chain(&out.ineligible).chain(&out.near_misses).next().unwrap();
    ranked.findings.iter().find(|f| f.code == "min_tax_credit_grade").unwrap().clone()
}

#[test]
fn a_required_rule_passes_on_a_current_verified_fact() {
    let a = firm(json!({"tax_credit_grade": "A"}));
    let out = run_with(vec![grade_product(true)], &a, Some(vec![grade("A", "2025-12-31")]));
    assert_eq!(out.eligible_total, 1);
    let f = grade_finding(&out);
    assert_eq!(f.outcome, Outcome::Pass);
    let note = f.verification.unwrap();
    assert_eq!((note.state, note.required), ("verified", true));
    assert_eq!(note.label.zh, "已核验");
    assert_eq!(note.detail.zh, "已核验：税务部门核验为 A 级（2025-12-31）");
    assert_eq!(note.detail.en, "Verified: grade A per the tax bureau (as of 2025-12-31)");
}

#[test]
fn a_required_rule_fails_unverified_whatever_the_firm_declares() {
    let a = firm(json!({"tax_credit_grade": "A"}));
    for facts in [None, Some(Vec::new())] {
        let out = run_with(vec![grade_product(true)], &a, facts);
        assert_eq!(out.eligible_total, 0);
        let f = grade_finding(&out);
        assert_eq!(f.outcome, Outcome::Fail);
        assert_eq!(f.verification.as_ref().unwrap().state, "unverified");
        assert_eq!(f.message.zh, "须经核验：未核验。要求纳税信用等级 B 级及以上（须经税务部门核验）");
        assert_eq!(
            f.message.en,
            "Must be verified: not verified. Requires Tax credit grade B or better (verified by the tax bureau)"
        );
        assert_eq!(f.verification.as_ref().unwrap().detail.zh, "未核验：尚无纳税信用等级的核验信息");
        assert!(f.fix.as_ref().unwrap().zh.contains("报送贵企业的纳税信用等级后即可重新匹配"), "{:?}", f.fix);
    }
    // Undeclared and unverified is a failure too, not data to add.
    let undeclared = firm(json!({"tax_credit_grade": null}));
    let out = run_with(vec![grade_product(true)], &undeclared, Some(Vec::new()));
    assert_eq!(grade_finding(&out).outcome, Outcome::Fail);
    assert_eq!(out.needs_info_total, 0);
}

#[test]
fn a_conflict_is_judged_on_the_verified_value() {
    // Declared A, verified C: fails a B-or-better rule, required or not, and says why.
    let a = firm(json!({"tax_credit_grade": "A"}));
    for required in [true, false] {
        let out = run_with(vec![grade_product(required)], &a, Some(vec![grade("C", "2025-12-31")]));
        assert_eq!(out.eligible_total, 0, "required {required}");
        let f = grade_finding(&out);
        assert_eq!(f.outcome, Outcome::Fail);
        let note = f.verification.unwrap();
        assert_eq!(note.state, "conflict");
        assert_eq!(note.label.zh, "核验结果不符");
        assert_eq!(note.detail.zh, "核验结果不符：申报为 A 级，税务部门核验为 C 级（2025-12-31），按核验结果判断");
        assert!(note.detail.en.starts_with("Verification differs: you declared grade A; the tax bureau says grade C"));
    }
    // Declared C, verified A: passes, verification differing.
    let c = firm(json!({"tax_credit_grade": "C"}));
    let out = run_with(vec![grade_product(true)], &c, Some(vec![grade("A", "2025-12-31")]));
    assert_eq!(out.eligible_total, 1);
    assert_eq!(grade_finding(&out).verification.unwrap().state, "conflict");
}

#[test]
fn an_expired_fact_needs_updating_and_fails_a_required_rule() {
    let a = firm(json!({"tax_credit_grade": "A"}));
    // A grade of 2023 was current until 2025-06-30.
    let old = vec![grade("A", "2023-12-31")];
    let out = run_with(vec![grade_product(true)], &a, Some(old.clone()));
    assert_eq!(out.eligible_total, 0);
    let f = grade_finding(&out);
    assert_eq!(f.outcome, Outcome::Fail);
    let note = f.verification.as_ref().unwrap();
    assert_eq!((note.state, note.label.zh.as_str()), ("expired", "需更新"));
    assert_eq!(note.detail.zh, "需更新：税务部门 2023-12-31 的核验信息已于 2025-06-30 过期，视为未核验");
    assert!(f.message.zh.starts_with("须经核验：需更新。"), "{}", f.message.zh);
    assert!(f.fix.as_ref().unwrap().zh.starts_with("请联系数据来源部门更新纳税信用等级"));
    // Not required: the declaration still decides, and the explanation says the fact needs updating.
    let out = run_with(vec![grade_product(false)], &a, Some(old));
    assert_eq!(out.eligible_total, 1);
    assert_eq!(grade_finding(&out).verification.unwrap().state, "expired");
}

#[test]
fn not_required_the_declaration_is_used_when_no_fact_is_there() {
    let a = firm(json!({"tax_credit_grade": "A"}));
    let out = run_with(vec![grade_product(false)], &a, Some(Vec::new()));
    assert_eq!(out.eligible_total, 1);
    let note = grade_finding(&out).verification.unwrap();
    assert_eq!((note.state, note.required), ("unverified", false));
    assert_eq!(note.detail.zh, "未核验：按企业申报判断");
    // Matched without facts (a profile typed by anyone), nothing is said about verification.
    let out = run_with(vec![grade_product(false)], &a, None);
    assert_eq!(out.eligible_total, 1);
    assert!(grade_finding(&out).verification.is_none());
}

#[test]
fn years_tax_paid_and_qualifications_are_verified_by_their_facts() {
    let p = firm(json!({"established": "2015-03-01", "tax_paid": 30_000_000, "qualifications": ["high_tech"]}));
    let product = product(
        1,
        json!({"eligibility": {"min_years_in_operation": 5, "tax_paid_yuan": "10万..", "qualifications_any": ["high_tech", "specialised"]},
               "verified_rules": ["min_years_in_operation", "tax_paid_yuan", "qualifications_any"]}),
    );
    let established = fact("established", "2015-03-01", "2026-06-30", None, FactSource::MarketRegulation);
    let paid = fact("tax_paid", "300000", "2025-12-31", None, FactSource::Tax);
    let high_tech = fact("qualification", "high_tech", "2024-12-01", Some("2027-11-30"), FactSource::Science);
    let all = vec![established.clone(), paid.clone(), high_tech.clone()];
    let out = run_with(vec![product.clone()], &p, Some(all));
    assert_eq!(out.eligible_total, 1, "{:?}", out.ineligible.first().map(|r| &r.findings));
    // Each fact missing fails its own rule only.
    for (i, code) in ["min_years_in_operation", "tax_paid_yuan", "qualifications_any"].iter().enumerate() {
        let mut facts = vec![established.clone(), paid.clone(), high_tech.clone()];
        facts.remove(i);
        let out = run_with(vec![product.clone()], &p, Some(facts));
        let ranked = out.ineligible.first().or(out.near_misses.first()).unwrap();
        let failed: Vec<_> = ranked.findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code).collect();
        assert_eq!(failed, [*code]);
    }
    // A verified title the rule does not ask for verifies nothing.
    let tech_sme = fact("qualification", "tech_sme", "2024-12-01", Some("2027-11-30"), FactSource::Science);
    let out = run_with(vec![product], &p, Some(vec![established, paid, tech_sme]));
    assert_eq!(out.eligible_total, 0);
}

#[test]
fn a_products_judgement_reads_the_same_facts() {
    let matcher = Matcher::new(HomeArea::default());
    let a = firm(json!({"tax_credit_grade": "A"}));
    let product = grade_product(true);
    assert_eq!(matcher.judge(&product, &a, None, today()).standing, Standing::NearMiss);
    let verified = Verified::new(a.clone(), vec![grade("A", "2025-12-31")], today());
    let judged = matcher.judge_verified(&product, &verified, None);
    assert_eq!(judged.standing, Standing::Eligible);
    let stale = Verified::new(a, vec![grade("A", "2023-12-31")], today());
    let judged = matcher.judge_verified(&product, &stale, None);
    assert_eq!(judged.standing, Standing::NearMiss);
    assert_eq!(
        judged.findings.iter().find(|f| f.code == "min_tax_credit_grade").unwrap().verification.as_ref().unwrap().state,
        "expired"
    );
}

/// The pool's entry of a firm of `declared` with `facts`, as the server loads it.
fn entry(id: i64, declared: &EnterpriseProfile, facts: &[SourcedFact]) -> crate::PoolEntry {
    let facts: Vec<Fact> = facts.iter().map(|f| f.fact.clone()).collect();
    crate::PoolEntry { id, facts: Verified::firm_facts_of(declared, &facts, today()), open: true }
}

#[test]
fn the_pool_judges_firms_with_their_verified_facts_as_their_own_match_does() {
    use crate::{CompiledProduct, ProfilePool};
    let a = firm(json!({"tax_credit_grade": "A"}));
    let c = firm(json!({"tax_credit_grade": "C"}));
    let firms = [
        (1, &a, vec![]),                         // declared A only
        (2, &a, vec![grade("A", "2025-12-31")]), // declared A, verified A
        (3, &a, vec![grade("C", "2025-12-31")]), // declared A, verified C: judged C
        (4, &c, vec![grade("A", "2025-12-31")]), // declared C, verified A: judged A
        (5, &a, vec![grade("A", "2023-12-31")]), // verified A, expired on 2025-06-30
        (6, &c, vec![]),                         // declared C only
    ];
    let pool = ProfilePool::new();
    pool.replace_all(firms.iter().map(|(id, p, f)| entry(*id, p, f)).collect());
    let listed = |product: &Product| -> Vec<i64> {
        let mut ids: Vec<i64> =
            pool.candidates(&CompiledProduct::new(product), 10).top.iter().map(|c| c.profile_id).collect();
        ids.sort_unstable();
        ids
    };
    // Required verified: only a current verified grade of B or better.
    assert_eq!(listed(&grade_product(true)), [2, 4]);
    // Not required: the verified grade where current, else the declaration (the expired fact changes nothing).
    assert_eq!(listed(&grade_product(false)), [1, 2, 4, 5]);
    // Each answer is the firm's own match's answer.
    for required in [true, false] {
        for (id, p, facts) in &firms {
            let own = run_with(vec![grade_product(required)], p, Some(facts.clone())).eligible_total == 1;
            assert_eq!(listed(&grade_product(required)).contains(id), own, "firm {id}, required {required}");
        }
    }
    // A batch of facts reaching the pool: the declared-only firm verified, the verified one contradicted.
    pool.apply(vec![
        (1, Some((entry(1, &a, &[grade("A", "2025-12-31")]).facts, true))),
        (2, Some((entry(2, &a, &[grade("A", "2025-12-31"), grade("D", "2026-06-30")]).facts, true))),
    ]);
    assert_eq!(listed(&grade_product(true)), [1, 4]);
}

#[test]
fn the_pool_requires_verified_qualifications_and_figures_as_check_firm_does() {
    use crate::{CompiledProduct, ProfilePool};
    let p = firm(json!({"established": "2015-03-01", "tax_paid": 30_000_000, "qualifications": ["high_tech"]}));
    let product = product(
        1,
        json!({"eligibility": {"min_years_in_operation": 5, "tax_paid_yuan": "10万..", "qualifications_any": ["high_tech", "specialised"]},
               "verified_rules": ["min_years_in_operation", "tax_paid_yuan", "qualifications_any"]}),
    );
    let established = fact("established", "2015-03-01", "2026-06-30", None, FactSource::MarketRegulation);
    let paid = fact("tax_paid", "300000", "2025-12-31", None, FactSource::Tax);
    let high_tech = fact("qualification", "high_tech", "2024-12-01", Some("2027-11-30"), FactSource::Science);
    let tech_sme = fact("qualification", "tech_sme", "2024-12-01", Some("2027-11-30"), FactSource::Science);
    let sets = [
        vec![established.clone(), paid.clone(), high_tech.clone()],
        vec![paid.clone(), high_tech.clone()],
        vec![established.clone(), high_tech],
        vec![established.clone(), paid.clone()],
        vec![established, paid, tech_sme],
        vec![],
    ];
    let pool = ProfilePool::new();
    pool.replace_all(sets.iter().zip(1..).map(|(facts, id)| entry(id, &p, facts)).collect());
    let compiled = CompiledProduct::new(&product);
    let found = pool.candidates(&compiled, 10);
    assert_eq!(found.top.iter().map(|c| c.profile_id).collect::<Vec<_>>(), [1]);
    assert_eq!((found.total, found.needs_info), (1, 0));
    for (facts, id) in sets.iter().zip(1..) {
        let verdict = compiled.check_firm(&entry(id, &p, facts).facts);
        assert_eq!(verdict.failed.is_empty(), id == 1, "firm {id}");
    }
}
