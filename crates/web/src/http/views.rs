//! What the API returns and the pages show: products, institutions and search results as views with
//! machine names and Chinese labels side by side, amounts in fen with display text, times in
//! Asia/Shanghai. The same structs feed the JSON API (with OpenAPI schemas) and the templates.

use crate::http::format::{
    Label, Place, UNSTATED_EN, UNSTATED_ZH, label_in, labels_in, money, shanghai, span_en, span_zh,
};
use chrono::NaiveDate;
use finmart_domain::{
    Bps, CollateralTerms, EligibilityRule, EnterpriseProfile, Fen, HomeArea, Institution, InstitutionRef, Labelled,
    Materials, Months, OverdueHistory, Pricing, Product, ProductSource, Publication, RangeEnd, RuleKind, ServiceArea,
    VerifiedRules,
};
use finmart_matching::Quote;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: Label,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
}

impl From<&InstitutionRef> for InstitutionView {
    fn from(i: &InstitutionRef) -> Self {
        Self { id: i.id, code: i.code.clone(), name: i.name.clone(), kind: Label::of(i.kind), intro: None }
    }
}

impl From<&Institution> for InstitutionView {
    fn from(i: &Institution) -> Self {
        Self { intro: Some(i.intro.clone()), ..Self::from(&i.to_ref()) }
    }
}

/// A product as a search result lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductSummary {
    pub id: i64,
    /// The institution's own product code.
    pub code: String,
    pub name: String,
    /// The main family.
    pub family: Label,
    /// The further families the product also belongs to (a 科技贷 that is also 信用贷款), in vocabulary
    /// order; empty for none. Search facets and filters count and admit the product by every family.
    pub more_families: Vec<Label>,
    pub institution: InstitutionView,
    /// `null` when the product does not state it (未说明), here and for every fact below.
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    /// e.g. `10 万元 – 500 万元`, `最高 1000 万元`, `未说明`.
    pub amount_text: String,
    /// e.g. `CNY 100,000 – CNY 5,000,000`, `Up to CNY 10,000,000`, `Not stated`.
    pub amount_text_en: String,
    pub term_min_months: Option<u16>,
    pub term_max_months: Option<u16>,
    /// e.g. `6 个月 – 3 年`.
    pub term_text: String,
    /// e.g. `6 months – 3 years`.
    pub term_text_en: String,
    /// The annual rate's bounds, whatever form the page gives it in (a monthly or daily rate converted, an
    /// LPR or benchmark rate at its current publication), rounded half up to a basis point; `null` when not
    /// stated.
    pub rate_min_bps: Option<u32>,
    pub rate_max_bps: Option<u32>,
    /// The annual rate: e.g. `3.45% – 5.2%`, `3.2% 起`, `约 5.66% – 6.18%` (约 when rounded), `未说明`.
    pub rate_text: String,
    pub rate_text_en: String,
    /// The rate as the page says it and how it becomes annual, e.g. `月息 0.6%（年化 7.2%，按月利率 × 12 折算）`,
    /// `1 年期 LPR +50~150BP（年化 3.5% – 4.5%，按 2025-05-20 公布的 1 年期 LPR 3.00% 计）`.
    pub rate_line: String,
    pub rate_line_en: String,
    /// The pricing as stated: `{"kind": "not_stated"}`, `{"kind": "stated", "period", "notation", "range"
    /// (millionths), "fixed"}`, `{"kind": "lpr", "tenor", "spread_bps"}`, `{"kind": "benchmark", "markup"}`
    /// (hundredths of a percent of the benchmark).
    #[schema(value_type = Object)]
    pub pricing: Pricing,
    /// The publications of the reference rates the annual rate is worked out from (empty for a rate stated
    /// outright).
    pub rate_references: Vec<ReferenceView>,
    pub decision_days: Option<u16>,
    /// e.g. `3 个工作日`, `未说明`.
    pub decision_text: String,
    pub decision_text_en: String,
    pub online: Option<bool>,
    /// The collateral kinds the product names (empty for 纯信用 and for 未说明: see `collateral_terms`).
    pub collateral: Vec<Label>,
    pub collateral_terms: CollateralView,
    pub policy_support: Vec<Label>,
    /// Serves the whole home area (全市): every one of its districts.
    pub citywide: bool,
    /// The home area's districts the product serves (all of them for a nationwide or citywide product).
    pub districts: Vec<Place>,
    pub area: AreaView,
    /// The public page the product was copied from and the day it was read; `null` for a product its lender
    /// listed itself.
    pub source: Option<SourceView>,
}

/// Where a product is offered, as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaView {
    /// `nationwide`, `within` or `not_stated`.
    pub kind: &'static str,
    /// The divisions of a `within` area, of any level (a city, a district).
    pub divisions: Vec<Place>,
    /// e.g. `天津市全市`, `和平区、河西区`, `江苏省苏州市`, `全国`, `未说明`.
    pub text: String,
    /// e.g. `All of 天津市`, `Nationwide`, `Not stated`.
    pub text_en: String,
}

impl AreaView {
    #[must_use]
    pub fn of(area: &ServiceArea, home: &HomeArea) -> Self {
        let kind = match area {
            ServiceArea::NotStated => "not_stated",
            ServiceArea::Nationwide => "nationwide",
            ServiceArea::Within(_) => "within",
        };
        Self {
            kind,
            divisions: area.divisions().iter().map(|d| Place::of(*d, home)).collect(),
            text: area.describe_zh(home),
            text_en: area.describe_en(home),
        }
    }
}

/// Where a copied product was read, as pages show it: "来源：www.example.com（2026-12-03 读取）".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceView {
    pub url: String,
    /// The page's host, for the link's text.
    pub host: String,
    /// `YYYY-MM-DD`.
    pub read_on: String,
}

impl From<&ProductSource> for SourceView {
    fn from(s: &ProductSource) -> Self {
        // The address was checked to start with http(s)://; the host is what follows, up to the path.
        let rest = s.url.split_once("://").map_or(s.url.as_str(), |(_, rest)| rest);
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest).to_owned();
        Self { url: s.url.clone(), host, read_on: s.read_on.to_string() }
    }
}

/// One publication of a reference rate, as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferenceView {
    pub kind: Label,
    pub rate_bps: u32,
    /// e.g. `3.00%`.
    pub rate_text: String,
    /// `YYYY-MM-DD`: the day it was published (for a benchmark band, the day it took effect).
    pub published_on: String,
    /// e.g. `2025-05-20 公布的 1 年期 LPR 3.00%`.
    pub text: String,
    pub text_en: String,
}

impl From<&Publication> for ReferenceView {
    fn from(p: &Publication) -> Self {
        Self {
            kind: Label::of(p.kind),
            rate_bps: p.rate.bps(),
            rate_text: p.rate.percent_text_fixed(),
            published_on: p.published_on.to_string(),
            text: p.describe_zh(),
            text_en: p.describe_en(),
        }
    }
}

/// What a product asks to be pledged, as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollateralView {
    /// `not_stated`, `none_required`, `any_of` or `all_of`.
    pub kind: &'static str,
    /// Whether a borrower may pledge nothing (`null` when not stated).
    pub unsecured: Option<bool>,
    pub kinds: Vec<Label>,
    /// e.g. `纯信用`, `信用、房产抵押（任选其一）`, `房产抵押 + 第三方保证担保`, `未说明`.
    pub text: String,
    pub text_en: String,
}

impl From<&CollateralTerms> for CollateralView {
    fn from(c: &CollateralTerms) -> Self {
        let kind = match c {
            CollateralTerms::NotStated => "not_stated",
            CollateralTerms::NoneRequired => "none_required",
            CollateralTerms::AnyOf { .. } => "any_of",
            CollateralTerms::AllOf { .. } => "all_of",
        };
        Self {
            kind,
            unsecured: c.unsecured(),
            kinds: Label::all(c.kinds()),
            text: c.describe_zh(),
            text_en: c.describe_en(),
        }
    }
}

/// 材料清单: what a product asks an applicant to provide, as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialsView {
    /// `listed`, `none_needed` or `not_stated` (未说明: not the same as none needed).
    pub kind: &'static str,
    /// The names listed, in order (the lender's own words).
    pub names: Vec<String>,
    /// e.g. `营业执照、近一年财务报表`, `无需提供材料`, `未说明`.
    pub text: String,
    pub text_en: String,
}

/// The rules a product requires to be met by a verified fact, as the API and pages show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifiedRulesView {
    /// The rule keys (`min_tax_credit_grade`, …); empty when none is required.
    pub rules: Vec<&'static str>,
    /// e.g. `纳税信用等级须经税务部门核验`, `无（按企业申报及已核验信息匹配）`.
    pub text: String,
    pub text_en: String,
}

impl From<&VerifiedRules> for VerifiedRulesView {
    fn from(v: &VerifiedRules) -> Self {
        Self { rules: v.kinds().iter().map(|k| k.as_str()).collect(), text: v.describe_zh(), text_en: v.describe_en() }
    }
}

impl From<&Materials> for MaterialsView {
    fn from(m: &Materials) -> Self {
        let kind = match m {
            Materials::Listed(_) => "listed",
            Materials::NoneNeeded => "none_needed",
            Materials::NotStated => "not_stated",
        };
        Self { kind, names: m.names().to_vec(), text: m.describe_zh(), text_en: m.describe_en() }
    }
}

impl ProductSummary {
    /// The summary of `p`, its area seen from the deployment's `home`.
    #[must_use]
    pub fn of(p: &Product, home: &HomeArea) -> Self {
        let s = &p.spec;
        let annual = p.annual_rate();
        let rate = p.rate_text();
        Self {
            id: p.id,
            code: s.code.clone(),
            name: s.name.clone(),
            family: Label::of(s.family),
            more_families: Label::all(&s.more_families),
            institution: InstitutionView::from(&p.institution),
            amount_min_fen: s.amount.min().map(Fen::fen),
            amount_max_fen: s.amount.max().map(Fen::fen),
            amount_text: span_zh(&s.amount, Fen::display_zh),
            amount_text_en: span_en(&s.amount, Fen::display_en),
            term_min_months: s.term.min().map(Months::get),
            term_max_months: s.term.max().map(Months::get),
            term_text: span_zh(&s.term, Months::display_zh),
            term_text_en: span_en(&s.term, Months::display_en),
            rate_min_bps: annual.min().map(|r| r.bps().bps()),
            rate_max_bps: annual.max().map(|r| r.bps().bps()),
            rate_line: rate.line_zh(),
            rate_line_en: rate.line_en(),
            rate_text: rate.annual_zh,
            rate_text_en: rate.annual_en,
            pricing: s.pricing,
            rate_references: p.references.all().iter().map(ReferenceView::from).collect(),
            decision_days: s.decision_days,
            decision_text: s.decision_days.map_or_else(|| UNSTATED_ZH.to_owned(), |d| format!("{d} 个工作日")),
            decision_text_en: s.decision_days.map_or_else(|| UNSTATED_EN.to_owned(), |d| format!("{d} working days")),
            online: s.online,
            collateral: Label::all(s.collateral.kinds()),
            collateral_terms: CollateralView::from(&s.collateral),
            policy_support: Label::all(&s.policy_support),
            citywide: s.area.covers_home(home),
            districts: s.area.home_districts(home).into_iter().map(|d| Place::district(d, home)).collect(),
            area: AreaView::of(&s.area, home),
            source: s.source.as_ref().map(SourceView::from),
        }
    }
}

/// One eligibility rule: its key and kind's name, its value and the sentence a person reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    /// The key (`tax_paid_yuan`, `other_conditions`, …).
    pub rule: &'static str,
    /// The kind's name (`纳税额`, `其他条件`, …).
    pub name: &'static str,
    pub name_en: &'static str,
    /// The value in the import format (`..500000`).
    pub value: String,
    /// The requirement in plain Chinese (`上年纳税总额不超过 50 万元`); other conditions in the lender's words.
    pub text: String,
    pub text_en: String,
    /// Only the lender can check it (other conditions): a match lists it under 需向机构确认, never as met.
    pub lender_checks: bool,
}

impl From<&EligibilityRule> for RuleView {
    fn from(r: &EligibilityRule) -> Self {
        let kind = r.kind();
        Self {
            rule: r.key(),
            name: kind.label_zh(),
            name_en: kind.label_en(),
            value: r.value_text(),
            text: r.describe_zh(),
            text_en: r.describe_en(),
            lender_checks: kind == RuleKind::OtherConditions,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuaranteeView {
    pub agency: InstitutionView,
    /// The annual fee rate's bounds (`null`: not stated).
    pub fee_min_bps: Option<u32>,
    pub fee_max_bps: Option<u32>,
    /// e.g. `1%/年`, `0.5% – 1.5%/年`, `未说明`.
    pub fee_text: String,
    pub fee_text_en: String,
}

/// Every term of a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductDetail {
    #[serde(flatten)]
    pub summary: ProductSummary,
    pub description: String,
    /// The rate as the page says it: `年利率 3.45% – 4.8%（固定利率）`, `月息 0.6%`, `1 年期 LPR +50~150BP`,
    /// `1 年期 LPR 加点（加点幅度未说明）`, `基准利率上浮 30%`, `未说明`.
    pub rate_written: String,
    pub rate_written_en: String,
    /// `null` when the product does not state them.
    pub repayment_methods: Option<Vec<Label>>,
    /// e.g. `等额本息、先息后本`, `未说明`.
    pub repayment_text: String,
    pub repayment_text_en: String,
    pub guarantee: Option<GuaranteeView>,
    pub eligibility: Vec<RuleView>,
    /// `null`: not stated (offered from its publication).
    pub valid_from: Option<String>,
    /// `null`: no end stated.
    pub valid_until: Option<String>,
    /// e.g. `是`, `否`, `未说明`.
    pub online_text: String,
    pub online_text_en: String,
    /// 材料清单: the documents an applicant provides.
    pub materials: MaterialsView,
    /// The eligibility rules the product requires to be met by a verified fact.
    pub verified_rules: VerifiedRulesView,
    pub state: Label,
    /// Last change, Asia/Shanghai.
    pub updated_at: String,
}

impl ProductDetail {
    /// Every term of `p`, its area seen from the deployment's `home`.
    #[must_use]
    pub fn of(p: &Product, home: &HomeArea) -> Self {
        let s = &p.spec;
        Self {
            summary: ProductSummary::of(p, home),
            description: s.description.clone(),
            rate_written: s.pricing.describe_zh(),
            rate_written_en: s.pricing.describe_en(),
            repayment_methods: s.repayment_methods.as_deref().map(Label::all),
            repayment_text: s
                .repayment_methods
                .as_deref()
                .map_or_else(|| UNSTATED_ZH.to_owned(), |m| labels_in(false, m)),
            repayment_text_en: s
                .repayment_methods
                .as_deref()
                .map_or_else(|| UNSTATED_EN.to_owned(), |m| labels_in(true, m)),
            guarantee: p.guarantee_agency.as_ref().zip(s.guarantee.as_ref()).map(|(agency, g)| GuaranteeView {
                agency: InstitutionView::from(agency),
                fee_min_bps: g.fee.min().map(Bps::bps),
                fee_max_bps: g.fee.max().map(Bps::bps),
                fee_text: g.fee_text_zh(),
                fee_text_en: g.fee_text_en(),
            }),
            eligibility: s.eligibility.rules().iter().map(RuleView::from).collect(),
            valid_from: s.valid_from.map(|d| d.to_string()),
            valid_until: s.valid_until.map(|d| d.to_string()),
            online_text: s.online.map_or(UNSTATED_ZH, |o| if o { "是" } else { "否" }).to_owned(),
            online_text_en: s.online.map_or(UNSTATED_EN, |o| if o { "Yes" } else { "No" }).to_owned(),
            materials: MaterialsView::from(&s.materials),
            verified_rules: VerifiedRulesView::from(&s.verified_rules),
            state: Label::of(p.state),
            updated_at: shanghai(p.updated_at),
        }
    }
}

/// A loan quote's figures, in fen and basis points with display text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    pub method: Label,
    /// The product does not state its repayment methods: `method` is assumed for the quote.
    pub method_assumed: bool,
    /// The product states only a minimum rate: every figure is the least the loan can cost.
    pub rate_is_floor: bool,
    /// The product names a guarantee agency but not (this end of) its fee: the fee is left out, and every
    /// figure is the least the loan can cost.
    pub fee_unstated: bool,
    /// A reference estimate, not a quote: the page does not state the spread (or float) over the reference
    /// rate, so the reference rate itself is used. Never a firm figure.
    pub estimate: bool,
    /// The annual rate used, rounded half up to a basis point (`rate_text` says 约 when that changed it).
    pub rate_bps: u32,
    pub rate_text: String,
    /// What the figures rest on, in words: the rate as the page says it and how it was made annual, which
    /// end of a range, the reference publication, the fee. e.g. `按 2025-05-20 公布的 1 年期 LPR 3.00% 加 50BP –
    /// 150BP 计，区间取低值：年化 3.5%`, `担保费按 0.5% – 1.5% 区间取低值 0.5%/年`.
    pub assumptions: Vec<String>,
    pub assumptions_en: Vec<String>,
    /// Effective annual rate of the whole loan (interest, guarantee fee, subsidies): IRR × 12.
    pub apr_bps: u32,
    pub apr_text: String,
    pub first_payment_fen: i64,
    pub first_payment_text: String,
    pub first_payment_text_en: String,
    pub max_payment_fen: i64,
    pub total_interest_fen: i64,
    pub guarantee_fee_fen: i64,
    pub interest_subsidy_fen: i64,
    pub fee_subsidy_fen: i64,
    /// Interest + guarantee fee − subsidies.
    pub total_cost_fen: i64,
    pub total_cost_text: String,
    pub total_cost_text_en: String,
    /// The annual subsidy rates applied.
    pub interest_subsidy_bps: u32,
    pub fee_subsidy_bps: u32,
}

impl QuoteView {
    /// The quote of `product` on `end` of its range (the low end for ranking and matching), with its
    /// assumptions in words. `estimate`: the rate is the reference estimate ([`Pricing::estimate`]).
    #[must_use]
    pub fn of(q: &Quote, product: &Product, end: RangeEnd, estimate: bool) -> Self {
        let (assumptions, assumptions_en) = quote_assumptions(product, q.term, end, estimate);
        let pricing = &product.spec.pricing;
        let rate = if estimate {
            pricing.estimate(&product.references, q.term)
        } else {
            pricing.quote(&product.references, q.term, end)
        };
        Self {
            method: Label::of(q.method),
            method_assumed: q.method_assumed,
            rate_is_floor: q.rate_is_floor && !estimate,
            fee_unstated: product.spec.guarantee.as_ref().is_some_and(|g| g.fee_quote(end).0.is_none()),
            estimate,
            rate_bps: q.rate.bps(),
            rate_text: rate.map_or_else(|| q.rate.percent_text(), |r| r.rate.text_zh()),
            assumptions,
            assumptions_en,
            apr_bps: q.apr.bps(),
            apr_text: q.apr.percent_text(),
            first_payment_fen: q.first_payment.fen(),
            first_payment_text: q.first_payment.display_exact_zh(),
            first_payment_text_en: q.first_payment.display_en(),
            max_payment_fen: q.max_payment.fen(),
            total_interest_fen: q.total_interest.fen(),
            guarantee_fee_fen: q.guarantee_fee.fen(),
            interest_subsidy_fen: q.interest_subsidy.fen(),
            fee_subsidy_fen: q.fee_subsidy.fen(),
            total_cost_fen: q.total_cost.fen(),
            total_cost_text: q.total_cost.display_exact_zh(),
            total_cost_text_en: q.total_cost.display_en(),
            interest_subsidy_bps: q.subsidies.interest,
            fee_subsidy_bps: q.subsidies.fee,
        }
    }
}

/// What a quote of `product` for a loan of `term` rests on, in Chinese and in English: the rate (as the page
/// says it, made annual, which end, which publication), or the marked estimate; then the guarantee fee. The
/// one home of these words for the calculator, the cost API and matching.
#[must_use]
pub fn quote_assumptions(product: &Product, term: Months, end: RangeEnd, estimate: bool) -> (Vec<String>, Vec<String>) {
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    let pricing = &product.spec.pricing;
    let rate = if estimate {
        pricing.estimate(&product.references, term)
    } else {
        pricing.quote(&product.references, term, end)
    };
    if let Some(r) = rate {
        zh.push(r.words_zh);
        en.push(r.words_en);
    }
    if let Some(g) = &product.spec.guarantee {
        let (_, fee_zh, fee_en) = g.fee_quote(end);
        zh.push(fee_zh);
        en.push(fee_en);
    }
    (zh, en)
}

/// A firm's profile as rows a person reads, in both languages (`label`, `label_en`, `value`, `value_en`; the
/// templates pick with `t`): what the bank sees of an applicant or a prospect. A figure the firm did not give
/// reads 未填写 / Not given, never a default. The firm's name is its own (`data`: the same in both languages,
/// marked with its language on a page in the other).
#[must_use]
pub fn profile_rows(p: &EnterpriseProfile, today: NaiveDate, home: &HomeArea) -> Vec<Value> {
    fn label<T: Labelled>(v: T) -> (String, String) {
        (label_in(false, v), label_in(true, v))
    }
    fn labels<T: Labelled>(v: &[T]) -> (String, String) {
        (labels_in(false, v), labels_in(true, v))
    }
    let row =
        |zh: &str, en: &str, v: (String, String)| json!({"label": zh, "label_en": en, "value": v.0, "value_en": v.1});
    let text = |zh: &str, en: &str| (zh.to_owned(), en.to_owned());
    let same = |s: String| (s.clone(), s);
    let not_given = || text("未填写", "Not given");
    let amount = |v: Option<Fen>| v.map_or_else(not_given, |f| money(f.fen()));
    let count = |v: Option<u32>| v.map_or_else(not_given, |n| same(n.to_string()));
    let yes_no =
        |v: Option<bool>| v.map_or_else(not_given, |yes| if yes { text("是", "Yes") } else { text("否", "No") });
    let overdue = p.overdue.map_or_else(not_given, |o| match o {
        OverdueHistory::Never => text("从未逾期", "Never"),
        OverdueHistory::MonthsAgo { months } => {
            (format!("最近一次在 {months} 个月前"), format!("Last {months} months ago"))
        }
    });
    let years = p.years_in_operation(today);
    let name = json!({"label": "企业名称", "label_en": "Name", "value": p.name, "value_en": p.name, "data": true});
    vec![
        name,
        row("统一社会信用代码", "Credit code", same(p.uscc.as_ref().map(ToString::to_string).unwrap_or_default())),
        row("所在区", "District", same(p.district.division().name_from(home))),
        row("所属行业", "Industry", label(p.industry)),
        row("企业规模", "Scale", p.scale().map_or_else(|| text("无法判定", "Undetermined"), label)),
        row(
            "成立日期",
            "Established",
            (format!("{}（{years} 年）", p.established), format!("{} ({years} years)", p.established)),
        ),
        row("从业人员", "Employees", same(p.employees.to_string())),
        row("上年营业收入", "Last year's revenue", money(p.revenue.fen())),
        row("资产总额", "Total assets", amount(p.total_assets)),
        row("负债总额", "Total liabilities", amount(p.total_liabilities)),
        row("纳税信用等级", "Tax credit grade", p.tax_credit_grade.map_or_else(not_given, label)),
        row("上年纳税总额", "Tax paid last year", amount(p.tax_paid)),
        row("资质", "Qualifications", p.qualifications.as_deref().map_or_else(not_given, labels)),
        row("重点产业", "Priority sectors", p.sectors.as_deref().map_or_else(not_given, labels)),
        row("发明专利", "Invention patents", count(p.invention_patents)),
        row("注册商标", "Trademarks", count(p.trademarks)),
        row("可抵质押资产", "Collateral owned", labels(&p.collateral)),
        row("核心企业应收账款", "Core-enterprise receivables", yes_no(p.has_core_receivables())),
        row("政府采购合同", "Procurement contract", yes_no(p.has_procurement_contract())),
        row("现有贷款余额", "Outstanding loans", amount(p.outstanding_loans)),
        row("是否有过银行贷款", "Ever borrowed", yes_no(p.ever_borrowed)),
        row("逾期记录", "Overdue record", overdue),
    ]
}
