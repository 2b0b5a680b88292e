//! How a product is priced, as its page says it, and what that comes to per year.
//!
//! A page may give an annual range ("3.45%–4.8%", "最低 3.2%"), a monthly rate ("月息 0.6%"), a daily one
//! ("日息万分之二", "日利率 0.02%"), a loan prime rate plus a spread ("1 年期 LPR + 50~150BP", or "LPR 加点"
//! without the spread) or the PBOC benchmark rate floated up ("基准利率上浮 30%", "不超过基准利率的 1.3 倍").
//! [`Pricing`] keeps what the page wrote, in its own unit, and works out the annual equivalent:
//!
//! - A figure is kept in millionths ([`FineRate`], 0.0001 % = 0.01 bp), so 0.6 %, 6 ‰ and 万分之1.55 are kept
//!   exactly as written, with the notation the page used.
//! - Monthly and daily rates convert by the convention Chinese lenders quote with: a month is a twelfth of a
//!   year (× 12) and a year has 360 days (× 360, 一年按 360 天).
//! - LPR and benchmark pricing follow the current publication of the reference rate ([`ReferenceRates`]), so a
//!   new publication moves the product's effective rate.
//! - The annual equivalent is held exactly ([`AnnualRate`], in 10⁻¹⁰); pages, search and the cost arithmetic
//!   use it rounded half up to a whole basis point, and say "约" (about) when that rounding changed it.
//!
//! No figure here is ever a float.

use crate::money::parse_decimal;
use crate::reference::{Publication, ReferenceKind, ReferenceRates};
use crate::{Bps, Labelled, LprTenor, Months, StatedRange, ValueError};
use serde::{Deserialize, Serialize};

/// A rate figure in millionths: 1 = 0.0001 % = 0.01 bp. Fine enough to keep what pages write exactly: a
/// percentage with four decimals, 千分之 with three, 万分之 with two ("万分之1.55" = 155).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct FineRate(u32);

impl FineRate {
    /// 100 %.
    pub const MAX: Self = Self(1_000_000);

    /// # Errors
    /// Above 100 %.
    pub fn new(millionths: u32) -> Result<Self, ValueError> {
        if millionths > Self::MAX.0 {
            Err(ValueError::TooLarge { max: "100%".to_owned() })
        } else {
            Ok(Self(millionths))
        }
    }

    #[must_use]
    pub const fn millionths(self) -> u32 {
        self.0
    }

    #[must_use]
    pub const fn of_bps(rate: Bps) -> Self {
        Self(rate.bps() * 100)
    }
}

impl TryFrom<u32> for FineRate {
    type Error = ValueError;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<FineRate> for u32 {
    fn from(v: FineRate) -> Self {
        v.0
    }
}

crate::labelled_enum! {
    /// What a stated rate is per: a year, a month or a day.
    pub enum RatePeriod: "rate unit" {
        Annual => "annual", "年利率", "Annual rate",
        Monthly => "monthly", "月利率", "Monthly rate",
        Daily => "daily", "日利率", "Daily rate",
    }
}

impl RatePeriod {
    /// How many periods make a year, by the convention Chinese lenders quote with: 12 months, 360 days.
    #[must_use]
    pub const fn per_year(self) -> u32 {
        match self {
            Self::Annual => 1,
            Self::Monthly => 12,
            Self::Daily => 360,
        }
    }

    /// The word a page puts before the figure: 年利率, 月息, 日息.
    #[must_use]
    pub const fn word_zh(self) -> &'static str {
        match self {
            Self::Annual => "年利率",
            Self::Monthly => "月息",
            Self::Daily => "日息",
        }
    }

    #[must_use]
    pub const fn word_en(self) -> &'static str {
        match self {
            Self::Annual => "annual rate",
            Self::Monthly => "monthly rate",
            Self::Daily => "daily rate",
        }
    }

    /// How the figure becomes annual, in words: `按月利率 × 12 折算`.
    #[must_use]
    pub const fn convention_zh(self) -> &'static str {
        match self {
            Self::Annual => "",
            Self::Monthly => "按月利率 × 12 折算",
            Self::Daily => "按日利率 × 360 折算（一年按 360 天）",
        }
    }

    #[must_use]
    pub const fn convention_en(self) -> &'static str {
        match self {
            Self::Annual => "",
            Self::Monthly => "monthly rate × 12",
            Self::Daily => "daily rate × 360 (a 360-day year, as Chinese lenders count)",
        }
    }

    /// The words of a cell that name a period, as pages write them: 年化, 月息, 日利率…
    fn from_word(word: &str) -> Option<Self> {
        match word {
            "annual" | "年" | "年利率" | "年化" | "年化利率" | "年息" => Some(Self::Annual),
            "monthly" | "月" | "月利率" | "月息" | "月利息" => Some(Self::Monthly),
            "daily" | "日" | "日利率" | "日息" | "日利息" => Some(Self::Daily),
            _ => None,
        }
    }

    /// Reads a `rate_unit` cell: the machine name, the label, or the words pages use (年化, 月息, 日息).
    ///
    /// # Errors
    /// Anything else, naming what is accepted.
    pub fn parse_cell(text: &str) -> Result<Self, ValueError> {
        Self::from_word(&text.replace(' ', "")).ok_or_else(|| {
            ValueError::worded(
                format!(
                    "“{}”不是利率单位，可选：annual/年利率、monthly/月利率（月息）、daily/日利率（日息）",
                    clip(text)
                ),
                format!(
                    "`{}` is not a rate unit; accepted: annual, monthly, daily (or 年利率, 月息, 日息)",
                    clip(text)
                ),
            )
        })
    }
}

crate::labelled_enum! {
    /// How a page writes a rate figure: 0.6 %, 6 ‰ or 万分之6.
    pub enum RateNotation: "rate notation" {
        Percent => "percent", "百分之", "Percent",
        PerMille => "per_mille", "千分之", "Per mille",
        PerTenThousand => "per_ten_thousand", "万分之", "Per ten thousand",
    }
}

impl RateNotation {
    /// Millionths in one unit of the notation.
    const fn unit(self) -> u32 {
        match self {
            Self::Percent => 10_000,
            Self::PerMille => 1_000,
            Self::PerTenThousand => 100,
        }
    }

    /// The decimals a figure may have, so that it is a whole number of millionths.
    const fn decimals(self) -> u32 {
        match self {
            Self::Percent => 4,
            Self::PerMille => 3,
            Self::PerTenThousand => 2,
        }
    }

    /// The number of units, without its sign: `0.6`, `6`, `1.55`.
    fn number(self, f: FineRate) -> String {
        let (unit, decimals) = (self.unit(), self.decimals());
        let whole = f.0 / unit;
        let frac = f.0 % unit;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:0width$}", width = decimals as usize);
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }

    /// The figure as the page wrote it: `0.6%`, `6‰`, `万分之2`.
    #[must_use]
    pub fn write_zh(self, f: FineRate) -> String {
        match self {
            Self::Percent => format!("{}%", self.number(f)),
            Self::PerMille => format!("{}‰", self.number(f)),
            Self::PerTenThousand => format!("万分之{}", self.number(f)),
        }
    }

    /// `0.6%`, `6‰`, `2‱`.
    #[must_use]
    pub fn write_en(self, f: FineRate) -> String {
        match self {
            Self::Percent => format!("{}%", self.number(f)),
            Self::PerMille => format!("{}‰", self.number(f)),
            Self::PerTenThousand => format!("{}‱", self.number(f)),
        }
    }

    /// The figure as an import cell writes it: a percentage without its sign (`3.45`, as ever), `6‰`, `万分之2`.
    #[must_use]
    pub fn write_cell(self, f: FineRate) -> String {
        match self {
            Self::Percent => self.number(f),
            other => other.write_zh(f),
        }
    }
}

/// The first characters of a cell, for messages.
fn clip(text: &str) -> String {
    text.trim().chars().take(32).collect()
}

/// Chinese digits written out (万分之二, 一点五, 十五) as Arabic ones; other text as it is.
fn arabic(text: &str) -> String {
    let digit = |c: char| match c {
        '零' | '〇' => Some('0'),
        '一' => Some('1'),
        '二' | '两' => Some('2'),
        '三' => Some('3'),
        '四' => Some('4'),
        '五' => Some('5'),
        '六' => Some('6'),
        '七' => Some('7'),
        '八' => Some('8'),
        '九' => Some('9'),
        '点' => Some('.'),
        _ => None,
    };
    if !text.chars().any(|c| digit(c).is_some() || c == '十') {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '十' {
            // 十 = 10, 十五 = 15, 二十 = 20, 二十五 = 25.
            let before = i > 0 && digit(chars[i - 1]).is_some_and(char::is_numeric);
            let after = chars.get(i + 1).is_some_and(|n| digit(*n).is_some_and(char::is_numeric));
            if !before {
                out.push('1');
            }
            if !after {
                out.push('0');
            }
        } else {
            out.push(digit(c).unwrap_or(c));
        }
    }
    out
}

/// A rate figure read from a cell: its value, the notation it was written in, and the period, when the cell
/// names one (`月息0.6%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub period: Option<RatePeriod>,
    pub notation: RateNotation,
    pub value: FineRate,
}

impl Figure {
    /// Reads a figure as pages write it: `3.45`, `3.45%`, `6‰`, `千分之6`, `万分之1.5`, `万分之二`, `2‱`, each
    /// optionally after the period's word (`年化`, `月息`, `日利率`).
    ///
    /// # Errors
    /// Not a number, negative, more decimals than the notation keeps, or above 100 %; each message names the
    /// cell and what is accepted.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let given = clip(text);
        let compact: String = arabic(text).chars().filter(|c| !c.is_whitespace()).collect();
        let word_end = compact.find(|c: char| c.is_ascii_digit() || "万千.+-".contains(c)).unwrap_or(compact.len());
        let (word, rest) = compact.split_at(word_end);
        let period = if word.is_empty() {
            None
        } else {
            Some(RatePeriod::from_word(word).ok_or_else(|| Self::refusal(&given))?)
        };
        let (number, notation) = if let Some(n) = rest.strip_prefix("万分之") {
            (n, RateNotation::PerTenThousand)
        } else if let Some(n) = rest.strip_prefix("千分之") {
            (n, RateNotation::PerMille)
        } else if let Some(n) = rest.strip_suffix('‱') {
            (n, RateNotation::PerTenThousand)
        } else if let Some(n) = rest.strip_suffix('‰') {
            (n, RateNotation::PerMille)
        } else {
            (rest.trim_end_matches(['%', '％']), RateNotation::Percent)
        };
        let units = match parse_decimal(number, notation.decimals()) {
            Ok(units) => units,
            Err(ValueError::Negative) => return Err(ValueError::Negative),
            Err(ValueError::TooPrecise { .. }) => {
                let max = notation.decimals();
                return Err(ValueError::worded(
                    format!("“{given}”的小数位过多：{}最多保留 {max} 位小数", notation.label_zh()),
                    format!("`{given}` has too many decimals: at most {max} in this notation"),
                ));
            }
            Err(_) => return Err(Self::refusal(&given)),
        };
        // The notation's decimals make `units` millionths already (0.6 % = 6,000; 6 ‰ = 6,000; 万分之2 = 200).
        let value = u32::try_from(units)
            .ok()
            .and_then(|m| FineRate::new(m).ok())
            .ok_or_else(|| ValueError::worded(format!("“{given}”超过 100%"), format!("`{given}` is above 100%")))?;
        Ok(Self { period, notation, value })
    }

    fn refusal(given: &str) -> ValueError {
        ValueError::worded(
            format!(
                "“{given}”不是有效的利率：可写 3.45 或 3.45%（百分比）、6‰ 或 千分之6、万分之2，可在前面注明 年化/月息/日息"
            ),
            format!(
                "`{given}` is not a rate: write 3.45 or 3.45% (percent), 6‰, 万分之2 (per ten thousand), optionally after 年化/月息/日息"
            ),
        )
    }
}

/// A spread over the LPR in whole basis points, −2,000 to 2,000.
pub const MAX_SPREAD_BPS: i32 = 2_000;
/// The benchmark rate may be floated from −90 % (0.1 times) to +300 % (4 times: the old cap on micro-credit
/// rates, "不超过基准利率的 4 倍"), in hundredths of a percent of it.
pub const MARKUP_RANGE: (i32, i32) = (-9_000, 30_000);

/// Reads an LPR spread cell: `50`, `+50`, `-20`, `50BP`, `50 基点`.
///
/// # Errors
/// Not a whole number of basis points, or beyond ±2,000.
pub fn parse_spread(text: &str) -> Result<i32, ValueError> {
    let given = clip(text);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let number = compact
        .trim_end_matches("基点")
        .trim_end_matches(['P', 'p'])
        .trim_end_matches(['B', 'b'])
        .trim_start_matches('+');
    let spread: i32 = number.parse().map_err(|_| {
        ValueError::worded(
            format!("“{given}”不是加点幅度：应为整数基点，如 50、-20、50BP（1 基点 = 0.01%）"),
            format!("`{given}` is not a spread: a whole number of basis points such as 50, -20 or 50BP"),
        )
    })?;
    if spread.abs() > MAX_SPREAD_BPS {
        return Err(ValueError::TooLarge { max: format!("±{MAX_SPREAD_BPS} 基点") });
    }
    Ok(spread)
}

/// Reads a benchmark float cell in hundredths of a percent: `30` or `30%` or `上浮30%` (+30 %), `-10` or
/// `下浮10%` (−10 %), `1.3倍` (1.3 times the benchmark: +30 %).
///
/// # Errors
/// Not one of those forms, too many decimals, or beyond −90 %…+300 %.
pub fn parse_markup(text: &str) -> Result<i32, ValueError> {
    let given = clip(text);
    let compact: String = arabic(text).chars().filter(|c| !c.is_whitespace()).collect();
    let refused = || {
        ValueError::worded(
            format!(
                "“{given}”不是基准利率的浮动幅度：可写 30 或 30%（上浮 30%）、-10 或 下浮10%、1.3倍（不超过基准利率的 1.3 倍即上浮上限 30%）"
            ),
            format!(
                "`{given}` is not a float over the benchmark: write 30 or 30% (up 30%), -10 (down 10%), or 1.3倍 (1.3 times: up 30%)"
            ),
        )
    };
    let markup: i64 = if let Some(times) = compact.strip_suffix('倍') {
        let times = times.trim_start_matches("不超过").trim_start_matches("基准利率的");
        let ten_thousandths = parse_decimal(times, 4).map_err(|_| refused())?;
        ten_thousandths - 10_000
    } else {
        let (sign, number) = if let Some(n) = compact.strip_prefix("下浮") {
            (-1, n)
        } else if let Some(n) = compact.strip_prefix('-') {
            (-1, n)
        } else {
            (1, compact.trim_start_matches("上浮").trim_start_matches('+'))
        };
        let number = number.trim_end_matches(['%', '％']);
        sign * parse_decimal(number, 2).map_err(|_| refused())?
    };
    let (lo, hi) = MARKUP_RANGE;
    i32::try_from(markup).ok().filter(|m| (lo..=hi).contains(m)).ok_or_else(|| {
        ValueError::worded(
            format!("“{given}”超出范围：基准利率的浮动幅度应在 −90% 至 +300%（0.1 至 4 倍）之间"),
            format!("`{given}` is out of range: a float of −90% to +300% (0.1 to 4 times)"),
        )
    })
}

/// A float over the benchmark as pages write it: `上浮 30%`, `下浮 10%`, `基准利率`.
fn markup_zh(m: i32) -> String {
    let pct = percent(m);
    match m {
        0 => "不浮动".to_owned(),
        m if m > 0 => format!("上浮 {pct}"),
        _ => format!("下浮 {pct}"),
    }
}

fn markup_en(m: i32) -> String {
    let pct = percent(m);
    match m {
        0 => "no float".to_owned(),
        m if m > 0 => format!("+{pct}"),
        _ => format!("−{pct}"),
    }
}

/// A spread as written after the LPR: `+50BP`, `-20BP`.
fn spread_zh(s: i32) -> String {
    if s < 0 { format!("-{}BP", s.unsigned_abs()) } else { format!("+{s}BP") }
}

/// Which end of a range a quote is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeEnd {
    Low,
    High,
}

impl RangeEnd {
    fn of<T: Ord + Copy + std::fmt::Debug>(self, range: &StatedRange<T>) -> Option<T> {
        match self {
            Self::Low => range.min(),
            Self::High => range.max(),
        }
    }
}

/// An annual rate held exactly, in units of 10⁻¹⁰ (a millionth of a basis point): monthly and daily figures
/// × 12 or × 360, and a benchmark rate × (1 + its float), are kept without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnualRate(u64);

const UNITS_PER_BP: u64 = 1_000_000;
const UNITS_PER_MILLIONTH: u64 = 10_000;

impl AnnualRate {
    #[must_use]
    pub const fn of_bps(rate: Bps) -> Self {
        Self(rate.bps() as u64 * UNITS_PER_BP)
    }

    /// Rounded half up to a whole basis point: the rate pages show, search sorts by and the cost arithmetic
    /// uses. A rate above 100 % (no lawful product's; only absurd reference values could make one) is held at
    /// 100 %, where [`Bps`] ends.
    #[must_use]
    pub fn bps(self) -> Bps {
        let whole = (self.0 + UNITS_PER_BP / 2) / UNITS_PER_BP;
        u32::try_from(whole).ok().and_then(|b| Bps::new(b).ok()).unwrap_or(Bps::MAX)
    }

    /// Whether the rate is a whole basis point (shown without 约).
    #[must_use]
    pub const fn is_whole_bp(self) -> bool {
        self.0.is_multiple_of(UNITS_PER_BP)
    }

    /// `7.2%`, or `约 5.66%` when rounded.
    #[must_use]
    pub fn text_zh(self) -> String {
        if self.is_whole_bp() { self.bps().percent_text() } else { format!("约 {}", self.bps().percent_text()) }
    }

    /// `7.2%`, or `about 5.66%`.
    #[must_use]
    pub fn text_en(self) -> String {
        if self.is_whole_bp() { self.bps().percent_text() } else { format!("about {}", self.bps().percent_text()) }
    }
}

/// An annual range's text: `3.5% – 4.5%`, `约 5.66% – 6.37%` (约 once, when any bound was rounded), `3.2% 起`.
#[must_use]
pub fn annual_text_zh(range: &StatedRange<AnnualRate>) -> String {
    let text = range.text_zh(|r| r.bps().percent_text());
    if rounded(range) { format!("约 {text}") } else { text }
}

#[must_use]
pub fn annual_text_en(range: &StatedRange<AnnualRate>) -> String {
    let text = range.text_en(|r| r.bps().percent_text());
    if rounded(range) { format!("about {text}") } else { text }
}

/// Whether a bound of the range is not a whole basis point.
fn rounded(range: &StatedRange<AnnualRate>) -> bool {
    [range.min(), range.max()].into_iter().flatten().any(|r| !r.is_whole_bp())
}

/// The words that say how a rounded rate was rounded.
pub const ROUNDING_ZH: &str = "四舍五入到 0.01%";
pub const ROUNDING_EN: &str = "rounded half up to 0.01%";

/// How a product is priced, as its page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pricing {
    /// The page says nothing of the rate (未说明).
    NotStated,
    /// A rate per year, month or day, as written (either bound may be unstated: "最低 3.2%" is a minimum
    /// alone). `fixed`: the page calls it 固定利率.
    Stated { period: RatePeriod, notation: RateNotation, range: StatedRange<FineRate>, fixed: bool },
    /// A loan prime rate plus a spread in basis points: one spread ("LPR+50BP"), a range ("LPR+50~150BP"), a
    /// floor ("LPR+50BP 起"), or nothing stated ("LPR 加点").
    Lpr { tenor: LprTenor, spread_bps: StatedRange<i32> },
    /// The PBOC benchmark lending rate of the loan's term band, floated by `markup` hundredths of a percent
    /// of itself ("上浮 30%" = 3,000; "不超过基准利率的 1.3 倍" = a maximum of 3,000; "下浮 10%" = −1,000).
    Benchmark { markup: StatedRange<i32> },
}

/// The words of a quote's rate: what it rests on, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateQuote {
    pub rate: AnnualRate,
    /// A reference rate alone stands in for a spread or float the page does not state: not a firm figure.
    pub estimate: bool,
    pub words_zh: String,
    pub words_en: String,
}

/// A product's rate as pages show it: as written, per year, and how the one became the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateText {
    /// As the page writes it: `月息 0.6%`, `1 年期 LPR + 50~150BP`, `基准利率上浮 30%`, `未说明`.
    pub written_zh: String,
    pub written_en: String,
    /// Per year: `7.2%`, `约 5.66% – 6.37%`, `未说明`.
    pub annual_zh: String,
    pub annual_en: String,
    /// How the annual figure was worked out, when it was: `按月利率 × 12 折算`, `按 2025-05-20 公布的 1 年期 LPR
    /// 3.00% 计`.
    pub how_zh: Option<String>,
    pub how_en: Option<String>,
}

impl RateText {
    /// One line: the rate as written, then per year and how (`月息 0.6%（年化 7.2%，按月利率 × 12 折算）`).
    #[must_use]
    pub fn line_zh(&self) -> String {
        match &self.how_zh {
            None => self.written_zh.clone(),
            Some(how) if self.annual_zh == "未说明" => format!("{}；{how}", self.written_zh),
            Some(how) => format!("{}（年化 {}，{how}）", self.written_zh, self.annual_zh),
        }
    }

    #[must_use]
    pub fn line_en(&self) -> String {
        match &self.how_en {
            None => self.written_en.clone(),
            Some(how) if self.annual_en == "Not stated" => format!("{}; {how}", self.written_en),
            Some(how) => format!("{} ({} a year, {how})", self.written_en, lower_first(&self.annual_en)),
        }
    }
}

impl Pricing {
    /// The reference kinds the price follows (the three benchmark bands for benchmark pricing: the band is
    /// the loan's).
    #[must_use]
    pub fn reference_kinds(&self) -> &'static [ReferenceKind] {
        match self {
            Self::Lpr { tenor: LprTenor::OneYear, .. } => &[ReferenceKind::Lpr1y],
            Self::Lpr { tenor: LprTenor::FiveYear, .. } => &[ReferenceKind::Lpr5y],
            Self::Benchmark { .. } => &ReferenceKind::BENCHMARK_BANDS,
            Self::NotStated | Self::Stated { .. } => &[],
        }
    }

    /// The LPR pricing of `tenor` whose annual range at the current LPR in `refs` is `lo`–`hi` (for data
    /// generated as annual ranges: synthetic and demo products); `None` when that LPR was never entered.
    #[must_use]
    pub fn lpr_at(tenor: LprTenor, lo: Bps, hi: Bps, refs: &ReferenceRates) -> Option<Self> {
        let lpr = i64::from(refs.get(ReferenceKind::of_lpr(tenor))?.rate.bps());
        let spread = |b: Bps| i32::try_from(i64::from(b.bps()) - lpr).ok();
        let spread_bps = StatedRange::new(Some(spread(lo)?), Some(spread(hi)?)).ok()?;
        Some(Self::Lpr { tenor, spread_bps })
    }

    /// A fixed annual rate of `lo`–`hi`, in percent as pages write it.
    #[must_use]
    pub fn fixed_annual(lo: Bps, hi: Bps) -> Self {
        Self::Stated {
            period: RatePeriod::Annual,
            notation: RateNotation::Percent,
            range: StatedRange::new(Some(FineRate::of_bps(lo)), Some(FineRate::of_bps(hi)))
                .unwrap_or(StatedRange::UNSTATED),
            fixed: true,
        }
    }

    /// Whether the rate follows a published reference rate.
    #[must_use]
    pub fn follows_reference(&self) -> bool {
        !self.reference_kinds().is_empty()
    }

    /// Whether the page says nothing of the rate at all.
    #[must_use]
    pub fn is_not_stated(&self) -> bool {
        matches!(self, Self::NotStated)
    }

    /// The publications the price of loans with terms in `terms` rests on: the LPR of its tenor, or the
    /// benchmark bands `terms` spans (all three when the terms are not stated). `None` when one of them has
    /// not been entered.
    fn publications(&self, refs: &ReferenceRates, terms: &StatedRange<Months>) -> Option<Vec<Publication>> {
        match self {
            Self::Lpr { tenor, .. } => Some(vec![*refs.get(ReferenceKind::of_lpr(*tenor))?]),
            Self::Benchmark { .. } => {
                let band = |m: Option<Months>, default: ReferenceKind| m.map_or(default, ReferenceKind::benchmark_band);
                let lo = band(terms.min(), ReferenceKind::Benchmark1y);
                let hi = band(terms.max(), ReferenceKind::Benchmark5yPlus);
                ReferenceKind::BENCHMARK_BANDS
                    .iter()
                    .filter(|k| (lo..=hi).contains(k))
                    .map(|k| refs.get(*k).copied())
                    .collect()
            }
            Self::NotStated | Self::Stated { .. } => Some(Vec::new()),
        }
    }

    /// What the price comes to per year for loans with terms in `terms` (a product's stated term range, or
    /// one loan's term as a point), at the reference rates `refs`. A bound the page leaves out stays
    /// unstated, and so does every bound when a reference the price follows was never entered.
    #[must_use]
    pub fn annual(&self, refs: &ReferenceRates, terms: &StatedRange<Months>) -> StatedRange<AnnualRate> {
        let Some(publications) = self.publications(refs, terms) else { return StatedRange::UNSTATED };
        let lowest = publications.iter().map(|p| u64::from(p.rate.bps())).min();
        let highest = publications.iter().map(|p| u64::from(p.rate.bps())).max();
        match self {
            Self::NotStated => StatedRange::UNSTATED,
            Self::Stated { period, range, .. } => {
                let per_year = u64::from(period.per_year());
                range.map(|f| AnnualRate(u64::from(f.0) * per_year * UNITS_PER_MILLIONTH))
            }
            Self::Lpr { spread_bps, .. } => {
                let at = |reference: Option<u64>, spread: Option<i32>| {
                    let total = i64::try_from(reference?).ok()? + i64::from(spread?);
                    // A spread below a (very low) reference would be a negative rate: no rate is below 0.
                    Some(AnnualRate(u64::try_from(total.max(0)).ok()? * UNITS_PER_BP))
                };
                StatedRange::new(at(lowest, spread_bps.min()), at(highest, spread_bps.max()))
                    .unwrap_or(StatedRange::UNSTATED)
            }
            Self::Benchmark { markup } => {
                let at = |reference: Option<u64>, markup: Option<i32>| {
                    let factor = u64::try_from(10_000 + i64::from(markup?)).ok()?;
                    // bps × 10⁶ × (10,000 + m) / 10,000 = bps × (10,000 + m) × 100: exact.
                    Some(AnnualRate(reference? * factor * 100))
                };
                StatedRange::new(at(lowest, markup.min()), at(highest, markup.max())).unwrap_or(StatedRange::UNSTATED)
            }
        }
    }

    /// The price as the page writes it: `年利率 3.45% – 4.8%（固定利率）`, `月息 0.6%`, `日息万分之2`,
    /// `1 年期 LPR + 50~150BP`, `1 年期 LPR 加点（加点幅度未说明）`, `基准利率上浮 30%`, `未说明`.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Self::NotStated => "未说明".to_owned(),
            Self::Stated { range, fixed: true, .. } if range.is_unstated() => "固定利率（利率未说明）".to_owned(),
            Self::Stated { period, notation, range, fixed } => {
                let figures = range.text_zh(|f| notation.write_zh(f));
                let space = if *notation == RateNotation::PerTenThousand && range.min().is_some() { "" } else { " " };
                let text = format!("{}{space}{figures}", period.word_zh());
                if *fixed { format!("{text}（固定利率）") } else { text }
            }
            Self::Lpr { tenor, spread_bps } => {
                let lpr = tenor.label_zh();
                match (spread_bps.min(), spread_bps.max()) {
                    (None, None) => format!("{lpr} 加点（加点幅度未说明）"),
                    (Some(0), Some(0)) => lpr.to_owned(),
                    (Some(lo), Some(hi)) if lo == hi => format!("{lpr} {}", spread_zh(lo)),
                    (Some(lo), Some(hi)) => format!("{lpr} {}~{}BP", spread_zh(lo).trim_end_matches("BP"), hi),
                    (Some(lo), None) => format!("{lpr} {} 起", spread_zh(lo)),
                    (None, Some(hi)) => format!("{lpr} 加点，最高 {}", spread_zh(hi)),
                }
            }
            Self::Benchmark { markup } => match (markup.min(), markup.max()) {
                (None, None) => "基准利率上浮（幅度未说明）".to_owned(),
                (Some(lo), Some(hi)) if lo == hi => format!("基准利率{}", markup_zh(lo)),
                (Some(lo), Some(hi)) if lo > 0 => format!("基准利率{} – {}", markup_zh(lo), percent(hi)),
                (Some(lo), Some(hi)) => format!("基准利率{} 至 {}", markup_zh(lo), markup_zh(hi)),
                (Some(lo), None) => format!("基准利率{} 起", markup_zh(lo)),
                (None, Some(hi)) => format!("不超过基准利率的 {} 倍", times(hi)),
            },
        }
    }

    /// `Annual rate 3.45% – 4.8% (fixed)`, `Monthly rate 0.6%`, `1-year LPR + 50–150 bp`, `Benchmark rate +30%`.
    #[must_use]
    pub fn describe_en(&self) -> String {
        match self {
            Self::NotStated => "Not stated".to_owned(),
            Self::Stated { range, fixed: true, .. } if range.is_unstated() => "Fixed rate (not stated)".to_owned(),
            Self::Stated { period, notation, range, fixed } => {
                let figures = lower_first(&range.text_en(|f| notation.write_en(f)));
                let word = period.word_en();
                let mut chars = word.chars();
                let word = chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
                if *fixed { format!("{word} {figures} (fixed)") } else { format!("{word} {figures}") }
            }
            Self::Lpr { tenor, spread_bps } => {
                let lpr = tenor.label_en();
                let bp = |s: i32| if s < 0 { format!("− {} bp", s.unsigned_abs()) } else { format!("+ {s} bp") };
                match (spread_bps.min(), spread_bps.max()) {
                    (None, None) => format!("{lpr} plus a spread (not stated)"),
                    (Some(0), Some(0)) => lpr.to_owned(),
                    (Some(lo), Some(hi)) if lo == hi => format!("{lpr} {}", bp(lo)),
                    (Some(lo), Some(hi)) => format!("{lpr} {} to {hi} bp", bp(lo).trim_end_matches(" bp")),
                    (Some(lo), None) => format!("{lpr} {} or more", bp(lo)),
                    (None, Some(hi)) => format!("{lpr} plus a spread of at most {hi} bp"),
                }
            }
            Self::Benchmark { markup } => match (markup.min(), markup.max()) {
                (None, None) => "PBOC benchmark rate plus a float (not stated)".to_owned(),
                (Some(lo), Some(hi)) if lo == hi => format!("PBOC benchmark rate {}", markup_en(lo)),
                (Some(lo), Some(hi)) => format!("PBOC benchmark rate {} to {}", markup_en(lo), markup_en(hi)),
                (Some(lo), None) => format!("PBOC benchmark rate {} or more", markup_en(lo)),
                (None, Some(hi)) => format!("At most {} times the PBOC benchmark rate", times(hi)),
            },
        }
    }

    /// The rate as pages show it for loans with terms in `terms`: as written, per year, and how.
    #[must_use]
    pub fn text(&self, refs: &ReferenceRates, terms: &StatedRange<Months>) -> RateText {
        let annual = self.annual(refs, terms);
        let rounding = |zh: bool| {
            if rounded(&annual) {
                if zh { format!("，{ROUNDING_ZH}") } else { format!(", {ROUNDING_EN}") }
            } else {
                String::new()
            }
        };
        let (how_zh, how_en) = match self {
            Self::NotStated => (None, None),
            Self::Stated { period: RatePeriod::Annual, .. } => (None, None),
            Self::Stated { range, .. } if range.is_unstated() => (None, None),
            Self::Stated { period, .. } => (
                Some(format!("{}{}", period.convention_zh(), rounding(true))),
                Some(format!("{}{}", period.convention_en(), rounding(false))),
            ),
            Self::Lpr { .. } | Self::Benchmark { .. } => match self.publications(refs, terms) {
                None => (
                    Some("参考利率尚未录入，无法折算年利率".to_owned()),
                    Some("the reference rate has not been entered".to_owned()),
                ),
                Some(publications) => {
                    let (zh, en) = reference_words(&publications);
                    if annual.is_unstated() {
                        (Some(format!("参考：{}", zh.trim())), Some(format!("for reference, {en}")))
                    } else {
                        (Some(format!("按{zh}计{}", rounding(true))), Some(format!("at {en}{}", rounding(false))))
                    }
                }
            },
        };
        RateText {
            written_zh: self.describe_zh(),
            written_en: self.describe_en(),
            annual_zh: annual_text_zh(&annual),
            annual_en: annual_text_en(&annual),
            how_zh,
            how_en,
        }
    }

    /// The rate a loan of `term` is quoted at on `end` of the product's range, and the assumption in words;
    /// `None` when that end is not stated (or the reference was never entered): never a made-up figure.
    #[must_use]
    pub fn quote(&self, refs: &ReferenceRates, term: Months, end: RangeEnd) -> Option<RateQuote> {
        let terms = StatedRange::stated(crate::Range::point(term));
        let annual = self.annual(refs, &terms);
        let rate = end.of(&annual)?;
        let ranged = annual.min().is_some() && annual.max().is_some() && annual.min() != annual.max();
        let floor = annual.min().is_some() && annual.max().is_none();
        let (pick_zh, pick_en) = match (ranged, floor, end) {
            (true, _, RangeEnd::Low) => ("，区间取低值", ", the low end of the range"),
            (true, _, RangeEnd::High) => ("，区间取高值", ", the high end of the range"),
            (false, true, _) => ("，按下限测算，实际不低于此", ", at the stated minimum; the rate is no lower"),
            _ => ("", ""),
        };
        let round_zh = if rate.is_whole_bp() { String::new() } else { format!("（{ROUNDING_ZH}）") };
        let round_en = if rate.is_whole_bp() { String::new() } else { format!(" ({ROUNDING_EN})") };
        let (words_zh, words_en) = match self {
            Self::NotStated => return None,
            Self::Stated { period: RatePeriod::Annual, .. } => (
                format!("{}{pick_zh}：年化 {}", self.describe_zh(), rate.text_zh()),
                format!("{}{pick_en}: {} a year", self.describe_en(), rate.text_en()),
            ),
            Self::Stated { period, .. } => (
                format!(
                    "{} 按 × {} 折算为年化{pick_zh}：{}{round_zh}",
                    self.describe_zh(),
                    period.per_year(),
                    rate.text_zh()
                ),
                format!(
                    "{} × {} as an annual rate{pick_en}: {}{round_en}",
                    self.describe_en(),
                    period.per_year(),
                    rate.text_en()
                ),
            ),
            Self::Lpr { tenor, spread_bps } => {
                let p = self.publications(refs, &terms)?.into_iter().next()?;
                let spread = spread_bps.text_zh(|s| format!("{s}BP"));
                let spread = if spread_bps.min() == Some(0) && spread_bps.max() == Some(0) {
                    String::new()
                } else {
                    format!(" 加 {spread}")
                };
                (
                    format!(
                        "按 {} 公布的 {} {}{spread} 计{pick_zh}：年化 {}",
                        p.published_on,
                        tenor.label_zh(),
                        p.rate.percent_text_fixed(),
                        rate.text_zh()
                    ),
                    format!(
                        "at {} plus {}{pick_en}: {} a year",
                        p.describe_en(),
                        spread_bps.text_en(|s| format!("{s} bp")),
                        rate.text_en()
                    ),
                )
            }
            Self::Benchmark { markup } => {
                let p = self.publications(refs, &terms)?.into_iter().next()?;
                (
                    format!(
                        "按 {} 起执行的{}{} {} 计{pick_zh}：年化 {}{round_zh}",
                        p.published_on,
                        p.kind.label_zh(),
                        p.rate.percent_text_fixed(),
                        markup.text_zh(markup_zh),
                        rate.text_zh()
                    ),
                    format!(
                        "at {} {}{pick_en}: {} a year{round_en}",
                        p.describe_en(),
                        markup.text_en(markup_en),
                        rate.text_en()
                    ),
                )
            }
        };
        Some(RateQuote { rate, estimate: false, words_zh, words_en })
    }

    /// A clearly marked estimate for a loan of `term` when the page names the reference rate but not the
    /// lower bound of its spread or float ("LPR 加点"): the reference rate itself. `None` for every other
    /// price (a stated minimum is quoted by [`Self::quote`]; a rate not stated at all is not quoted).
    #[must_use]
    pub fn estimate(&self, refs: &ReferenceRates, term: Months) -> Option<RateQuote> {
        let (what_zh, what_en) = match self {
            Self::Lpr { spread_bps, .. } if spread_bps.min().is_none() => {
                ("加点幅度未说明", "the spread is not stated")
            }
            Self::Benchmark { markup } if markup.min().is_none() => ("浮动幅度未说明", "the float is not stated"),
            _ => return None,
        };
        let terms = StatedRange::stated(crate::Range::point(term));
        let p = self.publications(refs, &terms)?.into_iter().next()?;
        let on =
            if p.kind.is_benchmark() { format!("{} 起执行", p.published_on) } else { p.published_on.to_string() };
        Some(RateQuote {
            rate: AnnualRate::of_bps(p.rate),
            estimate: true,
            words_zh: format!(
                "参考估算：{what_zh}，按{} {}（{on}）本身估算，实际以银行审批为准",
                space_before(p.kind.label_zh()),
                p.rate.percent_text_fixed()
            ),
            words_en: format!(
                "Estimate only: {what_en}, so the {} of {} ({}) itself is used; the lender's approval decides the rate",
                p.kind.label_en(),
                p.rate.percent_text_fixed(),
                p.published_on
            ),
        })
    }
}

/// `From 3%` → `from 3%`, for a range's text in the middle of a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// A label that starts with a digit gets a space after a Chinese word (`按 1 年期 LPR`).
fn space_before(label: &str) -> String {
    if label.starts_with(|c: char| c.is_ascii_digit()) { format!(" {label}") } else { label.to_owned() }
}

/// A float in hundredths of a percent as times the benchmark: 3,000 → `1.3`.
fn times(markup: i32) -> String {
    let t = u32::try_from(10_000 + markup).unwrap_or(0);
    let frac = format!("{:04}", t % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { (t / 10_000).to_string() } else { format!("{}.{frac}", t / 10_000) }
}

/// The size of a float, without its sign: `30%`.
fn percent(markup: i32) -> String {
    Bps::new(markup.unsigned_abs()).map_or_else(|_| String::new(), Bps::percent_text)
}

/// The publications a price rests on, in words: `2025-05-20 公布的 1 年期 LPR 3.00%`, or for benchmark bands
/// `2015-10-24 起执行的贷款基准利率（1 年以内，含 1 年 4.35%；1 至 5 年，含 5 年 4.75%）`.
fn reference_words(publications: &[Publication]) -> (String, String) {
    match publications {
        [one] => (format!(" {} ", one.describe_zh()), one.describe_en()),
        many => {
            let bands_zh: Vec<String> = many
                .iter()
                .map(|p| {
                    let band = p.kind.label_zh().trim_start_matches("贷款基准利率（").trim_end_matches('）');
                    format!("{band} {}（{} 起）", p.rate.percent_text_fixed(), p.published_on)
                })
                .collect();
            let bands_en: Vec<String> =
                many.iter().map(|p| format!("{} from {}", p.rate.percent_text_fixed(), p.published_on)).collect();
            (
                format!("中国人民银行贷款基准利率（按贷款期限所在档次：{}）", bands_zh.join("；")),
                format!("the PBOC benchmark rates ({}) of the loan's term band", bands_en.join("; ")),
            )
        }
    }
}

#[cfg(test)]
mod tests;
