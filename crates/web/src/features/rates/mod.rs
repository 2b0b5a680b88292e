//! Reference rates (参考利率): the loan prime rates and the PBOC benchmark lending rates that LPR and
//! benchmark-priced products follow. Anyone may read the current ones (`GET /api/v1/reference-rates`); the
//! operator enters each new publication, or corrects a day's value, on `/admin/rates` and by
//! `POST /api/v1/reference-rates`, and reads the whole history (`GET /api/v1/reference-rates/history`).
//!
//! The rules of a publication are the domain's (`PublicationInput::check`), applied by the store, which also
//! refuses a day already entered unless the publication is a correction, audits the act and re-announces
//! the products priced on the rate, so search and matching on every server follow within a second.

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::format::{Label, shanghai};
use crate::http::state::AppState;
use crate::http::views::ReferenceView;
use crate::template;
use finmart_domain::{Labelled, Principal, PublicationInput, ReferenceKind, ReferenceRates};
use finmart_store::{ReferenceRateEntry, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The reference-rates feature: its public and operator API, its page and template.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "reference-rates",
        api: api::router(),
        public_api: api::public_router(),
        pages: pages::router(),
        templates: &[template!("admin_rates.html")],
    }
}

/// The current publication of each kind, in the vocabulary's order (a kind never entered is left out).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrentRates {
    /// What LPR and benchmark-priced products are priced by today.
    pub rates: Vec<ReferenceView>,
}

impl From<&ReferenceRates> for CurrentRates {
    fn from(refs: &ReferenceRates) -> Self {
        Self { rates: refs.all().iter().map(ReferenceView::from).collect() }
    }
}

/// One entered publication with its history, as the operator sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferenceRateEntryView {
    pub id: i64,
    #[serde(flatten)]
    pub publication: ReferenceView,
    /// 0 for the publication, 1, 2… for corrections of the same kind and day.
    pub revision: i32,
    pub source: String,
    /// Who entered it: the operator's name, `finmart rates set`, or the initial data.
    pub entered_by: String,
    /// When, Asia/Shanghai.
    pub entered_at: String,
    /// Products of its kind are priced by it now.
    pub current: bool,
    /// A later correction of the same kind and day replaced it.
    pub corrected: bool,
}

impl From<&ReferenceRateEntry> for ReferenceRateEntryView {
    fn from(e: &ReferenceRateEntry) -> Self {
        Self {
            id: e.id,
            publication: ReferenceView::from(&e.publication),
            revision: e.revision,
            source: e.source.clone(),
            entered_by: e.entered_by.clone(),
            entered_at: shanghai(e.entered_at),
            current: e.current,
            corrected: e.corrected,
        }
    }
}

/// A new publication of a reference rate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPublicationBody {
    /// `lpr_1y`, `lpr_5y`, `benchmark_1y` (up to 1 year), `benchmark_1_5y` (1–5 years),
    /// `benchmark_5y_plus` (over 5 years), or the Chinese label.
    pub kind: String,
    /// The rate in percent, 0–100 with at most two decimals: `3.0`, `3.45`.
    pub percent: String,
    /// `YYYY-MM-DD`: the day it was published (for a benchmark rate, the day it took effect); not after today
    /// in Asia/Shanghai.
    pub published_on: String,
    /// Where it was read (optional, at most 200 characters).
    #[serde(default)]
    pub source: String,
    /// A correction of the value already entered for this kind and day (otherwise such a day is refused
    /// with 409). Both stay in the history; the correction counts.
    #[serde(default)]
    pub correction: bool,
}

/// The kinds as choices for the form.
fn kind_options() -> Vec<Label> {
    Label::all(ReferenceKind::ALL)
}

/// Enters a publication (the operator's act). A day already entered, or a correction of a day not entered,
/// is a conflict about the day: answered as such, naming `published_on`.
///
/// # Errors
/// 400 naming every bad field, 409 for the day.
async fn publish(
    state: &AppState,
    caller: &Caller,
    operator: &Principal,
    body: &NewPublicationBody,
) -> Result<ReferenceRateEntry, ApiError> {
    let input = PublicationInput {
        kind: &body.kind,
        percent: &body.percent,
        published_on: &body.published_on,
        source: &body.source,
        correction: body.correction,
    };
    let event = caller.audit(operator, "reference_rate.publish");
    match state.store.publish_reference_rate(&input, &operator.display_name, event).await {
        Ok(entry) => Ok(entry),
        Err(e @ (StoreError::PublicationExists { .. } | StoreError::NothingToCorrect { .. })) => {
            let mut answer = ApiError::from(e);
            answer.body.field = Some("published_on".to_owned());
            Err(answer)
        }
        Err(e) => Err(e.into()),
    }
}
