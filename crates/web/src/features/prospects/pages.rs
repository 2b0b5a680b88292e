//! 客户发现 pages: `/bank/candidates` and `/bank/enterprises/{id}`.

use super::{CandidatesResponse, candidates, read_facts, read_profile, record_candidates};
use crate::http::auth::{Caller, LenderUser};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::forms::Form;
use crate::http::page::{Page, PageResult, object};
use crate::http::params::id as parse_id;
use crate::http::score::{component_rows, points, tenths};
use crate::http::state::{AppState, today};
use crate::http::views::profile_rows;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use finmart_domain::{Labelled, ValueError};
use finmart_matching::Outcome;
use serde_json::{Value, json};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/bank/candidates", get(candidates_page))
        .route("/bank/enterprises/{id}", get(enterprise_page))
        .route("/bank/enterprises/{id}/credit-summary", get(credit_summary_page))
}

fn candidates_view(found: &CandidatesResponse) -> Value {
    let rows: Vec<Value> = found
        .candidates
        .iter()
        .map(|c| {
            let components = serde_json::to_value(c.components).unwrap_or(Value::Null);
            let parts = component_rows(|key| {
                let v = tenths(components.get(key).and_then(Value::as_u64).unwrap_or(0));
                json!({"value": v, "width": v})
            });
            let reasons: Vec<Value> = c
                .findings
                .iter()
                .filter(|f| f.outcome == Outcome::Pass)
                .map(|f| json!({"label": f.label, "message": f.message, "actual": f.actual}))
                .collect();
            json!({
                "rank": c.rank, "score": points(c.score), "profile_id": c.profile_id,
                "name": c.name, "district": c.district, "industry": c.industry, "scale": c.scale,
                "qualifications": c.qualifications, "employees": c.employees, "revenue_text": c.revenue_text,
                "revenue_text_en": c.revenue_text_en,
                "parts": parts, "reasons": reasons, "facts": c.verified_facts,
            })
        })
        .collect();
    json!({
        "product": found.product, "pool": found.pool, "total": found.total, "needs_info": found.needs_info,
        "candidates": rows,
    })
}

async fn candidates_page(user: LenderUser, State(state): State<AppState>, caller: Caller, page: Page) -> PageResult {
    let day = today();
    let products: Vec<_> =
        state.store.published_products_of(user.1).await?.into_iter().filter(|p| p.is_listed_on(day)).collect();
    let query = Form::of_query(page.query());
    let chosen = query.get("product").filter(|v| !v.is_empty());
    let (mut status, mut error, mut result) = (StatusCode::OK, Value::Null, Value::Null);
    if let Some(text) = chosen {
        let found = async {
            let limit = query.get("limit").map(|v| {
                v.parse::<usize>()
                    .map_err(|_| ApiError::invalid("limit", &ValueError::NotANumber(v.chars().take(20).collect())))
            });
            let limit = crate::http::params::limit(limit.transpose()?)?;
            let id = parse_id("product", text)?;
            let product = products.iter().find(|p| p.id == id).ok_or_else(|| {
                ApiError::invalid("product", &ValueError::Invalid("请选择贵机构已上架的产品".to_owned()))
            })?;
            let found = candidates(&state, product, user.1, limit).await?;
            record_candidates(&state, &caller, &user, &found).await?;
            Ok::<_, ApiError>(found)
        }
        .await;
        match found {
            Ok(found) => result = candidates_view(&found),
            Err(e) if e.status == StatusCode::BAD_REQUEST => {
                status = e.status;
                error = page.pick(&e.body.message, &e.body.message_en).into();
            }
            Err(e) => return Err(e),
        }
    }
    let choices: Vec<Value> = products
        .iter()
        .map(|p| {
            json!({
                "id": p.id.to_string(), "name": p.spec.name,
                "family": p.spec.family.label_zh(), "family_en": p.spec.family.label_en(),
            })
        })
        .collect();
    let context = json!({
        "page": "bank_candidates", "products": choices, "chosen": chosen, "result": result, "error": error,
    });
    page.show_with(status, "bank_candidates.html", object(context))
}

async fn enterprise_page(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let query = Form::of_query(page.query());
    let view = read_profile(&state, &caller, &user, id, query.get("context").unwrap_or("profile")).await?;
    // The verified facts only while the firm's authorisation of them holds (and then the view is logged).
    let facts = match read_facts(&state, &caller, &user, id).await {
        Ok(facts) => Some(facts),
        Err(e) if e.status == StatusCode::NOT_FOUND => None,
        Err(e) => return Err(e),
    };
    let context = json!({
        "page": "bank_candidates", "firm": view, "rows": profile_rows(&view.profile, today(), &state.config.home_area),
        "back": query.get("back").filter(|b| b.starts_with("/bank/")), "facts": facts,
    });
    page.show("bank_candidates_profile.html", object(context))
}

/// `GET /bank/enterprises/{id}/credit-summary`: the firm's 授权查询版 credit summary, to print: every verified
/// fact with its source and dates, the declared fields checked against them, the authorisation it is read by,
/// who queried and when. The same 404 as the facts' read when no authorisation of the facts covers this
/// institution now; every opening is recorded in the firm's view log (`facts`).
async fn credit_summary_page(
    user: LenderUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
) -> PageResult {
    let facts = read_facts(&state, &caller, &user, id).await?;
    let queried_at = chrono::Utc::now();
    let institution = state.store.institution(user.1).await?.map(|i| i.name).unwrap_or_default();
    let query = Form::of_query(page.query());
    let fact_count = facts.report.fields.iter().filter(|r| r.fact.is_some()).count() + facts.report.other.len();
    let context = json!({
        "page": "bank_candidates", "facts": facts, "institution": institution, "fact_count": fact_count,
        "queried_at": queried_at.to_rfc3339(),
        "queried_at_text": queried_at.with_timezone(&finmart_domain::shanghai::offset()).format("%Y-%m-%d %H:%M:%S").to_string(),
        "back": query.get("back").filter(|b| b.starts_with("/bank/")),
    });
    page.show("bank_credit_summary.html", object(context))
}
