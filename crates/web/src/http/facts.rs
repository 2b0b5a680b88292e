//! A firm's verified facts as the firm itself and an institution it authorised see them: field by field
//! against what the firm declared (已核验 / 未核验 / 核验结果不符 / 需更新, with the source and the as-of date),
//! and the facts no profile field declares (headcounts, penalties, 失信, 欠税). Who may see them is decided
//! by the callers (the firm's own page; an institution under [`finmart_store::Store::may_view_facts`]).

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::format::Label;
use crate::http::state::AppState;
use chrono::{NaiveDate, Utc};
use finmart_domain::{
    EnterpriseProfile, Fact, FactKind, FactValue, Freshness, Labelled, Principal, Qualification, Uscc, Verification,
    latest_fact, qualification_fact, verify_declaration,
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
        let code = state_code(state);
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

/// One verified fact as a compact badge (纳税信用等级 A 级·已核验, 注册资本 500.00 万元·核验结果不符, 社保缴纳人数
/// 12 人·需更新): what it is with its verified value, its state, and where and when it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactBadge {
    pub kind: Label,
    /// For a qualification: which one.
    pub qualification: Option<Label>,
    /// The badge's words, without the state: the kind (or the qualification) and the verified value.
    pub text: String,
    pub text_en: String,
    /// `verified` (已核验), `conflict` (核验结果不符: the firm declared another value) or `expired` (需更新: past
    /// its validity, it counts as not verified).
    pub state: &'static str,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
    /// The department it comes from, and the provider registered for it.
    pub source: Label,
    pub provider: String,
    /// The day the value describes, and the last day it is current (`YYYY-MM-DD`).
    pub as_of: NaiveDate,
    pub valid_until: NaiveDate,
}

impl FactBadge {
    fn of(kind: &Label, qualification: Option<&Label>, fact: &FactItem, state: &Verification) -> Self {
        let (text, text_en) = match qualification {
            // A qualification's value is its title (the certificate is in the credit summary).
            Some(q) => (q.label.to_owned(), q.label_en.to_owned()),
            None => {
                (format!("{} {}", kind.label, fact.value_text), format!("{}: {}", kind.label_en, fact.value_text_en))
            }
        };
        Self {
            kind: kind.clone(),
            qualification: qualification.cloned(),
            text,
            text_en,
            state: state_code(state),
            state_label: state.label_zh(),
            state_label_en: state.label_en(),
            source: fact.source.clone(),
            provider: fact.provider.clone(),
            as_of: fact.as_of,
            valid_until: fact.valid_until,
        }
    }
}

/// The badges of a report: one per fact it shows (each declared field a fact bears on, each qualification
/// verified, then the facts no field declares); a declared field no fact bears on has none.
#[must_use]
pub fn badges(report: &FactsReport) -> Vec<FactBadge> {
    let fields = report.fields.iter().filter_map(|row| {
        let fact = row.fact.as_ref()?;
        let state = match row.state {
            "conflict" => Verification::Conflict,
            "expired" => Verification::Expired,
            _ => Verification::Verified,
        };
        Some(FactBadge::of(&row.kind, row.qualification.as_ref(), fact, &state))
    });
    let other = report.other.iter().map(|fact| {
        let state = if fact.freshness == "expired" { Verification::Expired } else { Verification::Verified };
        FactBadge::of(&fact.kind, None, fact, &state)
    });
    fields.chain(other).collect()
}

/// A firm's verified facts as badges, as an institution its authorisation covers sees them in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactBadges {
    pub badges: Vec<FactBadge>,
    /// The authorisation they are seen by: for every institution (`true`) or for this one by name, and its
    /// end (RFC 3339 UTC, and as read in Asia/Shanghai; absent: until withdrawn).
    pub authorised_all: bool,
    pub authorised_until: Option<String>,
    pub authorised_until_text: Option<String>,
    /// The printable 授权查询版 credit summary of the firm (`/bank/enterprises/{id}/credit-summary`).
    pub summary_link: String,
}

/// The firm's printable credit summary, for an institution it authorised.
#[must_use]
pub fn summary_link(enterprise_id: i64) -> String {
    format!("/bank/enterprises/{enterprise_id}/credit-summary")
}

/// A page of firms (each by id, with the profile its declarations are read from: the firm's own, or the one
/// an application carries) as `institution_id` may see their verified facts now, in the same order: a firm's
/// badges while its authorisation of its facts covers the institution at this moment, else `None` (nothing
/// older is kept to show instead). Two reads for the whole page (which firms authorised it, then their facts
/// by credit code), whatever its length.
///
/// # Errors
/// Database failure.
pub async fn badges_for(
    state: &AppState,
    institution_id: i64,
    firms: &[(i64, &EnterpriseProfile)],
) -> Result<Vec<Option<FactBadges>>, ApiError> {
    let ids: Vec<i64> = firms.iter().map(|(id, _)| *id).collect();
    let consents = state.store.facts_consents_among(institution_id, &ids, Utc::now()).await?;
    let codes: Vec<Uscc> =
        firms.iter().filter(|(id, _)| consents.contains_key(id)).filter_map(|(_, p)| p.uscc.clone()).collect();
    let facts = state.store.facts_of_many(&codes).await?;
    let today = crate::http::state::today();
    Ok(firms
        .iter()
        .map(|(id, profile)| {
            let consent = consents.get(id)?;
            let stored = profile.uscc.as_ref().and_then(|u| facts.get(u)).map_or(&[][..], Vec::as_slice);
            Some(FactBadges {
                badges: badges(&report(profile, stored, today)),
                authorised_all: consent.institution_id.is_none(),
                authorised_until: consent.expires_at.map(|t| t.to_rfc3339()),
                authorised_until_text: consent.expires_at.map(crate::http::format::shanghai),
                summary_link: summary_link(*id),
            })
        })
        .collect())
}

/// Records, in each firm's view log (context `facts`, once a day per institution as for any list), that the
/// institution of `p` was shown the verified facts of `enterprise_ids`.
///
/// # Errors
/// Database failure.
pub async fn record_shown(
    state: &AppState,
    caller: &Caller,
    p: &Principal,
    institution_id: i64,
    enterprise_ids: &[i64],
) -> Result<(), ApiError> {
    let event = caller.audit(p, "profile.view");
    state.store.record_list_views(enterprise_ids, institution_id, Some(p.account_id), "facts", &event).await?;
    Ok(())
}

fn state_code(state: &Verification) -> &'static str {
    match state {
        Verification::Unverified => "unverified",
        Verification::Verified => "verified",
        Verification::Conflict => "conflict",
        Verification::Expired => "expired",
    }
}
