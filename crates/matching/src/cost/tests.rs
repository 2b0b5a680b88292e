//! Reference figures were computed independently in Python with `fractions.Fraction` (schedules) and
//! `mpmath` at 50 digits (IRRs), following the conventions of the module documentation.

use super::*;
use RepaymentMethod::{EqualInstalment, EqualPrincipal, InterestOnly, Revolving};
use proptest::prelude::*;

const METHODS: [RepaymentMethod; 4] = [EqualInstalment, EqualPrincipal, InterestOnly, Revolving];

fn quote(principal: i64, rate: u32, months: u16, method: RepaymentMethod) -> LoanQuote {
    LoanQuote {
        principal: Fen::from_fen(principal).unwrap(),
        annual_rate: Bps::new(rate).unwrap(),
        term: Months::new(months).unwrap(),
        method,
        guarantee_fee_rate: Bps::ZERO,
        interest_subsidy_rate: Bps::ZERO,
        fee_subsidy_rate: Bps::ZERO,
    }
}

fn bps(v: u32) -> Bps {
    Bps::new(v).unwrap()
}

fn cost(q: &LoanQuote) -> LoanCost {
    loan_cost(q).unwrap()
}

/// (principal, interest, payment, balance_after) of a month, 1-based.
fn row(c: &LoanCost, month: usize) -> (i64, i64, i64, i64) {
    let i = &c.schedule[month - 1];
    (i.principal.fen(), i.interest.fen(), i.payment.fen(), i.balance_after.fen())
}

#[test]
fn equal_instalment_120k_yuan_12_months_at_4_35() {
    let c = cost(&quote(12_000_000, 435, 12, EqualInstalment));
    // r = 435 / 120 000 = 0.003625; A = P·r·(1+r)^12 / ((1+r)^12 − 1) = 1 023 718.804… fen → 1 023 719.
    // Month 1: interest 12 000 000 × 435 / 120 000 = 43 500; principal 1 023 719 − 43 500 = 980 219.
    assert_eq!(row(&c, 1), (980_219, 43_500, 1_023_719, 11_019_781));
    // Month 2: interest 11 019 781 × 435 / 120 000 = 39 946.706… → 39 947; principal 983 772.
    assert_eq!(row(&c, 2), (983_772, 39_947, 1_023_719, 10_036_009));
    // Month 12 clears the balance 1 020 019, interest 3 698: 2 fen below the level payment (rounding).
    assert_eq!(row(&c, 12), (1_020_019, 3_698, 1_023_717, 0));
    // 11 × 1 023 719 + 1 023 717 − 12 000 000 = 284 626.
    assert_eq!(c.total_interest.fen(), 284_626);
    assert_eq!(c.total_cost.fen(), 284_626);
    assert_eq!((c.first_payment.fen(), c.max_payment.fen()), (1_023_719, 1_023_719));
    assert_eq!(c.schedule.iter().map(|i| i.principal.fen()).sum::<i64>(), 12_000_000);
    // No fee, monthly interest: the IRR × 12 is the nominal rate (435.0006 bps).
    assert_eq!(c.effective_annual_rate.bps(), 435);
}

#[test]
fn equal_principal_120k_yuan_12_months_at_4_35() {
    let c = cost(&quote(12_000_000, 435, 12, EqualPrincipal));
    // 1 000 000 a month; interest on (13 − k) × 1 000 000 is (13 − k) × 3 625, exact.
    assert_eq!(row(&c, 1), (1_000_000, 43_500, 1_043_500, 11_000_000));
    assert_eq!(row(&c, 2), (1_000_000, 39_875, 1_039_875, 10_000_000));
    assert_eq!(row(&c, 12), (1_000_000, 3_625, 1_003_625, 0));
    // 3 625 × (12 + 11 + … + 1) = 3 625 × 78.
    assert_eq!(c.total_interest.fen(), 282_750);
    assert_eq!((c.first_payment.fen(), c.max_payment.fen()), (1_043_500, 1_043_500));
    assert_eq!(c.effective_annual_rate.bps(), 435);
}

#[test]
fn equal_principal_spreads_the_remainder_on_the_first_months() {
    // 1 000 005 = 4 × 250 001 + 1: the first month carries the extra fen.
    let c = cost(&quote(1_000_005, 435, 4, EqualPrincipal));
    // Interest: 1 000 005 × 435 / 120 000 = 3 625.02 → 3 625; 750 003 → 2 718.76 → 2 719; … 250 001 → 906.25 → 906.
    assert_eq!(row(&c, 1), (250_002, 3_625, 253_627, 750_003));
    assert_eq!(row(&c, 2), (250_001, 2_719, 252_720, 500_002));
    assert_eq!(row(&c, 4), (250_001, 906, 250_907, 0));
    assert_eq!(c.total_interest.fen(), 9_063);
}

#[test]
fn interest_only_and_revolving_120k_yuan_12_months_at_4_35() {
    for method in [InterestOnly, Revolving] {
        let c = cost(&quote(12_000_000, 435, 12, method));
        assert_eq!(row(&c, 1), (0, 43_500, 43_500, 12_000_000));
        assert_eq!(row(&c, 11), (0, 43_500, 43_500, 12_000_000));
        assert_eq!(row(&c, 12), (12_000_000, 43_500, 12_043_500, 0));
        assert_eq!(c.total_interest.fen(), 12 * 43_500);
        assert_eq!((c.first_payment.fen(), c.max_payment.fen()), (43_500, 12_043_500));
        assert_eq!(c.effective_annual_rate.bps(), 435);
        assert_eq!(c.method, method);
    }
}

#[test]
fn zero_rate() {
    // 1 000 001 = 12 × 83 333 + 5.
    let c = cost(&quote(1_000_001, 0, 12, EqualInstalment));
    assert_eq!(row(&c, 1), (83_333, 0, 83_333, 916_668));
    assert_eq!(row(&c, 11), (83_333, 0, 83_333, 83_338));
    assert_eq!(row(&c, 12), (83_338, 0, 83_338, 0)); // the last instalment takes the remainder
    assert_eq!((c.total_interest, c.total_cost, c.effective_annual_rate), (Fen::ZERO, Fen::ZERO, Bps::ZERO));

    let c = cost(&quote(1_000_001, 0, 12, EqualPrincipal));
    assert_eq!(row(&c, 5).0, 83_334); // first five months carry the five extra fen
    assert_eq!(row(&c, 6).0, 83_333);
    assert_eq!(c.total_cost, Fen::ZERO);
}

#[test]
fn one_month_is_principal_plus_one_month_of_interest() {
    for method in METHODS {
        let c = cost(&quote(12_000_000, 435, 1, method));
        assert_eq!(c.schedule.len(), 1);
        assert_eq!(row(&c, 1), (12_000_000, 43_500, 12_043_500, 0));
        assert_eq!(c.effective_annual_rate.bps(), 435);
    }
}

#[test]
fn mortgage_sized_360_months() {
    // 100 万元 at 4.9 % over 30 years: A = 530 726.72… fen → 5 307.27 yuan, the figure of every mortgage table.
    let c = cost(&quote(100_000_000, 490, 360, EqualInstalment));
    // Month 1: interest 100 000 000 × 490 / 120 000 = 408 333.33 → 408 333; principal 122 394.
    assert_eq!(row(&c, 1), (122_394, 408_333, 530_727, 99_877_606));
    assert_eq!(row(&c, 360), (528_362, 2_157, 530_519, 0));
    // 359 × 530 727 + 530 519 − 100 000 000.
    assert_eq!(c.total_interest.fen(), 91_061_512);
    assert_eq!(c.effective_annual_rate.bps(), 490);

    // 100 000 000 = 360 × 277 777 + 280: months 1–280 repay 277 778, months 281–360 repay 277 777.
    let c = cost(&quote(100_000_000, 490, 360, EqualPrincipal));
    assert_eq!(row(&c, 1), (277_778, 408_333, 686_111, 99_722_222));
    assert_eq!(row(&c, 280).0, 277_778);
    assert_eq!(row(&c, 281).0, 277_777);
    assert_eq!(row(&c, 360), (277_777, 1_134, 278_911, 0));
    assert_eq!(c.total_interest.fen(), 73_704_121);
    assert_eq!(c.effective_annual_rate.bps(), 490);
}

#[test]
fn upfront_guarantee_fee_raises_the_rate_by_much_more_than_its_own_rate() {
    let q = LoanQuote { guarantee_fee_rate: bps(100), ..quote(12_000_000, 435, 12, EqualInstalment) };
    let c = cost(&q);
    // Fee 12 000 000 × 100 × 12 / 120 000 = 120 000, paid at once on a loan that amortises: the firm has
    // 11 880 000 in hand and pays the same 12 instalments. IRR × 12 = 622.8778 bps.
    assert_eq!(c.guarantee_fee.fen(), 120_000);
    assert_eq!(c.total_cost.fen(), 284_626 + 120_000);
    assert_eq!(c.effective_annual_rate.bps(), 623);
    assert!(c.effective_annual_rate.bps() > 435 + 100 + 50);
}

#[test]
fn full_interest_subsidy_leaves_no_interest_cost() {
    for method in METHODS {
        let q = LoanQuote { interest_subsidy_rate: bps(435), ..quote(12_000_000, 435, 12, method) };
        let c = cost(&q);
        assert!(c.total_interest.fen() > 0);
        assert_eq!(c.interest_subsidy, c.total_interest);
        assert_eq!((c.total_cost, c.effective_annual_rate), (Fen::ZERO, Bps::ZERO));
        assert!(c.schedule.iter().all(|i| i.payment == i.principal));
        // A subsidy above the rate refunds no more than the interest.
        let more = cost(&LoanQuote { interest_subsidy_rate: bps(600), ..q });
        assert_eq!(more, c);
    }
}

#[test]
fn fee_subsidy_at_or_above_the_fee_rate_cancels_the_fee() {
    for subsidy in [150, 300] {
        let q = LoanQuote {
            guarantee_fee_rate: bps(150),
            fee_subsidy_rate: bps(subsidy),
            ..quote(12_000_000, 435, 12, InterestOnly)
        };
        let c = cost(&q);
        // 12 000 000 × 150 × 12 / 120 000 = 180 000, refunded in full and never more.
        assert_eq!((c.guarantee_fee.fen(), c.fee_subsidy.fen()), (180_000, 180_000));
        assert_eq!(c.total_cost.fen(), 522_000);
        assert_eq!(c.effective_annual_rate.bps(), 435);
    }
}

#[test]
fn partial_subsidies() {
    let q = LoanQuote {
        guarantee_fee_rate: bps(200),
        interest_subsidy_rate: bps(150),
        fee_subsidy_rate: bps(100),
        ..quote(12_000_000, 435, 12, EqualInstalment)
    };
    let c = cost(&q);
    // Fee 12 000 000 × 200 × 12 / 120 000 = 240 000, half refunded: 120 000.
    assert_eq!((c.guarantee_fee.fen(), c.fee_subsidy.fen()), (240_000, 120_000));
    // Month 1 subsidy 12 000 000 × 150 / 120 000 = 15 000; month 2 11 019 781 × 150 / 120 000 = 13 774.7 → 13 775.
    assert_eq!((c.schedule[0].interest_subsidy.fen(), c.schedule[0].payment.fen()), (15_000, 1_008_719));
    assert_eq!(c.schedule[1].interest_subsidy.fen(), 13_775);
    assert_eq!(c.interest_subsidy.fen(), 98_146);
    // 284 626 + 240 000 − 98 146 − 120 000.
    assert_eq!(c.total_cost.fen(), 306_480);
    // The last instalment is now the largest net payment: 1 023 717 − 1 275.
    assert_eq!(c.max_payment.fen(), 1_022_442);
    // IRR × 12 = 471.7888 bps.
    assert_eq!(c.effective_annual_rate.bps(), 472);
}

/// Why property 1 exempts one case from its APR check: with an interest subsidy and an upfront fee, a higher
/// 等额本息 rate costs little or nothing more (the subsidy refunds it), but it repays principal later (more of
/// each level payment is interest), so the same upfront fee is spread over a longer average life and the
/// APR *falls*. Total cost never falls.
#[test]
fn subsidised_annuity_rate_reshapes_the_fee() {
    let base = LoanQuote {
        guarantee_fee_rate: bps(236),
        interest_subsidy_rate: bps(77),
        ..quote(1_000_000, 0, 59, EqualInstalment)
    };
    let at_zero = cost(&base);
    let at_subsidy = cost(&LoanQuote { annual_rate: bps(77), ..base });
    // Fee 1 000 000 × 236 × 59 / 120 000 = 116 033.33 → 116 033 in both; interest fully refunded.
    assert_eq!((at_zero.total_cost.fen(), at_subsidy.total_cost.fen()), (116_033, 116_033));
    // Month 1 repays 16 949 (⌊1 000 000 / 59⌋) at 0 % but only 16 635 at 0.77 %.
    assert_eq!((at_zero.schedule[0].principal.fen(), at_subsidy.schedule[0].principal.fen()), (16_949, 16_635));
    // IRR × 12: 504.6035 and 501.3517 bps.
    assert_eq!((at_zero.effective_annual_rate.bps(), at_subsidy.effective_annual_rate.bps()), (505, 501));

    // Not only when fully refunded: 0 % → 3.32 % with a 3.31 % subsidy over 164 months.
    let base = LoanQuote {
        guarantee_fee_rate: bps(184),
        interest_subsidy_rate: bps(331),
        ..quote(1_000_000, 0, 164, EqualInstalment)
    };
    let low = cost(&base);
    let high = cost(&LoanQuote { annual_rate: bps(332), ..base });
    // Fee 251 467 in both; the 0.01 % left unrefunded adds 737 fen of interest…
    assert_eq!((low.total_cost.fen(), high.total_cost.fen()), (251_467, 252_204));
    // …yet IRR × 12 falls from 444.2703 to 411.4445 bps.
    assert_eq!((low.effective_annual_rate.bps(), high.effective_annual_rate.bps()), (444, 411));
}

#[test]
fn errors() {
    let zero = quote(0, 435, 12, EqualInstalment);
    assert_eq!(loan_cost(&zero), Err(CostError::ZeroPrincipal));
    assert_eq!(CostError::ZeroPrincipal.message_zh(), "贷款金额必须大于 0");
    assert_eq!(CostError::ZeroPrincipal.to_string(), "the loan amount must be greater than 0");

    // 100 % a year for 12 months, charged upfront: the firm would receive nothing.
    let q = LoanQuote { guarantee_fee_rate: Bps::MAX, ..quote(12_000_000, 435, 12, EqualInstalment) };
    let err = loan_cost(&q).unwrap_err();
    assert_eq!(err, CostError::FeeNotBelowPrincipal { net_fee: Fen::wan(12), principal: Fen::wan(12) });
    assert!(err.message_zh().contains("12 万元"), "{}", err.message_zh());
    // …unless a subsidy brings it back under the principal.
    assert!(loan_cost(&LoanQuote { fee_subsidy_rate: bps(1), ..q }).is_ok());

    // The last payment of a one-trillion-yuan loan exceeds the largest amount.
    let q = LoanQuote { principal: Fen::MAX, ..quote(1, 435, 12, InterestOnly) };
    assert_eq!(loan_cost(&q), Err(CostError::AmountTooLarge));
    assert!(!CostError::AmountTooLarge.message_zh().is_empty());
}

#[test]
fn effective_rate_is_capped_at_100_percent() {
    let q = LoanQuote { guarantee_fee_rate: bps(5_000), ..quote(12_000_000, 5_000, 12, EqualInstalment) };
    assert_eq!(cost(&q).effective_annual_rate, Bps::MAX);
}

#[test]
fn serialises_as_plain_data() {
    let q = quote(12_000_000, 435, 12, EqualInstalment);
    let json = serde_json::to_value(q).unwrap();
    assert_eq!(json["method"], "equal_instalment");
    assert_eq!(json["principal"], 12_000_000);
    assert_eq!(serde_json::from_value::<LoanQuote>(json).unwrap(), q);
    let c = serde_json::to_value(cost(&q)).unwrap();
    assert_eq!(c["effective_annual_rate"], 435);
    assert_eq!(c["schedule"][0]["payment"], 1_023_719);
}

// Properties. Principals are real loan sizes (1 万元 to 1 亿元): on a loan of a few yuan, the half-fen
// rounding of each month is a sizeable share of the interest, and rate comparisons become noise.

fn method() -> impl Strategy<Value = RepaymentMethod> {
    prop::sample::select(METHODS.to_vec())
}

/// Half the time none: most products have no guarantee fee or subsidy, and "none" is its own case.
fn often_zero(max: u32) -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), 0..=max]
}

prop_compose! {
    fn any_quote()(
        principal in 1_000_000_i64..=10_000_000_000,
        rate in 0_u32..=2_400,
        months in 1_u16..=360,
        method in method(),
        fee in often_zero(300),
        interest_subsidy in often_zero(500),
        fee_subsidy in often_zero(400),
    ) -> LoanQuote {
        LoanQuote {
            guarantee_fee_rate: bps(fee),
            interest_subsidy_rate: bps(interest_subsidy),
            fee_subsidy_rate: bps(fee_subsidy),
            ..quote(principal, rate, months, method)
        }
    }
}

proptest! {
    #[test]
    fn higher_rate_never_costs_less(q in any_quote(), extra in 1_u32..=500) {
        let low = cost(&q);
        let high = cost(&LoanQuote { annual_rate: bps(q.annual_rate.bps() + extra), ..q });
        prop_assert!(high.total_cost >= low.total_cost, "{:?} vs {:?}", high.total_cost, low.total_cost);
        prop_assert!(high.total_interest >= low.total_interest);
        // The one exception, see `subsidised_annuity_rate_reshapes_the_fee`.
        let reshapes_a_fee = q.method == EqualInstalment
            && q.interest_subsidy_rate > Bps::ZERO
            && high.guarantee_fee > high.fee_subsidy;
        if !reshapes_a_fee {
            prop_assert!(high.effective_annual_rate >= low.effective_annual_rate);
        }
    }

    #[test]
    fn subsidies_lower_the_cost_but_never_below_zero(q in any_quote()) {
        let c = cost(&q);
        let bare = cost(&LoanQuote { interest_subsidy_rate: Bps::ZERO, fee_subsidy_rate: Bps::ZERO, ..q });
        prop_assert!(c.total_cost <= bare.total_cost);
        prop_assert!(c.effective_annual_rate <= bare.effective_annual_rate);
        prop_assert!(c.interest_subsidy <= c.total_interest && c.fee_subsidy <= c.guarantee_fee);
        let identity = c.total_interest.fen() + c.guarantee_fee.fen() - c.interest_subsidy.fen() - c.fee_subsidy.fen();
        prop_assert!(identity >= 0);
        prop_assert_eq!(c.total_cost.fen(), identity);
    }

    #[test]
    fn schedule_repays_exactly_the_principal(q in any_quote()) {
        let c = cost(&q);
        let n = q.term.get();
        prop_assert_eq!(c.schedule.len(), usize::from(n));
        prop_assert_eq!(c.schedule.iter().map(|i| i.principal.fen()).sum::<i64>(), q.principal.fen());
        prop_assert_eq!(c.schedule.last().unwrap().balance_after, Fen::ZERO);
        let mut before = q.principal;
        for (i, inst) in c.schedule.iter().enumerate() {
            prop_assert_eq!(usize::from(inst.month), i + 1);
            prop_assert!(inst.balance_after <= before);
            prop_assert_eq!(inst.balance_after.fen(), before.fen() - inst.principal.fen());
            prop_assert!(inst.interest_subsidy <= inst.interest);
            prop_assert_eq!(
                inst.payment.fen(),
                inst.principal.fen() + inst.interest.fen() - inst.interest_subsidy.fen()
            );
            before = inst.balance_after;
        }
        prop_assert_eq!(c.total_interest.fen(), c.schedule.iter().map(|i| i.interest.fen()).sum::<i64>());
        prop_assert_eq!(c.first_payment, c.schedule[0].payment);
        prop_assert_eq!(Some(c.max_payment), c.schedule.iter().map(|i| i.payment).max());
    }

    #[test]
    fn later_repayment_costs_more_interest(
        principal in 1_000_000_i64..=10_000_000_000,
        rate in 1_u32..=2_400,
        months in 2_u16..=360,
    ) {
        let interest = |m| cost(&quote(principal, rate, months, m)).total_interest;
        let (io, ei, ep) = (interest(InterestOnly), interest(EqualInstalment), interest(EqualPrincipal));
        prop_assert!(io >= ei && ei >= ep, "先息后本 {io:?} ≥ 等额本息 {ei:?} ≥ 等额本金 {ep:?}");
        prop_assert!(ep > Fen::ZERO);
        prop_assert_eq!(interest(Revolving), io);
    }

    /// Without fees or subsidies, the IRR × 12 of monthly-compounded interest is the nominal rate.
    #[test]
    fn bare_loan_rate_is_the_nominal_rate(
        principal in 1_000_000_i64..=10_000_000_000,
        rate in 0_u32..=2_400,
        months in 1_u16..=360,
        method in method(),
    ) {
        let c = cost(&quote(principal, rate, months, method));
        prop_assert_eq!(c.effective_annual_rate.bps(), rate);
    }
}
