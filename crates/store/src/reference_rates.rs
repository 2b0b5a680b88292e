//! Published reference rates (LPR, PBOC benchmark lending rates): the table the operator keeps, with its
//! history, and what products are priced by.
//!
//! A new publication is a new row, checked by the domain's rules ([`PublicationInput::check`]) and audited;
//! a day already entered for a kind takes only a correction, which is another row with the next revision.
//! The current publication of a kind is the latest published on or before today (Asia/Shanghai), the last
//! revision of its day. Every product read carries the current publications its pricing follows
//! ([`current_reference_rates`]), so a publication changes those products' effective rates: it re-announces
//! them on the change log in its transaction, and every server's follower re-reads them into its search
//! index and matching engine.

use crate::audit::{self, AuditEvent};
use crate::entity::{product, reference_rate};
use crate::{Store, StoreError, changes};
use chrono::{DateTime, Utc};
use finmart_domain::{
    Bps, Labelled, NewPublication, Publication, PublicationInput, ReferenceKind, ReferenceRates, shanghai,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

/// One stored publication and its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRateEntry {
    pub id: i64,
    pub publication: Publication,
    /// 0 for the publication, 1, 2… for its corrections.
    pub revision: i32,
    pub source: String,
    pub entered_by: String,
    pub entered_by_account_id: Option<i64>,
    pub entered_at: DateTime<Utc>,
    /// The publication products of its kind are priced by now.
    pub current: bool,
    /// A later revision of the same kind and day corrects it.
    pub corrected: bool,
}

fn entry_from_row(row: reference_rate::Model) -> Result<ReferenceRateEntry, StoreError> {
    let bad = |field: &'static str| {
        move |reason: String| StoreError::Corrupt { table: "reference_rate", id: row.id, field, reason }
    };
    let kind = ReferenceKind::parse(&row.kind).map_err(|e| bad("kind")(e.to_string()))?;
    let rate = u32::try_from(row.rate_bps)
        .map_err(|e| e.to_string())
        .and_then(|b| Bps::new(b).map_err(|e| e.to_string()))
        .map_err(bad("rate_bps"))?;
    Ok(ReferenceRateEntry {
        id: row.id,
        publication: Publication { kind, rate, published_on: row.published_on },
        revision: row.revision,
        source: row.source,
        entered_by: row.entered_by,
        entered_by_account_id: row.entered_by_account_id,
        entered_at: row.entered_at,
        current: false,
        corrected: false,
    })
}

/// Every stored publication, by kind, day and revision.
async fn all_entries(db: &impl ConnectionTrait) -> Result<Vec<ReferenceRateEntry>, StoreError> {
    reference_rate::Entity::find()
        .order_by_asc(reference_rate::Column::Kind)
        .order_by_asc(reference_rate::Column::PublishedOn)
        .order_by_asc(reference_rate::Column::Revision)
        .all(db)
        .await?
        .into_iter()
        .map(entry_from_row)
        .collect()
}

/// The current publication of every kind entered (today in Asia/Shanghai).
///
/// # Errors
/// Database failure or a corrupt row.
pub(crate) async fn current_reference_rates(db: &impl ConnectionTrait) -> Result<ReferenceRates, StoreError> {
    let entries = all_entries(db).await?;
    // In revision order within a day, so a correction comes after what it corrects and wins the tie.
    Ok(ReferenceRates::current(entries.into_iter().map(|e| e.publication), shanghai::today()))
}

impl Store {
    /// The current publication of every kind entered: what products are priced by today.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn reference_rates(&self) -> Result<ReferenceRates, StoreError> {
        current_reference_rates(&self.db).await
    }

    /// Every publication ever entered, newest day first within each kind (kinds in their vocabulary's
    /// order), each marked current or corrected.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn reference_rate_history(&self) -> Result<Vec<ReferenceRateEntry>, StoreError> {
        let mut entries = all_entries(&self.db).await?;
        let current = ReferenceRates::current(entries.iter().map(|e| e.publication), shanghai::today());
        let latest_revision = |kind, day| {
            entries
                .iter()
                .filter(|e| e.publication.kind == kind && e.publication.published_on == day)
                .map(|e| e.revision)
                .max()
        };
        let marks: Vec<(bool, bool)> = entries
            .iter()
            .map(|e| {
                let last = latest_revision(e.publication.kind, e.publication.published_on) == Some(e.revision);
                let current = last && current.get(e.publication.kind) == Some(&e.publication);
                (current, !last)
            })
            .collect();
        for (e, (current, corrected)) in entries.iter_mut().zip(marks) {
            (e.current, e.corrected) = (current, corrected);
        }
        entries.sort_by(|a, b| {
            (a.publication.kind, std::cmp::Reverse(a.publication.published_on), std::cmp::Reverse(a.revision)).cmp(&(
                b.publication.kind,
                std::cmp::Reverse(b.publication.published_on),
                std::cmp::Reverse(b.revision),
            ))
        });
        Ok(entries)
    }

    /// Checks and enters a publication (the operator's page and API, `finmart rates set`), audited as
    /// `event` (`reference_rate.publish`, or `reference_rate.correct` for a correction). `entered_by` says
    /// who in words (the account's name, or the tool). Every product priced on the kind is re-announced, so
    /// search and matching on every server price it by the new value within a second.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming every bad field; [`StoreError::PublicationExists`] for a day already
    /// entered (unless it is a correction); [`StoreError::NothingToCorrect`] for a correction of a day not
    /// entered; database failure.
    pub async fn publish_reference_rate(
        &self,
        input: &PublicationInput<'_>,
        entered_by: &str,
        event: AuditEvent<'_>,
    ) -> Result<ReferenceRateEntry, StoreError> {
        let new = input.check(shanghai::today()).map_err(StoreError::Invalid)?;
        let txn = self.write_txn().await?;
        let mut entry = insert(&txn, &new, entered_by, event.account_id).await?;
        let priced = products_priced_on(&txn, new.publication.kind).await?;
        changes::record_all(&txn, &priced).await?;
        let p = &entry.publication;
        let facts = json!({
            "kind": p.kind.as_str(), "rate_bps": p.rate.bps(), "published_on": p.published_on.to_string(),
            "revision": entry.revision, "source": entry.source, "products": priced.len(),
        });
        let action_event =
            AuditEvent { action: if new.correction { "reference_rate.correct" } else { event.action }, ..event };
        audit::append(&txn, &action_event.subject("reference_rate", entry.id).with_facts(facts)).await?;
        txn.commit().await?;
        if !priced.is_empty() {
            self.announce_change();
        }
        // An earlier day enters the history without becoming the current one.
        entry.current = self.reference_rates().await?.get(entry.publication.kind) == Some(&entry.publication);
        Ok(entry)
    }
}

/// Writes a checked publication: revision 0 of a new day, or the next revision of a day already entered
/// when it is a correction.
async fn insert(
    db: &impl ConnectionTrait,
    new: &NewPublication,
    entered_by: &str,
    account_id: Option<i64>,
) -> Result<ReferenceRateEntry, StoreError> {
    let p = new.publication;
    let latest: Option<i32> = reference_rate::Entity::find()
        .select_only()
        .column_as(reference_rate::Column::Revision.max(), "r")
        .filter(reference_rate::Column::Kind.eq(p.kind.as_str()))
        .filter(reference_rate::Column::PublishedOn.eq(p.published_on))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let revision = match (latest, new.correction) {
        (None, false) => 0,
        (Some(r), true) => r + 1,
        (Some(_), false) => return Err(StoreError::PublicationExists { kind: p.kind, day: p.published_on }),
        (None, true) => return Err(StoreError::NothingToCorrect { kind: p.kind, day: p.published_on }),
    };
    let row = reference_rate::ActiveModel {
        kind: Set(p.kind.as_str().to_owned()),
        rate_bps: Set(i32::try_from(p.rate.bps()).unwrap_or(i32::MAX)),
        published_on: Set(p.published_on),
        revision: Set(revision),
        source: Set(new.source.clone()),
        entered_by_account_id: Set(account_id),
        entered_by: Set(entered_by.chars().take(100).collect()),
        entered_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    // Another writer entered the same day (and revision) between the look-up and the insert.
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            StoreError::PublicationExists { kind: p.kind, day: p.published_on }
        }
        _ => e.into(),
    })?;
    entry_from_row(row)
}

/// Every product, in any state, whose price follows `kind` (the benchmark bands together: a benchmark
/// product's band is its loan's term).
async fn products_priced_on(db: &impl ConnectionTrait, kind: ReferenceKind) -> Result<Vec<i64>, StoreError> {
    let basis = if kind.is_benchmark() { "benchmark" } else { kind.as_str() };
    Ok(product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::RateBasis.eq(basis))
        .order_by_asc(product::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}
