//! The pricing and guarantee-fee columns of an import row: read into [`Pricing`] and [`GuaranteeTerms`],
//! and written back.
//!
//! | form on the page            | columns                                                                  |
//! |-----------------------------|--------------------------------------------------------------------------|
//! | 年利率 3.45%–4.8%, 最低 3.2%  | `rate_min_pct`, `rate_max_pct` (either may be empty); `rate_basis` `fixed` for 固定利率 |
//! | 月息 0.6%, 日息万分之二        | the same, with `rate_unit` `monthly` / `daily` (or the word in the cell: `月息0.6%`) |
//! | LPR + 50~150BP, LPR 加点     | `rate_basis` `lpr_1y`/`lpr_5y`, `lpr_spread_min_bps`, `lpr_spread_max_bps` (empty: 未说明) |
//! | 基准利率上浮 30%, 1.3 倍以内   | `rate_basis` `benchmark`, `benchmark_markup_min_pct`, `benchmark_markup_max_pct` |
//! | 担保费 0.5%–1.5%            | `guarantee_agency_code`, `guarantee_fee_min_pct`, `guarantee_fee_max_pct` |
//!
//! Files in the columns of before keep their meaning: `lpr_spread_bps` is one spread (with the annual
//! columns of an LPR row giving the spread range's width: they were the range at the LPR of the day, whose
//! minimum was LPR + that spread), and `guarantee_fee_pct` one fee rate.

use crate::pricing::{Figure, FineRate, Pricing, RateNotation, RatePeriod, parse_markup, parse_spread};
use crate::product::{GuaranteeTerms, validate_code};
use crate::{Bps, FieldErrors, Labelled, LprTenor, StatedRange, ValueError};

/// How a rate is set, as the `rate_basis` column says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    Unsaid,
    Fixed,
    Lpr(LprTenor),
    Benchmark,
}

/// The values of `rate_basis` as (machine name, Chinese label), for the template and the docs.
pub(crate) fn basis_values() -> Vec<(&'static str, &'static str)> {
    let mut all = vec![("fixed", "固定利率")];
    all.extend(LprTenor::ALL.iter().map(|t| (t.as_str(), t.label_zh())));
    all.push(("benchmark", "基准利率"));
    all
}

fn parse_basis(text: &str) -> Result<Basis, ValueError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let lower = compact.to_lowercase();
    let tenor = LprTenor::ALL.iter().copied().find(|t| t.as_str() == lower || t.label_zh().replace(' ', "") == compact);
    match (lower.as_str(), tenor) {
        (_, Some(tenor)) => Ok(Basis::Lpr(tenor)),
        ("fixed" | "固定利率" | "固定", _) => Ok(Basis::Fixed),
        ("一年期lpr" | "1年lpr" | "lpr1y", _) => Ok(Basis::Lpr(LprTenor::OneYear)),
        ("五年期以上lpr" | "5年期lpr" | "5年以上lpr" | "lpr5y", _) => Ok(Basis::Lpr(LprTenor::FiveYear)),
        ("benchmark" | "基准利率" | "贷款基准利率" | "人民银行基准利率" | "基准利率上浮", _) => {
            Ok(Basis::Benchmark)
        }
        _ => Err(ValueError::worded(
            format!(
                "“{}”不是定价方式，可选：fixed（固定利率）、lpr_1y（1 年期 LPR）、lpr_5y（5 年期以上 LPR）、benchmark（基准利率上浮）",
                text.chars().take(32).collect::<String>()
            ),
            format!(
                "`{}` is not a rate basis; accepted: fixed, lpr_1y, lpr_5y, benchmark (or 固定利率, 1 年期 LPR, 5 年期以上 LPR, 基准利率)",
                text.chars().take(32).collect::<String>()
            ),
        )),
    }
}

/// A column that must be empty for this basis.
fn not_for(e: &mut FieldErrors, column: &str, zh: &str, en: &str) {
    e.push(column, ValueError::worded(zh, en));
}

/// Reads the pricing columns through `cell` (a column's text, `None` when empty or 未说明), reporting every
/// bad cell. `None` when any was bad.
pub(crate) fn read_pricing<'a>(cell: impl Fn(&str) -> Option<&'a str>, e: &mut FieldErrors) -> Option<Pricing> {
    let before = e.0.len();
    let mut parsed = |column: &str, parse: &dyn Fn(&str) -> Result<_, ValueError>| -> Option<i64> {
        let text = cell(column)?;
        match parse(text) {
            Ok(v) => Some(v),
            Err(err) => {
                e.push(column, err);
                None
            }
        }
    };
    // Each cell is read once, into the one value it holds (an error is pushed, and the value left out).
    let spread = |t: &str| parse_spread(t).map(i64::from);
    let markup = |t: &str| parse_markup(t).map(i64::from);
    let legacy_spread = parsed("lpr_spread_bps", &spread);
    let spread_min = parsed("lpr_spread_min_bps", &spread);
    let spread_max = parsed("lpr_spread_max_bps", &spread);
    let markup_min = parsed("benchmark_markup_min_pct", &markup);
    let markup_max = parsed("benchmark_markup_max_pct", &markup);
    let basis = cell("rate_basis").map_or(Some(Basis::Unsaid), |t| e.check("rate_basis", parse_basis(t)));
    let unit = cell("rate_unit").map(|t| e.check("rate_unit", RatePeriod::parse_cell(t)));
    let figure = |column: &str, e: &mut FieldErrors| cell(column).map(|t| e.check(column, Figure::parse(t)));
    let min = figure("rate_min_pct", e);
    let max = figure("rate_max_pct", e);
    let basis = basis?;
    let given = |column: &str| cell(column).is_some();
    let as_i32 = |v: Option<i64>| v.and_then(|v| i32::try_from(v).ok());

    if !matches!(basis, Basis::Lpr(_)) {
        for column in ["lpr_spread_bps", "lpr_spread_min_bps", "lpr_spread_max_bps"].into_iter().filter(|c| given(c)) {
            if basis == Basis::Unsaid {
                e.push(
                    "rate_basis",
                    ValueError::worded(
                        format!("填写了 LPR 加点（{column}）时须写明 LPR 期限：lpr_1y 或 lpr_5y"),
                        format!("{column} is an LPR spread: say which LPR in rate_basis (lpr_1y or lpr_5y)"),
                    ),
                );
                break;
            }
            not_for(e, column, "只用于 LPR 定价，本行不是 LPR 定价，应留空", "only for LPR pricing: leave it empty");
        }
    }
    if basis != Basis::Benchmark {
        for column in ["benchmark_markup_min_pct", "benchmark_markup_max_pct"].into_iter().filter(|c| given(c)) {
            not_for(
                e,
                column,
                "只用于基准利率上浮定价（rate_basis 填 benchmark），本行应留空",
                "only for pricing on the PBOC benchmark rate (rate_basis benchmark): leave it empty",
            );
        }
    }
    let pricing = match basis {
        Basis::Unsaid | Basis::Fixed => stated(e, basis == Basis::Fixed, unit, min, max),
        Basis::Lpr(tenor) => {
            if given("rate_unit") {
                not_for(
                    e,
                    "rate_unit",
                    "LPR 定价的利率按年计，不填利率单位",
                    "LPR pricing is annual: leave the unit empty",
                );
            }
            lpr(e, tenor, legacy_spread, spread_min, spread_max, min, max, &given)
        }
        Basis::Benchmark => {
            for column in
                ["rate_unit", "rate_min_pct", "rate_max_pct", "lpr_spread_bps"].into_iter().filter(|c| given(c))
            {
                not_for(
                    e,
                    column,
                    "基准利率上浮定价的年利率由基准利率和上浮幅度决定，本列应留空（上浮幅度填在 benchmark_markup_min_pct / benchmark_markup_max_pct）",
                    "the rate follows the benchmark and its float: leave it empty (the float goes in benchmark_markup_min_pct / benchmark_markup_max_pct)",
                );
            }
            ordered(e, "benchmark_markup_max_pct", as_i32(markup_min), as_i32(markup_max), &|m| {
                format!("{}%", f64_free(m))
            })
            .map(|markup| Pricing::Benchmark { markup })
        }
    };
    if e.0.len() > before { None } else { pricing }
}

/// `30`, `-10`, `12.5` for a float in hundredths of a percent (text only: no float arithmetic).
fn f64_free(m: i32) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let text = Bps::new(m.unsigned_abs()).map_or_else(|_| m.to_string(), Bps::percent_text);
    format!("{sign}{}", text.trim_end_matches('%'))
}

/// A min/max pair in order (an inverted pair is reported on `field`).
fn ordered<T: Ord + Copy + std::fmt::Debug>(
    e: &mut FieldErrors,
    field: &str,
    min: Option<T>,
    max: Option<T>,
    show: &dyn Fn(T) -> String,
) -> Option<StatedRange<T>> {
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => {
            e.push(field, ValueError::InvertedRange { min: show(lo), max: show(hi) });
            None
        }
        _ => StatedRange::new(min, max).ok(),
    }
}

/// A rate stated outright: per year, month or day.
fn stated(
    e: &mut FieldErrors,
    fixed: bool,
    unit: Option<Option<RatePeriod>>,
    min: Option<Option<Figure>>,
    max: Option<Option<Figure>>,
) -> Option<Pricing> {
    if min.is_none() && max.is_none() {
        if unit.is_some_and(|u| u.is_some()) {
            not_for(e, "rate_unit", "只填了利率单位，没有填写利率", "a rate unit without a rate");
            return None;
        }
        return Some(if fixed {
            Pricing::Stated {
                period: RatePeriod::Annual,
                notation: RateNotation::Percent,
                range: StatedRange::UNSTATED,
                fixed,
            }
        } else {
            Pricing::NotStated
        });
    }
    let (min, max) = (min.flatten(), max.flatten());
    if min.is_none() && max.is_none() {
        // The cells given did not read (their errors are reported).
        return None;
    }
    // The period: the unit column's, and any word in the cells; all that are given must agree.
    let mut period = unit.flatten();
    for (column, figure) in [("rate_min_pct", min), ("rate_max_pct", max)] {
        let Some(said) = figure.and_then(|f| f.period) else { continue };
        match period {
            Some(p) if p != said => {
                e.push(
                    column,
                    ValueError::worded(
                        format!("写的是{}，与前面的{}不一致", said.label_zh(), p.label_zh()),
                        format!("says {}, unlike the {} given before", said.label_en(), p.label_en()),
                    ),
                );
                return None;
            }
            _ => period = Some(said),
        }
    }
    let period = period.unwrap_or(RatePeriod::Annual);
    let notation = min.or(max).map_or(RateNotation::Percent, |f| f.notation);
    for (column, figure) in [("rate_min_pct", min), ("rate_max_pct", max)] {
        let Some(f) = figure else { continue };
        if u64::from(f.value.millionths()) * u64::from(period.per_year()) > u64::from(FineRate::MAX.millionths()) {
            let written = f.notation.write_zh(f.value);
            e.push(
                column,
                ValueError::worded(
                    format!("{}{written} 折合年利率超过 100%", period.word_zh()),
                    format!("{} {} is above 100% a year", period.word_en(), f.notation.write_en(f.value)),
                ),
            );
            return None;
        }
    }
    let range = ordered(e, "rate_max_pct", min.map(|f| f.value), max.map(|f| f.value), &|v| notation.write_zh(v))?;
    Some(Pricing::Stated { period, notation, range, fixed })
}

/// LPR pricing, from the spread columns or, in files of before, from `lpr_spread_bps` and the annual columns.
#[allow(clippy::too_many_arguments)]
fn lpr(
    e: &mut FieldErrors,
    tenor: LprTenor,
    legacy: Option<i64>,
    spread_min: Option<i64>,
    spread_max: Option<i64>,
    min: Option<Option<Figure>>,
    max: Option<Option<Figure>>,
    given: &dyn Fn(&str) -> bool,
) -> Option<Pricing> {
    let as_i32 = |v: Option<i64>| v.and_then(|v| i32::try_from(v).ok());
    let new_form = given("lpr_spread_min_bps") || given("lpr_spread_max_bps");
    let annual_given = given("rate_min_pct") || given("rate_max_pct");
    if new_form {
        for column in ["lpr_spread_bps", "rate_min_pct", "rate_max_pct"].into_iter().filter(|c| given(c)) {
            not_for(
                e,
                column,
                "已按 lpr_spread_min_bps / lpr_spread_max_bps 填写加点，本列应留空：LPR 定价的年利率随 LPR 变动，由加点和当期 LPR 算出",
                "the spread is given in lpr_spread_min_bps / lpr_spread_max_bps: leave this empty (the annual rate follows the LPR)",
            );
        }
        let show = |s: i32| format!("{s}BP");
        let spread = ordered(e, "lpr_spread_max_bps", as_i32(spread_min), as_i32(spread_max), &show)?;
        return Some(Pricing::Lpr { tenor, spread_bps: spread });
    }
    let legacy = as_i32(legacy);
    if given("lpr_spread_bps") && legacy.is_none() {
        return None;
    }
    let (min, max) = (min.flatten(), max.flatten());
    if (given("rate_min_pct") && min.is_none()) || (given("rate_max_pct") && max.is_none()) {
        return None;
    }
    let Some(spread) = legacy else {
        if annual_given {
            not_for(
                e,
                if given("rate_min_pct") { "rate_min_pct" } else { "rate_max_pct" },
                "LPR 定价的年利率随 LPR 变动，请把加点幅度填在 lpr_spread_min_bps / lpr_spread_max_bps（页面只写“LPR 加点”时都留空），年利率列留空",
                "an LPR rate follows the LPR: give the spread in lpr_spread_min_bps / lpr_spread_max_bps (both empty for \"LPR 加点\") and leave the annual columns empty",
            );
            return None;
        }
        return Some(Pricing::Lpr { tenor, spread_bps: StatedRange::UNSTATED });
    };
    // The form of before: one spread, and the annual range at the LPR of the day, whose minimum was LPR + spread.
    let annual = |f: Figure, column: &str, e: &mut FieldErrors| {
        if f.period.is_some_and(|p| p != RatePeriod::Annual) || !f.value.millionths().is_multiple_of(100) {
            not_for(
                e,
                column,
                "LPR 定价时年利率列应为年利率百分数（最多两位小数）",
                "an LPR row's annual columns are annual percentages (two decimals at most)",
            );
            return None;
        }
        i32::try_from(f.value.millionths() / 100).ok()
    };
    let range = match (min, max) {
        (Some(lo), Some(hi)) => {
            let (lo, hi) = (annual(lo, "rate_min_pct", e)?, annual(hi, "rate_max_pct", e)?);
            if lo > hi {
                e.push("rate_max_pct", ValueError::InvertedRange { min: format!("{lo}"), max: format!("{hi}") });
                return None;
            }
            StatedRange::new(Some(spread), Some(spread + (hi - lo))).ok()?
        }
        (Some(lo), None) => {
            annual(lo, "rate_min_pct", e)?;
            StatedRange::new(Some(spread), None).ok()?
        }
        (None, Some(_)) => {
            not_for(
                e,
                "rate_max_pct",
                "按旧格式（lpr_spread_bps）填写时，只有年利率上限无法确定加点范围：请改填 lpr_spread_min_bps / lpr_spread_max_bps",
                "with lpr_spread_bps, a maximum alone does not say the spread range: use lpr_spread_min_bps / lpr_spread_max_bps",
            );
            return None;
        }
        (None, None) => StatedRange::new(Some(spread), Some(spread)).ok()?,
    };
    Some(Pricing::Lpr { tenor, spread_bps: range })
}

/// The cells of `pricing`, as an export writes them (in the new columns; empty cells left out).
pub(crate) fn pricing_cells(pricing: &Pricing) -> Vec<(&'static str, String)> {
    let mut cells = Vec::new();
    match pricing {
        Pricing::NotStated => {}
        Pricing::Stated { period, notation, range, fixed } => {
            if *fixed {
                cells.push(("rate_basis", "fixed".to_owned()));
            }
            if *period != RatePeriod::Annual {
                cells.push(("rate_unit", period.as_str().to_owned()));
            }
            cells.extend(range.min().map(|f| ("rate_min_pct", notation.write_cell(f))));
            cells.extend(range.max().map(|f| ("rate_max_pct", notation.write_cell(f))));
        }
        Pricing::Lpr { tenor, spread_bps } => {
            cells.push(("rate_basis", tenor.as_str().to_owned()));
            cells.extend(spread_bps.min().map(|s| ("lpr_spread_min_bps", s.to_string())));
            cells.extend(spread_bps.max().map(|s| ("lpr_spread_max_bps", s.to_string())));
        }
        Pricing::Benchmark { markup } => {
            cells.push(("rate_basis", "benchmark".to_owned()));
            cells.extend(markup.min().map(|m| ("benchmark_markup_min_pct", f64_free(m))));
            cells.extend(markup.max().map(|m| ("benchmark_markup_max_pct", f64_free(m))));
        }
    }
    cells
}

/// Reads the guarantee columns: an agency with a fee rate (`guarantee_fee_pct`), a range
/// (`guarantee_fee_min_pct`, `guarantee_fee_max_pct`, either may be empty) or no fee stated (未说明).
/// `Some(None)` when there is no guarantee agency; `None` when a cell was bad.
pub(crate) fn read_guarantee<'a>(
    cell: impl Fn(&str) -> Option<&'a str>,
    e: &mut FieldErrors,
) -> Option<Option<GuaranteeTerms>> {
    let before = e.0.len();
    let mut fee = |column: &str| cell(column).map(|t| e.check(column, Bps::parse_percent(t)));
    let legacy = fee("guarantee_fee_pct");
    let min = fee("guarantee_fee_min_pct");
    let max = fee("guarantee_fee_max_pct");
    let agency = cell("guarantee_agency_code");
    let any_fee = legacy.is_some() || min.is_some() || max.is_some();
    let Some(agency) = agency else {
        if any_fee {
            e.push(
                "guarantee_agency_code",
                ValueError::worded("填写担保费率时须填写合作担保机构", "a guarantee fee needs the guarantee agency"),
            );
        }
        return (e.0.len() == before).then_some(None);
    };
    let agency = e.check("guarantee_agency_code", validate_code(agency));
    if legacy.is_some() && (min.is_some() || max.is_some()) {
        e.push(
            "guarantee_fee_pct",
            ValueError::worded(
                "与 guarantee_fee_min_pct / guarantee_fee_max_pct 只能填一种：一个费率填本列，区间填那两列",
                "give one fee in this column or a range in guarantee_fee_min_pct / guarantee_fee_max_pct, not both",
            ),
        );
    }
    let range = match legacy {
        Some(one) => one.map(|f| StatedRange::stated(crate::Range::point(f))),
        None => {
            let show = |b: Bps| b.percent_text();
            ordered(e, "guarantee_fee_max_pct", min.flatten(), max.flatten(), &show)
        }
    };
    if e.0.len() > before {
        return None;
    }
    Some(Some(GuaranteeTerms { agency_code: agency?, fee: range? }))
}

/// The cells of a guarantee, as an export writes them.
pub(crate) fn guarantee_cells(g: &GuaranteeTerms) -> Vec<(&'static str, String)> {
    let pct = |b: Bps| b.percent_text().trim_end_matches('%').to_owned();
    let mut cells = vec![("guarantee_agency_code", g.agency_code.clone())];
    cells.extend(g.fee.min().map(|f| ("guarantee_fee_min_pct", pct(f))));
    cells.extend(g.fee.max().map(|f| ("guarantee_fee_max_pct", pct(f))));
    cells
}
