//! Verified enterprise facts: what a government source (a department, or the city's 信用信息共享平台) says
//! about a firm, as opposed to what the firm declares.
//!
//! The catalogue of fact kinds (信用信息目录) is data: each kind has the departments that may supply it, its
//! period, the shape of its value and how long a fact stays current. It follows the items of the national
//! 信用信息共享清单 that lending decisions use (国办发〔2021〕52号, 《加强信用信息共享应用促进中小微企业融资
//! 实施方案》: 纳税, 社会保险, 住房公积金, 市场监管登记, 资质认定, 行政处罚, 司法执行), restricted to what the
//! platform's matching and banks read. Facts arrive in batches of flat records ([`FactRecord`]) from a JSON
//! API and from the 名单 spreadsheets departments publish; both go through [`validate_batch`], which refuses a
//! batch row by row and all-or-nothing.

use crate::error::{FieldErrors, ValueError};
use crate::labels::Labelled;
use crate::money::Fen;
use crate::profile::EnterpriseProfile;
use crate::record::{ColumnInfo, RowError, column};
use crate::uscc::Uscc;
use crate::vocab::{Qualification, TaxCreditGrade};
use chrono::{Months as ChronoMonths, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The longest source record id, in characters: a department's own key of the record (a 决定书文号, a row
/// id of its database).
pub const MAX_SOURCE_RECORD_ID_CHARS: usize = 64;
/// The longest certificate number of a qualification (高新技术企业 `GR202312000123` and the like).
pub const MAX_CERTIFICATE_CHARS: usize = 40;
/// The most records one batch may carry: a department's monthly push fits, and one refused batch lists its
/// row errors in one answer.
pub const MAX_BATCH_ROWS: usize = 5_000;

crate::labelled_enum! {
    /// The kinds of verified fact (信用信息目录), in the order a profile shows them.
    pub enum FactKind: "fact kind" {
        TaxCreditGrade => "tax_credit_grade", "纳税信用等级", "Tax credit grade",
        TaxPaid => "tax_paid", "年度纳税额", "Tax paid in the year",
        SocialInsuranceHeadcount => "social_insurance_headcount", "社保缴纳人数", "Employees paying social insurance",
        HousingFundHeadcount => "housing_fund_headcount", "公积金缴存人数", "Employees in the housing fund",
        RegisteredCapital => "registered_capital", "注册资本", "Registered capital",
        Established => "established", "成立日期", "Date of establishment",
        Qualification => "qualification", "资质认定", "Recognised qualification",
        AdministrativePenalties => "administrative_penalties", "行政处罚", "Administrative penalties",
        DishonestDebtor => "dishonest_debtor", "失信被执行人", "Dishonest judgment debtor",
        TaxArrears => "tax_arrears", "欠税", "Tax arrears",
    }
}

crate::labelled_enum! {
    /// The departments facts come from. A data provider is registered for one source and may write only the
    /// kinds of that source ([`FactKindInfo::sources`]); the credit-sharing platform relays all of them.
    pub enum FactSource: "fact source" {
        Tax => "tax", "税务部门", "Tax bureau",
        SocialSecurity => "social_security", "人力资源和社会保障部门", "Human resources and social security bureau",
        HousingFund => "housing_fund", "住房公积金管理中心", "Housing provident fund centre",
        MarketRegulation => "market_regulation", "市场监督管理部门", "Market regulation bureau",
        Science => "science", "科技部门", "Science and technology bureau",
        Industry => "industry", "工业和信息化部门", "Industry and information technology bureau",
        Courts => "courts", "人民法院", "People's courts",
        CreditPlatform => "credit_platform", "信用信息共享平台", "Credit information sharing platform",
    }
}

crate::labelled_enum! {
    /// What period a fact's value describes.
    pub enum FactPeriod: "fact period" {
        Year => "year", "年度", "Year",
        Month => "month", "月度", "Month",
        Date => "date", "时点", "Point in time",
    }
}

crate::labelled_enum! {
    /// How a fact reached the platform.
    pub enum FactArrival: "fact arrival" {
        Api => "api", "数据接口推送", "Pushed through the API",
        Upload => "upload", "运营方上传名单", "List uploaded by the operator",
        Connector => "connector", "部门数据对接", "Department feed",
    }
}

/// The shape of a kind's value, and so how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// A 纳税信用等级: `A`, `B`, `M`, `C`, `D`.
    Grade,
    /// An amount in yuan: `1234567.89`, `300万`.
    Money,
    /// A whole number of people or records.
    Count,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A qualification by its machine or Chinese name, with a certificate number.
    Qualification,
    /// Whether the firm is on a list: `true`/`false`, `是`/`否`.
    Listed,
}

impl ValueShape {
    fn accepted_zh(self) -> &'static str {
        match self {
            Self::Grade => "纳税信用等级 A、B、M、C 或 D",
            Self::Money => "金额（元），如 1234567.89",
            Self::Count => "非负整数",
            Self::Date => "日期，格式 YYYY-MM-DD",
            Self::Qualification => "资质名称，如 high_tech 或 高新技术企业",
            Self::Listed => "是否列入：true/false 或 是/否",
        }
    }

    fn accepted_en(self) -> &'static str {
        match self {
            Self::Grade => "a tax credit grade A, B, M, C or D",
            Self::Money => "an amount in yuan, e.g. 1234567.89",
            Self::Count => "a whole number, not negative",
            Self::Date => "a date YYYY-MM-DD",
            Self::Qualification => "a qualification, e.g. high_tech or 高新技术企业",
            Self::Listed => "whether the firm is listed: true/false",
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactKindInfo {
    pub kind: FactKind,
    /// The departments that may supply it (the credit-sharing platform may supply every kind).
    pub sources: &'static [FactSource],
    pub period: FactPeriod,
    pub shape: ValueShape,
    /// The unit the value is given and counted in, in Chinese and English (empty for grades, dates, lists).
    pub unit_zh: &'static str,
    pub unit_en: &'static str,
    /// How long a fact stays current after its as-of date when its source gives no end, in months; `None`:
    /// the source must give the end (a certificate's validity).
    pub current_months: Option<u32>,
}

/// The catalogue (信用信息目录). How long a fact stays current is the platform's rule, written where a bank can
/// read it: a yearly figure is current until the next year's is due (18 months after the year it describes
/// ends, as grades are published in spring); a monthly headcount for three months; registration data for a
/// year; a list status (处罚, 失信, 欠税) for three months, since a firm can be listed any day.
pub const CATALOGUE: [FactKindInfo; 10] = {
    use FactSource::{Courts, CreditPlatform, HousingFund, Industry, MarketRegulation, Science, SocialSecurity, Tax};
    [
        FactKindInfo {
            kind: FactKind::TaxCreditGrade,
            sources: &[Tax, CreditPlatform],
            period: FactPeriod::Year,
            shape: ValueShape::Grade,
            unit_zh: "",
            unit_en: "",
            current_months: Some(18),
        },
        FactKindInfo {
            kind: FactKind::TaxPaid,
            sources: &[Tax, CreditPlatform],
            period: FactPeriod::Year,
            shape: ValueShape::Money,
            unit_zh: "元",
            unit_en: "yuan",
            current_months: Some(18),
        },
        FactKindInfo {
            kind: FactKind::SocialInsuranceHeadcount,
            sources: &[SocialSecurity, CreditPlatform],
            period: FactPeriod::Month,
            shape: ValueShape::Count,
            unit_zh: "人",
            unit_en: "people",
            current_months: Some(3),
        },
        FactKindInfo {
            kind: FactKind::HousingFundHeadcount,
            sources: &[HousingFund, CreditPlatform],
            period: FactPeriod::Month,
            shape: ValueShape::Count,
            unit_zh: "人",
            unit_en: "people",
            current_months: Some(3),
        },
        FactKindInfo {
            kind: FactKind::RegisteredCapital,
            sources: &[MarketRegulation, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Money,
            unit_zh: "元",
            unit_en: "yuan",
            current_months: Some(12),
        },
        FactKindInfo {
            kind: FactKind::Established,
            sources: &[MarketRegulation, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Date,
            unit_zh: "",
            unit_en: "",
            current_months: Some(12),
        },
        FactKindInfo {
            kind: FactKind::Qualification,
            sources: &[Science, Industry, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Qualification,
            unit_zh: "",
            unit_en: "",
            current_months: None,
        },
        FactKindInfo {
            kind: FactKind::AdministrativePenalties,
            sources: &[MarketRegulation, Tax, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Count,
            unit_zh: "起（近三年）",
            unit_en: "in the last three years",
            current_months: Some(3),
        },
        FactKindInfo {
            kind: FactKind::DishonestDebtor,
            sources: &[Courts, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Listed,
            unit_zh: "",
            unit_en: "",
            current_months: Some(3),
        },
        FactKindInfo {
            kind: FactKind::TaxArrears,
            sources: &[Tax, CreditPlatform],
            period: FactPeriod::Date,
            shape: ValueShape::Money,
            unit_zh: "元",
            unit_en: "yuan",
            current_months: Some(3),
        },
    ]
};

impl FactKind {
    /// The kind's entry in the [`CATALOGUE`].
    #[must_use]
    pub fn info(self) -> &'static FactKindInfo {
        CATALOGUE.iter().find(|i| i.kind == self).unwrap_or(&CATALOGUE[0])
    }
}

impl FactSource {
    /// The kinds a provider of this source may write.
    #[must_use]
    pub fn kinds(self) -> Vec<FactKind> {
        CATALOGUE.iter().filter(|i| i.sources.contains(&self)).map(|i| i.kind).collect()
    }
}

/// A fact's value, typed by its kind's [`ValueShape`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactValue {
    Grade { grade: TaxCreditGrade },
    Money { fen: Fen },
    Count { count: u32 },
    Date { date: NaiveDate },
    Qualification { title: Qualification, certificate: String },
    Listed { listed: bool },
}

impl FactValue {
    /// The value as a Chinese reader reads it (`A 级`, `1,234.56 元`, `高新技术企业（GR2023…）`).
    #[must_use]
    pub fn text_zh(&self, kind: FactKind) -> String {
        let unit = kind.info().unit_zh;
        match self {
            Self::Grade { grade } => grade.label_zh().to_owned(),
            Self::Money { fen } => fen.display_zh(),
            Self::Count { count } => format!("{count} {unit}"),
            Self::Date { date } => date.to_string(),
            Self::Qualification { title, certificate } => format!("{}（证书 {certificate}）", title.label_zh()),
            Self::Listed { listed: true } => "已列入".to_owned(),
            Self::Listed { listed: false } => "未列入".to_owned(),
        }
    }

    /// The value as an English reader reads it.
    #[must_use]
    pub fn text_en(&self, kind: FactKind) -> String {
        let unit = kind.info().unit_en;
        match self {
            Self::Grade { grade } => format!("grade {}", grade.as_str()),
            Self::Money { fen } => fen.display_en(),
            Self::Count { count } => format!("{count} {unit}"),
            Self::Date { date } => date.to_string(),
            Self::Qualification { title, certificate } => format!("{} (certificate {certificate})", title.label_en()),
            Self::Listed { listed: true } => "listed".to_owned(),
            Self::Listed { listed: false } => "not listed".to_owned(),
        }
    }
}

/// One record as a source sends it: every cell as text, so a JSON batch and a spreadsheet row are read by
/// the same rules. Field names are the API's and the spreadsheet's column names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactRecord {
    /// The source's own id of the record: a record sent again under the same id replaces the one before.
    #[serde(default)]
    pub source_record_id: String,
    /// 统一社会信用代码 of the firm.
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
    /// A qualification's certificate number.
    #[serde(default)]
    pub certificate: Option<String>,
    /// The day the value describes (the end of its year or month for yearly and monthly figures).
    #[serde(default)]
    pub as_of: String,
    /// The last day the fact holds, when the source says (a certificate's validity).
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// The columns of a facts list (名单) and of a JSON batch record, for the readers of spreadsheets and the
/// help pages: machine name, Chinese header, English header, required, rules, example.
#[must_use]
pub fn fact_columns() -> Vec<ColumnInfo> {
    vec![
        column(
            "source_record_id",
            "记录编号",
            "Record id",
            true,
            (
                "数据源自己的记录编号，1–64 个字符；同一编号再次报送即更正原记录",
                "The source's own id of the record, 1–64 characters; sent again, it corrects the record",
            ),
            "TAX-2025-000123",
        ),
        column(
            "uscc",
            "统一社会信用代码",
            "Unified social credit code",
            true,
            ("18 位，校验位须正确", "18 characters with a valid check character"),
            "91350100M000100Y43",
        ),
        ColumnInfo {
            allowed: FactKind::ALL.iter().map(|k| (k.as_str(), k.label_zh())).collect(),
            ..column(
                "kind",
                "信息类别",
                "Fact kind",
                true,
                ("信用信息目录中的类别，机器名或中文名", "A kind of the catalogue, by machine name or Chinese name"),
                "tax_credit_grade",
            )
        },
        column(
            "value",
            "取值",
            "Value",
            true,
            (
                "按类别：等级 `A`–`D`；金额（元）；人数；日期 YYYY-MM-DD；资质名称；是否列入 `是`/`否`",
                "By kind: a grade `A`–`D`; an amount in yuan; a headcount; a date YYYY-MM-DD; a qualification; listed `true`/`false`",
            ),
            "A",
        ),
        column(
            "certificate",
            "证书编号",
            "Certificate number",
            false,
            ("资质认定须填写", "Required for a qualification"),
            "GR202412000123",
        ),
        column(
            "as_of",
            "信息日期",
            "As of",
            true,
            ("取值所指的日期 YYYY-MM-DD，不晚于今天", "The day the value describes, YYYY-MM-DD, not after today"),
            "2025-12-31",
        ),
        column(
            "valid_until",
            "有效期至",
            "Valid until",
            false,
            (
                "资质认定须填写（证书有效期）；其他类别不填时按目录规则计算",
                "Required for a qualification (the certificate's validity); otherwise the catalogue's rule applies",
            ),
            "2027-11-30",
        ),
    ]
}

impl FactRecord {
    /// A record from (column, text) pairs, columns by machine name; empty cells are not given.
    ///
    /// # Errors
    /// A column that is not one of [`fact_columns`] (named, with the row's other cells still read).
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, FieldErrors> {
        let mut record = Self::default();
        let mut errors = FieldErrors::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref().trim(), value.as_ref().trim().to_owned());
            if value.is_empty() {
                continue;
            }
            match key {
                "source_record_id" => record.source_record_id = value,
                "uscc" => record.uscc = value,
                "kind" => record.kind = value,
                "value" => record.value = value,
                "certificate" => record.certificate = Some(value),
                "as_of" => record.as_of = value,
                "valid_until" => record.valid_until = Some(value),
                other => errors
                    .push(other, ValueError::worded(format!("未知的列“{other}”"), format!("unknown column `{other}`"))),
            }
        }
        errors.into_result(|| record)
    }
}

/// A record that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub source_record_id: String,
    pub uscc: Uscc,
    pub kind: FactKind,
    pub value: FactValue,
    pub as_of: NaiveDate,
    /// The last day it is current: the source's, or the catalogue's rule from `as_of`.
    pub valid_until: NaiveDate,
}

/// Whether a fact may be relied on today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    Current,
    /// Past its `valid_until`: it counts as not verified (需更新).
    Expired,
}

impl Fact {
    #[must_use]
    pub fn freshness(&self, today: NaiveDate) -> Freshness {
        if today > self.valid_until { Freshness::Expired } else { Freshness::Current }
    }
}

/// Reads one record. `source` is the provider's registered source; `today` the Shanghai calendar day.
///
/// # Errors
/// Every field that is wrong, each named with its reason.
pub fn read_record(record: &FactRecord, source: FactSource, today: NaiveDate) -> Result<Fact, FieldErrors> {
    let mut errors = FieldErrors::default();
    let id = record.source_record_id.trim();
    if id.is_empty() {
        errors.push("source_record_id", ValueError::Empty);
    } else if id.chars().count() > MAX_SOURCE_RECORD_ID_CHARS || id.chars().any(char::is_control) {
        errors.push(
            "source_record_id",
            ValueError::worded(
                format!("应为不超过 {MAX_SOURCE_RECORD_ID_CHARS} 个字符的记录编号"),
                format!("must be a record id of at most {MAX_SOURCE_RECORD_ID_CHARS} characters"),
            ),
        );
    }
    let uscc = errors.check("uscc", Uscc::parse(&record.uscc));
    let kind = errors.check("kind", FactKind::parse(record.kind.trim()));
    let kind = kind.and_then(|kind| {
        if kind.info().sources.contains(&source) {
            Some(kind)
        } else {
            errors.push(
                "kind",
                ValueError::worded(
                    format!("本数据源（{}）未登记提供“{}”", source.label_zh(), kind.label_zh()),
                    format!("the source ({}) is not registered for {}", source.label_en(), kind.label_en()),
                ),
            );
            None
        }
    });
    let as_of = errors.check("as_of", date(&record.as_of));
    if let Some(day) = as_of.filter(|d| *d > today) {
        errors.push("as_of", not_after_today(day, today));
    }
    let valid_until = match record.valid_until.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(text) => errors.check("valid_until", date(text)),
        None => None,
    };
    if let (Some(from), Some(until)) = (as_of, valid_until)
        && until < from
    {
        errors.push(
            "valid_until",
            ValueError::worded(
                format!("有效期至 {until} 早于信息日期 {from}"),
                format!("{until} is before the as-of date {from}"),
            ),
        );
    }
    let value = kind.and_then(|kind| {
        let value = read_value(kind, record, today);
        errors.check("value", value)
    });
    if let Some(kind) = kind
        && kind.info().current_months.is_none()
        && valid_until.is_none()
        && record.valid_until.as_deref().is_none_or(|v| v.trim().is_empty())
    {
        errors.push(
            "valid_until",
            ValueError::worded(
                format!("“{}”须注明有效期至（证书有效期）", kind.label_zh()),
                format!("{} needs its valid-until date (the certificate's validity)", kind.label_en()),
            ),
        );
    }
    let certificate = record.certificate.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if kind == Some(FactKind::Qualification) {
        match certificate {
            None => errors.push("certificate", ValueError::Empty),
            Some(c) if c.chars().count() > MAX_CERTIFICATE_CHARS || c.chars().any(char::is_control) => errors.push(
                "certificate",
                ValueError::worded(
                    format!("证书编号不超过 {MAX_CERTIFICATE_CHARS} 个字符"),
                    format!("a certificate number has at most {MAX_CERTIFICATE_CHARS} characters"),
                ),
            ),
            Some(_) => {}
        }
    }
    let (Some(uscc), Some(kind), Some(mut value), Some(as_of)) = (uscc, kind, value, as_of) else {
        return Err(errors);
    };
    if let FactValue::Qualification { certificate: c, .. } = &mut value {
        certificate.unwrap_or_default().clone_into(c);
    }
    let until = valid_until
        .or_else(|| kind.info().current_months.and_then(|months| as_of.checked_add_months(ChronoMonths::new(months))));
    errors.into_result(|| Fact {
        source_record_id: id.to_owned(),
        uscc,
        kind,
        value,
        as_of,
        valid_until: until.unwrap_or(as_of),
    })
}

fn date(text: &str) -> Result<NaiveDate, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ValueError::worded(format!("“{text}”不是 YYYY-MM-DD 格式的日期"), format!("`{text}` is not a date YYYY-MM-DD"))
    })
}

fn not_after_today(day: NaiveDate, today: NaiveDate) -> ValueError {
    ValueError::worded(format!("{day} 晚于今天（{today}）"), format!("{day} is after today ({today})"))
}

fn read_value(kind: FactKind, record: &FactRecord, today: NaiveDate) -> Result<FactValue, ValueError> {
    let shape = kind.info().shape;
    let text = record.value.trim();
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    let wrong = || {
        ValueError::worded(
            format!("“{text}”不是{}", shape.accepted_zh()),
            format!("`{text}` is not {}", shape.accepted_en()),
        )
    };
    Ok(match shape {
        ValueShape::Grade => FactValue::Grade { grade: TaxCreditGrade::parse(text.trim_end_matches('级').trim())? },
        ValueShape::Money => FactValue::Money { fen: Fen::parse_yuan(text)? },
        ValueShape::Count => FactValue::Count { count: text.parse().map_err(|_| wrong())? },
        ValueShape::Date => {
            let day = date(text)?;
            if day > today {
                return Err(not_after_today(day, today));
            }
            FactValue::Date { date: day }
        }
        ValueShape::Qualification => {
            FactValue::Qualification { title: Qualification::parse(text)?, certificate: String::new() }
        }
        ValueShape::Listed => FactValue::Listed {
            listed: match text {
                "true" | "是" | "1" => true,
                "false" | "否" | "0" => false,
                _ => return Err(wrong()),
            },
        },
    })
}

/// Reads a whole batch, all or nothing: every record, or every row error (rows numbered from 1 as the
/// sender counts them; a source record id given twice is refused on its later rows, naming the first).
///
/// # Errors
/// The row errors, when any record is wrong, the batch is empty or larger than [`MAX_BATCH_ROWS`].
pub fn validate_batch(
    records: &[FactRecord],
    source: FactSource,
    today: NaiveDate,
) -> Result<Vec<Fact>, Vec<RowError>> {
    if records.is_empty() {
        return Err(vec![RowError::new(0, "records", "批次中没有记录", "the batch has no records")]);
    }
    if records.len() > MAX_BATCH_ROWS {
        return Err(vec![RowError::new(
            0,
            "records",
            format!("一个批次最多 {MAX_BATCH_ROWS} 条记录，本批次 {} 条", records.len()),
            format!("a batch has at most {MAX_BATCH_ROWS} records; this one has {}", records.len()),
        )]);
    }
    let rows: Vec<(usize, FactRecord)> = records.iter().cloned().enumerate().map(|(i, r)| (i + 1, r)).collect();
    validate_rows(&rows, source, today)
}

/// Reads numbered records (a file's rows, numbered as its author sees them), all or nothing, with no limit on
/// their number: the rules of [`validate_batch`] for a list of any length.
///
/// # Errors
/// Every row error, in row order.
pub fn validate_rows(
    rows: &[(usize, FactRecord)],
    source: FactSource,
    today: NaiveDate,
) -> Result<Vec<Fact>, Vec<RowError>> {
    let mut facts = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    for (row, record) in rows {
        let row = *row;
        let id = record.source_record_id.trim();
        if !id.is_empty() {
            match first_row.entry(id) {
                Entry::Occupied(first) => errors.push(RowError::new(
                    row,
                    "source_record_id",
                    format!("记录编号“{id}”与第 {} 行重复", first.get()),
                    format!("record id `{id}` repeats row {}", first.get()),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(row);
                }
            }
        }
        match read_record(record, source, today) {
            Ok(fact) => facts.push(fact),
            Err(fields) => errors.extend(RowError::from_fields(row, &fields)),
        }
    }
    errors.sort_by_key(|e| e.row);
    if errors.is_empty() { Ok(facts) } else { Err(errors) }
}

/// How a declared value stands against the verified one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verification {
    /// No current fact of this kind: the declaration stands alone (未核验).
    Unverified,
    /// A current fact agrees with the declaration, or the firm declared nothing (已核验).
    Verified,
    /// A current fact says otherwise (核验结果不符); the fact is what matching uses.
    Conflict,
    /// The only fact is past its validity (需更新): it counts as not verified.
    Expired,
}

impl Verification {
    #[must_use]
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::Unverified => "未核验",
            Self::Verified => "已核验",
            Self::Conflict => "核验结果不符",
            Self::Expired => "需更新",
        }
    }

    #[must_use]
    pub fn label_en(&self) -> &'static str {
        match self {
            Self::Unverified => "Not verified",
            Self::Verified => "Verified",
            Self::Conflict => "Verification differs",
            Self::Expired => "Needs updating",
        }
    }
}

/// The element of `facts` with the greatest `key`, the first of equal ones (where `Iterator::max_by_key`
/// gives the last).
fn first_max<'a, K: Ord>(facts: impl Iterator<Item = &'a Fact>, key: impl Fn(&Fact) -> K) -> Option<&'a Fact> {
    facts.fold(None, |best, f| match best {
        Some(b) if key(f) <= key(b) => Some(b),
        _ => Some(f),
    })
}

/// The firm's facts of one kind that bear on a profile field: the newest current one, else the newest
/// expired one. Qualifications are per title: see [`qualification_fact`].
///
/// `facts` are in the store's order (newest first: by as-of, then the record received last first), and
/// of facts equally new (two records of the same day and validity, from two sources or sent under two
/// record ids) the first wins, the one received last: every read of a firm's facts gives that order, so
/// the firm's match, its candidate listing and its facts page decide the same way.
#[must_use]
pub fn latest(facts: &[Fact], kind: FactKind, today: NaiveDate) -> Option<&Fact> {
    let newest = |current: bool| {
        first_max(
            facts.iter().filter(|f| f.kind == kind && (f.freshness(today) == Freshness::Current) == current),
            |f| (f.as_of, f.valid_until),
        )
    };
    newest(true).or_else(|| newest(false))
}

/// The fact of one qualification title, current before expired (of equally long ones, the first: see
/// [`latest`] for the order).
#[must_use]
pub fn qualification_fact(facts: &[Fact], title: Qualification, today: NaiveDate) -> Option<&Fact> {
    let of_title = |f: &&Fact| matches!(&f.value, FactValue::Qualification { title: t, .. } if *t == title);
    let newest = |current: bool| {
        first_max(
            facts.iter().filter(of_title).filter(|f| (f.freshness(today) == Freshness::Current) == current),
            |f| f.valid_until,
        )
    };
    newest(true).or_else(|| newest(false))
}

/// How the profile's declaration of `kind` stands against the facts (for the kinds a profile declares; the
/// others — headcounts, penalties, lists — are shown as facts only and answer `None`).
#[must_use]
pub fn verify(profile: &EnterpriseProfile, facts: &[Fact], kind: FactKind, today: NaiveDate) -> Option<Verification> {
    let declared_differs = |fact: &Fact| match (&fact.value, kind) {
        (FactValue::Grade { grade }, FactKind::TaxCreditGrade) => profile.tax_credit_grade.is_some_and(|d| d != *grade),
        (FactValue::Money { fen }, FactKind::TaxPaid) => profile.tax_paid.is_some_and(|d| d != *fen),
        (FactValue::Money { fen }, FactKind::RegisteredCapital) => {
            profile.registered_capital.is_some_and(|d| d != *fen)
        }
        (FactValue::Date { date }, FactKind::Established) => profile.established != *date,
        _ => false,
    };
    if !matches!(
        kind,
        FactKind::TaxCreditGrade | FactKind::TaxPaid | FactKind::RegisteredCapital | FactKind::Established
    ) {
        return None;
    }
    Some(match latest(facts, kind, today) {
        None => Verification::Unverified,
        Some(f) if f.freshness(today) == Freshness::Expired => Verification::Expired,
        Some(f) if declared_differs(f) => Verification::Conflict,
        Some(_) => Verification::Verified,
    })
}

/// The profile matching uses: each current verified fact in place of the declaration (a verified grade over a
/// declared one, a verified qualification added to the declared list). Expired facts change nothing.
#[must_use]
pub fn with_verified(profile: &EnterpriseProfile, facts: &[Fact], today: NaiveDate) -> EnterpriseProfile {
    let mut out = profile.clone();
    let current = |kind| latest(facts, kind, today).filter(|f| f.freshness(today) == Freshness::Current);
    if let Some(FactValue::Grade { grade }) = current(FactKind::TaxCreditGrade).map(|f| &f.value) {
        out.tax_credit_grade = Some(*grade);
    }
    if let Some(FactValue::Money { fen }) = current(FactKind::TaxPaid).map(|f| &f.value) {
        out.tax_paid = Some(*fen);
    }
    if let Some(FactValue::Money { fen }) = current(FactKind::RegisteredCapital).map(|f| &f.value) {
        out.registered_capital = Some(*fen);
    }
    if let Some(FactValue::Date { date }) = current(FactKind::Established).map(|f| &f.value) {
        out.established = *date;
    }
    for fact in facts.iter().filter(|f| f.freshness(today) == Freshness::Current) {
        if let FactValue::Qualification { title, .. } = fact.value {
            let list = out.qualifications.get_or_insert_with(Vec::new);
            if !list.contains(&title) {
                list.push(title);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FIRM: &str = "91350100M000100Y43";

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn record(id: &str, kind: &str, value: &str, as_of: &str) -> FactRecord {
        FactRecord {
            source_record_id: id.into(),
            uscc: FIRM.into(),
            kind: kind.into(),
            value: value.into(),
            as_of: as_of.into(),
            ..FactRecord::default()
        }
    }

    fn today() -> NaiveDate {
        day("2026-12-04")
    }

    #[test]
    fn every_kind_is_in_the_catalogue_once_and_the_platform_relays_every_kind() {
        for kind in FactKind::ALL {
            assert_eq!(CATALOGUE.iter().filter(|i| i.kind == *kind).count(), 1, "{kind}");
            assert_eq!(kind.info().kind, *kind);
        }
        assert_eq!(FactSource::CreditPlatform.kinds(), FactKind::ALL.to_vec());
        assert_eq!(
            FactSource::Tax.kinds(),
            [FactKind::TaxCreditGrade, FactKind::TaxPaid, FactKind::AdministrativePenalties, FactKind::TaxArrears]
        );
        // Every source supplies something.
        for source in FactSource::ALL {
            assert!(!source.kinds().is_empty(), "{source}");
        }
    }

    #[test]
    fn a_record_is_read_with_its_catalogue_validity() {
        let fact =
            read_record(&record("T-1", "tax_credit_grade", "A", "2025-12-31"), FactSource::Tax, today()).unwrap();
        assert_eq!(fact.value, FactValue::Grade { grade: TaxCreditGrade::A });
        assert_eq!(fact.valid_until, day("2027-06-30"));
        assert_eq!(fact.freshness(today()), Freshness::Current);
        assert_eq!(fact.freshness(day("2027-07-01")), Freshness::Expired);
        let paid = read_record(&record("T-2", "tax_paid", "1,234,567.89", "2025-12-31"), FactSource::Tax, today());
        assert_eq!(paid.unwrap().value, FactValue::Money { fen: Fen::from_fen(123_456_789).unwrap() });
        let listed = read_record(&record("C-1", "dishonest_debtor", "否", "2026-11-30"), FactSource::Courts, today());
        assert_eq!(listed.unwrap().value, FactValue::Listed { listed: false });
        let grade = read_record(&record("T-3", "纳税信用等级", "B级", "2025-12-31"), FactSource::Tax, today());
        assert_eq!(grade.unwrap().value, FactValue::Grade { grade: TaxCreditGrade::B });
    }

    #[test]
    fn a_qualification_needs_its_certificate_and_validity() {
        let mut r = record("K-1", "qualification", "高新技术企业", "2024-12-01");
        let errors = read_record(&r, FactSource::Science, today()).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["valid_until", "certificate"]);
        r.certificate = Some("GR202412000123".into());
        r.valid_until = Some("2027-11-30".into());
        let fact = read_record(&r, FactSource::Science, today()).unwrap();
        assert_eq!(
            fact.value,
            FactValue::Qualification { title: Qualification::HighTech, certificate: "GR202412000123".into() }
        );
        assert_eq!(fact.valid_until, day("2027-11-30"));
        assert_eq!(fact.value.text_zh(fact.kind), "高新技术企业（证书 GR202412000123）");
        assert_eq!(fact.value.text_en(fact.kind), "High-tech enterprise (certificate GR202412000123)");
    }

    #[test]
    fn wrong_records_are_refused_field_by_field() {
        let cases = [
            (record("", "tax_paid", "100", "2025-12-31"), "source_record_id"),
            (FactRecord { uscc: "91350100M000100Y44".into(), ..record("a", "tax_paid", "100", "2025-12-31") }, "uscc"),
            (record("a", "credit_score", "700", "2025-12-31"), "kind"),
            (record("a", "tax_paid", "lots", "2025-12-31"), "value"),
            (record("a", "tax_paid", "-5", "2025-12-31"), "value"),
            (record("a", "tax_credit_grade", "AA", "2025-12-31"), "value"),
            (record("a", "social_insurance_headcount", "3.5", "2026-11-30"), "value"),
            (record("a", "dishonest_debtor", "maybe", "2026-11-30"), "value"),
            (record("a", "tax_paid", "100", "2026-12-05"), "as_of"),
            (record("a", "tax_paid", "100", "31/12/2025"), "as_of"),
            (record("a", "established", "2027-01-01", "2026-11-30"), "value"),
            (
                FactRecord { valid_until: Some("2025-01-01".into()), ..record("a", "tax_paid", "1", "2025-12-31") },
                "valid_until",
            ),
        ];
        for (r, field) in cases {
            let errors = read_record(&r, FactSource::CreditPlatform, today()).unwrap_err();
            assert_eq!(errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), [field], "{r:?}");
            assert!(!errors.0[0].error.message_zh().is_empty());
        }
        // A provider writes only its source's kinds.
        let errors =
            read_record(&record("a", "tax_paid", "100", "2025-12-31"), FactSource::Courts, today()).unwrap_err();
        assert_eq!(errors.0[0].field, "kind");
        assert!(errors.0[0].error.message_zh().contains("人民法院"), "{}", errors.0[0].error.message_zh());
    }

    #[test]
    fn the_format_document_lists_every_kind_source_and_column() {
        let doc = include_str!("../../../docs/facts-format.md");
        for info in &CATALOGUE {
            let sources: Vec<_> = info.sources.iter().map(|s| s.as_str()).collect();
            let row = format!("| `{}` | {} | {} |", info.kind.as_str(), info.kind.label_zh(), sources.join(", "));
            assert!(doc.contains(&row), "docs/facts-format.md has no row {row}");
        }
        for source in FactSource::ALL {
            assert!(doc.contains(&format!("`{}` {}", source.as_str(), source.label_zh())), "{source}");
        }
        for column in fact_columns() {
            let row = format!("| `{}` | {} |", column.name, column.label_zh);
            assert!(doc.contains(&row), "docs/facts-format.md has no row {row}");
        }
        assert!(doc.contains(&format!("at most {}", MAX_BATCH_ROWS.to_string().replace("000", ",000"))));
    }

    #[test]
    fn a_list_row_reads_by_column_and_every_example_is_valid() {
        let columns = fact_columns();
        let pairs: Vec<(&str, &str)> = columns.iter().map(|c| (c.name, c.example)).collect();
        let record = FactRecord::from_pairs(pairs).unwrap();
        // The examples make a valid record (a grade needs no certificate; a given one is kept aside).
        let fact = read_record(&record, FactSource::Tax, today()).unwrap();
        assert_eq!(fact.valid_until, day("2027-11-30"));
        let unknown = FactRecord::from_pairs([("kind", "tax_paid"), ("score", "7")]).unwrap_err();
        assert_eq!(unknown.0[0].field, "score");
        assert_eq!(FactRecord::from_pairs([("value", "  ")]).unwrap(), FactRecord::default());
    }

    #[test]
    fn a_batch_is_all_or_nothing_with_every_row_error() {
        let good = record("T-1", "tax_credit_grade", "A", "2025-12-31");
        let facts = validate_batch(std::slice::from_ref(&good), FactSource::Tax, today()).unwrap();
        assert_eq!(facts.len(), 1);
        let batch = [
            good.clone(),
            record("T-2", "tax_credit_grade", "Z", "2025-12-31"),
            good.clone(),
            record("T-4", "social_insurance_headcount", "12", "2026-10-31"),
        ];
        let errors = validate_batch(&batch, FactSource::Tax, today()).unwrap_err();
        let rows: Vec<_> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(rows, [(2, "value"), (3, "source_record_id"), (4, "kind")]);
        assert!(errors[1].message.contains("第 1 行"), "{}", errors[1].message);
        assert!(validate_batch(&[], FactSource::Tax, today()).is_err());
        let too_many = vec![good; MAX_BATCH_ROWS + 1];
        assert_eq!(validate_batch(&too_many, FactSource::Tax, today()).unwrap_err().len(), 1);
    }

    fn profile() -> EnterpriseProfile {
        serde_json::from_value(serde_json::json!({
            "district": "binhai", "industry": "software", "established": "2019-05-01", "employees": 40,
            "revenue": 800_000_000, "tax_credit_grade": "A", "qualifications": ["tech_sme"]
        }))
        .unwrap()
    }

    fn fact(kind: &str, value: &str, as_of: &str) -> Fact {
        read_record(&record(&format!("{kind}-{as_of}"), kind, value, as_of), FactSource::CreditPlatform, today())
            .unwrap()
    }

    #[test]
    fn a_declaration_is_verified_contradicted_or_out_of_date() {
        let p = profile();
        let grade = FactKind::TaxCreditGrade;
        assert_eq!(verify(&p, &[], grade, today()), Some(Verification::Unverified));
        assert_eq!(
            verify(&p, &[fact("tax_credit_grade", "A", "2025-12-31")], grade, today()),
            Some(Verification::Verified)
        );
        let b = [fact("tax_credit_grade", "B", "2025-12-31")];
        assert_eq!(verify(&p, &b, grade, today()), Some(Verification::Conflict));
        let old = [fact("tax_credit_grade", "B", "2024-12-31")];
        assert_eq!(verify(&p, &old, grade, today()), Some(Verification::Expired));
        // The newest current fact decides, whatever an older one said.
        let both = [fact("tax_credit_grade", "B", "2024-12-31"), fact("tax_credit_grade", "A", "2025-12-31")];
        assert_eq!(verify(&p, &both, grade, today()), Some(Verification::Verified));
        // A verified figure the firm never declared is verified, not a conflict.
        assert_eq!(
            verify(&p, &[fact("tax_paid", "120000", "2025-12-31")], FactKind::TaxPaid, today()),
            Some(Verification::Verified)
        );
        assert_eq!(verify(&p, &[], FactKind::DishonestDebtor, today()), None);
    }

    #[test]
    fn matching_uses_current_facts_over_declarations() {
        let p = profile();
        let mut high_tech = record("Q-1", "qualification", "high_tech", "2024-12-01");
        high_tech.certificate = Some("GR202412000123".into());
        high_tech.valid_until = Some("2027-11-30".into());
        let facts = [
            fact("tax_credit_grade", "B", "2025-12-31"),
            fact("registered_capital", "500万", "2026-06-30"),
            fact("tax_paid", "90000", "2023-12-31"),
            read_record(&high_tech, FactSource::Science, today()).unwrap(),
        ];
        let used = with_verified(&p, &facts, today());
        assert_eq!(used.tax_credit_grade, Some(TaxCreditGrade::B));
        assert_eq!(used.registered_capital, Some(Fen::wan(500)));
        assert_eq!(used.tax_paid, None, "an expired figure changes nothing");
        assert_eq!(used.qualifications, Some(vec![Qualification::TechSme, Qualification::HighTech]));
        assert!(qualification_fact(&facts, Qualification::HighTech, today()).is_some());
        assert!(qualification_fact(&facts, Qualification::TechSme, today()).is_none());
    }

    #[test]
    fn of_facts_equally_new_the_first_in_the_stores_order_decides() {
        let p = profile();
        let grade = FactKind::TaxCreditGrade;
        // Two records of the same day and validity (two record ids): the store gives the one received last
        // first, and it decides, whichever way round they are.
        let (a, b) = (fact("tax_credit_grade", "A", "2025-12-31"), fact("tax_credit_grade", "B", "2025-12-31"));
        assert_eq!(latest(&[b.clone(), a.clone()], grade, today()), Some(&b));
        assert_eq!(verify(&p, &[b.clone(), a.clone()], grade, today()), Some(Verification::Conflict));
        assert_eq!(latest(&[a.clone(), b.clone()], grade, today()), Some(&a));
        assert_eq!(verify(&p, &[a, b], grade, today()), Some(Verification::Verified));
        // A newer one decides wherever it stands.
        let newer = fact("tax_credit_grade", "C", "2026-06-30");
        let older = fact("tax_credit_grade", "A", "2025-12-31");
        assert_eq!(latest(&[older.clone(), newer.clone()], grade, today()), Some(&newer));
        assert_eq!(latest(&[newer.clone(), older], grade, today()), Some(&newer));
    }
}
