//! A product's lifecycle: draft → in_review → published ⇄ paused → archived, as a state machine that says for
//! every act on a product (a bank's submit, edit, pause, resume or archive; the operator's approval or send
//! back of a review) which state it leads to from which, and refuses the rest in both languages.
//!
//! The store asks it once per act and writes the resulting state with the act's versions, reviews and audit
//! entries.

use crate::{Labelled, LifecycleState};

/// Something done to a product that its lifecycle state allows or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductAct {
    /// A bank puts its draft up for review.
    Submit,
    /// A bank changes a product's content. A draft or a product in review changes in place; a live product
    /// keeps its live version and the change waits for review (see [`LifecycleState::is_live`]).
    Edit,
    /// The operator approves a pending review: the proposal is published.
    Approve,
    /// The operator sends a pending review back. A product in review goes back to draft; any other product
    /// keeps its state (its review only closes: a product moved by an import or a tool may still have one).
    SendBack,
    /// See [`LifecycleAct::Pause`].
    Pause,
    /// See [`LifecycleAct::Resume`].
    Resume,
    /// See [`LifecycleAct::Archive`].
    Archive,
}

/// A lifecycle act a bank takes directly, without review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleAct {
    /// Published → paused: hidden from search and matching.
    Pause,
    /// Paused → published (the content is unchanged, so no review is needed).
    Resume,
    /// Any state → archived, which is final.
    Archive,
}

impl From<LifecycleAct> for ProductAct {
    fn from(act: LifecycleAct) -> Self {
        match act {
            LifecycleAct::Pause => Self::Pause,
            LifecycleAct::Resume => Self::Resume,
            LifecycleAct::Archive => Self::Archive,
        }
    }
}

/// Why the lifecycle refused an act: the product is in a state the act does not apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the product is {}; it cannot be {}", .from.label_en().to_lowercase(), .act.verb_en())]
pub struct LifecycleError {
    pub act: ProductAct,
    /// The product's state when the act was refused.
    pub from: LifecycleState,
}

impl LifecycleError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(&self) -> String {
        format!("产品当前状态为“{}”，不能{}", self.from.label_zh(), self.act.verb_zh())
    }
}

impl ProductAct {
    /// The act as the Chinese refusal names it ("不能…").
    #[must_use]
    pub fn verb_zh(self) -> &'static str {
        match self {
            Self::Submit => "提交审核",
            Self::Edit => "修改",
            Self::Approve => "审核通过",
            Self::SendBack => "退回修改",
            Self::Pause => "暂停",
            Self::Resume => "恢复",
            Self::Archive => "下架",
        }
    }

    /// The act as the English refusal names it ("it cannot be …").
    #[must_use]
    pub fn verb_en(self) -> &'static str {
        match self {
            Self::Submit => "submitted for review",
            Self::Edit => "edited",
            Self::Approve => "approved",
            Self::SendBack => "sent back",
            Self::Pause => "paused",
            Self::Resume => "resumed",
            Self::Archive => "archived",
        }
    }

    /// The state this act leads to from `from`, when the lifecycle allows it.
    ///
    /// # Errors
    /// [`LifecycleError`] naming the act and `from` when the act does not apply to a product in `from`.
    pub fn apply(self, from: LifecycleState) -> Result<LifecycleState, LifecycleError> {
        use LifecycleState::{Archived, Draft, InReview, Paused, Published};
        let to = match (self, from) {
            (Self::Submit, Draft) => InReview,
            // Archived is final: not even its content changes.
            (Self::Edit, Draft | InReview | Published | Paused) => from,
            // A draft has no proposal to approve (a send back closed it), and an archived product stays so.
            (Self::Approve, InReview | Published | Paused) => Published,
            (Self::SendBack, InReview) => Draft,
            (Self::SendBack, _) => from,
            (Self::Pause, Published) => Paused,
            (Self::Resume, Paused) => Published,
            (Self::Archive, Draft | InReview | Published | Paused) => Archived,
            _ => return Err(LifecycleError { act: self, from }),
        };
        Ok(to)
    }
}

impl LifecycleAct {
    /// The state this act leads to from `from` ([`ProductAct::apply`]).
    ///
    /// # Errors
    /// [`LifecycleError`] when the act does not apply to a product in `from`.
    pub fn apply(self, from: LifecycleState) -> Result<LifecycleState, LifecycleError> {
        ProductAct::from(self).apply(from)
    }
}

impl LifecycleState {
    /// Whether the product has a version in the market (listed, or paused and listed again on resume): an
    /// edit must then leave that version as it is until the operator approves the change.
    #[must_use]
    pub fn is_live(self) -> bool {
        matches!(self, Self::Published | Self::Paused)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use LifecycleState as S;

    const ACTS: [ProductAct; 7] = [
        ProductAct::Submit,
        ProductAct::Edit,
        ProductAct::Approve,
        ProductAct::SendBack,
        ProductAct::Pause,
        ProductAct::Resume,
        ProductAct::Archive,
    ];

    /// The expected machine, one row per act: the state reached from draft, in_review, published, paused and
    /// archived (`None`: refused).
    fn expected(act: ProductAct) -> [Option<LifecycleState>; 5] {
        match act {
            ProductAct::Submit => [Some(S::InReview), None, None, None, None],
            ProductAct::Edit => [Some(S::Draft), Some(S::InReview), Some(S::Published), Some(S::Paused), None],
            ProductAct::Approve => [None, Some(S::Published), Some(S::Published), Some(S::Published), None],
            ProductAct::SendBack => {
                [Some(S::Draft), Some(S::Draft), Some(S::Published), Some(S::Paused), Some(S::Archived)]
            }
            ProductAct::Pause => [None, None, Some(S::Paused), None, None],
            ProductAct::Resume => [None, None, None, Some(S::Published), None],
            ProductAct::Archive => [Some(S::Archived), Some(S::Archived), Some(S::Archived), Some(S::Archived), None],
        }
    }

    #[test]
    fn every_act_from_every_state() {
        assert_eq!(S::ALL, [S::Draft, S::InReview, S::Published, S::Paused, S::Archived]);
        for act in ACTS {
            for (from, want) in S::ALL.iter().zip(expected(act)) {
                let got = act.apply(*from);
                match want {
                    Some(to) => assert_eq!(got, Ok(to), "{act:?} from {from}"),
                    None => assert_eq!(got, Err(LifecycleError { act, from: *from }), "{act:?} from {from}"),
                }
            }
        }
    }

    #[test]
    fn direct_acts_are_their_product_acts() {
        for (direct, act) in [
            (LifecycleAct::Pause, ProductAct::Pause),
            (LifecycleAct::Resume, ProductAct::Resume),
            (LifecycleAct::Archive, ProductAct::Archive),
        ] {
            assert_eq!(ProductAct::from(direct), act);
            for from in S::ALL {
                assert_eq!(direct.apply(*from), act.apply(*from));
            }
        }
    }

    #[test]
    fn refusals_name_the_state_and_the_act_in_both_languages() {
        let cases = [
            (
                ProductAct::Submit,
                S::Published,
                "产品当前状态为“已发布”，不能提交审核",
                "the product is published; it cannot be submitted for review",
            ),
            (
                ProductAct::Edit,
                S::Archived,
                "产品当前状态为“已下架”，不能修改",
                "the product is archived; it cannot be edited",
            ),
            (
                ProductAct::Approve,
                S::Draft,
                "产品当前状态为“草稿”，不能审核通过",
                "the product is draft; it cannot be approved",
            ),
            (
                ProductAct::Pause,
                S::InReview,
                "产品当前状态为“审核中”，不能暂停",
                "the product is in review; it cannot be paused",
            ),
            (
                ProductAct::Resume,
                S::Published,
                "产品当前状态为“已发布”，不能恢复",
                "the product is published; it cannot be resumed",
            ),
            (
                ProductAct::Archive,
                S::Archived,
                "产品当前状态为“已下架”，不能下架",
                "the product is archived; it cannot be archived",
            ),
        ];
        for (act, from, zh, en) in cases {
            let e = act.apply(from).unwrap_err();
            assert_eq!(e.message_zh(), zh);
            assert_eq!(e.to_string(), en);
        }
    }

    #[test]
    fn live_means_published_or_paused() {
        let live: Vec<LifecycleState> = S::ALL.iter().copied().filter(|s| s.is_live()).collect();
        assert_eq!(live, [S::Published, S::Paused]);
    }
}
