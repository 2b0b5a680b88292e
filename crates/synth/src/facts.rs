//! Verified facts about synthetic firms, as the departments would send them: for part of the firms only
//! (coverage differs by source, as real data sharing does), mostly agreeing with what the firm declared,
//! with a few conflicts (a declared grade the tax bureau does not confirm) and a few facts past their
//! validity, so every screen that shows verification has each case to show.

use crate::Dice;
use chrono::{Datelike, Months, NaiveDate};
use finmart_domain::{EnterpriseProfile, FactRecord, FactSource, Labelled, Qualification, TaxCreditGrade};

const FACT_STREAM: u64 = 0x4641_4354_535f_5631;

/// Share of firms each source covers.
const TAX_COVERAGE: f64 = 0.6;
const SOCIAL_SECURITY_COVERAGE: f64 = 0.5;
const REGISTRATION_COVERAGE: f64 = 0.7;
/// Share of declared qualifications confirmed by their department.
const QUALIFICATION_COVERAGE: f64 = 0.5;
/// Of the firms a source covers, the share whose latest fact is out of date, and (tax) whose grade differs
/// from the declared one.
const EXPIRED: f64 = 0.1;
const CONFLICT: f64 = 0.05;

/// The records the sources would send about `profile` (firm `index` of `seed`), dated relative to `today`,
/// each with the source that sends it. Needs the firm's credit code; a profile without one has none.
#[must_use]
pub fn fact_records(
    profile: &EnterpriseProfile,
    seed: u64,
    index: usize,
    today: NaiveDate,
) -> Vec<(FactSource, FactRecord)> {
    let Some(uscc) = profile.uscc.as_ref().map(ToString::to_string) else { return Vec::new() };
    let mut dice = Dice::new(seed, FACT_STREAM, index);
    let mut out = Vec::new();
    let record = |kind: &str, value: String, as_of: NaiveDate| FactRecord {
        source_record_id: format!("{kind}-{uscc}-{as_of}"),
        uscc: uscc.clone(),
        kind: kind.to_owned(),
        value,
        as_of: as_of.to_string(),
        ..FactRecord::default()
    };
    // Yearly figures describe last year (a year further back when out of date).
    let years_back = |expired: bool| if expired { 3 } else { 1 };
    let year_end = |back: i32| NaiveDate::from_ymd_opt(today.year() - back, 12, 31).unwrap_or(today);

    if dice.chance(TAX_COVERAGE) {
        let end = year_end(years_back(dice.chance(EXPIRED)));
        if let Some(declared) = profile.tax_credit_grade {
            let grade = if dice.chance(CONFLICT) { worse(declared) } else { declared };
            out.push((FactSource::Tax, record("tax_credit_grade", grade.as_str().to_owned(), end)));
        }
        if let Some(paid) = profile.tax_paid {
            out.push((FactSource::Tax, record("tax_paid", yuan(paid.fen()), end)));
        }
    }
    if dice.chance(SOCIAL_SECURITY_COVERAGE) && profile.employees > 0 {
        // Headcounts are as of the end of a month: last month, or half a year ago when out of date.
        let back = if dice.chance(EXPIRED) { 7 } else { 1 };
        let month_start = today.with_day(1).unwrap_or(today);
        let as_of = month_start.checked_sub_months(Months::new(back - 1)).unwrap_or(today).pred_opt().unwrap_or(today);
        // Some staff are insured elsewhere or not yet enrolled: at most the declared headcount.
        let insured = profile.employees - dice.int(0, profile.employees / 10);
        out.push((FactSource::SocialSecurity, record("social_insurance_headcount", insured.to_string(), as_of)));
    }
    if dice.chance(REGISTRATION_COVERAGE) {
        let as_of = today.pred_opt().unwrap_or(today);
        out.push((FactSource::MarketRegulation, record("established", profile.established.to_string(), as_of)));
        if let Some(capital) = profile.registered_capital {
            out.push((FactSource::MarketRegulation, record("registered_capital", yuan(capital.fen()), as_of)));
        }
    }
    for title in profile.qualifications.iter().flatten() {
        if !dice.chance(QUALIFICATION_COVERAGE) {
            continue;
        }
        // Recognised some years ago for three years: most still valid, some lapsed.
        let recognised = today.checked_sub_months(Months::new(dice.int(2, 40))).unwrap_or(today);
        let until = recognised.checked_add_months(Months::new(36)).unwrap_or(today);
        let mut r = record("qualification", title.as_str().to_owned(), recognised);
        // One certificate per title: two titles recognised the same day are two records.
        r.source_record_id = format!("Q-{}-{uscc}-{recognised}", title.as_str());
        r.certificate = Some(certificate(*title, recognised.year(), &mut dice));
        r.valid_until = Some(until.to_string());
        out.push((qualification_source(*title), r));
    }
    out
}

/// The department that recognises a title: the ladder of 工信 (创新型中小企业 → 专精特新 → 小巨人 → 单项冠军),
/// the science bureau for the rest (科技型中小企业, 高新技术企业, the local growth ladders, talent awards).
fn qualification_source(title: Qualification) -> FactSource {
    match title {
        Qualification::InnovativeSme
        | Qualification::Specialised
        | Qualification::LittleGiant
        | Qualification::SingleChampion => FactSource::Industry,
        _ => FactSource::Science,
    }
}

/// A fictional certificate number: 高新技术企业 certificates read `GR` + year + `12` (Tianjin) + six digits;
/// the others get a prefix of the title's initials in the same shape.
fn certificate(title: Qualification, year: i32, dice: &mut Dice) -> String {
    let prefix = match title {
        Qualification::HighTech => "GR",
        Qualification::TechSme => "KJ",
        Qualification::Specialised | Qualification::LittleGiant => "ZJ",
        _ => "TJ",
    };
    format!("{prefix}{year}12{:06}", dice.int(0, 999_999))
}

fn worse(grade: TaxCreditGrade) -> TaxCreditGrade {
    match grade {
        TaxCreditGrade::A => TaxCreditGrade::B,
        TaxCreditGrade::B => TaxCreditGrade::M,
        TaxCreditGrade::M => TaxCreditGrade::C,
        TaxCreditGrade::C | TaxCreditGrade::D => TaxCreditGrade::D,
    }
}

/// Fen as yuan text, exact: `1234.56`.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{FactKind, Freshness, Verification, validate_fact_batch, verify_declaration};

    #[test]
    fn facts_of_a_population_read_cleanly_and_show_every_case() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (mut verified, mut conflict, mut expired, mut qualifications) = (0, 0, 0, 0);
        for (index, synthetic) in crate::profiles(7, 600, today).enumerate() {
            let p = &synthetic.profile;
            let records = fact_records(p, 7, index, today);
            let mut facts = Vec::new();
            for source in [
                FactSource::Tax,
                FactSource::SocialSecurity,
                FactSource::MarketRegulation,
                FactSource::Science,
                FactSource::Industry,
            ] {
                let of_source: Vec<FactRecord> =
                    records.iter().filter(|(s, _)| *s == source).map(|(_, r)| r.clone()).collect();
                if !of_source.is_empty() {
                    facts.extend(validate_fact_batch(&of_source, source, today).unwrap());
                }
            }
            qualifications += facts.iter().filter(|f| f.kind == FactKind::Qualification).count();
            expired += facts.iter().filter(|f| f.freshness(today) == Freshness::Expired).count();
            match verify_declaration(p, &facts, FactKind::TaxCreditGrade, today) {
                Some(Verification::Verified) => verified += 1,
                Some(Verification::Conflict) => conflict += 1,
                _ => {}
            }
        }
        assert!(verified > 200, "{verified}");
        assert!((1..verified / 5).contains(&conflict), "{conflict} of {verified}");
        assert!(expired > 10, "{expired}");
        assert!(qualifications > 10, "{qualifications}");
    }

    #[test]
    fn the_same_firm_gets_the_same_facts() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let p = crate::profile(7, 3, today).profile;
        assert_eq!(fact_records(&p, 7, 3, today), fact_records(&p, 7, 3, today));
    }
}
