//! Published reference rates: the loan prime rates (LPR) and the People's Bank of China's benchmark lending
//! rates, which floating product rates are quoted against.
//!
//! They are data the operator keeps (a table with history, see the store), never constants in code: a product
//! priced "1 年期 LPR + 50BP" costs what the latest publication of the 1-year LPR says. This module holds the
//! kinds, a publication, the rules a new publication must meet (one home for the site, the API and the
//! command line) and the set of current publications a product's price is worked out from.

use crate::{Bps, FieldErrors, Labelled, LprTenor, Months, ValueError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::labelled_enum! {
    /// What a reference rate is: one of the two LPR tenors, or one of the PBOC's benchmark lending rate
    /// bands (by the loan's term).
    pub enum ReferenceKind: "reference rate" {
        Lpr1y => "lpr_1y", "1 年期 LPR", "1-year LPR",
        Lpr5y => "lpr_5y", "5 年期以上 LPR", "Over-5-year LPR",
        Benchmark1y => "benchmark_1y", "贷款基准利率（1 年以内，含 1 年）", "PBOC benchmark rate, up to 1 year",
        Benchmark1to5y => "benchmark_1_5y", "贷款基准利率（1 至 5 年，含 5 年）", "PBOC benchmark rate, 1 to 5 years",
        Benchmark5yPlus => "benchmark_5y_plus", "贷款基准利率（5 年以上）", "PBOC benchmark rate, over 5 years",
    }
}

impl ReferenceKind {
    /// The benchmark bands, shortest first.
    pub const BENCHMARK_BANDS: [Self; 3] = [Self::Benchmark1y, Self::Benchmark1to5y, Self::Benchmark5yPlus];

    /// The LPR kind a floating rate of `tenor` follows.
    #[must_use]
    pub const fn of_lpr(tenor: LprTenor) -> Self {
        match tenor {
            LprTenor::OneYear => Self::Lpr1y,
            LprTenor::FiveYear => Self::Lpr5y,
        }
    }

    /// The benchmark band of a loan of `term`: up to 12 months, 13 to 60, or more (the PBOC's bands: 一年以内
    /// 含一年, 一至五年含五年, 五年以上).
    #[must_use]
    pub fn benchmark_band(term: Months) -> Self {
        match term.get() {
            0..=12 => Self::Benchmark1y,
            13..=60 => Self::Benchmark1to5y,
            _ => Self::Benchmark5yPlus,
        }
    }

    /// Whether this is one of the benchmark bands.
    #[must_use]
    pub const fn is_benchmark(self) -> bool {
        matches!(self, Self::Benchmark1y | Self::Benchmark1to5y | Self::Benchmark5yPlus)
    }

    /// Parses a machine name or the Chinese label, spaces ignored (`5年期以上LPR`).
    ///
    /// # Errors
    /// Anything else, with the allowed names.
    pub fn parse_loosely(text: &str) -> Result<Self, crate::UnknownValue> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == compact || k.label_zh().replace(' ', "") == compact)
            .map_or_else(|| Self::parse(text), Ok)
    }

    /// Who publishes it, in Chinese and English.
    #[must_use]
    pub const fn publisher(self) -> (&'static str, &'static str) {
        if self.is_benchmark() {
            ("中国人民银行", "the People's Bank of China")
        } else {
            ("全国银行间同业拆借中心", "the National Interbank Funding Center")
        }
    }
}

/// One publication of a reference rate: its kind, its value and the day it was published (for the PBOC's
/// benchmark rates, the day it took effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Publication {
    pub kind: ReferenceKind,
    pub rate: Bps,
    pub published_on: NaiveDate,
}

impl Publication {
    /// `2025-05-20 公布的 1 年期 LPR 3.00%`, or for a benchmark band `2015-10-24 起执行的贷款基准利率（1 年以内，含
    /// 1 年）4.35%`.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        let (on, kind, rate) = (self.published_on, self.kind.label_zh(), self.rate.percent_text_fixed());
        if self.kind.is_benchmark() {
            format!("{on} 起执行的{kind}{rate}")
        } else {
            format!("{on} 公布的 {kind} {rate}")
        }
    }

    /// `the 1-year LPR of 3.00% published on 2025-05-20`.
    #[must_use]
    pub fn describe_en(&self) -> String {
        let verb = if self.kind.is_benchmark() { "in effect from" } else { "published on" };
        format!("the {} of {} {verb} {}", self.kind.label_en(), self.rate.percent_text_fixed(), self.published_on)
    }
}

/// The current publication of some reference kinds: what a product's price is worked out from. A product
/// carries the ones its pricing uses, as read with it, so every copy of the product (the search index, the
/// matching engine, a page) shows the same figures, and a new publication reaches them as a change of the
/// products that follow it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReferenceRates(Vec<Publication>);

impl ReferenceRates {
    /// The current publication of each kind among `publications`: the latest published on or before `today`
    /// (a later one in the list wins a tie: the store lists corrections after what they correct).
    #[must_use]
    pub fn current(publications: impl IntoIterator<Item = Publication>, today: NaiveDate) -> Self {
        let mut current: Vec<Publication> = Vec::new();
        for p in publications.into_iter().filter(|p| p.published_on <= today) {
            match current.iter_mut().find(|c| c.kind == p.kind) {
                Some(c) if c.published_on <= p.published_on => *c = p,
                Some(_) => {}
                None => current.push(p),
            }
        }
        current.sort_by_key(|p| p.kind);
        Self(current)
    }

    /// The current publication of `kind`, if any was entered.
    #[must_use]
    pub fn get(&self, kind: ReferenceKind) -> Option<&Publication> {
        self.0.iter().find(|p| p.kind == kind)
    }

    /// Every publication held, by kind.
    #[must_use]
    pub fn all(&self) -> &[Publication] {
        &self.0
    }

    /// Only the publications of `kinds`.
    #[must_use]
    pub fn only(&self, kinds: &[ReferenceKind]) -> Self {
        Self(self.0.iter().filter(|p| kinds.contains(&p.kind)).copied().collect())
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The largest source text kept with a publication.
pub const MAX_SOURCE_CHARS: usize = 200;

/// A new publication as a person typed it (the operator's page and API, `finmart rates set`).
#[derive(Debug, Clone, Copy)]
pub struct PublicationInput<'a> {
    /// A machine name (`lpr_1y`) or the Chinese label.
    pub kind: &'a str,
    /// A percentage: `3.0`, `3.45%`.
    pub percent: &'a str,
    /// `YYYY-MM-DD`.
    pub published_on: &'a str,
    /// Where it was read (optional): `全国银行间同业拆借中心 www.chinamoney.com.cn`.
    pub source: &'a str,
    /// Whether it corrects the publication of the same kind and day already entered (a typing error): the
    /// correction then takes its place, and both stay in the history.
    pub correction: bool,
}

/// A new publication that meets the rules of its own fields (whether its day is free, or has something to
/// correct, is for the store to say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPublication {
    pub publication: Publication,
    pub source: String,
    pub correction: bool,
}

impl PublicationInput<'_> {
    /// Checks every field: a known kind, a rate from 0 to 100 % with at most two decimals, a day that is not
    /// after `today` (in Asia/Shanghai: nothing is published in the future), a source of at most
    /// [`MAX_SOURCE_CHARS`] characters. Every bad field is reported.
    ///
    /// # Errors
    /// The fields `kind`, `percent`, `published_on`, `source` with their reasons.
    pub fn check(&self, today: NaiveDate) -> Result<NewPublication, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = match self.kind.trim() {
            "" => {
                e.push("kind", ValueError::Empty);
                None
            }
            text => e.check("kind", ReferenceKind::parse_loosely(text)),
        };
        let rate = match self.percent.trim() {
            "" => {
                e.push("percent", ValueError::Empty);
                None
            }
            text => e.check("percent", Bps::parse_percent(text)),
        };
        let published_on = match self.published_on.trim() {
            "" => {
                e.push("published_on", ValueError::Empty);
                None
            }
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Err(_) => {
                    let given: String = text.chars().take(20).collect();
                    e.push("published_on", ValueError::Invalid(format!("日期应写作 YYYY-MM-DD，实际为“{given}”")));
                    None
                }
                Ok(day) if day > today => {
                    e.push(
                        "published_on",
                        ValueError::Invalid(format!("不能晚于今天（{today}）：尚未公布的利率不能录入")),
                    );
                    None
                }
                Ok(day) => Some(day),
            },
        };
        let source = self.source.trim();
        if source.chars().count() > MAX_SOURCE_CHARS {
            e.push("source", ValueError::TooLarge { max: format!("{MAX_SOURCE_CHARS} 个字符") });
        }
        match (kind, rate, published_on) {
            (Some(kind), Some(rate), Some(published_on)) if e.is_empty() => Ok(NewPublication {
                publication: Publication { kind, rate, published_on },
                source: source.to_owned(),
                correction: self.correction,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn publication(kind: ReferenceKind, bps: u32, on: &str) -> Publication {
        Publication { kind, rate: Bps::new(bps).unwrap(), published_on: day(on) }
    }

    #[test]
    fn the_current_one_is_the_latest_on_or_before_today() {
        use ReferenceKind as K;
        let all = [
            publication(K::Lpr1y, 310, "2025-04-21"),
            publication(K::Lpr1y, 300, "2025-05-20"),
            publication(K::Lpr1y, 290, "2026-06-20"),
            publication(K::Lpr5y, 350, "2025-05-20"),
        ];
        let refs = ReferenceRates::current(all, day("2026-01-01"));
        assert_eq!(refs.get(K::Lpr1y).unwrap().rate.bps(), 300);
        assert_eq!(refs.get(K::Lpr5y).unwrap().rate.bps(), 350);
        assert!(refs.get(K::Benchmark1y).is_none());
        assert_eq!(ReferenceRates::current(all, day("2026-06-20")).get(K::Lpr1y).unwrap().rate.bps(), 290);
        // A correction of the same day, listed after it, takes its place.
        let corrected = [publication(K::Lpr1y, 305, "2025-05-20"), publication(K::Lpr1y, 300, "2025-05-20")];
        assert_eq!(ReferenceRates::current(corrected, day("2026-01-01")).get(K::Lpr1y).unwrap().rate.bps(), 300);
        assert_eq!(refs.only(&[K::Lpr5y]).all().len(), 1);
    }

    #[test]
    fn terms_fall_in_the_pbocs_bands() {
        let band = |m| ReferenceKind::benchmark_band(Months::new(m).unwrap());
        assert_eq!(band(1), ReferenceKind::Benchmark1y);
        assert_eq!(band(12), ReferenceKind::Benchmark1y);
        assert_eq!(band(13), ReferenceKind::Benchmark1to5y);
        assert_eq!(band(60), ReferenceKind::Benchmark1to5y);
        assert_eq!(band(61), ReferenceKind::Benchmark5yPlus);
    }

    #[test]
    fn a_publication_is_checked_field_by_field() {
        let today = day("2026-12-03");
        let input =
            |kind, percent, on| PublicationInput { kind, percent, published_on: on, source: "", correction: false };
        let ok = input("lpr_1y", "3.0", "2025-05-20").check(today).unwrap();
        assert_eq!(ok.publication, publication(ReferenceKind::Lpr1y, 300, "2025-05-20"));
        let zh = input("5年期以上LPR", "3.5%", "2025-05-20").check(today).unwrap();
        assert_eq!(zh.publication.kind, ReferenceKind::Lpr5y);
        assert_eq!(
            input("贷款基准利率（1 至 5 年，含 5 年）", "4.75", "2015-10-24").check(today).unwrap().publication.kind,
            ReferenceKind::Benchmark1to5y
        );
        let bad = input("lpr_2y", "101", "2026-12-04").check(today).unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["kind", "percent", "published_on"]);
        assert!(bad.0[2].error.message_zh().contains("不能晚于今天"));
        let empty = input("", "", "").check(today).unwrap_err();
        assert_eq!(empty.0.len(), 3);
        assert!(input("lpr_1y", "3.001", "2025-05-20").check(today).is_err());
        assert!(input("lpr_1y", "3", "2025/05/20").check(today).is_err());
        let long = "来".repeat(MAX_SOURCE_CHARS + 1);
        let with_source = PublicationInput { source: &long, ..input("lpr_1y", "3", "2025-05-20") };
        assert_eq!(with_source.check(today).unwrap_err().0[0].field, "source");
    }

    #[test]
    fn publications_say_where_they_come_from() {
        let lpr = publication(ReferenceKind::Lpr1y, 300, "2025-05-20");
        assert_eq!(lpr.describe_zh(), "2025-05-20 公布的 1 年期 LPR 3.00%");
        let benchmark = publication(ReferenceKind::Benchmark1y, 435, "2015-10-24");
        assert_eq!(benchmark.describe_zh(), "2015-10-24 起执行的贷款基准利率（1 年以内，含 1 年）4.35%");
        assert_eq!(lpr.describe_en(), "the 1-year LPR of 3.00% published on 2025-05-20");
    }
}
