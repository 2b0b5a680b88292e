//! Products side by side (产品对比): up to four published products, each fact in a row, the rows whose values
//! differ marked and, where "best" means one thing, the best value of a row marked (the highest amount, the
//! lowest cost, the fastest decision).
//!
//! - `GET /api/v1/compare?ids=1,2,3` (anyone) and the page `/compare?ids=1,2,3`.
//! - The loan priced is one amount and term for every product: the reader's (`amount`, `term`), else for a
//!   signed-in firm its newest open financing need, else 100 万元 for 12 months. The cost is the loan
//!   calculator's ([`crate::http::cost::product_cost`]), cheapest repayment method first; a signed-in firm's
//!   subsidies are decided on its own profile, and its standing for each product is the one judgement of the
//!   product page and of an application ([`crate::http::state::App::judge`]) for that loan.
//! - Ids that name no published product are listed apart with the reason, never an error of the whole page.
//! - The selection lives in the URL; the page also keeps it in the `finmart_compare` cookie, so that
//!   "加入对比" on a card works without JavaScript (`/compare?add=7` adds to the kept list and shows it).

mod api;
mod pages;

use crate::http::Feature;
use crate::http::auth::Caller;
use crate::http::cost::{CostQuery, product_cost};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::format::{span_en, span_zh};
use crate::http::params::field_error;
use crate::http::state::{AppState, today};
use crate::http::verdict::VerdictView;
use crate::http::views::{ProductDetail, QuoteView};
use crate::template;
use finmart_domain::{EnterpriseProfile, Fen, HomeArea, Labelled, Months, NeedState, Principal, Product, StatedRange};
use finmart_matching::{Applicant, CompiledProduct, FirmFacts, Loan, POLICY};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// The compare feature: its API, page and template.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "catalogue",
        public_api: api::router(),
        pages: pages::router(),
        templates: &[template!("compare.html")],
        ..Feature::default()
    }
}

/// The most products compared at once (a fifth is refused).
pub const MAX_COMPARED: usize = 4;
/// The loan priced when nobody says which: 100 万元 for 12 months (the calculator's own default).
const DEFAULT_AMOUNT: Fen = Fen::wan(100);
const DEFAULT_TERM: u16 = 12;

/// The longest `ids` text read (four ids and their commas, with room to spare).
const MAX_IDS_CHARS: usize = 200;

/// Product ids from `1,2,3` (commas, spaces or dots between them; a repeated id counts once), in order.
///
/// # Errors
/// 400 naming `ids`: not ids, or more than [`MAX_COMPARED`].
pub fn parse_ids(text: &str) -> Result<Vec<i64>, ApiError> {
    if text.chars().count() > MAX_IDS_CHARS {
        return Err(ids_error(
            format!("最多对比 {MAX_COMPARED} 个产品"),
            format!("at most {MAX_COMPARED} products are compared"),
        ));
    }
    let mut ids = Vec::new();
    for part in text.split([',', '，', ' ', '.']).map(str::trim).filter(|p| !p.is_empty()) {
        let id = part.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
            let shown: String = part.chars().take(20).collect();
            ids_error(format!("“{shown}”不是产品编号"), format!("“{shown}” is not a product id"))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_COMPARED {
        return Err(ids_error(
            format!("最多同时对比 {MAX_COMPARED} 个产品（选择了 {} 个），请先移除一个", ids.len()),
            format!("at most {MAX_COMPARED} products are compared at once ({} chosen); remove one first", ids.len()),
        ));
    }
    Ok(ids)
}

/// 400 naming `ids`, the reason in both languages.
pub fn ids_error(zh: String, en: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, format!("参数 ids 无效：{zh}"), format!("invalid parameter ids: {en}"))
        .on_field("ids")
}

/// What a comparison is asked.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub ids: Vec<i64>,
    /// The loan to price (each absent: the firm's need, else the default).
    pub amount: Option<Fen>,
    pub term: Option<Months>,
    /// The reader says it is 小型 or 微型 (as the calculator's box); a signed-in firm's profile decides instead.
    pub subsidised: bool,
}

/// The loan every product is priced for, and where it came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PricedLoan {
    pub amount_fen: i64,
    pub amount_text: String,
    pub amount_text_en: String,
    pub term_months: u16,
    pub term_text: String,
    pub term_text_en: String,
    /// `asked` (the reader's amount and term), `need` (the signed-in firm's newest open financing need) or
    /// `default` (100 万元, 12 months).
    pub source: &'static str,
    /// The firm's need it was taken from.
    pub need_id: Option<i64>,
    /// Subsidies are decided on the signed-in firm's profile.
    pub firm: bool,
    /// Subsidies were applied (the firm's, or the reader's claim to be 小型 or 微型).
    pub subsidised: bool,
}

/// One subsidy a product carries: what it is and, for a signed-in firm, whether the firm receives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubsidyLine {
    /// `interest_subsidy`, `guarantee_fee_subsidy`.
    pub code: &'static str,
    pub label: String,
    pub label_en: String,
    /// `null` when nobody is signed in as a firm (`text` then says who receives it).
    pub entitled: Option<bool>,
    pub text: String,
    pub text_en: String,
}

/// One product in the comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparedItem {
    /// Every term of the product: amount, term, the rate as stated with its annual equivalent (`rate_line`),
    /// collateral, conditions (`eligibility`, each with its sentence), decision time, policy support.
    #[serde(flatten)]
    pub product: ProductDetail,
    /// The comprehensive cost of the loan (`need`) at the product's lowest rate, cheapest repayment method:
    /// the loan calculator's figures. `null` when it cannot be priced (`cost_note` says why).
    pub cost: Option<QuoteView>,
    pub cost_note: Option<String>,
    pub cost_note_en: Option<String>,
    /// The subsidies the product carries.
    pub subsidies: Vec<SubsidyLine>,
    /// A signed-in firm's standing with the product for this loan (可申请, 差一点, 需补充, 需向机构确认,
    /// 不符合); `null` for anyone else.
    pub verdict: Option<VerdictView>,
    /// The rows this product is best in: `amount` (highest), `cost` (lowest), `decision` (fastest).
    pub best: Vec<&'static str>,
}

/// An asked id that names no published product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unavailable {
    pub id: i64,
    pub message: String,
    pub message_en: String,
}

/// The rows of the comparison, in order: (key, Chinese, English).
pub const ROWS: &[(&str, &str, &str)] = &[
    ("institution", "金融机构", "Lender"),
    ("amount", "贷款额度", "Amount"),
    ("term", "贷款期限", "Term"),
    ("rate", "利率（年化）", "Rate (annual)"),
    ("cost", "综合融资成本", "Total cost"),
    ("collateral", "担保方式", "Collateral"),
    ("conditions", "申请条件", "Conditions"),
    ("decision", "审批时间", "Decision time"),
    ("policy", "政策支持", "Policy support"),
    ("standing", "贵企业情况", "Your standing"),
];

/// Products side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    pub need: PricedLoan,
    /// The published products asked for, in the order asked.
    pub items: Vec<ComparedItem>,
    /// The ids that name no published product (unknown, paused, archived or out of their validity window).
    pub unavailable: Vec<Unavailable>,
    /// The rows whose values differ between the products (`amount`, `term`, `rate`, `cost`, `collateral`,
    /// `conditions`, `decision`, `policy`, `standing`, `institution`).
    pub differs: Vec<&'static str>,
    /// At most this many products are compared.
    pub max: usize,
}

/// The loan to price: the reader's, else the firm's newest open need, else the default.
async fn need_of(
    state: &AppState,
    asked: &Asked,
    firm: Option<i64>,
) -> Result<(Fen, Months, &'static str, Option<i64>), ApiError> {
    let default_term = Months::new(DEFAULT_TERM).map_err(|e| field_error("term", e))?;
    if asked.amount.is_some() || asked.term.is_some() {
        return Ok((asked.amount.unwrap_or(DEFAULT_AMOUNT), asked.term.unwrap_or(default_term), "asked", None));
    }
    if let Some(enterprise) = firm {
        let needs = state.store.needs_of_enterprise(enterprise).await?;
        if let Some(need) = needs.iter().find(|n| n.state == NeedState::Open) {
            return Ok((need.amount, need.term, "need", Some(need.id)));
        }
    }
    Ok((DEFAULT_AMOUNT, default_term, "default", None))
}

/// Why `value` is outside `range` (the product's 额度 or 期限), in both languages; `None` when it is not.
fn outside<T: Ord + Copy + std::fmt::Debug>(
    range: &StatedRange<T>,
    value: T,
    what: (&str, &str),
    zh: fn(T) -> String,
    en: fn(T) -> String,
) -> Option<(String, String)> {
    (range.admits(value) == Some(false)).then(|| {
        (
            format!("本产品{}为 {}，不含所需的 {}", what.0, span_zh(range, zh), zh(value)),
            format!("this product's {} is {}, which excludes the {} needed", what.1, span_en(range, en), en(value)),
        )
    })
}

/// The product's cost for the loan, or why there is none.
fn cost_of(
    product: &Product,
    amount: Fen,
    term: Months,
    asked: &Asked,
    firm: Option<Applicant>,
    home: &HomeArea,
) -> (Option<QuoteView>, Option<(String, String)>) {
    let spec = &product.spec;
    if let Some(why) = outside(&spec.amount, amount, ("额度", "amount"), Fen::display_zh, Fen::display_en)
        .or_else(|| outside(&spec.term, term, ("期限", "term"), Months::display_zh, Months::display_en))
    {
        return (None, Some(why));
    }
    let query = CostQuery { amount: Some(amount), term: Some(term), method: None, subsidised: asked.subsidised, firm };
    match product_cost(product, query, home) {
        Ok(cost) => match cost.methods.into_iter().next() {
            Some(best) => (Some(best.summary), None),
            None => (
                None,
                Some((
                    "本产品未说明利率，无法测算，以机构审批为准".to_owned(),
                    "the product states no rate, so it cannot be priced; the lender decides".to_owned(),
                )),
            ),
        },
        Err(e) => (None, Some((e.body.message, e.body.message_en))),
    }
}

/// The subsidies `product` carries: for a firm whose profile is known, whether it receives each; else who
/// receives it.
fn subsidies_of(product: &Product, firm: Option<&FirmFacts>) -> Vec<SubsidyLine> {
    let compiled = CompiledProduct::new(product);
    match firm {
        Some(facts) => POLICY
            .findings(&compiled, facts)
            .into_iter()
            .map(|f| SubsidyLine {
                code: f.code,
                label: f.label.zh,
                label_en: f.label.en,
                entitled: Some(f.entitled),
                text: f.message.zh,
                text_en: f.message.en,
            })
            .collect(),
        None => POLICY
            .rows()
            .into_iter()
            .filter(|row| compiled.has_policy(row.policy))
            .map(|row| {
                let (name, who) = (row.name(), row.who_text());
                SubsidyLine {
                    code: row.policy.as_str(),
                    label: name.zh,
                    label_en: name.en,
                    entitled: None,
                    text: who.zh,
                    text_en: who.en,
                }
            })
            .collect(),
    }
}

/// Compares the asked products for the caller (see the module documentation).
///
/// # Errors
/// Database failure.
pub async fn compare(state: &AppState, caller: &Caller, asked: &Asked) -> Result<Comparison, ApiError> {
    let home = &state.config.home_area;
    let firm_id = caller.principal.as_ref().and_then(Principal::enterprise);
    let profile: Option<EnterpriseProfile> = match firm_id {
        Some(id) => state.store.enterprise(id).await?.map(|e| e.profile),
        None => None,
    };
    let (amount, term, source, need_id) = need_of(state, asked, firm_id).await?;
    let verified_facts = match &profile {
        Some(p) => state.facts_for(p).await?,
        None => Vec::new(),
    };
    let day = today();
    let facts = profile.as_ref().map(|p| FirmFacts::of(p, day));
    let applicant = facts.as_ref().map(Applicant::of);
    let mut stored = state.store.products(&asked.ids).await?;
    let mut items = Vec::new();
    let mut unavailable = Vec::new();
    for id in &asked.ids {
        let listed =
            stored.iter().position(|p| p.id == *id).map(|i| stored.swap_remove(i)).filter(|p| p.is_listed_on(day));
        let Some(product) = listed else {
            unavailable.push(Unavailable {
                id: *id,
                message: format!("编号 {id} 的产品不存在或已不再发布，无法对比"),
                message_en: format!("product {id} does not exist or is no longer offered, so it is not compared"),
            });
            continue;
        };
        let (cost, note) = cost_of(&product, amount, term, asked, applicant, home);
        let verdict = profile
            .as_ref()
            .map(|p| VerdictView::of(&state.judge(&product, p, &verified_facts, Some(Loan { amount, term }))));
        items.push(ComparedItem {
            product: ProductDetail::of(&product, home),
            cost,
            cost_note: note.as_ref().map(|n| n.0.clone()),
            cost_note_en: note.map(|n| n.1),
            subsidies: subsidies_of(&product, facts.as_ref()),
            verdict,
            best: Vec::new(),
        });
    }
    mark_best(&mut items);
    let differs = differing_rows(&items);
    let subsidised = applicant.is_some() || asked.subsidised;
    let need = PricedLoan {
        amount_fen: amount.fen(),
        amount_text: amount.display_zh(),
        amount_text_en: amount.display_en(),
        term_months: term.get(),
        term_text: term.display_zh(),
        term_text_en: term.display_en(),
        source,
        need_id,
        firm: applicant.is_some(),
        subsidised,
    };
    Ok(Comparison { need, items, unavailable, differs, max: MAX_COMPARED })
}

/// Marks, in each row where "best" has one meaning, the products holding the best value, when the values
/// differ (a value every product shares is nobody's best): the highest maximum amount, the lowest total
/// cost (firm quotes only, not a reference estimate), the fewest days to a decision. Unstated values never win.
fn mark_best(items: &mut [ComparedItem]) {
    fn mark<K: Ord + Copy>(items: &mut [ComparedItem], row: &'static str, key: impl Fn(&ComparedItem) -> Option<K>) {
        let keys: Vec<Option<K>> = items.iter().map(&key).collect();
        let Some(best) = keys.iter().flatten().min().copied() else { return };
        if keys.iter().all(|k| *k == Some(best)) {
            return;
        }
        for (item, k) in items.iter_mut().zip(keys) {
            if k == Some(best) {
                item.best.push(row);
            }
        }
    }
    mark(items, "amount", |i| i.product.summary.amount_max_fen.map(std::cmp::Reverse));
    mark(items, "cost", |i| i.cost.as_ref().filter(|c| !c.estimate).map(|c| c.total_cost_fen));
    mark(items, "decision", |i| i.product.summary.decision_days);
}

/// The rows whose values are not the same for every product (none with fewer than two products).
fn differing_rows(items: &[ComparedItem]) -> Vec<&'static str> {
    if items.len() < 2 {
        return Vec::new();
    }
    let value = |row: &str, i: &ComparedItem| -> String {
        let p = &i.product;
        let s = &p.summary;
        match row {
            "institution" => s.institution.name.clone(),
            "amount" => s.amount_text.clone(),
            "term" => s.term_text.clone(),
            "rate" => s.rate_line.clone(),
            "cost" => {
                i.cost.as_ref().map_or_else(|| i.cost_note.clone().unwrap_or_default(), |c| c.total_cost_text.clone())
            }
            "collateral" => s.collateral_terms.text.clone(),
            "conditions" => p.eligibility.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join("；"),
            "decision" => s.decision_text.clone(),
            "policy" => s.policy_support.iter().map(|l| l.code).collect::<Vec<_>>().join("|"),
            "standing" => i.verdict.as_ref().map(|v| v.standing.code.to_owned()).unwrap_or_default(),
            _ => String::new(),
        }
    };
    ROWS.iter()
        .map(|(row, _, _)| *row)
        .filter(|row| items.iter().map(|i| value(row, i)).collect::<HashSet<_>>().len() > 1)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_in_order_once_each_and_a_fifth_is_refused() {
        assert_eq!(parse_ids("3,1, 2,3").unwrap(), vec![3, 1, 2]);
        assert_eq!(parse_ids("").unwrap(), Vec::<i64>::new());
        assert_eq!(parse_ids("4.5").unwrap(), vec![4, 5]);
        let e = parse_ids("1,2,3,4,5").unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("ids"));
        assert!(e.body.message.contains("最多同时对比 4 个产品"), "{}", e.body.message);
        for bad in ["abc", "1,-2", "0", "1;2"] {
            let e = parse_ids(bad).unwrap_err();
            assert_eq!(e.body.field.as_deref(), Some("ids"), "{bad}");
        }
        assert!(parse_ids(&"1,".repeat(200)).is_err());
    }
}
