//! The table itself: its documentation, its words, and how each row decides.

use super::*;
use finmart_domain::Labelled;

/// `docs/subsidies.md` shows the table this module holds, row for row.
#[test]
fn the_documented_table_is_the_one_in_force() {
    let doc = include_str!("../../../../docs/subsidies.md");
    let table = documented_table();
    assert!(doc.contains(&table), "docs/subsidies.md should hold the table in force:\n{table}");
    // And no other row: every line of the doc's table is one of the generated ones.
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| 补贴 |")).collect();
    assert_eq!(rows.len(), POLICY.rows().len(), "{rows:?}");
}

#[test]
fn both_subsidies_are_for_small_and_micro_firms_only() {
    for row in POLICY.rows() {
        assert_eq!(row.scales_text().zh, "小型企业、微型企业");
        assert!(row.qualifications_any.is_empty(), "no qualification widens or narrows {:?}", row.policy);
    }
    assert_eq!(POLICY.scales_every_row_admits(), [EnterpriseScale::Small, EnterpriseScale::Micro]);
    let claim = POLICY.claim_text();
    assert_eq!(claim.zh, "小型企业、微型企业享受补贴");
    assert_eq!(claim.en, "Small or micro firm: take the subsidies");
    assert_eq!(
        POLICY.interest.who_text().zh,
        "财政贴息：限小型企业、微型企业；补贴贷款年利率的 50%，每年最多 1.5 个百分点"
    );
    assert_eq!(
        POLICY.fee.who_text().zh,
        "担保费补贴：限小型企业、微型企业，贷款由融资担保机构担保；补贴担保费率的 50%"
    );
}

#[test]
fn amounts_are_the_share_within_the_cap() {
    assert_eq!(POLICY.interest.amount(400), 150);
    assert_eq!(POLICY.interest.amount(250), 125);
    assert_eq!(POLICY.interest.amount(0), 0);
    assert_eq!(POLICY.fee.amount(200), 100);
    assert_eq!(POLICY.fee.amount(1), 0);
}

/// A firm that says only "小微" (the calculator) is admitted; one that says nothing, or a set of scales some
/// row does not admit, is not.
#[test]
fn a_claim_is_admitted_only_when_every_scale_it_may_be_is() {
    let rule = POLICY.interest;
    let carried = |scales: &[EnterpriseScale]| Applicant::claiming(scales);
    let product = crate::compiled::CompiledProduct { policy: mask(&[PolicySupport::InterestSubsidy]), ..bare() };
    assert_eq!(
        rule.decide(&product, &carried(&[EnterpriseScale::Small, EnterpriseScale::Micro])),
        Some(Decision::Entitled)
    );
    assert_eq!(rule.decide(&product, &carried(&[EnterpriseScale::Small])), Some(Decision::Entitled));
    assert_eq!(rule.decide(&product, &carried(&[])), Some(Decision::ScaleUnknown));
    assert_eq!(rule.decide(&product, &carried(&[EnterpriseScale::Medium])), Some(Decision::ScaleNotAdmitted));
    assert_eq!(
        rule.decide(&product, &carried(&[EnterpriseScale::Small, EnterpriseScale::Medium])),
        Some(Decision::ScaleUnknown)
    );
    // A product without the policy carries no decision at all; the fee subsidy needs a guarantee.
    assert_eq!(POLICY.fee.decide(&product, &carried(&[EnterpriseScale::Small])), None);
    let fee_only = crate::compiled::CompiledProduct { policy: mask(&[PolicySupport::GuaranteeFeeSubsidy]), ..bare() };
    assert_eq!(POLICY.fee.decide(&fee_only, &carried(&[EnterpriseScale::Small])), Some(Decision::NotGuaranteed));
    assert!(!POLICY.offered_on(&fee_only), "a fee subsidy without a guarantee is nothing to offer");
    assert!(POLICY.offered_on(&product));
    assert!(!POLICY.offered_on(&bare()));
}

/// A row that asks for a qualification: held admits, not held or not said does not.
#[test]
fn a_qualification_condition_is_read_when_a_row_has_one() {
    let rule = SubsidyRule { qualifications_any: &[Qualification::HighTech], ..POLICY.interest };
    let product = crate::compiled::CompiledProduct { policy: mask(&[PolicySupport::InterestSubsidy]), ..bare() };
    let small = mask(&[EnterpriseScale::Small]);
    let with = |q: Option<&[Qualification]>| Applicant { scales: small, qualifications: q.map(mask) };
    assert_eq!(rule.decide(&product, &with(Some(&[Qualification::HighTech]))), Some(Decision::Entitled));
    assert_eq!(rule.decide(&product, &with(Some(&[Qualification::TechSme]))), Some(Decision::QualificationLacking));
    assert_eq!(rule.decide(&product, &with(None)), Some(Decision::QualificationLacking));
    assert!(rule.who_text().zh.contains("且具有高新技术企业资质之一"), "{}", rule.who_text().zh);
    assert_eq!(Qualification::HighTech.label_zh(), "高新技术企业");
}

/// A product compiled from nothing: no policy, no guarantee.
fn bare() -> crate::compiled::CompiledProduct {
    use finmart_domain::*;
    let spec: ProductSpec = serde_json::from_value(serde_json::json!({
        "code": "P1", "name": "测试产品", "family": "credit", "description": "流动资金贷款",
        "amount": {"min": 10_000_000, "max": 500_000_000}, "term": {"min": 3, "max": 36},
        "pricing": {"kind": "stated", "period": "annual", "notation": "percent",
                    "range": {"min": 40_000, "max": 60_000}, "fixed": true},
        "repayment_methods": ["equal_instalment"], "collateral": {"kind": "none_required"}, "guarantee": null,
        "eligibility": {}, "policy_support": [], "decision_days": 5, "online": false,
        "area": {"kind": "nationwide"}, "valid_from": null, "valid_until": null,
    }))
    .unwrap();
    let at = chrono::DateTime::<chrono::Utc>::default();
    crate::compiled::CompiledProduct::new(&Product {
        id: 1,
        institution: InstitutionRef {
            id: 1,
            code: "bank".into(),
            name: "测试银行".into(),
            kind: InstitutionKind::Bank,
        },
        guarantee_agency: None,
        state: LifecycleState::Published,
        spec,
        created_at: at,
        updated_at: at,
        references: ReferenceRates::default(),
    })
}
