use super::rules::RuleRow;
use super::*;
use finmart_domain::{CollateralTerms, EligibilityRule, Fen, Months, Pricing, ProductSpec, RuleKind};

/// The cells of a spec's record for `columns` (pricing is checked as the record writes it).
fn cells(s: &ProductSpec, columns: &[&str]) -> Vec<Option<String>> {
    let record = ProductRecord::from(("jinhai-bank", s));
    columns.iter().map(|c| record.value(c).map(str::to_owned)).collect()
}

/// A filled-in form: the basics, and `more` (which replaces a basic input of the same name).
fn posted(more: &[(&str, &str)]) -> Form {
    let mut pairs: Vec<(String, String)> = [
        ("code", "FORM-01"),
        ("name", "表单贷"),
        ("family", "credit"),
        ("description", "表单上新建的产品"),
        ("term_unit", "months"),
        ("rate_form", "unstated"),
        ("repayment", "unstated"),
        ("collateral_form", "unstated"),
        ("online", "unstated"),
        ("area_scope", "some"),
        ("districts", "binhai"),
    ]
    .iter()
    .filter(|(k, _)| !more.iter().any(|(m, _)| m == k))
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    pairs.extend(more.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Form(pairs)
}

fn record_of(more: &[(&str, &str)]) -> (ProductRecord, FormErrors) {
    let (form, intent) = ProductForm::from_post(&posted(more));
    assert_eq!(intent, Intent::Save);
    form.to_record()
}

fn spec_of(record: &ProductRecord) -> ProductSpec {
    let mut record = record.clone();
    record.set("institution_code", "jinhai-bank");
    record.validate().unwrap_or_else(|e| panic!("{record:?}: {e}")).spec
}

fn spec(more: &[(&str, &str)]) -> ProductSpec {
    let (record, errors) = record_of(more);
    assert!(errors.is_empty(), "{errors:?}");
    spec_of(&record)
}

fn refused(more: &[(&str, &str)]) -> Vec<String> {
    let (_, errors) = record_of(more);
    assert!(!errors.is_empty(), "{more:?} should be refused");
    errors
        .0
        .iter()
        .map(|(input, zh, en)| {
            assert!(!zh.is_empty() && !en.is_empty());
            input.clone()
        })
        .collect()
}

#[test]
fn what_is_left_empty_or_chosen_unstated_is_unstated() {
    let s = spec(&[]);
    assert!(s.amount.is_unstated() && s.term.is_unstated() && s.pricing == Pricing::NotStated);
    assert_eq!((s.repayment_methods.clone(), s.online, s.decision_days), (None, None, None));
    assert_eq!(s.collateral, CollateralTerms::NotStated);
    assert!(s.more_families.is_empty() && s.policy_support.is_empty() && s.eligibility.is_empty());
    assert_eq!((s.valid_from, s.valid_until), (None, None));
}

#[test]
fn every_section_fills_its_columns() {
    let s = spec(&[
        ("more_families", "tech"),
        ("more_families", "first_loan"),
        ("amount_min", "10"),
        ("amount_max", "1000万元"),
        ("term_min", "1"),
        ("term_max", "3"),
        ("term_unit", "years"),
        ("rate_form", "fixed"),
        ("fixed_min", "3.45"),
        ("fixed_max", "4.8%"),
        ("repayment", "stated"),
        ("repayment_methods", "equal_instalment"),
        ("repayment_methods", "interest_only"),
        ("guarantee_agency_code", "jinmen-guarantee"),
        ("guarantee_fee_pct", "1"),
        ("policy_support", "risk_compensation"),
        ("decision_days", "3"),
        ("online", "true"),
        ("districts", "heping"),
        ("area_other", "江苏省苏州市"),
        ("valid_from", "2026-01-01"),
        ("valid_until", "2027-12-31"),
    ]);
    assert_eq!(s.more_families.len(), 2);
    assert_eq!((s.amount.min(), s.amount.max()), (Some(Fen::wan(10)), Some(Fen::wan(1000))));
    assert_eq!((s.term.min(), s.term.max()), (Months::new(12).ok(), Months::new(36).ok()));
    assert_eq!(cells(&s, &["rate_basis", "rate_max_pct"]), [Some("fixed".into()), Some("4.8".into())]);
    assert_eq!(s.repayment_methods.as_ref().map(Vec::len), Some(2));
    assert_eq!(cells(&s, &["guarantee_fee_min_pct", "guarantee_fee_max_pct"]), [Some("1".into()), Some("1".into())]);
    assert_eq!((s.decision_days, s.online, s.policy_support.len()), (Some(3), Some(true), 1));
    let home = HomeArea::default();
    assert_eq!(s.area, finmart_domain::ServiceArea::from_cell("和平区|江苏省苏州市", &home).unwrap());
    assert!(s.valid_until.is_some());
    assert_eq!(spec(&[("online", "false")]).online, Some(false));
    assert!(spec(&[("area_scope", "city"), ("districts", "heping")]).area.covers_home(&home), "全市 wins");
    assert_eq!(spec(&[("area_scope", "nationwide")]).area, finmart_domain::ServiceArea::Nationwide);
    assert_eq!(spec(&[("area_scope", "unstated")]).area, finmart_domain::ServiceArea::NotStated);
    // Districts asked for and none named, or no choice at all: refused beside the area, never 未说明 unasked.
    for scope in ["some", ""] {
        let (_, errors) = record_of(&[("area_scope", scope), ("districts", "")]);
        assert!(errors.0.iter().any(|(input, _, _)| input == "districts"), "{scope}: {errors:?}");
    }
}

#[test]
fn each_way_of_pricing_writes_its_cells() {
    let s = spec(&[("rate_form", "fixed"), ("fixed_min", "3.2")]);
    assert_eq!(
        cells(&s, &["rate_min_pct", "rate_max_pct", "rate_basis"]),
        [Some("3.2".into()), None, Some("fixed".into())]
    );
    let s = spec(&[("rate_form", "lpr"), ("lpr_tenor", "lpr_5y"), ("lpr_spread", "-20")]);
    assert_eq!(
        cells(&s, &["rate_basis", "lpr_spread_min_bps", "lpr_spread_max_bps"]),
        [Some("lpr_5y".into()), Some("-20".into()), Some("-20".into())]
    );
    let s = spec(&[("rate_form", "lpr"), ("lpr_tenor", "lpr_1y"), ("lpr_spread_unstated", "1")]);
    assert_eq!(
        cells(&s, &["rate_basis", "lpr_spread_min_bps", "lpr_spread_max_bps", "rate_min_pct"]),
        [Some("lpr_1y".into()), None, None, None]
    );
    let s = spec(&[("rate_form", "quoted"), ("quoted_min", "3.5"), ("fixed_min", "9")]);
    assert_eq!(cells(&s, &["rate_basis", "rate_min_pct"]), [None, Some("3.5".into())], "only the chosen way's inputs");
    let s = spec(&[("rate_form", "lpr"), ("lpr_tenor", "lpr_1y"), ("lpr_spread", "50"), ("lpr_spread_max", "150")]);
    assert_eq!(cells(&s, &["lpr_spread_min_bps", "lpr_spread_max_bps"]), [Some("50".into()), Some("150".into())]);
    let s = spec(&[("rate_form", "lpr"), ("lpr_tenor", "lpr_1y"), ("lpr_spread", "50")]);
    assert_eq!(cells(&s, &["lpr_spread_min_bps", "lpr_spread_max_bps"]), [Some("50".into()), Some("50".into())]);
    let s = spec(&[("rate_form", "monthly"), ("monthly_min", "0.6"), ("monthly_max", "0.8")]);
    assert_eq!(cells(&s, &["rate_unit", "rate_min_pct", "rate_max_pct"])[0].as_deref(), Some("monthly"));
    let s = spec(&[("rate_form", "daily"), ("daily_min", "万分之2")]);
    assert_eq!(cells(&s, &["rate_unit"])[0].as_deref(), Some("daily"));
    let s = spec(&[("rate_form", "benchmark"), ("markup_max", "1.3倍")]);
    assert_eq!(
        cells(&s, &["rate_basis", "benchmark_markup_min_pct", "benchmark_markup_max_pct"]),
        [Some("benchmark".into()), None, Some("30".into())]
    );
    assert!(matches!(spec(&[("rate_form", "benchmark")]).pricing, Pricing::Benchmark { .. }), "float not stated");
    // A choice that would say nothing, or nothing chosen, is refused beside its input.
    assert_eq!(refused(&[("rate_form", "fixed")]), ["fixed_min"]);
    assert_eq!(refused(&[("rate_form", "lpr"), ("lpr_tenor", "lpr_1y")]), ["lpr_spread"]);
    assert_eq!(refused(&[("rate_form", "lpr"), ("lpr_spread", "30"), ("lpr_spread_unstated", "1")]), ["lpr_spread"]);
    assert_eq!(refused(&[("rate_form", "")]), ["rate_form"]);
}

#[test]
fn repayment_is_an_explicit_choice() {
    assert_eq!(refused(&[("repayment", "stated")]), ["repayment"]);
    assert_eq!(refused(&[("repayment", "unstated"), ("repayment_methods", "bullet")]), ["repayment"]);
    assert_eq!(refused(&[("repayment", "")]), ["repayment"]);
}

#[test]
fn each_collateral_choice_builds_its_cell() {
    let cell = |more: &[(&str, &str)]| record_of(more).0.value("collateral").map(str::to_owned);
    assert_eq!(cell(&[]), None);
    assert_eq!(cell(&[("collateral_form", "none")]).as_deref(), Some("none"));
    let any = [("collateral_form", "any"), ("collateral_kinds", "real_estate"), ("collateral_kinds", "receivables")];
    assert_eq!(cell(&any).as_deref(), Some("real_estate|receivables"));
    let mut or_credit = any.to_vec();
    or_credit.push(("collateral_unsecured", "1"));
    assert_eq!(cell(&or_credit).as_deref(), Some("none|real_estate|receivables"));
    assert_eq!(
        spec(&or_credit).collateral,
        CollateralTerms::AnyOf {
            unsecured: true,
            kinds: vec![finmart_domain::Collateral::RealEstate, finmart_domain::Collateral::Receivables]
        }
    );
    let all = [("collateral_form", "all"), ("collateral_kinds", "real_estate"), ("collateral_kinds", "guarantee")];
    assert_eq!(cell(&all).as_deref(), Some("real_estate+guarantee"));
    assert!(matches!(spec(&all).collateral, CollateralTerms::AllOf { .. }));
    for bad in [
        vec![("collateral_form", "any")],
        vec![("collateral_form", "any"), ("collateral_unsecured", "1")],
        vec![("collateral_form", "none"), ("collateral_kinds", "equipment")],
        vec![("collateral_form", "all"), ("collateral_kinds", "equipment"), ("collateral_unsecured", "1")],
        vec![("collateral_form", "")],
    ] {
        assert_eq!(refused(&bad), ["collateral_form"], "{bad:?}");
    }
}

/// Every kind of rule: its example reads into a row's inputs and back into the same rule, with a sentence.
#[test]
fn every_rule_kind_round_trips_through_its_row() {
    for kind in RuleKind::ALL {
        let (key, value) = kind.example().split_once('=').unwrap();
        let rule = EligibilityRule::from_key_value(key, value).unwrap();
        let row = RuleRow::of_rule(&rule);
        assert_eq!(row.kind(), Some(*kind));
        assert_eq!(row.rule(), Some(Ok(rule.clone())), "{kind:?}: {row:?}");
        let view = row.view("0", false, true);
        assert_eq!(view["sentence"], rule.describe_zh(), "{kind:?}");
        assert!(view["error"].is_null());
    }
}

#[test]
fn rows_read_plain_inputs() {
    let row = |kind: &str, value: &str, min: &str, max: &str, items: &[&str]| RuleRow {
        kind: kind.to_owned(),
        value: value.to_owned(),
        min: min.to_owned(),
        max: max.to_owned(),
        items: items.iter().map(|i| (*i).to_owned()).collect(),
    };
    let describe = |r: RuleRow| r.rule().unwrap().map(|r| r.describe_zh());
    assert_eq!(describe(row("tax_paid_yuan", "", "", "50", &[])).unwrap(), "上年纳税总额不超过 50 万元");
    assert_eq!(
        describe(row("revenue_yuan", "", "100", "5000", &[])).unwrap(),
        "上年营业收入在 100 万元至 5,000 万元之间"
    );
    assert_eq!(describe(row("employees", "", "", "300", &[])).unwrap(), "从业人员不超过 300 人");
    assert_eq!(
        describe(row("其他条件", "经营者无不良嗜好\n入选区级种子企业库；无赌博", "", "", &[])).unwrap(),
        "经营者无不良嗜好；入选区级种子企业库；无赌博"
    );
    assert_eq!(describe(row("first_loan_only", "", "", "", &[])).unwrap(), "此前未在银行取得过贷款（首贷户）");
    assert_eq!(
        describe(row("qualifications_any", "", "", "", &["high_tech", "seed"])).unwrap(),
        "具有高新技术企业、种子企业资质之一"
    );
    assert_eq!(describe(row("min_tax_credit_grade", "B", "", "", &[])).unwrap(), "纳税信用等级 B 级及以上");
    // Nothing entered, or not a number: the domain's reason, in Chinese.
    assert_eq!(describe(row("min_years_in_operation", "", "", "", &[])).unwrap_err().message_zh(), "不能为空");
    assert!(describe(row("employees", "", "", "", &[])).is_err());
    assert_eq!(
        describe(row("min_years_in_operation", "两年", "", "", &[])).unwrap_err().message_zh(),
        "“两年”不是有效的数字"
    );
    assert!(row("", "", "", "", &[]).rule().is_none() && row("", "", "", "", &[]).is_blank());
}

#[test]
fn rows_become_the_eligibility_cell_and_bad_rows_are_refused_beside_themselves() {
    let (record, errors) = record_of(&[
        ("rule-0-kind", "min_years_in_operation"),
        ("rule-0-shown", "min_years_in_operation"),
        ("rule-0-value", "2"),
        ("rule-3-kind", "other_conditions"),
        ("rule-3-shown", "other_conditions"),
        ("rule-3-value", "经营者无不良嗜好"),
        ("rule-5-kind", ""),
        ("rule-5-shown", ""),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(record.value("eligibility"), Some("min_years_in_operation=2; other_conditions=经营者无不良嗜好"));
    let (_, errors) = record_of(&[
        ("rule-0-kind", "min_years_in_operation"),
        ("rule-0-shown", "min_years_in_operation"),
        ("rule-0-value", "-1"),
        ("rule-1-kind", "tax_paid_yuan"),
        ("rule-1-shown", "tax_paid_yuan"),
        ("rule-1-max", "50"),
        ("rule-2-kind", "tax_paid_yuan"),
        ("rule-2-shown", "tax_paid_yuan"),
        ("rule-2-min", "10"),
    ]);
    let inputs: Vec<&str> = errors.0.iter().map(|(i, ..)| i.as_str()).collect();
    assert_eq!(inputs, ["rule-0", "rule-2"]);
    assert_eq!(errors.0[0].1, "不能为负数");
    assert!(errors.0[1].1.contains("纳税额"), "{}", errors.0[1].1);
}

#[test]
fn the_buttons_change_the_rows_and_keep_everything() {
    let base = [
        ("name", "留着的名字"),
        ("rule-0-kind", "min_years_in_operation"),
        ("rule-0-shown", "min_years_in_operation"),
        ("rule-0-value", "2"),
        ("rule-1-kind", "employees"),
        ("rule-1-shown", "employees"),
        ("rule-1-max", "300"),
    ];
    let mut add = base.to_vec();
    add.extend([("rule_new_kind", "other_conditions"), ("rule_add", "1")]);
    let (form, intent) = ProductForm::from_post(&posted(&add));
    assert_eq!(intent, Intent::AddRule);
    assert_eq!(form.rules.len(), 3);
    assert_eq!(form.rules[2].kind(), Some(RuleKind::OtherConditions));
    assert_eq!(form.view(false, false).0["name"], "留着的名字");
    let mut remove = base.to_vec();
    remove.push(("rule_remove", "0"));
    let (form, intent) = ProductForm::from_post(&posted(&remove));
    assert_eq!(intent, Intent::RemoveRule);
    assert_eq!(form.rules.len(), 1);
    assert_eq!(form.rules[0].max, "300");
    let mut preview = base.to_vec();
    preview.push(("preview", "1"));
    let (form, intent) = ProductForm::from_post(&posted(&preview));
    assert_eq!(intent, Intent::Preview);
    let (_, rows) = form.view(false, true);
    assert_eq!(rows[0]["sentence"], "企业成立满 2 年");
    assert_eq!(rows[1]["sentence"], "从业人员不超过 300 人");
    // A kind changed without the script: the old kind's values are dropped, the new kind's inputs shown.
    let (form, _) = ProductForm::from_post(&posted(&[
        ("rule-0-kind", "other_conditions"),
        ("rule-0-shown", "min_years_in_operation"),
        ("rule-0-value", "2"),
        ("preview", "1"),
    ]));
    assert_eq!(form.rules[0].value, "");
    assert_eq!(form.view(false, true).1[0]["input"], "text");
}

/// A product's record reads into the inputs, and the inputs give back the same product.
#[test]
fn a_record_reads_back_into_the_same_product() {
    let records = [
        vec![
            ("code", "RT-1"),
            ("name", "往返贷"),
            ("family", "credit"),
            ("more_families", "tech|first_loan"),
            ("description", "测试"),
            ("amount_min_yuan", "80000"),
            ("amount_max_yuan", "12345678.9"),
            ("term_min_months", "6"),
            ("term_max_months", "36"),
            ("rate_basis", "lpr_1y"),
            ("lpr_spread_min_bps", "40"),
            ("lpr_spread_max_bps", "175"),
            ("repayment_methods", "equal_instalment|interest_only"),
            ("collateral", "none|real_estate|equipment"),
            ("guarantee_agency_code", "jinmen-guarantee"),
            ("guarantee_fee_pct", "1.2"),
            (
                "eligibility",
                "min_years_in_operation=2; revenue_yuan=1000000..50000000; tax_paid_yuan=..500000; \
                 qualifications_any=high_tech|seed; first_loan_only=true; other_conditions=经营者无不良嗜好|入选区级种子企业库",
            ),
            ("policy_support", "risk_compensation|interest_subsidy"),
            ("decision_days", "3"),
            ("online", "true"),
            ("districts", "binhai|heping"),
            ("valid_from", "2026-01-01"),
            ("valid_until", "2027-12-31"),
        ],
        vec![
            ("code", "RT-2"),
            ("name", "未说明贷"),
            ("family", "mortgage"),
            ("description", "页面只写了最高额度"),
            ("amount_max_yuan", "10000000"),
            ("term_max_months", "36"),
            ("rate_basis", "lpr_5y"),
            ("collateral", "real_estate+guarantee"),
            ("districts", "all"),
        ],
        vec![
            ("code", "RT-3"),
            ("name", "只写利率贷"),
            ("family", "credit"),
            ("description", "x"),
            ("term_min_months", "12"),
            ("rate_min_pct", "3.2"),
            ("collateral", "none"),
            ("online", "false"),
            ("districts", "all"),
        ],
        vec![
            ("code", "RT-4"),
            ("name", "固定贷"),
            ("family", "credit"),
            ("description", "x"),
            ("rate_basis", "fixed"),
            ("rate_max_pct", "6"),
            ("collateral", "equipment"),
            ("districts", "xiqing"),
        ],
    ];
    for pairs in records {
        let record = ProductRecord::from_pairs(pairs);
        let before = spec_of(&record);
        let form = ProductForm::of_record(&record, &HomeArea::default());
        // What the template posts back: every input as shown, rows with their shown kind.
        let mut back = form.inputs.0.clone();
        for (i, row) in form.rules.iter().enumerate() {
            back.push((format!("rule-{i}-kind"), row.kind.clone()));
            back.push((format!("rule-{i}-shown"), row.kind.clone()));
            for (name, value) in [("value", &row.value), ("min", &row.min), ("max", &row.max)] {
                back.push((format!("rule-{i}-{name}"), value.clone()));
            }
            back.extend(row.items.iter().map(|v| (format!("rule-{i}-item"), v.clone())));
        }
        let (again, intent) = ProductForm::from_post(&Form(back));
        assert_eq!(intent, Intent::Save);
        let (after, errors) = again.to_record();
        assert!(errors.is_empty(), "{}: {errors:?}", before.code);
        assert_eq!(spec_of(&after), before, "{}", before.code);
    }
}

#[test]
fn the_records_errors_show_beside_the_inputs_that_fill_their_columns() {
    let (form, _) = ProductForm::from_post(&posted(&[("rate_form", "lpr")]));
    assert_eq!(form.input_of("lpr_spread_min_bps"), "lpr_spread");
    assert_eq!(form.input_of("lpr_spread_max_bps"), "lpr_spread_max");
    assert_eq!(form.input_of("rate_min_pct"), "rate_form", "an LPR price has no rate of its own");
    assert_eq!(form.input_of("amount_min_yuan"), "amount_min");
    assert_eq!(form.input_of("term_max_months"), "term_max");
    assert_eq!(form.input_of("collateral"), "collateral_form");
    assert_eq!(form.input_of("eligibility.min_trademarks"), "rules");
    assert_eq!(form.input_of("name"), "name");
    let (form, _) = ProductForm::from_post(&posted(&[("rate_form", "fixed")]));
    assert_eq!(form.input_of("rate_max_pct"), "fixed_max");
    assert_eq!(form.input_of("rate_basis"), "rate_form");
    let mut errors = FormErrors::default();
    errors.add("rule-1", "不能为负数", "must not be negative");
    errors.add("amount_min", "“十”不是有效的数字", "not a number");
    let (by_input, list) = errors.view(false);
    assert_eq!(by_input["rule-1"], "不能为负数");
    assert_eq!(list[0]["label"], "第 2 条申请条件");
    assert_eq!(list[1]["label"], "最低额度");
}

/// 材料清单 on the form: 未说明 (the default), 无需提供材料, or names one a line; a list with another choice is
/// refused, and a product's list reads back into the same inputs.
#[test]
fn materials_are_unstated_none_or_listed_one_a_line() {
    assert_eq!(spec(&[]).materials, finmart_domain::Materials::NotStated);
    assert_eq!(spec(&[("materials_form", "none")]).materials, finmart_domain::Materials::NoneNeeded);
    let listed = spec(&[("materials_form", "listed"), ("materials_list", "营业执照\r\n\r\n 近一年财务报表 \n")]);
    assert_eq!(listed.materials.names(), ["营业执照", "近一年财务报表"]);
    assert_eq!(refused(&[("materials_form", "none"), ("materials_list", "营业执照")]), ["materials_form"]);
    assert_eq!(refused(&[("materials_form", "listed")]), ["materials_form"]);
    assert_eq!(refused(&[("materials_form", "unstated"), ("materials_list", "营业执照")]), ["materials_form"]);
    let record = ProductRecord::from(("jinhai-bank", &listed));
    let again = ProductForm::of_record(&record, &HomeArea::default());
    assert_eq!(again.inputs.field("materials_form"), "listed");
    assert_eq!(again.inputs.field("materials_list"), "营业执照\n近一年财务报表");
    assert_eq!(spec_of(&again.to_record().0).materials, listed.materials);
    // A record's bad list is shown beside the list.
    assert_eq!(again.input_of("materials"), "materials_list");
}

/// 须经核验的条件 on the form: ticked rules (none by default), read back into the same boxes; one the product has
/// no condition for is refused beside the boxes.
#[test]
fn conditions_to_be_verified_are_ticked_and_must_be_conditions_of_the_product() {
    let grade =
        [("rule-0-kind", "min_tax_credit_grade"), ("rule-0-shown", "min_tax_credit_grade"), ("rule-0-value", "B")];
    assert!(spec(&grade).verified_rules.is_empty());
    let mut ticked = grade.to_vec();
    ticked.push(("verified_rules", "min_tax_credit_grade"));
    let s = spec(&ticked);
    assert_eq!(s.verified_rules.kinds(), [RuleKind::MinTaxCreditGrade]);
    let again = ProductForm::of_record(&ProductRecord::from(("jinhai-bank", &s)), &HomeArea::default());
    assert_eq!(again.ticked("verified_rules"), ["min_tax_credit_grade"]);
    assert_eq!(spec_of(&again.to_record().0).verified_rules, s.verified_rules);
    // Tax paid is not one of this product's conditions: the record names the column, shown beside the boxes.
    let mut wrong = grade.to_vec();
    wrong.push(("verified_rules", "tax_paid_yuan"));
    let (mut record, errors) = record_of(&wrong);
    assert!(errors.is_empty());
    record.set("institution_code", "jinhai-bank");
    let refused = record.validate().unwrap_err();
    assert_eq!(refused.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["verified_rules"]);
    assert_eq!(again.input_of("verified_rules"), "verified_rules");
    assert!(refused.0[0].error.message_zh().contains("纳税额"), "{}", refused.0[0].error.message_zh());
}
