//! Matching as a whole: explained eligibility, near misses, missing data, facts a product leaves unstated,
//! ranking properties, reverse.

use crate::Ranked;
use crate::compiled::CollateralMask;
use crate::explain::{Finding, Outcome};
use crate::facts::{FirmFacts, mask};
use crate::rank::collateral_component;
use crate::{CompiledProduct, MatchOutcome, MatchRequest, Matcher, PoolEntry, ProfilePool};
use chrono::{NaiveDate, TimeZone, Utc};
use finmart_domain::{
    Bps, Collateral, CollateralTerms, District, EnterpriseProfile, FinancingNeed, HomeArea, InstitutionRef, Labelled,
    LifecycleState, Pricing, Product, Publication, ReferenceKind, ReferenceRates, ServiceArea, StatedRange,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;

mod boundaries;
mod subsidies;
mod verified;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// The reference rates the migration seeds (LPR of 2025-05-20, PBOC benchmark rates of 2015-10-24), with
/// the 1-year LPR at `lpr_1y`.
fn references(lpr_1y: u32) -> ReferenceRates {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let p = |kind, bps, published_on| Publication { kind, rate: Bps::new(bps).unwrap(), published_on };
    ReferenceRates::current(
        [
            p(ReferenceKind::Lpr1y, lpr_1y, day(2025, 5, 20)),
            p(ReferenceKind::Lpr5y, 350, day(2025, 5, 20)),
            p(ReferenceKind::Benchmark1y, 435, day(2015, 10, 24)),
            p(ReferenceKind::Benchmark1to5y, 475, day(2015, 10, 24)),
            p(ReferenceKind::Benchmark5yPlus, 490, day(2015, 10, 24)),
        ],
        today(),
    )
}

/// A spec's JSON in the shorthand of these tests made whole: `rate` (annual basis points, either bound
/// optional) becomes a fixed annual pricing, and a guarantee's `fee_rate` the range from it to itself.
fn expand(spec: &mut Value) {
    let object = spec.as_object_mut().unwrap();
    if let Some(rate) = object.remove("rate") {
        let ppm = |bound: &str| rate.get(bound).and_then(Value::as_u64).map(|b| b * 100);
        let pricing = if ppm("min").is_none() && ppm("max").is_none() {
            json!({"kind": "not_stated"})
        } else {
            json!({"kind": "stated", "period": "annual", "notation": "percent",
                   "range": {"min": ppm("min"), "max": ppm("max")}, "fixed": true})
        };
        object.insert("pricing".into(), pricing);
    }
    if let Some(guarantee) = object.get_mut("guarantee").and_then(Value::as_object_mut)
        && let Some(fee) = guarantee.remove("fee_rate")
    {
        guarantee.insert("fee".into(), json!({"min": fee, "max": fee}));
    }
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
        "repayment_methods": ["equal_instalment", "interest_only"],
        "collateral": {"kind": "none_required"},
        "guarantee": null,
        "eligibility": {},
        "policy_support": [],
        "decision_days": 5,
        "online": false,
        "area": {"kind": "within", "divisions": ["120000"]},
        "valid_from": "2025-01-01",
        "valid_until": null,
    });
    for (k, v) in overrides.as_object().unwrap() {
        if k == "pricing" {
            spec.as_object_mut().unwrap().remove("rate");
        }
        spec[k] = v.clone();
    }
    expand(&mut spec);
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let spec: finmart_domain::ProductSpec = serde_json::from_value(spec).unwrap();
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
        references: references(300).only(spec.pricing.reference_kinds()),
        spec,
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
        "sectors": [],
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
    let matcher = Matcher::new(HomeArea::default());
    matcher.replace_all(products);
    let relevance = HashMap::new();
    matcher.match_need(&MatchRequest {
        profile,
        need,
        today: today(),
        relevance: &relevance,
        limit: 50,
        verified: None,
    })
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
    let out = run(vec![product(1, json!({"eligibility": {"tax_paid_yuan": "100000.."}}))], &profile, &need(json!({})));
    assert_eq!((out.eligible_total, out.needs_info_total, out.ineligible_total), (0, 1, 0));
    let finding = out.needs_info[0].findings.iter().find(|f| f.outcome == Outcome::Missing).unwrap();
    assert_eq!(finding.message.zh, "需补充：近一年纳税额");
    assert_eq!(out.missing[0].code, "tax_paid_yuan");
    // With the figure given, the same product is decided.
    let out = run(
        vec![product(1, json!({"eligibility": {"tax_paid_yuan": "100000.."}}))],
        &firm(json!({})),
        &need(json!({})),
    );
    assert_eq!(out.eligible_total, 1);
}

#[test]
fn an_upper_bound_fails_a_firm_above_it_and_passes_one_within() {
    // 年纳税额不超过 50 万元; the firm paid 30 万元.
    let capped = |cap: &str| product(1, json!({"eligibility": {"tax_paid_yuan": cap}}));
    let out = run(vec![capped("..20万")], &firm(json!({})), &need(json!({})));
    assert_eq!(out.ineligible_total, 1);
    assert_eq!(failed_codes(&out.ineligible[0]), ["tax_paid_yuan"]);
    let f = finding(&out.ineligible[0], "tax_paid_yuan");
    assert_eq!(f.requirement.zh, "上年纳税总额不超过 20 万元");
    assert_eq!(f.message.zh, "要求上年纳税总额不超过 20 万元，贵企业上年纳税 30 万元");
    assert_eq!(f.message.en, "Requires Tax paid last year at most CNY 200,000; you: paid CNY 300,000");
    assert_eq!(f.fix, None, "paying less tax is no advice");
    assert_eq!(out.by_reason[0].code, "tax_paid_yuan");
    let out = run(vec![capped("..50万")], &firm(json!({})), &need(json!({})));
    assert_eq!(out.eligible_total, 1);
    assert_eq!(finding(&out.eligible[0], "tax_paid_yuan").message.zh, "符合：上年纳税总额不超过 50 万元");
    // Both bounds: below the floor fails with the floor to reach; a bound equal to the figure passes.
    let out = run(vec![capped("40万..50万")], &firm(json!({})), &need(json!({})));
    let f = finding(&out.ineligible[0], "tax_paid_yuan");
    assert_eq!(f.requirement.zh, "上年纳税总额在 40 万元至 50 万元之间");
    assert_eq!(f.fix.as_ref().unwrap().zh, "上年纳税额达到 40 万元");
    assert_eq!(run(vec![capped("30万..30万")], &firm(json!({})), &need(json!({}))).eligible_total, 1);
    // Not given by the firm: to be added, as for a lower bound, never a pass.
    let out = run(vec![capped("..50万")], &firm(json!({"tax_paid": null})), &need(json!({})));
    assert_eq!(out.needs_info_total, 1);
    assert_eq!(finding(&out.needs_info[0], "tax_paid_yuan").outcome, Outcome::Missing);
    // Revenue and employees have upper bounds too (营业收入不超过 5000 万元, 从业人员不超过 20 人).
    let out = run(
        vec![
            product(1, json!({"eligibility": {"revenue_yuan": "..5000万"}})),
            product(2, json!({"eligibility": {"revenue_yuan": "..500万"}})),
            product(3, json!({"eligibility": {"employees": "..40"}})),
            product(4, json!({"eligibility": {"employees": "..39"}})),
        ],
        &firm(json!({})),
        &need(json!({})),
    );
    let lists: Vec<&str> = (1..=4).map(|id| list_of(&out, id)).collect();
    assert_eq!(lists, ["eligible", "ineligible", "eligible", "ineligible"]);
    let revenue = out.ineligible.iter().find(|r| r.product_id == 2).unwrap();
    assert_eq!(
        finding(revenue, "revenue_yuan").message.zh,
        "要求上年营业收入不超过 500 万元，贵企业上年营业收入为 800 万元"
    );
}

/// A product stored before tax paid had an upper bound says `min_tax_paid_yuan`: it is matched as the lower
/// bound it always was.
#[test]
fn a_rule_stored_under_the_old_tax_key_keeps_its_meaning() {
    for (paid, list) in [(30_000_000, "eligible"), (5_000_000, "ineligible")] {
        let old = product(1, json!({"eligibility": {"min_tax_paid_yuan": "100000"}}));
        let new = product(2, json!({"eligibility": {"tax_paid_yuan": "100000.."}}));
        assert_eq!(old.spec.eligibility, new.spec.eligibility);
        let out = run(vec![old, new], &firm(json!({"tax_paid": paid})), &need(json!({})));
        assert_eq!((list_of(&out, 1), list_of(&out, 2)), (list, list), "{paid}");
    }
}

#[test]
fn other_conditions_are_always_for_the_lender_to_confirm_in_its_words() {
    let words = json!({"other_conditions": ["经营者无不良嗜好", "入选区级种子企业库"]});
    let p = product(1, json!({"eligibility": words}));
    let out = run(vec![p], &firm(json!({})), &need(json!({})));
    // Everything else passes, and still the product is not eligible: only the lender can say.
    assert_eq!((out.eligible_total, out.to_confirm_total), (0, 1));
    let f = finding(&out.to_confirm[0], "other_conditions");
    assert_eq!(f.outcome, Outcome::Unconfirmed);
    assert_eq!(f.label.zh, "其他条件");
    assert_eq!(f.requirement.zh, "经营者无不良嗜好；入选区级种子企业库");
    assert_eq!(f.message.zh, "需人工确认：经营者无不良嗜好；入选区级种子企业库");
    assert_eq!(f.message.en, "To be checked by the lender: 经营者无不良嗜好; 入选区级种子企业库");
    // The lender's words, quoted as written, for a page to mark.
    assert_eq!(f.quoted, ["经营者无不良嗜好", "入选区级种子企业库"]);
    assert!(finding(&out.to_confirm[0], "amount").quoted.is_empty());
    assert_eq!((f.actual.as_ref(), f.fix.as_ref()), (None, None));
    assert_eq!(out.unconfirmed[0].code, "other_conditions");
    // Whatever else happens, the words are never a pass nor a fail nor missing data.
    let mut failing = words.clone();
    failing["min_tax_credit_grade"] = json!("A");
    let mut missing = words.clone();
    missing["tax_paid_yuan"] = json!("10万..");
    let out = run(
        vec![
            product(1, json!({"eligibility": failing})),
            product(2, json!({"eligibility": missing})),
            product(3, json!({"eligibility": words, "amount": {"min": 10_000_000, "max": 50_000_000}})),
        ],
        &firm(json!({"tax_paid": null})),
        &need(json!({})),
    );
    let lists: Vec<&str> = (1..=3).map(|id| list_of(&out, id)).collect();
    assert_eq!(lists, ["ineligible", "needs_info", "near_misses"]);
    for (_, ranked) in placed(&out) {
        let f = finding(ranked, "other_conditions");
        assert_eq!(f.outcome, Outcome::Unconfirmed, "{}", ranked.product_id);
        assert!(f.message.zh.starts_with("需人工确认：经营者无不良嗜好"));
    }
    assert_eq!(failed_codes(&out.ineligible[0]), ["min_tax_credit_grade"]);
    // Reverse matching leaves the words to the lender too: a firm that fits the rest is found.
    let pool = ProfilePool::new();
    let firm_facts = FirmFacts::of(&firm(json!({})), today());
    pool.replace_all(vec![PoolEntry { id: 7, facts: firm_facts, open: true }]);
    let compiled = CompiledProduct::new(&product(1, json!({"eligibility": words})));
    assert_eq!(pool.candidates(&compiled, 10).total, 1);
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
        ("tax_paid_yuan", json!("1000000.."), json!({}), Some(json!({"tax_paid": null}))),
        ("tax_paid_yuan", json!("..100000"), json!({}), Some(json!({"tax_paid": null}))),
        ("revenue_yuan", json!("..1000000"), json!({}), None),
        ("qualifications_any", json!("high_tech|specialised"), json!({}), Some(json!({"qualifications": null}))),
        ("qualifications_all", json!("tech_sme|high_tech"), json!({}), Some(json!({"qualifications": null}))),
        (
            "qualifications_any",
            json!("high_tech"),
            json!({"qualifications": []}),
            Some(json!({"qualifications": null})),
        ),
        ("industries_allowed", json!("industrial"), json!({}), None),
        ("industries_excluded", json!("software"), json!({}), None),
        ("sectors_any", json!("biomedicine"), json!({}), Some(json!({"sectors": null}))),
        ("sectors_any", json!("biomedicine"), json!({"sectors": ["new_materials"]}), Some(json!({"sectors": null}))),
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
    // Every kind but the lender's own words, which never fail (see the test of other conditions).
    let kinds: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.0).collect();
    assert_eq!(kinds.len(), finmart_domain::RuleKind::ALL.len() - 1);
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
        product(2, json!({"collateral": {"kind": "any_of", "unsecured": false, "kinds": ["real_estate"]}})),
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

// Facts a product leaves unstated: 需向机构确认.

/// The finding of `code` in a ranked product.
fn finding<'a>(ranked: &'a Ranked, code: &str) -> &'a Finding {
    ranked.findings.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no {code} finding"))
}

/// Every product of a match with the list it landed in.
fn placed(out: &MatchOutcome) -> Vec<(&'static str, &Ranked)> {
    let lists: [(&'static str, &Vec<Ranked>); 5] = [
        ("eligible", &out.eligible),
        ("near_misses", &out.near_misses),
        ("needs_info", &out.needs_info),
        ("to_confirm", &out.to_confirm),
        ("ineligible", &out.ineligible),
    ];
    lists.into_iter().flat_map(|(name, list)| list.iter().map(move |r| (name, r))).collect()
}

/// The list product `id` landed in.
fn list_of(out: &MatchOutcome, id: i64) -> &'static str {
    placed(out).into_iter().find(|(_, r)| r.product_id == id).map(|(name, _)| name).unwrap()
}

#[test]
fn an_amount_within_a_stated_maximum_is_to_confirm_when_no_minimum_is_stated() {
    let p = product(1, json!({"amount": {"max": 500_000_000}}));
    let out = run(vec![p.clone()], &firm(json!({})), &need(json!({})));
    assert_eq!((out.eligible_total, out.to_confirm_total), (0, 1));
    let f = finding(&out.to_confirm[0], "amount");
    assert_eq!(f.outcome, Outcome::Unconfirmed);
    assert_eq!(f.requirement.zh, "额度上限 500 万元，下限未说明");
    assert_eq!(f.requirement.en, "Up to CNY 5,000,000; minimum not stated");
    assert_eq!(f.message.zh, "需向机构确认：额度下限未说明，请确认可否申请 100 万元");
    assert_eq!(
        f.message.en,
        "To confirm with the lender: the minimum amount is not stated; ask whether you can borrow CNY 1,000,000"
    );
    assert_eq!(f.fix, None, "the firm cannot change what the page says");
    assert_eq!(out.unconfirmed[0].code, "amount");
    // A stated maximum still fails on its own.
    let out = run(vec![p], &firm(json!({})), &need(json!({"amount": 600_000_000})));
    assert_eq!(out.near_misses_total, 1);
    assert_eq!(failed_codes(&out.near_misses[0]), ["amount"]);
    assert_eq!(finding(&out.near_misses[0], "amount").fix.as_ref().unwrap().zh, "将申请金额调整为 500 万元 以内");
    // Only a minimum: below it fails, above it is to confirm; nothing stated: to confirm.
    let from = product(2, json!({"amount": {"min": 50_000_000}}));
    let out = run(vec![from.clone()], &firm(json!({})), &need(json!({"amount": 10_000_000})));
    assert_eq!(failed_codes(&out.near_misses[0]), ["amount"]);
    let out = run(vec![from], &firm(json!({})), &need(json!({})));
    assert_eq!(finding(&out.to_confirm[0], "amount").requirement.zh, "额度下限 50 万元，上限未说明");
    let out = run(vec![product(3, json!({"amount": {}}))], &firm(json!({})), &need(json!({})));
    let f = finding(&out.to_confirm[0], "amount");
    assert_eq!((f.requirement.zh.as_str(), f.requirement.en.as_str()), ("额度：未说明", "Amount: not stated"));
    assert!(f.message.zh.starts_with("需向机构确认：额度未说明"), "{}", f.message.zh);
}

#[test]
fn a_term_is_decided_on_its_stated_bounds_only() {
    let p = product(1, json!({"term": {"min": 3}}));
    let out = run(vec![p.clone()], &firm(json!({})), &need(json!({})));
    let f = finding(&out.to_confirm[0], "term");
    assert_eq!(f.outcome, Outcome::Unconfirmed);
    assert_eq!(f.requirement.zh, "期限最短 3 个月，最长未说明");
    assert_eq!(f.message.zh, "需向机构确认：最长期限未说明，请确认可否贷款 1 年");
    let out = run(vec![p], &firm(json!({})), &need(json!({"term": 2})));
    assert_eq!(failed_codes(&out.near_misses[0]), ["term"]);
    let out = run(vec![product(2, json!({"term": {"max": 36}}))], &firm(json!({})), &need(json!({})));
    assert_eq!(finding(&out.to_confirm[0], "term").requirement.zh, "期限最长 3 年，最短未说明");
}

fn serving(cell: &str) -> Value {
    serde_json::to_value(ServiceArea::from_cell(cell, &HomeArea::default()).unwrap()).unwrap()
}

#[test]
fn a_product_serves_the_firm_by_division_containment() {
    let products = vec![
        product(1, json!({"area": serving("全国")})),
        product(2, json!({"area": serving("全市")})),
        product(3, json!({"area": serving("滨海新区|西青区")})),
        product(4, json!({"area": serving("和平区")})),
        product(5, json!({"area": serving("江苏省苏州市")})),
    ];
    let out = run(products, &firm(json!({"district": "滨海新区"})), &need(json!({})));
    let mut eligible: Vec<i64> = out.eligible.iter().map(|r| r.product_id).collect();
    eligible.sort_unstable();
    assert_eq!(eligible, [1, 2, 3]);
    assert_eq!(
        finding(out.eligible.iter().find(|r| r.product_id == 1).unwrap(), "district").requirement.zh,
        "服务全国"
    );
    assert_eq!(
        finding(out.eligible.iter().find(|r| r.product_id == 2).unwrap(), "district").requirement.zh,
        "服务天津市全市"
    );
    // Another province's product is not for this firm, and says why; where it is, is no fix.
    let suzhou = out.near_misses.iter().chain(&out.ineligible).find(|r| r.product_id == 5).unwrap();
    let f = finding(suzhou, "district");
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.message.zh, "要求服务江苏省苏州市，贵企业位于滨海新区");
    assert_eq!(f.fix, None);
    assert_eq!(
        list_of(
            &run(
                vec![product(4, json!({"area": serving("和平区")}))],
                &firm(json!({"district": "120116"})),
                &need(json!({}))
            ),
            4
        ),
        "ineligible",
        "where a firm is has no fix"
    );
}

#[test]
fn an_area_not_stated_is_to_confirm_never_a_pass_or_a_fail() {
    let p = product(1, json!({"area": {"kind": "not_stated"}}));
    let out = run(vec![p], &firm(json!({})), &need(json!({})));
    assert_eq!(out.to_confirm_total, 1);
    let f = finding(&out.to_confirm[0], "district");
    assert_eq!((f.outcome, f.requirement.zh.as_str()), (Outcome::Unconfirmed, "服务区域：未说明"));
    assert_eq!(f.message.zh, "需向机构确认：服务区域未说明，请向机构确认是否覆盖您所在的区县");
}

#[test]
fn collateral_not_stated_is_to_confirm_never_unsecured() {
    let p = product(1, json!({"collateral": {"kind": "not_stated"}}));
    let out = run(vec![p.clone()], &firm(json!({})), &need(json!({})));
    assert_eq!(out.to_confirm_total, 1);
    let f = finding(&out.to_confirm[0], "collateral");
    assert_eq!((f.outcome, f.requirement.zh.as_str()), (Outcome::Unconfirmed, "担保方式：未说明"));
    assert_eq!(f.message.zh, "需向机构确认：担保方式未说明，请确认可否纯信用（无抵质押）申请");
    let offering = need(json!({"collateral_offered": ["real_estate"]}));
    let out = run(vec![p], &firm(json!({})), &offering);
    assert_eq!(
        finding(&out.to_confirm[0], "collateral").message.zh,
        "需向机构确认：担保方式未说明，请确认是否接受房产抵押"
    );
}

#[test]
fn collateral_any_of_all_of_and_unsecured_are_checked_as_stated() {
    let any = json!({"kind": "any_of", "unsecured": false, "kinds": ["real_estate", "equipment"]});
    let all = json!({"kind": "all_of", "kinds": ["real_estate", "guarantee"]});
    let or_credit = json!({"kind": "any_of", "unsecured": true, "kinds": ["real_estate"]});
    let products = vec![
        product(1, json!({"collateral": any})),
        product(2, json!({"collateral": all})),
        product(3, json!({"collateral": or_credit})),
    ];
    let profile = firm(json!({"collateral": ["real_estate", "guarantee"]}));
    let offers = |kinds: Value| need(json!({"collateral_offered": kinds}));
    // Offering nothing: any-of and all-of fail, credit-or-a-mortgage passes.
    let out = run(products.clone(), &profile, &offers(json!([])));
    assert_eq!((list_of(&out, 1), list_of(&out, 2), list_of(&out, 3)), ("near_misses", "near_misses", "eligible"));
    assert_eq!(finding(&out.eligible[0], "collateral").requirement.zh, "担保方式为信用、房产抵押（任选其一）");
    // One of the alternatives is enough for any-of, not for all-of.
    let out = run(products.clone(), &profile, &offers(json!(["equipment"])));
    assert_eq!((list_of(&out, 1), list_of(&out, 2)), ("eligible", "near_misses"));
    let out = run(products.clone(), &profile, &offers(json!(["real_estate"])));
    assert_eq!((list_of(&out, 1), list_of(&out, 2)), ("eligible", "near_misses"));
    let f = finding(&out.near_misses[0], "collateral");
    assert_eq!(f.requirement.zh, "担保方式为房产抵押 + 第三方保证担保");
    assert_eq!(f.message.zh, "要求担保方式为房产抵押 + 第三方保证担保，贵企业可提供房产抵押");
    assert_eq!(f.fix.as_ref().unwrap().zh, "贵企业拥有第三方保证担保，一并提供即可申请");
    let out = run(products.clone(), &firm(json!({})), &offers(json!(["real_estate"])));
    assert_eq!(finding(&out.near_misses[0], "collateral").fix.as_ref().unwrap().zh, "还需同时提供第三方保证担保");
    // All of them together meet all-of.
    let out = run(products, &profile, &offers(json!(["guarantee", "real_estate"])));
    assert_eq!((list_of(&out, 1), list_of(&out, 2), list_of(&out, 3)), ("eligible", "eligible", "eligible"));
}

#[test]
fn collateral_burden_ranks_credit_alone_as_no_burden() {
    let compiled = |terms: CollateralTerms| {
        let mut p = product(1, json!({}));
        p.spec.collateral = terms;
        CompiledProduct::new(&p)
    };
    let burden = |terms: CollateralTerms, offered: &[Collateral]| collateral_component(&compiled(terms), mask(offered));
    use Collateral::{Equipment, Guarantee, RealEstate};
    assert_eq!(burden(CollateralTerms::NoneRequired, &[]), 1000);
    assert_eq!(burden(CollateralTerms::AnyOf { unsecured: true, kinds: vec![RealEstate] }, &[]), 1000);
    assert_eq!(burden(CollateralTerms::NotStated, &[]), 0, "terms not stated earn nothing");
    // Any-of: the lightest the firm can give, as before.
    let any = || CollateralTerms::AnyOf { unsecured: false, kinds: vec![RealEstate, Guarantee] };
    assert_eq!(burden(any(), &[RealEstate]), 300);
    assert_eq!(burden(any(), &[Guarantee, RealEstate]), 700);
    // All-of: heavier than its heaviest kind alone.
    let all = CollateralTerms::AllOf { kinds: vec![RealEstate, Guarantee] };
    assert!(burden(all, &[Guarantee, RealEstate]) < burden(any(), &[RealEstate]));
    let three = CollateralTerms::AllOf { kinds: vec![RealEstate, Guarantee, Equipment] };
    let two = CollateralTerms::AllOf { kinds: vec![RealEstate, Guarantee] };
    assert!(burden(three, &[]) < burden(two, &[]));
}

#[test]
fn a_product_with_no_stated_rate_has_no_quote_and_earns_no_cost_points() {
    let products = vec![product(1, json!({"rate": {}})), product(2, json!({"rate": {"min": 1400, "max": 1500}}))];
    let out = run(products.clone(), &firm(json!({})), &need(json!({})));
    // No cost ceiling: no check reads the rate, so both are eligible, the stated one first on cost.
    assert_eq!(out.eligible_total, 2);
    let unstated = out.eligible.iter().find(|r| r.product_id == 1).unwrap();
    let stated = out.eligible.iter().find(|r| r.product_id == 2).unwrap();
    assert_eq!((unstated.quote, unstated.components.cost), (None, 0));
    assert!(stated.quote.is_some() && stated.components.cost > 0);
    assert_eq!(out.eligible[0].product_id, 2);
    // A cost ceiling cannot be checked without a rate: to confirm, saying so.
    let out = run(products, &firm(json!({})), &need(json!({"max_annual_cost": 2000})));
    assert_eq!((list_of(&out, 1), list_of(&out, 2)), ("to_confirm", "eligible"));
    let f = finding(&out.to_confirm[0], "max_cost");
    assert_eq!((f.outcome, f.requirement.zh.as_str()), (Outcome::Unconfirmed, "年利率：未说明"));
    assert_eq!(f.message.zh, "需向机构确认：年利率未说明，请确认年化综合成本能否不高于 20%");
    assert_eq!(out.to_confirm[0].quote, None);
    assert_eq!(out.unconfirmed[0].code, "max_cost");
}

#[test]
fn a_rate_stated_only_as_a_minimum_is_quoted_at_it_and_says_so() {
    let products =
        vec![product(1, json!({"rate": {"min": 320}})), product(2, json!({"rate": {"min": 320, "max": 500}}))];
    let out = run(
        products,
        &firm(json!({"qualifications": [], "employees": 400, "revenue": 20_000_000_000i64})),
        &need(json!({})),
    );
    let quote = |id: i64| out.eligible.iter().find(|r| r.product_id == id).and_then(|r| r.quote).unwrap();
    assert_eq!((quote(1).rate.bps(), quote(1).rate_is_floor), (320, true));
    assert_eq!((quote(2).rate.bps(), quote(2).rate_is_floor), (320, false));
    assert_eq!(quote(1).apr, quote(2).apr);
    // A rate stated only as a maximum says nothing of what the loan costs: no quote.
    let out = run(vec![product(3, json!({"rate": {"max": 600}}))], &firm(json!({})), &need(json!({})));
    assert_eq!(out.eligible[0].quote, None);
}

#[test]
fn a_decision_time_not_stated_leaves_the_waiting_time_to_confirm() {
    let p = product(1, json!({"decision_days": null}));
    let out = run(vec![p.clone()], &firm(json!({})), &need(json!({})));
    assert_eq!(out.eligible_total, 1, "no need for speed, nothing to confirm");
    assert_eq!(out.eligible[0].components.speed, 0, "a speed not stated earns nothing");
    let out = run(vec![p], &firm(json!({})), &need(json!({"needed_within_days": 10})));
    let f = finding(&out.to_confirm[0], "speed");
    assert_eq!((f.outcome, f.requirement.zh.as_str()), (Outcome::Unconfirmed, "审批时效：未说明"));
    assert_eq!(f.requirement.en, "Time to decision: not stated");
    assert_eq!(f.message.zh, "需向机构确认：审批时效未说明，请确认能否在 10 天内用款");
    assert_eq!(
        f.message.en,
        "To confirm with the lender: the time to a decision is not stated; ask whether the money can come within 10 days"
    );
}

#[test]
fn unstated_validity_start_and_methods_decide_nothing() {
    let p = product(1, json!({"valid_from": null, "repayment_methods": null}));
    let stated = product(2, json!({"repayment_methods": ["equal_instalment"]}));
    let not_offered = product(3, json!({"repayment_methods": ["interest_only"]}));
    let out = run(vec![p, stated, not_offered], &firm(json!({})), &need(json!({"repayment": "equal_instalment"})));
    assert_eq!((out.considered, out.eligible_total), (3, 3), "a preference is not a check");
    let ranked = |id: i64| out.eligible.iter().find(|r| r.product_id == id).unwrap();
    // Neutral: below a product that offers the method, above one that does not.
    assert!(ranked(2).components.fit > ranked(1).components.fit);
    assert!(ranked(1).components.fit > ranked(3).components.fit);
    let quote = ranked(1).quote.unwrap();
    assert_eq!((quote.method, quote.method_assumed), (finmart_domain::RepaymentMethod::EqualInstalment, true));
    assert!(!ranked(2).quote.unwrap().method_assumed);
}

#[test]
fn lists_take_failed_then_missing_then_unconfirmed() {
    let unstated = json!({"collateral": {"kind": "not_stated"}, "decision_days": null});
    let mut failing = unstated.clone();
    failing["eligibility"] = json!({"min_tax_credit_grade": "A"});
    let mut missing = unstated.clone();
    missing["eligibility"] = json!({"tax_paid_yuan": "100000.."});
    let mut near = unstated.clone();
    near["amount"] = json!({"max": 50_000_000});
    let products =
        vec![product(1, failing), product(2, missing), product(3, unstated), product(4, json!({})), product(5, near)];
    let profile = firm(json!({"tax_paid": null}));
    let out = run(products, &profile, &need(json!({"needed_within_days": 30})));
    let lists: Vec<&str> = (1..=5).map(|id| list_of(&out, id)).collect();
    // A failed rule of the firm rules a product out whatever is left to confirm; a failed need-side check
    // makes a near miss.
    assert_eq!(lists, ["ineligible", "needs_info", "to_confirm", "eligible", "near_misses"]);
    // Needing data, the product also shows what is to confirm.
    let needs = &out.needs_info[0];
    assert!(needs.findings.iter().any(|f| f.outcome == Outcome::Missing));
    assert!(needs.findings.iter().any(|f| f.code == "collateral" && f.outcome == Outcome::Unconfirmed));
    // Counted by reason: products 1, 2, 3 and 5 leave collateral and speed unstated.
    let count = |code: &str| out.unconfirmed.iter().find(|c| c.code == code).map(|c| c.count);
    assert_eq!((count("collateral"), count("speed")), (Some(4), Some(4)));
    assert_eq!(out.to_confirm_total, 1);
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
                    "collateral": if collateral {
                        json!({"kind": "any_of", "unsecured": false, "kinds": ["real_estate"]})
                    } else {
                        json!({"kind": "none_required"})
                    },
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
                let lower = |v: finmart_domain::FineRate| {
                    finmart_domain::FineRate::new(v.millionths().saturating_sub(cut * 100)).unwrap()
                };
                if let Pricing::Stated { range, .. } = &mut p.spec.pricing {
                    *range = range.map(lower);
                }
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

// Properties of facts a product leaves unstated, over generated catalogues where each product may leave out
// its minimum amount, its maximum term, its rate, its collateral and its decision time.

/// A product as [`arb_product`] makes it, then with some facts left unstated (`blank` says which).
fn blanked(p: &Product, blank: [bool; 5]) -> Product {
    let mut p = p.clone();
    let s = &mut p.spec;
    if blank[0] {
        s.amount = StatedRange::new(None, s.amount.max()).unwrap();
    }
    if blank[1] {
        s.term = StatedRange::new(s.term.min(), None).unwrap();
    }
    if blank[2] {
        s.pricing = Pricing::NotStated;
    }
    if blank[3] {
        s.collateral = CollateralTerms::NotStated;
    }
    if blank[4] {
        s.decision_days = None;
    }
    p
}

fn arb_blanked_catalogue() -> impl Strategy<Value = (Vec<Product>, Vec<[bool; 5]>)> {
    arb_catalogue().prop_flat_map(|products| {
        let n = products.len();
        (Just(products), prop::collection::vec(any::<[bool; 5]>(), n))
    })
}

fn arb_demanding_need() -> impl Strategy<Value = (EnterpriseProfile, FinancingNeed)> {
    (arb_firm(), prop::option::of(300u32..1500), prop::option::of(1u16..40), 1u16..60, 1u32..80).prop_map(
        |((profile, n), max_cost, within, term, wan)| {
            let mut n = n;
            n.max_annual_cost = max_cost.map(|b| finmart_domain::Bps::new(b).unwrap());
            n.needed_within_days = within;
            n.term = finmart_domain::Months::new(term).unwrap();
            n.amount = finmart_domain::Fen::wan(wan * 10);
            (profile, n)
        },
    )
}

fn arb_collateral_terms() -> impl Strategy<Value = CollateralTerms> {
    let kinds = prop::sample::subsequence(Collateral::ALL.to_vec(), 0..=Collateral::ALL.len());
    prop_oneof![
        Just(CollateralTerms::NotStated),
        Just(CollateralTerms::NoneRequired),
        (any::<bool>(), kinds.clone()).prop_map(|(unsecured, kinds)| CollateralTerms::AnyOf { unsecured, kinds }),
        kinds.prop_map(|kinds| CollateralTerms::AllOf { kinds }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The compiled codes decide areas exactly as the domain's areas do, held inline (up to four codes) or
    /// boxed (more).
    #[test]
    fn area_codes_agree_with_the_areas(
        picks in prop::collection::vec(0usize..3_213, 0..12),
        kind in 0u8..3,
        firm_pick in 0usize..3_213,
    ) {
        let all: Vec<finmart_domain::Division> = finmart_domain::Division::all().collect();
        let counties: Vec<District> = all.iter().filter_map(|d| District::new(*d).ok()).collect();
        let area = match kind {
            0 => ServiceArea::NotStated,
            1 => ServiceArea::Nationwide,
            _ => ServiceArea::within(picks.iter().map(|i| all[i % all.len()]).collect()).unwrap_or(ServiceArea::Nationwide),
        };
        let district = counties[firm_pick % counties.len()];
        prop_assert_eq!(crate::AreaCodes::of(&area).covers(&crate::facts::district_codes(district)), area.covers(district));
    }

    /// The compiled masks decide collateral exactly as the domain's terms do.
    #[test]
    fn collateral_masks_agree_with_the_terms(
        terms in arb_collateral_terms(),
        offered in prop::sample::subsequence(Collateral::ALL.to_vec(), 0..=Collateral::ALL.len()),
    ) {
        prop_assert_eq!(CollateralMask::of(&terms).met_by(mask(&offered)), terms.met_by(&offered));
    }

    /// Leaving a fact unstated never decides a check: what passes or fails with the fact left out passed or
    /// failed with it stated; the rest is to confirm. The lists hold what their findings say, and a product
    /// without a stated rate has no quote and no cost points.
    #[test]
    fn an_unstated_fact_is_never_a_silent_pass_or_fail(
        (profile, n) in arb_demanding_need(),
        (products, blanks) in arb_blanked_catalogue(),
    ) {
        let partial: Vec<Product> = products.iter().zip(&blanks).map(|(p, b)| blanked(p, *b)).collect();
        let full = run(products.clone(), &profile, &n);
        let out = run(partial.clone(), &profile, &n);
        prop_assert_eq!(
            out.eligible_total + out.near_misses_total + out.needs_info_total + out.to_confirm_total
                + out.ineligible_total,
            products.len()
        );
        for r in &out.to_confirm {
            prop_assert!(r.findings.iter().all(|f| matches!(f.outcome, Outcome::Pass | Outcome::Unconfirmed)));
            prop_assert!(r.findings.iter().any(|f| f.outcome == Outcome::Unconfirmed));
        }
        for r in &out.eligible {
            prop_assert!(r.findings.iter().all(|f| f.outcome == Outcome::Pass));
        }
        for r in &out.needs_info {
            prop_assert!(r.findings.iter().any(|f| f.outcome == Outcome::Missing));
            prop_assert!(r.findings.iter().all(|f| f.outcome != Outcome::Fail));
        }
        let by_id = |out: &MatchOutcome, id: i64| placed(out).into_iter().find(|(_, r)| r.product_id == id).map(|(_, r)| r.clone());
        for p in &partial {
            let (Some(part), Some(whole)) = (by_id(&out, p.id), by_id(&full, p.id)) else { continue };
            if p.annual_rate().min().is_none() {
                prop_assert_eq!(part.quote, None);
                prop_assert_eq!(part.components.cost, 0);
            }
            for code in ["amount", "term", "collateral", "max_cost", "speed"] {
                let outcome = |r: &Ranked| r.findings.iter().find(|f| f.code == code).map(|f| f.outcome);
                match (outcome(&part), outcome(&whole)) {
                    (Some(Outcome::Pass), w) => prop_assert_eq!(w, Some(Outcome::Pass), "{} passed unstated", code),
                    (Some(Outcome::Fail), w) => prop_assert_eq!(w, Some(Outcome::Fail), "{} failed unstated", code),
                    _ => {}
                }
            }
        }
    }
}

// Real pricing: rates that follow a published reference, ranges of fees, fees not stated.

fn lpr_product(id: i64, spread: Value, lpr_1y: u32) -> Product {
    let mut p = product(id, json!({"pricing": {"kind": "lpr", "tenor": "lpr_1y", "spread_bps": spread}}));
    p.references = references(lpr_1y).only(p.spec.pricing.reference_kinds());
    p
}

#[test]
fn an_lpr_rate_follows_the_publication_the_product_carries() {
    let (profile, n) = (firm(json!({})), need(json!({})));
    let matcher = Matcher::new(HomeArea::default());
    matcher.replace_all(vec![lpr_product(1, json!({"min": 50, "max": 150}), 300)]);
    let relevance = HashMap::new();
    let request =
        MatchRequest { profile: &profile, need: &n, today: today(), relevance: &relevance, limit: 10, verified: None };
    let quote = |out: &MatchOutcome| out.eligible[0].quote.unwrap();
    let before = matcher.match_need(&request);
    assert_eq!((quote(&before).rate.bps(), quote(&before).rate_is_floor), (350, false));
    let compiled = CompiledProduct::new(&lpr_product(1, json!({"min": 50, "max": 150}), 300));
    assert_eq!((compiled.rate_min, compiled.rate_max), (Some(350), Some(450)));
    // The operator enters a new LPR: the follower hands the engine the product read again with it.
    matcher.apply(&[1], &[lpr_product(1, json!({"min": 50, "max": 150}), 280)]);
    let after = matcher.match_need(&request);
    assert_eq!(quote(&after).rate.bps(), 330);
    assert!(quote(&after).apr < quote(&before).apr);
}

#[test]
fn lpr_without_its_spread_is_for_the_institution_to_confirm() {
    let out = run(vec![lpr_product(1, json!({}), 300)], &firm(json!({})), &need(json!({"max_annual_cost": 800})));
    assert!(out.eligible.is_empty());
    assert_eq!(out.to_confirm[0].quote, None, "never a firm figure");
    let finding = out.to_confirm[0].findings.iter().find(|f| f.code == "max_cost").unwrap();
    assert_eq!(finding.outcome, Outcome::Unconfirmed);
    assert!(finding.requirement.zh.contains("加点幅度未说明"), "{}", finding.requirement.zh);
    assert!(finding.requirement.zh.contains("2025-05-20 公布的 1 年期 LPR 3.00%"), "{}", finding.requirement.zh);
}

#[test]
fn a_benchmark_rate_is_quoted_in_the_loans_term_band() {
    let p = product(
        1,
        json!({"term": {"min": 6, "max": 60}, "pricing": {"kind": "benchmark", "markup": {"min": 1000, "max": 3000}}}),
    );
    let c = CompiledProduct::new(&p);
    // 4.35 × 1.1 = 4.785 → 4.79; 4.75 × 1.3 = 6.175 → 6.18.
    assert_eq!((c.rate_min, c.rate_max), (Some(479), Some(618)));
    assert_eq!(c.rate_for(finmart_domain::Months::new(12).unwrap()), (Some(479), Some(566)));
    assert_eq!(c.rate_for(finmart_domain::Months::new(24).unwrap()), (Some(523), Some(618)));
    let short = run(vec![p.clone()], &firm(json!({})), &need(json!({"term": 12})));
    let long = run(vec![p], &firm(json!({})), &need(json!({"term": 24})));
    assert_eq!(short.eligible[0].quote.unwrap().rate.bps(), 479);
    assert_eq!(long.eligible[0].quote.unwrap().rate.bps(), 523);
}

#[test]
fn a_fee_range_is_costed_at_its_low_end_and_an_unstated_fee_is_left_to_confirm() {
    let guaranteed = |fee: Value| {
        let mut p = product(1, json!({"guarantee": {"agency_code": "agency", "fee": fee}}));
        p.guarantee_agency = Some(InstitutionRef {
            id: 2,
            code: "agency".into(),
            name: "测试担保".into(),
            kind: finmart_domain::InstitutionKind::GuaranteeAgency,
        });
        p
    };
    let ranged = run(vec![guaranteed(json!({"min": 50, "max": 150}))], &firm(json!({})), &need(json!({})));
    let point = run(vec![guaranteed(json!({"min": 50, "max": 50}))], &firm(json!({})), &need(json!({})));
    let q = ranged.eligible[0].quote.unwrap();
    assert_eq!(
        (q.apr, q.guarantee_fee, q.fee_unstated),
        (point.eligible[0].quote.unwrap().apr, point.eligible[0].quote.unwrap().guarantee_fee, false)
    );
    // No fee stated: the figures leave it out and say so; a cost ceiling they meet is for the agency to confirm.
    let unstated = run(vec![guaranteed(json!({}))], &firm(json!({})), &need(json!({"max_annual_cost": 900})));
    assert!(unstated.eligible.is_empty());
    let q = unstated.to_confirm[0].quote.unwrap();
    assert!(q.fee_unstated && q.guarantee_fee.fen() == 0);
    assert_eq!(unstated.unconfirmed[0].code, "max_cost");
    // Above the ceiling already without the fee: it fails.
    let over = run(vec![guaranteed(json!({}))], &firm(json!({})), &need(json!({"max_annual_cost": 300})));
    assert!(over.to_confirm.is_empty() && over.eligible.is_empty());
}

/// One product judged for one firm: the same verdicts and words as a match, with only the firm's checks on a
/// product page and the loan's amount and term besides for an application.
#[test]
fn a_product_is_judged_for_one_firm_as_a_match_would() {
    use crate::{Loan, Standing};
    use finmart_domain::{Fen, Months};
    let matcher = Matcher::new(HomeArea::default());
    let judge = |p: &Product, f: &EnterpriseProfile, loan: Option<Loan>| matcher.judge(p, f, loan, today());
    let rules = |r: Value| product(1, json!({"eligibility": r}));
    let firm0 = firm(json!({}));

    // Eligible: every check passes; the firm's checks only, no amount or term without a loan.
    let open = rules(json!({"min_years_in_operation": 2}));
    let j = judge(&open, &firm0, None);
    assert_eq!(j.standing, Standing::Eligible);
    let codes: Vec<&str> = j.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["district", "min_years_in_operation"]);
    assert!(j.may_apply());

    // A near miss: one rule the firm can change (its tax grade), with the fix.
    let graded = rules(json!({"min_tax_credit_grade": "A"}));
    let j = judge(&graded, &firm0, None);
    assert_eq!(j.standing, Standing::NearMiss);
    let failed: Vec<&Finding> = j.with_outcome(Outcome::Fail).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].fix.as_ref().unwrap().zh, "将纳税信用等级提升至 A 级");
    assert!(!j.may_apply());

    // Ineligible: a rule nothing the firm does changes (its industry), or two failures.
    let j = judge(&rules(json!({"industries_allowed": "industrial"})), &firm0, None);
    assert_eq!(j.standing, Standing::Ineligible);
    let j = judge(&rules(json!({"min_tax_credit_grade": "A", "min_years_in_operation": 20})), &firm0, None);
    assert_eq!(j.standing, Standing::Ineligible);
    assert_eq!(j.with_outcome(Outcome::Fail).count(), 2);

    // Needs information: a list left out is not given, an empty one is none.
    let qualified = rules(json!({"qualifications_any": "high_tech"}));
    let j = judge(&qualified, &firm(json!({"qualifications": null})), None);
    assert_eq!(j.standing, Standing::NeedsInfo);
    assert_eq!(j.with_outcome(Outcome::Missing).next().unwrap().message.zh, "需补充：企业资质（没有也请注明）");
    assert!(!j.may_apply());
    let j = judge(&qualified, &firm(json!({"qualifications": []})), None);
    assert_eq!(j.with_outcome(Outcome::Fail).next().unwrap().code, "qualifications_any");

    // To confirm: the product does not say where it lends; the firm may still apply.
    let unstated = product(1, json!({"area": {"kind": "not_stated"}}));
    let j = judge(&unstated, &firm0, None);
    assert_eq!(j.standing, Standing::ToConfirm);
    assert!(j.may_apply());

    // With a loan, its amount and term are judged too (and nothing else of a need): an amount above the
    // maximum is the one thing to change.
    let loan = |wan: u32, months: u16| Some(Loan { amount: Fen::wan(wan), term: Months::new(months).unwrap() });
    let j = judge(&open, &firm0, loan(100, 12));
    assert_eq!(j.standing, Standing::Eligible);
    let codes: Vec<&str> = j.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["district", "min_years_in_operation", "amount", "term"]);
    let j = judge(&open, &firm0, loan(9_000, 12));
    assert_eq!(j.standing, Standing::NearMiss);
    assert_eq!(
        j.with_outcome(Outcome::Fail).next().unwrap().fix.as_ref().unwrap().zh,
        "将申请金额调整为 500 万元 以内"
    );
    // A product asking collateral the firm does not offer is not refused for it: that is the lender's to settle.
    let secured = product(1, json!({"collateral": {"kind": "all_of", "kinds": ["real_estate"]}}));
    assert_eq!(judge(&secured, &firm0, loan(100, 12)).standing, Standing::Eligible);

    // The same verdict as the match's list for the same firm and need.
    let out = run(vec![graded.clone()], &firm0, &need(json!({})));
    assert_eq!(list_of(&out, 1), "ineligible", "a match lists a firm's near miss among the nearest ineligible");
    let out = run(vec![qualified.clone()], &firm(json!({"qualifications": null})), &need(json!({})));
    assert_eq!(list_of(&out, 1), "needs_info");
    let f = finding(&out.needs_info[0], "qualifications_any");
    let j = judge(&qualified, &firm(json!({"qualifications": null})), None);
    assert_eq!(&j.findings[1], f, "the same words");
}
