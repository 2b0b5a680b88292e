//! Synthetic financing applications with realistic histories, for the uptake dashboards' bench data.
//!
//! Application `i` of `count` is submitted at the `i`-th quantile of a demand curve over the last
//! [`SPAN_DAYS`] days before `now`: busier on weekdays and in office hours (Asia/Shanghai), with some
//! evening and late-night submissions, quieter around the Spring Festival and the National Day holiday,
//! growing over the two years, with a little day-to-day noise. Submission times therefore rise with the
//! index, as rows appended by a live system would; they depend on `count` (the same numbers give the same
//! data).
//!
//! Each application then walks the state machine of [`ApplicationAction::apply`]: about 85 % are accepted
//! (受理) within 0–5 days; of those about 70 % are approved and the rest rejected for one of
//! [`REJECTION_REASONS`], 1–15 days later; about 90 % of the approved are disbursed 1–10 days later, at most
//! the amount applied for, at a rate within the product's range. About 5 % are withdrawn by the firm at
//! some stage. Lenders act in office hours and mostly on working days. Steps that would fall at or after
//! `now` are not taken, so recent applications are still open.
//!
//! Each application is made by a firm whose profile could be true on the day it applies (it existed, and
//! the figures and titles it shows fit its age then: [`finmart_domain::EnterpriseProfile::plausible_from`]),
//! since the application keeps that profile as its snapshot; and no firm applies twice to one product, so
//! no firm ever has two open applications to the same product. Both are decided in index order when the
//! generator is made ([`Applications::new`]); only a population too small to allow it (every firm that may
//! apply already applied to every product tried) breaks them.

use crate::Dice;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use finmart_domain::shanghai::{self, date_of as shanghai_date};
use finmart_domain::{
    AnnualRate, ApplicationAction, ApplicationState, ApprovalTerms, Bps, Disbursement, District, EnterpriseProfile,
    Fen, Ledger, Limits, LoanPurpose, LoanRate, Months, Part, ProductFamily, ProductSpec, ReferenceRates,
    RepaymentMethod,
};
use std::collections::HashSet;

/// Applications are spread over this many days before `now`.
pub const SPAN_DAYS: u32 = 730;

/// Separate streams: application 7 is unrelated to profile 7 or product 7 of the same seed.
const APPLICATION_STREAM: u64 = 0x4150_504c_4943_4154;
const DAY_STREAM: u64 = 0x4441_5953_4841_5045;
/// Which product and which firm: drawn from their own stream, as many times as it takes.
const PICK_STREAM: u64 = 0x5049_434b_5041_4952;

/// Products tried for one application before giving up on finding a firm that may apply to one.
const PRODUCT_TRIES: usize = 8;
/// Random draws of a firm before the firms a product serves are walked in turn.
const FIRM_DRAWS: usize = 8;

/// Why lenders reject, with how often.
pub const REJECTION_REASONS: &[(&str, u32)] = &[
    ("经营流水不足，还款来源不充分", 26),
    ("征信记录存在逾期或不良", 20),
    ("资产负债率偏高，负债过重", 16),
    ("申请材料不完整，补充后可重新申请", 14),
    ("不符合产品准入条件", 14),
    ("担保或抵押措施不足", 10),
];

/// Submissions by hour of the day (Shanghai): office peaks, some evenings, a few late at night.
const SUBMIT_HOURS: [u32; 24] = [3, 2, 1, 1, 1, 1, 2, 4, 9, 15, 17, 14, 8, 10, 15, 16, 14, 10, 6, 5, 5, 5, 4, 3];
/// When lenders act, by hour from 08:00 (mostly office hours, a little overtime).
const OFFICE_HOURS: [u32; 13] = [3, 10, 12, 10, 3, 7, 11, 11, 10, 6, 2, 1, 1];
/// Demand by weekday, Monday first.
const WEEKDAYS: [f64; 7] = [1.05, 1.0, 1.0, 1.0, 0.95, 0.3, 0.22];
/// Demand by month: the Spring Festival (February) and the National Day holiday (October) are quiet.
const MONTHS: [f64; 12] = [1.05, 0.7, 1.1, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 0.85, 1.0, 1.1];
/// Terms firms commonly ask for, in months.
const COMMON_TERMS: [(u16, u32); 10] =
    [(3, 2), (6, 4), (12, 8), (18, 1), (24, 4), (36, 3), (48, 1), (60, 2), (84, 1), (120, 1)];

/// The instant `minute` minutes after the start of Shanghai day `day`.
fn shanghai_instant(day: NaiveDate, minute: u32, second: u32) -> DateTime<Utc> {
    shanghai::day_start(day) + TimeDelta::minutes(i64::from(minute)) + TimeDelta::seconds(i64::from(second))
}

/// The position of a district in [`crate::tianjin::ALL`] (0 for a district elsewhere).
fn slot(district: District) -> usize {
    crate::tianjin::ALL.iter().position(|c| district.division().code() == *c).unwrap_or(0)
}

/// The Tianjin districts a product serves, in [`crate::tianjin::ALL`]'s order.
fn served_districts(spec: &ProductSpec) -> impl Iterator<Item = District> + '_ {
    crate::tianjin::ALL.into_iter().map(crate::tianjin::district).filter(|d| spec.area.covers(*d) == Some(true))
}

/// What the generator needs to know of a firm that may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applicant {
    pub district: District,
    /// The first day its profile could be true ([`EnterpriseProfile::plausible_from`]); it applies no earlier.
    /// `None`: its figures contradict each other, and it does not apply at all.
    pub plausible_from: Option<NaiveDate>,
}

impl Applicant {
    /// The applicant a stored or generated profile makes.
    #[must_use]
    pub fn of(profile: &EnterpriseProfile) -> Self {
        Self { district: profile.district, plausible_from: profile.plausible_from() }
    }

    fn may_apply_on(&self, day: NaiveDate) -> bool {
        self.plausible_from.is_some_and(|from| from <= day)
    }
}

/// One transition after the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub action: ApplicationAction,
}

/// One generated application and its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticApplication {
    pub index: usize,
    /// Index into the products the generator was given.
    pub product: usize,
    /// Index into the applicants the generator was given.
    pub applicant: usize,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    pub submitted_at: DateTime<Utc>,
    /// The transitions taken before `now`, in time order (strictly increasing, all after the submission).
    pub steps: Vec<Step>,
}

impl SyntheticApplication {
    /// The state the history leads to (the generator takes only steps the state machine allows, checked
    /// against the product, the approval and the payments so far; the store checks them again).
    #[must_use]
    pub fn state(&self) -> ApplicationState {
        use ApplicationState as S;
        self.steps.last().map_or(S::Submitted, |step| match step.action {
            ApplicationAction::Accept => S::Accepted,
            ApplicationAction::Approve(_) => S::Approved,
            ApplicationAction::Reject { .. } => S::Rejected,
            ApplicationAction::Disburse(_) => S::Disbursed,
            ApplicationAction::Withdraw => S::Withdrawn,
            ApplicationAction::Correct { .. } => S::Disbursed,
        })
    }
}

/// The generator of `count` applications from a seed (see the module documentation).
#[derive(Debug, Clone)]
pub struct Applications<'a> {
    seed: u64,
    count: usize,
    products: Vec<&'a ProductSpec>,
    /// The reference rates floating rates are priced by (disbursed rates fall within a product's range).
    references: ReferenceRates,
    applicants: &'a [Applicant],
    /// Indexes of the applicants by district ([`District::ALL`] order).
    by_district: Vec<Vec<usize>>,
    /// The product and the firm of every application, in index order.
    pairs: Vec<(u32, u32)>,
    now: DateTime<Utc>,
    /// The first hour of the span.
    start: DateTime<Utc>,
    /// Cumulative demand by hour of the span.
    cdf: Vec<f64>,
}

impl<'a> Applications<'a> {
    /// `count` applications of `seed` to `products` by `applicants`, submitted in the [`SPAN_DAYS`] days
    /// before `now`. Nothing is generated when either list is empty.
    #[must_use]
    pub fn new(
        seed: u64,
        count: usize,
        products: impl IntoIterator<Item = &'a ProductSpec>,
        references: &ReferenceRates,
        applicants: &'a [Applicant],
        now: DateTime<Utc>,
    ) -> Self {
        let start = now - TimeDelta::days(i64::from(SPAN_DAYS));
        let hours = SPAN_DAYS as usize * 24;
        let mut cdf = Vec::with_capacity(hours);
        let mut total = 0.0;
        let mut day_factor = (None, 0.0);
        for hour in 0..hours {
            let local = (start + TimeDelta::hours(hour as i64)).with_timezone(&shanghai::offset());
            let day = local.date_naive();
            if day_factor.0 != Some(day) {
                let elapsed = (hour / 24) as f64 / f64::from(SPAN_DAYS);
                let growth = 0.6 + 0.4 * elapsed;
                let noise = 0.85 + 0.3 * Dice::new(seed, DAY_STREAM, day.num_days_from_ce() as usize).unit();
                let weekday = WEEKDAYS[day.weekday().num_days_from_monday() as usize];
                let month = MONTHS[day.month0() as usize];
                day_factor = (Some(day), growth * noise * weekday * month);
            }
            total += day_factor.1 * f64::from(SUBMIT_HOURS[local.hour() as usize]);
            cdf.push(total);
        }
        let mut by_district = vec![Vec::new(); crate::tianjin::ALL.len()];
        for (i, a) in applicants.iter().enumerate() {
            by_district[slot(a.district)].push(i);
        }
        let mut generator = Self {
            seed,
            count,
            products: products.into_iter().collect(),
            references: references.clone(),
            applicants,
            by_district,
            pairs: Vec::new(),
            now,
            start,
            cdf,
        };
        generator.pairs = generator.pick_pairs();
        generator
    }

    /// The product and the firm of every application, in index order: a firm that may apply on the day of
    /// the submission and has not applied to that product before.
    fn pick_pairs(&self) -> Vec<(u32, u32)> {
        let mut used = HashSet::new();
        (0..self.len())
            .map(|index| {
                let day =
                    shanghai_date(self.submission_time(index, &mut Dice::new(self.seed, APPLICATION_STREAM, index)));
                let mut d = Dice::new(self.seed, PICK_STREAM, index);
                let first = d.below(self.products.len());
                let mut fallback = None;
                let mut chosen = None;
                for attempt in 0..PRODUCT_TRIES {
                    let product = if attempt == 0 { first } else { d.below(self.products.len()) };
                    let (firm, drawn) = self.applicant(product, day, &used, &mut d);
                    fallback.get_or_insert((product, drawn));
                    if let Some(firm) = firm {
                        chosen = Some((product, firm));
                        break;
                    }
                }
                let (product, firm) = chosen.or(fallback).unwrap_or((first, 0));
                used.insert((product, firm));
                (u32::try_from(product).unwrap_or(u32::MAX), u32::try_from(firm).unwrap_or(u32::MAX))
            })
            .collect()
    }

    /// How many applications there are.
    #[must_use]
    pub fn len(&self) -> usize {
        if self.products.is_empty() || self.applicants.is_empty() { 0 } else { self.count }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every application, in index (and submission-time) order.
    pub fn iter(&self) -> impl Iterator<Item = SyntheticApplication> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Application `index`; `None` past the end or when there is nothing to apply to or nobody to apply.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<SyntheticApplication> {
        if index >= self.len() {
            return None;
        }
        let mut d = Dice::new(self.seed, APPLICATION_STREAM, index);
        let submitted_at = self.submission_time(index, &mut d);
        let (product, applicant) = self.pairs.get(index).map(|&(p, a)| (p as usize, a as usize))?;
        let spec = self.products[product];

        let amount = applied_amount(spec, &mut d);
        let term = applied_term(spec, &mut d);
        let purpose = purpose(spec.family, &mut d);
        let purpose_text = if d.chance(0.6) { d.pick(purpose_texts(purpose)).to_owned() } else { String::new() };
        let steps = self.history(spec, submitted_at, amount, term, &mut d);
        Some(SyntheticApplication {
            index,
            product,
            applicant,
            amount,
            term,
            purpose,
            purpose_text,
            submitted_at,
            steps,
        })
    }

    /// A firm in a district product `product` serves (any firm when none is there) that may apply on `day`
    /// and has not applied to it before (`used`), when there is one; and the first firm drawn, whatever it is.
    fn applicant(
        &self,
        product: usize,
        day: NaiveDate,
        used: &HashSet<(usize, usize)>,
        d: &mut Dice,
    ) -> (Option<usize>, usize) {
        let spec = self.products[product];
        let served: usize = served_districts(spec).map(|district| self.by_district[slot(district)].len()).sum();
        let (pool, nth) = if served == 0 { (self.applicants.len(), None) } else { (served, Some(spec)) };
        // The `n`-th firm the product serves, in district order (or the `n`-th of all).
        let firm = |n: usize| match nth {
            None => n,
            Some(spec) => {
                let mut n = n;
                for district in served_districts(spec) {
                    let firms = &self.by_district[slot(district)];
                    if n < firms.len() {
                        return firms[n];
                    }
                    n -= firms.len();
                }
                n % self.applicants.len()
            }
        };
        let fits = |i: usize| self.applicants[i].may_apply_on(day) && !used.contains(&(product, i));
        let first = firm(d.below(pool));
        if fits(first) {
            return (Some(first), first);
        }
        for _ in 1..FIRM_DRAWS {
            let i = firm(d.below(pool));
            if fits(i) {
                return (Some(i), first);
            }
        }
        // Few fit: walk them all, from a random start.
        let start = d.below(pool);
        let walked = (0..pool).map(|k| firm((start + k) % pool)).find(|i| fits(*i));
        (walked, first)
    }

    /// The `index`-th quantile of the demand curve (with a random offset inside its slot).
    fn submission_time(&self, index: usize, d: &mut Dice) -> DateTime<Utc> {
        let total = self.cdf.last().copied().unwrap_or(0.0);
        let u = (index as f64 + d.unit()) / self.count as f64 * total;
        let hour = self.cdf.partition_point(|c| *c <= u).min(self.cdf.len().saturating_sub(1));
        let before = if hour == 0 { 0.0 } else { self.cdf[hour - 1] };
        let weight = self.cdf[hour] - before;
        let fraction = if weight > 0.0 { ((u - before) / weight).clamp(0.0, 0.9999) } else { 0.5 };
        let at = self.start + TimeDelta::hours(hour as i64) + TimeDelta::seconds((fraction * 3600.0) as i64);
        at.min(self.now - TimeDelta::seconds(1))
    }

    /// The transitions after the submission, stopping before `now`.
    fn history(
        &self,
        spec: &ProductSpec,
        submitted_at: DateTime<Utc>,
        amount: Fen,
        term: Months,
        d: &mut Dice,
    ) -> Vec<Step> {
        use ApplicationState as S;
        // About 5 % withdraw, at a stage chosen now (taken only if the application gets there).
        let withdraw_at =
            d.chance(0.05).then(|| d.weighted(&[(S::Submitted, 45), (S::Accepted, 35), (S::Approved, 20)]));
        let mut steps = Vec::new();
        let mut at = submitted_at;
        let mut state = S::Submitted;
        let (mut approval, mut approved_on, mut paid) = (None::<ApprovalTerms>, None, Fen::ZERO);
        let mut parts: Vec<Part> = Vec::new();
        loop {
            let (next, action) = if withdraw_at == Some(state) {
                let wait = match state {
                    S::Submitted => d.int(0, 10),
                    S::Accepted => d.int(0, 7),
                    _ => d.int(1, 10),
                };
                (later(d, at, wait, false), ApplicationAction::Withdraw)
            } else {
                match state {
                    S::Submitted if d.chance(0.85) => {
                        let wait = d.weighted(&[(0, 30), (1, 25), (2, 18), (3, 12), (4, 8), (5, 7)]);
                        (later(d, at, wait, true), ApplicationAction::Accept)
                    }
                    S::Accepted => {
                        let wait = d.int(1, 15);
                        let next = later(d, at, wait, true);
                        if d.chance(0.7) {
                            let terms = approval_terms(spec, &self.references, amount, term, d);
                            (next, ApplicationAction::Approve(terms))
                        } else {
                            (next, ApplicationAction::Reject { reason: d.weighted(REJECTION_REASONS).to_owned() })
                        }
                    }
                    S::Approved if d.chance(0.9) => {
                        let wait = d.int(1, 10);
                        let next = later(d, at, wait, true);
                        let Some(approval) = approval else { break };
                        // One loan in five is drawn in two parts: about half first, the rest later.
                        let unit = if approval.amount.fen() >= 2_000_000 { 1_000_000 } else { 10_000 };
                        let half = approval.amount.fen() / 2 / unit * unit;
                        let first = if half > 0 && d.chance(0.2) {
                            Fen::from_fen(half).unwrap_or(approval.amount)
                        } else {
                            approval.amount
                        };
                        (next, ApplicationAction::Disburse(payment(&approval, &self.references, first, next)))
                    }
                    S::Disbursed if paid < approval.map_or(Fen::ZERO, |a| a.amount) => {
                        let wait = d.int(3, 30);
                        let next = later(d, at, wait, true);
                        let Some(approval) = approval else { break };
                        let rest = Fen::from_fen(approval.amount.fen() - paid.fen()).unwrap_or(Fen::ZERO);
                        (next, ApplicationAction::Disburse(payment(&approval, &self.references, rest, next)))
                    }
                    // Never answered, approved but never drawn, or final.
                    _ => break,
                }
            };
            if next >= self.now {
                break;
            }
            let ledger = Ledger {
                submitted: shanghai_date(submitted_at),
                today: shanghai_date(self.now),
                limits: Limits::of(spec, &self.references, (amount, term)),
                approval: approval.as_ref().zip(approved_on),
                parts: &parts,
            };
            let Ok(to) = action.apply(state, action.side(), &ledger) else { break };
            match &action {
                ApplicationAction::Approve(terms) => {
                    approval = Some(*terms);
                    approved_on = Some(shanghai_date(next));
                }
                ApplicationAction::Disburse(payment) => {
                    paid = Fen::from_fen(paid.fen() + payment.amount.fen()).unwrap_or(paid);
                    let id = i64::try_from(parts.len()).unwrap_or(i64::MAX);
                    parts.push(Part { id, disbursement: payment.clone() });
                }
                _ => {}
            }
            steps.push(Step { at: next, action });
            (at, state) = (next, to);
        }
        steps
    }
}

/// An instant `days` Shanghai days after `after` (lenders: in office hours, mostly on working days; firms:
/// at any hour, like submissions), always strictly later than `after`.
fn later(d: &mut Dice, after: DateTime<Utc>, days: u32, office: bool) -> DateTime<Utc> {
    let mut day = shanghai_date(after) + Days::new(u64::from(days));
    let minute = if office {
        match day.weekday() {
            Weekday::Sat if d.chance(0.85) => day = day + Days::new(2),
            Weekday::Sun if d.chance(0.85) => day = day + Days::new(1),
            _ => {}
        }
        let hour = position(d, &OFFICE_HOURS);
        (8 + hour) * 60 + d.int(0, 59)
    } else {
        let hour = position(d, &SUBMIT_HOURS);
        hour * 60 + d.int(0, 59)
    };
    let at = shanghai_instant(day, minute, d.int(0, 59));
    if at > after + TimeDelta::minutes(5) { at } else { after + TimeDelta::minutes(i64::from(d.int(10, 240))) }
}

/// A position in `weights` drawn by its weight.
fn position(d: &mut Dice, weights: &[u32]) -> u32 {
    let mut roll = d.int(0, weights.iter().sum::<u32>().saturating_sub(1));
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return u32::try_from(i).unwrap_or(0);
        }
        roll -= w;
    }
    0
}

/// The bounds of a draw within what a product states, each unstated bound taken from `usual` (what firms
/// commonly ask for or lenders commonly pay out), so that a draw never leaves a stated bound. The usual
/// bounds shape the generator's draws only; they are never written into a product.
fn within<T: Ord + Copy>(min: Option<T>, max: Option<T>, usual: (T, T)) -> (T, T) {
    let lo = min.unwrap_or(usual.0);
    let hi = max.unwrap_or_else(|| usual.1.max(lo));
    (lo.min(hi), hi)
}

/// What firms commonly ask for when a page states no bound: 1 万 to 1000 万 yuan.
const USUAL_AMOUNTS: (Fen, Fen) = (Fen::wan(1), Fen::wan(1000));

/// The annual rates lenders commonly pay out at when a page states no rate: 3 % to 8 %.
fn usual_rates() -> (Bps, Bps) {
    (Bps::new(300).unwrap_or(Bps::ZERO), Bps::new(800).unwrap_or(Bps::MAX))
}

/// An amount within the product's range, log-uniform (small requests are common), rounded as people do.
fn applied_amount(spec: &ProductSpec, d: &mut Dice) -> Fen {
    let (min, max) = within(spec.amount.min(), spec.amount.max(), USUAL_AMOUNTS);
    let (lo, hi) = (min.fen().max(1), max.fen().max(1));
    let raw = i64::try_from(d.log_uniform(lo.unsigned_abs(), hi.unsigned_abs() + 1)).unwrap_or(lo);
    let unit = match raw {
        v if v >= 100_000_000 => 10_000_000,
        v if v >= 1_000_000 => 1_000_000,
        _ => 10_000,
    };
    let rounded = (raw + unit / 2) / unit * unit;
    Fen::from_fen(rounded.clamp(lo, hi)).unwrap_or(min)
}

/// Whether a term of `months` is not ruled out by the product's stated term (an unstated bound leaves it
/// open).
fn term_fits(spec: &ProductSpec, months: u16) -> bool {
    spec.term.admits(Months::new(months).unwrap_or(Months::MIN)) != Some(false)
}

/// A common term within the product's range (its shortest when none is common).
fn applied_term(spec: &ProductSpec, d: &mut Dice) -> Months {
    let shortest = within(spec.term.min(), spec.term.max(), (Months::MIN, Months::MAX)).0;
    let fits: Vec<(u16, u32)> = COMMON_TERMS.iter().copied().filter(|(m, _)| term_fits(spec, *m)).collect();
    if fits.is_empty() { shortest } else { Months::new(d.weighted(&fits)).unwrap_or(shortest) }
}

fn purpose(family: ProductFamily, d: &mut Dice) -> LoanPurpose {
    use LoanPurpose as P;
    use ProductFamily as F;
    let weights: &[(LoanPurpose, u32)] = match family {
        F::Renewal => &[(P::Refinancing, 8), (P::WorkingCapital, 2)],
        F::StartupGuarantee => &[(P::Startup, 5), (P::WorkingCapital, 4), (P::Equipment, 1)],
        F::Leasing => &[(P::Equipment, 7), (P::Expansion, 3)],
        F::MediumLongTerm | F::Mortgage => {
            &[(P::Equipment, 3), (P::Expansion, 3), (P::WorkingCapital, 3), (P::Refinancing, 1)]
        }
        F::Equipment => &[(P::Equipment, 8), (P::Expansion, 2)],
        F::SupplyChain
        | F::Receivables
        | F::GovProcurement
        | F::OrderFinancing
        | F::InventoryPledge
        | F::BillDiscount => &[(P::OrderProduction, 4), (P::Procurement, 4), (P::WorkingCapital, 2)],
        F::IpPledge | F::Tech | F::Talent => &[(P::Research, 5), (P::Equipment, 2), (P::WorkingCapital, 3)],
        _ => &[
            (P::WorkingCapital, 35),
            (P::Procurement, 20),
            (P::OrderProduction, 10),
            (P::Equipment, 8),
            (P::Research, 6),
            (P::Expansion, 8),
            (P::Refinancing, 8),
            (P::Startup, 2),
            (P::Other, 3),
        ],
    };
    d.weighted(weights)
}

fn purpose_texts(purpose: LoanPurpose) -> &'static [&'static str] {
    use LoanPurpose as P;
    match purpose {
        P::WorkingCapital => {
            &["日常经营资金周转", "支付员工工资和房租", "旺季备货资金周转", "应收账款回笼前的资金缺口"]
        }
        P::Procurement => &["采购原材料", "采购钢材和辅料", "锁定上游货源，提前备货", "采购包装材料"],
        P::OrderProduction => &["新接订单的生产备料", "执行政府采购合同", "出口订单生产"],
        P::Equipment => &["购置生产设备", "更新数控机床", "购置冷链运输车辆", "升级信息化系统"],
        P::Research => &["新产品研发投入", "专利技术产业化", "研发人员薪酬及测试费用"],
        P::Expansion => &["新开门店", "扩建生产车间", "拓展外省市场"],
        P::Refinancing => &["到期贷款续贷周转", "置换高息借款"],
        P::Startup => &["创业启动资金", "门店装修和首批进货"],
        P::Other => &["其他经营用途"],
    }
}

/// What the lender pays out: usually the amount applied for, sometimes less; a rate within the product's
/// range (within [`usual_rates`] where the page states none); usually the term applied for; dated the
/// Shanghai day it is paid.
fn approval_terms(
    spec: &ProductSpec,
    references: &ReferenceRates,
    applied: Fen,
    term: Months,
    d: &mut Dice,
) -> ApprovalTerms {
    // Most approvals grant what was asked; some a round part of it, never below the product's minimum.
    let amount = if d.chance(0.6) {
        applied
    } else {
        let unit = if applied.fen() >= 2_000_000 { 1_000_000 } else { 10_000 };
        let cut = (applied.fen() as f64 * (0.5 + 0.5 * d.unit())) as i64 / unit * unit;
        let floor = spec.amount.min().map_or(1, Fen::fen);
        if cut >= floor { Fen::from_fen(cut.min(applied.fen())).unwrap_or(applied) } else { applied }
    };
    let term = if d.chance(0.85) {
        term
    } else {
        let shorter: Vec<(u16, u32)> =
            COMMON_TERMS.iter().copied().filter(|(m, _)| *m <= term.get() && term_fits(spec, *m)).collect();
        if shorter.is_empty() { term } else { Months::new(d.weighted(&shorter)).unwrap_or(term) }
    };
    let annual =
        spec.pricing.annual(references, &finmart_domain::StatedRange::stated(finmart_domain::Range::point(term)));
    let (lo, hi) = within(annual.min().map(AnnualRate::bps), annual.max().map(AnnualRate::bps), usual_rates());
    // Whole basis points inside the range: the low end rounded up, so a rounded rate never falls below it.
    let lo = annual.min().filter(|r| !r.is_whole_bp()).map_or(lo, |r| Bps::new(r.bps().bps() + 1).unwrap_or(lo));
    let steps = hi.bps().saturating_sub(lo.bps()) / 5;
    let rate = Bps::new(lo.bps() + 5 * d.int(0, steps)).unwrap_or(lo);
    let methods = spec.repayment_methods.as_deref().unwrap_or(&[RepaymentMethod::EqualInstalment]);
    let method = methods.get(d.below(methods.len().max(1))).copied().unwrap_or(RepaymentMethod::EqualInstalment);
    ApprovalTerms { amount, rate: LoanRate::Fixed { rate }, term, method }
}

/// A payment of `amount` at the approval's rate (at `references`) and term, on the Shanghai day of `at`.
fn payment(approval: &ApprovalTerms, references: &ReferenceRates, amount: Fen, at: DateTime<Utc>) -> Disbursement {
    let rate = approval.rate.annual(references).unwrap_or(Bps::ZERO);
    Disbursement { amount, rate, term: approval.term, date: shanghai_date(at), reason: None }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{InstitutionKind, LifecycleState};

    fn now() -> DateTime<Utc> {
        shanghai_instant(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), 0, 0)
    }

    fn catalogue() -> Vec<ProductSpec> {
        let institutions = crate::institutions(20);
        assert!(institutions.iter().any(|i| i.kind == InstitutionKind::GuaranteeAgency));
        crate::products(3, 300, &institutions, now().date_naive(), &crate::testing::references())
            .filter(|p| p.state == LifecycleState::Published)
            .map(|p| p.spec)
            .collect()
    }

    fn firms() -> Vec<finmart_domain::EnterpriseProfile> {
        crate::profiles(3, 500, now().date_naive()).map(|p| p.profile).collect()
    }

    fn applicants() -> Vec<Applicant> {
        firms().iter().map(Applicant::of).collect()
    }

    #[test]
    fn histories_follow_the_state_machine_and_stay_in_the_past() {
        let (products, firms) = (catalogue(), firms());
        let applicants: Vec<Applicant> = firms.iter().map(Applicant::of).collect();
        let mut pairs = std::collections::HashSet::new();
        let generator = Applications::new(11, 20_000, &products, &crate::testing::references(), &applicants, now());
        let all: Vec<SyntheticApplication> = generator.iter().collect();
        assert_eq!(all.len(), 20_000);
        let start = now() - TimeDelta::days(i64::from(SPAN_DAYS));
        let mut counts = std::collections::HashMap::new();
        let (mut withdrawn, mut late_night, mut weekend, mut parts) = (0, 0, 0, 0);
        for (i, app) in all.iter().enumerate() {
            assert_eq!(app.index, i);
            if i > 0 {
                assert!(app.submitted_at >= all[i - 1].submitted_at, "submission times rise with the index");
            }
            assert!(app.submitted_at >= start && app.submitted_at < now(), "{}", app.submitted_at);
            let spec = &products[app.product];
            assert_ne!(spec.amount.admits(app.amount), Some(false), "{:?} not in {:?}", app.amount, spec.amount);
            assert_ne!(spec.term.admits(app.term), Some(false));
            let state = app.state();
            *counts.entry(state).or_insert(0_u32) += 1;
            let mut at = app.submitted_at;
            for step in &app.steps {
                assert!(step.at > at && step.at < now());
                at = step.at;
                match &step.action {
                    ApplicationAction::Approve(terms) => {
                        assert!(terms.amount <= app.amount && terms.amount.fen() > 0);
                        let point = finmart_domain::StatedRange::stated(finmart_domain::Range::point(terms.term));
                        let annual = spec.pricing.annual(&crate::testing::references(), &point);
                        let LoanRate::Fixed { rate } = terms.rate else { panic!("fixed rates") };
                        assert_ne!(annual.admits(AnnualRate::of_bps(rate)), Some(false), "{rate:?} {annual:?}");
                        assert!(spec.term.admits(terms.term) != Some(false) && terms.term <= app.term);
                    }
                    ApplicationAction::Disburse(d) => {
                        assert!(d.amount <= app.amount && d.amount.fen() > 0);
                        assert_eq!(d.date, shanghai_date(step.at));
                        parts += 1;
                    }
                    ApplicationAction::Reject { reason } => {
                        assert!(REJECTION_REASONS.iter().any(|(r, _)| r == reason));
                    }
                    ApplicationAction::Withdraw => withdrawn += 1,
                    _ => {}
                }
            }
            let local = app.submitted_at.with_timezone(&shanghai::offset());
            if local.hour() >= 22 || local.hour() < 6 {
                late_night += 1;
            }
            if local.weekday().num_days_from_monday() >= 5 {
                weekend += 1;
            }
            // The firm's profile, the application's snapshot, could be true on the day it applied, and it
            // applies to this product once.
            let day = shanghai_date(app.submitted_at);
            let flaws = firms[app.applicant].implausibilities(day);
            assert!(flaws.is_empty(), "application {i} on {day}: {flaws:?}");
            assert!(pairs.insert((app.product, app.applicant)), "application {i}: the firm applied to it before");
        }
        use ApplicationState as S;
        let n = |s| f64::from(counts.get(&s).copied().unwrap_or(0)) / 20_000.0;
        // Most of two years of history is settled: disbursed ≈ .85 × .7 × .9 ≈ 0.5, less withdrawals.
        assert!((0.42..0.56).contains(&n(S::Disbursed)), "{counts:?}");
        assert!((0.2..0.29).contains(&n(S::Rejected)), "{counts:?}");
        assert!((0.03..0.07).contains(&n(S::Withdrawn)), "{counts:?}");
        assert!((0.12..0.2).contains(&n(S::Submitted)), "{counts:?}");
        assert!(n(S::Accepted) > 0.0 && n(S::Approved) > 0.0, "recent ones are still open: {counts:?}");
        assert_eq!(withdrawn, counts[&S::Withdrawn]);
        // Some loans are paid out in two parts.
        let loans = counts[&S::Disbursed];
        assert!(parts > loans && parts < loans * 13 / 10, "{parts} payments of {loans} loans");
        // Office hours and weekdays dominate, but not entirely.
        assert!((200..2_000).contains(&late_night), "{late_night} late at night");
        assert!((500..2_500).contains(&weekend), "{weekend} at weekends");
    }

    #[test]
    fn the_same_seed_gives_the_same_applications() {
        let (products, applicants) = (catalogue(), applicants());
        let a = Applications::new(5, 500, &products, &crate::testing::references(), &applicants, now());
        let b = Applications::new(5, 500, &products, &crate::testing::references(), &applicants, now());
        let c = Applications::new(6, 500, &products, &crate::testing::references(), &applicants, now());
        assert_eq!(a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_ne!(a.iter().collect::<Vec<_>>(), c.iter().collect::<Vec<_>>());
        assert_eq!(a.get(123), b.get(123));
        assert!(a.get(500).is_none());
        let none: Vec<ProductSpec> = Vec::new();
        assert!(Applications::new(5, 500, &none, &crate::testing::references(), &applicants, now()).is_empty());
    }

    #[test]
    fn firms_apply_to_products_serving_their_district() {
        let (products, applicants) = (catalogue(), applicants());
        let generator = Applications::new(2, 3_000, &products, &crate::testing::references(), &applicants, now());
        let fitting = generator
            .iter()
            .filter(|app| {
                let spec = &products[app.product];
                spec.area.covers(applicants[app.applicant].district) == Some(true)
            })
            .count();
        assert!(fitting > 2_950, "{fitting} of 3000 fit");
    }
}
