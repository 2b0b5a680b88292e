//! Finmart's product catalogue: a tantivy index of published products with Chinese (jieba) search,
//! filters, facets, sorts and highlighted snippets.
//!
//! The index is derived data. The database is the source of truth; [`sync`] rebuilds the index from it
//! and follows its change log, and the commit payload records the last change applied, so an index that
//! is missing, unreadable or of another schema version is rebuilt at start and one that is merely behind
//! catches up. One [`tantivy::IndexWriter`] serves the process (behind a mutex); one reader is reloaded
//! after each commit, and every search takes a cheap searcher from it.

mod fold;
mod query;
mod schema;
mod search;
pub mod sync;
pub mod synonyms;
#[cfg(test)]
mod tests;
mod tokenizer;

pub use search::{CollateralFilter, Facets, Hit, SearchRequest, SearchResults, SortName, SortOrder, escape_html};

use finmart_domain::Product;
use schema::{Fields, SCHEMA_VERSION, build_schema, document, register_tokenizer};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CatalogueError {
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] finmart_store::StoreError),
    #[error("index content: {0}")]
    Corrupt(String),
    #[error("index worker stopped: {0}")]
    Worker(String),
}

/// What the commit payload records.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    /// The last change-log sequence applied.
    seq: i64,
}

/// The index of one process.
pub struct Catalogue {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Cuts queries (the index's own analyzer is registered with tantivy).
    analyzer: TextAnalyzer,
    applied_seq: AtomicI64,
    /// Whether the index was (re)created empty at open and must be rebuilt from the database.
    needs_rebuild: bool,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue").field("applied_seq", &self.applied_seq()).finish_non_exhaustive()
    }
}

/// 50 MB of indexing buffer: the whole catalogue of 100,000 products fits in a few flushes.
const WRITER_MEMORY: usize = 50_000_000;

impl Catalogue {
    /// Opens the index in `dir`, creating it (empty, to be rebuilt) when it is missing, unreadable or of
    /// another schema version.
    ///
    /// # Errors
    /// The directory cannot be created or written.
    pub fn open(dir: &Path) -> Result<Self, CatalogueError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = build_schema();
        let existing = Index::open_in_dir(dir).map_err(CatalogueError::from).and_then(|index| {
            let payload = read_payload(&index)?;
            if payload.schema != SCHEMA_VERSION || index.schema() != schema {
                return Err(CatalogueError::Corrupt(format!(
                    "schema version {} (want {SCHEMA_VERSION})",
                    payload.schema
                )));
            }
            Ok((index, payload.seq))
        });
        let (index, seq, needs_rebuild) = match existing {
            Ok((index, seq)) => (index, seq, false),
            Err(e) => {
                if dir.join("meta.json").exists() {
                    tracing::warn!(dir = %dir.display(), error = %e, "search index unusable; rebuilding it from the database");
                }
                clear_dir(dir)?;
                (Index::create_in_dir(dir, schema)?, 0, true)
            }
        };
        register_tokenizer(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(Self {
            fields,
            reader,
            writer: Mutex::new(writer),
            analyzer: schema::query_analyzer(),
            applied_seq: AtomicI64::new(seq),
            needs_rebuild,
        })
    }

    /// Whether [`Catalogue::open`] found no usable index.
    #[must_use]
    pub fn needs_rebuild(&self) -> bool {
        self.needs_rebuild
    }

    /// The last change-log sequence this index reflects.
    #[must_use]
    pub fn applied_seq(&self) -> i64 {
        self.applied_seq.load(Ordering::Acquire)
    }

    /// How many products are indexed.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, CatalogueError> {
        self.writer.lock().map_err(|_| CatalogueError::Worker("index writer poisoned by an earlier panic".to_owned()))
    }

    /// Replaces the given products: each id in `changed` is removed, and each product in `listed` (the
    /// ones among them that belong in the catalogue) is added back. Commits with `seq` as the applied
    /// change and makes the result visible to searches. Blocking.
    ///
    /// # Errors
    /// Index failure.
    pub fn apply(&self, changed: &[i64], listed: &[Product], seq: i64) -> Result<(), CatalogueError> {
        let mut writer = self.lock_writer()?;
        for id in changed {
            writer.delete_term(Term::from_field_u64(self.fields.id, id.unsigned_abs()));
        }
        for product in listed {
            writer.add_document(self.document(product)?)?;
        }
        self.commit(&mut writer, seq)
    }

    /// Empties the index (the first step of a rebuild; nothing is visible until [`Catalogue::commit_rebuild`]).
    ///
    /// # Errors
    /// Index failure.
    pub fn begin_rebuild(&self) -> Result<(), CatalogueError> {
        self.lock_writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Adds products during a rebuild. Blocking.
    ///
    /// # Errors
    /// Index failure.
    pub fn add(&self, products: &[Product]) -> Result<(), CatalogueError> {
        let writer = self.lock_writer()?;
        for product in products {
            writer.add_document(self.document(product)?)?;
        }
        Ok(())
    }

    /// Commits a rebuild as reflecting change `seq`. Blocking.
    ///
    /// # Errors
    /// Index failure.
    pub fn commit_rebuild(&self, seq: i64) -> Result<(), CatalogueError> {
        let mut writer = self.lock_writer()?;
        self.commit(&mut writer, seq)
    }

    fn document(&self, product: &Product) -> Result<TantivyDocument, CatalogueError> {
        document(&self.fields, product).map_err(|e| CatalogueError::Corrupt(e.to_string()))
    }

    fn commit(&self, writer: &mut IndexWriter, seq: i64) -> Result<(), CatalogueError> {
        let payload = serde_json::to_string(&Payload { schema: SCHEMA_VERSION, seq })
            .map_err(|e| CatalogueError::Corrupt(e.to_string()))?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        self.applied_seq.store(seq, Ordering::Release);
        Ok(())
    }
}

fn read_payload(index: &Index) -> Result<Payload, CatalogueError> {
    let metas = index.load_metas()?;
    let text = metas.payload.ok_or_else(|| CatalogueError::Corrupt("no commit payload".to_owned()))?;
    serde_json::from_str(&text).map_err(|e| CatalogueError::Corrupt(e.to_string()))
}

/// Removes everything inside `dir` (the index is derived: nothing there is precious).
fn clear_dir(dir: &Path) -> Result<(), CatalogueError> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() { std::fs::remove_dir_all(&path)? } else { std::fs::remove_file(&path)? }
    }
    Ok(())
}
