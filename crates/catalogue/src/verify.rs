//! Checking an index before serving from it: tantivy reads its files without checking them, so a damaged
//! term dictionary, postings list or document block would answer searches with an error, a panic or, worse,
//! a wrong answer. Two checks together catch what damage does:
//!
//! - every file of every live segment against the checksum in its footer (`Index::validate_checksum`),
//!   which finds any byte changed in the term dictionary (`.term`), postings (`.idx`), positions (`.pos`),
//!   fast fields (`.fast`), field norms (`.fieldnorm`), documents (`.store`) and deletes (`.del`);
//! - every segment's readers opened, field by field (term dictionaries, fast columns, field norms, the
//!   document store), which finds a file that is missing or cut short, which the checksum pass skips.
//!
//! `meta.json` has no checksum; damage to it fails `Index::open_in_dir` or the payload's parsing before this.

use tantivy::{Index, IndexReader};

/// Why the index cannot be trusted, or nothing.
///
/// # Errors
/// The words of the first damage found.
pub(crate) fn verify(index: &Index, reader: &IndexReader) -> Result<(), String> {
    let damaged = index.validate_checksum().map_err(|e| format!("checksums could not be read: {e}"))?;
    if !damaged.is_empty() {
        let mut files: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        files.sort();
        return Err(format!("checksum mismatch in {}", files.join(", ")));
    }
    let searcher = reader.searcher();
    let schema = index.schema();
    for segment in searcher.segment_readers() {
        let id = segment.segment_id().uuid_string();
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("segment {id}: {what}: {e}");
        for (field, entry) in schema.fields() {
            let name = entry.name();
            if entry.is_indexed() {
                segment.inverted_index(field).map_err(|e| fail(&format!("terms of {name}"), &e))?;
            }
            if entry.has_fieldnorms() {
                segment
                    .fieldnorms_readers()
                    .get_field(field)
                    .map_err(|e| fail(&format!("field norms of {name}"), &e))?;
            }
            if entry.is_fast() {
                let columns = segment
                    .fast_fields()
                    .dynamic_column_handles(name)
                    .map_err(|e| fail(&format!("fast field {name}"), &e))?;
                for column in columns {
                    column.open().map_err(|e| fail(&format!("fast field {name}"), &e))?;
                }
            }
        }
        segment.get_store_reader(0).map_err(|e| fail("document store", &e))?;
    }
    Ok(())
}
