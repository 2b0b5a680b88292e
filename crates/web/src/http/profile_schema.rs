//! The OpenAPI schema of the SME profile ([`EnterpriseProfile`]) and the financing need ([`FinancingNeed`]):
//! every member with its unit and meaning, and the vocabularies' codes from their own tables.
//!
//! The domain crate does no I/O and knows nothing of OpenAPI, so the schemas are mirrors here, named as the
//! domain types are. A test holds each mirror to its domain type's JSON: the same members, the same required
//! ones, so the document cannot drift from what the API reads and writes.
//!
//! [`EnterpriseProfile`]: finmart_domain::EnterpriseProfile
//! [`FinancingNeed`]: finmart_domain::FinancingNeed

#![allow(dead_code)] // The mirrors are never built: only their schemas are read.

use finmart_domain::{
    Collateral, Industry, Labelled, LoanPurpose, PrioritySector, Qualification, RepaymentMethod, TaxCreditGrade,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

/// A code of the vocabulary `T` (its machine name; the Chinese label is read too), each listed with its label.
fn code<T: Labelled>(meaning: &str) -> Object {
    let listed: Vec<String> = T::ALL.iter().map(|v| format!("`{}` {}", v.as_str(), v.label_zh())).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(T::ALL.iter().map(|v| v.as_str())))
        .description(Some(format!("{meaning} Codes: {}.", listed.join(", "))))
        .build()
}

/// A code of the vocabulary `T`, or `null` (a member that may be left out, which the API writes as `null`).
fn optional_code<T: Labelled>(meaning: &str) -> Object {
    let values = T::ALL.iter().map(|v| serde_json::Value::from(v.as_str())).chain([serde_json::Value::Null]);
    let mut object = code::<T>(meaning);
    object.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    object.enum_values = Some(values.collect());
    object
}

/// A list of codes of the vocabulary `T`, or `null` (left out; the API writes it as `null`).
fn codes<T: Labelled>(meaning: &str) -> Array {
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(code::<T>("One code."))
        .description(Some(meaning))
        .unique_items(true)
        .build()
}

fn industry() -> Object {
    code::<Industry>("所属行业 (GB/T 4754 section); with employees, revenue and total assets it decides the scale.")
}

fn tax_credit_grade() -> Object {
    optional_code::<TaxCreditGrade>(
        "纳税信用等级 (tax credit grade), A best. Left out: not given (rules on it are 需补充).",
    )
}

fn sectors() -> Array {
    codes::<PrioritySector>(
        "重点产业 (priority sectors) the firm is in. Left out: not given (a rule on sectors is 需补充, missing); \
         `[]`: in none (such a rule fails).",
    )
}

fn qualifications() -> Array {
    codes::<Qualification>(
        "资质 (qualifications) the firm holds. Left out: not given (a rule on qualifications is 需补充, missing); \
         `[]`: holds none (such a rule fails).",
    )
}

fn collateral() -> Array {
    codes::<Collateral>(
        "Collateral the firm owns and could offer (empty or left out: none). No rule reads it; matching suggests it \
         where a product asks for collateral.",
    )
}

fn collateral_offered() -> Array {
    codes::<Collateral>(
        "Collateral the firm is willing to pledge for this loan (empty or left out: none, unsecured only).",
    )
}

fn purpose() -> Object {
    code::<LoanPurpose>("资金用途 (loan purpose).")
}

fn repayment() -> Object {
    optional_code::<RepaymentMethod>("A preferred repayment method (left out: any).")
}

/// An SME's profile (企业画像): what matching reads about a firm, what an application sends as its snapshot.
/// Money is integer fen (1 元 = 100 fen); figures left out are "not given" (never zero), and a product rule that
/// needs one comes out 需补充 (missing), neither a pass nor a fail.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EnterpriseProfile)]
pub struct ProfileSchema {
    /// 统一社会信用代码 (GB 32100-2015): 18 characters of `0-9A-HJ-NPQRTUWXY` with a check character. Required to
    /// register or store a profile, optional for an anonymous match; it cannot change once stored.
    #[schema(example = "91120116MA05K3XB8F", min_length = 18, max_length = 18)]
    uscc: Option<String>,
    /// 企业名称, at most 100 characters.
    #[schema(example = "天津某某科技有限公司")]
    name: Option<String>,
    /// 所在区县: a 6-digit county-level division code (GB/T 2260), e.g. `120116` 滨海新区; a name within the
    /// deployment's home area (`滨海新区`) is read too.
    #[schema(example = "120116", pattern = r"^\d{6}$")]
    district: String,
    #[schema(schema_with = industry)]
    industry: String,
    #[schema(schema_with = sectors)]
    sectors: Option<Vec<String>>,
    /// 成立日期 (date of establishment), `YYYY-MM-DD`, not in the future nor before 1949-10-01.
    #[schema(example = "2019-05-20", format = Date)]
    established: String,
    /// 注册资本 (registered capital), fen.
    #[schema(minimum = 0)]
    registered_capital: Option<i64>,
    /// 从业人员 (employees), persons.
    #[schema(minimum = 0, maximum = 10_000_000)]
    employees: u32,
    /// 上年营业收入 (last year's revenue), fen.
    #[schema(minimum = 0, example = 1_200_000_000)]
    revenue: i64,
    /// 资产总额 (total assets), fen. Some industries' scale, and every debt-ratio rule, need it.
    #[schema(minimum = 0)]
    total_assets: Option<i64>,
    /// 负债总额 (total liabilities), fen; with total assets it gives the debt ratio (资产负债率).
    #[schema(minimum = 0)]
    total_liabilities: Option<i64>,
    #[schema(schema_with = tax_credit_grade)]
    tax_credit_grade: Option<String>,
    /// 上年纳税总额 (tax paid last year), fen.
    #[schema(minimum = 0)]
    tax_paid: Option<i64>,
    #[schema(schema_with = qualifications)]
    qualifications: Option<Vec<String>>,
    /// 有效发明专利 (invention patents), a count.
    #[schema(minimum = 0, maximum = 10_000_000)]
    invention_patents: Option<u32>,
    /// 注册商标 (registered trademarks), a count.
    #[schema(minimum = 0, maximum = 10_000_000)]
    trademarks: Option<u32>,
    /// 著作权 (copyrights), a count.
    #[schema(minimum = 0, maximum = 10_000_000)]
    copyrights: Option<u32>,
    #[schema(schema_with = collateral)]
    collateral: Option<Vec<String>>,
    /// 应收账款 (receivables). Left out: not stated (rules on core-enterprise receivables are 需补充);
    /// `[]`: none.
    receivables: Option<Vec<ReceivableSchema>>,
    /// 政府采购合同 (won government procurement contracts). Left out: not stated; `[]`: none.
    procurement_contracts: Option<Vec<ProcurementContractSchema>>,
    /// 现有贷款余额 (outstanding loans), fen.
    #[schema(minimum = 0)]
    outstanding_loans: Option<i64>,
    /// Whether the firm ever borrowed from a bank; `false` is a 首贷户 (first-time borrower).
    ever_borrowed: Option<bool>,
    overdue: Option<OverdueSchema>,
}

/// A receivable the firm holds.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Receivable)]
pub struct ReceivableSchema {
    /// The debtor's name, at most 100 characters.
    debtor: String,
    /// The amount owed, fen.
    #[schema(minimum = 0)]
    amount: i64,
    /// The debtor is a core enterprise (核心企业) that confirms the receivable (left out: `false`).
    core_enterprise: Option<bool>,
}

/// A won government procurement contract (政府采购合同).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProcurementContract)]
pub struct ProcurementContractSchema {
    /// The buying body's name, at most 100 characters.
    buyer: String,
    /// The contract's amount, fen.
    #[schema(minimum = 0)]
    amount: i64,
}

/// 逾期记录 (the firm's repayment record): `{"kind": "never"}`, or `{"kind": "months_ago", "months": 30}` for the
/// last overdue repayment this many whole months ago (0: overdue now or this month). Left out: not given.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = OverdueHistory)]
pub enum OverdueSchema {
    /// Never overdue.
    Never,
    /// Last overdue this many whole months ago.
    MonthsAgo {
        #[schema(minimum = 0, maximum = 65535)]
        months: u16,
    },
}

/// What the firm wants now (融资需求).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FinancingNeed)]
pub struct NeedSchema {
    /// The amount, fen (more than 0).
    #[schema(minimum = 1, example = 100_000_000)]
    amount: i64,
    /// The term, months (1–360).
    #[schema(minimum = 1, maximum = 360, example = 12)]
    term: u16,
    #[schema(schema_with = purpose)]
    purpose: String,
    /// The purpose in the firm's own words (at most 100 characters), matched against product texts.
    purpose_text: Option<String>,
    /// The highest effective annual cost the firm accepts, basis points (650 = 6.5 %).
    #[schema(minimum = 1)]
    max_annual_cost: Option<u32>,
    /// Within how many calendar days the money is needed (1–3650).
    #[schema(minimum = 1, maximum = 3650)]
    needed_within_days: Option<u16>,
    #[schema(schema_with = collateral_offered)]
    collateral_offered: Option<Vec<String>>,
    /// Whether the firm accepts a guarantee agency and its fee (left out: `true`).
    accepts_guarantee: Option<bool>,
    #[schema(schema_with = repayment)]
    repayment: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{EnterpriseProfile, FinancingNeed};
    use serde_json::{Value, json};
    use std::collections::BTreeSet;
    use utoipa::PartialSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    /// The members of a mirror's schema, and the required ones.
    fn members<T: PartialSchema>() -> (BTreeSet<String>, BTreeSet<String>) {
        let RefOr::T(Schema::Object(object)) = T::schema() else { panic!("an object schema") };
        (object.properties.keys().cloned().collect(), object.required.iter().cloned().collect())
    }

    /// The members of a JSON value, and those without which the domain type does not read it.
    fn domain_members<T: serde::de::DeserializeOwned>(full: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
        assert!(serde_json::from_value::<T>(full.clone()).is_ok(), "the full value reads: {full}");
        let all: BTreeSet<String> = full.as_object().unwrap().keys().cloned().collect();
        let required = all
            .iter()
            .filter(|key| {
                let mut without = full.clone();
                without.as_object_mut().unwrap().remove(*key);
                serde_json::from_value::<T>(without).is_err()
            })
            .cloned()
            .collect();
        (all, required)
    }

    /// A profile with every member given, as the domain writes it.
    fn full_profile() -> Value {
        let profile: EnterpriseProfile = serde_json::from_value(json!({
            "uscc": "91120116MA05K3XB8F", "name": "天津测试科技有限公司", "district": "120116",
            "industry": "software", "sectors": ["new_materials"], "established": "2019-05-20",
            "registered_capital": 100_000_000, "employees": 45, "revenue": 1_200_000_000,
            "total_assets": 3_000_000_000i64, "total_liabilities": 1_500_000_000, "tax_credit_grade": "A",
            "tax_paid": 35_500_000, "qualifications": ["high_tech"], "invention_patents": 3, "trademarks": 1,
            "copyrights": 7, "collateral": ["real_estate"],
            "receivables": [{"debtor": "核心企业甲", "amount": 80_000_000, "core_enterprise": true}],
            "procurement_contracts": [{"buyer": "某区政府", "amount": 10_000_000}], "outstanding_loans": 0,
            "ever_borrowed": false, "overdue": {"kind": "months_ago", "months": 30},
        }))
        .unwrap();
        serde_json::to_value(profile).unwrap()
    }

    #[test]
    fn the_profile_schema_has_every_member_of_the_domain_profile_and_requires_the_same() {
        assert_eq!(members::<ProfileSchema>(), domain_members::<EnterpriseProfile>(&full_profile()));
        let full = full_profile();
        let receivable = &full["receivables"][0];
        assert_eq!(members::<ReceivableSchema>(), domain_members::<finmart_domain::Receivable>(receivable));
        let contract = &full["procurement_contracts"][0];
        assert_eq!(
            members::<ProcurementContractSchema>(),
            domain_members::<finmart_domain::ProcurementContract>(contract)
        );
    }

    #[test]
    fn the_need_schema_has_every_member_of_the_domain_need_and_requires_the_same() {
        let need: FinancingNeed = serde_json::from_value(json!({
            "amount": 100_000_000, "term": 12, "purpose": "working_capital", "purpose_text": "采购",
            "max_annual_cost": 650, "needed_within_days": 30, "collateral_offered": ["equipment"],
            "accepts_guarantee": false, "repayment": "equal_principal",
        }))
        .unwrap();
        assert_eq!(members::<NeedSchema>(), domain_members::<FinancingNeed>(&serde_json::to_value(need).unwrap()));
    }

    #[test]
    fn the_overdue_record_reads_both_shapes_the_schema_names() {
        let RefOr::T(Schema::OneOf(one_of)) = OverdueSchema::schema() else { panic!("one of two shapes") };
        assert_eq!(one_of.items.len(), 2);
        for shape in [json!({"kind": "never"}), json!({"kind": "months_ago", "months": 3})] {
            assert!(serde_json::from_value::<finmart_domain::OverdueHistory>(shape).is_ok());
        }
    }

    #[test]
    fn vocabularies_list_their_codes() {
        let text = serde_json::to_string(&ProfileSchema::schema()).unwrap();
        for q in Qualification::ALL {
            assert!(text.contains(q.as_str()), "{}", q.as_str());
        }
        assert!(text.contains("需补充"), "omitted lists are explained");
    }
}
