//! Search parameters from a query string, validated field by field, shared by the API and the pages.
//!
//! Lists may be given by repeating a key or separating values with commas. Values may be machine names or
//! Chinese labels. The first bad parameter is reported with its name; unknown parameters are refused by
//! the API (a typo should not silently widen a search) and ignored by the pages.

use crate::error::ApiError;
use crate::matching::CostQuery;
use finmart_catalogue::{CollateralFilter, SearchRequest, SortName};
use finmart_domain::{Bps, Collateral, District, Fen, FieldError, Labelled, Months, RepaymentMethod, ValueError};

/// The longest query text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The deepest page a search may ask for (a person never pages this far; a scraper should not).
pub const MAX_PAGE: usize = 500;
pub const MAX_PER_PAGE: usize = 100;
/// The longest raw query string read at all: anything longer is refused before parsing.
const MAX_RAW_QUERY_BYTES: usize = 8 * 1024;

/// The names of the search parameters.
pub const SEARCH_PARAMS: &[&str] = &[
    "q",
    "family",
    "institution",
    "district",
    "collateral",
    "amount",
    "term",
    "max_rate",
    "online",
    "policy",
    "sort",
    "page",
    "per_page",
];

fn field_error(field: &str, error: ValueError) -> ApiError {
    FieldError::new(field, error).into()
}

fn list<T>(values: &[&str], field: &str, parse: impl Fn(&str) -> Result<T, ValueError>) -> Result<Vec<T>, ApiError> {
    values
        .iter()
        .flat_map(|v| v.split([',', '，']))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).map_err(|e| field_error(field, e)))
        .collect()
}

fn number(text: &str, field: &str, min: usize, max: usize) -> Result<usize, ApiError> {
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

fn flag(text: &str, field: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "" | "false" | "0" | "off" => Ok(false),
        "true" | "1" | "on" => Ok(true),
        other => Err(field_error(
            field,
            ValueError::Invalid(format!("应为 true 或 false，实际为“{}”", other.chars().take(20).collect::<String>())),
        )),
    }
}

/// The decoded pairs of a raw query string, refusing one that is too long to be honest.
fn decode(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let raw = raw.unwrap_or("");
    if raw.len() > MAX_RAW_QUERY_BYTES {
        return Err(field_error("q", ValueError::TooLarge { max: format!("{MAX_RAW_QUERY_BYTES} 字节的查询串") }));
    }
    Ok(form_urlencoded::parse(raw.as_bytes()).into_owned().collect())
}

fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// The one value of `key`; an empty value is no value, and a repeated key is an error.
fn single<'a>(pairs: &'a [(String, String)], key: &str) -> Result<Option<&'a str>, ApiError> {
    match values(pairs, key).as_slice() {
        [] => Ok(None),
        [one] if one.trim().is_empty() => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(field_error(key, ValueError::Invalid("只能出现一次".to_owned()))),
    }
}

/// Refuses a parameter not in `known`: a typo should not silently change an answer.
fn reject_unknown(pairs: &[(String, String)], known: &[&str]) -> Result<(), ApiError> {
    match pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((unknown, _)) => {
            let name: String = unknown.chars().take(40).collect();
            Err(field_error(&name, ValueError::Invalid(format!("未知参数，可用参数：{}", known.join(", ")))))
        }
        None => Ok(()),
    }
}

/// Parses a search from a raw query string.
///
/// # Errors
/// 400 naming the first bad parameter.
pub fn parse_search(raw: Option<&str>, strict: bool) -> Result<SearchRequest, ApiError> {
    let pairs = decode(raw)?;
    let values = |key: &str| values(&pairs, key);
    let single = |key: &str| single(&pairs, key);
    if strict {
        reject_unknown(&pairs, SEARCH_PARAMS)?;
    }

    let mut req = SearchRequest::default();
    if let Some(q) = single("q")? {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(field_error("q", ValueError::TooLarge { max: format!("{MAX_QUERY_CHARS} 个字符") }));
        }
        req.text = q.trim().to_owned();
    }
    req.families = list(&values("family"), "family", |v| Ok(Labelled::parse(v)?))?;
    req.institutions = list(&values("institution"), "institution", |v| {
        v.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ValueError::NotANumber(v.chars().take(20).collect()))
    })?;
    req.districts = list(&values("district"), "district", |v| Ok(District::parse(v)?))?;
    let collateral = values("collateral");
    req.collateral = if collateral.iter().any(|v| matches!(v.trim(), "none" | "无")) {
        if collateral.len() > 1 || collateral.iter().any(|v| v.contains(',')) {
            return Err(field_error("collateral", ValueError::Invalid("“none”不能与其他担保方式同时选择".to_owned())));
        }
        CollateralFilter::NoneRequired
    } else {
        let kinds = list(&collateral, "collateral", |v| Ok(Collateral::parse(v)?))?;
        if kinds.is_empty() { CollateralFilter::Any } else { CollateralFilter::Accepts(kinds) }
    };
    if let Some(v) = single("amount")? {
        let amount = Fen::parse_yuan(v).map_err(|e| field_error("amount", e))?;
        if amount == Fen::ZERO {
            return Err(field_error("amount", ValueError::TooSmall { min: "0.01".to_owned() }));
        }
        req.amount = Some(amount);
    }
    if let Some(v) = single("term")? {
        req.term = Some(Months::parse(v).map_err(|e| field_error("term", e))?);
    }
    if let Some(v) = single("max_rate")? {
        req.max_rate = Some(Bps::parse_percent(v).map_err(|e| field_error("max_rate", e))?);
    }
    if let Some(v) = single("online")? {
        req.online_only = flag(v, "online")?;
    }
    req.policy = list(&values("policy"), "policy", |v| Ok(Labelled::parse(v)?))?;
    if let Some(v) = single("sort")? {
        req.sort = SortName::parse(v).map_err(|e| field_error("sort", e.into()))?.into();
    }
    if let Some(v) = single("page")? {
        req.page = number(v, "page", 1, MAX_PAGE)?;
    }
    if let Some(v) = single("per_page")? {
        req.per_page = number(v, "per_page", 1, MAX_PER_PAGE)?;
    }
    Ok(req)
}

/// The names of the loan calculator's parameters.
pub const COST_PARAMS: &[&str] = &["amount", "term", "method", "subsidised"];

/// Parses a loan calculator's query: `amount` in yuan (`50万`), `term` in months (`12`, `3年`), `method`
/// (a repayment method), `subsidised` (the firm is 小微 and takes the product's subsidies).
///
/// # Errors
/// 400 naming the first bad parameter.
pub fn parse_cost(raw: Option<&str>, strict: bool) -> Result<CostQuery, ApiError> {
    let pairs = decode(raw)?;
    if strict {
        reject_unknown(&pairs, COST_PARAMS)?;
    }
    let amount =
        single(&pairs, "amount")?.map(|v| Fen::parse_yuan(v).map_err(|e| field_error("amount", e))).transpose()?;
    if amount == Some(Fen::ZERO) {
        return Err(field_error("amount", ValueError::TooSmall { min: "0.01".to_owned() }));
    }
    Ok(CostQuery {
        amount,
        term: single(&pairs, "term")?.map(|v| Months::parse(v).map_err(|e| field_error("term", e))).transpose()?,
        method: single(&pairs, "method")?
            .map(|v| RepaymentMethod::parse(v).map_err(|e| field_error("method", e.into())))
            .transpose()?,
        subsidised: single(&pairs, "subsidised")?.map(|v| flag(v, "subsidised")).transpose()?.unwrap_or(false),
    })
}

/// A JSON body parsed into `T`, naming the path of the first field that does not fit (`need.term`).
///
/// # Errors
/// 400 `invalid_body` with the path and serde's reason.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| ApiError::bad_json(&e.path().to_string(), &e.inner().to_string()))?;
    de.end().map_err(|e| ApiError::bad_json("body", &e.to_string()))?;
    Ok(value)
}

/// A `limit` query parameter alone (1–100, default 20).
///
/// # Errors
/// 400 naming `limit` or an unknown parameter.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let pairs = decode(raw)?;
    reject_unknown(&pairs, &["limit"])?;
    let limit = single(&pairs, "limit")?.map(|v| number(v, "limit", 1, crate::matching::MAX_LIMIT)).transpose()?;
    crate::matching::check_limit(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finmart_domain::ProductFamily;

    fn field_of(raw: &str) -> Option<String> {
        parse_search(Some(raw), true).err().and_then(|e| e.body.field)
    }

    #[test]
    fn parses_a_full_search() {
        let q = "q=%E4%B8%93%E5%88%A9%E8%B4%B7&family=ip_pledge,credit&district=binhai&amount=300%E4%B8%87&term=12&max_rate=4.5&online=true&sort=rate&page=2&per_page=10&collateral=none";
        let req = parse_search(Some(q), true).unwrap();
        assert_eq!(req.text, "专利贷");
        assert_eq!(req.families, vec![ProductFamily::IpPledge, ProductFamily::Credit]);
        assert_eq!(req.amount, Some(Fen::wan(300)));
        assert_eq!(req.collateral, CollateralFilter::NoneRequired);
        assert_eq!((req.page, req.per_page), (2, 10));
    }

    #[test]
    fn names_the_bad_parameter() {
        assert_eq!(field_of("amount=-5").as_deref(), Some("amount"));
        assert_eq!(field_of("family=magic").as_deref(), Some("family"));
        assert_eq!(field_of("page=0").as_deref(), Some("page"));
        assert_eq!(field_of("page=-1").as_deref(), Some("page"));
        assert_eq!(field_of("per_page=1000").as_deref(), Some("per_page"));
        assert_eq!(field_of("term=0").as_deref(), Some("term"));
        assert_eq!(field_of("max_rate=abc").as_deref(), Some("max_rate"));
        assert_eq!(field_of("online=maybe").as_deref(), Some("online"));
        assert_eq!(field_of("sort=random").as_deref(), Some("sort"));
        assert_eq!(field_of("colour=red").as_deref(), Some("colour"));
        assert_eq!(field_of("q=a&q=b").as_deref(), Some("q"));
        assert_eq!(field_of(&format!("q={}", "贷".repeat(101))).as_deref(), Some("q"));
        assert_eq!(field_of(&format!("q={}", "x".repeat(10 * 1024 * 1024))).as_deref(), Some("q"));
        assert!(parse_search(Some("colour=red"), false).is_ok(), "pages ignore unknown parameters");
    }
}
