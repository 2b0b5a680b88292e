//! The dashboards' tables, built once from the uptake figures ([`UptakeView`], the JSON of
//! `/api/v1/stats/uptake`) and from the application list: the pages show them beside their charts, and the
//! exports write them to CSV and XLSX. One definition, so the page, the files and the API agree.

use super::figures::{BreakdownRow, CountsView, DurationsView, ShareView, UptakeView};
use crate::http::export::{Cell, Table, money_header};
use finmart_domain::Labelled;
use finmart_store::Application;

/// The tables a dashboard exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TableName {
    Totals,
    Series,
    Rejections,
    ByProduct,
    ByInstitution,
    ByDistrict,
    ByIndustry,
    ByScale,
    ByQualification,
    ByFamily,
    Applications,
    /// The operator's market watch: the most searched words, the searches that found nothing, response-
    /// deadline breaches per institution, stale listings.
    Searches,
    Unmet,
    Breaches,
    Stale,
}

impl TableName {
    /// The uptake tables, in the order the dashboard shows them (the application list comes apart).
    pub const UPTAKE: [Self; 10] = [
        Self::Totals,
        Self::Series,
        Self::Rejections,
        Self::ByProduct,
        Self::ByInstitution,
        Self::ByDistrict,
        Self::ByIndustry,
        Self::ByScale,
        Self::ByQualification,
        Self::ByFamily,
    ];

    /// The operator's market-watch tables.
    pub const WATCH: [Self; 4] = [Self::Searches, Self::Unmet, Self::Breaches, Self::Stale];

    /// The `table=` value, and the table's title (and sheet name) in Chinese and English.
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Totals => ("totals", "关键指标", "Key figures"),
            Self::Series => ("series", "趋势", "Trend"),
            Self::Rejections => ("rejections", "拒绝原因", "Rejections by reason"),
            Self::ByProduct => ("by_product", "按产品", "By product"),
            Self::ByInstitution => ("by_institution", "按金融机构", "By lender"),
            Self::ByDistrict => ("by_district", "按区域", "By district"),
            Self::ByIndustry => ("by_industry", "按行业", "By industry"),
            Self::ByScale => ("by_scale", "按企业规模", "By enterprise scale"),
            Self::ByQualification => ("by_qualification", "按企业资质", "By qualification"),
            Self::ByFamily => ("by_family", "按产品类别", "By product family"),
            Self::Applications => ("applications", "申请明细", "Applications"),
            Self::Searches => ("searches", "热门检索词", "Most searched words"),
            Self::Unmet => ("unmet", "无结果的检索", "Searches that found nothing"),
            Self::Breaches => ("breaches", "响应时限执行情况", "Response-deadline breaches"),
            Self::Stale => ("stale", "长期未更新的产品", "Stale listings"),
        }
    }

    /// The `table=` value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    /// The table's title (and sheet name), Chinese and English.
    #[must_use]
    pub fn title(self) -> (&'static str, &'static str) {
        let (_, zh, en) = self.names();
        (zh, en)
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::UPTAKE.into_iter().chain([Self::Applications]).chain(Self::WATCH).find(|t| t.as_str() == text.trim())
    }

    /// A breakdown's rows, and what its first column names (Chinese and English).
    fn breakdown(self, view: &UptakeView) -> Option<(&[BreakdownRow], &'static str, &'static str)> {
        Some(match self {
            Self::ByProduct => (&view.by_product, "产品", "Product"),
            Self::ByInstitution => (&view.by_institution, "金融机构", "Lender"),
            Self::ByDistrict => (&view.by_district, "区域", "District"),
            Self::ByIndustry => (&view.by_industry, "行业", "Industry"),
            Self::ByScale => (&view.by_scale, "企业规模", "Scale"),
            Self::ByQualification => (&view.by_qualification, "企业资质", "Qualification"),
            Self::ByFamily => (&view.by_family, "产品类别", "Product family"),
            _ => return None,
        })
    }
}

/// A column header, Chinese and English.
pub(super) fn h(zh: &str, en: &str) -> (String, String) {
    (zh.to_owned(), en.to_owned())
}

/// The columns of a set of counts, after the row's own first column.
fn count_headers() -> Vec<(String, String)> {
    vec![
        h("申请笔数", "Applications"),
        money_header("申请金额", "Applied"),
        h("受理笔数", "Accepted"),
        h("审批通过笔数", "Approved"),
        money_header("审批通过金额", "Approved"),
        h("拒绝笔数", "Rejected"),
        h("放款笔数", "Disbursed"),
        money_header("放款金额", "Disbursed"),
        h("撤回笔数", "Withdrawn"),
        money_header("担保金额", "Guaranteed"),
        money_header("担保费", "Guarantee fees"),
        h("审批通过率（%）", "Approval rate (%)"),
    ]
}

fn count_cells(c: &CountsView) -> Vec<Cell> {
    vec![
        Cell::count(c.applications),
        Cell::Money(c.applied.fen),
        Cell::count(c.accepted),
        Cell::count(c.approved),
        Cell::Money(c.approved_amount.fen),
        Cell::count(c.rejected),
        Cell::count(c.disbursed),
        Cell::Money(c.disbursed_amount.fen),
        Cell::count(c.withdrawn),
        Cell::Money(c.guaranteed.fen),
        Cell::Money(c.guarantee_fees.fen),
        Cell::percent(c.approval_rate_bps),
    ]
}

fn with_counts(first: (String, String), rows: Vec<(Cell, &CountsView)>, sheet: &str) -> Table {
    let headers = std::iter::once(first).chain(count_headers()).collect();
    let rows = rows.into_iter().map(|(cell, counts)| std::iter::once(cell).chain(count_cells(counts)).collect());
    Table { sheet: sheet.to_owned(), headers, rows: rows.collect() }
}

/// One line of the key figures: name, value, unit.
fn figure(zh: &str, en: &str, value: Cell, unit: (&str, &str)) -> Vec<Cell> {
    vec![Cell::label(zh, en), value, Cell::label(unit.0, unit.1)]
}

/// A key figure that is an amount: 万元 on the page, 元 in the files.
fn money_figure(zh: &str, en: &str, fen: i64) -> Vec<Cell> {
    vec![Cell::label(zh, en), Cell::Money(fen), Cell::MoneyUnit]
}

const COUNT: (&str, &str) = ("笔", "loans");
const PERCENT: (&str, &str) = ("%", "%");
const DAYS: (&str, &str) = ("天", "days");

fn durations(what: (&str, &str), d: &DurationsView) -> [Vec<Cell>; 2] {
    let (median, p90) = (Cell::decimal(d.median_days.as_deref(), 1), Cell::decimal(d.p90_days.as_deref(), 1));
    [
        figure(&format!("{}天数中位数", what.0), &format!("Median days {}", what.1), median, DAYS),
        figure(&format!("{}天数第90百分位", what.0), &format!("90th percentile days {}", what.1), p90, DAYS),
    ]
}

fn share(what: (&str, &str), s: &ShareView) -> [Vec<Cell>; 2] {
    [
        figure(&format!("{}笔数", what.0), what.1, Cell::count(s.count), COUNT),
        figure(&format!("{}占比", what.0), &format!("{} share", what.1), Cell::percent(s.bps), PERCENT),
    ]
}

fn totals(view: &UptakeView) -> Table {
    let t = &view.totals;
    let mut rows = vec![
        figure("申请", "Applications", Cell::count(t.applications), COUNT),
        money_figure("申请金额", "Amount applied for", t.applied.fen),
        figure("受理", "Accepted", Cell::count(t.accepted), COUNT),
        figure("审批通过", "Approved", Cell::count(t.approved), COUNT),
        money_figure("审批通过金额", "Amount approved", t.approved_amount.fen),
        figure("拒绝", "Rejected", Cell::count(t.rejected), COUNT),
        figure("放款", "Disbursed", Cell::count(t.disbursed), COUNT),
        money_figure("放款金额", "Amount disbursed", t.disbursed_amount.fen),
        figure("撤回", "Withdrawn", Cell::count(t.withdrawn), COUNT),
        money_figure("担保金额", "Amount guaranteed", t.guaranteed.fen),
        money_figure("担保费收入", "Guarantee fees earned", t.guarantee_fees.fen),
        figure("审批通过率", "Approval rate", Cell::percent(t.approval_rate_bps), PERCENT),
    ];
    rows.extend(durations(("申请至审批决定", "to decision"), &view.to_decision));
    rows.extend(durations(("申请至放款", "to disbursement"), &view.to_disbursement));
    rows.extend(share(("首贷", "First loans"), &view.first_loans));
    rows.extend(share(("信用贷款", "Credit loans"), &view.credit_loans));
    Table {
        sheet: "关键指标".to_owned(),
        headers: vec![h("指标", "Figure"), h("数值", "Value"), h("单位", "Unit")],
        rows,
    }
}

/// An uptake table ([`TableName::UPTAKE`]; the others are built apart: [`applications`], and the market
/// watch's in `watch`).
#[must_use]
pub(super) fn uptake(view: &UptakeView, name: TableName) -> Table {
    let sheet = name.title().0;
    if let Some((rows, zh, en)) = name.breakdown(view) {
        // Products and lenders are named by their names (data, the same in both languages); the other rows by
        // a vocabulary's or a place's labels.
        let named = matches!(name, TableName::ByProduct | TableName::ByInstitution);
        let first = |r: &BreakdownRow| if named { Cell::text(&r.label) } else { Cell::label(&r.label, &r.label_en) };
        let rows = rows.iter().map(|r| (first(r), &r.counts)).collect();
        return with_counts(h(zh, en), rows, sheet);
    }
    match name {
        TableName::Series => with_counts(
            h("期间起始日", "Period from"),
            view.series.iter().map(|p| (Cell::Date(p.start), &p.counts)).collect(),
            sheet,
        ),
        TableName::Rejections => Table {
            sheet: sheet.to_owned(),
            headers: vec![h("拒绝原因", "Reason"), h("笔数", "Rejections")],
            rows: view.rejections_by_reason.iter().map(|r| vec![Cell::text(&r.reason), Cell::count(r.count)]).collect(),
        },
        _ => totals(view),
    }
}

/// The application list: product, lender, enterprise, amounts, state and dates (no profile details).
#[must_use]
pub(super) fn applications(apps: &[Application]) -> Table {
    let headers = vec![
        h("申请编号", "Application"),
        h("产品", "Product"),
        h("金融机构", "Lender"),
        h("企业名称", "Enterprise"),
        money_header("申请金额", "Amount"),
        h("期限（月）", "Term (months)"),
        h("状态", "State"),
        h("提交时间", "Submitted"),
        h("审批决定时间", "Decided"),
        h("放款日期", "Disbursed on"),
        money_header("放款金额", "Disbursed"),
        h("拒绝原因", "Rejection reason"),
    ];
    let rows = apps
        .iter()
        .map(|a| {
            let d = a.disbursement.as_ref();
            vec![
                Cell::Int(a.id),
                Cell::text(&a.product_name),
                Cell::text(&a.institution_name),
                Cell::text(&a.enterprise_name),
                Cell::Money(a.amount.fen()),
                Cell::Int(i64::from(a.term.get())),
                Cell::label(a.state.label_zh(), a.state.label_en()),
                Cell::Time(a.submitted_at),
                a.decided_at.map_or(Cell::Empty, Cell::Time),
                d.map_or(Cell::Empty, |d| Cell::Date(d.date)),
                d.map_or(Cell::Empty, |d| Cell::Money(d.amount.fen())),
                a.reason.as_deref().map_or(Cell::Empty, Cell::text),
            ]
        })
        .collect();
    Table { sheet: TableName::Applications.title().0.to_owned(), headers, rows }
}
