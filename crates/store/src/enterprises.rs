//! Stored SME profiles (企业画像), upserted by 统一社会信用代码.
//!
//! The whole [`EnterpriseProfile`] is kept as JSON beside a few columns to filter on (district, industry,
//! derived scale, consent). Every write bumps the `enterprise` counter in its own transaction and stamps
//! the rows it wrote with the new value, so an in-memory copy of the profiles (the matching engine's pool)
//! can ask [`Store::enterprise_revision`] whether anything changed and [`Store::each_enterprise_revised_after`]
//! what. On PostgreSQL the counter's row lock orders writers, so revisions become visible in order.

use crate::audit::AuditEvent;
use crate::counters;
use crate::entity::enterprise;
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Days, Utc};
use finmart_domain::{EnterpriseProfile, Fact, FactKind, FactValue, FieldErrors, Labelled, Uscc, ValueError};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;

/// A firm as the whole read of the firms with their facts gives it: the columns a [`StoredEnterprise`] is
/// made of, and its facts gathered by the database into one JSON array (SQL `NULL` on PostgreSQL when it
/// has none).
#[derive(Debug, FromQueryResult)]
struct FirmWithFacts {
    id: i64,
    discoverable: bool,
    revision: i64,
    profile: String,
    updated_at: DateTime<Utc>,
    facts: Option<String>,
}

/// One fact in [`FirmWithFacts::facts`]: its row id, the record id, the kind, the value's JSON, as-of and
/// valid-until (the credit code is the firm's).
type GatheredFact = (i64, String, String, String, chrono::NaiveDate, chrono::NaiveDate);

impl FirmWithFacts {
    /// The firm and its facts, each checked as a stored row is.
    fn into_parts(self) -> Result<(StoredEnterprise, Vec<Fact>), StoreError> {
        let corrupt = |id: i64, field: &'static str, reason: String| StoreError::Corrupt {
            table: "verified_fact",
            id,
            field,
            reason,
        };
        let mut gathered: Vec<GatheredFact> = match &self.facts {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| corrupt(0, "value", format!("the facts of enterprise {}: {e}", self.id)))?,
            None => Vec::new(),
        };
        let profile: EnterpriseProfile = serde_json::from_str(&self.profile).map_err(|e| StoreError::Corrupt {
            table: "enterprise",
            id: self.id,
            field: "profile",
            reason: e.to_string(),
        })?;
        // In the order every read of a firm's facts gives (`Store::facts_of`: newest first, then the record
        // received last first), which decides between facts equally new (`finmart_domain::latest_fact`).
        gathered.sort_unstable_by_key(|f| std::cmp::Reverse((f.4, f.0)));
        let mut facts = Vec::with_capacity(gathered.len());
        if !gathered.is_empty() {
            // The facts were joined on the firm's credit code, so a firm with facts has one.
            let uscc = profile.uscc.clone().ok_or_else(|| StoreError::Corrupt {
                table: "enterprise",
                id: self.id,
                field: "uscc",
                reason: "a firm with facts has no credit code in its profile".into(),
            })?;
            for (id, source_record_id, kind, value, as_of, valid_until) in gathered {
                facts.push(Fact {
                    source_record_id,
                    uscc: uscc.clone(),
                    kind: FactKind::parse(&kind).map_err(|e| corrupt(id, "kind", e.to_string()))?,
                    value: serde_json::from_str::<FactValue>(&value)
                        .map_err(|e| corrupt(id, "value", e.to_string()))?,
                    as_of,
                    valid_until,
                });
            }
        }
        let firm = StoredEnterprise {
            id: self.id,
            profile,
            discoverable: self.discoverable,
            revision: self.revision,
            updated_at: self.updated_at,
        };
        Ok((firm, facts))
    }
}

/// Rows per INSERT statement: 10 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 500;

/// A stored enterprise profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEnterprise {
    pub id: i64,
    pub profile: EnterpriseProfile,
    /// The firm's consent to be found by banks.
    pub discoverable: bool,
    /// The [`Store::enterprise_revision`] of the write that last changed it.
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
}

/// The profile as stored: its JSON without `null` members (absent and `null` read back alike).
fn profile_json(profile: &EnterpriseProfile) -> Result<String, StoreError> {
    let cannot = |source| StoreError::Encode { what: "profile", source };
    let mut value = serde_json::to_value(profile).map_err(cannot)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.retain(|_, v| !serde_json::Value::is_null(v));
    }
    serde_json::to_string(&value).map_err(cannot)
}

pub(crate) fn from_row(row: enterprise::Model) -> Result<StoredEnterprise, StoreError> {
    let profile = serde_json::from_str(&row.profile).map_err(|e| StoreError::Corrupt {
        table: "enterprise",
        id: row.id,
        field: "profile",
        reason: e.to_string(),
    })?;
    Ok(StoredEnterprise {
        id: row.id,
        profile,
        discoverable: row.discoverable,
        revision: row.revision,
        updated_at: row.updated_at,
    })
}

/// Checks a profile for storage: it needs a credit code and must validate. `today` is tomorrow in UTC, so a
/// firm established today anywhere is accepted.
fn checked(profile: &EnterpriseProfile, prefix: &str) -> Result<Uscc, FieldErrors> {
    let today = Utc::now().date_naive().checked_add_days(Days::new(1)).unwrap_or(chrono::NaiveDate::MAX);
    let mut errors = match profile.validate(today) {
        Ok(()) => FieldErrors::default(),
        Err(e) => e,
    };
    if profile.uscc.is_none() {
        errors.push("uscc", ValueError::Empty);
    }
    for e in &mut errors.0 {
        e.field = format!("{prefix}{}", e.field);
    }
    match &profile.uscc {
        Some(uscc) if errors.is_empty() => Ok(uscc.clone()),
        _ => Err(errors),
    }
}

fn active(
    uscc: &Uscc,
    profile: &EnterpriseProfile,
    discoverable: bool,
    revision: i64,
    now: DateTime<Utc>,
) -> Result<enterprise::ActiveModel, StoreError> {
    Ok(enterprise::ActiveModel {
        uscc: Set(uscc.as_str().to_owned()),
        name: Set(profile.name.clone()),
        district: Set(profile.district.code()),
        industry: Set(profile.industry.as_str().to_owned()),
        scale: Set(profile.scale().map(|s| s.as_str().to_owned())),
        discoverable: Set(discoverable),
        revision: Set(revision),
        profile: Set(profile_json(profile)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
}

/// Bumps the enterprise revision inside `txn` and returns its new value.
async fn bump(txn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    counters::bump(txn, counters::ENTERPRISE).await
}

async fn current(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    counters::value(db, counters::ENTERPRISE).await
}

impl Store {
    /// Creates or updates (by credit code) one enterprise and returns it as stored.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a profile without a credit code or one that does not validate; database
    /// failure.
    pub async fn save_enterprise(
        &self,
        profile: &EnterpriseProfile,
        discoverable: bool,
    ) -> Result<StoredEnterprise, StoreError> {
        let uscc = checked(profile, "").map_err(StoreError::Invalid)?;
        self.upsert(&[(uscc.clone(), profile, discoverable)]).await?;
        self.enterprise_by_uscc(&uscc)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Enterprise, key: uscc.to_string() })
    }

    /// Creates or updates (by credit code) many enterprises in one transaction, with multi-row inserts.
    /// Returns how many rows were created or changed; a profile stored already exactly so is not
    /// rewritten, and a batch that changes nothing leaves [`Store::enterprise_revision`] as it was. When a
    /// credit code appears twice, the later entry wins.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming each bad entry (`[3].uscc`) when any is bad, and then nothing is
    /// written; database failure.
    pub async fn insert_enterprises(&self, batch: &[(EnterpriseProfile, bool)]) -> Result<u64, StoreError> {
        let mut errors = FieldErrors::default();
        let mut rows = Vec::with_capacity(batch.len());
        let mut position: HashMap<Uscc, usize> = HashMap::with_capacity(batch.len());
        for (i, (profile, discoverable)) in batch.iter().enumerate() {
            match checked(profile, &format!("[{i}].")) {
                Ok(uscc) => {
                    if let Some(&at) = position.get(&uscc) {
                        rows[at] = (uscc, profile, *discoverable);
                    } else {
                        position.insert(uscc.clone(), rows.len());
                        rows.push((uscc, profile, *discoverable));
                    }
                }
                Err(e) => errors.0.extend(e.0),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        self.upsert(&rows).await
    }

    async fn upsert(&self, rows: &[(Uscc, &EnterpriseProfile, bool)]) -> Result<u64, StoreError> {
        self.upsert_audited(rows, None).await
    }

    /// Writes `rows`, and `audit` with them when anything changed (in the same transaction).
    async fn upsert_audited(
        &self,
        rows: &[(Uscc, &EnterpriseProfile, bool)],
        audit: Option<&AuditEvent<'_>>,
    ) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let txn = self.write_txn().await?;
        let revision = bump(&txn).await?;
        let now = Utc::now();
        let excluded = |c: enterprise::Column| Expr::col(("excluded", c));
        let mut written = 0;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let models = chunk
                .iter()
                .map(|(uscc, profile, discoverable)| active(uscc, profile, *discoverable, revision, now))
                .collect::<Result<Vec<_>, _>>()?;
            use enterprise::Column as C;
            let on_conflict = OnConflict::column(C::Uscc)
                .update_columns([
                    C::Name,
                    C::District,
                    C::Industry,
                    C::Scale,
                    C::Discoverable,
                    C::Revision,
                    C::Profile,
                    C::UpdatedAt,
                ])
                // Rows already stored exactly so are left alone (and not counted).
                .action_and_where(
                    Expr::col((enterprise::Entity, C::Profile)).ne(excluded(C::Profile)).or(Expr::col((
                        enterprise::Entity,
                        C::Discoverable,
                    ))
                    .ne(excluded(C::Discoverable))),
                )
                .to_owned();
            written +=
                enterprise::Entity::insert_many(models).on_conflict(on_conflict).exec_without_returning(&txn).await?;
        }
        if written == 0 {
            // Nothing changed: keep the revision as it was.
            txn.rollback().await?;
        } else {
            if let Some(event) = audit {
                crate::audit::append(&txn, event).await?;
            }
            txn.commit().await?;
        }
        Ok(written)
    }

    /// One enterprise by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn enterprise(&self, id: i64) -> Result<Option<StoredEnterprise>, StoreError> {
        enterprise::Entity::find_by_id(id).one(&self.db).await?.map(from_row).transpose()
    }

    /// The enterprises of `ids` that exist, by id, read in one query (a list shows many at once).
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn enterprises_by_id(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, StoredEnterprise>, StoreError> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let rows =
            enterprise::Entity::find().filter(enterprise::Column::Id.is_in(ids.iter().copied())).all(&self.db).await?;
        rows.into_iter().map(|row| from_row(row).map(|e| (e.id, e))).collect()
    }

    /// One enterprise by its credit code.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn enterprise_by_uscc(&self, uscc: &Uscc) -> Result<Option<StoredEnterprise>, StoreError> {
        enterprise::Entity::find()
            .filter(enterprise::Column::Uscc.eq(uscc.as_str()))
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// A page of enterprises in id order after `after_id` (all of them, or only those that consented to be
    /// found): how a pool loads them all.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn enterprises_after(
        &self,
        after_id: i64,
        limit: u64,
        only_discoverable: bool,
    ) -> Result<Vec<StoredEnterprise>, StoreError> {
        let mut query = enterprise::Entity::find().filter(enterprise::Column::Id.gt(after_id));
        if only_discoverable {
            query = query.filter(enterprise::Column::Discoverable.eq(true));
        }
        query.order_by_asc(enterprise::Column::Id).limit(limit).all(&self.db).await?.into_iter().map(from_row).collect()
    }

    /// Calls `each` with every enterprise written after revision `since` (discoverable or not: a firm that
    /// withdrew its consent is news too), in no particular order, and returns how many there were.
    ///
    /// One query whose rows are streamed, not pages: a keyset page on `(revision, id)` after a cursor cannot
    /// start at the cursor on SQLite (the `OR` of the two columns defeats the index), so paging a million
    /// rows rescanned them from the start for every page (~29 s against ~2.5 s for one scan). A single
    /// statement also reads one consistent snapshot on both databases.
    ///
    /// # Errors
    /// Database failure or a corrupt row (`each` has then been called for some rows only).
    pub async fn each_enterprise_revised_after(
        &self,
        since: i64,
        mut each: impl FnMut(StoredEnterprise) + Send,
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        let mut rows =
            enterprise::Entity::find().filter(enterprise::Column::Revision.gt(since)).stream(&self.db).await?;
        let mut read = 0;
        while let Some(row) = rows.try_next().await? {
            each(from_row(row)?);
            read += 1;
        }
        Ok(read)
    }

    /// [`Self::each_enterprise_revised_after`] with each firm's verified facts (any order, current and
    /// expired; empty for most): what the reverse-matching pool reads. A batch of facts gives the firms it is
    /// about a new revision, so they come again with their facts.
    ///
    /// The whole read (`since` 0) is one streamed query in the enterprises' id order, each firm with its
    /// facts gathered by credit code (facts of codes not registered are left out). A later read (few firms)
    /// reads their facts by credit code, one query per 500 firms.
    ///
    /// # Errors
    /// Database failure or a corrupt row (`each` has then been called for some rows only).
    pub async fn each_enterprise_with_facts_revised_after(
        &self,
        since: i64,
        mut each: impl FnMut(StoredEnterprise, Vec<Fact>) + Send,
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        if since > 0 {
            let mut firms = Vec::new();
            self.each_enterprise_revised_after(since, |e| firms.push(e)).await?;
            let read = firms.len() as u64;
            for (firm, facts) in self.with_their_facts(firms).await? {
                each(firm, facts);
            }
            return Ok(read);
        }
        // One streamed query, one row per firm with its facts gathered into a JSON array by a subquery
        // through the credit-code index. Reading the facts as rows of their own (a second stream joined
        // beside the firms') handed 4 M rows one by one from the database's worker thread to this task:
        // 55–63 s for a million firms with 4.1 M facts, where the firms alone took 7 s. Only the columns
        // a firm and the pool's facts are made of are read.
        let gathered = match self.db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => {
                "(SELECT json_group_array(json_array(f.id, f.source_record_id, f.kind, f.value, f.as_of, f.valid_until)) \
                 FROM verified_fact f WHERE f.uscc = e.uscc)"
            }
            _ => {
                "(SELECT json_agg(json_build_array(f.id, f.source_record_id, f.kind, f.value, f.as_of, f.valid_until))::text \
                 FROM verified_fact f WHERE f.uscc = e.uscc)"
            }
        };
        let text = format!(
            "SELECT e.id, e.discoverable, e.revision, e.profile, e.updated_at, {gathered} AS facts \
             FROM enterprise e ORDER BY e.id"
        );
        let mut rows =
            FirmWithFacts::find_by_statement(crate::sql::Sql::new(self.db.get_database_backend()).statement(text))
                .stream(&self.db)
                .await?;
        let mut read = 0;
        while let Some(row) = rows.try_next().await? {
            let (firm, facts) = row.into_parts()?;
            each(firm, facts);
            read += 1;
        }
        Ok(read)
    }

    /// The enterprises of `ids` that exist, each with its verified facts as
    /// [`Self::each_enterprise_with_facts_revised_after`] gives them, in no particular order.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn enterprises_with_facts_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(StoredEnterprise, Vec<Fact>)>, StoreError> {
        let firms = self.enterprises_by_id(ids).await?.into_values().collect();
        self.with_their_facts(firms).await
    }

    /// `firms` each with its facts, read for all of them at once by credit code (in `facts_of`'s order).
    async fn with_their_facts(
        &self,
        firms: Vec<StoredEnterprise>,
    ) -> Result<Vec<(StoredEnterprise, Vec<Fact>)>, StoreError> {
        let usccs: Vec<Uscc> = firms.iter().filter_map(|e| e.profile.uscc.clone()).collect();
        let mut facts = self.facts_of_many(&usccs).await?;
        Ok(firms
            .into_iter()
            .map(|firm| {
                let of = firm.profile.uscc.as_ref().and_then(|u| facts.remove(u)).unwrap_or_default();
                (firm, of.into_iter().map(|f| f.fact).collect())
            })
            .collect())
    }

    /// How many enterprises there are (or only those that consented to be found).
    ///
    /// # Errors
    /// Database failure.
    pub async fn count_enterprises(&self, only_discoverable: bool) -> Result<u64, StoreError> {
        let mut query = enterprise::Entity::find();
        if only_discoverable {
            query = query.filter(enterprise::Column::Discoverable.eq(true));
        }
        Ok(query.count(&self.db).await?)
    }

    /// A number that changes whenever any enterprise is created or changed (0 before the first write).
    /// One primary-key read: cheap enough to poll.
    ///
    /// # Errors
    /// Database failure.
    pub async fn enterprise_revision(&self) -> Result<i64, StoreError> {
        current(&self.db).await
    }
}

/// Inserts one new enterprise inside the caller's transaction and returns its id.
///
/// # Errors
/// [`StoreError::Invalid`] for a profile that does not validate (fields prefixed `profile.`); database
/// failure, including a credit code already on file.
pub(crate) async fn insert_in(
    txn: &impl ConnectionTrait,
    profile: &EnterpriseProfile,
    discoverable: bool,
) -> Result<i64, StoreError> {
    use sea_orm::ActiveModelTrait;
    let uscc = checked(profile, "profile.").map_err(StoreError::Invalid)?;
    let revision = bump(txn).await?;
    Ok(active(&uscc, profile, discoverable, revision, Utc::now())?.insert(txn).await?.id)
}

/// Gives the enterprises of these credit codes (those registered; the others are left alone) a new
/// revision inside `txn`, so in-memory copies re-read them: their verified facts changed.
///
/// # Errors
/// Database failure.
pub(crate) async fn revise_by_uscc_in(txn: &impl ConnectionTrait, usccs: &[String]) -> Result<(), StoreError> {
    // A list about firms none of which has registered (a department's whole 名单) changes no firm: the
    // revision stays, and nothing that follows it (the pool, the kept figures) reads again for nothing.
    let mut registered = false;
    for codes in usccs.chunks(ROWS_PER_STATEMENT) {
        let query = enterprise::Entity::find().filter(enterprise::Column::Uscc.is_in(codes.iter().cloned()));
        if query.count(txn).await? > 0 {
            registered = true;
            break;
        }
    }
    if !registered {
        return Ok(());
    }
    let revision = bump(txn).await?;
    for codes in usccs.chunks(ROWS_PER_STATEMENT) {
        enterprise::Entity::update_many()
            .col_expr(enterprise::Column::Revision, Expr::value(revision))
            .filter(enterprise::Column::Uscc.is_in(codes.iter().cloned()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Sets a firm's consent to be found by every institution, bumping the revision so in-memory copies
/// re-read it.
///
/// # Errors
/// Database failure.
pub(crate) async fn set_discoverable_in(
    txn: &impl ConnectionTrait,
    id: i64,
    discoverable: bool,
) -> Result<(), StoreError> {
    let revision = bump(txn).await?;
    enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Discoverable, Expr::value(discoverable))
        .col_expr(enterprise::Column::Revision, Expr::value(revision))
        .col_expr(enterprise::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(enterprise::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

impl Store {
    /// Replaces the profile of enterprise `id` (its own user editing it, on the profile page, the matching
    /// page or the API) and writes the audit entry `event` (action `profile.update`, the enterprise filled in
    /// here) in the same transaction. The credit code cannot change. Saving the profile as it is stored
    /// changes nothing and writes no entry.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a profile that does not validate or names another credit code;
    /// [`StoreError::NotFound`]; database failure.
    pub async fn update_enterprise(
        &self,
        id: i64,
        profile: &EnterpriseProfile,
        event: &AuditEvent<'_>,
    ) -> Result<StoredEnterprise, StoreError> {
        let not_found = || StoreError::NotFound { what: Record::Enterprise, key: id.to_string() };
        let stored = self.enterprise(id).await?.ok_or_else(not_found)?;
        if profile.uscc != stored.profile.uscc {
            let mut errors = FieldErrors::default();
            errors.push("uscc", ValueError::Invalid("统一社会信用代码不可修改".to_owned()));
            return Err(StoreError::Invalid(errors));
        }
        let uscc = checked(profile, "").map_err(StoreError::Invalid)?;
        let mut entry = event.clone();
        entry.action = "profile.update";
        entry.subject_kind = "enterprise";
        entry.subject_id = Some(id);
        entry.enterprise_id = Some(id);
        self.upsert_audited(&[(uscc.clone(), profile, stored.discoverable)], Some(&entry)).await?;
        self.enterprise_by_uscc(&uscc).await?.ok_or_else(not_found)
    }
}
