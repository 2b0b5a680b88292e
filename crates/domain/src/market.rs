//! The marketplace's rules: who acts (roles and accounts), what a new application must carry, the life of an
//! application (a state machine that refuses every transition it does not name), posted financing needs and
//! the offers made on them.

use crate::lending::{ApprovalTerms, Correction, Disbursement, Ledger, check_payment};
use crate::{Bps, Fen, FieldErrors, Labelled, LoanPurpose, Months, ValueError};
use serde::{Deserialize, Serialize};

crate::labelled_enum! {
    /// What an account may do; each non-operator account belongs to exactly one party.
    pub enum Role: "role" {
        Sme => "sme", "企业用户", "SME user",
        Institution => "institution", "金融机构用户", "Institution user",
        Agency => "agency", "担保机构用户", "Guarantee-agency user",
        Operator => "operator", "平台运营方", "Operator",
        Provider => "provider", "数据提供方用户", "Data-provider user",
    }
}

/// A signed-in account as every permission check sees it: who, in which role, for which party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub account_id: i64,
    pub role: Role,
    pub display_name: String,
    /// The SME an SME user acts for.
    pub enterprise_id: Option<i64>,
    /// The lender (institution users) or guarantee agency (agency users) the account acts for.
    pub institution_id: Option<i64>,
    /// The data provider (a department sending verified facts) a provider user acts for.
    #[serde(default)]
    pub provider_id: Option<i64>,
}

impl Principal {
    /// The enterprise of an SME user.
    #[must_use]
    pub fn enterprise(&self) -> Option<i64> {
        if self.role == Role::Sme { self.enterprise_id } else { None }
    }

    /// The lender of an institution user.
    #[must_use]
    pub fn lender(&self) -> Option<i64> {
        if self.role == Role::Institution { self.institution_id } else { None }
    }

    /// The agency of a guarantee-agency user.
    #[must_use]
    pub fn agency(&self) -> Option<i64> {
        if self.role == Role::Agency { self.institution_id } else { None }
    }

    /// The data provider of a provider user.
    #[must_use]
    pub fn provider(&self) -> Option<i64> {
        if self.role == Role::Provider { self.provider_id } else { None }
    }

    #[must_use]
    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }
}

crate::labelled_enum! {
    /// Where an application is. Every state change is one [`ApplicationAction`].
    pub enum ApplicationState: "application state" {
        Submitted => "submitted", "已提交", "Submitted",
        Accepted => "accepted", "已受理", "Accepted",
        Approved => "approved", "已审批通过", "Approved",
        Rejected => "rejected", "未通过", "Rejected",
        Disbursed => "disbursed", "已放款", "Disbursed",
        Withdrawn => "withdrawn", "已撤回", "Withdrawn",
    }
}

impl ApplicationState {
    /// No further transition is possible.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Disbursed | Self::Withdrawn)
    }

    /// Whether the application is open: still on its way to a decision or a loan. A firm has at most one open
    /// application per product. Every state is named, so a new one does not compile until it is decided.
    #[must_use]
    pub const fn is_open(self) -> bool {
        match self {
            Self::Submitted | Self::Accepted | Self::Approved => true,
            Self::Rejected | Self::Disbursed | Self::Withdrawn => false,
        }
    }
}

/// Which side of an application may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The lender the application was made to.
    Institution,
    /// The applying enterprise.
    Enterprise,
}

/// One step of the application state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ApplicationAction {
    /// 受理.
    Accept,
    /// 审批通过, with the terms granted.
    Approve(ApprovalTerms),
    /// A reason is required.
    Reject { reason: String },
    /// One payment (放款); a loan may be paid out in parts up to the approved amount.
    Disburse(Disbursement),
    /// By the enterprise, any time before a decision is final.
    Withdraw,
    /// 更正 / 冲正 by the lender, with its reason: the original stays in the history.
    Correct { correction: Correction, reason: String },
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} an application that is {from}")]
    NotFromState { action: &'static str, from: ApplicationState },
    #[error("only the {0:?} side may take this action")]
    WrongSide(Side),
    /// Someone else changed the application since it was read (two payments at once): read it again.
    #[error("the application changed meanwhile; reload it and try again")]
    Changed,
    #[error("{0}")]
    Invalid(FieldErrors),
}

impl TransitionError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotFromState { action, from } => {
                format!("申请当前为“{}”，不能执行“{}”", from.label_zh(), action_label_zh(action))
            }
            Self::WrongSide(Side::Institution) => "只有受理该申请的金融机构可以执行此操作".to_owned(),
            Self::WrongSide(Side::Enterprise) => "只有提出申请的企业可以执行此操作".to_owned(),
            Self::Changed => "申请刚刚被其他操作更新，请刷新后重试".to_owned(),
            Self::Invalid(errors) => {
                errors.0.iter().map(|e| format!("{}：{}", e.field, e.error.message_zh())).collect::<Vec<_>>().join("；")
            }
        }
    }
}

fn action_label_zh(action: &str) -> &'static str {
    match action {
        "accept" => "受理",
        "approve" => "审批通过",
        "reject" => "拒绝",
        "disburse" => "放款",
        "correct" => "更正",
        _ => "撤回",
    }
}

/// The longest reason or note a person may type.
pub const MAX_NOTE_CHARS: usize = 500;

/// The longest idempotency key: the store's column is this wide.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 64;

/// What an applicant gives when applying for a product, before any check: the amount and the term as the
/// caller parsed them in its own unit (yuan in the API, 万元 on the form), the rest as typed. Whether the
/// product and the enterprise exist, and whether the terms fit the product, only the store can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationInput<'a> {
    pub amount: Result<Fen, ValueError>,
    pub term: Result<Months, ValueError>,
    /// A [`LoanPurpose`] by machine name or Chinese label.
    pub purpose: &'a str,
    pub purpose_text: &'a str,
    /// Chosen by the client, so that a repeated submission applies once; `None` when none was sent.
    pub idempotency_key: Option<&'a str>,
}

/// An application's own fields once checked, with the key and the text trimmed as they are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFields {
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    pub idempotency_key: String,
}

impl ApplicationInput<'_> {
    /// The checked fields.
    ///
    /// # Errors
    /// Every bad field, in the form's order (`amount`, `term`, `purpose`, `purpose_text`, `idempotency_key`),
    /// with the messages the site shows beside them.
    pub fn check(self) -> Result<ApplicationFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let amount = errors.check(
            "amount",
            self.amount.and_then(|a| {
                if a.fen() > 0 { Ok(a) } else { Err(ValueError::TooSmall { min: "0.01 元".to_owned() }) }
            }),
        );
        let term = errors.check("term", self.term);
        let purpose = self.purpose.trim();
        let purpose = if purpose.is_empty() {
            errors.push("purpose", ValueError::Empty);
            None
        } else {
            errors.check("purpose", LoanPurpose::parse(purpose))
        };
        let purpose_text = self.purpose_text.trim();
        if purpose_text.chars().count() > MAX_NOTE_CHARS {
            errors.push("purpose_text", ValueError::TooLarge { max: format!("{MAX_NOTE_CHARS} 个字符") });
        }
        let key = self.idempotency_key.map(str::trim).unwrap_or_default();
        if key.is_empty() {
            // Says where a key goes, since a caller without one has usually not heard of it.
            errors.push(
                "idempotency_key",
                ValueError::Invalid("缺少幂等键（idempotency_key 或 Idempotency-Key 请求头）".to_owned()),
            );
        } else if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
            errors.push("idempotency_key", ValueError::TooLarge { max: format!("{MAX_IDEMPOTENCY_KEY_CHARS} 个字符") });
        } else if let Some(bad) = key.chars().find(|c| c.is_whitespace() || c.is_control()) {
            // The key may travel in a request header, which cannot carry control characters and may not keep
            // spaces as they were: such a key could not be sent the same way twice.
            errors.push("idempotency_key", ValueError::BadCharacter(bad));
        }
        match (amount, term, purpose) {
            (Some(amount), Some(term), Some(purpose)) if errors.is_empty() => Ok(ApplicationFields {
                amount,
                term,
                purpose,
                purpose_text: purpose_text.to_owned(),
                idempotency_key: key.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

impl ApplicationAction {
    /// The action's machine name, as in the API's `action` field.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Approve(_) => "approve",
            Self::Reject { .. } => "reject",
            Self::Disburse(_) => "disburse",
            Self::Withdraw => "withdraw",
            Self::Correct { .. } => "correct",
        }
    }

    /// Who may take it.
    #[must_use]
    pub fn side(&self) -> Side {
        Self::side_of(self.name())
    }

    /// Every act's machine name, as in the API's `action` field.
    pub const NAMES: [&'static str; 6] = ["accept", "approve", "reject", "disburse", "correct", "withdraw"];

    /// Who may take the act named `name` (the firm withdraws; the lender does the rest).
    #[must_use]
    pub fn side_of(name: &str) -> Side {
        if name == "withdraw" { Side::Enterprise } else { Side::Institution }
    }

    /// The acts, by machine name, the machine takes from `from` when their values hold (a payment also
    /// needs something left of the approval; see [`Self::apply`]).
    #[must_use]
    pub fn names_from(from: ApplicationState) -> &'static [&'static str] {
        use ApplicationState as S;
        match from {
            S::Submitted => &["accept", "withdraw"],
            S::Accepted => &["approve", "reject", "withdraw"],
            S::Approved => &["disburse", "correct", "withdraw"],
            S::Disbursed => &["disburse", "correct"],
            S::Rejected | S::Withdrawn => &[],
        }
    }

    /// The machine's refusal of the act named `name` by `side` from `from` before its values are read: the
    /// wrong side, or a state it is never taken from. `None` when the act may be taken, values permitting.
    #[must_use]
    pub fn refusal(name: &'static str, from: ApplicationState, side: Side) -> Option<TransitionError> {
        if Self::side_of(name) != side {
            Some(TransitionError::WrongSide(Self::side_of(name)))
        } else if !Self::names_from(from).contains(&name) {
            Some(TransitionError::NotFromState { action: name, from })
        } else {
            None
        }
    }

    /// The state this action leads to from `from`, when the machine allows it and its values keep the record
    /// possible: an approval within the product's limits and the request, a payment within the approval
    /// (see [`Ledger`]), a correction naming a payment that counts, with a reason.
    ///
    /// A payment may follow another while the approved amount is not all paid out; a reversal of the last
    /// payment that counts takes the application back to approved.
    ///
    /// # Errors
    /// The action is not allowed from `from`, is taken by the wrong side, or its fields are invalid.
    pub fn apply(
        &self,
        from: ApplicationState,
        side: Side,
        ledger: &Ledger<'_>,
    ) -> Result<ApplicationState, TransitionError> {
        use ApplicationState as S;
        if side != self.side() {
            return Err(TransitionError::WrongSide(self.side()));
        }
        let to = match (self, from) {
            (Self::Accept, S::Submitted) => S::Accepted,
            (Self::Approve(_), S::Accepted) => S::Approved,
            (Self::Reject { .. }, S::Accepted) => S::Rejected,
            (Self::Disburse(_), S::Approved | S::Disbursed) => S::Disbursed,
            (Self::Withdraw, S::Submitted | S::Accepted | S::Approved) => S::Withdrawn,
            (Self::Correct { correction: Correction::Approval { .. }, .. }, S::Approved | S::Disbursed) => from,
            (Self::Correct { correction, .. }, S::Disbursed) => {
                if correction.leaves_payments(ledger) {
                    S::Disbursed
                } else {
                    S::Approved
                }
            }
            _ => return Err(TransitionError::NotFromState { action: self.name(), from }),
        };
        let mut errors = FieldErrors::default();
        match self {
            Self::Reject { reason } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    errors.push("reason", ValueError::Invalid("请填写拒绝原因".to_owned()));
                } else if reason.chars().count() > MAX_NOTE_CHARS {
                    errors.push("reason", ValueError::TooLarge { max: format!("{MAX_NOTE_CHARS} 个字符") });
                }
            }
            Self::Approve(terms) => ledger.limits.check(
                crate::lending::Grant::Approval,
                terms.amount,
                &terms.rate,
                terms.term,
                Some(terms.method),
                &mut errors,
            ),
            Self::Disburse(d) => check_payment(d, ledger, &mut errors),
            Self::Correct { correction, reason } => correction.check(reason, ledger, &mut errors),
            Self::Accept | Self::Withdraw => {}
        }
        if errors.0.is_empty() { Ok(to) } else { Err(TransitionError::Invalid(errors)) }
    }
}

crate::labelled_enum! {
    /// A posted financing need (需求发布).
    pub enum NeedState: "need state" {
        Open => "open", "征集中", "Open",
        Accepted => "accepted", "已选定", "Offer accepted",
        Closed => "closed", "已关闭", "Closed",
    }
}

crate::labelled_enum! {
    /// An institution's offer on a posted need (抢单).
    pub enum OfferState: "offer state" {
        Open => "open", "待选择", "Open",
        Accepted => "accepted", "已接受", "Accepted",
        Declined => "declined", "未选中", "Not chosen",
        Withdrawn => "withdrawn", "已撤回", "Withdrawn",
    }
}

/// The terms an institution offers on a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferTerms {
    pub amount: Fen,
    pub rate: Bps,
    pub term: Months,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ApplicationState as S;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn terms() -> ApprovalTerms {
        ApprovalTerms {
            amount: Fen::wan(40),
            rate: crate::LoanRate::Fixed { rate: Bps::new(400).unwrap() },
            term: Months::new(12).unwrap(),
            method: crate::RepaymentMethod::EqualInstalment,
        }
    }

    fn payment(amount: Fen, date: &str) -> Disbursement {
        Disbursement {
            amount,
            rate: Bps::new(400).unwrap(),
            term: Months::new(12).unwrap(),
            date: day(date),
            reason: None,
        }
    }

    /// A ledger for a product of 10–500 万, 6–36 months at 3%–6%, an application for 50 万 over 12 months
    /// submitted on 2026-11-01, approved for `terms()` on 2026-11-10, with `parts` paid.
    fn with_ledger<T>(parts: &[crate::Part], f: impl FnOnce(&Ledger<'_>) -> T) -> T {
        let amount = crate::StatedRange::stated(crate::Range::new(Fen::wan(10), Fen::wan(500)).unwrap());
        let term =
            crate::StatedRange::stated(crate::Range::new(Months::new(6).unwrap(), Months::new(36).unwrap()).unwrap());
        let pricing = crate::Pricing::fixed_annual(Bps::new(300).unwrap(), Bps::new(600).unwrap());
        let refs = crate::ReferenceRates::default();
        let terms = terms();
        let ledger = Ledger {
            submitted: day("2026-11-01"),
            today: day("2026-11-22"),
            limits: crate::Limits {
                amount: &amount,
                term: &term,
                pricing: &pricing,
                methods: None,
                refs: &refs,
                asked: (Fen::wan(50), Months::new(12).unwrap()),
            },
            approval: Some((&terms, day("2026-11-10"))),
            parts,
        };
        f(&ledger)
    }

    fn actions() -> Vec<ApplicationAction> {
        vec![
            ApplicationAction::Accept,
            ApplicationAction::Approve(terms()),
            ApplicationAction::Reject { reason: "资料不全".to_owned() },
            ApplicationAction::Disburse(payment(Fen::from_fen(100).unwrap(), "2026-11-22")),
            ApplicationAction::Withdraw,
            ApplicationAction::Correct {
                correction: crate::Correction::Approval { terms: terms() },
                reason: "录入错误".to_owned(),
            },
        ]
    }

    #[test]
    fn the_machine_allows_exactly_its_edges() {
        let allowed = [
            ("submitted", "accept", "accepted"),
            ("accepted", "approve", "approved"),
            ("accepted", "reject", "rejected"),
            ("approved", "disburse", "disbursed"),
            ("disbursed", "disburse", "disbursed"),
            ("submitted", "withdraw", "withdrawn"),
            ("accepted", "withdraw", "withdrawn"),
            ("approved", "withdraw", "withdrawn"),
            ("approved", "correct", "approved"),
            ("disbursed", "correct", "disbursed"),
        ];
        let mut named: Vec<&str> = actions().iter().map(ApplicationAction::name).collect();
        named.sort_unstable();
        let mut names = ApplicationAction::NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(named, names, "NAMES lists every act once");
        let paid = [crate::Part { id: 1, disbursement: payment(Fen::wan(10), "2026-11-12") }];
        with_ledger(&paid, |ledger| {
            for from in S::ALL {
                for action in actions() {
                    let got = action.apply(*from, action.side(), ledger).ok().map(|s| s.as_str());
                    let want = allowed.iter().find(|(f, a, _)| *f == from.as_str() && *a == action.name()).map(|e| e.2);
                    assert_eq!(got, want, "{} from {}", action.name(), from.as_str());
                }
            }
        });
        for state in [S::Rejected, S::Disbursed, S::Withdrawn] {
            assert!(state.is_final());
        }
        for from in S::ALL {
            let named: Vec<&str> = allowed.iter().filter(|(f, _, _)| *f == from.as_str()).map(|e| e.1).collect();
            let mut listed = ApplicationAction::names_from(*from).to_vec();
            listed.sort_unstable();
            let mut named = named;
            named.sort_unstable();
            assert_eq!(listed, named, "the acts named from {from}");
        }
    }

    #[test]
    fn payments_add_up_to_the_approval_and_no_more() {
        let first = crate::Part { id: 1, disbursement: payment(Fen::wan(25), "2026-11-12") };
        let second = crate::Part { id: 2, disbursement: payment(Fen::wan(10), "2026-11-13") };
        let parts = [first, second];
        with_ledger(&parts, |ledger| {
            let pay = |amount: Fen| ApplicationAction::Disburse(payment(amount, "2026-11-20"));
            assert_eq!(pay(Fen::wan(5)).apply(S::Disbursed, Side::Institution, ledger), Ok(S::Disbursed));
            let over = pay(Fen::from_fen(Fen::wan(5).fen() + 1).unwrap());
            let err = over.apply(S::Disbursed, Side::Institution, ledger).unwrap_err();
            assert_eq!(err.message_zh(), "amount：累计放款不能超过批准金额 40 万元：已放款 35 万元，本笔最多 5 万元");
            // Replacing the first payment frees its amount; reversing the last one leaves none.
            let fix = |amount: Fen| ApplicationAction::Correct {
                correction: crate::Correction::Disbursement { part: 1, to: payment(amount, "2026-11-12") },
                reason: "金额录错".to_owned(),
            };
            assert_eq!(fix(Fen::wan(30)).apply(S::Disbursed, Side::Institution, ledger), Ok(S::Disbursed));
            assert!(fix(Fen::wan(31)).apply(S::Disbursed, Side::Institution, ledger).is_err());
            let reverse = |part: i64| ApplicationAction::Correct {
                correction: crate::Correction::Reversal { part },
                reason: "重复录入".to_owned(),
            };
            assert_eq!(reverse(2).apply(S::Disbursed, Side::Institution, ledger), Ok(S::Disbursed));
            let err = reverse(3).apply(S::Disbursed, Side::Institution, ledger).unwrap_err();
            assert!(err.message_zh().starts_with("part："), "{}", err.message_zh());
        });
        let only = [crate::Part { id: 7, disbursement: payment(Fen::wan(40), "2026-11-12") }];
        with_ledger(&only, |ledger| {
            let reverse =
                ApplicationAction::Correct { correction: crate::Correction::Reversal { part: 7 }, reason: "x".into() };
            assert_eq!(reverse.apply(S::Disbursed, Side::Institution, ledger), Ok(S::Approved));
            let no_reason =
                ApplicationAction::Correct { correction: crate::Correction::Reversal { part: 7 }, reason: " ".into() };
            let err = no_reason.apply(S::Disbursed, Side::Institution, ledger).unwrap_err();
            assert_eq!(err.message_zh(), "reason：请填写更正原因");
            // The approved amount cannot drop below what was paid out.
            let lower = ApplicationAction::Correct {
                correction: crate::Correction::Approval { terms: ApprovalTerms { amount: Fen::wan(30), ..terms() } },
                reason: "批准金额录错".into(),
            };
            let err = lower.apply(S::Disbursed, Side::Institution, ledger).unwrap_err();
            assert!(err.message_zh().contains("已放款合计 40 万元"), "{}", err.message_zh());
        });
    }

    #[test]
    fn a_payment_is_dated_between_the_approval_and_today_at_the_approved_rate_and_term() {
        with_ledger(&[], |ledger| {
            let refused = |d: Disbursement| -> Vec<(String, String)> {
                let TransitionError::Invalid(errors) =
                    ApplicationAction::Disburse(d).apply(S::Approved, Side::Institution, ledger).unwrap_err()
                else {
                    panic!("expected field errors")
                };
                errors.0.into_iter().map(|e| (e.field, e.error.message_zh())).collect()
            };
            let e = refused(payment(Fen::wan(41), "2026-11-23"));
            assert_eq!(e[0], ("amount".to_owned(), "放款金额不能超过批准金额 40 万元".to_owned()));
            assert_eq!(e[1], ("date".to_owned(), "放款日期不能晚于今天（2026-11-22）".to_owned()));
            let e = refused(payment(Fen::wan(40), "2026-11-09"));
            assert_eq!(e, [("date".to_owned(), "放款日期不能早于审批通过日期 2026-11-10".to_owned())]);
            let other = Disbursement {
                rate: Bps::new(450).unwrap(),
                term: Months::new(6).unwrap(),
                ..payment(Fen::wan(40), "2026-11-22")
            };
            let e = refused(other.clone());
            assert_eq!(
                e,
                [
                    ("rate".to_owned(), "执行利率与批准利率 4% 不同，请填写原因".to_owned()),
                    ("term".to_owned(), "放款期限与批准期限 1 年 不同，请填写原因".to_owned()),
                ]
            );
            let explained = Disbursement { reason: Some("按最新定价执行".to_owned()), ..other };
            assert_eq!(
                ApplicationAction::Disburse(explained).apply(S::Approved, Side::Institution, ledger),
                Ok(S::Disbursed)
            );
            assert_eq!(
                ApplicationAction::Disburse(payment(Fen::wan(40), "2026-11-10")).apply(
                    S::Approved,
                    Side::Institution,
                    ledger
                ),
                Ok(S::Disbursed),
                "the whole approval on the day of the approval"
            );
        });
    }

    #[test]
    fn an_approval_stays_within_the_product_and_the_request() {
        with_ledger(&[], |ledger| {
            let approve = |t: ApprovalTerms| -> Vec<(String, String)> {
                match ApplicationAction::Approve(t).apply(S::Accepted, Side::Institution, ledger) {
                    Ok(_) => Vec::new(),
                    Err(TransitionError::Invalid(errors)) => {
                        errors.0.into_iter().map(|e| (e.field, e.error.message_zh())).collect()
                    }
                    Err(other) => panic!("{other:?}"),
                }
            };
            assert!(approve(terms()).is_empty());
            assert!(
                approve(ApprovalTerms { amount: Fen::wan(50), term: Months::new(6).unwrap(), ..terms() }).is_empty()
            );
            let e = approve(ApprovalTerms { amount: Fen::wan(5000), term: Months::new(24).unwrap(), ..terms() });
            assert_eq!(
                e,
                [
                    ("amount".to_owned(), "批准金额不能超过申请金额 50 万元".to_owned()),
                    ("term".to_owned(), "批准期限不能长于申请期限 1 年".to_owned()),
                ]
            );
            let e = approve(ApprovalTerms { amount: Fen::wan(5), term: Months::new(3).unwrap(), ..terms() });
            assert_eq!(e[0], ("amount".to_owned(), "批准金额应在产品额度 10 万元 – 500 万元 之内".to_owned()));
            assert_eq!(e[1].0, "term");
            let e = approve(ApprovalTerms { rate: crate::LoanRate::Fixed { rate: Bps::new(601).unwrap() }, ..terms() });
            assert_eq!(e, [("rate".to_owned(), "批准利率（年化 6.01%）应在产品利率 3% – 6% 之内".to_owned())]);
            let lpr = ApprovalTerms {
                rate: crate::LoanRate::Lpr { tenor: crate::LprTenor::OneYear, spread_bps: 50 },
                ..terms()
            };
            assert_eq!(approve(lpr)[0].0, "rate", "an LPR never entered gives no rate");
        });
    }

    fn input<'a>(key: Option<&'a str>, purpose: &'a str, purpose_text: &'a str) -> ApplicationInput<'a> {
        ApplicationInput {
            amount: Ok(Fen::wan(50)),
            term: Ok(Months::new(12).unwrap()),
            purpose,
            purpose_text,
            idempotency_key: key,
        }
    }

    fn refused(input: ApplicationInput<'_>) -> Vec<(String, String)> {
        let errors = input.check().unwrap_err();
        errors.0.into_iter().map(|e| (e.field, e.error.message_zh())).collect()
    }

    #[test]
    fn a_new_application_is_checked_and_trimmed() {
        let fields = input(Some(" key-1 "), "working_capital", "  采购原材料 ").check().unwrap();
        assert_eq!(
            fields,
            ApplicationFields {
                amount: Fen::wan(50),
                term: Months::new(12).unwrap(),
                purpose: LoanPurpose::WorkingCapital,
                purpose_text: "采购原材料".to_owned(),
                idempotency_key: "key-1".to_owned(),
            }
        );
        let long_note = "字".repeat(MAX_NOTE_CHARS);
        assert!(input(Some("k"), "流动资金周转", &long_note).check().is_ok(), "a Chinese label is a purpose");
    }

    #[test]
    fn every_bad_field_of_a_new_application_is_reported_in_form_order() {
        let long_note = "字".repeat(MAX_NOTE_CHARS + 1);
        let all_bad = ApplicationInput {
            amount: Ok(Fen::ZERO),
            term: Err(ValueError::Empty),
            purpose: " ",
            purpose_text: &long_note,
            idempotency_key: None,
        };
        let want = [
            ("amount", "不能小于 0.01 元"),
            ("term", "不能为空"),
            ("purpose", "不能为空"),
            ("purpose_text", "不能大于 500 个字符"),
            ("idempotency_key", "缺少幂等键（idempotency_key 或 Idempotency-Key 请求头）"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(f, m)| ((*f).to_owned(), (*m).to_owned())).collect();
        assert_eq!(refused(all_bad), want);

        let parse_error =
            ApplicationInput { amount: Err(ValueError::NotANumber("abc".to_owned())), ..input(Some("k"), "x", "") };
        let fields: Vec<String> = refused(parse_error).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["amount", "purpose"], "a parse error and an unknown purpose");
    }

    #[test]
    fn an_idempotency_key_is_present_short_and_without_spaces() {
        let key_error = |key: Option<&str>| refused(input(key, "other", "")).pop().unwrap();
        assert_eq!(key_error(Some("   ")).1, "缺少幂等键（idempotency_key 或 Idempotency-Key 请求头）");
        let longest = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS);
        assert!(input(Some(&longest), "other", "").check().is_ok());
        let too_long = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1);
        assert_eq!(key_error(Some(&too_long)), ("idempotency_key".to_owned(), "不能大于 64 个字符".to_owned()));
        assert_eq!(key_error(Some("a b")).1, "含有不允许的字符“ ”");
        assert_eq!(key_error(Some("a\u{7}b")).1, "含有不允许的字符“\u{7}”");
    }

    #[test]
    fn sides_and_fields_are_checked() {
        with_ledger(&[], |ledger| {
            assert_eq!(
                ApplicationAction::Accept.apply(S::Submitted, Side::Enterprise, ledger),
                Err(TransitionError::WrongSide(Side::Institution))
            );
            assert_eq!(
                ApplicationAction::Withdraw.apply(S::Submitted, Side::Institution, ledger),
                Err(TransitionError::WrongSide(Side::Enterprise))
            );
            let empty = ApplicationAction::Reject { reason: "  ".to_owned() };
            let err = empty.apply(S::Accepted, Side::Institution, ledger).unwrap_err();
            assert!(err.message_zh().contains("拒绝原因"), "{}", err.message_zh());
            let refused =
                ApplicationAction::Approve(terms()).apply(S::Submitted, Side::Institution, ledger).unwrap_err();
            assert_eq!(refused.message_zh(), "申请当前为“已提交”，不能执行“审批通过”");
        });
    }
}
