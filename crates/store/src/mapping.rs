//! Rows ↔ domain types. Stored text is parsed back through the domain's own parsers, so a row that no
//! longer validates is reported as [`StoreError::Corrupt`] instead of being served.

use crate::StoreError;
use crate::entity::{institution, product};
use chrono::NaiveDate;
use finmart_domain::{
    Bps, CollateralTerms, EligibilityRules, Fen, FineRate, GuaranteeTerms, Institution, InstitutionKind,
    InstitutionRef, Labelled, LifecycleState, LprTenor, Materials, Months, Pricing, Product, ProductFamily,
    ProductSource, ProductSpec, RateNotation, RatePeriod, ReferenceRates, ServiceArea, StatedRange, VerifiedRules,
};
use std::collections::HashMap;

pub(crate) fn join_names<T: Labelled>(values: &[T]) -> String {
    values.iter().map(|v| v.as_str()).collect::<Vec<_>>().join("|")
}

fn corrupt(table: &'static str, id: i64, field: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::Corrupt { table, id, field, reason }
}

fn parse_names<T: Labelled>(text: &str, id: i64, field: &'static str) -> Result<Vec<T>, StoreError> {
    text.split('|')
        .filter(|s| !s.is_empty())
        .map(|s| T::parse(s).map_err(|e| corrupt("product", id, field)(e.to_string())))
        .collect()
}

/// A min/max pair of nullable columns (NULL: 未说明), already read into domain values.
fn stated_range<T: Ord + Copy + std::fmt::Debug>(
    id: i64,
    field: &'static str,
    min: Option<T>,
    max: Option<T>,
) -> Result<StatedRange<T>, StoreError> {
    StatedRange::new(min, max).map_err(|e| corrupt("product", id, field)(e.to_string()))
}

pub(crate) fn institution_from_row(row: institution::Model) -> Result<Institution, StoreError> {
    let kind = InstitutionKind::parse(&row.kind).map_err(|e| corrupt("institution", row.id, "kind")(e.to_string()))?;
    Ok(Institution { id: row.id, code: row.code, name: row.name, kind, intro: row.intro })
}

/// A product's pricing from its columns (see migration 10): `rate_basis` says which form, and only that
/// form's columns may be set.
fn pricing_from_row(row: &product::Model) -> Result<Pricing, StoreError> {
    let bad = corrupt("product", row.id, "rate_basis");
    let stated_form = row.rate_period.is_some() || row.rate_notation.is_some();
    let figures = row.rate_min_ppm.is_some() || row.rate_max_ppm.is_some();
    let spread = row.lpr_spread_min_bps.is_some() || row.lpr_spread_max_bps.is_some();
    let markup = row.benchmark_markup_min.is_some() || row.benchmark_markup_max.is_some();
    let range = |min: Option<i32>, max: Option<i32>, field: &'static str| {
        StatedRange::new(min, max).map_err(|e| corrupt("product", row.id, field)(e.to_string()))
    };
    let basis = row.rate_basis.as_deref();
    match basis {
        None | Some("fixed") if !spread && !markup => {
            let fixed = basis.is_some();
            if !figures {
                return Ok(if fixed {
                    Pricing::Stated {
                        period: RatePeriod::Annual,
                        notation: RateNotation::Percent,
                        range: StatedRange::UNSTATED,
                        fixed,
                    }
                } else {
                    Pricing::NotStated
                });
            }
            let period = RatePeriod::parse(row.rate_period.as_deref().unwrap_or(""))
                .map_err(|e| corrupt("product", row.id, "rate_period")(e.to_string()))?;
            let notation = RateNotation::parse(row.rate_notation.as_deref().unwrap_or(""))
                .map_err(|e| corrupt("product", row.id, "rate_notation")(e.to_string()))?;
            let fine = |v: i32| {
                u32::try_from(v)
                    .map_err(|e| e.to_string())
                    .and_then(|v| FineRate::new(v).map_err(|e| e.to_string()))
                    .map_err(corrupt("product", row.id, "rate_min_ppm"))
            };
            let range =
                StatedRange::new(row.rate_min_ppm.map(fine).transpose()?, row.rate_max_ppm.map(fine).transpose()?)
                    .map_err(|e| corrupt("product", row.id, "rate_min_ppm")(e.to_string()))?;
            Ok(Pricing::Stated { period, notation, range, fixed })
        }
        Some("benchmark") if !stated_form && !figures && !spread => Ok(Pricing::Benchmark {
            markup: range(row.benchmark_markup_min, row.benchmark_markup_max, "benchmark_markup_min")?,
        }),
        Some(tenor) if !stated_form && !figures && !markup && tenor != "fixed" && tenor != "benchmark" => {
            Ok(Pricing::Lpr {
                tenor: LprTenor::parse(tenor).map_err(|e| bad(e.to_string()))?,
                spread_bps: range(row.lpr_spread_min_bps, row.lpr_spread_max_bps, "lpr_spread_min_bps")?,
            })
        }
        _ => Err(bad("the columns of another rate form are set".to_owned())),
    }
}

/// Builds a product from its row, its area, the institutions it refers to and the current reference rates
/// (it keeps those its pricing follows).
pub(crate) fn product_from_row(
    row: product::Model,
    area: ServiceArea,
    institutions: &HashMap<i64, InstitutionRef>,
    references: &ReferenceRates,
) -> Result<Product, StoreError> {
    let id = row.id;
    let bad = |field: &'static str| corrupt("product", id, field);
    let fen = |v: i64, f: &'static str| Fen::from_fen(v).map_err(|e| bad(f)(e.to_string()));
    let months = |v: i32, f: &'static str| {
        u16::try_from(v)
            .map_err(|e| bad(f)(e.to_string()))
            .and_then(|m| Months::new(m).map_err(|e| bad(f)(e.to_string())))
    };
    let bps = |v: i32, f: &'static str| {
        u32::try_from(v).map_err(|e| bad(f)(e.to_string())).and_then(|b| Bps::new(b).map_err(|e| bad(f)(e.to_string())))
    };

    let institution = institutions
        .get(&row.institution_id)
        .cloned()
        .ok_or_else(|| bad("institution_id")(format!("no institution {}", row.institution_id)))?;
    let guarantee_agency = match row.guarantee_agency_id {
        Some(agency_id) => Some(
            institutions
                .get(&agency_id)
                .cloned()
                .ok_or_else(|| bad("guarantee_agency_id")(format!("no institution {agency_id}")))?,
        ),
        None => None,
    };
    let fee = stated_range(
        id,
        "guarantee_fee",
        row.guarantee_fee_min_bps.map(|v| bps(v, "guarantee_fee_min_bps")).transpose()?,
        row.guarantee_fee_max_bps.map(|v| bps(v, "guarantee_fee_max_bps")).transpose()?,
    )?;
    let guarantee = match &guarantee_agency {
        Some(agency) => Some(GuaranteeTerms { agency_code: agency.code.clone(), fee }),
        None if fee.is_unstated() => None,
        None => return Err(bad("guarantee_fee_min_bps")("a fee without a guarantee agency".to_owned())),
    };
    let pricing = pricing_from_row(&row)?;
    let collateral = match row.collateral.as_deref() {
        None => CollateralTerms::NotStated,
        // 未说明 is NULL and 纯信用 is `none`: an empty text is neither, and is not guessed at.
        Some("") => return Err(bad("collateral")("empty (NULL is 未说明, `none` is 纯信用)".to_owned())),
        Some(cell) => CollateralTerms::from_cell(cell).map_err(|e| bad("collateral")(e.to_string()))?,
    };
    let spec = ProductSpec {
        code: row.code,
        name: row.name,
        family: ProductFamily::parse(&row.family).map_err(|e| bad("family")(e.to_string()))?,
        more_families: parse_names(&row.more_families, id, "more_families")?,
        description: row.description,
        amount: stated_range(
            id,
            "amount",
            row.amount_min_fen.map(|v| fen(v, "amount_min_fen")).transpose()?,
            row.amount_max_fen.map(|v| fen(v, "amount_max_fen")).transpose()?,
        )?,
        term: stated_range(
            id,
            "term",
            row.term_min_months.map(|v| months(v, "term_min_months")).transpose()?,
            row.term_max_months.map(|v| months(v, "term_max_months")).transpose()?,
        )?,
        pricing,
        repayment_methods: row
            .repayment_methods
            .as_deref()
            .map(|text| parse_names(text, id, "repayment_methods"))
            .transpose()?,
        collateral,
        guarantee,
        eligibility: serde_json::from_str::<EligibilityRules>(&row.eligibility)
            .map_err(|e| bad("eligibility")(e.to_string()))?,
        policy_support: parse_names(&row.policy_support, id, "policy_support")?,
        decision_days: row
            .decision_days
            .map(|d| u16::try_from(d).map_err(|e| bad("decision_days")(e.to_string())))
            .transpose()?,
        online: row.online,
        area,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        source: match (row.source_url, row.source_read_on) {
            (Some(url), Some(read_on)) => Some(ProductSource { url, read_on }),
            (None, None) => None,
            _ => return Err(bad("source_url")("a source page without its reading day, or the reverse".to_owned())),
        },
        materials: match row.materials.as_deref() {
            None => Materials::NotStated,
            // 未说明 is NULL and 无需材料 is `none`: an empty text is neither, and is not guessed at.
            Some(cell) => Materials::from_cell(cell).map_err(|e| bad("materials")(e.to_string()))?,
        },
        verified_rules: VerifiedRules::from_cell(row.verified_rules.as_deref().unwrap_or(""))
            .map_err(|e| bad("verified_rules")(e.to_string()))?,
    };
    let mut spec = spec;
    spec.normalize();
    Ok(Product {
        id,
        institution,
        guarantee_agency,
        state: LifecycleState::parse(&row.state).map_err(|e| bad("state")(e.to_string()))?,
        spec,
        created_at: row.created_at,
        updated_at: row.updated_at,
        references: references.only(pricing.reference_kinds()),
    })
}

/// The column values of a spec (everything but id, owner, guarantee agency, state and time stamps): `None`
/// is NULL, which is how a fact the product leaves 未说明 is stored.
pub(crate) struct SpecColumns {
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    pub term_min_months: Option<i32>,
    pub term_max_months: Option<i32>,
    pub rate_basis: Option<String>,
    pub rate_period: Option<String>,
    pub rate_notation: Option<String>,
    pub rate_min_ppm: Option<i32>,
    pub rate_max_ppm: Option<i32>,
    pub lpr_spread_min_bps: Option<i32>,
    pub lpr_spread_max_bps: Option<i32>,
    pub benchmark_markup_min: Option<i32>,
    pub benchmark_markup_max: Option<i32>,
    pub repayment_methods: Option<String>,
    pub collateral: Option<String>,
    pub guarantee_fee_min_bps: Option<i32>,
    pub guarantee_fee_max_bps: Option<i32>,
    pub eligibility: String,
    pub policy_support: String,
    pub decision_days: Option<i32>,
    pub online: Option<bool>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub source_read_on: Option<NaiveDate>,
    pub materials: Option<String>,
    pub verified_rules: Option<String>,
}

/// Rates are at most 10,000 bp ([`Bps::MAX`]), so they always fit.
fn bps_column(bps: Bps) -> i32 {
    i32::try_from(bps.bps()).unwrap_or(i32::MAX)
}

/// The pricing columns of a spec, filled by its form.
#[derive(Default)]
struct PricingColumns {
    rate_basis: Option<String>,
    rate_period: Option<String>,
    rate_notation: Option<String>,
    rate_min_ppm: Option<i32>,
    rate_max_ppm: Option<i32>,
    lpr_spread_min_bps: Option<i32>,
    lpr_spread_max_bps: Option<i32>,
    benchmark_markup_min: Option<i32>,
    benchmark_markup_max: Option<i32>,
}

pub(crate) fn spec_columns(spec: &ProductSpec) -> Result<SpecColumns, StoreError> {
    let mut c = PricingColumns::default();
    match spec.pricing {
        Pricing::NotStated => {}
        Pricing::Stated { period, notation, range, fixed } => {
            c.rate_basis = fixed.then(|| "fixed".to_owned());
            if !range.is_unstated() {
                c.rate_period = Some(period.as_str().to_owned());
                c.rate_notation = Some(notation.as_str().to_owned());
            }
            let ppm = |f: FineRate| i32::try_from(f.millionths()).unwrap_or(i32::MAX);
            c.rate_min_ppm = range.min().map(ppm);
            c.rate_max_ppm = range.max().map(ppm);
        }
        Pricing::Lpr { tenor, spread_bps } => {
            c.rate_basis = Some(tenor.as_str().to_owned());
            (c.lpr_spread_min_bps, c.lpr_spread_max_bps) = (spread_bps.min(), spread_bps.max());
        }
        Pricing::Benchmark { markup } => {
            c.rate_basis = Some("benchmark".to_owned());
            (c.benchmark_markup_min, c.benchmark_markup_max) = (markup.min(), markup.max());
        }
    }
    let collateral = match &spec.collateral {
        CollateralTerms::NotStated => None,
        stated => Some(stated.to_cell()),
    };
    let eligibility = serde_json::to_string(&spec.eligibility)
        .map_err(|source| StoreError::Encode { what: "eligibility", source })?;
    let months = |m: Months| i32::from(m.get());
    Ok(SpecColumns {
        amount_min_fen: spec.amount.min().map(Fen::fen),
        amount_max_fen: spec.amount.max().map(Fen::fen),
        term_min_months: spec.term.min().map(months),
        term_max_months: spec.term.max().map(months),
        rate_basis: c.rate_basis,
        rate_period: c.rate_period,
        rate_notation: c.rate_notation,
        rate_min_ppm: c.rate_min_ppm,
        rate_max_ppm: c.rate_max_ppm,
        lpr_spread_min_bps: c.lpr_spread_min_bps,
        lpr_spread_max_bps: c.lpr_spread_max_bps,
        benchmark_markup_min: c.benchmark_markup_min,
        benchmark_markup_max: c.benchmark_markup_max,
        repayment_methods: spec.repayment_methods.as_deref().map(join_names),
        collateral,
        guarantee_fee_min_bps: spec.guarantee.as_ref().and_then(|g| g.fee.min()).map(bps_column),
        guarantee_fee_max_bps: spec.guarantee.as_ref().and_then(|g| g.fee.max()).map(bps_column),
        eligibility,
        policy_support: join_names(&spec.policy_support),
        decision_days: spec.decision_days.map(i32::from),
        online: spec.online,
        valid_from: spec.valid_from,
        valid_until: spec.valid_until,
        source_url: spec.source.as_ref().map(|s| s.url.clone()),
        source_read_on: spec.source.as_ref().map(|s| s.read_on),
        materials: Some(spec.materials.to_cell()).filter(|c| !c.is_empty()),
        verified_rules: Some(spec.verified_rules.to_cell()).filter(|c| !c.is_empty()),
    })
}
