//! Search requests and results, and running one against the index.

use crate::CatalogueError;
use crate::generation::Generation;
use crate::query::{Dimension, full_query, text_query};
use crate::schema::facets_serving;
use finmart_domain::{
    Bps, Collateral, District, Fen, HomeArea, Labelled, Months, PolicySupport, Product, ProductFamily,
};
use serde::Serialize;
use std::collections::HashMap;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best text match first; for an empty query, lowest rate first.
    #[default]
    Relevance,
    RateAsc,
    AmountDesc,
    DecisionAsc,
}

finmart_domain::labelled_enum! {
    /// The sort orders by machine name, for the API and the page.
    pub enum SortName: "sort" {
        Relevance => "relevance", "综合排序", "Relevance",
        RateAsc => "rate", "利率最低", "Lowest rate",
        AmountDesc => "amount", "额度最高", "Highest amount",
        DecisionAsc => "speed", "审批最快", "Fastest decision",
    }
}

impl From<SortName> for SortOrder {
    fn from(s: SortName) -> Self {
        match s {
            SortName::Relevance => Self::Relevance,
            SortName::RateAsc => Self::RateAsc,
            SortName::AmountDesc => Self::AmountDesc,
            SortName::DecisionAsc => Self::DecisionAsc,
        }
    }
}

/// Which collateral a person can offer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CollateralFilter {
    #[default]
    Any,
    /// Only products that need no collateral.
    NoneRequired,
    /// Products that take any of these.
    Accepts(Vec<Collateral>),
}

/// One search: text, filters, order and page. Validated by the caller (the web layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub text: String,
    pub families: Vec<ProductFamily>,
    pub institutions: Vec<i64>,
    pub districts: Vec<District>,
    pub collateral: CollateralFilter,
    /// The amount needed: the product's range must contain it.
    pub amount: Option<Fen>,
    /// The term needed: the product's range must contain it.
    pub term: Option<Months>,
    /// The highest acceptable rate: the product's lowest rate must not exceed it.
    pub max_rate: Option<Bps>,
    pub online_only: bool,
    /// Policy support the product must all have.
    pub policy: Vec<PolicySupport>,
    pub sort: SortOrder,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            families: Vec::new(),
            institutions: Vec::new(),
            districts: Vec::new(),
            collateral: CollateralFilter::Any,
            amount: None,
            term: None,
            max_rate: None,
            online_only: false,
            policy: Vec::new(),
            sort: SortOrder::Relevance,
            page: 1,
            per_page: 20,
        }
    }
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub product: Product,
    /// The BM25 score, for relevance order.
    pub score: Option<f32>,
    /// The name with matched words in `<b>`, HTML-escaped.
    pub name_html: String,
    /// A passage of the description with matched words in `<b>`, HTML-escaped.
    pub snippet_html: String,
}

/// How many results each choice of a facet would give, with the other filters applied.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub families: Vec<(ProductFamily, u64)>,
    pub institutions: Vec<(i64, u64)>,
    /// Products per value of the area facet: a division code, `nationwide` or `not_stated` (see
    /// [`Facets::districts`]).
    pub areas: Vec<(String, u64)>,
}

impl Facets {
    /// How many products serve each of the home area's districts (a nationwide product, or one serving the
    /// city, counts in every district), most first; districts no product serves are left out.
    #[must_use]
    pub fn districts(&self, home: &HomeArea) -> Vec<(District, u64)> {
        let count: HashMap<&str, u64> = self.areas.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        // A product's area lists no division within another, so the values serving one district are
        // disjoint within each product and their counts add up.
        let mut out: Vec<(District, u64)> = home
            .districts()
            .into_iter()
            .map(|d| (d, facets_serving(d).iter().map(|v| count.get(v.as_str()).copied().unwrap_or(0)).sum()))
            .filter(|(_, n)| *n > 0)
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    /// How many of the `total` products contain every word of the query (a synonym of a word counts as
    /// the word; generic words such as 贷款 or 企业 are not counted when the query has others). In
    /// relevance order these come first. A search sorted by rate, amount or speed returns only products
    /// that contain every word as written, and a search without words matches everything, so for both
    /// this equals `total`.
    pub total_all_words: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

const SNIPPET_CHARS: usize = 90;

/// The page of (score, document) pairs; the score only in relevance order.
type Scored = Vec<(Option<f32>, DocAddress)>;

impl Generation {
    /// Runs a search. Blocking (tantivy does I/O and CPU work): call it off the async threads.
    ///
    /// With words, relevance order puts the products that contain every word first (see
    /// [`SearchResults::total_all_words`]), each group best first; any other order keeps only the products
    /// that contain every word as written, since ordering by rate what a synonym or a generic word found
    /// would put products first that are not what was asked for.
    ///
    /// # Errors
    /// Index failure or a stored document that no longer reads.
    pub(crate) fn search(
        &self,
        req: &SearchRequest,
        today: chrono::NaiveDate,
    ) -> Result<SearchResults, CatalogueError> {
        let searcher = self.reader.searcher();
        let mut analyzer = self.analyzer.clone();
        let text = text_query(&self.fields, &mut analyzer, &req.text);
        let today = crate::schema::day_number(today);
        let matching = text.as_ref().map(|t| if req.sort == SortOrder::Relevance { &*t.scored } else { &*t.own_words });
        let main = full_query(&self.fields, matching, req, today, None);

        let offset = req.page.saturating_sub(1).saturating_mul(req.per_page);
        let per_page = req.per_page.max(1);
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        let (total, total_all_words, scored) = match (req.sort, &text) {
            (SortOrder::Relevance, Some(text)) => {
                all_words_first(&searcher, main.as_ref(), text.all_words.as_ref(), offset, per_page)?
            }
            (SortOrder::Relevance | SortOrder::RateAsc, _) => {
                self.sorted(&searcher, &main, top, "rate_min", Order::Asc)?
            }
            (SortOrder::AmountDesc, _) => self.sorted(&searcher, &main, top, "amount_sort", Order::Desc)?,
            (SortOrder::DecisionAsc, _) => self.sorted(&searcher, &main, top, "decision_days", Order::Asc)?,
        };

        let generator = |field| -> Result<Option<SnippetGenerator>, CatalogueError> {
            let Some(text) = &text else { return Ok(None) };
            let mut g = SnippetGenerator::create(&searcher, text.scored.as_ref(), field)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Ok(Some(g))
        };
        let name_snippets = generator(self.fields.name)?;
        let description_snippets = generator(self.fields.description)?;
        let mut hits = Vec::with_capacity(scored.len());
        for (score, address) in scored {
            let doc: TantivyDocument = searcher.doc(address)?;
            let json = doc
                .get_first(self.fields.doc)
                .and_then(|v| v.as_str())
                .ok_or_else(|| CatalogueError::Corrupt("document without its product".to_owned()))?;
            let product: Product = serde_json::from_str(json).map_err(|e| CatalogueError::Corrupt(e.to_string()))?;
            let highlighted = |g: &Option<SnippetGenerator>| {
                g.as_ref().map(|g| g.snippet_from_doc(&doc)).filter(|s| !s.fragment().is_empty()).map(|s| s.to_html())
            };
            let name_html = highlighted(&name_snippets)
                .filter(|h| h.contains("<b>") && strip_tags(h) == escape_html(&product.spec.name))
                .unwrap_or_else(|| escape_html(&product.spec.name));
            let snippet_html = highlighted(&description_snippets).unwrap_or_else(|| {
                escape_html(&product.spec.description.chars().take(SNIPPET_CHARS).collect::<String>())
            });
            hits.push(Hit { product, score, name_html, snippet_html });
        }

        let facets = Facets {
            families: self
                .facet_counts(&searcher, matching, req, today, Dimension::Family, "family")?
                .into_iter()
                .filter_map(|(k, n)| ProductFamily::parse(&k).ok().map(|f| (f, n)))
                .collect(),
            institutions: self
                .facet_counts(&searcher, matching, req, today, Dimension::Institution, "institution")?
                .into_iter()
                .filter_map(|(k, n)| k.parse().ok().map(|id| (id, n)))
                .collect(),
            areas: self.facet_counts(&searcher, matching, req, today, Dimension::District, "district")?,
        };
        Ok(SearchResults { total, total_all_words, hits, facets })
    }

    /// The text relevance of the `limit` products that best match `text`, as (product id, score in 0..=1
    /// relative to the best match), best first. Matching ranks by this for a need's stated purpose, so
    /// only scores are read: no documents, snippets or facets. Blocking.
    ///
    /// # Errors
    /// Index failure.
    pub(crate) fn relevance(&self, text: &str, limit: usize) -> Result<Vec<(i64, f32)>, CatalogueError> {
        let mut analyzer = self.analyzer.clone();
        let Some(query) = text_query(&self.fields, &mut analyzer, text) else { return Ok(Vec::new()) };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query.scored, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let best = top.first().map_or(1.0, |(s, _)| *s).max(f32::MIN_POSITIVE);
        let mut scores = Vec::with_capacity(top.len());
        for (score, address) in top {
            let ids = searcher.segment_reader(address.segment_ord).fast_fields().u64("id")?;
            if let Some(id) = ids.first(address.doc_id) {
                scores.push((i64::try_from(id).unwrap_or(i64::MAX), score / best));
            }
        }
        Ok(scores)
    }

    fn sorted(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        top: TopDocs,
        field: &str,
        order: Order,
    ) -> Result<(usize, usize, Scored), CatalogueError> {
        let (n, docs) = searcher.search(query, &(Count, top.order_by_fast_field::<u64>(field, order)))?;
        Ok((n, n, docs.into_iter().map(|(_, a)| (None, a)).collect()))
    }

    /// Counts per value of one facet, most first, with every filter but that facet's own.
    fn facet_counts(
        &self,
        searcher: &Searcher,
        text: Option<&dyn Query>,
        req: &SearchRequest,
        today: i64,
        dimension: Dimension,
        field: &str,
    ) -> Result<Vec<(String, u64)>, CatalogueError> {
        let query = full_query(&self.fields, text, req, today, Some(dimension));
        let mut collector = FacetCollector::for_field(field);
        let root = format!("/{field}");
        collector.add_facet(root.as_str());
        let counts = searcher.search(&query, &collector)?;
        let mut out: Vec<(String, u64)> = counts
            .get(root.as_str())
            .filter_map(|(facet, n)| facet.to_path().last().map(|leaf| ((*leaf).to_owned(), n)))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}

/// The total, how many match every word, and one page in relevance order with those first: the page is
/// cut from the products that match every word, then from the rest, each best first.
fn all_words_first(
    searcher: &Searcher,
    main: &dyn Query,
    all_words: &dyn Query,
    offset: usize,
    per_page: usize,
) -> Result<(usize, usize, Scored), CatalogueError> {
    let page = |limit: usize, offset: usize| TopDocs::with_limit(limit).and_offset(offset).order_by_score();
    // Scores stay the main query's: the filter adds nothing to them.
    let first = BooleanQuery::new(vec![
        (Occur::Must, main.box_clone()),
        (Occur::Must, Box::new(ConstScoreQuery::new(all_words.box_clone(), 0.0))),
    ]);
    let rest = BooleanQuery::new(vec![(Occur::Must, main.box_clone()), (Occur::MustNot, all_words.box_clone())]);
    let (all, mut docs) = searcher.search(&first, &(Count, page(per_page, offset)))?;
    let wanted = per_page - docs.len();
    let others = if wanted == 0 {
        searcher.search(&rest, &Count)?
    } else {
        let (n, more) = searcher.search(&rest, &(Count, page(wanted, offset.saturating_sub(all))))?;
        docs.extend(more);
        n
    };
    Ok((all + others, all, docs.into_iter().map(|(s, a)| (Some(s), a)).collect()))
}

/// Escapes text for HTML (the snippets are HTML; fallbacks must be too).
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    html.replace("<b>", "").replace("</b>", "")
}
