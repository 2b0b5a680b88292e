//! The search's and the loan calculator's query parameters: documented once (OpenAPI), read strictly by the
//! API (an unknown parameter is refused: a typo must not silently widen a search) and leniently by the
//! pages, then checked field by field, naming the first bad one.
//!
//! Lists may be given by repeating a key or separating values with commas. Values may be machine names or
//! Chinese labels.

use crate::http::cost::CostQuery;
use crate::http::error::ApiError;
use crate::http::format::parse_wan;
use crate::http::params::{field_error, flag, list, number, one_of};
use finmart_catalogue::{CollateralFilter, SearchRequest, SortName};
use finmart_domain::{Bps, Collateral, District, Fen, HomeArea, Labelled, Months, ValueError};
use serde::Deserialize;
use utoipa::IntoParams;

/// The longest query text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The deepest page a search may ask for (a person never pages this far; a scraper should not).
pub const MAX_PAGE: usize = 500;
pub const MAX_PER_PAGE: usize = 100;

/// The search parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to search for, Chinese or not (at most 100 characters). Empty: browse everything.
    #[param(max_length = 100)]
    q: Option<String>,
    /// Product families (machine names or Chinese labels), repeated or comma-separated.
    #[serde(default)]
    family: Vec<String>,
    /// Institution ids, repeated or comma-separated.
    #[serde(default)]
    institution: Vec<String>,
    /// Districts of the home area a product must serve (6-digit codes such as `120116`, names such as
    /// `滨海新区`, or the old machine names such as `binhai`), repeated or comma-separated.
    #[serde(default)]
    district: Vec<String>,
    /// `none` for products needing no collateral, or collateral kinds one can offer.
    #[serde(default)]
    collateral: Vec<String>,
    /// Amount needed in yuan (`500000`, `50万`): the product's range must contain it.
    amount: Option<String>,
    /// Term needed in months (`12`, `3年`): the product's range must contain it.
    term: Option<String>,
    /// Highest acceptable annual rate in percent (`4.5`).
    max_rate: Option<String>,
    /// `true`: only products applied for fully online.
    #[param(value_type = Option<bool>)]
    online: Option<String>,
    /// Policy support the product must have (`interest_subsidy`, …).
    #[serde(default)]
    policy: Vec<String>,
    /// `relevance` (default), `rate`, `amount` or `speed`.
    sort: Option<String>,
    /// 1-based page, at most 500.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 500)]
    page: Option<String>,
    /// Results per page, 1–100 (default 20).
    #[param(value_type = Option<usize>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// The unit of a bare number in `amount`: the JSON API takes yuan (`500000`, `50万`), as documented; pages
/// take 万元 like every other amount people type on them (`50`, `80000元`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountUnit {
    Yuan,
    Wan,
}

/// A positive amount (`500000`, `50万`; a bare number in `unit`).
fn amount(text: &str, unit: AmountUnit) -> Result<Fen, ApiError> {
    let parsed = match unit {
        AmountUnit::Yuan => Fen::parse_yuan(text),
        AmountUnit::Wan => parse_wan(text),
    };
    let amount = parsed.map_err(|e| field_error("amount", e))?;
    if amount == Fen::ZERO {
        return Err(field_error("amount", ValueError::TooSmall { min: "0.01".to_owned() }));
    }
    Ok(amount)
}

fn months(text: &str) -> Result<Months, ApiError> {
    Months::parse(text).map_err(|e| field_error("term", e))
}

impl SearchParams {
    /// The search asked for.
    ///
    /// # Errors
    /// 400 naming the first bad parameter.
    pub fn request(&self, home: &HomeArea, unit: AmountUnit) -> Result<SearchRequest, ApiError> {
        let mut req = SearchRequest::default();
        if let Some(q) = &self.q {
            if q.chars().count() > MAX_QUERY_CHARS {
                return Err(field_error("q", ValueError::TooLarge { max: format!("{MAX_QUERY_CHARS} 个字符") }));
            }
            req.text = q.trim().to_owned();
        }
        req.families = list(&self.family, "family", |v| Ok(Labelled::parse(v)?))?;
        req.institutions = list(&self.institution, "institution", |v| {
            v.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| ValueError::NotANumber(v.chars().take(20).collect()))
        })?;
        req.districts = list(&self.district, "district", |v| District::parse(v, home))?;
        req.collateral = self.collateral()?;
        req.amount = self.amount.as_deref().map(|a| amount(a, unit)).transpose()?;
        req.term = self.term.as_deref().map(months).transpose()?;
        req.max_rate = self
            .max_rate
            .as_deref()
            .map(|v| Bps::parse_percent(v).map_err(|e| field_error("max_rate", e)))
            .transpose()?;
        req.online_only = self.online.as_deref().map(|v| flag(v, "online")).transpose()?.unwrap_or(false);
        req.policy = list(&self.policy, "policy", |v| Ok(Labelled::parse(v)?))?;
        if let Some(v) = &self.sort {
            req.sort = one_of::<SortName>("sort", v)?.into();
        }
        if let Some(v) = &self.page {
            req.page = number(v, "page", 1, MAX_PAGE)?;
        }
        if let Some(v) = &self.per_page {
            req.per_page = number(v, "per_page", 1, MAX_PER_PAGE)?;
        }
        Ok(req)
    }

    fn collateral(&self) -> Result<CollateralFilter, ApiError> {
        let given = &self.collateral;
        if given.iter().any(|v| matches!(v.trim(), "none" | "无")) {
            if given.len() > 1 || given.iter().any(|v| v.contains(',')) {
                return Err(field_error(
                    "collateral",
                    ValueError::Invalid("“none”不能与其他担保方式同时选择".to_owned()),
                ));
            }
            return Ok(CollateralFilter::NoneRequired);
        }
        let kinds = list(given, "collateral", |v| Ok(Collateral::parse(v)?))?;
        Ok(if kinds.is_empty() { CollateralFilter::Any } else { CollateralFilter::Accepts(kinds) })
    }
}

/// The loan calculator's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CostParams {
    /// Amount in yuan (`500000`, `50万`); default 100 万元 within the product's range.
    amount: Option<String>,
    /// Term in months (`12`, `3年`); default 12 within the product's range.
    term: Option<String>,
    /// Repayment method; default every method the product offers.
    method: Option<String>,
    /// The firm says it is 小型 or 微型 and takes the subsidies the table (`docs/subsidies.md`) gives such a firm.
    #[param(value_type = Option<bool>)]
    subsidised: Option<String>,
}

impl CostParams {
    /// The calculation asked for.
    ///
    /// # Errors
    /// 400 naming the first bad parameter.
    pub fn query(&self) -> Result<CostQuery, ApiError> {
        Ok(CostQuery {
            amount: self.amount.as_deref().map(|a| amount(a, AmountUnit::Yuan)).transpose()?,
            term: self.term.as_deref().map(months).transpose()?,
            method: self.method.as_deref().map(|v| one_of("method", v)).transpose()?,
            subsidised: self.subsidised.as_deref().map(|v| flag(v, "subsidised")).transpose()?.unwrap_or(false),
            firm: None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::http::query::{self, Unknown};
    use finmart_domain::ProductFamily;

    fn parse_search(raw: &str, unknown: Unknown) -> Result<SearchRequest, ApiError> {
        query::parse::<SearchParams>(Some(raw), unknown)?.request(&HomeArea::default(), AmountUnit::Yuan)
    }

    fn field_of(raw: &str) -> Option<String> {
        parse_search(raw, Unknown::Refuse).err().and_then(|e| e.body.field)
    }

    #[test]
    fn pages_take_a_bare_amount_in_wan_and_the_api_in_yuan() {
        let at = |raw: &str, unit| {
            query::parse::<SearchParams>(Some(raw), Unknown::Refuse).unwrap().request(&HomeArea::default(), unit)
        };
        assert_eq!(at("amount=50", AmountUnit::Wan).unwrap().amount, Some(Fen::wan(50)));
        assert_eq!(at("amount=80000元", AmountUnit::Wan).unwrap().amount, Some(Fen::wan(8)));
        assert_eq!(at("amount=50", AmountUnit::Yuan).unwrap().amount, Some(Fen::yuan(50)));
        assert_eq!(at("amount=50万", AmountUnit::Yuan).unwrap().amount, Some(Fen::wan(50)));
        assert_eq!(at("amount=0", AmountUnit::Wan).unwrap_err().body.field.as_deref(), Some("amount"));
    }

    #[test]
    fn parses_a_full_search() {
        let q = "q=%E4%B8%93%E5%88%A9%E8%B4%B7&family=ip_pledge,credit&district=binhai&amount=300%E4%B8%87&term=12&max_rate=4.5&online=true&sort=rate&page=2&per_page=10&collateral=none";
        let req = parse_search(q, Unknown::Refuse).unwrap();
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
        assert!(parse_search("colour=red", Unknown::Ignore).is_ok(), "pages ignore unknown parameters");
    }
}
