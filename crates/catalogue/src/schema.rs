//! The index schema, its tokenizer, and how a product becomes a document.

use crate::synonyms::family_aliases;
use finmart_domain::{
    Collateral, CollateralTerms, District, Division, DivisionLevel, HomeArea, Labelled, Product, ServiceArea,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer};
use tantivy::{Index, TantivyDocument};

/// Bumped whenever the schema or the way documents are built changes: an index written by another version
/// is rebuilt from the database at start.
pub const SCHEMA_VERSION: u32 = 7;

/// The name the Chinese analyzer is registered under.
pub const TOKENIZER: &str = "zh";

/// Every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub name: Field,
    pub name_exact: Field,
    pub description: Field,
    /// The words of the product's main family (its label and [`family_aliases`]): every product of the
    /// family has them, so they weigh less than the product's own text.
    pub aliases: Field,
    /// The words of its further families, which weigh less again: a 科技贷 that is also 信用贷款 is found by
    /// 信用贷, after the products that are 信用贷款 first.
    pub more_aliases: Field,
    /// Everything else a person might search a product by (institution, collateral, rules, districts…).
    pub keywords: Field,
    /// Every family of the product, main and further: facet counts count it under each, and a family filter
    /// admits it by any.
    pub family: Field,
    pub institution: Field,
    pub district: Field,
    pub collateral: Field,
    pub policy: Field,
    /// The amount and term bounds as filters read them: an unstated bound is open (0 or `u64::MAX`), so a
    /// product whose page leaves a bound out still shows, marked 未说明, for amounts it may serve.
    pub amount_min: Field,
    pub amount_max: Field,
    /// The stated maximum amount for sorting (0 when unstated, so unstated sorts last by "highest amount").
    pub amount_sort: Field,
    pub term_min: Field,
    pub term_max: Field,
    /// The stated lowest rate (`u64::MAX` when unstated: a rate ceiling admits only stated rates, and
    /// "lowest rate" sorts the unstated last).
    pub rate_min: Field,
    /// Stated decision days (`u64::MAX` when unstated: sorted last by "fastest").
    pub decision_days: Field,
    /// 1 when stated fully online; 0 when stated not, or not stated.
    pub online: Field,
    pub valid_from: Field,
    pub valid_until: Field,
    /// The whole product as JSON, so a search needs no database round trip.
    pub doc: Field,
}

pub fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let zh = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored { options.set_stored() } else { options }
    };
    let num = INDEXED | FAST;
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        name: b.add_text_field("name", zh(true)),
        name_exact: b.add_text_field("name_exact", STRING),
        description: b.add_text_field("description", zh(true)),
        aliases: b.add_text_field("aliases", zh(false)),
        more_aliases: b.add_text_field("more_aliases", zh(false)),
        keywords: b.add_text_field("keywords", zh(false)),
        family: b.add_facet_field("family", FacetOptions::default()),
        institution: b.add_facet_field("institution", FacetOptions::default()),
        district: b.add_facet_field("district", FacetOptions::default()),
        collateral: b.add_text_field("collateral", STRING),
        policy: b.add_text_field("policy", STRING),
        amount_min: b.add_u64_field("amount_min", num.clone()),
        amount_max: b.add_u64_field("amount_max", num.clone()),
        amount_sort: b.add_u64_field("amount_sort", num.clone()),
        term_min: b.add_u64_field("term_min", num.clone()),
        term_max: b.add_u64_field("term_max", num.clone()),
        rate_min: b.add_u64_field("rate_min", num.clone()),
        decision_days: b.add_u64_field("decision_days", num.clone()),
        online: b.add_u64_field("online", num.clone()),
        valid_from: b.add_i64_field("valid_from", num.clone()),
        valid_until: b.add_i64_field("valid_until", num),
        doc: b.add_text_field("doc", STORED),
    };
    (b.build(), fields)
}

/// Registers the Chinese analyzer (jieba in search mode, lower-cased) on an index.
pub fn register_tokenizer(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// The analyzer of indexed text.
pub fn analyzer() -> TextAnalyzer {
    analyzer_with(crate::tokenizer::DomainJieba::TEXT)
}

/// The analyzer that cuts queries into the words to search for (same filters, precise mode).
pub fn query_analyzer() -> TextAnalyzer {
    analyzer_with(crate::tokenizer::DomainJieba::QUERY)
}

fn analyzer_with(tokenizer: crate::tokenizer::DomainJieba) -> TextAnalyzer {
    TextAnalyzer::builder(tokenizer).filter(RemoveLongFilter::limit(40)).filter(LowerCaser).build()
}

/// The exact-name key: folded like all search text (simplified, half-width), lower case, no spaces, so
/// `科创 信用贷` and `科創信用貸` find `科创信用贷`.
pub fn exact_key(text: &str) -> String {
    crate::fold::fold(text).text().chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

pub fn facet_family(family: &str) -> Facet {
    Facet::from_path(["family", family])
}

pub fn facet_institution(id: i64) -> Facet {
    Facet::from_path(["institution".to_owned(), id.to_string()])
}

pub fn facet_district(district: &str) -> Facet {
    Facet::from_path(["district", district])
}

/// The area facet's value for 全国.
pub const NATIONWIDE: &str = "nationwide";
/// The area facet's value for an area the product's page does not state.
pub const AREA_NOT_STATED: &str = "not_stated";

/// The area facet's values of a product: the codes it lists, or one of the markers.
pub fn area_facets(area: &ServiceArea) -> Vec<String> {
    match area {
        ServiceArea::NotStated => vec![AREA_NOT_STATED.to_owned()],
        ServiceArea::Nationwide => vec![NATIONWIDE.to_owned()],
        ServiceArea::Within(list) => list.iter().map(ToString::to_string).collect(),
    }
}

/// The area facet's values of the products that serve `district`: 全国, and the district or a division
/// above it.
pub fn facets_serving(district: District) -> Vec<String> {
    let mut values: Vec<String> = district.division().with_ancestors().map(|d| d.to_string()).collect();
    values.push(NATIONWIDE.to_owned());
    values
}

/// The words a person might search a product's area by: 全国, 全市 (a whole city), each division's name
/// with the names above it.
fn area_words(area: &ServiceArea) -> Vec<String> {
    match area {
        ServiceArea::NotStated => Vec::new(),
        ServiceArea::Nationwide => vec!["全国".to_owned()],
        ServiceArea::Within(list) => list
            .iter()
            .map(|d| match d.level() {
                // A whole city names no district, so a district in the query favours the products that
                // name it (BM25 would otherwise spread it over every citywide product).
                DivisionLevel::Province | DivisionLevel::City
                    if HomeArea::new(*d).is_ok_and(|h| h.city() == Some(*d)) =>
                {
                    format!("{} 全市", d.name())
                }
                DivisionLevel::County if d.parent().is_some_and(|p| p.level() == DivisionLevel::Province) => {
                    d.name().to_owned()
                }
                _ => {
                    let mut names: Vec<&str> = d.with_ancestors().map(Division::name).collect();
                    names.reverse();
                    names.join(" ")
                }
            })
            .collect(),
    }
}

/// Days since 1970-01-01, the unit of the validity fields.
pub fn day_number(day: chrono::NaiveDate) -> i64 {
    day.signed_duration_since(chrono::NaiveDate::default()).num_days()
}

/// The collateral terms of a product as the filter's terms: `none` when a borrower may pledge nothing;
/// `any:<kind>` for each kind of which any one is enough; `all:<k1>+<k2>…` (kinds in vocabulary order) for
/// kinds needed together; nothing when the terms are not stated (a collateral filter never claims them).
pub fn collateral_terms(terms: &CollateralTerms) -> Vec<String> {
    let mut out = Vec::new();
    if terms.unsecured() == Some(true) {
        out.push("none".to_owned());
    }
    match terms {
        CollateralTerms::NotStated | CollateralTerms::NoneRequired => {}
        CollateralTerms::AnyOf { kinds, .. } => out.extend(kinds.iter().map(|k| format!("any:{}", k.as_str()))),
        CollateralTerms::AllOf { kinds } => out.push(all_of_term(kinds)),
    }
    out
}

/// The term of kinds needed together, independent of the order they were written in.
pub fn all_of_term(kinds: &[Collateral]) -> String {
    let mut names: Vec<&str> = Collateral::ALL.iter().filter(|k| kinds.contains(k)).map(|k| k.as_str()).collect();
    names.dedup();
    format!("all:{}", names.join("+"))
}

/// The document of a product.
///
/// # Errors
/// The product cannot be serialised (never for a valid product).
pub fn document(fields: &Fields, product: &Product) -> Result<TantivyDocument, serde_json::Error> {
    let spec = &product.spec;
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, product.id.unsigned_abs());
    doc.add_text(fields.name, &spec.name);
    doc.add_text(fields.name_exact, exact_key(&spec.name));
    doc.add_text(fields.description, &spec.description);

    let family_words = |f: finmart_domain::ProductFamily| format!("{} {}", f.label_zh(), family_aliases(f));
    doc.add_text(fields.aliases, family_words(spec.family));
    doc.add_text(
        fields.more_aliases,
        spec.more_families.iter().map(|f| family_words(*f)).collect::<Vec<_>>().join(" "),
    );

    // Everything else a person might search a product by, in words.
    let mut words = vec![product.institution.name.clone()];
    if let Some(agency) = &product.guarantee_agency {
        words.push(agency.name.clone());
    }
    if spec.collateral.unsecured() == Some(true) {
        words.push("无需抵押 纯信用".to_owned());
    }
    words.extend(spec.collateral.kinds().iter().map(|c| c.label_zh().to_owned()));
    words.extend(spec.policy_support.iter().map(|p| p.label_zh().to_owned()));
    words.extend(spec.repayment_methods.iter().flatten().map(|m| m.label_zh().to_owned()));
    words.extend(area_words(&spec.area));
    words.extend(spec.eligibility.rules().iter().map(finmart_domain::EligibilityRule::describe_zh));
    if spec.online == Some(true) {
        words.push("线上 在线申请".to_owned());
    }
    doc.add_text(fields.keywords, words.join(" "));

    for family in spec.families() {
        doc.add_facet(fields.family, facet_family(family.as_str()));
    }
    doc.add_facet(fields.institution, facet_institution(product.institution.id));
    for value in area_facets(&spec.area) {
        doc.add_facet(fields.district, facet_district(&value));
    }
    for term in collateral_terms(&spec.collateral) {
        doc.add_text(fields.collateral, term);
    }
    for p in &spec.policy_support {
        doc.add_text(fields.policy, p.as_str());
    }
    let fen = |f: finmart_domain::Fen| f.fen().unsigned_abs();
    doc.add_u64(fields.amount_min, spec.amount.min().map_or(0, fen));
    doc.add_u64(fields.amount_max, spec.amount.max().map_or(u64::MAX, fen));
    doc.add_u64(fields.amount_sort, spec.amount.max().map_or(0, fen));
    doc.add_u64(fields.term_min, spec.term.min().map_or(0, |m| u64::from(m.get())));
    doc.add_u64(fields.term_max, spec.term.max().map_or(u64::MAX, |m| u64::from(m.get())));
    // The effective annual rate at the product's reference rates: a new publication re-announces the product.
    let rate_min = product.annual_rate().min().map(|r| r.bps());
    doc.add_u64(fields.rate_min, rate_min.map_or(u64::MAX, |r| u64::from(r.bps())));
    doc.add_u64(fields.decision_days, spec.decision_days.map_or(u64::MAX, u64::from));
    doc.add_u64(fields.online, u64::from(spec.online == Some(true)));
    doc.add_i64(fields.valid_from, spec.valid_from.map_or(i64::MIN, day_number));
    doc.add_i64(fields.valid_until, spec.valid_until.map_or(i64::MAX, day_number));
    doc.add_text(fields.doc, serde_json::to_string(product)?);
    Ok(doc)
}
