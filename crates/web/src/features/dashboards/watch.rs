//! The operator dashboard's market watch (from [`finmart_store::market_watch`]): the yearly target of loans
//! facilitated with its progress (and the form that sets it), the average comprehensive financing cost,
//! response-deadline breaches per institution, stale listings and unmet search demand. These are market-wide
//! figures, whatever scope the uptake figures above them show.

use super::tables::{TableName, h};
use super::{percent_number, table_view};
use crate::http::error::ApiError;
use crate::http::export::{Cell, Table};
use crate::http::format::{wan_input, wan_text};
use crate::http::forms::Form;
use crate::http::params::amount_of;
use crate::http::state::{AppState, today};
use chrono::{Datelike, NaiveDate, Utc};
use finmart_domain::{Fen, FieldErrors, Labelled, ValueError};
use finmart_store::market_watch::{BreachCounts, QueryCount, ResponseBreaches, StaleListings, TargetProgress};
use serde_json::{Value, json};

/// The most searched words and the unmet searches shown, and the stale listings shown.
const TOP_QUERIES: u64 = 20;
const STALE_SHOWN: usize = 50;
/// The most searched words and unmet searches exported.
const EXPORTED_QUERIES: u64 = 200;

fn queries(rows: &[QueryCount], name: TableName) -> Table {
    Table {
        sheet: name.title().0.to_owned(),
        headers: vec![h("检索词", "Query"), h("检索次数", "Searches"), h("无结果次数", "No results")],
        rows: rows
            .iter()
            .map(|q| vec![Cell::text(&q.query), Cell::count(q.searches), Cell::count(q.no_results)])
            .collect(),
    }
}

fn progress(p: &TargetProgress) -> Value {
    json!({
        "year": p.year,
        "set": p.target.is_some(),
        "loans_target": p.target.as_ref().map(|t| t.loans),
        "amount_target_wan": p.target.as_ref().map(|t| wan_text(t.amount_fen)),
        "loans": p.loans,
        "amount_wan": wan_text(p.amount_fen),
        "loans_pct": percent_number(p.loans_progress_bps),
        "amount_pct": percent_number(p.amount_progress_bps),
        "loans_bar": p.loans_progress_bps.map(|b| b.min(10_000) / 100),
        "amount_bar": p.amount_progress_bps.map(|b| b.min(10_000) / 100),
    })
}

fn breaches_table(breaches: &ResponseBreaches) -> Table {
    let counts = |c: &BreachCounts| {
        vec![
            Cell::count(c.applications),
            Cell::count(c.breaches),
            Cell::percent(c.rate_bps),
            Cell::count(c.overdue_open),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = breaches
        .institutions
        .iter()
        .map(|i| [vec![Cell::text(&i.institution_name)], counts(&i.counts)].concat())
        .collect();
    rows.push([vec![Cell::label("合计", "Total")], counts(&breaches.total)].concat());
    Table {
        sheet: TableName::Breaches.title().0.to_owned(),
        headers: vec![
            h("金融机构", "Lender"),
            h("期间申请笔数", "Applications"),
            h("超时响应笔数", "Breaches"),
            h("超时率（%）", "Breach rate (%)"),
            h("当前超时未响应", "Overdue now"),
        ],
        rows,
    }
}

fn stale_table(stale: &StaleListings, limit: usize) -> Table {
    Table {
        sheet: TableName::Stale.title().0.to_owned(),
        headers: vec![
            h("产品", "Product"),
            h("产品类别", "Family"),
            h("金融机构", "Lender"),
            h("最后更新", "Last updated"),
            h("未更新天数", "Days since update"),
        ],
        rows: stale
            .items
            .iter()
            .take(limit)
            .map(|s| {
                vec![
                    Cell::text(&s.name),
                    Cell::label(s.family.label_zh(), s.family.label_en()),
                    Cell::text(&s.institution_name),
                    Cell::Time(s.updated_at),
                    Cell::Int(s.days_since_update),
                ]
            })
            .collect(),
    }
}

/// A market-watch table for export (every row the store gives: the 200 most searched, the stale listings
/// up to its 1,000).
///
/// # Errors
/// Database failure.
pub(super) async fn table(
    state: &AppState,
    name: TableName,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table, ApiError> {
    let store = &state.store;
    Ok(match name {
        TableName::Searches => queries(&store.search_demand(from, to, EXPORTED_QUERIES).await?.top, name),
        TableName::Unmet => queries(&store.search_demand(from, to, EXPORTED_QUERIES).await?.unmet, name),
        TableName::Breaches => breaches_table(&store.response_breaches(from, to, Utc::now()).await?),
        _ => stale_table(&store.stale_listings(today()).await?, usize::MAX),
    })
}

/// The market watch's context for the period `from..=to` (the target: of `to`'s year).
///
/// # Errors
/// Database failure.
pub(super) async fn context(state: &AppState, from: NaiveDate, to: NaiveDate, en: bool) -> Result<Value, ApiError> {
    let store = &state.store;
    let demand = store.search_demand(from, to, TOP_QUERIES).await?;
    let stale = store.stale_listings(today()).await?;
    let breaches = store.response_breaches(from, to, Utc::now()).await?;
    let cost = store.financing_cost(from, to).await?;
    let target = store.uptake_target(to.year()).await?;
    let query = format!("from={from}&to={to}");
    let view = |table: &Table, name: TableName| table_view(table, en, name.title(), name, &query);
    Ok(json!({
        "target": progress(&target),
        "target_form": target_form(to.year(), &target),
        "cost": {
            "loans": cost.loans, "amount_wan": wan_text(cost.amount_fen), "average_pct": percent_number(cost.average_bps),
        },
        "breaches": view(&breaches_table(&breaches), TableName::Breaches),
        "stale_total": stale.total,
        "stale_before": stale.updated_before.to_string(),
        "stale": view(&stale_table(&stale, STALE_SHOWN), TableName::Stale),
        "searches": demand.searches,
        "no_result_searches": demand.no_result_searches,
        "not_recorded": demand.not_recorded,
        "top": view(&queries(&demand.top, TableName::Searches), TableName::Searches),
        "unmet": view(&queries(&demand.unmet, TableName::Unmet), TableName::Unmet),
    }))
}

/// The target form's values: the year's target (the posted values replace them after an error).
fn target_form(year: i32, target: &TargetProgress) -> Value {
    json!({
        "year": year.to_string(),
        "loans": target.target.as_ref().map(|t| t.loans.to_string()).unwrap_or_default(),
        "amount": target.target.as_ref().and_then(|t| Fen::from_fen(t.amount_fen).ok()).map(wan_input).unwrap_or_default(),
        "errors": {},
    })
}

/// The note shown after the target was set.
pub(super) fn done_note(raw: Option<&str>) -> Option<Value> {
    (Form::of_query(raw).get("done") == Some("target"))
        .then(|| json!({"zh": "年度目标已保存。", "en": "The yearly target is saved."}))
}

/// The dashboard's own query string, kept through the target form (re-serialised, so only a query).
pub(super) fn back_query(back: &str) -> String {
    let pairs = form_urlencoded::parse(back.trim_start_matches('?').as_bytes())
        .filter(|(k, _)| k != "done")
        .map(|(k, v)| (k.into_owned(), v.into_owned()));
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The posted target: the year, the loans and the amount in 万元.
pub(super) fn parse_target(form: &Form) -> Result<(i32, u64, Fen), FieldErrors> {
    let mut errors = FieldErrors::default();
    let year = form
        .field("year")
        .trim()
        .parse::<i32>()
        .map_err(|_| errors.push("year", ValueError::NotANumber(form.field("year").chars().take(20).collect())))
        .ok();
    let loans = match form.field("loans").trim() {
        "" => Err(ValueError::Empty),
        text => text.parse::<u64>().map_err(|_| ValueError::Invalid("应为非负整数".to_owned())),
    };
    let loans = loans.map_err(|e| errors.push("loans", e)).ok();
    let amount = match form.field("amount").trim() {
        "" => Err(ValueError::Empty),
        text => amount_of(&Value::String(format!("{text}万"))),
    };
    let amount = amount.map_err(|e| errors.push("amount", e)).ok();
    match (year, loans, amount) {
        (Some(y), Some(l), Some(a)) if errors.is_empty() => Ok((y, l, a)),
        _ => Err(errors),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_the_way_back_is_a_query() {
        let form = Form::parse(b"year=2026&loans=1200&amount=50000.5");
        let (year, loans, amount) = parse_target(&form).unwrap();
        assert_eq!((year, loans, amount.fen()), (2026, 1200, 50_000_500_000));
        let errors = parse_target(&Form::parse(b"year=x&loans=-1&amount=")).unwrap_err();
        assert_eq!(errors.0.len(), 3);
        assert_eq!(back_query("?scope=market&done=target&x=%3Cb%3E"), "scope=market&x=%3Cb%3E");
        assert_eq!(back_query("https://evil.example/"), "https%3A%2F%2Fevil.example%2F=");
    }
}
