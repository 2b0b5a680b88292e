//! The flat product record of import files (JSON and CSV) and its validation into a [`ProductSpec`].
//!
//! Both file formats are read into the same [`ProductRecord`] (column → text), so one function decides what
//! a valid product is, and every bad field of a row is reported at once. The columns are documented in
//! `docs/import-format.md` and `docs/product-import.schema.json`.

use crate::eligibility::EligibilityRules;
use crate::materials::Materials;
use crate::pricing::RatePeriod;
use crate::product::{CollateralTerms, ProductSource, ProductSpec, validate_code};
use crate::record_pricing::{basis_values, guarantee_cells, pricing_cells, read_guarantee, read_pricing};
use crate::verified_rules::VerifiedRules;
use crate::vocab::{Collateral, InstitutionKind, LifecycleState, PolicySupport, ProductFamily, RepaymentMethod};
use crate::{Fen, FieldErrors, HomeArea, Labelled, Months, ServiceArea, StatedRange, ValueError};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Every column an import file may have, in the order of the CSV template.
pub const COLUMNS: &[&str] = &[
    "institution_code",
    "institution_name",
    "institution_kind",
    "code",
    "name",
    "family",
    "more_families",
    "description",
    "amount_min_yuan",
    "amount_max_yuan",
    "term_min_months",
    "term_max_months",
    "rate_min_pct",
    "rate_max_pct",
    "rate_unit",
    "rate_basis",
    "lpr_spread_bps",
    "lpr_spread_min_bps",
    "lpr_spread_max_bps",
    "benchmark_markup_min_pct",
    "benchmark_markup_max_pct",
    "repayment_methods",
    "collateral",
    "guarantee_agency_code",
    "guarantee_fee_pct",
    "guarantee_fee_min_pct",
    "guarantee_fee_max_pct",
    "eligibility",
    "policy_support",
    "decision_days",
    "online",
    "districts",
    "valid_from",
    "valid_until",
    "state",
    "source_url",
    "source_read_on",
    "materials",
    "verified_rules",
];

/// One problem with one row of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number as the file's author sees it (CSV line, spreadsheet row, or 1-based JSON index).
    pub row: usize,
    pub field: String,
    /// The reason in Chinese.
    pub message: String,
    /// The reason in English.
    pub message_en: String,
}

impl RowError {
    pub fn new(row: usize, field: &str, message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self { row, field: field.to_owned(), message: message.into(), message_en: message_en.into() }
    }

    /// One row error per field error of `row`.
    #[must_use]
    pub fn from_fields(row: usize, fields: &FieldErrors) -> Vec<Self> {
        fields.0.iter().map(|f| Self::new(row, &f.field, f.error.message_zh(), f.error.to_string())).collect()
    }
}

/// What a person filling in an import file needs to know about one column (templates, help pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The machine name, one of [`COLUMNS`].
    pub name: &'static str,
    /// The Chinese name (`docs/import-format.md` section 3), also accepted as a spreadsheet header.
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// The cell may never be empty (`lpr_spread_bps` is required only with LPR pricing: see `rule_zh`).
    pub required: bool,
    /// Several values may be given, separated by `|`.
    pub multiple: bool,
    /// The closed vocabulary of the column as (machine name, Chinese label), empty for free text.
    pub allowed: Vec<(&'static str, &'static str)>,
    /// The format and rules, in Chinese. What is typed as it is (a value, a separator) is between backticks.
    pub rule_zh: &'static str,
    /// The same in English; values accepted only in Chinese are quoted as they are, between backticks.
    pub rule_en: &'static str,
    /// An example value.
    pub example: &'static str,
    /// An example value for an English reader: the same unless the column accepts English text as well.
    pub example_en: &'static str,
}

/// A single-valued column of free text: its names, whether required, its rules (Chinese, English) and one
/// example for readers of both languages. Columns with a vocabulary or an English example set those after.
pub(crate) fn column(
    name: &'static str,
    label_zh: &'static str,
    label_en: &'static str,
    required: bool,
    (rule_zh, rule_en): (&'static str, &'static str),
    example: &'static str,
) -> ColumnInfo {
    ColumnInfo {
        name,
        label_zh,
        label_en,
        required,
        multiple: false,
        allowed: Vec::new(),
        rule_zh,
        rule_en,
        example,
        example_en: example,
    }
}

fn vocabulary<T: Labelled>() -> Vec<(&'static str, &'static str)> {
    T::ALL.iter().map(|v| (v.as_str(), v.label_zh())).collect()
}

fn with<T: Labelled>(extra: (&'static str, &'static str)) -> Vec<(&'static str, &'static str)> {
    let mut all = vec![extra];
    all.extend(vocabulary::<T>());
    all
}

/// Every column of [`COLUMNS`], in the same order, with its names, rules and allowed values.
///
/// The allowed values come from the vocabularies themselves, so they cannot drift from what validation
/// accepts.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn column_info() -> Vec<ColumnInfo> {
    vec![
        column(
            "institution_code",
            "机构代码",
            "Institution code",
            true,
            (
                "平台上已有的机构，或同时填写机构名称和类型以新建；1–40 个字符：英文字母、数字、`-`、`_`、`.`",
                "An institution already on the platform, or a new one when its name and kind are given too; 1–40 characters: letters, digits, `-`, `_` and `.`",
            ),
            "example-bank",
        ),
        ColumnInfo {
            example_en: "Example Commercial Bank",
            ..column(
                "institution_name",
                "机构名称",
                "Institution name",
                false,
                (
                    "新建机构时填写，最多 100 个字符，须与机构类型同时填写或同时留空",
                    "For a new institution: at most 100 characters, given together with the institution kind or not at all",
                ),
                "示例商业银行",
            )
        },
        ColumnInfo {
            allowed: vocabulary::<InstitutionKind>(),
            ..column(
                "institution_kind",
                "机构类型",
                "Institution kind",
                false,
                (
                    "新建机构时填写，须与机构名称同时填写或同时留空",
                    "For a new institution, given together with its name or not at all",
                ),
                "bank",
            )
        },
        column(
            "code",
            "产品编码",
            "Product code",
            true,
            (
                "机构自定的产品编码，同一机构内唯一；1–40 个字符：英文字母、数字、`-`、`_`、`.`",
                "The institution's own code for the product, unique within the institution; 1–40 characters: letters, digits, `-`, `_` and `.`",
            ),
            "KJXD-01",
        ),
        ColumnInfo {
            example_en: "Tech credit loan",
            ..column(
                "name",
                "产品名称",
                "Product name",
                true,
                ("最多 60 个字符", "At most 60 characters"),
                "科技信用贷",
            )
        },
        ColumnInfo {
            allowed: vocabulary::<ProductFamily>(),
            ..column(
                "family",
                "产品类别",
                "Product family",
                true,
                ("一个取值：产品的主类别", "One value: the product's main family"),
                "credit",
            )
        },
        ColumnInfo {
            allowed: vocabulary::<ProductFamily>(),
            multiple: true,
            ..column(
                "more_families",
                "其他类别",
                "Further families",
                false,
                (
                    "产品同时属于的其他类别，可以有多个（用 `|` 分隔）；与产品类别相同的取值和重复的取值忽略；留空表示没有",
                    "Further families the product belongs to, any number, separated by `|`; the main family and repeated values are ignored; empty for none",
                ),
                "tech|first_loan",
            )
        },
        ColumnInfo {
            example_en: "Unsecured credit for small technology firms",
            ..column(
                "description",
                "产品介绍",
                "Description",
                true,
                ("最多 2000 个字符", "At most 2,000 characters"),
                "面向科技型中小企业的纯信用贷款",
            )
        },
        column(
            "amount_min_yuan",
            "额度下限（元）",
            "Minimum amount (yuan)",
            false,
            (
                "金额（元），大于 0，最多两位小数；可写“万”：`300万`；页面未写明则留空（未说明）",
                "In yuan, more than 0, at most two decimals; ten thousands may be written with `万`: `300万` is 3,000,000; empty when the product's page does not say (not stated)",
            ),
            "100000",
        ),
        ColumnInfo {
            example_en: "3000000",
            ..column(
                "amount_max_yuan",
                "额度上限（元）",
                "Maximum amount (yuan)",
                false,
                (
                    "金额（元），不小于额度下限；未写明则留空",
                    "In yuan, not below the minimum amount; empty when not stated",
                ),
                "300万",
            )
        },
        column(
            "term_min_months",
            "期限下限（月）",
            "Minimum term (months)",
            false,
            (
                "整数月数 1–360，或 `6个月`、`3年`；未写明则留空",
                "Whole months, 1–360, or written as `6个月` (6 months) or `3年` (3 years); empty when not stated",
            ),
            "6",
        ),
        column(
            "term_max_months",
            "期限上限（月）",
            "Maximum term (months)",
            false,
            ("期限，不小于期限下限；未写明则留空", "A term not below the minimum term; empty when not stated"),
            "36",
        ),
        column(
            "rate_min_pct",
            "年利率下限（%）",
            "Minimum rate (%)",
            false,
            (
                "利率（年利率，或 `rate_unit` 所说的月利率、日利率）：`3.45` 或 `3.45%` 表示 3.45%，也可写 `6‰`、`千分之6`、`万分之2`、`万分之二`，可在前面注明 `年化`/`月息`/`日息`（如 `月息0.6%`）；“最低 3.2%”只填下限；LPR 和基准利率定价时留空；未写明则留空",
                "A rate a year, or a month or a day as `rate_unit` says: `3.45` or `3.45%` is 3.45%; per mille and per ten thousand are read too (`6‰`, `千分之6`, `万分之2`, `万分之二`), and the rate may start with `年化`, `月息` or `日息` (a year, a month, a day: `月息0.6%`); “from 3.2%” fills in only the minimum; empty with LPR or benchmark pricing, and when not stated",
            ),
            "3.45",
        ),
        column(
            "rate_max_pct",
            "年利率上限（%）",
            "Maximum rate (%)",
            false,
            (
                "写法同年利率下限，不小于下限；未写明则留空",
                "Written as the minimum rate, and not below it; empty when not stated",
            ),
            "4.8",
        ),
        ColumnInfo {
            allowed: vocabulary::<RatePeriod>(),
            ..column(
                "rate_unit",
                "利率单位",
                "Rate unit",
                false,
                (
                    "上面两列利率的单位：`annual`/`年利率`（留空即年利率）、`monthly`/`月利率`（月息，按 × 12 折算为年利率）、`daily`/`日利率`（日息，按 × 360 折算，一年按 360 天）",
                    "The unit of the two rates before it: `annual`, a year (also when empty); `monthly`, a month (× 12 for a year); `daily`, a day (× 360 for a year of 360 days)",
                ),
                "monthly",
            )
        },
        ColumnInfo {
            allowed: basis_values(),
            ..column(
                "rate_basis",
                "定价方式",
                "Rate basis",
                false,
                (
                    "`fixed`/`固定利率`，`lpr_1y`/`1 年期 LPR`、`lpr_5y`/`5 年期以上 LPR`（加点填在 LPR 加点列），`benchmark`/`基准利率`（中国人民银行贷款基准利率上浮，幅度填在上浮列）；未写明则留空（未说明）",
                    "`fixed`, a fixed rate; `lpr_1y` or `lpr_5y`, the one-year or over-five-year LPR, with the spread in the LPR spread columns; `benchmark`, a float over the People's Bank of China benchmark lending rate, given in the float columns; empty when not stated",
                ),
                "lpr_1y",
            )
        },
        column(
            "lpr_spread_bps",
            "LPR 加点（基点，旧格式）",
            "LPR spread (basis points, earlier form)",
            false,
            (
                "旧格式：一个加点值，整数基点（1 基点 = 0.01%），−2000 至 2000；与年利率列同填时，年利率区间的宽度即加点区间的宽度。新文件请用 LPR 加点下限/上限两列",
                "The earlier form: one spread in whole basis points (1 basis point is 0.01%), −2000 to 2000; given with the rate columns, the rate range is as wide as the spread range. New files use the minimum and maximum LPR spread columns",
            ),
            "40",
        ),
        column(
            "lpr_spread_min_bps",
            "LPR 加点下限（基点）",
            "Minimum LPR spread (basis points)",
            false,
            (
                "LPR 定价时填写：整数基点，−2000 至 2000，可写 `50`、`-20`、`50BP`；“LPR+50BP”上下限都填 50，“LPR+50~150BP”填 50 和 150；页面只写“LPR 加点”时两列都留空（未说明）",
                "With LPR pricing: whole basis points, −2000 to 2000, written `50`, `-20` or `50BP`; “LPR+50BP” is 50 in both columns, “LPR+50~150BP” 50 and 150; when the page only says “LPR plus a spread”, leave both empty (not stated)",
            ),
            "50",
        ),
        column(
            "lpr_spread_max_bps",
            "LPR 加点上限（基点）",
            "Maximum LPR spread (basis points)",
            false,
            (
                "写法同 LPR 加点下限，不小于下限；未写明则留空",
                "Written as the minimum spread, and not below it; empty when not stated",
            ),
            "150",
        ),
        column(
            "benchmark_markup_min_pct",
            "基准利率上浮下限（%）",
            "Minimum float over the benchmark (%)",
            false,
            (
                "基准利率定价时填写：上浮 30% 写 `30` 或 `30%`，下浮 10% 写 `-10` 或 `下浮10%`，也可写倍数 `1.3倍`；范围 −90% 至 +300%；“上浮 30%”上下限都填 30",
                "With benchmark pricing: 30% above it is written `30` or `30%`, 10% below it `-10` or `下浮10%`, and a multiple as `1.3倍` (1.3 times); from −90% to +300%; “30% above” is 30 in both columns",
            ),
            "10",
        ),
        column(
            "benchmark_markup_max_pct",
            "基准利率上浮上限（%）",
            "Maximum float over the benchmark (%)",
            false,
            (
                "写法同上浮下限，不小于下限；“不超过基准利率的 1.3 倍”只填上限 `1.3倍`（即 30）",
                "Written as the minimum float, and not below it; “at most 1.3 times the benchmark” fills in only the maximum, `1.3倍` (that is, 30)",
            ),
            "30",
        ),
        ColumnInfo {
            allowed: vocabulary::<RepaymentMethod>(),
            multiple: true,
            ..column(
                "repayment_methods",
                "还款方式",
                "Repayment methods",
                false,
                (
                    "列表，不可重复，用 `|` 分隔；未写明则留空",
                    "A list without repeats, separated by `|`; empty when not stated",
                ),
                "equal_instalment|interest_only",
            )
        },
        ColumnInfo {
            allowed: with::<Collateral>(("none", "无")),
            multiple: true,
            ..column(
                "collateral",
                "抵质押及担保方式",
                "Collateral",
                false,
                (
                    "`none`/纯信用：无需抵质押；用 `|` 分隔：任选其一（含 `none` 即“信用、抵押均可”）；用 `+` 连接：须同时提供；未写明则留空（未说明，不等于纯信用）",
                    "`none`: unsecured, no collateral; values separated by `|`: any one of them (with `none`: unsecured or secured); joined by `+`: all of them together; empty when not stated (which is not the same as unsecured)",
                ),
                "real_estate|equipment",
            )
        },
        column(
            "guarantee_agency_code",
            "合作担保机构代码",
            "Guarantee agency code",
            false,
            (
                "须为融资担保机构；担保费率未写明时费率列留空（未说明）",
                "Must be a financing guarantee agency; when its fee is not stated, leave the fee columns empty (not stated)",
            ),
            "example-guarantee",
        ),
        column(
            "guarantee_fee_pct",
            "担保费率（年化 %）",
            "Guarantee fee (annual %)",
            false,
            (
                "一个费率，百分数；有合作担保机构时填写（区间请用下面两列），未写明则留空（未说明）",
                "One fee a year, in percent, with a partner guarantee agency (for a range use the next two columns); empty when not stated",
            ),
            "1",
        ),
        column(
            "guarantee_fee_min_pct",
            "担保费率下限（年化 %）",
            "Minimum guarantee fee (annual %)",
            false,
            (
                "担保费率区间的下限，百分数；“0.5%–1.5%”填 0.5 和 1.5；须填写合作担保机构代码；未写明则留空",
                "The lowest fee of a range, in percent: “0.5%–1.5%” is 0.5 and 1.5; needs the guarantee agency code; empty when not stated",
            ),
            "0.5",
        ),
        column(
            "guarantee_fee_max_pct",
            "担保费率上限（年化 %）",
            "Maximum guarantee fee (annual %)",
            false,
            (
                "担保费率区间的上限，不小于下限；未写明则留空",
                "The highest fee of the range, not below the lowest; empty when not stated",
            ),
            "1.5",
        ),
        column(
            "eligibility",
            "准入条件",
            "Eligibility",
            false,
            (
                "`条件名=取值; 条件名=取值`（见 `docs/import-format.md` 第 5 节）；留空表示无条件",
                "`key=value; key=value` (see section 5 of `docs/import-format.md`); empty for no conditions",
            ),
            "min_years_in_operation=2; min_tax_credit_grade=B",
        ),
        ColumnInfo {
            allowed: with::<PolicySupport>(("none", "无")),
            multiple: true,
            ..column(
                "policy_support",
                "政策支持",
                "Policy support",
                false,
                (
                    "列表，不可重复，用 `|` 分隔；留空或 `none`/`无` 表示无",
                    "A list without repeats, separated by `|`; empty, `none` or `无` for none",
                ),
                "risk_compensation|interest_subsidy",
            )
        },
        column(
            "decision_days",
            "审批时效（工作日）",
            "Decision time (working days)",
            false,
            ("整数 0–365；未写明则留空", "A whole number, 0–365; empty when not stated"),
            "3",
        ),
        ColumnInfo {
            allowed: vec![("true", "是"), ("false", "否")],
            ..column(
                "online",
                "全流程线上办理",
                "Fully online",
                false,
                (
                    "`是`/`否`（`true`/`false`）；未写明则留空（未说明）",
                    "`true` or `false` (or `是`, `否`); empty when not stated",
                ),
                "true",
            )
        },
        ColumnInfo {
            allowed: vec![("全国", "全国"), ("全市", "全市"), ("本省", "本省")],
            multiple: true,
            ..column(
                "districts",
                "服务区域",
                "Area served",
                false,
                (
                    "`全国`；`全市`/`本市`（本平台所在城市）；`本省`；或省、市、区县的名称或 6 位行政区划代码，用 `|` 或 `、` 分隔（如 `天津市和平区|滨海新区、江苏省苏州市`）；同名的须写全称；未写明则留空（未说明）",
                    "`全国`, the whole country; `全市` or `本市`, the platform's city; `本省`, its province; or the names or 6-digit division codes of provinces, cities and counties, separated by `|` or `、` (`天津市和平区|滨海新区、江苏省苏州市`); write the full name where two places share one; empty when not stated",
                ),
                "滨海新区|西青区",
            )
        },
        column(
            "valid_from",
            "有效期起",
            "Valid from",
            false,
            (
                "日期 YYYY-MM-DD；未写明则留空（自发布起）",
                "A date, YYYY-MM-DD; empty when not stated (valid from publication)",
            ),
            "2026-01-01",
        ),
        column(
            "valid_until",
            "有效期止（含当日）",
            "Valid until (inclusive)",
            false,
            (
                "日期 YYYY-MM-DD，不早于有效期起；留空为长期有效",
                "A date, YYYY-MM-DD, not before the start; empty for no end",
            ),
            "2027-12-31",
        ),
        ColumnInfo {
            allowed: vocabulary::<LifecycleState>(),
            ..column(
                "state",
                "产品状态",
                "State",
                false,
                ("导入后的状态；留空为 `published`（已发布）", "The state after the import; empty for `published`"),
                "draft",
            )
        },
        column(
            "source_url",
            "来源网页",
            "Source page",
            false,
            (
                "产品抄自公开网页时填写该网页地址（`http://` 或 `https://` 开头，最多 500 个字符），与读取日期同时填写或同时留空；银行自己发布的产品留空",
                "The address of the public web page the product was copied from (starting `http://` or `https://`, at most 500 characters), given together with the date it was read or not at all; empty for the bank's own products",
            ),
            "https://www.example.com/products/kjd.html",
        ),
        column(
            "source_read_on",
            "来源读取日期",
            "Source read on",
            false,
            (
                "读取来源网页的日期 YYYY-MM-DD，与来源网页同时填写或同时留空",
                "The date the source page was read, YYYY-MM-DD, given together with the source page or not at all",
            ),
            "2026-12-03",
        ),
        ColumnInfo {
            multiple: true,
            example_en: "business licence|financial statements of the last year|tax certificate",
            ..column(
                "materials",
                "材料清单",
                "Materials to provide",
                false,
                (
                    "申请人须提供的材料，每项一个简短名称（最多 40 个字符，最多 20 项），用 `|` 或 `、` 分隔；`none` 或 `无需材料` 表示无需提供材料；未写明则留空（未说明，不等于无需材料）",
                    "What the applicant must provide, each a short name (at most 40 characters, at most 20 of them), separated by `|` or `、`; `none` or `无需材料` for nothing; empty when not stated (which is not the same as nothing)",
                ),
                "营业执照|近一年财务报表|纳税证明",
            )
        },
        ColumnInfo {
            multiple: true,
            allowed: crate::verified_rules::RULE_FACTS.iter().map(|(k, _)| (k.as_str(), k.label_zh())).collect(),
            ..column(
                "verified_rules",
                "须经核验的条件",
                "Conditions to be verified",
                false,
                (
                    "须由政府部门核验信息满足的准入条件，填条件名（见“准入条件”），用 `|` 分隔；每个都须是本产品的准入条件；可填成立年限、纳税信用等级、纳税额、资质要求；留空或 `none` 表示不要求核验（按企业申报及已核验信息匹配）",
                    "The eligibility rules that must be met by a fact verified by a government source, by rule key (see eligibility), separated by `|`; each must be one of the product's rules; years in business, tax credit grade, tax paid and qualifications can be; empty or `none` when none is required (declarations and verified facts are used)",
                ),
                "min_tax_credit_grade",
            )
        },
    ]
}

/// One row of an import file: column name → text as written (trimmed; empty cells are absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductRecord(BTreeMap<String, String>);

/// A validated import row: the product, its institution and the state it should be in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub institution_code: String,
    /// Name and kind, when the row may create the institution.
    pub new_institution: Option<(String, InstitutionKind)>,
    pub state: LifecycleState,
    pub spec: ProductSpec,
}

impl ProductRecord {
    /// Builds a record from (column, text) pairs; blank texts are dropped.
    pub fn from_pairs<K: Into<String>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(
            pairs
                .into_iter()
                .filter_map(|(k, v)| {
                    let v = v.as_ref().trim();
                    (!v.is_empty()).then(|| (k.into().trim().to_owned(), v.to_owned()))
                })
                .collect(),
        )
    }

    /// Builds a record from a JSON object: numbers and booleans become their text, arrays are joined with
    /// `|` (an empty `collateral` or `policy_support` list is `none`), and an `eligibility` object becomes its
    /// one-line form. `null` is a column not given (未说明).
    ///
    /// # Errors
    /// A value that is neither a string, number, boolean, array, object (for `eligibility`) nor null.
    pub fn from_json(object: &serde_json::Map<String, serde_json::Value>) -> Result<Self, FieldErrors> {
        use serde_json::Value;
        let mut errors = FieldErrors::default();
        let mut pairs = Vec::new();
        for (key, value) in object {
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                // An empty list of collateral or policy support says "none" (a statement); JSON's way of not
                // saying is null or leaving the key out.
                Value::Array(items) if items.is_empty() && matches!(key.as_str(), "collateral" | "policy_support") => {
                    "none".to_owned()
                }
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("|"),
                Value::Object(rules) if key == "eligibility" => match EligibilityRules::from_json_object(rules) {
                    Ok(rules) => rules.to_line(),
                    Err(bad) => {
                        push_rule_errors(&mut errors, bad);
                        continue;
                    }
                },
                Value::Object(_) => {
                    errors.push(key.as_str(), ValueError::Invalid("不能是对象".to_owned()));
                    continue;
                }
            };
            pairs.push((key.clone(), text));
        }
        errors.into_result(|| Self::from_pairs(pairs))
    }

    fn get(&self, column: &str) -> Option<&str> {
        self.0.get(column).map(String::as_str)
    }

    fn required(&self, e: &mut FieldErrors, column: &str) -> Option<&str> {
        let value = self.get(column);
        if value.is_none() {
            e.push(column, ValueError::Empty);
        }
        value
    }

    /// The column's text, with 未说明 written out read as not given.
    fn stated(&self, column: &str) -> Option<&str> {
        self.get(column).filter(|v| !UNSTATED.contains(v))
    }

    /// The page the product was copied from and the day it was read: both or neither (`Some(None)`), `None`
    /// when either does not read (the error is pushed).
    fn source(&self, e: &mut FieldErrors) -> Option<Option<ProductSource>> {
        let read_on = self.optional(e, "source_read_on", parse_date)?;
        match (self.get("source_url"), read_on) {
            (None, None) => Some(None),
            (Some(url), Some(day)) => e.check("source_url", ProductSource::new(url, day)).map(Some),
            (Some(_), None) => {
                e.push("source_read_on", ValueError::Invalid("填写了来源网页，还须填写读取日期".to_owned()));
                None
            }
            (None, Some(_)) => {
                e.push("source_url", ValueError::Invalid("填写了读取日期，还须填写来源网页".to_owned()));
                None
            }
        }
    }

    /// An optional column: `Some(None)` when not given (未说明), `None` when it does not parse (the error is
    /// pushed).
    fn optional<T>(
        &self,
        e: &mut FieldErrors,
        column: &str,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Option<Option<T>> {
        match self.stated(column) {
            None => Some(None),
            Some(v) => e.check(column, parse(v)).map(Some),
        }
    }

    /// Validates a row whose areas are written in codes, 全国 or the first deployment's names (`binhai`,
    /// `all`): stored records (versions, reviews) and exports, whose meaning does not depend on the
    /// deployment. Files people write are read with [`Self::validate_in`] and the deployment's home area.
    ///
    /// # Errors
    /// All field errors of the row.
    pub fn validate(&self) -> Result<ImportRow, FieldErrors> {
        self.validate_in(&HomeArea::default())
    }

    /// Validates the row, reading its areas as seen from `home` (全市, 本省, bare district names), reporting
    /// every bad or missing field.
    ///
    /// # Errors
    /// All field errors of the row.
    pub fn validate_in(&self, home: &HomeArea) -> Result<ImportRow, FieldErrors> {
        let mut e = FieldErrors::default();
        for column in self.0.keys() {
            if !COLUMNS.contains(&column.as_str()) {
                e.push(column.as_str(), ValueError::Invalid("未知的列".to_owned()));
            }
        }
        let institution_code =
            self.required(&mut e, "institution_code").and_then(|v| e.check("institution_code", validate_code(v)));
        let new_institution = match (self.get("institution_name"), self.get("institution_kind")) {
            (Some(name), Some(kind)) => {
                // The rules of a new institution's name, as on the operator's page.
                let name = e.check("institution_name", crate::institution_name(name));
                let kind = e.check("institution_kind", InstitutionKind::parse(kind));
                name.zip(kind)
            }
            (None, None) => None,
            (Some(_), None) => {
                e.push("institution_kind", ValueError::Invalid("填写机构名称时须同时填写机构类型".to_owned()));
                None
            }
            (None, Some(_)) => {
                e.push("institution_name", ValueError::Invalid("填写机构类型时须同时填写机构名称".to_owned()));
                None
            }
        };
        let code = self.required(&mut e, "code").and_then(|v| e.check("code", validate_code(v)));
        let name = self.required(&mut e, "name").and_then(|v| e.check("name", bounded_text(v, 60)));
        let family = self.required(&mut e, "family").and_then(|v| e.check("family", ProductFamily::parse(v)));
        let more_families = more_families(&mut e, self.get("more_families").unwrap_or(""));
        let description =
            self.required(&mut e, "description").and_then(|v| e.check("description", bounded_text(v, 2000)));

        let amount_min = self.optional(&mut e, "amount_min_yuan", |v| {
            let amount = Fen::parse_yuan(v)?;
            if amount > Fen::ZERO { Ok(amount) } else { Err(ValueError::Invalid("必须大于 0".to_owned())) }
        });
        let amount_max = self.optional(&mut e, "amount_max_yuan", Fen::parse_yuan);
        let amount = stated_pair(&mut e, "amount_max_yuan", amount_min, amount_max, Fen::display_zh);
        let term_min = self.optional(&mut e, "term_min_months", Months::parse);
        let term_max = self.optional(&mut e, "term_max_months", Months::parse);
        let term = stated_pair(&mut e, "term_max_months", term_min, term_max, |m| m.get().to_string());
        let pricing = read_pricing(|column| self.stated(column), &mut e);
        let repayment_methods = self.optional(&mut e, "repayment_methods", |v| list::<RepaymentMethod>(v, false));
        let collateral = match self.stated("collateral") {
            None => Some(CollateralTerms::NotStated),
            Some(v) => e.check("collateral", CollateralTerms::from_cell(v)),
        };
        let guarantee = read_guarantee(|column| self.stated(column), &mut e);
        let eligibility = match EligibilityRules::parse_line(self.get("eligibility").unwrap_or("")) {
            Ok(rules) => Some(rules),
            Err(bad) => {
                push_rule_errors(&mut e, bad);
                None
            }
        };
        let policy_support = match self.get("policy_support") {
            None | Some("none" | "无") => Some(Vec::new()),
            Some(v) => e.check("policy_support", list::<PolicySupport>(v, false)),
        };
        let decision_days = self.optional(&mut e, "decision_days", |v| {
            let days: u16 = v.parse().map_err(|_| ValueError::NotANumber(v.to_owned()))?;
            if days > 365 { Err(ValueError::TooLarge { max: "365".to_owned() }) } else { Ok(days) }
        });
        let online = self.optional(&mut e, "online", parse_bool);
        let area = e.check("districts", ServiceArea::from_cell(self.get("districts").unwrap_or(""), home));
        let valid_from = self.optional(&mut e, "valid_from", parse_date);
        let valid_until = self.optional(&mut e, "valid_until", parse_date);
        if let (Some(Some(from)), Some(Some(until))) = (valid_from, valid_until)
            && until < from
        {
            e.push("valid_until", ValueError::Invalid(format!("截止日期早于起始日期 {from}")));
        }
        let source = self.source(&mut e);
        let materials = match self.stated("materials") {
            None => Some(Materials::NotStated),
            Some(v) => e.check("materials", Materials::from_cell(v)),
        };
        let verified_rules =
            e.check("verified_rules", VerifiedRules::from_cell(self.get("verified_rules").unwrap_or("")));
        if let (Some(required), Some(rules)) = (&verified_rules, &eligibility)
            && let Err(bad) = required.check_against(rules, "verified_rules")
        {
            e.0.extend(bad.0);
        }
        let state = match self.get("state") {
            None => Some(LifecycleState::Published),
            Some(v) => e.check("state", LifecycleState::parse(v)),
        };

        if !e.is_empty() {
            return Err(e);
        }
        // Every value below is Some: each None pushed an error above.
        let spec = (|| {
            let mut spec = ProductSpec {
                code: code?,
                name: name?,
                family: family?,
                more_families: more_families?,
                description: description?,
                amount: amount?,
                term: term?,
                pricing: pricing?,
                repayment_methods: repayment_methods?,
                collateral: collateral?,
                guarantee: guarantee?,
                eligibility: eligibility?,
                policy_support: policy_support?,
                decision_days: decision_days?,
                online: online?,
                area: area?,
                valid_from: valid_from?,
                valid_until: valid_until?,
                source: source?,
                materials: materials?,
                verified_rules: verified_rules?,
            };
            spec.normalize();
            Some(spec)
        })();
        match (spec, institution_code, state) {
            (Some(spec), Some(institution_code), Some(state)) => {
                Ok(ImportRow { institution_code, new_institution, state, spec })
            }
            _ => {
                e.push("row", ValueError::Invalid("记录不完整".to_owned()));
                Err(e)
            }
        }
    }
}

/// Every bad rule of the `eligibility` column, each as its own field `eligibility.<key as written>`, so an
/// import report or a form lists them all at once.
fn push_rule_errors(errors: &mut FieldErrors, bad: FieldErrors) {
    for rule in bad.0 {
        errors.push(format!("eligibility.{}", rule.field), rule.error);
    }
}

/// The record of an existing spec, as an export or a template would write it.
impl From<(&str, &ProductSpec)> for ProductRecord {
    fn from((institution_code, s): (&str, &ProductSpec)) -> Self {
        let join = |items: Vec<&str>| items.join("|");
        let yuan = |f: Fen| {
            if f.fen() % 100 == 0 {
                f.whole_yuan().to_string()
            } else {
                format!("{}.{:02}", f.whole_yuan(), f.fen() % 100)
            }
        };
        let mut pairs: Vec<(&str, String)> = vec![
            ("institution_code", institution_code.to_owned()),
            ("code", s.code.clone()),
            ("name", s.name.clone()),
            ("family", s.family.as_str().to_owned()),
            ("more_families", join(s.more_families.iter().map(|f| f.as_str()).collect())),
            ("description", s.description.clone()),
            ("eligibility", s.eligibility.to_line()),
            ("policy_support", join(s.policy_support.iter().map(|p| p.as_str()).collect())),
            ("districts", s.area.to_cell()),
            ("collateral", s.collateral.to_cell()),
        ];
        // What the product leaves 未说明 is left out: an empty cell reads back as 未说明.
        let mut stated = |column, value: Option<String>| pairs.extend(value.map(|v| (column, v)));
        stated("amount_min_yuan", s.amount.min().map(yuan));
        stated("amount_max_yuan", s.amount.max().map(yuan));
        stated("term_min_months", s.term.min().map(|m| m.get().to_string()));
        stated("term_max_months", s.term.max().map(|m| m.get().to_string()));
        stated("repayment_methods", s.repayment_methods.as_ref().map(|m| join(m.iter().map(|m| m.as_str()).collect())));
        stated("decision_days", s.decision_days.map(|d| d.to_string()));
        stated("online", s.online.map(|o| o.to_string()));
        stated("valid_from", s.valid_from.map(|d| d.to_string()));
        stated("valid_until", s.valid_until.map(|d| d.to_string()));
        stated("source_url", s.source.as_ref().map(|src| src.url.clone()));
        stated("source_read_on", s.source.as_ref().map(|src| src.read_on.to_string()));
        stated("materials", Some(s.materials.to_cell()).filter(|c| !c.is_empty()));
        stated("verified_rules", Some(s.verified_rules.to_cell()).filter(|c| !c.is_empty()));
        pairs.extend(pricing_cells(&s.pricing));
        pairs.extend(s.guarantee.iter().flat_map(guarantee_cells));
        Self::from_pairs(pairs)
    }
}

impl ProductRecord {
    /// The value of `column`, if present.
    #[must_use]
    pub fn value(&self, column: &str) -> Option<&str> {
        self.get(column)
    }

    /// Sets a column (used to add the institution's name and kind to an exported row).
    pub fn set(&mut self, column: &str, value: impl Into<String>) {
        self.0.insert(column.to_owned(), value.into());
    }

    /// Empties a column.
    pub fn remove(&mut self, column: &str) {
        self.0.remove(column);
    }
}

fn bounded_text(v: &str, max_chars: usize) -> Result<String, ValueError> {
    let n = v.chars().count();
    if n > max_chars { Err(ValueError::TooLarge { max: format!("{max_chars} 个字符") }) } else { Ok(v.to_owned()) }
}

/// How a cell may say that the page does not state a value (an empty cell says it too).
const UNSTATED: &[&str] = &["未说明", "not stated", "unknown"];

/// Checks a min/max pair read from two optional columns (either may be 未说明); `show` writes a bound in
/// the column's own unit.
fn stated_pair<T: Ord + Copy + std::fmt::Debug>(
    e: &mut FieldErrors,
    field: &str,
    min: Option<Option<T>>,
    max: Option<Option<T>>,
    show: impl Fn(T) -> String,
) -> Option<StatedRange<T>> {
    let (min, max) = (min?, max?);
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        e.push(field, ValueError::InvertedRange { min: show(lo), max: show(hi) });
        return None;
    }
    StatedRange::new(min, max).ok()
}

/// The items of a `|`-separated list (also `、`, `,` or `，`), trimmed, blanks left out.
fn list_items(v: &str) -> impl Iterator<Item = &str> {
    v.split(['|', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty())
}

/// A `|`-separated list (also `、` or `,`), without duplicates.
fn list<T: Labelled + PartialEq>(v: &str, allow_empty: bool) -> Result<Vec<T>, ValueError> {
    let mut out: Vec<T> = Vec::new();
    for item in list_items(v) {
        let value = T::parse(item)?;
        if out.contains(&value) {
            return Err(ValueError::Invalid(format!("“{item}”重复出现")));
        }
        out.push(value);
    }
    if out.is_empty() && !allow_empty { Err(ValueError::Empty) } else { Ok(out) }
}

/// The further families of the `more_families` cell (empty: none). Every name that is no family is its own
/// error, so a row reports them all; a repeat, or the main family named again, says nothing more and is
/// dropped by [`ProductSpec::normalize`].
fn more_families(e: &mut FieldErrors, v: &str) -> Option<Vec<ProductFamily>> {
    let mut out = Vec::new();
    let mut valid = true;
    for item in list_items(v) {
        match ProductFamily::parse(item) {
            Ok(family) => out.push(family),
            Err(unknown) => {
                e.push("more_families", unknown);
                valid = false;
            }
        }
    }
    valid.then_some(out)
}

fn parse_bool(v: &str) -> Result<bool, ValueError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Ok(true),
        "false" | "0" | "no" | "n" | "否" => Ok(false),
        _ => Err(ValueError::Invalid(format!("应为 true 或 false，实际为“{v}”"))),
    }
}

fn parse_date(v: &str) -> Result<NaiveDate, ValueError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| ValueError::Invalid(format!("日期应写作 YYYY-MM-DD，实际为“{v}”")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bps, GuaranteeTerms, LprTenor, Pricing};

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("institution_code", "jinhai-bank"),
            ("code", "KJD-01"),
            ("name", "科技信用贷"),
            ("family", "credit"),
            ("description", "面向科技型中小企业的纯信用贷款"),
            ("amount_min_yuan", "100000"),
            ("amount_max_yuan", "300万"),
            ("term_min_months", "6"),
            ("term_max_months", "36"),
            ("rate_min_pct", "3.45"),
            ("rate_max_pct", "4.8"),
            ("rate_basis", "lpr_1y"),
            ("lpr_spread_bps", "40"),
            ("repayment_methods", "equal_instalment|interest_only"),
            ("eligibility", "min_years_in_operation=2; min_tax_credit_grade=B"),
            ("policy_support", "risk_compensation"),
            ("decision_days", "3"),
            ("online", "true"),
            ("districts", "binhai|heping"),
            ("valid_from", "2026-01-01"),
        ]
    }

    #[test]
    fn a_good_row_validates() {
        let row = ProductRecord::from_pairs(good()).validate().unwrap();
        assert_eq!(row.spec.amount.max(), Some(Fen::wan(300)));
        // A file of before: one spread, and the annual range whose width the spread range keeps.
        let spread = StatedRange::new(Some(40), Some(175)).unwrap();
        assert_eq!(row.spec.pricing, Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: spread });
        assert_eq!(row.spec.collateral, CollateralTerms::NotStated, "an empty cell is 未说明, not 纯信用");
        assert_eq!(row.state, LifecycleState::Published);
        // An exported row reads back as the same product.
        let again = ProductRecord::from(("jinhai-bank", &row.spec)).validate().unwrap();
        assert_eq!(again.spec, row.spec);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut pairs = good();
        pairs.retain(|(k, _)| *k != "name");
        pairs.push(("colour", "red"));
        for (k, v) in &mut pairs {
            match *k {
                "amount_min_yuan" => *v = "-5",
                "family" => *v = "magic",
                "term_max_months" => *v = "3",
                "eligibility" => *v = "min_tax_credit_grade=Z",
                _ => {}
            }
        }
        let errors = ProductRecord::from_pairs(pairs).validate().unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for f in ["colour", "name", "family", "amount_min_yuan", "term_max_months", "eligibility.min_tax_credit_grade"]
        {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn column_info_covers_every_column_and_agrees_with_validation() {
        let info = column_info();
        assert_eq!(info.iter().map(|c| c.name).collect::<Vec<_>>(), COLUMNS);
        // The required columns are exactly those an empty row is told not to leave empty.
        let errors = ProductRecord::default().validate().unwrap_err();
        let mut empty: Vec<_> =
            errors.0.iter().filter(|e| e.error == ValueError::Empty).map(|e| e.field.as_str()).collect();
        empty.sort_unstable();
        let mut required: Vec<_> = info.iter().filter(|c| c.required).map(|c| c.name).collect();
        required.sort_unstable();
        assert_eq!(empty, required);
        // Every example is a valid value of its column, and every allowed value parses.
        let pairs = good();
        for c in &info {
            for (machine, zh) in &c.allowed {
                for value in [machine, zh] {
                    let mut row = pairs.clone();
                    row.retain(|(k, _)| *k != c.name);
                    row.push((c.name, value));
                    if c.name == "rate_basis" && *machine == "fixed" {
                        row.retain(|(k, _)| *k != "lpr_spread_bps");
                    }
                    if c.name == "rate_basis" && *machine == "benchmark" {
                        row.retain(|(k, _)| !k.starts_with("rate_m") && *k != "lpr_spread_bps");
                    }
                    if c.name == "rate_unit" {
                        row.retain(|(k, _)| !k.starts_with("rate_") && *k != "lpr_spread_bps");
                        row.push(("rate_min_pct", "0.02"));
                    }
                    if c.name == "institution_kind" {
                        row.push(("institution_name", "示例银行"));
                    }
                    if c.name == "verified_rules" {
                        // Each rule required verified must be one of the product's conditions.
                        row.retain(|(k, _)| *k != "eligibility");
                        row.push((
                            "eligibility",
                            "min_years_in_operation=2; min_tax_credit_grade=B; tax_paid_yuan=10万..; \
                             qualifications_any=high_tech; qualifications_all=high_tech",
                        ));
                    }
                    if let Err(e) = ProductRecord::from_pairs(row).validate() {
                        panic!("{} = {value}: {e}", c.name);
                    }
                }
            }
        }
        let examples: Vec<_> = info
            .iter()
            .filter(|c| {
                !matches!(
                    c.name,
                    "rate_basis"
                        | "lpr_spread_bps"
                        | "lpr_spread_min_bps"
                        | "lpr_spread_max_bps"
                        | "benchmark_markup_min_pct"
                        | "benchmark_markup_max_pct"
                        | "guarantee_agency_code"
                        | "guarantee_fee_pct"
                        | "guarantee_fee_min_pct"
                        | "guarantee_fee_max_pct"
                )
            })
            .map(|c| (c.name, c.example))
            .collect();
        ProductRecord::from_pairs(examples.clone()).validate().unwrap();
        // The English examples too.
        let english: Vec<_> = examples
            .iter()
            .map(|(name, _)| (*name, info.iter().find(|c| c.name == *name).map_or("", |c| c.example_en)))
            .collect();
        ProductRecord::from_pairs(english).validate().unwrap();
    }

    #[test]
    fn the_english_rules_quote_every_chinese_value_they_name() {
        let han = |c: char| matches!(c, '\u{4e00}'..='\u{9fff}' | '、' | '，' | '（' | '）' | '；' | '：');
        for c in column_info() {
            for rule in [c.rule_zh, c.rule_en] {
                assert_eq!(rule.matches('`').count() % 2, 0, "{}: unbalanced backticks in {rule}", c.name);
            }
            // Outside the backticks, the English rule is English.
            let outside: String = c.rule_en.split('`').step_by(2).collect();
            assert!(!outside.chars().any(han), "{}: Chinese outside backticks in {}", c.name, c.rule_en);
            assert!(!c.example_en.chars().any(han) || c.name == "districts", "{}: {}", c.name, c.example_en);
        }
    }

    /// A product copied from a public page carries the page and the day it was read, both or neither, and
    /// writes them back.
    #[test]
    fn a_copied_product_keeps_its_source_page_and_day() {
        let with = |extra: Vec<(&'static str, &'static str)>| {
            let mut pairs = good();
            pairs.extend(extra);
            ProductRecord::from_pairs(pairs).validate()
        };
        let spec = with(vec![("source_url", "https://www.example.com/kjd.html"), ("source_read_on", "2026-12-03")])
            .unwrap()
            .spec;
        let source = spec.source.clone().unwrap();
        assert_eq!(
            (source.url.as_str(), source.read_on.to_string().as_str()),
            ("https://www.example.com/kjd.html", "2026-12-03")
        );
        let record = ProductRecord::from(("jinhai-bank", &spec));
        assert_eq!(record.value("source_read_on"), Some("2026-12-03"));
        assert_eq!(record.validate().unwrap().spec, spec);
        assert_eq!(with(vec![]).unwrap().spec.source, None, "a product its lender listed has none");
        let fields = |extra| with(extra).unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(vec![("source_url", "https://a.example/")]), ["source_read_on"]);
        assert_eq!(fields(vec![("source_read_on", "2026-12-03")]), ["source_url"]);
        assert_eq!(fields(vec![("source_url", "www.example.com"), ("source_read_on", "2026-12-03")]), ["source_url"]);
        assert_eq!(
            fields(vec![("source_url", "https://a.example/ b"), ("source_read_on", "2026-12-03")]),
            ["source_url"]
        );
        assert_eq!(
            fields(vec![("source_url", "https://a.example/"), ("source_read_on", "03/12/2026")]),
            ["source_read_on"]
        );
        // A spec written before products had sources reads as having none.
        let mut old = serde_json::to_value(&spec).unwrap();
        old.as_object_mut().unwrap().remove("source");
        assert_eq!(serde_json::from_value::<ProductSpec>(old).unwrap().source, None);
    }

    /// 材料清单 reads from its column (names, 无需材料, or nothing for 未说明), writes back, and names itself
    /// when bad.
    #[test]
    fn materials_read_write_back_and_stay_unstated_when_empty() {
        let with = |extra: Vec<(&'static str, &'static str)>| {
            let mut pairs = good();
            pairs.extend(extra);
            ProductRecord::from_pairs(pairs).validate()
        };
        let spec = with(vec![("materials", "营业执照|近一年财务报表")]).unwrap().spec;
        assert_eq!(spec.materials.names(), ["营业执照", "近一年财务报表"]);
        let record = ProductRecord::from(("jinhai-bank", &spec));
        assert_eq!(record.value("materials"), Some("营业执照|近一年财务报表"));
        assert_eq!(record.validate().unwrap().spec, spec);
        assert_eq!(with(vec![("materials", "无需材料")]).unwrap().spec.materials, Materials::NoneNeeded);
        let unstated = with(vec![]).unwrap().spec;
        assert_eq!(unstated.materials, Materials::NotStated);
        assert_eq!(ProductRecord::from(("jinhai-bank", &unstated)).value("materials"), None);
        let bad = with(vec![("materials", "营业执照|营业执照")]).unwrap_err();
        assert_eq!(bad.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["materials"]);
        // A spec written before products had lists reads as 未说明.
        let mut old = serde_json::to_value(&spec).unwrap();
        old.as_object_mut().unwrap().remove("materials");
        assert_eq!(serde_json::from_value::<ProductSpec>(old).unwrap().materials, Materials::NotStated);
    }

    /// 须经核验的条件 reads from its column, writes back, defaults to none, and names itself when it asks for a
    /// rule the product does not have or no fact can back.
    #[test]
    fn verified_rules_read_write_back_and_must_be_conditions_of_the_product() {
        let with = |extra: Vec<(&'static str, &'static str)>| {
            let mut pairs = good();
            pairs.extend(extra);
            ProductRecord::from_pairs(pairs).validate()
        };
        let spec = with(vec![("verified_rules", "纳税信用等级")]).unwrap().spec;
        assert_eq!(spec.verified_rules.kinds(), [crate::RuleKind::MinTaxCreditGrade]);
        let record = ProductRecord::from(("jinhai-bank", &spec));
        assert_eq!(record.value("verified_rules"), Some("min_tax_credit_grade"));
        assert_eq!(record.validate().unwrap().spec, spec);
        let none = with(vec![]).unwrap().spec;
        assert!(none.verified_rules.is_empty());
        assert_eq!(ProductRecord::from(("jinhai-bank", &none)).value("verified_rules"), None);
        for bad in ["tax_paid_yuan", "employees", "credit_score"] {
            let errors = with(vec![("verified_rules", bad)]).unwrap_err();
            assert_eq!(errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["verified_rules"], "{bad}");
        }
        // A spec written before products had the field requires nothing verified.
        let mut old = serde_json::to_value(&spec).unwrap();
        assert_eq!(old["verified_rules"], serde_json::json!(["min_tax_credit_grade"]));
        old.as_object_mut().unwrap().remove("verified_rules");
        assert!(serde_json::from_value::<ProductSpec>(old).unwrap().verified_rules.is_empty());
    }

    #[test]
    fn column_labels_match_the_format_document() {
        let doc = include_str!("../../../docs/import-format.md");
        for c in column_info() {
            let row = format!("| `{}` | {} |", c.name, c.label_zh);
            assert!(doc.contains(&row), "docs/import-format.md has no row starting {row}");
        }
    }

    #[test]
    fn the_json_schema_names_every_column() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/product-import.schema.json")).unwrap();
        let properties = schema["$defs"]["product"]["properties"].as_object().unwrap();
        let mut columns = COLUMNS.to_vec();
        columns.sort_unstable();
        assert_eq!(properties.keys().map(String::as_str).collect::<Vec<_>>(), columns);
        let basis: Vec<&str> = schema["$defs"]["product"]["properties"]["rate_basis"]["anyOf"][0]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        for (machine, zh) in basis_values() {
            assert!(basis.contains(&machine) && basis.contains(&zh), "{machine} / {zh} missing from {basis:?}");
        }
    }

    #[test]
    fn json_objects_become_records() {
        let json = serde_json::json!({
            "institution_code": "jinhai-bank", "code": "X1", "name": "专利贷", "family": "ip_pledge",
            "description": "专利质押", "amount_min_yuan": 100000, "amount_max_yuan": 5000000,
            "term_min_months": 12, "term_max_months": 36, "rate_min_pct": 3.5, "rate_max_pct": 4.5,
            "repayment_methods": ["equal_principal"], "collateral": ["ip"],
            "eligibility": {"min_invention_patents": 1}, "decision_days": 7, "online": false,
            "districts": "all", "valid_from": "2026-01-01"
        });
        let record = ProductRecord::from_json(json.as_object().unwrap()).unwrap();
        let row = record.validate().unwrap();
        assert!(row.spec.area.covers_home(&HomeArea::default()), "all is the whole of 天津市");
        assert_eq!(
            row.spec.collateral,
            CollateralTerms::AnyOf { unsecured: false, kinds: vec![Collateral::IntellectualProperty] }
        );
    }

    /// Every bad rule of a row is its own field error, beside the row's other bad fields, in Chinese with the
    /// allowed values by their Chinese names.
    #[test]
    fn every_bad_rule_of_a_row_is_reported() {
        let mut pairs = good();
        for (k, v) in &mut pairs {
            match *k {
                "eligibility" => {
                    *v = "min_tax_credit_grade=Z; tax_paid_yuan=..50万; qualifications_any=unicorn|bogus; \
                          other_conditions=经营者无不良嗜好；无赌博; first_loan_only=false"
                }
                "family" => *v = "magic",
                _ => {}
            }
        }
        let errors = ProductRecord::from_pairs(pairs).validate().unwrap_err();
        let rows = RowError::from_fields(2, &errors);
        let fields: Vec<_> = rows.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "family",
                "eligibility.min_tax_credit_grade",
                "eligibility.qualifications_any",
                "eligibility.无赌博",
                "eligibility.first_loan_only"
            ]
        );
        assert!(rows[1].message.contains("A 级（A）、B 级（B）"), "{}", rows[1].message);
        assert!(rows[2].message.contains("人才项目入选者（talent_programme）"), "{}", rows[2].message);
        assert!(rows[2].message_en.contains("talent_programme"), "{}", rows[2].message_en);
        // The object form of a JSON file says the same, rule by rule.
        let json = serde_json::json!({"code": "X", "eligibility": {
            "tax_paid_yuan": "50万..10万", "other_conditions": ["经营者无不良嗜好"], "min_trademarks": -1,
        }});
        let errors = ProductRecord::from_json(json.as_object().unwrap()).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["eligibility.min_trademarks", "eligibility.tax_paid_yuan"]);
    }

    /// Upper bounds and the lender's own words survive a trip through the import record, both forms.
    #[test]
    fn new_rules_round_trip_through_the_record() {
        let mut pairs = good();
        for (k, v) in &mut pairs {
            if *k == "eligibility" {
                *v = "tax_paid_yuan=..50万; employees=..300; revenue_yuan=..3000万; \
                      qualifications_any=innovative_sme|seed|unicorn|advanced_tech_service|talent_programme; \
                      other_conditions=经营者无不良嗜好|入选区级种子企业库";
            }
        }
        let row = ProductRecord::from_pairs(pairs).validate().unwrap();
        assert_eq!(row.spec.eligibility.rules().len(), 5);
        let record = ProductRecord::from(("jinhai-bank", &row.spec));
        assert_eq!(record.validate().unwrap().spec, row.spec);
        let from_json = ProductRecord::from_json(&record.to_json()).unwrap();
        assert_eq!(from_json.validate().unwrap().spec, row.spec);
    }

    /// A product in several families: the further ones by machine or Chinese name, kept as a set (sorted, each
    /// once, never the main family), written back as they are read.
    #[test]
    fn further_families_are_a_normalised_set() {
        let with = |cell: &'static str| {
            let mut pairs = good();
            pairs.push(("more_families", cell));
            ProductRecord::from_pairs(pairs).validate()
        };
        // The row's main family is credit: named again, it says nothing more.
        let spec = with("科技型企业贷款|first_loan、credit，tech|首贷").unwrap().spec;
        assert_eq!(spec.more_families, [ProductFamily::FirstLoan, ProductFamily::Tech]);
        assert_eq!(
            spec.families().collect::<Vec<_>>(),
            [ProductFamily::Credit, ProductFamily::FirstLoan, ProductFamily::Tech]
        );
        assert!(spec.is_in(ProductFamily::Tech) && spec.is_in(ProductFamily::Credit));
        assert!(!spec.is_in(ProductFamily::Mortgage));
        let record = ProductRecord::from(("jinhai-bank", &spec));
        assert_eq!(record.value("more_families"), Some("first_loan|tech"));
        assert_eq!(record.validate().unwrap().spec, spec);
        // Empty is none, in a file and in JSON (an empty array, like a blank cell).
        assert!(with("").unwrap().spec.more_families.is_empty());
        assert!(with("credit").unwrap().spec.more_families.is_empty(), "only the main family");
        assert_eq!(ProductRecord::from(("jinhai-bank", &with("").unwrap().spec)).value("more_families"), None);
        let mut json = record.to_json();
        json.insert("more_families".into(), serde_json::json!(["票据贴现", "letter_of_guarantee"]));
        let from_json = ProductRecord::from_json(&json).unwrap().validate().unwrap().spec;
        assert_eq!(from_json.more_families, [ProductFamily::BillDiscount, ProductFamily::LetterOfGuarantee]);
        json.insert("more_families".into(), serde_json::json!([]));
        assert!(ProductRecord::from_json(&json).unwrap().validate().unwrap().spec.more_families.is_empty());
        // A spec written before products had further families reads as having none.
        let mut old = serde_json::to_value(&spec).unwrap();
        old.as_object_mut().unwrap().remove("more_families");
        assert!(serde_json::from_value::<ProductSpec>(old).unwrap().more_families.is_empty());
    }

    #[test]
    fn every_bad_further_family_is_reported_with_the_families_allowed() {
        let mut pairs = good();
        pairs.push(("more_families", "tech|科技贷|magic"));
        for (k, v) in &mut pairs {
            if *k == "family" {
                *v = "bogus";
            }
        }
        let errors = ProductRecord::from_pairs(pairs).validate().unwrap_err();
        let rows = RowError::from_fields(2, &errors);
        let bad: Vec<&RowError> = rows.iter().filter(|r| r.field == "more_families").collect();
        assert_eq!(bad.len(), 2, "{rows:?}");
        for (row, value) in bad.iter().zip(["科技贷", "magic"]) {
            assert!(row.message.contains(&format!("“{value}”")), "{}", row.message);
            // Every family is offered, the new ones included.
            for family in ProductFamily::ALL {
                assert!(row.message.contains(family.as_str()), "{}: {}", family.as_str(), row.message);
            }
            assert!(row.message_en.contains(value), "{}", row.message_en);
        }
        assert!(rows.iter().any(|r| r.field == "family"), "the row's other bad cells too");
    }

    /// A page that gives only a maximum amount, says "LPR 加点" without the spread and nothing else: every
    /// fact it leaves out is 未说明, and reads back as itself.
    #[test]
    fn what_a_page_leaves_out_is_unstated() {
        let row = ProductRecord::from_pairs([
            ("institution_code", "jinhai-bank"),
            ("code", "REAL-01"),
            ("name", "科技贷"),
            ("family", "credit"),
            ("description", "单户最高 1000 万元，LPR 加点"),
            ("amount_max_yuan", "1000万"),
            ("rate_basis", "lpr_1y"),
            ("online", "未说明"),
            ("districts", "all"),
        ])
        .validate()
        .unwrap();
        let s = &row.spec;
        assert_eq!((s.amount.min(), s.amount.max()), (None, Some(Fen::wan(1000))));
        assert!(s.term.is_unstated());
        assert_eq!(s.pricing, Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED });
        assert_eq!((s.repayment_methods.as_ref(), s.decision_days, s.online), (None, None, None));
        assert_eq!((s.collateral.clone(), s.valid_from), (CollateralTerms::NotStated, None));
        let again = ProductRecord::from(("jinhai-bank", s)).validate().unwrap();
        assert_eq!(&again.spec, s);
    }

    fn area_of(cell: Option<&str>, home: &HomeArea) -> Result<ServiceArea, FieldErrors> {
        let mut pairs = good();
        pairs.retain(|(k, _)| *k != "districts");
        pairs.extend(cell.map(|c| ("districts", c)));
        ProductRecord::from_pairs(pairs).validate_in(home).map(|row| row.spec.area)
    }

    #[test]
    fn areas_read_as_people_write_them_and_export_as_codes() {
        let home = HomeArea::default();
        let area = |cell| area_of(Some(cell), &home).unwrap();
        let codes = |area: &ServiceArea| area.divisions().iter().map(|d| d.code()).collect::<Vec<_>>();
        assert_eq!(area_of(None, &home), Ok(ServiceArea::NotStated), "the column may be left empty: 未说明");
        assert_eq!(area("未说明"), ServiceArea::NotStated);
        assert_eq!(area("全国"), ServiceArea::Nationwide);
        assert_eq!(codes(&area("全市")), [120_000]);
        assert_eq!(area("all"), area("天津市"));
        assert_eq!(codes(&area("和平区、滨海新区")), [120_101, 120_116]);
        assert_eq!(area("heping|binhai"), area("天津市和平区|120116"));
        assert_eq!(codes(&area("江苏省苏州市|桐乡")), [320_500, 330_483]);
        // Sixteen districts listed one by one are the whole city.
        let all: Vec<String> = home.districts().iter().map(|d| d.name().to_owned()).collect();
        assert_eq!(area(&all.join("|")), area("全市"));
        // Exports write codes, which read back the same anywhere.
        for cell in ["全国", "全市", "和平区|江苏省苏州市", "未说明"] {
            let spec = ProductRecord::from_pairs(
                good().into_iter().map(|(k, v)| (k, if k == "districts" { cell } else { v })),
            )
            .validate_in(&home)
            .unwrap()
            .spec;
            let exported = ProductRecord::from(("jinhai-bank", &spec));
            let shenyang = HomeArea::parse("辽宁省沈阳市").unwrap();
            assert_eq!(exported.validate_in(&shenyang).unwrap().spec, spec, "{cell}");
        }
    }

    #[test]
    fn every_bad_area_part_is_named_at_once() {
        let home = HomeArea::default();
        let errors = area_of(Some("和平区|火星市|朝阳区|999999"), &home).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors:?}");
        let (field, zh, en) = (&errors.0[0].field, errors.0[0].error.message_zh(), errors.0[0].error.to_string());
        assert_eq!(field, "districts");
        for needle in ["火星市", "朝阳区", "北京市朝阳区", "999999"] {
            assert!(zh.contains(needle), "{needle} missing from {zh}");
        }
        assert!(en.contains("write the full name") && en.contains("火星市"), "{en}");
        assert!(area_of(Some("全国|天津市"), &home).is_err());
        let jiangsu = HomeArea::parse("江苏省").unwrap();
        let e = area_of(Some("全市"), &jiangsu).unwrap_err().0[0].error.message_zh();
        assert!(e.contains("请写出城市名称"), "{e}");
        // The home area decides what a bare name means.
        let shenyang = HomeArea::parse("辽宁省沈阳市").unwrap();
        let heping = area_of(Some("和平区"), &shenyang).unwrap();
        assert_eq!(heping.divisions()[0].code(), 210_102);
        assert_eq!(area_of(Some("全市"), &shenyang).unwrap().divisions()[0].code(), 210_100);
    }

    #[test]
    fn collateral_says_none_any_or_all() {
        let terms = |v: &str| CollateralTerms::from_cell(v);
        assert_eq!(terms("none"), Ok(CollateralTerms::NoneRequired));
        assert_eq!(terms("纯信用"), Ok(CollateralTerms::NoneRequired));
        let any =
            CollateralTerms::AnyOf { unsecured: true, kinds: vec![Collateral::RealEstate, Collateral::Receivables] };
        assert_eq!(terms("信用、房产抵押、应收账款质押"), Ok(any.clone()));
        assert_eq!(CollateralTerms::from_cell(&any.to_cell()), Ok(any));
        let all = CollateralTerms::AllOf { kinds: vec![Collateral::RealEstate, Collateral::Guarantee] };
        assert_eq!(terms("房产抵押 + 第三方保证担保"), Ok(all.clone()));
        assert_eq!(CollateralTerms::from_cell(&all.to_cell()), Ok(all.clone()));
        assert!(terms("none+real_estate").is_err());
        assert!(terms("gold").is_err());
        assert_eq!(all.met_by(&[Collateral::RealEstate]), Some(false));
        assert_eq!(all.met_by(&[Collateral::Guarantee, Collateral::RealEstate]), Some(true));
        assert_eq!(CollateralTerms::NotStated.met_by(&[]), None);
    }

    fn priced(pairs: &[(&'static str, &'static str)]) -> Result<ProductSpec, FieldErrors> {
        let mut row: Vec<(&str, &str)> =
            good().into_iter().filter(|(k, _)| !k.starts_with("rate_") && !k.starts_with("lpr_")).collect();
        row.extend_from_slice(pairs);
        ProductRecord::from_pairs(row).validate().map(|r| r.spec)
    }

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    /// Every form of pricing a page writes has columns, and reads back as itself from an export.
    #[test]
    fn every_form_of_pricing_reads_and_writes_back() {
        let forms: &[&[(&str, &str)]] = &[
            &[("rate_min_pct", "3.45"), ("rate_max_pct", "4.8"), ("rate_basis", "固定利率")],
            &[("rate_min_pct", "3.2")],
            &[("rate_min_pct", "月息0.6%")],
            &[("rate_unit", "monthly"), ("rate_min_pct", "0.5"), ("rate_max_pct", "0.8%")],
            &[("rate_min_pct", "日息万分之二")],
            &[("rate_unit", "日利率"), ("rate_min_pct", "0.02%")],
            &[("rate_unit", "daily"), ("rate_min_pct", "万分之1.55"), ("rate_max_pct", "万分之3")],
            &[("rate_unit", "月息"), ("rate_max_pct", "6‰")],
            &[("rate_basis", "lpr_1y"), ("lpr_spread_min_bps", "50"), ("lpr_spread_max_bps", "150BP")],
            &[("rate_basis", "5年期以上LPR"), ("lpr_spread_min_bps", "-20"), ("lpr_spread_max_bps", "-20")],
            &[("rate_basis", "lpr_1y"), ("lpr_spread_min_bps", "50")],
            &[("rate_basis", "1 年期 LPR")],
            &[("rate_basis", "benchmark"), ("benchmark_markup_min_pct", "30"), ("benchmark_markup_max_pct", "30%")],
            &[("rate_basis", "基准利率"), ("benchmark_markup_max_pct", "1.3倍")],
            &[
                ("rate_basis", "benchmark"),
                ("benchmark_markup_min_pct", "下浮10%"),
                ("benchmark_markup_max_pct", "上浮20%"),
            ],
            &[("rate_basis", "benchmark")],
            &[("rate_basis", "fixed")],
            &[],
        ];
        for form in forms {
            let spec = priced(form).unwrap_or_else(|e| panic!("{form:?}: {e}"));
            let again =
                ProductRecord::from(("jinhai-bank", &spec)).validate().unwrap_or_else(|e| panic!("{form:?}: {e}"));
            assert_eq!(again.spec.pricing, spec.pricing, "{form:?}");
        }
        let monthly = priced(&[("rate_min_pct", "月息0.6%")]).unwrap().pricing;
        let Pricing::Stated { period, notation, range, fixed } = monthly else { panic!("{monthly:?}") };
        assert_eq!(
            (period, notation, range.min().map(crate::FineRate::millionths), range.max(), fixed),
            (RatePeriod::Monthly, crate::RateNotation::Percent, Some(6_000), None, false)
        );
        let daily = priced(&[("rate_min_pct", "日息万分之二")]).unwrap().pricing;
        assert_eq!(daily.describe_zh(), "日息万分之2 起");
        assert_eq!(
            priced(&[("rate_basis", "benchmark"), ("benchmark_markup_max_pct", "1.3倍")])
                .unwrap()
                .pricing
                .describe_zh(),
            "不超过基准利率的 1.3 倍"
        );
        assert_eq!(priced(&[]).unwrap().pricing, Pricing::NotStated);
    }

    /// Files in the columns of before read with the meaning they had.
    #[test]
    fn files_of_before_keep_their_meaning() {
        let lpr = |min, max| Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::new(min, max).unwrap() };
        let old = |pairs: &[(&'static str, &'static str)]| {
            let mut row = vec![("rate_basis", "lpr_1y")];
            row.extend_from_slice(pairs);
            priced(&row).map(|s| s.pricing)
        };
        assert_eq!(
            old(&[("lpr_spread_bps", "45"), ("rate_min_pct", "3.45"), ("rate_max_pct", "4.8")]),
            Ok(lpr(Some(45), Some(180)))
        );
        assert_eq!(old(&[("lpr_spread_bps", "45"), ("rate_min_pct", "3.45")]), Ok(lpr(Some(45), None)));
        assert_eq!(old(&[("lpr_spread_bps", "45")]), Ok(lpr(Some(45), Some(45))));
        assert_eq!(old(&[]), Ok(lpr(None, None)));
        assert_eq!(fields(&old(&[("lpr_spread_bps", "45"), ("rate_max_pct", "4.8")]).unwrap_err()), ["rate_max_pct"]);
        assert_eq!(fields(&old(&[("rate_min_pct", "3.45")]).unwrap_err()), ["rate_min_pct"]);
        let fixed =
            priced(&[("rate_basis", "fixed"), ("rate_min_pct", "3.45"), ("rate_max_pct", "4.8")]).unwrap().pricing;
        let Pricing::Stated { period: RatePeriod::Annual, range, fixed: true, .. } = fixed else { panic!("{fixed:?}") };
        assert_eq!((range.min().unwrap().millionths(), range.max().unwrap().millionths()), (34_500, 48_000));
        let mut row = good();
        row.push(("guarantee_agency_code", "guarantee"));
        row.push(("guarantee_fee_pct", "1"));
        let g = ProductRecord::from_pairs(row).validate().unwrap().spec.guarantee.unwrap();
        let one = Bps::new(100).unwrap();
        assert_eq!(
            g,
            GuaranteeTerms { agency_code: "guarantee".into(), fee: StatedRange::new(Some(one), Some(one)).unwrap() }
        );
    }

    #[test]
    fn guarantee_fees_may_be_ranges_or_unstated() {
        let fee = |pairs: &[(&'static str, &'static str)]| {
            let mut row = good();
            row.push(("guarantee_agency_code", "guarantee"));
            row.extend_from_slice(pairs);
            ProductRecord::from_pairs(row).validate().map(|r| r.spec.guarantee.unwrap().fee)
        };
        let bps = |b| Bps::new(b).unwrap();
        assert_eq!(
            fee(&[("guarantee_fee_min_pct", "0.5"), ("guarantee_fee_max_pct", "1.5%")]),
            Ok(StatedRange::new(Some(bps(50)), Some(bps(150))).unwrap())
        );
        assert_eq!(fee(&[("guarantee_fee_max_pct", "1.5")]), Ok(StatedRange::new(None, Some(bps(150))).unwrap()));
        assert_eq!(fee(&[]), Ok(StatedRange::UNSTATED), "the page names the agency, not its fee");
        assert_eq!(
            fields(&fee(&[("guarantee_fee_min_pct", "2"), ("guarantee_fee_max_pct", "1")]).unwrap_err()),
            ["guarantee_fee_max_pct"]
        );
        assert_eq!(
            fields(&fee(&[("guarantee_fee_pct", "1"), ("guarantee_fee_max_pct", "1.5")]).unwrap_err()),
            ["guarantee_fee_pct"]
        );
        let mut row = good();
        row.push(("guarantee_fee_min_pct", "1"));
        assert_eq!(fields(&ProductRecord::from_pairs(row).validate().unwrap_err()), ["guarantee_agency_code"]);
    }

    /// Every bad pricing cell is named, with what is accepted, in Chinese and English.
    #[test]
    fn every_bad_pricing_cell_is_named() {
        let errors =
            priced(&[("rate_unit", "weekly"), ("rate_min_pct", "月息abc"), ("rate_max_pct", "0.123456")]).unwrap_err();
        assert_eq!(fields(&errors), ["rate_unit", "rate_min_pct", "rate_max_pct"]);
        let unit = &errors.0[0].error;
        assert!(
            unit.message_zh().contains("“weekly”不是利率单位") && unit.message_zh().contains("monthly/月利率"),
            "{}",
            unit.message_zh()
        );
        assert!(unit.to_string().contains("`weekly` is not a rate unit"), "{unit}");
        assert!(errors.0[1].error.message_zh().contains("万分之2"), "{}", errors.0[1].error.message_zh());
        assert!(errors.0[2].error.message_zh().contains("最多保留 4 位小数"), "{}", errors.0[2].error.message_zh());
        let errors =
            priced(&[("rate_basis", "prime"), ("lpr_spread_min_bps", "x"), ("benchmark_markup_max_pct", "9倍")])
                .unwrap_err();
        assert_eq!(fields(&errors), ["lpr_spread_min_bps", "benchmark_markup_max_pct", "rate_basis"]);
        assert!(errors.0[2].error.message_zh().contains("benchmark（基准利率上浮）"));
        let errors = priced(&[
            ("rate_basis", "lpr_1y"),
            ("lpr_spread_min_bps", "150"),
            ("lpr_spread_max_bps", "50"),
            ("rate_unit", "monthly"),
        ])
        .unwrap_err();
        assert_eq!(fields(&errors), ["rate_unit", "lpr_spread_max_bps"]);
        let errors =
            priced(&[("rate_basis", "benchmark"), ("rate_min_pct", "4"), ("lpr_spread_min_bps", "10")]).unwrap_err();
        assert_eq!(fields(&errors), ["lpr_spread_min_bps", "rate_min_pct"]);
        let errors = priced(&[("rate_min_pct", "月息10%")]).unwrap_err();
        assert!(errors.0[0].error.message_zh().contains("超过 100%"));
        let errors = priced(&[("rate_unit", "daily"), ("rate_min_pct", "月息0.5")]).unwrap_err();
        assert_eq!(fields(&errors), ["rate_min_pct"]);
        let errors = priced(&[("lpr_spread_min_bps", "50")]).unwrap_err();
        assert_eq!(fields(&errors), ["rate_basis"]);
    }
}
