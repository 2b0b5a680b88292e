//! Consent (which institutions may see an SME's profile, and which its verified facts) and the log of
//! profile views.
//!
//! A consent row covers the profile (every row before migration 25, and every row [`Store::grant_consent`]
//! writes) or the firm's verified facts ([`Store::grant_facts_consent`]), and may end (`expires_at`): an
//! authorisation of facts past its end counts as withdrawn, decided when it is read, with nothing rewritten.
//! Profile consents have no end.
//!
//! A consent row names one institution, or none for "every institution"; revoking stamps `revoked_at`, so
//! the history stays. `enterprise.discoverable` always equals "has an active consent for every
//! institution": both are written in the same transaction, and the write bumps the enterprise revision so
//! the in-memory reverse-matching pool re-reads the firm. Profiles loaded in bulk (the demo's, an import)
//! may be discoverable without a consent row; reads therefore take `discoverable` as the consent for all.

use crate::audit::{self, AuditEvent};
use crate::entity::{application, consent, enterprise, institution, profile_view};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use finmart_domain::{FieldErrors, InstitutionKind, Labelled, ValueError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Why an institution looked at a profile.
pub const VIEW_CONTEXTS: &[&str] = &["candidates", "application", "need", "profile", "document", "contact", "facts"];

/// How long a listing (candidates, the needs feed) counts as one view of each firm listed.
const LIST_VIEW_WINDOW_HOURS: i64 = 24;

/// One consent, active or revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentEntry {
    pub id: i64,
    /// `None`: every institution.
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub granted_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
}

impl ConsentEntry {
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// An enterprise's consents: whether every institution may see it, which ones may, and the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consents {
    /// Every institution may see the profile (the enterprise is discoverable).
    pub all: bool,
    /// The institutions named in an active consent, by name.
    pub institutions: Vec<ConsentEntry>,
    /// Every consent ever given, newest first (active ones included).
    pub history: Vec<ConsentEntry>,
}

/// One recorded view of a profile by an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileViewEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub institution_id: i64,
    pub institution_name: String,
    pub account_id: Option<i64>,
    /// `candidates`, `application`, `need`, `profile`, `document`, `contact` (its contact person and phone)
    /// or `facts` (its verified facts).
    pub context: String,
    pub application_id: Option<i64>,
}

fn active_for(enterprise_id: i64, institution_id: Option<i64>) -> Condition {
    let who = match institution_id {
        Some(id) => consent::Column::InstitutionId.eq(id),
        None => consent::Column::InstitutionId.is_null(),
    };
    Condition::all()
        .add(consent::Column::EnterpriseId.eq(enterprise_id))
        .add(who)
        .add(consent::Column::CoversProfile.eq(true))
        .add(consent::Column::RevokedAt.is_null())
}

async fn enterprise_row(db: &impl ConnectionTrait, id: i64) -> Result<enterprise::Model, StoreError> {
    enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: Record::Enterprise, key: id.to_string() })
}

/// The institution a consent may name: an existing lender (guarantee agencies neither search for firms nor
/// take needs).
async fn check_lender(db: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    let row = institution::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: id.to_string() })?;
    if row.kind == InstitutionKind::GuaranteeAgency.as_str() {
        let mut errors = FieldErrors::default();
        errors.push("institution_id", ValueError::Invalid("担保机构不查看企业画像，无需授权".to_owned()));
        return Err(StoreError::Invalid(errors));
    }
    Ok(())
}

/// Whether `institution_id` may see enterprise `enterprise_id` by consent (for all, or for it), inside any
/// connection or transaction.
pub(crate) async fn consents_to(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    institution_id: i64,
) -> Result<bool, StoreError> {
    if enterprise_row(db, enterprise_id).await?.discoverable {
        return Ok(true);
    }
    let rows = consent::Entity::find()
        .filter(consent::Column::EnterpriseId.eq(enterprise_id))
        .filter(consent::Column::CoversProfile.eq(true))
        .filter(consent::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(consent::Column::InstitutionId.is_null())
                .add(consent::Column::InstitutionId.eq(institution_id)),
        )
        .count(db)
        .await?;
    Ok(rows > 0)
}

/// Of `ids`, the enterprises that `institution_id` may see by consent (for all, or for it).
pub(crate) async fn consenting_among(
    db: &impl ConnectionTrait,
    institution_id: i64,
    ids: &[i64],
) -> Result<HashSet<i64>, StoreError> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let open: Vec<i64> = enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::Id)
            .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
            .filter(enterprise::Column::Discoverable.eq(true))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(open);
        let consented: Vec<i64> = consent::Entity::find()
            .select_only()
            .column(consent::Column::EnterpriseId)
            .filter(consent::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(consent::Column::CoversProfile.eq(true))
            .filter(consent::Column::RevokedAt.is_null())
            .filter(
                Condition::any()
                    .add(consent::Column::InstitutionId.is_null())
                    .add(consent::Column::InstitutionId.eq(institution_id)),
            )
            .into_tuple()
            .all(db)
            .await?;
        out.extend(consented);
    }
    Ok(out)
}

async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(i64, String)> = institution::Entity::find()
        .select_only()
        .column(institution::Column::Id)
        .column(institution::Column::Name)
        .filter(institution::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

impl Store {
    /// Lets `institution_id` (or, with `None`, every institution) see the enterprise's profile, for reverse
    /// matching and posted needs. Returns whether anything changed (an active consent for the same party is
    /// left as it is, and nothing is audited).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown enterprise or institution; [`StoreError::Invalid`] naming
    /// `institution_id` for a guarantee agency; database failure.
    pub async fn grant_consent(
        &self,
        enterprise_id: i64,
        institution_id: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        let firm = enterprise_row(&txn, enterprise_id).await?;
        if let Some(id) = institution_id {
            check_lender(&txn, id).await?;
        }
        let active = consent::Entity::find().filter(active_for(enterprise_id, institution_id)).count(&txn).await? > 0;
        if active && (institution_id.is_some() || firm.discoverable) {
            return Ok(false);
        }
        let row = if active {
            None
        } else {
            Some(
                consent::ActiveModel {
                    enterprise_id: Set(enterprise_id),
                    institution_id: Set(institution_id),
                    granted_at: Set(Utc::now()),
                    granted_by: Set(event.account_id),
                    revoked_at: Set(None),
                    revoked_by: Set(None),
                    covers_profile: Set(true),
                    covers_facts: Set(false),
                    expires_at: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?,
            )
        };
        if institution_id.is_none() {
            crate::enterprises::set_discoverable_in(&txn, enterprise_id, true).await?;
        }
        let mut event = event.clone().enterprise(enterprise_id);
        event.action = "consent.grant";
        if let Some(row) = &row {
            event = event.subject("consent", row.id);
        }
        if let Some(id) = institution_id {
            event = event.institution(id);
        }
        event.detail = serde_json::json!({ "institution_id": institution_id, "all": institution_id.is_none() });
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Withdraws the consent given to `institution_id` (or, with `None`, to every institution) at once.
    /// Returns whether anything changed (nothing is audited otherwise).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown enterprise; database failure.
    pub async fn revoke_consent(
        &self,
        enterprise_id: i64,
        institution_id: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        let firm = enterprise_row(&txn, enterprise_id).await?;
        let revoked = consent::Entity::update_many()
            .col_expr(consent::Column::RevokedAt, Expr::value(Utc::now()))
            .col_expr(consent::Column::RevokedBy, Expr::value(event.account_id))
            .filter(active_for(enterprise_id, institution_id))
            .exec(&txn)
            .await?
            .rows_affected;
        let was_open = institution_id.is_none() && firm.discoverable;
        if revoked == 0 && !was_open {
            return Ok(false);
        }
        if institution_id.is_none() {
            crate::enterprises::set_discoverable_in(&txn, enterprise_id, false).await?;
        }
        let mut event = event.clone().enterprise(enterprise_id).subject("enterprise", enterprise_id);
        event.action = "consent.revoke";
        if let Some(id) = institution_id {
            event = event.institution(id);
        }
        event.detail = serde_json::json!({ "institution_id": institution_id, "all": institution_id.is_none() });
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The enterprise's consents: active and past.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown enterprise; database failure.
    pub async fn consents(&self, enterprise_id: i64) -> Result<Consents, StoreError> {
        let firm = enterprise_row(&self.db, enterprise_id).await?;
        let rows = consent::Entity::find()
            .filter(consent::Column::EnterpriseId.eq(enterprise_id))
            .filter(consent::Column::CoversProfile.eq(true))
            .order_by_desc(consent::Column::Id)
            .all(&self.db)
            .await?;
        let names = names(&self.db, rows.iter().filter_map(|r| r.institution_id)).await?;
        let history: Vec<ConsentEntry> = rows
            .into_iter()
            .map(|r| ConsentEntry {
                id: r.id,
                institution_id: r.institution_id,
                institution_name: r.institution_id.and_then(|id| names.get(&id).cloned()),
                granted_at: r.granted_at,
                granted_by: r.granted_by,
                revoked_at: r.revoked_at,
                revoked_by: r.revoked_by,
            })
            .collect();
        let mut institutions: Vec<ConsentEntry> =
            history.iter().filter(|c| c.is_active() && c.institution_id.is_some()).cloned().collect();
        institutions.sort_by(|a, b| a.institution_name.cmp(&b.institution_name));
        institutions.dedup_by_key(|c| c.institution_id);
        Ok(Consents { all: firm.discoverable, institutions, history })
    }

    /// Whether `institution_id` may see the enterprise's profile: it consented (to every institution or to
    /// this one), or it applied to this institution.
    ///
    /// # Errors
    /// Database failure. An unknown enterprise is simply not visible.
    pub async fn may_view_profile(&self, enterprise_id: i64, institution_id: i64) -> Result<bool, StoreError> {
        match consents_to(&self.db, enterprise_id, institution_id).await {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(StoreError::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e),
        }
        let applied = application::Entity::find()
            .filter(application::Column::EnterpriseId.eq(enterprise_id))
            .filter(application::Column::InstitutionId.eq(institution_id))
            .count(&self.db)
            .await?;
        Ok(applied > 0)
    }

    /// The enterprises that consented to `institution_id` by name (not those open to every institution):
    /// what a filter of the reverse-matching pool adds to the firms open to all.
    ///
    /// # Errors
    /// Database failure.
    pub async fn consenting_enterprises(&self, institution_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut ids: Vec<i64> = consent::Entity::find()
            .select_only()
            .column(consent::Column::EnterpriseId)
            .filter(consent::Column::InstitutionId.eq(institution_id))
            .filter(consent::Column::CoversProfile.eq(true))
            .filter(consent::Column::RevokedAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Of `enterprise_ids`, those that `institution_id` may see by consent now (for all, or for it): the
    /// check a list from an in-memory copy goes through before it is shown.
    ///
    /// # Errors
    /// Database failure.
    pub async fn consenting_among(
        &self,
        institution_id: i64,
        enterprise_ids: &[i64],
    ) -> Result<HashSet<i64>, StoreError> {
        consenting_among(&self.db, institution_id, enterprise_ids).await
    }

    /// Records that `institution_id` (through `account_id`, when a person) looked at the enterprise's
    /// profile, and audits it as `profile.view` for both parties.
    ///
    /// `context` is one of [`VIEW_CONTEXTS`]: `candidates`, `application` (with `application_id`), `need` or
    /// `profile`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `context` for another context; database failure.
    pub async fn record_profile_view(
        &self,
        enterprise_id: i64,
        institution_id: i64,
        account_id: Option<i64>,
        context: &str,
        application_id: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<(), StoreError> {
        check_context(context)?;
        let txn = self.write_txn().await?;
        insert_view(&txn, enterprise_id, institution_id, account_id, context, application_id, event).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a listing (candidates, the needs feed) as one view of each firm listed, except firms this
    /// institution already viewed in the same context within the last day. Returns how many were recorded.
    ///
    /// # Errors
    /// As [`Store::record_profile_view`].
    pub async fn record_list_views(
        &self,
        enterprise_ids: &[i64],
        institution_id: i64,
        account_id: Option<i64>,
        context: &str,
        event: &AuditEvent<'_>,
    ) -> Result<usize, StoreError> {
        check_context(context)?;
        if enterprise_ids.is_empty() {
            return Ok(0);
        }
        let since = Utc::now() - Duration::hours(LIST_VIEW_WINDOW_HOURS);
        let txn = self.write_txn().await?;
        let seen: HashSet<i64> = profile_view::Entity::find()
            .select_only()
            .column(profile_view::Column::EnterpriseId)
            .filter(profile_view::Column::InstitutionId.eq(institution_id))
            .filter(profile_view::Column::Context.eq(context))
            .filter(profile_view::Column::At.gt(since))
            .filter(profile_view::Column::EnterpriseId.is_in(enterprise_ids.iter().copied()))
            .into_tuple::<i64>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let mut recorded = 0;
        let mut done = HashSet::new();
        for &id in enterprise_ids {
            if seen.contains(&id) || !done.insert(id) {
                continue;
            }
            insert_view(&txn, id, institution_id, account_id, context, None, event).await?;
            recorded += 1;
        }
        txn.commit().await?;
        Ok(recorded)
    }

    /// The views of the enterprise's profile, newest first, with the institutions' names (at most `limit`).
    ///
    /// # Errors
    /// Database failure.
    pub async fn profile_views(&self, enterprise_id: i64, limit: u64) -> Result<Vec<ProfileViewEntry>, StoreError> {
        let rows = profile_view::Entity::find()
            .filter(profile_view::Column::EnterpriseId.eq(enterprise_id))
            .order_by_desc(profile_view::Column::Id)
            .limit(limit.clamp(1, 1000))
            .all(&self.db)
            .await?;
        let names = names(&self.db, rows.iter().map(|r| r.institution_id)).await?;
        Ok(rows
            .into_iter()
            .map(|r| ProfileViewEntry {
                id: r.id,
                at: r.at,
                institution_name: names.get(&r.institution_id).cloned().unwrap_or_default(),
                institution_id: r.institution_id,
                account_id: r.account_id,
                context: r.context,
                application_id: r.application_id,
            })
            .collect())
    }
}

fn check_context(context: &str) -> Result<(), StoreError> {
    if VIEW_CONTEXTS.contains(&context) {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    errors.push("context", ValueError::Invalid(format!("应为 {} 之一", VIEW_CONTEXTS.join("、"))));
    Err(StoreError::Invalid(errors))
}

pub(crate) async fn insert_view(
    txn: &impl ConnectionTrait,
    enterprise_id: i64,
    institution_id: i64,
    account_id: Option<i64>,
    context: &str,
    application_id: Option<i64>,
    event: &AuditEvent<'_>,
) -> Result<(), StoreError> {
    let row = profile_view::ActiveModel {
        enterprise_id: Set(enterprise_id),
        institution_id: Set(institution_id),
        account_id: Set(account_id),
        at: Set(Utc::now()),
        context: Set(context.to_owned()),
        application_id: Set(application_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut event =
        event.clone().enterprise(enterprise_id).institution(institution_id).subject("enterprise", enterprise_id);
    event.action = "profile.view";
    event.detail = serde_json::json!({ "context": context, "application_id": application_id, "view_id": row.id });
    audit::append(txn, &event).await
}

// ---------------------------------------------------------------------------------------------------------
// Authorisation of verified facts

/// Where an authorisation of facts stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactsConsentState {
    Active,
    /// Past its `expires_at`: withdrawn by itself.
    Expired,
    /// Withdrawn by the firm (or replaced by a later grant to the same party).
    Revoked,
}

impl FactsConsentState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Active => "有效",
            Self::Expired => "已到期",
            Self::Revoked => "已撤回",
        }
    }

    #[must_use]
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Revoked => "Withdrawn",
        }
    }
}

/// One authorisation of the firm's verified facts, in force or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactsConsentEntry {
    pub id: i64,
    /// `None`: every institution on the platform.
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub granted_by: Option<i64>,
    /// The moment it ends (UTC); `None`: until withdrawn.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
}

impl FactsConsentEntry {
    /// Where it stands at `now`: withdrawn before anything else, then past its end.
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> FactsConsentState {
        if self.revoked_at.is_some() {
            FactsConsentState::Revoked
        } else if self.expires_at.is_some_and(|end| end <= now) {
            FactsConsentState::Expired
        } else {
            FactsConsentState::Active
        }
    }
}

/// The firm's authorisations of its facts at a moment: those in force, and every one ever given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactsConsents {
    /// In force at the moment asked: "every institution" first, then by institution name.
    pub active: Vec<FactsConsentEntry>,
    /// Every authorisation ever given, newest first.
    pub history: Vec<FactsConsentEntry>,
}

/// Authorisations of facts in force at `now` for `institution_id` (an institution, or `None`: the one for
/// every institution).
fn facts_in_force(enterprise_id: i64, institution_id: Option<i64>, now: DateTime<Utc>) -> Condition {
    let who = match institution_id {
        Some(id) => consent::Column::InstitutionId.eq(id),
        None => consent::Column::InstitutionId.is_null(),
    };
    Condition::all()
        .add(consent::Column::EnterpriseId.eq(enterprise_id))
        .add(who)
        .add(consent::Column::CoversFacts.eq(true))
        .add(consent::Column::RevokedAt.is_null())
        .add(not_expired(now))
}

fn not_expired(now: DateTime<Utc>) -> Condition {
    Condition::any().add(consent::Column::ExpiresAt.is_null()).add(consent::Column::ExpiresAt.gt(now))
}

/// The enterprise's authorisations of facts in force at `now` that cover `institution_id` (its own, or the
/// one for every institution).
fn facts_covering(enterprise_id: i64, institution_id: i64, now: DateTime<Utc>) -> Condition {
    Condition::all().add(consent::Column::EnterpriseId.eq(enterprise_id)).add(covering(institution_id, now))
}

/// Any firm's authorisations of facts in force at `now` that cover `institution_id`.
fn covering(institution_id: i64, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(consent::Column::CoversFacts.eq(true))
        .add(consent::Column::RevokedAt.is_null())
        .add(not_expired(now))
        .add(
            Condition::any()
                .add(consent::Column::InstitutionId.is_null())
                .add(consent::Column::InstitutionId.eq(institution_id)),
        )
}

fn facts_entry(row: consent::Model, names: &HashMap<i64, String>) -> FactsConsentEntry {
    FactsConsentEntry {
        id: row.id,
        institution_id: row.institution_id,
        institution_name: row.institution_id.and_then(|id| names.get(&id).cloned()),
        granted_at: row.granted_at,
        granted_by: row.granted_by,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        revoked_by: row.revoked_by,
    }
}

impl Store {
    /// Lets each of `targets` (an institution, or `None`: every institution on the platform) see the firm's
    /// verified facts until `expires_at` (or until withdrawn), in one transaction: all of them or none. An
    /// authorisation in force for the same party with the same end is left as it is; one with another end is
    /// withdrawn and replaced (the history keeps both). Returns how many were written; each is audited
    /// (`facts_consent.grant`).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming `expires_on` for an end not after `now`, or `institution_id` for a
    /// guarantee agency; [`StoreError::NotFound`] for an unknown enterprise or institution; database failure.
    pub async fn grant_facts_consent(
        &self,
        enterprise_id: i64,
        targets: &[Option<i64>],
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        event: &AuditEvent<'_>,
    ) -> Result<usize, StoreError> {
        if expires_at.is_some_and(|end| end <= now) {
            let mut errors = FieldErrors::default();
            errors.push(
                "expires_on",
                ValueError::worded("授权有效期须晚于现在".to_owned(), "the end must be in the future".to_owned()),
            );
            return Err(StoreError::Invalid(errors));
        }
        // Whole seconds: what every backend keeps exactly, so the same end compares equal when read back.
        let expires_at = expires_at.map(|end| end.trunc_subsecs(0));
        let mut targets = targets.to_vec();
        targets.sort_unstable();
        targets.dedup();
        let txn = self.write_txn().await?;
        enterprise_row(&txn, enterprise_id).await?;
        for id in targets.iter().flatten() {
            check_lender(&txn, *id).await?;
        }
        let mut written = 0;
        for target in targets {
            let in_force = consent::Entity::find().filter(facts_in_force(enterprise_id, target, now)).all(&txn).await?;
            if in_force.iter().any(|r| r.expires_at == expires_at) {
                continue;
            }
            let replaced: Vec<i64> = in_force.iter().map(|r| r.id).collect();
            if !replaced.is_empty() {
                consent::Entity::update_many()
                    .col_expr(consent::Column::RevokedAt, Expr::value(now))
                    .col_expr(consent::Column::RevokedBy, Expr::value(event.account_id))
                    .filter(consent::Column::Id.is_in(replaced.iter().copied()))
                    .exec(&txn)
                    .await?;
            }
            let row = consent::ActiveModel {
                enterprise_id: Set(enterprise_id),
                institution_id: Set(target),
                granted_at: Set(now),
                granted_by: Set(event.account_id),
                revoked_at: Set(None),
                revoked_by: Set(None),
                covers_profile: Set(false),
                covers_facts: Set(true),
                expires_at: Set(expires_at),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let mut event = event.clone().enterprise(enterprise_id).subject("consent", row.id);
            event.action = "facts_consent.grant";
            if let Some(id) = target {
                event = event.institution(id);
            }
            event.detail = serde_json::json!({
                "institution_id": target, "all": target.is_none(),
                "expires_at": expires_at.map(|t| t.to_rfc3339()), "replaced": replaced,
            });
            audit::append(&txn, &event).await?;
            written += 1;
        }
        txn.commit().await?;
        Ok(written)
    }

    /// Withdraws, at `now`, the authorisation of facts in force for `institution_id` (or, with `None`, the
    /// one for every institution). Returns whether anything changed (nothing is audited otherwise).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown enterprise; database failure.
    pub async fn revoke_facts_consent(
        &self,
        enterprise_id: i64,
        institution_id: Option<i64>,
        now: DateTime<Utc>,
        event: &AuditEvent<'_>,
    ) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        enterprise_row(&txn, enterprise_id).await?;
        let revoked = consent::Entity::update_many()
            .col_expr(consent::Column::RevokedAt, Expr::value(now))
            .col_expr(consent::Column::RevokedBy, Expr::value(event.account_id))
            .filter(facts_in_force(enterprise_id, institution_id, now))
            .exec(&txn)
            .await?
            .rows_affected;
        if revoked == 0 {
            return Ok(false);
        }
        let mut event = event.clone().enterprise(enterprise_id).subject("enterprise", enterprise_id);
        event.action = "facts_consent.revoke";
        if let Some(id) = institution_id {
            event = event.institution(id);
        }
        event.detail = serde_json::json!({ "institution_id": institution_id, "all": institution_id.is_none() });
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The firm's authorisations of its facts: those in force at `now`, and the history.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown enterprise; database failure.
    pub async fn facts_consents(&self, enterprise_id: i64, now: DateTime<Utc>) -> Result<FactsConsents, StoreError> {
        enterprise_row(&self.db, enterprise_id).await?;
        let rows = consent::Entity::find()
            .filter(consent::Column::EnterpriseId.eq(enterprise_id))
            .filter(consent::Column::CoversFacts.eq(true))
            .order_by_desc(consent::Column::Id)
            .all(&self.db)
            .await?;
        let names = names(&self.db, rows.iter().filter_map(|r| r.institution_id)).await?;
        let history: Vec<FactsConsentEntry> = rows.into_iter().map(|r| facts_entry(r, &names)).collect();
        let mut active: Vec<FactsConsentEntry> =
            history.iter().filter(|c| c.state(now) == FactsConsentState::Active).cloned().collect();
        active.sort_by(|a, b| {
            (a.institution_id.is_some(), &a.institution_name).cmp(&(b.institution_id.is_some(), &b.institution_name))
        });
        Ok(FactsConsents { active, history })
    }

    /// Whether `institution_id` may see the enterprise's verified facts at `now`: an authorisation of facts
    /// for it or for every institution, not withdrawn and not past its end. Read from the database every
    /// time, so a withdrawal or an end takes effect at once.
    ///
    /// # Errors
    /// Database failure. An unknown enterprise is simply not visible.
    pub async fn may_view_facts(
        &self,
        enterprise_id: i64,
        institution_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let rows =
            consent::Entity::find().filter(facts_covering(enterprise_id, institution_id, now)).count(&self.db).await?;
        Ok(rows > 0)
    }

    /// Of `enterprise_ids` (a page of firms), those whose facts `institution_id` may see at `now`, each with
    /// the authorisation it sees them by, chosen as [`Store::facts_consent_for`] chooses: one query per 500
    /// firms (and one for the names), never one per firm. Read from the database every time, as
    /// [`Store::may_view_facts`].
    ///
    /// # Errors
    /// Database failure.
    pub async fn facts_consents_among(
        &self,
        institution_id: i64,
        enterprise_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<i64, FactsConsentEntry>, StoreError> {
        let mut ids = enterprise_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut rows = Vec::new();
        for chunk in ids.chunks(500) {
            rows.extend(
                consent::Entity::find()
                    .filter(consent::Column::EnterpriseId.is_in(chunk.iter().copied()))
                    .filter(covering(institution_id, now))
                    .all(&self.db)
                    .await?,
            );
        }
        let names = if rows.iter().any(|r| r.institution_id.is_some()) {
            names(&self.db, rows.iter().filter_map(|r| r.institution_id)).await?
        } else {
            HashMap::new()
        };
        let mut best: HashMap<i64, consent::Model> = HashMap::new();
        for row in rows {
            let key = |r: &consent::Model| (r.institution_id.is_some(), r.expires_at.is_none(), r.expires_at);
            match best.get(&row.enterprise_id) {
                Some(kept) if key(kept) >= key(&row) => {}
                _ => {
                    best.insert(row.enterprise_id, row);
                }
            }
        }
        Ok(best.into_iter().map(|(id, row)| (id, facts_entry(row, &names))).collect())
    }

    /// The authorisation of facts by which `institution_id` sees the enterprise at `now` (its own before the
    /// one for every institution; of several, the one ending last), for showing its end.
    ///
    /// # Errors
    /// Database failure.
    pub async fn facts_consent_for(
        &self,
        enterprise_id: i64,
        institution_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<FactsConsentEntry>, StoreError> {
        let rows =
            consent::Entity::find().filter(facts_covering(enterprise_id, institution_id, now)).all(&self.db).await?;
        let names = names(&self.db, rows.iter().filter_map(|r| r.institution_id)).await?;
        Ok(rows
            .into_iter()
            .max_by_key(|r| (r.institution_id.is_some(), r.expires_at.is_none(), r.expires_at))
            .map(|r| facts_entry(r, &names)))
    }
}
