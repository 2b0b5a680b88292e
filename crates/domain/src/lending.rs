//! The lending record's rules: what a lender approves and pays out, checked against the product and the
//! request, and how a wrong record is corrected without erasing it.
//!
//! Every figure the platform shows (facilitated loans, 首贷 share, guarantee volume) adds these records up,
//! so each is checked when it is made: an approval (and an offer on a posted need) within the product's
//! limits and what was asked for; each payment (one loan may be paid out in parts) within the approval,
//! dated between the approval and today, at the approved rate and term unless the lender says why not. A
//! mistake found later is put right by a correction (更正 a value, 冲正 a payment that did not happen) that
//! names what it replaces and why; the original stays in the application's history.

use crate::pricing::AnnualRate;
use crate::{
    Bps, Fen, FieldErrors, Labelled, LprTenor, MAX_NOTE_CHARS, MAX_SPREAD_BPS, Months, Pricing, ProductSpec, Range,
    ReferenceKind, ReferenceRates, RepaymentMethod, StatedRange, ValueError, join_zh,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The rate a lender grants: a fixed annual rate, or a loan prime rate plus a spread (which then follows
/// the LPR's publications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum LoanRate {
    Fixed {
        rate: Bps,
    },
    /// `spread_bps` may be negative (LPR − 20BP).
    Lpr {
        tenor: LprTenor,
        spread_bps: i32,
    },
}

impl LoanRate {
    /// The annual rate it comes to at the reference rates `refs`; `None` when it follows an LPR that was
    /// never entered.
    #[must_use]
    pub fn annual(&self, refs: &ReferenceRates) -> Option<Bps> {
        match *self {
            Self::Fixed { rate } => Some(rate),
            Self::Lpr { tenor, spread_bps } => {
                let lpr = refs.get(ReferenceKind::of_lpr(tenor))?.rate;
                let total = i64::from(lpr.bps()) + i64::from(spread_bps);
                u32::try_from(total.max(0)).ok().and_then(|b| Bps::new(b).ok())
            }
        }
    }

    /// `年利率 3.85%`, `1 年期 LPR + 50BP`.
    #[must_use]
    pub fn text_zh(&self) -> String {
        match *self {
            Self::Fixed { rate } => format!("年利率 {}", rate.percent_text()),
            Self::Lpr { tenor, spread_bps } => format!("{} {}", tenor.label_zh(), spread_text(spread_bps)),
        }
    }

    /// `3.85% a year`, `1-year LPR + 50BP`.
    #[must_use]
    pub fn text_en(&self) -> String {
        match *self {
            Self::Fixed { rate } => format!("{} a year", rate.percent_text()),
            Self::Lpr { tenor, spread_bps } => format!("{} {}", tenor.label_en(), spread_text(spread_bps)),
        }
    }
}

/// `+ 50BP`, `- 20BP`.
fn spread_text(spread: i32) -> String {
    if spread < 0 { format!("- {}BP", spread.unsigned_abs()) } else { format!("+ {spread}BP") }
}

/// What a lender approves (审批通过): the amount, rate, term and repayment method of the loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalTerms {
    pub amount: Fen,
    pub rate: LoanRate,
    pub term: Months,
    pub method: RepaymentMethod,
}

impl ApprovalTerms {
    /// The terms in words: `100 万元，年利率 3.85%，12 个月，等额本息`.
    #[must_use]
    pub fn text_zh(&self) -> String {
        format!(
            "{}，{}，{}，{}",
            self.amount.display_zh(),
            self.rate.text_zh(),
            self.term.display_zh(),
            self.method.label_zh()
        )
    }

    #[must_use]
    pub fn text_en(&self) -> String {
        format!(
            "{}, {}, {}, {}",
            self.amount.display_en(),
            self.rate.text_en(),
            self.term.display_en(),
            self.method.label_en()
        )
    }
}

/// What a loan must stay within: the product's stated limits (a bound it leaves 未说明 limits nothing) and
/// what the firm asked for.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    pub amount: &'a StatedRange<Fen>,
    pub term: &'a StatedRange<Months>,
    pub pricing: &'a Pricing,
    /// The product's repayment methods; `None`: not stated.
    pub methods: Option<&'a [RepaymentMethod]>,
    /// The current reference rates, for a product or a grant priced on the LPR.
    pub refs: &'a ReferenceRates,
    /// The amount and term asked for (the application's, or the posted need's).
    pub asked: (Fen, Months),
}

/// Which act a message is about: `批准` (an approval), `报价` (an offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Approval,
    Offer,
}

impl Grant {
    fn zh(self) -> &'static str {
        match self {
            Self::Approval => "批准",
            Self::Offer => "报价",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Approval => "approved",
            Self::Offer => "offered",
        }
    }
}

impl<'a> Limits<'a> {
    /// The limits of a product as `spec` states them, priced at `refs`, for a request of `asked`.
    #[must_use]
    pub fn of(spec: &'a ProductSpec, refs: &'a ReferenceRates, asked: (Fen, Months)) -> Self {
        Self {
            amount: &spec.amount,
            term: &spec.term,
            pricing: &spec.pricing,
            methods: spec.repayment_methods.as_deref(),
            refs,
            asked,
        }
    }

    /// Every way a grant of `amount` at `rate` for `term` (repaid by `method`, when the act names one)
    /// leaves these limits, under the fields `amount`, `rate`, `term` and `method`.
    pub fn check(
        &self,
        grant: Grant,
        amount: Fen,
        rate: &LoanRate,
        term: Months,
        method: Option<RepaymentMethod>,
        errors: &mut FieldErrors,
    ) {
        let (g, ge) = (grant.zh(), grant.en());
        let (asked_amount, asked_term) = self.asked;
        if amount.fen() <= 0 {
            errors.push(
                "amount",
                ValueError::worded(format!("{g}金额须大于 0"), format!("the {ge} amount must be above 0")),
            );
        } else if amount > asked_amount {
            errors.push(
                "amount",
                ValueError::worded(
                    format!("{g}金额不能超过申请金额 {}", asked_amount.display_zh()),
                    format!("the {ge} amount cannot exceed the {} asked for", asked_amount.display_en()),
                ),
            );
        } else if let Some(refusal) = outside(self.amount, amount, Fen::display_zh, Fen::display_en) {
            errors.push(
                "amount",
                ValueError::worded(
                    format!("{g}金额应在产品额度 {} 之内", refusal.0),
                    format!("the {ge} amount must be within the product's {}", refusal.1),
                ),
            );
        }
        if term > asked_term {
            errors.push(
                "term",
                ValueError::worded(
                    format!("{g}期限不能长于申请期限 {}", asked_term.display_zh()),
                    format!("the {ge} term cannot be longer than the {} asked for", asked_term.display_en()),
                ),
            );
        } else if let Some(refusal) = outside(self.term, term, Months::display_zh, Months::display_en) {
            errors.push(
                "term",
                ValueError::worded(
                    format!("{g}期限应在产品期限 {} 之内", refusal.0),
                    format!("the {ge} term must be within the product's {}", refusal.1),
                ),
            );
        }
        if let LoanRate::Lpr { spread_bps, .. } = rate
            && spread_bps.abs() > MAX_SPREAD_BPS
        {
            errors.push("spread", ValueError::TooLarge { max: format!("±{MAX_SPREAD_BPS} 基点") });
        } else {
            match rate.annual(self.refs) {
                None => errors.push(
                    "rate",
                    ValueError::worded(
                        "尚未录入该期限的 LPR，无法按 LPR 加点计算利率，请填写固定年利率",
                        "that LPR has never been entered; give a fixed annual rate",
                    ),
                ),
                Some(annual) => {
                    let allowed = self.pricing.annual(self.refs, &StatedRange::stated(Range::point(term)));
                    if allowed.admits(AnnualRate::of_bps(annual)) == Some(false) {
                        let zh = crate::pricing::annual_text_zh(&allowed);
                        let en = crate::pricing::annual_text_en(&allowed);
                        errors.push(
                            "rate",
                            ValueError::worded(
                                format!("{g}利率（年化 {}）应在产品利率 {zh} 之内", annual.percent_text()),
                                format!(
                                    "the {ge} rate ({} a year) must be within the product's {en}",
                                    annual.percent_text()
                                ),
                            ),
                        );
                    }
                }
            }
        }
        if let (Some(method), Some(offered)) = (method, self.methods)
            && !offered.contains(&method)
        {
            let zh = join_zh(offered);
            let en = offered.iter().map(|m| m.label_en()).collect::<Vec<_>>().join(", ");
            errors.push(
                "method",
                ValueError::worded(
                    format!("还款方式须为产品提供的一种：{zh}"),
                    format!("the repayment method must be one the product offers: {en}"),
                ),
            );
        }
    }
}

/// The product's range in words (`10 万元 至 500 万元`, `最高 500 万元`), when `value` is outside a bound it states.
fn outside<T: Ord + Copy + std::fmt::Debug>(
    range: &StatedRange<T>,
    value: T,
    zh: impl Fn(T) -> String,
    en: impl Fn(T) -> String,
) -> Option<(String, String)> {
    (range.admits(value) == Some(false)).then(|| (range.text_zh(&zh), range.text_en(&en)))
}

/// One payment of a loan (放款), as the lender reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disbursement {
    pub amount: Fen,
    /// The annual rate it was paid out at.
    pub rate: Bps,
    pub term: Months,
    pub date: NaiveDate,
    /// Why the rate or term differs from the approval (required then; empty otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Disbursement {
    /// The payment in words: amount, rate, term and date.
    #[must_use]
    pub fn text_zh(&self) -> String {
        format!("{}，{}，{}，{}", self.amount.display_zh(), self.rate.percent_text(), self.term.display_zh(), self.date)
    }

    #[must_use]
    pub fn text_en(&self) -> String {
        format!("{}, {}, {}, {}", self.amount.display_en(), self.rate.percent_text(), self.term.display_en(), self.date)
    }
}

/// A payment already recorded and still counting, by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub id: i64,
    pub disbursement: Disbursement,
}

/// What a loan has been granted and paid so far: what a payment or a correction is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Ledger<'a> {
    /// The day the application was submitted (Asia/Shanghai).
    pub submitted: NaiveDate,
    /// Today (Asia/Shanghai).
    pub today: NaiveDate,
    /// The product's limits and the request.
    pub limits: Limits<'a>,
    /// The approval and its day, when there is one with terms (an application approved before approvals
    /// carried terms has none until the lender records them by a correction).
    pub approval: Option<(&'a ApprovalTerms, NaiveDate)>,
    /// The payments that count (a reversed or replaced one no longer does).
    pub parts: &'a [Part],
}

impl Ledger<'_> {
    /// The total of the payments that count, leaving out `except`.
    #[must_use]
    pub fn paid(&self, except: Option<i64>) -> Fen {
        let fen: i64 = self.parts.iter().filter(|p| Some(p.id) != except).map(|p| p.disbursement.amount.fen()).sum();
        Fen::from_fen(fen).unwrap_or(Fen::ZERO)
    }

    /// Every way payment `d` breaks the approval (`replacing`: the payment it corrects, whose amount no longer
    /// counts), under the fields `amount`, `rate`, `term`, `date` and `reason`.
    fn check_payment(&self, d: &Disbursement, replacing: Option<i64>, errors: &mut FieldErrors) {
        let Some((approval, approved_on)) = self.approval else {
            errors.push(
                "amount",
                ValueError::worded(
                    "审批通过时未记录批准条件，请先更正审批（填写批准金额、利率、期限和还款方式）再放款",
                    "the approval was recorded without its terms: correct the approval first",
                ),
            );
            return;
        };
        let paid = self.paid(replacing);
        let left = Fen::from_fen(approval.amount.fen() - paid.fen()).unwrap_or(Fen::ZERO);
        if d.amount.fen() <= 0 {
            errors.push("amount", ValueError::worded("放款金额须大于 0", "the amount paid out must be above 0"));
        } else if d.amount > left {
            let (zh, en) = if left == Fen::ZERO {
                (
                    format!("批准金额 {} 已全部放款，不能再放款", approval.amount.display_zh()),
                    format!("the {} approved has all been paid out", approval.amount.display_en()),
                )
            } else if paid == Fen::ZERO {
                (
                    format!("放款金额不能超过批准金额 {}", approval.amount.display_zh()),
                    format!("the amount paid out cannot exceed the {} approved", approval.amount.display_en()),
                )
            } else {
                (
                    format!(
                        "累计放款不能超过批准金额 {}：已放款 {}，本笔最多 {}",
                        approval.amount.display_zh(),
                        paid.display_zh(),
                        left.display_zh()
                    ),
                    format!(
                        "payments cannot add up to more than the {} approved: {} paid, at most {} more",
                        approval.amount.display_en(),
                        paid.display_en(),
                        left.display_en()
                    ),
                )
            };
            errors.push("amount", ValueError::worded(zh, en));
        }
        if d.date > self.today {
            errors.push(
                "date",
                ValueError::worded(
                    format!("放款日期不能晚于今天（{}）", self.today),
                    format!("the payment date cannot be after today ({})", self.today),
                ),
            );
        } else if d.date < approved_on {
            errors.push(
                "date",
                ValueError::worded(
                    format!("放款日期不能早于审批通过日期 {approved_on}"),
                    format!("the payment date cannot be before the approval ({approved_on})"),
                ),
            );
        }
        let reason = d.reason.as_deref().map(str::trim).unwrap_or_default();
        let expected = approval.rate.annual(self.limits.refs);
        let rate_differs = expected != Some(d.rate);
        let term_differs = d.term != approval.term;
        if reason.is_empty() {
            if rate_differs {
                let (zh, en) = match expected {
                    Some(rate) => (
                        format!("执行利率与批准利率 {} 不同，请填写原因", rate.percent_text()),
                        format!("the rate differs from the {} approved: give the reason", rate.percent_text()),
                    ),
                    None => (
                        "批准利率按 LPR 计，而该 LPR 尚未录入，请填写执行利率的依据".to_owned(),
                        "the approved rate follows an LPR never entered: give the reason for this rate".to_owned(),
                    ),
                };
                errors.push("rate", ValueError::worded(zh, en));
            }
            if term_differs {
                errors.push(
                    "term",
                    ValueError::worded(
                        format!("放款期限与批准期限 {} 不同，请填写原因", approval.term.display_zh()),
                        format!("the term differs from the {} approved: give the reason", approval.term.display_en()),
                    ),
                );
            }
        }
        check_note(reason, "reason", errors);
    }
}

/// A note a person typed, at most [`MAX_NOTE_CHARS`].
fn check_note(note: &str, field: &str, errors: &mut FieldErrors) {
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(field, ValueError::TooLarge { max: format!("{MAX_NOTE_CHARS} 个字符") });
    }
}

/// What a correction replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Correction {
    /// 更正 an approval's terms.
    Approval { terms: ApprovalTerms },
    /// 更正 a payment's values.
    Disbursement { part: i64, to: Disbursement },
    /// 冲正 a payment: it did not happen as recorded and no longer counts.
    Reversal { part: i64 },
}

impl Correction {
    /// `更正审批`, `更正放款`, `冲正放款`.
    #[must_use]
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::Approval { .. } => "更正审批",
            Self::Disbursement { .. } => "更正放款",
            Self::Reversal { .. } => "冲正放款",
        }
    }

    #[must_use]
    pub fn label_en(&self) -> &'static str {
        match self {
            Self::Approval { .. } => "approval corrected",
            Self::Disbursement { .. } => "payment corrected",
            Self::Reversal { .. } => "payment reversed",
        }
    }

    /// The payment it replaces or reverses.
    #[must_use]
    pub fn part(&self) -> Option<i64> {
        match self {
            Self::Approval { .. } => None,
            Self::Disbursement { part, .. } | Self::Reversal { part } => Some(*part),
        }
    }

    /// Every way it breaks the record (`reason` is the lender's, required).
    pub(crate) fn check(&self, reason: &str, ledger: &Ledger<'_>, errors: &mut FieldErrors) {
        let reason = reason.trim();
        if reason.is_empty() {
            errors.push("reason", ValueError::worded("请填写更正原因", "give the reason for the correction"));
        }
        check_note(reason, "reason", errors);
        if let Some(part) = self.part()
            && !ledger.parts.iter().any(|p| p.id == part)
        {
            errors.push(
                "part",
                ValueError::worded(
                    "没有这笔放款记录（或它已被冲正、更正）",
                    "no such payment (or it was already reversed or corrected)",
                ),
            );
            return;
        }
        match self {
            Self::Approval { terms } => {
                ledger.limits.check(Grant::Approval, terms.amount, &terms.rate, terms.term, Some(terms.method), errors);
                let paid = ledger.paid(None);
                if terms.amount < paid {
                    errors.push(
                        "amount",
                        ValueError::worded(
                            format!("批准金额不能低于已放款合计 {}，请先冲正或更正放款", paid.display_zh()),
                            format!("the approved amount cannot be below the {} already paid out", paid.display_en()),
                        ),
                    );
                }
            }
            Self::Disbursement { part, to } => ledger.check_payment(to, Some(*part), errors),
            Self::Reversal { .. } => {}
        }
    }

    /// Whether a payment still counts after it: `false` when it reverses the last one.
    #[must_use]
    pub fn leaves_payments(&self, ledger: &Ledger<'_>) -> bool {
        match self {
            Self::Reversal { part } => ledger.parts.iter().any(|p| p.id != *part),
            _ => !ledger.parts.is_empty(),
        }
    }
}

/// Checks one new payment against the ledger.
pub(crate) fn check_payment(d: &Disbursement, ledger: &Ledger<'_>, errors: &mut FieldErrors) {
    ledger.check_payment(d, None, errors);
}
