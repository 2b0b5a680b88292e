//! The one place an `application_event` row is made: the step itself plus what the uptake figures need
//! to know about its application, copied from the application row as it stands after the step.
//!
//! The figures ([`crate::stats`]) group and sum events by product, district, industry, scale,
//! qualifications and so on; reading those from `application` would cost one random read per event, which
//! at millions of applications is seconds per dashboard. Events are never updated, and each copies the
//! application as it was when the event happened, which is what a figure for that day should count.
//! Migration 5 filled the same columns for the events written before them, with the same arithmetic.

use crate::entity::{application, application_event};
use chrono::{DateTime, Utc};
use finmart_domain::{ApplicationState, Labelled, Side};
use sea_orm::Set;

/// One step of an application, as an event records it.
pub(crate) struct Step {
    pub at: DateTime<Utc>,
    pub from: Option<ApplicationState>,
    pub to: ApplicationState,
    pub account_id: Option<i64>,
    pub side: Side,
    pub note: String,
    /// What it adds to the figures.
    pub figures: Figures,
}

/// What an event adds to the uptake figures besides the application's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Figures {
    /// How many of its kind it counts: 1 for a step, 0 or −1 for a correction.
    pub counted: i16,
    /// The amount paid out (a payment), or the change a correction makes to it.
    pub disbursed_fen: Option<i64>,
    /// The guarantee fee it earns, or the change a correction makes to it.
    pub fee_fen: Option<i64>,
    /// Seconds since submission, when not the event's own: a correction counts where its payment did.
    pub elapsed_seconds: Option<i64>,
}

impl Figures {
    /// A step that counts once and pays nothing out.
    pub const STEP: Self = Self { counted: 1, disbursed_fen: None, fee_fen: None, elapsed_seconds: None };

    /// A payment of `amount_fen` over `term_months` of application `app`.
    pub fn payment(app: &application::Model, amount_fen: i64, term_months: i32) -> Self {
        Self::paid(amount_fen, term_months, app.guarantee_fee_bps)
    }

    /// A payment of `amount_fen` over `term_months` on a guarantee fee of `fee_bps` a year (none: no fee).
    pub fn paid(amount_fen: i64, term_months: i32, fee_bps: Option<i32>) -> Self {
        Self {
            counted: 1,
            disbursed_fen: Some(amount_fen),
            fee_fen: Some(guarantee_fee_fen(amount_fen, fee_bps.unwrap_or(0), term_months)),
            elapsed_seconds: None,
        }
    }

    /// The change correcting payment `old` (amount, term, seconds since submission) to `new` (none: reversed)
    /// makes, so that the old payment's figures and these add up to the new one's.
    pub fn correction(app: &application::Model, old: (i64, i32, Option<i64>), new: Option<(i64, i32)>) -> Self {
        let (old_amount, old_term, elapsed) = old;
        let (new_amount, new_fee) = new.map_or((0, 0), |(amount, term)| (amount, fee_of(app, amount, term)));
        Self {
            counted: if new.is_some() { 0 } else { -1 },
            disbursed_fen: Some(new_amount - old_amount),
            fee_fen: Some(new_fee - fee_of(app, old_amount, old_term)),
            elapsed_seconds: elapsed,
        }
    }

    /// The figures of a step to `to` that pays out what the row records (test fixtures that write rows
    /// whole).
    #[cfg(test)]
    pub fn as_recorded(app: &application::Model, to: ApplicationState) -> Self {
        match (to, app.disbursed_amount_fen) {
            (ApplicationState::Disbursed, Some(amount)) => {
                Self::payment(app, amount, app.disbursed_term_months.unwrap_or(0))
            }
            _ => Self::STEP,
        }
    }

    /// A step that the figures do not count (a correction of an approval's terms, the return to approved
    /// after the last payment is reversed).
    pub const UNCOUNTED: Self = Self { counted: 0, disbursed_fen: None, fee_fen: None, elapsed_seconds: None };
}

/// The guarantee fee a payment of application `app` earns (nothing on a product without a stated fee).
fn fee_of(app: &application::Model, amount_fen: i64, term_months: i32) -> i64 {
    guarantee_fee_fen(amount_fen, app.guarantee_fee_bps.unwrap_or(0), term_months)
}

/// How an event names the side that acted.
pub(crate) fn side_name(side: Side) -> &'static str {
    match side {
        Side::Institution => "institution",
        Side::Enterprise => "enterprise",
    }
}

/// The guarantee fee a loan earns over its term: `amount × rate × months / 12`, with the rate in basis
/// points, rounded down to the fen.
#[must_use]
pub fn guarantee_fee_fen(amount_fen: i64, fee_bps: i32, term_months: i32) -> i64 {
    let fee = i128::from(amount_fen) * i128::from(fee_bps) * i128::from(term_months) / 120_000;
    i64::try_from(fee).unwrap_or(i64::MAX)
}

/// The event row of `step` of application `app` (its row after the step).
pub(crate) fn event_row(app: &application::Model, step: Step) -> application_event::ActiveModel {
    let figures = step.figures;
    let elapsed = figures.elapsed_seconds.unwrap_or_else(|| (step.at - app.submitted_at).num_seconds().max(0));
    let reason = if step.to == ApplicationState::Rejected { app.reason.clone() } else { None };
    application_event::ActiveModel {
        application_id: Set(app.id),
        institution_id: Set(app.institution_id),
        guarantee_agency_id: Set(app.guarantee_agency_id),
        at: Set(step.at),
        from_state: Set(step.from.map(|s| s.as_str().to_owned())),
        to_state: Set(step.to.as_str().to_owned()),
        account_id: Set(step.account_id),
        side: Set(side_name(step.side).to_owned()),
        note: Set(step.note),
        product_id: Set(Some(app.product_id)),
        family: Set(Some(app.family.clone())),
        district: Set(Some(app.district.clone())),
        industry: Set(Some(app.industry.clone())),
        scale: Set(app.scale.clone()),
        qualifications: Set(Some(app.qualifications.clone())),
        first_loan: Set(Some(app.first_loan)),
        credit_loan: Set(Some(app.credit_loan)),
        applied_fen: Set(Some(app.amount_fen)),
        elapsed_seconds: Set(Some(elapsed)),
        disbursed_fen: Set(figures.disbursed_fen),
        guarantee_fee_fen: Set(figures.fee_fen),
        reason: Set(reason),
        counted: Set(figures.counted),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::guarantee_fee_fen;

    #[test]
    fn fee_is_rate_times_months_over_twelve_rounded_down() {
        // 1 % a year of 80 万 for 12 months.
        assert_eq!(guarantee_fee_fen(80_000_000, 100, 12), 800_000);
        // 1.5 % of 10,000.01 元 for 7 months = 8,750.00875 fen.
        assert_eq!(guarantee_fee_fen(1_000_001, 150, 7), 8_750);
        assert_eq!(guarantee_fee_fen(1_000_000, 0, 12), 0);
        // The largest loans do not overflow.
        assert_eq!(guarantee_fee_fen(i64::MAX / 2, 10_000, 360), i64::MAX);
    }
}
