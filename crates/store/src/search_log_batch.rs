//! The search log written in batches (many searches in one multi-row insert, in one transaction), and the
//! count of searches it could not record, per Asia/Shanghai day (`search_log_unrecorded`), which the demand
//! figures report beside what was logged.

use crate::entity::search_log;
use crate::market_watch::{MAX_FAMILY_CHARS, normalise_query, shanghai_date};
use crate::sql::Sql;
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use finmart_domain::{Labelled, ProductFamily};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

/// One search to log: when, the query as typed (normalised when written), its number of hits, and the
/// family filter. Nothing about the searcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedSearch {
    pub at: DateTime<Utc>,
    pub query: String,
    pub results: u64,
    pub families: Vec<ProductFamily>,
}

impl LoggedSearch {
    fn row(&self) -> search_log::ActiveModel {
        let family: String = self
            .families
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("|")
            .chars()
            .take(MAX_FAMILY_CHARS)
            .collect();
        search_log::ActiveModel {
            at: Set(self.at),
            query: Set(normalise_query(&self.query)),
            results: Set(i64::try_from(self.results).unwrap_or(i64::MAX)),
            family: Set(family),
            ..Default::default()
        }
    }
}

/// Rows per insert statement: 4 values each, far below SQLite's and PostgreSQL's limits on bound values.
pub const SEARCH_LOG_BATCH: usize = 500;

impl Store {
    /// Logs `searches` (in statements of at most [`SEARCH_LOG_BATCH`] rows) and adds `not_recorded` to the
    /// count of searches that could not be logged on the Shanghai day of `now`, all in one transaction:
    /// either everything is written or nothing.
    ///
    /// # Errors
    /// Database failure.
    pub async fn log_searches(
        &self,
        searches: &[LoggedSearch],
        not_recorded: u64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if searches.is_empty() && not_recorded == 0 {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        for chunk in searches.chunks(SEARCH_LOG_BATCH) {
            search_log::Entity::insert_many(chunk.iter().map(LoggedSearch::row)).exec_without_returning(&txn).await?;
        }
        if not_recorded > 0 {
            let mut sql = Sql::new(txn.get_database_backend());
            let text = format!(
                "INSERT INTO search_log_unrecorded (day, searches) VALUES ({}, {}) \
                 ON CONFLICT (day) DO UPDATE SET searches = search_log_unrecorded.searches + excluded.searches",
                sql.bind(shanghai_date(now)),
                sql.bind(i64::try_from(not_recorded).unwrap_or(i64::MAX))
            );
            txn.execute_raw(sql.statement(text)).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// How many searches could not be logged on Shanghai days `from..=to`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn searches_not_recorded(&self, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        let text = format!(
            "SELECT CAST(COALESCE(SUM(searches), 0) AS BIGINT) AS n FROM search_log_unrecorded \
             WHERE day >= {} AND day <= {}",
            sql.bind(from),
            sql.bind(to)
        );
        let row = self.db.query_one_raw(sql.statement(text)).await?;
        let n: Option<i64> = match &row {
            Some(row) => row.try_get("", "n")?,
            None => None,
        };
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use chrono::TimeZone;

    fn utc(text: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn a_batch_is_written_whole_and_unrecorded_searches_add_up_by_shanghai_day() {
        for db in testing::all().await {
            let (store, b) = (&db.store, db.backend);
            let at = utc("2026-03-01 04:00");
            let searches: Vec<LoggedSearch> = (0..1_234)
                .map(|i| LoggedSearch {
                    at,
                    query: format!("科技贷 13812345678 {}", i % 7),
                    results: i % 3,
                    families: if i % 2 == 0 { vec![ProductFamily::Credit] } else { Vec::new() },
                })
                .collect();
            store.log_searches(&searches, 5, at).await.unwrap();
            // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai.
            store.log_searches(&[], 2, utc("2026-03-01 16:30")).await.unwrap();
            store.log_searches(&searches[..1], 3, at).await.unwrap();

            let d = store.search_demand(day("2026-03-01"), day("2026-03-01"), 10).await.unwrap();
            assert_eq!(d.searches, 1_235, "{b}");
            assert_eq!(d.not_recorded, 8, "{b}");
            assert!(d.top.iter().all(|q| !q.query.contains("138")), "{b}: the query is normalised");
            assert_eq!(store.searches_not_recorded(day("2026-03-02"), day("2026-03-02")).await.unwrap(), 2, "{b}");
            assert_eq!(store.searches_not_recorded(day("2026-03-01"), day("2026-03-02")).await.unwrap(), 10, "{b}");
            assert_eq!(store.searches_not_recorded(day("2026-02-01"), day("2026-02-28")).await.unwrap(), 0, "{b}");
        }
    }
}
