//! 资产负债率 (debt ratio), kept as the two totals it is the ratio of.
//!
//! A ratio of two amounts in fen is rarely a whole number of basis points: 700.05 万元 of debts against
//! 1000 万元 of assets is 70.005 %. Truncated to basis points it would read 70 % and pass a "不高于 70 %"
//! rule. So the ratio is never turned into a number to compare: [`DebtRatio::exceeds`] compares
//! `liabilities × 10 000` with `cap × assets` in integers, and the figure shown is rounded *up*, so that it
//! never reads as within a cap the ratio is above.

use crate::{Bps, Fen};

/// Decimal places of a percent shown: 0.0001 %, a millionth of the ratio.
const SHOWN_DECIMALS: u32 = 4;
/// A whole percent in the units shown (10^[`SHOWN_DECIMALS`]).
const SHOWN_PER_PERCENT: i128 = 10_000;

/// Liabilities over assets. Equality is of the two totals, not of the ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DebtRatio {
    liabilities: Fen,
    assets: Fen,
}

impl DebtRatio {
    #[must_use]
    pub const fn new(liabilities: Fen, assets: Fen) -> Self {
        Self { liabilities, assets }
    }

    #[must_use]
    pub const fn liabilities(self) -> Fen {
        self.liabilities
    }

    #[must_use]
    pub const fn assets(self) -> Fen {
        self.assets
    }

    /// Whether the ratio is above `cap` ("资产负债率不高于 cap" fails): `liabilities × 10 000 > cap × assets`,
    /// exactly, in fen. Debts without assets are above every cap; no debts are within every cap.
    #[must_use]
    pub fn exceeds(self, cap: Bps) -> bool {
        i128::from(self.liabilities.fen()) * 10_000 > i128::from(cap.bps()) * i128::from(self.assets.fen())
    }

    /// The ratio in units of 0.0001 %, rounded up, and whether that is exact; `None` for debts without assets.
    fn shown_units(self) -> Option<(i128, bool)> {
        let (liabilities, assets) = (i128::from(self.liabilities.fen()), i128::from(self.assets.fen()));
        if assets == 0 {
            return (liabilities == 0).then_some((0, true));
        }
        let scaled = liabilities * 100 * SHOWN_PER_PERCENT;
        Some(((scaled + assets - 1) / assets, scaled % assets == 0))
    }

    /// The ratio as a percent with up to four decimals, trailing zeros dropped (`70%`, `70.005%`), rounded
    /// *up* when it has more: compared with a cap of up to four decimals, the figure shown is above it exactly
    /// when the ratio is. `None` for debts without assets (no ratio).
    #[must_use]
    pub fn percent_text(self) -> Option<String> {
        let (units, _) = self.shown_units()?;
        let (whole, frac) = (units / SHOWN_PER_PERCENT, units % SHOWN_PER_PERCENT);
        if frac == 0 {
            return Some(format!("{whole}%"));
        }
        let digits = format!("{frac:0width$}", width = SHOWN_DECIMALS as usize);
        Some(format!("{whole}.{}%", digits.trim_end_matches('0')))
    }

    /// Whether [`Self::percent_text`] is the ratio exactly (else it is rounded up in its last place).
    #[must_use]
    pub fn shown_exactly(self) -> bool {
        self.shown_units().is_some_and(|(_, exact)| exact)
    }

    /// The firm's side in Chinese, to follow "贵企业": `资产负债率为 70.005%`, `资产负债率约为 33.3334%` (rounded
    /// up), or `资产总额为 0，负债 10 万元`.
    #[must_use]
    pub fn describe_zh(self) -> String {
        match self.percent_text() {
            Some(p) if self.shown_exactly() => format!("资产负债率为 {p}"),
            Some(p) => format!("资产负债率约为 {p}"),
            None => format!("资产总额为 0，负债 {}", self.liabilities.display_zh()),
        }
    }

    /// The same in English: `debt ratio 70.005%`, `debt ratio about 33.3334%`, `no assets, debts of CNY …`.
    #[must_use]
    pub fn describe_en(self) -> String {
        match self.percent_text() {
            Some(p) if self.shown_exactly() => format!("debt ratio {p}"),
            Some(p) => format!("debt ratio about {p}"),
            None => format!("no assets, debts of {}", self.liabilities.display_en()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ratio(liabilities: i64, assets: i64) -> DebtRatio {
        DebtRatio::new(Fen::from_fen(liabilities).unwrap(), Fen::from_fen(assets).unwrap())
    }

    fn pct(text: &str) -> Bps {
        Bps::parse_percent(text).unwrap()
    }

    /// 不高于 70 %: exactly 70 % is within; the smallest excesses a fen can make are above.
    #[test]
    fn a_cap_is_compared_exactly_at_its_bound() {
        let assets = Fen::wan(1000).fen();
        assert!(!ratio(Fen::wan(700).fen(), assets).exceeds(pct("70")), "exactly 70 %");
        assert!(ratio(Fen::wan(700).fen() + 1, assets).exceeds(pct("70")), "one fen above 70 %");
        assert!(!ratio(Fen::wan(700).fen() - 1, assets).exceeds(pct("70")), "one fen below 70 %");
        // 70.005 %: 700.05 万元 against 1000 万元 (truncated to basis points it read 70 %).
        assert!(ratio(700_050_000, assets).exceeds(pct("70")));
        // 70.00001 %: 7 000 001 fen against 10 000 000 fen.
        assert!(ratio(7_000_001, 10_000_000).exceeds(pct("70")));
        // A cap with two decimals: 70.5 % is within 70.5 % and not within 70.49 %.
        assert!(!ratio(705, 1000).exceeds(pct("70.5")));
        assert!(ratio(705, 1000).exceeds(pct("70.49")));
    }

    #[test]
    fn no_assets_is_above_every_cap_unless_there_are_no_debts() {
        assert!(ratio(1, 0).exceeds(Bps::MAX));
        assert!(!ratio(0, 0).exceeds(Bps::ZERO));
        assert!(!ratio(0, 5).exceeds(Bps::ZERO));
        assert!(ratio(1, 5).exceeds(Bps::ZERO));
        // Debts above assets: above 100 %, and shown as what they are, not capped at 100 %.
        assert!(ratio(150, 100).exceeds(Bps::MAX));
        assert_eq!(ratio(150, 100).percent_text().as_deref(), Some("150%"));
        assert_eq!(ratio(0, 0).percent_text().as_deref(), Some("0%"));
        assert_eq!(ratio(1, 0).percent_text(), None);
        assert_eq!(ratio(Fen::wan(10).fen(), 0).describe_zh(), "资产总额为 0，负债 10 万元");
    }

    #[test]
    fn the_figure_shown_never_reads_as_within_a_cap_it_is_above() {
        assert_eq!(ratio(700_050_000, 1_000_000_000).percent_text().as_deref(), Some("70.005%"));
        assert_eq!(ratio(700_050_000, 1_000_000_000).describe_zh(), "资产负债率为 70.005%");
        // 70.00001 % has more decimals than shown: rounded up, and said to be about.
        let tiny = ratio(7_000_001, 10_000_000);
        assert_eq!(tiny.percent_text().as_deref(), Some("70.0001%"));
        assert!(!tiny.shown_exactly());
        assert_eq!(tiny.describe_zh(), "资产负债率约为 70.0001%");
        assert_eq!(tiny.describe_en(), "debt ratio about 70.0001%");
        assert_eq!(ratio(700, 1000).describe_zh(), "资产负债率为 70%");
        assert_eq!(ratio(1, 3).percent_text().as_deref(), Some("33.3334%"));
        assert_eq!(ratio(655, 1000).percent_text().as_deref(), Some("65.5%"));
    }

    proptest! {
        /// The percent shown, read back as a cap, is never below the ratio, and is above a cap (of two
        /// decimals, as every cap is) exactly when the ratio is.
        #[test]
        fn the_figure_shown_agrees_with_every_cap(
            liabilities in 0_i64..=Fen::MAX.fen(),
            assets in 1_i64..=Fen::MAX.fen(),
            cap in 0_u32..=10_000,
        ) {
            let r = ratio(liabilities, assets);
            let shown = r.percent_text().unwrap();
            let (whole, frac) = shown.trim_end_matches('%').split_once('.').unwrap_or((shown.trim_end_matches('%'), ""));
            let units = whole.parse::<i128>().unwrap() * SHOWN_PER_PERCENT
                + format!("{frac:0<4}").parse::<i128>().unwrap();
            // units / 10^6 ≥ liabilities / assets
            prop_assert!(units * i128::from(assets) >= i128::from(liabilities) * 1_000_000);
            let cap_units = i128::from(cap) * 100;
            prop_assert_eq!(units > cap_units, r.exceeds(Bps::new(cap).unwrap()));
        }
    }
}
