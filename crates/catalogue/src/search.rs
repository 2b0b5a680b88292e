//! Search requests and results, and running one against the index.

use crate::CatalogueError;
use crate::cache::ResultCache;
use crate::collect::{AMOUNT, Collected, DECISION, PageOrder, RATE, SearchCollector};
use crate::generation::{Generation, stored_product};
use crate::query::{FacetFilters, base_query, text_query};
use crate::schema::facets_serving;
use finmart_domain::{
    Bps, Collateral, District, Fen, HomeArea, Labelled, Months, PolicySupport, Product, ProductFamily,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum CollateralFilter {
    #[default]
    Any,
    /// Only products that need no collateral.
    NoneRequired,
    /// Products that take any of these.
    Accepts(Vec<Collateral>),
}

/// One search: text, filters, order and page. Validated by the caller (the web layer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// The products the search finds: with words, those that have every word (see [`crate::query`]);
    /// whatever the order, the same products.
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

const SNIPPET_CHARS: usize = 90;

impl Generation {
    /// Runs a search. Blocking (tantivy does I/O and CPU work): call it off the async threads.
    ///
    /// One query finds the products (the text's matches and every filter but the faceted fields'), and
    /// one pass over them ([`SearchCollector`]) yields the page, the total and the facet counts.
    ///
    /// # Errors
    /// Index failure or a stored document that no longer reads.
    pub(crate) fn search(
        &self,
        cache: &ResultCache,
        req: &SearchRequest,
        today: chrono::NaiveDate,
    ) -> Result<Arc<SearchResults>, CatalogueError> {
        let searcher = self.reader.searcher();
        let state = (self.serial, searcher.generation().generation_id());
        cache.get_or_search(state, req, today, || self.search_in(&searcher, req, today))
    }

    fn search_in(
        &self,
        searcher: &Searcher,
        req: &SearchRequest,
        today: chrono::NaiveDate,
    ) -> Result<SearchResults, CatalogueError> {
        let mut analyzer = self.analyzer.clone();
        let text = text_query(&self.fields, &mut analyzer, &req.text);
        let today = crate::schema::day_number(today);
        let order = match (req.sort, &text) {
            (SortOrder::Relevance, Some(_)) => PageOrder::Score,
            (SortOrder::Relevance | SortOrder::RateAsc, _) => PageOrder::Ascending(RATE),
            (SortOrder::AmountDesc, _) => PageOrder::Descending(AMOUNT),
            (SortOrder::DecisionAsc, _) => PageOrder::Ascending(DECISION),
        };
        // The matches decide what is found; the scored query only orders them (its score is the whole
        // score: the matches add nothing to it).
        let found: Option<Box<dyn Query>> = text.as_ref().map(|t| -> Box<dyn Query> {
            if order == PageOrder::Score {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, t.scored.box_clone()),
                    (Occur::Must, Box::new(ConstScoreQuery::new(t.matches.box_clone(), 0.0))),
                ]))
            } else {
                t.matches.box_clone()
            }
        });
        let query = base_query(&self.fields, found.as_deref(), req);
        let filters = FacetFilters::of(req);
        let collector = SearchCollector {
            columns: &self.columns,
            filters: &filters,
            today,
            order,
            offset: req.page.saturating_sub(1).saturating_mul(req.per_page),
            limit: req.per_page.max(1),
        };
        let Collected { total, page, counts: [families, institutions, areas] } =
            searcher.search(&*query, &collector)?;

        let generator = |field| -> Result<Option<SnippetGenerator>, CatalogueError> {
            let Some(text) = &text else { return Ok(None) };
            let mut g = SnippetGenerator::create(searcher, text.scored.as_ref(), field)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Ok(Some(g))
        };
        let name_snippets = generator(self.fields.name)?;
        let description_snippets = generator(self.fields.description)?;
        let mut hits = Vec::with_capacity(page.len());
        for (score, address) in page {
            let doc: TantivyDocument = searcher.doc(address)?;
            let product = stored_product(&doc, self.fields.doc)?;
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

        let most_first = |counts: BTreeMap<String, u64>| {
            let mut out: Vec<(String, u64)> = counts.into_iter().collect();
            out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out
        };
        let facets = Facets {
            families: most_first(families)
                .into_iter()
                .filter_map(|(k, n)| ProductFamily::parse(&k).ok().map(|f| (f, n)))
                .collect(),
            institutions: most_first(institutions)
                .into_iter()
                .filter_map(|(k, n)| k.parse().ok().map(|id| (id, n)))
                .collect(),
            areas: most_first(areas),
        };
        Ok(SearchResults { total, hits, facets })
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
