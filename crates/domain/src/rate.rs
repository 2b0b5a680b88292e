//! Annual rates in basis points (1 bp = 0.01 %), for loan rates, spreads and fee rates.

use crate::ValueError;
use crate::money::parse_decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative annual rate in basis points: 385 = 3.85 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Bps(u32);

impl Bps {
    /// 100 % a year: no lawful product comes near it, so anything above is a typing error.
    pub const MAX: Bps = Bps(10_000);
    pub const ZERO: Bps = Bps(0);

    /// # Errors
    /// Above [`Bps::MAX`].
    pub fn new(bps: u32) -> Result<Self, ValueError> {
        if bps > Self::MAX.0 { Err(ValueError::TooLarge { max: Self::MAX.to_string() }) } else { Ok(Self(bps)) }
    }

    /// Parses a percentage: `3.85`, `3.85%`, `0.5 %`.
    ///
    /// # Errors
    /// Not a number, negative, more than two decimals, or above 100 %.
    pub fn parse_percent(text: &str) -> Result<Self, ValueError> {
        let number = text.trim().trim_end_matches(['%', '％']).trim_end();
        let bps = parse_decimal(number, 2)?;
        u32::try_from(bps).map_err(|_| ValueError::TooLarge { max: Self::MAX.to_string() }).and_then(Self::new)
    }

    #[must_use]
    pub const fn bps(self) -> u32 {
        self.0
    }

    /// `3.00%`, `4.35%`: always two decimals, as reference rates are published.
    #[must_use]
    pub fn percent_text_fixed(self) -> String {
        format!("{}.{:02}%", self.0 / 100, self.0 % 100)
    }

    /// `3.85%`: two decimals at most, trailing zeros dropped.
    #[must_use]
    pub fn percent_text(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        match frac {
            0 => format!("{whole}%"),
            f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
            f => format!("{whole}.{f:02}%"),
        }
    }
}

impl TryFrom<u32> for Bps {
    type Error = ValueError;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Bps> for u32 {
    fn from(v: Bps) -> Self {
        v.0
    }
}

impl fmt::Display for Bps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.percent_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_percentages() {
        assert_eq!(Bps::parse_percent("3.85").unwrap().bps(), 385);
        assert_eq!(Bps::parse_percent("3.85%").unwrap().bps(), 385);
        assert_eq!(Bps::parse_percent("4").unwrap().bps(), 400);
        assert_eq!(Bps::parse_percent("0.5 %").unwrap().bps(), 50);
        assert_eq!(Bps::parse_percent("-1"), Err(ValueError::Negative));
        assert_eq!(Bps::parse_percent("3.855"), Err(ValueError::TooPrecise { max: 2 }));
        assert!(Bps::parse_percent("101").is_err());
    }

    #[test]
    fn shows_percentages() {
        assert_eq!(Bps::new(385).unwrap().to_string(), "3.85%");
        assert_eq!(Bps::new(350).unwrap().to_string(), "3.5%");
        assert_eq!(Bps::new(400).unwrap().to_string(), "4%");
        assert_eq!(Bps::new(5).unwrap().to_string(), "0.05%");
        assert_eq!(Bps::new(300).unwrap().percent_text_fixed(), "3.00%");
        assert_eq!(Bps::new(435).unwrap().percent_text_fixed(), "4.35%");
    }

    proptest! {
        #[test]
        fn percent_text_round_trips(bps in 0_u32..=10_000) {
            let rate = Bps::new(bps).unwrap();
            prop_assert_eq!(Bps::parse_percent(&rate.percent_text()).unwrap(), rate);
        }

        #[test]
        fn above_max_never_builds(bps in 10_001_u32..) {
            prop_assert!(Bps::new(bps).is_err());
        }
    }
}
