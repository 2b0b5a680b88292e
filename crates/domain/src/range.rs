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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
