//! The dashboard pages: the agency's and the operator's dashboards (figures, charts' data, tables, export
//! links, and for the operator the market watch), their lists of underlying applications, and the
//! operator's yearly-target form.

use super::figures::{self, DurationsView, Parsed, ShareView, UptakeView, granularity_name};
use super::tables::{self, TableName, h};
use super::{EXPORT_ROWS, applications_in, percent_number, table_view, watch};
use crate::http::auth::{AgencyUser, Caller, OperatorUser};
use crate::http::error::ApiError;
use crate::http::export::{Cell, Table};
use crate::http::format::{district_options, options, wan_text};
use crate::http::forms::{Form, see_other};
use crate::http::lang::Lang;
use crate::http::page::{Page, PageResult, object, switch_href};
use crate::http::params::ApplicationListParams;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::{ApplicationState, EnterpriseScale, Industry, InstitutionKind, Principal, ProductFamily};
use finmart_store::stats::Scope;
use finmart_store::{ListCursor, StoreError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/agency/dashboard", get(agency_dashboard))
        .route("/agency/dashboard/applications", get(agency_applications))
        .route("/admin/dashboard", get(admin_dashboard))
        .route("/admin/dashboard/applications", get(admin_applications))
        .route("/admin/dashboard/target", post(target_submit))
}

/// The most applications a list page shows, and the most an export writes (the store's largest page).
const PAGE_ROWS: u64 = 200;
/// The most rows a breakdown shows on a page (largest first), in its table, its chart and the market's
/// product choices; exports and the API hold every row.
const BREAKDOWN_ROWS: usize = 100;

/// The filters of the dashboard form that pass to the figures as they are.
const FIGURE_KEYS: [&str; 9] =
    ["from", "to", "granularity", "product", "institution", "district", "industry", "scale", "family"];
/// The filters of the application list.
const LIST_KEYS: [&str; 4] = ["state", "product", "from", "to"];

/// Which dashboard: the agency's or the operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Board {
    Agency,
    Operator,
}

impl Board {
    /// The `board` the templates are told.
    fn name(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Operator => "operator",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Agency => "/agency/dashboard",
            Self::Operator => "/admin/dashboard",
        }
    }
}

/// The query string's pairs, the non-empty ones (trimmed), first value per key.
fn pairs(raw: Option<&str>) -> BTreeMap<String, String> {
    let given = Form::of_query(raw).0.into_iter().map(|(k, v)| (k, v.trim().to_owned())).filter(|(_, v)| !v.is_empty());
    // Collected from the last pair to the first, so that the first value of a key is the one kept.
    given.rev().collect()
}

/// A query string of `pairs`.
fn query<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The operator's `scope` choice (`agency:3`, `lender:5`; anything else is the market) as the figures'
/// `agency=` / `lender=` parameter.
fn scope_param(values: &BTreeMap<String, String>, board: Board) -> Option<(&'static str, &str)> {
    let (kind, id) = values.get("scope").filter(|_| board == Board::Operator)?.split_once(':')?;
    Some((["agency", "lender"].into_iter().find(|k| *k == kind)?, id))
}

/// The figures' (or the list's) query string from the page's form: the operator's scope, and the filters
/// `keys` as given.
fn figures_query(values: &BTreeMap<String, String>, board: Board, keys: &[&str]) -> String {
    let given = keys.iter().filter_map(|k| Some((*k, values.get(*k)?.as_str())));
    query(scope_param(values, board).into_iter().chain(given))
}

/// The dashboard's own query (the operator's `scope` as chosen, the filters), to come back to it.
fn page_query(values: &BTreeMap<String, String>) -> String {
    query(std::iter::once("scope").chain(FIGURE_KEYS).filter_map(|k| Some((k, values.get(k)?))))
}

fn option(code: impl ToString, label: &str, label_en: &str) -> Value {
    json!({"code": code.to_string(), "label": label, "label_en": label_en})
}

/// A choice named by the data (a product's or an institution's name): the same in both languages, and marked
/// with its own language by the form.
fn name_option(code: impl ToString, name: &str) -> Value {
    json!({"code": code.to_string(), "label": name})
}

/// The form's choices for the scope of `parsed`: products and lenders in scope, the vocabularies, and the
/// operator's scopes.
async fn choices(
    state: &AppState,
    board: Board,
    parsed: Option<&Parsed>,
    view: Option<&UptakeView>,
) -> Result<Value, ApiError> {
    let institutions = state.store.institutions().await?;
    let scope = parsed.map_or(Scope::Market, |p| p.query.scope);
    let (mut products, mut lenders): (Vec<Value>, Vec<Value>) = (Vec::new(), Vec::new());
    match scope {
        Scope::Agency(id) => {
            let mut seen = BTreeMap::new();
            for p in state.store.agency_products(id).await? {
                products.push(name_option(p.id, &p.spec.name));
                seen.insert(p.institution.id, p.institution.name.clone());
            }
            lenders = seen.into_iter().map(|(id, name)| name_option(id, &name)).collect();
        }
        Scope::Institution(id) => {
            for m in state.store.managed_products(id).await? {
                products.push(name_option(m.product.id, &m.product.spec.name));
            }
        }
        Scope::Market => {
            // The market's products with the most applications in the period (and the one chosen, if any).
            for r in view.map_or(&[][..], |v| &v.by_product[..]).iter().take(BREAKDOWN_ROWS) {
                products.push(name_option(&r.key, &r.label));
            }
            let chosen = parsed.and_then(|p| p.query.filter.product_id);
            if let Some(id) =
                chosen.filter(|id| !products.iter().any(|o| o["code"].as_str() == Some(id.to_string().as_str())))
                && let Some(p) = state.store.product(id).await?
            {
                products.push(name_option(p.id, &p.spec.name));
            }
            lenders = institutions
                .iter()
                .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
                .map(|i| name_option(i.id, &i.name))
                .collect();
        }
    }
    // The operator's scopes besides the whole market: one group per kind of institution, each choice the
    // institution's name as it is written (the group says what kind it is, in the page's language).
    let mut scopes = Vec::new();
    if board == Board::Operator {
        for (kind, zh, en, agency) in
            [("lender", "金融机构", "Lenders", false), ("agency", "担保机构", "Guarantee agencies", true)]
        {
            let names: Vec<Value> = institutions
                .iter()
                .filter(|i| (i.kind == InstitutionKind::GuaranteeAgency) == agency)
                .map(|i| json!({"code": format!("{kind}:{}", i.id), "name": i.name}))
                .collect();
            if !names.is_empty() {
                scopes.push(json!({"label": zh, "label_en": en, "options": names}));
            }
        }
    }
    Ok(json!({
        "granularities": [option("day", "按日", "Daily"), option("week", "按周", "Weekly"), option("month", "按月", "Monthly")],
        "products": products,
        "lenders": lenders,
        "districts": district_options(&state.config.home_area),
        "industries": options::<Industry>(),
        "scales": options::<EnterpriseScale>(),
        "families": options::<ProductFamily>(),
        "scopes": scopes,
        "states": options::<ApplicationState>(),
    }))
}

/// The charts' data for `dashboard.js`: the figures (the JSON of `/api/v1/stats/uptake`) and the series'
/// names in the page's language, as JSON safe inside `<script>` (`<`, `>`, `&` and `'` escaped).
fn chart_data(view: &UptakeView, lang: Lang) -> String {
    let t = |zh: &str, en: &str| if lang.is_en() { en.to_owned() } else { zh.to_owned() };
    // The charts draw the largest rows only; the whole market can have thousands of products.
    let mut view = view.clone();
    view.rejections_by_reason.truncate(BREAKDOWN_ROWS);
    for rows in [
        &mut view.by_product,
        &mut view.by_institution,
        &mut view.by_district,
        &mut view.by_industry,
        &mut view.by_scale,
        &mut view.by_family,
        &mut view.by_qualification,
    ] {
        rows.truncate(BREAKDOWN_ROWS);
    }
    let data = json!({
        "uptake": view,
        "labels": {
            "applications": t("申请", "Applications"), "accepted": t("受理", "Accepted"),
            "approved": t("审批通过", "Approved"), "rejected": t("拒绝", "Rejected"),
            "disbursed": t("放款", "Disbursed"), "withdrawn": t("撤回", "Withdrawn"),
            "disbursed_amount": t("放款金额（万元）", "Disbursed (10k yuan)"), "count": t("笔数", "Count"),
            "wan": t("万元", "10k yuan"), "rejections": t("拒绝笔数", "Rejections"),
        },
    });
    ['<', '>', '&', '\'']
        .into_iter()
        .fold(data.to_string(), |out, c| out.replace(c, &format!("\\u{:04x}", u32::from(c))))
}

/// The key figures: each a name, the value with its unit, and a note.
fn key_figures(v: &UptakeView) -> Vec<Value> {
    let t = &v.totals;
    let dash = |text: Option<String>| text.unwrap_or_else(|| "—".to_owned());
    let count = |n: u64, fen: Option<i64>| {
        (n.to_string(), fen.map(|f| (format!("{} 万元", wan_text(f)), format!("{} × 10k yuan", wan_text(f)))))
    };
    let wan = |fen: i64| (wan_text(fen), None);
    let days = |d: &DurationsView| {
        let p90 = dash(d.p90_days.clone());
        let note = (
            format!("第90百分位 {p90} 天（{} 笔）", d.count),
            format!("90th percentile {p90} days ({} loans)", d.count),
        );
        (dash(d.median_days.clone()), Some(note))
    };
    let share = |s: &ShareView| {
        let note = (format!("{} / {} 笔放款", s.count, s.of), format!("{} of {} loans", s.count, s.of));
        (dash(percent_number(s.bps)), Some(note))
    };
    [
        (("申请", "Applications"), count(t.applications, Some(t.applied.fen)), ("笔", "applications")),
        (("受理", "Accepted"), count(t.accepted, None), ("笔", "accepted")),
        (("审批通过", "Approved"), count(t.approved, Some(t.approved_amount.fen)), ("笔", "approved")),
        (("拒绝", "Rejected"), count(t.rejected, None), ("笔", "rejected")),
        (("放款", "Disbursed"), count(t.disbursed, Some(t.disbursed_amount.fen)), ("笔", "loans")),
        (("担保金额", "Guaranteed"), wan(t.guaranteed.fen), ("万元", "× 10k yuan")),
        (("担保费收入", "Guarantee fees"), wan(t.guarantee_fees.fen), ("万元", "× 10k yuan")),
        (("审批通过率", "Approval rate"), (dash(percent_number(t.approval_rate_bps)), None), ("%", "%")),
        (("申请至审批决定（中位数）", "Days to decision (median)"), days(&v.to_decision), ("天", "days")),
        (("申请至放款（中位数）", "Days to disbursement (median)"), days(&v.to_disbursement), ("天", "days")),
        (("首贷占比", "First loans"), share(&v.first_loans), ("%", "%")),
        (("信用贷款占比", "Credit loans"), share(&v.credit_loans), ("%", "%")),
    ]
    .into_iter()
    .map(|(name, (value, note), unit)| {
        let (note, note_en) = note.unwrap_or_default();
        json!({
            "name": name.0, "name_en": name.1, "value": value, "unit": unit.0, "unit_en": unit.1,
            "note": note, "note_en": note_en,
        })
    })
    .collect()
}

/// The funnel's table (applications → accepted → approved → disbursed), exported with the key figures.
fn funnel(v: &UptakeView) -> Table {
    let t = &v.totals;
    let stage = |zh: &str, en: &str, n: u64| vec![Cell::label(zh, en), Cell::count(n)];
    Table {
        sheet: "漏斗".to_owned(),
        headers: vec![h("阶段", "Stage"), h("笔数", "Count")],
        rows: vec![
            stage("申请", "Applications", t.applications),
            stage("受理", "Accepted", t.accepted),
            stage("审批通过", "Approved", t.approved),
            stage("放款", "Disbursed", t.disbursed),
        ],
    }
}

/// The link from the dashboard (its form's `values`) to its applications: the operator's scope, the period
/// and the product.
fn list_href(values: &BTreeMap<String, String>, board: Board) -> String {
    let keys = ["scope", "from", "to", "product"].into_iter().filter(|k| *k != "scope" || board == Board::Operator);
    format!("{}/applications?{}", board.path(), query(keys.filter_map(|k| Some((k, values.get(k)?)))))
}

/// The charts' sections: what each draws, and its table.
fn sections(v: &UptakeView, en: bool, query: &str) -> Vec<Value> {
    // (section and chart, what it draws, its table, its title, the table its export links give).
    let charted = |id: &'static str, chart: &'static str, name: TableName| {
        (id, chart, tables::uptake(v, name), name.title(), name)
    };
    let mut parts = vec![
        charted("trend", "trend", TableName::Series),
        ("funnel", "funnel", funnel(v), ("申请漏斗", "Funnel"), TableName::Totals),
        charted("rejections", "rejections", TableName::Rejections),
    ];
    // The breakdowns: the uptake tables after the totals, the series and the rejections.
    parts.extend(TableName::UPTAKE[3..].iter().map(|&name| charted(name.as_str(), "breakdown", name)));
    parts
        .into_iter()
        .map(|(id, chart, mut table, title, export)| {
            let rows = table.rows.len();
            table.rows.truncate(BREAKDOWN_ROWS);
            let mut view = table_view(&table, en, title, export, query);
            if rows > BREAKDOWN_ROWS {
                view["note"] = json!(if en {
                    format!("The first {BREAKDOWN_ROWS} of {rows} rows, largest first; the export holds them all.")
                } else {
                    format!("按申请笔数从多到少显示前 {BREAKDOWN_ROWS} 行，共 {rows} 行；导出文件包含全部。")
                });
            }
            json!({
                "id": id, "chart": chart, "key": id, "title": title.0, "title_en": title.1,
                "empty": chart != "funnel" && table.rows.is_empty(),
                "table": view,
            })
        })
        .collect()
}

/// A bad filter (400) or an unknown agency or lender (404) is shown above the form, with its status; anything
/// else is the error page.
fn form_error(e: ApiError, page: &Page, context: &mut Map<String, Value>) -> PageResult<StatusCode> {
    if e.status != StatusCode::BAD_REQUEST && e.status != StatusCode::NOT_FOUND {
        return Err(e);
    }
    // The message names the parameter in the page's words (起始日期, start date).
    let message = page.pick(&e.body.message, &e.body.message_en);
    context.insert("error".into(), message.into());
    Ok(e.status)
}

/// The dashboard page for the query `raw` (the request's own, or the one the target form came from);
/// `extra` (the target form posted with its errors) is shown with status 400.
async fn dashboard(
    state: &AppState,
    board: Board,
    principal: &Principal,
    page: &Page,
    raw: Option<&str>,
    extra: Option<Map<String, Value>>,
) -> PageResult {
    let values = pairs(raw);
    let mut context = Map::new();
    let mut status = StatusCode::OK;
    let mut early_choices = None;
    let figures = match figures::parse_query(state, principal, &figures_query(&values, board, &FIGURE_KEYS)).await {
        // The lists to choose from depend on the figures only for the whole market (its products with
        // figures); otherwise they are read while the figures are computed.
        Ok(parsed) if parsed.query.scope == Scope::Market => {
            let view = figures::compute(state, &parsed).await?;
            Some((parsed, view))
        }
        Ok(parsed) => {
            let (view, choices) =
                tokio::try_join!(figures::compute(state, &parsed), choices(state, board, Some(&parsed), None))?;
            early_choices = Some(choices);
            Some((parsed, view))
        }
        Err(e) => {
            status = form_error(e, page, &mut context)?;
            None
        }
    };
    let choices = match early_choices {
        Some(choices) => choices,
        None => choices(state, board, figures.as_ref().map(|(p, _)| p), figures.as_ref().map(|(_, v)| v)).await?,
    };
    let mut form = values.clone();
    if let Some((parsed, view)) = &figures {
        let (q, en) = (&parsed.query, page.en());
        // The form shows the period and granularity the figures cover (the defaults included).
        form.insert("from".into(), q.from.to_string());
        form.insert("to".into(), q.to.to_string());
        form.insert("granularity".into(), granularity_name(q.granularity).into());
        // The exports' query: the figures' as shown (the period and granularity as computed).
        let query = figures_query(&form, board, &FIGURE_KEYS);
        let totals = tables::uptake(view, TableName::Totals);
        context.extend(object(json!({
            "uptake": view,
            "data_json": chart_data(view, page.lang),
            "figures": key_figures(view),
            "totals": table_view(&totals, en, TableName::Totals.title(), TableName::Totals, &query),
            "sections": sections(view, en, &query),
            "list_href": list_href(&form, board),
            "back_query": page_query(&values),
            "scope_name": parsed.scope_name,
            "whole_market": q.scope == Scope::Market,
        })));
        if board == Board::Operator {
            context.insert("watch".into(), watch::context(state, q.from, q.to, en).await?);
        }
    }
    context.extend(object(json!({
        "choices": choices, "values": form, "board": board.name(), "action": board.path(), "page": "dashboard",
    })));
    if let Some(note) = watch::done_note(raw) {
        context.insert("done".into(), note);
    }
    if let Some(extra) = extra {
        status = StatusCode::BAD_REQUEST;
        context.extend(extra);
    }
    page.show_with(status, "dashboard.html", context)
}

async fn agency_dashboard(AgencyUser(p, _): AgencyUser, State(state): State<AppState>, page: Page) -> PageResult {
    dashboard(&state, Board::Agency, &p, &page, page.query(), None).await
}

async fn admin_dashboard(OperatorUser(p, _): OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    dashboard(&state, Board::Operator, &p, &page, page.query(), None).await
}

/// `POST /admin/dashboard/target`: the operator sets a year's target (loans and amount in 万元); back to the
/// dashboard with a note, or the dashboard again with the reasons beside the fields (400).
async fn target_submit(
    OperatorUser(principal, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let back = watch::back_query(form.field("back"));
    let errors = match watch::parse_target(&form) {
        Err(errors) => errors,
        Ok((year, loans, amount)) => {
            match state.store.set_uptake_target(year, loans, amount, &caller.audit(&principal, "target.set")).await {
                Ok(_) => {
                    let sep = if back.is_empty() { "" } else { "&" };
                    return Ok(see_other(&format!("/admin/dashboard?{back}{sep}done=target#target")));
                }
                Err(StoreError::Invalid(errors)) => errors,
                Err(e) => return Err(e.into()),
            }
        }
    };
    // The dashboard the form came from, again (its language switch leads to the dashboard, not the post).
    let raw = (!back.is_empty()).then_some(back.as_str());
    let extra = object(json!({
        "target_form": {
            "year": form.field("year"), "loans": form.field("loans"), "amount": form.field("amount"),
            "errors": page.field_messages(&errors),
        },
        "switch_href": switch_href(Board::Operator.path(), raw, page.lang),
    }));
    dashboard(&state, Board::Operator, &principal, &page, raw, Some(extra)).await
}

// ---------------------------------------------------------------------------------------------------------
// The underlying applications

async fn applications_page(state: &AppState, board: Board, principal: &Principal, page: &Page) -> PageResult {
    let values = pairs(page.query());
    let mut context = Map::new();
    let mut status = StatusCode::OK;
    let listed = async {
        let parsed = figures::parse_query(state, principal, &figures_query(&values, board, &[])).await?;
        // The list's filters and the page's cursor (other keys are ignored).
        let value = |key: &str| values.get(key).cloned();
        let list = ApplicationListParams {
            state: value("state"),
            product: value("product"),
            from: value("from"),
            to: value("to"),
            after: value("after"),
            ..ApplicationListParams::default()
        };
        let mut filter = list.filter()?;
        filter.limit = PAGE_ROWS;
        let apps = applications_in(state, parsed.query.scope, &filter).await?;
        Ok::<_, ApiError>((parsed, apps))
    }
    .await;
    let parsed = match listed {
        Ok((parsed, apps)) => {
            let (name, export) = (TableName::Applications, figures_query(&values, board, &LIST_KEYS));
            let table = table_view(&tables::applications(&apps), page.en(), name.title(), name, &export);
            context.extend(object(json!({
                "table": table,
                "count": apps.len(),
                "paged": values.contains_key("after"),
                "first_query": query(values.iter().filter(|(k, _)| k.as_str() != "after")),
                "scope_name": parsed.scope_name,
                "whole_market": parsed.query.scope == Scope::Market,
            })));
            if let Some(last) = apps.last().filter(|_| apps.len() as u64 >= PAGE_ROWS) {
                // The next page: the same filters, after this page's last row.
                let mut next = values.clone();
                next.insert("after".into(), ListCursor::after(last).to_string());
                context.insert("next_href".into(), format!("{}/applications?{}", board.path(), query(&next)).into());
            }
            Some(parsed)
        }
        Err(e) => {
            status = form_error(e, page, &mut context)?;
            None
        }
    };
    let choices = choices(state, board, parsed.as_ref(), None).await?;
    context.extend(object(json!({
        "choices": choices, "values": values, "board": board.name(), "action": format!("{}/applications", board.path()),
        "dashboard": board.path(), "page": "dashboard", "page_rows": PAGE_ROWS, "export_rows": EXPORT_ROWS,
    })));
    page.show_with(status, "dashboard_applications.html", context)
}

async fn agency_applications(AgencyUser(p, _): AgencyUser, State(state): State<AppState>, page: Page) -> PageResult {
    applications_page(&state, Board::Agency, &p, &page).await
}

async fn admin_applications(OperatorUser(p, _): OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    applications_page(&state, Board::Operator, &p, &page).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::feature;
    use super::super::figures::{BreakdownRow, CountsView, PeriodView, ReasonRow, ScopeView};
    use super::*;
    use crate::http::page::frame;
    use chrono::NaiveDate;
    use finmart_store::stats::{Counts, Durations, Granularity, Share};

    fn view() -> UptakeView {
        let counts = CountsView::from(&Counts {
            applications: 3,
            applied_fen: 180_000_000,
            accepted: 3,
            approved: 2,
            approved_fen: 130_000_000,
            rejected: 1,
            disbursed: 1,
            disbursed_fen: 80_000_000,
            withdrawn: 0,
            guaranteed_fen: 80_000_000,
            guarantee_fees_fen: 1_200_000,
        });
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let row = |key: &str, label: &str| BreakdownRow {
            key: key.to_owned(),
            label: label.to_owned(),
            label_en: format!("{key} <en>"),
            counts: counts.clone(),
        };
        UptakeView {
            scope: ScopeView {
                kind: "agency",
                id: Some(7),
                name: "津门融资担保".into(),
                from: day,
                to: day,
                granularity: Granularity::Day,
            },
            totals: counts.clone(),
            to_decision: DurationsView::from(&Durations { count: 3, median_tenths: Some(15), p90_tenths: Some(42) }),
            to_disbursement: DurationsView::from(&Durations::default()),
            series: vec![PeriodView { start: day, counts: counts.clone() }],
            rejections_by_reason: vec![ReasonRow { reason: "经营流水不足".into(), count: 1 }],
            by_product: vec![row("11", "看板担保贷")],
            by_institution: vec![row("3", "津沽商业银行")],
            by_district: vec![row("binhai", "滨海新区")],
            by_industry: vec![],
            by_scale: vec![row("small", "小型")],
            by_family: vec![row("credit", "信用贷")],
            by_qualification: vec![],
            first_loans: ShareView::from(&Share { count: 1, of: 1, bps: Some(10_000) }),
            credit_loans: ShareView::from(&Share { count: 0, of: 1, bps: Some(0) }),
        }
    }

    /// A breakdown longer than a page holds (the whole market's products) shows its largest rows and
    /// says that the export has them all; the charts get those rows only.
    #[test]
    fn long_breakdowns_show_their_largest_rows_and_point_to_the_export() {
        let mut v = view();
        let one = v.by_product[0].clone();
        v.by_product = (0..150).map(|i| BreakdownRow { key: i.to_string(), ..one.clone() }).collect();
        let sections = sections(&v, false, "from=2026-03-01");
        let products = sections.iter().find(|s| s["id"] == "by_product").unwrap();
        assert_eq!(products["table"]["rows"].as_array().unwrap().len(), BREAKDOWN_ROWS);
        assert_eq!(products["table"]["note"], "按申请笔数从多到少显示前 100 行，共 150 行；导出文件包含全部。");
        let lenders = sections.iter().find(|s| s["id"] == "by_institution").unwrap();
        assert!(lenders["table"].get("note").is_none());
        let data: Value = serde_json::from_str(&chart_data(&v, Lang::Zh)).unwrap();
        assert_eq!(data["uptake"]["by_product"].as_array().unwrap().len(), BREAKDOWN_ROWS);
        assert_eq!(data["uptake"]["by_product"][99]["key"], "99");
    }

    /// The dashboard renders in both languages with its tables, export links and the charts' data.
    #[test]
    fn the_dashboard_renders_its_figures_tables_and_chart_data() {
        let templates = crate::http::templates::Templates::new(&[feature().templates]);
        let v = view();
        for lang in [Lang::Zh, Lang::En] {
            let query = "from=2026-03-01&to=2026-03-01";
            let mut context = frame(lang, "/agency/dashboard", None);
            for (k, val) in [
                ("board", json!("agency")),
                ("action", json!("/agency/dashboard")),
                ("uptake", serde_json::to_value(&v).unwrap()),
                ("data_json", chart_data(&v, lang).into()),
                ("figures", key_figures(&v).into()),
                (
                    "totals",
                    table_view(
                        &tables::uptake(&v, TableName::Totals),
                        lang.is_en(),
                        ("关键指标", "Key figures"),
                        TableName::Totals,
                        query,
                    ),
                ),
                ("sections", sections(&v, lang.is_en(), query).into()),
                (
                    "choices",
                    json!({"scopes": [], "granularities": [], "products": [], "lenders": [], "districts": [], "industries": [], "scales": [], "families": []}),
                ),
                ("values", json!({})),
                ("scope_name", json!("津门融资担保")),
                ("list_href", json!("/agency/dashboard/applications?from=2026-03-01")),
            ] {
                context.insert(k.into(), val);
            }
            let html = templates.render("dashboard.html", Value::Object(context.clone())).unwrap();
            for needle in
                ["看板担保贷", "id=\"t-by_scale\"", "data-chart=\"funnel\"", "table=by_family&amp;format=csv", "1.2"]
            {
                assert!(html.contains(needle), "{needle} ({lang:?})");
            }
            assert!(html.contains("<p class=\"empty\">"), "an empty breakdown says so");
            assert!(!html.contains("<en>"), "labels are escaped, in the table and in the chart data");
            assert_eq!(html.contains("Key figures"), lang.is_en());
            // Names from the data are marked with their language on the English page, nowhere else.
            assert_eq!(html.contains("<span lang=\"zh-CN\">看板担保贷</span>"), lang.is_en());
            assert_eq!(html.contains("<span lang=\"zh-CN\">津门融资担保</span>"), lang.is_en());
            assert!(html.contains(if lang.is_en() { ">Excel (XLSX)</a>" } else { ">电子表格（XLSX）</a>" }));
            // The operator's scopes: one group per kind, each institution by its name.
            context.insert("board".into(), json!("operator"));
            context.insert(
                "choices".into(),
                json!({"scopes": [{"label": "金融机构", "label_en": "Lenders", "options": [{"code": "lender:3", "name": "津沽商业银行"}]}],
                    "granularities": [], "products": [{"code": "11", "label": "看板担保贷"}], "lenders": [], "districts": [],
                    "industries": [], "scales": [], "families": []}),
            );
            context.insert("values".into(), json!({"scope": "lender:3"}));
            let html = templates.render("dashboard.html", Value::Object(context)).unwrap();
            let mark = if lang.is_en() { " lang=\"zh-CN\"" } else { "" };
            let group = if lang.is_en() { "Lenders" } else { "金融机构" };
            for needle in [
                format!("<optgroup label=\"{group}\">"),
                format!("<option value=\"lender:3\" selected{mark}>津沽商业银行</option>"),
                format!("<option value=\"11\"{mark}>看板担保贷</option>"),
            ] {
                assert!(html.contains(&needle), "{needle} ({lang:?})");
            }
        }
        assert!(chart_data(&v, Lang::En).contains("\\u003cen\\u003e"));
        let totals = tables::uptake(&v, TableName::Totals);
        let row = |name: &str| totals.rows.iter().find(|r| r[0].display(false) == name).unwrap()[1].display(false);
        assert_eq!(
            (row("申请").as_str(), row("担保费收入").as_str(), row("审批通过率").as_str()),
            ("3", "1.2", "66.67")
        );
        assert_eq!(row("申请至审批决定天数中位数"), "1.5");
        assert_eq!(row("申请至放款天数中位数"), "", "no disbursements: empty, not zero");
    }

    #[test]
    fn queries_keep_the_filters_and_the_operators_scope() {
        let values = pairs(Some("scope=agency%3A7&from=2026-01-01&district=&lang=en&colour=red&product=3"));
        assert_eq!(figures_query(&values, Board::Operator, &FIGURE_KEYS), "agency=7&from=2026-01-01&product=3");
        assert_eq!(
            figures_query(&values, Board::Agency, &FIGURE_KEYS),
            "from=2026-01-01&product=3",
            "agencies have no scope choice"
        );
        assert_eq!(scope_param(&pairs(Some("scope=market")), Board::Operator), None);
    }
}
