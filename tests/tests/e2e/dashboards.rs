//! The uptake dashboards end to end, on SQLite and PostgreSQL with the demo data: applications made and
//! decided through the API on a product the demo agency guarantees and on one it does not; the agency's
//! dashboard shows its product only; every table's CSV and XLSX exports hold exactly the numbers of
//! `/api/v1/stats/uptake`; the application list and its exports; the operator's dashboard (scopes, market
//! watch, the target form); and who may see what.

use crate::app::TestApp;
use crate::client::Client;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use calamine::{Data, Reader, Xlsx};
use finmart_cli::demo_accounts::{DEMO_AGENCY, DEMO_BANK, DEMO_BANK2, DEMO_OPERATOR, DEMO_SME};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::io::Cursor;
use tower::ServiceExt;

const GUARANTEED: &str = "看板担保贷（测试）";
const NOT_GUARANTEED: &str = "看板信用贷（测试）";

/// A file download: status, content type, content disposition, bytes.
pub(crate) struct File {
    pub(crate) status: StatusCode,
    pub(crate) content_type: String,
    pub(crate) disposition: String,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) async fn download(app: &TestApp, client: &Client<'_>, uri: &str) -> File {
    let mut request = Request::builder().uri(uri);
    if let Some(cookie) = client.cookie() {
        request = request.header("cookie", cookie);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (status, content_type, disposition) =
        (response.status(), header("content-type"), header("content-disposition"));
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    File { status, content_type, disposition, bytes }
}

/// A CSV file's records (RFC 4180 quoting), after its byte-order mark.
pub(crate) fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("CSV starts with a BOM")).unwrap();
    let (mut records, mut record, mut field, mut quoted, mut chars) =
        (Vec::new(), Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    records
}

/// An XLSX file's first sheet: its name and every row, each cell as the text a person reads (numbers as
/// they are, dates as `YYYY-MM-DD`, times as `YYYY-MM-DD HH:MM`), and whether each cell was a number.
fn parse_xlsx(bytes: &[u8]) -> (String, Vec<Vec<(String, bool)>>) {
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let rows = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => (String::new(), false),
                    Data::String(s) => (s.clone(), false),
                    Data::Int(n) => (n.to_string(), true),
                    Data::Float(f) => (f.to_string(), true),
                    Data::DateTime(d) => {
                        // Excel's serial date: days since 1899-12-30, the fraction the time of day.
                        let serial = d.as_f64();
                        let day = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()
                            + chrono::Duration::days(serial.floor() as i64);
                        let minutes = ((serial - serial.floor()) * 1440.0).round() as i64;
                        if d.is_datetime() && minutes > 0 {
                            (format!("{day} {:02}:{:02}", minutes / 60, minutes % 60), false)
                        } else {
                            (day.to_string(), false)
                        }
                    }
                    other => (other.to_string(), false),
                })
                .collect()
        })
        .collect();
    (sheet, rows)
}

/// The columns of a set of counts as the exports write them, from the API's JSON.
fn counts(c: &Value) -> Vec<String> {
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("{k} in {c}")).to_string();
    let w = |k: &str| yuan(&c[k]);
    let rate = c["approval_rate_bps"].as_u64().map(|b| format!("{}.{:02}", b / 100, b % 100)).unwrap_or_default();
    vec![
        n("applications"),
        w("applied"),
        n("accepted"),
        n("approved"),
        w("approved_amount"),
        n("rejected"),
        n("disbursed"),
        w("disbursed_amount"),
        n("withdrawn"),
        w("guaranteed"),
        w("guarantee_fees"),
        rate,
    ]
}

/// A table's rows (without the header) as the API's JSON says they must be, for every table but `totals`.
/// An amount of the API (`{"fen", "wan"}`) as the exports write it: exact 元 (`1500000.00`).
fn yuan(amount: &Value) -> String {
    let fen = amount["fen"].as_i64().unwrap_or_else(|| panic!("an amount: {amount}"));
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn expected_rows(view: &Value, table: &str) -> Vec<Vec<String>> {
    let list = |key: &str| view[key].as_array().unwrap_or_else(|| panic!("{key} in {view}")).clone();
    match table {
        "series" => {
            list("series").iter().map(|p| [vec![p["start"].as_str().unwrap().to_owned()], counts(p)].concat()).collect()
        }
        "rejections" => list("rejections_by_reason")
            .iter()
            .map(|r| vec![r["reason"].as_str().unwrap().to_owned(), r["count"].to_string()])
            .collect(),
        key => list(key).iter().map(|r| [vec![r["label"].as_str().unwrap().to_owned()], counts(r)].concat()).collect(),
    }
}

/// The key figures every export's `totals` must hold: (name, value).
fn expected_totals(view: &Value) -> Vec<(&'static str, String)> {
    let t = &view["totals"];
    let pct = |v: &Value| v.as_u64().map(|b| format!("{}.{:02}", b / 100, b % 100)).unwrap_or_default();
    vec![
        ("申请", t["applications"].to_string()),
        ("申请金额", yuan(&t["applied"])),
        ("受理", t["accepted"].to_string()),
        ("审批通过", t["approved"].to_string()),
        ("拒绝", t["rejected"].to_string()),
        ("放款", t["disbursed"].to_string()),
        ("放款金额", yuan(&t["disbursed_amount"])),
        ("担保金额", yuan(&t["guaranteed"])),
        ("担保费收入", yuan(&t["guarantee_fees"])),
        ("审批通过率", pct(&t["approval_rate_bps"])),
        ("申请至审批决定天数中位数", view["to_decision"]["median_days"].as_str().unwrap_or("").to_owned()),
        ("申请至放款天数中位数", view["to_disbursement"]["median_days"].as_str().unwrap_or("").to_owned()),
        ("首贷占比", pct(&view["first_loans"]["bps"])),
        ("信用贷款占比", pct(&view["credit_loans"]["bps"])),
    ]
}

/// An XLSX number cell equals the expected decimal text (to the last digit shown).
fn same_number(cell: &(String, bool), expected: &str) -> bool {
    if expected.is_empty() {
        return cell.0.is_empty();
    }
    let (Ok(a), Ok(b)) = (cell.0.parse::<f64>(), expected.parse::<f64>()) else { return cell.0 == expected };
    cell.1 && (a - b).abs() < 1e-9
}

const UPTAKE_TABLES: [&str; 10] = [
    "totals",
    "series",
    "rejections",
    "by_product",
    "by_institution",
    "by_district",
    "by_industry",
    "by_scale",
    "by_qualification",
    "by_family",
];

/// Every uptake table's CSV and XLSX exports for `client` and `query` hold the numbers of the API's JSON.
async fn exports_match_the_api(app: &TestApp, client: &Client<'_>, query: &str) -> Value {
    let (status, view) = client.get(&format!("/api/v1/stats/uptake?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    for table in UPTAKE_TABLES {
        let base = format!("/api/v1/stats/uptake/export?table={table}&{query}");
        let csv = download(app, client, &format!("{base}&format=csv")).await;
        assert_eq!(csv.status, StatusCode::OK, "{table}: {}", String::from_utf8_lossy(&csv.bytes));
        assert_eq!(csv.content_type, "text/csv; charset=utf-8");
        assert!(csv.disposition.starts_with("attachment; filename=\"finmart-"), "{}", csv.disposition);
        assert!(csv.disposition.contains(".csv\"; filename*=UTF-8''"), "{}", csv.disposition);
        let csv = parse_csv(&csv.bytes);
        let xlsx = download(app, client, &format!("{base}&format=xlsx")).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{table}");
        assert!(xlsx.content_type.contains("spreadsheetml"), "{}", xlsx.content_type);
        let (sheet, xlsx) = parse_xlsx(&xlsx.bytes);
        assert!(!sheet.is_empty() && !sheet.is_ascii(), "a Chinese sheet name: {sheet}");
        // The same header row, in Chinese.
        let xlsx_header: Vec<String> = xlsx[0].iter().map(|c| c.0.clone()).collect();
        assert_eq!(csv[0], xlsx_header, "{table}: the same columns");
        assert!(csv[0].iter().any(|h| !h.is_ascii()), "{table}: Chinese headers {:?}", csv[0]);
        assert_eq!(csv.len(), xlsx.len(), "{table}: the same rows");
        if table == "totals" {
            for (name, value) in expected_totals(&view) {
                let csv_row = csv.iter().find(|r| r[0] == name).unwrap_or_else(|| panic!("{name} in {csv:?}"));
                assert_eq!(csv_row[1], value, "{table} {name} (CSV) on {}", app.backend);
                let xlsx_row = xlsx.iter().find(|r| r[0].0 == name).unwrap();
                assert!(same_number(&xlsx_row[1], &value), "{name}: XLSX {:?} vs {value}", xlsx_row[1]);
            }
            continue;
        }
        let expected = expected_rows(&view, table);
        assert_eq!(csv[1..].to_vec(), expected, "{table} (CSV) on {}", app.backend);
        for (row, want) in xlsx[1..].iter().zip(&expected) {
            for (cell, want) in row.iter().zip(want) {
                assert!(same_number(cell, want), "{table} (XLSX) on {}: {cell:?} vs {want} in {row:?}", app.backend);
            }
        }
    }
    view
}

/// A product of the demo bank, listed: guaranteed by the demo agency, or not.
async fn listed_product(
    app: &TestApp,
    bank: &Client<'_>,
    operator: &Client<'_>,
    code: &str,
    name: &str,
    guaranteed: bool,
) -> i64 {
    let mut listing = crate::journey::new_product_named(code, name);
    if guaranteed {
        listing["guarantee_agency_code"] = json!("jinmen-guarantee");
        listing["guarantee_fee_pct"] = json!(1.5);
    }
    let product = crate::journey::publish_listing(bank, operator, &listing).await;
    app.catch_up().await;
    product
}

async fn page(client: &Client<'_>, uri: &str) -> (StatusCode, String) {
    client.get_text(uri).await
}

#[tokio::test]
async fn dashboards_show_their_scope_and_exports_hold_the_apis_numbers() {
    for app in TestApp::each(true).await {
        let bank = app.sign_in(DEMO_BANK).await;
        let bank2 = app.sign_in(DEMO_BANK2).await;
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let agency = app.sign_in(DEMO_AGENCY).await;
        let sme = app.sign_in(DEMO_SME).await;
        let guaranteed = listed_product(&app, &bank, &operator, "DASH-01", GUARANTEED, true).await;
        let other = listed_product(&app, &bank, &operator, "DASH-02", NOT_GUARANTEED, false).await;

        // Three applications: on the guaranteed product one disbursed (80 万 of 100 万) and one rejected;
        // on the other one approved.
        let today = crate::journey::shanghai_today();
        let apply = |product: i64, key: &str, amount: &str| json!({"product_id": product, "amount": amount, "term": "12", "purpose": "working_capital", "idempotency_key": key});
        // Each is decided before the next is made: a firm has one open application per product.
        let mut ids = Vec::new();
        for (product, key, amount, steps) in [
            (
                guaranteed,
                "d-1",
                "100万",
                vec![
                    json!({"action": "accept"}),
                    json!({"action": "approve"}),
                    json!({"action": "disburse", "amount": "800000", "rate": "3.85", "term": "12", "date": today}),
                ],
            ),
            (
                guaranteed,
                "d-2",
                "50万",
                vec![
                    json!({"action": "accept"}),
                    json!({"action": "reject", "reason": "经营流水不足, 还款来源不充分"}),
                ],
            ),
            (other, "d-3", "30万", vec![json!({"action": "accept"}), json!({"action": "approve"})]),
        ] {
            let (status, body) = sme.post("/api/v1/applications", &apply(product, key, amount)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let id = body["id"].as_i64().unwrap();
            ids.push(id);
            for step in steps {
                let (status, body) = bank.step(id, &step).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
        let query = format!("from={today}&to={today}");

        // The agency's dashboard: its product only, charts' containers, tables and export links.
        let (status, html) = page(&agency, &format!("/agency/dashboard?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
        assert!(html.contains(GUARANTEED), "the guaranteed product is shown");
        assert!(!html.contains(NOT_GUARANTEED), "a product the agency does not guarantee is not shown");
        for needle in [
            "id=\"dashboard-data\"",
            "data-chart=\"trend\"",
            "data-chart=\"funnel\"",
            "data-chart=\"breakdown\"",
            "id=\"t-totals\"",
            "id=\"t-by_product\"",
            "table=by_product&amp;format=xlsx",
            "/echarts.min.js",
            "dashboard&#x2f;applications?from=",
        ] {
            assert!(html.contains(needle), "{needle} on the agency's dashboard");
        }
        assert!(!html.contains("id=\"watch\""), "the market watch is the operator's");
        let (status, html) = page(&agency, "/agency/dashboard?lang=en").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Key figures") && html.contains("Guarantee dashboard"), "English");
        let (status, html) = page(&agency, "/agency/dashboard?from=2026-13-01").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("class=\"error\"") && html.contains("from"), "the bad field is named");

        // Every export of the agency's figures holds the API's numbers; the guaranteed product's figures.
        let view = exports_match_the_api(&app, &agency, &query).await;
        assert_eq!(view["scope"]["kind"], "agency");
        let t = &view["totals"];
        assert_eq!(
            (t["applications"].as_u64(), t["disbursed"].as_u64(), t["rejected"].as_u64()),
            (Some(2), Some(1), Some(1))
        );
        assert_eq!(t["guarantee_fees"]["wan"], "1.20");
        assert_eq!(view["by_product"].as_array().unwrap().len(), 1);
        // The same for a bank (its own products: both) and the operator scoped to the agency.
        let bank_view = exports_match_the_api(&app, &bank, &format!("{query}&granularity=week")).await;
        assert_eq!(bank_view["totals"]["applications"], 3);
        let agency_id = view["scope"]["id"].as_i64().unwrap();
        let operator_view = exports_match_the_api(&app, &operator, &format!("{query}&agency={agency_id}")).await;
        assert_eq!(operator_view["totals"], view["totals"]);
        // Another bank sees nothing of these.
        let csv =
            download(&app, &bank2, &format!("/api/v1/stats/uptake/export?table=by_product&format=csv&{query}")).await;
        assert_eq!(csv.status, StatusCode::OK);
        let text = String::from_utf8(csv.bytes).unwrap();
        assert!(!text.contains(GUARANTEED) && !text.contains(NOT_GUARANTEED), "bank2's scope: {text}");

        // The underlying applications: the agency sees the guaranteed product's two, with the firm's name.
        let (status, html) = page(&agency, &format!("/agency/dashboard/applications?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(GUARANTEED) && !html.contains(NOT_GUARANTEED));
        let (_, firm) = sme.get(&format!("/api/v1/applications/{}", ids[0])).await;
        let firm_name = firm["enterprise_name"].as_str().unwrap().to_owned();
        assert!(html.contains(&firm_name), "the enterprise's name is listed");
        let list = format!("/api/v1/stats/uptake/export?table=applications&{query}");
        let csv = download(&app, &agency, &format!("{list}&format=csv")).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", String::from_utf8_lossy(&csv.bytes));
        assert!(csv.disposition.contains("finmart-applications-"), "{}", csv.disposition);
        let csv = parse_csv(&csv.bytes);
        assert_eq!(csv[0][..5], ["申请编号", "产品", "金融机构", "企业名称", "申请金额（元）"], "amounts exact in 元");
        assert_eq!(csv.len(), 3, "two applications: {csv:?}");
        let row = csv.iter().find(|r| r[0] == ids[0].to_string()).expect("the disbursed application");
        assert_eq!(
            (row[1].as_str(), row[3].as_str(), row[4].as_str(), row[6].as_str()),
            (GUARANTEED, firm_name.as_str(), "1000000.00", "已放款")
        );
        assert_eq!((row[9].as_str(), row[10].as_str()), (today.as_str(), "800000.00"));
        assert!(row[7].starts_with(&today), "submitted today, Shanghai time: {}", row[7]);
        let xlsx = download(&app, &agency, &format!("{list}&format=xlsx")).await;
        let (sheet, rows) = parse_xlsx(&xlsx.bytes);
        assert_eq!(sheet, "申请明细");
        assert_eq!(rows.len(), 3);
        let row = rows.iter().find(|r| r[0].0 == ids[0].to_string()).expect("the disbursed application");
        assert!(same_number(&row[4], "1000000.00") && same_number(&row[10], "800000.00"), "{row:?}");
        assert_eq!(row[9].0, today, "the disbursement day is a date: {row:?}");
        assert!(row[7].0.starts_with(&today) && !row[7].1, "the submission time is a date-time: {row:?}");
        let reply = agency
            .request(axum::http::Method::GET, &format!("{list}&format=csv&state=rejected"), None, Vec::new())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(parse_csv(reply.body.as_bytes()).len(), 2, "one rejected: {}", reply.body);

        // The operator: the market, one agency, one lender; the market watch and the target form.
        let (status, html) = page(&operator, &format!("/admin/dashboard?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(GUARANTEED) && html.contains(NOT_GUARANTEED), "the whole market");
        for needle in [
            "id=\"watch\"",
            "id=\"target\"",
            "id=\"t-breaches\"",
            "id=\"t-stale\"",
            "id=\"t-top\"",
            "action=\"/admin/dashboard/target\"",
            "table=breaches&amp;format=xlsx",
        ] {
            assert!(html.contains(needle), "{needle} on the operator's dashboard");
        }
        let (status, html) = page(&operator, &format!("/admin/dashboard?{query}&scope=agency%3A{agency_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(GUARANTEED) && !html.contains(&format!(">{NOT_GUARANTEED}<")), "one agency's products");
        let (status, html) =
            page(&operator, &format!("/admin/dashboard/applications?{query}&scope=agency%3A{agency_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&firm_name) && !html.contains(&format!(">{NOT_GUARANTEED}<")));
        let year = &today[..4];
        let (status, location, body) = operator
            .post_form(
                "/admin/dashboard/target",
                &[("year", year), ("loans", "120"), ("amount", "5000"), ("back", &query)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location.as_deref(), Some(format!("/admin/dashboard?{query}&done=target#target").as_str()));
        let (_, html) = page(&operator, &format!("/admin/dashboard?{query}&done=target")).await;
        assert!(
            html.contains("年度目标已保存") && html.contains("5,000"),
            "the target is shown in 万元 with separators"
        );
        let (status, _, html) =
            operator.post_form("/admin/dashboard/target", &[("year", year), ("loans", "x"), ("amount", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("aria-invalid=\"true\""), "the reasons are beside the fields");
        let (status, _, _) =
            agency.post_form("/admin/dashboard/target", &[("year", year), ("loans", "1"), ("amount", "1")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The market watch's tables export too, for the operator only.
        for (table, header) in
            [("breaches", "金融机构"), ("stale", "产品"), ("searches", "检索词"), ("unmet", "检索词")]
        {
            let uri = format!("/api/v1/stats/uptake/export?table={table}&format=csv&{query}");
            let csv = download(&app, &operator, &uri).await;
            assert_eq!(csv.status, StatusCode::OK, "{table}: {}", String::from_utf8_lossy(&csv.bytes));
            let rows = parse_csv(&csv.bytes);
            assert_eq!(rows[0][0], header, "{table}");
            let xlsx = download(&app, &operator, &uri.replace("format=csv", "format=xlsx")).await;
            assert_eq!(parse_xlsx(&xlsx.bytes).1.len(), rows.len(), "{table}: the same rows");
            assert_eq!(download(&app, &agency, &uri).await.status, StatusCode::FORBIDDEN, "{table} is the operator's");
        }
        let breaches = parse_csv(
            &download(&app, &operator, &format!("/api/v1/stats/uptake/export?table=breaches&format=csv&{query}"))
                .await
                .bytes,
        );
        let total = breaches.last().unwrap();
        assert_eq!(
            (total[0].as_str(), total[1].as_str()),
            ("合计", "3"),
            "three applications in the period: {breaches:?}"
        );
        let (status, body) = operator.get("/api/v1/stats/uptake/export?table=stale&format=csv&district=binhai").await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("district")));

        // Who may see what.
        for path in ["/agency/dashboard", "/agency/dashboard/applications"] {
            for who in [&sme, &bank, &operator] {
                assert_eq!(page(who, path).await.0, StatusCode::FORBIDDEN, "{path} as {:?}", who.login);
            }
        }
        for path in ["/admin/dashboard", "/admin/dashboard/applications"] {
            for who in [&sme, &bank, &agency] {
                assert_eq!(page(who, path).await.0, StatusCode::FORBIDDEN, "{path} as {:?}", who.login);
            }
        }
        let anonymous = app.anonymous();
        for path in ["/agency/dashboard", "/admin/dashboard"] {
            let reply = anonymous.request(axum::http::Method::GET, path, None, Vec::new()).await;
            assert!(reply.status.is_redirection(), "{path}: {}", reply.status);
            assert!(reply.location.unwrap().starts_with("/login?next="));
        }
        let export = format!("/api/v1/stats/uptake/export?table=totals&format=csv&{query}");
        assert_eq!(anonymous.get(&export).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(sme.get(&export).await.0, StatusCode::FORBIDDEN);
        for (q, field) in [
            ("table=nope&format=csv", "table"),
            ("format=csv", "table"),
            ("table=totals&format=pdf", "format"),
            ("table=totals", "format"),
            ("table=totals&format=csv&colour=red", "colour"),
            ("table=applications&format=csv&granularity=day", "granularity"),
            ("table=totals&format=csv&agency=1", "agency"),
        ] {
            let (status, body) = bank.get(&format!("/api/v1/stats/uptake/export?{q}")).await;
            assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{q}: {body}");
        }
    }
}

/// The list of underlying applications pages through everything, and its export holds the whole filtered
/// list, not one page: 1,500 generated applications, read 200 a page and exported past the store's
/// 1,000-row queries.
#[tokio::test]
async fn the_applications_list_pages_and_exports_the_whole_list() {
    for app in TestApp::each(true).await {
        let day = finmart_domain::shanghai::date_of(chrono::Utc::now());
        let end = finmart_cli::bench::applications::history_end(day);
        let written = finmart_cli::bench::applications::generate(&app.state.store, 1_500, 5, end, false).await.unwrap();
        assert_eq!(written, 1_500, "{}", app.backend);
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let from = day.checked_sub_months(chrono::Months::new(30)).unwrap();
        let query = format!("from={from}&to={day}");

        let mut seen = std::collections::BTreeSet::new();
        let mut uri = format!("/admin/dashboard/applications?{query}");
        let mut pages = 0;
        loop {
            let (status, html) = operator.get_text(&uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {html}");
            pages += 1;
            // The first cell of each row is the application's number.
            let ids: Vec<String> = html
                .split("<tr><th scope=\"row\">")
                .skip(1)
                .filter_map(|rest| rest.split('<').next().map(str::to_owned))
                .collect();
            assert!(!ids.is_empty() && ids.len() <= 200, "{uri} shows up to 200 rows, not {}", ids.len());
            for id in &ids {
                assert!(seen.insert(id.clone()), "application {id} shown twice ({uri})");
            }
            let Some(next) = html.split("rel=\"next\"").next().and_then(|before| before.rsplit("href=\"").next())
            else {
                break;
            };
            if !html.contains("rel=\"next\"") {
                assert!(html.contains("第一页"), "a later page links back to the first");
                break;
            }
            uri = next.trim_end_matches(['"', ' ']).replace("&amp;", "&").replace("&#x2f;", "/");
            assert!(pages < 20, "paging ends");
        }
        assert_eq!(pages, 8, "1,500 applications at 200 a page ({})", app.backend);
        assert_eq!(seen.len(), 1_500, "every application once ({})", app.backend);

        let file =
            download(&app, &operator, &format!("/api/v1/stats/uptake/export?table=applications&format=csv&{query}"))
                .await;
        assert_eq!(file.status, StatusCode::OK);
        let records = parse_csv(&file.bytes);
        assert_eq!(records.len(), 1 + 1_500, "a header and every application ({})", app.backend);
        let exported: std::collections::BTreeSet<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(exported.len(), 1_500, "no row twice");

        let (status, body) = operator.get("/api/v1/applications?after=yesterday").await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("after")), "{body}");
    }
}
