//! The 等额本息 level payment, exact to the fen.
//!
//! With r = R / 120 000 (R the annual rate in basis points, 120 000 = 12 months × 10 000 bp), the textbook
//! payment P·r·(1+r)^n / ((1+r)^n − 1) is the rational number
//!
//! ```text
//!     P · R · N^n
//! ───────────────────────      with N = 120 000 + R, D = 120 000
//! 120 000 · (N^n − D^n)
//! ```
//!
//! For a 360-month loan N^n has about 6 100 bits, far past i128, and f64 can be off by several fen on a large
//! principal. So this module carries a minimal unsigned big integer (only × small, +, − and comparison) and
//! finds the half-up rounded quotient by binary search. No floats are involved.

use std::cmp::Ordering;

/// Months × basis points: the denominator of a monthly rate.
const D: u64 = 120_000;

/// The level payment in fen, rounded half-up: `floor((2a + b) / 2b)` for the fraction a / b above.
///
/// `None` when the rate is zero (the formula divides by zero; the caller splits the principal evenly).
pub(super) fn level_payment(principal: u64, rate_bps: u32, months: u16) -> Option<u64> {
    if rate_bps == 0 {
        return None;
    }
    let n_pow = Big::pow_small(D + u64::from(rate_bps), months);
    let d_pow = Big::pow_small(D, months);
    let a = n_pow.mul_small(principal).mul_small(u64::from(rate_bps));
    let b = n_pow.sub(&d_pow).mul_small(D);
    let rhs = a.mul_small(2).add(&b);
    let two_b = b.mul_small(2);
    // The payment is at most P·(1+r) ≤ 2P (the one-month case), so its rounding is at most 2P and
    // `hi = 2P + 1` is always too large. Invariant: lo fits (2b·lo ≤ 2a + b), hi does not.
    let (mut lo, mut hi) = (0_u64, 2 * principal + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if two_b.mul_small(mid) <= rhs {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// An unsigned integer as little-endian 64-bit limbs with no zero limb on top (zero is no limbs), so that
/// comparing lengths first and then limbs from the top orders values.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u64>);

impl Big {
    fn trimmed(mut limbs: Vec<u64>) -> Self {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        Self(limbs)
    }

    fn pow_small(base: u64, exp: u16) -> Self {
        (0..exp).fold(Self::trimmed(vec![1]), |acc, _| acc.mul_small(base))
    }

    fn mul_small(&self, m: u64) -> Self {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0_u128;
        for &limb in &self.0 {
            let t = u128::from(limb) * u128::from(m) + carry;
            out.push(t as u64); // the low 64 bits; the rest carries
            carry = t >> 64;
        }
        out.push(carry as u64);
        Self::trimmed(out)
    }

    fn add(&self, other: &Self) -> Self {
        let len = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(len + 1);
        let mut carry = false;
        for i in 0..len {
            let (x, y) = (self.limb(i), other.limb(i));
            let (s1, c1) = x.overflowing_add(y);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            out.push(s2);
            carry = c1 || c2;
        }
        out.push(u64::from(carry));
        Self::trimmed(out)
    }

    /// `self − other`; callers guarantee `self ≥ other` (here N^n > D^n since N > D).
    fn sub(&self, other: &Self) -> Self {
        debug_assert!(*self >= *other);
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = false;
        for i in 0..self.0.len() {
            let (x, y) = (self.limb(i), other.limb(i));
            let (d1, b1) = x.overflowing_sub(y);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            out.push(d2);
            borrow = b1 || b2;
        }
        Self::trimmed(out)
    }

    fn limb(&self, i: usize) -> u64 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn big(v: u128) -> Big {
        Big::trimmed(vec![v as u64, (v >> 64) as u64])
    }

    #[test]
    fn big_arithmetic_matches_u128() {
        let x = (1_u128 << 100) + 12_345;
        let y = (1_u128 << 64) - 1;
        assert_eq!(big(x).add(&big(y)), big(x + y));
        assert_eq!(big(x).sub(&big(y)), big(x - y));
        assert_eq!(big(y).mul_small(u64::MAX), big(y * u128::from(u64::MAX)));
        assert_eq!(big(5).sub(&big(5)), Big(vec![]));
        assert!(big(x) > big(y) && big(y) < big(x) && big(0) < big(1));
        assert_eq!(Big::pow_small(10, 30), big(10_u128.pow(30)));
    }

    #[test]
    fn known_payments() {
        // 12 000 000 fen, 4.35 %, 12 months: exact 1 023 718.804… → 1 023 719 (Python Fraction).
        assert_eq!(level_payment(12_000_000, 435, 12), Some(1_023_719));
        // One month: P·(1 + r) = 12 000 000 + 43 500, exactly.
        assert_eq!(level_payment(12_000_000, 435, 1), Some(12_043_500));
        // 100 万元, 4.9 %, 30 years: 5 307.267… yuan → 530 727 fen, the figure every mortgage table prints.
        assert_eq!(level_payment(100_000_000, 490, 360), Some(530_727));
        assert_eq!(level_payment(100_000_000, 0, 360), None);
        // A near-tie that f64 rounds the wrong way (exact …644.50015, Python Fraction).
        assert_eq!(level_payment(417_478_852, 2, 2), Some(208_744_645));
    }

    proptest! {
        /// The exact result agrees with a float evaluation of the textbook formula, up to the float's own
        /// error: (1 + r)^n − 1 cancels most digits at low rates (p = 417 478 852, 0.02 %, 2 months is
        /// exactly …644.50015 but …644.49863 in f64, which is why the payment is not computed in floats).
        #[test]
        fn agrees_with_float_formula(p in 1_u64..=1_000_000_000, rate in 1_u32..=2_400, n in 1_u16..=360) {
            let r = f64::from(rate) / 120_000.0;
            let q = (1.0 + r).powi(i32::from(n));
            let float = p as f64 * r * q / (q - 1.0);
            let exact = level_payment(p, rate, n).unwrap();
            prop_assert!((exact as f64 - float).abs() <= 0.5 + float * 1e-9, "{exact} vs {float}");
        }
    }
}
