//! The pool written down, so a server starts from it instead of reading every firm and its facts again
//! (seconds instead of tens of seconds at a million firms with millions of facts).
//!
//! A snapshot is the pool's entries in parts of [`PART`] firms, each part a MessagePack array of plain
//! integers ([`Row`]): nothing in it depends on how the domain's types serialise elsewhere. [`FORMAT`]
//! names the layout; a snapshot of another format is not read. What the entries mean (how a profile and its
//! facts become [`FirmFacts`]) can change between versions without the layout changing: the caller checks a
//! sample of entries against the database before it trusts a snapshot.

use super::PoolEntry;
use crate::checks::Checks;
use crate::facts::FirmFacts;
use finmart_domain::{DebtRatio, Fen};
use serde::{Deserialize, Serialize};

/// The layout of the parts; a change of [`Row`] takes a new number.
pub const FORMAT: i32 = 1;

/// Firms per part: a few megabytes each, well inside what either database keeps in one value.
pub const PART: usize = 100_000;

/// A snapshot's part that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("part {part} of the pool's snapshot cannot be read: {reason}")]
    Unreadable { part: usize, reason: String },
}

/// One firm as a part stores it: [`PoolEntry`] with its facts as plain integers, in a fixed order.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    id: i64,
    open: bool,
    district: [u32; 3],
    industry: u32,
    scale: u32,
    qualifications: u32,
    sectors: u32,
    collateral: u32,
    unknown: u32,
    years: u16,
    tax_grade: u8,
    procurement: bool,
    core_receivables: bool,
    ever_borrowed: bool,
    months_since_overdue: u16,
    employees: u32,
    invention_patents: u32,
    trademarks: u32,
    liabilities: i64,
    assets: i64,
    revenue: i64,
    tax_paid: i64,
    verified: u32,
    verified_qualifications: u32,
}

impl Row {
    fn of(e: &PoolEntry) -> Self {
        let f = &e.facts;
        Self {
            id: e.id,
            open: e.open,
            district: f.district,
            industry: f.industry,
            scale: f.scale,
            qualifications: f.qualifications,
            sectors: f.sectors,
            collateral: f.collateral,
            unknown: f.unknown.0,
            years: f.years,
            tax_grade: f.tax_grade,
            procurement: f.procurement,
            core_receivables: f.core_receivables,
            ever_borrowed: f.ever_borrowed,
            months_since_overdue: f.months_since_overdue,
            employees: f.employees,
            invention_patents: f.invention_patents,
            trademarks: f.trademarks,
            liabilities: f.debt_ratio.liabilities().fen(),
            assets: f.debt_ratio.assets().fen(),
            revenue: f.revenue,
            tax_paid: f.tax_paid,
            verified: f.verified.0,
            verified_qualifications: f.verified_qualifications,
        }
    }

    fn entry(self) -> Result<PoolEntry, String> {
        let fen = |v: i64| Fen::from_fen(v).map_err(|e| format!("firm {}: {e}", self.id));
        Ok(PoolEntry {
            id: self.id,
            open: self.open,
            facts: FirmFacts {
                district: self.district,
                industry: self.industry,
                scale: self.scale,
                qualifications: self.qualifications,
                sectors: self.sectors,
                collateral: self.collateral,
                unknown: Checks(self.unknown),
                years: self.years,
                tax_grade: self.tax_grade,
                procurement: self.procurement,
                core_receivables: self.core_receivables,
                ever_borrowed: self.ever_borrowed,
                months_since_overdue: self.months_since_overdue,
                employees: self.employees,
                invention_patents: self.invention_patents,
                trademarks: self.trademarks,
                debt_ratio: DebtRatio::new(fen(self.liabilities)?, fen(self.assets)?),
                revenue: self.revenue,
                tax_paid: self.tax_paid,
                verified: Checks(self.verified),
                verified_qualifications: self.verified_qualifications,
            },
        })
    }
}

/// `entries` as the parts of a snapshot ([`FORMAT`]), [`PART`] firms each.
#[must_use]
pub fn encode(entries: &[PoolEntry]) -> Vec<Vec<u8>> {
    entries
        .chunks(PART)
        .map(|chunk| {
            let rows: Vec<Row> = chunk.iter().map(Row::of).collect();
            // Plain integers and booleans in a vector: writing them into memory cannot fail.
            rmp_serde::to_vec(&rows).unwrap_or_default()
        })
        .collect()
}

/// The entries of a snapshot's parts, in their order.
///
/// # Errors
/// A part is not a list of rows of [`FORMAT`] (or holds a negative amount).
pub fn decode(parts: &[Vec<u8>]) -> Result<Vec<PoolEntry>, SnapshotError> {
    let mut entries = Vec::with_capacity(parts.len() * PART);
    for (part, bytes) in parts.iter().enumerate() {
        let unreadable = |reason: String| SnapshotError::Unreadable { part, reason };
        let rows: Vec<Row> = rmp_serde::from_slice(bytes).map_err(|e| unreadable(e.to_string()))?;
        for row in rows {
            entries.push(row.entry().map_err(unreadable)?);
        }
    }
    Ok(entries)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Verified;
    use chrono::NaiveDate;

    fn entries(n: usize) -> Vec<PoolEntry> {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        finmart_synth::profiles(3, n, today)
            .enumerate()
            .map(|(i, p)| PoolEntry {
                id: i64::try_from(i).unwrap() * 3 + 1,
                facts: Verified::firm_facts_of(&p.profile, &[], today),
                open: p.discoverable,
            })
            .collect()
    }

    #[test]
    fn a_snapshot_gives_back_every_entry_unchanged_in_parts() {
        let all = entries(2_500);
        let parts = encode(&all);
        assert_eq!(parts.len(), 1);
        assert_eq!(decode(&parts).unwrap(), all);
        // Every field of the facts takes part: a firm's facts with none left at its default come back whole.
        let mut full = all[0];
        full.facts.verified = Checks(0b1011);
        full.facts.verified_qualifications = 0b110;
        full.facts.months_since_overdue = 7;
        full.facts.ever_borrowed = true;
        full.facts.debt_ratio = DebtRatio::new(Fen::from_fen(12_345).unwrap(), Fen::from_fen(99_999).unwrap());
        assert_eq!(decode(&encode(&[full])).unwrap(), vec![full]);
        assert!(encode(&[]).is_empty() && decode(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_large_pool_is_split_into_parts_read_back_in_order() {
        let all = entries(PART + 7);
        let parts = encode(&all);
        assert_eq!(parts.len(), 2);
        assert_eq!(decode(&parts).unwrap(), all);
    }

    #[test]
    fn a_damaged_part_is_named_not_read_as_fewer_firms() {
        let mut parts = encode(&entries(10));
        parts.push(parts[0][..parts[0].len() / 2].to_vec());
        assert!(matches!(decode(&parts), Err(SnapshotError::Unreadable { part: 1, .. })));
        let negative = rmp_serde::to_vec(&vec![Row { liabilities: -1, ..Row::of(&entries(1)[0]) }]).unwrap();
        let failed = decode(&[negative]).unwrap_err().to_string();
        assert!(failed.contains("part 0") && failed.contains("firm 1"), "{failed}");
    }
}
