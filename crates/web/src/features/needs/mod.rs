//! Posted financing needs (需求发布) and institutions' offers (抢单), in the API and the pages.
//!
//! SME users post and follow their needs (`/api/v1/me/needs…`, `/sme/needs`), compare the offers by cost
//! (each offer priced with the matching crate's cost functions, as the product calculator does) and accept
//! one, which becomes an application. Institution users see the feed of open needs from firms that consent
//! to them (`/api/v1/needs/feed`, `/bank/needs`), ranked by fit: the best match score of any of their listed
//! products for that firm and need, the firm judged with its verified facts as its own match judges it (a
//! rule a product requires verified needs a current fact). They offer (`POST /api/v1/needs/{id}/offers`) and may withdraw an open
//! offer (`POST /api/v1/offers/{id}/withdraw`).
//!
//! Access: an SME's own resources answer 403 to every other role; an institution's likewise; a need or
//! offer of another party answers 404 (nothing reveals that it exists).

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::{Caller, LenderUser, SmeUser};
use crate::http::error::ApiError;
use crate::http::format::{Label, Place, shanghai};
use crate::http::score::points;
use crate::http::state::{AppState, today};
use crate::template;
use chrono::NaiveDate;
use finmart_domain::{
    Bps, EnterpriseProfile, Fen, FinancingNeed, Labelled, LoanPurpose, Months, OfferState, OfferTerms, Product,
    RepaymentMethod,
};
use finmart_matching::{CompiledProduct, FirmFacts, LoanQuote, POLICY, loan_cost};
use finmart_store::{NeedRecord, NewNeed, NewOffer, OfferRecord};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// The needs feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "needs",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("sme_needs.html"), template!("sme_needs_detail.html"), template!("bank_needs.html")],
        ..Feature::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Bodies and views

/// `POST /api/v1/me/needs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedBody {
    /// Amount in fen.
    #[schema(value_type = i64)]
    pub amount: Fen,
    /// Term in months.
    #[schema(value_type = u16)]
    pub term: Months,
    /// Machine name of the purpose (`working_capital`, `equipment`, …).
    #[schema(value_type = String)]
    pub purpose: LoanPurpose,
    /// The purpose in the firm's words (at most 100 characters).
    #[serde(default)]
    pub purpose_text: String,
    /// The highest annual rate the firm would take, in basis points.
    #[schema(value_type = Option<u32>)]
    pub max_rate: Option<Bps>,
    /// Offers are taken until the end of this day (`2026-12-31`, Asia/Shanghai), not before today.
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
}

/// `POST /api/v1/needs/{id}/offers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// One of the institution's listed products.
    pub product_id: i64,
    /// Amount in fen.
    #[schema(value_type = i64)]
    pub amount: Fen,
    /// Annual rate in basis points.
    #[schema(value_type = u32)]
    pub rate: Bps,
    /// Term in months.
    #[schema(value_type = u16)]
    pub term: Months,
    /// A note to the firm (at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// A posted need.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedView {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    pub purpose: Label,
    pub purpose_text: String,
    pub max_rate_bps: Option<u32>,
    pub max_rate_text: Option<String>,
    /// `2026-12-31`: offers are taken until the end of this day.
    pub deadline: String,
    pub state: Label,
    /// Open and not past its deadline.
    pub takes_offers: bool,
    pub accepted_offer_id: Option<i64>,
    pub created_at: String,
    pub created_at_text: String,
    /// Offers now open, and all offers ever made.
    pub offers_open: usize,
    pub offers_total: usize,
}

fn need_view(n: &NeedRecord, counts: Option<&HashMap<String, usize>>) -> NeedView {
    NeedView {
        id: n.id,
        enterprise_id: n.enterprise_id,
        enterprise_name: n.enterprise_name.clone(),
        amount_fen: n.amount.fen(),
        amount_text: n.amount.display_zh(),
        amount_text_en: n.amount.display_en(),
        term_months: n.term.get(),
        term_text: n.term.display_zh(),
        term_text_en: n.term.display_en(),
        purpose: Label::of(n.purpose),
        purpose_text: n.purpose_text.clone(),
        max_rate_bps: n.max_rate.map(Bps::bps),
        max_rate_text: n.max_rate.map(Bps::percent_text),
        deadline: n.deadline.to_string(),
        state: Label::of(n.state),
        takes_offers: n.takes_offers(today()),
        accepted_offer_id: n.accepted_offer_id,
        created_at: n.created_at.to_rfc3339(),
        created_at_text: shanghai(n.created_at),
        offers_open: counts.and_then(|c| c.get(OfferState::Open.as_str())).copied().unwrap_or(0),
        offers_total: counts.map_or(0, |c| c.values().sum()),
    }
}

/// What an offer costs the firm: the cheapest of the product's repayment methods at the offered rate, with
/// the product's guarantee fee and the subsidies the firm qualifies for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferCost {
    pub method: Label,
    /// Effective annual rate of the whole loan (interest, guarantee fee, subsidies): IRR × 12.
    pub apr_bps: u32,
    pub apr_text: String,
    pub first_payment_text: String,
    pub first_payment_text_en: String,
    pub total_interest_fen: i64,
    pub guarantee_fee_fen: i64,
    /// Interest and guarantee-fee subsidies together.
    pub subsidy_fen: i64,
    /// Interest + guarantee fee − subsidies.
    pub total_cost_fen: i64,
    pub total_cost_text: String,
    pub total_cost_text_en: String,
    /// The cheapest of the open offers compared.
    pub cheapest: bool,
}

/// An offer on a need.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: i64,
    pub need_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    pub rate_bps: u32,
    pub rate_text: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    pub note: String,
    pub state: Label,
    pub created_at: String,
    pub created_at_text: String,
    pub decided_at_text: Option<String>,
    /// The application accepting it made.
    pub application_id: Option<i64>,
    /// What it costs the firm (on the firm's own need page).
    pub cost: Option<OfferCost>,
}

fn offer_view(o: &OfferRecord, cost: Option<OfferCost>) -> OfferView {
    OfferView {
        id: o.id,
        need_id: o.need_id,
        institution_id: o.institution_id,
        institution_name: o.institution_name.clone(),
        product_id: o.product_id,
        product_name: o.product_name.clone(),
        amount_fen: o.amount.fen(),
        amount_text: o.amount.display_zh(),
        amount_text_en: o.amount.display_en(),
        rate_bps: o.rate.bps(),
        rate_text: o.rate.percent_text(),
        term_months: o.term.get(),
        term_text: o.term.display_zh(),
        term_text_en: o.term.display_en(),
        note: o.note.clone(),
        state: Label::of(o.state),
        created_at: o.created_at.to_rfc3339(),
        created_at_text: shanghai(o.created_at),
        decided_at_text: o.decided_at.map(shanghai),
        application_id: o.application_id,
        cost,
    }
}

/// A need with its offers compared.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedDetail {
    pub need: NeedView,
    pub offers: Vec<OfferView>,
}

/// The firm behind a need, as the feed shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedFirm {
    pub id: i64,
    pub name: String,
    pub district: Place,
    pub industry: Label,
    pub scale: Option<Label>,
    pub years_in_operation: u16,
    /// Last year's revenue: `约 8.5 万元`, and in English `CNY 85,058.55`.
    pub revenue_text: String,
    pub revenue_text_en: String,
}

/// One of the institution's products that fits a need.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FitProduct {
    pub product_id: i64,
    pub name: String,
    /// The match score, 0–100,000.
    pub score: u32,
    /// The lowest annual rate (at the current reference rates for LPR and benchmark pricing); `null` when
    /// the product states no rate.
    pub rate_min_bps: Option<u32>,
    pub apr_text: Option<String>,
}

/// One need of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedItem {
    pub need: NeedView,
    pub enterprise: FeedFirm,
    /// The best match score of the institution's listed products for this firm and need (0: none fits).
    pub fit_score: u32,
    /// The same in points out of 100, one decimal (`74.7`).
    pub fit_text: String,
    /// The institution's listed products that fit, best first.
    pub fitting: Vec<FitProduct>,
    /// The institution's latest offer on this need, if any.
    pub my_offer: Option<OfferView>,
}

/// The answer of accepting an offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptView {
    pub application_id: i64,
    /// `false`: the offer had been accepted before, and this is the same application.
    pub created: bool,
    pub application_state: Label,
    pub need: NeedView,
}

// ---------------------------------------------------------------------------------------------------------
// Shared work

fn not_found_need() -> ApiError {
    ApiError::not_found("融资需求", "need")
}

/// The SME's need `id`, or 404 (also for another firm's).
async fn own_need(state: &AppState, enterprise_id: i64, id: i64) -> Result<NeedRecord, ApiError> {
    state.store.need(id).await?.filter(|n| n.enterprise_id == enterprise_id).ok_or_else(not_found_need)
}

fn cost_of(product: &Product, offer: &OfferRecord, firm: &FirmFacts) -> Option<OfferCost> {
    let compiled = CompiledProduct::new(product);
    let subsidies = POLICY.subsidies(&compiled, firm, offer.rate.bps());
    let bps = |v: u32| Bps::new(v).unwrap_or(Bps::MAX);
    // A product that does not state its methods is costed by each (the cheapest is shown, as for the others).
    let methods = product.spec.repayment_methods.clone().unwrap_or_else(|| RepaymentMethod::ALL.to_vec());
    methods
        .into_iter()
        .filter_map(|method| {
            let quote = LoanQuote {
                principal: offer.amount,
                annual_rate: offer.rate,
                term: offer.term,
                method,
                // The offer does not say the fee: the product's lowest stated one.
                guarantee_fee_rate: bps(compiled.fee_min.unwrap_or(0)),
                interest_subsidy_rate: bps(subsidies.interest),
                fee_subsidy_rate: bps(subsidies.fee),
            };
            loan_cost(&quote).ok()
        })
        .min_by_key(|c| (c.effective_annual_rate, c.total_cost))
        .map(|c| OfferCost {
            method: Label::of(c.method),
            apr_bps: c.effective_annual_rate.bps(),
            apr_text: c.effective_annual_rate.percent_text(),
            first_payment_text: c.first_payment.display_exact_zh(),
            first_payment_text_en: c.first_payment.display_en(),
            total_interest_fen: c.total_interest.fen(),
            guarantee_fee_fen: c.guarantee_fee.fen(),
            subsidy_fen: c.interest_subsidy.fen() + c.fee_subsidy.fen(),
            total_cost_fen: c.total_cost.fen(),
            total_cost_text: c.total_cost.display_exact_zh(),
            total_cost_text_en: c.total_cost.display_en(),
            cheapest: false,
        })
}

/// The need with its offers, each priced for the firm; the cheapest open offer marked.
async fn need_detail(state: &AppState, need: &NeedRecord) -> Result<NeedDetail, ApiError> {
    let offers = state.store.offers_on(need.id).await?;
    let firm = state.store.enterprise(need.enterprise_id).await?.ok_or_else(not_found_need)?;
    let facts = FirmFacts::of(&firm.profile, today());
    let ids: Vec<i64> = offers.iter().map(|o| o.product_id).collect();
    let products: HashMap<i64, Product> = state.store.products(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut views: Vec<OfferView> =
        offers.iter().map(|o| offer_view(o, products.get(&o.product_id).and_then(|p| cost_of(p, o, &facts)))).collect();
    // The first of the cheapest, should two cost the same.
    let open = views.iter_mut().filter(|o| o.state.code == OfferState::Open.as_str());
    if let Some(cost) = open.filter_map(|o| o.cost.as_mut()).min_by_key(|c| (c.total_cost_fen, c.apr_bps)) {
        cost.cheapest = true;
    }
    Ok(NeedDetail { need: counted(state, need).await?, offers: views })
}

/// The need's view with its offers counted.
async fn counted(state: &AppState, need: &NeedRecord) -> Result<NeedView, ApiError> {
    let counts = state.store.offer_counts(&[need.id]).await?;
    Ok(need_view(need, counts.get(&need.id)))
}

async fn needs_of(state: &AppState, enterprise_id: i64) -> Result<Vec<NeedView>, ApiError> {
    let needs = state.store.needs_of_enterprise(enterprise_id).await?;
    let ids: Vec<i64> = needs.iter().map(|n| n.id).collect();
    let counts = state.store.offer_counts(&ids).await?;
    Ok(needs.iter().map(|n| need_view(n, counts.get(&n.id))).collect())
}

/// The need as the matching engine takes it: the firm offers the collateral it owns and accepts a guarantee.
fn as_financing_need(need: &NeedRecord, profile: &EnterpriseProfile) -> FinancingNeed {
    FinancingNeed {
        amount: need.amount,
        term: need.term,
        purpose: need.purpose,
        purpose_text: need.purpose_text.clone(),
        max_annual_cost: need.max_rate,
        needed_within_days: None,
        collateral_offered: profile.collateral.clone(),
        accepts_guarantee: true,
        repayment: None,
    }
}

/// The institution's listed products.
async fn listed_products(state: &AppState, institution_id: i64) -> Result<Vec<Product>, ApiError> {
    let day = today();
    Ok(state.store.published_products_of(institution_id).await?.into_iter().filter(|p| p.is_listed_on(day)).collect())
}

/// The feed of `lender`'s institution: open needs of consenting firms, ranked by fit. Listing them counts as a
/// view of each firm's profile (once a day per firm).
async fn feed(state: &AppState, lender: &LenderUser, caller: &Caller) -> Result<Vec<FeedItem>, ApiError> {
    let (p, institution) = (&lender.0, lender.1);
    let needs = state.store.need_feed(institution, today()).await?;
    if needs.is_empty() {
        return Ok(Vec::new());
    }
    let mine: HashSet<i64> = listed_products(state, institution).await?.iter().map(|p| p.id).collect();
    let ids: Vec<i64> = needs.iter().map(|n| n.id).collect();
    let counts = state.store.offer_counts(&ids).await?;
    let mut offers: HashMap<i64, OfferRecord> = HashMap::new();
    // Newest first: an open offer, else the latest one, per need.
    for o in state.store.offers_by_institution(institution, Some(&ids)).await? {
        if offers.get(&o.need_id).is_none_or(|kept| kept.state != OfferState::Open && o.state == OfferState::Open) {
            offers.insert(o.need_id, o);
        }
    }
    let everything = state.loaded_matcher()?.book().len().max(1);
    // The firms of the page and their verified facts, each read once for the whole page.
    let firm_ids: Vec<i64> = needs.iter().map(|n| n.enterprise_id).collect();
    let firms = state.store.enterprises_by_id(&firm_ids).await?;
    let facts = state.facts_for_many(firms.values().map(|f| &f.profile)).await?;
    let mut items = Vec::with_capacity(needs.len());
    for need in &needs {
        let Some(firm) = firms.get(&need.enterprise_id) else { continue };
        let mut fitting = Vec::new();
        if !mine.is_empty() {
            // Judged as the firm's own match judges it: with its verified facts.
            let verified = firm.profile.uscc.as_ref().and_then(|u| facts.get(u).cloned()).unwrap_or_default();
            let outcome = state
                .match_need(firm.profile.clone(), as_financing_need(need, &firm.profile), everything, Some(verified))
                .await?;
            fitting = outcome
                .eligible
                .iter()
                .filter(|r| mine.contains(&r.product_id))
                .map(|r| FitProduct {
                    product_id: r.product_id,
                    name: r.product.spec.name.clone(),
                    score: r.score,
                    rate_min_bps: r.product.annual_rate().min().map(|a| a.bps().bps()),
                    apr_text: r.quote.as_ref().map(|q| q.apr.percent_text()),
                })
                .collect();
        }
        let fit_score = fitting.first().map_or(0, |f| f.score);
        let profile = &firm.profile;
        items.push(FeedItem {
            need: need_view(need, counts.get(&need.id)),
            enterprise: FeedFirm {
                id: firm.id,
                name: profile.name.clone(),
                district: Place::district(profile.district, &state.config.home_area),
                industry: Label::of(profile.industry),
                scale: profile.scale().map(Label::of),
                years_in_operation: profile.years_in_operation(today()),
                revenue_text: profile.revenue.display_zh(),
                revenue_text_en: profile.revenue.display_en(),
            },
            fit_score,
            fit_text: points(fit_score),
            fitting,
            my_offer: offers.get(&need.id).map(|o| offer_view(o, None)),
        });
    }
    items.sort_by(|a, b| b.fit_score.cmp(&a.fit_score).then(b.need.id.cmp(&a.need.id)));
    let firms: Vec<i64> = items.iter().map(|i| i.enterprise.id).collect();
    state
        .store
        .record_list_views(&firms, institution, Some(p.account_id), "need", &caller.audit(p, "profile.view"))
        .await?;
    Ok(items)
}

async fn submit_need(state: &AppState, sme: &SmeUser, caller: &Caller, body: NeedBody) -> Result<NeedRecord, ApiError> {
    let SmeUser(p, enterprise_id) = sme;
    let new = NewNeed {
        enterprise_id: *enterprise_id,
        account_id: p.account_id,
        amount: body.amount,
        term: body.term,
        purpose: body.purpose,
        purpose_text: body.purpose_text,
        max_rate: body.max_rate,
        deadline: body.deadline,
    };
    Ok(state.store.post_need(&new, today(), &caller.audit(p, "need.post")).await?)
}

async fn submit_offer(
    state: &AppState,
    LenderUser(p, institution_id): &LenderUser,
    caller: &Caller,
    need_id: i64,
    body: OfferBody,
) -> Result<OfferRecord, ApiError> {
    let new = NewOffer {
        need_id,
        institution_id: *institution_id,
        product_id: body.product_id,
        account_id: p.account_id,
        terms: OfferTerms { amount: body.amount, rate: body.rate, term: body.term },
        note: body.note,
    };
    Ok(state.store.make_offer(&new, today(), &caller.audit(p, "offer.create")).await?)
}

async fn accept(
    state: &AppState,
    SmeUser(p, eid): &SmeUser,
    caller: &Caller,
    need_id: i64,
    offer_id: i64,
) -> Result<AcceptView, ApiError> {
    let (app, created) =
        state.store.accept_offer(*eid, need_id, offer_id, p.account_id, &caller.audit(p, "offer.accept")).await?;
    let need = own_need(state, *eid, need_id).await?;
    Ok(AcceptView {
        application_id: app.id,
        created,
        application_state: Label::of(app.state),
        need: counted(state, &need).await?,
    })
}

/// Closes the SME's open need `id`: no more offers; open offers are declined.
async fn close(state: &AppState, SmeUser(p, eid): &SmeUser, caller: &Caller, id: i64) -> Result<NeedRecord, ApiError> {
    Ok(state.store.close_need(*eid, id, &caller.audit(p, "need.close")).await?)
}

/// Withdraws the institution's open offer `id`.
async fn withdraw(state: &AppState, lender: &LenderUser, caller: &Caller, id: i64) -> Result<OfferRecord, ApiError> {
    let LenderUser(p, institution) = lender;
    Ok(state.store.withdraw_offer(*institution, id, &caller.audit(p, "offer.withdraw")).await?)
}
