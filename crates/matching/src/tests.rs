//! Matching as a whole: explained eligibility, near misses, missing data, ranking properties, reverse.

use crate::Ranked;
use crate::explain::Outcome;
use crate::facts::FirmFacts;
use crate::{CompiledProduct, MatchOutcome, MatchRequest, Matcher, PoolEntry, ProfilePool};
use chrono::{NaiveDate, TimeZone, Utc};
use finmart_domain::{EnterpriseProfile, FinancingNeed, InstitutionRef, LifecycleState, Product};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// A published product from a spec whose fields default to a plain citywide credit loan.
fn product(id: i64, overrides: Value) -> Product {
    let mut spec = json!({
        "code": format!("P{id}"),
        "name": format!("测试产品{id}"),
        "family": "credit",
        "description": "流动资金贷款",
        "amount": {"min": 10_000_000, "max": 500_000_000},
        "term": {"min": 3, "max": 36},
        "rate": {"min": 400, "max": 600},
        "rate_basis": {"kind": "fixed"},
        "repayment_methods": ["equal_instalment", "interest_only"],
        "collateral": [],
        "guarantee": null,
        "eligibility": {},
        "policy_support": [],
        "decision_days": 5,
        "online": false,
        "districts": ["heping","hedong","hexi","nankai","hebei","hongqiao","dongli","xiqing","jinnan","beichen",
                      "wuqing","baodi","ninghe","jinghai","jizhou","binhai"],
        "valid_from": "2025-01-01",
        "valid_until": null,
    });
    for (k, v) in overrides.as_object().unwrap() {
        spec[k] = v.clone();
    }
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Product {
        id,
        institution: InstitutionRef {
            id: 1,
            code: "bank".into(),
            name: "测试银行".into(),
            kind: finmart_domain::InstitutionKind::Bank,
        },
        guarantee_agency: None,
        state: LifecycleState::Published,
        spec: serde_json::from_value(spec).unwrap(),
        created_at: at,
        updated_at: at,
    }
}

fn firm(overrides: Value) -> EnterpriseProfile {
    let mut p = json!({
        "name": "天津测试科技有限公司",
        "district": "binhai",
        "industry": "software",
        "established": "2020-03-01",
        "employees": 40,
        "revenue": 800_000_000,
        "total_assets": 1_000_000_000,
        "total_liabilities": 400_000_000,
        "tax_credit_grade": "B",
        "tax_paid": 30_000_000,
        "qualifications": ["tech_sme"],
        "invention_patents": 2,
        "trademarks": 1,
        "receivables": [],
        "procurement_contracts": [],
        "ever_borrowed": true,
        "overdue": {"kind": "never"},
    });
    for (k, v) in overrides.as_object().unwrap() {
        p[k] = v.clone();
    }
    serde_json::from_value(p).unwrap()
}

fn need(overrides: Value) -> FinancingNeed {
    let mut n = json!({"amount": 100_000_000, "term": 12, "purpose": "working_capital"});
    for (k, v) in overrides.as_object().unwrap() {
        n[k] = v.clone();
    }
    serde_json::from_value(n).unwrap()
}

/// The checks a product failed.
fn failed_codes(ranked: &Ranked) -> Vec<&'static str> {
    ranked.findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code).collect()
}

fn run(products: Vec<Product>, profile: &EnterpriseProfile, need: &FinancingNeed) -> MatchOutcome {
    let matcher = Matcher::new();
    matcher.replace_all(products);
    let relevance = HashMap::new();
    matcher.match_need(&MatchRequest { profile, need, today: today(), relevance: &relevance, limit: 50 })
}

#[test]
fn a_failed_rule_says_what_was_required_and_what_the_firm_has() {
    let out = run(
        vec![product(1, json!({"eligibility": {"min_tax_credit_grade": "A"}}))],
        &firm(json!({})),
        &need(json!({})),
    );
    assert_eq!(out.eligible_total, 0);
    assert_eq!(out.ineligible_total, 1);
    let finding = out.ineligible[0].findings.iter().find(|f| f.outcome == Outcome::Fail).unwrap();
    assert_eq!(finding.code, "min_tax_credit_grade");
    assert_eq!(finding.message.zh, "要求纳税信用等级 A 级及以上，贵企业为 B 级");
    assert_eq!(finding.fix.as_ref().unwrap().zh, "将纳税信用等级提升至 A 级");
    assert_eq!(out.by_reason[0].code, "min_tax_credit_grade");
    assert_eq!(out.by_reason[0].count, 1);
}

#[test]
fn missing_data_is_its_own_outcome() {
    let profile = firm(json!({"tax_paid": null}));
    let out =
        run(vec![product(1, json!({"eligibility": {"min_tax_paid_yuan": "100000"}}))], &profile, &need(json!({})));
    assert_eq!((out.eligible_total, out.needs_info_total, out.ineligible_total), (0, 1, 0));
    let finding = out.needs_info[0].findings.iter().find(|f| f.outcome == Outcome::Missing).unwrap();
    assert_eq!(finding.message.zh, "需补充：近一年纳税额");
    assert_eq!(out.missing[0].code, "min_tax_paid_yuan");
    // With the figure given, the same product is decided.
    let out = run(
        vec![product(1, json!({"eligibility": {"min_tax_paid_yuan": "100000"}}))],
        &firm(json!({})),
        &need(json!({})),
    );
    assert_eq!(out.eligible_total, 1);
}

#[test]
fn every_rule_kind_passes_fails_and_misses_as_its_figures_say() {
    // (rule, value, profile override that fails it, override that leaves it missing (or null when it can't be))
    let cases: Vec<(&str, Value, Value, Option<Value>)> = vec![
        ("min_years_in_operation", json!(10), json!({}), None),
        ("revenue_yuan", json!("10000000.."), json!({}), None),
        ("employees", json!("..20"), json!({}), None),
        ("scales", json!("micro"), json!({}), Some(json!({"industry": "construction", "total_assets": null}))),
        ("min_tax_credit_grade", json!("A"), json!({}), Some(json!({"tax_credit_grade": null}))),
        ("min_tax_paid_yuan", json!("1000000"), json!({}), Some(json!({"tax_paid": null}))),
        ("qualifications_any", json!("high_tech|specialised"), json!({}), None),
        ("qualifications_all", json!("tech_sme|high_tech"), json!({}), None),
        ("industries_allowed", json!("industrial"), json!({}), None),
        ("industries_excluded", json!("software"), json!({}), None),
        ("sectors_any", json!("biomedicine"), json!({}), None),
        ("min_invention_patents", json!(5), json!({}), Some(json!({"invention_patents": null}))),
        ("min_trademarks", json!(3), json!({}), Some(json!({"trademarks": null}))),
        ("gov_procurement_contract", json!(true), json!({}), Some(json!({"procurement_contracts": null}))),
        ("core_enterprise_receivables", json!(true), json!({}), Some(json!({"receivables": null}))),
        ("first_loan_only", json!(true), json!({}), Some(json!({"ever_borrowed": null}))),
        (
            "no_overdue_months",
            json!(24),
            json!({"overdue": {"kind": "months_ago", "months": 6}}),
            Some(json!({"overdue": null})),
        ),
        ("max_debt_ratio_pct", json!(30), json!({}), Some(json!({"total_liabilities": null}))),
    ];
    for (key, value, failing, missing) in cases {
        let p = product(1, json!({"eligibility": {key: value}}));
        let out = run(vec![p.clone()], &firm(failing), &need(json!({})));
        assert_eq!(out.ineligible_total, 1, "{key} should fail");
        assert_eq!(failed_codes(&out.ineligible[0]), [key], "{key}");
        let finding = out.ineligible[0].findings.iter().find(|f| f.code == key).unwrap();
        assert!(finding.message.zh.starts_with("要求"), "{key}: {}", finding.message.zh);
        assert!(finding.actual.is_some(), "{key} should say what the firm has");
        if let Some(missing) = missing {
            let out = run(vec![p], &firm(missing), &need(json!({})));
            assert_eq!(out.needs_info_total, 1, "{key} should be missing");
            assert!(out.needs_info[0].findings.iter().any(|f| f.code == key && f.outcome == Outcome::Missing));
        }
    }
}

#[test]
fn passing_rules_are_listed_as_met() {
    let p = product(1, json!({"eligibility": {"min_years_in_operation": 3, "qualifications_any": "tech_sme"}}));
    let out = run(vec![p], &firm(json!({})), &need(json!({})));
    assert_eq!(out.eligible_total, 1);
    let codes: Vec<_> = out.eligible[0].findings.iter().map(|f| (f.code, f.outcome)).collect();
    assert!(codes.contains(&("min_years_in_operation", Outcome::Pass)));
    assert!(codes.contains(&("qualifications_any", Outcome::Pass)));
    assert!(codes.contains(&("amount", Outcome::Pass)));
    assert!(out.eligible[0].quote.is_some());
}

#[test]
fn near_misses_say_what_to_ask_instead() {
    let products = vec![
        product(1, json!({"amount": {"min": 10_000_000, "max": 50_000_000}})),
        product(2, json!({"collateral": ["real_estate"]})),
        product(
            3,
            json!({"eligibility": {"min_tax_credit_grade": "A"}, "amount": {"min": 10_000_000, "max": 50_000_000}}),
        ),
    ];
    let profile = firm(json!({"collateral": ["real_estate"]}));
    let out = run(products, &profile, &need(json!({})));
    assert_eq!(out.near_misses_total, 2);
    let fixes: Vec<String> = out
        .near_misses
        .iter()
        .flat_map(|r| r.findings.iter().filter_map(|f| f.fix.as_ref().map(|x| x.zh.clone())))
        .collect();
    assert!(fixes.contains(&"将申请金额调整为 50 万元 以内".to_owned()), "{fixes:?}");
    assert!(fixes.contains(&"贵企业拥有房产抵押，提供即可申请".to_owned()), "{fixes:?}");
    // Two failures, one of them not about the need: not a near miss.
    assert_eq!(out.ineligible_total, 1);
}

#[test]
fn cost_ceiling_and_waiting_time_are_checked() {
    let products =
        vec![product(1, json!({"rate": {"min": 800, "max": 900}})), product(2, json!({"decision_days": 20}))];
    let n = need(json!({"max_annual_cost": 600, "needed_within_days": 10}));
    let out = run(products, &firm(json!({})), &n);
    assert_eq!(out.near_misses_total, 2);
    let codes: Vec<Vec<&str>> = out.near_misses.iter().map(failed_codes).collect();
    assert!(codes.contains(&vec!["max_cost"]));
    assert!(codes.contains(&vec!["speed"]));
}

#[test]
fn products_outside_their_validity_window_are_not_considered() {
    let products =
        vec![product(1, json!({"valid_until": "2026-01-01"})), product(2, json!({"valid_from": "2027-01-01"}))];
    let out = run(products, &firm(json!({})), &need(json!({})));
    assert_eq!(out.considered, 0);
}

#[test]
fn cheaper_ranks_first_and_ties_break_by_id() {
    let products = vec![
        product(3, json!({"rate": {"min": 500, "max": 600}})),
        product(1, json!({"rate": {"min": 500, "max": 600}})),
        product(2, json!({"rate": {"min": 350, "max": 600}})),
    ];
    let out = run(products, &firm(json!({})), &need(json!({})));
    let ids: Vec<i64> = out.eligible.iter().map(|r| r.product_id).collect();
    assert_eq!(ids, [2, 1, 3]);
    assert!(out.eligible[0].components.cost > out.eligible[1].components.cost);
}

#[test]
fn subsidies_lower_the_quoted_cost_for_small_firms_only() {
    let p = product(1, json!({"policy_support": ["interest_subsidy"], "rate": {"min": 400, "max": 500}}));
    let small = run(vec![p.clone()], &firm(json!({"qualifications": []})), &need(json!({})));
    let quote = small.eligible[0].quote.unwrap();
    assert_eq!(quote.subsidies.interest, 150);
    assert_eq!(quote.apr.bps(), 250);
    // A large firm with no technology qualification gets no subsidy.
    let large = firm(json!({"employees": 400, "revenue": 20_000_000_000i64, "qualifications": []}));
    assert_eq!(large.scale(), Some(finmart_domain::EnterpriseScale::Large));
    let out = run(vec![p], &large, &need(json!({})));
    assert_eq!(out.eligible[0].quote.unwrap().apr.bps(), 400);
}

#[test]
fn reverse_matching_finds_fitting_firms_only() {
    let p = product(1, json!({"eligibility": {"min_tax_credit_grade": "B", "qualifications_any": "tech_sme"}}));
    let compiled = CompiledProduct::new(&p);
    let fits = FirmFacts::of(&firm(json!({})), today());
    let wrong_grade = FirmFacts::of(&firm(json!({"tax_credit_grade": "C"})), today());
    let unknown = FirmFacts::of(&firm(json!({"tax_credit_grade": null})), today());
    let bigger = FirmFacts::of(&firm(json!({"revenue": 4_000_000_000i64})), today());
    let pool = ProfilePool::new();
    pool.replace_all(vec![
        PoolEntry { id: 10, facts: fits, open: true },
        PoolEntry { id: 11, facts: wrong_grade, open: true },
        PoolEntry { id: 12, facts: unknown, open: true },
        PoolEntry { id: 13, facts: bigger, open: true },
    ]);
    let found = pool.candidates(&compiled, 10);
    assert_eq!((found.pool, found.total, found.needs_info), (4, 2, 1));
    let ids: Vec<i64> = found.top.iter().map(|c| c.profile_id).collect();
    assert!(ids.contains(&10) && ids.contains(&13) && !ids.contains(&11));
}

// Properties over generated catalogues.

fn arb_product(id: i64) -> impl Strategy<Value = Product> {
    (
        300u32..1200,
        0u32..400,
        prop::option::of(50u32..150),
        1u16..30,
        prop::sample::select(vec!["A", "B", "M"]),
        prop::bool::ANY,
        0u32..4,
        prop::bool::ANY,
    )
        .prop_map(move |(rate, spread, fee, days, grade, collateral, patents, subsidy)| {
            let mut eligibility = serde_json::Map::new();
            eligibility.insert("min_tax_credit_grade".into(), json!(grade));
            if patents > 0 {
                eligibility.insert("min_invention_patents".into(), json!(patents));
            }
            product(
                id,
                json!({
                    "rate": {"min": rate, "max": rate + spread},
                    "guarantee": fee.map(|f| json!({"agency_code": "agency", "fee_rate": f})),
                    "decision_days": days,
                    "collateral": if collateral { json!(["real_estate"]) } else { json!([]) },
                    "eligibility": eligibility,
                    "policy_support": if subsidy { json!(["interest_subsidy"]) } else { json!([]) },
                }),
            )
        })
}

fn arb_catalogue() -> impl Strategy<Value = Vec<Product>> {
    (1usize..12).prop_flat_map(|n| (1..=n as i64).map(arb_product).collect::<Vec<_>>())
}

fn arb_firm() -> impl Strategy<Value = (EnterpriseProfile, FinancingNeed)> {
    (prop::sample::select(vec!["A", "B", "M", "C"]), 0u32..5, prop::bool::ANY, prop::bool::ANY).prop_map(
        |(grade, patents, offers, guarantee)| {
            let profile = firm(json!({"tax_credit_grade": grade, "invention_patents": patents}));
            let n = need(json!({
                "collateral_offered": if offers { json!(["real_estate"]) } else { json!([]) },
                "accepts_guarantee": guarantee,
            }));
            (profile, n)
        },
    )
}

fn eligible_ids(out: &MatchOutcome) -> Vec<i64> {
    out.eligible.iter().map(|r| r.product_id).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lists_hold_what_their_findings_say((profile, n) in arb_firm(), products in arb_catalogue()) {
        let out = run(products.clone(), &profile, &n);
        prop_assert_eq!(out.eligible_total + out.near_misses_total + out.needs_info_total + out.ineligible_total, products.len());
        for r in &out.eligible {
            prop_assert!(r.findings.iter().all(|f| f.outcome == Outcome::Pass));
        }
        for r in out.near_misses.iter().chain(&out.ineligible) {
            prop_assert!(r.findings.iter().any(|f| f.outcome == Outcome::Fail));
        }
        for r in &out.needs_info {
            prop_assert!(r.findings.iter().any(|f| f.outcome == Outcome::Missing));
            prop_assert!(r.findings.iter().all(|f| f.outcome != Outcome::Fail));
        }
        // Ranked best first.
        prop_assert!(out.eligible.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn the_same_input_gives_the_same_output((profile, n) in arb_firm(), products in arb_catalogue()) {
        let a = run(products.clone(), &profile, &n);
        let mut reversed = products;
        reversed.reverse();
        let b = run(reversed, &profile, &n);
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    }

    #[test]
    fn lowering_only_a_products_cost_never_lowers_its_rank(
        (profile, n) in arb_firm(),
        products in arb_catalogue(),
        pick in any::<prop::sample::Index>(),
        cut in 1u32..300,
    ) {
        let before = run(products.clone(), &profile, &n);
        let ids = eligible_ids(&before);
        prop_assume!(!ids.is_empty());
        let target = ids[pick.index(ids.len())];
        let mut cheaper = products;
        for p in &mut cheaper {
            if p.id == target {
                let (min, max) = (p.spec.rate.min().bps(), p.spec.rate.max().bps());
                let lower = |v: u32| finmart_domain::Bps::new(v.saturating_sub(cut)).unwrap();
                p.spec.rate = finmart_domain::Range::new(lower(min), lower(max)).unwrap();
            }
        }
        let after = run(cheaper, &profile, &n);
        let apr = |out: &MatchOutcome| {
            out.eligible.iter().find(|r| r.product_id == target).and_then(|r| r.quote).map(|q| q.apr)
        };
        // The cost is the effective annual rate. A lower nominal rate almost always lowers it, but not
        // always (等额本息 with an upfront fee and an interest subsidy: see `cost`), so the property is
        // stated on the cost itself.
        prop_assume!(apr(&after) <= apr(&before));
        let place = |out: &MatchOutcome| eligible_ids(out).iter().position(|id| *id == target);
        prop_assert!(place(&after).is_some());
        prop_assert!(place(&after) <= place(&before));
    }
}
