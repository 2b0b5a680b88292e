//! The figures' JSON API (`GET /api/v1/stats/uptake`) and the exports of the dashboards' tables
//! (`GET /api/v1/stats/uptake/export`).

use super::figures::{self, UptakeParams, UptakeView};
use super::tables::{self, TableName};
use super::{EXPORT_ROWS, applications_in, watch};
use crate::http::auth::{Auth, require};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::export::{self, Format};
use crate::http::extract::Query;
use crate::http::params::{ApplicationListParams, invalid};
use crate::http::query::{self, Unknown};
use crate::http::state::{AppState, today};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::NaiveDate;
use finmart_domain::Role;
use finmart_store::stats::Scope;
use finmart_store::{ListCursor, MAX_LIST_ROWS};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(uptake)).routes(routes!(export_table))
}

/// Uptake figures: counts and amounts of applications, acceptances, approvals, rejections (by reason),
/// disbursements and withdrawals in a period (Asia/Shanghai days), the guaranteed amount and guarantee fees,
/// the approval rate, median and 90th-percentile days to decision and to disbursement, a series by day,
/// week or month, breakdowns by product, lender, district, industry, scale, qualification and family, and
/// the shares of first loans and credit loans. Agencies see the products they guarantee, institutions their
/// own, the operator the market (or `agency=` / `lender=`).
#[utoipa::path(
    get,
    path = "/api/v1/stats/uptake",
    params(UptakeParams),
    responses(
        (status = 200, body = UptakeView),
        (status = 403, description = "SME users have no figures", body = ErrorBody),
        (status = 404, description = "No such agency or lender", body = ErrorBody),
    )
)]
async fn uptake(
    State(state): State<AppState>,
    Auth(p): Auth,
    Query(params): Query<UptakeParams>,
) -> Result<Json<UptakeView>, ApiError> {
    let parsed = figures::parse(&state, &p, &params).await?;
    Ok(Json(figures::compute(&state, &parsed).await?))
}

/// The export's parameters: the table and its format, and the figures' parameters (or the application
/// list's filters).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// `totals`, `series`, `rejections`, `by_product`, `by_institution`, `by_district`, `by_industry`,
    /// `by_scale`, `by_qualification`, `by_family` or `applications`; the operator also `searches`, `unmet`,
    /// `breaches`, `stale` (the market watch, by `from` and `to` only)
    #[param(
        required,
        value_type = String,
        pattern = "^(totals|series|rejections|by_product|by_institution|by_district|by_industry|by_scale|by_qualification|by_family|applications|searches|unmet|breaches|stale)$"
    )]
    table: Option<String>,
    /// `csv` or `xlsx`
    #[param(required, value_type = String, pattern = "^(csv|xlsx)$")]
    format: Option<String>,
    /// First day, YYYY-MM-DD (figures: default 30 days before `to`; applications: submitted from)
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (figures: default today, Asia/Shanghai)
    #[param(format = Date)]
    to: Option<String>,
    /// Figures: `day`, `week` or `month`
    #[param(pattern = "^(day|week|month)$")]
    granularity: Option<String>,
    /// Operator only: one guarantee agency's products
    #[param(value_type = Option<i64>, minimum = 1)]
    agency: Option<String>,
    /// Operator only: one lender's products
    #[param(value_type = Option<i64>, minimum = 1)]
    lender: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    product: Option<String>,
    /// Figures: the lender
    #[param(value_type = Option<i64>, minimum = 1)]
    institution: Option<String>,
    district: Option<String>,
    industry: Option<String>,
    scale: Option<String>,
    family: Option<String>,
    /// Applications: the state
    state: Option<String>,
    /// The site's language choice, which links carry everywhere: accepted and ignored.
    #[param(ignore)]
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

impl ExportParams {
    /// The table and the format asked for.
    fn target(&self) -> Result<(TableName, Format), ApiError> {
        let table = self.table.as_deref().ok_or_else(|| invalid("table", "请指定要导出的表（table=）"))?;
        let table = TableName::parse(table).ok_or_else(|| {
            invalid("table", "须为 totals、series、rejections、by_product、by_institution、by_district、by_industry、by_scale、by_qualification、by_family、applications，或（运营方）searches、unmet、breaches、stale")
        })?;
        let format = self.format.as_deref().ok_or_else(|| invalid("format", "请指定格式（format=csv 或 xlsx）"))?;
        let format = Format::parse(format).ok_or_else(|| invalid("format", "须为 csv 或 xlsx"))?;
        Ok((table, format))
    }

    /// The names of the parameters given besides the table and the format.
    fn given(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("granularity", &self.granularity),
            ("agency", &self.agency),
            ("lender", &self.lender),
            ("product", &self.product),
            ("institution", &self.institution),
            ("district", &self.district),
            ("industry", &self.industry),
            ("scale", &self.scale),
            ("family", &self.family),
            ("state", &self.state),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
    }

    /// 400 naming the first parameter given that `table` does not take: the market watch's tables take a
    /// period, the application list its filters and the operator's scope, the figures' tables all the
    /// figures' parameters (only the list's `state` is not one of them).
    fn check(&self, table: TableName) -> Result<(), ApiError> {
        let takes: &[&str] = match table {
            TableName::Applications => &["state", "product", "from", "to", "agency", "lender"],
            t if TableName::WATCH.contains(&t) => &["from", "to"],
            _ if self.state.is_some() => return Err(invalid("state", "未知参数")),
            _ => return Ok(()),
        };
        match self.given().find(|k| !takes.contains(k)) {
            Some(k) => Err(invalid(k, &format!("未知参数，可用参数：table, format, {}", takes.join(", ")))),
            None => Ok(()),
        }
    }
}

/// Export one of the dashboard's tables as CSV (UTF-8 with BOM) or XLSX: the uptake figures' tables (the same
/// numbers as `GET /api/v1/stats/uptake` with the same parameters, Chinese headers, amounts in 万元 with two
/// decimals) or the underlying applications (`table=applications`, filtered by `state`, `product`, `from`,
/// `to` on the submission day; newest first, the whole list up to 100,000 rows). The scope follows the caller as for the figures.
/// The operator may also export the market watch's tables: the most searched words, the searches that found
/// nothing, response-deadline breaches per institution and stale listings.
#[utoipa::path(
    get,
    path = "/api/v1/stats/uptake/export",
    params(ExportParams),
    responses(
        (status = 200, description = "The file as an attachment: CSV (UTF-8 with BOM) or XLSX", content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 403, description = "SME users have no figures; the market watch is the operator's", body = ErrorBody),
        (status = 404, description = "No such agency or lender", body = ErrorBody),
    )
)]
async fn export_table(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    if p.role == Role::Sme {
        return Err(ApiError::forbidden());
    }
    let (table, format) = params.target()?;
    let watch = TableName::WATCH.contains(&table);
    if watch {
        require(&p, &[Role::Operator])?;
    }
    params.check(table)?;
    if table == TableName::Applications {
        // The caller's scope (the operator's `agency=` / `lender=` choice).
        let scope =
            UptakeParams { agency: params.agency.clone(), lender: params.lender.clone(), ..UptakeParams::default() };
        let scope = figures::parse(&state, &p, &scope).await?.query.scope;
        return export_applications(&state, scope, raw.as_deref(), format).await;
    }
    // The figures' parameters, read again from the query the extractor has checked (the table, the format
    // and the list's `state`, refused above, are left out).
    let parsed = figures::parse(&state, &p, &query::parse(raw.as_deref(), Unknown::Ignore)?).await?;
    let (from, to) = (parsed.query.from, parsed.query.to);
    let file = if watch {
        watch::table(&state, table, from, to).await?
    } else {
        tables::uptake(&figures::compute(&state, &parsed).await?, table)
    };
    let name = format!("finmart-{}-{from}-{to}", table.as_str());
    export::download(&file, format, &name, &format!("{}_{from}至{to}", table.title().0))
}

/// The applications of `scope` filtered by `state`, `product`, `from` and `to` (read from the query `raw`): the
/// whole list, up to [`EXPORT_ROWS`] rows.
async fn export_applications(
    state: &AppState,
    scope: Scope,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    // The whole filtered list, read a page at a time and turned into rows as it comes (the
    // applications carry their profiles; the rows are small).
    let mut filter = query::parse::<ApplicationListParams>(raw, Unknown::Ignore)?.filter()?;
    filter.limit = MAX_LIST_ROWS;
    let mut file = tables::applications(&[]);
    loop {
        let page = applications_in(state, scope, &filter).await?;
        filter.after = page.last().map(ListCursor::after);
        file.rows.extend(tables::applications(&page).rows);
        if (page.len() as u64) < MAX_LIST_ROWS || file.rows.len() >= EXPORT_ROWS {
            break;
        }
    }
    file.rows.truncate(EXPORT_ROWS);
    let day = |d: Option<NaiveDate>| d.map_or_else(String::new, |d| d.to_string());
    let period = match (filter.from, filter.to) {
        (None, None) => today().to_string(),
        (from, to) => format!("{}-{}", day(from), day(to)),
    };
    let title = TableName::Applications.title().0;
    export::download(&file, format, &format!("finmart-applications-{period}"), &format!("{title}_{period}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The table and format of an export query, and the rest of the query.
    fn export_params(raw: &str) -> Result<(TableName, Format, ExportParams), ApiError> {
        let params: ExportParams = query::parse(Some(raw), Unknown::Refuse)?;
        let (table, format) = params.target()?;
        Ok((table, format, params))
    }

    #[test]
    fn export_queries_name_their_table_and_format() {
        let (table, format, rest) = export_params("table=by_scale&format=xlsx&from=2026-01-01").unwrap();
        assert_eq!((table, format), (TableName::ByScale, Format::Xlsx));
        assert_eq!(rest.given().collect::<Vec<_>>(), ["from"]);
        let figures: UptakeParams = query::parse(Some("table=by_scale&from=2026-01-01"), Unknown::Ignore).unwrap();
        assert_eq!(figures.from.as_deref(), Some("2026-01-01"));
        assert_eq!(export_params("table=x&format=csv").unwrap_err().body.field.as_deref(), Some("table"));
        assert_eq!(export_params("table=totals&format=pdf").unwrap_err().body.field.as_deref(), Some("format"));
        assert_eq!(export_params("table=totals").unwrap_err().body.field.as_deref(), Some("format"));
    }
}
