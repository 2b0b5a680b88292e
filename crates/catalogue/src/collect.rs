//! One pass over the products a search's query admits, yielding its page, its total and the three facet
//! counts together.
//!
//! The faceted fields' filters ([`FacetFilters`]) are checked here rather than in the query: a facet's
//! counts ignore that facet's own filter but apply the others, so a query per facet would run the text and
//! every other filter four times (which was two thirds of a search's time). Here each product the query
//! admits is read once: it is counted under each facet whose other two filters it passes, and competes for
//! the page when it passes all three.
//!
//! What the pass reads of each product (its facet values, its validity window and the values pages are
//! sorted by) comes from flat arrays read once per segment ([`SegmentColumns`]) rather than from tantivy's
//! columns, which decode a value per read: that decoding was most of a broad search's time. The validity
//! window is checked here too, so a browse of the whole catalogue runs no range query.

use crate::query::FacetFilters;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// What orders the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrder {
    /// The query's score, best first.
    Score,
    /// A sort field ([`SORT_FIELDS`], by index), lowest first.
    Ascending(usize),
    /// A sort field, highest first.
    Descending(usize),
}

/// The u64 fast fields pages are sorted by: lowest rate, highest amount, fastest decision.
pub const SORT_FIELDS: [&str; 3] = ["rate_min", "amount_sort", "decision_days"];
pub const RATE: usize = 0;
pub const AMOUNT: usize = 1;
pub const DECISION: usize = 2;

/// The three faceted fields, in the order of [`Collected::counts`].
pub const FACET_FIELDS: [&str; 3] = ["family", "institution", "district"];

/// A search's page, total and facet counts.
#[derive(Debug, Default)]
pub struct Collected {
    /// Products that pass every filter.
    pub total: usize,
    /// The page: each product's score (in score order) and address, best first.
    pub page: Vec<(Option<Score>, DocAddress)>,
    /// Per faceted field ([`FACET_FIELDS`]), the products under each value (the facet's last path
    /// segment), counted with the other two fields' filters.
    pub counts: [BTreeMap<String, u64>; 3],
}

/// Collects one search: the page at `offset` of `limit` products in `order`, the total and the counts.
pub struct SearchCollector<'a> {
    pub columns: &'a ColumnCache,
    pub filters: &'a FacetFilters,
    /// Today as a day number: a product is listed when its validity window holds it.
    pub today: i64,
    pub order: PageOrder,
    pub offset: usize,
    pub limit: usize,
}

/// A product's place: lower is better, then by address (so pages never overlap or skip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    key: u64,
    segment: SegmentOrdinal,
    doc: DocId,
}

/// Scores are not negative, and the bits of non-negative floats order as the floats do.
fn score_key(score: Score) -> u64 {
    u64::from(u32::MAX - score.max(0.0).to_bits())
}

fn score_of(key: u64) -> Score {
    Score::from_bits(u32::MAX - u32::try_from(key).unwrap_or(u32::MAX))
}

/// One faceted field of one segment, read out of tantivy's column once into flat arrays: each product's
/// value ordinals, and each ordinal's value. Reading the column for every product of every search was most
/// of a broad search's time; a segment never changes, so its arrays serve until it is merged away.
#[derive(Debug)]
struct FacetValues {
    /// Product `d`'s ordinals are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
    /// Each ordinal's value (the facet's last path segment).
    names: Vec<String>,
}

impl FacetValues {
    fn read(segment: &SegmentReader, field: &str) -> tantivy::Result<Self> {
        let reader = segment.facet_reader(field)?;
        let mut starts = Vec::with_capacity(segment.max_doc() as usize + 1);
        let mut ords = Vec::with_capacity(segment.max_doc() as usize);
        let overflow = || tantivy::TantivyError::InternalError(format!("{field}: too many facet values"));
        starts.push(0);
        for doc in 0..segment.max_doc() {
            for ord in reader.facet_ords(doc) {
                ords.push(u32::try_from(ord).map_err(|_| overflow())?);
            }
            starts.push(u32::try_from(ords.len()).map_err(|_| overflow())?);
        }
        let mut names = Vec::with_capacity(reader.num_facets());
        let mut facet = Facet::root();
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet)?;
            names.push(facet.to_path().last().map_or_else(String::new, |leaf| (*leaf).to_owned()));
        }
        Ok(Self { starts, ords, names })
    }

    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        match (self.starts.get(doc), self.starts.get(doc + 1)) {
            (Some(from), Some(to)) => self.ords.get(*from as usize..*to as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Which ordinals name one of `facets`.
    fn admitting(&self, facets: &[Facet]) -> Vec<bool> {
        let wanted: Vec<&str> = facets.iter().filter_map(|f| f.to_path().last().copied()).collect();
        self.names.iter().map(|name| wanted.contains(&name.as_str())).collect()
    }
}

/// What the collecting pass reads of each product of one segment.
#[derive(Debug)]
pub struct SegmentColumns {
    facets: [FacetValues; 3],
    /// Each product's validity window, as day numbers.
    valid: Vec<(i64, i64)>,
    /// Each product's value of each [`SORT_FIELDS`] field.
    sort: [Vec<u64>; 3],
}

impl SegmentColumns {
    pub fn read(segment: &SegmentReader) -> tantivy::Result<Self> {
        let [family, institution, district] = FACET_FIELDS.map(|field| FacetValues::read(segment, field));
        let fast = segment.fast_fields();
        let (from, until) = (fast.i64("valid_from")?, fast.i64("valid_until")?);
        // A product without a window (none is indexed so) is never listed.
        let valid = (0..segment.max_doc())
            .map(|doc| (from.first(doc).unwrap_or(i64::MAX), until.first(doc).unwrap_or(i64::MIN)))
            .collect();
        let [rate, amount, decision] = SORT_FIELDS.map(|field| -> tantivy::Result<Vec<u64>> {
            let column = fast.u64(field)?;
            // A product without the value (none is indexed so) goes last either way: see `SegmentSearch::key`.
            Ok((0..segment.max_doc()).map(|doc| column.first(doc).unwrap_or(u64::MAX)).collect())
        });
        Ok(Self { facets: [family?, institution?, district?], valid, sort: [rate?, amount?, decision?] })
    }
}

/// The [`SegmentColumns`] of the segments an index has served, each read once (a segment never changes).
#[derive(Debug, Default)]
pub struct ColumnCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    fn of(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        let id = segment.segment_id();
        if let Some(found) = self.lock().get(&id) {
            return Ok(Arc::clone(found));
        }
        // Read outside the lock: two searches meeting a new segment at once both read it, and agree.
        let read = Arc::new(SegmentColumns::read(segment)?);
        self.lock().insert(id, Arc::clone(&read));
        Ok(read)
    }

    /// Brings the cache to `searcher`'s segments: forgets those it no longer has (merged or deleted away)
    /// and reads those it does not hold yet, so a search after a commit does not pay for reading them.
    ///
    /// # Errors
    /// A new segment's columns do not read.
    pub fn refresh(&self, searcher: &tantivy::Searcher) -> tantivy::Result<()> {
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
        self.lock().retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            self.of(segment)?;
        }
        Ok(())
    }

    /// Only ever inserted into whole: a panic elsewhere leaves nothing half-done behind the lock.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentColumns>>> {
        self.segments.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One faceted field while collecting one segment: which ordinals the filter admits (`None`: no filter) and
/// the counts per ordinal.
struct FacetColumn {
    admitted: Option<Vec<bool>>,
    counts: Vec<u64>,
}

pub struct SegmentSearch {
    segment: SegmentOrdinal,
    columns: Arc<SegmentColumns>,
    facets: [FacetColumn; 3],
    /// Whether any faceted field is filtered (else every product the query admits passes them all).
    filtered: bool,
    today: i64,
    /// The sort field and whether highest first; `None`: by score.
    sort: Option<(usize, bool)>,
    keep: usize,
    best: BinaryHeap<Place>,
    total: usize,
}

impl SegmentSearch {
    fn key(&self, doc: DocId, score: Score) -> u64 {
        match self.sort {
            None => score_key(score),
            Some((field, descending)) => {
                let value = self.columns.sort[field].get(doc as usize).copied().unwrap_or(u64::MAX);
                // An unstated value is indexed as u64::MAX or 0 so that it sorts last either way.
                if descending { u64::MAX - value } else { value }
            }
        }
    }

    /// Whether `doc` passes each faceted field's filter.
    fn passes(&self, doc: DocId) -> [bool; 3] {
        if !self.filtered {
            return [true; 3];
        }
        [0, 1, 2].map(|i| {
            self.facets[i].admitted.as_ref().is_none_or(|admitted| {
                self.columns.facets[i].of(doc).iter().any(|ord| admitted.get(*ord as usize).copied().unwrap_or(false))
            })
        })
    }
}

pub struct SegmentFruit {
    total: usize,
    best: Vec<Place>,
    counts: [BTreeMap<String, u64>; 3],
}

impl SegmentCollector for SegmentSearch {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let (from, until) = self.columns.valid.get(doc as usize).copied().unwrap_or((i64::MAX, i64::MIN));
        if from > self.today || until < self.today {
            return;
        }
        let passes = self.passes(doc);
        for (i, column) in self.facets.iter_mut().enumerate() {
            // Counted under this field when it passes the other two fields' filters.
            if passes.iter().enumerate().all(|(j, ok)| i == j || *ok) {
                for ord in self.columns.facets[i].of(doc) {
                    if let Some(n) = column.counts.get_mut(*ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
        if !passes.iter().all(|ok| *ok) {
            return;
        }
        self.total += 1;
        if self.keep == 0 {
            return;
        }
        let place = Place { key: self.key(doc, score), segment: self.segment, doc };
        if self.best.len() < self.keep {
            self.best.push(place);
        } else if self.best.peek().is_some_and(|worst| place < *worst) {
            self.best.pop();
            self.best.push(place);
        }
    }

    fn harvest(self) -> SegmentFruit {
        SegmentFruit {
            total: self.total,
            best: self.best.into_vec(),
            counts: [0, 1, 2].map(|i| {
                let mut out = BTreeMap::new();
                for (ord, n) in self.facets[i].counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                    if let Some(name) = self.columns.facets[i].names.get(ord) {
                        *out.entry(name.clone()).or_default() += n;
                    }
                }
                out
            }),
        }
    }
}

impl Collector for SearchCollector<'_> {
    type Fruit = Collected;
    type Child = SegmentSearch;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentSearch> {
        let filters = [&self.filters.family, &self.filters.institution, &self.filters.district];
        let columns = self.columns.of(reader)?;
        let facets = [0, 1, 2].map(|i| FacetColumn {
            admitted: filters[i].as_ref().map(|facets| columns.facets[i].admitting(facets)),
            counts: vec![0; columns.facets[i].names.len()],
        });
        let sort = match self.order {
            PageOrder::Score => None,
            PageOrder::Ascending(field) => Some((field.min(SORT_FIELDS.len() - 1), false)),
            PageOrder::Descending(field) => Some((field.min(SORT_FIELDS.len() - 1), true)),
        };
        let keep = self.offset.saturating_add(self.limit);
        Ok(SegmentSearch {
            segment,
            columns,
            filtered: filters.iter().any(|f| f.is_some()),
            today: self.today,
            facets,
            sort,
            keep,
            best: BinaryHeap::with_capacity(keep.min(1024) + 1),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.order == PageOrder::Score
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut out = Collected::default();
        let mut best = Vec::new();
        for fruit in fruits {
            out.total += fruit.total;
            best.extend(fruit.best);
            for (into, from) in out.counts.iter_mut().zip(fruit.counts) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        best.sort_unstable_by(Place::cmp);
        let scored = self.order == PageOrder::Score;
        out.page = best
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|p| (scored.then(|| score_of(p.key)), DocAddress::new(p.segment, p.doc)))
            .collect();
        Ok(out)
    }
}
