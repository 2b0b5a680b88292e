//! The SME profile form, and the financing need that completes it on the matching page (精准匹配): its query
//! string parsed into an [`EnterpriseProfile`] and a [`FinancingNeed`]. The profile page (`/sme/profile`)
//! uses the profile half.
//!
//! Conventions, said on the form's labels:
//! - Amounts are in 万元: `300` is 300 万元; `300万`, `300万元` and `80000元` are read as written.
//! - A key absent from the query takes its default (so `/match?amount=200` is a useful link); a key present
//!   but empty is "not given": an error for a required field, `None` for an optional one.
//! - "不清楚" (`unknown`) is `None` in the profile, never a guess.
//! - Every bad field is reported, each with a Chinese message, never only the first.

use crate::http::error::ApiError;
use crate::http::format::{district_options, options, parse_date as date, parse_wan, wan_input};
use crate::http::forms::Form;
use crate::http::page::object;
use crate::http::state::today;
use axum::http::StatusCode;
use chrono::NaiveDate;
use finmart_domain::{
    Bps, Collateral, District, EnterpriseProfile, Fen, FieldErrors, FinancingNeed, HomeArea, Industry, Labelled,
    LoanPurpose, Months, OverdueHistory, PrioritySector, ProcurementContract, Qualification, Receivable,
    RepaymentMethod, TaxCreditGrade, ValueError,
};
use finmart_matching::CheckKind;
use serde_json::{Map, Value, json};

/// The longest raw query string read: a real form is far shorter.
const MAX_RAW_QUERY_BYTES: usize = 8 * 1024;

/// The single-valued fields, in the order the form shows them, with their labels.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("district", "所在区", "District"),
    ("industry", "所属行业", "Industry"),
    ("established", "成立日期", "Date established"),
    ("employees", "从业人员", "Employees"),
    ("revenue", "上年营业收入", "Last year's revenue"),
    ("tax_grade", "纳税信用等级", "Tax credit grade"),
    ("borrowed", "是否有过银行贷款", "Ever borrowed from a bank"),
    ("overdue", "逾期记录", "Overdue record"),
    ("overdue_months", "最近一次逾期距今", "Months since the last overdue"),
    ("assets", "资产总额", "Total assets"),
    ("liabilities", "负债总额", "Total liabilities"),
    ("tax_paid", "上年纳税总额", "Tax paid last year"),
    ("patents", "发明专利", "Invention patents"),
    ("trademarks", "注册商标", "Trademarks"),
    ("qual", "资质", "Qualifications"),
    ("sector", "重点产业", "Priority sectors"),
    ("receivables", "核心企业应收账款", "Receivables from a core enterprise"),
    ("procurement", "政府采购合同", "Government procurement contract"),
    ("owned", "企业拥有的可抵质押资产", "Collateral the firm owns"),
    ("amount", "融资金额", "Amount"),
    ("term", "期限", "Term"),
    ("purpose", "资金用途", "Purpose"),
    ("purpose_text", "用途说明", "Purpose in your words"),
    ("offer", "本次可提供的担保方式", "Collateral offered for this loan"),
    ("max_cost", "可接受的最高年化综合成本", "Highest acceptable annual cost"),
    ("within_days", "多少天内需要用款", "Money needed within"),
    ("guarantee", "是否接受融资担保公司担保", "Accept a guarantee agency"),
    ("repayment", "偏好的还款方式", "Preferred repayment"),
];

/// The checkbox groups (repeated keys).
pub const LIST_FIELDS: &[&str] = &["qual", "sector", "owned", "offer"];

/// The fields folded into "更多信息" of the profile part, and of the need part.
pub const MORE_PROFILE: &[&str] = &[
    "assets",
    "liabilities",
    "tax_paid",
    "patents",
    "trademarks",
    "qual",
    "sector",
    "receivables",
    "procurement",
    "owned",
];
pub const MORE_NEED: &[&str] = &["max_cost", "within_days", "guarantee", "repayment"];

/// Defaults of the single-valued fields other than the date (see [`default_established`]).
const DEFAULTS: &[(&str, &str)] = &[
    ("industry", "software"),
    ("employees", "20"),
    ("revenue", "500"),
    ("tax_grade", "B"),
    ("borrowed", "unknown"),
    ("overdue", "never"),
    ("receivables", "unknown"),
    ("procurement", "unknown"),
    ("amount", "100"),
    ("term", "12"),
    ("purpose", "working_capital"),
    ("guarantee", "yes"),
];

/// The district the form starts on: 滨海新区 where the platform serves 天津 (as it always has), else the home
/// area's first district.
#[must_use]
pub fn default_district(home: &HomeArea) -> Option<District> {
    let districts = home.districts();
    districts.iter().find(|d| d.code() == "120116").or_else(|| districts.first()).copied()
}

/// The default date of establishment: three years before `today`.
#[must_use]
pub fn default_established(today: NaiveDate) -> NaiveDate {
    today.checked_sub_months(chrono::Months::new(36)).unwrap_or(today)
}

/// Whether a field (name as in [`FIELDS`]) is one the form knows.
#[must_use]
pub fn is_field(name: &str) -> bool {
    FIELDS.iter().any(|(n, _, _)| *n == name)
}

/// The label of a field in Chinese and English.
#[must_use]
pub fn label_of(name: &str) -> (&'static str, &'static str) {
    FIELDS.iter().find(|(n, _, _)| *n == name).map_or(("表单", "Form"), |(_, zh, en)| (*zh, *en))
}

/// The choices the form offers: the home area's districts, and the vocabularies.
#[must_use]
pub fn choices(home: &HomeArea) -> Value {
    json!({
        "districts": district_options(home),
        "industries": options::<Industry>(),
        "grades": options::<TaxCreditGrade>(),
        "qualifications": options::<Qualification>(),
        "sectors": options::<PrioritySector>(),
        "collateral": options::<Collateral>(),
        "purposes": options::<LoanPurpose>(),
        "methods": options::<RepaymentMethod>(),
    })
}

/// The form field that holds what a check reads (on the matching page and, for the firm's checks, the
/// profile page), for "去填写 / 去修改" links; none for the product's other conditions, which read nothing
/// of the form (only the lender checks them).
#[must_use]
pub fn field_of(kind: CheckKind) -> Option<&'static str> {
    Some(match kind {
        CheckKind::District => "district",
        CheckKind::MinYearsInOperation => "established",
        CheckKind::Revenue => "revenue",
        CheckKind::Employees | CheckKind::Scales => "employees",
        CheckKind::MinTaxCreditGrade => "tax_grade",
        CheckKind::TaxPaid => "tax_paid",
        CheckKind::QualificationsAny | CheckKind::QualificationsAll => "qual",
        CheckKind::IndustriesAllowed | CheckKind::IndustriesExcluded => "industry",
        CheckKind::SectorsAny => "sector",
        CheckKind::MinInventionPatents => "patents",
        CheckKind::MinTrademarks => "trademarks",
        CheckKind::GovProcurementContract => "procurement",
        CheckKind::CoreEnterpriseReceivables => "receivables",
        CheckKind::FirstLoanOnly => "borrowed",
        CheckKind::NoOverdueMonths => "overdue",
        CheckKind::MaxDebtRatio => "assets",
        CheckKind::OtherConditions => return None,
        CheckKind::Amount => "amount",
        CheckKind::Term => "term",
        CheckKind::Collateral => "offer",
        CheckKind::Guarantee => "guarantee",
        CheckKind::MaxCost => "max_cost",
        CheckKind::Speed => "within_days",
    })
}

/// The parsed form: what to show in it again, what was wrong, and (when nothing was) what to match.
#[derive(Debug)]
pub struct ParsedForm {
    /// Whether the query string carried any field of the form (a bare `/match` shows the form only).
    pub submitted: bool,
    /// The values to fill the form with: strings, and arrays for the checkbox groups.
    pub values: Map<String, Value>,
    /// Every bad field, named as in [`FIELDS`] (`form` for the query as a whole).
    pub errors: FieldErrors,
    /// The profile and need, when submitted and nothing was wrong.
    pub input: Option<(EnterpriseProfile, FinancingNeed)>,
}

/// Yes, no, or 不清楚.
fn tristate(text: &str) -> Result<Option<bool>, ValueError> {
    match text.trim() {
        "yes" | "true" | "有" | "是" => Ok(Some(true)),
        "no" | "false" | "无" | "否" => Ok(Some(false)),
        "" | "unknown" | "不清楚" => Ok(None),
        other => Err(ValueError::Invalid(format!(
            "应为“有”“无”或“不清楚”，实际为“{}”",
            other.chars().take(20).collect::<String>()
        ))),
    }
}

fn yes_no(text: &str) -> Result<bool, ValueError> {
    match tristate(text)? {
        Some(v) => Ok(v),
        None => Err(ValueError::Invalid("请选择“是”或“否”".to_owned())),
    }
}

/// A whole count: `20`, `20人`, `3件`, `30天`.
fn count(text: &str) -> Result<u32, ValueError> {
    let t = text.trim().trim_end_matches(['人', '件', '个', '项', '天', '名']).trim_end().replace([',', '，'], "");
    if t.is_empty() {
        return Err(ValueError::Empty);
    }
    if t.starts_with('-') {
        return Err(ValueError::Negative);
    }
    if t.contains('.') {
        return Err(ValueError::Invalid(format!("应为整数，实际为“{}”", t.chars().take(20).collect::<String>())));
    }
    t.parse().map_err(|_| {
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            ValueError::TooLarge { max: u32::MAX.to_string() }
        } else {
            ValueError::NotANumber(t.chars().take(20).collect())
        }
    })
}

fn count_u16(text: &str) -> Result<u16, ValueError> {
    let n = count(text)?;
    u16::try_from(n).map_err(|_| ValueError::TooLarge { max: u16::MAX.to_string() })
}

fn labelled<T: Labelled>(text: &str) -> Result<T, ValueError> {
    Ok(T::parse(text)?)
}

/// What 逾期记录 says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overdue {
    Never,
    MonthsAgo,
    Unknown,
}

fn overdue(text: &str) -> Result<Overdue, ValueError> {
    match text.trim() {
        "never" | "从未逾期" => Ok(Overdue::Never),
        "months" | "有过逾期" => Ok(Overdue::MonthsAgo),
        "" | "unknown" | "不清楚" => Ok(Overdue::Unknown),
        other => Err(ValueError::Invalid(format!(
            "应为“从未逾期”“有过逾期”或“不清楚”，实际为“{}”",
            other.chars().take(20).collect::<String>()
        ))),
    }
}

/// The query's pairs, the values to show and the errors found so far.
struct Reader {
    pairs: Vec<(String, String)>,
    values: Map<String, Value>,
    errors: FieldErrors,
}

impl Reader {
    fn has_error(&self, field: &str) -> bool {
        self.errors.0.iter().any(|e| e.field == field)
    }

    /// The field's text: its default when absent, `""` when empty.
    fn text(&mut self, key: &str, default: &str) -> String {
        let given: Vec<&str> = self.pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect();
        let text = match given.as_slice() {
            [] => default.to_owned(),
            [one] => (*one).to_owned(),
            [first, ..] => {
                self.errors.push(key, ValueError::Invalid("只能填写一个值".to_owned()));
                (*first).to_owned()
            }
        };
        self.values.insert(key.to_owned(), Value::String(text.clone()));
        text.trim().to_owned()
    }

    fn default_of(key: &str) -> &'static str {
        DEFAULTS.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
    }

    /// A field that must be given.
    fn required<T>(&mut self, key: &str, parse: impl Fn(&str) -> Result<T, ValueError>) -> Option<T> {
        self.required_or(key, Self::default_of(key), parse)
    }

    fn required_or<T>(&mut self, key: &str, default: &str, parse: impl Fn(&str) -> Result<T, ValueError>) -> Option<T> {
        let text = self.text(key, default);
        if self.has_error(key) {
            return None;
        }
        if text.is_empty() {
            self.errors.push(key, ValueError::Invalid("请填写此项".to_owned()));
            return None;
        }
        self.errors.check(key, parse(&text))
    }

    /// A field that may be left empty (`Some(None)`); `None` when it was bad.
    fn optional<T>(&mut self, key: &str, parse: impl Fn(&str) -> Result<T, ValueError>) -> Option<Option<T>> {
        let text = self.text(key, Self::default_of(key));
        if self.has_error(key) {
            return None;
        }
        if text.is_empty() {
            return Some(None);
        }
        self.errors.check(key, parse(&text)).map(Some)
    }

    /// A checkbox group: every value parsed, duplicates dropped.
    fn list<T: Labelled + PartialEq>(&mut self, key: &str) -> Vec<T> {
        let given: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split([',', '，']).map(|s| s.trim().to_owned()).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .collect();
        self.values.insert(key.to_owned(), Value::Array(given.iter().cloned().map(Value::String).collect()));
        let mut out = Vec::new();
        for v in &given {
            match T::parse(v) {
                Ok(x) if !out.contains(&x) => out.push(x),
                Ok(_) => {}
                Err(e) => {
                    if !self.has_error(key) {
                        self.errors.push(key, e);
                    }
                }
            }
        }
        out
    }
}

/// The form field a validation error of the profile or need belongs to.
fn form_field(validated: &str) -> &'static str {
    match validated {
        "established" => "established",
        "employees" => "employees",
        "invention_patents" => "patents",
        "trademarks" => "trademarks",
        "amount" => "amount",
        "term" => "term",
        "purpose_text" => "purpose_text",
        "needed_within_days" => "within_days",
        f if f.starts_with("receivables") => "receivables",
        f if f.starts_with("procurement_contracts") => "procurement",
        _ => "form",
    }
}

/// Parses the matching form's query string, on `today` (for the date checks and the default date), reading
/// the district as seen from `home` (a code, a name, or a first-deployment machine name).
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn parse_match_form(raw: Option<&str>, today: NaiveDate, home: &HomeArea) -> ParsedForm {
    let raw = raw.unwrap_or("");
    let mut r = Reader { pairs: Vec::new(), values: Map::new(), errors: FieldErrors::default() };
    if raw.len() > MAX_RAW_QUERY_BYTES {
        r.errors.push("form", ValueError::Invalid(format!("填写的内容过长（超过 {MAX_RAW_QUERY_BYTES} 字节）")));
    } else {
        r.pairs = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    }
    let submitted = r.pairs.iter().any(|(k, _)| is_field(k)) || !r.errors.is_empty();

    // 企业画像
    let first = default_district(home).map(District::code).unwrap_or_default();
    let district: Option<District> = r.required_or("district", &first, |v| District::parse(v, home));
    if let Some(d) = district {
        // The form's choices are codes: a name or an old machine name selects its district again.
        r.values.insert("district".to_owned(), Value::String(d.code()));
    }
    let industry: Option<Industry> = r.required("industry", labelled);
    let established = r.required_or("established", &default_established(today).to_string(), date);
    let employees = r.required("employees", count);
    let revenue = r.required("revenue", parse_wan);
    let tax_grade = r.required("tax_grade", |v| match v {
        "unknown" | "不清楚" => Ok(None),
        v => labelled::<TaxCreditGrade>(v).map(Some),
    });
    let borrowed = r.required("borrowed", tristate);
    let overdue_kind = r.required("overdue", overdue);
    let overdue_months = r.optional("overdue_months", count_u16);
    let assets = r.optional("assets", parse_wan);
    let liabilities = r.optional("liabilities", parse_wan);
    let tax_paid = r.optional("tax_paid", parse_wan);
    let patents = r.optional("patents", count);
    let trademarks = r.optional("trademarks", count);
    let qualifications: Vec<Qualification> = r.list("qual");
    let sectors: Vec<PrioritySector> = r.list("sector");
    let receivables = r.required("receivables", tristate);
    let procurement = r.required("procurement", tristate);
    let owned: Vec<Collateral> = r.list("owned");

    // 融资需求
    let amount = r.required("amount", parse_wan);
    let term = r.required("term", Months::parse);
    let purpose: Option<LoanPurpose> = r.required("purpose", labelled);
    let purpose_text = r.text("purpose_text", "");
    let offer: Vec<Collateral> = r.list("offer");
    let max_cost = r.optional("max_cost", Bps::parse_percent);
    let within_days = r.optional("within_days", count_u16);
    let guarantee = r.required("guarantee", yes_no);
    let repayment: Option<Option<RepaymentMethod>> = r.optional("repayment", labelled);

    // Checks across fields and of zero values, in words about this form.
    if amount == Some(Fen::ZERO) {
        r.errors.push("amount", ValueError::Invalid("融资金额须大于 0".to_owned()));
    }
    if max_cost == Some(Some(Bps::ZERO)) {
        r.errors.push("max_cost", ValueError::Invalid("须大于 0%".to_owned()));
    }
    let overdue = match (overdue_kind, overdue_months) {
        (Some(Overdue::Never | Overdue::Unknown), Some(Some(_))) => {
            r.errors.push(
                "overdue_months",
                ValueError::Invalid("填写了逾期月数时，请在“逾期记录”中选择“有过逾期”，或清空此项".to_owned()),
            );
            None
        }
        (Some(Overdue::Never), _) => Some(OverdueHistory::Never),
        (Some(Overdue::MonthsAgo), Some(Some(months))) => Some(OverdueHistory::MonthsAgo { months }),
        (Some(Overdue::MonthsAgo), Some(None)) => {
            r.errors.push(
                "overdue_months",
                ValueError::Invalid("选择“有过逾期”时，请填写最近一次逾期距今几个月".to_owned()),
            );
            None
        }
        _ => None,
    };
    // A debt ratio needs both totals: liabilities alone would be ignored without a word.
    if matches!(liabilities, Some(Some(_))) && assets == Some(None) {
        r.errors
            .push("assets", ValueError::Invalid("已填写负债总额，请同时填写资产总额（用于计算资产负债率）".to_owned()));
    }

    // A "有" answer stands for one receivable or contract, of the amount asked for: the form asks whether,
    // not how much.
    let stated_amount = amount.filter(|a| *a > Fen::ZERO).unwrap_or(Fen::yuan(1));
    let Some(district) = district.or_else(|| default_district(home)) else {
        return ParsedForm { submitted, values: r.values, errors: r.errors, input: None };
    };
    let profile = EnterpriseProfile {
        uscc: None,
        name: String::new(),
        district,
        industry: industry.unwrap_or(Industry::Other),
        // The checkboxes are on the form: what it sends is an explicit list (none ticked: none).
        sectors: Some(sectors),
        established: established.unwrap_or_else(|| default_established(today)),
        registered_capital: None,
        employees: employees.unwrap_or(0),
        revenue: revenue.unwrap_or(Fen::ZERO),
        total_assets: assets.flatten(),
        total_liabilities: liabilities.flatten(),
        tax_credit_grade: tax_grade.flatten(),
        tax_paid: tax_paid.flatten(),
        qualifications: Some(qualifications),
        invention_patents: patents.flatten(),
        trademarks: trademarks.flatten(),
        copyrights: None,
        collateral: owned,
        receivables: receivables.flatten().map(|has| {
            if has {
                vec![Receivable { debtor: "核心企业".to_owned(), amount: stated_amount, core_enterprise: true }]
            } else {
                Vec::new()
            }
        }),
        procurement_contracts: procurement.flatten().map(|has| {
            if has {
                vec![ProcurementContract { buyer: "政府采购单位".to_owned(), amount: stated_amount }]
            } else {
                Vec::new()
            }
        }),
        outstanding_loans: None,
        ever_borrowed: borrowed.flatten(),
        overdue,
    };
    let need = FinancingNeed {
        amount: amount.unwrap_or(Fen::yuan(1)),
        term: term.unwrap_or(Months::MIN),
        purpose: purpose.unwrap_or(LoanPurpose::Other),
        purpose_text,
        max_annual_cost: max_cost.flatten(),
        needed_within_days: within_days.flatten(),
        collateral_offered: offer,
        accepts_guarantee: guarantee.unwrap_or(true),
        repayment: repayment.flatten(),
    };

    // The domain's own checks, for the fields not already reported.
    let mut checked = FieldErrors::default();
    if let Err(e) = profile.validate(today) {
        checked.0.extend(e.0);
    }
    if let Err(e) = need.validate() {
        checked.0.extend(e.0);
    }
    for mut e in checked.0 {
        e.field = form_field(&e.field).to_owned();
        if !r.has_error(&e.field) {
            r.errors.0.push(e);
        }
    }

    // Report in the order of the form.
    let position = |field: &str| FIELDS.iter().position(|(n, _, _)| *n == field).unwrap_or(usize::MAX);
    r.errors.0.sort_by_key(|e| position(&e.field));

    let input = (submitted && r.errors.is_empty()).then_some((profile, need));
    ParsedForm { submitted, values: r.values, errors: r.errors, input }
}

/// The profile form's values for a stored profile (the inverse of the form's parsing). A list the profile
/// does not give shows nothing ticked: the form then gives it as none.
#[must_use]
pub fn profile_values(p: &EnterpriseProfile) -> Map<String, Value> {
    let wan = |v: Option<Fen>| v.map(wan_input).unwrap_or_default();
    let count = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    let tri = |v: Option<bool>| v.map_or("unknown", |yes| if yes { "yes" } else { "no" });
    let (overdue, months) = match p.overdue {
        None => ("unknown", String::new()),
        Some(OverdueHistory::Never) => ("never", String::new()),
        Some(OverdueHistory::MonthsAgo { months }) => ("months", months.to_string()),
    };
    // The vocabularies' values serialise as their codes.
    object(json!({
        "name": p.name, "district": p.district, "industry": p.industry, "established": p.established.to_string(),
        "employees": p.employees.to_string(), "revenue": wan_input(p.revenue),
        "tax_grade": p.tax_credit_grade.map_or("unknown", |g| g.as_str()), "borrowed": tri(p.ever_borrowed),
        "overdue": overdue, "overdue_months": months, "assets": wan(p.total_assets),
        "liabilities": wan(p.total_liabilities), "tax_paid": wan(p.tax_paid), "patents": count(p.invention_patents),
        "trademarks": count(p.trademarks), "qual": p.qualification_list(), "sector": p.sector_list(),
        "receivables": tri(p.has_core_receivables()), "procurement": tri(p.has_procurement_contract()),
        "owned": p.collateral,
    }))
}

/// The bad fields of a refused save of the profile, named as the form's fields (`form` for one the form does
/// not show); any other failure is passed on.
///
/// # Errors
/// `refused` itself, unless it is a 400 naming bad fields.
pub fn refused_save(refused: ApiError) -> Result<FieldErrors, ApiError> {
    if refused.status != StatusCode::BAD_REQUEST {
        return Err(refused);
    }
    let mut errors = FieldErrors::default();
    for f in refused.body.errors {
        let known = f.field == "name" || is_profile_field(&f.field);
        errors.push(if known { f.field } else { "form".to_owned() }, ValueError::Invalid(f.message));
    }
    if errors.is_empty() {
        errors.push("form", ValueError::Invalid(refused.body.message));
    }
    Ok(errors)
}

/// The matching form's query string of a stored profile's values (its need part left to the defaults): how
/// the matching page starts for a signed-in firm.
#[must_use]
pub fn profile_query(p: &EnterpriseProfile) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in profile_values(p) {
        match value {
            Value::Array(list) => {
                for v in list.iter().filter_map(Value::as_str) {
                    query.append_pair(&key, v);
                }
            }
            Value::String(v) if is_profile_field(&key) => {
                query.append_pair(&key, &v);
            }
            _ => {}
        }
    }
    query.finish()
}

/// The profile fields of the matching form: those before its need part, which starts at `amount`.
pub fn profile_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|(name, _, _)| *name).take_while(|name| *name != "amount")
}

#[must_use]
pub fn is_profile_field(name: &str) -> bool {
    profile_fields().any(|f| f == name)
}

/// The profile a posted form (the profile page's, or the matching page's 保存到企业档案) describes, on top of
/// the stored one (what the form does not ask is kept), or every bad field (named as the form's fields).
pub fn profile_from_form(
    form: &Form,
    current: &EnterpriseProfile,
    home: &HomeArea,
) -> Result<EnterpriseProfile, FieldErrors> {
    // Only the profile part of the matching form is read: its need part takes its defaults.
    let only_profile: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.0.iter().filter(|(k, _)| is_profile_field(k)))
        .finish();
    let parsed = parse_match_form(Some(&only_profile), today(), home);
    let mut errors = FieldErrors::default();
    // The profile page asks for the name; the matching page does not, and keeps the stored one.
    let name = form.get("name").map_or_else(|| current.name.clone(), |n| n.trim().to_owned());
    if name.is_empty() {
        errors.push("name", ValueError::Empty);
    } else if name.chars().count() > finmart_domain::MAX_TEXT_CHARS {
        errors.push("name", ValueError::TooLarge { max: format!("{} 个字", finmart_domain::MAX_TEXT_CHARS) });
    }
    errors.0.extend(parsed.errors.0.into_iter().filter(|e| e.field == "form" || is_profile_field(&e.field)));
    let Some((mut profile, _)) = parsed.input.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push("form", ValueError::Invalid("表单内容无效，请检查后重试".to_owned()));
        }
        return Err(errors);
    };
    profile.uscc.clone_from(&current.uscc);
    profile.name = name;
    profile.registered_capital = current.registered_capital;
    profile.copyrights = current.copyrights;
    profile.outstanding_loans = current.outstanding_loans;
    // The form asks whether, not how much: an unchanged answer keeps the stored details.
    if profile.has_core_receivables() == current.has_core_receivables() {
        profile.receivables.clone_from(&current.receivables);
    }
    if profile.has_procurement_contract() == current.has_procurement_contract() {
        profile.procurement_contracts.clone_from(&current.procurement_contracts);
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_district_is_read_from_the_home_area() {
        let shenyang = HomeArea::parse("辽宁省沈阳市").unwrap();
        let raw = "district=%E5%92%8C%E5%B9%B3%E5%8C%BA&industry=software&employees=10&revenue=100";
        let (p, _) = parse_match_form(Some(raw), today(), &shenyang).input.unwrap();
        assert_eq!(p.district.code(), "210102", "和平区 is 沈阳's");
        let (p, _) = parse_match_form(Some(raw), today(), &HomeArea::default()).input.unwrap();
        assert_eq!(p.district.code(), "120101", "和平区 is 天津's");
        let first = parse_match_form(Some("amount=200"), today(), &shenyang).input.unwrap().0;
        assert_eq!(first.district.division().parent().map(|c| c.code()), Some(210_100), "the default is at home");
        assert!(choices(&shenyang)["districts"].as_array().unwrap().iter().any(|d| d["label"] == "皇姑区"));
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn parse(raw: &str) -> ParsedForm {
        parse_match_form(Some(raw), today(), &HomeArea::default())
    }

    fn ok(raw: &str) -> (EnterpriseProfile, FinancingNeed) {
        let parsed = parse(raw);
        assert!(parsed.errors.is_empty(), "unexpected errors for {raw}: {:?}", parsed.errors);
        parsed.input.expect("an input when nothing is wrong")
    }

    fn bad_fields(raw: &str) -> Vec<String> {
        parse(raw).errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_bare_page_is_not_a_submission_but_shows_the_defaults() {
        for raw in [None, Some(""), Some("lang=en"), Some("utm_source=x")] {
            let parsed = parse_match_form(raw, today(), &HomeArea::default());
            assert!(!parsed.submitted, "{raw:?}");
            assert!(parsed.input.is_none());
            assert!(parsed.errors.is_empty());
            assert_eq!(parsed.values["district"], "120116");
            assert_eq!(parsed.values["established"], "2023-11-22");
            assert_eq!(parsed.values["amount"], "100");
            assert_eq!(parsed.values["qual"], Value::Array(Vec::new()));
        }
    }

    #[test]
    fn defaults_make_a_useful_profile_and_need() {
        let (p, n) = ok("amount=100");
        assert_eq!(p.district.name(), "滨海新区");
        assert_eq!(p.industry, Industry::Software);
        assert_eq!(p.established, NaiveDate::from_ymd_opt(2023, 11, 22).unwrap());
        assert_eq!(p.years_in_operation(today()), 3);
        assert_eq!(p.employees, 20);
        assert_eq!(p.revenue, Fen::wan(500));
        assert_eq!(p.tax_credit_grade, Some(TaxCreditGrade::B));
        assert_eq!(p.overdue, Some(OverdueHistory::Never));
        assert_eq!(p.ever_borrowed, None);
        assert_eq!(p.receivables, None);
        assert_eq!(p.procurement_contracts, None);
        assert!(p.qualifications == Some(Vec::new()) && p.sectors == Some(Vec::new()) && p.collateral.is_empty());
        assert_eq!((n.amount, n.term.get(), n.purpose), (Fen::wan(100), 12, LoanPurpose::WorkingCapital));
        assert!(n.accepts_guarantee);
        assert_eq!((n.max_annual_cost, n.needed_within_days, n.repayment), (None, None, None));
    }

    #[test]
    fn the_whole_form_as_a_browser_sends_it() {
        let raw = "district=heping&industry=industrial&established=2019-05-20&employees=45&revenue=1200\
                   &tax_grade=A&borrowed=no&overdue=months&overdue_months=30&assets=3000&liabilities=1500\
                   &tax_paid=35.5&patents=3&trademarks=&qual=high_tech&qual=specialised&sector=new_materials\
                   &receivables=yes&procurement=no&owned=real_estate&owned=equipment\
                   &amount=300%E4%B8%87&term=3%E5%B9%B4&purpose=equipment&purpose_text=%E4%B9%B0%E8%AE%BE%E5%A4%87\
                   &offer=equipment&max_cost=6.5&within_days=30&guarantee=no&repayment=equal_principal";
        let (p, n) = ok(raw);
        assert_eq!((p.district.code().as_str(), p.industry), ("120101", Industry::Industrial));
        assert_eq!(p.revenue, Fen::wan(1200));
        assert_eq!((p.total_assets, p.total_liabilities), (Some(Fen::wan(3000)), Some(Fen::wan(1500))));
        assert_eq!(p.debt_ratio().and_then(|r| r.percent_text()).as_deref(), Some("50%"));
        assert_eq!(p.tax_paid, Some(Fen::parse_yuan("35.5万").unwrap()));
        assert_eq!((p.invention_patents, p.trademarks), (Some(3), None));
        assert_eq!(p.qualification_list(), [Qualification::HighTech, Qualification::Specialised]);
        assert_eq!(p.sector_list(), [PrioritySector::NewMaterials]);
        assert_eq!(p.has_core_receivables(), Some(true));
        assert_eq!(p.has_procurement_contract(), Some(false));
        assert_eq!(p.collateral, [Collateral::RealEstate, Collateral::Equipment]);
        assert_eq!(p.ever_borrowed, Some(false));
        assert_eq!(p.overdue, Some(OverdueHistory::MonthsAgo { months: 30 }));
        assert_eq!((n.amount, n.term.get(), n.purpose), (Fen::wan(300), 36, LoanPurpose::Equipment));
        assert_eq!(n.purpose_text, "买设备");
        assert_eq!(n.collateral_offered, [Collateral::Equipment]);
        assert_eq!(n.max_annual_cost, Some(Bps::new(650).unwrap()));
        assert_eq!(n.needed_within_days, Some(30));
        assert!(!n.accepts_guarantee);
        assert_eq!(n.repayment, Some(RepaymentMethod::EqualPrincipal));
    }

    #[test]
    fn amounts_are_wan_unless_they_say_otherwise() {
        assert_eq!(ok("revenue=2000万元&amount=50").0.revenue, Fen::wan(2000));
        assert_eq!(ok("amount=50").1.amount, Fen::wan(50));
        assert_eq!(ok("amount=80000元").1.amount, Fen::wan(8));
    }

    #[test]
    fn every_bad_field_is_reported_in_chinese() {
        let raw = "district=mars&industry=&established=2999-01-01&employees=abc&revenue=-1&tax_grade=Z\
                   &borrowed=maybe&overdue=months&overdue_months=&assets=x&patents=1.5&qual=wizard\
                   &amount=0&term=0&purpose=fun&max_cost=0&within_days=0&guarantee=&repayment=never";
        let parsed = parse(raw);
        assert!(parsed.submitted);
        assert!(parsed.input.is_none());
        let fields: Vec<&str> = parsed.errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "district",
                "industry",
                "established",
                "employees",
                "revenue",
                "tax_grade",
                "borrowed",
                "overdue_months",
                "assets",
                "patents",
                "qual",
                "amount",
                "term",
                "purpose",
                "max_cost",
                "within_days",
                "guarantee",
                "repayment",
            ]
        );
        for e in &parsed.errors.0 {
            let zh = e.error.message_zh();
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}: {zh}", e.field);
        }
        let message = |field: &str| {
            parsed.errors.0.iter().find(|e| e.field == field).map(|e| e.error.message_zh()).unwrap_or_default()
        };
        assert_eq!(message("revenue"), "不能为负数");
        assert_eq!(message("industry"), "请填写此项");
        assert!(message("established").contains("晚于今天"), "{}", message("established"));
        assert!(message("employees").contains("不是有效的数字"));
        assert_eq!(message("amount"), "融资金额须大于 0");
        // What was typed is shown again, not replaced by a default.
        assert_eq!(parsed.values["employees"], "abc");
        assert_eq!(parsed.values["revenue"], "-1");
    }

    #[test]
    fn an_empty_required_field_is_an_error_not_a_default() {
        assert_eq!(
            bad_fields("employees=&revenue=&amount=&term=&established="),
            ["established", "employees", "revenue", "amount", "term"]
        );
        assert_eq!(bad_fields("amount=1&amount=2"), ["amount"]);
    }

    #[test]
    fn unknown_answers_are_none() {
        let (p, _) =
            ok("tax_grade=unknown&borrowed=unknown&overdue=unknown&receivables=unknown&procurement=unknown&amount=1");
        assert_eq!(p.tax_credit_grade, None);
        assert_eq!(p.ever_borrowed, None);
        assert_eq!(p.overdue, None);
        assert_eq!(p.receivables, None);
        assert_eq!(p.procurement_contracts, None);
        assert_eq!(p.has_core_receivables(), None);
        let (p, _) = ok("borrowed=yes&receivables=no&procurement=yes&overdue=never&amount=1");
        assert_eq!(p.ever_borrowed, Some(true));
        assert_eq!(p.has_core_receivables(), Some(false));
        assert_eq!(p.has_procurement_contract(), Some(true));
        assert_eq!(p.overdue, Some(OverdueHistory::Never));
        // Optional figures left empty are unknown, not zero.
        let (p, n) = ok("assets=&liabilities=&tax_paid=&patents=&trademarks=&max_cost=&within_days=&repayment=");
        assert_eq!((p.total_assets, p.tax_paid, p.invention_patents), (None, None, None));
        assert_eq!((n.max_annual_cost, n.needed_within_days, n.repayment), (None, None, None));
    }

    #[test]
    fn figures_that_would_be_ignored_are_questioned() {
        assert_eq!(bad_fields("overdue=never&overdue_months=6"), ["overdue_months"]);
        assert_eq!(ok("overdue=months&overdue_months=6").0.overdue, Some(OverdueHistory::MonthsAgo { months: 6 }));
        assert_eq!(ok("overdue=never&overdue_months=").0.overdue, Some(OverdueHistory::Never));
        assert_eq!(bad_fields("liabilities=100&assets="), ["assets"]);
        assert_eq!(bad_fields("liabilities=100"), ["assets"]);
        assert_eq!(
            ok("liabilities=100&assets=400").0.debt_ratio().and_then(|r| r.percent_text()).as_deref(),
            Some("25%")
        );
    }

    #[test]
    fn dates_and_counts_as_people_write_them() {
        let day = |raw: &str| ok(&format!("established={raw}")).0.established;
        let may20 = NaiveDate::from_ymd_opt(2021, 5, 20).unwrap();
        assert_eq!(day("2021-05-20"), may20);
        assert_eq!(day("2021/5/20"), may20);
        assert_eq!(day("2021%E5%B9%B45%E6%9C%8820%E6%97%A5"), may20);
        assert_eq!(day("2021-05"), NaiveDate::from_ymd_opt(2021, 5, 1).unwrap());
        assert_eq!(bad_fields("established=yesterday"), ["established"]);
        assert_eq!(bad_fields("established=1900-01-01"), ["established"]);
        assert_eq!(ok("employees=20%E4%BA%BA").0.employees, 20);
        assert_eq!(ok("within_days=30%E5%A4%A9").1.needed_within_days, Some(30));
        assert_eq!(bad_fields("within_days=4000"), ["within_days"]);
        assert_eq!(bad_fields("employees=99999999999"), ["employees"]);
    }

    #[test]
    fn checkbox_groups_accept_codes_and_labels() {
        let (p, n) =
            ok("qual=%E9%AB%98%E6%96%B0%E6%8A%80%E6%9C%AF%E4%BC%81%E4%B8%9A&qual=high_tech&offer=ip,receivables");
        assert_eq!(p.qualification_list(), [Qualification::HighTech]);
        assert_eq!(n.collateral_offered, [Collateral::IntellectualProperty, Collateral::Receivables]);
        assert_eq!(bad_fields("offer=gold"), ["offer"]);
    }

    #[test]
    fn an_over_long_query_is_refused_as_a_whole() {
        let parsed = parse(&format!("purpose_text={}", "x".repeat(10_000)));
        assert!(parsed.submitted);
        assert_eq!(parsed.errors.0.len(), 1);
        assert_eq!(parsed.errors.0[0].field, "form");
        let long_purpose = parse(&format!("purpose_text={}", "用".repeat(101)));
        assert_eq!(long_purpose.errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["purpose_text"]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod stored_profile_tests {
    use super::*;
    use crate::http::forms::Form;

    fn stored() -> EnterpriseProfile {
        serde_json::from_value(json!({
            "name": "天津测试科技有限公司",
            "district": "heping",
            "industry": "software",
            "sectors": ["new_materials"],
            "established": "2019-05-20",
            "registered_capital": 100_000_000,
            "employees": 45,
            "revenue": 1_234_500_000,
            "total_assets": 3_000_000_000i64,
            "total_liabilities": 1_500_000_000,
            "tax_credit_grade": "A",
            "tax_paid": 35_500_000,
            "qualifications": ["high_tech", "specialised"],
            "invention_patents": 3,
            "copyrights": 7,
            "collateral": ["real_estate"],
            "receivables": [{"debtor": "核心企业甲", "amount": 80_000_000, "core_enterprise": true}],
            "ever_borrowed": false,
            "overdue": {"kind": "months_ago", "months": 30},
        }))
        .unwrap()
    }

    fn form_of(values: &Map<String, Value>) -> Form {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in values {
            match v {
                Value::Array(list) => {
                    pairs.extend(list.iter().filter_map(Value::as_str).map(|s| (k.clone(), s.to_owned())));
                }
                Value::String(s) => pairs.push((k.clone(), s.clone())),
                _ => {}
            }
        }
        Form(pairs)
    }

    #[test]
    fn a_stored_profile_fills_the_form_and_reads_back_the_same() {
        let profile = stored();
        let back = profile_from_form(&form_of(&profile_values(&profile)), &profile, &HomeArea::default()).unwrap();
        assert_eq!(back, profile);
        // Changing an answer replaces what the form cannot show.
        let mut form = form_of(&profile_values(&profile));
        for (k, v) in &mut form.0 {
            if k == "receivables" {
                *v = "no".to_owned();
            }
            if k == "employees" {
                *v = "60人".to_owned();
            }
        }
        let changed = profile_from_form(&form, &profile, &HomeArea::default()).unwrap();
        assert_eq!(changed.receivables, Some(Vec::new()));
        assert_eq!(changed.employees, 60);
        assert_eq!(changed.copyrights, Some(7));
    }

    #[test]
    fn the_matching_form_starts_from_a_stored_profile() {
        let profile = stored();
        let parsed = parse_match_form(
            Some(&profile_query(&profile)),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            &HomeArea::default(),
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let (matched, need) = parsed.input.unwrap();
        assert_eq!((matched.district, matched.industry, matched.employees), (profile.district, profile.industry, 45));
        assert_eq!(matched.qualifications, profile.qualifications);
        assert_eq!(matched.tax_credit_grade, profile.tax_credit_grade);
        assert_eq!(matched.debt_ratio(), profile.debt_ratio());
        assert_eq!(need.amount, Fen::wan(100), "the need takes the defaults");
        // Saved back from the matching form (no name on it), the profile is what it was.
        let form = Form::parse(profile_query(&profile).as_bytes());
        assert_eq!(profile_from_form(&form, &profile, &HomeArea::default()).unwrap(), profile);
    }

    #[test]
    fn a_bad_form_names_its_fields() {
        let form = Form(vec![
            ("name".to_owned(), String::new()),
            ("employees".to_owned(), "abc".to_owned()),
            ("revenue".to_owned(), "-1".to_owned()),
        ]);
        let Err(errors) = profile_from_form(&form, &stored(), &HomeArea::default()) else { panic!("refused") };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "employees", "revenue"]);
        assert!(errors.0.iter().all(|e| e.error.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }
}
