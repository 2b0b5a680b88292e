//! Following product changes: what something kept derived from the published products is told.
//!
//! The database is the source of truth for products; the search index and the matching engine's book are
//! copies kept for speed. Every product write is logged, and one follower (in `finmart-catalogue`) reads the
//! log and hands each batch of changes to the index and to every [`Listener`] together, so all copies see
//! each change at the same time. The trait lives here, with no I/O, so a listener such as the matching
//! engine need not depend on the crate that does the following.

use crate::Product;

/// Something kept derived from the published products (the matching engine's book) that follows the
/// product change log beside the search index.
///
/// The follower calls [`Listener::replaced`] once per batch of logged changes, in log order, after reading
/// the changed products from the database and just before the index applies the same batch and records it
/// as applied (while the index is unusable and being rebuilt, it tells the listeners alone); if the index
/// fails, or a rebuild swapped in as of an earlier change, batches are read and told again, so a listener
/// must take a repeat (replacing is idempotent). It calls from a blocking thread, not an async one, since rebuilding a derived
/// form may take tens of milliseconds on a large catalogue.
pub trait Listener: Send + Sync {
    /// Each id in `changed` (sorted, without repeats) was written; `listed` holds those among them that are
    /// now published, as stored. A changed id missing from `listed` is to be dropped (unpublished, archived
    /// or deleted).
    fn replaced(&self, changed: &[i64], listed: &[Product]);
}
