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

    /// Shown as people read an amount on a page: 万元 with thousands separators and at most two decimals
    /// (`300 万元`, `5.5 万元`, `1,200 万元`, `0.8 万元`), with 约 when that rounded it (`约 8.51 万元` for
    /// 85,058.55 元). One unit everywhere, so a column never mixes 元 and 万元; exact figures (schedules, costs,
    /// exports) use [`Fen::display_exact_zh`].
    #[must_use]
    pub fn display_zh(self) -> String {
        let (text, rounded) = wan_figure(self.0);
        if rounded { format!("约 {text} 万元") } else { format!("{text} 万元") }
    }

    /// Exact, in 元 with thousands separators: `85,058.55 元`, `8,000 元`.
    #[must_use]
    pub fn display_exact_zh(self) -> String {
        format!("{} 元", format_yuan(self))
    }
}

impl Fen {
    /// Shown in English: `CNY 3,000,000`, `CNY 1,234.56`.
    #[must_use]
    pub fn display_en(self) -> String {
        format!("CNY {}", format_yuan(self))
    }
}

/// An amount in fen (any sign: totals and differences too) as a number of 万元 for people: thousands
/// separators, at most two decimals rounded half up, no trailing zeros (`166,395`, `13.65`, `5.5`); and
/// whether the rounding changed the value (it did when the amount is not a whole number of hundreds of 元).
#[must_use]
pub fn wan_figure(fen: i64) -> (String, bool) {
    // One hundredth of a 万元 is 10,000 fen.
    let magnitude = fen.unsigned_abs();
    let hundredths = (magnitude + 5_000) / 10_000;
    let rounded = !magnitude.is_multiple_of(10_000);
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    let frac = if frac == 0 { String::new() } else { format!(".{}", format!("{frac:02}").trim_end_matches('0')) };
    let sign = if fen < 0 && hundredths > 0 { "-" } else { "" };
    (format!("{sign}{}{frac}", group_thousands(&whole.to_string())), rounded)
}

/// Digits with a comma between each group of three: `1234567` → `1,234,567`.
#[must_use]
pub fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// `1234567` fen → `12,345.67`.
fn format_yuan(amount: Fen) -> String {
    let yuan = amount.0 / 100;
    let fen = amount.0 % 100;
    let grouped = group_thousands(&yuan.to_string());
    if fen == 0 { grouped } else { format!("{grouped}.{fen:02}") }
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
        assert_eq!(Fen::wan(15_000).display_zh(), "15,000 万元");
        assert_eq!(Fen::yuan(8_000).display_zh(), "0.8 万元");
        assert_eq!(Fen::parse_yuan("136500").unwrap().display_zh(), "13.65 万元");
        assert_eq!(Fen::parse_yuan("85058.55").unwrap().display_zh(), "约 8.51 万元");
        assert_eq!(Fen::parse_yuan("85058.55").unwrap().display_exact_zh(), "85,058.55 元");
        assert_eq!(Fen::yuan(8_000).display_exact_zh(), "8,000 元");
        assert_eq!(Fen::from_fen(123_456).unwrap().to_string(), "1,234.56 元");
        assert_eq!(Fen::wan(300).display_en(), "CNY 3,000,000");
    }

    #[test]
    fn wan_figures_for_people() {
        assert_eq!(wan_figure(1_663_950_000_000), ("1,663,950".to_owned(), false));
        assert_eq!(wan_figure(80_000_000), ("80".to_owned(), false));
        assert_eq!(wan_figure(1_234_567), ("1.23".to_owned(), true));
        assert_eq!(wan_figure(1_235_000), ("1.24".to_owned(), true), "half up");
        assert_eq!(wan_figure(1_250_000), ("1.25".to_owned(), false));
        assert_eq!(wan_figure(0), ("0".to_owned(), false));
        assert_eq!(wan_figure(-5_000_000), ("-5".to_owned(), false));
        assert_eq!(wan_figure(-4_000), ("0".to_owned(), true), "no sign on a rounded zero");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(group_thousands("1234"), "1,234");
    }

    proptest! {
        /// At most two decimals, and reading the figure back (without separators) is within half a hundredth of a
        /// 万元 of the amount, exact when not marked rounded.
        #[test]
        fn wan_figure_is_the_amount_to_two_decimals(fen in 0_i64..=Fen::MAX.fen()) {
            let (text, rounded) = wan_figure(fen);
            let plain = text.replace(',', "");
            prop_assert!(plain.split_once('.').is_none_or(|(_, d)| d.len() <= 2 && !d.ends_with('0')));
            let back = parse_decimal(&plain, 6).unwrap();
            prop_assert!((back - fen).abs() <= 5_000);
            prop_assert_eq!(back == fen, !rounded);
        }

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
