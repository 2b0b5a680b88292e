//! The loan calculator's arithmetic as the API answers it: a product's repayment schedule, total cost and
//! effective annual rate for an amount and term, for each repayment method it offers (or the one asked).
//! In the kit because the calculator (the search feature's product page and cost API) and the comparison
//! of products price a loan the same way: one function, so the two can never disagree.

use crate::http::error::ApiError;
use crate::http::format::{span_en, span_zh};
use crate::http::params::field_error;
use crate::http::views::{ProductSummary, QuoteView};
use finmart_domain::{
    Bps, Fen, HomeArea, Labelled, Months, Product, ProductSpec, RangeEnd, RepaymentMethod, StatedRange, ValueError,
    join_zh,
};
use finmart_matching::{Applicant, CompiledProduct, LoanCost, LoanQuote, POLICY, Quote, Subsidies, loan_cost};
use serde::Serialize;
use utoipa::ToSchema;

/// One month of a repayment schedule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstalmentView {
    pub month: u16,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub interest_subsidy_fen: i64,
    /// Principal + interest − interest subsidy.
    pub payment_fen: i64,
    pub balance_after_fen: i64,
}

/// The cost of one repayment method.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodCost {
    /// At the low end of the product's rate (and fee) range; its `assumptions` say what it rests on.
    pub summary: QuoteView,
    pub schedule: Vec<InstalmentView>,
    /// At the high end, when the product states a range with a higher end (of the rate or the fee); `null`
    /// for a single rate, a rate stated only as a minimum, or an estimate.
    pub high: Option<QuoteView>,
}

/// The answer of `GET /api/v1/products/{id}/cost`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostResponse {
    pub product: ProductSummary,
    pub amount_fen: i64,
    pub amount_text: String,
    pub term_months: u16,
    pub term_text: String,
    /// Whether subsidies were applied: the firm said it is of a scale every subsidy admits (小型 or 微型), or
    /// its profile is known (a signed-in firm's comparison), and the subsidy table (`docs/subsidies.md`)
    /// decided each of the product's subsidies for such a firm.
    pub subsidised: bool,
    /// Whether the product states a rate the loan can be quoted at: a product that does not is not quoted
    /// (`methods` is empty), never at a rate made up for it, unless its page names the reference rate it
    /// follows (`estimate`).
    pub rate_stated: bool,
    /// The page names the reference rate (LPR, benchmark) but not the spread or float: the figures are a
    /// clearly marked estimate at the reference rate itself, not a quote (the lender's approval decides).
    pub estimate: bool,
    /// The product states only a minimum rate: every figure is the least the loan can cost.
    pub rate_is_floor: bool,
    /// The product does not state its repayment methods: each method is quoted, to be confirmed with the
    /// lender.
    pub methods_assumed: bool,
    /// One entry per repayment method quoted, cheapest effective rate first.
    pub methods: Vec<MethodCost>,
}

/// What a loan calculator asks.
#[derive(Debug, Clone, Copy)]
pub struct CostQuery {
    pub amount: Option<Fen>,
    pub term: Option<Months>,
    pub method: Option<RepaymentMethod>,
    pub subsidised: bool,
    /// A firm whose profile is known (a signed-in firm comparing products): the subsidy table decides on its
    /// own scale and qualifications, and `subsidised` is not read.
    pub firm: Option<Applicant>,
}

/// `value` moved within the stated bounds of `range` (an unstated bound does not move it).
fn clamp_stated<T: Ord + Copy + std::fmt::Debug>(value: T, range: &StatedRange<T>) -> T {
    let value = range.min().map_or(value, |lo| value.max(lo));
    range.max().map_or(value, |hi| value.min(hi))
}

/// A loan calculator's default amount: 100 万元 where the product allows it, else its nearest stated bound.
pub fn default_amount(product: &Product) -> Fen {
    clamp_stated(Fen::wan(100), &product.spec.amount)
}

pub fn default_term(product: &Product) -> Months {
    clamp_stated(Months::new(12).unwrap_or(Months::MIN), &product.spec.term)
}

/// How [`within`] words a value outside the product's range, in Chinese and English: what it is (额度 /
/// amount), how the value asked for is introduced (the API's "实际为" / "got", the calculator form's
/// "您填写的是" / "you entered") and how a value reads.
#[derive(Debug)]
pub struct RangeWords<T> {
    pub what: (&'static str, &'static str),
    pub said: (&'static str, &'static str),
    pub show: (Shown<T>, Shown<T>),
}

/// How a value reads in one language.
pub type Shown<T> = fn(T) -> String;

impl RangeWords<Fen> {
    /// An amount (`额度` / `amount`); `said` introduces the value asked for.
    #[must_use]
    pub fn amount(said: (&'static str, &'static str)) -> Self {
        Self { what: ("额度", "amount"), said, show: (Fen::display_zh, Fen::display_en) }
    }
}

impl RangeWords<Months> {
    /// A term (`期限` / `term`); `said` introduces the value asked for.
    #[must_use]
    pub fn term(said: (&'static str, &'static str)) -> Self {
        Self { what: ("期限", "term"), said, show: (Months::display_zh, Months::display_en) }
    }
}

/// `value` when the product's `range` holds it, else why not, in both languages (`words`).
/// An unstated bound refuses nothing: the quote is then for the asked value, to be confirmed.
pub fn within<T: Ord + Copy + std::fmt::Debug>(
    range: &StatedRange<T>,
    value: T,
    words: &RangeWords<T>,
) -> Result<T, ValueError> {
    if range.admits(value) != Some(false) {
        return Ok(value);
    }
    let (show_zh, show_en) = words.show;
    let (offered_zh, offered_en) = match range.range() {
        Some(r) => (
            format!("{} 至 {}", show_zh(*r.min()), show_zh(*r.max())),
            format!("{} to {}", show_en(*r.min()), show_en(*r.max())),
        ),
        None => (span_zh(range, show_zh), span_en(range, show_en)),
    };
    Err(ValueError::worded(
        format!("本产品{}为 {offered_zh}，{} {}", words.what.0, words.said.0, show_zh(value)),
        format!("outside the product's {} range ({offered_en}): {} {}", words.what.1, words.said.1, show_en(value)),
    ))
}

/// The repayment methods to quote: the product's, or every method when it states none (each quote then says
/// the method is assumed).
pub fn methods_to_quote(spec: &ProductSpec) -> Vec<RepaymentMethod> {
    spec.repayment_methods.clone().unwrap_or_else(|| RepaymentMethod::ALL.to_vec())
}

/// `method` when the product offers it (or does not say which it offers), else why not.
pub fn offered(spec: &ProductSpec, method: RepaymentMethod) -> Result<RepaymentMethod, ValueError> {
    match &spec.repayment_methods {
        Some(methods) if !methods.contains(&method) => {
            Err(ValueError::Invalid(format!("本产品不提供{}，可选：{}", method.label_zh(), join_zh(methods))))
        }
        _ => Ok(method),
    }
}

/// The loan terms at `rate` and `fee` (basis points) with `subsidies`.
fn quote_terms(
    amount: Fen,
    term: Months,
    method: RepaymentMethod,
    rate: u32,
    fee: u32,
    subsidies: Subsidies,
) -> LoanQuote {
    let bps = |v: u32| Bps::new(v).unwrap_or(Bps::MAX);
    LoanQuote {
        principal: amount,
        annual_rate: bps(rate),
        term,
        method,
        guarantee_fee_rate: bps(fee),
        interest_subsidy_rate: bps(subsidies.interest),
        fee_subsidy_rate: bps(subsidies.fee),
    }
}

/// The cost of `product` for an amount, term and method (each defaulted from the product when absent).
///
/// # Errors
/// 400 naming `amount`, `term` or `method` when outside what the product offers.
pub fn product_cost(product: &Product, q: CostQuery, home: &HomeArea) -> Result<CostResponse, ApiError> {
    let spec = &product.spec;
    let amount = q.amount.unwrap_or_else(|| default_amount(product));
    let amount =
        within(&spec.amount, amount, &RangeWords::amount(("实际为", "got"))).map_err(|e| field_error("amount", e))?;
    let term = q.term.unwrap_or_else(|| default_term(product));
    let term = within(&spec.term, term, &RangeWords::term(("实际为", "got"))).map_err(|e| field_error("term", e))?;
    let methods = match q.method {
        Some(m) => vec![offered(spec, m).map_err(|e| field_error("method", e))?],
        None => methods_to_quote(spec),
    };
    let compiled = CompiledProduct::new(product);
    // The firm's profile when it is known; else its word that it is 小型 or 微型, for the one subsidy table
    // to decide on.
    let applicant = q.firm.unwrap_or_else(|| {
        let claimed = if q.subsidised { POLICY.scales_every_row_admits() } else { Vec::new() };
        Applicant::claiming(&claimed)
    });
    let (low, high) = compiled.rate_for(term);
    // Without a stated lower end, only an estimate at the reference rate the page names (LPR 加点), marked.
    let estimate = if low.is_none() {
        product.spec.pricing.estimate(&product.references, term).map(|e| e.rate.bps().bps())
    } else {
        None
    };
    let mut costs: Vec<(LoanCost, MethodCost)> = Vec::new();
    if let Some(rate) = low.or(estimate) {
        // The high end: a stated higher rate or fee (a rate stated only as a minimum has none).
        let high_end = match (high, compiled.guaranteed, compiled.fee_max) {
            (Some(hi), false, _) if hi > rate => Some((hi, 0)),
            (Some(hi), true, Some(fee)) if hi > rate || Some(fee) != compiled.fee_min => Some((hi, fee)),
            _ => None,
        };
        for method in methods {
            let at = |rate: u32, fee: u32| -> Result<Option<(LoanCost, Quote)>, ApiError> {
                let subsidies: Subsidies = POLICY.subsidies_for(&compiled, &applicant, rate);
                let terms = quote_terms(amount, term, method, rate, fee, subsidies);
                let cost =
                    loan_cost(&terms).map_err(|e| ApiError::invalid("amount", &ValueError::Invalid(e.message_zh())))?;
                let quote = Quote::of(&cost, &terms, &compiled, subsidies);
                Ok(Some((cost, quote)))
            };
            let Some((cost, quote)) = at(rate, compiled.fee_min.unwrap_or(0))? else { break };
            let summary = QuoteView::of(&quote, product, RangeEnd::Low, estimate.is_some());
            let high = match high_end {
                Some((rate, fee)) => at(rate, fee)?.map(|(_, q)| QuoteView::of(&q, product, RangeEnd::High, false)),
                None => None,
            };
            let schedule = cost
                .schedule
                .iter()
                .map(|i| InstalmentView {
                    month: i.month,
                    principal_fen: i.principal.fen(),
                    interest_fen: i.interest.fen(),
                    interest_subsidy_fen: i.interest_subsidy.fen(),
                    payment_fen: i.payment.fen(),
                    balance_after_fen: i.balance_after.fen(),
                })
                .collect();
            costs.push((cost, MethodCost { summary, schedule, high }));
        }
    }
    costs.sort_by_key(|(c, _)| (c.effective_annual_rate, c.total_cost));
    Ok(CostResponse {
        product: ProductSummary::of(product, home),
        amount_fen: amount.fen(),
        amount_text: amount.display_zh(),
        term_months: term.get(),
        term_text: term.display_zh(),
        subsidised: q.subsidised || q.firm.is_some(),
        rate_stated: low.is_some(),
        estimate: estimate.is_some(),
        rate_is_floor: low.is_some() && high.is_none(),
        methods_assumed: spec.repayment_methods.is_none(),
        methods: costs.into_iter().map(|(_, m)| m).collect(),
    })
}
