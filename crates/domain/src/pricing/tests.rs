use super::*;
use crate::{Publication, Range};
use chrono::NaiveDate;
use proptest::prelude::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The publications the migration seeds: the LPR of 2025-05-20 and the PBOC benchmark rates of 2015-10-24.
fn seeded() -> ReferenceRates {
    let p = |kind, bps, on| Publication { kind, rate: Bps::new(bps).unwrap(), published_on: day(on) };
    use ReferenceKind as K;
    ReferenceRates::current(
        [
            p(K::Lpr1y, 300, "2025-05-20"),
            p(K::Lpr5y, 350, "2025-05-20"),
            p(K::Benchmark1y, 435, "2015-10-24"),
            p(K::Benchmark1to5y, 475, "2015-10-24"),
            p(K::Benchmark5yPlus, 490, "2015-10-24"),
        ],
        day("2026-12-03"),
    )
}

fn months(m: u16) -> Months {
    Months::new(m).unwrap()
}

fn terms(min: u16, max: u16) -> StatedRange<Months> {
    StatedRange::stated(Range::new(months(min), months(max)).unwrap())
}

fn figure(text: &str) -> Figure {
    Figure::parse(text).unwrap()
}

fn stated(period: RatePeriod, text_min: Option<&str>, text_max: Option<&str>) -> Pricing {
    let min = text_min.map(figure);
    let max = text_max.map(figure);
    let notation = min.or(max).unwrap().notation;
    Pricing::Stated {
        period,
        notation,
        range: StatedRange::new(min.map(|f| f.value), max.map(|f| f.value)).unwrap(),
        fixed: false,
    }
}

fn range<T: Ord + Copy + std::fmt::Debug>(min: Option<T>, max: Option<T>) -> StatedRange<T> {
    StatedRange::new(min, max).unwrap()
}

fn bps_of(r: &StatedRange<AnnualRate>) -> (Option<u32>, Option<u32>) {
    (r.min().map(|a| a.bps().bps()), r.max().map(|a| a.bps().bps()))
}

#[test]
fn figures_are_kept_exactly_as_written() {
    let f = |text: &str| {
        let f = figure(text);
        (f.period, f.notation, f.value.millionths())
    };
    use RateNotation as N;
    assert_eq!(f("3.45"), (None, N::Percent, 34_500));
    assert_eq!(f("0.6%"), (None, N::Percent, 6_000));
    assert_eq!(f("月息 0.6%"), (Some(RatePeriod::Monthly), N::Percent, 6_000));
    assert_eq!(f("日息万分之二"), (Some(RatePeriod::Daily), N::PerTenThousand, 200));
    assert_eq!(f("万分之1.5"), (None, N::PerTenThousand, 150));
    assert_eq!(f("万分之1.55"), (None, N::PerTenThousand, 155));
    assert_eq!(f("万分之一点五"), (None, N::PerTenThousand, 150));
    assert_eq!(f("2‱"), (None, N::PerTenThousand, 200));
    assert_eq!(f("6‰"), (None, N::PerMille, 6_000));
    assert_eq!(f("千分之4.5"), (None, N::PerMille, 4_500));
    assert_eq!(f("日利率0.02%"), (Some(RatePeriod::Daily), N::Percent, 200));
    assert_eq!(f("年化3.2%"), (Some(RatePeriod::Annual), N::Percent, 32_000));
    assert_eq!(f("万分之十五"), (None, N::PerTenThousand, 1_500));
    assert_eq!(f("0.0155%"), (None, N::Percent, 155));
    assert!(Figure::parse("万分之1.555").is_err(), "a hundredth of 万分之 is the finest unit");
    assert!(Figure::parse("0.00001%").is_err());
    assert!(Figure::parse("周息1%").is_err());
    assert!(Figure::parse("-1").is_err());
    assert!(Figure::parse("101").is_err());
    for (text, written) in [("0.6", "0.6%"), ("万分之1.5", "万分之1.5"), ("6‰", "6‰"), ("0.0155", "0.0155%")]
    {
        let f = figure(text);
        assert_eq!(f.notation.write_zh(f.value), written);
        assert_eq!(Figure::parse(&f.notation.write_cell(f.value)).unwrap(), f);
    }
}

#[test]
fn monthly_and_daily_rates_convert_exactly() {
    let refs = ReferenceRates::default();
    let annual = |p: Pricing| p.annual(&refs, &StatedRange::UNSTATED);
    // 月息 0.6% × 12 = 7.2%, exactly.
    let monthly = annual(stated(RatePeriod::Monthly, Some("0.6%"), None));
    assert_eq!(bps_of(&monthly), (Some(720), None));
    assert!(monthly.min().unwrap().is_whole_bp());
    // 日息万分之2 × 360 = 7.2%; 万分之1.5 × 360 = 5.4%; 万分之1.55 × 360 = 5.58%.
    assert_eq!(bps_of(&annual(stated(RatePeriod::Daily, Some("万分之2"), None))), (Some(720), None));
    assert_eq!(
        bps_of(&annual(stated(RatePeriod::Daily, Some("万分之1.5"), Some("万分之1.55")))),
        (Some(540), Some(558))
    );
    // 日利率 0.0123% × 360 = 4.428%: not a whole basis point, shown about 4.43%.
    let odd = annual(stated(RatePeriod::Daily, Some("0.0123%"), None));
    assert_eq!(bps_of(&odd), (Some(443), None));
    assert!(!odd.min().unwrap().is_whole_bp());
    assert_eq!(odd.min().unwrap().text_zh(), "约 4.43%");
    assert_eq!(annual_text_zh(&odd), "约 4.43% 起");
    // Half up: 月息 0.33375% × 12 = 4.005% → 4.01%.
    assert_eq!(bps_of(&annual(stated(RatePeriod::Monthly, Some("0.3337"), None))).0, Some(400));
    assert_eq!(bps_of(&annual(stated(RatePeriod::Monthly, Some("0.3338"), None))).0, Some(401));
    assert_eq!(bps_of(&annual(stated(RatePeriod::Annual, Some("3.45"), Some("4.8")))), (Some(345), Some(480)));
    assert!(annual(Pricing::NotStated).is_unstated());
}

#[test]
fn lpr_and_benchmark_pricing_follow_the_reference() {
    let refs = seeded();
    let lpr = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: range(Some(50), Some(150)) };
    assert_eq!(bps_of(&lpr.annual(&refs, &terms(6, 36))), (Some(350), Some(450)));
    let five = Pricing::Lpr { tenor: LprTenor::FiveYear, spread_bps: range(Some(-20), Some(-20)) };
    assert_eq!(bps_of(&five.annual(&refs, &terms(60, 120))), (Some(330), Some(330)));
    let unstated = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED };
    assert!(unstated.annual(&refs, &terms(6, 36)).is_unstated(), "LPR 加点 without the spread is no figure");
    // A new publication moves the rate.
    let later = ReferenceRates::current(
        refs.all().iter().copied().chain([Publication {
            kind: ReferenceKind::Lpr1y,
            rate: Bps::new(290).unwrap(),
            published_on: day("2026-06-22"),
        }]),
        day("2026-12-03"),
    );
    assert_eq!(bps_of(&lpr.annual(&later, &terms(6, 36))), (Some(340), Some(440)));
    // Without the publication there is nothing to price by.
    assert!(lpr.annual(&ReferenceRates::default(), &terms(6, 36)).is_unstated());

    // 上浮 30% over 4.35% is 5.655%: about 5.66%. Terms of 6–36 months span the first two bands.
    let up30 = Pricing::Benchmark { markup: range(Some(3_000), Some(3_000)) };
    let span = up30.annual(&refs, &terms(6, 36));
    assert_eq!(bps_of(&span), (Some(566), Some(618)));
    assert_eq!(annual_text_zh(&span), "约 5.66% – 6.18%");
    assert_eq!(span.min().unwrap(), AnnualRate(56_550 * UNITS_PER_MILLIONTH), "kept exactly: 5.655%");
    assert_eq!(bps_of(&up30.annual(&refs, &terms(61, 120))), (Some(637), Some(637)));
    // Unstated terms span every band.
    let up_to_13 = Pricing::Benchmark { markup: range(None, Some(3_000)) };
    assert_eq!(bps_of(&up_to_13.annual(&refs, &StatedRange::UNSTATED)), (None, Some(637)));
    let down10 = Pricing::Benchmark { markup: range(Some(-1_000), Some(-1_000)) };
    assert_eq!(bps_of(&down10.annual(&refs, &terms(12, 12))), (Some(392), Some(392)));
}

#[test]
fn every_form_says_itself_and_its_annual_rate() {
    let refs = seeded();
    let t = terms(12, 36);
    let line = |p: Pricing| p.text(&refs, &t).line_zh();
    assert_eq!(
        line(stated(RatePeriod::Monthly, Some("0.6%"), None)).replace(" 起", ""),
        "月息 0.6%（年化 7.2%，按月利率 × 12 折算）"
    );
    assert_eq!(
        line(stated(RatePeriod::Monthly, Some("0.6%"), Some("0.6%"))),
        "月息 0.6%（年化 7.2%，按月利率 × 12 折算）"
    );
    assert_eq!(
        line(stated(RatePeriod::Daily, Some("万分之2"), Some("万分之2"))),
        "日息万分之2（年化 7.2%，按日利率 × 360 折算（一年按 360 天））"
    );
    assert_eq!(
        line(stated(RatePeriod::Daily, Some("0.0123%"), Some("0.0123%"))),
        "日息 0.0123%（年化 约 4.43%，按日利率 × 360 折算（一年按 360 天），四舍五入到 0.01%）"
    );
    assert_eq!(line(stated(RatePeriod::Annual, Some("3.2"), None)), "年利率 3.2% 起");
    let Pricing::Stated { period, notation, range: r, .. } = stated(RatePeriod::Annual, Some("3.45"), Some("4.8"))
    else {
        unreachable!()
    };
    let fixed = Pricing::Stated { period, notation, range: r, fixed: true };
    assert_eq!(line(fixed), "年利率 3.45% – 4.8%（固定利率）");
    let lpr = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: range(Some(50), Some(150)) };
    assert_eq!(line(lpr), "1 年期 LPR +50~150BP（年化 3.5% – 4.5%，按 2025-05-20 公布的 1 年期 LPR 3.00% 计）");
    let lpr = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED };
    assert_eq!(line(lpr), "1 年期 LPR 加点（加点幅度未说明）；参考：2025-05-20 公布的 1 年期 LPR 3.00%");
    let lpr = Pricing::Lpr { tenor: LprTenor::FiveYear, spread_bps: range(Some(-20), Some(-20)) };
    assert_eq!(lpr.describe_zh(), "5 年期以上 LPR -20BP");
    assert_eq!(lpr.describe_en(), "5-year LPR − 20 bp");
    assert_eq!(
        Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: range(Some(50), None) }.describe_zh(),
        "1 年期 LPR +50BP 起"
    );
    let up = Pricing::Benchmark { markup: range(Some(3_000), Some(3_000)) };
    assert_eq!(up.describe_zh(), "基准利率上浮 30%");
    assert!(line(up).starts_with("基准利率上浮 30%（年化 约 5.66% – 6.18%，按中国人民银行贷款基准利率（按贷款期限所在档次：1 年以内，含 1 年 4.35%（2015-10-24 起）；1 至 5 年，含 5 年 4.75%（2015-10-24 起））计，四舍五入到 0.01%）"), "{}", line(up));
    assert_eq!(Pricing::Benchmark { markup: range(None, Some(3_000)) }.describe_zh(), "不超过基准利率的 1.3 倍");
    assert_eq!(Pricing::Benchmark { markup: range(Some(1_000), Some(3_000)) }.describe_zh(), "基准利率上浮 10% – 30%");
    assert_eq!(
        Pricing::Benchmark { markup: range(Some(-1_000), Some(2_000)) }.describe_zh(),
        "基准利率下浮 10% 至 上浮 20%"
    );
    assert_eq!(
        Pricing::Benchmark { markup: range(None, Some(30_000)) }.describe_en(),
        "At most 4 times the PBOC benchmark rate"
    );
    assert_eq!(Pricing::NotStated.text(&refs, &t).line_zh(), "未说明");
    assert_eq!(
        stated(RatePeriod::Monthly, Some("0.6%"), None).text(&refs, &t).line_en(),
        "Monthly rate from 0.6% (from 7.2% a year, monthly rate × 12)"
    );
}

#[test]
fn quotes_say_what_they_rest_on() {
    let refs = seeded();
    let lpr = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: range(Some(50), Some(150)) };
    let low = lpr.quote(&refs, months(12), RangeEnd::Low).unwrap();
    assert_eq!((low.rate.bps().bps(), low.estimate), (350, false));
    assert_eq!(low.words_zh, "按 2025-05-20 公布的 1 年期 LPR 3.00% 加 50BP – 150BP 计，区间取低值：年化 3.5%");
    let high = lpr.quote(&refs, months(12), RangeEnd::High).unwrap();
    assert!(high.words_zh.contains("区间取高值：年化 4.5%"), "{}", high.words_zh);
    let monthly = stated(RatePeriod::Monthly, Some("0.6%"), Some("0.6%"));
    assert_eq!(monthly.quote(&refs, months(12), RangeEnd::Low).unwrap().words_zh, "月息 0.6% 按 × 12 折算为年化：7.2%");
    let up = Pricing::Benchmark { markup: range(Some(3_000), Some(3_000)) };
    let q = up.quote(&refs, months(24), RangeEnd::Low).unwrap();
    assert_eq!(q.rate.bps().bps(), 618, "4.75% × 1.3 = 6.175%, half up");
    assert!(
        q.words_zh.contains("1 至 5 年，含 5 年）4.75% 上浮 30% 计：年化 约 6.18%（四舍五入到 0.01%）"),
        "{}",
        q.words_zh
    );
    // No quote where the page does not say: the estimate is marked as one.
    let unstated = Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED };
    assert!(unstated.quote(&refs, months(12), RangeEnd::Low).is_none());
    let estimate = unstated.estimate(&refs, months(12)).unwrap();
    assert!(estimate.estimate);
    assert_eq!(estimate.rate.bps().bps(), 300);
    assert_eq!(
        estimate.words_zh,
        "参考估算：加点幅度未说明，按 1 年期 LPR 3.00%（2025-05-20）本身估算，实际以银行审批为准"
    );
    assert!(lpr.estimate(&refs, months(12)).is_none(), "a stated spread is quoted, not estimated");
    assert!(Pricing::NotStated.quote(&refs, months(12), RangeEnd::Low).is_none());
    assert!(Pricing::NotStated.estimate(&refs, months(12)).is_none());
    let floor = stated(RatePeriod::Annual, Some("3.2"), None);
    assert!(floor.quote(&refs, months(12), RangeEnd::Low).unwrap().words_zh.contains("按下限测算"));
    assert!(floor.quote(&refs, months(12), RangeEnd::High).is_none());
}

#[test]
fn markups_and_spreads_read_as_pages_write_them() {
    assert_eq!(parse_markup("30"), Ok(3_000));
    assert_eq!(parse_markup("30%"), Ok(3_000));
    assert_eq!(parse_markup("上浮30%"), Ok(3_000));
    assert_eq!(parse_markup("1.3倍"), Ok(3_000));
    assert_eq!(parse_markup("不超过基准利率的1.3倍"), Ok(3_000));
    assert_eq!(parse_markup("4倍"), Ok(30_000));
    assert_eq!(parse_markup("下浮10%"), Ok(-1_000));
    assert_eq!(parse_markup("-10"), Ok(-1_000));
    assert_eq!(parse_markup("12.5"), Ok(1_250));
    assert!(parse_markup("5倍").is_err());
    assert!(parse_markup("-95").is_err());
    assert!(parse_markup("abc").is_err());
    assert_eq!(parse_spread("50"), Ok(50));
    assert_eq!(parse_spread("+50BP"), Ok(50));
    assert_eq!(parse_spread("-20 bp"), Ok(-20));
    assert_eq!(parse_spread("30基点"), Ok(30));
    assert!(parse_spread("2001").is_err());
    assert!(parse_spread("12.5").is_err());
}

#[test]
fn pricing_round_trips_through_json() {
    let refs = seeded();
    for p in [
        Pricing::NotStated,
        stated(RatePeriod::Daily, Some("万分之1.5"), Some("万分之3")),
        Pricing::Lpr { tenor: LprTenor::FiveYear, spread_bps: range(None, Some(80)) },
        Pricing::Benchmark { markup: range(Some(1_000), None) },
    ] {
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Pricing>(&json).unwrap(), p, "{json}");
        let _ = p.text(&refs, &StatedRange::UNSTATED);
    }
    let json = serde_json::to_value(Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: range(Some(50), Some(150)) })
        .unwrap();
    assert_eq!(json, serde_json::json!({"kind": "lpr", "tenor": "lpr_1y", "spread_bps": {"min": 50, "max": 150}}));
}

proptest! {
    /// Any daily figure in hundredths of 万分之 converts to an annual rate exactly: × 360 in millionths.
    #[test]
    fn daily_conversion_is_exact(hundredths in 1_u32..=2_700) {
        let p = Pricing::Stated {
            period: RatePeriod::Daily,
            notation: RateNotation::PerTenThousand,
            range: range(Some(FineRate::new(hundredths).unwrap()), None),
            fixed: false,
        };
        let a = p.annual(&ReferenceRates::default(), &StatedRange::UNSTATED).min().unwrap();
        prop_assert_eq!(a, AnnualRate(u64::from(hundredths) * 360 * UNITS_PER_MILLIONTH));
        prop_assert_eq!(a.is_whole_bp(), (hundredths * 360) % 100 == 0);
        let back = (u64::from(a.bps().bps()) * 100).abs_diff(u64::from(hundredths) * 360);
        prop_assert!(back <= 50, "rounded to the nearest basis point");
    }

    /// Figures written out read back as themselves, in every notation.
    #[test]
    fn figures_round_trip(millionths in 0_u32..=1_000_000, n in 0_usize..3) {
        let notation = RateNotation::ALL[n];
        // Each notation keeps whole millionths, so every value can be written in it.
        let value = FineRate::new(millionths).unwrap();
        let f = Figure::parse(&notation.write_cell(value)).unwrap();
        prop_assert_eq!((f.notation, f.value), (notation, value));
    }
}
