//! The pool's firms as columns, one vector per fact, so that checking one product against a million firms
//! streams only the facts its rules name (a product states a few rules; a firm's whole record is over 100
//! bytes, its revenue 8), and scoring the firms that fit reads only the facts the score needs.
//!
//! The rejection here makes the same decisions as [`crate::CompiledProduct::check_firm`], the one place
//! that decides, rule by rule (see [`Columns::reject`] and [`Columns::verdict`]); debug builds check every
//! firm that gets through against it, and the pool's tests compare whole answers with it.

use crate::checks::{CheckKind, Checks};
use crate::compiled::CompiledProduct;
use crate::facts::FirmFacts;
use finmart_domain::DebtRatio;
use std::collections::HashMap;

/// Declares the columns once: the row type, the column vectors and their edits.
macro_rules! columns {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// One firm's values, as the columns hold them.
        #[derive(Debug, Clone, Copy)]
        struct Row { $($field: $ty,)* }

        /// The firms' values, one vector per fact, in the pool's order (by id).
        #[derive(Debug, Clone, Default)]
        pub(super) struct Columns {
            $(pub(super) $field: Vec<$ty>,)*
            /// The distinct district code triples ([`FirmFacts::district`]); `place` indexes them, so an
            /// area is decided once per triple (a few hundred), not once per firm.
            places: Vec<[u32; 3]>,
            place_index: HashMap<[u32; 3], u32>,
        }

        impl Columns {
            fn push_row(&mut self, r: Row) { $(self.$field.push(r.$field);)* }
            fn insert_row(&mut self, i: usize, r: Row) { $(self.$field.insert(i, r.$field);)* }
            fn set_row(&mut self, i: usize, r: Row) { $(self.$field[i] = r.$field;)* }
            pub(super) fn remove(&mut self, i: usize) { $(self.$field.remove(i);)* }
        }
    };
}

columns! {
    id: i64,
    open: bool,
    place: u32,
    unknown: u32,
    years: u16,
    revenue: i64,
    employees: u32,
    scale: u32,
    tax_grade: u8,
    tax_paid: i64,
    qualifications: u32,
    industry: u32,
    sectors: u32,
    patents: u32,
    trademarks: u32,
    flags: u8,
    months_since_overdue: u16,
    collateral: u32,
    debt_ratio: DebtRatio,
    verified: u32,
    verified_qualifications: u32,
}

const PROCUREMENT: u8 = 1;
const CORE_RECEIVABLES: u8 = 2;
const EVER_BORROWED: u8 = 4;

/// How many firms one step of the pass takes: their survivor flags stay in the first-level cache.
pub(super) const CHUNK: usize = 1024;

impl Columns {
    fn row(&mut self, id: i64, f: &FirmFacts, open: bool) -> Row {
        let next = u32::try_from(self.places.len()).unwrap_or(u32::MAX);
        let place = *self.place_index.entry(f.district).or_insert(next);
        if place == next {
            self.places.push(f.district);
        }
        Row {
            id,
            open,
            place,
            unknown: f.unknown.0,
            years: f.years,
            revenue: f.revenue,
            employees: f.employees,
            scale: f.scale,
            tax_grade: f.tax_grade,
            tax_paid: f.tax_paid,
            qualifications: f.qualifications,
            industry: f.industry,
            sectors: f.sectors,
            patents: f.invention_patents,
            trademarks: f.trademarks,
            flags: (u8::from(f.procurement) * PROCUREMENT)
                | (u8::from(f.core_receivables) * CORE_RECEIVABLES)
                | (u8::from(f.ever_borrowed) * EVER_BORROWED),
            months_since_overdue: f.months_since_overdue,
            collateral: f.collateral,
            debt_ratio: f.debt_ratio,
            verified: f.verified.0,
            verified_qualifications: f.verified_qualifications,
        }
    }

    /// The facts of the firm at `i`, whole again.
    pub(super) fn facts(&self, i: usize) -> FirmFacts {
        FirmFacts {
            district: self.places.get(self.place[i] as usize).copied().unwrap_or_default(),
            industry: self.industry[i],
            scale: self.scale[i],
            qualifications: self.qualifications[i],
            sectors: self.sectors[i],
            collateral: self.collateral[i],
            unknown: Checks(self.unknown[i]),
            years: self.years[i],
            tax_grade: self.tax_grade[i],
            procurement: self.flags[i] & PROCUREMENT != 0,
            core_receivables: self.flags[i] & CORE_RECEIVABLES != 0,
            ever_borrowed: self.flags[i] & EVER_BORROWED != 0,
            months_since_overdue: self.months_since_overdue[i],
            employees: self.employees[i],
            invention_patents: self.patents[i],
            trademarks: self.trademarks[i],
            debt_ratio: self.debt_ratio[i],
            revenue: self.revenue[i],
            tax_paid: self.tax_paid[i],
            verified: Checks(self.verified[i]),
            verified_qualifications: self.verified_qualifications[i],
        }
    }

    /// How many firms.
    pub(super) fn len(&self) -> usize {
        self.id.len()
    }

    /// For a firm [`Self::reject`] let through: whether it fails the product (only the debt-ratio cap is
    /// left to decide) and the rules it has not given the figures for, as `check_firm` decides them (a rule
    /// required verified is never missing for it: `reject` let it through, so a current fact backs it).
    pub(super) fn verdict(&self, p: &CompiledProduct, i: usize) -> (bool, Checks) {
        let unknown = self.unknown[i];
        let missing = Checks(p.rules.0 & unknown);
        let failed = p
            .max_debt_ratio
            .is_some_and(|cap| unknown & CheckKind::MaxDebtRatio.bit() == 0 && self.debt_ratio[i].exceeds(cap));
        (failed, missing)
    }

    pub(super) fn push(&mut self, id: i64, f: &FirmFacts, open: bool) {
        let r = self.row(id, f, open);
        self.push_row(r);
    }

    pub(super) fn insert(&mut self, i: usize, id: i64, f: &FirmFacts, open: bool) {
        let r = self.row(id, f, open);
        self.insert_row(i, r);
    }

    pub(super) fn set(&mut self, i: usize, id: i64, f: &FirmFacts, open: bool) {
        let r = self.row(id, f, open);
        self.set_row(i, r);
    }

    /// Whether a product's area leaves out the firms of each place (fails the district check): decided
    /// once per distinct place for the whole pass.
    pub(super) fn places_outside(&self, product: &CompiledProduct) -> Vec<bool> {
        self.places.iter().map(|codes| product.area.covers(codes) == Some(false)).collect()
    }

    /// Marks in `alive` (one flag per firm from `start`) the firms that `visible` lets through and that the
    /// product's area serves or leaves unstated; returns how many were visible.
    pub(super) fn visible(
        &self,
        start: usize,
        alive: &mut [bool],
        outside: &[bool],
        visible: &impl Fn(i64, bool) -> bool,
    ) -> usize {
        let end = start + alive.len();
        let mut seen = 0;
        for ((a, (id, open)), place) in
            alive.iter_mut().zip(self.id[start..end].iter().zip(&self.open[start..end])).zip(&self.place[start..end])
        {
            let v = visible(*id, *open);
            seen += usize::from(v);
            *a = v && !outside.get(*place as usize).copied().unwrap_or(false);
        }
        seen
    }

    /// Clears in `alive` the firms that fail one of the product's stated rules on a figure they gave, and
    /// those without a current verified fact for a rule the product requires verified. A rule the product
    /// states fails a firm exactly when its comparison fails and the firm gave the figure
    /// ([`CompiledProduct::check_firm`]: `failed & !missing`, `missing = rules & unknown`); a rule it does
    /// not state holds a bound nothing fails (no fact is negative), so it is not compared. The figures are
    /// the firm's effective ones (current verified facts over declarations), as the pool was given them.
    /// The debt-ratio cap, rarer and dearer, is left to [`Self::verdict`].
    pub(super) fn reject(&self, p: &CompiledProduct, start: usize, alive: &mut [bool]) {
        use CheckKind as K;
        let end = start + alive.len();
        let unknown = &self.unknown[start..end];
        for kind in p.rules.iter() {
            let bit = kind.bit();
            match kind {
                K::MinYearsInOperation => fail_where(alive, &self.years[start..end], unknown, bit, |v| v < p.min_years),
                K::Revenue => {
                    fail_where(alive, &self.revenue[start..end], unknown, bit, |v| v < p.revenue.0 || v > p.revenue.1)
                }
                K::Employees => fail_where(alive, &self.employees[start..end], unknown, bit, |v| {
                    v < p.employees.0 || v > p.employees.1
                }),
                K::Scales => {
                    fail_where(alive, &self.scale[start..end], unknown, bit, |v| p.scales != 0 && p.scales & v == 0)
                }
                K::MinTaxCreditGrade => {
                    fail_where(alive, &self.tax_grade[start..end], unknown, bit, |v| v > p.min_tax_grade);
                }
                K::TaxPaid => fail_where(alive, &self.tax_paid[start..end], unknown, bit, |v| {
                    v < p.tax_paid.0 || v > p.tax_paid.1
                }),
                K::QualificationsAny => fail_where(alive, &self.qualifications[start..end], unknown, bit, |v| {
                    p.qualifications_any != 0 && v & p.qualifications_any == 0
                }),
                K::QualificationsAll => fail_where(alive, &self.qualifications[start..end], unknown, bit, |v| {
                    v & p.qualifications_all != p.qualifications_all
                }),
                K::IndustriesAllowed => fail_where(alive, &self.industry[start..end], unknown, bit, |v| {
                    p.industries_allowed != 0 && v & p.industries_allowed == 0
                }),
                K::IndustriesExcluded => {
                    fail_where(alive, &self.industry[start..end], unknown, bit, |v| v & p.industries_excluded != 0);
                }
                K::SectorsAny => fail_where(alive, &self.sectors[start..end], unknown, bit, |v| {
                    p.sectors_any != 0 && v & p.sectors_any == 0
                }),
                K::MinInventionPatents => {
                    fail_where(alive, &self.patents[start..end], unknown, bit, |v| v < p.min_patents);
                }
                K::MinTrademarks => {
                    fail_where(alive, &self.trademarks[start..end], unknown, bit, |v| v < p.min_trademarks)
                }
                K::GovProcurementContract => {
                    fail_where(alive, &self.flags[start..end], unknown, bit, |v| p.procurement && v & PROCUREMENT == 0)
                }
                K::CoreEnterpriseReceivables => fail_where(alive, &self.flags[start..end], unknown, bit, |v| {
                    p.core_receivables && v & CORE_RECEIVABLES == 0
                }),
                K::FirstLoanOnly => fail_where(alive, &self.flags[start..end], unknown, bit, |v| {
                    p.first_loan_only && v & EVER_BORROWED != 0
                }),
                K::NoOverdueMonths => {
                    fail_where(alive, &self.months_since_overdue[start..end], unknown, bit, |v| v < p.no_overdue_months)
                }
                // The cap compares two totals ([`DebtRatio::exceeds`]): decided by `verdict` for the firms left.
                // The lender's own words fail no firm; the need's checks are not made without a need.
                K::MaxDebtRatio
                | K::OtherConditions
                | K::District
                | K::Amount
                | K::Term
                | K::Collateral
                | K::Guarantee
                | K::MaxCost
                | K::Speed => {}
            }
        }
        // A rule required verified fails a firm no current fact backs it for, whatever it declares
        // ([`CompiledProduct::unverified`], which `check_firm` adds to the failures).
        if !p.requires_verified.is_empty() {
            let verified = self.verified[start..end].iter().zip(&self.verified_qualifications[start..end]);
            for (a, (v, q)) in alive.iter_mut().zip(verified) {
                *a &= p.unverified_of(Checks(*v), *q).is_empty();
            }
        }
    }
}

/// Clears `alive` where `fails` holds of the value and the firm gave it (its bit is not in `unknown`):
/// one tight loop per rule over one column, which the compiler vectorises.
#[inline]
fn fail_where<T: Copy>(alive: &mut [bool], values: &[T], unknown: &[u32], bit: u32, fails: impl Fn(T) -> bool) {
    for ((a, v), u) in alive.iter_mut().zip(values).zip(unknown) {
        *a &= !fails(*v) || *u & bit != 0;
    }
}
