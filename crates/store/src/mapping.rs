//! Rows ↔ domain types. Stored text is parsed back through the domain's own parsers, so a row that no
//! longer validates is reported as [`StoreError::Corrupt`] instead of being served.

use crate::StoreError;
use crate::entity::{institution, product};
use finmart_domain::{
    Bps, District, EligibilityRules, Fen, GuaranteeTerms, Institution, InstitutionKind, InstitutionRef, Labelled,
    LifecycleState, LprTenor, Months, Product, ProductFamily, ProductSpec, Range, RateBasis,
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

fn range<T: Ord + std::fmt::Debug>(id: i64, field: &'static str, min: T, max: T) -> Result<Range<T>, StoreError> {
    Range::new(min, max).map_err(|e| corrupt("product", id, field)(e.to_string()))
}

pub(crate) fn institution_from_row(row: institution::Model) -> Result<Institution, StoreError> {
    let kind = InstitutionKind::parse(&row.kind).map_err(|e| corrupt("institution", row.id, "kind")(e.to_string()))?;
    Ok(Institution { id: row.id, code: row.code, name: row.name, kind, intro: row.intro })
}

/// Builds a product from its row, its districts and the institutions it refers to.
pub(crate) fn product_from_row(
    row: product::Model,
    districts: Vec<District>,
    institutions: &HashMap<i64, InstitutionRef>,
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
    let guarantee = match (&guarantee_agency, row.guarantee_fee_bps) {
        (Some(agency), Some(fee)) => {
            Some(GuaranteeTerms { agency_code: agency.code.clone(), fee_rate: bps(fee, "guarantee_fee_bps")? })
        }
        (None, None) => None,
        _ => return Err(bad("guarantee_fee_bps")("agency and fee must be set together".to_owned())),
    };
    let rate_basis = match row.rate_basis.as_str() {
        "fixed" => RateBasis::Fixed,
        other => RateBasis::Lpr {
            tenor: LprTenor::parse(other).map_err(|e| bad("rate_basis")(e.to_string()))?,
            spread_bps: row.lpr_spread_bps.unwrap_or(0),
        },
    };
    let spec = ProductSpec {
        code: row.code,
        name: row.name,
        family: ProductFamily::parse(&row.family).map_err(|e| bad("family")(e.to_string()))?,
        description: row.description,
        amount: range(
            id,
            "amount",
            fen(row.amount_min_fen, "amount_min_fen")?,
            fen(row.amount_max_fen, "amount_max_fen")?,
        )?,
        term: range(
            id,
            "term",
            months(row.term_min_months, "term_min_months")?,
            months(row.term_max_months, "term_max_months")?,
        )?,
        rate: range(id, "rate", bps(row.rate_min_bps, "rate_min_bps")?, bps(row.rate_max_bps, "rate_max_bps")?)?,
        rate_basis,
        repayment_methods: parse_names(&row.repayment_methods, id, "repayment_methods")?,
        collateral: parse_names(&row.collateral, id, "collateral")?,
        guarantee,
        eligibility: serde_json::from_str::<EligibilityRules>(&row.eligibility)
            .map_err(|e| bad("eligibility")(e.to_string()))?,
        policy_support: parse_names(&row.policy_support, id, "policy_support")?,
        decision_days: u16::try_from(row.decision_days).map_err(|e| bad("decision_days")(e.to_string()))?,
        online: row.online,
        districts,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
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
    })
}

/// The column values of a spec (everything but id, owner and time stamps).
pub(crate) struct SpecColumns {
    pub rate_basis: String,
    pub lpr_spread_bps: Option<i32>,
    pub eligibility: String,
}

pub(crate) fn spec_columns(spec: &ProductSpec) -> Result<SpecColumns, StoreError> {
    let (rate_basis, lpr_spread_bps) = match spec.rate_basis {
        RateBasis::Fixed => ("fixed".to_owned(), None),
        RateBasis::Lpr { tenor, spread_bps } => (tenor.as_str().to_owned(), Some(spread_bps)),
    };
    let eligibility = serde_json::to_string(&spec.eligibility)
        .map_err(|source| StoreError::Encode { what: "eligibility", source })?;
    Ok(SpecColumns { rate_basis, lpr_spread_bps, eligibility })
}
