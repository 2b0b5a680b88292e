//! Loan terms in whole months.

use crate::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A loan term of 1 to 360 months (30 years, the longest mortgage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Months(u16);

impl Months {
    pub const MIN: Months = Months(1);
    pub const MAX: Months = Months(360);

    /// # Errors
    /// Zero or more than 360.
    pub fn new(months: u16) -> Result<Self, ValueError> {
        if months < Self::MIN.0 {
            Err(ValueError::TooSmall { min: "1".to_owned() })
        } else if months > Self::MAX.0 {
            Err(ValueError::TooLarge { max: "360".to_owned() })
        } else {
            Ok(Self(months))
        }
    }

    /// Parses `12`, `12个月`, `3年` (years times twelve).
    ///
    /// # Errors
    /// Not a whole number, or outside 1–360 months.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        let (number, factor) = match text.strip_suffix('年') {
            Some(n) => (n.trim_end(), 12),
            None => (text.strip_suffix("个月").or_else(|| text.strip_suffix('月')).unwrap_or(text).trim_end(), 1),
        };
        if number.is_empty() {
            return Err(ValueError::Empty);
        }
        if number.starts_with('-') {
            return Err(ValueError::Negative);
        }
        let n: u32 = number.parse().map_err(|_| ValueError::NotANumber(number.chars().take(32).collect()))?;
        let months = n.checked_mul(factor).and_then(|m| u16::try_from(m).ok());
        months.map_or_else(|| Err(ValueError::TooLarge { max: "360".to_owned() }), Self::new)
    }

    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }

    /// `6 个月`, `3 年`, `18 个月`.
    #[must_use]
    pub fn display_zh(self) -> String {
        if self.0.is_multiple_of(12) { format!("{} 年", self.0 / 12) } else { format!("{} 个月", self.0) }
    }

    /// `6 months`, `1 year`, `3 years`.
    #[must_use]
    pub fn display_en(self) -> String {
        match (self.0 / 12, self.0 % 12) {
            (1, 0) => "1 year".to_owned(),
            (years, 0) => format!("{years} years"),
            _ if self.0 == 1 => "1 month".to_owned(),
            _ => format!("{} months", self.0),
        }
    }
}

impl TryFrom<u16> for Months {
    type Error = ValueError;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Months> for u16 {
    fn from(v: Months) -> Self {
        v.0
    }
}

impl fmt::Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} months", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_terms() {
        assert_eq!(Months::parse("12").unwrap().get(), 12);
        assert_eq!(Months::parse("12个月").unwrap().get(), 12);
        assert_eq!(Months::parse("3年").unwrap().get(), 36);
        assert!(Months::parse("0").is_err());
        assert!(Months::parse("361").is_err());
        assert_eq!(Months::parse("-3"), Err(ValueError::Negative));
        assert!(Months::parse("31年").is_err());
        assert!(Months::parse("1.5").is_err());
    }

    #[test]
    fn displays_terms() {
        assert_eq!(Months::new(36).unwrap().display_zh(), "3 年");
        assert_eq!(Months::new(18).unwrap().display_zh(), "18 个月");
        assert_eq!(Months::new(36).unwrap().display_en(), "3 years");
        assert_eq!(Months::new(12).unwrap().display_en(), "1 year");
        assert_eq!(Months::new(1).unwrap().display_en(), "1 month");
    }

    proptest! {
        #[test]
        fn valid_terms_round_trip(m in 1_u16..=360) {
            prop_assert_eq!(Months::parse(&m.to_string()).unwrap().get(), m);
        }

        #[test]
        fn out_of_range_never_builds(m in 361_u16..) {
            prop_assert!(Months::new(m).is_err());
        }
    }
}
