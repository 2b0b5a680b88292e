//! Every ratio and threshold rule at its bound: exactly at it, and the smallest step (one fen, one person,
//! one day, one month, one grade) either side. A bound is inclusive ("不低于", "不超过", "不高于", "满"), so
//! the figure at it passes and the first one past it fails.

use super::{finding, firm, list_of, need, product, run};
use crate::explain::Outcome;
use serde_json::{Value, json};

/// How `profile` comes out against one product with the single rule `key=value`: "eligible" or
/// "ineligible" (with that rule as the only failure).
fn against(key: &str, value: &Value, profile: &Value) -> &'static str {
    let out = run(vec![product(1, json!({"eligibility": {key: value}}))], &firm(profile.clone()), &need(json!({})));
    let list = list_of(&out, 1);
    if list == "ineligible" {
        let failed: Vec<&str> =
            out.ineligible[0].findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code).collect();
        assert_eq!(failed, [key], "{key}={value} against {profile}");
    }
    list
}

/// `(rule key, rule value, [(profile override, "eligible" | "ineligible")])`: each case at, just inside and
/// just outside the bound.
type Case = (&'static str, Value, Vec<(Value, &'static str)>);

const IN: &str = "eligible";
const OUT: &str = "ineligible";

/// 800 万元 in fen, the default firm's revenue; the tests move it by one fen.
const REVENUE: i64 = 800_000_000;
/// 30 万元 in fen, the default firm's tax paid.
const TAX: i64 = 30_000_000;

fn cases() -> Vec<Case> {
    vec![
        // 成立满 6 年 on 2026-11-22: founded on 2020-11-22 it is six years old that day, a day later it is not.
        (
            "min_years_in_operation",
            json!(6),
            vec![
                (json!({"established": "2020-11-22"}), IN),
                (json!({"established": "2020-11-21"}), IN),
                (json!({"established": "2020-11-23"}), OUT),
            ],
        ),
        (
            "revenue_yuan",
            json!("800万.."),
            vec![
                (json!({"revenue": REVENUE}), IN),
                (json!({"revenue": REVENUE + 1}), IN),
                (json!({"revenue": REVENUE - 1}), OUT),
            ],
        ),
        (
            "revenue_yuan",
            json!("..800万"),
            vec![
                (json!({"revenue": REVENUE}), IN),
                (json!({"revenue": REVENUE - 1}), IN),
                (json!({"revenue": REVENUE + 1}), OUT),
            ],
        ),
        (
            "revenue_yuan",
            json!("0.01..0.01"),
            vec![(json!({"revenue": 1}), IN), (json!({"revenue": 0}), OUT), (json!({"revenue": 2}), OUT)],
        ),
        (
            "employees",
            json!("40.."),
            vec![(json!({"employees": 40}), IN), (json!({"employees": 41}), IN), (json!({"employees": 39}), OUT)],
        ),
        (
            "employees",
            json!("..40"),
            vec![(json!({"employees": 40}), IN), (json!({"employees": 39}), IN), (json!({"employees": 41}), OUT)],
        ),
        (
            "tax_paid_yuan",
            json!("30万.."),
            vec![
                (json!({"tax_paid": TAX}), IN),
                (json!({"tax_paid": TAX + 1}), IN),
                (json!({"tax_paid": TAX - 1}), OUT),
            ],
        ),
        (
            "tax_paid_yuan",
            json!("..30万"),
            vec![
                (json!({"tax_paid": TAX}), IN),
                (json!({"tax_paid": TAX - 1}), IN),
                (json!({"tax_paid": TAX + 1}), OUT),
            ],
        ),
        // Grades rank A > B > M > C > D: the grade named passes, the next one down fails.
        (
            "min_tax_credit_grade",
            json!("B"),
            vec![
                (json!({"tax_credit_grade": "B"}), IN),
                (json!({"tax_credit_grade": "A"}), IN),
                (json!({"tax_credit_grade": "M"}), OUT),
            ],
        ),
        (
            "min_tax_credit_grade",
            json!("M"),
            vec![
                (json!({"tax_credit_grade": "M"}), IN),
                (json!({"tax_credit_grade": "B"}), IN),
                (json!({"tax_credit_grade": "C"}), OUT),
            ],
        ),
        (
            "min_tax_credit_grade",
            json!("C"),
            vec![(json!({"tax_credit_grade": "C"}), IN), (json!({"tax_credit_grade": "D"}), OUT)],
        ),
        (
            "min_invention_patents",
            json!(2),
            vec![
                (json!({"invention_patents": 2}), IN),
                (json!({"invention_patents": 3}), IN),
                (json!({"invention_patents": 1}), OUT),
            ],
        ),
        (
            "min_trademarks",
            json!(1),
            vec![(json!({"trademarks": 1}), IN), (json!({"trademarks": 2}), IN), (json!({"trademarks": 0}), OUT)],
        ),
        // 近 24 个月无逾期: last overdue 24 whole months ago is outside the 24 months, 23 is inside.
        (
            "no_overdue_months",
            json!(24),
            vec![
                (json!({"overdue": {"kind": "months_ago", "months": 24}}), IN),
                (json!({"overdue": {"kind": "months_ago", "months": 25}}), IN),
                (json!({"overdue": {"kind": "never"}}), IN),
                (json!({"overdue": {"kind": "months_ago", "months": 23}}), OUT),
                (json!({"overdue": {"kind": "months_ago", "months": 0}}), OUT),
            ],
        ),
        // 资产负债率不高于 70 %, against 1000 万元 of assets: exactly 70 % passes; one fen more, 70.005 % and
        // 70.00001 % (7 000 001 fen against 10 000 000) fail.
        (
            "max_debt_ratio_pct",
            json!(70),
            vec![
                (json!({"total_liabilities": 700_000_000}), IN),
                (json!({"total_liabilities": 699_999_999}), IN),
                (json!({"total_liabilities": 700_000_001}), OUT),
                (json!({"total_liabilities": 700_050_000}), OUT),
                (json!({"total_assets": 10_000_000, "total_liabilities": 7_000_001}), OUT),
                (json!({"total_assets": 10_000_000, "total_liabilities": 6_999_999}), IN),
            ],
        ),
        // A cap with decimals, and no assets: debts without assets are above every cap, nothing of nothing
        // is within it.
        (
            "max_debt_ratio_pct",
            json!("70.5"),
            vec![
                (json!({"total_liabilities": 705_000_000}), IN),
                (json!({"total_liabilities": 705_000_001}), OUT),
                (json!({"total_assets": 0, "total_liabilities": 1}), OUT),
                (json!({"total_assets": 0, "total_liabilities": 0}), IN),
            ],
        ),
        (
            "max_debt_ratio_pct",
            json!(100),
            vec![(json!({"total_liabilities": 1_000_000_000}), IN), (json!({"total_liabilities": 1_000_000_001}), OUT)],
        ),
        // Scale by 工信部联企业〔2011〕300号 for software: small from 10 people and 50 万元 of revenue, medium
        // from 100 people and 1000 万元 ("及以上"), large from 300 people and 1 亿元.
        (
            "scales",
            json!("small"),
            vec![
                (json!({"employees": 10, "revenue": 50_000_000}), IN),
                (json!({"employees": 9, "revenue": 50_000_000}), OUT),
                (json!({"employees": 10, "revenue": 50_000_000 - 1}), OUT),
                (json!({"employees": 99, "revenue": 1_000_000_000}), IN),
                (json!({"employees": 100, "revenue": 1_000_000_000}), OUT),
            ],
        ),
        (
            "scales",
            json!("medium"),
            vec![
                (json!({"employees": 100, "revenue": 1_000_000_000}), IN),
                (json!({"employees": 100, "revenue": 1_000_000_000 - 1}), OUT),
                (json!({"employees": 299, "revenue": 10_000_000_000i64}), IN),
                (json!({"employees": 300, "revenue": 10_000_000_000i64}), OUT),
                (json!({"employees": 300, "revenue": 10_000_000_000i64 - 1}), IN),
            ],
        ),
    ]
}

#[test]
fn every_threshold_is_inclusive_and_decided_to_the_smallest_step() {
    for (key, value, profiles) in cases() {
        for (profile, expected) in profiles {
            assert_eq!(against(key, &value, &profile), expected, "{key}={value} against {profile}");
        }
    }
    // Every rule with a threshold is here (the others compare sets and flags, with no bound to be off by one).
    let covered: std::collections::BTreeSet<&str> = cases().iter().map(|c| c.0).collect();
    assert_eq!(
        covered.into_iter().collect::<Vec<_>>(),
        [
            "employees",
            "max_debt_ratio_pct",
            "min_invention_patents",
            "min_tax_credit_grade",
            "min_trademarks",
            "min_years_in_operation",
            "no_overdue_months",
            "revenue_yuan",
            "scales",
            "tax_paid_yuan",
        ]
    );
}

/// The defect an independent check found: liabilities of 700.05 万元 against 1000 万元 of assets (70.005 %)
/// were truncated to 7000 basis points, passed "资产负债率不高于 70%" and were shown as "70%，符合".
#[test]
fn a_debt_ratio_of_70_005_percent_fails_a_cap_of_70_percent_and_is_shown_as_it_is() {
    let cap = product(1, json!({"eligibility": {"max_debt_ratio_pct": 70}}));
    let out = run(vec![cap.clone()], &firm(json!({"total_liabilities": 700_050_000})), &need(json!({})));
    assert_eq!(list_of(&out, 1), OUT);
    let f = finding(&out.ineligible[0], "max_debt_ratio_pct");
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.actual.as_ref().unwrap().zh, "资产负债率为 70.005%");
    assert_eq!(f.message.zh, "要求资产负债率不高于 70%，贵企业资产负债率为 70.005%");
    assert_eq!(f.message.en, "Requires Debt ratio at most 70%; you: debt ratio 70.005%");
    assert_eq!(f.fix.as_ref().unwrap().zh, "将资产负债率降至 70% 以下");
    assert_eq!(out.by_reason[0].code, "max_debt_ratio_pct");

    // An excess too small for four decimals is rounded up and said to be approximate: never "70%".
    let out = run(
        vec![cap.clone()],
        &firm(json!({"total_assets": 10_000_000, "total_liabilities": 7_000_001})),
        &need(json!({})),
    );
    let f = finding(&out.ineligible[0], "max_debt_ratio_pct");
    assert_eq!(f.message.zh, "要求资产负债率不高于 70%，贵企业资产负债率约为 70.0001%");
    assert!(!f.message.zh.contains("为 70%"), "{}", f.message.zh);

    // Exactly 70 %: met, and shown as 70 %.
    let out = run(vec![cap], &firm(json!({"total_liabilities": 700_000_000})), &need(json!({})));
    let f = finding(&out.eligible[0], "max_debt_ratio_pct");
    assert_eq!(f.outcome, Outcome::Pass);
    assert_eq!(f.message.zh, "符合：资产负债率不高于 70%");
    assert_eq!(f.actual.as_ref().unwrap().zh, "资产负债率为 70%");
}

/// Reverse matching (a product's candidates) reads the same exact comparison.
#[test]
fn reverse_matching_compares_the_debt_ratio_exactly_too() {
    use crate::{CompiledProduct, FirmFacts, PoolEntry, ProfilePool};
    let compiled = CompiledProduct::new(&product(1, json!({"eligibility": {"max_debt_ratio_pct": 70}})));
    let facts = |liabilities: i64| FirmFacts::of(&firm(json!({"total_liabilities": liabilities})), super::today());
    let pool = ProfilePool::new();
    pool.replace_all(vec![
        PoolEntry { id: 1, facts: facts(700_000_000), open: true },
        PoolEntry { id: 2, facts: facts(700_050_000), open: true },
        PoolEntry { id: 3, facts: facts(700_000_001), open: true },
    ]);
    let found = pool.candidates(&compiled, 10);
    let ids: Vec<i64> = found.top.iter().map(|c| c.profile_id).collect();
    assert_eq!(ids, [1]);
}
