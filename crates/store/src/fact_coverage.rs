//! The operator's figures on verified facts: how far they reach among the firms on the platform (by kind,
//! district and industry, with the expired and the conflicting), and how fresh each provider's are.
//!
//! Every stored firm counts (registered or loaded). Facts are read page by page in the order of the firm they
//! are about (a keyset on firm and fact id), and the firms' profiles a few hundred at a time, so the figures
//! over a million firms never hold more than a page of either; what each firm counts as is the domain's
//! ([`Coverage::tally`]).

use crate::entity::{enterprise, fact_batch, product};
use crate::sql::Sql;
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{Coverage, Fact, FactKind, FactValue, Labelled, LifecycleState, Uscc, VerifiedRules};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect};
use std::collections::BTreeMap;

/// Fact rows read per query, and profiles per query.
const FACT_PAGE: u64 = 5_000;
const PROFILE_CHUNK: usize = 500;

/// Coverage overall and per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCoverage {
    pub all: Coverage,
    /// By district code.
    pub by_district: BTreeMap<String, Coverage>,
    /// By industry (machine name).
    pub by_industry: BTreeMap<String, Coverage>,
}

/// How current one provider's facts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFreshness {
    pub provider_id: i64,
    pub facts: u64,
    /// Facts past their validity today.
    pub expired: u64,
    /// The newest day a fact describes.
    pub newest_as_of: Option<NaiveDate>,
    pub batches: u64,
    /// When its last batch arrived (generated data records none).
    pub last_batch_at: Option<DateTime<Utc>>,
}

/// A published product that requires some of its conditions to be met by a verified fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiringProduct {
    pub id: i64,
    pub name: String,
    pub institution_id: i64,
    pub rules: VerifiedRules,
}

fn number(row: &QueryResult, column: &str) -> Result<u64, StoreError> {
    let n: i64 = row.try_get("", column)?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// One fact row as the domain's fact (the columns of `verified_fact`).
fn fact_of(row: &QueryResult) -> Result<Fact, StoreError> {
    let id: i64 = row.try_get("", "fact_id")?;
    let corrupt =
        |field: &'static str, reason: String| StoreError::Corrupt { table: "verified_fact", id, field, reason };
    let uscc: String = row.try_get("", "uscc")?;
    let kind: String = row.try_get("", "kind")?;
    let value: String = row.try_get("", "value")?;
    Ok(Fact {
        source_record_id: row.try_get("", "source_record_id")?,
        uscc: Uscc::parse(&uscc).map_err(|e| corrupt("uscc", e.to_string()))?,
        kind: FactKind::parse(&kind).map_err(|e| corrupt("kind", e.to_string()))?,
        value: serde_json::from_str::<FactValue>(&value).map_err(|e| corrupt("value", e.to_string()))?,
        as_of: row.try_get("", "as_of")?,
        valid_until: row.try_get("", "valid_until")?,
    })
}

impl FactCoverage {
    fn add_firms(&mut self, district: &str, industry: &str, n: u64) {
        self.all.add_firms(n);
        self.by_district.entry(district.to_owned()).or_default().add_firms(n);
        self.by_industry.entry(industry.to_owned()).or_default().add_firms(n);
    }
}

impl Store {
    /// The coverage of verified facts among every stored firm, as of `today`.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn fact_coverage(&self, today: NaiveDate) -> Result<FactCoverage, StoreError> {
        self.fact_coverage_paged(today, FACT_PAGE).await
    }

    /// [`Store::fact_coverage`] reading `page` fact rows at a time.
    pub(crate) async fn fact_coverage_paged(&self, today: NaiveDate, page: u64) -> Result<FactCoverage, StoreError> {
        let mut coverage =
            FactCoverage { all: Coverage::default(), by_district: BTreeMap::new(), by_industry: BTreeMap::new() };
        let groups: Vec<(String, String, i64)> = enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::District)
            .column(enterprise::Column::Industry)
            .column_as(enterprise::Column::Id.count(), "n")
            .group_by(enterprise::Column::District)
            .group_by(enterprise::Column::Industry)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (district, industry, n) in &groups {
            coverage.add_firms(district, industry, u64::try_from(*n).unwrap_or_default());
        }

        // Facts of stored firms, in firm order; each firm's facts gathered, then tallied with its profile.
        let mut pending: Vec<(i64, Vec<Fact>)> = Vec::new();
        let mut after = (0_i64, 0_i64);
        loop {
            let mut sql = Sql::new(self.db.get_database_backend());
            let text = format!(
                "SELECT e.id AS firm, f.id AS fact_id, f.source_record_id, f.uscc, f.kind, f.value, f.as_of, \
                 f.valid_until FROM verified_fact f JOIN enterprise e ON e.uscc = f.uscc \
                 WHERE e.id > {a} OR (e.id = {b} AND f.id > {c}) ORDER BY e.id, f.id LIMIT {limit}",
                a = sql.bind(after.0),
                b = sql.bind(after.0),
                c = sql.bind(after.1),
                limit = sql.bind(i64::try_from(page).unwrap_or(i64::MAX)),
            );
            let rows = self.db.query_all_raw(sql.statement(text)).await?;
            let full = rows.len() as u64 == page;
            for row in &rows {
                let firm: i64 = row.try_get("", "firm")?;
                after = (firm, row.try_get("", "fact_id")?);
                let fact = fact_of(row)?;
                match pending.last_mut() {
                    Some((last, facts)) if *last == firm => facts.push(fact),
                    _ => pending.push((firm, vec![fact])),
                }
            }
            // Every firm but the last is complete (the next page may hold more of the last one's facts).
            let keep = if full { pending.pop() } else { None };
            if pending.len() >= PROFILE_CHUNK || !full {
                self.tally_firms(&mut coverage, &pending, today).await?;
                pending.clear();
            }
            pending.extend(keep);
            if !full {
                break;
            }
        }
        Ok(coverage)
    }

    async fn tally_firms(
        &self,
        coverage: &mut FactCoverage,
        firms: &[(i64, Vec<Fact>)],
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        for chunk in firms.chunks(PROFILE_CHUNK) {
            let rows = enterprise::Entity::find()
                .filter(enterprise::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
                .all(&self.db)
                .await?;
            let by_id: BTreeMap<i64, enterprise::Model> = rows.into_iter().map(|r| (r.id, r)).collect();
            for (id, facts) in chunk {
                let Some(row) = by_id.get(id) else { continue };
                let (district, industry) = (row.district.clone(), row.industry.clone());
                let profile = crate::enterprises::from_row(row.clone())?.profile;
                coverage.all.tally(&profile, facts, today);
                coverage.by_district.entry(district).or_default().tally(&profile, facts, today);
                coverage.by_industry.entry(industry).or_default().tally(&profile, facts, today);
            }
        }
        Ok(())
    }

    /// How current each provider's facts are, as of `today`, in the order of the providers' codes.
    ///
    /// # Errors
    /// Database failure.
    pub async fn provider_freshness(&self, today: NaiveDate) -> Result<Vec<ProviderFreshness>, StoreError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        let text = format!(
            "SELECT p.id AS provider, \
             (SELECT COUNT(*) FROM verified_fact f WHERE f.provider_id = p.id) AS facts, \
             (SELECT COUNT(*) FROM verified_fact f WHERE f.provider_id = p.id AND f.valid_until < {today}) AS expired, \
             (SELECT MAX(f.as_of) FROM verified_fact f WHERE f.provider_id = p.id) AS newest \
             FROM data_provider p ORDER BY p.code",
            today = sql.bind(today),
        );
        let rows = self.db.query_all_raw(sql.statement(text)).await?;
        let batches: Vec<(i64, i64, Option<DateTime<Utc>>)> = fact_batch::Entity::find()
            .select_only()
            .column(fact_batch::Column::ProviderId)
            .column_as(fact_batch::Column::Id.count(), "n")
            .column_as(fact_batch::Column::ReceivedAt.max(), "last")
            .group_by(fact_batch::Column::ProviderId)
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.iter()
            .map(|row| {
                let provider_id: i64 = row.try_get("", "provider")?;
                let (count, last) = batches
                    .iter()
                    .find(|(p, _, _)| *p == provider_id)
                    .map_or((0, None), |(_, n, last)| (u64::try_from(*n).unwrap_or_default(), *last));
                Ok(ProviderFreshness {
                    provider_id,
                    facts: number(row, "facts")?,
                    expired: number(row, "expired")?,
                    newest_as_of: row.try_get("", "newest")?,
                    batches: count,
                    last_batch_at: last,
                })
            })
            .collect()
    }

    /// The published products that require conditions verified, by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn products_requiring_verified(&self) -> Result<Vec<RequiringProduct>, StoreError> {
        let rows = product::Entity::find()
            .filter(product::Column::VerifiedRules.is_not_null())
            .filter(product::Column::State.eq(LifecycleState::Published.as_str()))
            .order_by_asc(product::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                let rules = VerifiedRules::from_cell(row.verified_rules.as_deref().unwrap_or("")).map_err(|e| {
                    StoreError::Corrupt { table: "product", id: row.id, field: "verified_rules", reason: e.to_string() }
                })?;
                Ok(RequiringProduct { id: row.id, name: row.name, institution_id: row.institution_id, rules })
            })
            .filter(|p: &Result<RequiringProduct, StoreError>| p.as_ref().map_or(true, |p| !p.rules.kinds().is_empty()))
            .collect()
    }
}
