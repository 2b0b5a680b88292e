//! One generation of the index: a whole tantivy index in its own directory, with its one writer and one
//! reader. A rebuild makes a new generation; [`crate::Catalogue`] serves from the live one.

use crate::collect::ColumnCache;
use crate::schema::{Fields, SCHEMA_VERSION, build_schema, document, register_tokenizer};
use crate::{CatalogueError, verify};
use finmart_domain::Product;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// What the commit payload records.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    /// The last change-log sequence applied.
    seq: i64,
}

/// 50 MB of indexing buffer: the whole catalogue of 100,000 products fits in a few flushes.
const WRITER_MEMORY: usize = 50_000_000;

pub(crate) struct Generation {
    /// Unique within the process: names this generation in the search cache ([`crate::cache`]).
    pub(crate) serial: u64,
    pub(crate) dir: PathBuf,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Cuts queries (the index's own analyzer is registered with tantivy).
    pub(crate) analyzer: TextAnalyzer,
    /// What searches' single pass reads of each segment, as flat arrays.
    pub(crate) columns: ColumnCache,
}

/// What opening an existing generation found.
pub(crate) enum Opening {
    /// Checked and usable, reflecting the change-log sequence.
    Usable(Box<Generation>, i64),
    /// Sound, but written by another schema version.
    Stale(String),
    /// Unreadable or damaged; the sequence it reflected, if its payload still reads.
    Damaged { reason: String, seq: Option<i64> },
}

impl Generation {
    /// A new, empty generation in `dir`.
    ///
    /// # Errors
    /// The directory cannot be written.
    pub(crate) fn create(dir: &Path) -> Result<Self, CatalogueError> {
        let (schema, fields) = build_schema();
        Self::serve(Index::create_in_dir(dir, schema)?, dir, fields, false)
    }

    /// Opens the generation in `dir` and checks it whole ([`verify`]).
    pub(crate) fn open(dir: &Path) -> Opening {
        let damaged = |reason: String, seq| Opening::Damaged { reason, seq };
        let index = match Index::open_in_dir(dir) {
            Ok(index) => index,
            Err(e) => return damaged(format!("cannot be opened: {e}"), None),
        };
        let payload = match read_payload(&index) {
            Ok(payload) => payload,
            Err(e) => return damaged(format!("commit payload: {e}"), None),
        };
        let (schema, fields) = build_schema();
        if payload.schema != SCHEMA_VERSION || index.schema() != schema {
            return Opening::Stale(format!("schema version {} (want {SCHEMA_VERSION})", payload.schema));
        }
        match Self::serve(index, dir, fields, true) {
            Ok(generation) => Opening::Usable(Box::new(generation), payload.seq),
            Err(e) => damaged(e.to_string(), Some(payload.seq)),
        }
    }

    /// The reader and writer of `index`; with `check`, only once [`verify`] found nothing wrong (no writer
    /// is opened on a damaged index: it would merge damaged segments).
    fn serve(index: Index, dir: &Path, fields: Fields, check: bool) -> Result<Self, CatalogueError> {
        register_tokenizer(&index);
        // Documents are decompressed from the file on every read (a few microseconds a block) rather than
        // from a cache, so a damaged block is noticed by the first search that reads it.
        let reader: IndexReader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).doc_store_cache_num_blocks(0).try_into()?;
        if check {
            verify::verify(&index, &reader).map_err(CatalogueError::Corrupt)?;
        }
        // One indexing thread: a rebuild then lays documents out in the order it reads them (by product id), so
        // products that tie in a search keep their order from one rebuild to the next.
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        static SERIALS: AtomicU64 = AtomicU64::new(0);
        Ok(Self {
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
            dir: dir.to_owned(),
            fields,
            reader,
            writer: Mutex::new(writer),
            analyzer: crate::schema::query_analyzer(),
            columns: ColumnCache::default(),
        })
    }

    /// How many products are indexed.
    pub(crate) fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every product the generation holds, from the copies stored with their documents, in id order.
    /// Blocking: at 100,000 products this decompresses each block of the document store once and parses
    /// every copy.
    pub(crate) fn products(&self) -> Result<Vec<Product>, CatalogueError> {
        let searcher = self.reader.searcher();
        let mut all = Vec::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or(0));
        for segment in searcher.segment_readers() {
            // One block kept: the iterator reads the blocks in order, each once.
            let store = segment.get_store_reader(1)?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                all.push(stored_product(&doc?, self.fields.doc)?);
            }
        }
        all.sort_unstable_by_key(|p| p.id);
        Ok(all)
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, CatalogueError> {
        self.writer.lock().map_err(|_| CatalogueError::Worker("index writer poisoned by an earlier panic".to_owned()))
    }

    /// Replaces the given products (each id in `changed` removed, each of `listed` added back) and commits
    /// as reflecting change `seq`. Blocking.
    pub(crate) fn apply(&self, changed: &[i64], listed: &[Product], seq: i64) -> Result<(), CatalogueError> {
        let mut writer = self.lock_writer()?;
        for id in changed {
            writer.delete_term(Term::from_field_u64(self.fields.id, id.unsigned_abs()));
        }
        for product in listed {
            writer.add_document(self.document(product)?)?;
        }
        self.commit_with(&mut writer, seq)
    }

    /// Adds products (while the generation is built; nothing is visible until [`Generation::commit`]).
    pub(crate) fn add(&self, products: &[Product]) -> Result<(), CatalogueError> {
        let writer = self.lock_writer()?;
        for product in products {
            writer.add_document(self.document(product)?)?;
        }
        Ok(())
    }

    /// Commits what was added as reflecting change `seq`, and makes it visible.
    pub(crate) fn commit(&self, seq: i64) -> Result<(), CatalogueError> {
        let mut writer = self.lock_writer()?;
        self.commit_with(&mut writer, seq)
    }

    fn document(&self, product: &Product) -> Result<TantivyDocument, CatalogueError> {
        document(&self.fields, product).map_err(|e| CatalogueError::Document(e.to_string()))
    }

    fn commit_with(&self, writer: &mut IndexWriter, seq: i64) -> Result<(), CatalogueError> {
        let payload = serde_json::to_string(&Payload { schema: SCHEMA_VERSION, seq })
            .map_err(|e| CatalogueError::Document(e.to_string()))?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        // Read the new segments' columns now, on the writer's thread, rather than in the next search. A
        // failure is left to that search, which reads them again and reports a damaged index as such.
        self.columns.refresh(&self.reader.searcher()).ok();
        Ok(())
    }
}

fn read_payload(index: &Index) -> Result<Payload, CatalogueError> {
    let metas = index.load_metas()?;
    let text = metas.payload.ok_or_else(|| CatalogueError::Corrupt("no commit payload".to_owned()))?;
    serde_json::from_str(&text).map_err(|e| CatalogueError::Corrupt(e.to_string()))
}

/// The product whose copy `doc` stores.
pub(crate) fn stored_product(doc: &TantivyDocument, field: Field) -> Result<Product, CatalogueError> {
    let json = doc
        .get_first(field)
        .and_then(|v| v.as_str())
        .ok_or_else(|| CatalogueError::Corrupt("document without its product".to_owned()))?;
    serde_json::from_str(json).map_err(|e| CatalogueError::Corrupt(e.to_string()))
}
