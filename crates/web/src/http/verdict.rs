//! A firm's verdict for one product ([`finmart_matching::Judgement`], from [`App::judge`]): as the API
//! returns it, as the pages show it (the product page, the application form), and the refusal of an
//! application that does not pass it. The products' pages and the applications share it here, in the kit,
//! so the two features show and refuse by the same words.
//!
//! [`App::judge`]: crate::http::state::App::judge

use crate::http::error::{ApiError, ErrorCode, Reason, Refusal};
use crate::http::format::Label;
use crate::http::lang::Lang;
use crate::http::profile_form::field_of;
use finmart_domain::Labelled;
use finmart_matching::{CheckKind, Finding, Judgement, Outcome};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The profile page, where a firm completes or changes what a product reads.
pub const PROFILE_PAGE: &str = "/sme/profile";

/// A firm's verdict for one product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerdictView {
    pub product_id: i64,
    /// `eligible` 可申请, `near_miss` 差一点 (one condition the firm can change), `needs_info` 需补充 (facts
    /// to add to the profile), `to_confirm` 需向机构确认 (facts the product leaves unstated), `ineligible`
    /// 不符合.
    pub standing: Label,
    /// Whether an application may be submitted now: eligible, or with facts only the lender can confirm.
    pub may_apply: bool,
    /// Codes of the conditions failed.
    pub failed: Vec<&'static str>,
    /// Codes of the conditions that lack the firm's data.
    pub missing: Vec<&'static str>,
    /// Codes of the conditions whose fact the product does not state.
    pub unconfirmed: Vec<&'static str>,
    /// Every condition checked, with requirement, the firm's value, outcome, sentence and fix: the same
    /// findings as a match's.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
}

impl VerdictView {
    #[must_use]
    pub fn of(j: &Judgement) -> Self {
        let codes = |outcome| j.with_outcome(outcome).map(|f| f.code).collect();
        Self {
            product_id: j.product_id,
            standing: Label::of(j.standing),
            may_apply: j.may_apply(),
            failed: codes(Outcome::Fail),
            missing: codes(Outcome::Missing),
            unconfirmed: codes(Outcome::Unconfirmed),
            findings: j.findings.clone(),
        }
    }
}

/// The member of the profile (`EnterpriseProfile`) that holds what a check reads of the firm; none for the
/// need's checks and the lender's own words.
#[must_use]
pub fn profile_member(kind: CheckKind) -> Option<&'static str> {
    Some(match kind {
        CheckKind::District => "district",
        CheckKind::MinYearsInOperation => "established",
        CheckKind::Revenue => "revenue",
        CheckKind::Employees => "employees",
        CheckKind::Scales => "total_assets",
        CheckKind::MinTaxCreditGrade => "tax_credit_grade",
        CheckKind::TaxPaid => "tax_paid",
        CheckKind::QualificationsAny | CheckKind::QualificationsAll => "qualifications",
        CheckKind::IndustriesAllowed | CheckKind::IndustriesExcluded => "industry",
        CheckKind::SectorsAny => "sectors",
        CheckKind::MinInventionPatents => "invention_patents",
        CheckKind::MinTrademarks => "trademarks",
        CheckKind::GovProcurementContract => "procurement_contracts",
        CheckKind::CoreEnterpriseReceivables => "receivables",
        CheckKind::FirstLoanOnly => "ever_borrowed",
        CheckKind::NoOverdueMonths => "overdue",
        CheckKind::MaxDebtRatio => "total_liabilities",
        CheckKind::OtherConditions
        | CheckKind::Amount
        | CheckKind::Term
        | CheckKind::Collateral
        | CheckKind::Guarantee
        | CheckKind::MaxCost
        | CheckKind::Speed => return None,
    })
}

fn kind_of(f: &Finding) -> Option<CheckKind> {
    CheckKind::parse(f.code).ok()
}

/// The profile page's field that holds the fact of a finding (the page links to `/sme/profile#f-{field}`);
/// none for the need's checks (the application form holds amount and term) and the lender's words.
fn profile_field(f: &Finding) -> Option<&'static str> {
    kind_of(f).filter(|k| !k.is_about_need()).and_then(field_of)
}

/// The findings of `outcome` as the pages show them: sentence, fix and where to change the fact.
fn rows(j: &Judgement, outcome: Outcome) -> Vec<Value> {
    j.with_outcome(outcome)
        .map(|f| {
            json!({
                "code": f.code, "label": f.label, "message": f.message, "fix": f.fix, "field": profile_field(f),
                "quoted": f.quoted, "verification": f.verification,
                "about_need": kind_of(f).is_some_and(CheckKind::is_about_need),
            })
        })
        .collect()
}

/// The verdict as the pages' `_verdict.html` reads it.
#[must_use]
pub fn page_view(j: &Judgement) -> Value {
    json!({
        "standing": Label::of(j.standing), "may_apply": j.may_apply(),
        "failed": rows(j, Outcome::Fail), "missing": rows(j, Outcome::Missing),
        "unconfirmed": rows(j, Outcome::Unconfirmed), "passed": j.with_outcome(Outcome::Pass).count(),
    })
}

fn reason(f: &Finding) -> Reason {
    Reason {
        code: f.code.to_owned(),
        label: f.label.zh.clone(),
        label_en: f.label.en.clone(),
        outcome: if f.outcome == Outcome::Missing { "missing" } else { "fail" }.to_owned(),
        message: f.message.zh.clone(),
        message_en: f.message.en.clone(),
        fix: f.fix.as_ref().map(|t| t.zh.clone()),
        fix_en: f.fix.as_ref().map(|t| t.en.clone()),
        profile_field: kind_of(f).and_then(profile_member).map(str::to_owned),
    }
}

/// The refusal of an application the verdict does not allow, or `None` when it may be submitted: a failed
/// condition is `ineligible` (every failure, with what would change it), else data the firm has not given is
/// `profile_incomplete` (naming each fact). Facts the lender must confirm never refuse.
#[must_use]
pub fn refusal(j: &Judgement) -> Option<ApiError> {
    let failed: Vec<&Finding> = j.with_outcome(Outcome::Fail).collect();
    let missing: Vec<&Finding> = j.with_outcome(Outcome::Missing).collect();
    Some(if !failed.is_empty() {
        let zh: Vec<String> = failed
            .iter()
            .map(|f| match &f.fix {
                Some(fix) => format!("{}（{}）", f.message.zh, fix.zh),
                None => f.message.zh.clone(),
            })
            .collect();
        let en: Vec<String> = failed
            .iter()
            .map(|f| match &f.fix {
                Some(fix) => format!("{} ({})", f.message.en, fix.en),
                None => f.message.en.clone(),
            })
            .collect();
        let reasons = failed.iter().chain(&missing).map(|f| reason(f)).collect();
        ApiError::refused(
            ErrorCode::Ineligible,
            format!("贵企业不符合该产品的申请条件：{}", zh.join("；")),
            format!("your firm does not meet this product's conditions: {}", en.join("; ")),
            Refusal { reasons, ..Refusal::default() },
        )
    } else if !missing.is_empty() {
        let zh: Vec<&str> = missing.iter().map(|f| f.message.zh.trim_start_matches("需补充：")).collect();
        let en: Vec<&str> = missing.iter().map(|f| f.message.en.trim_start_matches("Please add: ")).collect();
        ApiError::refused(
            ErrorCode::ProfileIncomplete,
            format!("请先在企业档案中补充：{}", zh.join("、")),
            format!("complete your profile first: {}", en.join(", ")),
            Refusal {
                reasons: missing.iter().map(|f| reason(f)).collect(),
                link: Some(PROFILE_PAGE.to_owned()),
                ..Refusal::default()
            },
        )
    } else {
        return None;
    })
}

/// A refused application as the application form shows it above the form (which keeps what was typed): the
/// refusal's code and message, each condition in the page's language with what would change it and the
/// profile field to change (`/sme/profile#f-{field}`), and the open application a second one was refused for.
#[must_use]
pub fn refusal_view(e: &ApiError, lang: Lang) -> Value {
    let pick = |zh: &str, en: &str| if lang.is_en() { en } else { zh }.to_owned();
    let refusal = e.body.refusal.as_deref().cloned().unwrap_or_default();
    let reasons: Vec<Value> = refusal
        .reasons
        .iter()
        .map(|r| {
            let field = CheckKind::parse(&r.code).ok().filter(|k| !k.is_about_need()).and_then(field_of);
            json!({
                "code": r.code, "outcome": r.outcome, "message": pick(&r.message, &r.message_en),
                "fix": r.fix.as_deref().map(|zh| pick(zh, r.fix_en.as_deref().unwrap_or(zh))), "field": field,
            })
        })
        .collect();
    json!({
        "code": e.body.code, "message": pick(&e.body.message, &e.body.message_en), "reasons": reasons,
        "application_id": refusal.application_id,
    })
}
