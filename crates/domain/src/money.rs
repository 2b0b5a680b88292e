//! Money as integer fen (分). Never a float: amounts are added, compared and shown exactly.

use crate::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount of money in fen (1 yuan = 100 fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Fen(i64);

impl Fen {
    /// The largest amount accepted anywhere: one trillion yuan.
    pub const MAX: Fen = Fen(100_000_000_000_000);
    pub const ZERO: Fen = Fen(0);

    /// # Errors
    /// Negative amounts and amounts above [`Fen::MAX`].
    pub fn from_fen(fen: i64) -> Result<Self, ValueError> {
        if fen < 0 {
            Err(ValueError::Negative)
        } else if fen > Self::MAX.0 {
            Err(ValueError::TooLarge { max: Self::MAX.to_string() })
        } else {
            Ok(Self(fen))
        }
    }

    /// Whole yuan, e.g. `Fen::yuan(3_000_000)` for 300 万元. Saturates at [`Fen::MAX`].
    #[must_use]
    pub const fn yuan(yuan: u32) -> Self {
        Self(yuan as i64 * 100)
    }

    /// Whole 万元 (ten thousand yuan), the unit Chinese loan terms are quoted in.
    #[must_use]
    pub const fn wan(wan: u32) -> Self {
        Self(wan as i64 * 1_000_000)
    }

    /// Parses a yuan amount as people write it: `1234`, `1234.5`, `1,234.56`, `300万`.
    ///
    /// # Errors
    /// Not a number, negative, more than two decimals (fen are the smallest unit), or too large.
    pub fn parse_yuan(text: &str) -> Result<Self, ValueError> {
        let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
        let (number, factor) = match cleaned.strip_suffix("万元").or_else(|| cleaned.strip_suffix('万')) {
            Some(n) => (n.trim_end(), 10_000),
            None => (cleaned.strip_suffix('元').unwrap_or(&cleaned).trim_end(), 1),
        };
        // In fen, one yuan is 10^2 and one 万元 10^6: the decimal scale is the unit.
        let scale = if factor == 1 { 2 } else { 6 };
        Self::from_fen(parse_decimal(number, scale)?)
    }

    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whole yuan, rounded down.
    #[must_use]
    pub const fn whole_yuan(self) -> i64 {
        self.0 / 100
    }

    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).and_then(|v| Self::from_fen(v).ok())
    }

    /// Shown the way Chinese loan terms quote amounts: `300 万元`, `5.5 万元`, `8,000 元`, `1.2 亿元`.
    #[must_use]
    pub fn display_zh(self) -> String {
        let yuan = self.0 / 100;
        if yuan >= 100_000_000 && self.0 % 1_000_000 == 0 {
            format!("{} 亿元", trim_decimal(self.0, 10_000_000_000))
        } else if yuan >= 10_000 && self.0 % 10_000 == 0 {
            format!("{} 万元", trim_decimal(self.0, 1_000_000))
        } else {
            format!("{} 元", format_yuan(self))
        }
    }
}

impl Fen {
    /// Shown in English: `CNY 3,000,000`, `CNY 1,234.56`.
    #[must_use]
    pub fn display_en(self) -> String {
        format!("CNY {}", format_yuan(self))
    }
}

/// `1234567` fen → `12,345.67`.
fn format_yuan(amount: Fen) -> String {
    let yuan = amount.0 / 100;
    let fen = amount.0 % 100;
    let digits = yuan.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fen == 0 { grouped } else { format!("{grouped}.{fen:02}") }
}

/// `value / unit` with up to four decimals and no trailing zeros.
fn trim_decimal(value: i64, unit: i64) -> String {
    let whole = value / unit;
    let rest = value % unit;
    if rest == 0 {
        return whole.to_string();
    }
    let frac = format!("{:0width$}", rest, width = unit.to_string().len() - 1);
    let frac = frac.trim_end_matches('0');
    let frac = &frac[..frac.len().min(4)];
    format!("{whole}.{frac}")
}

/// Parses a non-negative decimal into integer units of `10^-scale`.
pub(crate) fn parse_decimal(text: &str, scale: u32) -> Result<i64, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    if text.starts_with('-') {
        return Err(ValueError::Negative);
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
        return Err(ValueError::NotANumber(text.chars().take(32).collect()));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > scale as usize {
        return Err(ValueError::TooPrecise { max: scale });
    }
    let too_large = || ValueError::TooLarge { max: "10^15".to_owned() };
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
    let mut frac_units: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| too_large())? };
    for _ in frac.len()..scale as usize {
        frac_units *= 10;
    }
    whole.checked_mul(10_i64.pow(scale)).and_then(|w| w.checked_add(frac_units)).ok_or_else(too_large)
}

impl TryFrom<i64> for Fen {
    type Error = ValueError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Self::from_fen(v)
    }
}

impl From<Fen> for i64 {
    fn from(v: Fen) -> Self {
        v.0
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 元", format_yuan(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_people_write() {
        assert_eq!(Fen::parse_yuan("1234").unwrap().fen(), 123_400);
        assert_eq!(Fen::parse_yuan("1,234.5").unwrap().fen(), 123_450);
        assert_eq!(Fen::parse_yuan("0.01").unwrap().fen(), 1);
        assert_eq!(Fen::parse_yuan("300万").unwrap(), Fen::wan(300));
        assert_eq!(Fen::parse_yuan("5.5万元").unwrap().fen(), 5_500_000);
        assert_eq!(Fen::parse_yuan("800元").unwrap(), Fen::yuan(800));
    }

    #[test]
    fn rejects_bad_amounts() {
        assert_eq!(Fen::parse_yuan("-1"), Err(ValueError::Negative));
        assert_eq!(Fen::parse_yuan("1.234"), Err(ValueError::TooPrecise { max: 2 }));
        assert!(matches!(Fen::parse_yuan("abc"), Err(ValueError::NotANumber(_))));
        assert_eq!(Fen::parse_yuan(""), Err(ValueError::Empty));
        assert!(matches!(Fen::parse_yuan("99999999999999999999"), Err(ValueError::TooLarge { .. })));
        assert!(Fen::from_fen(-5).is_err());
    }

    #[test]
    fn displays_in_chinese_units() {
        assert_eq!(Fen::wan(300).display_zh(), "300 万元");
        assert_eq!(Fen::parse_yuan("55000").unwrap().display_zh(), "5.5 万元");
        assert_eq!(Fen::wan(15_000).display_zh(), "1.5 亿元");
        assert_eq!(Fen::yuan(8_000).display_zh(), "8,000 元");
        assert_eq!(Fen::from_fen(123_456).unwrap().to_string(), "1,234.56 元");
        assert_eq!(Fen::wan(300).display_en(), "CNY 3,000,000");
    }

    proptest! {
        #[test]
        fn yuan_text_round_trips(fen in 0_i64..=Fen::MAX.fen()) {
            let text = format!("{}.{:02}", fen / 100, fen % 100);
            prop_assert_eq!(Fen::parse_yuan(&text).unwrap().fen(), fen);
        }

        #[test]
        fn negative_never_parses(fen in i64::MIN..0) {
            prop_assert!(Fen::from_fen(fen).is_err());
        }
    }
}
