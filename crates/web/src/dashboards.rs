//! The uptake dashboards: the guarantee agency's (`/agency/dashboard`, the products it guarantees) and the
//! operator's (`/admin/dashboard`, the whole market or one agency or lender, with the market watch and the
//! yearly target), each with its list of underlying applications (`…/dashboard/applications`), and the
//! exports of every table as CSV or XLSX (`GET /api/v1/stats/uptake/export`).
//!
//! The figures are those of `/api/v1/stats/uptake` ([`crate::stats`]): the page embeds the same JSON for
//! `dashboard.js`, which draws the ECharts charts, and renders every chart's numbers as a table
//! ([`tables`]), which is also what the exports write ([`crate::export`]). The filter form is a plain GET
//! form, so the page works without JavaScript.

pub mod tables;
mod watch;

use crate::auth::{Auth, require};
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Format, Table};
use crate::lang::{Lang, negotiate};
use crate::pages::{PageError, page_error, show};
use crate::state::{AppState, today};
use crate::stats::{self, Parsed, UptakeView};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use finmart_domain::{
    ApplicationState, District, EnterpriseScale, Industry, InstitutionKind, Labelled, Principal, ProductFamily, Role,
    ValueError,
};
use finmart_store::stats::{Granularity, Scope};
use finmart_store::{Application, ApplicationFilter, ListCursor, MAX_LIST_ROWS};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use tables::TableName;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This module's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    crate::template!("dashboard.html"),
    crate::template!("dashboard_applications.html"),
    crate::template!("dashboard_parts.html"),
];

/// The most applications a list page shows, and the most an export writes (the store's largest page).
const PAGE_ROWS: u64 = 200;
/// The most rows an export of the applications list holds (a spreadsheet takes 1,048,576).
const EXPORT_ROWS: usize = 100_000;
/// The most rows a breakdown shows on a page (largest first), in its table, its chart and the market's
/// product choices; exports and the API hold every row.
const BREAKDOWN_ROWS: usize = 100;

/// The filters of the dashboard form that pass to the figures as they are.
const FIGURE_KEYS: [&str; 9] =
    ["from", "to", "granularity", "product", "institution", "district", "industry", "scale", "family"];
/// The filters of the application list.
const LIST_KEYS: [&str; 4] = ["state", "product", "from", "to"];

/// This module's pages and form posts.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/agency/dashboard", get(agency_dashboard))
        .route("/agency/dashboard/applications", get(agency_applications))
        .route("/admin/dashboard", get(admin_dashboard))
        .route("/admin/dashboard/applications", get(admin_applications))
        .route("/admin/dashboard/target", post(watch::target_submit))
}

/// This module's API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_table))
}

fn bad(field: &str, text: &str) -> ApiError {
    ApiError::invalid(field, &ValueError::Invalid(text.to_owned()))
}

/// Which dashboard: the agency's or the operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Board {
    Agency,
    Operator,
}

impl Board {
    fn path(self) -> &'static str {
        match self {
            Self::Agency => "/agency/dashboard",
            Self::Operator => "/admin/dashboard",
        }
    }

    fn check(self, p: &Principal) -> Result<(), ApiError> {
        match self {
            Self::Agency => {
                require(p, &[Role::Agency]).and_then(|()| p.agency().map(|_| ()).ok_or_else(ApiError::forbidden))
            }
            Self::Operator => require(p, &[Role::Operator]),
        }
    }
}

/// The query string's pairs, the non-empty ones, first value per key.
fn pairs(raw: Option<&str>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let v = v.trim();
        if !v.is_empty() {
            map.entry(k.into_owned()).or_insert_with(|| v.to_owned());
        }
    }
    map
}

/// The operator's `scope` choice (`agency:3`, `lender:5`; anything else is the market) as the figures'
/// `agency=` / `lender=` parameter.
fn scope_param(values: &BTreeMap<String, String>, board: Board) -> Option<(&'static str, String)> {
    if board != Board::Operator {
        return None;
    }
    let (kind, id) = values.get("scope")?.split_once(':')?;
    match kind {
        "agency" => Some(("agency", id.to_owned())),
        "lender" => Some(("lender", id.to_owned())),
        _ => None,
    }
}

/// The figures' query string from the page's form: the filters as given, and the operator's scope.
fn figures_query(values: &BTreeMap<String, String>, board: Board, keys: &[&str]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if let Some((k, v)) = scope_param(values, board) {
        out.append_pair(k, &v);
    }
    for key in keys {
        if let Some(v) = values.get(*key) {
            out.append_pair(key, v);
        }
    }
    out.finish()
}

/// The dashboard's own query (the operator's `scope` as chosen, the filters), to come back to it.
fn page_query(values: &BTreeMap<String, String>) -> String {
    let keys = std::iter::once("scope").chain(FIGURE_KEYS);
    let pairs = keys.filter_map(|k| values.get(k).map(|v| (k, v.as_str())));
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "day",
        Granularity::Week => "week",
        Granularity::Month => "month",
    }
}

/// The export's query for the figures shown: the scope (the operator's choice only), the period and
/// granularity as computed, and the filters.
fn export_query(p: &Principal, parsed: &Parsed) -> String {
    let q = &parsed.query;
    let mut out = form_urlencoded::Serializer::new(String::new());
    if p.is_operator() {
        match q.scope {
            Scope::Agency(id) => {
                out.append_pair("agency", &id.to_string());
            }
            Scope::Institution(id) => {
                out.append_pair("lender", &id.to_string());
            }
            Scope::Market => {}
        }
    }
    out.append_pair("from", &q.from.to_string());
    out.append_pair("to", &q.to.to_string());
    out.append_pair("granularity", granularity_name(q.granularity));
    let f = &q.filter;
    for (k, v) in [("product", f.product_id), ("institution", f.institution_id)] {
        if let Some(v) = v {
            out.append_pair(k, &v.to_string());
        }
    }
    for (k, v) in [("district", &f.district), ("industry", &f.industry), ("scale", &f.scale), ("family", &f.family)] {
        if let Some(v) = v {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

const EXPORT_PATH: &str = "/api/v1/stats/uptake/export";

fn export_links(table: TableName, query: &str) -> Value {
    let href = |format: &str| format!("{EXPORT_PATH}?table={}&format={format}&{query}", table.as_str());
    json!({"csv": href("csv"), "xlsx": href("xlsx")})
}

/// A table as the page shows it: caption, headers, cells as text in the page's language, numbers marked.
fn table_view(table: &Table, en: bool, title: (&str, &str), links: Value) -> Value {
    let headers: Vec<Value> = table.headers.iter().map(|(zh, e)| json!(if en { e } else { zh })).collect();
    let numeric: Vec<bool> =
        (0..table.headers.len()).map(|i| table.rows.iter().any(|r| r.get(i).is_some_and(|c| c.is_number()))).collect();
    let rows: Vec<Value> = table
        .rows
        .iter()
        .map(|r| Value::Array(r.iter().map(|c| json!({"text": c.display(en), "num": c.is_number()})).collect()))
        .collect();
    json!({
        "caption": if en { title.1 } else { title.0 },
        "headers": headers.into_iter().zip(numeric).map(|(h, n)| json!({"text": h, "num": n})).collect::<Vec<_>>(),
        "rows": rows,
        "export": links,
    })
}

fn option(code: impl ToString, label: &str, label_en: &str) -> Value {
    json!({"code": code.to_string(), "label": label, "label_en": label_en})
}

fn vocabulary<T: Labelled>() -> Vec<Value> {
    T::ALL.iter().map(|v| option(v.as_str(), v.label_zh(), v.label_en())).collect()
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
                products.push(option(p.id, &p.spec.name, &p.spec.name));
                seen.insert(p.institution.id, p.institution.name.clone());
            }
            lenders = seen.into_iter().map(|(id, name)| option(id, &name, &name)).collect();
        }
        Scope::Institution(id) => {
            for m in state.store.managed_products(id).await? {
                products.push(option(m.product.id, &m.product.spec.name, &m.product.spec.name));
            }
        }
        Scope::Market => {
            // The market's products with the most applications in the period (and the one chosen, if any).
            for r in view.map_or(&[][..], |v| &v.by_product[..]).iter().take(BREAKDOWN_ROWS) {
                products.push(option(&r.key, &r.label, &r.label_en));
            }
            let chosen = parsed.and_then(|p| p.query.filter.product_id);
            if let Some(id) =
                chosen.filter(|id| !products.iter().any(|o| o["code"].as_str() == Some(id.to_string().as_str())))
                && let Some(p) = state.store.product(id).await?
            {
                products.push(option(p.id, &p.spec.name, &p.spec.name));
            }
            lenders = institutions
                .iter()
                .filter(|i| i.kind != InstitutionKind::GuaranteeAgency)
                .map(|i| option(i.id, &i.name, &i.name))
                .collect();
        }
    }
    let mut scopes = vec![option("market", "全市场", "Whole market")];
    if board == Board::Operator {
        for i in &institutions {
            let (kind, zh, en) = if i.kind == InstitutionKind::GuaranteeAgency {
                ("agency", "担保机构", "Agency")
            } else {
                ("lender", "金融机构", "Lender")
            };
            scopes.push(option(format!("{kind}:{}", i.id), &format!("{zh}：{}", i.name), &format!("{en}: {}", i.name)));
        }
    }
    Ok(json!({
        "granularities": [option("day", "按日", "Daily"), option("week", "按周", "Weekly"), option("month", "按月", "Monthly")],
        "products": products,
        "lenders": lenders,
        "districts": vocabulary::<District>(),
        "industries": vocabulary::<Industry>(),
        "scales": vocabulary::<EnterpriseScale>(),
        "families": vocabulary::<ProductFamily>(),
        "scopes": scopes,
        "states": vocabulary::<ApplicationState>(),
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
    let mut out = String::new();
    for c in data.to_string().chars() {
        match c {
            '<' | '>' | '&' | '\'' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// One key figure: a name, the value with its unit, and a note.
fn key_figure(name: (&str, &str), value: String, unit: (&str, &str), note: Option<(String, String)>) -> Value {
    let (note, note_en) = note.unwrap_or_default();
    json!({"name": name.0, "name_en": name.1, "value": value, "unit": unit.0, "unit_en": unit.1, "note": note, "note_en": note_en})
}

fn percent_text(bps: Option<u32>) -> String {
    bps.map_or_else(|| "—".to_owned(), |b| format!("{}.{:02}", b / 100, b % 100))
}

fn key_figures(v: &UptakeView) -> Vec<Value> {
    let t = &v.totals;
    let amount = |w: &str| Some((format!("{w} 万元"), format!("{w} × 10k yuan")));
    let days = |d: &stats::DurationsView| {
        let median = d.median_days.clone().unwrap_or_else(|| "—".to_owned());
        let p90 = d.p90_days.clone().unwrap_or_else(|| "—".to_owned());
        (
            median,
            Some((
                format!("第90百分位 {p90} 天（{} 笔）", d.count),
                format!("90th percentile {p90} days ({} loans)", d.count),
            )),
        )
    };
    let (decision, decision_note) = days(&v.to_decision);
    let (disbursement, disbursement_note) = days(&v.to_disbursement);
    let share = |s: &stats::ShareView| {
        (
            percent_text(s.bps),
            Some((format!("{} / {} 笔放款", s.count, s.of), format!("{} of {} loans", s.count, s.of))),
        )
    };
    let (first, first_note) = share(&v.first_loans);
    let (credit, credit_note) = share(&v.credit_loans);
    vec![
        key_figure(
            ("申请", "Applications"),
            t.applications.to_string(),
            ("笔", "applications"),
            amount(&t.applied.wan),
        ),
        key_figure(("受理", "Accepted"), t.accepted.to_string(), ("笔", "accepted"), None),
        key_figure(
            ("审批通过", "Approved"),
            t.approved.to_string(),
            ("笔", "approved"),
            amount(&t.approved_amount.wan),
        ),
        key_figure(("拒绝", "Rejected"), t.rejected.to_string(), ("笔", "rejected"), None),
        key_figure(("放款", "Disbursed"), t.disbursed.to_string(), ("笔", "loans"), amount(&t.disbursed_amount.wan)),
        key_figure(("担保金额", "Guaranteed"), t.guaranteed.wan.clone(), ("万元", "× 10k yuan"), None),
        key_figure(("担保费收入", "Guarantee fees"), t.guarantee_fees.wan.clone(), ("万元", "× 10k yuan"), None),
        key_figure(("审批通过率", "Approval rate"), percent_text(t.approval_rate_bps), ("%", "%"), None),
        key_figure(("申请至审批决定（中位数）", "Days to decision (median)"), decision, ("天", "days"), decision_note),
        key_figure(
            ("申请至放款（中位数）", "Days to disbursement (median)"),
            disbursement,
            ("天", "days"),
            disbursement_note,
        ),
        key_figure(("首贷占比", "First loans"), first, ("%", "%"), first_note),
        key_figure(("信用贷款占比", "Credit loans"), credit, ("%", "%"), credit_note),
    ]
}

/// The funnel's table (applications → accepted → approved → disbursed), exported with the key figures.
fn funnel(v: &UptakeView) -> Table {
    use crate::export::Cell;
    let t = &v.totals;
    let stage = |zh: &str, en: &str, n: u64| vec![Cell::label(zh, en), Cell::count(n)];
    Table {
        sheet: "漏斗".to_owned(),
        headers: vec![("阶段".into(), "Stage".into()), ("笔数".into(), "Count".into())],
        rows: vec![
            stage("申请", "Applications", t.applications),
            stage("受理", "Accepted", t.accepted),
            stage("审批通过", "Approved", t.approved),
            stage("放款", "Disbursed", t.disbursed),
        ],
    }
}

/// The link from the dashboard to its applications: the scope, the period and the product.
fn list_href(values: &BTreeMap<String, String>, board: Board, parsed: &Parsed) -> String {
    let mut list = form_urlencoded::Serializer::new(String::new());
    if let Some(scope) = values.get("scope").filter(|_| board == Board::Operator) {
        list.append_pair("scope", scope);
    }
    list.append_pair("from", &parsed.query.from.to_string());
    list.append_pair("to", &parsed.query.to.to_string());
    if let Some(product) = parsed.query.filter.product_id {
        list.append_pair("product", &product.to_string());
    }
    format!("{}/applications?{}", board.path(), list.finish())
}

/// The charts' sections: what each draws, and its table.
fn sections(v: &UptakeView, en: bool, query: &str) -> Vec<Value> {
    // (section and chart, what it draws, its table, its title, the table its export links give).
    let mut parts = vec![
        ("trend", "trend", tables::uptake(v, TableName::Series), TableName::Series.title(), TableName::Series),
        ("funnel", "funnel", funnel(v), ("申请漏斗", "Funnel"), TableName::Totals),
        (
            "rejections",
            "rejections",
            tables::uptake(v, TableName::Rejections),
            TableName::Rejections.title(),
            TableName::Rejections,
        ),
    ];
    for name in [
        TableName::ByProduct,
        TableName::ByInstitution,
        TableName::ByDistrict,
        TableName::ByIndustry,
        TableName::ByScale,
        TableName::ByQualification,
        TableName::ByFamily,
    ] {
        parts.push((name.as_str(), "breakdown", tables::uptake(v, name), name.title(), name));
    }
    parts
        .into_iter()
        .map(|(id, chart, mut table, title, export)| {
            let rows = table.rows.len();
            table.rows.truncate(BREAKDOWN_ROWS);
            let mut view = table_view(&table, en, title, export_links(export, query));
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

fn error_text(e: &ApiError, lang: Lang) -> String {
    let message = if lang.is_en() { &e.body.message_en } else { &e.body.message };
    match &e.body.field {
        Some(field) => format!("{field}: {message}"),
        None => message.clone(),
    }
}

/// The dashboard page; `extra` (the target form posted with its errors) is shown with status 400.
async fn dashboard(
    state: AppState,
    board: Board,
    principal: Principal,
    headers: HeaderMap,
    raw: Option<String>,
    extra: Option<Map<String, Value>>,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e: ApiError| page_error(&state, lang, e);
    board.check(&principal).map_err(fail)?;
    let values = pairs(raw.as_deref());
    let query = figures_query(&values, board, &FIGURE_KEYS);
    let mut context = Map::new();
    let mut status = StatusCode::OK;
    let mut early_choices = None;
    let figures = match stats::parse(&state, &principal, Some(&query)).await {
        Ok(parsed) => {
            // The lists to choose from depend on the figures only for the whole market (its products with
            // figures); otherwise they are read while the figures are computed.
            let view = if parsed.query.scope == Scope::Market {
                stats::compute(&state, &parsed).await.map_err(fail)?
            } else {
                let (view, choices) =
                    tokio::try_join!(stats::compute(&state, &parsed), choices(&state, board, Some(&parsed), None))
                        .map_err(fail)?;
                early_choices = Some(choices);
                view
            };
            Some((parsed, view))
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::NOT_FOUND => {
            status = e.status;
            context.insert("error".into(), error_text(&e, lang).into());
            None
        }
        Err(e) => return Err(fail(e)),
    };
    let parsed = figures.as_ref().map(|(p, _)| p);
    let view = figures.as_ref().map(|(_, v)| v);
    let choices = match early_choices {
        Some(choices) => choices,
        None => choices(&state, board, parsed, view).await.map_err(fail)?,
    };
    context.insert("choices".into(), choices);
    let mut form = values.clone();
    if let Some(p) = parsed {
        // The form shows the period and granularity the figures cover (the defaults included).
        form.insert("from".into(), p.query.from.to_string());
        form.insert("to".into(), p.query.to.to_string());
        form.insert("granularity".into(), granularity_name(p.query.granularity).into());
    }
    if let Some((parsed, view)) = &figures {
        let query = export_query(&principal, parsed);
        let totals = tables::uptake(view, TableName::Totals);
        context.insert("uptake".into(), serde_json::to_value(view).map_err(|e| fail(ApiError::internal(&e)))?);
        context.insert("data_json".into(), chart_data(view, lang).into());
        context.insert("figures".into(), key_figures(view).into());
        context.insert(
            "totals".into(),
            table_view(&totals, lang.is_en(), TableName::Totals.title(), export_links(TableName::Totals, &query)),
        );
        context.insert("sections".into(), sections(view, lang.is_en(), &query).into());
        context.insert("list_href".into(), list_href(&values, board, parsed).into());
        context.insert("back_query".into(), page_query(&values).into());
        if board == Board::Operator {
            let watch = watch::context(&state, parsed.query.from, parsed.query.to, lang).await.map_err(fail)?;
            context.insert("watch".into(), watch);
        }
        context.insert("scope_name".into(), parsed.scope_name.clone().into());
    }
    context.insert("values".into(), serde_json::to_value(&form).unwrap_or_default());
    context.insert("board".into(), if board == Board::Operator { "operator" } else { "agency" }.into());
    context.insert("action".into(), board.path().into());
    context.insert("page".into(), "dashboard".into());
    if let Some(note) = watch::done_note(raw.as_deref()) {
        context.insert("done".into(), note);
    }
    if let Some(extra) = extra {
        status = StatusCode::BAD_REQUEST;
        context.extend(extra);
    }
    show(&state, (lang, cookie), "dashboard.html", context, board.path(), raw.as_deref(), status)
}

async fn agency_dashboard(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    dashboard(state, Board::Agency, principal, headers, raw, None).await
}

async fn admin_dashboard(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    dashboard(state, Board::Operator, principal, headers, raw, None).await
}

// ---------------------------------------------------------------------------------------------------------
// The underlying applications

/// The applications of a scope, newest first, filtered.
async fn applications_in(
    state: &AppState,
    scope: Scope,
    filter: &ApplicationFilter,
) -> Result<Vec<Application>, ApiError> {
    Ok(match scope {
        Scope::Market => state.store.all_applications(filter).await?,
        Scope::Institution(id) => state.store.inbox(id, filter).await?,
        Scope::Agency(id) => state.store.applications_for_agency(id, filter).await?,
    })
}

/// The scope (and its name) of `p`, with the operator's `agency=` / `lender=` choice in `scope_query`.
async fn scope_of(state: &AppState, p: &Principal, scope_query: &str) -> Result<Parsed, ApiError> {
    stats::parse(state, p, Some(scope_query)).await
}

/// The list filter from the query's list keys (unknown keys are the caller's to refuse).
fn list_filter(values: &BTreeMap<String, String>, limit: u64) -> Result<ApplicationFilter, ApiError> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for key in LIST_KEYS.iter().chain(&["after"]) {
        if let Some(v) = values.get(*key) {
            out.append_pair(key, v);
        }
    }
    let query = out.finish();
    let mut filter = crate::applications::parse_filter(Some(&query), true)?;
    filter.limit = limit;
    Ok(filter)
}

async fn applications_page(
    state: AppState,
    board: Board,
    principal: Principal,
    headers: HeaderMap,
    raw: Option<String>,
) -> Result<Response, PageError> {
    let (lang, cookie) = negotiate(raw.as_deref(), &headers);
    let fail = |e: ApiError| page_error(&state, lang, e);
    board.check(&principal).map_err(fail)?;
    let values = pairs(raw.as_deref());
    let mut context = Map::new();
    let mut status = StatusCode::OK;
    let scope_query = figures_query(&values, board, &[]);
    let listed = async {
        let parsed = scope_of(&state, &principal, &scope_query).await?;
        let filter = list_filter(&values, PAGE_ROWS)?;
        let apps = applications_in(&state, parsed.query.scope, &filter).await?;
        Ok::<_, ApiError>((parsed, apps))
    }
    .await;
    let parsed = match listed {
        Ok((parsed, apps)) => {
            let table = tables::applications(&apps);
            let mut export = form_urlencoded::Serializer::new(String::new());
            if let Some((k, v)) = scope_param(&values, board) {
                export.append_pair(k, &v);
            }
            for key in LIST_KEYS {
                if let Some(v) = values.get(key) {
                    export.append_pair(key, v);
                }
            }
            let links = export_links(TableName::Applications, &export.finish());
            context.insert("table".into(), table_view(&table, lang.is_en(), TableName::Applications.title(), links));
            context.insert("count".into(), apps.len().into());
            context.insert("paged".into(), values.contains_key("after").into());
            let first = values.iter().filter(|(k, _)| k.as_str() != "after");
            context.insert(
                "first_query".into(),
                form_urlencoded::Serializer::new(String::new()).extend_pairs(first).finish().into(),
            );
            if let Some(last) = apps.last().filter(|_| apps.len() as u64 >= PAGE_ROWS) {
                // The next page: the same filters, after this page's last row.
                let mut next = values.clone();
                next.insert("after".into(), ListCursor::after(last).to_string());
                let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&next).finish();
                context.insert("next_href".into(), format!("{}/applications?{query}", board.path()).into());
            }
            context.insert("scope_name".into(), parsed.scope_name.clone().into());
            Some(parsed)
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::NOT_FOUND => {
            status = e.status;
            context.insert("error".into(), error_text(&e, lang).into());
            None
        }
        Err(e) => return Err(fail(e)),
    };
    context.insert("choices".into(), choices(&state, board, parsed.as_ref(), None).await.map_err(fail)?);
    context.insert("values".into(), serde_json::to_value(&values).unwrap_or_default());
    context.insert("board".into(), if board == Board::Operator { "operator" } else { "agency" }.into());
    context.insert("action".into(), format!("{}/applications", board.path()).into());
    context.insert("dashboard".into(), board.path().into());
    context.insert("page".into(), "dashboard".into());
    context.insert("page_rows".into(), PAGE_ROWS.into());
    context.insert("export_rows".into(), EXPORT_ROWS.into());
    let path = format!("{}/applications", board.path());
    show(&state, (lang, cookie), "dashboard_applications.html", context, &path, raw.as_deref(), status)
}

async fn agency_applications(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    applications_page(state, Board::Agency, principal, headers, raw).await
}

async fn admin_applications(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    applications_page(state, Board::Operator, principal, headers, raw).await
}

// ---------------------------------------------------------------------------------------------------------
// Exports

/// The rest of an export's query: the figures' (or the list's) parameters, in order.
type Pairs = Vec<(String, String)>;

/// The table and format of an export query, and the rest of the query.
fn export_params(raw: Option<&str>) -> Result<(TableName, Format, Pairs), ApiError> {
    let (mut table, mut format, mut rest) = (None, None, Vec::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "table" => {
                table = Some(TableName::parse(&v).ok_or_else(|| {
                    bad("table", "须为 totals、series、rejections、by_product、by_institution、by_district、by_industry、by_scale、by_qualification、by_family、applications，或（运营方）searches、unmet、breaches、stale")
                })?);
            }
            "format" => format = Some(Format::parse(&v).ok_or_else(|| bad("format", "须为 csv 或 xlsx"))?),
            _ => rest.push((k.into_owned(), v.into_owned())),
        }
    }
    let table = table.ok_or_else(|| bad("table", "请指定要导出的表（table=）"))?;
    let format = format.ok_or_else(|| bad("format", "请指定格式（format=csv 或 xlsx）"))?;
    Ok((table, format, rest))
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
    params(
        ("table" = String, Query, description = "`totals`, `series`, `rejections`, `by_product`, `by_institution`, `by_district`, `by_industry`, `by_scale`, `by_qualification`, `by_family` or `applications`; the operator also `searches`, `unmet`, `breaches`, `stale` (the market watch, by `from` and `to` only)"),
        ("format" = String, Query, description = "`csv` or `xlsx`"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (figures: default 30 days before `to`; applications: submitted from)"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (figures: default today, Asia/Shanghai)"),
        ("granularity" = Option<String>, Query, description = "Figures: `day`, `week` or `month`"),
        ("agency" = Option<i64>, Query, description = "Operator only: one guarantee agency's products"),
        ("lender" = Option<i64>, Query, description = "Operator only: one lender's products"),
        ("product" = Option<i64>, Query), ("institution" = Option<i64>, Query, description = "Figures: the lender"),
        ("district" = Option<String>, Query), ("industry" = Option<String>, Query),
        ("scale" = Option<String>, Query), ("family" = Option<String>, Query),
        ("state" = Option<String>, Query, description = "Applications: the state"),
    ),
    responses(
        (status = 200, description = "The file as an attachment: CSV (UTF-8 with BOM) or XLSX", content_type = "text/csv"),
        (status = 400, description = "A bad parameter, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "SME users have no figures; the market watch is the operator's", body = ErrorBody),
        (status = 404, description = "No such agency or lender", body = ErrorBody),
    ),
    tag = "stats"
)]
async fn export_table(
    State(state): State<AppState>,
    Auth(p): Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if p.role == Role::Sme {
        return Err(ApiError::forbidden());
    }
    let (table, format, rest) = export_params(raw.as_deref())?;
    let (title, _) = table.title();
    if table == TableName::Applications {
        let mut scope = Vec::new();
        let mut values = BTreeMap::new();
        for (k, v) in rest {
            match k.as_str() {
                "agency" | "lender" | "lang" => scope.push((k, v)),
                key if LIST_KEYS.contains(&key) => {
                    if !v.trim().is_empty() {
                        values.entry(k).or_insert_with(|| v.trim().to_owned());
                    }
                }
                other => {
                    return Err(bad(
                        other,
                        "未知参数，可用参数：table, format, state, product, from, to, agency, lender",
                    ));
                }
            }
        }
        let scope = form_urlencoded::Serializer::new(String::new()).extend_pairs(scope).finish();
        let parsed = scope_of(&state, &p, &scope).await?;
        // The whole filtered list, read a page at a time and turned into rows as it comes (the
        // applications carry their profiles; the rows are small).
        let mut filter = list_filter(&values, MAX_LIST_ROWS)?;
        let mut file: Option<export::Table> = None;
        loop {
            let page = applications_in(&state, parsed.query.scope, &filter).await?;
            let more = page.len() as u64 >= MAX_LIST_ROWS;
            filter.after = page.last().map(ListCursor::after);
            let rows = tables::applications(&page);
            match &mut file {
                Some(file) => file.rows.extend(rows.rows),
                None => file = Some(rows),
            }
            if !more || file.as_ref().is_some_and(|f| f.rows.len() >= EXPORT_ROWS) {
                break;
            }
        }
        let mut file = file.unwrap_or_else(|| tables::applications(&[]));
        file.rows.truncate(EXPORT_ROWS);
        let period = match (filter.from, filter.to) {
            (None, None) => today().to_string(),
            (from, to) => format!(
                "{}-{}",
                from.map_or_else(String::new, |d| d.to_string()),
                to.map_or_else(String::new, |d| d.to_string())
            ),
        };
        return export::download(
            &file,
            format,
            &format!("finmart-applications-{period}"),
            &format!("{title}_{period}"),
        );
    }
    if TableName::WATCH.contains(&table) {
        require(&p, &[Role::Operator])?;
        if let Some((k, _)) = rest.iter().find(|(k, _)| !["from", "to", "lang"].contains(&k.as_str())) {
            return Err(bad(k, "未知参数，可用参数：table, format, from, to"));
        }
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
        let parsed = stats::parse(&state, &p, Some(&query)).await?;
        let (from, to) = (parsed.query.from, parsed.query.to);
        let file = watch::table(&state, table, from, to).await?;
        return export::download(
            &file,
            format,
            &format!("finmart-{}-{from}-{to}", table.as_str()),
            &format!("{title}_{from}至{to}"),
        );
    }
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
    let parsed = stats::parse(&state, &p, Some(&query)).await?;
    let view = stats::compute(&state, &parsed).await?;
    let (from, to) = (parsed.query.from, parsed.query.to);
    export::download(
        &tables::uptake(&view, table),
        format,
        &format!("finmart-{}-{from}-{to}", table.as_str()),
        &format!("{title}_{from}至{to}"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pages::frame;
    use crate::stats::{BreakdownRow, CountsView, DurationsView, PeriodView, ReasonRow, ScopeView, ShareView};
    use chrono::NaiveDate;
    use finmart_store::stats::{Counts, Durations, Share};

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
        let templates = crate::templates::Templates::new();
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
                        export_links(TableName::Totals, query),
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
            let html = templates.render("dashboard.html", Value::Object(context)).unwrap();
            for needle in
                ["看板担保贷", "id=\"t-by_scale\"", "data-chart=\"funnel\"", "table=by_family&amp;format=csv", "1.20"]
            {
                assert!(html.contains(needle), "{needle} ({lang:?})");
            }
            assert!(html.contains("<p class=\"empty\">"), "an empty breakdown says so");
            assert!(!html.contains("<en>"), "labels are escaped, in the table and in the chart data");
            assert_eq!(html.contains("Key figures"), lang.is_en());
        }
        assert!(chart_data(&v, Lang::En).contains("\\u003cen\\u003e"));
        let totals = tables::uptake(&v, TableName::Totals);
        let row = |name: &str| totals.rows.iter().find(|r| r[0].display(false) == name).unwrap()[1].display(false);
        assert_eq!(
            (row("申请").as_str(), row("担保费收入").as_str(), row("审批通过率").as_str()),
            ("3", "1.20", "66.67")
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
        let (table, format, rest) = export_params(Some("table=by_scale&format=xlsx&from=2026-01-01")).unwrap();
        assert_eq!((table, format), (TableName::ByScale, Format::Xlsx));
        assert_eq!(rest, vec![("from".to_owned(), "2026-01-01".to_owned())]);
        assert_eq!(export_params(Some("table=x&format=csv")).unwrap_err().body.field.as_deref(), Some("table"));
        assert_eq!(export_params(Some("table=totals&format=pdf")).unwrap_err().body.field.as_deref(), Some("format"));
        assert_eq!(export_params(Some("table=totals")).unwrap_err().body.field.as_deref(), Some("format"));
    }
}
