//! How far verified facts reach: for each kind of fact, how many firms have it verified (a current fact),
//! how many have only an expired one (需更新), and how many have a verified value that differs from what they
//! declared (核验结果不符). The operator's figures tally them over every firm on the platform, overall and by
//! district and industry; the store feeds the firms, this module decides what each firm counts as.

use crate::facts::{Fact, FactKind, Freshness, Verification, verify};
use crate::{EnterpriseProfile, Labelled};
use chrono::NaiveDate;
use serde::Serialize;

/// The firms of one kind of fact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCoverage {
    /// Firms with a current fact of the kind.
    pub verified: u64,
    /// Firms whose facts of the kind have all expired (需更新): counted as not verified.
    pub expired: u64,
    /// Firms whose current fact differs from their declaration (counted among `verified` too).
    pub conflicts: u64,
}

/// The firms of a group (the platform, a district, an industry) and each kind's coverage among them, in the
/// order of [`FactKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub firms: u64,
    pub kinds: Vec<(FactKind, KindCoverage)>,
}

impl Default for Coverage {
    fn default() -> Self {
        Self { firms: 0, kinds: FactKind::ALL.iter().map(|k| (*k, KindCoverage::default())).collect() }
    }
}

/// What one firm counts as for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirmState {
    Verified { conflict: bool },
    Expired,
}

/// The firm's state for each kind it has facts of (kinds without any fact are absent).
fn states(profile: &EnterpriseProfile, facts: &[Fact], today: NaiveDate) -> Vec<(FactKind, FirmState)> {
    FactKind::ALL
        .iter()
        .filter_map(|&kind| {
            let of_kind = || facts.iter().filter(move |f| f.kind == kind);
            of_kind().next()?;
            let current = of_kind().any(|f| f.freshness(today) == Freshness::Current);
            Some((
                kind,
                if current {
                    FirmState::Verified {
                        conflict: verify(profile, facts, kind, today) == Some(Verification::Conflict),
                    }
                } else {
                    FirmState::Expired
                },
            ))
        })
        .collect()
}

impl Coverage {
    /// Counts `n` more firms in the group (with or without facts).
    pub fn add_firms(&mut self, n: u64) {
        self.firms += n;
    }

    /// Tallies one firm's facts (the firm itself is counted by [`Coverage::add_firms`]).
    pub fn tally(&mut self, profile: &EnterpriseProfile, facts: &[Fact], today: NaiveDate) {
        for (kind, state) in states(profile, facts, today) {
            let Some((_, counts)) = self.kinds.iter_mut().find(|(k, _)| *k == kind) else { continue };
            match state {
                FirmState::Verified { conflict } => {
                    counts.verified += 1;
                    counts.conflicts += u64::from(conflict);
                }
                FirmState::Expired => counts.expired += 1,
            }
        }
    }

    /// The counts of one kind.
    #[must_use]
    pub fn of(&self, kind: FactKind) -> KindCoverage {
        self.kinds.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::facts::FactValue;
    use crate::{TaxCreditGrade, Uscc};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn grade(value: TaxCreditGrade, valid_until: NaiveDate) -> Fact {
        Fact {
            source_record_id: "G".into(),
            uscc: Uscc::parse("91350100M000100Y43").unwrap(),
            kind: FactKind::TaxCreditGrade,
            value: FactValue::Grade { grade: value },
            as_of: day(2025, 12, 31),
            valid_until,
        }
    }

    #[test]
    fn a_firm_counts_as_verified_expired_or_in_conflict_per_kind() {
        let today = day(2026, 12, 5);
        let profile: EnterpriseProfile = serde_json::from_value(serde_json::json!({
            "district": "binhai", "industry": "software", "established": "2019-05-01", "employees": 40,
            "revenue": 800_000_000, "tax_credit_grade": "A"
        }))
        .unwrap();
        let mut coverage = Coverage::default();
        coverage.add_firms(4);
        // Agrees; differs; only expired; and a firm with no facts at all.
        coverage.tally(&profile, &[grade(TaxCreditGrade::A, day(2027, 6, 30))], today);
        coverage.tally(&profile, &[grade(TaxCreditGrade::B, day(2027, 6, 30))], today);
        coverage.tally(&profile, &[grade(TaxCreditGrade::A, day(2026, 6, 30))], today);
        coverage.tally(&profile, &[], today);
        assert_eq!(coverage.firms, 4);
        assert_eq!(coverage.of(FactKind::TaxCreditGrade), KindCoverage { verified: 2, expired: 1, conflicts: 1 });
        assert_eq!(coverage.of(FactKind::TaxPaid), KindCoverage::default());
        // A current fact beside an expired one: verified.
        let mut both = Coverage::default();
        both.tally(
            &profile,
            &[grade(TaxCreditGrade::A, day(2026, 6, 30)), grade(TaxCreditGrade::A, day(2027, 6, 30))],
            today,
        );
        assert_eq!(both.of(FactKind::TaxCreditGrade), KindCoverage { verified: 1, expired: 0, conflicts: 0 });
    }
}
