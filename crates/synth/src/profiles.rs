//! Synthetic SME profiles (企业画像) with Tianjin-like distributions.

use crate::{Dice, GIVEN_STREAM, PROFILE_STREAM, TITLE_STREAM, words};
use chrono::{Datelike, Days, NaiveDate};
use finmart_domain::{
    Collateral, District, EnterpriseProfile, EnterpriseScale, Fen, Industry, Labelled, OverdueHistory, PrioritySector,
    ProcurementContract, Qualification, Receivable, SCALE_TABLE, TaxCreditGrade, Thresholds, Uscc,
    figures_plausible_from,
};

/// One generated enterprise and whether it consents to be found by banks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticProfile {
    pub profile: EnterpriseProfile,
    pub discoverable: bool,
}

/// `count` profiles from `seed`, dated relative to `today`. Profile `i` is the same whatever `count` is.
pub fn profiles(seed: u64, count: usize, today: NaiveDate) -> impl Iterator<Item = SyntheticProfile> + use<> {
    (0..count).map(move |index| profile(seed, index, today))
}

/// Where firms are registered: 滨海新区 about 30 %, the outer districts more than the old city centre.
const DISTRICTS: &[(u32, u32)] = &[
    (120_116, 300),
    (120_111, 70),
    (120_114, 70),
    (120_110, 60),
    (120_113, 60),
    (120_112, 50),
    (120_104, 50),
    (120_103, 50),
    (120_101, 40),
    (120_102, 40),
    (120_115, 40),
    (120_118, 40),
    (120_119, 40),
    (120_105, 35),
    (120_117, 30),
    (120_106, 25),
];

/// The trades of an SME population: wholesale, business services and industry lead.
const INDUSTRIES: &[(Industry, u32)] = &[
    (Industry::Wholesale, 220),
    (Industry::Industrial, 160),
    (Industry::LeasingBusinessServices, 140),
    (Industry::Retail, 120),
    (Industry::Software, 80),
    (Industry::Construction, 60),
    (Industry::Transport, 40),
    (Industry::Other, 40),
    (Industry::Catering, 30),
    (Industry::Warehousing, 20),
    (Industry::RealEstateDevelopment, 20),
    (Industry::Agriculture, 20),
    (Industry::Accommodation, 15),
    (Industry::Telecom, 15),
    (Industry::PropertyManagement, 15),
    (Industry::Postal, 5),
];

/// The scale a profile is generated for (its derived scale is checked by the tests).
const SCALES: &[(EnterpriseScale, u32)] = &[
    (EnterpriseScale::Micro, 55),
    (EnterpriseScale::Small, 31),
    (EnterpriseScale::Medium, 12),
    (EnterpriseScale::Large, 2),
];

/// The share of firms whose profile leaves out each list a rule reads (qualifications, sectors).
const LISTS_LEFT_OUT: f64 = 0.05;

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 31^6: how many six-character serials there are.
const SERIALS: u64 = 887_503_681;

/// The credit code of profile `index` of `seed`: `91` (an enterprise registered by the market regulator),
/// the district's area code, and an organisation code `MA` + six serial characters + its GB 11714 check
/// character, then the GB 32100 check character. Unique per index for a given seed (the serial is a
/// bijection of the index below 31^6 ≈ 887 million); different seeds give different serials.
#[must_use]
pub fn uscc_for_index(seed: u64, index: usize, district: District) -> Uscc {
    // x ↦ (a·x + b) mod 31^6 is a bijection because a is not a multiple of 31.
    const A: u64 = 1_000_003;
    let b = crate::mix(seed) % SERIALS;
    let mut serial = ((index as u64 % SERIALS) * A + b) % SERIALS;
    let mut org = [b'M', b'A', 0, 0, 0, 0, 0, 0];
    for slot in org[2..].iter_mut().rev() {
        *slot = USCC_ALPHABET[(serial % 31) as usize];
        serial /= 31;
    }
    // GB 11714: weights 3 7 9 10 5 8 4 2 over 0-9 / A-Z (10-35); check 11 − Σ mod 11, 10 is X and 11 is 0.
    let value = |c: u8| if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
    let sum: u32 = org.iter().zip([3, 7, 9, 10, 5, 8, 4, 2]).map(|(c, w)| value(*c) * w).sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
    let org: String = org.iter().map(|b| char::from(*b)).collect();
    let body = format!("91{}{org}{check}", district.code());
    // The body is 17 characters of the alphabet by construction, so completing it cannot fail.
    Uscc::with_check(&body).unwrap_or_else(|_| unreachable!("generated credit code body {body} is well formed"))
}

/// How likely a firm of this industry is technology-based (科技型).
fn tech_propensity(industry: Industry) -> f64 {
    match industry {
        Industry::Software => 0.8,
        Industry::Telecom => 0.6,
        Industry::Industrial => 0.5,
        Industry::LeasingBusinessServices | Industry::Other => 0.2,
        Industry::Wholesale | Industry::Agriculture => 0.1,
        Industry::Construction => 0.06,
        _ => 0.02,
    }
}

/// The measure bounds of one band, in (employees, revenue 万元, assets 万元), each `lo..hi`.
type Bands = [(u64, u64); 3];

/// Generic bounds for measures an industry's classification does not use.
fn generic(scale: EnterpriseScale) -> Bands {
    match scale {
        EnterpriseScale::Micro => [(1, 10), (5, 300), (5, 300)],
        EnterpriseScale::Small => [(10, 100), (300, 3000), (200, 3000)],
        EnterpriseScale::Medium => [(100, 300), (3000, 20_000), (2000, 20_000)],
        EnterpriseScale::Large => [(300, 3000), (20_000, 200_000), (20_000, 200_000)],
    }
}

/// Bounds that put a firm of `industry` in `scale` under the 300号 table: every measure the table uses lies
/// in the band (below the small thresholds for micro, at or above the large ones for large).
fn bands(industry: Industry, scale: EnterpriseScale) -> Bands {
    let mut out = generic(scale);
    let Some(rule) = SCALE_TABLE.iter().find(|r| r.industry == industry) else { return out };
    let measures = |t: &Thresholds| [t.employees, t.revenue_wan, t.assets_wan].map(|m| m.map(u64::from));
    let (small, medium, large) = (measures(&rule.small), measures(&rule.medium), measures(&rule.large));
    for (k, slot) in out.iter_mut().enumerate() {
        let bounds = match scale {
            EnterpriseScale::Micro => small[k].map(|hi| ((hi / 40).max(1), hi)),
            EnterpriseScale::Small => small[k].zip(medium[k]),
            EnterpriseScale::Medium => medium[k].zip(large[k]),
            EnterpriseScale::Large => large[k].map(|lo| (lo, lo * 4)),
        };
        if let Some(b) = bounds {
            *slot = b;
        }
    }
    out
}

const FEN_PER_WAN: u64 = 1_000_000;

/// What a firm of `industry` takes in a year per person employed, in 万元 (`lo..hi`): a steel trader's few staff
/// turn over millions each, a restaurant's or a property manager's a few tens of thousands. Revenue and head
/// count are drawn within this, so that no 1,000-person factory reports 2 万元 a head nor a one-person shop
/// 1 亿元; every band of the 300号 table meets it (the tests check).
pub(crate) fn revenue_per_head(industry: Industry) -> (u64, u64) {
    match industry {
        Industry::Wholesale => (40, 3000),
        Industry::RealEstateDevelopment => (50, 10_000),
        Industry::LeasingBusinessServices => (10, 1000),
        Industry::Telecom => (20, 800),
        Industry::Industrial | Industry::Construction => (15, 600),
        Industry::Retail => (10, 500),
        Industry::Transport | Industry::Warehousing | Industry::Software => (10, 400),
        Industry::Other => (5, 300),
        Industry::Agriculture | Industry::Postal => (5, 200),
        Industry::Accommodation | Industry::Catering => (5, 100),
        Industry::PropertyManagement => (4, 60),
    }
}

/// Where two `lo..hi` ranges meet; `None` when they do not.
fn overlap(a: (u64, u64), b: (u64, u64)) -> Option<(u64, u64)> {
    let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
    (lo < hi).then_some((lo, hi))
}

/// How much of last calendar year a firm founded on `established` was in business on `today` (0.0–1.0): its
/// last-year revenue and tax paid are that share of a full year's. A firm founded this year has none
/// ([`figures_plausible_from`]): its 上年营业收入 is truly zero, a fact, not a default.
pub(crate) fn share_of_last_year(established: NaiveDate, today: NaiveDate) -> f64 {
    if figures_plausible_from(established) > today {
        return 0.0;
    }
    let start = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(established);
    let end = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let open = (end - established.max(start)).num_days() as f64;
    (open / (end - start).num_days().max(1) as f64).clamp(0.0, 1.0)
}

/// Whole months from `from` to `to` (0 when `to` is earlier): how far back an overdue record can go.
fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    u32::try_from(months - i32::from(to.day() < from.day())).unwrap_or(0)
}

/// A whole-yuan amount of fen (never above [`Fen::MAX`]).
fn fen(value: u64) -> Fen {
    let yuan_fen = value / 100 * 100;
    Fen::from_fen(i64::try_from(yuan_fen).unwrap_or(i64::MAX)).unwrap_or(Fen::MAX)
}

fn fraction(amount: Fen, lo: f64, hi: f64, d: &mut Dice) -> Fen {
    let share = lo + (hi - lo) * d.unit();
    fen((amount.fen() as f64 * share) as u64)
}

/// `天津市鑫达机械制造有限公司`, `天津瑞通商贸有限公司`, `博远（天津）信息技术有限公司`.
pub(crate) fn company_name(d: &mut Dice, industry: Industry, scale: EnterpriseScale) -> String {
    let mut zihao = format!("{}{}", d.pick(words::ZIHAO_FIRST), d.pick(words::ZIHAO_SECOND));
    if d.chance(0.1) {
        zihao.push_str(d.pick(words::ZIHAO_THIRD));
    }
    let trade = d.pick(words::trade_words(industry));
    let big = matches!(scale, EnterpriseScale::Medium | EnterpriseScale::Large);
    let suffix = if big && d.chance(0.25) {
        "股份有限公司"
    } else if d.chance(0.1) {
        "有限责任公司"
    } else {
        "有限公司"
    };
    match d.weighted(&[(0, 55), (1, 35), (2, 10)]) {
        0 => format!("天津市{zihao}{trade}{suffix}"),
        1 => format!("天津{zihao}{trade}{suffix}"),
        _ => format!("{zihao}（天津）{trade}{suffix}"),
    }
}

fn sector_pool(industry: Industry, district: District) -> Vec<PrioritySector> {
    use PrioritySector as S;
    let mut pool = match industry {
        Industry::Software | Industry::Telecom => {
            vec![S::NextGenIt, S::NextGenIt, S::NextGenIt, S::ConnectedVehicles, S::Aerospace, S::Biomedicine]
        }
        Industry::Industrial => vec![
            S::HighEndEquipment,
            S::HighEndEquipment,
            S::NewMaterials,
            S::NewMaterials,
            S::NewEnergy,
            S::Biomedicine,
            S::ConnectedVehicles,
            S::PowerBatteries,
            S::Aerospace,
            S::Hydrogen,
        ],
        Industry::Transport | Industry::Warehousing => vec![S::MarineEconomy, S::NewEnergy, S::ConnectedVehicles],
        _ => vec![S::NextGenIt, S::Biomedicine, S::NewEnergy, S::NewMaterials],
    };
    if district.code() == "120116" {
        pool.push(S::MarineEconomy);
    }
    pool
}

/// The titles of the qualification list that came later, after the others: 创新型中小企业 (every 专精特新 firm
/// is one first, and a quarter of other technology firms), 种子企业 among young small ones, 技术先进型服务企业
/// among software and service firms, 人才项目入选者 and, very rarely, 独角兽企业.
fn titles(
    d: &mut Dice,
    qualifications: &mut Vec<Qualification>,
    tech: bool,
    scale: EnterpriseScale,
    industry: Industry,
    years: f64,
) {
    use EnterpriseScale::{Micro, Small};
    // Every draw is made whatever the earlier ones gave, so each share is what it says.
    let innovative = d.chance(0.25);
    let seed = d.chance(0.15);
    let service = d.chance(0.08);
    let talent = d.chance(0.04);
    let unicorn = d.chance(0.01);
    if !tech {
        return;
    }
    // 创新型中小企业 is a title for SMEs only, like 专精特新.
    if scale != EnterpriseScale::Large && (innovative || qualifications.contains(&Qualification::Specialised)) {
        qualifications.push(Qualification::InnovativeSme);
    }
    if seed && matches!(scale, Micro | Small) && years < 3.0 {
        qualifications.push(Qualification::Seed);
    }
    if service && matches!(industry, Industry::Software | Industry::LeasingBusinessServices) {
        qualifications.push(Qualification::AdvancedTechService);
    }
    if talent {
        qualifications.push(Qualification::TalentProgramme);
    }
    if unicorn && scale != Micro && (2.0..10.0).contains(&years) {
        qualifications.push(Qualification::Unicorn);
    }
}

/// Profile `index` of `seed`, dated relative to `today`.
#[must_use]
pub fn profile(seed: u64, index: usize, today: NaiveDate) -> SyntheticProfile {
    use EnterpriseScale::{Large, Medium, Micro, Small};
    let mut d = Dice::new(seed, PROFILE_STREAM, index);
    let district = crate::tianjin::district(d.weighted(DISTRICTS));
    let industry = d.weighted(INDUSTRIES);
    let scale = d.weighted(SCALES);

    // Younger firms are the many; larger firms are older.
    let u = d.unit();
    let years = match scale {
        Micro => 30.0 * u.powf(2.0),
        Small => 30.0 * u.powf(1.3),
        Medium | Large => 3.0 + 27.0 * u.powf(0.9),
    };
    let established = today.checked_sub_days(Days::new((years * 365.25) as u64)).unwrap_or(today);
    // What the firm may hold on `today`, by the domain's rules of age (a grade, a title).
    let old_enough = |day: NaiveDate| day <= today;

    // A full year's revenue and the head count, each in the scale's band and in proportion to the other.
    let [employees, revenue, assets] = bands(industry, scale);
    let (per_lo, per_hi) = revenue_per_head(industry);
    let revenue_band = (revenue.0 * FEN_PER_WAN, revenue.1 * FEN_PER_WAN);
    let fitting = (employees.0 * per_lo * FEN_PER_WAN, employees.1 * per_hi * FEN_PER_WAN);
    let revenue_range = overlap(revenue_band, fitting).unwrap_or(revenue_band);
    let annual_revenue = fen(d.log_uniform(revenue_range.0, revenue_range.1));
    let per_head = |per: u64| per * FEN_PER_WAN;
    let yearly = annual_revenue.fen().unsigned_abs();
    let heads = (yearly.div_ceil(per_head(per_hi)), yearly / per_head(per_lo) + 1);
    let head_range = overlap(employees, heads).unwrap_or(employees);
    let employees = u32::try_from(d.log_uniform(head_range.0, head_range.1)).unwrap_or(u32::MAX);
    // Revenue and tax paid are last year's (上年); assets, liabilities and staff are what the firm has now.
    let revenue = fen((annual_revenue.fen() as f64 * share_of_last_year(established, today)) as u64);
    let assets_matter = finmart_domain::industry_needs_assets(industry);
    let total_assets = if d.chance(0.15) {
        None
    } else if assets_matter {
        Some(fen(d.log_uniform(assets.0 * FEN_PER_WAN, assets.1 * FEN_PER_WAN)))
    } else {
        Some(fraction(annual_revenue, 0.3, 2.0, &mut d).max(Fen::wan(1)))
    };
    let total_liabilities = match total_assets {
        Some(a) if !d.chance(0.05) => {
            // A triangular spread around 47 %: most firms between 25 % and 70 %.
            let ratio = 0.05 + 0.85 * (d.unit() + d.unit()) / 2.0;
            Some(fraction(a, ratio, ratio, &mut d))
        }
        _ => None,
    };
    let registered_capital = d.chance(0.92).then(|| {
        let choices: &[u32] = match scale {
            Micro => &[3, 10, 30, 50, 100, 200, 500],
            Small => &[50, 100, 200, 300, 500, 1000],
            Medium => &[500, 1000, 2000, 3000, 5000],
            Large => &[5000, 10_000, 20_000, 50_000],
        };
        Fen::wan(d.pick(choices))
    });

    // Newly registered firms, with no whole year evaluated yet, are graded M; A needs three years in business.
    let evaluated = old_enough(TaxCreditGrade::B.plausible_from(established));
    let tax_credit_grade = if !evaluated && d.chance(0.8) {
        Some(TaxCreditGrade::M)
    } else {
        d.weighted(&[
            (Some(TaxCreditGrade::A), 30),
            (Some(TaxCreditGrade::B), 40),
            (Some(TaxCreditGrade::M), 14),
            (Some(TaxCreditGrade::C), 4),
            (Some(TaxCreditGrade::D), 2),
            (None, 10),
        ])
    };
    let tax_credit_grade = tax_credit_grade.map(|grade| match grade {
        g if old_enough(g.plausible_from(established)) => g,
        TaxCreditGrade::A if evaluated => TaxCreditGrade::B,
        _ => TaxCreditGrade::M,
    });
    let tax_paid = d.chance(0.85).then(|| fraction(revenue, 0.005, 0.06, &mut d));

    // Qualifications for a technology-based minority.
    let tech = d.chance(tech_propensity(industry));
    let mut qualifications = Vec::new();
    if tech {
        if scale != Large && d.chance(0.68) {
            qualifications.push(Qualification::TechSme);
        }
        let high_tech = match scale {
            Micro => 0.22,
            Small => 0.45,
            Medium => 0.6,
            Large => 0.7,
        };
        // Titles with an age rule only once the firm is old enough; 专精特新 titles for SMEs only.
        let may_hold = |q: Qualification| old_enough(q.plausible_from(established));
        if d.chance(high_tech) && may_hold(Qualification::HighTech) {
            qualifications.push(Qualification::HighTech);
        }
        let specialised =
            d.chance(if scale == Micro { 0.08 } else { 0.4 }) && scale != Large && may_hold(Qualification::Specialised);
        if specialised {
            qualifications.push(Qualification::Specialised);
            if scale != Micro && d.chance(0.25) && may_hold(Qualification::LittleGiant) {
                qualifications.push(Qualification::LittleGiant);
            }
        }
        let age = years as u32;
        if scale != Micro && (3..=15).contains(&age) && d.chance(0.3) {
            qualifications.push(Qualification::Gazelle);
        }
        if matches!(scale, Micro | Small) && age < 5 && d.chance(0.2) {
            qualifications.push(Qualification::Fledgling);
        }
        if matches!(scale, Medium | Large) && d.chance(0.15) {
            qualifications.push(Qualification::Leading);
        }
        if specialised && industry == Industry::Industrial && matches!(scale, Medium | Large) && d.chance(0.2) {
            qualifications.push(Qualification::SingleChampion);
        }
    }
    titles(&mut Dice::new(seed, TITLE_STREAM, index), &mut qualifications, tech, scale, industry, years);
    let has = |q: Qualification| qualifications.contains(&q);

    let sectors = if tech || (industry == Industry::Industrial && d.chance(0.08)) {
        let pool = sector_pool(industry, district);
        let n = if d.chance(0.7) { 1 } else { 2 };
        let mut chosen = d.several(&pool, n);
        chosen.sort_unstable();
        chosen.dedup();
        chosen
    } else {
        Vec::new()
    };

    let invention_patents = (!d.chance(0.12)).then(|| {
        let mut n = 0;
        if has(Qualification::HighTech) {
            n = n.max(d.log_uniform(1, 30));
        }
        if has(Qualification::Specialised) {
            n = n.max(d.log_uniform(2, 40));
        }
        if has(Qualification::TechSme) && d.chance(0.7) {
            n = n.max(d.log_uniform(1, 7));
        }
        if tech && n == 0 && d.chance(0.3) {
            n = d.log_uniform(1, 4);
        }
        if !tech && d.chance(0.06) {
            n = d.log_uniform(1, 4);
        }
        u32::try_from(n).unwrap_or(0)
    });
    let consumer_facing =
        matches!(industry, Industry::Retail | Industry::Wholesale | Industry::Catering | Industry::Accommodation);
    let trademarks = (!d.chance(0.12)).then(|| {
        let none = if consumer_facing {
            0.35
        } else if tech {
            0.4
        } else {
            0.6
        };
        if d.chance(none) { 0 } else { u32::try_from(d.log_uniform(1, 9)).unwrap_or(1) }
    });
    let copyrights = (!d.chance(0.15)).then(|| {
        let n = if matches!(industry, Industry::Software | Industry::Telecom) {
            d.log_uniform(1, 41)
        } else if tech {
            if d.chance(0.5) { d.log_uniform(1, 11) } else { 0 }
        } else if d.chance(0.1) {
            d.log_uniform(1, 4)
        } else {
            0
        };
        u32::try_from(n).unwrap_or(0)
    });

    // Receivables: a list for about 30 %, stated none for a quarter, unknown for the rest.
    let receivables = match d.weighted(&[(0, 30), (1, 25), (2, 45)]) {
        0 => {
            let n = d.weighted(&[(1, 45), (2, 30), (3, 15), (4, 10)]);
            Some(
                (0..n)
                    .map(|_| {
                        let core = d.chance(0.55);
                        let debtor = if core {
                            d.pick(words::CORE_ENTERPRISES).to_owned()
                        } else {
                            let trade = d.pick(&[Industry::Wholesale, Industry::Industrial, Industry::Retail]);
                            company_name(&mut d, trade, Small)
                        };
                        let amount = fraction(annual_revenue, 0.02, 0.25, &mut d).max(Fen::wan(1));
                        Receivable { debtor, amount, core_enterprise: core }
                    })
                    .collect(),
            )
        }
        1 => Some(Vec::new()),
        _ => None,
    };
    let procurement_contracts = match d.weighted(&[(0, 5), (1, 40), (2, 55)]) {
        0 => {
            let n = d.weighted(&[(1, 70), (2, 30)]);
            Some(
                (0..n)
                    .map(|_| ProcurementContract {
                        buyer: format!("天津市{}{}", district.name(), d.pick(words::BUYERS)),
                        amount: fen(d.log_uniform(10 * FEN_PER_WAN, 500 * FEN_PER_WAN)),
                    })
                    .collect(),
            )
        }
        1 => Some(Vec::new()),
        _ => None,
    };

    let ever_borrowed = d.weighted(&[(Some(false), 35), (Some(true), 55), (None, 10)]);
    // Bank loans are part of the firm's liabilities, so never more than them.
    let outstanding_loans = match ever_borrowed {
        Some(false) => d.chance(0.9).then_some(Fen::ZERO),
        Some(true) => d
            .weighted(&[(1, 70), (2, 15), (3, 15)])
            .eq(&1)
            .then(|| fraction(annual_revenue, 0.0, 0.5, &mut d))
            .map(|loans| total_liabilities.map_or(loans, |l| loans.min(l))),
        None => None,
    };
    // An overdue record no older than the firm.
    let months_open = whole_months(established, today).min(72);
    let overdue = match ever_borrowed {
        Some(false) => d.chance(0.85).then_some(OverdueHistory::Never),
        _ => match d.weighted(&[(0, 75), (1, 9), (2, 16)]) {
            0 => Some(OverdueHistory::Never),
            1 => Some(OverdueHistory::MonthsAgo { months: u16::try_from(d.int(0, months_open)).unwrap_or(0) }),
            _ => None,
        },
    };

    let collateral = Collateral::ALL
        .iter()
        .copied()
        .filter(|c| match c {
            Collateral::RealEstate => d.chance(match scale {
                Micro => 0.15,
                Small => 0.3,
                Medium => 0.5,
                Large => 0.6,
            }),
            Collateral::Equipment => d.chance(
                if matches!(
                    industry,
                    Industry::Industrial | Industry::Transport | Industry::Construction | Industry::Agriculture
                ) {
                    0.45
                } else {
                    0.1
                },
            ),
            Collateral::IntellectualProperty => {
                (invention_patents.unwrap_or(0) > 0 || trademarks.unwrap_or(0) > 0) && d.chance(0.7)
            }
            Collateral::Receivables => {
                receivables.as_ref().is_some_and(|r| r.iter().any(|x| x.core_enterprise)) && d.chance(0.8)
            }
            Collateral::Equity => d.chance(0.08),
            Collateral::Guarantee => d.chance(0.12),
            // The kinds added for real products are not drawn (no dice spent), so every generated firm offers
            // what it offered before they existed.
            Collateral::Inventory | Collateral::Bills | Collateral::Deposit => false,
        })
        .collect();

    let name = company_name(&mut d, industry, scale);
    let discoverable = d.chance(0.7);
    // A few firms left the lists out (a profile made by registering asks for neither): not given, which is
    // not "none", so a rule that reads them is 需补充 for such a firm.
    let mut given = Dice::new(seed, GIVEN_STREAM, index);
    let qualifications = given.chance(1.0 - LISTS_LEFT_OUT).then_some(qualifications);
    let sectors = given.chance(1.0 - LISTS_LEFT_OUT).then_some(sectors);
    let profile = EnterpriseProfile {
        uscc: Some(uscc_for_index(seed, index, district)),
        name,
        district,
        industry,
        sectors,
        established,
        registered_capital,
        employees,
        revenue,
        total_assets,
        total_liabilities,
        tax_credit_grade,
        tax_paid,
        qualifications,
        invention_patents,
        trademarks,
        copyrights,
        collateral,
        receivables,
        procurement_contracts,
        outstanding_loans,
        ever_borrowed,
        overdue,
    };
    SyntheticProfile { profile, discoverable }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn sample(n: usize) -> Vec<SyntheticProfile> {
        profiles(42, n, today()).collect()
    }

    fn share(all: &[SyntheticProfile], f: impl Fn(&EnterpriseProfile) -> bool) -> f64 {
        all.iter().filter(|p| f(&p.profile)).count() as f64 / all.len() as f64
    }

    #[test]
    fn same_seed_same_profiles_and_prefixes_agree() {
        assert_eq!(sample(300), sample(300));
        assert_eq!(sample(100)[..], sample(300)[..100]);
        let other: Vec<_> = profiles(43, 300, today()).collect();
        assert_ne!(other, sample(300));
        assert_eq!(profile(42, 123, today()), sample(200)[123]);
    }

    #[test]
    fn every_profile_validates_with_a_unique_valid_code() {
        let all = sample(5000);
        let mut codes = HashSet::new();
        for p in &all {
            p.profile.validate(today()).unwrap_or_else(|e| panic!("{}: {e}", p.profile.name));
            let code = p.profile.uscc.clone().unwrap();
            assert_eq!(Uscc::parse(code.as_str()).unwrap(), code);
            assert!(codes.insert(code), "duplicate code");
            assert!(p.profile.name.chars().count() <= 40 && p.profile.name.ends_with("公司"), "{}", p.profile.name);
            assert!(p.profile.years_in_operation(today()) <= 30);
            // The JSON form reads back as the same profile.
            let json = serde_json::to_string(&p.profile).unwrap();
            assert_eq!(serde_json::from_str::<EnterpriseProfile>(&json).unwrap(), p.profile);
        }
    }

    /// The invariants of a profile that makes sense on the day it is dated, over thousands of profiles of two
    /// seeds (the demo's among them) dated late in a year, early in one and mid-year.
    #[test]
    fn no_profile_contradicts_itself_or_its_age() {
        let days = ["2026-11-22", "2026-01-02", "2027-07-01"].map(|d| d.parse::<NaiveDate>().unwrap());
        let (mut founded_this_year, mut part_year, mut checked) = (0, 0, 0);
        for today in days {
            let all = profiles(42, 6000, today).chain(profiles(20_261_122, 2000, today));
            for SyntheticProfile { profile: p, .. } in all {
                checked += 1;
                let name = &p.name;
                // The domain's rules (figures of a year before the founding, tax above revenue, loans above
                // liabilities, a first-time borrower with debts, an overdue record, a grade or a title older
                // than the firm) on the day it is dated, and so from then on.
                let flaws = p.implausibilities(today);
                assert!(flaws.is_empty(), "{name} on {today}: {flaws:?}");
                assert!(p.plausible_from().is_some_and(|d| d <= today), "{name}");

                // No figures for a year the firm did not exist in; a part of a year's for the year it was founded.
                let share = share_of_last_year(p.established, today);
                if p.established.year() == today.year() {
                    founded_this_year += 1;
                    assert_eq!(share, 0.0);
                    assert_eq!(p.revenue, Fen::ZERO, "{name}");
                    assert!(p.tax_paid.is_none_or(|t| t == Fen::ZERO), "{name}");
                } else if p.established.year() == today.year() - 1 {
                    part_year += 1;
                    assert!(share > 0.0 && share <= 1.0, "{name}: {share}");
                } else {
                    assert_eq!(share, 1.0);
                }
                // Revenue in proportion to the staff, for a whole year's worth of it.
                if share > 0.0 {
                    let (lo, hi) = revenue_per_head(p.industry);
                    let per_head_wan = p.revenue.fen() as f64 / share / f64::from(p.employees) / FEN_PER_WAN as f64;
                    assert!(
                        per_head_wan >= lo as f64 * 0.99 && per_head_wan <= hi as f64 * 1.01,
                        "{name} ({}): {per_head_wan:.1} 万元 a head, {} employees",
                        p.industry,
                        p.employees
                    );
                }
                assert!(p.employees >= 1, "{name}");
                // Tax paid at most 6 % of revenue; liabilities at most 90 % of assets; loans within liabilities.
                if let Some(tax) = p.tax_paid {
                    assert!(tax.fen() <= p.revenue.fen() * 6 / 100 + 100, "{name}: tax {tax:?} on {:?}", p.revenue);
                }
                if let Some(liabilities) = p.total_liabilities {
                    let assets = p.total_assets.unwrap();
                    assert!(liabilities.fen() <= assets.fen() * 9 / 10 + 100, "{name}");
                }
                // Newly founded firms, with no whole year evaluated, are graded M (or D for a breach) or not at all.
                if TaxCreditGrade::B.plausible_from(p.established) > today {
                    assert!(matches!(p.tax_credit_grade, None | Some(TaxCreditGrade::M | TaxCreditGrade::D)), "{name}");
                }
                // The SME titles go to SMEs.
                if p.scale() == Some(EnterpriseScale::Large) {
                    for q in [
                        Qualification::TechSme,
                        Qualification::InnovativeSme,
                        Qualification::Specialised,
                        Qualification::LittleGiant,
                        Qualification::Seed,
                        Qualification::Fledgling,
                    ] {
                        assert!(!p.qualification_list().contains(&q), "{name}: large and {q}");
                    }
                }
            }
        }
        assert_eq!(checked, 24_000);
        // Both kinds of young firm are there to check.
        assert!(founded_this_year > 300 && part_year > 300, "{founded_this_year} {part_year}");
    }

    #[test]
    fn every_scale_band_meets_its_trade_s_revenue_per_head() {
        for rule in SCALE_TABLE {
            let (lo, hi) = revenue_per_head(rule.industry);
            for scale in
                [EnterpriseScale::Micro, EnterpriseScale::Small, EnterpriseScale::Medium, EnterpriseScale::Large]
            {
                let [employees, revenue, _] = bands(rule.industry, scale);
                let fits = overlap(revenue, (employees.0 * lo, employees.1 * hi));
                assert!(fits.is_some(), "{} {scale}: {employees:?} staff, {revenue:?} 万元", rule.industry);
            }
        }
    }

    #[test]
    fn codes_follow_the_registration_layout() {
        let code = uscc_for_index(1, 0, crate::tianjin::district(120_116));
        assert!(code.as_str().starts_with("91120116MA"), "{code}");
        let codes: HashSet<_> = (0..20_000).map(|i| uscc_for_index(1, i, crate::tianjin::district(120_101))).collect();
        assert_eq!(codes.len(), 20_000);
        assert_ne!(
            uscc_for_index(1, 5, crate::tianjin::district(120_101)),
            uscc_for_index(2, 5, crate::tianjin::district(120_101))
        );
    }

    #[test]
    fn districts_and_industries_are_spread_like_tianjin() {
        let all = sample(5000);
        let binhai = share(&all, |p| p.district.code() == "120116");
        assert!((0.26..0.34).contains(&binhai), "binhai {binhai}");
        for district in crate::tianjin::ALL.map(crate::tianjin::district) {
            let s = share(&all, |p| p.district == district);
            assert!(s >= 0.015, "{district}: {s}");
            assert!(district.code() == "120116" || s < 0.1, "{district}: {s}");
        }
        for industry in Industry::ALL {
            assert!(all.iter().any(|p| p.profile.industry == *industry), "{industry} missing");
        }
        let wholesale = share(&all, |p| p.industry == Industry::Wholesale);
        let postal = share(&all, |p| p.industry == Industry::Postal);
        assert!(wholesale > 0.18 && postal < 0.02, "{wholesale} {postal}");
    }

    #[test]
    fn derived_scales_are_mostly_micro_and_small() {
        let all = sample(5000);
        let mut by_scale: BTreeMap<Option<EnterpriseScale>, usize> = BTreeMap::new();
        for p in &all {
            *by_scale.entry(p.profile.scale()).or_default() += 1;
        }
        let frac = |s: Option<EnterpriseScale>| by_scale.get(&s).copied().unwrap_or(0) as f64 / all.len() as f64;
        let (micro, small, medium, large, unknown) = (
            frac(Some(EnterpriseScale::Micro)),
            frac(Some(EnterpriseScale::Small)),
            frac(Some(EnterpriseScale::Medium)),
            frac(Some(EnterpriseScale::Large)),
            frac(None),
        );
        assert!((0.45..0.62).contains(&micro), "{by_scale:?}");
        assert!((0.24..0.36).contains(&small), "{by_scale:?}");
        assert!((0.08..0.16).contains(&medium), "{by_scale:?}");
        assert!((0.005..0.04).contains(&large), "{by_scale:?}");
        // Only industries that are classified by assets can lack a scale, and then only without assets.
        assert!(unknown < 0.05, "{by_scale:?}");
        for p in &all {
            if p.profile.scale().is_none() {
                assert!(p.profile.total_assets.is_none());
                assert!(finmart_domain::industry_needs_assets(p.profile.industry));
            }
        }
    }

    #[test]
    fn grades_qualifications_and_histories_are_realistic() {
        let all = sample(5000);
        let grade = |g: Option<TaxCreditGrade>| share(&all, |p| p.tax_credit_grade == g);
        assert!((0.05..0.15).contains(&grade(None)), "unknown grade {}", grade(None));
        let abm = grade(Some(TaxCreditGrade::A)) + grade(Some(TaxCreditGrade::B)) + grade(Some(TaxCreditGrade::M));
        assert!(abm > 0.8, "A/B/M {abm}");
        assert!(grade(Some(TaxCreditGrade::D)) < 0.04);
        let q = |q: Qualification| share(&all, |p| p.qualification_list().contains(&q));
        assert!((0.11..0.19).contains(&q(Qualification::TechSme)), "tech_sme {}", q(Qualification::TechSme));
        assert!((0.05..0.11).contains(&q(Qualification::HighTech)), "high_tech {}", q(Qualification::HighTech));
        assert!((0.03..0.07).contains(&q(Qualification::Specialised)), "specialised {}", q(Qualification::Specialised));
        assert!(
            (0.004..0.02).contains(&q(Qualification::LittleGiant)),
            "little giant {}",
            q(Qualification::LittleGiant)
        );
        for qual in [
            Qualification::Gazelle,
            Qualification::Fledgling,
            Qualification::Leading,
            Qualification::Seed,
            Qualification::AdvancedTechService,
            Qualification::TalentProgramme,
        ] {
            assert!(q(qual) > 0.001, "{qual}");
        }
        assert!(
            (0.05..0.12).contains(&q(Qualification::InnovativeSme)),
            "innovative {}",
            q(Qualification::InnovativeSme)
        );
        // Little giants are specialised, and specialised firms innovative SMEs; patents come with high-tech status.
        for p in &all {
            let p = &p.profile;
            if p.qualification_list().contains(&Qualification::LittleGiant) {
                assert!(p.qualification_list().contains(&Qualification::Specialised));
            }
            if p.qualification_list().contains(&Qualification::Specialised) {
                assert!(p.qualification_list().contains(&Qualification::InnovativeSme));
            }
            if p.qualification_list().contains(&Qualification::HighTech)
                && let Some(n) = p.invention_patents
            {
                assert!(n >= 1);
            }
        }
        let patents_tech = share(&all, |p| !p.qualification_list().is_empty() && p.invention_patents.unwrap_or(0) > 0);
        let patents_plain = share(&all, |p| p.qualification_list().is_empty() && p.invention_patents.unwrap_or(0) > 0);
        assert!(patents_tech > patents_plain * 1.5, "{patents_tech} {patents_plain}");
        assert!(share(&all, |p| !p.sector_list().is_empty()) > 0.15);
        let left_out = share(&all, |p| p.qualifications.is_none());
        assert!((0.03..0.07).contains(&left_out), "qualifications not given {left_out}");
        assert!((0.03..0.07).contains(&share(&all, |p| p.sectors.is_none())));
        assert!(share(&all, |p| p.qualifications.as_ref().is_some_and(Vec::is_empty)) > 0.4, "explicit none");

        let receivables = share(&all, |p| p.receivables.as_ref().is_some_and(|r| !r.is_empty()));
        assert!((0.25..0.35).contains(&receivables), "receivables {receivables}");
        assert!(share(&all, |p| p.has_core_receivables() == Some(true)) > 0.15);
        let contracts = share(&all, |p| p.has_procurement_contract() == Some(true));
        assert!((0.03..0.07).contains(&contracts), "contracts {contracts}");
        let first = share(&all, |p| p.ever_borrowed == Some(false));
        assert!((0.3..0.4).contains(&first), "first-loan {first}");
        let never = share(&all, |p| p.overdue == Some(OverdueHistory::Never));
        assert!(never > 0.7, "never overdue {never}");
        let unknown_assets = share(&all, |p| p.total_assets.is_none());
        assert!((0.1..0.2).contains(&unknown_assets), "unknown assets {unknown_assets}");
        let discoverable = all.iter().filter(|p| p.discoverable).count() as f64 / all.len() as f64;
        assert!((0.65..0.75).contains(&discoverable), "discoverable {discoverable}");
        let ages: Vec<u16> = all.iter().map(|p| p.profile.years_in_operation(today())).collect();
        assert!(ages.contains(&0) && ages.iter().any(|a| *a >= 25));
    }
}
