//! Posted financing needs (需求发布) and institutions' offers (抢单), in the API and the pages.
//!
//! SME users post and follow their needs (`/api/v1/me/needs…`, `/sme/needs`), compare the offers by cost
//! (each offer priced with the matching crate's cost functions, as the product calculator does) and accept
//! one, which becomes an application. Institution users see the feed of open needs from firms that consent
//! to them (`/api/v1/needs/feed`, `/bank/needs`), ranked by fit: the best match score of any of their listed
//! products for that firm and need. They offer (`POST /api/v1/needs/{id}/offers`) and may withdraw an open
//! offer (`POST /api/v1/offers/{id}/withdraw`).

use super::{event, query_map};
use crate::auth::{Auth, Caller, enterprise_of, lender_of};
use crate::error::{ApiError, ErrorBody};
use crate::forms::{error_messages, field, field_messages as messages, parse as form_pairs, see_other};
use crate::lang::{Lang, negotiate};
use crate::match_pages::calc::wan_text;
use crate::match_pages::form::parse_wan;
use crate::match_pages::options;
use crate::pages::{PageError, page_error, show};
use crate::params::json_body;
use crate::state::{AppState, today};
use crate::views::{Label, shanghai};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use finmart_domain::{
    Bps, EnterpriseProfile, Fen, FieldErrors, FinancingNeed, Labelled, LoanPurpose, Months, OfferState, OfferTerms,
    Principal, Product, ValueError,
};
use finmart_matching::{CompiledProduct, FirmFacts, LoanQuote, POLICY, loan_cost};
use finmart_store::{NeedRecord, NewNeed, NewOffer, OfferRecord, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How far ahead the need form's deadline starts.
const DEFAULT_DEADLINE_DAYS: u64 = 14;

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/sme/needs", get(sme_needs_page).post(sme_needs_submit))
        .route("/sme/needs/{id}", get(sme_need_page))
        .route("/sme/needs/{id}/close", post(sme_need_close))
        .route("/sme/needs/{id}/offers/{offer_id}/accept", post(sme_offer_accept))
        .route("/bank/needs", get(bank_needs_page))
        .route("/bank/needs/{id}/offers", post(bank_offer_submit))
        .route("/bank/offers/{id}/withdraw", post(bank_offer_withdraw))
}

pub(super) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_need, my_needs))
        .routes(routes!(my_need))
        .routes(routes!(close_need))
        .routes(routes!(accept_offer))
        .routes(routes!(need_feed))
        .routes(routes!(make_offer))
        .routes(routes!(withdraw_offer))
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
    let count = |state: &str| counts.and_then(|c| c.get(state)).copied().unwrap_or(0);
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
        offers_open: count(OfferState::Open.as_str()),
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
    pub district: Label,
    pub industry: Label,
    pub scale: Option<Label>,
    pub years_in_operation: u16,
    pub revenue_text: String,
}

/// One of the institution's products that fits a need.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FitProduct {
    pub product_id: i64,
    pub name: String,
    /// The match score, 0–100,000.
    pub score: u32,
    pub rate_min_bps: u32,
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

fn not_found_offer() -> ApiError {
    ApiError::not_found("报价", "offer")
}

/// Store errors of need and offer operations, with the right names.
fn market_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { what: "need", .. } => not_found_need(),
        StoreError::NotFound { what: "offer", .. } => not_found_offer(),
        StoreError::NotFound { what: "product", .. } => {
            ApiError::invalid("product_id", &ValueError::Invalid("请选择贵机构已上架的产品".to_owned()))
        }
        other => other.into(),
    }
}

/// The SME's need `id`, or 404 (also for another firm's).
async fn own_need(state: &AppState, enterprise_id: i64, id: i64) -> Result<NeedRecord, ApiError> {
    state.store.need(id).await?.filter(|n| n.enterprise_id == enterprise_id).ok_or_else(not_found_need)
}

fn cost_of(product: &Product, offer: &OfferRecord, firm: &FirmFacts) -> Option<OfferCost> {
    let compiled = CompiledProduct::new(product);
    let subsidies = POLICY.subsidies(&compiled, firm, offer.rate.bps());
    let bps = |v: u32| Bps::new(v).unwrap_or(Bps::MAX);
    product
        .spec
        .repayment_methods
        .iter()
        .filter_map(|&method| {
            let quote = LoanQuote {
                principal: offer.amount,
                annual_rate: offer.rate,
                term: offer.term,
                method,
                guarantee_fee_rate: bps(compiled.guarantee_fee.unwrap_or(0)),
                interest_subsidy_rate: bps(subsidies.interest),
                fee_subsidy_rate: bps(subsidies.fee),
            };
            loan_cost(&quote).ok()
        })
        .min_by_key(|c| (c.effective_annual_rate, c.total_cost))
        .map(|c| {
            let subsidy = c.interest_subsidy.fen() + c.fee_subsidy.fen();
            OfferCost {
                method: Label::of(c.method),
                apr_bps: c.effective_annual_rate.bps(),
                apr_text: c.effective_annual_rate.percent_text(),
                first_payment_text: c.first_payment.display_zh(),
                first_payment_text_en: c.first_payment.display_en(),
                total_interest_fen: c.total_interest.fen(),
                guarantee_fee_fen: c.guarantee_fee.fen(),
                subsidy_fen: subsidy,
                total_cost_fen: c.total_cost.fen(),
                total_cost_text: c.total_cost.display_zh(),
                total_cost_text_en: c.total_cost.display_en(),
                cheapest: false,
            }
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
    let cheapest = views
        .iter()
        .enumerate()
        .filter(|(_, o)| o.state.code == OfferState::Open.as_str())
        .filter_map(|(i, o)| o.cost.as_ref().map(|c| (c.total_cost_fen, c.apr_bps, i)))
        .min()
        .map(|(_, _, i)| i);
    if let Some(cost) = cheapest.and_then(|i| views.get_mut(i)).and_then(|o| o.cost.as_mut()) {
        cost.cheapest = true;
    }
    let counts = state.store.offer_counts(&[need.id]).await?;
    Ok(NeedDetail { need: need_view(need, counts.get(&need.id)), offers: views })
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

/// `747` tenths as `74.7`.
fn points(score: u32) -> String {
    let tenths = score / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The institution's listed products.
async fn listed_products(state: &AppState, institution_id: i64) -> Result<Vec<Product>, ApiError> {
    let day = today();
    Ok(state.store.published_products_of(institution_id).await?.into_iter().filter(|p| p.is_listed_on(day)).collect())
}

/// The feed of `p`'s institution: open needs of consenting firms, ranked by fit. Listing them counts as a
/// view of each firm's profile (once a day per firm).
async fn feed(state: &AppState, p: &Principal, caller: &Caller) -> Result<Vec<FeedItem>, ApiError> {
    let institution = lender_of(p)?;
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
        let keep =
            offers.get(&o.need_id).is_none_or(|kept| kept.state != OfferState::Open && o.state == OfferState::Open);
        if keep {
            offers.insert(o.need_id, o);
        }
    }
    let everything = state.matcher.book().len().max(1);
    let mut items = Vec::with_capacity(needs.len());
    for need in &needs {
        let Some(firm) = state.store.enterprise(need.enterprise_id).await? else { continue };
        let mut fitting = Vec::new();
        if !mine.is_empty() {
            let outcome =
                state.match_need(firm.profile.clone(), as_financing_need(need, &firm.profile), everything).await?;
            fitting = outcome
                .eligible
                .iter()
                .filter(|r| mine.contains(&r.product_id))
                .map(|r| FitProduct {
                    product_id: r.product_id,
                    name: r.product.spec.name.clone(),
                    score: r.score,
                    rate_min_bps: r.product.spec.rate.min().bps(),
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
                district: Label::of(profile.district),
                industry: Label::of(profile.industry),
                scale: profile.scale().map(Label::of),
                years_in_operation: profile.years_in_operation(today()),
                revenue_text: profile.revenue.display_zh(),
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
        .record_list_views(&firms, institution, Some(p.account_id), "need", &event(p, caller, "profile.view"))
        .await?;
    Ok(items)
}

async fn submit_need(state: &AppState, p: &Principal, caller: &Caller, body: NeedBody) -> Result<NeedRecord, ApiError> {
    let eid = enterprise_of(p)?;
    let new = NewNeed {
        enterprise_id: eid,
        account_id: p.account_id,
        amount: body.amount,
        term: body.term,
        purpose: body.purpose,
        purpose_text: body.purpose_text,
        max_rate: body.max_rate,
        deadline: body.deadline,
    };
    state.store.post_need(&new, today(), &event(p, caller, "need.post")).await.map_err(market_error)
}

async fn submit_offer(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    need_id: i64,
    body: OfferBody,
) -> Result<OfferRecord, ApiError> {
    let institution = lender_of(p)?;
    let new = NewOffer {
        need_id,
        institution_id: institution,
        product_id: body.product_id,
        account_id: p.account_id,
        terms: OfferTerms { amount: body.amount, rate: body.rate, term: body.term },
        note: body.note,
    };
    state.store.make_offer(&new, today(), &event(p, caller, "offer.create")).await.map_err(market_error)
}

async fn accept(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    need_id: i64,
    offer_id: i64,
) -> Result<AcceptView, ApiError> {
    let eid = enterprise_of(p)?;
    let (app, created) = state
        .store
        .accept_offer(eid, need_id, offer_id, p.account_id, &event(p, caller, "offer.accept"))
        .await
        .map_err(market_error)?;
    let need = own_need(state, eid, need_id).await?;
    let counts = state.store.offer_counts(&[need_id]).await?;
    Ok(AcceptView {
        application_id: app.id,
        created,
        application_state: Label::of(app.state),
        need: need_view(&need, counts.get(&need_id)),
    })
}

// ---------------------------------------------------------------------------------------------------------
// API: the SME's side

/// Posts a financing need. Institutions the firm consented to (all, or named ones) see it in their feed
/// while it is open and before its deadline.
#[utoipa::path(
    post,
    path = "/api/v1/me/needs",
    request_body = NeedBody,
    responses(
        (status = 201, body = NeedView),
        (status = 400, description = "A bad field, named in `field` (every one in `errors`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn post_need(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    enterprise_of(&p)?;
    let body: NeedBody = json_body(&body)?;
    let need = submit_need(&state, &p, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(need_view(&need, None))).into_response())
}

/// The signed-in SME's needs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/needs",
    responses(
        (status = 200, body = Vec<NeedView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn my_needs(State(state): State<AppState>, Auth(p): Auth) -> Result<Json<Vec<NeedView>>, ApiError> {
    let eid = enterprise_of(&p)?;
    Ok(Json(needs_of(&state, eid).await?))
}

/// One of the signed-in SME's needs with every offer, each priced for the firm (the cheapest open one
/// marked).
#[utoipa::path(
    get,
    path = "/api/v1/me/needs/{id}",
    params(("id" = i64, Path, description = "Need id")),
    responses(
        (status = 200, body = NeedDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn my_need(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<NeedDetail>, ApiError> {
    let eid = enterprise_of(&p)?;
    let need = own_need(&state, eid, crate::api::parse_id(&id)?).await?;
    Ok(Json(need_detail(&state, &need).await?))
}

/// Closes an open need: no more offers; open offers are declined.
#[utoipa::path(
    post,
    path = "/api/v1/me/needs/{id}/close",
    params(("id" = i64, Path, description = "Need id")),
    responses(
        (status = 200, body = NeedView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm", body = ErrorBody),
        (status = 409, description = "The need is not open", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn close_need(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NeedView>, ApiError> {
    let eid = enterprise_of(&p)?;
    let id = crate::api::parse_id(&id)?;
    let need = state.store.close_need(eid, id, &event(&p, &caller, "need.close")).await.map_err(market_error)?;
    let counts = state.store.offer_counts(&[id]).await?;
    Ok(Json(need_view(&need, counts.get(&id))))
}

/// Accepts an open offer on an open need: an application is submitted with the offer's terms, the other
/// open offers are declined. Accepting the same offer again returns the same application (200).
#[utoipa::path(
    post,
    path = "/api/v1/me/needs/{id}/offers/{offer_id}/accept",
    params(("id" = i64, Path, description = "Need id"), ("offer_id" = i64, Path, description = "Offer id")),
    responses(
        (status = 201, description = "Accepted: the application was submitted", body = AcceptView),
        (status = 200, description = "Accepted before: the same application", body = AcceptView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an SME user", body = ErrorBody),
        (status = 404, description = "No such need of this firm, or no such offer on it", body = ErrorBody),
        (status = 409, description = "The need or offer moved on, or the product is no longer listed", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn accept_offer(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path((id, offer_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (id, offer_id) = (crate::api::parse_id(&id)?, crate::api::parse_id(&offer_id)?);
    let view = accept(&state, &p, &caller, id, offer_id).await?;
    let status = if view.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view)).into_response())
}

// ---------------------------------------------------------------------------------------------------------
// API: the institution's side

/// The institution's feed: open needs, not past their deadline, of firms that consent to it (to all, or to
/// it by name), ranked by fit (the best match score of its listed products for the firm and need), each
/// with its fitting products and the institution's own offer. Consent is checked on every request.
#[utoipa::path(
    get,
    path = "/api/v1/needs/feed",
    responses(
        (status = 200, body = Vec<FeedItem>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn need_feed(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
) -> Result<Json<Vec<FeedItem>>, ApiError> {
    Ok(Json(feed(&state, &p, &caller).await?))
}

/// Offers on a need in the feed, with one of the institution's listed products (one open offer per
/// institution and need: withdraw it to offer again).
#[utoipa::path(
    post,
    path = "/api/v1/needs/{id}/offers",
    params(("id" = i64, Path, description = "Need id")),
    request_body = OfferBody,
    responses(
        (status = 201, body = OfferView),
        (status = 400, description = "A bad field, or a product that is not the institution's listed one", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such need, or the firm has not allowed this institution", body = ErrorBody),
        (status = 409, description = "The need no longer takes offers, or the institution has an open offer on it", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn make_offer(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    lender_of(&p)?;
    let id = crate::api::parse_id(&id)?;
    let body: OfferBody = json_body(&body)?;
    let offer = submit_offer(&state, &p, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(offer_view(&offer, None))).into_response())
}

/// Withdraws one of the institution's open offers.
#[utoipa::path(
    post,
    path = "/api/v1/offers/{id}/withdraw",
    params(("id" = i64, Path, description = "Offer id")),
    responses(
        (status = 200, body = OfferView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an institution user", body = ErrorBody),
        (status = 404, description = "No such offer of this institution", body = ErrorBody),
        (status = 409, description = "The offer is no longer open", body = ErrorBody),
    ),
    tag = "needs"
)]
async fn withdraw_offer(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OfferView>, ApiError> {
    let institution = lender_of(&p)?;
    let id = crate::api::parse_id(&id)?;
    let offer = state
        .store
        .withdraw_offer(institution, id, &event(&p, &caller, "offer.withdraw"))
        .await
        .map_err(market_error)?;
    Ok(Json(offer_view(&offer, None)))
}

// ---------------------------------------------------------------------------------------------------------
// Pages

/// The need form's fields with their labels, in form order.
const NEED_FIELDS: &[(&str, &str, &str)] = &[
    ("amount", "融资金额", "Amount"),
    ("term", "期限", "Term"),
    ("purpose", "资金用途", "Purpose"),
    ("purpose_text", "用途说明", "Purpose in your words"),
    ("max_rate", "可接受的最高年利率", "Highest acceptable rate"),
    ("deadline", "报价截止日期", "Offers until"),
];

/// The offer form's fields with their labels.
const OFFER_FIELDS: &[(&str, &str, &str)] = &[
    ("product_id", "产品", "Product"),
    ("amount", "金额", "Amount"),
    ("rate", "年利率", "Rate"),
    ("term", "期限", "Term"),
    ("note", "说明", "Note"),
];

fn error_list(errors: &Map<String, Value>, fields: &[(&str, &str, &str)], lang: Lang) -> Vec<Value> {
    let mut list: Vec<(usize, Value)> = errors
        .iter()
        .map(|(field, message)| {
            let at = fields.iter().position(|(n, _, _)| n == field).unwrap_or(usize::MAX);
            let (zh, en) = fields.get(at).map_or(("表单", "Form"), |(_, zh, en)| (*zh, *en));
            (at, json!({"field": field, "label": if lang.is_en() { en } else { zh }, "message": message}))
        })
        .collect();
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, v)| v).collect()
}

/// A date as people write it: `2026-12-31`, `2026/12/31`, `2026年12月31日`.
fn parse_date(text: &str) -> Result<NaiveDate, ValueError> {
    let t = text.trim().replace(['年', '月', '/', '.'], "-").replace('日', "");
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    NaiveDate::parse_from_str(t.trim_end_matches('-'), "%Y-%m-%d").map_err(|_| {
        ValueError::Invalid(format!(
            "日期格式应为 2026-12-31，实际为“{}”",
            text.trim().chars().take(20).collect::<String>()
        ))
    })
}

fn required<T>(
    errors: &mut FieldErrors,
    pairs: &[(String, String)],
    name: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Option<T> {
    let text = field(pairs, name).trim();
    if text.is_empty() {
        errors.push(name, ValueError::Invalid("请填写此项".to_owned()));
        return None;
    }
    errors.check(name, parse(text))
}

/// The need form (amounts in 万元, the rate in percent) as a body, or every bad field.
fn need_from_form(pairs: &[(String, String)]) -> Result<NeedBody, FieldErrors> {
    let mut errors = FieldErrors::default();
    let amount = required(&mut errors, pairs, "amount", parse_wan);
    let term = required(&mut errors, pairs, "term", Months::parse);
    let purpose = required(&mut errors, pairs, "purpose", |v| LoanPurpose::parse(v).map_err(ValueError::from));
    let purpose_text = field(pairs, "purpose_text").trim().to_owned();
    let max_rate = match field(pairs, "max_rate").trim() {
        "" => Some(None),
        v => errors.check("max_rate", Bps::parse_percent(v.trim_end_matches('%'))).map(Some),
    };
    let deadline = required(&mut errors, pairs, "deadline", parse_date);
    match (amount, term, purpose, max_rate, deadline) {
        (Some(amount), Some(term), Some(purpose), Some(max_rate), Some(deadline)) if errors.is_empty() => {
            Ok(NeedBody { amount, term, purpose, purpose_text, max_rate, deadline })
        }
        _ => Err(errors),
    }
}

/// The offer form as a body, or every bad field.
fn offer_from_form(pairs: &[(String, String)]) -> Result<OfferBody, FieldErrors> {
    let mut errors = FieldErrors::default();
    let product_id = required(&mut errors, pairs, "product_id", |v| {
        v.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ValueError::Invalid("请选择产品".to_owned()))
    });
    let amount = required(&mut errors, pairs, "amount", parse_wan);
    let rate = required(&mut errors, pairs, "rate", |v| Bps::parse_percent(v.trim_end_matches('%')));
    let term = required(&mut errors, pairs, "term", Months::parse);
    let note = field(pairs, "note").trim().to_owned();
    match (product_id, amount, rate, term) {
        (Some(product_id), Some(amount), Some(rate), Some(term)) if errors.is_empty() => {
            Ok(OfferBody { product_id, amount, rate, term, note })
        }
        _ => Err(errors),
    }
}

fn form_values(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs.iter().filter(|(k, _)| k != "csrf").map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
}

fn sme_forbidden(state: &AppState, lang: Lang, p: &Principal) -> Result<i64, PageError> {
    enterprise_of(p).map_err(|e| page_error(state, lang, e))
}

#[allow(clippy::too_many_arguments)]
async fn sme_needs_view(
    state: &AppState,
    lang: Lang,
    enterprise_id: i64,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let needs = needs_of(state, enterprise_id).await.map_err(|e| page_error(state, lang, e))?;
    let consents = state.store.consents(enterprise_id).await.map_err(|e| page_error(state, lang, e.into()))?;
    let mut context = Map::new();
    context.insert("page".into(), "sme_needs".into());
    context.insert("needs".into(), json!(needs));
    context.insert("form".into(), Value::Object(values));
    context.insert("error_list".into(), Value::Array(error_list(&errors, NEED_FIELDS, lang)));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("purposes".into(), Value::Array(options::<LoanPurpose>()));
    context.insert("visible_to_all".into(), consents.all.into());
    context.insert("visible_to".into(), consents.institutions.len().into());
    context.insert("today".into(), today().to_string().into());
    show(state, (lang, cookie), "sme_needs.html", context, "/sme/needs", raw, status)
}

async fn sme_needs_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let eid = sme_forbidden(&state, lang, &p)?;
    let deadline = today().checked_add_days(chrono::Days::new(DEFAULT_DEADLINE_DAYS)).unwrap_or(today());
    let values = json!({"amount": "100", "term": "12", "purpose": "working_capital", "deadline": deadline.to_string()});
    let values = values.as_object().cloned().unwrap_or_default();
    sme_needs_view(&state, lang, eid, values, Map::new(), raw.as_deref(), StatusCode::OK, cookie).await
}

async fn sme_needs_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let eid = sme_forbidden(&state, lang, &p)?;
    let pairs = form_pairs(&body);
    let errors = match need_from_form(&pairs) {
        Ok(body) => match submit_need(&state, &p, &caller, body).await {
            Ok(need) => return Ok(see_other(&format!("/sme/needs/{}", need.id))),
            Err(e) if e.status == StatusCode::BAD_REQUEST => error_messages(&e, lang),
            Err(e) => return Err(page_error(&state, lang, e)),
        },
        Err(errors) => messages(&errors, lang),
    };
    sme_needs_view(&state, lang, eid, form_values(&pairs), errors, None, StatusCode::BAD_REQUEST, None).await
}

#[allow(clippy::too_many_arguments)]
async fn sme_need_view(
    state: &AppState,
    lang: Lang,
    enterprise_id: i64,
    id: &str,
    errors: Map<String, Value>,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| page_error(state, lang, e);
    let id = crate::api::parse_id(id).map_err(fail)?;
    let need = own_need(state, enterprise_id, id).await.map_err(fail)?;
    let detail = need_detail(state, &need).await.map_err(fail)?;
    let mut context = Map::new();
    context.insert("page".into(), "sme_needs".into());
    context.insert("need".into(), json!(detail.need));
    context.insert("offers".into(), json!(detail.offers));
    context.insert("errors".into(), Value::Object(errors));
    context.insert("accepted".into(), query_map(raw).get("application").cloned().into());
    let path = format!("/sme/needs/{id}");
    show(state, (lang, cookie), "sme_needs_detail.html", context, &path, raw, status)
}

async fn sme_need_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let eid = sme_forbidden(&state, lang, &p)?;
    sme_need_view(&state, lang, eid, &id, Map::new(), raw.as_deref(), StatusCode::OK, cookie).await
}

async fn sme_need_close(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let eid = sme_forbidden(&state, lang, &p)?;
    let result = async {
        let need_id = crate::api::parse_id(&id)?;
        state.store.close_need(eid, need_id, &event(&p, &caller, "need.close")).await.map_err(market_error)
    }
    .await;
    match result {
        Ok(need) => Ok(see_other(&format!("/sme/needs/{}", need.id))),
        Err(e) if e.status == StatusCode::CONFLICT => {
            sme_need_view(&state, lang, eid, &id, error_messages(&e, lang), None, e.status, None).await
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

async fn sme_offer_accept(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path((id, offer_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let eid = sme_forbidden(&state, lang, &p)?;
    let result = async {
        let (need_id, offer_id) = (crate::api::parse_id(&id)?, crate::api::parse_id(&offer_id)?);
        accept(&state, &p, &caller, need_id, offer_id).await
    }
    .await;
    match result {
        Ok(view) => Ok(see_other(&format!("/sme/needs/{}?application={}", view.need.id, view.application_id))),
        Err(e) if e.status == StatusCode::CONFLICT => {
            sme_need_view(&state, lang, eid, &id, error_messages(&e, lang), None, e.status, None).await
        }
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

/// An offer form that was refused: the need, the values typed and the reasons by field.
type FailedOffer = (i64, Map<String, Value>, Map<String, Value>);

/// The bank's feed page; `failed` is the need whose offer form was refused, with its values and reasons.
#[allow(clippy::too_many_arguments)]
async fn bank_needs_view(
    state: &AppState,
    p: &Principal,
    caller: &Caller,
    lang: Lang,
    failed: Option<FailedOffer>,
    raw: Option<&str>,
    status: StatusCode,
    cookie: Option<axum::http::HeaderValue>,
) -> Result<Response, PageError> {
    let fail = |e: ApiError| page_error(state, lang, e);
    let institution = lender_of(p).map_err(fail)?;
    let items = feed(state, p, caller).await.map_err(fail)?;
    let products: Vec<Value> = listed_products(state, institution)
        .await
        .map_err(fail)?
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.spec.name,
                "rate_min": p.spec.rate.min().percent_text(), "rate_max": p.spec.rate.max().percent_text(),
                "rate_default": p.spec.rate.min().percent_text().trim_end_matches('%'),
            })
        })
        .collect();
    let offers: Vec<OfferView> = state
        .store
        .offers_by_institution(institution, None)
        .await
        .map_err(|e| fail(e.into()))?
        .iter()
        .take(100)
        .map(|o| offer_view(o, None))
        .collect();
    let items: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut v = json!(item);
            let (values, errors) = match &failed {
                Some((id, values, errors)) if *id == item.need.id => (values.clone(), errors.clone()),
                _ => {
                    let product = item.fitting.first().map(|f| f.product_id);
                    let rate = item
                        .fitting
                        .first()
                        .and_then(|f| Bps::new(f.rate_min_bps).ok())
                        .map(|b| b.percent_text().trim_end_matches('%').to_owned())
                        .unwrap_or_default();
                    let amount = Fen::from_fen(item.need.amount_fen).map(wan_text).unwrap_or_default();
                    let values = json!({
                        "product_id": product.map(|id| id.to_string()).unwrap_or_default(),
                        "amount": amount, "rate": rate, "term": item.need.term_months.to_string(), "note": "",
                    });
                    (values.as_object().cloned().unwrap_or_default(), Map::new())
                }
            };
            if let Value::Object(map) = &mut v {
                map.insert("error_list".into(), Value::Array(error_list(&errors, OFFER_FIELDS, lang)));
                map.insert("form".into(), Value::Object(values));
                map.insert("errors".into(), Value::Object(errors));
            }
            v
        })
        .collect();
    let mut context = Map::new();
    context.insert("page".into(), "bank_needs".into());
    context.insert("items".into(), Value::Array(items));
    context.insert("products".into(), Value::Array(products));
    context.insert("offers".into(), json!(offers));
    context.insert("done".into(), query_map(raw).get("done").cloned().into());
    context.insert("failed".into(), failed.as_ref().map(|f| f.0).into());
    show(state, (lang, cookie), "bank_needs.html", context, "/bank/needs", raw, status)
}

async fn bank_needs_page(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    bank_needs_view(&state, &p, &caller, lang, None, raw.as_deref(), StatusCode::OK, cookie).await
}

async fn bank_offer_submit(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    lender_of(&p).map_err(|e| page_error(&state, lang, e))?;
    let need_id = crate::api::parse_id(&id).map_err(|e| page_error(&state, lang, e))?;
    let pairs = form_pairs(&body);
    let errors = match offer_from_form(&pairs) {
        Ok(body) => match submit_offer(&state, &p, &caller, need_id, body).await {
            Ok(_) => return Ok(see_other(&format!("/bank/needs?done=offered#need-{need_id}"))),
            Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => {
                error_messages(&e, lang)
            }
            Err(e) => return Err(page_error(&state, lang, e)),
        },
        Err(errors) => messages(&errors, lang),
    };
    let status = StatusCode::BAD_REQUEST;
    bank_needs_view(&state, &p, &caller, lang, Some((need_id, form_values(&pairs), errors)), None, status, None).await
}

async fn bank_offer_withdraw(
    State(state): State<AppState>,
    Auth(p): Auth,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (lang, _) = negotiate(None, &headers);
    let result = async {
        let institution = lender_of(&p)?;
        let id = crate::api::parse_id(&id)?;
        state.store.withdraw_offer(institution, id, &event(&p, &caller, "offer.withdraw")).await.map_err(market_error)
    }
    .await;
    match result {
        Ok(offer) => Ok(see_other(&format!("/bank/needs?done=withdrawn#need-{}", offer.need_id))),
        Err(e) => Err(page_error(&state, lang, e)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
    }

    #[test]
    fn the_need_form_reads_wan_percent_and_dates() {
        let body = need_from_form(&pairs(
            "amount=300&term=3年&purpose=equipment&purpose_text=买设备&max_rate=5.5&deadline=2026/12/31",
        ))
        .unwrap();
        assert_eq!((body.amount, body.term.get(), body.purpose), (Fen::wan(300), 36, LoanPurpose::Equipment));
        assert_eq!(body.max_rate, Some(Bps::new(550).unwrap()));
        assert_eq!(body.deadline, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        let body =
            need_from_form(&pairs("amount=50&term=12&purpose=working_capital&max_rate=&deadline=2026-12-01")).unwrap();
        assert_eq!(body.max_rate, None);
        let Err(errors) = need_from_form(&pairs("amount=abc&term=&purpose=fun&deadline=soon")) else { panic!() };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "term", "purpose", "deadline"]);
        assert!(errors.0.iter().all(|e| e.error.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }

    #[test]
    fn the_offer_form_names_bad_fields() {
        let body = offer_from_form(&pairs("product_id=3&amount=150&rate=4.2&term=12&note=快")).unwrap();
        assert_eq!((body.product_id, body.amount, body.rate.bps(), body.term.get()), (3, Fen::wan(150), 420, 12));
        let Err(errors) = offer_from_form(&pairs("product_id=&amount=-1&rate=x&term=0")) else { panic!() };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["product_id", "amount", "rate", "term"]);
    }

    #[test]
    fn scores_as_points() {
        assert_eq!(points(74_712), "74.7");
        assert_eq!(points(0), "0.0");
    }
}
