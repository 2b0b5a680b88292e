//! 精准匹配: a firm's profile and need matched against every listed product, each verdict explained (the
//! `POST /api/v1/match` API and the `/match` page, whose result refreshes in place as one edits).

mod api;
mod pages;
mod views;

pub use views::{ListName, MatchDetails, MatchExplanation, MatchItem, MatchResponse, ProductRow, QuoteLine};

use crate::http::Feature;
use crate::http::error::ApiError;
use crate::http::state::today;
use crate::template;
use finmart_domain::{EnterpriseProfile, FieldError, FieldErrors, FinancingNeed};
use serde::Deserialize;
use utoipa::ToSchema;

/// The matching feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "matching",
        public_api: api::router(),
        pages: pages::router(),
        templates: &[template!("match.html"), template!("match_results.html")],
        ..Feature::default()
    }
}

/// `POST /api/v1/match`: a profile (or the id of a stored one) and a need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// The enterprise profile (amounts in fen). Give this or `profile_id`.
    #[schema(value_type = Option<crate::http::profile_schema::ProfileSchema>)]
    pub profile: Option<EnterpriseProfile>,
    /// The id of a stored profile. Give this or `profile`.
    pub profile_id: Option<i64>,
    /// The financing need (amount in fen, term in months).
    #[schema(value_type = crate::http::profile_schema::NeedSchema)]
    pub need: FinancingNeed,
    /// How many products to return in each list, 1–100 (default 20).
    pub limit: Option<usize>,
    /// `true`: every item also carries `details`, its whole explanation (as `POST /api/v1/match/explain`
    /// answers for one product). Default `false`: compact rows, a small first page.
    pub details: Option<bool>,
}

/// `POST /api/v1/match/explain`: the body of `POST /api/v1/match` (the same profile, need and list length
/// give the same lists) and the product to explain. The fields are spelled out rather than a flattened
/// [`MatchBody`]: serde refuses unknown fields only without `flatten`, and a misspelt field must be refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainBody {
    /// The enterprise profile (amounts in fen). Give this or `profile_id`.
    #[schema(value_type = Option<crate::http::profile_schema::ProfileSchema>)]
    pub profile: Option<EnterpriseProfile>,
    /// The id of a stored profile. Give this or `profile`.
    pub profile_id: Option<i64>,
    /// The financing need (amount in fen, term in months).
    #[schema(value_type = crate::http::profile_schema::NeedSchema)]
    pub need: FinancingNeed,
    /// The list length of the match the product was listed in, 1–100 (default 20).
    pub limit: Option<usize>,
    /// The product (required): one the match lists (in any of its lists).
    pub product_id: Option<i64>,
}

/// Checks a profile and need beyond their types, reporting every bad field with its path in the body.
///
/// # Errors
/// 400 listing every bad field.
fn validate(profile: &EnterpriseProfile, need: &FinancingNeed) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    for (section, checked) in [("profile", profile.validate(today())), ("need", need.validate())] {
        let bad = checked.err().map_or_else(Vec::new, |e| e.0);
        errors.0.extend(bad.into_iter().map(|f| FieldError { field: format!("{section}.{}", f.field), ..f }));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.into()) }
}
