//! `GET /api/v1/compare`: products side by side, for anyone (a signed-in firm also gets its standing and its
//! own subsidies).

use super::{Asked, Comparison, compare, ids_error, parse_ids};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Query;
use crate::http::params::{field_error, flag};
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use finmart_domain::{Fen, Months, ValueError};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(compare_products))
}

/// The comparison's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CompareParams {
    /// One to four product ids, comma-separated (`1,2,3`).
    #[param(value_type = String, example = "1,2,3")]
    ids: Option<String>,
    /// The amount to price, in yuan (`500000`, `50万`); default: a signed-in firm's newest open need, else
    /// 100 万元.
    amount: Option<String>,
    /// The term to price, in months (`12`, `3年`); default: the firm's need, else 12.
    term: Option<String>,
    /// The reader says it is 小型 or 微型 and takes the subsidies the table gives such a firm (ignored for a
    /// signed-in firm, whose profile decides).
    #[param(value_type = Option<bool>)]
    subsidised: Option<String>,
}

impl CompareParams {
    fn asked(&self) -> Result<Asked, ApiError> {
        let ids = parse_ids(self.ids.as_deref().unwrap_or(""))?;
        if ids.is_empty() {
            return Err(ids_error(
                "请给出 1 至 4 个产品编号，如 ids=1,2,3".to_owned(),
                "give one to four product ids, such as ids=1,2,3".to_owned(),
            ));
        }
        let amount = match self.amount.as_deref() {
            Some(text) => {
                let amount = Fen::parse_yuan(text).map_err(|e| field_error("amount", e))?;
                if amount == Fen::ZERO {
                    return Err(field_error("amount", ValueError::TooSmall { min: "0.01".to_owned() }));
                }
                Some(amount)
            }
            None => None,
        };
        let term = self.term.as_deref().map(|t| Months::parse(t).map_err(|e| field_error("term", e))).transpose()?;
        let subsidised = self.subsidised.as_deref().map(|v| flag(v, "subsidised")).transpose()?.unwrap_or(false);
        Ok(Asked { ids, amount, term, subsidised })
    }
}

/// Up to four published products side by side: amount, term, rate as stated with its annual equivalent,
/// the comprehensive cost of one loan (the loan calculator's figures, cheapest repayment method), collateral,
/// conditions, decision time and policy support, with the rows that differ and the best value of the rows
/// where best is well defined (highest amount, lowest cost, fastest decision). For a signed-in firm the loan
/// defaults to its newest open need, subsidies follow its profile, and each product carries its standing.
/// Ids naming no published product are listed under `unavailable`.
#[utoipa::path(
    get,
    path = "/api/v1/compare",
    params(CompareParams),
    responses(
        (status = 200, body = Comparison),
        (status = 400, description = "No ids, more than four, an id that is not a number, or a bad amount or term", body = ErrorBody),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn compare_products(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<CompareParams>,
) -> Result<Json<Comparison>, ApiError> {
    Ok(Json(compare(&state, &caller, &params.asked()?).await?))
}
