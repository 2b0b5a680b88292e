//! The demo data set: a fictional catalogue of Tianjin banks, micro-credit companies, leasing companies,
//! insurers and credit-guarantee agencies with some 340 products over every family and all sixteen districts,
//! for `finmart demo`, for screenshots and for the search-relevance fixture (`tests/fixtures/relevance.json`).
//!
//! Every institution and product name is invented. The catalogue is generated from the tables in `data`
//! by a deterministic hash of (institution, family, sequence number), so every call returns the same data.
//! Generated products state every fact; a few hand-written ones (`data::PAGES`) leave facts out as real
//! product pages do, so the demo shows 未说明 and matches that need confirming with the institution.

pub mod accounts;
pub mod contacts;
mod data;
pub mod facts;

use chrono::NaiveDate;
use data::{Area, Featured, Flavor, Inst, Stem};
use finmart_domain::{
    Bps, Collateral, CollateralTerms, EligibilityRule, EligibilityRules, EnterpriseProfile, EnterpriseScale, Fen,
    GuaranteeTerms, HomeArea, Industry, InstitutionKind, Labelled, LifecycleState, LprTenor, Materials, Months,
    NewInstitution, PolicySupport, Pricing, PrioritySector, ProductFamily, ProductRecord, ProductSpec, Qualification,
    Range, ReferenceRates, RepaymentMethod, ServiceArea, TaxCreditGrade,
};
use finmart_synth::tianjin;

/// One fictional institution and the products it lists (guarantee agencies list none of their own; products
/// name them in `spec.guarantee`).
#[derive(Debug, Clone)]
pub struct DemoInstitution {
    pub institution: NewInstitution,
    pub products: Vec<(LifecycleState, ProductSpec)>,
}

/// The whole demo catalogue, deterministic (same output for the same reference rates). A floating rate is
/// drawn as an annual range and written as the LPR spread range that comes to it at the current LPR of
/// `references` (the table the operator keeps; a fixed rate where the LPR was never entered).
#[must_use]
pub fn demo_catalogue(references: &ReferenceRates) -> Vec<DemoInstitution> {
    data::INSTITUTIONS
        .iter()
        .enumerate()
        .map(|(index, inst)| DemoInstitution {
            institution: NewInstitution {
                code: inst.code.to_owned(),
                name: inst.name.to_owned(),
                kind: inst.kind,
                intro: inst.intro.to_owned(),
            },
            products: products_of(index, inst, references),
        })
        .collect()
}

/// The seed of the demo's synthetic SME profiles.
pub const ENTERPRISE_SEED: u64 = 20_261_122;
/// How many synthetic SME profiles the demo loads.
pub const ENTERPRISE_COUNT: usize = 2_000;

/// The day the demo's firms are dated from: 2026-11-22, or today if that is earlier.
fn enterprise_day() -> NaiveDate {
    let today = chrono::Utc::now().date_naive();
    NaiveDate::from_ymd_opt(2026, 11, 22).map_or(today, |fixed| fixed.min(today))
}

/// The demo's SME profiles and their consent to be found: [`ENTERPRISE_COUNT`] fictional firms from
/// [`finmart_synth::profiles`], dated relative to 2026-11-22 (or today, if that is earlier) so that they are
/// the same on every day the demo is loaded.
#[must_use]
pub fn demo_enterprises() -> Vec<(EnterpriseProfile, bool)> {
    finmart_synth::profiles(ENTERPRISE_SEED, ENTERPRISE_COUNT, enterprise_day())
        .map(|p| (p.profile, p.discoverable))
        .collect()
}

/// Years in business a demo SME account's firm has at least.
const ACCOUNT_FIRM_YEARS: u16 = 3;

/// The credit codes of the demo firms the SME demo accounts sign in as, in `enterprises`' order: micro and
/// small firms in business for [`ACCOUNT_FIRM_YEARS`] years or more that state what matching reads (last
/// year's revenue and tax paid, an A or B grade, assets and liabilities, a clean repayment record), so that
/// a person trying the site as an SME matches, applies and borrows as a going concern, not as a firm founded
/// last month with nothing to show yet (which the demo has too, as the market does).
#[must_use]
pub fn account_firms(enterprises: &[(EnterpriseProfile, bool)]) -> Vec<finmart_domain::Uscc> {
    use finmart_domain::OverdueHistory;
    let day = enterprise_day();
    enterprises
        .iter()
        .map(|(p, _)| p)
        .filter(|p| {
            matches!(p.scale(), Some(EnterpriseScale::Micro | EnterpriseScale::Small))
                && p.years_in_operation(day) >= ACCOUNT_FIRM_YEARS
                && p.revenue > Fen::ZERO
                && p.tax_paid.is_some_and(|t| t > Fen::ZERO)
                && matches!(p.tax_credit_grade, Some(TaxCreditGrade::A | TaxCreditGrade::B))
                && p.total_assets.is_some()
                && p.total_liabilities.is_some()
                && p.overdue == Some(OverdueHistory::Never)
                && p.implausibilities(day).is_empty()
        })
        .filter_map(|p| p.uscc.clone())
        .collect()
}

/// A small deterministic generator (FNV-1a seed, SplitMix64 steps): the demo must not change between runs
/// or library versions, so no external RNG.
struct Dice(u64);

impl Dice {
    fn new(parts: &[&str]) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for b in part.bytes().chain([0xff]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        Self(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A multiple of `step` in `lo..=hi`.
    fn step(&mut self, lo: u32, hi: u32, step: u32) -> u32 {
        let n = (hi - lo) / step + 1;
        lo + step * u32::try_from(self.below(n as usize)).unwrap_or(0)
    }
}

/// What one product slot is made from: its full name, its lead sentence, its flavour and where it is offered.
struct Slot {
    name: String,
    lead: &'static str,
    flavor: Flavor,
    area: Area,
}

fn family_abbr(family: ProductFamily) -> &'static str {
    match family {
        ProductFamily::Credit => "CR",
        ProductFamily::FirstLoan => "FL",
        ProductFamily::Mortgage => "MG",
        ProductFamily::Guaranteed => "GU",
        ProductFamily::IpPledge => "IP",
        ProductFamily::Receivables => "AR",
        ProductFamily::SupplyChain => "SC",
        ProductFamily::TaxCredit => "TX",
        ProductFamily::GovProcurement => "GP",
        ProductFamily::StartupGuarantee => "SG",
        ProductFamily::Renewal => "RN",
        ProductFamily::MediumLongTerm => "ML",
        ProductFamily::EquityPledge => "EQ",
        ProductFamily::Leasing => "LS",
        ProductFamily::Insurance => "IN",
        ProductFamily::Tech => "TE",
        ProductFamily::Equipment => "EP",
        ProductFamily::InventoryPledge => "WR",
        ProductFamily::BillDiscount => "BD",
        ProductFamily::LetterOfGuarantee => "LG",
        ProductFamily::Talent => "TA",
        ProductFamily::OrderFinancing => "OF",
    }
}

fn products_of(index: usize, inst: &Inst, references: &ReferenceRates) -> Vec<(LifecycleState, ProductSpec)> {
    let mut out = Vec::new();
    for &(family, count) in inst.offer {
        let count = usize::from(count);
        let featured: Vec<&Featured> =
            data::FEATURED.iter().filter(|f| f.inst == inst.code && f.family == family).collect();
        let all = data::stems(family, inst.kind);
        let family_pos = ProductFamily::ALL.iter().position(|f| *f == family).unwrap_or(0);
        let start = (index + family_pos) % all.len();
        // The institution's stems in a rotated order, without those a flagship product already uses.
        let generic: Vec<&Stem> = all[start..]
            .iter()
            .chain(&all[..start])
            .filter(|s| featured.iter().all(|f| f.stem.name != s.name))
            .collect();
        let slot = |stem: &Stem, suffix: &str| Slot {
            name: format!("{}{}{suffix}", inst.brand, stem.name),
            lead: stem.lead,
            flavor: stem.flavor,
            area: Area::Drawn,
        };
        let slots = featured
            .iter()
            .map(|f| Slot {
                name: if f.full_name { f.stem.name.to_owned() } else { format!("{}{}", inst.brand, f.stem.name) },
                lead: f.stem.lead,
                flavor: f.stem.flavor,
                area: f.area,
            })
            .chain(generic.iter().map(|s| slot(s, "")))
            .take(count);
        for (k, s) in slots.enumerate() {
            out.push((LifecycleState::Published, priced_as_written(inst, build(inst, family, k + 1, &s, references))));
        }
        let unlisted = data::UNLISTED.iter().filter(|(code, f, _, _)| *code == inst.code && *f == family);
        let spare = generic.iter().skip(count.saturating_sub(featured.len()));
        for (k, ((_, _, state, suffix), stem)) in unlisted.zip(spare).enumerate() {
            out.push((*state, build(inst, family, count + k + 1, &slot(stem, suffix), references)));
        }
    }
    out.extend(data::PAGES.iter().filter(|(code, _)| *code == inst.code).map(|(code, cells)| page(code, cells)));
    out
}

/// A product written as its page is (`data::PAGES`), read through the import as its lender would upload it,
/// so that what the page leaves out is 未说明 by the import's own rules.
#[allow(clippy::expect_used)] // The static table's own rows, each validated by the demo tests.
fn page(institution_code: &str, cells: &[(&str, &str)]) -> (LifecycleState, ProductSpec) {
    let record =
        ProductRecord::from_pairs(std::iter::once(("institution_code", institution_code)).chain(cells.iter().copied()));
    let row = record.validate().expect("demo data is valid");
    (row.state, row.spec)
}

/// A product whose page writes its rate (or guarantee fee) in one of the other forms pages use
/// (`data::PRICED`: 月息, 日息, 基准利率上浮, a fee range), re-read with those cells through the import as its
/// lender would upload it; any other product as it is. The description says the rate as written.
#[allow(clippy::expect_used)] // The static table's own rows, each validated by the demo tests.
fn priced_as_written(inst: &Inst, spec: ProductSpec) -> ProductSpec {
    let Some((_, cells)) = data::PRICED.iter().find(|(code, _)| *code == spec.code) else { return spec };
    let mut record = ProductRecord::from((inst.code, &spec));
    for (column, _) in *cells {
        if column.starts_with("rate_") || column.starts_with("lpr_") || column.starts_with("benchmark_") {
            for old in [
                "rate_min_pct",
                "rate_max_pct",
                "rate_basis",
                "rate_unit",
                "lpr_spread_min_bps",
                "lpr_spread_max_bps",
                "benchmark_markup_min_pct",
                "benchmark_markup_max_pct",
            ] {
                record.remove(old);
            }
        }
        if column.starts_with("guarantee_fee") {
            record.remove("guarantee_fee_min_pct");
            record.remove("guarantee_fee_max_pct");
        }
    }
    for (column, value) in *cells {
        record.set(column, *value);
    }
    let mut spec = record.validate().expect("demo data is valid").spec;
    let written = spec.pricing.describe_zh();
    spec.description = format!("{}利率：{written}。", spec.description);
    spec
}

/// The 材料清单 a demo product of `family` asks for: what every lender asks (the licence, the legal
/// representative's identity, recent accounts) and what the family's own security or data needs. A
/// renewal of a loan the lender already holds needs nothing new.
fn materials_of(family: ProductFamily) -> Materials {
    use ProductFamily as F;
    if family == F::Renewal {
        return Materials::NoneNeeded;
    }
    let mut names = vec!["营业执照", "法定代表人身份证", "近一年财务报表"];
    names.extend(match family {
        F::TaxCredit => &["近两年纳税证明"][..],
        F::Mortgage | F::MediumLongTerm => &["房产证", "抵押物评估报告"][..],
        F::IpPledge => &["专利证书"][..],
        F::Tech | F::Talent => &["高新技术企业证书"][..],
        F::Receivables | F::SupplyChain | F::OrderFinancing => &["购销合同", "应收账款清单"][..],
        F::GovProcurement => &["政府采购中标通知书"][..],
        F::Equipment | F::Leasing => &["设备购置合同"][..],
        F::InventoryPledge => &["仓单"][..],
        F::BillDiscount => &["商业汇票"][..],
        F::EquityPledge => &["股权结构说明"][..],
        F::Guaranteed | F::StartupGuarantee | F::Insurance | F::LetterOfGuarantee => &["担保或保险申请表"][..],
        F::Credit | F::FirstLoan | F::Renewal => &[][..],
    });
    Materials::Listed(names.into_iter().map(str::to_owned).collect())
}

#[allow(clippy::expect_used)] // The arguments are the static demo tables' own values, all in range.
fn build(inst: &Inst, family: ProductFamily, seq: usize, slot: &Slot, references: &ReferenceRates) -> ProductSpec {
    use ProductFamily as F;
    let code = format!("{}-{}-{seq:03}", inst.prefix, family_abbr(family));
    let mut dice = Dice::new(&[inst.code, family.as_str(), &seq.to_string()]);
    let micro_credit = inst.kind == InstitutionKind::MicroCredit;

    // Amount in 万元, term in months, rate in basis points.
    let (mins, maxs): (&[u32], &[u32]) = match family {
        F::Credit => (&[10, 20, 30, 50], &[100, 200, 300, 500]),
        F::FirstLoan => (&[5, 10, 20], &[100, 200, 300]),
        F::Mortgage => (&[50, 100, 200], &[1000, 2000, 3000]),
        F::Guaranteed => (&[10, 30, 50], &[300, 500, 1000]),
        F::IpPledge => (&[50, 100], &[500, 1000, 2000]),
        F::Receivables => (&[20, 50], &[500, 1000, 2000]),
        F::SupplyChain => (&[10, 20, 50], &[300, 500, 1000]),
        F::TaxCredit => (&[5, 10], &[100, 200, 300]),
        F::GovProcurement => (&[10, 20, 50], &[300, 500, 1000]),
        F::StartupGuarantee => (&[2, 5], &[20, 30]),
        F::Renewal => (&[10, 50], &[500, 1000]),
        F::MediumLongTerm => (&[100, 200, 500], &[2000, 3000, 5000]),
        F::EquityPledge => (&[100, 200], &[1000, 2000, 3000]),
        F::Leasing => (&[50, 100], &[1000, 3000, 5000]),
        F::Insurance => (&[5, 10], &[100, 200, 300]),
        F::Tech => (&[10, 50, 100], &[500, 1000, 2000]),
        F::Equipment | F::InventoryPledge => (&[50, 100], &[500, 1000, 3000]),
        F::BillDiscount => (&[10, 50], &[1000, 3000, 5000]),
        F::LetterOfGuarantee => (&[5, 10, 50], &[500, 1000, 3000]),
        F::Talent => (&[10, 50], &[300, 500, 1000]),
        F::OrderFinancing => (&[10, 20, 50], &[300, 500, 1000]),
    };
    let mut amount_max = dice.pick(maxs);
    if slot.flavor == Flavor::ReSupport {
        amount_max = 50;
    }
    if micro_credit {
        amount_max = amount_max.min(if family == F::Credit || family == F::TaxCredit { 100 } else { 300 });
    }
    let amount_min = dice.pick(mins).min(amount_max);

    let (tmins, tmaxs): (&[u16], &[u16]) = match family {
        F::Credit | F::Tech => (&[3, 6, 12], &[12, 24, 36]),
        F::FirstLoan => (&[6, 12], &[12, 24, 36]),
        F::Mortgage => (&[12, 24], &[60, 84, 120]),
        F::Guaranteed | F::Renewal => (&[6, 12], &[12, 24, 36]),
        F::IpPledge => (&[6, 12], &[12, 24, 36]),
        F::Receivables | F::SupplyChain | F::InventoryPledge | F::OrderFinancing => (&[1, 3], &[6, 12]),
        F::TaxCredit => (&[3, 6, 12], &[12, 24]),
        F::GovProcurement => (&[3, 6], &[12, 24]),
        F::StartupGuarantee => (&[6, 12], &[24]),
        F::MediumLongTerm => (&[36, 60], &[60, 84, 120]),
        F::EquityPledge => (&[12], &[24, 36]),
        F::Leasing => (&[12, 24], &[36, 48, 60]),
        F::Insurance => (&[6, 12], &[12, 24]),
        F::Equipment => (&[12, 24], &[36, 60, 84]),
        F::BillDiscount => (&[1], &[6, 12]),
        F::LetterOfGuarantee => (&[1, 3], &[12, 24, 36]),
        F::Talent => (&[6, 12], &[24, 36]),
    };
    let term_min = dice.pick(tmins);
    let term_max = dice.pick(tmaxs).max(term_min);

    let (lo_a, lo_b, w_a, w_b) = match family {
        F::Credit => (320, 420, 80, 220),
        F::FirstLoan => (330, 400, 50, 150),
        F::Mortgage => (300, 380, 60, 150),
        F::Guaranteed | F::Renewal => (350, 420, 50, 130),
        F::IpPledge => (350, 430, 60, 130),
        F::Receivables => (360, 450, 60, 150),
        F::SupplyChain => (350, 450, 50, 150),
        F::TaxCredit => (350, 430, 80, 170),
        F::GovProcurement => (350, 430, 50, 150),
        F::StartupGuarantee => (300, 345, 30, 100),
        F::MediumLongTerm => (320, 380, 50, 120),
        F::EquityPledge => (400, 480, 60, 170),
        F::Leasing => (450, 560, 100, 250),
        F::Insurance => (380, 460, 80, 150),
        F::Tech => (320, 400, 60, 180),
        F::Equipment => (330, 400, 50, 150),
        F::InventoryPledge => (360, 450, 60, 150),
        // A discount rate, below any loan's.
        F::BillDiscount => (120, 200, 30, 80),
        // Not a rate: letters of guarantee are written as pages (`data::PAGES`), with their fee in words.
        F::LetterOfGuarantee => (100, 200, 50, 150),
        F::Talent => (300, 380, 50, 120),
        F::OrderFinancing => (350, 450, 50, 150),
    };
    let mut rate_lo = dice.step(lo_a, lo_b, 5);
    if micro_credit {
        rate_lo += 400;
    }
    let rate_hi = rate_lo + dice.step(w_a, w_b, 5);
    let floating = match family {
        F::StartupGuarantee => true,
        F::Leasing | F::BillDiscount | F::LetterOfGuarantee => false,
        _ => !micro_credit && dice.chance(55),
    };
    let tenor = if term_max > 60 { LprTenor::FiveYear } else { LprTenor::OneYear };
    let pricing = floating
        .then(|| Pricing::lpr_at(tenor, bps(rate_lo), bps(rate_hi), references))
        .flatten()
        .unwrap_or_else(|| Pricing::fixed_annual(bps(rate_lo), bps(rate_hi)));

    let repayment_methods = repayment(family, slot.flavor, &mut dice);
    let collateral = collateral(family, &mut dice);

    let guarantee = match family {
        F::Guaranteed => {
            let agency = match slot.flavor {
                Flavor::Tech | Flavor::Giant | Flavor::Gazelle => data::TECH_AGENCY,
                Flavor::Agri => data::AGRI_AGENCY,
                _ => dice.pick(data::GENERAL_AGENCIES),
            };
            Some((agency, dice.step(50, 150, 10)))
        }
        F::StartupGuarantee => Some((data::STARTUP_AGENCY, dice.step(50, 80, 10))),
        F::IpPledge if dice.chance(35) => Some((data::TECH_AGENCY, dice.step(50, 100, 10))),
        _ => None,
    }
    .map(|(agency, fee)| GuaranteeTerms {
        agency_code: agency.to_owned(),
        fee: Range::point(Bps::new(fee).expect("demo data is valid")).into(),
    });

    let mut policy_support = policy(family, &mut dice);
    if micro_credit {
        // The city's risk-compensation fund covers bank loans only.
        policy_support.retain(|p| *p != PolicySupport::RiskCompensation);
    }

    let online = slot.flavor == Flavor::Online
        || inst.code == "qihang-bank"
        || dice.chance(match family {
            F::TaxCredit => 80,
            F::Credit | F::SupplyChain => 50,
            F::FirstLoan | F::Receivables | F::GovProcurement => 40,
            F::Renewal | F::Insurance | F::Guaranteed => 30,
            F::Mortgage | F::MediumLongTerm | F::EquityPledge | F::Leasing => 0,
            F::IpPledge | F::StartupGuarantee => 10,
            F::BillDiscount => 80,
            F::Tech | F::OrderFinancing => 40,
            F::LetterOfGuarantee => 30,
            F::InventoryPledge | F::Talent => 20,
            F::Equipment => 0,
        });
    let decision_days = if slot.flavor == Flavor::Online {
        dice.step(1, 2, 1)
    } else if online {
        dice.step(1, 3, 1)
    } else {
        let (a, b) = match family {
            F::Credit | F::SupplyChain => (2, 7),
            F::FirstLoan | F::GovProcurement => (3, 7),
            F::Mortgage | F::Guaranteed | F::StartupGuarantee => (5, 15),
            F::IpPledge | F::MediumLongTerm => (10, 30),
            F::Receivables | F::Renewal | F::Insurance => (3, 10),
            F::TaxCredit => (1, 3),
            F::EquityPledge => (10, 25),
            F::Leasing | F::Equipment => (5, 20),
            F::Tech | F::Talent => (3, 10),
            F::InventoryPledge => (5, 15),
            F::BillDiscount => (1, 3),
            F::LetterOfGuarantee | F::OrderFinancing => (3, 7),
        };
        dice.step(a, b, 1)
    };
    let decision_days = u16::try_from(decision_days).unwrap_or(30);

    let area = area(inst, family, slot, &mut dice);

    let from_month = dice.below(22);
    let valid_from =
        date(2025 + i32::try_from(from_month / 12).unwrap_or(0), from_month % 12 + 1, dice.pick(&[1, 8, 15, 20]));
    let valid_until = dice
        .chance(30)
        .then(|| dice.pick(&[(2027, 3, 31), (2027, 6, 30), (2027, 12, 31)]))
        .map(|(y, m, d)| date(y, m, d));

    let eligibility = eligibility(family, slot.flavor, &mut dice);

    // Generated products state every fact (`online: false` is a stated 否).
    let mut spec = ProductSpec {
        code,
        name: slot.name.clone(),
        family,
        more_families: Vec::new(),
        description: String::new(),
        amount: Range::new(Fen::wan(amount_min), Fen::wan(amount_max)).expect("demo data is valid").into(),
        term: Range::new(months(term_min), months(term_max)).expect("demo data is valid").into(),
        pricing,
        repayment_methods: Some(repayment_methods),
        collateral,
        guarantee,
        eligibility: EligibilityRules::new(eligibility).expect("demo data is valid"),
        policy_support,
        decision_days: Some(decision_days),
        online: Some(online),
        area,
        valid_from: Some(valid_from),
        valid_until,
        source: None,
        materials: materials_of(family),
        verified_rules: finmart_domain::VerifiedRules::NONE,
    };
    spec.more_families = more_families(&spec, slot);
    spec.normalize();
    spec.verified_rules = finmart_synth::verified_rules(family, &spec.eligibility);
    spec.description = describe(&spec, slot, &mut dice);
    spec
}

/// The further families a lender would list a product under: a 科技贷 or 人才贷 lent on credit alone is also a
/// 信用贷款, an order or inventory loan to a core firm's suppliers is also 供应链金融, a long equipment loan is
/// also a 中长期贷款, a credit loan for technology firms is also a 科技贷, and a name that says another family
/// (供应链仓单贷, 政采订单贷, 中长期技改贷…) is listed under it too.
fn more_families(spec: &ProductSpec, slot: &Slot) -> Vec<ProductFamily> {
    use ProductFamily as F;
    const NAMED: [(&str, ProductFamily); 5] = [
        ("仓单", F::InventoryPledge),
        ("订单", F::OrderFinancing),
        ("票据", F::BillDiscount),
        ("技改", F::Equipment),
        ("设备更新", F::Equipment),
    ];
    let mut out = Vec::new();
    match spec.family {
        F::Tech | F::Talent if spec.collateral == CollateralTerms::NoneRequired => out.push(F::Credit),
        F::OrderFinancing | F::InventoryPledge => out.push(F::SupplyChain),
        F::Equipment if spec.term.max().is_some_and(|m| m.get() >= 60) => out.push(F::MediumLongTerm),
        F::Credit if slot.flavor == Flavor::Tech => out.push(F::Tech),
        _ => {}
    }
    out.extend(NAMED.iter().filter(|(word, _)| slot.name.contains(word)).map(|(_, family)| *family));
    out
}

#[allow(clippy::expect_used)] // Called with the static tables' own values only.
fn bps(v: u32) -> Bps {
    Bps::new(v).expect("demo data is valid")
}

#[allow(clippy::expect_used)] // Called with the static tables' own values only.
fn months(v: u16) -> Months {
    Months::new(v).expect("demo data is valid")
}

#[allow(clippy::expect_used)] // Called with the static tables' own values only.
fn date(y: i32, m: usize, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, u32::try_from(m).unwrap_or(1), d).expect("demo data is valid")
}

fn repayment(family: ProductFamily, flavor: Flavor, dice: &mut Dice) -> Vec<RepaymentMethod> {
    use ProductFamily as F;
    use RepaymentMethod as R;
    let candidates: &[R] = match family {
        F::Credit | F::TaxCredit => &[R::Revolving, R::InterestOnly, R::EqualInstalment],
        F::FirstLoan => &[R::InterestOnly, R::EqualInstalment, R::Revolving],
        F::Mortgage => &[R::EqualInstalment, R::EqualPrincipal, R::InterestOnly],
        F::Guaranteed | F::StartupGuarantee | F::Renewal => &[R::InterestOnly, R::EqualInstalment],
        F::IpPledge | F::EquityPledge => &[R::InterestOnly, R::EqualPrincipal],
        F::Receivables | F::GovProcurement => &[R::InterestOnly],
        F::SupplyChain => &[R::InterestOnly, R::Revolving],
        F::MediumLongTerm | F::Leasing | F::Equipment => &[R::EqualInstalment, R::EqualPrincipal],
        F::Insurance | F::Talent => &[R::EqualInstalment, R::InterestOnly],
        F::Tech => &[R::Revolving, R::InterestOnly, R::EqualInstalment],
        F::InventoryPledge => &[R::InterestOnly, R::Revolving],
        // The discount interest is taken at once and the bill pays the principal at maturity.
        F::BillDiscount | F::OrderFinancing | F::LetterOfGuarantee => &[R::InterestOnly],
    };
    let start = dice.below(candidates.len());
    let n = 1 + dice.below(candidates.len());
    let mut methods: Vec<R> = candidates.iter().cycle().skip(start).take(n).copied().collect();
    if flavor == Flavor::Revolving && !methods.contains(&R::Revolving) {
        methods.insert(0, R::Revolving);
    }
    methods
}

/// What the family asks to be pledged: any one of the kinds, or nothing at all (纯信用).
fn collateral(family: ProductFamily, dice: &mut Dice) -> CollateralTerms {
    use Collateral as C;
    use ProductFamily as F;
    let kinds = match family {
        F::Mortgage if dice.chance(25) => vec![C::RealEstate, C::Equipment],
        F::Mortgage => vec![C::RealEstate],
        F::Guaranteed => vec![C::Guarantee],
        F::IpPledge => vec![C::IntellectualProperty],
        F::Receivables | F::SupplyChain => vec![C::Receivables],
        F::GovProcurement if dice.chance(40) => vec![C::Receivables],
        F::MediumLongTerm => {
            dice.pick(&[&[C::RealEstate][..], &[C::Equipment], &[C::RealEstate, C::Equipment]]).to_vec()
        }
        F::EquityPledge => vec![C::Equity],
        F::Equipment if dice.chance(30) => vec![C::Equipment, C::RealEstate],
        F::Equipment => vec![C::Equipment],
        F::OrderFinancing => vec![C::Receivables],
        F::LetterOfGuarantee => vec![C::Guarantee, C::RealEstate],
        // The collateral vocabulary names no inventory or warehouse receipt: the description says what is
        // pledged, and the terms are not stated rather than misnamed.
        F::InventoryPledge => return CollateralTerms::NotStated,
        _ => Vec::new(),
    };
    if kinds.is_empty() { CollateralTerms::NoneRequired } else { CollateralTerms::AnyOf { unsecured: false, kinds } }
}

fn policy(family: ProductFamily, dice: &mut Dice) -> Vec<PolicySupport> {
    use PolicySupport as P;
    use ProductFamily as F;
    // Percent chances of risk compensation, interest subsidy and guarantee-fee subsidy.
    let (risk, subsidy, fee) = match family {
        F::Credit | F::Insurance => (50, 0, 0),
        F::FirstLoan => (100, 30, 0),
        F::Guaranteed => (40, 0, 70),
        F::IpPledge => (100, 50, 0),
        F::Receivables | F::TaxCredit | F::GovProcurement => (30, 0, 0),
        F::StartupGuarantee => (0, 100, 50),
        F::Renewal => (40, 0, 0),
        F::MediumLongTerm => (0, 35, 0),
        F::EquityPledge => (20, 0, 0),
        F::Leasing => (0, 20, 0),
        F::Tech => (80, 30, 0),
        F::Equipment => (0, 50, 0),
        F::Talent => (50, 50, 0),
        F::OrderFinancing => (30, 0, 0),
        F::Mortgage | F::SupplyChain | F::InventoryPledge | F::BillDiscount | F::LetterOfGuarantee => (0, 0, 0),
    };
    let mut out = Vec::new();
    if dice.chance(risk) {
        out.push(P::RiskCompensation);
    }
    if dice.chance(subsidy) {
        out.push(P::InterestSubsidy);
    }
    if dice.chance(fee) {
        out.push(P::GuaranteeFeeSubsidy);
    }
    out
}

/// Where a product is offered: the whole city, some districts or (a few flagship products) 全国.
fn area(inst: &Inst, family: ProductFamily, slot: &Slot, dice: &mut Dice) -> ServiceArea {
    let codes = match slot.area {
        Area::Districts(fixed) => fixed.to_vec(),
        Area::Drawn => districts(inst, family, slot, dice),
        Area::Nationwide => {
            districts(inst, family, slot, dice);
            return ServiceArea::Nationwide;
        }
    };
    ServiceArea::within(codes.into_iter().map(tianjin::division).collect()).unwrap_or(ServiceArea::NotStated)
}

/// The districts a product serves (codes; 天津市 for the whole city). First loans serving only part of the
/// city never include 滨海新区 unless a flagship product says so, so that a search for 首贷 in 滨海 has a
/// definite answer.
fn districts(inst: &Inst, family: ProductFamily, slot: &Slot, dice: &mut Dice) -> Vec<u32> {
    let citywide_percent = match inst.kind {
        _ if inst.home.is_empty() => 100,
        _ if inst.code == "qihang-bank" => 85,
        InstitutionKind::MicroCredit => 0,
        InstitutionKind::Leasing => 60,
        _ => 50,
    };
    if dice.chance(citywide_percent) {
        return vec![tianjin::CITY];
    }
    // Farm products serve farming districts and marine products the coast, whatever the lender's home.
    let pool: Vec<u32> = match slot.flavor {
        Flavor::Agri => {
            let rural: Vec<u32> = inst.home.iter().filter(|d| data::RURAL.contains(d)).copied().collect();
            if rural.is_empty() { data::RURAL.to_vec() } else { rural }
        }
        Flavor::Sectors(sectors) if sectors.contains(&PrioritySector::MarineEconomy) => data::COASTAL.to_vec(),
        _ => inst.home.to_vec(),
    };
    let size = 1 + dice.below(pool.len().min(5));
    let start = dice.below(pool.len());
    let mut chosen: Vec<u32> = pool.iter().cycle().skip(start).take(size).copied().collect();
    if family == ProductFamily::FirstLoan {
        chosen.retain(|d| *d != tianjin::BINHAI);
    }
    if chosen.is_empty() { vec![tianjin::CITY] } else { chosen }
}

/// Replaces any rule with the same key, then adds `rule`.
fn set(rules: &mut Vec<EligibilityRule>, rule: EligibilityRule) {
    rules.retain(|r| r.key() != rule.key());
    rules.push(rule);
}

fn eligibility(family: ProductFamily, flavor: Flavor, dice: &mut Dice) -> Vec<EligibilityRule> {
    use EligibilityRule as E;
    use EnterpriseScale as Sc;
    use ProductFamily as F;
    let revenue_min = |wan: u32| E::Revenue(finmart_domain::Bounds { min: Some(Fen::wan(wan)), max: None });
    let no_real_estate = E::IndustriesExcluded(vec![Industry::RealEstateDevelopment]);
    let years =
        |dice: &mut Dice, lo: u32, hi: u32| E::MinYearsInOperation(u16::try_from(dice.step(lo, hi, 1)).unwrap_or(1));
    let overdue = |dice: &mut Dice| E::NoOverdueMonths(dice.pick(&[12, 24]));
    let mut r = match family {
        F::Credit => {
            let mut r = vec![
                years(dice, 1, 3),
                E::MinTaxCreditGrade(if dice.chance(30) { TaxCreditGrade::A } else { TaxCreditGrade::B }),
                overdue(dice),
            ];
            if dice.chance(50) {
                r.push(revenue_min(dice.pick(&[100, 200, 300])));
            }
            if dice.chance(50) {
                r.push(no_real_estate.clone());
            }
            r
        }
        F::FirstLoan => vec![
            E::FirstLoanOnly,
            E::MinYearsInOperation(1),
            E::Scales(vec![Sc::Micro, Sc::Small]),
            E::NoOverdueMonths(24),
        ],
        F::Mortgage => vec![years(dice, 2, 3), E::NoOverdueMonths(24), E::MaxDebtRatio(bps(dice.pick(&[7000, 7500])))],
        F::Guaranteed => vec![
            years(dice, 1, 2),
            E::Scales(if dice.chance(50) {
                vec![Sc::Micro, Sc::Small]
            } else {
                vec![Sc::Micro, Sc::Small, Sc::Medium]
            }),
            no_real_estate.clone(),
            E::NoOverdueMonths(12),
        ],
        F::IpPledge => vec![years(dice, 1, 2), E::MinInventionPatents(dice.pick(&[1, 2, 3])), E::NoOverdueMonths(12)],
        F::Receivables => vec![years(dice, 1, 2), E::CoreEnterpriseReceivables, E::NoOverdueMonths(12)],
        F::SupplyChain => vec![E::MinYearsInOperation(1), E::CoreEnterpriseReceivables, E::NoOverdueMonths(12)],
        F::TaxCredit => vec![
            E::MinYearsInOperation(2),
            E::MinTaxCreditGrade(if dice.chance(40) { TaxCreditGrade::A } else { TaxCreditGrade::B }),
            E::TaxPaid(finmart_domain::Bounds { min: Some(Fen::wan(dice.pick(&[1, 2, 5, 10]))), max: None }),
            E::NoOverdueMonths(12),
        ],
        F::GovProcurement => {
            let mut r = vec![E::GovProcurementContract, E::NoOverdueMonths(12)];
            if dice.chance(50) {
                r.push(E::MinYearsInOperation(1));
            }
            r
        }
        F::StartupGuarantee => vec![E::Scales(vec![Sc::Micro]), E::NoOverdueMonths(24)],
        F::Renewal => vec![
            years(dice, 2, 3),
            overdue(dice),
            E::MaxDebtRatio(bps(7000)),
            E::Scales(vec![Sc::Micro, Sc::Small, Sc::Medium]),
        ],
        F::MediumLongTerm => vec![
            E::MinYearsInOperation(3),
            E::Scales(vec![Sc::Small, Sc::Medium]),
            revenue_min(dice.pick(&[1000, 2000])),
            E::MaxDebtRatio(bps(6500)),
        ],
        F::EquityPledge => vec![years(dice, 2, 3), revenue_min(dice.pick(&[500, 1000])), E::MaxDebtRatio(bps(6000))],
        F::Leasing => {
            let mut r = vec![E::MinYearsInOperation(2), no_real_estate.clone(), E::NoOverdueMonths(24)];
            if dice.chance(50) {
                r.push(revenue_min(300));
            }
            r
        }
        F::Insurance => vec![
            years(dice, 1, 2),
            E::Revenue(finmart_domain::Bounds { min: Some(Fen::wan(100)), max: Some(Fen::wan(20_000)) }),
            E::NoOverdueMonths(12),
        ],
        F::Tech => vec![
            E::QualificationsAny(vec![Qualification::TechSme, Qualification::HighTech]),
            years(dice, 1, 2),
            overdue(dice),
        ],
        F::Equipment => vec![years(dice, 2, 3), E::NoOverdueMonths(24), E::MaxDebtRatio(bps(7000))],
        F::InventoryPledge | F::OrderFinancing => vec![years(dice, 1, 2), overdue(dice)],
        F::BillDiscount => vec![E::MinYearsInOperation(1), E::NoOverdueMonths(12)],
        F::LetterOfGuarantee => vec![years(dice, 1, 3), E::MaxDebtRatio(bps(7000))],
        F::Talent => vec![E::Scales(vec![Sc::Micro, Sc::Small]), E::NoOverdueMonths(24)],
    };
    let allowed = |r: &mut Vec<E>, industries: Vec<Industry>| {
        r.retain(|x| x.key() != "industries_excluded");
        set(r, E::IndustriesAllowed(industries));
    };
    match flavor {
        Flavor::Tech => set(&mut r, E::QualificationsAny(vec![Qualification::TechSme, Qualification::HighTech])),
        Flavor::Giant => {
            set(&mut r, E::QualificationsAny(vec![Qualification::Specialised, Qualification::LittleGiant]));
        }
        Flavor::Gazelle => set(
            &mut r,
            E::QualificationsAny(vec![Qualification::Gazelle, Qualification::Fledgling, Qualification::Leading]),
        ),
        Flavor::Sectors(sectors) => set(&mut r, E::SectorsAny(sectors.to_vec())),
        Flavor::Agri => allowed(&mut r, vec![Industry::Agriculture]),
        Flavor::Trade => {
            allowed(&mut r, vec![Industry::Wholesale, Industry::Retail, Industry::Catering, Industry::Accommodation]);
        }
        Flavor::Mfg => allowed(&mut r, vec![Industry::Industrial]),
        Flavor::Build => allowed(&mut r, vec![Industry::Construction]),
        Flavor::Micro => set(&mut r, E::Scales(vec![EnterpriseScale::Micro, EnterpriseScale::Small])),
        Flavor::Trademark => {
            r.retain(|x| x.key() != "min_invention_patents");
            set(&mut r, E::MinTrademarks(dice.pick(&[1, 2, 3])));
        }
        Flavor::ReSupport => {
            set(&mut r, E::Employees(finmart_domain::Bounds { min: Some(5), max: None }));
            set(&mut r, E::Scales(vec![EnterpriseScale::Micro, EnterpriseScale::Small]));
        }
        Flavor::Plain | Flavor::Online | Flavor::Revolving => {}
    }
    r
}

/// The Chinese description: lead and use of funds, then selling points and facts drawn from the product's own
/// fields (districts, guarantee, speed, policy, amount), as many as fit in 200 characters.
fn describe(spec: &ProductSpec, slot: &Slot, dice: &mut Dice) -> String {
    const MAX_CHARS: usize = 200;
    let (uses, features) = data::phrases(spec.family);
    let mut text = format!("{}，{}。", slot.lead, dice.pick(uses));
    let mut extras = vec![format!("{}。", dice.pick(features))];
    if !spec.area.covers_home(&HomeArea::default()) {
        extras.push(format!("服务{}的企业。", spec.area.describe_zh(&HomeArea::default())));
    }
    if let Some(g) = &spec.guarantee {
        let agency =
            data::INSTITUTIONS.iter().find(|i| i.code == g.agency_code).map_or("融资担保机构", |i| i.brand);
        extras.push(format!("由{agency}提供担保，年担保费率{}。", g.fee_text_zh().trim_end_matches("/年")));
    }
    if spec.repayment_methods.as_ref().is_some_and(|m| m.contains(&RepaymentMethod::Revolving)) {
        extras.push("额度内随借随还，按日计息。".to_owned());
    }
    // Only what the product states: no sentence about speed or channel when either is 未说明.
    extras.extend(match (spec.online, spec.decision_days) {
        (Some(true), Some(0 | 1)) => Some("全流程线上办理，最快当天审批。".to_owned()),
        (Some(true), Some(d)) => Some(format!("线上申请，{d}个工作日内完成审批。")),
        (Some(false), Some(d)) => Some(format!("客户经理上门服务，{d}个工作日内出具审批意见。")),
        _ => None,
    });
    for p in &spec.policy_support {
        extras.push(
            match p {
                PolicySupport::RiskCompensation => "纳入天津市中小微企业贷款风险补偿范围。",
                PolicySupport::InterestSubsidy => "符合条件的可享受财政贴息。",
                PolicySupport::GuaranteeFeeSubsidy => "担保费可申请财政补贴。",
            }
            .to_owned(),
        );
    }
    let wan = |f: &Fen| f.fen() / 1_000_000;
    if let (Some(amount), Some(term)) = (spec.amount.range(), spec.term.range()) {
        let (t0, t1) = (term.min().get(), term.max().get());
        let term = if t0 == t1 { format!("{t1}个月") } else { format!("{t0}至{t1}个月") };
        extras.push(format!("额度{}万元至{}万元，期限{term}。", wan(amount.min()), wan(amount.max())));
    }
    for extra in extras {
        if text.chars().count() + extra.chars().count() <= MAX_CHARS {
            text.push_str(&extra);
        }
    }
    text
}

#[cfg(test)]
mod tests;
