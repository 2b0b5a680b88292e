//! One pass over the products a search's query admits, yielding its page, its total and the three facet
//! counts together.
//!
//! The faceted fields' filters ([`FacetFilters`]) are checked here rather than in the query: a facet's
//! counts ignore that facet's own filter but apply the others, so a query per facet would run the text and
//! every other filter four times (which was two thirds of a search's time). Here each product the query
//! admits is read once: it is counted under each facet whose other two filters it passes, and competes for
//! the page when it passes all three.

use crate::query::FacetFilters;
use std::collections::{BTreeMap, BinaryHeap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::FacetReader;
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

/// One faceted field in one segment: its per-product values, which of them the filter admits (`None`: no
/// filter) and the counts per value.
struct FacetColumn {
    reader: FacetReader,
    admitted: Option<Vec<bool>>,
    counts: Vec<u64>,
}

impl FacetColumn {
    fn open(segment: &SegmentReader, field: &str, filter: Option<&Vec<Facet>>) -> tantivy::Result<Self> {
        let reader = segment.facet_reader(field)?;
        let size = reader.num_facets();
        let admitted = match filter {
            None => None,
            Some(facets) => {
                let mut admitted = vec![false; size];
                for facet in facets {
                    if let Some(ord) = reader.facet_dict().term_ord(facet.encoded_str())? {
                        admitted[usize::try_from(ord).unwrap_or(usize::MAX).min(size.saturating_sub(1))] = true;
                    }
                }
                Some(admitted)
            }
        };
        Ok(Self { reader, admitted, counts: vec![0; size] })
    }

    fn passes(&self, doc: DocId) -> bool {
        self.admitted.as_ref().is_none_or(|admitted| {
            self.reader.facet_ords(doc).any(|ord| admitted.get(ord as usize).copied().unwrap_or(false))
        })
    }

    fn count(&mut self, doc: DocId) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(n) = self.counts.get_mut(ord as usize) {
                *n += 1;
            }
        }
    }

    fn harvest(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        let mut facet = Facet::root();
        for (ord, n) in self.counts.iter().enumerate() {
            if *n > 0
                && self.reader.facet_from_ord(ord as u64, &mut facet).is_ok()
                && let Some(leaf) = facet.to_path().last()
            {
                *out.entry((*leaf).to_owned()).or_default() += n;
            }
        }
        out
    }
}

pub struct SegmentSearch {
    segment: SegmentOrdinal,
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
        let [family, institution, district] = &self.facets;
        let passes = [family.passes(doc), institution.passes(doc), district.passes(doc)];
        for (i, column) in self.facets.iter_mut().enumerate() {
            // Counted under this field when it passes the other two fields' filters.
            if passes.iter().enumerate().all(|(j, ok)| i == j || *ok) {
                column.count(doc);
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
            counts: [0, 1, 2].map(|i| self.facets[i].harvest()),
        }
    }
}

impl Collector for SearchCollector<'_> {
    type Fruit = Collected;
    type Child = SegmentSearch;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentSearch> {
        let filters = [&self.filters.family, &self.filters.institution, &self.filters.district];
        let [family, institution, district] =
            [0, 1, 2].map(|i| FacetColumn::open(reader, FACET_FIELDS[i], filters[i].as_ref()));
        let sort = match self.order {
            PageOrder::Score => None,
            PageOrder::Ascending(field) => Some((reader.fast_fields().u64(field)?, false)),
            PageOrder::Descending(field) => Some((reader.fast_fields().u64(field)?, true)),
        };
        let keep = self.offset.saturating_add(self.limit);
        Ok(SegmentSearch {
            segment,
            facets: [family?, institution?, district?],
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
