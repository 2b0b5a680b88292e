//! Connectors: how a department's own feed of verified facts reaches the store, beside the batch API and the
//! lists the operator loads. A connector only fetches deliveries and acknowledges them; [`pull`] checks every
//! record against the provider's source and stores each delivery all or nothing, recorded and audited as
//! arriving by connector, exactly as the API stores a batch. So a new department's feed is one more
//! [`FactConnector`] and touches nothing of the checks, the store or matching.
//!
//! [`DirectoryFeed`] is the feed of a shared directory (the 前置机 or SFTP drop a department's exchange
//! writes to): every `.json`, `.csv` or `.xlsx` file in it is one delivery (`docs/facts-format.md`), taken in
//! name order; a stored one is moved into `done/`, a refused one into `refused/` beside a `.errors.txt`
//! naming every row's problem, so each file is taken once and nothing is lost.

use crate::import::report;
use finmart_domain::{FactArrival, FactRecord, RowError, validate_fact_rows};
use finmart_sheets::SheetError;
use finmart_store::{AuditEvent, DataProvider, FactBatch, Store};
use std::path::{Path, PathBuf};

/// One delivery of a feed: its name (a file's, a message's id) and its records numbered as the sender counts
/// them, or why it could not be read at all.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub name: String,
    pub records: Result<Vec<(usize, FactRecord)>, Vec<RowError>>,
}

/// What became of a delivery.
#[derive(Debug, Clone)]
pub enum Taken {
    Stored(FactBatch),
    Refused(Vec<RowError>),
}

/// A feed that cannot be read or acknowledged (the directory gone, a file that cannot be moved).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct FeedError {
    pub what: String,
    #[source]
    pub source: std::io::Error,
}

/// A department's feed of verified facts.
pub trait FactConnector {
    /// The deliveries waiting, oldest first.
    fn fetch(&self) -> impl Future<Output = Result<Vec<Delivery>, FeedError>> + Send;
    /// Marks a delivery taken, stored or refused, so it is not fetched again.
    fn acknowledge(&self, delivery: &Delivery, taken: &Taken) -> impl Future<Output = Result<(), FeedError>> + Send;
}

/// Takes every waiting delivery of `feed` for `provider`: each checked against the provider's source and
/// stored whole, or refused whole with every row's reason; then acknowledged. One refused delivery does not
/// stop the others.
///
/// # Errors
/// The feed cannot be read or acknowledged; a database failure (the delivery then stays waiting).
pub async fn pull(
    store: &Store,
    provider: &DataProvider,
    feed: &impl FactConnector,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<(String, Taken)>> {
    let mut taken = Vec::new();
    for delivery in feed.fetch().await? {
        let checked = delivery.records.clone().and_then(|rows| validate_fact_rows(&rows, provider.source, today));
        let outcome = match checked {
            Ok(facts) => {
                let event = AuditEvent::anonymous(None, "fact_batch.load")
                    .detail(serde_json::json!({ "via": "connector", "file_name": delivery.name }));
                Taken::Stored(store.record_fact_batch(provider, &facts, FactArrival::Connector, &|| {}, &event).await?)
            }
            Err(rows) => Taken::Refused(rows),
        };
        feed.acknowledge(&delivery, &outcome).await?;
        taken.push((delivery.name, outcome));
    }
    Ok(taken)
}

/// The feed of a shared directory (see the module documentation).
#[derive(Debug, Clone)]
pub struct DirectoryFeed {
    pub inbox: PathBuf,
}

impl DirectoryFeed {
    const DONE: &'static str = "done";
    const REFUSED: &'static str = "refused";

    fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> FeedError {
        let what = what.into();
        move |source| FeedError { what, source }
    }

    /// Moves `name` into the sub-directory `to`, keeping an earlier file of the same name there by adding a
    /// number.
    fn file_away(&self, name: &str, to: &str) -> Result<PathBuf, FeedError> {
        let dir = self.inbox.join(to);
        std::fs::create_dir_all(&dir).map_err(Self::io(format!("cannot create {}", dir.display())))?;
        let mut target = dir.join(name);
        let mut n = 1;
        while target.exists() {
            target = dir.join(format!("{n}-{name}"));
            n += 1;
        }
        let from = self.inbox.join(name);
        std::fs::rename(&from, &target).map_err(Self::io(format!("cannot move {}", from.display())))?;
        Ok(target)
    }
}

fn is_delivery(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    path.is_file() && matches!(extension.as_deref(), Some("json" | "csv" | "xlsx"))
}

impl FactConnector for DirectoryFeed {
    async fn fetch(&self) -> Result<Vec<Delivery>, FeedError> {
        let entries =
            std::fs::read_dir(&self.inbox).map_err(Self::io(format!("cannot read {}", self.inbox.display())))?;
        let mut paths: Vec<PathBuf> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| is_delivery(p)).collect();
        paths.sort();
        let mut deliveries = Vec::with_capacity(paths.len());
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = std::fs::read(&path).map_err(Self::io(format!("cannot read {}", path.display())))?;
            let records = finmart_sheets::read_fact_records(&name, &bytes).map_err(|e| match e {
                SheetError::Rejected(rows) => rows,
                SheetError::Format(message) => {
                    let (zh, en) = finmart_sheets::format_words(&message);
                    vec![RowError::new(0, "file", zh, en)]
                }
            });
            deliveries.push(Delivery { name, records });
        }
        Ok(deliveries)
    }

    async fn acknowledge(&self, delivery: &Delivery, taken: &Taken) -> Result<(), FeedError> {
        match taken {
            Taken::Stored(_) => {
                self.file_away(&delivery.name, Self::DONE)?;
            }
            Taken::Refused(rows) => {
                let moved = self.file_away(&delivery.name, Self::REFUSED)?;
                let mut errors = moved.clone().into_os_string();
                errors.push(".errors.txt");
                std::fs::write(&errors, report(rows))
                    .map_err(Self::io(format!("cannot write {}", PathBuf::from(&errors).display())))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{FactSource, Uscc};

    const FIRM: &str = "91350100M000100Y43";

    #[tokio::test]
    async fn a_directory_feed_stores_each_file_once_and_sets_a_refused_one_aside_with_its_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.unwrap();
        let event = AuditEvent::anonymous(None, "test");
        let tax = store.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &event).await.unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let grade = |id: &str, uscc: &str| {
            format!(
                r#"{{"source_record_id": "{id}", "uscc": "{uscc}", "kind": "tax_credit_grade", "value": "A", "as_of": "2025-12-31"}}"#
            )
        };
        std::fs::write(inbox.join("2026-12-01.json"), format!("[{}]", grade("T-1", FIRM))).unwrap();
        std::fs::write(
            inbox.join("2026-12-02.json"),
            format!("[{}, {}]", grade("T-2", FIRM), grade("T-3", "91350100M000100Y44")),
        )
        .unwrap();
        std::fs::write(inbox.join("notes.txt"), "not a delivery").unwrap();
        let feed = DirectoryFeed { inbox: inbox.clone() };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();

        let taken = pull(&store, &tax, &feed, today).await.unwrap();
        assert_eq!(taken.len(), 2);
        assert!(matches!(&taken[0], (name, Taken::Stored(b)) if name == "2026-12-01.json" && b.outcome.added == 1));
        assert!(matches!(&taken[1], (_, Taken::Refused(rows)) if rows.iter().any(|r| r.row == 2 && r.field == "uscc")));
        assert!(inbox.join("done/2026-12-01.json").exists());
        let reasons = std::fs::read_to_string(inbox.join("refused/2026-12-02.json.errors.txt")).unwrap();
        assert!(reasons.contains("uscc"), "{reasons}");
        assert!(inbox.join("notes.txt").exists(), "not a delivery: left alone");
        // Nothing of the refused file is stored; what was stored arrived by connector, recorded and audited.
        let stored = store.facts_of(&Uscc::parse(FIRM).unwrap()).await.unwrap();
        assert_eq!(stored.iter().map(|f| f.fact.source_record_id.as_str()).collect::<Vec<_>>(), ["T-1"]);
        assert_eq!(stored[0].arrival, FactArrival::Connector);
        assert_eq!(store.fact_batches(tax.id, 10).await.unwrap().len(), 1);
        // Taken once: a second pull finds nothing; the same file delivered again changes nothing.
        assert!(pull(&store, &tax, &feed, today).await.unwrap().is_empty());
        std::fs::write(inbox.join("2026-12-01.json"), format!("[{}]", grade("T-1", FIRM))).unwrap();
        let again = pull(&store, &tax, &feed, today).await.unwrap();
        assert!(matches!(&again[0], (_, Taken::Stored(b)) if b.outcome.unchanged == 1));
        assert!(inbox.join("done/1-2026-12-01.json").exists(), "the earlier file is kept");
    }
}
