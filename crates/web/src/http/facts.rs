//! A firm's verified facts as the firm itself and an institution it authorised see them: field by field
//! against what the firm declared (已核验 / 未核验 / 核验结果不符 / 需更新, with the source and the as-of date),
//! and the facts no profile field declares (headcounts, penalties, 失信, 欠税). Who may see them is decided
//! by the callers (the firm's own page; an institution under [`finmart_store::Store::may_view_facts`]).

use crate::http::error::ApiError;
use crate::http::format::Label;
use crate::http::state::AppState;
use chrono::NaiveDate;
use finmart_domain::{
    EnterpriseProfile, Fact, FactKind, FactValue, Freshness, Labelled, Qualification, Verification, latest_fact,
    qualification_fact, verify_declaration,
};
use finmart_store::StoredFact;
use serde::Serialize;
use utoipa::ToSchema;

/// The kinds a profile declares, checked field by field (qualifications follow, one row per title).
const DECLARED: [FactKind; 4] =
    [FactKind::TaxCreditGrade, FactKind::TaxPaid, FactKind::RegisteredCapital, FactKind::Established];

/// The kinds no profile field declares: listed as facts only.
const UNDECLARED: [FactKind; 5] = [
    FactKind::SocialInsuranceHeadcount,
    FactKind::HousingFundHeadcount,
    FactKind::AdministrativePenalties,
    FactKind::DishonestDebtor,
    FactKind::TaxArrears,
];

/// One verified fact with where it came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactItem {
    pub kind: Label,
    /// The value, typed by its kind (`{"type": "grade", "grade": "A"}`, amounts in fen).
    #[schema(value_type = Object)]
    pub value: FactValue,
    /// The value as read in Chinese and in English.
    pub value_text: String,
    pub value_text_en: String,
    /// A qualification's certificate number.
    pub certificate: Option<String>,
    /// The department the fact comes from, and the provider registered for it.
    pub source: Label,
    pub provider: String,
    /// How it reached the platform.
    pub arrival: Label,
    /// The day the value describes, and the last day it is current (`YYYY-MM-DD`).
    pub as_of: NaiveDate,
    pub valid_until: NaiveDate,
    /// `current`, or `expired` (需更新: it counts as not verified).
    pub freshness: &'static str,
    pub freshness_label: &'static str,
    pub freshness_label_en: &'static str,
}

impl FactItem {
    fn of(stored: &StoredFact, today: NaiveDate) -> Self {
        let f = &stored.fact;
        let certificate = match &f.value {
            FactValue::Qualification { certificate, .. } => Some(certificate.clone()),
            _ => None,
        };
        let (freshness, freshness_label, freshness_label_en) = match f.freshness(today) {
            Freshness::Current => ("current", "有效", "Current"),
            Freshness::Expired => ("expired", "需更新", "Needs updating"),
        };
        Self {
            kind: Label::of(f.kind),
            value: f.value.clone(),
            value_text: f.value.text_zh(f.kind),
            value_text_en: f.value.text_en(f.kind),
            certificate,
            source: Label::of(stored.provider.source),
            provider: stored.provider.name.clone(),
            arrival: Label::of(stored.arrival),
            as_of: f.as_of,
            valid_until: f.valid_until,
            freshness,
            freshness_label,
            freshness_label_en,
        }
    }
}

/// One declared field against the verified fact that bears on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldCheck {
    pub kind: Label,
    /// For a qualification's row: which one.
    pub qualification: Option<Label>,
    /// What the firm declared, in Chinese and English; `None`: nothing declared.
    pub declared: Option<String>,
    pub declared_en: Option<String>,
    /// `verified` (已核验), `unverified` (未核验), `conflict` (核验结果不符) or `expired` (需更新).
    pub state: &'static str,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
    /// The fact the state was read from (the newest current one, else the newest expired one).
    pub fact: Option<FactItem>,
}

impl FieldCheck {
    fn new(kind: FactKind, declared: Option<(String, String)>, state: &Verification, fact: Option<FactItem>) -> Self {
        let code = match state {
            Verification::Unverified => "unverified",
            Verification::Verified => "verified",
            Verification::Conflict => "conflict",
            Verification::Expired => "expired",
        };
        let (declared, declared_en) = declared.unzip();
        Self {
            kind: Label::of(kind),
            qualification: None,
            declared,
            declared_en,
            state: code,
            state_label: state.label_zh(),
            state_label_en: state.label_en(),
            fact,
        }
    }
}

/// A firm's verified facts: its declared fields checked, and the facts no field declares.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactsReport {
    /// The Shanghai day the freshness was read on.
    pub today: NaiveDate,
    /// Declared fields (纳税信用等级, 年度纳税额, 注册资本, 成立日期, then each qualification declared or verified).
    pub fields: Vec<FieldCheck>,
    /// Facts of the kinds no field declares, the newest of each kind.
    pub other: Vec<FactItem>,
    /// How many facts are stored for the firm in all (older ones included).
    pub stored: usize,
}

/// What the firm declared for `kind`, in Chinese and English.
fn declared_text(profile: &EnterpriseProfile, kind: FactKind) -> Option<(String, String)> {
    match kind {
        FactKind::TaxCreditGrade => {
            profile.tax_credit_grade.map(|g| (g.label_zh().to_owned(), format!("grade {}", g.as_str())))
        }
        FactKind::TaxPaid => profile.tax_paid.map(|f| (f.display_zh(), f.display_en())),
        FactKind::RegisteredCapital => profile.registered_capital.map(|f| (f.display_zh(), f.display_en())),
        FactKind::Established => Some((profile.established.to_string(), profile.established.to_string())),
        _ => None,
    }
}

/// The report of `profile` against `stored` (the firm's facts, as [`finmart_store::Store::facts_of`] gives
/// them) on `today`.
#[must_use]
pub fn report(profile: &EnterpriseProfile, stored: &[StoredFact], today: NaiveDate) -> FactsReport {
    let facts: Vec<Fact> = stored.iter().map(|s| s.fact.clone()).collect();
    // The stored fact (with its provider) behind one of `facts`.
    let item = |fact: &Fact| {
        let at = facts.iter().position(|f| std::ptr::eq(f, fact))?;
        stored.get(at).map(|s| FactItem::of(s, today))
    };
    let mut fields: Vec<FieldCheck> = DECLARED
        .iter()
        .map(|&kind| {
            let state = verify_declaration(profile, &facts, kind, today).unwrap_or(Verification::Unverified);
            let fact = latest_fact(&facts, kind, today).and_then(item);
            FieldCheck::new(kind, declared_text(profile, kind), &state, fact)
        })
        .collect();
    let declared = profile.qualification_list();
    let verified: Vec<Qualification> = facts
        .iter()
        .filter_map(|f| match f.value {
            FactValue::Qualification { title, .. } => Some(title),
            _ => None,
        })
        .collect();
    for &title in Qualification::ALL.iter().filter(|q| declared.contains(q) || verified.contains(q)) {
        let fact = qualification_fact(&facts, title, today);
        let state = match fact {
            None => Verification::Unverified,
            Some(f) if f.freshness(today) == Freshness::Expired => Verification::Expired,
            Some(_) => Verification::Verified,
        };
        let said = declared.contains(&title).then(|| ("已申报".to_owned(), "Declared".to_owned()));
        let mut row = FieldCheck::new(FactKind::Qualification, said, &state, fact.and_then(item));
        row.qualification = Some(Label::of(title));
        fields.push(row);
    }
    let other = UNDECLARED.iter().filter_map(|&kind| latest_fact(&facts, kind, today).and_then(item)).collect();
    FactsReport { today, fields, other, stored: stored.len() }
}

/// The report of a firm's stored profile: its facts read by its credit code (those sent before it
/// registered included); a profile without a credit code has none.
///
/// # Errors
/// Database failure.
pub async fn report_of(state: &AppState, profile: &EnterpriseProfile) -> Result<FactsReport, ApiError> {
    let stored = match &profile.uscc {
        Some(uscc) => state.store.facts_of(uscc).await?,
        None => Vec::new(),
    };
    Ok(report(profile, &stored, crate::http::state::today()))
}
