//! The bank's product form in plain words: sections of inputs a loan officer fills without documentation
//! (amounts in 万元, terms in months or years, radio choices with 未说明 where a page may say nothing,
//! checkboxes with Chinese names, and an eligibility builder), turned into the import's [`ProductRecord`] so
//! the record stays the one home of what a valid product is; the record's errors are mapped back beside the
//! inputs that caused them. A product's record reads back into the same inputs, so opening a product and
//! saving it unchanged changes nothing.
//!
//! The form refuses only what the record cannot see: a choice not made, or a choice that contradicts what
//! was ticked under it (纯信用 with a kind of collateral ticked), since either would otherwise silently mean
//! something.

mod area;
mod pricing;
pub mod rules;
#[cfg(test)]
mod tests;

use crate::http::error::ApiError;
use crate::http::format::wan_input;
use crate::http::forms::Form;
use finmart_domain::{
    Collateral, CollateralTerms, EligibilityRules, HomeArea, Labelled, Materials, PolicySupport, ProductFamily,
    ProductRecord, RepaymentMethod,
};
use rules::{MAX_ROWS, RuleRow};
use serde_json::{Map, Value, json};

/// The inputs holding one value.
const SINGLE: &[&str] = &[
    "code",
    "name",
    "family",
    "description",
    "amount_min",
    "amount_max",
    "term_min",
    "term_max",
    "term_unit",
    "rate_form",
    "repayment",
    "collateral_form",
    "collateral_unsecured",
    "guarantee_agency_code",
    "guarantee_fee_pct",
    "decision_days",
    "online",
    "valid_from",
    "valid_until",
    "area_scope",
    "area_other",
    "materials_form",
    "materials_list",
];

/// The checkbox groups.
const MULTI: &[&str] =
    &["more_families", "repayment_methods", "collateral_kinds", "policy_support", "districts", "verified_rules"];

/// The name and label of each input, for the error summary above the form.
const LABELS: &[(&str, &str, &str)] = &[
    ("code", "产品编号", "Product code"),
    ("name", "产品名称", "Product name"),
    ("family", "产品类别", "Product family"),
    ("more_families", "也属于", "Also belongs to"),
    ("description", "产品介绍", "Introduction"),
    ("amount_min", "最低额度", "Lowest amount"),
    ("amount_max", "最高额度", "Highest amount"),
    ("term_min", "最短期限", "Shortest term"),
    ("term_max", "最长期限", "Longest term"),
    ("term_unit", "期限单位", "Term unit"),
    ("rate_form", "利率", "Rate"),
    ("repayment", "还款方式", "Repayment"),
    ("collateral_form", "担保方式", "Collateral"),
    ("guarantee_agency_code", "合作担保机构", "Guarantee agency"),
    ("guarantee_fee_pct", "担保费率", "Guarantee fee"),
    ("rules", "申请条件", "Eligibility"),
    ("policy_support", "政策支持", "Policy support"),
    ("verified_rules", "须经核验的条件", "Conditions to be verified"),
    ("decision_days", "审批时效", "Decision time"),
    ("online", "线上办理", "Online"),
    ("districts", "服务区域", "Area served"),
    ("area_scope", "服务区域", "Area served"),
    ("area_other", "其他地区", "Other areas"),
    ("valid_from", "有效期起", "Valid from"),
    ("valid_until", "有效期止", "Valid until"),
    ("materials_form", "申请材料", "Documents to provide"),
    ("materials_list", "材料清单", "Materials"),
    ("form", "表单", "Form"),
];

/// What the form refuses and what the record refused, by input: (input, 中文, English).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<(String, String, String)>);

impl FormErrors {
    pub fn add(&mut self, input: &str, zh: impl Into<String>, en: impl Into<String>) {
        self.0.push((input.to_owned(), zh.into(), en.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A refusal of the record (a 400 with its bad columns), each beside the input that fills its column.
    pub fn add_api(&mut self, e: &ApiError, form: &ProductForm) {
        for f in &e.body.errors {
            self.add(form.input_of(&f.field), &f.message, &f.message_en);
        }
        if e.body.errors.is_empty() {
            let input = e.body.field.as_deref().map_or("form", |f| form.input_of(f));
            self.add(input, &e.body.message, &e.body.message_en);
        }
    }

    /// By input (messages of one input joined) and as a list with labels, in the page's language.
    pub fn view(&self, en: bool) -> (Map<String, Value>, Vec<Value>) {
        let mut by_input = Map::new();
        let mut list = Vec::new();
        for (input, zh, english) in &self.0 {
            let message = if en { english } else { zh };
            match by_input.get_mut(input) {
                Some(Value::String(s)) => {
                    s.push_str(if en { "; " } else { "；" });
                    s.push_str(message);
                }
                _ => {
                    by_input.insert(input.clone(), Value::from(message.clone()));
                }
            }
            let (label_zh, label_en) = label(input);
            // A condition row is its own target; any other input's is its f- id.
            let anchor = if input.starts_with("rule-") { input.clone() } else { format!("f-{input}") };
            list.push(json!({
                "field": input, "anchor": anchor, "label": if en { label_en } else { label_zh }, "message": message,
            }));
        }
        (by_input, list)
    }
}

/// An input's label; a condition row is 第 n 条条件.
fn label(input: &str) -> (String, String) {
    if let Some(n) = input.strip_prefix("rule-").and_then(|n| n.parse::<usize>().ok()) {
        return (format!("第 {} 条申请条件", n + 1), format!("Condition {}", n + 1));
    }
    let pricing = pricing::PRICING.iter().flat_map(|p| p.inputs).find(|i| i.name == input).map(|i| i.label);
    LABELS
        .iter()
        .find(|(name, ..)| *name == input)
        .map(|(_, zh, en)| (*zh, *en))
        .or(pricing)
        .map_or_else(|| (input.to_owned(), input.to_owned()), |(zh, en)| (zh.to_owned(), en.to_owned()))
}

/// What a post of the form asks for: saving, or one of the buttons that only show the form again (so they
/// work without JavaScript, keeping everything typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Save,
    /// 添加条件: a row of the kind chosen beside the button.
    AddRule,
    /// 删除 on a row.
    RemoveRule,
    /// 预览: every row's sentence, or what is wrong with it.
    Preview,
}

/// The form's inputs: the simple ones as posted (name, value) and the condition rows.
#[derive(Debug, Clone, Default)]
pub struct ProductForm {
    pub inputs: Form,
    pub rules: Vec<RuleRow>,
}

/// A record column's amount in 万元, for its input.
fn wan_of(record: &ProductRecord, column: &str) -> Option<String> {
    record.value(column).map(|v| finmart_domain::Fen::parse_yuan(v).map_or_else(|_| v.to_owned(), wan_input))
}

fn split(cell: Option<&str>, separators: &[char]) -> Vec<String> {
    cell.unwrap_or("").split(separators).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl ProductForm {
    /// A new product: every choice that may be unknown starts at 未说明, shown so.
    pub fn blank(home: &HomeArea) -> Self {
        let inputs = [
            ("area_scope", area::blank_scope(home)),
            ("term_unit", "months"),
            ("rate_form", "unstated"),
            ("lpr_tenor", "lpr_1y"),
            ("repayment", "unstated"),
            ("collateral_form", "unstated"),
            ("online", "unstated"),
            ("materials_form", "unstated"),
        ];
        Self {
            inputs: Form(inputs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            rules: Vec::new(),
        }
    }

    /// The inputs showing an existing product's record.
    pub fn of_record(record: &ProductRecord, home: &HomeArea) -> Self {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                out.push((name.to_owned(), v));
            }
        };
        let own = |column: &str| record.value(column).map(str::to_owned);
        for column in ["code", "name", "family", "description", "guarantee_agency_code", "guarantee_fee_pct"] {
            put(column, own(column));
        }
        for column in ["decision_days", "valid_from", "valid_until"] {
            put(column, own(column));
        }
        for family in split(record.value("more_families"), &['|']) {
            put("more_families", Some(family));
        }
        put("amount_min", wan_of(record, "amount_min_yuan"));
        put("amount_max", wan_of(record, "amount_max_yuan"));
        // A term in whole years reads as years; anything else in months.
        let months: Vec<Option<u32>> = ["term_min_months", "term_max_months"]
            .iter()
            .map(|c| record.value(c).and_then(|v| finmart_domain::Months::parse(v).ok()).map(|m| u32::from(m.get())))
            .collect();
        let years = months.iter().any(Option::is_some) && months.iter().flatten().all(|m| m % 12 == 0);
        put("term_unit", Some(if years { "years" } else { "months" }.to_owned()));
        for (input, m) in ["term_min", "term_max"].iter().zip(&months) {
            put(input, m.map(|m| if years { m / 12 } else { m }.to_string()));
        }
        let priced = pricing::inputs_of(record);
        // The LPR choice starts at the 1-year tenor when the product is priced another way.
        if !priced.iter().any(|(k, _)| k == "lpr_tenor") {
            put("lpr_tenor", Some("lpr_1y".to_owned()));
        }
        for (name, value) in priced {
            put(&name, Some(value));
        }
        match record.value("repayment_methods") {
            None => put("repayment", Some("unstated".to_owned())),
            Some(methods) => {
                put("repayment", Some("stated".to_owned()));
                for m in split(Some(methods), &['|']) {
                    put("repayment_methods", Some(m));
                }
            }
        }
        let terms = record.value("collateral").map_or(Ok(CollateralTerms::NotStated), CollateralTerms::from_cell);
        let (choice, unsecured) = match &terms {
            Ok(CollateralTerms::NotStated) | Err(_) => ("unstated", false),
            Ok(CollateralTerms::NoneRequired) => ("none", false),
            Ok(CollateralTerms::AnyOf { unsecured, .. }) => ("any", *unsecured),
            Ok(CollateralTerms::AllOf { .. }) => ("all", false),
        };
        put("collateral_form", Some(choice.to_owned()));
        if unsecured {
            put("collateral_unsecured", Some("1".to_owned()));
        }
        for kind in terms.as_ref().map(CollateralTerms::kinds).unwrap_or_default() {
            put("collateral_kinds", Some(kind.as_str().to_owned()));
        }
        for support in split(record.value("policy_support"), &['|']).into_iter().filter(|s| s != "none") {
            put("policy_support", Some(support));
        }
        for rule in split(record.value("verified_rules"), &['|']).into_iter().filter(|s| s != "none") {
            put("verified_rules", Some(rule));
        }
        put("online", Some(record.value("online").unwrap_or("unstated").to_owned()));
        match record.value("materials").map(Materials::from_cell) {
            None | Some(Err(_)) => put("materials_form", Some("unstated".to_owned())),
            Some(Ok(Materials::NotStated)) => put("materials_form", Some("unstated".to_owned())),
            Some(Ok(Materials::NoneNeeded)) => put("materials_form", Some("none".to_owned())),
            Some(Ok(Materials::Listed(names))) => {
                put("materials_form", Some("listed".to_owned()));
                put("materials_list", Some(names.join("\n")));
            }
        }
        for (name, value) in area::inputs(record.value("districts"), home) {
            put(name, Some(value));
        }
        let rules = EligibilityRules::parse_line(record.value("eligibility").unwrap_or(""))
            .map(|r| r.rules().iter().map(RuleRow::of_rule).collect())
            .unwrap_or_default();
        Self { inputs: Form(out), rules }
    }

    /// The form as posted, and what the post asks for (a button that only shows the form again is done here).
    pub fn from_post(posted: &Form) -> (Self, Intent) {
        let inputs = Form(
            posted
                .0
                .iter()
                .filter(|(k, _)| SINGLE.contains(&k.as_str()) || MULTI.contains(&k.as_str()) || is_pricing(k))
                .cloned()
                .collect(),
        );
        let mut indices: Vec<usize> = Vec::new();
        for (key, _) in &posted.0 {
            if let Some(i) =
                key.strip_prefix("rule-").and_then(|k| k.strip_suffix("-kind")).and_then(|i| i.parse().ok())
                && !indices.contains(&i)
                && indices.len() < MAX_ROWS
            {
                indices.push(i);
            }
        }
        let mut rules: Vec<RuleRow> = indices
            .iter()
            .map(|i| {
                let field = |name: &str| posted.field(&format!("rule-{i}-{name}")).to_owned();
                let mut row = RuleRow { kind: field("kind"), ..RuleRow::default() };
                // The inputs shown were those of `shown`; when the kind was changed without the script, they
                // belong to another kind and the row starts empty with the new kind's inputs.
                if row.kind == field("shown") {
                    row.value = field("value");
                    row.min = field("min");
                    row.max = field("max");
                    row.items = posted.all(&format!("rule-{i}-item")).into_iter().map(str::to_owned).collect();
                }
                row
            })
            .collect();
        let intent = if posted.get("rule_add").is_some() {
            if rules.len() < MAX_ROWS {
                rules.push(RuleRow { kind: posted.field("rule_new_kind").to_owned(), ..RuleRow::default() });
            }
            Intent::AddRule
        } else if let Some(remove) = posted.get("rule_remove") {
            if let Some(at) = remove.parse::<usize>().ok().and_then(|i| indices.iter().position(|x| *x == i)) {
                rules.remove(at);
            }
            Intent::RemoveRule
        } else if posted.get("preview").is_some() {
            Intent::Preview
        } else {
            Intent::Save
        };
        (Self { inputs, rules }, intent)
    }

    fn field(&self, name: &str) -> &str {
        self.inputs.field(name).trim()
    }

    fn ticked(&self, name: &str) -> Vec<&str> {
        self.inputs.all(name).into_iter().map(str::trim).filter(|v| !v.is_empty()).collect()
    }

    /// The record the inputs say, and what the form itself refuses.
    pub fn to_record(&self) -> (ProductRecord, FormErrors) {
        let mut errors = FormErrors::default();
        let mut cells: Vec<(&str, String)> = Vec::new();
        for column in ["code", "name", "family", "description", "guarantee_agency_code", "guarantee_fee_pct"] {
            cells.push((column, self.field(column).to_owned()));
        }
        for column in ["decision_days", "valid_from", "valid_until"] {
            cells.push((column, self.field(column).to_owned()));
        }
        cells.push(("more_families", self.ticked("more_families").join("|")));
        cells.push(("amount_min_yuan", rules::wan_cell(self.field("amount_min"))));
        cells.push(("amount_max_yuan", rules::wan_cell(self.field("amount_max"))));
        let unit = match self.field("term_unit") {
            "years" => "年",
            "months" | "" => "个月",
            _ => {
                errors.add("term_unit", "请选择期限单位：月或年", "Choose months or years");
                "个月"
            }
        };
        for (input, column) in [("term_min", "term_min_months"), ("term_max", "term_max_months")] {
            let n = self.field(input);
            cells.push((column, if n.is_empty() { String::new() } else { format!("{n}{unit}") }));
        }
        cells.extend(pricing::cells(&self.inputs, &mut errors));
        cells.extend(self.repayment(&mut errors).map(|v| ("repayment_methods", v)));
        cells.extend(self.collateral(&mut errors).map(|v| ("collateral", v)));
        cells.push(("eligibility", self.eligibility(&mut errors)));
        let support = self.ticked("policy_support");
        cells.push(("policy_support", if support.is_empty() { "none".to_owned() } else { support.join("|") }));
        // Unticked: none required (the column's empty cell).
        cells.push(("verified_rules", self.ticked("verified_rules").join("|")));
        match self.field("online") {
            "true" | "false" => cells.push(("online", self.field("online").to_owned())),
            "unstated" => {}
            _ => errors.add("online", "请选择是否全流程线上办理，或选“未说明”", "Choose yes, no or not stated"),
        }
        let area =
            area::cell(self.field("area_scope"), &self.ticked("districts"), self.field("area_other"), &mut errors);
        cells.push(("districts", area));
        cells.extend(self.materials(&mut errors).map(|v| ("materials", v)));
        (ProductRecord::from_pairs(cells), errors)
    }

    /// The `materials` cell: `none`, or the names one a line joined by `|` (empty: 未说明).
    fn materials(&self, errors: &mut FormErrors) -> Option<String> {
        let names: Vec<&str> =
            self.inputs.field("materials_list").lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let mut refuse = |zh: &str, en: &str| {
            errors.add("materials_form", zh, en);
            None
        };
        match self.field("materials_form") {
            "unstated" | "none" if !names.is_empty() => refuse(
                "所选项不列材料：请清空材料清单，或选择“须提供以下材料”",
                "The choice made lists no documents: empty the list, or choose “the documents below”",
            ),
            "unstated" | "" => None,
            "none" => Some("none".to_owned()),
            "listed" if names.is_empty() => {
                refuse("请逐行填写所需材料，或选择“未说明”", "List the documents one a line, or choose “not stated”")
            }
            "listed" => Some(names.join("|")),
            _ => {
                refuse("请选择申请材料（页面未写明时选“未说明”）", "Choose what documents are needed (or “not stated”)")
            }
        }
    }

    fn repayment(&self, errors: &mut FormErrors) -> Option<String> {
        let methods = self.ticked("repayment_methods");
        match self.field("repayment") {
            "unstated" if methods.is_empty() => None,
            "unstated" => {
                errors.add(
                    "repayment",
                    "选择“未说明”时请不要勾选还款方式",
                    "“Not stated” is chosen: untick the methods",
                );
                None
            }
            "stated" if methods.is_empty() => {
                errors.add(
                    "repayment",
                    "请至少勾选一种还款方式，或选择“未说明”",
                    "Tick at least one method, or choose “not stated”",
                );
                None
            }
            "stated" => Some(methods.join("|")),
            _ => {
                errors.add("repayment", "请选择还款方式是否写明", "Choose whether the repayment methods are stated");
                None
            }
        }
    }

    /// The `collateral` cell: `none`, `a|b`, `none|a|b` or `a+b` (empty: 未说明).
    fn collateral(&self, errors: &mut FormErrors) -> Option<String> {
        let kinds = self.ticked("collateral_kinds");
        let unsecured = !self.field("collateral_unsecured").is_empty();
        let mut refuse = |zh: &str, en: &str| {
            errors.add("collateral_form", zh, en);
            None
        };
        match self.field("collateral_form") {
            "unstated" | "none" if !kinds.is_empty() || unsecured => {
                refuse("所选的担保方式下无需勾选具体方式，请取消勾选", "The choice made takes no kinds: untick them")
            }
            "unstated" => None,
            "none" => Some("none".to_owned()),
            "any" | "all" if kinds.is_empty() => {
                refuse("请至少勾选一种抵押、质押或保证方式", "Tick at least one kind of collateral or guarantee")
            }
            "any" if unsecured => Some(format!("none|{}", kinds.join("|"))),
            "any" => Some(kinds.join("|")),
            "all" if unsecured => {
                refuse("“须同时提供”时不能选择“也可纯信用”", "“All of” cannot also be “or unsecured”")
            }
            "all" => Some(kinds.join("+")),
            _ => refuse("请选择担保方式（页面未写明时选“未说明”）", "Choose the collateral terms (or “not stated”)"),
        }
    }

    /// The `eligibility` cell of the rows that read, and an error beside each row that does not.
    fn eligibility(&self, errors: &mut FormErrors) -> String {
        let mut rules = Vec::new();
        let mut seen = Vec::new();
        for (i, row) in self.rules.iter().enumerate() {
            let input = format!("rule-{i}");
            match (row.kind(), row.rule()) {
                _ if row.is_blank() => {}
                (Some(kind), _) if seen.contains(&kind) => errors.add(
                    &input,
                    format!("“{}”已在上面添加过，同一类条件请写在一处", kind.label_zh()),
                    format!("“{}” is already above: state a kind of condition once", kind.label_en()),
                ),
                (Some(kind), Some(Ok(rule))) => {
                    seen.push(kind);
                    rules.push(rule);
                }
                (Some(kind), Some(Err(e))) => {
                    seen.push(kind);
                    errors.add(&input, e.message_zh(), e.to_string());
                }
                _ => errors.add(&input, "请选择条件类型", "Choose the kind of condition"),
            }
        }
        // Kinds are checked once each above, so the rules always make a set.
        EligibilityRules::new(rules).map(|r| r.to_line()).unwrap_or_default()
    }

    /// The input that fills a record column, for its errors.
    pub fn input_of<'a>(&self, column: &'a str) -> &'a str {
        if column.starts_with("eligibility") {
            return "rules";
        }
        if let Some(input) = pricing::input_of(column, self.field("rate_form")) {
            return input;
        }
        match column {
            "amount_min_yuan" => "amount_min",
            "amount_max_yuan" => "amount_max",
            "term_min_months" => "term_min",
            "term_max_months" => "term_max",
            "repayment_methods" => "repayment",
            "collateral" => "collateral_form",
            "materials" => "materials_list",
            "row" | "institution_code" | "institution_name" | "institution_kind" | "state" => "form",
            other => other,
        }
    }

    /// The inputs' values for the template (a checkbox group as a list) and the condition rows, each with its
    /// sentence and, when `show_rule_errors`, what is wrong with it.
    pub fn view(&self, en: bool, show_rule_errors: bool) -> (Map<String, Value>, Vec<Value>) {
        let mut values = Map::new();
        for (key, value) in &self.inputs.0 {
            if MULTI.contains(&key.as_str()) {
                let list = values.entry(key.clone()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = list {
                    items.push(Value::from(value.clone()));
                }
            } else {
                values.entry(key.clone()).or_insert_with(|| Value::from(value.clone()));
            }
        }
        let rows = self.rules.iter().enumerate().map(|(i, r)| r.view(&i.to_string(), en, show_rule_errors)).collect();
        (values, rows)
    }
}

fn is_pricing(name: &str) -> bool {
    pricing::PRICING
        .iter()
        .flat_map(|p| p.inputs)
        .any(|i| name == i.name || name.strip_suffix("_unstated") == Some(i.name))
}

/// The vocabularies the form's selects and checkbox groups offer, by Chinese and English name.
pub fn choices(home: &HomeArea) -> Map<String, Value> {
    fn of<T: Labelled>() -> Value {
        T::ALL.iter().map(|v| json!({"code": v.as_str(), "label": v.label_zh(), "label_en": v.label_en()})).collect()
    }
    let mut map = Map::new();
    map.insert("families".into(), of::<ProductFamily>());
    map.insert("repayment_methods".into(), of::<RepaymentMethod>());
    map.insert("collateral_kinds".into(), of::<Collateral>());
    map.insert("policy_support".into(), of::<PolicySupport>());
    map.insert(
        "verifiable_rules".into(),
        finmart_domain::RULE_FACTS
            .iter()
            .map(|(k, _)| {
                let (by, by_en) = k.verified_by();
                json!({"code": k.as_str(), "label": format!("{}{by}", k.label_zh()), "label_en": format!("{} {by_en}", k.label_en())})
            })
            .collect(),
    );
    map.insert("districts".into(), area::districts(home).into());
    map.insert("area_scopes".into(), area::scopes(home).into());
    map.insert("pricing".into(), pricing::view().into());
    map.insert("rule_kinds".into(), rules::kinds_view().into());
    map.insert(
        "rule_inputs".into(),
        finmart_domain::RuleKind::ALL.iter().map(|k| rules::inputs_view(*k, "__i__")).collect::<Vec<_>>().into(),
    );
    map
}
