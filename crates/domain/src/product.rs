//! Products and institutions: what an institution declares about a product, and the product as stored.

use crate::eligibility::EligibilityRules;
use crate::materials::Materials;
use crate::pricing::{AnnualRate, Pricing, RangeEnd, RateText};
use crate::reference::ReferenceRates;
use crate::verified_rules::VerifiedRules;
use crate::vocab::{Collateral, InstitutionKind, LifecycleState, PolicySupport, ProductFamily, RepaymentMethod};
use crate::{Bps, Fen, Months, ServiceArea, StatedRange, ValueError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a product asks the borrower to pledge, mortgage or have guaranteed, as its page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CollateralTerms {
    /// The page does not say (未说明): never read as 纯信用.
    NotStated,
    /// 纯信用: nothing is pledged.
    NoneRequired,
    /// Any one of these; `unsecured` when credit alone is one of the choices ("信用、抵押、质押均可").
    AnyOf { unsecured: bool, kinds: Vec<Collateral> },
    /// All of these together ("房产抵押 + 保证").
    AllOf { kinds: Vec<Collateral> },
}

impl CollateralTerms {
    /// Reads the terms as an import cell (and the store's column) writes them: `none`/纯信用 (nothing
    /// pledged); kinds separated by `|` (any one of them, with `none` among them when credit alone is also
    /// accepted: 信用、抵押均可); kinds joined by `+` (all of them). An empty cell is 未说明 and is not read
    /// here.
    ///
    /// # Errors
    /// An unknown kind, a repeated one, or `none` among kinds that must all be given.
    pub fn from_cell(v: &str) -> Result<Self, ValueError> {
        use crate::Labelled;
        const UNSECURED: &[&str] = &["none", "无", "信用", "纯信用", "unsecured"];
        if v.contains('+') {
            let mut kinds: Vec<Collateral> = Vec::new();
            for item in v.split('+').map(str::trim).filter(|s| !s.is_empty()) {
                if UNSECURED.contains(&item) {
                    return Err(ValueError::Invalid("“+”连接的是须同时提供的担保方式，不能含“无/信用”".to_owned()));
                }
                let kind = Collateral::parse(item)?;
                if kinds.contains(&kind) {
                    return Err(ValueError::Invalid(format!("“{item}”重复出现")));
                }
                kinds.push(kind);
            }
            return match kinds.len() {
                0 => Err(ValueError::Empty),
                1 => Ok(Self::AnyOf { unsecured: false, kinds }),
                _ => Ok(Self::AllOf { kinds }),
            };
        }
        let items: Vec<&str> = v.split(['|', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()).collect();
        let unsecured = items.iter().any(|i| UNSECURED.contains(i));
        let mut kinds: Vec<Collateral> = Vec::new();
        for item in items.into_iter().filter(|i| !UNSECURED.contains(i)) {
            let kind = Collateral::parse(item)?;
            if kinds.contains(&kind) {
                return Err(ValueError::Invalid(format!("“{item}”重复出现")));
            }
            kinds.push(kind);
        }
        Ok(if kinds.is_empty() { Self::NoneRequired } else { Self::AnyOf { unsecured, kinds } })
    }

    /// The cell [`Self::from_cell`] reads back as these terms (empty for 未说明).
    #[must_use]
    pub fn to_cell(&self) -> String {
        use crate::Labelled;
        let names = |kinds: &[Collateral], sep: &str| kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(sep);
        match self {
            Self::NotStated => String::new(),
            Self::NoneRequired => "none".to_owned(),
            Self::AnyOf { unsecured: true, kinds } => format!("none|{}", names(kinds, "|")),
            Self::AnyOf { unsecured: false, kinds } => names(kinds, "|"),
            Self::AllOf { kinds } => names(kinds, "+"),
        }
    }

    /// Whether a borrower offering `offered` meets the terms: `None` when the terms are not stated.
    #[must_use]
    pub fn met_by(&self, offered: &[Collateral]) -> Option<bool> {
        match self {
            Self::NotStated => None,
            Self::NoneRequired | Self::AnyOf { unsecured: true, .. } => Some(true),
            Self::AnyOf { unsecured: false, kinds } => Some(kinds.iter().any(|k| offered.contains(k))),
            Self::AllOf { kinds } => Some(kinds.iter().all(|k| offered.contains(k))),
        }
    }

    /// Whether a borrower may offer nothing at all.
    #[must_use]
    pub fn unsecured(&self) -> Option<bool> {
        match self {
            Self::NotStated => None,
            Self::NoneRequired | Self::AnyOf { unsecured: true, .. } => Some(true),
            Self::AnyOf { .. } | Self::AllOf { .. } => Some(false),
        }
    }

    /// The kinds the terms name (empty for 纯信用 and 未说明).
    #[must_use]
    pub fn kinds(&self) -> &[Collateral] {
        match self {
            Self::NotStated | Self::NoneRequired => &[],
            Self::AnyOf { kinds, .. } | Self::AllOf { kinds } => kinds,
        }
    }

    /// `纯信用`, `房产抵押或设备抵押`, `信用或房产抵押`, `房产抵押和第三方保证担保`, `未说明`.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        use crate::Labelled;
        let names = |kinds: &[Collateral]| kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>();
        match self {
            Self::NotStated => "未说明".to_owned(),
            Self::NoneRequired => "纯信用".to_owned(),
            Self::AnyOf { unsecured, kinds } => {
                let mut all = if *unsecured { vec!["信用"] } else { Vec::new() };
                all.extend(names(kinds));
                if all.len() > 1 { format!("{}（任选其一）", all.join("、")) } else { all.concat() }
            }
            Self::AllOf { kinds } => names(kinds).join(" + "),
        }
    }

    /// `No collateral`, `Real estate or equipment`, … `Not stated`.
    #[must_use]
    pub fn describe_en(&self) -> String {
        use crate::Labelled;
        let names = |kinds: &[Collateral]| kinds.iter().map(|k| k.label_en()).collect::<Vec<_>>();
        match self {
            Self::NotStated => "Not stated".to_owned(),
            Self::NoneRequired => "No collateral".to_owned(),
            Self::AnyOf { unsecured, kinds } => {
                let mut all = if *unsecured { vec!["Unsecured"] } else { Vec::new() };
                all.extend(names(kinds));
                all.join(" or ")
            }
            Self::AllOf { kinds } => names(kinds).join(" and "),
        }
    }
}

/// A partner guarantee agency and the annual fee rate it charges on the guaranteed amount: a rate, a range
/// ("0.5%–1.5%"), a bound alone, or 未说明 (the page names the agency but not its fee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuaranteeTerms {
    /// The agency's institution code.
    pub agency_code: String,
    pub fee: StatedRange<Bps>,
}

impl GuaranteeTerms {
    /// `1%/年`, `0.5% – 1.5%/年`, `最高 1.5%/年`, `未说明`.
    #[must_use]
    pub fn fee_text_zh(&self) -> String {
        if self.fee.is_unstated() {
            "未说明".to_owned()
        } else {
            format!("{}/年", self.fee.text_zh(Bps::percent_text))
        }
    }

    /// `1% a year`, `0.5% – 1.5% a year`, `Not stated`.
    #[must_use]
    pub fn fee_text_en(&self) -> String {
        if self.fee.is_unstated() {
            "Not stated".to_owned()
        } else {
            format!("{} a year", self.fee.text_en(Bps::percent_text))
        }
    }

    /// The fee rate a quote on `end` of the range uses, and the assumption in Chinese and English. An end the
    /// page leaves out is not guessed: the fee is then left out of the cost (`None`), and the words say so.
    #[must_use]
    pub fn fee_quote(&self, end: RangeEnd) -> (Option<Bps>, String, String) {
        let fee = match end {
            RangeEnd::Low => self.fee.min(),
            RangeEnd::High => self.fee.max(),
        };
        let ranged = self.fee.min().is_some() && self.fee.max().is_some() && self.fee.min() != self.fee.max();
        let (zh, en) = match (fee, ranged, end) {
            (None, _, _) => (
                format!(
                    "担保费率{}，测算未计入担保费，实际成本更高",
                    if self.fee.is_unstated() { "未说明".to_owned() } else { format!("为 {}", self.fee_text_zh()) }
                ),
                "the guarantee fee rate is not stated for this end, so it is left out and the real cost is higher"
                    .to_owned(),
            ),
            (Some(f), true, RangeEnd::Low) => (
                format!("担保费按 {} 区间取低值 {}/年", self.fee.text_zh(Bps::percent_text), f.percent_text()),
                format!(
                    "guarantee fee at the low end of {}: {} a year",
                    self.fee.text_en(Bps::percent_text),
                    f.percent_text()
                ),
            ),
            (Some(f), true, RangeEnd::High) => (
                format!("担保费按 {} 区间取高值 {}/年", self.fee.text_zh(Bps::percent_text), f.percent_text()),
                format!(
                    "guarantee fee at the high end of {}: {} a year",
                    self.fee.text_en(Bps::percent_text),
                    f.percent_text()
                ),
            ),
            (Some(f), false, _) => {
                (format!("担保费 {}/年", f.percent_text()), format!("guarantee fee {} a year", f.percent_text()))
            }
        };
        (fee, zh, en)
    }
}

/// Everything an institution declares about one product: the input of imports and (later) the product form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSpec {
    /// The institution's own product code, unique within the institution: imports upsert by it.
    pub code: String,
    pub name: String,
    /// The main family: the one a product is listed under first, and the one its applications are counted by.
    pub family: ProductFamily,
    /// The further families it also belongs to (a 科技贷 that is also 信用贷款): a set, kept sorted, without
    /// the main family ([`ProductSpec::normalize`]). Search facets and filters treat every family alike; a
    /// further family's search words weigh less than the main one's. Absent in JSON written before products
    /// had them: none.
    #[serde(default)]
    pub more_families: Vec<ProductFamily>,
    pub description: String,
    /// What a page leaves out is 未说明 (`None`, or an unstated bound): never a default that means something
    /// else. Most pages give a maximum amount and no minimum, many give no rate.
    pub amount: StatedRange<Fen>,
    pub term: StatedRange<Months>,
    /// How the rate is set, as the page says it (a fixed range, a monthly or daily rate, LPR + spread, the
    /// benchmark floated, or 未说明).
    pub pricing: Pricing,
    /// The repayment methods offered (never empty when stated).
    pub repayment_methods: Option<Vec<RepaymentMethod>>,
    pub collateral: CollateralTerms,
    pub guarantee: Option<GuaranteeTerms>,
    pub eligibility: EligibilityRules,
    pub policy_support: Vec<PolicySupport>,
    /// Working days from a complete application to a decision.
    pub decision_days: Option<u16>,
    /// Applied for and decided fully online.
    pub online: Option<bool>,
    /// Where the product is offered: 全国, divisions of any level, or 未说明 when the page does not say.
    pub area: ServiceArea,
    /// The first day the product is offered (未说明: from its publication).
    pub valid_from: Option<NaiveDate>,
    /// The last day it is offered (`None`: no end stated).
    pub valid_until: Option<NaiveDate>,
    /// Where the product was read from and when, for a product copied from a public page rather than
    /// listed by its lender; shown wherever the product is. Absent in JSON written before: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ProductSource>,
    /// 材料清单: the documents an applicant provides, as stated (未说明 when the page is silent, which is
    /// not "none needed"). Absent in JSON written before products had lists: 未说明.
    #[serde(default)]
    pub materials: Materials,
    /// The conditions the product requires to be met by a verified fact (纳税信用等级须经税务核验): each one
    /// of its eligibility rules. Absent in JSON written before: none required.
    #[serde(default, skip_serializing_if = "VerifiedRules::is_empty")]
    pub verified_rules: VerifiedRules,
}

/// The public page a product was copied from, and the day it was read: a copied product may be out of date,
/// so the reader is told where to check and how old the copy is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSource {
    /// An `http` or `https` address.
    pub url: String,
    /// The day the page was read.
    pub read_on: NaiveDate,
}

impl ProductSource {
    /// Longest address kept, in characters.
    pub const MAX_URL_CHARS: usize = 500;

    /// # Errors
    /// An address that is not `http(s)://…`, holds white space or is longer than [`Self::MAX_URL_CHARS`].
    pub fn new(url: &str, read_on: NaiveDate) -> Result<Self, ValueError> {
        let url = url.trim();
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|s| url.get(..s.len()).is_some_and(|head| head.eq_ignore_ascii_case(s)) && url.len() > s.len());
        if !scheme_ok {
            return Err(ValueError::Invalid(format!("“{url}”不是网页地址：须以 http:// 或 https:// 开头")));
        }
        if url.chars().any(char::is_whitespace) {
            return Err(ValueError::Invalid("网页地址中不能有空格或换行".to_owned()));
        }
        let chars = url.chars().count();
        if chars > Self::MAX_URL_CHARS {
            return Err(ValueError::Invalid(format!(
                "网页地址最多 {} 个字符，这一个有 {chars} 个",
                Self::MAX_URL_CHARS
            )));
        }
        Ok(Self { url: url.to_owned(), read_on })
    }
}

impl ProductSpec {
    /// Puts set-valued fields in their canonical form (an area is a set of divisions, further families a set
    /// of families; their storage keeps no order), so two specs that mean the same compare equal. A further
    /// family that is the main one says nothing more, and is dropped.
    pub fn normalize(&mut self) {
        if let ServiceArea::Within(list) = &self.area
            && let Ok(area) = ServiceArea::within(list.clone())
        {
            self.area = area;
        }
        let main = self.family;
        self.more_families.retain(|f| *f != main);
        self.more_families.sort_unstable();
        self.more_families.dedup();
    }

    /// Every family of the product: the main one first, then the further ones.
    pub fn families(&self) -> impl Iterator<Item = ProductFamily> + '_ {
        std::iter::once(self.family).chain(self.more_families.iter().copied())
    }

    /// Whether the product belongs to `family`, as its main family or a further one.
    #[must_use]
    pub fn is_in(&self, family: ProductFamily) -> bool {
        self.families().any(|f| f == family)
    }

    /// Whether the validity window includes `day`.
    #[must_use]
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// An institution as other records refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
}

/// An institution: a lender (a bank, micro-credit, leasing, insurance or factoring company, or another
/// financial institution) or a guarantee agency. Its fields follow the rules of [`crate::InstitutionInput`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub id: i64,
    /// A short stable code chosen at onboarding (`jinhai-bank`); import files name institutions by it.
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
    pub intro: String,
}

impl Institution {
    #[must_use]
    pub fn to_ref(&self) -> InstitutionRef {
        InstitutionRef { id: self.id, code: self.code.clone(), name: self.name.clone(), kind: self.kind }
    }
}

/// What is needed to create an institution ([`NewInstitution::check`] holds it to the rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInstitution {
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
    pub intro: String,
}

/// A product as stored: the declared spec plus identity, owner, state and time stamps, and the current
/// publications of the reference rates its pricing follows, as read with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub institution: InstitutionRef,
    /// The partner guarantee agency, resolved from `spec.guarantee`.
    pub guarantee_agency: Option<InstitutionRef>,
    pub state: LifecycleState,
    pub spec: ProductSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The current publications of the reference rates `spec.pricing` follows (none for a rate stated
    /// outright), as read with the product: every copy of it prices it alike.
    #[serde(default)]
    pub references: ReferenceRates,
}

impl Product {
    /// What the product's rate comes to per year over its stated terms, at its reference rates.
    #[must_use]
    pub fn annual_rate(&self) -> StatedRange<AnnualRate> {
        self.spec.pricing.annual(&self.references, &self.spec.term)
    }

    /// The product's rate as pages show it: as written, per year, and how.
    #[must_use]
    pub fn rate_text(&self) -> RateText {
        self.spec.pricing.text(&self.references, &self.spec.term)
    }

    /// Whether the product belongs in the public catalogue on `day`.
    #[must_use]
    pub fn is_listed_on(&self, day: NaiveDate) -> bool {
        self.state == LifecycleState::Published && self.spec.valid_on(day)
    }
}

/// Validates an institution's short code: 2–40 characters of lower-case ASCII letters, digits and `-`.
///
/// # Errors
/// Empty, too long, or with other characters.
pub fn validate_code(code: &str) -> Result<String, crate::ValueError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(crate::ValueError::Empty);
    }
    if code.chars().count() > 40 {
        return Err(crate::ValueError::TooLarge { max: "40 个字符".to_owned() });
    }
    if let Some(bad) = code.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(crate::ValueError::BadCharacter(bad));
    }
    Ok(code.to_owned())
}
