//! Matching over HTTP: the request bodies, the views of match results, loan quotes and candidates, and
//! the work shared by the API and the pages (relevance from the catalogue, the match off the async threads).

use crate::error::ApiError;
use crate::state::{App, today};
use crate::views::{Label, ProductSummary};
use finmart_domain::{
    Bps, EnterpriseProfile, Fen, FieldErrors, FinancingNeed, Labelled, Months, Product, RepaymentMethod, ValueError,
};
use finmart_matching::{
    CompiledProduct, Components, Finding, LoanCost, MatchOutcome, MatchRequest, Outcome, POLICY, Quote, Ranked,
    ReasonCount, Subsidies, Weights, loan_cost, loan_quote,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// How many products of each list a match returns by default, and at most.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// How many products the purpose text is scored against (the rest score no relevance).
const RELEVANCE_DEPTH: usize = 500;

/// `POST /api/v1/match`: a profile (or the id of a stored one) and a need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// The enterprise profile (amounts in fen). Give this or `profile_id`.
    #[schema(value_type = Option<Object>)]
    pub profile: Option<EnterpriseProfile>,
    /// The id of a stored profile. Give this or `profile`.
    pub profile_id: Option<i64>,
    /// The financing need: `amount` (fen), `term` (months), `purpose`, and optional `purpose_text`,
    /// `max_annual_cost` (basis points), `needed_within_days`, `collateral_offered`, `accepts_guarantee`,
    /// `repayment`.
    #[schema(value_type = Object)]
    pub need: FinancingNeed,
    /// How many products to return in each list, 1–100 (default 20).
    pub limit: Option<usize>,
}

/// Checks a profile and need beyond their types, reporting every bad field with its path in the body.
///
/// # Errors
/// 400 listing every bad field.
pub fn validate(profile: &EnterpriseProfile, need: &FinancingNeed, prefix: bool) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    let name = |section: &str, field: String| if prefix { format!("{section}.{field}") } else { field };
    if let Err(e) = profile.validate(today()) {
        errors.0.extend(e.0.into_iter().map(|mut f| {
            f.field = name("profile", f.field);
            f
        }));
    }
    if let Err(e) = need.validate() {
        errors.0.extend(e.0.into_iter().map(|mut f| {
            f.field = name("need", f.field);
            f
        }));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.into()) }
}

/// A limit parameter, 1–[`MAX_LIMIT`].
///
/// # Errors
/// 400 naming `limit`.
pub fn check_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(ApiError::invalid("limit", &ValueError::TooSmall { min: "1".to_owned() })),
        Some(n) if n > MAX_LIMIT => {
            Err(ApiError::invalid("limit", &ValueError::TooLarge { max: MAX_LIMIT.to_string() }))
        }
        Some(n) => Ok(n),
    }
}

impl App {
    /// Matches a need against every listed product, with text relevance of the stated purpose.
    ///
    /// # Errors
    /// Index failure.
    pub async fn match_need(
        &self,
        profile: EnterpriseProfile,
        need: FinancingNeed,
        limit: usize,
    ) -> Result<MatchOutcome, ApiError> {
        let catalogue = Arc::clone(&self.catalogue);
        let matcher = Arc::clone(&self.matcher);
        tokio::task::spawn_blocking(move || {
            let purpose = format!("{} {}", need.purpose.label_zh(), need.purpose_text);
            let relevance: HashMap<i64, f32> = catalogue.relevance(&purpose, RELEVANCE_DEPTH)?.into_iter().collect();
            Ok(matcher.match_need(&MatchRequest {
                profile: &profile,
                need: &need,
                today: today(),
                relevance: &relevance,
                limit,
            }))
        })
        .await
        .map_err(|e| ApiError::internal(&e))?
    }
}

/// A loan quote's figures, in fen and basis points with display text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    pub method: Label,
    pub rate_bps: u32,
    pub rate_text: String,
    /// Effective annual rate of the whole loan (interest, guarantee fee, subsidies): IRR × 12.
    pub apr_bps: u32,
    pub apr_text: String,
    pub first_payment_fen: i64,
    pub first_payment_text: String,
    pub first_payment_text_en: String,
    pub max_payment_fen: i64,
    pub total_interest_fen: i64,
    pub guarantee_fee_fen: i64,
    pub interest_subsidy_fen: i64,
    pub fee_subsidy_fen: i64,
    /// Interest + guarantee fee − subsidies.
    pub total_cost_fen: i64,
    pub total_cost_text: String,
    pub total_cost_text_en: String,
    /// The annual subsidy rates applied.
    pub interest_subsidy_bps: u32,
    pub fee_subsidy_bps: u32,
}

fn percent(bps: Bps) -> String {
    bps.percent_text()
}

impl From<&Quote> for QuoteView {
    fn from(q: &Quote) -> Self {
        Self {
            method: Label::of(q.method),
            rate_bps: q.rate.bps(),
            rate_text: percent(q.rate),
            apr_bps: q.apr.bps(),
            apr_text: percent(q.apr),
            first_payment_fen: q.first_payment.fen(),
            first_payment_text: q.first_payment.display_zh(),
            first_payment_text_en: q.first_payment.display_en(),
            max_payment_fen: q.max_payment.fen(),
            total_interest_fen: q.total_interest.fen(),
            guarantee_fee_fen: q.guarantee_fee.fen(),
            interest_subsidy_fen: q.interest_subsidy.fen(),
            fee_subsidy_fen: q.fee_subsidy.fen(),
            total_cost_fen: q.total_cost.fen(),
            total_cost_text: q.total_cost.display_zh(),
            total_cost_text_en: q.total_cost.display_en(),
            interest_subsidy_bps: q.subsidies.interest,
            fee_subsidy_bps: q.subsidies.fee,
        }
    }
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
    /// Every check made, with requirement, the firm's value, outcome, sentence and fix.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
}

fn codes(findings: &[Finding], outcome: Outcome) -> Vec<&'static str> {
    findings.iter().filter(|f| f.outcome == outcome).map(|f| f.code).collect()
}

impl From<&Ranked> for MatchItem {
    fn from(r: &Ranked) -> Self {
        Self {
            rank: r.rank,
            score: r.score,
            components: r.components,
            product: ProductSummary::from(r.product.as_ref()),
            quote: r.quote.as_ref().map(QuoteView::from),
            failed: codes(&r.findings, Outcome::Fail),
            missing: codes(&r.findings, Outcome::Missing),
            findings: r.findings.clone(),
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
    pub ineligible_total: usize,
    /// The ineligible products nearest to qualifying, with their reasons.
    pub ineligible: Vec<MatchItem>,
    /// Ineligible and near-miss products counted under each check they failed.
    #[schema(value_type = Vec<Object>)]
    pub by_reason: Vec<ReasonCount>,
    /// Products counted under each check that lacked data.
    #[schema(value_type = Vec<Object>)]
    pub missing: Vec<ReasonCount>,
}

impl From<&MatchOutcome> for MatchResponse {
    fn from(o: &MatchOutcome) -> Self {
        let items = |list: &[Ranked]| list.iter().map(MatchItem::from).collect();
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
            ineligible_total: o.ineligible_total,
            ineligible: items(&o.ineligible),
            by_reason: o.by_reason.clone(),
            missing: o.missing.clone(),
        }
    }
}

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
    pub summary: QuoteView,
    pub schedule: Vec<InstalmentView>,
}

/// The answer of `GET /api/v1/products/{id}/cost`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostResponse {
    pub product: ProductSummary,
    pub amount_fen: i64,
    pub amount_text: String,
    pub term_months: u16,
    pub term_text: String,
    /// Whether the firm's subsidies were applied (it said it is 小微).
    pub subsidised: bool,
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
}

/// A loan calculator's default amount: 100 万元 where the product allows it, else its nearest bound.
fn default_amount(product: &Product) -> Fen {
    Fen::wan(100).clamp(*product.spec.amount.min(), *product.spec.amount.max())
}

fn default_term(product: &Product) -> Months {
    Months::new(12).unwrap_or(Months::MIN).clamp(*product.spec.term.min(), *product.spec.term.max())
}

/// The cost of `product` for an amount, term and method (each defaulted from the product when absent).
///
/// # Errors
/// 400 naming `amount`, `term` or `method` when outside what the product offers.
pub fn product_cost(product: &Product, q: CostQuery) -> Result<CostResponse, ApiError> {
    let spec = &product.spec;
    let amount = q.amount.unwrap_or_else(|| default_amount(product));
    if !spec.amount.contains(&amount) {
        return Err(ApiError::invalid(
            "amount",
            &ValueError::Invalid(format!(
                "本产品额度为 {} 至 {}，实际为 {}",
                spec.amount.min().display_zh(),
                spec.amount.max().display_zh(),
                amount.display_zh()
            )),
        ));
    }
    let term = q.term.unwrap_or_else(|| default_term(product));
    if !spec.term.contains(&term) {
        return Err(ApiError::invalid(
            "term",
            &ValueError::Invalid(format!(
                "本产品期限为 {} 至 {}，实际为 {}",
                spec.term.min().display_zh(),
                spec.term.max().display_zh(),
                term.display_zh()
            )),
        ));
    }
    let methods: Vec<RepaymentMethod> = match q.method {
        Some(m) if spec.repayment_methods.contains(&m) => vec![m],
        Some(m) => {
            return Err(ApiError::invalid(
                "method",
                &ValueError::Invalid(format!(
                    "本产品不提供{}，可选：{}",
                    m.label_zh(),
                    finmart_domain::join_zh(&spec.repayment_methods)
                )),
            ));
        }
        None => spec.repayment_methods.clone(),
    };
    let compiled = CompiledProduct::new(product);
    let subsidies: Subsidies = POLICY.subsidies_if(&compiled, q.subsidised, q.subsidised, compiled.rate_min);
    let mut costs: Vec<(LoanCost, MethodCost)> = Vec::new();
    for method in methods {
        let cost = loan_cost(&loan_quote(&compiled, subsidies, amount, term, method))
            .map_err(|e| ApiError::invalid("amount", &ValueError::Invalid(e.message_zh())))?;
        let summary = QuoteView::from(&Quote::of(&cost, compiled.rate_min, subsidies));
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
        costs.push((cost, MethodCost { summary, schedule }));
    }
    costs.sort_by_key(|(c, _)| (c.effective_annual_rate, c.total_cost));
    Ok(CostResponse {
        product: ProductSummary::from(product),
        amount_fen: amount.fen(),
        amount_text: amount.display_zh(),
        term_months: term.get(),
        term_text: term.display_zh(),
        subsidised: q.subsidised,
        methods: costs.into_iter().map(|(_, m)| m).collect(),
    })
}

/// One firm that fits a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateView {
    pub rank: usize,
    pub score: u32,
    #[schema(value_type = Object)]
    pub components: Components,
    pub profile_id: i64,
    pub name: String,
    pub district: Label,
    pub industry: Label,
    pub scale: Option<Label>,
    pub qualifications: Vec<Label>,
    pub employees: u32,
    pub revenue_text: String,
    /// Every check the product makes of the firm, with the firm's value and a sentence (all passed, since
    /// only fitting firms are listed): why the firm fits.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
}

/// The answer of `GET /api/v1/products/{id}/candidates`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidatesResponse {
    pub product: ProductSummary,
    /// The firms this list draws on: those that consented to be found by every institution or by the
    /// product's institution.
    pub pool: usize,
    /// Those that pass every check of the product.
    pub total: usize,
    /// Those that fail nothing but have not given a figure the product checks.
    pub needs_info: usize,
    pub candidates: Vec<CandidateView>,
}

impl App {
    /// The firms that fit `product` and that `institution_id` may see (consent for all or for it), best
    /// first. The pool is brought up to date first (one counter read when nothing changed) and its list is
    /// checked against the consents in the database, so a firm that revoked is gone on the next request.
    ///
    /// # Errors
    /// Database failure.
    pub async fn candidates(
        &self,
        product: &Product,
        institution_id: i64,
        limit: usize,
    ) -> Result<CandidatesResponse, ApiError> {
        self.refresh_pool().await?;
        let named: std::collections::HashSet<i64> =
            self.store.consenting_enterprises(institution_id).await?.into_iter().collect();
        let pool = Arc::clone(&self.pool);
        let compiled = CompiledProduct::new(product);
        let explained = compiled.clone();
        // Ask for more than shown, so firms dropped by the database check below do not shorten the list.
        let wanted = limit.saturating_mul(2).max(limit + 10);
        let found = tokio::task::spawn_blocking(move || {
            pool.candidates_where(&compiled, wanted, |id, open| open || named.contains(&id))
        })
        .await
        .map_err(|e| ApiError::internal(&e))?;
        let ids: Vec<i64> = found.top.iter().map(|c| c.profile_id).collect();
        let allowed = self.store.consenting_among(institution_id, &ids).await?;
        let mut candidates = Vec::with_capacity(limit);
        for c in found.top.iter().filter(|c| allowed.contains(&c.profile_id)) {
            if candidates.len() == limit {
                break;
            }
            // A firm removed since the pool last refreshed is simply left out.
            let Some(stored) = self.store.enterprise(c.profile_id).await? else { continue };
            let p = &stored.profile;
            let day = today();
            let verdict = explained.check_firm(&finmart_matching::FirmFacts::of(p, day));
            let subject = finmart_matching::explain::Subject { profile: p, need: None, today: day, apr: None };
            candidates.push(CandidateView {
                rank: candidates.len() + 1,
                score: c.score,
                components: c.components,
                profile_id: c.profile_id,
                name: p.name.clone(),
                district: Label::of(p.district),
                industry: Label::of(p.industry),
                scale: p.scale().map(Label::of),
                qualifications: p.qualifications.iter().map(|q| Label::of(*q)).collect(),
                employees: p.employees,
                revenue_text: p.revenue.display_zh(),
                findings: finmart_matching::explain::findings(product, &explained, &subject, verdict),
            });
        }
        Ok(CandidatesResponse {
            product: ProductSummary::from(product),
            pool: found.pool,
            total: found.total,
            needs_info: found.needs_info,
            candidates,
        })
    }
}
