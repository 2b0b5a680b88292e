//! Deterministic synthetic data for Finmart: SME profiles, products and institutions, all fictional.
//!
//! Everything is generated from a seed with [`rand::rngs::StdRng`], one generator per item seeded from
//! (seed, index), so the same seed always gives the same data, the first `n` items do not depend on how
//! many are asked for, and any single item can be regenerated alone ([`profile`], [`product`]).
//!
//! The distributions imitate a Tianjin SME population: 滨海新区 about three in ten firms, wholesale,
//! business services and industry the largest trades, scales derived through the 工信部联企业〔2011〕300号
//! table with micro and small firms the great majority, tax grades mostly A/B/M, qualifications for a
//! minority. Products cover every family with rules of every kind, some in a further family too; most state
//! every fact, about one in ten leaves out what real product pages leave out ([`products`]). Every profile passes
//! [`finmart_domain::EnterpriseProfile::validate`] and every product the import validation
//! ([`finmart_domain::ProductRecord::validate`]).
//!
//! Names are composed from word lists; any likeness to a real firm is a coincidence of common words.

mod applications;
mod facts;
mod institutions;
mod products;
mod profiles;
mod words;

/// Tianjin's sixteen districts by code, for the generated data and the demo (which serve 天津市).
#[allow(missing_docs)]
pub mod tianjin {
    pub const HEPING: u32 = 120_101;
    pub const HEDONG: u32 = 120_102;
    pub const HEXI: u32 = 120_103;
    pub const NANKAI: u32 = 120_104;
    pub const HEBEI: u32 = 120_105;
    pub const HONGQIAO: u32 = 120_106;
    pub const DONGLI: u32 = 120_110;
    pub const XIQING: u32 = 120_111;
    pub const JINNAN: u32 = 120_112;
    pub const BEICHEN: u32 = 120_113;
    pub const WUQING: u32 = 120_114;
    pub const BAODI: u32 = 120_115;
    pub const BINHAI: u32 = 120_116;
    pub const NINGHE: u32 = 120_117;
    pub const JINGHAI: u32 = 120_118;
    pub const JIZHOU: u32 = 120_119;
    /// 天津市 itself: the whole city.
    pub const CITY: u32 = 120_000;

    /// In the order the first deployment listed them (滨海新区 last): generated data draws from this order,
    /// so it stays what it was.
    pub const ALL: [u32; 16] = [
        HEPING, HEDONG, HEXI, NANKAI, HEBEI, HONGQIAO, DONGLI, XIQING, JINNAN, BEICHEN, WUQING, BAODI, NINGHE, JINGHAI,
        JIZHOU, BINHAI,
    ];

    /// The district of `code` (one of [`ALL`]).
    ///
    /// # Panics
    /// A code that is not a county-level division of the national table: a typing error in a static table,
    /// which the tests catch.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn district(code: u32) -> finmart_domain::District {
        finmart_domain::Division::from_code(code)
            .and_then(|d| finmart_domain::District::new(d).ok())
            .expect("a county-level division code")
    }

    /// The division of `code`, of any level (one of these constants).
    ///
    /// # Panics
    /// A code the national table does not have (a typing error the tests catch).
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn division(code: u32) -> finmart_domain::Division {
        finmart_domain::Division::from_code(code).expect("a division code")
    }
}

pub use applications::{Applicant, Applications, REJECTION_REASONS, SPAN_DAYS, Step, SyntheticApplication};
pub use facts::fact_records;
pub use institutions::institutions;
pub use products::{SyntheticProduct, product, products, published, verified_rules};
pub use profiles::{SyntheticProfile, profile, profiles, uscc_for_index};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Separate streams so that profile 7 and product 7 of one seed are unrelated.
const PROFILE_STREAM: u64 = 0x5052_4f46_494c_4553;
const PRODUCT_STREAM: u64 = 0x5052_4f44_5543_5453;
/// What a product's page leaves out is drawn from its own stream, so the products that state everything
/// are exactly what they were before pages could leave facts out.
const PAGE_STREAM: u64 = 0x5041_4745_4741_5053;
/// The titles added to the qualification list later (创新型中小企业, 种子企业, …) are drawn from their own
/// stream, so every profile keeps the rest of what it was before.
const TITLE_STREAM: u64 = 0x5449_544c_4553_5f32;
/// The families added after the first catalogue, and every product's further families, are drawn from their
/// own stream too: the products of the first families are exactly what they were.
const FAMILY_STREAM: u64 = 0x4641_4d49_4c49_4553;
/// Whether a firm left its lists (qualifications, sectors) out of its profile is drawn from its own stream,
/// so every profile keeps everything else it was.
const GIVEN_STREAM: u64 = 0x4749_5645_4e5f_4c53;

/// SplitMix64's finaliser: spreads (seed, index) over the whole seed space.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seeded generator with the few kinds of draw the generators need.
struct Dice(StdRng);

impl Dice {
    fn new(seed: u64, stream: u64, index: usize) -> Self {
        let index = index as u64;
        Self(StdRng::seed_from_u64(mix(seed ^ stream).wrapping_add(mix(index.wrapping_add(stream)))))
    }

    /// True with probability `p` (0.0–1.0).
    fn chance(&mut self, p: f64) -> bool {
        self.0.random::<f64>() < p
    }

    /// A uniform integer in `lo..=hi`.
    fn int(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }

    /// A uniform float in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// A uniform index below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.random_range(0..n) }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A value drawn by integer weights (a zero total picks the first).
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.int(0, total.saturating_sub(1));
        for (item, weight) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        items[0].0
    }

    /// Log-uniform in `lo..hi` (integers, `hi` excluded when `hi > lo`): small values are as likely per
    /// decade as large ones, as firm sizes are.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let lo = lo.max(1);
        if hi <= lo + 1 {
            return lo;
        }
        let (a, b) = ((lo as f64).ln(), (hi as f64).ln());
        let v = (a + (b - a) * self.unit()).exp() as u64;
        v.clamp(lo, hi - 1)
    }

    /// `k` distinct items of `items`, in their order there.
    fn several<T: Copy>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..idx.len() {
            let j = i + self.below(idx.len() - i);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx.into_iter().take(k.min(items.len())).collect();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }
}

/// What the tests price floating rates by: the publications the migration seeds (LPR of 2025-05-20, PBOC
/// benchmark rates of 2015-10-24).
#[cfg(test)]
mod testing {
    use chrono::NaiveDate;
    use finmart_domain::{Bps, Publication, ReferenceKind, ReferenceRates};

    pub fn references() -> ReferenceRates {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let p = |kind, bps, published_on| Publication { kind, rate: Bps::new(bps).unwrap_or(Bps::ZERO), published_on };
        ReferenceRates::current(
            [
                p(ReferenceKind::Lpr1y, 300, day(2025, 5, 20)),
                p(ReferenceKind::Lpr5y, 350, day(2025, 5, 20)),
                p(ReferenceKind::Benchmark1y, 435, day(2015, 10, 24)),
                p(ReferenceKind::Benchmark1to5y, 475, day(2015, 10, 24)),
                p(ReferenceKind::Benchmark5yPlus, 490, day(2015, 10, 24)),
            ],
            day(2026, 11, 22),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_are_deterministic_and_streams_differ() {
        let mut a = Dice::new(7, PROFILE_STREAM, 3);
        let mut b = Dice::new(7, PROFILE_STREAM, 3);
        let mut c = Dice::new(7, PRODUCT_STREAM, 3);
        let xs: Vec<u32> = (0..10).map(|_| a.int(0, 1_000_000)).collect();
        let ys: Vec<u32> = (0..10).map(|_| b.int(0, 1_000_000)).collect();
        let zs: Vec<u32> = (0..10).map(|_| c.int(0, 1_000_000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn weighted_and_log_uniform_stay_in_range() {
        let mut d = Dice::new(1, 2, 3);
        let mut counts = [0_u32; 3];
        for _ in 0..10_000 {
            counts[d.weighted(&[(0_usize, 1), (1, 0), (2, 3)])] += 1;
            let v = d.log_uniform(10, 1000);
            assert!((10..1000).contains(&v));
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > counts[0] * 2, "{counts:?}");
        assert_eq!(d.several(&[1, 2, 3, 4], 2).len(), 2);
    }
}
