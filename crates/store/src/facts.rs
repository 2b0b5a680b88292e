//! Verified enterprise facts and the providers that send them.
//!
//! A batch is written in one transaction: every record, or none. A record sent again under the same id by
//! the same provider replaces the one before (a department correcting itself); sent again unchanged it
//! changes nothing, so a batch repeated after a lost answer is harmless. Facts are kept by 统一社会信用代码:
//! a firm that registers later finds the facts sent before it did.
//!
//! A batch a provider sends (through the API, a list the operator uploads, a connector) is recorded with what
//! it did and who sent it ([`FactBatch`]) and audited, in the same transaction as its facts. Generated data
//! (the demo's, the benchmark's) is written by [`Store::save_facts`] without either.

use crate::audit::{self, AuditEvent};
use crate::entity::{data_provider, fact_batch, verified_fact};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{
    Fact, FactArrival, FactKind, FactSource, FactValue, FieldErrors, Labelled, Uscc, ValueError, validate_code,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

/// Ids looked up per query, and rows inserted per statement: well inside SQLite's 32,766 bound parameters
/// (a row has ten columns).
const ID_CHUNK: usize = 500;
const INSERT_CHUNK: usize = 500;

/// A registered source of facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataProvider {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub source: FactSource,
}

/// What a batch did: records added, records that replaced an earlier one of the same id, and records
/// already stored as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactBatchOutcome {
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
}

/// One batch a provider sent, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactBatch {
    pub id: i64,
    pub provider_id: i64,
    pub arrival: FactArrival,
    pub records: usize,
    pub outcome: FactBatchOutcome,
    /// The account that sent it (a provider's user, or the creator of the token it came by); `None` from
    /// the command line.
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub received_at: DateTime<Utc>,
}

fn batch_from_row(row: fact_batch::Model) -> Result<FactBatch, StoreError> {
    let arrival = FactArrival::parse(&row.arrival).map_err(|e| StoreError::Corrupt {
        table: "fact_batch",
        id: row.id,
        field: "arrival",
        reason: e.to_string(),
    })?;
    let count = |n: i32| usize::try_from(n).unwrap_or_default();
    Ok(FactBatch {
        id: row.id,
        provider_id: row.provider_id,
        arrival,
        records: count(row.records),
        outcome: FactBatchOutcome {
            added: count(row.added),
            replaced: count(row.replaced),
            unchanged: count(row.unchanged),
        },
        account_id: row.account_id,
        token_id: row.token_id,
        received_at: row.received_at,
    })
}

/// A count as stored (a batch is bounded far below `i32::MAX`; a list from the command line too, in practice).
fn stored_count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A stored fact with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFact {
    pub id: i64,
    pub fact: Fact,
    pub provider: DataProvider,
    pub arrival: FactArrival,
    pub received_at: DateTime<Utc>,
}

fn provider_from_row(row: data_provider::Model) -> Result<DataProvider, StoreError> {
    let source = FactSource::parse(&row.source).map_err(|e| StoreError::Corrupt {
        table: "data_provider",
        id: row.id,
        field: "source",
        reason: e.to_string(),
    })?;
    Ok(DataProvider { id: row.id, code: row.code, name: row.name, source })
}

impl Store {
    /// Registers a source of facts under `code` (letters, digits, `-`, `_`, `.`), audited as `event`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad or taken code or an empty name; database failure.
    pub async fn create_data_provider(
        &self,
        code: &str,
        name: &str,
        source: FactSource,
        event: &AuditEvent<'_>,
    ) -> Result<DataProvider, StoreError> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", validate_code(code));
        let name = name.trim();
        if name.is_empty() {
            errors.push("name", ValueError::Empty);
        }
        let Some(code) = code.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let taken = || {
            let mut errors = FieldErrors::default();
            errors.push("code", ValueError::worded(format!("代码“{code}”已被使用"), format!("code `{code}` is taken")));
            StoreError::Invalid(errors)
        };
        let txn = self.write_txn().await?;
        if data_provider::Entity::find().filter(data_provider::Column::Code.eq(&code)).one(&txn).await?.is_some() {
            return Err(taken());
        }
        let row = data_provider::ActiveModel {
            code: Set(code.clone()),
            name: Set(name.to_owned()),
            source: Set(source.as_str().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(),
            _ => e.into(),
        })?;
        let detail = serde_json::json!({ "code": row.code, "source": row.source });
        audit::append(&txn, &event.clone().subject("data_provider", row.id).with_facts(detail)).await?;
        txn.commit().await?;
        provider_from_row(row)
    }

    /// The provider with this id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure or a corrupt row.
    pub async fn data_provider(&self, id: i64) -> Result<DataProvider, StoreError> {
        let row = data_provider::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::DataProvider, key: id.to_string() })?;
        provider_from_row(row)
    }

    /// The registered sources of facts, by code.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn data_providers(&self) -> Result<Vec<DataProvider>, StoreError> {
        let rows = data_provider::Entity::find().order_by_asc(data_provider::Column::Code).all(&self.db).await?;
        rows.into_iter().map(provider_from_row).collect()
    }

    /// Stores generated facts from `provider` (the demo's, the benchmark's), all or nothing, without recording a
    /// batch or an audit entry; `on_fact` is called once per fact (a progress bar). What a provider sends goes
    /// through [`Store::record_fact_batch`].
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a fact's kind is not one the provider's source may write; database
    /// failure, with nothing written.
    pub async fn save_facts(
        &self,
        provider: &DataProvider,
        facts: &[Fact],
        arrival: FactArrival,
        on_fact: &(dyn Fn() + Send + Sync),
    ) -> Result<FactBatchOutcome, StoreError> {
        let txn = self.write_txn().await?;
        let outcome = write_facts(&txn, provider, facts, arrival, on_fact).await?;
        txn.commit().await?;
        Ok(outcome)
    }

    /// Stores a batch a provider sent, all or nothing, with its record ([`FactBatch`]) and an audit entry
    /// (`event`, whose account and token name the sender), in one transaction; `on_fact` is called once per
    /// fact (a progress bar).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a fact's kind is not one the provider's source may write (the batch was
    /// read for another source); database failure, with nothing written.
    pub async fn record_fact_batch(
        &self,
        provider: &DataProvider,
        facts: &[Fact],
        arrival: FactArrival,
        on_fact: &(dyn Fn() + Send + Sync),
        event: &AuditEvent<'_>,
    ) -> Result<FactBatch, StoreError> {
        let txn = self.write_txn().await?;
        let outcome = write_facts(&txn, provider, facts, arrival, on_fact).await?;
        let row = fact_batch::ActiveModel {
            provider_id: Set(provider.id),
            arrival: Set(arrival.as_str().to_owned()),
            records: Set(stored_count(facts.len())),
            added: Set(stored_count(outcome.added)),
            replaced: Set(stored_count(outcome.replaced)),
            unchanged: Set(stored_count(outcome.unchanged)),
            account_id: Set(event.account_id),
            token_id: Set(event.token.map(|(id, _)| id)),
            received_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let detail = serde_json::json!({
            "provider_id": provider.id, "provider": provider.code, "arrival": arrival.as_str(),
            "records": facts.len(), "added": outcome.added, "replaced": outcome.replaced,
            "unchanged": outcome.unchanged,
        });
        audit::append(&txn, &event.clone().subject("fact_batch", row.id).with_facts(detail)).await?;
        // A batch that changed no fact still counts among its provider's batches.
        crate::counters::bump(&txn, crate::counters::VERIFIED_FACTS).await?;
        txn.commit().await?;
        batch_from_row(row)
    }

    /// A provider's batches, newest first, at most `limit`.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn fact_batches(&self, provider_id: i64, limit: u64) -> Result<Vec<FactBatch>, StoreError> {
        fact_batch::Entity::find()
            .filter(fact_batch::Column::ProviderId.eq(provider_id))
            .order_by_desc(fact_batch::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(batch_from_row)
            .collect()
    }

    /// Every fact stored about the firm with this credit code, newest first, with its provider.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn facts_of(&self, uscc: &Uscc) -> Result<Vec<StoredFact>, StoreError> {
        let rows = verified_fact::Entity::find()
            .filter(verified_fact::Column::Uscc.eq(uscc.to_string()))
            .order_by_desc(verified_fact::Column::AsOf)
            .order_by_desc(verified_fact::Column::Id)
            .all(&self.db)
            .await?;
        let providers = self.data_providers().await?;
        rows.iter().map(|row| stored_with_provider(row, &providers)).collect()
    }

    /// The facts of each of `codes` (a page of firms), as [`Store::facts_of`] gives one firm's: newest first,
    /// with their providers. One query per 500 codes (and one for the providers), never one per firm; a code
    /// with no fact has no entry.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn facts_of_many(&self, codes: &[Uscc]) -> Result<HashMap<Uscc, Vec<StoredFact>>, StoreError> {
        let mut codes: Vec<String> = codes.iter().map(ToString::to_string).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut out: HashMap<Uscc, Vec<StoredFact>> = HashMap::new();
        if codes.is_empty() {
            return Ok(out);
        }
        let providers = self.data_providers().await?;
        for chunk in codes.chunks(ID_CHUNK) {
            let rows = verified_fact::Entity::find()
                .filter(verified_fact::Column::Uscc.is_in(chunk.iter().cloned()))
                .order_by_desc(verified_fact::Column::AsOf)
                .order_by_desc(verified_fact::Column::Id)
                .all(&self.db)
                .await?;
            for row in &rows {
                let stored = stored_with_provider(row, &providers)?;
                out.entry(stored.fact.uscc.clone()).or_default().push(stored);
            }
        }
        Ok(out)
    }
}

/// A stored row with its provider (of `providers`, all of them).
fn stored_with_provider(row: &verified_fact::Model, providers: &[DataProvider]) -> Result<StoredFact, StoreError> {
    let provider = providers.iter().find(|p| p.id == row.provider_id).cloned().ok_or_else(|| StoreError::Corrupt {
        table: "verified_fact",
        id: row.id,
        field: "provider_id",
        reason: format!("no provider {}", row.provider_id),
    })?;
    let arrival = FactArrival::parse(&row.arrival).map_err(|e| StoreError::Corrupt {
        table: "verified_fact",
        id: row.id,
        field: "arrival",
        reason: e.to_string(),
    })?;
    Ok(StoredFact { id: row.id, fact: stored_fact(row)?, provider, arrival, received_at: row.received_at })
}

/// Writes checked facts from `provider` in `txn`: records new under their ids added, changed ones replaced,
/// the same ones left; `on_fact` once per fact. When anything changed, the registered firms the batch is
/// about get a new enterprise revision in the same transaction, so the reverse-matching pool re-reads them
/// with their facts (a batch that changes nothing leaves the revision as it was).
async fn write_facts(
    txn: &DatabaseTransaction,
    provider: &DataProvider,
    facts: &[Fact],
    arrival: FactArrival,
    on_fact: &(dyn Fn() + Send + Sync),
) -> Result<FactBatchOutcome, StoreError> {
    let allowed = provider.source.kinds();
    if let Some(wrong) = facts.iter().find(|f| !allowed.contains(&f.kind)) {
        let mut errors = FieldErrors::default();
        errors.push(
            "kind",
            ValueError::worded(
                format!("本数据源（{}）未登记提供“{}”", provider.source.label_zh(), wrong.kind.label_zh()),
                format!("the source ({}) is not registered for {}", provider.source.label_en(), wrong.kind.label_en()),
            ),
        );
        return Err(StoreError::Invalid(errors));
    }
    let now = Utc::now();
    let mut outcome = FactBatchOutcome::default();
    // The records already kept under these ids, read in chunks (a batch holds thousands; one query per
    // record made a department's monthly push take seconds).
    let mut existing: HashMap<String, verified_fact::Model> = HashMap::new();
    for ids in facts.chunks(ID_CHUNK) {
        let rows = verified_fact::Entity::find()
            .filter(verified_fact::Column::ProviderId.eq(provider.id))
            .filter(verified_fact::Column::SourceRecordId.is_in(ids.iter().map(|f| f.source_record_id.clone())))
            .all(txn)
            .await?;
        existing.extend(rows.into_iter().map(|r| (r.source_record_id.clone(), r)));
    }
    let mut new_rows = Vec::new();
    for fact in facts {
        let value =
            serde_json::to_string(&fact.value).map_err(|source| StoreError::Encode { what: "fact value", source })?;
        let row = verified_fact::ActiveModel {
            provider_id: Set(provider.id),
            source_record_id: Set(fact.source_record_id.clone()),
            uscc: Set(fact.uscc.to_string()),
            kind: Set(fact.kind.as_str().to_owned()),
            value: Set(value),
            as_of: Set(fact.as_of),
            valid_until: Set(fact.valid_until),
            arrival: Set(arrival.as_str().to_owned()),
            received_at: Set(now),
            ..Default::default()
        };
        match existing.get(&fact.source_record_id) {
            None => {
                new_rows.push(row);
                outcome.added += 1;
            }
            Some(old) if stored_fact(old)? == *fact => outcome.unchanged += 1,
            Some(old) => {
                let mut row = row;
                row.id = Set(old.id);
                row.update(txn).await?;
                outcome.replaced += 1;
            }
        }
        on_fact();
    }
    for rows in new_rows.chunks(INSERT_CHUNK) {
        verified_fact::Entity::insert_many(rows.to_vec()).exec_without_returning(txn).await?;
    }
    if outcome.added + outcome.replaced > 0 {
        crate::counters::bump(txn, crate::counters::VERIFIED_FACTS).await?;
        let mut changed: Vec<String> = facts.iter().map(|f| f.uscc.to_string()).collect();
        changed.sort_unstable();
        changed.dedup();
        crate::enterprises::revise_by_uscc_in(txn, &changed).await?;
    }
    Ok(outcome)
}

/// A stored row as the domain's fact.
pub(crate) fn stored_fact(row: &verified_fact::Model) -> Result<Fact, StoreError> {
    let corrupt =
        |field: &'static str, reason: String| StoreError::Corrupt { table: "verified_fact", id: row.id, field, reason };
    Ok(Fact {
        source_record_id: row.source_record_id.clone(),
        uscc: Uscc::parse(&row.uscc).map_err(|e| corrupt("uscc", e.to_string()))?,
        kind: FactKind::parse(&row.kind).map_err(|e| corrupt("kind", e.to_string()))?,
        value: serde_json::from_str::<FactValue>(&row.value).map_err(|e| corrupt("value", e.to_string()))?,
        as_of: row.as_of,
        valid_until: row.valid_until,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing;
    use chrono::NaiveDate;
    use finmart_domain::{FactRecord, TaxCreditGrade, validate_fact_batch};

    const FIRM: &str = "91350100M000100Y43";

    fn act() -> AuditEvent<'static> {
        AuditEvent::anonymous(None, "test")
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn grade(id: &str, grade: &str) -> FactRecord {
        FactRecord {
            source_record_id: id.into(),
            uscc: FIRM.into(),
            kind: "tax_credit_grade".into(),
            value: grade.into(),
            as_of: "2025-12-31".into(),
            ..FactRecord::default()
        }
    }

    #[tokio::test]
    async fn a_batch_is_kept_by_credit_code_and_sent_again_replaces_or_changes_nothing() {
        for db in testing::all().await {
            let s = &db.store;
            let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
            assert!(matches!(
                s.create_data_provider("tj-tax", "重复", FactSource::Tax, &act()).await,
                Err(StoreError::Invalid(_))
            ));
            assert!(matches!(
                s.create_data_provider("bad code", "x", FactSource::Tax, &act()).await,
                Err(StoreError::Invalid(_))
            ));
            let batch = validate_fact_batch(&[grade("G-1", "A")], FactSource::Tax, today()).unwrap();
            let first = s.save_facts(&tax, &batch, FactArrival::Api, &|| {}).await.unwrap();
            assert_eq!(first, FactBatchOutcome { added: 1, replaced: 0, unchanged: 0 }, "{}", db.backend);
            // The same batch again (an answer lost on the way): nothing changes.
            let again = s.save_facts(&tax, &batch, FactArrival::Api, &|| {}).await.unwrap();
            assert_eq!(again, FactBatchOutcome { added: 0, replaced: 0, unchanged: 1 });
            // A correction under the same id replaces the record.
            let corrected = validate_fact_batch(&[grade("G-1", "B")], FactSource::Tax, today()).unwrap();
            let replaced = s.save_facts(&tax, &corrected, FactArrival::Api, &|| {}).await.unwrap();
            assert_eq!(replaced, FactBatchOutcome { added: 0, replaced: 1, unchanged: 0 });
            let uscc = Uscc::parse(FIRM).unwrap();
            let stored = s.facts_of(&uscc).await.unwrap();
            assert_eq!(stored.len(), 1);
            assert_eq!(stored[0].fact.value, FactValue::Grade { grade: TaxCreditGrade::B });
            assert_eq!((stored[0].provider.code.as_str(), stored[0].arrival), ("tj-tax", FactArrival::Api));
            assert_eq!(stored[0].fact.valid_until, NaiveDate::from_ymd_opt(2027, 6, 30).unwrap());
        }
    }

    #[tokio::test]
    async fn the_facts_of_a_page_of_firms_are_read_together_by_credit_code() {
        const OTHER: &str = "91120116MA05JQ8X3B";
        for db in testing::all().await {
            let s = &db.store;
            let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
            let mut other = grade("O-1", "C");
            other.uscc = OTHER.into();
            let mut older = grade("G-0", "B");
            older.as_of = "2024-12-31".into();
            let records = [older, grade("G-1", "A"), other];
            let batch = validate_fact_batch(&records, FactSource::Tax, today()).unwrap();
            s.save_facts(&tax, &batch, FactArrival::Api, &|| {}).await.unwrap();
            let (firm, other, none) = (
                Uscc::parse(FIRM).unwrap(),
                Uscc::parse(OTHER).unwrap(),
                Uscc::with_check("91110000100000000").unwrap(),
            );
            let many = s.facts_of_many(&[firm.clone(), other.clone(), none.clone(), firm.clone()]).await.unwrap();
            assert_eq!(many.len(), 2, "{}: a code without facts has no entry", db.backend);
            assert!(!many.contains_key(&none));
            // Each firm's facts as its own read gives them: newest first, with the provider.
            assert_eq!(many[&firm], s.facts_of(&firm).await.unwrap(), "{}", db.backend);
            let ids: Vec<&str> = many[&firm].iter().map(|f| f.fact.source_record_id.as_str()).collect();
            assert_eq!(ids, ["G-1", "G-0"]);
            assert_eq!(many[&other].len(), 1);
            assert_eq!(many[&other][0].fact.value, FactValue::Grade { grade: TaxCreditGrade::C });
            assert_eq!(many[&other][0].provider.code, "tj-tax");
            assert!(s.facts_of_many(&[]).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn a_batch_with_a_kind_outside_the_providers_source_writes_nothing() {
        for db in testing::all().await {
            let s = &db.store;
            let courts =
                s.create_data_provider("tj-court", "天津市高级人民法院", FactSource::Courts, &act()).await.unwrap();
            // Read for the platform (which may send every kind), then sent as the courts: refused whole.
            let mut listed = grade("C-1", "否");
            listed.kind = "dishonest_debtor".into();
            let batch = validate_fact_batch(&[listed, grade("G-1", "A")], FactSource::CreditPlatform, today()).unwrap();
            assert!(matches!(
                s.save_facts(&courts, &batch, FactArrival::Api, &|| {}).await,
                Err(StoreError::Invalid(_))
            ));
            assert!(s.facts_of(&Uscc::parse(FIRM).unwrap()).await.unwrap().is_empty(), "{}", db.backend);
            let ok = s.save_facts(&courts, &batch[..1], FactArrival::Upload, &|| {}).await.unwrap();
            assert_eq!(ok.added, 1);
        }
    }

    /// The firms read as the reverse-matching pool reads them: id, credit code and the facts' values.
    async fn pool_read(s: &Store, since: i64) -> Vec<(String, Vec<FactValue>)> {
        let mut read = Vec::new();
        s.each_enterprise_with_facts_revised_after(since, |e, facts| {
            let uscc = e.profile.uscc.map(|u| u.to_string()).unwrap_or_default();
            read.push((uscc, facts.into_iter().map(|f| f.value).collect()));
        })
        .await
        .unwrap();
        read.sort_by(|a, b| a.0.cmp(&b.0));
        read
    }

    #[tokio::test]
    async fn facts_reach_the_pools_read_with_a_new_revision_registered_or_later() {
        for db in testing::all().await {
            let s = &db.store;
            let firms: Vec<_> = finmart_synth::profiles(7, 30, today()).map(|p| (p.profile, p.discoverable)).collect();
            let code = |i: usize| firms[i].0.uscc.as_ref().unwrap().to_string();
            let graded = |i: usize, id: &str, g: &str| FactRecord { uscc: code(i), ..grade(id, g) };
            // Firm 25 registers later.
            let registered: Vec<_> =
                firms.iter().enumerate().filter(|(i, _)| *i != 25).map(|(_, f)| f.clone()).collect();
            s.insert_enterprises(&registered).await.unwrap();
            let before = s.enterprise_revision().await.unwrap();
            let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
            let records = [graded(3, "G-3", "A"), graded(10, "G-10", "C"), graded(25, "G-25", "B")];
            let batch = validate_fact_batch(&records, FactSource::Tax, today()).unwrap();
            s.save_facts(&tax, &batch, FactArrival::Connector, &|| {}).await.unwrap();
            let after = s.enterprise_revision().await.unwrap();
            assert!(after > before, "{}", db.backend);
            let a = || vec![FactValue::Grade { grade: TaxCreditGrade::A }];
            let c = || vec![FactValue::Grade { grade: TaxCreditGrade::C }];
            // Only the registered firms the batch is about are read again, with their facts.
            assert_eq!(pool_read(s, before).await, {
                let mut v = vec![(code(3), a()), (code(10), c())];
                v.sort_by(|x, y| x.0.cmp(&y.0));
                v
            });
            // The whole read: every registered firm, each with its own facts (the unregistered code's passed over).
            let whole = pool_read(s, 0).await;
            assert_eq!(whole.len(), 29, "{}", db.backend);
            for (uscc, facts) in &whole {
                let expected = if *uscc == code(3) {
                    a()
                } else if *uscc == code(10) {
                    c()
                } else {
                    Vec::new()
                };
                assert_eq!(*facts, expected, "{uscc} on {}", db.backend);
            }
            // The same batch again changes nothing, the revision included.
            s.save_facts(&tax, &batch, FactArrival::Connector, &|| {}).await.unwrap();
            assert_eq!(s.enterprise_revision().await.unwrap(), after);
            // A provider's batch (a correction) reaches the pool the same way.
            let corrected = validate_fact_batch(&[graded(3, "G-3", "D")], FactSource::Tax, today()).unwrap();
            s.record_fact_batch(&tax, &corrected, FactArrival::Api, &|| {}, &act()).await.unwrap();
            let d = vec![FactValue::Grade { grade: TaxCreditGrade::D }];
            assert_eq!(pool_read(s, after).await, vec![(code(3), d.clone())]);
            // The firm registering with facts waiting comes with them, in the later read and the whole one.
            let revision = s.enterprise_revision().await.unwrap();
            s.save_enterprise(&firms[25].0, firms[25].1).await.unwrap();
            let b = vec![FactValue::Grade { grade: TaxCreditGrade::B }];
            assert_eq!(pool_read(s, revision).await, vec![(code(25), b.clone())]);
            let whole = pool_read(s, 0).await;
            assert_eq!(whole.len(), 30);
            assert!(whole.contains(&(code(25), b)) && whole.contains(&(code(3), d)));
            // Read for a page of firms at once, by credit code.
            let codes: Vec<Uscc> = [3, 10, 11].iter().map(|i| Uscc::parse(&code(*i)).unwrap()).collect();
            let many = s.facts_of_many(&codes).await.unwrap();
            assert_eq!(many.len(), 2);
            assert_eq!(many[&codes[1]].len(), 1);
            assert_eq!(many[&codes[0]][0].provider.code, "tj-tax");
        }
    }

    #[tokio::test]
    async fn the_whole_read_gives_each_firm_its_facts_as_stored_and_names_a_corrupt_one() {
        for db in testing::all().await {
            let s = &db.store;
            let firms: Vec<_> = finmart_synth::profiles(11, 7, today()).map(|p| (p.profile, p.discoverable)).collect();
            s.insert_enterprises(&firms[..6]).await.unwrap();
            let code = |i: usize| firms[i].0.uscc.as_ref().unwrap().to_string();
            let platform =
                s.create_data_provider("tj-credit", "信用天津", FactSource::CreditPlatform, &act()).await.unwrap();
            let fact = |id: &str, i: usize, kind: &str, value: &str, until: Option<&str>| FactRecord {
                kind: kind.into(),
                value: value.into(),
                uscc: code(i),
                certificate: (kind == "qualification").then(|| "GR202412000123 \"甲\"".into()),
                valid_until: until.map(Into::into),
                ..grade(id, "A")
            };
            // Several kinds for one firm (a quoted, Chinese certificate number among them, two grades of one
            // day), one for another,
            // none for the rest, and one about a code nobody registered.
            let records = [
                fact("Q-1", 1, "qualification", "高新技术企业", Some("2027-11-30")),
                fact("G-1", 1, "tax_credit_grade", "B", None),
                // Equally new, received after it: it comes first in every read.
                fact("G-1b", 1, "tax_credit_grade", "C", None),
                fact("T-1", 1, "tax_paid", "1234567.89", None),
                fact("L-1", 1, "dishonest_debtor", "否", None),
                fact("G-4", 4, "tax_credit_grade", "M", Some("2026-01-31")),
                fact("G-6", 6, "tax_credit_grade", "A", None),
            ];
            let batch = validate_fact_batch(&records, FactSource::CreditPlatform, today()).unwrap();
            s.save_facts(&platform, &batch, FactArrival::Upload, &|| {}).await.unwrap();
            let mut read = Vec::new();
            s.each_enterprise_with_facts_revised_after(0, |e, facts| read.push((e, facts))).await.unwrap();
            assert_eq!(read.len(), 6, "{}", db.backend);
            assert!(read.windows(2).all(|w| w[0].0.id < w[1].0.id), "in the firms' id order");
            for (firm, facts) in read {
                let uscc = firm.profile.uscc.clone().unwrap();
                let stored: Vec<Fact> = s.facts_of(&uscc).await.unwrap().into_iter().map(|f| f.fact).collect();
                // In the same order too: of facts equally new, the first decides.
                assert_eq!(facts, stored, "{uscc} on {}", db.backend);
                assert_eq!(Some(&firm), s.enterprise(firm.id).await.unwrap().as_ref());
            }
            // A value that is not what the store writes is named, with the fact's row, not read as empty.
            let bad = verified_fact::Entity::find()
                .filter(verified_fact::Column::SourceRecordId.eq("T-1"))
                .one(s.connection())
                .await
                .unwrap()
                .unwrap();
            verified_fact::Entity::update_many()
                .col_expr(verified_fact::Column::Value, sea_orm::sea_query::Expr::value("{\"money\": 1"))
                .filter(verified_fact::Column::Id.eq(bad.id))
                .exec(s.connection())
                .await
                .unwrap();
            let failed = s.each_enterprise_with_facts_revised_after(0, |_, _| {}).await;
            assert!(
                matches!(&failed, Err(StoreError::Corrupt { table: "verified_fact", id, field: "value", .. }) if *id == bad.id),
                "{failed:?} on {}",
                db.backend
            );
        }
    }
}
