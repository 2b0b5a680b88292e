//! Finmart's domain: the types and rules of a bank–enterprise financing marketplace, with no I/O.
//!
//! Values with rules are validated newtypes built by `parse`/`new` ([`Fen`], [`Bps`], [`Months`], [`Uscc`],
//! [`Range`]); closed vocabularies are [`Labelled`] enums with a machine name and Chinese and English labels.

mod accounts;
pub mod changes;
mod contact;
mod coverage;
mod document;
mod eligibility;
mod error;
mod facts;
mod institution;
mod labels;
mod lending;
mod lifecycle;
mod market;
mod materials;
mod money;
mod plausibility;
mod pricing;
mod product;
mod profile;
mod range;
mod rate;
mod ratio;
mod record;
mod record_pricing;
mod reference;
mod region;
mod scale;
pub mod shanghai;
pub mod spec_record;
mod term;
mod uscc;
mod verified_rules;
mod vocab;

pub use accounts::{
    MAX_DISPLAY_NAME_CHARS, StaffAccount, StaffAccountInput, check_password, normalize_display_name, normalize_login,
    staff_role,
};
pub use contact::{
    BranchInput, ContactInput, MAX_ADDRESS_CHARS, MAX_BRANCH_NAME_CHARS, MAX_INVITATION_NOTE_CHARS, MAX_MESSAGE_CHARS,
    MAX_PERSON_NAME_CHARS, Phone, bounded_text, optional_text,
};
pub use coverage::{Coverage, KindCoverage};
pub use document::{
    DocumentKind, DocumentLimits, MAX_FILE_NAME_CHARS, UploadRefusal, check_upload, clean_file_name, size_text,
};
pub use eligibility::{Bounds, EligibilityRule, EligibilityRules, LEGACY_MIN_TAX_PAID_KEY, OtherCondition, RuleKind};
pub use error::{FieldError, FieldErrors, UnknownValue, ValueError};
pub use facts::{
    CATALOGUE as FACT_CATALOGUE, Fact, FactArrival, FactKind, FactKindInfo, FactPeriod, FactRecord, FactSource,
    FactValue, Freshness, MAX_BATCH_ROWS as MAX_FACT_BATCH_ROWS, MAX_CERTIFICATE_CHARS, MAX_SOURCE_RECORD_ID_CHARS,
    ValueShape, Verification, fact_columns, latest as latest_fact, qualification_fact, read_record as read_fact_record,
    validate_batch as validate_fact_batch, validate_rows as validate_fact_rows, verify as verify_declaration,
    with_verified,
};
pub use institution::{
    InstitutionDetails, InstitutionEdit, InstitutionInput, MAX_INSTITUTION_INTRO_CHARS, MAX_INSTITUTION_NAME_CHARS,
    MAX_SUSPENSION_REASON_CHARS, institution_intro, institution_kind, institution_name, suspension_reason,
};
pub use labels::{Labelled, join_zh};
pub use lending::{ApprovalTerms, Correction, Disbursement, Grant, Ledger, Limits, LoanRate, Part};
pub use lifecycle::{LifecycleAct, LifecycleError, ProductAct};
pub use market::{
    ApplicationAction, ApplicationFields, ApplicationInput, ApplicationState, MAX_IDEMPOTENCY_KEY_CHARS,
    MAX_NOTE_CHARS, NeedState, OfferState, OfferTerms, Principal, Role, Side, TransitionError,
};
pub use materials::Materials;
pub use money::{Fen, group_thousands, wan_figure};
pub use plausibility::{Implausibility, ProfileFlaw, figures_plausible_from};
pub use pricing::{
    AnnualRate, Figure, FineRate, MARKUP_RANGE, MAX_SPREAD_BPS, Pricing, ROUNDING_EN, ROUNDING_ZH, RangeEnd,
    RateNotation, RatePeriod, RateQuote, RateText, annual_text_en, annual_text_zh, parse_markup, parse_spread,
};
pub use product::{
    CollateralTerms, GuaranteeTerms, Institution, InstitutionRef, NewInstitution, Product, ProductSource, ProductSpec,
    validate_code,
};
pub use profile::{
    EnterpriseProfile, FinancingNeed, MAX_TEXT_CHARS, OverdueHistory, ProcurementContract, Receivable, whole_years,
};
pub use range::{Range, StatedRange};
pub use rate::Bps;
pub use ratio::DebtRatio;
pub use record::{COLUMNS, ColumnInfo, ImportRow, ProductRecord, RowError, column_info};
pub use reference::{MAX_SOURCE_CHARS, NewPublication, Publication, PublicationInput, ReferenceKind, ReferenceRates};
pub use region::{District, Division, HomeArea, Level as DivisionLevel, ServiceArea};
pub use scale::{SCALE_TABLE, ScaleInputs, ScaleRule, Thresholds, classify as classify_scale, industry_needs_assets};
pub use term::Months;
pub use uscc::Uscc;
pub use verified_rules::{RULE_FACTS, RuleVerification, SourcedFact, VerifiedRules, rule_verification};
pub use vocab::{
    Collateral, EnterpriseScale, Industry, InstitutionKind, LifecycleState, LoanPurpose, LprTenor, PolicySupport,
    PrioritySector, ProductFamily, Qualification, RepaymentMethod, TaxCreditGrade,
};
