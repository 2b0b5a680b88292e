//! Checks that the demo catalogue is as large, as varied and as valid as the demo and the relevance fixture need.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::Datelike;
use finmart_domain::{District, ProductRecord};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The reference rates the demo is written against in tests: the values the migration seeds (2025-05-20
/// LPR 1 year 3.00 %, over 5 years 3.50 %; PBOC benchmark rates of 2015-10-24).
fn references() -> ReferenceRates {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let p = |kind, b, on| finmart_domain::Publication { kind, rate: Bps::new(b).unwrap(), published_on: on };
    use finmart_domain::ReferenceKind as K;
    ReferenceRates::current(
        [
            p(K::Lpr1y, 300, day(2025, 5, 20)),
            p(K::Lpr5y, 350, day(2025, 5, 20)),
            p(K::Benchmark1y, 435, day(2015, 10, 24)),
            p(K::Benchmark1to5y, 475, day(2015, 10, 24)),
            p(K::Benchmark5yPlus, 490, day(2015, 10, 24)),
        ],
        day(2026, 11, 22),
    )
}

fn demo_catalogue() -> Vec<DemoInstitution> {
    super::demo_catalogue(&references())
}

/// The annual range of a product at the test's reference rates, in basis points.
fn annual(s: &ProductSpec) -> (Option<u32>, Option<u32>) {
    let a = s.pricing.annual(&references(), &s.term);
    (a.min().map(|r| r.bps().bps()), a.max().map(|r| r.bps().bps()))
}

/// Whether a product is one of those whose pages write the rate or the fee in another form (`data::PRICED`).
fn is_priced_as_written(spec: &ProductSpec) -> bool {
    data::PRICED.iter().any(|(code, _)| *code == spec.code)
}

/// Whether a product is one of the hand-written pages that leave facts out (`data::PAGES`).
fn is_page(spec: &ProductSpec) -> bool {
    data::PAGES.iter().any(|(_, cells)| cells.contains(&("code", spec.code.as_str())))
}

fn published() -> Vec<(String, InstitutionKind, ProductSpec)> {
    demo_catalogue()
        .into_iter()
        .flat_map(|d| {
            let (code, kind) = (d.institution.code.clone(), d.institution.kind);
            d.products
                .into_iter()
                .filter(|(state, _)| *state == LifecycleState::Published)
                .map(move |(_, spec)| (code.clone(), kind, spec))
        })
        .collect()
}

#[test]
fn institutions_are_many_kinds_with_valid_unique_codes() {
    let catalogue = demo_catalogue();
    assert!(catalogue.len() >= 30, "{} institutions", catalogue.len());
    let kinds: BTreeSet<_> = catalogue.iter().map(|d| d.institution.kind).collect();
    // Every kind with a product family of its own. Factoring companies and other institutions are left to
    // the operator: the search relevance fixture is built on this catalogue, and adding to it moves answers.
    use InstitutionKind::{Bank, GuaranteeAgency, Insurer, Leasing, MicroCredit};
    assert_eq!(kinds, BTreeSet::from([Bank, MicroCredit, Leasing, Insurer, GuaranteeAgency]));
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for d in &catalogue {
        let i = &d.institution;
        assert_eq!(finmart_domain::validate_code(&i.code).as_deref(), Ok(i.code.as_str()));
        assert!(i.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", i.code);
        assert!(codes.insert(i.code.clone()), "duplicate code {}", i.code);
        assert!(names.insert(i.name.clone()), "duplicate name {}", i.name);
        assert!(!i.intro.is_empty());
        match i.kind {
            InstitutionKind::GuaranteeAgency => assert!(d.products.is_empty(), "{} lists products", i.code),
            _ => assert!(!d.products.is_empty(), "{} lists nothing", i.code),
        }
    }
    let count = |k: InstitutionKind| catalogue.iter().filter(|d| d.institution.kind == k).count();
    assert!(count(InstitutionKind::Bank) >= 12);
    assert!(count(InstitutionKind::MicroCredit) >= 4);
    assert!(count(InstitutionKind::Leasing) >= 3);
    assert!(count(InstitutionKind::Insurer) >= 2);
    assert!(count(InstitutionKind::GuaranteeAgency) >= 5);
}

#[test]
fn enough_products_in_every_family_and_some_unlisted() {
    let catalogue = demo_catalogue();
    let total: usize = catalogue.iter().map(|d| d.products.len()).sum();
    assert!(total >= 320, "{total} products");
    let published = published();
    assert!(published.len() >= 300, "{} published", published.len());
    for family in ProductFamily::ALL {
        let n = published.iter().filter(|(_, _, s)| s.family == *family).count();
        // The families added in issue 12 have fewer products of their own (and more through further families).
        let least = if LATER_FAMILIES.contains(family) { 3 } else { 8 };
        assert!(n >= least, "{family}: {n} published");
    }
    let states: BTreeSet<_> = catalogue
        .iter()
        .flat_map(|d| d.products.iter().map(|(state, _)| *state))
        .filter(|s| *s != LifecycleState::Published)
        .collect();
    assert_eq!(states.len(), 4, "every unlisted state appears: {states:?}");
    assert!(total - published.len() >= 8);
}

/// The families added in issue 12, at the end of the vocabulary.
const LATER_FAMILIES: [ProductFamily; 7] = [
    ProductFamily::Tech,
    ProductFamily::Equipment,
    ProductFamily::InventoryPledge,
    ProductFamily::BillDiscount,
    ProductFamily::LetterOfGuarantee,
    ProductFamily::Talent,
    ProductFamily::OrderFinancing,
];

/// Products of two families say so: the later families' products their kin, and products of the first
/// families whose name or rules say a later family are listed under it too.
#[test]
fn products_of_two_families_list_both() {
    use ProductFamily as F;
    let published = published();
    let under = |f: F| published.iter().filter(|(_, _, s)| s.is_in(f)).count();
    for family in LATER_FAMILIES {
        let own = published.iter().filter(|(_, _, s)| s.family == family).count();
        assert!(under(family) >= own, "{family}");
    }
    assert!(under(F::Tech) >= 8 && under(F::Equipment) >= 6 && under(F::OrderFinancing) >= 6, "{}", under(F::Tech));
    let further = published.iter().filter(|(_, _, s)| !s.more_families.is_empty()).count();
    assert!((20..=80).contains(&further), "{further} products with further families");
    for (_, _, s) in &published {
        assert!(!s.more_families.contains(&s.family) && s.more_families.is_sorted(), "{}", s.code);
        match s.family {
            F::Tech | F::Talent if s.collateral == CollateralTerms::NoneRequired => {
                assert!(s.more_families.contains(&F::Credit), "{}: a credit loan too", s.code);
            }
            F::OrderFinancing | F::InventoryPledge => assert!(s.more_families.contains(&F::SupplyChain), "{}", s.code),
            _ => {}
        }
        if s.name.contains("仓单") && s.family != F::InventoryPledge {
            assert!(s.more_families.contains(&F::InventoryPledge), "{}", s.name);
        }
    }
    let page = published.iter().find(|(_, _, s)| s.code == "HHB-CR-P01").unwrap();
    assert_eq!(page.2.more_families, [F::Tech], "海河科技贷 is a 科技贷 filed under credit");
}

#[test]
fn every_district_is_well_covered() {
    let published = published();
    let home = HomeArea::default();
    let citywide = |s: &ProductSpec| s.area.covers_home(&home);
    for district in home.districts() {
        let serving = published.iter().filter(|(_, _, s)| s.area.covers(district) == Some(true)).count();
        let local = published.iter().filter(|(_, _, s)| !citywide(s) && s.area.covers(district) == Some(true)).count();
        assert!(serving >= 10, "{district:?}: {serving} products");
        assert!(local >= 2, "{district:?}: {local} local products");
    }
    let count = published.iter().filter(|(_, _, s)| citywide(s)).count();
    assert!(count > 50 && count < published.len() - 50, "{count} citywide");
    for (_, _, s) in &published {
        assert!(citywide(s) || s.area == ServiceArea::NotStated || s.area.divisions().len() <= 5, "{}", s.code);
    }
    // Real pages also say 全国, or nothing at all: a few demo products do too.
    let nationwide = published.iter().filter(|(_, _, s)| s.area == ServiceArea::Nationwide).count();
    let unstated = published.iter().filter(|(_, _, s)| s.area == ServiceArea::NotStated).count();
    assert_eq!((nationwide, unstated), (2, 1));
}

#[test]
fn first_loans_in_binhai_are_few_and_say_so() {
    let local_binhai: Vec<_> = published()
        .into_iter()
        .filter(|(_, _, s)| s.family == ProductFamily::FirstLoan)
        .filter(|(_, _, s)| {
            let binhai = District::parse("滨海新区", &HomeArea::default()).unwrap();
            !s.area.covers_home(&HomeArea::default()) && s.area.covers(binhai) == Some(true)
        })
        .collect();
    assert!((1..=3).contains(&local_binhai.len()), "{}", local_binhai.len());
    for (_, _, s) in &local_binhai {
        assert!(s.name.contains("滨海") || s.description.contains("滨海"), "{}", s.name);
    }
    // No other first loan mentions 滨海.
    let mentions = published()
        .into_iter()
        .filter(|(_, _, s)| s.family == ProductFamily::FirstLoan)
        .filter(|(_, _, s)| s.name.contains("滨海") || s.description.contains("滨海"))
        .count();
    assert_eq!(mentions, local_binhai.len());
}

#[test]
fn codes_and_names_are_unique_per_institution() {
    for d in demo_catalogue() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for (_, s) in &d.products {
            assert!(codes.insert(s.code.clone()), "{}: duplicate code {}", d.institution.code, s.code);
            assert!(names.insert(s.name.clone()), "{}: duplicate name {}", d.institution.code, s.name);
        }
    }
}

/// The terms of a family whose products ask for one kind of collateral.
fn any_of(kind: Collateral) -> CollateralTerms {
    CollateralTerms::AnyOf { unsecured: false, kinds: vec![kind] }
}

#[test]
fn guarantees_name_demo_agencies_and_leasing_comes_from_lessors() {
    let catalogue = demo_catalogue();
    let kinds: BTreeMap<_, _> = catalogue.iter().map(|d| (d.institution.code.clone(), d.institution.kind)).collect();
    for d in &catalogue {
        for (_, s) in &d.products {
            if let Some(g) = &s.guarantee {
                assert_eq!(kinds.get(&g.agency_code), Some(&InstitutionKind::GuaranteeAgency), "{}", s.code);
                if !is_priced_as_written(s) {
                    assert!(g.fee.min().is_some_and(|f| (50..=150).contains(&f.bps())), "{}", s.code);
                }
            }
            assert_eq!(
                s.family == ProductFamily::Leasing,
                d.institution.kind == InstitutionKind::Leasing,
                "{}",
                s.code
            );
            if d.institution.kind == InstitutionKind::Insurer {
                assert_eq!(s.family, ProductFamily::Insurance);
            }
            match s.family {
                ProductFamily::Guaranteed | ProductFamily::StartupGuarantee => assert!(s.guarantee.is_some()),
                ProductFamily::FirstLoan => {
                    assert!(s.eligibility.rules().contains(&EligibilityRule::FirstLoanOnly));
                }
                ProductFamily::IpPledge => assert_eq!(s.collateral, any_of(Collateral::IntellectualProperty)),
                ProductFamily::GovProcurement => {
                    assert!(s.eligibility.rules().contains(&EligibilityRule::GovProcurementContract));
                }
                ProductFamily::Receivables | ProductFamily::SupplyChain => {
                    assert!(s.eligibility.rules().contains(&EligibilityRule::CoreEnterpriseReceivables));
                    assert_eq!(s.collateral, any_of(Collateral::Receivables));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn ranges_are_realistic() {
    let wan = |f: &Fen| f.fen() / 1_000_000;
    for (_, kind, s) in published().into_iter().filter(|(_, _, s)| !is_page(s) && !is_priced_as_written(s)) {
        let (amount, term) = (s.amount.range().unwrap(), s.term.range().unwrap());
        let (amin, amax) = (wan(amount.min()), wan(amount.max()));
        let (tmin, tmax) = (term.min().get(), term.max().get());
        let (rmin, rmax) = match annual(&s) {
            (Some(lo), Some(hi)) => (lo, hi),
            other => panic!("{}: {other:?}", s.code),
        };
        assert!(amin > 0 && amin <= amax && amax <= 5000, "{}", s.code);
        // A discount rate is below any loan's.
        let floor = if s.family == ProductFamily::BillDiscount { 100 } else { 250 };
        assert!(rmin < rmax && (floor..=1500).contains(&rmin), "{}", s.code);
        assert!(s.decision_days.is_some_and(|d| (1..=30).contains(&d)), "{}", s.code);
        match s.family {
            ProductFamily::StartupGuarantee => {
                assert!(amax <= 50 && tmax <= 24, "{}", s.code);
                assert!(s.policy_support.contains(&PolicySupport::InterestSubsidy), "{}", s.code);
            }
            ProductFamily::Credit if kind == InstitutionKind::Bank => {
                assert!(amin >= 10 && amax <= 500 && tmax <= 36 && rmin >= 320 && rmax <= 650, "{}", s.code);
            }
            ProductFamily::Mortgage => assert!(amax <= 3000 && tmin >= 12 && tmax <= 120, "{}", s.code),
            ProductFamily::TaxCredit => assert!(amin >= 5 && amax <= 300, "{}", s.code),
            _ => {}
        }
        if let Pricing::Lpr { tenor, spread_bps } = s.pricing {
            // The spread range comes to the drawn annual range at the LPR the catalogue was written against.
            assert_eq!(tenor == LprTenor::FiveYear, tmax > 60, "{}", s.code);
            assert!(spread_bps.range().is_some(), "{}", s.code);
        }
    }
}

#[test]
fn texts_fit_and_products_are_valid_today() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    for d in demo_catalogue() {
        for (_, s) in &d.products {
            let n = s.description.chars().count();
            assert!((40..=200).contains(&n), "{} description has {n} characters: {}", s.code, s.description);
            assert!(s.name.chars().count() <= 30, "{}", s.name);
            assert!(s.valid_on(today), "{} not valid on {today}", s.code);
            assert!(s.valid_from.is_none_or(|from| from.year() >= 2025), "{}", s.code);
        }
    }
}

/// Generated products state every fact, 纯信用 and 否 included; the hand-written pages leave out what their
/// pages do, and say what they do say.
#[test]
fn generated_products_state_everything_and_pages_leave_facts_out() {
    let published = published();
    for (_, _, s) in published.iter().filter(|(_, _, s)| !is_page(s)) {
        let stated = annual(s);
        assert!(s.amount.range().is_some() && s.term.range().is_some(), "{}", s.code);
        assert!(stated.0.is_some() && stated.1.is_some(), "{}", s.code);
        assert!(s.repayment_methods.as_ref().is_some_and(|m| !m.is_empty()), "{}", s.code);
        assert!(s.decision_days.is_some() && s.online.is_some() && s.valid_from.is_some(), "{}", s.code);
        if s.family == ProductFamily::InventoryPledge {
            // The collateral vocabulary names no inventory: the description says what is pledged.
            assert_eq!(s.collateral, CollateralTerms::NotStated, "{}", s.code);
            assert!(s.description.contains("质押"), "{}", s.description);
            continue;
        }
        assert!(matches!(
            s.collateral,
            CollateralTerms::NoneRequired | CollateralTerms::AnyOf { unsecured: false, .. }
        ));
    }
    let credit_only = published.iter().filter(|(_, _, s)| s.collateral == CollateralTerms::NoneRequired).count();
    assert!(credit_only > 100, "{credit_only} products stated 纯信用");
    assert!(published.iter().any(|(_, _, s)| s.online == Some(false)), "否 stays a stated 否");

    let pages: Vec<&ProductSpec> = published.iter().map(|(_, _, s)| s).filter(|s| is_page(s)).collect();
    assert_eq!(pages.len(), data::PAGES.len(), "every page is published");
    let page = |code: &str| *pages.iter().find(|s| s.code == code).unwrap();

    let tech = page("HHB-CR-P01");
    assert_eq!((tech.amount.min(), tech.amount.max()), (None, Some(Fen::wan(500))), "最高 500 万元");
    let lpr_unsaid = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: finmart_domain::StatedRange::UNSTATED };
    assert_eq!(tech.pricing, lpr_unsaid, "LPR 加点");
    assert!(tech.repayment_methods.is_none() && tech.decision_days.is_none());
    assert_eq!((&tech.collateral, tech.online, tech.valid_from), (&CollateralTerms::NotStated, None, None));
    let words = tech.eligibility.rules().iter().find(|r| r.key() == "other_conditions").unwrap();
    assert_eq!(words.describe_zh(), "企业及实际控制人征信良好；经营者无不良嗜好", "the page's own words");

    let either = page("WJB-CR-P01");
    let credit_or_mortgage = CollateralTerms::AnyOf { unsecured: true, kinds: vec![Collateral::RealEstate] };
    assert_eq!(either.collateral, credit_or_mortgage, "信用、抵押均可");
    assert_eq!(annual(either), (Some(345), None), "3.45% 起");
    assert!(matches!(either.pricing, Pricing::Stated { fixed: false, .. }));
    let capped = EligibilityRule::TaxPaid(finmart_domain::Bounds { min: None, max: Some(Fen::wan(50)) });
    assert!(either.eligibility.rules().contains(&capped), "年纳税额不超过 50 万元");

    let both = page("GSR-MG-P01");
    let mortgage_and_guarantor = CollateralTerms::AllOf { kinds: vec![Collateral::RealEstate, Collateral::Guarantee] };
    assert_eq!(both.collateral, mortgage_and_guarantor, "房产抵押 + 第三方保证");
    assert!(both.pricing.is_not_stated() && both.decision_days.is_none());
    assert_eq!(both.online, Some(false));
}

/// A few products write their rate as pages do besides the annual range: 月息, 日息, 基准利率上浮, an LPR
/// spread range, a fee range; the demo keeps its counts.
#[test]
fn a_few_products_are_priced_in_every_form_pages_use() {
    let published = published();
    assert_eq!(published.len(), 342, "the demo keeps its 342 published products");
    let product = |code: &str| {
        published.iter().map(|(_, _, s)| s).find(|s| s.code == code).unwrap_or_else(|| panic!("{code} not published"))
    };
    for (code, _) in data::PRICED {
        let s = product(code);
        assert!(s.description.contains(&s.pricing.describe_zh()), "{}", s.description);
    }
    let monthly = product("BYX-CR-002");
    assert_eq!(monthly.pricing.describe_zh(), "月息 0.6% – 0.8%");
    assert_eq!(annual(monthly), (Some(720), Some(960)));
    assert_eq!(product("HZX-CR-001").pricing.describe_zh(), "日息万分之2 – 万分之3");
    assert_eq!(annual(product("HZX-CR-001")), (Some(720), Some(1080)));
    assert_eq!(product("GSR-CR-001").pricing.describe_zh(), "基准利率上浮 30%");
    assert_eq!(product("GSR-MG-001").pricing.describe_zh(), "基准利率上浮 10% – 30%");
    assert_eq!(product("JGB-CR-001").pricing.describe_zh(), "1 年期 LPR +50~150BP");
    let fee = |code: &str| product(code).guarantee.as_ref().unwrap().fee_text_zh();
    assert_eq!(fee("JGB-GU-001"), "0.5% – 1.5%/年");
    assert_eq!(fee("HHB-GU-001"), "最高 2%/年");
    // Without any LPR entered, floating rates are generated fixed: the demo still loads.
    let without = super::demo_catalogue(&ReferenceRates::default());
    let generated_lpr = without
        .iter()
        .flat_map(|d| &d.products)
        .filter(|(_, s)| !is_priced_as_written(s))
        .filter(|(_, s)| matches!(s.pricing, Pricing::Lpr { spread_bps, .. } if spread_bps.range().is_some()))
        .count();
    assert_eq!(generated_lpr, 0);
}

#[test]
fn every_spec_round_trips_through_an_import_record() {
    for d in demo_catalogue() {
        for (state, spec) in &d.products {
            let record = ProductRecord::from((d.institution.code.as_str(), spec));
            let row = record.validate().unwrap_or_else(|e| panic!("{} {}: {e:?}", d.institution.code, spec.code));
            assert_eq!(&row.spec, spec, "{}", spec.code);
            assert_eq!(row.institution_code, d.institution.code);
            let _ = state;
        }
    }
}

#[test]
fn the_catalogue_is_deterministic() {
    assert_eq!(format!("{:?}", demo_catalogue()), format!("{:?}", demo_catalogue()));
}

#[test]
fn relevance_fixture_names_published_products() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/relevance.json");
    let text = std::fs::read_to_string(path).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 34, "{} cases", cases.len());
    let specs: BTreeMap<String, ProductSpec> =
        published().into_iter().map(|(code, _, s)| (format!("{code}/{}", s.code), s)).collect();
    let mut queries = HashSet::new();
    for case in &cases {
        let query = case["query"].as_str().unwrap();
        assert!(queries.insert(query.to_owned()), "duplicate query {query}");
        assert!(!case["why"].as_str().unwrap().is_empty());
        let family_of = |key: &str| match &case[key] {
            serde_json::Value::Null => None,
            v => Some(ProductFamily::parse(v.as_str().unwrap()).unwrap()),
        };
        // All of the top 3 of one main family, or in one family as their main or a further one.
        let (main, any) = (family_of("top3_family"), family_of("top3_in_family"));
        let fits = |s: &ProductSpec| main.is_none_or(|f| s.family == f) && any.is_none_or(|f| s.is_in(f));
        let must: Vec<&str> = case["must_include"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(main.is_some() || any.is_some() || !must.is_empty(), "{query}: no expectation");
        assert!(must.len() <= 3, "{query}");
        for key in must {
            let s = specs.get(key).unwrap_or_else(|| panic!("{query}: {key} is not a published demo product"));
            assert!(fits(s), "{query}: {key}");
        }
        if main.is_some() || any.is_some() {
            let n = specs.values().filter(|s| fits(s)).count();
            assert!(n >= 3, "{query}: only {n} products fit");
        }
    }
}

#[test]
fn demo_enterprises_cover_the_city_its_trades_and_scales() {
    use finmart_domain::{EnterpriseScale, Industry, Qualification};
    let all = demo_enterprises();
    assert_eq!(all.len(), ENTERPRISE_COUNT);
    assert_eq!(all, demo_enterprises(), "deterministic");
    let today = chrono::Utc::now().date_naive();
    for (p, _) in &all {
        p.validate(today).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(p.uscc.is_some());
    }
    let codes: HashSet<_> = all.iter().map(|(p, _)| p.uscc.clone()).collect();
    assert_eq!(codes.len(), all.len());
    for district in HomeArea::default().districts() {
        let n = all.iter().filter(|(p, _)| p.district == district).count();
        assert!(n >= 20, "{district:?}: {n}");
    }
    for industry in Industry::ALL {
        assert!(all.iter().any(|(p, _)| p.industry == *industry), "{industry} missing");
    }
    for scale in [EnterpriseScale::Micro, EnterpriseScale::Small, EnterpriseScale::Medium] {
        let n = all.iter().filter(|(p, _)| p.scale() == Some(scale)).count();
        assert!(n >= 100, "{scale}: {n}");
    }
    let qualifications: BTreeSet<Qualification> =
        all.iter().flat_map(|(p, _)| p.qualification_list().to_vec()).collect();
    assert!(qualifications.len() >= 5, "{qualifications:?}");
    let discoverable = all.iter().filter(|(_, d)| *d).count();
    assert!((1200..1600).contains(&discoverable), "{discoverable} discoverable");
}

#[tokio::test]
async fn loading_the_demo_twice_leaves_the_same_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(dir.path())).await.unwrap();
    crate::load_demo(&store).await.unwrap();
    let revision = store.enterprise_revision().await.unwrap();
    assert_eq!(store.count_enterprises(false).await.unwrap(), ENTERPRISE_COUNT as u64);
    let again = crate::load_demo(&store).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 0));
    assert_eq!(store.count_enterprises(false).await.unwrap(), ENTERPRISE_COUNT as u64);
    assert_eq!(store.enterprise_revision().await.unwrap(), revision, "nothing was rewritten");
    let discoverable = demo_enterprises().iter().filter(|(_, d)| *d).count() as u64;
    assert_eq!(store.count_enterprises(true).await.unwrap(), discoverable);
    // The departments' facts: each provider once, and a second load adds or replaces none.
    assert_eq!(store.data_providers().await.unwrap().len(), super::facts::PROVIDERS.len());
    assert_eq!(super::facts::ensure(&store, &demo_enterprises()).await.unwrap(), 0);
    let mut graded = 0;
    for firm in &account_firms(&demo_enterprises())[..10] {
        let facts = store.facts_of(firm).await.unwrap();
        graded += usize::from(facts.iter().any(|f| f.fact.kind == finmart_domain::FactKind::TaxCreditGrade));
    }
    assert!((1..10).contains(&graded), "{graded} of 10 firms with a verified grade: a part of the firms, not all");
}

#[test]
fn the_demo_firms_make_sense_and_the_sme_accounts_are_going_concerns() {
    let all = demo_enterprises();
    let day = enterprise_day();
    for (p, _) in &all {
        let flaws = p.implausibilities(day);
        assert!(flaws.is_empty(), "{}: {flaws:?}", p.name);
    }
    // Firms founded this year are in the demo too, with no figures for a year they did not exist in.
    let founded_this_year: Vec<_> = all.iter().map(|(p, _)| p).filter(|p| p.established.year() == day.year()).collect();
    assert!(founded_this_year.len() >= 20, "{}", founded_this_year.len());
    assert!(founded_this_year.iter().all(|p| p.revenue == Fen::ZERO));
    // The SME accounts sign in as firms a person can match and borrow as.
    let firms = account_firms(&all);
    assert!(firms.len() >= 100, "{} candidates", firms.len());
    for code in &firms[..2] {
        let (p, _) = all.iter().find(|(p, _)| p.uscc.as_ref() == Some(code)).unwrap();
        assert!(p.years_in_operation(day) >= 3 && p.revenue > Fen::ZERO, "{p:?}");
    }
}

/// The demo as `finmart demo` loads it, two years of applications included, keeps every rule of the lending
/// record: `finmart check-record` finds nothing in it.
#[tokio::test]
async fn the_demo_record_keeps_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(dir.path())).await.unwrap();
    crate::load_demo(&store).await.unwrap();
    let written = crate::load_demo_history(&store).await.unwrap();
    let report = store.record_breaches().await.unwrap();
    assert!(report.is_clean(), "{}", crate::check_record::summary(&report));
    assert_eq!(report.applications, written);
    assert!(written >= 10_000, "{written}");
    assert!(report.without_product.is_empty());
}

/// The demo shows what a product requiring verified facts does: tax loans require the grade from the tax
/// bureau and 专精特新 loans the title from the department's list; among the firms the SME accounts sign in
/// as, and the demo firms at large, the tax grade such a product asks for is verified for some, conflicts
/// for some and is only declared for others, so the match, the candidates and the figures each show every case.
#[test]
fn demo_products_require_verified_facts_and_the_demo_firms_show_each_state() {
    use finmart_domain::{
        EligibilityRule, FactKind, Qualification, RuleKind, Verification, rule_verification, validate_fact_rows,
    };
    let specs: Vec<ProductSpec> = demo_catalogue().into_iter().flat_map(|i| i.products).map(|(_, spec)| spec).collect();
    let requiring = |kind: RuleKind| specs.iter().filter(move |s| s.verified_rules.contains(kind));
    assert!(requiring(RuleKind::MinTaxCreditGrade).count() >= 5, "tax loans require the grade verified");
    assert!(requiring(RuleKind::QualificationsAny).count() >= 1, "专精特新 loans require the title verified");
    for spec in &specs {
        spec.verified_rules.check_against(&spec.eligibility, "verified_rules").unwrap();
        let tax = spec.family == ProductFamily::TaxCredit;
        assert_eq!(
            spec.verified_rules.contains(RuleKind::MinTaxCreditGrade),
            tax && spec.eligibility.rules().iter().any(|r| r.kind() == RuleKind::MinTaxCreditGrade),
            "{}",
            spec.name
        );
    }
    let grade_rule = requiring(RuleKind::MinTaxCreditGrade)
        .flat_map(|s| s.eligibility.rules())
        .find(|r| r.kind() == RuleKind::MinTaxCreditGrade)
        .unwrap()
        .clone();
    let titles = EligibilityRule::QualificationsAny(vec![Qualification::Specialised, Qualification::LittleGiant]);

    let today = finmart_domain::shanghai::today();
    let enterprises = demo_enterprises();
    let mut states: BTreeMap<(bool, &str), usize> = BTreeMap::new();
    let mut specialised = 0;
    let accounts = account_firms(&enterprises);
    for (index, (profile, _)) in enterprises.iter().enumerate() {
        let records = finmart_synth::fact_records(profile, ENTERPRISE_SEED, index, today);
        let mut facts = Vec::new();
        for source in records.iter().map(|(s, _)| *s).collect::<BTreeSet<_>>() {
            let rows: Vec<_> =
                records.iter().filter(|(s, _)| *s == source).map(|(_, r)| r.clone()).enumerate().collect();
            facts.extend(validate_fact_rows(&rows, source, today).unwrap());
        }
        let state = rule_verification(&grade_rule, profile, &facts, today).unwrap().state;
        let code = match state {
            Verification::Verified => "verified",
            Verification::Conflict => "conflict",
            Verification::Expired => "expired",
            Verification::Unverified => "unverified",
        };
        let account = profile.uscc.as_ref().is_some_and(|u| accounts[..2].contains(u));
        *states.entry((account, code)).or_default() += 1;
        if facts.iter().any(|f| f.kind == FactKind::Qualification)
            && rule_verification(&titles, profile, &facts, today).is_some_and(|v| v.state == Verification::Verified)
        {
            specialised += 1;
        }
    }
    for code in ["verified", "conflict", "expired", "unverified"] {
        assert!(states.get(&(false, code)).copied().unwrap_or(0) >= 3, "{code}: {states:?}");
    }
    assert!(specialised >= 3, "{specialised} demo firms with a verified 专精特新 title");
    let signed_in: usize = states.iter().filter(|((account, _), _)| *account).map(|(_, n)| n).sum();
    assert_eq!(signed_in, 2, "the two SME accounts' firms: {states:?}");
}
