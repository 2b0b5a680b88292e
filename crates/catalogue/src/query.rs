//! Turning what a person typed, and the filters they chose, into a tantivy query.
//!
//! jieba splits a query differently from the text it should find (`信用贷` → 信用 / 贷, while the text has
//! 信用贷款), so a phrase query finds nothing. Instead every token is searched for on its own (OR, BM25
//! rewards documents matching more of them), in the name (boosted), description and keywords; the synonym
//! table adds related words at a lower weight; the last token also matches as a prefix, for results as
//! you type; and an exact product-name match outranks everything.

use crate::schema::{Fields, all_of_term, exact_key, facet_district, facet_family, facet_institution};
use crate::search::{CollateralFilter, SearchRequest};
use crate::synonyms::expansions;
use finmart_domain::{Collateral, Labelled};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

const NAME_BOOST: f32 = 3.0;
const KEYWORD_BOOST: f32 = 1.5;
const SYNONYM_WEIGHT: f32 = 0.5;
const PREFIX_BOOST: f32 = 0.3;
const EXACT_NAME_BOOST: f32 = 100.0;

/// Which filter dimension to leave out: facet counts of a dimension ignore its own filter, so a person
/// sees how many products each other choice would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Family,
    Institution,
    District,
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

fn term_clause(field: Field, token: &str, boost: f32) -> (Occur, Box<dyn Query>) {
    let query = TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::WithFreqs);
    (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)))
}

/// The text part of a search, or `None` for an empty query (browse all).
pub fn text_query(fields: &Fields, analyzer: &mut TextAnalyzer, text: &str) -> Option<Box<dyn Query>> {
    let text = text.trim();
    let primary = tokens(analyzer, text);
    if primary.is_empty() {
        return None;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut add = |token: &str, weight: f32| {
        clauses.push(term_clause(fields.name, token, NAME_BOOST * weight));
        clauses.push(term_clause(fields.description, token, weight));
        clauses.push(term_clause(fields.keywords, token, KEYWORD_BOOST * weight));
    };
    for token in &primary {
        add(token, 1.0);
    }
    let mut seen = primary.clone();
    for phrase in expansions(text) {
        for token in tokens(analyzer, phrase) {
            if !seen.contains(&token) {
                add(&token, SYNONYM_WEIGHT);
                seen.push(token);
            }
        }
    }
    let exact = TermQuery::new(Term::from_field_text(fields.name_exact, &exact_key(text)), IndexRecordOption::Basic);
    clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), EXACT_NAME_BOOST))));

    // As you type: the last word may be unfinished (`专利质` on the way to 专利质押), so it also matches as
    // a prefix. When it is a real search word the prefix widens the search; when it is a lone character
    // dropped beside real words (the 贷 of 银税e贷), it only lifts the products it fits, else `贷…` would
    // match nearly everything.
    let Some(last) = text.split_whitespace().last().and_then(|w| raw_tokens(analyzer, w).pop()) else {
        return Some(Box::new(BooleanQuery::new(clauses)));
    };
    let prefix: Vec<(Occur, Box<dyn Query>)> = [fields.name, fields.description]
        .into_iter()
        .map(|field| {
            let query = FuzzyTermQuery::new_prefix(Term::from_field_text(field, &last), 0, true);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(query), PREFIX_BOOST)) as Box<dyn Query>)
        })
        .collect();
    if primary.contains(&last) {
        clauses.extend(prefix);
        Some(Box::new(BooleanQuery::new(clauses)))
    } else {
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>),
            (Occur::Should, Box::new(BooleanQuery::new(prefix))),
        ])))
    }
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

fn i64_range(field: Field, lo: Bound<i64>, hi: Bound<i64>) -> Box<dyn Query> {
    let term = |v: i64| Term::from_field_i64(field, v);
    Box::new(RangeQuery::new(lo.map(term), hi.map(term)))
}

/// The whole query: text (if any) and every filter, except the filter of `skip`.
pub fn full_query(
    fields: &Fields,
    text: Option<&dyn Query>,
    req: &SearchRequest,
    today: i64,
    skip: Option<Dimension>,
) -> Box<dyn Query> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    must.push(text.map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()));
    // Listed products only: inside their validity window today.
    must.push(i64_range(fields.valid_from, Bound::Unbounded, Bound::Included(today)));
    must.push(i64_range(fields.valid_until, Bound::Included(today), Bound::Unbounded));

    if skip != Some(Dimension::Family) {
        must.extend(any_of(req.families.iter().map(|f| Term::from_facet(fields.family, &facet_family(f.as_str())))));
    }
    if skip != Some(Dimension::Institution) {
        must.extend(any_of(
            req.institutions.iter().map(|i| Term::from_facet(fields.institution, &facet_institution(*i))),
        ));
    }
    if skip != Some(Dimension::District) {
        must.extend(any_of(
            req.districts.iter().map(|d| Term::from_facet(fields.district, &facet_district(d.as_str()))),
        ));
    }
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
