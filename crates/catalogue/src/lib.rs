//! Finmart's product catalogue: a tantivy index of published products with Chinese (jieba) search,
//! filters, facets, sorts and highlighted snippets.
//!
//! The index is derived data. The database is the source of truth; [`sync`] rebuilds the index from it
//! and follows its change log, and the commit payload records the last change applied, so an index that
//! is merely behind catches up. The index lives in generations ([`layout`]): a rebuild writes a new one
//! beside the live one and swaps it in, so searches never see a half-built index.
//!
//! An index is checked whole when it is opened ([`verify`]). One that is missing or of another schema
//! version is rebuilt before the server serves; one that is damaged is not served from at all: searches
//! answer [`CatalogueError::Unavailable`] while it is rebuilt in the background. A search that fails on the
//! index's own data (corruption, I/O, a panic inside tantivy) marks the live generation unusable the same
//! way, and [`sync::start_repair`] starts the one rebuild.
//!
//! Each generation has one [`tantivy::IndexWriter`] (behind a mutex) and one reader reloaded after each
//! commit; every search takes a cheap searcher from it.

mod cache;
mod collect;
mod fold;
mod generation;
mod layout;
mod query;
mod schema;
mod search;
pub mod sync;
pub mod synonyms;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_damage;
mod tokenizer;
mod verify;

pub use cache::CacheCounts;
pub use search::{CollateralFilter, Facets, Hit, SearchRequest, SearchResults, SortName, SortOrder, escape_html};

use cache::ResultCache;
use finmart_domain::Product;
use finmart_domain::changes::Listener;
use generation::{Generation, Opening};
use layout::{Current, Root};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
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
    #[error("a product cannot be made a document: {0}")]
    Document(String),
    #[error("index worker stopped: {0}")]
    Worker(String),
    #[error("the index directory {0} is in use by another process")]
    Busy(String),
    /// The index is damaged or being rebuilt: nothing is served from it until a rebuild is in place.
    #[error("the search index is being rebuilt")]
    Unavailable,
    #[error("a rebuild of the index is already under way")]
    RebuildUnderWay,
}

impl CatalogueError {
    /// Whether the error is the index's own data failing (damaged or unreadable files), which a rebuild from
    /// the database mends; not a bug, a database failure or a product that cannot be indexed.
    #[must_use]
    pub fn is_damage(&self) -> bool {
        use tantivy::TantivyError as T;
        matches!(
            self,
            Self::Index(
                T::DataCorruption(_)
                    | T::IoError(_)
                    | T::OpenReadError(_)
                    | T::OpenDirectoryError(_)
                    | T::IncompatibleIndex(_)
                    | T::DeserializeError(_),
            ) | Self::Io(_)
                | Self::Corrupt(_)
        )
    }
}

/// What [`Catalogue::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A sound index, served as it is (after catching up with the change log).
    Usable,
    /// No index yet (a first start): built before serving.
    Missing,
    /// An index of another schema version or layout: rebuilt before serving.
    Stale(String),
    /// A damaged or unreadable index (the reason): not served from, rebuilt in the background.
    Damaged(String),
}

/// Whether searches can be served, for readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Ready,
    /// A new generation is being built: `indexed` products so far, from `read` of the database's `total`.
    Rebuilding {
        indexed: u64,
        read: u64,
        total: u64,
    },
    /// Damaged, with no rebuild under way (the next search or the follower starts one).
    Unusable,
}

/// The index of one process.
pub struct Catalogue {
    root: Root,
    opened: Opened,
    /// The generation searches read; none while the index is unusable.
    live: RwLock<Option<Arc<Generation>>>,
    /// Held by whatever moves the live generation or the applied sequence, so they move together.
    writing: Mutex<()>,
    /// The last change-log sequence the index and the listeners reflect.
    applied_seq: AtomicI64,
    /// Whether a rebuild is under way (one at a time), and how far it is.
    rebuilding: AtomicBool,
    progress: [AtomicU64; 3],
    /// Recent search answers ([`cache`]), and how often they were found.
    search_cache: ResultCache,
}

/// How many search answers [`Catalogue::open`] keeps ([`Catalogue::set_search_cache`] changes it).
pub const SEARCH_CACHE_ENTRIES: usize = 256;

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("opened", &self.opened)
            .field("health", &self.health())
            .field("applied_seq", &self.applied_seq())
            .finish_non_exhaustive()
    }
}

impl Catalogue {
    /// Opens the index in `dir` and checks it (see the crate documentation for what each finding leads to).
    ///
    /// # Errors
    /// The directory cannot be created or written, or another process holds it.
    pub fn open(dir: &Path) -> Result<Self, CatalogueError> {
        let root = Root::open(dir)?;
        let (live, seq, opened) = match root.current() {
            Current::None if root.has_unversioned_index() => {
                (None, 0, Opened::Stale("an index of the layout before generations".to_owned()))
            }
            Current::None => (None, 0, Opened::Missing),
            Current::Unreadable(reason) => (None, 0, Opened::Damaged(reason)),
            // Damaged data can make tantivy panic while opening a reader: that is damage too, not a failed start.
            Current::Named(generation) => match catch_unwind(|| Generation::open(&generation))
                .unwrap_or_else(|panic| Opening::Damaged { reason: panicked(&*panic).to_string(), seq: None })
            {
                Opening::Usable(g, seq) => (Some(Arc::new(*g)), seq, Opened::Usable),
                Opening::Stale(reason) => (None, 0, Opened::Stale(reason)),
                Opening::Damaged { reason, seq } => {
                    (None, seq.unwrap_or(0), Opened::Damaged(format!("{}: {reason}", generation.display())))
                }
            },
        };
        match &opened {
            Opened::Usable | Opened::Missing => {}
            Opened::Stale(reason) => {
                tracing::warn!(dir = %dir.display(), reason, "search index outdated; rebuilding it from the database")
            }
            Opened::Damaged(reason) => tracing::error!(
                dir = %dir.display(), reason,
                "search index damaged; serving without it (searches answer 503) while it is rebuilt from the database"
            ),
        }
        root.remove_all_but(live.as_ref().map(|g| g.dir.as_path()));
        Ok(Self {
            root,
            opened,
            live: RwLock::new(live),
            writing: Mutex::new(()),
            applied_seq: AtomicI64::new(seq),
            rebuilding: AtomicBool::new(false),
            progress: Default::default(),
            search_cache: ResultCache::new(SEARCH_CACHE_ENTRIES),
        })
    }

    /// Keeps at most `entries` recent search answers from now on (0: none), in place of
    /// [`SEARCH_CACHE_ENTRIES`].
    pub fn set_search_cache(&self, entries: usize) {
        self.search_cache.set_capacity(entries);
    }

    /// How many searches were answered from the cache, and how many were computed, since start.
    #[must_use]
    pub fn search_cache_counts(&self) -> CacheCounts {
        self.search_cache.counts()
    }

    /// What [`Catalogue::open`] found.
    #[must_use]
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether [`Catalogue::open`] found no index to serve and it must be built before serving (missing or
    /// stale; a damaged one is rebuilt in the background instead).
    #[must_use]
    pub fn needs_rebuild(&self) -> bool {
        matches!(self.opened, Opened::Missing | Opened::Stale(_))
    }

    #[must_use]
    pub fn health(&self) -> Health {
        if self.live().is_some() {
            Health::Ready
        } else if self.rebuilding.load(Ordering::Acquire) {
            let [indexed, read, total] = self.progress.each_ref().map(|n| n.load(Ordering::Relaxed));
            Health::Rebuilding { indexed, read, total }
        } else {
            Health::Unusable
        }
    }

    /// The last change-log sequence this index reflects.
    #[must_use]
    pub fn applied_seq(&self) -> i64 {
        self.applied_seq.load(Ordering::Acquire)
    }

    /// How many products are indexed (none while the index is unusable).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.live().map_or(0, |g| g.len())
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a search. Blocking (tantivy does I/O and CPU work): call it off the async threads.
    ///
    /// With words, it finds the products that have every word (see [`SearchResults::total`]), in any
    /// order.
    ///
    /// # Errors
    /// [`CatalogueError::Unavailable`] while the index is unusable (this search may have found it so);
    /// a failure that is not the index's data.
    pub fn search(&self, req: &SearchRequest, today: chrono::NaiveDate) -> Result<Arc<SearchResults>, CatalogueError> {
        self.read(|g| g.search(&self.search_cache, req, today))
    }

    /// The text relevance of the `limit` products that best match `text`, as (product id, score in 0..=1
    /// relative to the best match), best first. Matching ranks by this for a need's stated purpose, so
    /// only scores are read: no documents, snippets or facets. Blocking.
    ///
    /// # Errors
    /// As [`Catalogue::search`].
    pub fn relevance(&self, text: &str, limit: usize) -> Result<Vec<(i64, f32)>, CatalogueError> {
        self.read(|g| g.relevance(text, limit))
    }

    /// Every product the index holds (the published ones, as of [`Catalogue::applied_seq`] or later), from
    /// the copies stored with their documents, in id order: what a [`Listener`] is loaded from at start
    /// without reading the database (see [`sync::published_products`]). Blocking.
    ///
    /// # Errors
    /// As [`Catalogue::search`].
    pub fn products(&self) -> Result<Vec<Product>, CatalogueError> {
        self.read(Generation::products)
    }

    fn live(&self) -> Option<Arc<Generation>> {
        self.live.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads the live generation. A failure of its data (a panic inside tantivy included: damaged data can
    /// make it index out of bounds) marks it unusable, and is answered as [`CatalogueError::Unavailable`].
    fn read<T>(&self, read: impl FnOnce(&Generation) -> Result<T, CatalogueError>) -> Result<T, CatalogueError> {
        let live = self.live().ok_or(CatalogueError::Unavailable)?;
        match catch_unwind(AssertUnwindSafe(|| read(&live))).unwrap_or_else(|panic| Err(panicked(&*panic))) {
            Err(e) if e.is_damage() => {
                self.set_damaged(&live, &e);
                Err(CatalogueError::Unavailable)
            }
            outcome => outcome,
        }
    }

    /// Stops serving from `generation` (unless a rebuild already replaced it).
    fn set_damaged(&self, generation: &Arc<Generation>, error: &CatalogueError) {
        let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
        if live.as_ref().is_some_and(|g| Arc::ptr_eq(g, generation)) {
            *live = None;
            tracing::error!(
                dir = %generation.dir.display(), %error,
                "search index damaged; searches answer 503 until it is rebuilt from the database"
            );
        }
    }

    fn lock_writing(&self) -> MutexGuard<'_, ()> {
        // The guarded value is nothing: a panic while it was held leaves nothing half-changed to fear.
        self.writing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one batch of the change log read after `from`: tells each listener, then replaces the products
    /// in the live generation (each id in `changed` removed, each of `listed` added back), committing it as
    /// reflecting `seq`. While the index is unusable the listeners are still told and the position moves on
    /// (the rebuild reads the products afresh). Returns false, having done nothing, when the position is no
    /// longer `from` (another catch-up or a rebuild moved it): the caller reads again from where it is.
    /// Blocking.
    pub(crate) fn apply(
        &self,
        from: i64,
        changed: &[i64],
        listed: &[Product],
        seq: i64,
        listeners: &[Arc<dyn Listener>],
    ) -> Result<bool, CatalogueError> {
        let _writing = self.lock_writing();
        if self.applied_seq() != from {
            return Ok(false);
        }
        for listener in listeners {
            listener.replaced(changed, listed);
        }
        if let Some(live) = self.live() {
            let applied = catch_unwind(AssertUnwindSafe(|| live.apply(changed, listed, seq)))
                .unwrap_or_else(|panic| Err(panicked(&*panic)));
            match applied {
                Ok(()) => {}
                Err(e) if e.is_damage() => self.set_damaged(&live, &e),
                Err(e) => return Err(e),
            }
        }
        self.applied_seq.store(seq, Ordering::Release);
        Ok(true)
    }

    /// Sets the position of an index found damaged at open, to what its listeners were loaded at.
    pub(crate) fn follow_from(&self, seq: i64) {
        let _writing = self.lock_writing();
        if self.live().is_none() {
            self.applied_seq.store(seq, Ordering::Release);
        }
    }

    /// The right to rebuild the index, unless a rebuild is under way.
    pub(crate) fn claim_rebuild(self: &Arc<Self>) -> Option<Rebuild> {
        self.rebuilding.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).ok()?;
        for n in &self.progress {
            n.store(0, Ordering::Relaxed);
        }
        Some(Rebuild { catalogue: Arc::clone(self) })
    }
}

/// The one rebuild under way (released when dropped, whether it succeeded, failed or was cancelled).
pub(crate) struct Rebuild {
    catalogue: Arc<Catalogue>,
}

impl Drop for Rebuild {
    fn drop(&mut self) {
        self.catalogue.rebuilding.store(false, Ordering::Release);
    }
}

impl Rebuild {
    pub(crate) fn catalogue(&self) -> &Arc<Catalogue> {
        &self.catalogue
    }

    pub(crate) fn progress(&self, indexed: u64, read: u64, total: u64) {
        for (n, v) in self.catalogue.progress.iter().zip([indexed, read, total]) {
            n.store(v, Ordering::Relaxed);
        }
    }
}

/// What only the holder of the [`Rebuild`] calls.
impl Catalogue {
    /// A new, empty generation beside the live one. Blocking.
    pub(crate) fn new_generation(&self) -> Result<Generation, CatalogueError> {
        Generation::create(&self.root.new_generation()?)
    }

    /// Makes `generation` (committed as reflecting `seq`) the live one, and deletes the one it replaces.
    /// The position becomes `seq`; with `keep_earlier`, it stays where it was when that is earlier, so the
    /// listeners, which followed the log while the generation was built, miss none of the changes before
    /// `seq` (the index applies those again, which changes nothing). Blocking.
    pub(crate) fn install(&self, generation: Generation, seq: i64, keep_earlier: bool) -> Result<(), CatalogueError> {
        let _writing = self.lock_writing();
        self.root.point_to(&generation.dir)?;
        let dir = generation.dir.clone();
        let replaced = self.live.write().unwrap_or_else(PoisonError::into_inner).replace(Arc::new(generation));
        let position = if keep_earlier { self.applied_seq().min(seq) } else { seq };
        self.applied_seq.store(position, Ordering::Release);
        drop(replaced);
        self.root.remove_all_but(Some(&dir));
        Ok(())
    }
}

fn panicked(panic: &(dyn std::any::Any + Send)) -> CatalogueError {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    CatalogueError::Corrupt(format!("reading the index panicked: {text}"))
}
