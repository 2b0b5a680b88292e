//! Closed ranges whose minimum is not above their maximum.

use crate::ValueError;
use serde::{Deserialize, Serialize};

/// `min..=max` with `min <= max`, checked on construction and on deserialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRange<T>", bound(deserialize = "T: Ord + std::fmt::Debug + Deserialize<'de>"))]
pub struct Range<T> {
    min: T,
    max: T,
}

#[derive(Deserialize)]
struct RawRange<T> {
    min: T,
    max: T,
}

impl<T: Ord + std::fmt::Debug> TryFrom<RawRange<T>> for Range<T> {
    type Error = ValueError;
    fn try_from(raw: RawRange<T>) -> Result<Self, Self::Error> {
        Self::new(raw.min, raw.max)
    }
}

impl<T: Ord + std::fmt::Debug> Range<T> {
    /// # Errors
    /// [`ValueError::InvertedRange`] when `min > max`.
    pub fn new(min: T, max: T) -> Result<Self, ValueError> {
        if min > max {
            Err(ValueError::InvertedRange { min: format!("{min:?}"), max: format!("{max:?}") })
        } else {
            Ok(Self { min, max })
        }
    }

    /// Whether `value` lies within the range, bounds included.
    pub fn contains(&self, value: &T) -> bool {
        &self.min <= value && value <= &self.max
    }

    pub const fn min(&self) -> &T {
        &self.min
    }

    pub const fn max(&self) -> &T {
        &self.max
    }
}

impl<T: Ord + Copy + std::fmt::Debug> Range<T> {
    /// The single-point range `value..=value`.
    pub fn point(value: T) -> Self {
        Self { min: value, max: value }
    }
}

/// A range as a product's page states it: either bound may be 未说明 (`None`), and a stated minimum is never
/// above a stated maximum. "最高 1000 万元" is a range with a stated maximum and an unstated minimum; it is
/// never read as a minimum of zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    try_from = "RawStated<T>",
    bound(deserialize = "T: Ord + Copy + std::fmt::Debug + Deserialize<'de>", serialize = "T: Serialize")
)]
pub struct StatedRange<T> {
    min: Option<T>,
    max: Option<T>,
}

#[derive(Deserialize)]
struct RawStated<T> {
    #[serde(default = "Option::default")]
    min: Option<T>,
    #[serde(default = "Option::default")]
    max: Option<T>,
}

impl<T: Ord + Copy + std::fmt::Debug> TryFrom<RawStated<T>> for StatedRange<T> {
    type Error = ValueError;
    fn try_from(raw: RawStated<T>) -> Result<Self, Self::Error> {
        Self::new(raw.min, raw.max)
    }
}

impl<T: Ord + Copy + std::fmt::Debug> StatedRange<T> {
    /// Nothing stated.
    pub const UNSTATED: Self = Self { min: None, max: None };

    /// # Errors
    /// [`ValueError::InvertedRange`] when both bounds are stated and `min > max`.
    pub fn new(min: Option<T>, max: Option<T>) -> Result<Self, ValueError> {
        match (min, max) {
            (Some(lo), Some(hi)) if lo > hi => {
                Err(ValueError::InvertedRange { min: format!("{lo:?}"), max: format!("{hi:?}") })
            }
            _ => Ok(Self { min, max }),
        }
    }

    /// Both bounds stated.
    pub fn stated(range: Range<T>) -> Self {
        Self { min: Some(*range.min()), max: Some(*range.max()) }
    }

    pub const fn min(&self) -> Option<T> {
        self.min
    }

    pub const fn max(&self) -> Option<T> {
        self.max
    }

    /// The range, when both bounds are stated.
    pub fn range(&self) -> Option<Range<T>> {
        Some(Range { min: self.min?, max: self.max? })
    }

    /// Whether neither bound is stated.
    pub const fn is_unstated(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    /// Whether `value` lies within the range: `Some(false)` outside a stated bound, `None` when it is within
    /// the stated bounds but an unstated one leaves it open (the institution must confirm), `Some(true)`
    /// within both stated bounds.
    pub fn admits(&self, value: T) -> Option<bool> {
        if self.min.is_some_and(|lo| value < lo) || self.max.is_some_and(|hi| value > hi) {
            return Some(false);
        }
        (self.min.is_some() && self.max.is_some()).then_some(true)
    }

    /// The range in Chinese, each bound written by `show`: `10 万元 – 500 万元`, `最高 1000 万元`, `20 万元 起`,
    /// `未说明`; a single point once.
    pub fn text_zh(&self, show: impl Fn(T) -> String) -> String {
        match (self.min, self.max) {
            (Some(lo), Some(hi)) if lo == hi => show(lo),
            (Some(lo), Some(hi)) => format!("{} – {}", show(lo), show(hi)),
            (None, Some(hi)) => format!("最高 {}", show(hi)),
            (Some(lo), None) => format!("{} 起", show(lo)),
            (None, None) => "未说明".to_owned(),
        }
    }

    /// The same in English: `CNY 100,000 – CNY 5,000,000`, `Up to …`, `From …`, `Not stated`.
    pub fn text_en(&self, show: impl Fn(T) -> String) -> String {
        match (self.min, self.max) {
            (Some(lo), Some(hi)) if lo == hi => show(lo),
            (Some(lo), Some(hi)) => format!("{} – {}", show(lo), show(hi)),
            (None, Some(hi)) => format!("Up to {}", show(hi)),
            (Some(lo), None) => format!("From {}", show(lo)),
            (None, None) => "Not stated".to_owned(),
        }
    }

    /// Each stated bound mapped by `f` (which must keep the order, as a shift or a positive scale does).
    pub fn map<U: Ord + Copy + std::fmt::Debug>(&self, f: impl Fn(T) -> U) -> StatedRange<U> {
        StatedRange { min: self.min.map(&f), max: self.max.map(&f) }
    }
}

impl<T: Ord + Copy + std::fmt::Debug> From<Range<T>> for StatedRange<T> {
    fn from(range: Range<T>) -> Self {
        Self::stated(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stated_ranges_decide_only_on_what_is_stated() {
        let up_to_10 = StatedRange::new(None, Some(10)).unwrap();
        assert_eq!(up_to_10.admits(11), Some(false));
        assert_eq!(up_to_10.admits(5), None, "no minimum was stated: the institution must confirm");
        let both = StatedRange::new(Some(2), Some(10)).unwrap();
        assert_eq!((both.admits(1), both.admits(2), both.admits(10)), (Some(false), Some(true), Some(true)));
        assert_eq!(StatedRange::<i32>::UNSTATED.admits(5), None);
        assert!(StatedRange::new(Some(3), Some(2)).is_err());
        let json = serde_json::to_string(&up_to_10).unwrap();
        assert_eq!(json, r#"{"min":null,"max":10}"#);
        assert_eq!(serde_json::from_str::<StatedRange<i32>>(r#"{"max":10}"#).unwrap(), up_to_10);
        assert!(serde_json::from_str::<StatedRange<i32>>(r#"{"min":11,"max":10}"#).is_err());
    }

    proptest! {
        #[test]
        fn builds_exactly_when_ordered(a in any::<i32>(), b in any::<i32>()) {
            let r = Range::new(a, b);
            prop_assert_eq!(r.is_ok(), a <= b);
            if let Ok(r) = r {
                prop_assert!(r.contains(&a) && r.contains(&b));
            }
        }

        #[test]
        fn deserialising_checks_order(a in any::<i32>(), b in any::<i32>()) {
            let json = format!(r#"{{"min":{a},"max":{b}}}"#);
            prop_assert_eq!(serde_json::from_str::<Range<i32>>(&json).is_ok(), a <= b);
        }
    }
}
