//! Comprehensive financing cost (综合融资成本) of one loan: the repayment schedule, the interest, the
//! guarantee fee, the two subsidies and the effective annual rate a firm really pays.
//!
//! This is the product's published method; every figure a page shows can be recomputed by hand from it.
//!
//! 1. **Monthly rate** = annual rate / 12, as Chinese banks quote it. A month's interest is
//!    `balance × annual_rate_bps / 12 / 10 000`, computed on integers (i128) and rounded half-up to the fen.
//!    Money is never a float.
//! 2. **等额本息 (equal instalments)**: the level payment P·r(1+r)^n / ((1+r)^n − 1), computed exactly and
//!    rounded half-up to the fen. Each month pays that amount; the interest is as in 1 and the rest repays
//!    principal. The last instalment repays whatever balance is left, so it absorbs all the rounding and the
//!    balance ends at exactly zero. At a zero rate each month repays ⌊P / n⌋ and the last month the rest. (On
//!    loans of a few fen the rounded-up payment could repay more than the balance before the end; principal
//!    is then capped at the balance, so nothing is ever over-repaid.)
//! 3. **等额本金 (equal principal)**: ⌊P / n⌋ a month, with the remainder (P mod n fen) spread as one extra fen
//!    on each of the *first* months, so payments still never rise; interest on the declining balance.
//! 4. **先息后本 (interest only)**: interest every month, the whole principal with the last instalment.
//! 5. **随借随还 (revolving)**: interest on the drawn balance only. For a quote we assume the full amount is
//!    drawn at once and repaid at the end of the term: the same cash flows as 先息后本, and the *upper bound*
//!    of what the line can cost. A firm that repays early pays less.
//! 6. **Guarantee fee**: charged once at disbursement, `P × fee_rate × months / 12 / 10 000`, rounded half-up.
//!    The **fee subsidy** (担保费补贴) is the same formula at `min(fee_subsidy_rate, fee_rate)`, paid back at
//!    disbursement: a subsidy can refund the fee but never more than it.
//! 7. **Interest subsidy** (财政贴息): each month `balance × min(subsidy_rate, annual_rate) / 12 / 10 000`,
//!    rounded half-up and clamped to that month's interest, so it refunds interest but never more.
//! 8. **Total cost** = total interest + guarantee fee − interest subsidy − fee subsidy. By 6 and 7 it is never
//!    negative.
//! 9. **Effective annual rate (年化综合成本)**: the firm receives P − (fee − fee subsidy) at month 0 and pays
//!    each instalment's `payment` (net of the interest subsidy) at months 1..n. The monthly IRR r solves
//!    NPV = 0 and the rate is r × 12 (the PBoC 2021 "IRR × 12" annualisation), rounded half-up to a whole
//!    basis point. Floats are used for this root only, by bisection. It is 0 when the total cost is 0, and
//!    it is capped at [`Bps::MAX`] (100 %), the ceiling of every rate in the domain. A higher rate never lowers
//!    the total cost, and without an interest subsidy it never lowers this rate either. With one, a higher
//!    等额本息 rate that the subsidy mostly refunds can lower it: principal is repaid later, so the same
//!    upfront fee is spread over a longer life. Rank on total cost when that matters.

mod level;

use finmart_domain::{Bps, Fen, Months, RepaymentMethod};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// 12 months × 10 000 basis points: dividing `amount × bps` by this gives one month of an annual rate.
const MONTH_BPS: i128 = 120_000;

/// What a firm is offered: the loan and the fees and subsidies that come with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanQuote {
    pub principal: Fen,
    /// The loan's nominal annual rate.
    pub annual_rate: Bps,
    pub term: Months,
    pub method: RepaymentMethod,
    /// Annual guarantee fee rate, charged upfront for the whole term; 0 without a guarantee agency.
    pub guarantee_fee_rate: Bps,
    /// 财政贴息: annual points of interest paid back to the firm (never more than the loan's rate).
    pub interest_subsidy_rate: Bps,
    /// 担保费补贴: annual points of the guarantee fee paid back (never more than the fee rate).
    pub fee_subsidy_rate: Bps,
}

/// One month of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instalment {
    /// 1-based.
    pub month: u16,
    pub principal: Fen,
    pub interest: Fen,
    pub interest_subsidy: Fen,
    /// What the firm pays, net of the subsidy: `principal + interest − interest_subsidy`.
    pub payment: Fen,
    pub balance_after: Fen,
}

/// The cost of a [`LoanQuote`], with its schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoanCost {
    pub method: RepaymentMethod,
    pub schedule: Vec<Instalment>,
    /// Before the interest subsidy.
    pub total_interest: Fen,
    /// Before the fee subsidy.
    pub guarantee_fee: Fen,
    pub interest_subsidy: Fen,
    pub fee_subsidy: Fen,
    /// `total_interest + guarantee_fee − interest_subsidy − fee_subsidy`, never negative.
    pub total_cost: Fen,
    /// The first instalment's net `payment`.
    pub first_payment: Fen,
    /// The largest net `payment` (the last one for 先息后本 and 随借随还).
    pub max_payment: Fen,
    /// IRR × 12 of the firm's cash flows, see the module documentation (9).
    pub effective_annual_rate: Bps,
}

/// Why a quote has no cost. The types already rule out everything else (negative amounts, zero terms…).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CostError {
    #[error("the loan amount must be greater than 0")]
    ZeroPrincipal,
    /// The firm would receive nothing at disbursement, so no rate describes the loan.
    #[error("the upfront guarantee fee net of subsidy ({net_fee}) is not less than the loan amount ({principal})")]
    FeeNotBelowPrincipal { net_fee: Fen, principal: Fen },
    /// A total or a payment exceeds [`Fen::MAX`] (only near the one-trillion-yuan limit or at absurd rates).
    #[error("an amount of the cost exceeds the largest amount accepted")]
    AmountTooLarge,
}

impl CostError {
    /// The same reason in Chinese, for pages and API messages.
    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::ZeroPrincipal => "贷款金额必须大于 0".to_owned(),
            Self::FeeNotBelowPrincipal { net_fee, principal } => format!(
                "扣除补贴后的担保费（{}）不低于贷款金额（{}），无法计算综合成本",
                net_fee.display_zh(),
                principal.display_zh()
            ),
            Self::AmountTooLarge => "融资成本中的金额超出可处理的上限".to_owned(),
        }
    }
}

/// The schedule, totals and effective annual rate of one quote, by the method in the module documentation.
///
/// # Errors
/// [`CostError::ZeroPrincipal`]; [`CostError::FeeNotBelowPrincipal`] when the net upfront fee eats the whole
/// loan; [`CostError::AmountTooLarge`] when an amount would exceed [`Fen::MAX`].
pub fn loan_cost(quote: &LoanQuote) -> Result<LoanCost, CostError> {
    compute(quote, None)
}

/// [`loan_cost`] when the effective annual rate of these terms is already known: the rate does not depend on
/// the principal, so a caller that keeps rates by terms (the matching engine does) skips the IRR search.
///
/// # Errors
/// As [`loan_cost`].
pub fn loan_cost_at_rate(quote: &LoanQuote, effective_annual_rate: Bps) -> Result<LoanCost, CostError> {
    compute(quote, Some(effective_annual_rate))
}

fn compute(quote: &LoanQuote, known_rate: Option<Bps>) -> Result<LoanCost, CostError> {
    let principal = i128::from(quote.principal.fen());
    if principal == 0 {
        return Err(CostError::ZeroPrincipal);
    }
    let months = quote.term.get();

    // Convention 6: both charged (and refunded) once, at disbursement.
    let fee_rate = quote.guarantee_fee_rate;
    let guarantee_fee = term_charge(principal, fee_rate, months);
    let fee_subsidy = term_charge(principal, quote.fee_subsidy_rate.min(fee_rate), months);
    let net_fee = guarantee_fee - fee_subsidy;
    if net_fee >= principal {
        return Err(CostError::FeeNotBelowPrincipal { net_fee: to_fen(net_fee)?, principal: quote.principal });
    }

    let rows = schedule(quote, principal);
    let total_interest: i128 = rows.iter().map(|r| r.interest).sum();
    let interest_subsidy: i128 = rows.iter().map(|r| r.subsidy).sum();
    let payments: Vec<i128> = rows.iter().map(Row::payment).collect();
    let total_cost = total_interest + guarantee_fee - interest_subsidy - fee_subsidy;
    debug_assert!(total_cost >= 0, "subsidies are clamped to what they refund");

    let effective_annual_rate = match known_rate {
        Some(rate) => rate,
        None if total_cost == 0 => Bps::ZERO,
        None => effective_annual_rate(principal - net_fee, &payments),
    };
    let first_payment = payments.first().copied().unwrap_or(0);
    let max_payment = payments.iter().copied().max().unwrap_or(0);

    let schedule = rows
        .iter()
        .zip(1..=months)
        .map(|(row, month)| {
            Ok(Instalment {
                month,
                principal: to_fen(row.principal)?,
                interest: to_fen(row.interest)?,
                interest_subsidy: to_fen(row.subsidy)?,
                payment: to_fen(row.payment())?,
                balance_after: to_fen(row.balance_after)?,
            })
        })
        .collect::<Result<Vec<_>, CostError>>()?;

    Ok(LoanCost {
        method: quote.method,
        schedule,
        total_interest: to_fen(total_interest)?,
        guarantee_fee: to_fen(guarantee_fee)?,
        interest_subsidy: to_fen(interest_subsidy)?,
        fee_subsidy: to_fen(fee_subsidy)?,
        total_cost: to_fen(total_cost)?,
        first_payment: to_fen(first_payment)?,
        max_payment: to_fen(max_payment)?,
        effective_annual_rate,
    })
}

/// One month in exact integer fen, before conversion to [`Fen`].
struct Row {
    principal: i128,
    interest: i128,
    subsidy: i128,
    balance_after: i128,
}

impl Row {
    fn payment(&self) -> i128 {
        self.principal + self.interest - self.subsidy
    }
}

/// Conventions 1–5 and 7.
fn schedule(quote: &LoanQuote, principal: i128) -> Vec<Row> {
    let months = quote.term.get();
    let n = i128::from(months);
    let rate = quote.annual_rate.bps();
    let subsidy_rate = quote.interest_subsidy_rate.min(quote.annual_rate).bps();
    // `principal` is a Fen (≤ 10^14), so it fits u64 and `2P + 1` cannot overflow in `level_payment`.
    let level = match quote.method {
        RepaymentMethod::EqualInstalment => {
            u64::try_from(principal).ok().and_then(|p| level::level_payment(p, rate, months)).map(i128::from)
        }
        _ => None,
    };

    let mut balance = principal;
    let mut rows = Vec::with_capacity(usize::from(months));
    for month in 1..=n {
        let interest = monthly(balance, rate);
        let repaid = if month == n {
            balance // the last instalment always clears the loan (absorbing rounding)
        } else {
            match quote.method {
                // `level ≥ interest` (the payment exceeds the first month's interest, which is the largest),
                // so the clamp only ever caps principal at the balance on loans of a few fen.
                RepaymentMethod::EqualInstalment => level.map_or(principal / n, |a| (a - interest).clamp(0, balance)),
                RepaymentMethod::EqualPrincipal => principal / n + i128::from(month <= principal % n),
                RepaymentMethod::InterestOnly | RepaymentMethod::Revolving => 0,
            }
        };
        // Half-up rounding is monotone, so this is already ≤ interest; the clamp states the rule outright.
        let subsidy = monthly(balance, subsidy_rate).min(interest);
        balance -= repaid;
        rows.push(Row { principal: repaid, interest, subsidy, balance_after: balance });
    }
    rows
}

/// One month of an annual rate on `amount`, rounded half-up to the fen (convention 1).
fn monthly(amount: i128, rate_bps: u32) -> i128 {
    div_half_up(amount * i128::from(rate_bps), MONTH_BPS)
}

/// An annual rate charged on `amount` for the whole term at once, rounded half-up (convention 6).
fn term_charge(amount: i128, rate: Bps, months: u16) -> i128 {
    div_half_up(amount * i128::from(rate.bps()) * i128::from(months), MONTH_BPS)
}

/// `num / den` rounded half-up, for `num ≥ 0` and `den > 0`.
fn div_half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

fn to_fen(amount: i128) -> Result<Fen, CostError> {
    i64::try_from(amount).ok().and_then(|v| Fen::from_fen(v).ok()).ok_or(CostError::AmountTooLarge)
}

/// Convention 9: IRR × 12 of receiving `received` at month 0 and paying `payments` at months 1..n.
///
/// Callers pass `received > 0` and payments whose sum exceeds it (a positive total cost), so the present value
/// minus `received` is positive at r = 0 and falls steadily as r grows: exactly one root, found by bisection.
fn effective_annual_rate(received: i128, payments: &[i128]) -> Bps {
    let received = received as f64;
    // Present value by Horner's rule from the last month back: Σ pₖ / (1 + r)^k.
    let npv = |r: f64| payments.iter().rev().fold(0.0, |acc, &p| (acc + p as f64) / (1.0 + r)) - received;
    let cap = f64::from(Bps::MAX.bps()) / MONTH_BPS as f64; // 100 % a year, as a monthly rate
    if npv(cap) >= 0.0 {
        return Bps::MAX;
    }
    let (mut lo, mut hi) = (0.0_f64, cap);
    // 100 halvings take the bracket below f64 resolution; a fixed count keeps the cost bounded.
    for _ in 0..100 {
        let mid = lo.midpoint(hi);
        if npv(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let bps = (lo.midpoint(hi) * MONTH_BPS as f64).round(); // round() is half-up for positive values
    Bps::new(bps as u32).unwrap_or(Bps::MAX)
}

#[cfg(test)]
mod tests;
