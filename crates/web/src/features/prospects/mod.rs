//! 客户发现 for institutions: the firms that fit one of the institution's listed products (reverse matching,
//! consent-scoped: `GET /api/v1/products/{id}/candidates` and `/bank/candidates?product={id}`), each with
//! why it fits; and a firm's profile opened by an institution (`GET /api/v1/enterprises/{id}/profile`,
//! `/bank/enterprises/{id}`), only with the firm's consent or application; and the firm's verified facts
//! (`GET /api/v1/enterprises/{id}/facts`, a section of `/bank/enterprises/{id}`), only while the firm's
//! authorisation of its facts for this institution holds (checked on every read: a withdrawal or an end
//! hides them at once). Every listing and every opening is recorded in the firm's view log (facts as
//! `facts`).

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::{Caller, LenderUser};
use crate::http::error::ApiError;
use crate::http::facts::{FactBadges, FactsReport};
use crate::http::format::{Label, Place};
use crate::http::state::{AppState, today};
use crate::http::views::ProductSummary;
use crate::template;
use finmart_domain::{EnterpriseProfile, HomeArea, Product, ValueError};
use finmart_matching::{CompiledProduct, Components, Finding, Verified};
use finmart_store::{StoredEnterprise, VIEW_CONTEXTS};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// The prospects feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "matching",
        api: api::router(),
        pages: pages::router(),
        templates: &[
            template!("bank_candidates.html"),
            template!("bank_candidates_profile.html"),
            template!("bank_credit_summary.html"),
        ],
        ..Feature::default()
    }
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
    pub district: Place,
    pub industry: Label,
    pub scale: Option<Label>,
    pub qualifications: Vec<Label>,
    pub employees: u32,
    /// Last year's revenue as people read it: `约 8.51 万元`.
    pub revenue_text: String,
    /// The same in English: `CNY 85,058.55`.
    pub revenue_text_en: String,
    /// Every check the product makes of the firm, with the firm's value and a sentence (all passed, since
    /// only fitting firms are listed): why the firm fits.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
    /// The firm's verified facts as badges (each with its state, source and dates) and the link to its
    /// printable credit summary, while the firm's authorisation of its facts for this institution (or for
    /// every institution) holds; `null` when it does not (never given, withdrawn or ended: nothing older is
    /// shown instead).
    pub verified_facts: Option<FactBadges>,
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

/// The firms that fit `product` and that `institution_id` may see (consent for all or for it), best
/// first. The pool is brought up to date first (one counter read when nothing changed) and its list is
/// checked against the consents in the database, so a firm that revoked is gone on the next request.
///
/// # Errors
/// Database failure.
async fn candidates(
    state: &AppState,
    product: &Product,
    institution_id: i64,
    limit: usize,
) -> Result<CandidatesResponse, ApiError> {
    state.refresh_pool().await?;
    let named: std::collections::HashSet<i64> =
        state.store.consenting_enterprises(institution_id).await?.into_iter().collect();
    let pool = Arc::clone(&state.pool);
    let compiled = CompiledProduct::new(product);
    let explained = compiled.clone();
    // Ask for more than shown, so firms dropped by the database check below do not shorten the list.
    let wanted = limit.saturating_mul(2).max(limit + 10);
    let found = tokio::task::spawn_blocking(move || {
        pool.candidates_where(&compiled, wanted, |id, open| open || named.contains(&id))
    })
    .await?;
    let ids: Vec<i64> = found.top.iter().map(|c| c.profile_id).collect();
    let allowed = state.store.consenting_among(institution_id, &ids).await?;
    let shown: Vec<i64> = ids.iter().copied().filter(|id| allowed.contains(id)).collect();
    let stored = state.store.enterprises_by_id(&shown).await?;
    let facts = state.facts_for_many(stored.values().map(|e| &e.profile)).await?;
    let mut candidates = Vec::with_capacity(limit);
    for c in found.top.iter().filter(|c| allowed.contains(&c.profile_id)) {
        if candidates.len() == limit {
            break;
        }
        // A firm removed since the pool last refreshed is simply left out.
        let Some(stored) = stored.get(&c.profile_id) else { continue };
        let p = &stored.profile;
        let day = today();
        // The verdict the pool reached: the firm judged with its verified facts.
        let of: Vec<finmart_domain::Fact> = p
            .uscc
            .as_ref()
            .and_then(|u| facts.get(u))
            .map_or_else(Vec::new, |f| f.iter().map(|f| f.fact.clone()).collect());
        let verdict = explained.check_firm(&Verified::firm_facts_of(p, &of, day));
        let home = &state.config.home_area;
        let subject =
            finmart_matching::explain::Subject { profile: p, need: None, today: day, apr: None, home, verified: None };
        // Explained on the declaration: whether this institution may read the facts themselves is not
        // decided here, so no finding says how a rule stands against them (a rule required verified would
        // read as 未核验 though the firm's current fact backs it).
        let mut findings = finmart_matching::explain::findings(product, &explained, &subject, verdict);
        for f in &mut findings {
            f.verification = None;
        }
        candidates.push(CandidateView {
            rank: candidates.len() + 1,
            score: c.score,
            components: c.components,
            profile_id: c.profile_id,
            name: p.name.clone(),
            district: Place::district(p.district, home),
            industry: Label::of(p.industry),
            scale: p.scale().map(Label::of),
            qualifications: p.qualification_list().iter().map(|q| Label::of(*q)).collect(),
            employees: p.employees,
            revenue_text: p.revenue.display_zh(),
            revenue_text_en: p.revenue.display_en(),
            findings,
            verified_facts: None,
        });
    }
    // The verified facts of the firms listed, read for the whole list at once.
    let firms: Vec<(i64, &EnterpriseProfile)> =
        candidates.iter().filter_map(|c| stored.get(&c.profile_id).map(|s| (c.profile_id, &s.profile))).collect();
    let badges = crate::http::facts::badges_for(state, institution_id, &firms).await?;
    let shown: std::collections::HashMap<i64, FactBadges> =
        firms.iter().zip(badges).filter_map(|((id, _), b)| Some((*id, b?))).collect();
    for c in &mut candidates {
        c.verified_facts = shown.get(&c.profile_id).cloned();
    }
    Ok(CandidatesResponse {
        product: ProductSummary::of(product, &state.config.home_area),
        pool: found.pool,
        total: found.total,
        needs_info: found.needs_info,
        candidates,
    })
}

/// Records that the user's institution saw these firms listed (once a day per firm): what both the API and
/// the page call after reverse matching.
///
/// # Errors
/// Database failure.
async fn record_candidates(
    state: &AppState,
    caller: &Caller,
    LenderUser(p, institution): &LenderUser,
    found: &CandidatesResponse,
) -> Result<(), ApiError> {
    let ids: Vec<i64> = found.candidates.iter().map(|c| c.profile_id).collect();
    let ev = caller.audit(p, "profile.view");
    state.store.record_list_views(&ids, *institution, Some(p.account_id), "candidates", &ev).await?;
    // So is showing a firm's verified facts (context `facts`).
    let shown: Vec<i64> =
        found.candidates.iter().filter(|c| c.verified_facts.is_some()).map(|c| c.profile_id).collect();
    crate::http::facts::record_shown(state, caller, p, *institution, &shown).await
}

/// An enterprise's profile as an institution sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseProfileView {
    pub id: i64,
    pub name: String,
    #[schema(value_type = crate::http::profile_schema::ProfileSchema)]
    pub profile: EnterpriseProfile,
    pub scale: Option<Label>,
    pub district: Place,
    pub industry: Label,
    pub years_in_operation: u16,
}

impl EnterpriseProfileView {
    /// The view of `e`, its district named as seen from the deployment's `home`.
    #[must_use]
    pub fn of(e: &StoredEnterprise, home: &HomeArea) -> Self {
        let p = &e.profile;
        Self {
            id: e.id,
            name: p.name.clone(),
            profile: p.clone(),
            scale: p.scale().map(Label::of),
            district: Place::district(p.district, home),
            industry: Label::of(p.industry),
            years_in_operation: p.years_in_operation(today()),
        }
    }
}

/// An institution reads an SME's profile: 404 without consent or application; the view is recorded with
/// `context` (why it was opened).
///
/// # Errors
/// 404, 400 for an unknown context; database failure.
async fn read_profile(
    state: &AppState,
    caller: &Caller,
    LenderUser(p, institution): &LenderUser,
    id: i64,
    context: &str,
) -> Result<EnterpriseProfileView, ApiError> {
    // `facts` is recorded by the read of the facts itself, never claimed by a read of the profile.
    let contexts: Vec<&str> = VIEW_CONTEXTS.iter().copied().filter(|c| *c != "facts").collect();
    if !contexts.contains(&context) {
        return Err(ApiError::invalid("context", &ValueError::Invalid(format!("应为 {} 之一", contexts.join("、")))));
    }
    if !state.store.may_view_profile(id, *institution).await? {
        return Err(ApiError::not_found("企业", "enterprise"));
    }
    let firm = state.store.enterprise(id).await?.ok_or_else(|| ApiError::not_found("企业", "enterprise"))?;
    let ev = caller.audit(p, "profile.view");
    state.store.record_profile_view(id, *institution, Some(p.account_id), context, None, &ev).await?;
    Ok(EnterpriseProfileView::of(&firm, &state.config.home_area))
}

/// A firm's verified facts as an institution it authorised sees them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseFactsView {
    pub enterprise_id: i64,
    pub name: String,
    /// The credit code the facts are kept by.
    pub uscc: Option<String>,
    /// The authorisation this institution sees them by: for every institution (`true`) or for it by name,
    /// when it was given and its end (RFC 3339 UTC, as shown in Asia/Shanghai; absent: until withdrawn).
    pub authorised_all: bool,
    pub authorised_at: String,
    pub authorised_at_text: String,
    pub authorised_until: Option<String>,
    pub authorised_until_text: Option<String>,
    #[serde(flatten)]
    pub report: FactsReport,
}

/// An institution reads a firm's verified facts: 404 unless an authorisation of the facts for it (or for
/// every institution) holds now; the view is recorded in the firm's view log as `facts`.
///
/// # Errors
/// 404; database failure.
async fn read_facts(
    state: &AppState,
    caller: &Caller,
    LenderUser(p, institution): &LenderUser,
    id: i64,
) -> Result<EnterpriseFactsView, ApiError> {
    let now = chrono::Utc::now();
    let hidden = || ApiError::not_found("企业", "enterprise");
    let Some(consent) = state.store.facts_consent_for(id, *institution, now).await? else { return Err(hidden()) };
    let firm = state.store.enterprise(id).await?.ok_or_else(hidden)?;
    let report = crate::http::facts::report_of(state, &firm.profile).await?;
    let ev = caller.audit(p, "profile.view");
    state.store.record_profile_view(id, *institution, Some(p.account_id), "facts", None, &ev).await?;
    Ok(EnterpriseFactsView {
        enterprise_id: firm.id,
        name: firm.profile.name.clone(),
        uscc: firm.profile.uscc.as_ref().map(|u| u.as_str().to_owned()),
        authorised_all: consent.institution_id.is_none(),
        authorised_at: consent.granted_at.to_rfc3339(),
        authorised_at_text: crate::http::format::shanghai(consent.granted_at),
        authorised_until: consent.expires_at.map(|t| t.to_rfc3339()),
        authorised_until_text: consent.expires_at.map(crate::http::format::shanghai),
        report,
    })
}
