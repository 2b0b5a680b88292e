//! Synthetic products over every family, with eligibility rules of every kind.
//!
//! Most products state every fact, as they always have (benchmarks compare like with like); a few are
//! written as real product pages are, leaving facts out (未说明), and a few ask for collateral and a
//! guarantor together. The shares are those of [`Page`].

use crate::{Dice, FAMILY_STREAM, PAGE_STREAM, PRODUCT_STREAM, words};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use finmart_domain::{
    Bounds, Bps, Collateral, CollateralTerms, District, EligibilityRule, EligibilityRules, EnterpriseScale, Fen,
    GuaranteeTerms, HomeArea, Industry, InstitutionKind, InstitutionRef, Labelled, LifecycleState, LprTenor, Months,
    NewInstitution, OtherCondition, PolicySupport, Pricing, PrioritySector, Product, ProductFamily, ProductSpec,
    Qualification, Range, ReferenceRates, RepaymentMethod, ServiceArea, StatedRange, TaxCreditGrade, VerifiedRules,
};
use std::collections::HashMap;

/// One generated product: the institution that lists it (by code), its lifecycle state and its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticProduct {
    pub institution_code: String,
    pub state: LifecycleState,
    pub spec: ProductSpec,
}

const FAMILIES: &[(ProductFamily, u32)] = &[
    (ProductFamily::Credit, 15),
    (ProductFamily::FirstLoan, 6),
    (ProductFamily::Mortgage, 10),
    (ProductFamily::Guaranteed, 8),
    (ProductFamily::IpPledge, 6),
    (ProductFamily::Receivables, 6),
    (ProductFamily::SupplyChain, 7),
    (ProductFamily::TaxCredit, 10),
    (ProductFamily::GovProcurement, 4),
    (ProductFamily::StartupGuarantee, 4),
    (ProductFamily::Renewal, 6),
    (ProductFamily::MediumLongTerm, 6),
    (ProductFamily::EquityPledge, 3),
    (ProductFamily::Leasing, 5),
    (ProductFamily::Insurance, 4),
];

/// The share of products in one of [`LATER_FAMILIES`], the families added after the first catalogue. Their
/// draw has its own stream ([`Kin`]): the other products are exactly what they were before, and every
/// generated product keeps its code.
const LATER_FAMILY_SHARE: f64 = 0.08;
const LATER_FAMILIES: &[(ProductFamily, u32)] = &[
    (ProductFamily::Tech, 25),
    (ProductFamily::Equipment, 20),
    (ProductFamily::InventoryPledge, 10),
    (ProductFamily::BillDiscount, 10),
    (ProductFamily::LetterOfGuarantee, 8),
    (ProductFamily::Talent, 12),
    (ProductFamily::OrderFinancing, 15),
];

/// Product `index`'s later family, if it has one, and the dice of its further families: both from the family
/// stream, so that the draws of [`build`] stay those of the first catalogue.
struct Kin {
    later: Option<ProductFamily>,
    dice: Dice,
}

impl Kin {
    fn draw(seed: u64, index: usize) -> Self {
        let mut dice = Dice::new(seed, FAMILY_STREAM, index);
        let later = dice.chance(LATER_FAMILY_SHARE).then(|| dice.weighted(LATER_FAMILIES));
        Self { later, dice }
    }

    /// The further families of a product, as banks list them: a 科技贷 or 人才贷 lent on credit alone is also a
    /// 信用贷款, an order or inventory loan on a core firm's chain is also 供应链金融, a long equipment loan is
    /// also a 中长期贷款, and some technology loans of the first families are filed under 科技贷 too.
    fn more_families(&mut self, spec: &ProductSpec) -> Vec<ProductFamily> {
        use ProductFamily as F;
        let d = &mut self.dice;
        let unsecured = spec.collateral == CollateralTerms::NoneRequired;
        let tech_rule = spec.eligibility.rules().iter().any(|r| {
            matches!(r, EligibilityRule::QualificationsAny(q) | EligibilityRule::QualificationsAll(q)
                if q.iter().any(|q| matches!(q, Qualification::TechSme | Qualification::HighTech)))
        });
        let long = spec.term.max().is_some_and(|m| m.get() >= 60);
        let mut out = Vec::new();
        match spec.family {
            F::Tech | F::Talent if unsecured && d.chance(0.7) => out.push(F::Credit),
            F::OrderFinancing | F::InventoryPledge if d.chance(0.5) => out.push(F::SupplyChain),
            F::Equipment if long => out.push(F::MediumLongTerm),
            F::Credit | F::IpPledge | F::Guaranteed if tech_rule && d.chance(0.3) => out.push(F::Tech),
            _ => {}
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Lender {
    code: String,
    brand: String,
    kind: InstitutionKind,
}

/// The institutions products can be listed by and backed by, grouped by kind.
#[derive(Debug, Clone, Default)]
struct Lenders {
    banks: Vec<Lender>,
    micro_credit: Vec<Lender>,
    leasing: Vec<Lender>,
    insurers: Vec<Lender>,
    /// Factoring companies and other institutions: lenders of last resort here, as no family is theirs.
    others: Vec<Lender>,
    agencies: Vec<Lender>,
}

/// The short name products are named after: `天津渤澜小额贷款有限公司` → `渤澜`, `津沽商业银行` → `津沽`.
fn brand(name: &str) -> String {
    let name = name.trim_start_matches("天津市").trim_start_matches("天津");
    let short: String = name.chars().take(2).collect();
    if short.is_empty() { "津城".to_owned() } else { short }
}

impl Lenders {
    fn new(institutions: &[NewInstitution]) -> Self {
        let mut out = Self::default();
        for i in institutions {
            let lender = Lender { code: i.code.clone(), brand: brand(&i.name), kind: i.kind };
            match i.kind {
                InstitutionKind::Bank => out.banks.push(lender),
                InstitutionKind::MicroCredit => out.micro_credit.push(lender),
                InstitutionKind::Leasing => out.leasing.push(lender),
                InstitutionKind::Insurer => out.insurers.push(lender),
                InstitutionKind::GuaranteeAgency => out.agencies.push(lender),
                InstitutionKind::Factoring | InstitutionKind::Other => out.others.push(lender),
            }
        }
        out
    }

    /// The lender of a product of `family`: the kind that offers it, banks when there is none of that kind.
    fn pick(&self, family: ProductFamily, d: &mut Dice) -> Option<&Lender> {
        use ProductFamily as F;
        let preferred: &[Lender] = match family {
            F::Leasing => &self.leasing,
            F::Insurance if d.chance(0.7) => &self.insurers,
            F::Credit | F::Mortgage | F::Receivables | F::SupplyChain | F::EquityPledge | F::Guaranteed
                if d.chance(0.2) =>
            {
                &self.micro_credit
            }
            _ => &self.banks,
        };
        let pool = [preferred, &self.banks, &self.micro_credit, &self.leasing, &self.insurers, &self.others]
            .into_iter()
            .find(|pool| !pool.is_empty())?;
        Some(&pool[d.below(pool.len())])
    }
}

/// `count` products from `seed`, listed by the banks, micro-credit, leasing and insurance companies among
/// `institutions` and backed by its guarantee agencies (none without any). Product `i` has the code
/// `GEN-{i:06}` and is the same whatever `count` is. Nothing is generated when `institutions` has no lender.
/// A floating rate is an LPR spread range that comes, at the current LPR of `references` (the reference
/// table the operator keeps), to the product's drawn annual range; without a publication of the LPR the
/// rate is generated fixed.
pub fn products(
    seed: u64,
    count: usize,
    institutions: &[NewInstitution],
    today: NaiveDate,
    references: &ReferenceRates,
) -> impl Iterator<Item = SyntheticProduct> + use<> {
    let lenders = Lenders::new(institutions);
    let references = references.clone();
    (0..count).filter_map(move |index| build(seed, index, &lenders, today, &references))
}

/// [`products`] as a store would hand over the published ones, for code that matches without a store
/// (benchmarks, tests): product `i` has the id `i + 1`, institution `j` of `institutions` the id `j + 1`,
/// each product the reference rates its pricing names, and all were made at the start of 2026.
#[must_use]
pub fn published(
    seed: u64,
    count: usize,
    institutions: &[NewInstitution],
    today: NaiveDate,
    references: &ReferenceRates,
) -> Vec<Product> {
    let refs: HashMap<&str, InstitutionRef> = institutions
        .iter()
        .zip(1..)
        .map(|(inst, id)| {
            let r = InstitutionRef { id, code: inst.code.clone(), name: inst.name.clone(), kind: inst.kind };
            (inst.code.as_str(), r)
        })
        .collect();
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    products(seed, count, institutions, today, references)
        .zip(1..)
        .filter(|(p, _)| p.state == LifecycleState::Published)
        .filter_map(|(p, id)| {
            let institution = refs.get(p.institution_code.as_str())?.clone();
            let guarantee_agency = p.spec.guarantee.as_ref().and_then(|g| refs.get(g.agency_code.as_str()).cloned());
            Some(Product {
                id,
                institution,
                guarantee_agency,
                state: p.state,
                references: references.only(p.spec.pricing.reference_kinds()),
                spec: p.spec,
                created_at: at,
                updated_at: at,
            })
        })
        .collect()
}

/// Product `index` of `seed` (see [`products`]); `None` when `institutions` has no lender.
#[must_use]
pub fn product(
    seed: u64,
    index: usize,
    institutions: &[NewInstitution],
    today: NaiveDate,
    references: &ReferenceRates,
) -> Option<SyntheticProduct> {
    build(seed, index, &Lenders::new(institutions), today, references)
}

/// An annual range of `lo`–`hi` basis points: an LPR spread range that comes to it at the current LPR of
/// `tenor`, or a fixed rate (also when the LPR was never entered).
fn priced(lo: u32, hi: u32, tenor: Option<LprTenor>, references: &ReferenceRates) -> Pricing {
    tenor
        .and_then(|t| Pricing::lpr_at(t, bps(lo), bps(hi), references))
        .unwrap_or_else(|| Pricing::fixed_annual(bps(lo), bps(hi)))
}

fn bps(v: u32) -> Bps {
    Bps::new(v).unwrap_or(Bps::MAX)
}

fn months(v: u16) -> Months {
    Months::new(v).unwrap_or(Months::MIN)
}

fn range<T: Ord + Copy + std::fmt::Debug>(a: T, b: T) -> StatedRange<T> {
    Range::new(a.min(b), a.max(b)).unwrap_or_else(|_| Range::point(a)).into()
}

/// Shares of the generated products whose page leaves a fact out. About 10 % are sparse pages
/// ([`SPARSE_PAGE`]); of those, 90 % give only a maximum amount ("最高 500 万元", ≈ 9 % of all products),
/// 60 % give no rate (≈ 6 %: a floating-rate product then says only "LPR 加点", without the spread, and a
/// fixed-rate one says nothing of its pricing), 60 % no repayment method (≈ 6 %), 70 % no decision time
/// (≈ 7 %) and, in the families whose name does not already say what is pledged, 50 % nothing about
/// collateral (≈ 3 %). Apart from those, 15 % of the products secured by real estate or equipment ask for it
/// together with a third-party guarantee ("房产抵押 + 保证", all of them: ≈ 3 %). A sparse page is also
/// written in its lender's words: 40 % of them add other conditions ([`LENDER_WORDS`], ≈ 4 %: "经营者无不良嗜好",
/// which matching leaves to the lender) and 20 % cap the tax paid ([`TAX_CAP`], ≈ 2 %: "年纳税额不超过 50 万元").
/// The other products (about 87 %) state everything exactly as before pages could leave facts out. Letters of
/// guarantee state no rate or repayment (they charge a fee), and inventory loans no collateral terms (the
/// vocabulary names no inventory). (Seed 42, 3000 products: 318 sparse pages, 282 without a minimum amount, 219
/// without a rate (25 letters of guarantee), 229 without repayment methods, 222 without a decision time, 139
/// without collateral terms (24 inventory loans), 92 with all-of collateral, 119 with other conditions, 79 with a
/// cap on tax paid; 250 in a later family, 121 with a further family.)
const SPARSE_PAGE: f64 = 0.10;
const NO_MIN_AMOUNT: f64 = 0.9;
const NO_RATE: f64 = 0.6;
const NO_REPAYMENT: f64 = 0.6;
const NO_DECISION_TIME: f64 = 0.7;
const NO_COLLATERAL: f64 = 0.5;
const ALL_OF_COLLATERAL: f64 = 0.15;
const LENDER_WORDS: f64 = 0.4;
const TAX_CAP: f64 = 0.2;

/// Conditions as lenders' pages word them, which no profile field answers (其他条件).
const OTHER_CONDITIONS: &[&str] = &[
    "经营者无不良嗜好",
    "企业及实际控制人征信良好，无不良信用记录",
    "实际控制人年龄在 18 至 65 周岁之间",
    "入选区级种子企业库",
    "在本行开立基本结算账户",
    "经营场所稳定，租赁期限不少于 1 年",
];

/// Caps on the tax paid last year, in 万元 ("年纳税额不超过 50 万元"); each above every generated minimum.
const TAX_CAPS: &[u32] = &[30, 50, 100];

/// What product `index`'s page leaves out, and whether it asks for collateral and a guarantor together.
#[derive(Debug, Clone, Copy)]
struct Page {
    no_min_amount: bool,
    no_rate: bool,
    no_repayment: bool,
    no_decision_time: bool,
    no_collateral: bool,
    all_of: bool,
    /// The lender's own conditions, as indexes into [`OTHER_CONDITIONS`].
    other_conditions: Option<[usize; 2]>,
    /// A cap on the tax paid last year, in 万元.
    tax_cap: Option<u32>,
}

impl Page {
    /// Drawn from its own stream, every draw made whatever the earlier ones gave, so that each share stays
    /// what [`SPARSE_PAGE`] and its neighbours say and the product's other draws are untouched.
    fn draw(seed: u64, index: usize) -> Self {
        let mut d = Dice::new(seed, PAGE_STREAM, index);
        let sparse = d.chance(SPARSE_PAGE);
        let mut left_out = |p: f64| d.chance(p) && sparse;
        let no_min_amount = left_out(NO_MIN_AMOUNT);
        let no_rate = left_out(NO_RATE);
        let no_repayment = left_out(NO_REPAYMENT);
        let no_decision_time = left_out(NO_DECISION_TIME);
        let no_collateral = left_out(NO_COLLATERAL);
        let all_of = d.chance(ALL_OF_COLLATERAL);
        // Drawn after the others, so that what they decide is what it was before pages had their own words.
        let words = [d.below(OTHER_CONDITIONS.len()), d.below(OTHER_CONDITIONS.len())];
        let other_conditions = (d.chance(LENDER_WORDS) && sparse).then_some(words);
        let cap = d.pick(TAX_CAPS);
        let tax_cap = (d.chance(TAX_CAP) && sparse).then_some(cap);
        Self {
            no_min_amount,
            no_rate,
            no_repayment,
            no_decision_time,
            no_collateral,
            all_of,
            other_conditions,
            tax_cap,
        }
    }

    /// Leaves out of `spec` what the page does not say, and joins real estate or equipment with a guarantor.
    fn apply(self, spec: &mut ProductSpec) {
        use ProductFamily as F;
        if self.no_min_amount {
            spec.amount = StatedRange::new(None, spec.amount.max()).unwrap_or(StatedRange::UNSTATED);
        }
        if self.no_rate {
            spec.pricing = match spec.pricing {
                Pricing::Lpr { tenor, .. } => Pricing::Lpr { tenor, spread_bps: StatedRange::UNSTATED },
                _ => Pricing::NotStated,
            };
        }
        if self.no_repayment {
            spec.repayment_methods = None;
        }
        if self.no_decision_time {
            spec.decision_days = None;
        }
        // A page of a mortgage, a pledge or a guaranteed loan says what is pledged in its very name.
        let named = matches!(spec.family, F::Mortgage | F::IpPledge | F::Receivables | F::EquityPledge | F::Guaranteed);
        if self.no_collateral && !named {
            spec.collateral = CollateralTerms::NotStated;
        } else if self.all_of
            && let Some(&kind) =
                spec.collateral.kinds().iter().find(|k| matches!(k, Collateral::RealEstate | Collateral::Equipment))
        {
            spec.collateral = CollateralTerms::AllOf { kinds: vec![kind, Collateral::Guarantee] };
        }
        if self.other_conditions.is_none() && self.tax_cap.is_none() {
            return;
        }
        let mut rules = spec.eligibility.rules().to_vec();
        if let Some(cap) = self.tax_cap {
            let cap = Fen::wan(cap);
            match rules.iter_mut().find_map(|r| match r {
                EligibilityRule::TaxPaid(bounds) => Some(bounds),
                _ => None,
            }) {
                Some(bounds) => bounds.max = Some(cap.max(bounds.min.unwrap_or(cap))),
                None => rules.push(EligibilityRule::TaxPaid(Bounds { min: None, max: Some(cap) })),
            }
        }
        if let Some(indexes) = self.other_conditions {
            let mut picked: Vec<usize> = indexes.to_vec();
            picked.dedup();
            let words = picked.iter().filter_map(|&i| OtherCondition::new(OTHER_CONDITIONS[i]).ok()).collect();
            rules.push(EligibilityRule::OtherConditions(words));
        }
        if let Ok(rules) = EligibilityRules::new(rules) {
            spec.eligibility = rules;
        }
    }
}

fn build(
    seed: u64,
    index: usize,
    lenders: &Lenders,
    today: NaiveDate,
    references: &ReferenceRates,
) -> Option<SyntheticProduct> {
    use ProductFamily as F;
    let mut d = Dice::new(seed, PRODUCT_STREAM, index);
    let mut kin = Kin::draw(seed, index);
    let first = d.weighted(FAMILIES);
    let family = kin.later.unwrap_or(first);
    let lender = lenders.pick(family, &mut d)?.clone();
    let micro_credit = lender.kind == InstitutionKind::MicroCredit;

    // Amounts in 万元.
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
        F::StartupGuarantee => (&[2, 5], &[20, 30, 50]),
        F::Renewal => (&[10, 50], &[500, 1000]),
        F::MediumLongTerm => (&[100, 200, 500], &[2000, 3000, 5000]),
        F::EquityPledge => (&[100, 200], &[1000, 2000, 3000]),
        F::Leasing => (&[50, 100], &[1000, 3000, 5000]),
        F::Insurance => (&[5, 10], &[100, 200, 300]),
        F::Tech => (&[10, 50, 100], &[500, 1000, 2000]),
        F::Equipment => (&[50, 100], &[500, 1000, 3000]),
        F::InventoryPledge => (&[50, 100], &[500, 1000, 3000]),
        F::BillDiscount => (&[10, 50], &[1000, 3000, 5000]),
        F::LetterOfGuarantee => (&[5, 10, 50], &[500, 1000, 3000]),
        F::Talent => (&[10, 50], &[300, 500, 1000]),
        F::OrderFinancing => (&[10, 20, 50], &[300, 500, 1000]),
    };
    let mut amount_max = d.pick(maxs);
    if micro_credit {
        amount_max = amount_max.min(300);
    }
    let amount_min = d.pick(mins).min(amount_max);

    let (tmins, tmaxs): (&[u16], &[u16]) = match family {
        F::Credit | F::TaxCredit | F::Tech => (&[3, 6, 12], &[12, 24, 36]),
        F::FirstLoan | F::Guaranteed | F::Renewal | F::IpPledge => (&[6, 12], &[12, 24, 36]),
        F::Mortgage => (&[12, 24], &[60, 84, 120]),
        F::Receivables | F::SupplyChain | F::InventoryPledge | F::OrderFinancing => (&[1, 3], &[6, 12]),
        F::Equipment => (&[12, 24], &[36, 60, 84]),
        F::BillDiscount => (&[1], &[6, 12]),
        F::LetterOfGuarantee => (&[1, 3], &[12, 24, 36]),
        F::Talent => (&[6, 12], &[24, 36]),
        F::GovProcurement => (&[3, 6], &[12, 24]),
        F::StartupGuarantee => (&[6, 12], &[24]),
        F::MediumLongTerm => (&[36, 60], &[60, 84, 120]),
        F::EquityPledge => (&[12], &[24, 36]),
        F::Leasing => (&[12, 24], &[36, 48, 60]),
        F::Insurance => (&[6, 12], &[12, 24]),
    };
    let term_min = d.pick(tmins);
    let term_max = d.pick(tmaxs).max(term_min);

    // Rates in basis points: a family's usual floor and width; micro-credit companies charge more.
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
        // Drawn like the others to keep the draws in step, then not stated: a guarantee charges a fee.
        F::LetterOfGuarantee => (350, 420, 50, 130),
        F::Talent => (300, 380, 50, 120),
        F::OrderFinancing => (350, 450, 50, 150),
    };
    let step5 = |d: &mut Dice, lo: u32, hi: u32| lo + 5 * d.int(0, (hi - lo) / 5);
    let mut rate_lo = step5(&mut d, lo_a, lo_b);
    if micro_credit {
        rate_lo += step5(&mut d, 300, 600);
    }
    let rate_hi = (rate_lo + step5(&mut d, w_a, w_b)).min(1500);
    let floating = match family {
        F::StartupGuarantee => true,
        F::Leasing | F::BillDiscount | F::LetterOfGuarantee => false,
        _ => !micro_credit && d.chance(0.55),
    };
    let tenor = if term_max > 60 { LprTenor::FiveYear } else { LprTenor::OneYear };
    let pricing = priced(rate_lo, rate_hi, floating.then_some(tenor), references);

    let repayment_methods = repayment(family, &mut d);
    let collateral = collateral(family, &mut d);

    let fee = match family {
        F::Guaranteed => Some(d.int(5, 15) * 10),
        F::StartupGuarantee => Some(d.int(5, 8) * 10),
        F::IpPledge if d.chance(0.3) => Some(d.int(5, 10) * 10),
        F::FirstLoan if d.chance(0.15) => Some(d.int(5, 12) * 10),
        F::Credit if d.chance(0.08) => Some(d.int(8, 15) * 10),
        _ => None,
    };
    let guarantee = fee.and_then(|fee| {
        (!lenders.agencies.is_empty()).then(|| GuaranteeTerms {
            agency_code: lenders.agencies[d.below(lenders.agencies.len())].code.clone(),
            fee: range(bps(fee), bps(fee)),
        })
    });

    let mut policy_support = policy(family, &mut d);
    if micro_credit {
        // The risk-compensation fund covers bank loans only.
        policy_support.retain(|p| *p != PolicySupport::RiskCompensation);
    }

    let online = d.chance(match family {
        F::TaxCredit => 0.8,
        F::Credit | F::SupplyChain => 0.5,
        F::FirstLoan | F::Receivables | F::GovProcurement => 0.4,
        F::Renewal | F::Insurance | F::Guaranteed => 0.3,
        F::IpPledge | F::StartupGuarantee => 0.1,
        F::Mortgage | F::MediumLongTerm | F::EquityPledge | F::Leasing | F::Equipment => 0.03,
        F::BillDiscount => 0.6,
        F::Tech | F::OrderFinancing => 0.4,
        F::LetterOfGuarantee => 0.3,
        F::InventoryPledge | F::Talent => 0.2,
    });
    let decision_days = if online {
        d.int(1, 3)
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
        d.int(a, b)
    };

    let districts: Vec<District> = if d.chance(0.7) {
        crate::tianjin::ALL.map(crate::tianjin::district).to_vec()
    } else {
        let n = d.weighted(&[(1, 40), (2, 30), (3, 20), (4, 10)]);
        d.several(&crate::tianjin::ALL, n).into_iter().map(crate::tianjin::district).collect()
    };

    let valid_from = today.checked_sub_days(Days::new(u64::from(d.int(7, 720)))).unwrap_or(today);
    let valid_until = d.chance(0.35).then(|| today.checked_add_days(Days::new(u64::from(d.int(30, 900))))).flatten();

    let state = d.weighted(&[
        (LifecycleState::Published, 940),
        (LifecycleState::Draft, 20),
        (LifecycleState::InReview, 15),
        (LifecycleState::Paused, 15),
        (LifecycleState::Archived, 10),
    ]);

    let eligibility = EligibilityRules::new(eligibility(family, &mut d)).unwrap_or_default();

    let mut name = lender.brand.clone();
    if d.chance(0.2) {
        name.push_str(d.pick(words::MODIFIERS));
    }
    name.push_str(d.pick(words::product_words(family)));
    let local = districts.len() < crate::tianjin::ALL.len();
    if local && d.chance(0.3) {
        name.push_str(&format!("（{}）", districts[0].short_zh()));
    }

    let mut spec = ProductSpec {
        code: format!("GEN-{index:06}"),
        name,
        family,
        more_families: Vec::new(),
        description: String::new(),
        amount: range(Fen::wan(amount_min), Fen::wan(amount_max)),
        term: range(months(term_min), months(term_max)),
        pricing,
        repayment_methods: Some(repayment_methods),
        collateral,
        guarantee,
        eligibility,
        policy_support,
        decision_days: Some(u16::try_from(decision_days).unwrap_or(30)),
        online: Some(online),
        // Never empty: all sixteen (the whole city) or one to four of them.
        area: ServiceArea::within(districts.iter().map(|d| d.division()).collect()).unwrap_or(ServiceArea::NotStated),
        valid_from: Some(valid_from),
        valid_until,
        source: None,
        // Generated products are not read from a page: their materials are 未说明.
        materials: finmart_domain::Materials::NotStated,
        verified_rules: finmart_domain::VerifiedRules::NONE,
    };
    if family == F::LetterOfGuarantee {
        // A letter of guarantee charges a fee for the bank's promise: it has no interest rate to state and
        // nothing to repay unless the guarantee is called.
        spec.pricing = Pricing::NotStated;
        spec.repayment_methods = None;
    }
    spec.more_families = kin.more_families(&spec);
    spec.normalize();
    Page::draw(seed, index).apply(&mut spec);
    // After the page: a condition it leaves out cannot be required verified.
    spec.verified_rules = verified_rules(family, &spec.eligibility);
    spec.description = describe(&spec, &mut d);
    Some(SyntheticProduct { institution_code: lender.code, state, spec })
}

/// The conditions a generated product requires to be met by a verified fact: a tax loan (银税互动) is lent on
/// the tax bureau's data, so its tax grade and tax paid must come from there; a loan for 专精特新 or 小巨人
/// firms takes the title from the department's published list, not the firm's word. Every other product
/// requires nothing verified.
#[must_use]
#[allow(clippy::expect_used)] // Each kind collected is one RULE_FACTS backs, and a product states a kind once.
pub fn verified_rules(family: ProductFamily, eligibility: &EligibilityRules) -> VerifiedRules {
    use finmart_domain::RuleKind as K;
    let named = |titles: &[Qualification]| {
        titles.iter().any(|t| matches!(t, Qualification::Specialised | Qualification::LittleGiant))
    };
    let kinds = eligibility
        .rules()
        .iter()
        .filter_map(|rule| match rule {
            EligibilityRule::MinTaxCreditGrade(_) | EligibilityRule::TaxPaid(_)
                if family == ProductFamily::TaxCredit =>
            {
                Some(rule.kind())
            }
            EligibilityRule::QualificationsAny(titles) | EligibilityRule::QualificationsAll(titles)
                if named(titles) =>
            {
                Some(rule.kind())
            }
            _ => None,
        })
        .collect::<Vec<K>>();
    VerifiedRules::new(kinds).expect("each kind is backed by a fact and named once")
}

/// The description, saying only what the product states: the amount as "最高 … 万元" when no minimum is
/// stated, the pricing as "LPR 加点" when no rate is.
fn describe(spec: &ProductSpec, d: &mut Dice) -> String {
    let mut text = format!("{}。{}。", d.pick(words::leads(spec.family)), d.pick(words::features(spec.family)));
    let wan = |f: Fen| f.fen() / 1_000_000;
    let amount = match (spec.amount.min(), spec.amount.max()) {
        (Some(lo), Some(hi)) => format!("额度{}万元至{}万元", wan(lo), wan(hi)),
        (None, Some(hi)) => format!("额度最高{}万元", wan(hi)),
        (Some(lo), None) => format!("额度{}万元起", wan(lo)),
        (None, None) => "额度以审批为准".to_owned(),
    };
    let term = match (spec.term.min().map(Months::get), spec.term.max().map(Months::get)) {
        (Some(t0), Some(t1)) if t0 == t1 => format!("期限{t1}个月"),
        (Some(t0), Some(t1)) => format!("期限{t0}至{t1}个月"),
        (None, Some(t1)) => format!("期限最长{t1}个月"),
        (Some(t0), None) => format!("期限{t0}个月起"),
        (None, None) => "期限以审批为准".to_owned(),
    };
    text.push_str(&format!("{amount}，{term}。"));
    if matches!(spec.pricing, Pricing::Lpr { spread_bps, .. } if spread_bps.is_unstated()) {
        text.push_str("利率在LPR基础上加点确定。");
    }
    if let CollateralTerms::AllOf { kinds } = &spec.collateral {
        let names: Vec<&str> = kinds.iter().map(|k| k.label_zh()).collect();
        text.push_str(&format!("须同时提供{}。", names.join("和")));
    }
    if !spec.area.covers_home(&HomeArea::default()) {
        text.push_str(&format!("服务{}的企业。", spec.area.describe_zh(&HomeArea::default())));
    }
    text
}

fn repayment(family: ProductFamily, d: &mut Dice) -> Vec<RepaymentMethod> {
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
        // Drawn to keep the draws in step; a letter of guarantee states none (see `build`).
        F::BillDiscount | F::OrderFinancing | F::LetterOfGuarantee => &[R::InterestOnly],
    };
    let n = 1 + d.below(candidates.len());
    d.several(candidates, n)
}

/// What the family usually asks to be pledged: any one of the kinds, or nothing (纯信用).
fn collateral(family: ProductFamily, d: &mut Dice) -> CollateralTerms {
    use Collateral as C;
    use ProductFamily as F;
    let kinds = match family {
        F::Mortgage if d.chance(0.25) => vec![C::RealEstate, C::Equipment],
        F::Mortgage => vec![C::RealEstate],
        F::Guaranteed => vec![C::Guarantee],
        F::IpPledge => vec![C::IntellectualProperty],
        F::Receivables | F::SupplyChain => vec![C::Receivables],
        F::GovProcurement if d.chance(0.4) => vec![C::Receivables],
        F::MediumLongTerm => d.pick(&[&[C::RealEstate][..], &[C::Equipment], &[C::RealEstate, C::Equipment]]).to_vec(),
        F::EquityPledge => vec![C::Equity],
        F::Leasing if d.chance(0.3) => vec![C::Equipment],
        F::Tech if d.chance(0.2) => vec![C::IntellectualProperty],
        F::Equipment if d.chance(0.3) => vec![C::Equipment, C::RealEstate],
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

fn policy(family: ProductFamily, d: &mut Dice) -> Vec<PolicySupport> {
    use PolicySupport as P;
    use ProductFamily as F;
    // Chances of risk compensation, interest subsidy and guarantee-fee subsidy.
    let (risk, subsidy, fee) = match family {
        F::Credit | F::Insurance => (0.5, 0.0, 0.0),
        F::FirstLoan => (1.0, 0.3, 0.0),
        F::Guaranteed => (0.4, 0.0, 0.7),
        F::IpPledge => (1.0, 0.5, 0.0),
        F::Receivables | F::TaxCredit | F::GovProcurement => (0.3, 0.0, 0.0),
        F::StartupGuarantee => (0.0, 1.0, 0.5),
        F::Renewal => (0.4, 0.0, 0.0),
        F::MediumLongTerm => (0.0, 0.35, 0.0),
        F::EquityPledge => (0.2, 0.0, 0.0),
        F::Leasing => (0.0, 0.2, 0.0),
        F::Tech => (0.8, 0.3, 0.0),
        F::Equipment => (0.0, 0.5, 0.0),
        F::Talent => (0.5, 0.5, 0.0),
        F::OrderFinancing => (0.3, 0.0, 0.0),
        F::Mortgage | F::SupplyChain | F::InventoryPledge | F::BillDiscount | F::LetterOfGuarantee => (0.0, 0.0, 0.0),
    };
    let mut out = Vec::new();
    if d.chance(risk) {
        out.push(P::RiskCompensation);
    }
    if d.chance(subsidy) {
        out.push(P::InterestSubsidy);
    }
    if d.chance(fee) {
        out.push(P::GuaranteeFeeSubsidy);
    }
    out
}

/// Adds `rule` unless a rule with its key is already there.
fn add(rules: &mut Vec<EligibilityRule>, rule: EligibilityRule) {
    if rules.iter().all(|r| r.key() != rule.key()) {
        rules.push(rule);
    }
}

fn has_any(rules: &[EligibilityRule], keys: &[&str]) -> bool {
    rules.iter().any(|r| keys.contains(&r.key()))
}

const TECH_QUALIFICATIONS: &[Qualification] = &[
    Qualification::TechSme,
    Qualification::HighTech,
    Qualification::Specialised,
    Qualification::LittleGiant,
    Qualification::Gazelle,
    Qualification::Fledgling,
];

/// Trades that products are commonly restricted to, together.
const INDUSTRY_GROUPS: &[&[Industry]] = &[
    &[Industry::Industrial],
    &[Industry::Wholesale, Industry::Retail],
    &[Industry::Wholesale, Industry::Retail, Industry::Catering, Industry::Accommodation],
    &[Industry::Software, Industry::Telecom],
    &[Industry::Industrial, Industry::Software, Industry::LeasingBusinessServices],
    &[Industry::Agriculture],
    &[Industry::Construction],
    &[Industry::Transport, Industry::Warehousing, Industry::Postal],
    &[Industry::Catering, Industry::Accommodation],
    &[Industry::PropertyManagement, Industry::LeasingBusinessServices, Industry::Other],
];

/// The family's usual rules, then up to three more of any kind; two to six in all.
fn eligibility(family: ProductFamily, d: &mut Dice) -> Vec<EligibilityRule> {
    use EligibilityRule as E;
    use EnterpriseScale as Sc;
    use ProductFamily as F;
    let revenue_min = |wan: u32| E::Revenue(Bounds { min: Some(Fen::wan(wan)), max: None });
    let years = |d: &mut Dice, lo: u32, hi: u32| E::MinYearsInOperation(u16::try_from(d.int(lo, hi)).unwrap_or(1));
    let overdue = |d: &mut Dice| E::NoOverdueMonths(d.pick(&[6, 12, 24, 36]));
    let grade = |d: &mut Dice, p_a: f64| {
        E::MinTaxCreditGrade(if d.chance(p_a) { TaxCreditGrade::A } else { TaxCreditGrade::B })
    };
    let mut r: Vec<E> = match family {
        F::Credit => vec![years(d, 1, 3), grade(d, 0.3), overdue(d)],
        F::FirstLoan => {
            let mut r = vec![E::FirstLoanOnly, E::Scales(vec![Sc::Micro, Sc::Small])];
            if d.chance(0.6) {
                r.push(E::MinYearsInOperation(1));
            }
            r
        }
        F::Mortgage => vec![years(d, 2, 3), E::MaxDebtRatio(bps(d.pick(&[7000, 7500])))],
        F::Guaranteed => {
            let scales =
                if d.chance(0.5) { vec![Sc::Micro, Sc::Small] } else { vec![Sc::Micro, Sc::Small, Sc::Medium] };
            let mut r = vec![E::Scales(scales)];
            if d.chance(0.6) {
                r.push(E::IndustriesExcluded(vec![Industry::RealEstateDevelopment]));
            }
            r
        }
        F::IpPledge => vec![E::MinInventionPatents(d.int(1, 5)), years(d, 1, 2)],
        F::Receivables => vec![E::CoreEnterpriseReceivables, years(d, 1, 2)],
        F::SupplyChain => vec![E::CoreEnterpriseReceivables],
        F::TaxCredit => {
            let mut r = vec![grade(d, 0.4), E::MinYearsInOperation(2)];
            if d.chance(0.8) {
                r.push(E::TaxPaid(Bounds { min: Some(Fen::wan(d.pick(&[1, 2, 5, 10, 20]))), max: None }));
            }
            r
        }
        F::GovProcurement => vec![E::GovProcurementContract],
        F::StartupGuarantee => {
            let mut r = vec![E::Scales(vec![Sc::Micro])];
            if d.chance(0.3) {
                r.push(E::Employees(Bounds { min: None, max: Some(50) }));
            }
            r
        }
        F::Renewal => vec![years(d, 2, 3), overdue(d), E::MaxDebtRatio(bps(7000))],
        F::MediumLongTerm => vec![
            E::MinYearsInOperation(3),
            E::Scales(vec![Sc::Small, Sc::Medium]),
            revenue_min(d.pick(&[1000, 2000])),
            E::MaxDebtRatio(bps(6500)),
        ],
        F::EquityPledge => vec![years(d, 2, 3), revenue_min(d.pick(&[500, 1000]))],
        F::Leasing => {
            let mut r = vec![E::MinYearsInOperation(2)];
            if d.chance(0.5) {
                let pool = [
                    Industry::Industrial,
                    Industry::Transport,
                    Industry::Construction,
                    Industry::Agriculture,
                    Industry::Warehousing,
                ];
                let n = d.int(2, 4) as usize;
                r.push(E::IndustriesAllowed(d.several(&pool, n)));
            } else {
                r.push(E::IndustriesExcluded(vec![Industry::RealEstateDevelopment]));
            }
            r
        }
        F::Insurance => {
            vec![years(d, 1, 2), E::Revenue(Bounds { min: Some(Fen::wan(100)), max: Some(Fen::wan(20_000)) })]
        }
        F::Tech => vec![E::QualificationsAny(vec![Qualification::TechSme, Qualification::HighTech]), years(d, 1, 2)],
        F::Equipment => vec![years(d, 2, 3), E::IndustriesAllowed(vec![Industry::Industrial])],
        F::InventoryPledge | F::OrderFinancing => vec![years(d, 1, 2), overdue(d)],
        F::BillDiscount => vec![E::MinYearsInOperation(1), E::NoOverdueMonths(12)],
        F::LetterOfGuarantee => vec![years(d, 1, 3), E::MaxDebtRatio(bps(7000))],
        F::Talent => vec![E::Scales(vec![Sc::Micro, Sc::Small]), E::NoOverdueMonths(24)],
    };

    let extras = d.weighted(&[(0, 25), (1, 40), (2, 25), (3, 10)]);
    for _ in 0..extras {
        if r.len() >= 6 {
            break;
        }
        match d.weighted(&[
            (0, 12),
            (1, 6),
            (2, 4),
            (3, 8),
            (4, 2),
            (5, 6),
            (6, 6),
            (7, 5),
            (8, 3),
            (9, 2),
            (10, 4),
            (11, 5),
            (12, 5),
            (13, 4),
            (14, 5),
            (15, 1),
            (16, 1),
            (17, 1),
        ]) {
            0 => add(&mut r, overdue(d)),
            1 => add(&mut r, E::MinTaxCreditGrade(d.pick(&[TaxCreditGrade::B, TaxCreditGrade::M]))),
            2 => add(&mut r, E::TaxPaid(Bounds { min: Some(Fen::wan(d.pick(&[1, 2, 5, 10, 20]))), max: None })),
            3 if !has_any(&r, &["qualifications_any", "qualifications_all"]) => {
                let n = d.int(1, 3) as usize;
                r.push(E::QualificationsAny(d.several(TECH_QUALIFICATIONS, n)));
            }
            4 if !has_any(&r, &["qualifications_any", "qualifications_all"]) => {
                let all = d.pick(&[
                    &[Qualification::HighTech, Qualification::Specialised][..],
                    &[Qualification::TechSme, Qualification::HighTech],
                    &[Qualification::Specialised, Qualification::LittleGiant],
                ]);
                r.push(E::QualificationsAll(all.to_vec()));
            }
            5 if !has_any(&r, &["industries_allowed", "industries_excluded"]) => {
                r.push(E::IndustriesAllowed(d.pick(INDUSTRY_GROUPS).to_vec()));
            }
            6 if !has_any(&r, &["industries_allowed", "industries_excluded"]) => {
                let excluded = if d.chance(0.6) {
                    vec![Industry::RealEstateDevelopment]
                } else {
                    vec![Industry::RealEstateDevelopment, Industry::Construction]
                };
                r.push(E::IndustriesExcluded(excluded));
            }
            7 => {
                let n = d.int(1, 3) as usize;
                add(&mut r, E::SectorsAny(d.several(PrioritySector::ALL, n)));
            }
            8 => add(&mut r, E::MinTrademarks(d.int(1, 3))),
            9 => add(&mut r, E::MinInventionPatents(d.int(1, 3))),
            10 => add(
                &mut r,
                if d.chance(0.6) {
                    E::Employees(Bounds { min: Some(d.pick(&[3, 5, 10, 20])), max: None })
                } else {
                    E::Employees(Bounds { min: None, max: Some(d.pick(&[100, 300, 500])) })
                },
            ),
            11 => add(&mut r, revenue_min(d.pick(&[50, 100, 200, 300, 500]))),
            12 => add(&mut r, E::MaxDebtRatio(bps(d.pick(&[6000, 6500, 7000, 7500, 8000])))),
            13 => add(
                &mut r,
                E::Scales(
                    d.pick(&[
                        &[Sc::Micro, Sc::Small][..],
                        &[Sc::Small, Sc::Medium],
                        &[Sc::Micro, Sc::Small, Sc::Medium],
                    ])
                    .to_vec(),
                ),
            ),
            14 => add(&mut r, years(d, 1, 5)),
            15 => add(&mut r, E::FirstLoanOnly),
            16 => add(&mut r, E::GovProcurementContract),
            17 => add(&mut r, E::CoreEnterpriseReceivables),
            _ => {}
        }
    }
    if r.len() < 2 {
        add(&mut r, E::NoOverdueMonths(12));
    }
    if r.len() < 2 {
        add(&mut r, E::MinYearsInOperation(1));
    }
    r
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use finmart_domain::{ProductRecord, RuleKind};
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn sample(n: usize) -> Vec<SyntheticProduct> {
        products(42, n, &crate::institutions(40), today(), &crate::testing::references()).collect()
    }

    #[test]
    fn same_seed_same_products() {
        assert_eq!(sample(200), sample(200));
        assert_eq!(sample(50)[..], sample(200)[..50]);
        let refs = crate::testing::references();
        assert_ne!(products(43, 200, &crate::institutions(40), today(), &refs).collect::<Vec<_>>(), sample(200));
        assert_eq!(product(42, 17, &crate::institutions(40), today(), &refs).as_ref(), sample(20).get(17));
        assert_eq!(products(1, 10, &[], today(), &refs).count(), 0);
    }

    #[test]
    fn every_product_passes_the_import_validation_unchanged() {
        let institutions = crate::institutions(40);
        let kinds: BTreeMap<&str, InstitutionKind> = institutions.iter().map(|i| (i.code.as_str(), i.kind)).collect();
        let mut codes = HashSet::new();
        for p in sample(3000) {
            let s = &p.spec;
            let row = ProductRecord::from((p.institution_code.as_str(), s))
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", s.code));
            assert_eq!(&row.spec, s, "{}", s.code);
            assert!(codes.insert(s.code.clone()));
            assert_ne!(kinds[p.institution_code.as_str()], InstitutionKind::GuaranteeAgency);
            if let Some(g) = &s.guarantee {
                assert_eq!(kinds[g.agency_code.as_str()], InstitutionKind::GuaranteeAgency);
                assert!(g.fee.min().is_some_and(|f| (50..=150).contains(&f.bps())), "{}", s.code);
            }
            // A discount rate is below any loan's.
            let floor = if s.family == ProductFamily::BillDiscount { 120 } else { 300 };
            let annual = s.pricing.annual(&crate::testing::references(), &s.term);
            assert!(annual.min().is_none_or(|r| (floor..=1500).contains(&r.bps().bps())), "{}", s.code);
            assert!(annual.max().is_none_or(|r| r.bps().bps() <= 1500), "{}", s.code);
            assert!(s.decision_days.is_none_or(|d| (1..=30).contains(&d)), "{}", s.code);
            assert!(s.valid_from.is_some_and(|f| f < today()) && s.valid_until.is_none_or(|u| u > today()));
            // Two to six of the family's and any kind, and on a page in its lender's words a tax cap and
            // other conditions besides.
            assert!((2..=8).contains(&s.eligibility.rules().len()), "{}: {}", s.code, s.eligibility.to_line());
            assert!(!s.description.is_empty() && s.name.chars().count() <= 30, "{}", s.name);
            match s.family {
                ProductFamily::IpPledge => {
                    assert!(s.eligibility.rules().iter().any(|r| matches!(r, EligibilityRule::MinInventionPatents(_))));
                }
                ProductFamily::FirstLoan => assert!(s.eligibility.rules().contains(&EligibilityRule::FirstLoanOnly)),
                ProductFamily::TaxCredit => {
                    assert!(s.eligibility.rules().iter().any(|r| r.key() == "min_tax_credit_grade"));
                }
                ProductFamily::Guaranteed | ProductFamily::StartupGuarantee => assert!(s.guarantee.is_some()),
                ProductFamily::Leasing => assert_eq!(kinds[p.institution_code.as_str()], InstitutionKind::Leasing),
                ProductFamily::LetterOfGuarantee => {
                    assert!(s.pricing == Pricing::NotStated && s.repayment_methods.is_none());
                }
                _ => {}
            }
            assert!(!s.more_families.contains(&s.family), "{}", s.code);
            assert!(s.more_families.is_sorted(), "{}", s.code);
        }
    }

    #[test]
    fn later_families_and_further_families_appear_in_their_shares() {
        let all = sample(3000);
        let later: Vec<&SyntheticProduct> =
            all.iter().filter(|p| LATER_FAMILIES.iter().any(|(f, _)| *f == p.spec.family)).collect();
        assert!((180..300).contains(&later.len()), "{} in the later families", later.len());
        let further = all.iter().filter(|p| !p.spec.more_families.is_empty()).count();
        assert!((60..300).contains(&further), "{further} with further families");
        let pairs: BTreeSet<(ProductFamily, ProductFamily)> =
            all.iter().flat_map(|p| p.spec.more_families.iter().map(|m| (p.spec.family, *m))).collect();
        for pair in [
            (ProductFamily::Tech, ProductFamily::Credit),
            (ProductFamily::OrderFinancing, ProductFamily::SupplyChain),
            (ProductFamily::Equipment, ProductFamily::MediumLongTerm),
            (ProductFamily::Credit, ProductFamily::Tech),
        ] {
            assert!(pairs.contains(&pair), "{pair:?} in {pairs:?}");
        }
        // A product of the first families keeps its draws: its family is the first table's.
        assert!(all.iter().filter(|p| p.spec.family == ProductFamily::Credit).count() > 300);
    }

    #[test]
    fn every_family_rule_kind_and_feature_appears() {
        let all = sample(3000);
        let families: BTreeSet<_> = all.iter().map(|p| p.spec.family).collect();
        assert_eq!(families.len(), ProductFamily::ALL.len());
        let keys: BTreeSet<&str> =
            all.iter().flat_map(|p| p.spec.eligibility.rules().iter().map(|r| r.key())).collect();
        assert_eq!(keys.len(), RuleKind::ALL.len(), "{keys:?}");
        let published = all.iter().filter(|p| p.state == LifecycleState::Published).count();
        assert!(published > 2700 && published < 3000, "{published}");
        let citywide = all.iter().filter(|p| p.spec.area.covers_home(&HomeArea::default())).count();
        assert!((1900..2300).contains(&citywide), "{citywide}");
        assert!(all.iter().any(|p| p.spec.valid_until.is_some()) && all.iter().any(|p| p.spec.online == Some(true)));
        assert!(
            all.iter()
                .any(|p| matches!(p.spec.pricing, Pricing::Lpr { spread_bps, .. } if spread_bps.range().is_some()))
        );
        for policy in PolicySupport::ALL {
            assert!(all.iter().any(|p| p.spec.policy_support.contains(policy)), "{policy}");
        }
        let kinds: BTreeSet<_> =
            all.iter().map(|p| &p.institution_code[..p.institution_code.rfind('-').unwrap()]).collect();
        assert!(kinds.len() >= 4, "{kinds:?}");
    }

    /// Whether a product states every fact, as every generated product did before pages could leave facts out.
    fn states_everything(s: &ProductSpec) -> bool {
        s.amount.range().is_some()
            && s.term.range().is_some()
            && match s.pricing {
                Pricing::Stated { range, fixed, .. } => fixed && range.range().is_some(),
                Pricing::Lpr { spread_bps, .. } => spread_bps.range().is_some(),
                Pricing::NotStated | Pricing::Benchmark { .. } => false,
            }
            && s.repayment_methods.as_ref().is_some_and(|m| !m.is_empty())
            && matches!(s.collateral, CollateralTerms::NoneRequired | CollateralTerms::AnyOf { unsecured: false, .. })
            && s.decision_days.is_some()
            && s.online.is_some()
            && s.valid_from.is_some()
    }

    #[test]
    fn a_few_pages_leave_facts_out_as_real_pages_do() {
        let all = sample(3000);
        let count = |f: &dyn Fn(&ProductSpec) -> bool| all.iter().filter(|p| f(&p.spec)).count();
        // The shares of `Page`, on 3000 products: the bulk states everything.
        let full = count(&states_everything);
        assert!((2500..2720).contains(&full), "{full} state everything");
        let no_min = count(&|s| s.amount.min().is_none());
        assert!((200..360).contains(&no_min), "{no_min} without a minimum amount");
        assert_eq!(
            count(&|s| s.amount.max().is_none() || s.term.range().is_none()),
            0,
            "pages give a maximum and a term"
        );
        let lpr_no_spread =
            count(&|s| matches!(s.pricing, Pricing::Lpr { spread_bps, .. } if spread_bps.is_unstated()));
        let no_basis = count(&|s| s.pricing.is_not_stated());
        let no_rate = lpr_no_spread + no_basis;
        assert!((120..250).contains(&no_rate), "{no_rate} without a rate");
        assert!(lpr_no_spread > 30 && no_basis > 30, "{lpr_no_spread} LPR without spread, {no_basis} no basis");
        let no_repayment = count(&|s| s.repayment_methods.is_none());
        assert!((120..250).contains(&no_repayment), "{no_repayment} without repayment methods");
        let no_decision = count(&|s| s.decision_days.is_none());
        assert!((140..280).contains(&no_decision), "{no_decision} without a decision time");
        let no_collateral = count(&|s| s.collateral == CollateralTerms::NotStated);
        assert!((50..160).contains(&no_collateral), "{no_collateral} without collateral terms");
        let all_of = count(&|s| matches!(s.collateral, CollateralTerms::AllOf { .. }));
        assert!((40..130).contains(&all_of), "{all_of} with all-of collateral");
        let rule = |s: &ProductSpec, f: &dyn Fn(&EligibilityRule) -> bool| s.eligibility.rules().iter().any(f);
        let words = count(&|s| rule(s, &|r| matches!(r, EligibilityRule::OtherConditions(_))));
        assert!((80..180).contains(&words), "{words} with other conditions");
        let capped = count(&|s| rule(s, &|r| matches!(r, EligibilityRule::TaxPaid(b) if b.max.is_some())));
        assert!((30..100).contains(&capped), "{capped} with a cap on tax paid");
        // Only pages written as real ones are: the products that state everything keep their rules.
        assert_eq!(count(&|s| states_everything(s) && rule(s, &|r| r.key() == "other_conditions")), 0);
        for p in &all {
            let s = &p.spec;
            if let CollateralTerms::AllOf { kinds } = &s.collateral {
                assert!(kinds.contains(&Collateral::Guarantee) && kinds.len() == 2, "{}", s.code);
            }
            if s.amount.min().is_none() {
                assert!(s.description.contains("额度最高"), "{}: {}", s.code, s.description);
            }
        }
    }
}
