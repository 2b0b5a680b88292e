//! A match as the API answers it: each list of compact rows (what a list shows), and the whole explanation of
//! a product (every finding with its sentence and fix, the subsidies, the full product and quote) on demand,
//! in `details` (`"details": true`, or `POST /api/v1/match/explain` for one product). A first page of five
//! lists of 20 stays small (≤ 50 KB on 100,000 products) while every count and total stays exact.

use crate::http::format::Label;
use crate::http::views::{ProductSummary, QuoteView};
use finmart_domain::{Fen, HomeArea, Labelled, Months, Product, RangeEnd};
use finmart_matching::{
    Components, Finding, MatchOutcome, Outcome, Quote, Ranked, ReasonCount, SubsidyFinding, Text, Weights,
};
use serde::Serialize;
use utoipa::ToSchema;

/// The lists of a match, named as the match answer's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListName {
    Eligible,
    NearMisses,
    NeedsInfo,
    ToConfirm,
    Ineligible,
}

impl ListName {
    pub const ALL: [Self; 5] = [Self::Eligible, Self::NearMisses, Self::NeedsInfo, Self::ToConfirm, Self::Ineligible];

    /// The list of `o` this names.
    #[must_use]
    pub fn of(self, o: &MatchOutcome) -> &[Ranked] {
        match self {
            Self::Eligible => &o.eligible,
            Self::NearMisses => &o.near_misses,
            Self::NeedsInfo => &o.needs_info,
            Self::ToConfirm => &o.to_confirm,
            Self::Ineligible => &o.ineligible,
        }
    }
}

/// The institution of a listed product: enough to name it (the whole view is in `details.product`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InstitutionRow {
    pub id: i64,
    pub name: String,
}

/// A product as a match list row shows it. The whole summary (labels and texts in both languages, the rate's
/// range and pricing, area, collateral, speed, source) is `details.product`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    /// The main family's code (`credit`, `tech`, …).
    pub family: &'static str,
    pub institution: InstitutionRow,
    /// The amount's bounds `[min, max]` in fen, `null` for a bound the product does not state (未说明).
    pub amount_fen: [Option<i64>; 2],
    /// The term's bounds `[min, max]` in months, `null` for a bound not stated.
    pub term_months: [Option<u16>; 2],
}

impl ProductRow {
    #[must_use]
    pub fn of(p: &Product) -> Self {
        let s = &p.spec;
        Self {
            id: p.id,
            name: s.name.clone(),
            family: s.family.as_str(),
            institution: InstitutionRow { id: p.institution.id, name: p.institution.name.clone() },
            amount_fen: [s.amount.min().map(Fen::fen), s.amount.max().map(Fen::fen)],
            term_months: [s.term.min().map(Months::get), s.term.max().map(Months::get)],
        }
    }
}

/// A quote's headline figures, as `details.quote` gives them (which adds the texts, what they rest on and
/// every other figure). A caveat is present only when it holds (`true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteLine {
    /// The repayment method's code (`equal_instalment`, …).
    pub method: &'static str,
    /// The product does not state its repayment methods: `method` is assumed for the quote.
    #[serde(skip_serializing_if = "is_false")]
    pub method_assumed: bool,
    /// The annual rate used, rounded half up to a basis point.
    pub rate_bps: u32,
    /// The product states only a minimum rate: every figure is the least the loan can cost.
    #[serde(skip_serializing_if = "is_false")]
    pub rate_is_floor: bool,
    /// The guarantee fee is not stated and left out: every figure is the least the loan can cost.
    #[serde(skip_serializing_if = "is_false")]
    pub fee_unstated: bool,
    /// Effective annual rate of the whole loan (interest, guarantee fee, subsidies).
    pub apr_bps: u32,
    pub first_payment_fen: i64,
    /// Interest + guarantee fee − subsidies.
    pub total_cost_fen: i64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !b
}

impl QuoteLine {
    /// The headline of `q` on the low end of `product`'s ranges, as [`QuoteView::of`] says it for matching.
    #[must_use]
    pub fn of(q: &Quote, product: &Product) -> Self {
        Self {
            method: q.method.as_str(),
            method_assumed: q.method_assumed,
            rate_bps: q.rate.bps(),
            rate_is_floor: q.rate_is_floor,
            fee_unstated: product.spec.guarantee.as_ref().is_some_and(|g| g.fee_quote(RangeEnd::Low).0.is_none()),
            apr_bps: q.apr.bps(),
            first_payment_fen: q.first_payment.fen(),
            total_cost_fen: q.total_cost.fen(),
        }
    }
}

/// The whole explanation of a listed product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchDetails {
    pub product: ProductSummary,
    pub quote: Option<QuoteView>,
    /// Every check made, with requirement, the firm's value, outcome, sentence and fix.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
    /// Each subsidy the product carries (`code`, `label`), whether the firm receives it (`entitled`) and why
    /// (not) (`message`), by the subsidy table of `docs/subsidies.md`.
    #[schema(value_type = Vec<Object>)]
    pub subsidies: Vec<SubsidyFinding>,
}

impl MatchDetails {
    /// The explanation of `r`, its product's area seen from the deployment's `home`.
    #[must_use]
    pub fn of(r: &Ranked, home: &HomeArea) -> Self {
        Self {
            product: ProductSummary::of(r.product.as_ref(), home),
            quote: r.quote.as_ref().map(|q| QuoteView::of(q, &r.product, RangeEnd::Low, false)),
            findings: r.findings.clone(),
            subsidies: r.subsidies.clone(),
        }
    }

    /// The findings of one outcome.
    pub fn with(&self, outcome: Outcome) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.outcome == outcome)
    }
}

/// One product of a match list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchItem {
    /// 1-based place in its list.
    pub rank: usize,
    /// The weighted score, 0–100,000.
    pub score: u32,
    /// The score's components, each 0–1000: `cost`, `fit`, `speed`, `collateral`, `policy`, `relevance`;
    /// `null` on the ineligible list, which is ordered by how far off a product is and not scored.
    #[schema(value_type = Option<Object>)]
    pub components: Option<Components>,
    pub product: ProductRow,
    /// `null` when the product states no rate (or, ineligible, was not priced).
    pub quote: Option<QuoteLine>,
    /// Codes of the checks failed; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<&'static str>,
    /// Codes of the checks that lacked the firm's data; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<&'static str>,
    /// Codes of the checks whose fact the product does not state (需向机构确认); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<&'static str>,
    /// A near miss's one change: what to ask instead (its failed check's fix, `zh` and `en`). Absent on the
    /// other lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub fix: Option<Text>,
    /// The whole explanation: present with `"details": true`, and in `POST /api/v1/match/explain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<MatchDetails>,
}

fn codes(findings: &[Finding], outcome: Outcome) -> Vec<&'static str> {
    findings.iter().filter(|f| f.outcome == outcome).map(|f| f.code).collect()
}

impl MatchItem {
    /// The row of `r` in `list`, with its explanation when `details` (areas seen from `home`).
    #[must_use]
    pub fn of(r: &Ranked, list: ListName, home: &HomeArea, details: bool) -> Self {
        let fix = if list == ListName::NearMisses {
            r.findings.iter().find(|f| f.outcome == Outcome::Fail).and_then(|f| f.fix.clone())
        } else {
            None
        };
        Self {
            rank: r.rank,
            score: r.score,
            components: (list != ListName::Ineligible).then_some(r.components),
            product: ProductRow::of(&r.product),
            quote: r.quote.as_ref().map(|q| QuoteLine::of(q, &r.product)),
            failed: codes(&r.findings, Outcome::Fail),
            missing: codes(&r.findings, Outcome::Missing),
            unconfirmed: codes(&r.findings, Outcome::Unconfirmed),
            fix,
            details: details.then(|| MatchDetails::of(r, home)),
        }
    }
}

/// The answer of `POST /api/v1/match`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResponse {
    /// Products listed today that were checked.
    pub considered: usize,
    /// The enterprise scale derived from the profile (工信部联企业〔2011〕300号); absent when total assets are
    /// needed and missing.
    pub scale: Option<Label>,
    /// The weights of the score components, in percent.
    #[schema(value_type = Object)]
    pub weights: Weights,
    pub eligible_total: usize,
    pub eligible: Vec<MatchItem>,
    /// Products failed by exactly one check the firm can change by asking differently.
    pub near_misses_total: usize,
    pub near_misses: Vec<MatchItem>,
    /// Products not failed but undecided for lack of the firm's data.
    pub needs_info_total: usize,
    pub needs_info: Vec<MatchItem>,
    /// Products neither failed nor lacking the firm's data, but whose page does not state a fact a check needs
    /// (需向机构确认): listed apart from the eligible ones, never in their place.
    pub to_confirm_total: usize,
    pub to_confirm: Vec<MatchItem>,
    pub ineligible_total: usize,
    /// The ineligible products nearest to qualifying, with their reasons.
    pub ineligible: Vec<MatchItem>,
    /// Ineligible and near-miss products counted under each check they failed.
    #[schema(value_type = Vec<Object>)]
    pub by_reason: Vec<ReasonCount>,
    /// Products counted under each check that lacked data.
    #[schema(value_type = Vec<Object>)]
    pub missing: Vec<ReasonCount>,
    /// Products counted under each check whose fact the product does not state.
    #[schema(value_type = Vec<Object>)]
    pub unconfirmed: Vec<ReasonCount>,
}

impl MatchResponse {
    /// The response of `o`, each item with its explanation when `details` (areas seen from `home`).
    #[must_use]
    pub fn of(o: &MatchOutcome, home: &HomeArea, details: bool) -> Self {
        let items = |list: ListName| list.of(o).iter().map(|r| MatchItem::of(r, list, home, details)).collect();
        Self {
            considered: o.considered,
            scale: o.scale.map(Label::of),
            weights: o.weights,
            eligible_total: o.eligible_total,
            eligible: items(ListName::Eligible),
            near_misses_total: o.near_misses_total,
            near_misses: items(ListName::NearMisses),
            needs_info_total: o.needs_info_total,
            needs_info: items(ListName::NeedsInfo),
            to_confirm_total: o.to_confirm_total,
            to_confirm: items(ListName::ToConfirm),
            ineligible_total: o.ineligible_total,
            ineligible: items(ListName::Ineligible),
            by_reason: o.by_reason.clone(),
            missing: o.missing.clone(),
            unconfirmed: o.unconfirmed.clone(),
        }
    }
}

/// The answer of `POST /api/v1/match/explain`: the list a product is in, and its item there with `details`,
/// exactly as `POST /api/v1/match` with `"details": true` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchExplanation {
    pub list: ListName,
    pub item: MatchItem,
}

impl MatchExplanation {
    /// The explanation of product `id` in `o`; `None` when no list of `o` holds it.
    #[must_use]
    pub fn of(o: &MatchOutcome, id: i64, home: &HomeArea) -> Option<Self> {
        ListName::ALL.into_iter().find_map(|list| {
            let r = list.of(o).iter().find(|r| r.product_id == id)?;
            Some(Self { list, item: MatchItem::of(r, list, home, true) })
        })
    }
}
