//! Products and institutions: what an institution declares about a product, and the product as stored.

use crate::eligibility::EligibilityRules;
use crate::vocab::{
    Collateral, InstitutionKind, LifecycleState, LprTenor, PolicySupport, ProductFamily, RepaymentMethod,
};
use crate::{Bps, District, Fen, Months, Range};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How the rate is set: fixed, or a loan prime rate plus a spread (which may be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RateBasis {
    Fixed,
    Lpr { tenor: LprTenor, spread_bps: i32 },
}

impl RateBasis {
    /// `固定利率` or `1 年期 LPR + 50BP`.
    #[must_use]
    pub fn describe_zh(self) -> String {
        use crate::Labelled;
        match self {
            Self::Fixed => "固定利率".to_owned(),
            Self::Lpr { tenor, spread_bps: 0 } => tenor.label_zh().to_owned(),
            Self::Lpr { tenor, spread_bps } if spread_bps > 0 => format!("{} + {spread_bps}BP", tenor.label_zh()),
            Self::Lpr { tenor, spread_bps } => format!("{} - {}BP", tenor.label_zh(), spread_bps.unsigned_abs()),
        }
    }
}

impl RateBasis {
    /// `Fixed rate` or `1-year LPR + 50 bp`.
    #[must_use]
    pub fn describe_en(self) -> String {
        use crate::Labelled;
        match self {
            Self::Fixed => "Fixed rate".to_owned(),
            Self::Lpr { tenor, spread_bps: 0 } => tenor.label_en().to_owned(),
            Self::Lpr { tenor, spread_bps } if spread_bps > 0 => format!("{} + {spread_bps} bp", tenor.label_en()),
            Self::Lpr { tenor, spread_bps } => format!("{} - {} bp", tenor.label_en(), spread_bps.unsigned_abs()),
        }
    }
}

/// A partner guarantee agency and the annual fee rate it charges on the guaranteed amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuaranteeTerms {
    /// The agency's institution code.
    pub agency_code: String,
    pub fee_rate: Bps,
}

/// Everything an institution declares about one product: the input of imports and (later) the product form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSpec {
    /// The institution's own product code, unique within the institution: imports upsert by it.
    pub code: String,
    pub name: String,
    pub family: ProductFamily,
    pub description: String,
    pub amount: Range<Fen>,
    pub term: Range<Months>,
    /// The annual rate range actually offered.
    pub rate: Range<Bps>,
    pub rate_basis: RateBasis,
    pub repayment_methods: Vec<RepaymentMethod>,
    /// Collateral required; empty means none (纯信用).
    pub collateral: Vec<Collateral>,
    pub guarantee: Option<GuaranteeTerms>,
    pub eligibility: EligibilityRules,
    pub policy_support: Vec<PolicySupport>,
    /// Working days from a complete application to a decision.
    pub decision_days: u16,
    /// Applied for and decided fully online.
    pub online: bool,
    /// Districts served; all sixteen when the product serves the whole city.
    pub districts: Vec<District>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl ProductSpec {
    /// Whether the product serves the whole city.
    #[must_use]
    pub fn citywide(&self) -> bool {
        self.districts.len() == <District as crate::Labelled>::ALL.len()
    }

    /// Puts set-valued fields in their canonical order (districts are a set; their table keeps no order), so
    /// two specs that mean the same compare equal.
    pub fn normalize(&mut self) {
        self.districts.sort_unstable();
        self.districts.dedup();
    }

    /// Whether the validity window includes `day`.
    #[must_use]
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// An institution as other records refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
}

/// An institution: a lender (a bank, micro-credit, leasing, insurance or factoring company, or another
/// financial institution) or a guarantee agency. Its fields follow the rules of [`crate::InstitutionInput`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub id: i64,
    /// A short stable code chosen at onboarding (`jinhai-bank`); import files name institutions by it.
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
    pub intro: String,
}

impl Institution {
    #[must_use]
    pub fn to_ref(&self) -> InstitutionRef {
        InstitutionRef { id: self.id, code: self.code.clone(), name: self.name.clone(), kind: self.kind }
    }
}

/// What is needed to create an institution ([`NewInstitution::check`] holds it to the rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInstitution {
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
    pub intro: String,
}

/// A product as stored: the declared spec plus identity, owner, state and time stamps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub institution: InstitutionRef,
    /// The partner guarantee agency, resolved from `spec.guarantee`.
    pub guarantee_agency: Option<InstitutionRef>,
    pub state: LifecycleState,
    pub spec: ProductSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Product {
    /// Whether the product belongs in the public catalogue on `day`.
    #[must_use]
    pub fn is_listed_on(&self, day: NaiveDate) -> bool {
        self.state == LifecycleState::Published && self.spec.valid_on(day)
    }
}

/// Validates an institution's short code: 2–40 characters of lower-case ASCII letters, digits and `-`.
///
/// # Errors
/// Empty, too long, or with other characters.
pub fn validate_code(code: &str) -> Result<String, crate::ValueError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(crate::ValueError::Empty);
    }
    if code.chars().count() > 40 {
        return Err(crate::ValueError::TooLarge { max: "40 个字符".to_owned() });
    }
    if let Some(bad) = code.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(crate::ValueError::BadCharacter(bad));
    }
    Ok(code.to_owned())
}
