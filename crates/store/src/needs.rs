//! Posted financing needs (需求发布) and the institutions' offers on them (抢单).
//!
//! An SME posts a need; institutions it consented to (every institution, or by name) see it in their feed
//! while it is open and before its deadline, and may each make one open offer with one of their published
//! products. The SME accepts one offer, which submits an application through
//! [`Store::submit_application`] (idempotency key `offer-{id}`, so accepting twice applies once); the need
//! becomes accepted, the offer accepted with the application's id, and the other open offers declined, with
//! a notification to each institution. Revoking consent hides the need from that institution at once: every
//! read for an institution checks consent in the database.

use crate::applications::{Application, NewApplication};
use crate::audit::{self, AuditEvent};
use crate::consent::{consenting_among, consents_to};
use crate::entity::{enterprise, financing_need, institution, offer, product};
use crate::notifications::{Notice, Party, notify};
use crate::{NeedError, Record, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{
    ApplicationAction, Bps, Fen, FieldErrors, Grant, Labelled, LifecycleState, Limits, LoanPurpose, LoanRate,
    MAX_NOTE_CHARS, MAX_TEXT_CHARS, Months, NeedState, OfferState, OfferTerms, Product, Side, ValueError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::HashMap;

/// What an SME posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNeed {
    pub enterprise_id: i64,
    /// The SME user posting it.
    pub account_id: i64,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    /// The highest annual rate the firm would take.
    pub max_rate: Option<Bps>,
    /// Offers are taken until the end of this day (Asia/Shanghai).
    pub deadline: NaiveDate,
}

/// A stored need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedRecord {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub account_id: i64,
    pub amount: Fen,
    pub term: Months,
    pub purpose: LoanPurpose,
    pub purpose_text: String,
    pub max_rate: Option<Bps>,
    pub deadline: NaiveDate,
    pub state: NeedState,
    pub accepted_offer_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl NeedRecord {
    /// Open and not past its deadline: institutions may still offer.
    #[must_use]
    pub fn takes_offers(&self, today: NaiveDate) -> bool {
        self.state == NeedState::Open && self.deadline >= today
    }
}

/// What an institution offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    pub need_id: i64,
    pub institution_id: i64,
    /// One of the institution's published products.
    pub product_id: i64,
    /// The institution user (or the account behind an API token) making it.
    pub account_id: i64,
    pub terms: OfferTerms,
    pub note: String,
}

/// A stored offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferRecord {
    pub id: i64,
    pub need_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub account_id: i64,
    pub amount: Fen,
    pub rate: Bps,
    pub term: Months,
    pub note: String,
    pub state: OfferState,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The application accepting it made.
    pub application_id: Option<i64>,
}

fn corrupt(table: &'static str, id: i64, field: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::Corrupt { table, id, field, reason }
}

fn need_from_row(row: financing_need::Model, names: &HashMap<i64, String>) -> Result<NeedRecord, StoreError> {
    let id = row.id;
    let bad = |field| corrupt("financing_need", id, field);
    let term = u16::try_from(row.term_months)
        .map_err(|e| e.to_string())
        .and_then(|m| Months::new(m).map_err(|e| e.to_string()))
        .map_err(bad("term_months"))?;
    let max_rate = row
        .max_rate_bps
        .map(|b| u32::try_from(b).map_err(|e| e.to_string()).and_then(|b| Bps::new(b).map_err(|e| e.to_string())))
        .transpose()
        .map_err(bad("max_rate_bps"))?;
    Ok(NeedRecord {
        id,
        enterprise_id: row.enterprise_id,
        enterprise_name: names.get(&row.enterprise_id).cloned().unwrap_or_default(),
        account_id: row.account_id,
        amount: Fen::from_fen(row.amount_fen).map_err(|e| bad("amount_fen")(e.to_string()))?,
        term,
        purpose: LoanPurpose::parse(&row.purpose).map_err(|e| bad("purpose")(e.to_string()))?,
        purpose_text: row.purpose_text,
        max_rate,
        deadline: row.deadline,
        state: NeedState::parse(&row.state).map_err(|e| bad("state")(e.to_string()))?,
        accepted_offer_id: row.accepted_offer_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn needs_from_rows(
    db: &impl ConnectionTrait,
    rows: Vec<financing_need::Model>,
) -> Result<Vec<NeedRecord>, StoreError> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.enterprise_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::Name)
        .filter(enterprise::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    rows.into_iter().map(|r| need_from_row(r, &names)).collect()
}

async fn offers_from_rows(db: &impl ConnectionTrait, rows: Vec<offer::Model>) -> Result<Vec<OfferRecord>, StoreError> {
    let institutions: HashMap<i64, String> = institution::Entity::find()
        .select_only()
        .column(institution::Column::Id)
        .column(institution::Column::Name)
        .filter(institution::Column::Id.is_in(rows.iter().map(|r| r.institution_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let products: HashMap<i64, String> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Name)
        .filter(product::Column::Id.is_in(rows.iter().map(|r| r.product_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|r| {
            let id = r.id;
            let bad = |field| corrupt("offer", id, field);
            Ok(OfferRecord {
                id,
                need_id: r.need_id,
                institution_name: institutions.get(&r.institution_id).cloned().unwrap_or_default(),
                institution_id: r.institution_id,
                product_name: products.get(&r.product_id).cloned().unwrap_or_default(),
                product_id: r.product_id,
                account_id: r.account_id,
                amount: Fen::from_fen(r.amount_fen).map_err(|e| bad("amount_fen")(e.to_string()))?,
                rate: u32::try_from(r.rate_bps)
                    .map_err(|e| e.to_string())
                    .and_then(|b| Bps::new(b).map_err(|e| e.to_string()))
                    .map_err(bad("rate_bps"))?,
                term: u16::try_from(r.term_months)
                    .map_err(|e| e.to_string())
                    .and_then(|m| Months::new(m).map_err(|e| e.to_string()))
                    .map_err(bad("term_months"))?,
                note: r.note,
                state: OfferState::parse(&r.state).map_err(|e| bad("state")(e.to_string()))?,
                created_at: r.created_at,
                decided_at: r.decided_at,
                application_id: r.application_id,
            })
        })
        .collect()
}

fn need_not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: Record::Need, key: id.to_string() }
}

fn offer_not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: Record::Offer, key: id.to_string() }
}

/// A need row's state, which a refusal names.
fn need_state(row: &financing_need::Model) -> Result<NeedState, StoreError> {
    NeedState::parse(&row.state).map_err(|e| corrupt("financing_need", row.id, "state")(e.to_string()))
}

/// An offer row's state, which a refusal names.
fn offer_state(row: &offer::Model) -> Result<OfferState, StoreError> {
    OfferState::parse(&row.state).map_err(|e| corrupt("offer", row.id, "state")(e.to_string()))
}

fn check_need(new: &NewNeed, today: NaiveDate) -> Result<(), StoreError> {
    let mut errors = FieldErrors::default();
    if new.amount.fen() <= 0 {
        errors.push("amount", ValueError::TooSmall { min: "0.01 元".to_owned() });
    }
    let chars = new.purpose_text.trim().chars().count();
    if chars > MAX_TEXT_CHARS {
        errors.push("purpose_text", ValueError::Invalid(format!("最多 {MAX_TEXT_CHARS} 个字，实际为 {chars} 个")));
    }
    if new.max_rate.is_some_and(|r| r.bps() == 0) {
        errors.push("max_rate", ValueError::Invalid("须大于 0%".to_owned()));
    }
    if new.deadline < today {
        errors.push("deadline", ValueError::Invalid(format!("截止日期不能早于今天（{today}）")));
    }
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

fn check_offer(new: &NewOffer) -> Result<(), StoreError> {
    let mut errors = FieldErrors::default();
    if new.terms.amount.fen() <= 0 {
        errors.push("amount", ValueError::TooSmall { min: "0.01 元".to_owned() });
    }
    if new.terms.rate.bps() == 0 {
        errors.push("rate", ValueError::Invalid("须大于 0%".to_owned()));
    }
    let chars = new.note.trim().chars().count();
    if chars > MAX_NOTE_CHARS {
        errors.push("note", ValueError::TooLarge { max: format!("{MAX_NOTE_CHARS} 个字符") });
    }
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

/// Every way an offer of `terms` on a need asking `asked` (amount, term) leaves `product`'s limits or the
/// need's request: the same checks as an approval's ([`Limits::check`]).
fn check_offer_terms(product: &Product, terms: &OfferTerms, asked: (Fen, Months)) -> Result<(), StoreError> {
    let limits = Limits::of(&product.spec, &product.references, asked);
    let mut errors = FieldErrors::default();
    limits.check(Grant::Offer, terms.amount, &LoanRate::Fixed { rate: terms.rate }, terms.term, None, &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

/// The amount and term a stored need asks for.
fn asked_by(need: &financing_need::Model) -> Result<(Fen, Months), StoreError> {
    let bad = |field: &'static str| {
        move |reason: String| StoreError::Corrupt { table: "financing_need", id: need.id, field, reason }
    };
    let amount = Fen::from_fen(need.amount_fen).map_err(|e| bad("amount_fen")(e.to_string()))?;
    let term = u16::try_from(need.term_months)
        .map_err(|e| bad("term_months")(e.to_string()))
        .and_then(|m| Months::new(m).map_err(|e| bad("term_months")(e.to_string())))?;
    Ok((amount, term))
}

/// A notification to an institution's users, written in the caller's transaction.
async fn notify_institution(db: &impl ConnectionTrait, institution_id: i64, notice: &Notice) -> Result<(), StoreError> {
    notify(db, Party::Institution(institution_id), notice, Utc::now()).await
}

impl Store {
    /// Posts a need for the enterprise (state open). `today` is the day in Asia/Shanghai; the deadline may
    /// not be before it.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming each bad field (`amount`, `purpose_text`, `max_rate`, `deadline`);
    /// [`StoreError::NotFound`] for an unknown enterprise; database failure.
    pub async fn post_need(
        &self,
        new: &NewNeed,
        today: NaiveDate,
        event: &AuditEvent<'_>,
    ) -> Result<NeedRecord, StoreError> {
        check_need(new, today)?;
        let txn = self.write_txn().await?;
        if enterprise::Entity::find_by_id(new.enterprise_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound { what: Record::Enterprise, key: new.enterprise_id.to_string() });
        }
        let now = Utc::now();
        let row = financing_need::ActiveModel {
            enterprise_id: Set(new.enterprise_id),
            account_id: Set(new.account_id),
            amount_fen: Set(new.amount.fen()),
            term_months: Set(i32::from(new.term.get())),
            purpose: Set(new.purpose.as_str().to_owned()),
            purpose_text: Set(new.purpose_text.trim().to_owned()),
            max_rate_bps: Set(new.max_rate.map(|r| i32::try_from(r.bps()).unwrap_or(i32::MAX))),
            deadline: Set(new.deadline),
            state: Set(NeedState::Open.as_str().to_owned()),
            accepted_offer_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut event = event.clone().enterprise(new.enterprise_id).subject("need", row.id);
        event.action = "need.post";
        event.detail = serde_json::json!({
            "amount_fen": new.amount.fen(), "term_months": new.term.get(), "purpose": new.purpose.as_str(),
            "max_rate_bps": new.max_rate.map(Bps::bps), "deadline": new.deadline.to_string(),
        });
        audit::append(&txn, &event).await?;
        let need = needs_from_rows(&txn, vec![row]).await?.pop().ok_or_else(|| need_not_found(0))?;
        txn.commit().await?;
        Ok(need)
    }

    /// One need, whoever's.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn need(&self, id: i64) -> Result<Option<NeedRecord>, StoreError> {
        let Some(row) = financing_need::Entity::find_by_id(id).one(&self.db).await? else { return Ok(None) };
        Ok(needs_from_rows(&self.db, vec![row]).await?.pop())
    }

    /// The enterprise's needs, newest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn needs_of_enterprise(&self, enterprise_id: i64) -> Result<Vec<NeedRecord>, StoreError> {
        let rows = financing_need::Entity::find()
            .filter(financing_need::Column::EnterpriseId.eq(enterprise_id))
            .order_by_desc(financing_need::Column::Id)
            .limit(500)
            .all(&self.db)
            .await?;
        needs_from_rows(&self.db, rows).await
    }

    /// The offers on a need, oldest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn offers_on(&self, need_id: i64) -> Result<Vec<OfferRecord>, StoreError> {
        let rows = offer::Entity::find()
            .filter(offer::Column::NeedId.eq(need_id))
            .order_by_asc(offer::Column::Id)
            .all(&self.db)
            .await?;
        offers_from_rows(&self.db, rows).await
    }

    /// How many offers each of `need_ids` has in each state.
    ///
    /// # Errors
    /// Database failure.
    pub async fn offer_counts(&self, need_ids: &[i64]) -> Result<HashMap<i64, HashMap<String, usize>>, StoreError> {
        let rows: Vec<(i64, String)> = offer::Entity::find()
            .select_only()
            .column(offer::Column::NeedId)
            .column(offer::Column::State)
            .filter(offer::Column::NeedId.is_in(need_ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<i64, HashMap<String, usize>> = HashMap::new();
        for (need, state) in rows {
            *out.entry(need).or_default().entry(state).or_default() += 1;
        }
        Ok(out)
    }

    /// One offer, whoever's.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn offer(&self, id: i64) -> Result<Option<OfferRecord>, StoreError> {
        let Some(row) = offer::Entity::find_by_id(id).one(&self.db).await? else { return Ok(None) };
        Ok(offers_from_rows(&self.db, vec![row]).await?.pop())
    }

    /// The institution's offers, newest first (on `need_ids` only, when given).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn offers_by_institution(
        &self,
        institution_id: i64,
        need_ids: Option<&[i64]>,
    ) -> Result<Vec<OfferRecord>, StoreError> {
        let mut select = offer::Entity::find().filter(offer::Column::InstitutionId.eq(institution_id));
        if let Some(ids) = need_ids {
            select = select.filter(offer::Column::NeedId.is_in(ids.iter().copied()));
        }
        let rows = select.order_by_desc(offer::Column::Id).limit(1000).all(&self.db).await?;
        offers_from_rows(&self.db, rows).await
    }

    /// The SME closes its open need: no more offers; open offers are declined.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the need is not the enterprise's; [`NeedError::NotClosable`] when it is
    /// not open; database failure.
    pub async fn close_need(
        &self,
        enterprise_id: i64,
        need_id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<NeedRecord, StoreError> {
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let changed = financing_need::Entity::update_many()
            .col_expr(financing_need::Column::State, Expr::value(NeedState::Closed.as_str()))
            .col_expr(financing_need::Column::UpdatedAt, Expr::value(now))
            .filter(financing_need::Column::Id.eq(need_id))
            .filter(financing_need::Column::EnterpriseId.eq(enterprise_id))
            .filter(financing_need::Column::State.eq(NeedState::Open.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        let row = financing_need::Entity::find_by_id(need_id)
            .filter(financing_need::Column::EnterpriseId.eq(enterprise_id))
            .one(&txn)
            .await?
            .ok_or_else(|| need_not_found(need_id))?;
        if changed == 0 {
            return Err(NeedError::NotClosable(need_state(&row)?).into());
        }
        let declined = decline_open_offers(&txn, need_id, None, now).await?;
        for (offer_id, institution_id) in &declined {
            let declined = Notice::OfferDeclined { need_id, offer_id: *offer_id, need_closed: true };
            notify_institution(&txn, *institution_id, &declined).await?;
        }
        let mut event = event.clone().enterprise(enterprise_id).subject("need", need_id);
        event.action = "need.close";
        event.detail = serde_json::json!({ "declined_offers": declined.iter().map(|d| d.0).collect::<Vec<_>>() });
        audit::append(&txn, &event).await?;
        let need = needs_from_rows(&txn, vec![row]).await?.pop().ok_or_else(|| need_not_found(need_id))?;
        txn.commit().await?;
        Ok(need)
    }

    /// The needs `institution_id` may see and offer on: open, not past their deadline (`today`), from
    /// enterprises that consent to it now. Newest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn need_feed(&self, institution_id: i64, today: NaiveDate) -> Result<Vec<NeedRecord>, StoreError> {
        let rows = financing_need::Entity::find()
            .filter(financing_need::Column::State.eq(NeedState::Open.as_str()))
            .filter(financing_need::Column::Deadline.gte(today))
            .order_by_desc(financing_need::Column::Id)
            .limit(2_000)
            .all(&self.db)
            .await?;
        let mut firms: Vec<i64> = rows.iter().map(|r| r.enterprise_id).collect();
        firms.sort_unstable();
        firms.dedup();
        let allowed = consenting_among(&self.db, institution_id, &firms).await?;
        let rows = rows.into_iter().filter(|r| allowed.contains(&r.enterprise_id)).collect();
        needs_from_rows(&self.db, rows).await
    }

    /// One need as `institution_id` may see it: only with the enterprise's consent now (any state, so an
    /// institution can follow a need it offered on).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn need_for_institution(
        &self,
        institution_id: i64,
        need_id: i64,
    ) -> Result<Option<NeedRecord>, StoreError> {
        let Some(need) = self.need(need_id).await? else { return Ok(None) };
        if consents_to(&self.db, need.enterprise_id, institution_id).await? { Ok(Some(need)) } else { Ok(None) }
    }

    /// The institution's products in the published state (whether listed today is the caller's check).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn published_products_of(&self, institution_id: i64) -> Result<Vec<Product>, StoreError> {
        let ids: Vec<i64> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .filter(product::Column::InstitutionId.eq(institution_id))
            .filter(product::Column::State.eq(LifecycleState::Published.as_str()))
            .order_by_asc(product::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        self.products(&ids).await
    }

    /// An institution offers on a need it may see (one open offer per institution and need), with one of
    /// its products listed `today`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for a need it may not see (no consent, unknown); [`NeedError`] for a product
    /// that is not its own ([`NeedError::NotOwnProduct`]) or not listed, a need that no longer takes offers,
    /// or when it already has an open offer there; [`StoreError::Invalid`] for bad terms; database failure.
    pub async fn make_offer(
        &self,
        new: &NewOffer,
        today: NaiveDate,
        event: &AuditEvent<'_>,
    ) -> Result<OfferRecord, StoreError> {
        // A need the institution may not see is "not found" before anything else is said about the offer.
        let need = financing_need::Entity::find_by_id(new.need_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| need_not_found(new.need_id))?;
        if !consents_to(&self.db, need.enterprise_id, new.institution_id).await? {
            return Err(need_not_found(new.need_id));
        }
        check_offer(new)?;
        let product = self
            .product(new.product_id)
            .await?
            .filter(|p| p.institution.id == new.institution_id)
            .ok_or(NeedError::NotOwnProduct)?;
        if !product.is_listed_on(today) {
            return Err(NeedError::ProductNotListed.into());
        }
        check_offer_terms(&product, &new.terms, asked_by(&need)?)?;
        let txn = self.write_txn().await?;
        // Re-read inside the transaction: the firm may have closed the need or withdrawn consent meanwhile.
        let need = financing_need::Entity::find_by_id(new.need_id)
            .one(&txn)
            .await?
            .ok_or_else(|| need_not_found(new.need_id))?;
        if !consents_to(&txn, need.enterprise_id, new.institution_id).await? {
            return Err(need_not_found(new.need_id));
        }
        if need.state != NeedState::Open.as_str() || need.deadline < today {
            return Err(NeedError::TakesNoOffers.into());
        }
        let open = offer::Entity::find()
            .filter(offer::Column::NeedId.eq(new.need_id))
            .filter(offer::Column::InstitutionId.eq(new.institution_id))
            .filter(offer::Column::State.eq(OfferState::Open.as_str()))
            .one(&txn)
            .await?;
        if open.is_some() {
            return Err(NeedError::AlreadyOffered.into());
        }
        let row = offer::ActiveModel {
            need_id: Set(new.need_id),
            institution_id: Set(new.institution_id),
            product_id: Set(new.product_id),
            account_id: Set(new.account_id),
            amount_fen: Set(new.terms.amount.fen()),
            rate_bps: Set(i32::try_from(new.terms.rate.bps()).unwrap_or(i32::MAX)),
            term_months: Set(i32::from(new.terms.term.get())),
            note: Set(new.note.trim().to_owned()),
            state: Set(OfferState::Open.as_str().to_owned()),
            created_at: Set(Utc::now()),
            decided_at: Set(None),
            application_id: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut event =
            event.clone().enterprise(need.enterprise_id).institution(new.institution_id).subject("offer", row.id);
        event.action = "offer.create";
        event.detail = serde_json::json!({
            "need_id": new.need_id, "product_id": new.product_id, "amount_fen": new.terms.amount.fen(),
            "rate_bps": new.terms.rate.bps(), "term_months": new.terms.term.get(),
        });
        audit::append(&txn, &event).await?;
        let offer = offers_from_rows(&txn, vec![row]).await?.pop().ok_or_else(|| offer_not_found(0))?;
        txn.commit().await?;
        Ok(offer)
    }

    /// The institution withdraws its open offer.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the offer is not the institution's; [`NeedError::OfferNotWithdrawable`]
    /// when it is no longer open; database failure.
    pub async fn withdraw_offer(
        &self,
        institution_id: i64,
        offer_id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<OfferRecord, StoreError> {
        let txn = self.write_txn().await?;
        let row = offer::Entity::find_by_id(offer_id)
            .filter(offer::Column::InstitutionId.eq(institution_id))
            .one(&txn)
            .await?
            .ok_or_else(|| offer_not_found(offer_id))?;
        let changed = offer::Entity::update_many()
            .col_expr(offer::Column::State, Expr::value(OfferState::Withdrawn.as_str()))
            .col_expr(offer::Column::DecidedAt, Expr::value(Utc::now()))
            .filter(offer::Column::Id.eq(offer_id))
            .filter(offer::Column::State.eq(OfferState::Open.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            return Err(NeedError::OfferNotWithdrawable(offer_state(&row)?).into());
        }
        let need = financing_need::Entity::find_by_id(row.need_id).one(&txn).await?;
        let mut event = event.clone().institution(institution_id).subject("offer", offer_id);
        if let Some(need) = &need {
            event = event.enterprise(need.enterprise_id);
        }
        event.action = "offer.withdraw";
        event.detail = serde_json::json!({ "need_id": row.need_id });
        audit::append(&txn, &event).await?;
        let row = offer::Entity::find_by_id(offer_id).one(&txn).await?.ok_or_else(|| offer_not_found(offer_id))?;
        let offer = offers_from_rows(&txn, vec![row]).await?.pop().ok_or_else(|| offer_not_found(offer_id))?;
        txn.commit().await?;
        Ok(offer)
    }

    /// The SME accepts an open offer on its open need: an application is submitted with the offer's terms
    /// (idempotency key `offer-{id}`), the need and offer become accepted and the other open offers declined.
    /// Accepting the same offer again returns the same application with `false`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the need is not the enterprise's or the offer not on it; [`NeedError`]
    /// when the need or offer moved on (another offer accepted, need closed, offer withdrawn);
    /// [`StoreError::NotListed`] when the product is no longer listed; database failure.
    pub async fn accept_offer(
        &self,
        enterprise_id: i64,
        need_id: i64,
        offer_id: i64,
        account_id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<(Application, bool), StoreError> {
        let need = financing_need::Entity::find_by_id(need_id)
            .filter(financing_need::Column::EnterpriseId.eq(enterprise_id))
            .one(&self.db)
            .await?
            .ok_or_else(|| need_not_found(need_id))?;
        let chosen = offer::Entity::find_by_id(offer_id)
            .filter(offer::Column::NeedId.eq(need_id))
            .one(&self.db)
            .await?
            .ok_or_else(|| offer_not_found(offer_id))?;
        if need.state == NeedState::Accepted.as_str() && need.accepted_offer_id == Some(offer_id) {
            // Accepted before (a double click, a retry, another user of the same firm): the same application.
            if let Some(app) = chosen.application_id
                && let Some(app) = self.application(app).await?
            {
                return Ok((app, false));
            }
        } else if need.state != NeedState::Open.as_str() {
            return Err(NeedError::NoLongerAccepting(need_state(&need)?).into());
        } else if chosen.state != OfferState::Open.as_str() {
            return Err(NeedError::OfferNotAcceptable(offer_state(&chosen)?).into());
        }
        let terms =
            offers_from_rows(&self.db, vec![chosen.clone()]).await?.pop().ok_or_else(|| offer_not_found(offer_id))?;
        // The product may have changed since the offer was made: an offer outside it now is not taken.
        if let Some(product) = self.product(chosen.product_id).await? {
            let offered = OfferTerms { amount: terms.amount, rate: terms.rate, term: terms.term };
            check_offer_terms(&product, &offered, asked_by(&need)?)?;
        }
        let purpose = LoanPurpose::parse(&need.purpose).map_err(|e| StoreError::Corrupt {
            table: "financing_need",
            id: need_id,
            field: "purpose",
            reason: e.to_string(),
        })?;
        let mut submit_event = event.clone();
        submit_event.detail = serde_json::json!({ "need_id": need_id, "offer_id": offer_id });
        // The product's eligibility is not asked again: the institution offered these terms to this firm
        // having seen its need and profile, so the offer is its decision to lend (as its terms are its own).
        // The firm's one open application per product still holds.
        let (app, created) = self
            .submit_application(
                &NewApplication {
                    enterprise_id,
                    product_id: chosen.product_id,
                    applicant_account_id: account_id,
                    idempotency_key: format!("offer-{offer_id}"),
                    amount: terms.amount,
                    term: terms.term,
                    purpose,
                    purpose_text: need.purpose_text.clone(),
                    offer_id: Some(offer_id),
                },
                &submit_event,
            )
            .await?;

        let txn = self.write_txn().await?;
        let now = Utc::now();
        let claimed = financing_need::Entity::update_many()
            .col_expr(financing_need::Column::State, Expr::value(NeedState::Accepted.as_str()))
            .col_expr(financing_need::Column::AcceptedOfferId, Expr::value(offer_id))
            .col_expr(financing_need::Column::UpdatedAt, Expr::value(now))
            .filter(financing_need::Column::Id.eq(need_id))
            .filter(financing_need::Column::State.eq(NeedState::Open.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 0 {
            let current =
                financing_need::Entity::find_by_id(need_id).one(&txn).await?.ok_or_else(|| need_not_found(need_id))?;
            txn.rollback().await?;
            if current.accepted_offer_id == Some(offer_id) {
                return Ok((app, false));
            }
            return Err(self.undo(app.id, created, enterprise_id, event, NeedError::TakenMeanwhile).await);
        }
        let taken = offer::Entity::update_many()
            .col_expr(offer::Column::State, Expr::value(OfferState::Accepted.as_str()))
            .col_expr(offer::Column::DecidedAt, Expr::value(now))
            .col_expr(offer::Column::ApplicationId, Expr::value(app.id))
            .filter(offer::Column::Id.eq(offer_id))
            .filter(offer::Column::State.eq(OfferState::Open.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if taken == 0 {
            txn.rollback().await?;
            return Err(self.undo(app.id, created, enterprise_id, event, NeedError::WithdrawnMeanwhile).await);
        }
        let declined = decline_open_offers(&txn, need_id, Some(offer_id), now).await?;
        for (declined_offer, institution_id) in &declined {
            let declined = Notice::OfferDeclined { need_id, offer_id: *declined_offer, need_closed: false };
            notify_institution(&txn, *institution_id, &declined).await?;
        }
        let accepted = Notice::OfferAccepted { need_id, offer_id, application_id: app.id };
        notify_institution(&txn, chosen.institution_id, &accepted).await?;
        let mut event =
            event.clone().enterprise(enterprise_id).institution(chosen.institution_id).subject("offer", offer_id);
        event.action = "offer.accept";
        event.detail = serde_json::json!({
            "need_id": need_id, "application_id": app.id,
            "declined_offers": declined.iter().map(|d| d.0).collect::<Vec<_>>(),
        });
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok((app, created))
    }

    /// An accept that lost a race after its application was submitted: the application it created is
    /// withdrawn again, and the conflict is reported.
    async fn undo(
        &self,
        application_id: i64,
        created: bool,
        enterprise_id: i64,
        event: &AuditEvent<'_>,
        reason: NeedError,
    ) -> StoreError {
        if created {
            let withdraw = ApplicationAction::Withdraw;
            if let Err(e) =
                self.transition_application(application_id, &withdraw, Side::Enterprise, enterprise_id, event).await
            {
                tracing::warn!(error = %e, application_id, "the application of an offer that could not be accepted stays");
            }
        }
        reason.into()
    }
}

/// Declines every open offer on `need_id` except `keep`; returns the (offer, institution) pairs declined.
async fn decline_open_offers(
    txn: &impl ConnectionTrait,
    need_id: i64,
    keep: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut select = offer::Entity::find()
        .filter(offer::Column::NeedId.eq(need_id))
        .filter(offer::Column::State.eq(OfferState::Open.as_str()));
    if let Some(keep) = keep {
        select = select.filter(offer::Column::Id.ne(keep));
    }
    let open: Vec<(i64, i64)> = select
        .select_only()
        .column(offer::Column::Id)
        .column(offer::Column::InstitutionId)
        .into_tuple()
        .all(txn)
        .await?;
    if !open.is_empty() {
        offer::Entity::update_many()
            .col_expr(offer::Column::State, Expr::value(OfferState::Declined.as_str()))
            .col_expr(offer::Column::DecidedAt, Expr::value(now))
            .filter(offer::Column::Id.is_in(open.iter().map(|o| o.0)))
            .filter(offer::Column::State.eq(OfferState::Open.as_str()))
            .exec(txn)
            .await?;
    }
    Ok(open)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! Consent, profile views, needs and offers, each on SQLite and on PostgreSQL.

    use super::*;
    use crate::testing::{self, TestDb};
    use crate::{AuditEvent, AuditQuery, StoredEnterprise};
    use finmart_domain::{InstitutionKind, NewInstitution, Principal, ProductRecord, Role};

    async fn each(test: impl AsyncFn(TestDb)) {
        for db in testing::all().await {
            test(db).await;
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn sme(enterprise_id: i64) -> Principal {
        Principal {
            account_id: 100 + enterprise_id,
            role: Role::Sme,
            display_name: "企业用户".into(),
            enterprise_id: Some(enterprise_id),
            institution_id: None,
            provider_id: None,
        }
    }

    fn banker(institution_id: i64) -> Principal {
        Principal {
            account_id: 200 + institution_id,
            role: Role::Institution,
            display_name: "银行用户".into(),
            enterprise_id: None,
            institution_id: Some(institution_id),
            provider_id: None,
        }
    }

    struct World {
        a: i64,
        b: i64,
        agency: i64,
        firm: StoredEnterprise,
        other: StoredEnterprise,
        product_a: i64,
        product_b: i64,
    }

    async fn institution(store: &Store, code: &str, kind: InstitutionKind) -> i64 {
        let new = NewInstitution { code: code.into(), name: format!("{code} 名称"), kind, intro: String::new() };
        store.create_institution(&new).await.unwrap().id
    }

    async fn product(store: &Store, institution_code: &str, institution_id: i64) -> i64 {
        let pairs = vec![
            ("institution_code", institution_code),
            ("code", "P-1"),
            ("name", "测试信用贷"),
            ("family", "credit"),
            ("description", "流动资金贷款"),
            ("amount_min_yuan", "100000"),
            ("amount_max_yuan", "5000000"),
            ("term_min_months", "3"),
            ("term_max_months", "36"),
            ("rate_min_pct", "3.5"),
            ("rate_max_pct", "6"),
            ("rate_basis", "fixed"),
            ("repayment_methods", "equal_instalment"),
            ("decision_days", "5"),
            ("online", "true"),
            ("districts", "binhai"),
            ("valid_from", "2020-01-01"),
        ];
        let spec = ProductRecord::from_pairs(pairs).validate().expect("valid test row").spec;
        store.save_product(institution_id, LifecycleState::Published, &spec).await.unwrap().product_id()
    }

    async fn world(store: &Store) -> World {
        let a = institution(store, "bank-a", InstitutionKind::Bank).await;
        let b = institution(store, "bank-b", InstitutionKind::Bank).await;
        let agency = institution(store, "agency", InstitutionKind::GuaranteeAgency).await;
        let mut firms = finmart_synth::profiles(7, 2, today()).map(|p| p.profile);
        let firm = store.save_enterprise(&firms.next().unwrap(), false).await.unwrap();
        let other = store.save_enterprise(&firms.next().unwrap(), false).await.unwrap();
        let product_a = product(store, "bank-a", a).await;
        let product_b = product(store, "bank-b", b).await;
        World { a, b, agency, firm, other, product_a, product_b }
    }

    fn event<'a>(p: &Principal, action: &'a str) -> AuditEvent<'a> {
        AuditEvent::by(p, Some("127.0.0.1"), action)
    }

    #[tokio::test]
    async fn consent_is_granted_revoked_kept_and_mirrored_in_discoverable() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let id = w.firm.id;
            let p = sme(id);
            let revision = store.enterprise_revision().await.unwrap();
            assert!(!store.may_view_profile(id, w.a).await.unwrap());

            // Consent for one institution.
            assert!(store.grant_consent(id, Some(w.b), &event(&p, "consent.grant")).await.unwrap());
            assert!(!store.grant_consent(id, Some(w.b), &event(&p, "consent.grant")).await.unwrap(), "twice is once");
            assert!(store.may_view_profile(id, w.b).await.unwrap());
            assert!(!store.may_view_profile(id, w.a).await.unwrap());
            assert_eq!(store.consenting_enterprises(w.b).await.unwrap(), vec![id]);
            assert!(store.consenting_enterprises(w.a).await.unwrap().is_empty());
            assert!(!store.enterprise(id).await.unwrap().unwrap().discoverable);
            let got = store.consenting_among(w.b, &[id, w.other.id]).await.unwrap();
            assert_eq!(got.into_iter().collect::<Vec<_>>(), vec![id], "{}", db.backend);

            // Consent for all: discoverable, and the revision moves so the pool re-reads the firm.
            assert!(store.grant_consent(id, None, &event(&p, "consent.grant")).await.unwrap());
            let stored = store.enterprise(id).await.unwrap().unwrap();
            assert!(stored.discoverable && stored.revision > revision);
            assert!(store.may_view_profile(id, w.a).await.unwrap());
            let consents = store.consents(id).await.unwrap();
            assert!(consents.all);
            assert_eq!(consents.institutions.iter().map(|c| c.institution_id).collect::<Vec<_>>(), vec![Some(w.b)]);
            assert_eq!(consents.institutions[0].institution_name.as_deref(), Some("bank-b 名称"));
            assert_eq!(consents.history.len(), 2);

            // Revoking all takes effect at once; the one for B stays.
            assert!(store.revoke_consent(id, None, &event(&p, "consent.revoke")).await.unwrap());
            assert!(!store.revoke_consent(id, None, &event(&p, "consent.revoke")).await.unwrap());
            assert!(!store.enterprise(id).await.unwrap().unwrap().discoverable);
            assert!(!store.may_view_profile(id, w.a).await.unwrap());
            assert!(store.may_view_profile(id, w.b).await.unwrap());
            assert!(store.revoke_consent(id, Some(w.b), &event(&p, "consent.revoke")).await.unwrap());
            assert!(!store.may_view_profile(id, w.b).await.unwrap());
            let consents = store.consents(id).await.unwrap();
            assert!(!consents.all && consents.institutions.is_empty());
            assert_eq!(consents.history.len(), 2, "history kept");
            assert!(consents.history.iter().all(|c| c.revoked_at.is_some() && c.revoked_by == Some(p.account_id)));

            // A discoverable firm without a consent row (bulk-loaded) is open to all until it revokes.
            let open = store.save_enterprise(&w.other.profile, true).await.unwrap();
            assert!(store.may_view_profile(open.id, w.a).await.unwrap());
            assert!(store.consents(open.id).await.unwrap().all);
            assert!(store.revoke_consent(open.id, None, &event(&sme(open.id), "consent.revoke")).await.unwrap());
            assert!(!store.may_view_profile(open.id, w.a).await.unwrap());

            // Agencies are not named; unknown parties are not found.
            assert!(matches!(
                store.grant_consent(id, Some(w.agency), &event(&p, "consent.grant")).await,
                Err(StoreError::Invalid(_))
            ));
            assert!(matches!(
                store.grant_consent(id, Some(9_999), &event(&p, "consent.grant")).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(!store.may_view_profile(9_999, w.a).await.unwrap());

            let log =
                store.audit_log(AuditQuery { enterprise_id: Some(id), limit: 50, ..Default::default() }).await.unwrap();
            let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
            assert_eq!(
                actions,
                ["consent.grant", "consent.grant", "consent.revoke", "consent.revoke"],
                "{}",
                db.backend
            );
            assert_eq!(log[0].institution_id, Some(w.b));
        })
        .await;
    }

    #[tokio::test]
    async fn an_application_lets_its_institution_see_the_profile() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let p = sme(w.firm.id);
            assert!(!store.may_view_profile(w.firm.id, w.a).await.unwrap());
            let new = NewApplication {
                enterprise_id: w.firm.id,
                product_id: w.product_a,
                applicant_account_id: p.account_id,
                idempotency_key: "k1".into(),
                amount: Fen::wan(50),
                term: Months::new(12).unwrap(),
                purpose: LoanPurpose::WorkingCapital,
                purpose_text: String::new(),
                offer_id: None,
            };
            store.submit_application(&new, &event(&p, "application.submit")).await.unwrap();
            assert!(store.may_view_profile(w.firm.id, w.a).await.unwrap(), "{}", db.backend);
            assert!(!store.may_view_profile(w.firm.id, w.b).await.unwrap());
        })
        .await;
    }

    #[tokio::test]
    async fn profile_views_are_logged_newest_first_and_listings_count_once_a_day() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let id = w.firm.id;
            let bank = banker(w.a);
            let ev = event(&bank, "profile.view");
            store.record_profile_view(id, w.a, Some(bank.account_id), "profile", None, &ev).await.unwrap();
            store.record_profile_view(id, w.b, None, "application", Some(5), &ev).await.unwrap();
            assert!(matches!(
                store.record_profile_view(id, w.a, None, "gossip", None, &ev).await,
                Err(StoreError::Invalid(_))
            ));
            assert_eq!(store.record_list_views(&[id, w.other.id, id], w.a, None, "candidates", &ev).await.unwrap(), 2);
            assert_eq!(store.record_list_views(&[id], w.a, None, "candidates", &ev).await.unwrap(), 0);
            assert_eq!(store.record_list_views(&[id], w.a, None, "need", &ev).await.unwrap(), 1);
            let views = store.profile_views(id, 100).await.unwrap();
            let seen: Vec<(&str, &str)> =
                views.iter().map(|v| (v.institution_name.as_str(), v.context.as_str())).collect();
            assert_eq!(
                seen,
                [
                    ("bank-a 名称", "need"),
                    ("bank-a 名称", "candidates"),
                    ("bank-b 名称", "application"),
                    ("bank-a 名称", "profile")
                ],
                "{}",
                db.backend
            );
            assert_eq!(views[2].application_id, Some(5));
            // Both parties read the audit entry.
            for party in [
                AuditQuery { enterprise_id: Some(id), limit: 50, ..Default::default() },
                AuditQuery { institution_id: Some(w.b), limit: 50, ..Default::default() },
            ] {
                let log = store.audit_log(party).await.unwrap();
                assert!(log.iter().any(|e| e.action == "profile.view" && e.institution_id == Some(w.b)));
            }
        })
        .await;
    }

    fn need(enterprise_id: i64) -> NewNeed {
        NewNeed {
            enterprise_id,
            account_id: 100 + enterprise_id,
            amount: Fen::wan(200),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: "备货".into(),
            max_rate: Some(Bps::new(600).unwrap()),
            deadline: today() + chrono::Days::new(10),
        }
    }

    fn offer(need_id: i64, institution_id: i64, product_id: i64, rate: u32) -> NewOffer {
        NewOffer {
            need_id,
            institution_id,
            product_id,
            account_id: 200 + institution_id,
            terms: OfferTerms { amount: Fen::wan(150), rate: Bps::new(rate).unwrap(), term: Months::new(12).unwrap() },
            note: "三个工作日放款".into(),
        }
    }

    #[tokio::test]
    async fn a_need_is_seen_by_consenting_institutions_only_and_an_accepted_offer_applies_once() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let id = w.firm.id;
            let p = sme(id);
            let (bank_a, bank_b) = (banker(w.a), banker(w.b));

            // Bad needs are refused field by field.
            let mut bad = need(id);
            bad.deadline = today() - chrono::Days::new(1);
            bad.max_rate = Some(Bps::ZERO);
            let Err(StoreError::Invalid(errors)) = store.post_need(&bad, today(), &event(&p, "need.post")).await else {
                panic!("refused")
            };
            assert_eq!(errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["max_rate", "deadline"]);

            let posted = store.post_need(&need(id), today(), &event(&p, "need.post")).await.unwrap();
            assert_eq!(posted.state, NeedState::Open);
            assert_eq!(posted.enterprise_name, w.firm.profile.name);

            // Without consent nobody sees it; with consent to B only, only B.
            assert!(store.need_feed(w.a, today()).await.unwrap().is_empty());
            assert!(store.need_feed(w.b, today()).await.unwrap().is_empty());
            store.grant_consent(id, Some(w.b), &event(&p, "consent.grant")).await.unwrap();
            assert!(store.need_feed(w.a, today()).await.unwrap().is_empty());
            assert_eq!(
                store.need_feed(w.b, today()).await.unwrap().iter().map(|n| n.id).collect::<Vec<_>>(),
                [posted.id]
            );
            assert!(store.need_for_institution(w.a, posted.id).await.unwrap().is_none());
            // Past its deadline it leaves the feed.
            assert!(store.need_feed(w.b, today() + chrono::Days::new(11)).await.unwrap().is_empty());

            // A may not offer (404), nor may B with A's product.
            assert!(matches!(
                store
                    .make_offer(&offer(posted.id, w.a, w.product_a, 450), today(), &event(&bank_a, "offer.create"))
                    .await,
                Err(StoreError::NotFound { what: Record::Need, .. })
            ));
            assert!(matches!(
                store
                    .make_offer(&offer(posted.id, w.b, w.product_a, 450), today(), &event(&bank_b, "offer.create"))
                    .await,
                Err(StoreError::Need(NeedError::NotOwnProduct))
            ));
            let from_b = store
                .make_offer(&offer(posted.id, w.b, w.product_b, 450), today(), &event(&bank_b, "offer.create"))
                .await
                .unwrap();
            assert_eq!((from_b.state, from_b.institution_name.as_str()), (OfferState::Open, "bank-b 名称"));
            assert!(matches!(
                store
                    .make_offer(&offer(posted.id, w.b, w.product_b, 420), today(), &event(&bank_b, "offer.create"))
                    .await,
                Err(StoreError::Need(NeedError::AlreadyOffered))
            ));

            // Consent for all: A sees it too and offers.
            store.grant_consent(id, None, &event(&p, "consent.grant")).await.unwrap();
            assert_eq!(store.need_feed(w.a, today()).await.unwrap().len(), 1);
            let from_a = store
                .make_offer(&offer(posted.id, w.a, w.product_a, 400), today(), &event(&bank_a, "offer.create"))
                .await
                .unwrap();
            // Revoking hides it from A at once.
            store.revoke_consent(id, None, &event(&p, "consent.revoke")).await.unwrap();
            assert!(store.need_feed(w.a, today()).await.unwrap().is_empty());
            assert_eq!(store.need_feed(w.b, today()).await.unwrap().len(), 1);

            // Someone else's need or offer is not found.
            assert!(matches!(
                store.accept_offer(w.other.id, posted.id, from_b.id, 1, &event(&sme(w.other.id), "offer.accept")).await,
                Err(StoreError::NotFound { .. })
            ));
            assert!(matches!(
                store.withdraw_offer(w.a, from_b.id, &event(&bank_a, "offer.withdraw")).await,
                Err(StoreError::NotFound { .. })
            ));

            // Accepting B's offer applies once, even when accepted twice.
            let (app, created) =
                store.accept_offer(id, posted.id, from_b.id, p.account_id, &event(&p, "offer.accept")).await.unwrap();
            assert!(created);
            assert_eq!((app.product_id, app.offer_id, app.amount), (w.product_b, Some(from_b.id), Fen::wan(150)));
            let (again, created) =
                store.accept_offer(id, posted.id, from_b.id, p.account_id, &event(&p, "offer.accept")).await.unwrap();
            assert_eq!((again.id, created), (app.id, false));
            let (third, created) =
                store.accept_offer(id, posted.id, from_b.id, 999, &event(&p, "offer.accept")).await.unwrap();
            assert_eq!((third.id, created), (app.id, false), "another user of the firm gets the same application");
            assert_eq!(
                store.applications_for_enterprise(id, &crate::ApplicationFilter::default()).await.unwrap().len(),
                1,
                "{}",
                db.backend
            );

            let need = store.need(posted.id).await.unwrap().unwrap();
            assert_eq!((need.state, need.accepted_offer_id), (NeedState::Accepted, Some(from_b.id)));
            let offers = store.offers_on(posted.id).await.unwrap();
            let states: Vec<(i64, OfferState, Option<i64>)> =
                offers.iter().map(|o| (o.id, o.state, o.application_id)).collect();
            assert_eq!(
                states,
                [(from_b.id, OfferState::Accepted, Some(app.id)), (from_a.id, OfferState::Declined, None)]
            );
            // The other offer cannot be accepted any more, nor withdrawn, nor the need closed.
            assert!(matches!(
                store.accept_offer(id, posted.id, from_a.id, p.account_id, &event(&p, "offer.accept")).await,
                Err(StoreError::Need(NeedError::NoLongerAccepting(NeedState::Accepted)))
            ));
            assert!(matches!(
                store.withdraw_offer(w.a, from_a.id, &event(&bank_a, "offer.withdraw")).await,
                Err(StoreError::Need(NeedError::OfferNotWithdrawable(OfferState::Declined)))
            ));
            assert!(matches!(
                store.close_need(id, posted.id, &event(&p, "need.close")).await,
                Err(StoreError::Need(NeedError::NotClosable(NeedState::Accepted)))
            ));
            let told = store.notifications_for(crate::Party::Institution(w.a), false).await.unwrap();
            assert!(told.iter().any(|n| n.kind == "offer_declined"), "{}", db.backend);
            let declined = Notice::OfferDeclined { need_id: posted.id, offer_id: from_a.id, need_closed: false };
            assert_eq!(told[0].content, crate::NotificationContent::Typed(declined), "{}", db.backend);
            let told = store.notifications_for(crate::Party::Institution(w.b), false).await.unwrap();
            let accepted = Notice::OfferAccepted { need_id: posted.id, offer_id: from_b.id, application_id: app.id };
            assert_eq!(told[0].content, crate::NotificationContent::Typed(accepted), "{}", db.backend);

            let log = store
                .audit_log(AuditQuery { enterprise_id: Some(id), limit: 100, ..Default::default() })
                .await
                .unwrap();
            for action in ["need.post", "offer.create", "offer.accept", "application.submit"] {
                assert!(log.iter().any(|e| e.action == action), "{action} on {}", db.backend);
            }
        })
        .await;
    }

    #[tokio::test]
    async fn an_offer_stays_within_its_product_and_the_need() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let p = sme(w.firm.id);
            let bank_b = banker(w.b);
            let posted = store.post_need(&need(w.firm.id), today(), &event(&p, "need.post")).await.unwrap();
            store.grant_consent(w.firm.id, Some(w.b), &event(&p, "consent.grant")).await.unwrap();
            // The product lends 3–36 months at 3.5 %–6 %; the need asks for its own amount and term.
            let mut bad = offer(posted.id, w.b, w.product_b, 700);
            bad.terms.term = Months::new(48).unwrap();
            bad.terms.amount = Fen::from_fen(posted.amount.fen() + 100).unwrap();
            let refused = store.make_offer(&bad, today(), &event(&bank_b, "offer.create")).await;
            let Err(StoreError::Invalid(errors)) = refused else { panic!("{refused:?}") };
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["amount", "term", "rate"], "{}", db.backend);
            assert!(errors.0[0].error.message_zh().starts_with("报价金额不能超过申请金额"), "{errors:?}");
            assert!(store.offers_on(posted.id).await.unwrap().is_empty(), "nothing stored");
            let good = offer(posted.id, w.b, w.product_b, 450);
            store.make_offer(&good, today(), &event(&bank_b, "offer.create")).await.unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn needs_close_and_offers_withdraw() {
        each(async |db| {
            let store = &db.store;
            let w = world(store).await;
            let id = w.firm.id;
            let p = sme(id);
            let bank = banker(w.a);
            store.grant_consent(id, Some(w.a), &event(&p, "consent.grant")).await.unwrap();
            let posted = store.post_need(&need(id), today(), &event(&p, "need.post")).await.unwrap();
            let first = store
                .make_offer(&offer(posted.id, w.a, w.product_a, 450), today(), &event(&bank, "offer.create"))
                .await
                .unwrap();
            let withdrawn = store.withdraw_offer(w.a, first.id, &event(&bank, "offer.withdraw")).await.unwrap();
            assert_eq!(withdrawn.state, OfferState::Withdrawn);
            assert!(matches!(
                store.accept_offer(id, posted.id, first.id, p.account_id, &event(&p, "offer.accept")).await,
                Err(StoreError::Need(NeedError::OfferNotAcceptable(OfferState::Withdrawn)))
            ));
            // After withdrawing, a new offer may be made.
            let second = store
                .make_offer(&offer(posted.id, w.a, w.product_a, 430), today(), &event(&bank, "offer.create"))
                .await
                .unwrap();
            assert!(matches!(
                store.close_need(w.other.id, posted.id, &event(&sme(w.other.id), "need.close")).await,
                Err(StoreError::NotFound { .. })
            ));
            let closed = store.close_need(id, posted.id, &event(&p, "need.close")).await.unwrap();
            assert_eq!(closed.state, NeedState::Closed);
            let told = store.notifications_for(crate::Party::Institution(w.a), false).await.unwrap();
            let declined = Notice::OfferDeclined { need_id: posted.id, offer_id: second.id, need_closed: true };
            assert_eq!(told[0].content, crate::NotificationContent::Typed(declined), "{}", db.backend);
            assert_eq!(store.offer(second.id).await.unwrap().unwrap().state, OfferState::Declined);
            assert!(store.need_feed(w.a, today()).await.unwrap().is_empty());
            assert!(matches!(
                store
                    .make_offer(&offer(posted.id, w.a, w.product_a, 430), today(), &event(&bank, "offer.create"))
                    .await,
                Err(StoreError::Need(NeedError::TakesNoOffers))
            ));
            assert_eq!(store.needs_of_enterprise(id).await.unwrap().len(), 1);
            let counts = store.offer_counts(&[posted.id]).await.unwrap();
            assert_eq!(counts[&posted.id]["withdrawn"], 1);
            assert_eq!(
                store.published_products_of(w.a).await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(),
                [w.product_a]
            );
        })
        .await;
    }
}
