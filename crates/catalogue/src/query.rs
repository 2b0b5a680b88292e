//! Turning what a person typed, and the filters they chose, into a tantivy query.
//!
//! jieba splits a query differently from the text it should find (`信用贷` → 信用 / 贷, while the text has
//! 信用贷款), so a phrase query finds nothing. Instead every token is searched for on its own, in the name
//! (boosted), description and keywords; the synonym table adds related words at a lower weight; the
//! families' words (aliases) count below the product's own text, a further family's below its main
//! family's; the last token also matches as a prefix, for results as you type; and an exact product-name
//! match outranks everything.
//!
//! The query is folded first ([`crate::fold`]), like the indexed text. Its words are the tokens that are
//! not generic ([`crate::synonyms::GENERIC_WORDS`]), or all of them when every token is generic. Which
//! products a search finds is one set, whatever the order ([`TextQuery::matches`]): those that have every
//! word, each as written anywhere in the product (the last also as the start of a word), or as one of its
//! synonyms in the product's name or family words (纳税 in a credit product's rule or description does not
//! make it a 税贷). Generic words beside other words only add a little to the score. The scored query
//! orders that set; it never widens it.

use crate::fold::fold;
use crate::schema::{Fields, all_of_term, exact_key, facet_district, facet_family, facet_institution, facets_serving};
use crate::search::{CollateralFilter, SearchRequest};
use crate::synonyms::{expansions, is_generic};
use finmart_domain::{Collateral, Labelled};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

const NAME_BOOST: f32 = 3.0;
const KEYWORD_BOOST: f32 = 1.5;
/// Below the description's 1.0: every product of a family inherits these words, so a product that merely
/// inherited 信用贷 must not outrank one whose own name or description says 信用贷款.
const ALIAS_BOOST: f32 = 0.5;
/// A further family's words, below the main family's: a 科技贷 that is also 信用贷款 comes after the products
/// that are 信用贷款 first, though they too merely inherited the words.
const MORE_ALIAS_BOOST: f32 = 0.35;
const SYNONYM_WEIGHT: f32 = 0.5;
/// Generic words beside specific ones: enough to order products that match the same specific words, too
/// little to lift one over a better match of them.
const GENERIC_WEIGHT: f32 = 0.1;
const PREFIX_BOOST: f32 = 0.3;
const EXACT_NAME_BOOST: f32 = 100.0;

/// The filters on the three faceted fields, each the facet values any one of which admits a product (`None`:
/// no filter). They are applied while collecting, not in the query: the facet counts of a dimension ignore
/// its own filter, so a person sees how many products each other choice would give, and one pass over the
/// products that meet everything else yields the page and the three counts together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetFilters {
    pub family: Option<Vec<Facet>>,
    pub institution: Option<Vec<Facet>>,
    pub district: Option<Vec<Facet>>,
}

impl FacetFilters {
    pub fn of(req: &SearchRequest) -> Self {
        let any = |facets: Vec<Facet>| (!facets.is_empty()).then_some(facets);
        Self {
            // A product carries a facet for each of its families, main and further: any one admits it.
            family: any(req.families.iter().map(|f| facet_family(f.as_str())).collect()),
            institution: any(req.institutions.iter().map(|i| facet_institution(*i)).collect()),
            // A product serves a district when it serves 全国, the district or a division above it.
            district: any(req.districts.iter().flat_map(|d| facets_serving(*d)).map(|v| facet_district(&v)).collect()),
        }
    }
}

/// The text part of a search.
pub struct TextQuery {
    /// How well a product matches, for relevance order: scores every word, synonym and family word.
    /// Only meaningful within [`TextQuery::matches`].
    pub scored: Box<dyn Query>,
    /// The products the search finds (or whose name is the query). Not scored.
    pub matches: Box<dyn Query>,
}

impl std::fmt::Debug for TextQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextQuery").field("scored", &self.scored).finish_non_exhaustive()
    }
}

/// The distinct search tokens of `text`, as the index's analyzer produces them.
///
/// Lone characters left over beside real words (the 贷 of an unknown 某某贷, the e of e贷) are dropped:
/// they match nearly everything and only blur the ranking and the count. A query made only of single
/// characters keeps them, since they are all it has.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = raw_tokens(analyzer, text);
    if out.iter().any(|t| t.chars().count() > 1) {
        out.retain(|t| t.chars().count() > 1);
    }
    out
}

/// Every distinct token, single characters included.
fn raw_tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        let t = token.text.trim();
        if t.chars().any(char::is_alphanumeric) && !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

fn term(field: Field, token: &str, boost: f32) -> Box<dyn Query> {
    let query = TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::WithFreqs);
    Box::new(BoostQuery::new(Box::new(query), boost))
}

fn should(queries: impl IntoIterator<Item = Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(queries.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// A token in the product's own text (name, description, keywords), at `weight`; the family's words are
/// scored apart, once per query word (see [`family_words`]).
fn own_text(fields: &Fields, token: &str, weight: f32) -> [Box<dyn Query>; 3] {
    [
        term(fields.name, token, NAME_BOOST * weight),
        term(fields.description, token, weight),
        term(fields.keywords, token, KEYWORD_BOOST * weight),
    ]
}

/// A query word and its synonyms in the families' words, counted once: a family's aliases are its synonym
/// group (信用贷 纯信用 信用贷款 免抵押 无抵押), and summing every member, or the main and a further family
/// that both have it, would lift a product for merely belonging to families.
fn family_words(fields: &Fields, word: &str, synonyms: &[String]) -> Box<dyn Query> {
    let mut each = Vec::new();
    for (field, boost) in [(fields.aliases, ALIAS_BOOST), (fields.more_aliases, MORE_ALIAS_BOOST)] {
        each.push(term(field, word, boost));
        each.extend(synonyms.iter().map(|s| term(field, s, boost * SYNONYM_WEIGHT)));
    }
    Box::new(DisjunctionMaxQuery::new(each))
}

/// Whether a product contains `token` in any of `fields` (unscored).
fn contains_in(fields: &[Field], token: &str) -> Box<dyn Query> {
    should(fields.iter().map(|field| {
        Box::new(TermQuery::new(Term::from_field_text(*field, token), IndexRecordOption::Basic)) as Box<dyn Query>
    }))
}

/// Whether a product contains `token` anywhere.
fn contains(fields: &Fields, token: &str) -> Box<dyn Query> {
    contains_in(&[fields.name, fields.description, fields.keywords, fields.aliases, fields.more_aliases], token)
}

/// Whether a product is called `token`: in its name or its families' words. A synonym finds a product only
/// so, since in its description or rules a synonym is often a condition (纳税信用等级) rather than what the
/// product is.
fn called(fields: &Fields, token: &str) -> Box<dyn Query> {
    contains_in(&[fields.name, fields.aliases, fields.more_aliases], token)
}

/// `token` as the start of a word of the name or description, for a last word still being typed.
fn prefix(fields: &Fields, token: &str) -> Box<dyn Query> {
    should([fields.name, fields.description].map(|field| {
        let query = FuzzyTermQuery::new_prefix(Term::from_field_text(field, token), 0, true);
        Box::new(BoostQuery::new(Box::new(query), PREFIX_BOOST)) as Box<dyn Query>
    }))
}

/// The text part of a search, or `None` for an empty query (browse all).
pub fn text_query(fields: &Fields, analyzer: &mut TextAnalyzer, text: &str) -> Option<TextQuery> {
    let folded = fold(text.trim());
    let text = folded.text();
    let primary = tokens(analyzer, text);
    if primary.is_empty() {
        return None;
    }
    let (generic, words): (Vec<String>, Vec<String>) = primary.iter().cloned().partition(|t| is_generic(t));
    let (words, generic) = if words.is_empty() { (generic, Vec::new()) } else { (words, generic) };
    // As you type: the last word may be unfinished (`专利质` on the way to 专利质押), so it also matches as
    // a prefix. When it is a real search word the prefix widens the search; when it is a lone character
    // dropped beside real words (the 贷 of 银税e贷), it only lifts the products it fits, else `贷…` would
    // match nearly everything. A generic last word gets no prefix: 贷款… is in every product.
    let last = text.split_whitespace().last().and_then(|w| raw_tokens(analyzer, w).pop());

    let mut scored: Vec<Box<dyn Query>> = Vec::new();
    let mut scored_tokens = primary.clone();
    let mut each_word = Vec::new();
    // The words that stand for `text`: its synonyms' tokens, less generic ones (a synonym phrase cut into
    // words must not bring 贷款 back in).
    let synonyms_of = |analyzer: &mut TextAnalyzer, text: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for token in expansions(text).into_iter().flat_map(|phrase| tokens(analyzer, phrase)) {
            if token != text && !is_generic(&token) && !out.contains(&token) {
                out.push(token);
            }
        }
        out
    };
    for word in &words {
        let synonyms = synonyms_of(analyzer, word);
        scored.extend(own_text(fields, word, 1.0));
        scored.push(family_words(fields, word, &synonyms));
        for synonym in &synonyms {
            if !scored_tokens.contains(synonym) {
                scored.extend(own_text(fields, synonym, SYNONYM_WEIGHT));
                scored_tokens.push(synonym.clone());
            }
        }
        let mut found_by = vec![contains(fields, word)];
        if last.as_ref() == Some(word) {
            scored.push(prefix(fields, word));
            found_by.push(prefix(fields, word));
        }
        found_by.extend(synonyms.iter().map(|s| called(fields, s)));
        each_word.push(should(found_by));
    }
    // Synonyms of the whole query that no single word called up (a group member written across two words)
    // still widen the search.
    for synonym in synonyms_of(analyzer, text) {
        if !scored_tokens.contains(&synonym) {
            scored.extend(own_text(fields, &synonym, SYNONYM_WEIGHT));
            scored.push(term(fields.aliases, &synonym, ALIAS_BOOST * SYNONYM_WEIGHT));
            scored.push(term(fields.more_aliases, &synonym, MORE_ALIAS_BOOST * SYNONYM_WEIGHT));
            scored_tokens.push(synonym);
        }
    }
    let exact = || -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(fields.name_exact, &exact_key(text)), IndexRecordOption::Basic))
    };
    scored.push(Box::new(BoostQuery::new(exact(), EXACT_NAME_BOOST)));

    let mut ranked: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, should(scored))];
    if let Some(last) = last.filter(|l| !primary.contains(l)) {
        ranked.push((Occur::Should, prefix(fields, &last)));
    }
    if !generic.is_empty() {
        let fields = [fields.name, fields.description, fields.keywords, fields.aliases, fields.more_aliases];
        ranked.push((Occur::Should, should(generic.iter().flat_map(|g| fields.map(|f| term(f, g, GENERIC_WEIGHT))))));
    }
    let every_word: Box<dyn Query> =
        Box::new(BooleanQuery::new(each_word.into_iter().map(|q| (Occur::Must, q)).collect()));
    Some(TextQuery {
        scored: if ranked.len() == 1 { ranked.remove(0).1 } else { Box::new(BooleanQuery::new(ranked)) },
        matches: should([every_word, exact()]),
    })
}

fn any_of(terms: impl IntoIterator<Item = Term>) -> Option<Box<dyn Query>> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = terms
        .into_iter()
        .map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>))
        .collect();
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

fn u64_range(field: Field, lo: Bound<u64>, hi: Bound<u64>) -> Box<dyn Query> {
    let term = |v: u64| Term::from_field_u64(field, v);
    Box::new(RangeQuery::new(lo.map(term), hi.map(term)))
}

/// The query of a search but for the faceted fields' filters ([`FacetFilters`]) and the validity window,
/// which the collecting pass checks ([`crate::collect`]): the text (if any) and every other filter.
pub fn base_query(fields: &Fields, text: Option<&dyn Query>, req: &SearchRequest) -> Box<dyn Query> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    must.push(text.map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()));
    match &req.collateral {
        CollateralFilter::Any => {}
        CollateralFilter::NoneRequired => must.extend(any_of([Term::from_field_text(fields.collateral, "none")])),
        CollateralFilter::Accepts(kinds) => {
            // A product is admitted when any one of the kinds it accepts is offered, or when every kind it
            // needs together is: the subsets of what is offered name the latter (at most 2^6 terms).
            let any = kinds.iter().map(|c| Term::from_field_text(fields.collateral, &format!("any:{}", c.as_str())));
            let subsets = (1_u32..1 << kinds.len().min(Collateral::ALL.len())).map(|bits| {
                let chosen: Vec<Collateral> =
                    kinds.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, k)| *k).collect();
                Term::from_field_text(fields.collateral, &all_of_term(&chosen))
            });
            must.extend(any_of(any.chain(subsets)));
        }
    }
    if let Some(amount) = req.amount {
        let fen = amount.fen().unsigned_abs();
        must.push(u64_range(fields.amount_min, Bound::Unbounded, Bound::Included(fen)));
        must.push(u64_range(fields.amount_max, Bound::Included(fen), Bound::Unbounded));
    }
    if let Some(term) = req.term {
        let months = u64::from(term.get());
        must.push(u64_range(fields.term_min, Bound::Unbounded, Bound::Included(months)));
        must.push(u64_range(fields.term_max, Bound::Included(months), Bound::Unbounded));
    }
    if let Some(max_rate) = req.max_rate {
        must.push(u64_range(fields.rate_min, Bound::Unbounded, Bound::Included(u64::from(max_rate.bps()))));
    }
    if req.online_only {
        must.push(u64_range(fields.online, Bound::Included(1), Bound::Included(1)));
    }
    for policy in &req.policy {
        must.extend(any_of([Term::from_field_text(fields.policy, policy.as_str())]));
    }
    Box::new(BooleanQuery::new(must.into_iter().map(|q| (Occur::Must, q)).collect()))
}
