//! The marketplace's rules: who acts (roles and accounts), the life of an application (a state machine that
//! refuses every transition it does not name), posted financing needs and the offers made on them.

use crate::{Bps, Fen, FieldErrors, Months, ValueError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::labelled_enum! {
    /// What an account may do; each non-operator account belongs to exactly one party.
    pub enum Role: "role" {
        Sme => "sme", "企业用户", "SME user",
        Institution => "institution", "金融机构用户", "Institution user",
        Agency => "agency", "担保机构用户", "Guarantee-agency user",
        Operator => "operator", "平台运营方", "Operator",
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

/// What a lender reports when it pays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disbursement {
    pub amount: Fen,
    pub rate: Bps,
    pub term: Months,
    pub date: NaiveDate,
}

/// One step of the application state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ApplicationAction {
    /// 受理.
    Accept,
    Approve,
    /// A reason is required.
    Reject {
        reason: String,
    },
    Disburse(Disbursement),
    /// By the enterprise, any time before a decision is final.
    Withdraw,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} an application that is {from}")]
    NotFromState { action: &'static str, from: ApplicationState },
    #[error("only the {0:?} side may take this action")]
    WrongSide(Side),
    #[error("{0}")]
    Invalid(FieldErrors),
}

impl TransitionError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(&self) -> String {
        use crate::Labelled;
        match self {
            Self::NotFromState { action, from } => {
                format!("申请当前为“{}”，不能执行“{}”", from.label_zh(), action_label_zh(action))
            }
            Self::WrongSide(Side::Institution) => "只有受理该申请的金融机构可以执行此操作".to_owned(),
            Self::WrongSide(Side::Enterprise) => "只有提出申请的企业可以执行此操作".to_owned(),
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
        _ => "撤回",
    }
}

/// The longest reason or note a person may type.
pub const MAX_NOTE_CHARS: usize = 500;

impl ApplicationAction {
    /// The action's machine name, as in the API's `action` field.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Approve => "approve",
            Self::Reject { .. } => "reject",
            Self::Disburse(_) => "disburse",
            Self::Withdraw => "withdraw",
        }
    }

    /// Who may take it.
    #[must_use]
    pub fn side(&self) -> Side {
        if matches!(self, Self::Withdraw) { Side::Enterprise } else { Side::Institution }
    }

    /// The state this action leads to from `from`, when the machine allows it.
    ///
    /// `submitted` date and the applied-for amount bound a disbursement: it cannot predate the application.
    ///
    /// # Errors
    /// The action is not allowed from `from`, is taken by the wrong side, or its fields are invalid.
    pub fn apply(
        &self,
        from: ApplicationState,
        side: Side,
        submitted: NaiveDate,
    ) -> Result<ApplicationState, TransitionError> {
        use ApplicationState as S;
        if side != self.side() {
            return Err(TransitionError::WrongSide(self.side()));
        }
        let to = match (self, from) {
            (Self::Accept, S::Submitted) => S::Accepted,
            (Self::Approve, S::Accepted) => S::Approved,
            (Self::Reject { .. }, S::Accepted) => S::Rejected,
            (Self::Disburse(_), S::Approved) => S::Disbursed,
            (Self::Withdraw, S::Submitted | S::Accepted | S::Approved) => S::Withdrawn,
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
            Self::Disburse(d) => {
                if d.amount.fen() <= 0 {
                    errors.push("amount", ValueError::TooSmall { min: "0.01 元".to_owned() });
                }
                if d.date < submitted {
                    errors.push("date", ValueError::Invalid("放款日期不能早于申请日期".to_owned()));
                }
            }
            _ => {}
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
    use crate::Labelled;
    use ApplicationState as S;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn actions() -> Vec<ApplicationAction> {
        vec![
            ApplicationAction::Accept,
            ApplicationAction::Approve,
            ApplicationAction::Reject { reason: "资料不全".to_owned() },
            ApplicationAction::Disburse(Disbursement {
                amount: Fen::from_fen(100).unwrap(),
                rate: Bps::new(400).unwrap(),
                term: Months::new(12).unwrap(),
                date: day("2026-11-22"),
            }),
            ApplicationAction::Withdraw,
        ]
    }

    #[test]
    fn the_machine_allows_exactly_its_edges() {
        let allowed = [
            ("submitted", "accept", "accepted"),
            ("accepted", "approve", "approved"),
            ("accepted", "reject", "rejected"),
            ("approved", "disburse", "disbursed"),
            ("submitted", "withdraw", "withdrawn"),
            ("accepted", "withdraw", "withdrawn"),
            ("approved", "withdraw", "withdrawn"),
        ];
        for from in S::ALL {
            for action in actions() {
                let got = action.apply(*from, action.side(), day("2026-11-01")).ok().map(|s| s.as_str());
                let want = allowed.iter().find(|(f, a, _)| *f == from.as_str() && *a == action.name()).map(|e| e.2);
                assert_eq!(got, want, "{} from {}", action.name(), from.as_str());
            }
        }
        for state in [S::Rejected, S::Disbursed, S::Withdrawn] {
            assert!(state.is_final());
        }
    }

    #[test]
    fn sides_and_fields_are_checked() {
        let submitted = day("2026-11-01");
        assert_eq!(
            ApplicationAction::Accept.apply(S::Submitted, Side::Enterprise, submitted),
            Err(TransitionError::WrongSide(Side::Institution))
        );
        assert_eq!(
            ApplicationAction::Withdraw.apply(S::Submitted, Side::Institution, submitted),
            Err(TransitionError::WrongSide(Side::Enterprise))
        );
        let empty = ApplicationAction::Reject { reason: "  ".to_owned() };
        let err = empty.apply(S::Accepted, Side::Institution, submitted).unwrap_err();
        assert!(err.message_zh().contains("拒绝原因"), "{}", err.message_zh());
        let early = ApplicationAction::Disburse(Disbursement {
            amount: Fen::from_fen(0).unwrap(),
            rate: Bps::new(400).unwrap(),
            term: Months::new(12).unwrap(),
            date: day("2026-10-01"),
        });
        let TransitionError::Invalid(errors) = early.apply(S::Approved, Side::Institution, submitted).unwrap_err()
        else {
            panic!("expected field errors")
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "date"]);
        let refused = ApplicationAction::Approve.apply(S::Submitted, Side::Institution, submitted).unwrap_err();
        assert_eq!(refused.message_zh(), "申请当前为“已提交”，不能执行“审批通过”");
    }
}
