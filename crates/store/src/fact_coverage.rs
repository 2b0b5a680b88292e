//! The operator's figures on verified facts: how far they reach among the firms on the platform (by kind,
//! district and industry, with the expired and the conflicting), and how fresh each provider's are.
//!
//! Every stored firm counts (registered or loaded). The firms and their facts are read in one pass of two
//! streamed queries, each firm tallied as it comes, so the figures over a million firms hold one firm at a
//! time (paged keyset reads rescanned from the start for every page: past the request timeout at a million
//! firms); what each firm counts as is the domain's ([`Coverage::tally`]).

use crate::entity::{fact_batch, product};
use crate::sql::Sql;
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{Coverage, Labelled, LifecycleState, VerifiedRules};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect};
use std::collections::BTreeMap;

/// Coverage overall and per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCoverage {
    pub all: Coverage,
    /// By district code.
    pub by_district: BTreeMap<String, Coverage>,
    /// By industry (machine name).
    pub by_industry: BTreeMap<String, Coverage>,
}

/// The operator's figures on facts that take a pass over every firm or every fact: what the web keeps between
/// requests, for the revisions they were read at ([`Store::fact_figures_revision`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactFigures {
    pub coverage: FactCoverage,
    pub freshness: Vec<ProviderFreshness>,
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

impl FactCoverage {
    fn add_firms(&mut self, district: &str, industry: &str, n: u64) {
        self.all.add_firms(n);
        self.by_district.entry(district.to_owned()).or_default().add_firms(n);
        self.by_industry.entry(industry.to_owned()).or_default().add_firms(n);
    }
}

impl Store {
    /// What [`Store::fact_figures`] depends on besides the day: the enterprise revision (every firm written,
    /// and the registered firms a batch of facts is about) and the facts' own counter (every change of a
    /// fact, registered firm or not, and every batch recorded). Two primary-key reads.
    ///
    /// # Errors
    /// Database failure.
    pub async fn fact_figures_revision(&self) -> Result<(i64, i64), StoreError> {
        Ok((
            crate::counters::value(&self.db, crate::counters::ENTERPRISE).await?,
            crate::counters::value(&self.db, crate::counters::VERIFIED_FACTS).await?,
        ))
    }

    /// The coverage and the providers' freshness as of `today`.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn fact_figures(&self, today: NaiveDate) -> Result<FactFigures, StoreError> {
        Ok(FactFigures { coverage: self.fact_coverage(today).await?, freshness: self.provider_freshness(today).await? })
    }

    /// The coverage of verified facts among every stored firm, as of `today`: one pass over the firms with
    /// their facts ([`Store::each_enterprise_with_facts_revised_after`]: one streamed query, as the
    /// reverse-matching pool loads), each firm tallied as it comes and then dropped.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn fact_coverage(&self, today: NaiveDate) -> Result<FactCoverage, StoreError> {
        let mut coverage =
            FactCoverage { all: Coverage::default(), by_district: BTreeMap::new(), by_industry: BTreeMap::new() };
        self.each_enterprise_with_facts_revised_after(0, |firm, facts| {
            let profile = &firm.profile;
            let (district, industry) = (profile.district.code(), profile.industry.as_str());
            coverage.add_firms(&district, industry, 1);
            if !facts.is_empty() {
                coverage.all.tally(profile, &facts, today);
                coverage.by_district.entry(district).or_default().tally(profile, &facts, today);
                coverage.by_industry.entry(industry.to_owned()).or_default().tally(profile, &facts, today);
            }
        })
        .await?;
        Ok(coverage)
    }

    /// How current each provider's facts are, as of `today`, in the order of the providers' codes.
    ///
    /// One pass over the facts in the table's order, grouped by provider: a subquery per provider and
    /// figure read each provider's facts through its index, one random row read per fact for the dates
    /// (34 s for 3.6 M facts, against 4 s for the one pass).
    ///
    /// # Errors
    /// Database failure.
    pub async fn provider_freshness(&self, today: NaiveDate) -> Result<Vec<ProviderFreshness>, StoreError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        // `+provider_id` keeps SQLite from grouping through the provider index (which reads rows out of order);
        // PostgreSQL groups by the same expression as it selects.
        let text = format!(
            "SELECT p.id AS provider, COALESCE(f.facts, 0) AS facts, COALESCE(f.expired, 0) AS expired, \
             f.newest AS newest FROM data_provider p LEFT JOIN (\
             SELECT +provider_id AS provider_id, COUNT(*) AS facts, \
             SUM(CASE WHEN valid_until < {today} THEN 1 ELSE 0 END) AS expired, MAX(as_of) AS newest \
             FROM verified_fact GROUP BY +provider_id) f ON f.provider_id = p.id ORDER BY p.code",
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
