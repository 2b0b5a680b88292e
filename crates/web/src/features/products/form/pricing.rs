//! The 利率 section: one radio choice per way a page states its price, each with its own inputs. Adding a
//! way (月息, 日息, 基准利率上浮…) is one entry of [`PRICING`]: its inputs name the record columns they fill,
//! so reading a product back into the form and mapping the record's errors beside the inputs need nothing
//! more.

use super::FormErrors;
use crate::http::forms::Form as Posted;
use finmart_domain::{Labelled, LprTenor, ProductRecord};
use serde_json::{Value, json};

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PriceKind {
    /// A percentage, `3.45` (a `%` typed is accepted).
    Percent,
    /// An LPR tenor, from a select.
    Tenor,
    /// A spread in basis points, with its own 未说明 box (`<name>_unstated`): the page may say "LPR 加点"
    /// without the spread, which is not the same as a spread of 0.
    Spread,
}

/// One input of a way of pricing, and the record column it fills.
#[derive(Debug)]
pub(super) struct PriceInput {
    pub name: &'static str,
    pub column: &'static str,
    pub label: (&'static str, &'static str),
    pub unit: &'static str,
    pub kind: PriceKind,
}

/// One way a page states its price.
#[derive(Debug)]
pub(super) struct Pricing {
    pub code: &'static str,
    pub label: (&'static str, &'static str),
    pub hint: (&'static str, &'static str),
    pub inputs: &'static [PriceInput],
    /// The `rate_basis` cell this way writes, unless an input writes it.
    pub basis: Option<&'static str>,
    /// The `rate_unit` cell this way writes (月息, 日息), if any.
    pub unit: Option<&'static str>,
    /// At least one of its percentages must be given (else the choice would say nothing).
    pub needs_rate: bool,
    /// Whether a product's record states its price this way.
    pub shows: fn(&ProductRecord) -> bool,
}

const fn percent(name: &'static str, column: &'static str, label: (&'static str, &'static str)) -> PriceInput {
    PriceInput { name, column, label, unit: "%", kind: PriceKind::Percent }
}

fn rate_stated(r: &ProductRecord) -> bool {
    r.value("rate_min_pct").is_some() || r.value("rate_max_pct").is_some()
}

/// Every way of pricing the form offers, in the order shown.
pub(super) const PRICING: &[Pricing] = &[
    Pricing {
        code: "unstated",
        label: ("未说明", "Not stated"),
        hint: (
            "产品介绍未写利率时选此项，页面显示“以银行审批为准”",
            "The page gives no rate: shown as subject to approval",
        ),
        inputs: &[],
        basis: None,
        unit: None,
        needs_rate: false,
        shows: |r| r.value("rate_basis").is_none() && !rate_stated(r),
    },
    Pricing {
        code: "fixed",
        label: ("固定年利率（区间，可只填最低）", "Fixed annual rate (a range; the minimum alone will do)"),
        hint: (
            "如“年利率 3.45%–4.8%”；只写“最低 3.2%”时只填最低",
            "e.g. 3.45%–4.8%; for “from 3.2%” fill only the minimum",
        ),
        inputs: &[
            percent("fixed_min", "rate_min_pct", ("最低年利率", "Lowest annual rate")),
            percent("fixed_max", "rate_max_pct", ("最高年利率", "Highest annual rate")),
        ],
        basis: Some("fixed"),
        unit: None,
        needs_rate: true,
        shows: |r| r.value("rate_basis") == Some("fixed") && period(r).is_none(),
    },
    Pricing {
        code: "lpr",
        label: ("LPR 加点", "LPR plus a spread"),
        hint: (
            "如“1 年期 LPR + 50BP”；页面只写“LPR 加点”未写幅度时，勾选“加点幅度未说明”",
            "e.g. 1-year LPR + 50 bp; when the page says “LPR plus a spread” without the spread, tick “spread not stated”",
        ),
        inputs: &[
            PriceInput {
                name: "lpr_tenor",
                column: "rate_basis",
                label: ("LPR 期限", "LPR tenor"),
                unit: "",
                kind: PriceKind::Tenor,
            },
            PriceInput {
                name: "lpr_spread",
                column: "lpr_spread_min_bps",
                label: (
                    "加点幅度（基点，1 基点 = 0.01%，可为负数；区间时为下限）",
                    "Spread (basis points, 1 bp = 0.01%; may be negative; the lower end of a range)",
                ),
                unit: "BP",
                kind: PriceKind::Spread,
            },
            PriceInput {
                name: "lpr_spread_max",
                column: "lpr_spread_max_bps",
                label: ("加点上限（基点，“LPR+50~150BP”时填 150；单一加点不填）", "Highest spread (bp; for a range)"),
                unit: "BP",
                kind: PriceKind::Percent,
            },
        ],
        basis: None,
        unit: None,
        needs_rate: false,
        shows: |r| r.value("rate_basis").is_some_and(|b| b.starts_with("lpr")),
    },
    Pricing {
        code: "quoted",
        label: ("年利率区间（未说明固定或浮动）", "An annual rate range (fixed or floating not stated)"),
        hint: ("页面只写了年利率而未说明定价方式时选此项", "The page gives a rate but not how it is set"),
        inputs: &[
            percent("quoted_min", "rate_min_pct", ("最低年利率", "Lowest annual rate")),
            percent("quoted_max", "rate_max_pct", ("最高年利率", "Highest annual rate")),
        ],
        basis: None,
        unit: None,
        needs_rate: true,
        shows: |r| r.value("rate_basis").is_none() && rate_stated(r) && period(r).is_none(),
    },
    Pricing {
        code: "monthly",
        label: ("月利率（月息）", "A monthly rate"),
        hint: ("如“月息 0.6%”；平台按月利率 × 12 折算年利率", "e.g. 0.6% a month; shown per year as × 12"),
        inputs: &[
            percent("monthly_min", "rate_min_pct", ("最低月利率", "Lowest monthly rate")),
            percent("monthly_max", "rate_max_pct", ("最高月利率", "Highest monthly rate")),
        ],
        basis: None,
        unit: Some("monthly"),
        needs_rate: true,
        shows: |r| period(r) == Some("monthly"),
    },
    Pricing {
        code: "daily",
        label: ("日利率（日息）", "A daily rate"),
        hint: (
            "如“日息万分之二”填 万分之2 或 0.02；平台按日利率 × 360 折算年利率（一年按 360 天）",
            "e.g. 0.02 (%) a day, that is 2 in ten thousand; shown per year as × 360",
        ),
        inputs: &[
            percent("daily_min", "rate_min_pct", ("最低日利率", "Lowest daily rate")),
            percent("daily_max", "rate_max_pct", ("最高日利率", "Highest daily rate")),
        ],
        basis: None,
        unit: Some("daily"),
        needs_rate: true,
        shows: |r| period(r) == Some("daily"),
    },
    Pricing {
        code: "benchmark",
        label: ("基准利率上浮", "The PBOC benchmark rate, floated"),
        hint: (
            "如“基准利率上浮 30%”两格都填 30；“不超过基准利率的 1.3 倍”只填上限 1.3倍；未写幅度时都不填",
            "e.g. 30% above: 30 in both; “at most 1.3 times”: only the highest, 30; none given: not stated",
        ),
        inputs: &[
            percent("markup_min", "benchmark_markup_min_pct", ("上浮下限", "Lowest float")),
            percent("markup_max", "benchmark_markup_max_pct", ("上浮上限（也可写 1.3倍）", "Highest float")),
        ],
        basis: Some("benchmark"),
        unit: None,
        needs_rate: false,
        shows: |r| r.value("rate_basis") == Some("benchmark"),
    },
];

/// The period a record's rate cells are in, when not per year.
fn period(r: &ProductRecord) -> Option<&str> {
    r.value("rate_unit").filter(|u| !matches!(*u, "annual" | "年利率"))
}

/// The chosen way, by its code.
pub(super) fn chosen(code: &str) -> Option<&'static Pricing> {
    PRICING.iter().find(|p| p.code == code)
}

fn unstated_box(input: &PriceInput) -> String {
    format!("{}_unstated", input.name)
}

/// The record cells of the posted pricing, with what the form itself refuses (no choice; a choice that would
/// say nothing; a spread neither given nor said to be unstated).
pub(super) fn cells(posted: &Posted, errors: &mut FormErrors) -> Vec<(&'static str, String)> {
    let Some(pricing) = chosen(posted.field("rate_form")) else {
        errors.add("rate_form", "请选择利率的说明方式（页面未写利率时选“未说明”）", "Choose how the rate is stated");
        return Vec::new();
    };
    let mut cells: Vec<(&'static str, String)> =
        pricing.basis.map(|b| ("rate_basis", b.to_owned())).into_iter().collect();
    cells.extend(pricing.unit.map(|u| ("rate_unit", u.to_owned())));
    for input in pricing.inputs {
        let typed = posted.field(input.name).trim();
        if input.kind == PriceKind::Spread {
            match (typed.is_empty(), posted.get(&unstated_box(input)).is_some()) {
                (true, false) => errors.add(
                    input.name,
                    "请填写加点幅度，或勾选“加点幅度未说明”",
                    "Enter the spread, or tick “spread not stated”",
                ),
                (false, true) => errors.add(
                    input.name,
                    "已勾选“加点幅度未说明”，请清空加点幅度",
                    "“Spread not stated” is ticked: clear the spread",
                ),
                _ => {}
            }
        }
        if !typed.is_empty() {
            cells.push((input.column, typed.to_owned()));
        }
    }
    // A single spread ("LPR + 50BP") is a range of one point.
    let spread_min = cells.iter().find(|(c, _)| *c == "lpr_spread_min_bps").map(|(_, v)| v.clone());
    if let Some(min) = spread_min
        && !cells.iter().any(|(c, _)| *c == "lpr_spread_max_bps")
    {
        cells.push(("lpr_spread_max_bps", min));
    }
    let rate_given = cells.iter().any(|(c, _)| matches!(*c, "rate_min_pct" | "rate_max_pct"));
    if pricing.needs_rate && !rate_given {
        let first = pricing.inputs.first().map_or("rate_form", |i| i.name);
        errors.add(
            first,
            "请至少填写最低或最高年利率，或选择“未说明”",
            "Enter a lowest or highest rate, or choose “not stated”",
        );
    }
    cells
}

/// The form's inputs for a record's pricing: the way it is stated and each of its inputs.
pub(super) fn inputs_of(record: &ProductRecord) -> Vec<(String, String)> {
    let Some(pricing) = PRICING.iter().find(|p| (p.shows)(record)) else { return Vec::new() };
    let mut out = vec![("rate_form".to_owned(), pricing.code.to_owned())];
    for input in pricing.inputs {
        match record.value(input.column) {
            Some(v) => out.push((input.name.to_owned(), v.to_owned())),
            None if input.kind == PriceKind::Spread => out.push((unstated_box(input), "1".to_owned())),
            None => {}
        }
    }
    out
}

/// The input beside which an error of a pricing column shows, for the chosen way.
pub(super) fn input_of(column: &str, chosen_code: &str) -> Option<&'static str> {
    matches!(
        column,
        "rate_min_pct"
            | "rate_max_pct"
            | "rate_basis"
            | "rate_unit"
            | "lpr_spread_bps"
            | "lpr_spread_min_bps"
            | "lpr_spread_max_bps"
            | "benchmark_markup_min_pct"
            | "benchmark_markup_max_pct"
    )
    .then(|| {
        chosen(chosen_code).and_then(|p| p.inputs.iter().find(|i| i.column == column)).map_or("rate_form", |i| i.name)
    })
}

/// The section as the template draws it.
pub(super) fn view() -> Vec<Value> {
    let tenors: Vec<Value> = LprTenor::ALL
        .iter()
        .map(|t| json!({"code": t.as_str(), "label": t.label_zh(), "label_en": t.label_en()}))
        .collect();
    PRICING
        .iter()
        .map(|p| {
            let inputs: Vec<Value> = p
                .inputs
                .iter()
                .map(|i| {
                    let kind = match i.kind {
                        PriceKind::Percent => "percent",
                        PriceKind::Tenor => "tenor",
                        PriceKind::Spread => "spread",
                    };
                    json!({
                        "name": i.name, "label": i.label.0, "label_en": i.label.1, "unit": i.unit, "kind": kind,
                        "unstated": (i.kind == PriceKind::Spread).then(|| unstated_box(i)),
                        "options": if i.kind == PriceKind::Tenor { tenors.clone() } else { Vec::new() },
                    })
                })
                .collect();
            json!({"code": p.code, "label": p.label.0, "label_en": p.label.1, "hint": p.hint.0, "hint_en": p.hint.1, "inputs": inputs})
        })
        .collect()
}
