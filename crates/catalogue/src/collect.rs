//! One pass over the products a search's query admits, yielding its page, its total and the three facet
//! counts together.
//!
//! The faceted fields' filters ([`FacetFilters`]) are checked here rather than in the query: a facet's
//! counts ignore that facet's own filter but apply the others, so a query per facet would run the text and
//! every other filter four times (which was two thirds of a search's time). Here each product the query
//! admits is read once: it is counted under each facet whose other two filters it passes, and competes for
//! the page when it passes all three.

use crate::query::FacetFilters;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// What orders the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrder {
    /// The query's score, best first.
    Score,
    /// A u64 fast field, lowest first.
    Ascending(&'static str),
    /// A u64 fast field, highest first.
    Descending(&'static str),
}

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
    pub arrays: &'a FacetArrays,
    pub filters: &'a FacetFilters,
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

/// The three faceted fields of one segment.
#[derive(Debug)]
pub struct SegmentFacets([FacetValues; 3]);

impl SegmentFacets {
    pub fn read(segment: &SegmentReader) -> tantivy::Result<Self> {
        let [family, institution, district] = FACET_FIELDS.map(|field| FacetValues::read(segment, field));
        Ok(Self([family?, institution?, district?]))
    }
}

/// The [`SegmentFacets`] of the segments an index has served, each read once.
#[derive(Debug, Default)]
pub struct FacetArrays {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl FacetArrays {
    fn of(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = segment.segment_id();
        if let Some(found) = self.lock().get(&id) {
            return Ok(Arc::clone(found));
        }
        // Read outside the lock: two searches meeting a new segment at once both read it, and agree.
        let read = Arc::new(SegmentFacets::read(segment)?);
        self.lock().insert(id, Arc::clone(&read));
        Ok(read)
    }

    /// Forgets the segments the searcher no longer has (merged or deleted away).
    pub fn keep_only(&self, searcher: &tantivy::Searcher) {
        let mut segments = self.lock();
        if segments.len() > searcher.segment_readers().len() {
            let live: Vec<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
            segments.retain(|id, _| live.contains(id));
        }
    }

    /// Only ever inserted into whole: a panic elsewhere leaves nothing half-done behind the lock.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentFacets>>> {
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
    values: Arc<SegmentFacets>,
    facets: [FacetColumn; 3],
    sort: Option<(Column<u64>, bool)>,
    keep: usize,
    best: BinaryHeap<Place>,
    total: usize,
}

impl SegmentSearch {
    fn key(&self, doc: DocId, score: Score) -> u64 {
        match &self.sort {
            None => score_key(score),
            // A product without the value (none is indexed so) goes last either way.
            Some((column, descending)) => match column.first(doc) {
                Some(v) if *descending => u64::MAX - v,
                Some(v) => v,
                None => u64::MAX,
            },
        }
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
        let values = [0, 1, 2].map(|i| self.values.0[i].of(doc));
        let passes = [0, 1, 2].map(|i| {
            self.facets[i].admitted.as_ref().is_none_or(|admitted| {
                values[i].iter().any(|ord| admitted.get(*ord as usize).copied().unwrap_or(false))
            })
        });
        for (i, column) in self.facets.iter_mut().enumerate() {
            // Counted under this field when it passes the other two fields' filters.
            if passes.iter().enumerate().all(|(j, ok)| i == j || *ok) {
                for ord in values[i] {
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
                    if let Some(name) = self.values.0[i].names.get(ord) {
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
        let values = self.arrays.of(reader)?;
        let facets = [0, 1, 2].map(|i| FacetColumn {
            admitted: filters[i].as_ref().map(|facets| values.0[i].admitting(facets)),
            counts: vec![0; values.0[i].names.len()],
        });
        let sort = match self.order {
            PageOrder::Score => None,
            PageOrder::Ascending(field) => Some((reader.fast_fields().u64(field)?, false)),
            PageOrder::Descending(field) => Some((reader.fast_fields().u64(field)?, true)),
        };
        let keep = self.offset.saturating_add(self.limit);
        Ok(SegmentSearch {
            segment,
            values,
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
