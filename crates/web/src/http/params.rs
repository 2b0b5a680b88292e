//! Parameter values read from text (a query string's, a form's), each error naming its parameter: the
//! shared parsers of the typed query structs (see [`crate::http::query`]).
//!
//! Lists may be given by repeating a key or separating values with commas (`，` too).

use crate::http::error::ApiError;
use finmart_domain::{ApplicationState, Bps, Fen, FieldError, Months, ValueError};
use finmart_store::{ApplicationFilter, ListCursor};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

/// How many items of a list (a match, candidates) are returned by default, and at most.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// A 400 naming `field`.
#[must_use]
pub fn field_error(field: &str, error: ValueError) -> ApiError {
    FieldError::new(field, error).into()
}

/// Every value of a list parameter (repeated, or comma-separated), parsed.
///
/// # Errors
/// 400 naming `field` for the first value that does not parse.
pub fn list<T>(
    values: &[String],
    field: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Result<Vec<T>, ApiError> {
    values
        .iter()
        .flat_map(|v| v.split([',', '，']))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).map_err(|e| field_error(field, e)))
        .collect()
}

/// A whole number within `min..=max`.
///
/// # Errors
/// 400 naming `field`: not a number, negative, or out of range.
pub fn number(text: &str, field: &str, min: usize, max: usize) -> Result<usize, ApiError> {
    let n: usize = text.trim().parse().map_err(|_| {
        let error = if text.trim().starts_with('-') {
            ValueError::Negative
        } else {
            ValueError::NotANumber(text.chars().take(20).collect())
        };
        field_error(field, error)
    })?;
    if n < min {
        return Err(field_error(field, ValueError::TooSmall { min: min.to_string() }));
    }
    if n > max {
        return Err(field_error(field, ValueError::TooLarge { max: max.to_string() }));
    }
    Ok(n)
}

/// `true`/`1`/`on` or `false`/`0`/`off` (empty is false).
///
/// # Errors
/// 400 naming `field` for anything else.
pub fn flag(text: &str, field: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "" | "false" | "0" | "off" => Ok(false),
        "true" | "1" | "on" => Ok(true),
        other => Err(field_error(
            field,
            ValueError::Invalid(format!("应为 true 或 false，实际为“{}”", other.chars().take(20).collect::<String>())),
        )),
    }
}

/// A list's length, 1–[`MAX_LIMIT`] ([`DEFAULT_LIMIT`] when not given).
///
/// # Errors
/// 400 naming `limit`.
pub fn limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(ApiError::invalid("limit", &ValueError::TooSmall { min: "1".to_owned() })),
        Some(n) if n > MAX_LIMIT => {
            Err(ApiError::invalid("limit", &ValueError::TooLarge { max: MAX_LIMIT.to_string() }))
        }
        Some(n) => Ok(n),
    }
}

/// A value of a vocabulary (machine name or Chinese label).
///
/// # Errors
/// 400 naming `field`.
pub fn one_of<T: finmart_domain::Labelled>(field: &str, text: &str) -> Result<T, ApiError> {
    T::parse(text.trim()).map_err(|e| field_error(field, e.into()))
}

/// A day in a query string: `YYYY-MM-DD` exactly (a form's date as people type it is
/// [`crate::http::format::parse_date`]; a query string is written by a program or a date input).
///
/// # Errors
/// 400 naming `field`.
pub fn date(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        let given: String = text.chars().take(20).collect();
        invalid(field, &format!("应为 YYYY-MM-DD 格式的日期（上海时间），实际为“{given}”"))
    })
}

/// A 400 naming `field`, with the reason in Chinese.
#[must_use]
pub fn invalid(field: &str, reason: &str) -> ApiError {
    field_error(field, ValueError::Invalid(reason.to_owned()))
}

/// A positive id.
///
/// # Errors
/// 400 naming `field`.
pub fn id(field: &str, text: &str) -> Result<i64, ApiError> {
    crate::http::extract::parse_id(field, text.trim())
}

/// The filter of an applications list (the API's, the pages', the dashboards' lists and exports).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListParams {
    /// `submitted`, `accepted`, `approved`, `rejected`, `disbursed` or `withdrawn`.
    pub state: Option<String>,
    /// Product id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub product: Option<String>,
    /// Submitted on or after this day (YYYY-MM-DD, Asia/Shanghai).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Submitted on or before this day.
    #[param(format = Date)]
    pub to: Option<String>,
    /// Only those without a first response in time.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// 1–1000 (default 200).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// The next page: the rows after `{submitted_at as Unix microseconds}.{id}` of the previous page's last
    /// row (lists are newest first).
    pub after: Option<String>,
}

impl ApplicationListParams {
    /// The store's filter.
    ///
    /// # Errors
    /// 400 naming the first bad parameter.
    pub fn filter(&self) -> Result<ApplicationFilter, ApiError> {
        let mut filter = ApplicationFilter::default();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        if let Some(v) = given(&self.state) {
            filter.state = Some(one_of::<ApplicationState>("state", &v)?);
        }
        if let Some(v) = given(&self.product) {
            filter.product_id = Some(id("product", &v)?);
        }
        filter.from = given(&self.from).map(|v| date("from", &v)).transpose()?;
        filter.to = given(&self.to).map(|v| date("to", &v)).transpose()?;
        filter.overdue_only = given(&self.overdue).map(|v| flag(&v, "overdue")).transpose()?.unwrap_or(false);
        if let Some(v) = given(&self.limit) {
            filter.limit = v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| field_error("limit", ValueError::Invalid("应为 1–1000 的整数".to_owned())))?;
        }
        if let Some(v) = given(&self.after) {
            filter.after = Some(ListCursor::parse(&v).ok_or_else(|| {
                field_error(
                    "after",
                    ValueError::Invalid("应为上一页末行的游标：提交时间（Unix 微秒）.申请编号".to_owned()),
                )
            })?);
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(field_error("from", ValueError::InvertedRange { min: from.to_string(), max: to.to_string() }));
        }
        Ok(filter)
    }
}

/// A JSON value's text: a string as given, a number as written.
fn text_of(v: &Value) -> Result<String, ValueError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ValueError::Invalid(format!(
            "应为数字或文本，实际为 {}",
            v.to_string().chars().take(20).collect::<String>()
        ))),
    }
}

/// An amount in yuan from JSON (`500000`, `"50万"`); zero is refused.
///
/// # Errors
/// Empty, not an amount, or zero.
pub fn amount_of(v: &Value) -> Result<Fen, ValueError> {
    let text = text_of(v)?;
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    let amount = Fen::parse_yuan(&text)?;
    if amount == Fen::ZERO {
        return Err(ValueError::TooSmall { min: "0.01 元".to_owned() });
    }
    Ok(amount)
}

/// A term in months from JSON (`12`, `"3年"`).
///
/// # Errors
/// Not a term.
pub fn term_of(v: &Value) -> Result<Months, ValueError> {
    Months::parse(&text_of(v)?)
}

/// An annual rate in percent from JSON (`3.85`, `"3.85%"`).
///
/// # Errors
/// Empty or not a rate.
pub fn rate_of(v: &Value) -> Result<Bps, ValueError> {
    let text = text_of(v)?;
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    Bps::parse_percent(&text)
}
