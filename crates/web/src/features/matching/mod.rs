//! 精准匹配: a firm's profile and need matched against every listed product, each verdict explained (the
//! `POST /api/v1/match` API and the `/match` page, whose result refreshes in place as one edits).

mod api;
mod pages;

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::format::Label;
use crate::http::state::today;
use crate::http::views::{ProductSummary, QuoteView};
use crate::template;
use finmart_domain::RangeEnd;
use finmart_domain::{EnterpriseProfile, FieldError, FieldErrors, FinancingNeed, HomeArea};
use finmart_matching::{Components, Finding, MatchOutcome, Outcome, Ranked, ReasonCount, SubsidyFinding, Weights};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The matching feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "matching",
        public_api: api::router(),
        pages: pages::router(),
        templates: &[template!("match.html"), template!("match_results.html")],
        ..Feature::default()
    }
}

/// `POST /api/v1/match`: a profile (or the id of a stored one) and a need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// The enterprise profile (amounts in fen). Give this or `profile_id`.
    #[schema(value_type = Option<crate::http::profile_schema::ProfileSchema>)]
    pub profile: Option<EnterpriseProfile>,
    /// The id of a stored profile. Give this or `profile`.
    pub profile_id: Option<i64>,
    /// The financing need (amount in fen, term in months).
    #[schema(value_type = crate::http::profile_schema::NeedSchema)]
    pub need: FinancingNeed,
    /// How many products to return in each list, 1–100 (default 20).
    pub limit: Option<usize>,
}

/// Checks a profile and need beyond their types, reporting every bad field with its path in the body.
///
/// # Errors
/// 400 listing every bad field.
fn validate(profile: &EnterpriseProfile, need: &FinancingNeed) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    for (section, checked) in [("profile", profile.validate(today())), ("need", need.validate())] {
        let bad = checked.err().map_or_else(Vec::new, |e| e.0);
        errors.0.extend(bad.into_iter().map(|f| FieldError { field: format!("{section}.{}", f.field), ..f }));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.into()) }
}

/// One product of a match list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchItem {
    /// 1-based place in its list.
    pub rank: usize,
    /// The weighted score, 0–100,000.
    pub score: u32,
    /// The score's components, each 0–1000: `cost`, `fit`, `speed`, `collateral`, `policy`, `relevance`.
    #[schema(value_type = Object)]
    pub components: Components,
    pub product: ProductSummary,
    pub quote: Option<QuoteView>,
    /// Codes of the checks failed.
    pub failed: Vec<&'static str>,
    /// Codes of the checks that lacked the firm's data.
    pub missing: Vec<&'static str>,
    /// Codes of the checks whose fact the product does not state (需向机构确认).
    pub unconfirmed: Vec<&'static str>,
    /// Every check made, with requirement, the firm's value, outcome, sentence and fix.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
    /// Each subsidy the product carries (`code`, `label`), whether the firm receives it (`entitled`) and why
    /// (not) (`message`), by the subsidy table of `docs/subsidies.md`.
    #[schema(value_type = Vec<Object>)]
    pub subsidies: Vec<SubsidyFinding>,
}

fn codes(findings: &[Finding], outcome: Outcome) -> Vec<&'static str> {
    findings.iter().filter(|f| f.outcome == outcome).map(|f| f.code).collect()
}

impl MatchItem {
    /// The item of `r`, its product's area seen from the deployment's `home`.
    #[must_use]
    pub fn of(r: &Ranked, home: &HomeArea) -> Self {
        Self {
            rank: r.rank,
            score: r.score,
            components: r.components,
            product: ProductSummary::of(r.product.as_ref(), home),
            quote: r.quote.as_ref().map(|q| QuoteView::of(q, &r.product, RangeEnd::Low, false)),
            failed: codes(&r.findings, Outcome::Fail),
            missing: codes(&r.findings, Outcome::Missing),
            unconfirmed: codes(&r.findings, Outcome::Unconfirmed),
            findings: r.findings.clone(),
            subsidies: r.subsidies.clone(),
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
    /// The response of `o`, its products' areas seen from the deployment's `home`.
    #[must_use]
    pub fn of(o: &MatchOutcome, home: &HomeArea) -> Self {
        let items = |list: &[Ranked]| list.iter().map(|r| MatchItem::of(r, home)).collect();
        Self {
            considered: o.considered,
            scale: o.scale.map(Label::of),
            weights: o.weights,
            eligible_total: o.eligible_total,
            eligible: items(&o.eligible),
            near_misses_total: o.near_misses_total,
            near_misses: items(&o.near_misses),
            needs_info_total: o.needs_info_total,
            needs_info: items(&o.needs_info),
            to_confirm_total: o.to_confirm_total,
            to_confirm: items(&o.to_confirm),
            ineligible_total: o.ineligible_total,
            ineligible: items(&o.ineligible),
            by_reason: o.by_reason.clone(),
            missing: o.missing.clone(),
            unconfirmed: o.unconfirmed.clone(),
        }
    }
}
