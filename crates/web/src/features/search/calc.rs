//! The loan calculator of the product page: its query parsed and checked against the product (every bad
//! field reported), and the cost of each repayment method shaped for the template.
//!
//! Amounts are in 万元 as on the matching form (`50` is 50 万元; `50万` and `8000元` are read as written).

use crate::http::cost::{
    CostQuery, CostResponse, MethodCost, RangeWords, default_amount, default_term, methods_to_quote, offered,
    product_cost, within,
};
use crate::http::format::{Label, exact_money, parse_wan, percent, span_en, span_zh, wan_input, yuan_text};
use crate::http::forms::errors_view;
use crate::http::lang::Lang;
use crate::http::views::QuoteView;
use axum::http::StatusCode;
use finmart_domain::{Fen, FieldErrors, HomeArea, Labelled, Months, Product, RepaymentMethod, ValueError};
use finmart_matching::{CompiledProduct, POLICY};
use serde_json::{Map, Value, json};

/// The calculator's fields, in the order of the form, with their labels.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("amount", "贷款金额", "Amount"),
    ("term", "期限", "Term"),
    ("method", "还款方式", "Repayment"),
    // The box's own words (who takes the subsidies) come from the subsidy table: see `calc_context`.
    ("subsidised", "享受补贴", "Take the subsidies"),
];

/// Whether the product carries a subsidy some firm can receive, by the subsidy table.
#[must_use]
pub fn has_subsidies(product: &Product) -> bool {
    POLICY.offered_on(&CompiledProduct::new(product))
}

/// Who receives each subsidy the product carries, from the subsidy table, for the calculator's hint.
fn subsidy_rules(product: &Product) -> Vec<Value> {
    let compiled = CompiledProduct::new(product);
    POLICY
        .rows()
        .into_iter()
        .filter(|row| compiled.has_policy(row.policy))
        .map(|row| {
            let who = row.who_text();
            json!({"zh": who.zh, "en": who.en})
        })
        .collect()
}

/// The calculator's form: the values to show, what was wrong, and (when nothing was) the query.
#[derive(Debug)]
pub struct CalcForm {
    pub values: Map<String, Value>,
    pub errors: FieldErrors,
    pub query: Option<CostQuery>,
}

fn single<'a>(pairs: &'a [(String, String)], key: &str, errors: &mut FieldErrors) -> Option<&'a str> {
    let given: Vec<&str> = pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect();
    if given.len() > 1 {
        errors.push(key, ValueError::Invalid("只能填写一个值".to_owned()));
    }
    given.first().copied()
}

/// A field that must be filled (`empty`: what to say when it is not): parsed, then checked against the
/// product unless it was refused already (given twice).
fn required<T>(
    errors: &mut FieldErrors,
    key: &str,
    text: &str,
    empty: &str,
    parse: impl Fn(&str) -> Result<T, ValueError>,
    offered: impl Fn(T) -> Result<T, ValueError>,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        errors.push(key, ValueError::Invalid(empty.to_owned()));
        return None;
    }
    let value = errors.check(key, parse(text))?;
    if errors.0.iter().any(|e| e.field == key) {
        return Some(value);
    }
    errors.check(key, offered(value))
}

/// Parses the calculator's query for `product`, checking amount, term and method against what it offers.
#[must_use]
pub fn parse_calc(raw: Option<&str>, product: &Product) -> CalcForm {
    let spec = &product.spec;
    let raw = raw.unwrap_or("");
    let mut errors = FieldErrors::default();
    let pairs: Vec<(String, String)> = if raw.len() > 8 * 1024 {
        errors.push("amount", ValueError::Invalid("填写的内容过长".to_owned()));
        Vec::new()
    } else {
        form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
    };
    let mut values = Map::new();
    // The text of a field (its default when not given), shown again in the form.
    let mut text = |errors: &mut FieldErrors, key: &str, default: String| {
        let text = single(&pairs, key, errors).map_or(default, str::to_owned);
        values.insert(key.into(), Value::String(text.clone()));
        text
    };

    let amount_text = text(&mut errors, "amount", wan_input(default_amount(product)));
    let amount = required(&mut errors, "amount", &amount_text, "请填写贷款金额", parse_wan, |a| {
        within(&spec.amount, a, &RangeWords::amount(("您填写的是", "you entered")))
    });
    let term_text = text(&mut errors, "term", default_term(product).get().to_string());
    let term = required(&mut errors, "term", &term_text, "请填写期限", Months::parse, |t| {
        within(&spec.term, t, &RangeWords::term(("您填写的是", "you entered")))
    });
    let method_text = text(&mut errors, "method", String::new()).trim().to_owned();
    values.insert("method".into(), Value::String(method_text.clone()));
    let method = match method_text.as_str() {
        "" => Some(None),
        text => errors
            .check("method", RepaymentMethod::parse(text).map_err(ValueError::from).and_then(|m| offered(spec, m)))
            .map(Some),
    };

    // An unticked box sends nothing: the `calc` marker says the form was sent, so nothing means no.
    let sent = pairs.iter().any(|(k, _)| k == "calc");
    let subsidised = match single(&pairs, "subsidised", &mut errors).map(str::trim) {
        Some("true" | "on" | "1" | "yes") => Some(true),
        Some("false" | "off" | "0" | "no" | "") => Some(false),
        Some(other) => {
            let given: String = other.chars().take(20).collect();
            errors.push("subsidised", ValueError::Invalid(format!("应为 true 或 false，实际为“{given}”")));
            None
        }
        None => Some(!sent && has_subsidies(product)),
    };
    let subsidised = subsidised.map(|s| s && has_subsidies(product));
    values.insert("subsidised".into(), Value::Bool(subsidised.unwrap_or(false)));

    let query = match (amount, term, method, subsidised) {
        (Some(amount), Some(term), Some(method), Some(subsidised)) if errors.is_empty() => {
            Some(CostQuery { amount: Some(amount), term: Some(term), method, subsidised, firm: None })
        }
        _ => None,
    };
    CalcForm { values, errors, query }
}

/// The calculator's answer, or the reason it has none, as the field it belongs to and its message.
///
/// # Errors
/// A field and the reason in Chinese (the product's own checks, should one remain after [`parse_calc`]).
pub fn calculate(product: &Product, query: CostQuery, home: &HomeArea) -> Result<CostResponse, (String, String)> {
    product_cost(product, query, home).map_err(|e| {
        let field = e.body.field.clone().unwrap_or_else(|| "amount".to_owned());
        let message = e.body.message.split_once('：').map_or(e.body.message.as_str(), |(_, m)| m).to_owned();
        (field, message)
    })
}

/// One quote's figures for the template (the low end, or the high end of a range).
fn quote_view(s: &QuoteView) -> Value {
    let (total_cost, total_cost_en) = exact_money(s.total_cost_fen);
    json!({
        "rate_text": s.rate_text, "apr_text": s.apr_text, "total_cost": total_cost, "total_cost_en": total_cost_en,
        "assumptions": s.assumptions, "assumptions_en": s.assumptions_en,
    })
}

fn method_view(m: &MethodCost) -> Value {
    let s = &m.summary;
    let (max_payment, max_payment_en) = exact_money(s.max_payment_fen);
    let (interest, interest_en) = exact_money(s.total_interest_fen);
    let (fee, fee_en) = exact_money(s.guarantee_fee_fen);
    let subsidy_fen = s.interest_subsidy_fen + s.fee_subsidy_fen;
    let (subsidy, subsidy_en) = exact_money(subsidy_fen);
    let schedule: Vec<Value> = m
        .schedule
        .iter()
        .map(|i| {
            json!({
                "month": i.month, "principal": yuan_text(i.principal_fen), "interest": yuan_text(i.interest_fen),
                "subsidy": yuan_text(i.interest_subsidy_fen), "payment": yuan_text(i.payment_fen),
                "balance": yuan_text(i.balance_after_fen),
            })
        })
        .collect();
    json!({
        "method": s.method, "rate_text": s.rate_text, "apr_text": s.apr_text,
        "first_payment": s.first_payment_text, "first_payment_en": s.first_payment_text_en,
        "max_payment": max_payment, "max_payment_en": max_payment_en,
        "varies": s.max_payment_fen != s.first_payment_fen,
        "total_interest": interest, "total_interest_en": interest_en,
        "guarantee_fee": fee, "guarantee_fee_en": fee_en, "has_fee": s.guarantee_fee_fen > 0,
        "subsidy": subsidy, "subsidy_en": subsidy_en, "has_subsidy": subsidy_fen > 0,
        "interest_subsidy_rate": percent(s.interest_subsidy_bps),
        "fee_subsidy_rate": percent(s.fee_subsidy_bps),
        "total_cost": s.total_cost_text, "total_cost_en": s.total_cost_text_en,
        "assumptions": s.assumptions, "assumptions_en": s.assumptions_en, "fee_unstated": s.fee_unstated,
        "high": m.high.as_ref().map(quote_view),
        "schedule": schedule,
    })
}

/// The calculator's answer for the template: one entry per method, cheapest first.
#[must_use]
pub fn cost_view(c: &CostResponse) -> Value {
    let amount = Fen::from_fen(c.amount_fen).unwrap_or(Fen::ZERO);
    let term = Months::new(c.term_months).unwrap_or(Months::MIN);
    json!({
        "amount_text": amount.display_zh(), "amount_text_en": amount.display_en(),
        "term_text": term.display_zh(), "term_text_en": term.display_en(),
        "subsidised": c.subsidised,
        "rate_stated": c.rate_stated, "estimate": c.estimate, "rate_is_floor": c.rate_is_floor,
        "methods_assumed": c.methods_assumed,
        "methods": c.methods.iter().map(method_view).collect::<Vec<_>>(),
    })
}

/// The loan calculator's part of the product page's context, and the status it calls for.
#[must_use]
pub fn calc_context(product: &Product, raw: Option<&str>, lang: Lang, home: &HomeArea) -> (Value, StatusCode) {
    let mut parsed = parse_calc(raw, product);
    let mut result = Value::Null;
    if let Some(query) = parsed.query {
        match calculate(product, query, home) {
            Ok(cost) => result = cost_view(&cost),
            Err((field, message)) => parsed.errors.push(field, ValueError::Invalid(message)),
        }
    }
    let label_of = |field: &str| {
        FIELDS.iter().find(|(n, _, _)| *n == field).map_or(("计算器", "Calculator"), |(_, zh, en)| (*zh, *en))
    };
    let (errors, error_list) = errors_view(&parsed.errors, lang, label_of);
    let status = if parsed.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let (amount, term) = (&product.spec.amount, &product.spec.term);
    let (claim, scales) = (POLICY.claim_text(), POLICY.claimed_scales_text());
    let context = json!({
        "product_id": product.id,
        "form": parsed.values,
        "errors": errors,
        "error_list": error_list,
        "result": result,
        "methods": Label::all(&methods_to_quote(&product.spec)),
        "methods_stated": product.spec.repayment_methods.is_some(),
        "rate_stated": product.annual_rate().min().is_some(),
        "rate_line": product.rate_text().line_zh(),
        "rate_line_en": product.rate_text().line_en(),
        "has_subsidies": has_subsidies(product),
        "subsidy_claim": claim.zh, "subsidy_claim_en": claim.en,
        "subsidy_scales": scales.zh, "subsidy_scales_en": scales.en,
        "subsidy_rules": subsidy_rules(product),
        "amount_hint": span_zh(amount, Fen::display_zh),
        "amount_hint_en": span_en(amount, Fen::display_en),
        "term_hint": span_zh(term, Months::display_zh),
        "term_hint_en": span_en(term, Months::display_en),
    });
    (context, status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use finmart_domain::{InstitutionKind, InstitutionRef, LifecycleState};

    /// A citywide credit loan of 10–500 万元 over 3–36 months, with an interest subsidy.
    fn product() -> Product {
        let spec = json!({
            "code": "P1", "name": "测试产品", "family": "credit", "description": "流动资金贷款",
            "amount": {"min": 10_000_000, "max": 500_000_000},
            "term": {"min": 3, "max": 36},
            "pricing": {"kind": "stated", "period": "annual", "notation": "percent",
                        "range": {"min": 40_000, "max": 60_000}, "fixed": true},
            "repayment_methods": ["equal_instalment", "interest_only"],
            "collateral": {"kind": "none_required"}, "guarantee": null, "eligibility": {},
            "policy_support": ["interest_subsidy"],
            "decision_days": 5, "online": false, "area": {"kind": "within", "divisions": ["120000"]},
            "valid_from": "2025-01-01", "valid_until": null,
        });
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Product {
            id: 1,
            institution: InstitutionRef {
                id: 1,
                code: "bank".into(),
                name: "测试银行".into(),
                kind: InstitutionKind::Bank,
            },
            guarantee_agency: None,
            state: LifecycleState::Published,
            spec: serde_json::from_value(spec).unwrap(),
            created_at: at,
            updated_at: at,
            references: finmart_domain::ReferenceRates::default(),
        }
    }

    fn fields(form: &CalcForm) -> Vec<&str> {
        form.errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn defaults_come_from_the_product() {
        let p = product();
        let form = parse_calc(None, &p);
        assert!(form.errors.is_empty());
        assert_eq!(form.values["amount"], "100");
        assert_eq!(form.values["term"], "12");
        let q = form.query.unwrap();
        assert_eq!((q.amount, q.term.map(Months::get), q.method), (Some(Fen::wan(100)), Some(12), None));
        assert!(q.subsidised, "a product with subsidies assumes a small firm until told otherwise");
        let sent = parse_calc(Some("calc=1&amount=50%E4%B8%87&term=6&method=interest_only"), &p).query.unwrap();
        assert_eq!((sent.amount, sent.term.map(Months::get)), (Some(Fen::wan(50)), Some(6)));
        assert_eq!(sent.method, Some(RepaymentMethod::InterestOnly));
        assert!(!sent.subsidised, "an unticked box");
        assert!(parse_calc(Some("calc=1&subsidised=true"), &p).query.unwrap().subsidised);
    }

    #[test]
    fn every_bad_field_against_the_product() {
        let p = product();
        let form = parse_calc(Some("amount=5000&term=48&method=revolving&subsidised=maybe"), &p);
        assert_eq!(fields(&form), ["amount", "term", "method", "subsidised"]);
        assert!(form.query.is_none());
        let message = form.errors.0[0].error.message_zh();
        assert!(message.contains("本产品额度为 10 万元 至 500 万元"), "{message}");
        let message = form.errors.0[0].error.to_string();
        assert_eq!(
            message,
            "outside the product's amount range (CNY 100,000 to CNY 5,000,000): you entered CNY 50,000,000"
        );
        assert_eq!(fields(&parse_calc(Some("amount=-1&term=abc"), &p)), ["amount", "term"]);
        assert_eq!(fields(&parse_calc(Some("amount=&term="), &p)), ["amount", "term"]);
    }

    /// The box and its hint say who receives the subsidies in the subsidy table's words; a fee subsidy on a
    /// loan no agency backs is nothing to offer.
    #[test]
    fn the_subsidy_box_reads_the_subsidy_table() {
        let p = product();
        let (calc, _) = calc_context(&p, None, Lang::Zh, &HomeArea::default());
        assert_eq!(calc["subsidy_claim"], "小型企业、微型企业享受补贴");
        assert_eq!(calc["subsidy_claim"], POLICY.claim_text().zh);
        assert_eq!(calc["subsidy_claim_en"], "Small or micro firm: take the subsidies");
        let rules = calc["subsidy_rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0]["zh"], POLICY.interest.who_text().zh);
        // Ticked: a firm that says it is 小型 or 微型 receives the interest subsidy of the table.
        let ticked = calculate(
            &p,
            parse_calc(Some("calc=1&amount=100&term=12&subsidised=true"), &p).query.unwrap(),
            &HomeArea::default(),
        )
        .unwrap();
        assert!(ticked.subsidised);
        assert_eq!(ticked.methods[0].summary.interest_subsidy_bps, POLICY.interest.amount(400));
        let unticked =
            calculate(&p, parse_calc(Some("calc=1&amount=100&term=12"), &p).query.unwrap(), &HomeArea::default())
                .unwrap();
        assert!(!unticked.subsidised);
        assert_eq!(unticked.methods[0].summary.interest_subsidy_bps, 0);

        let mut fee_only = product();
        fee_only.spec.policy_support = vec![finmart_domain::PolicySupport::GuaranteeFeeSubsidy];
        assert!(!has_subsidies(&fee_only), "no agency, no fee to subsidise");
        fee_only.spec.guarantee =
            Some(serde_json::from_value(json!({"agency_code": "agency", "fee": {"min": 100, "max": 100}})).unwrap());
        assert!(has_subsidies(&fee_only));
    }

    #[test]
    fn the_schedule_has_one_row_a_month() {
        let p = product();
        let q = parse_calc(Some("amount=50&term=18"), &p).query.unwrap();
        let cost = calculate(&p, q, &HomeArea::default()).unwrap();
        let view = cost_view(&cost);
        let methods = view["methods"].as_array().unwrap();
        assert_eq!(methods.len(), 2);
        for m in methods {
            assert_eq!(m["schedule"].as_array().unwrap().len(), 18);
        }
    }

    /// A product priced `pricing` (JSON), with a guarantee fee `fee` when given, at the seeded reference rates.
    fn priced(pricing: Value, fee: Option<Value>) -> Product {
        let mut p = product();
        p.spec.pricing = serde_json::from_value(pricing).unwrap();
        if let Some(fee) = fee {
            p.spec.guarantee = Some(serde_json::from_value(json!({"agency_code": "agency", "fee": fee})).unwrap());
        }
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let publication = |kind, bps, on| finmart_domain::Publication {
            kind,
            rate: finmart_domain::Bps::new(bps).unwrap(),
            published_on: on,
        };
        let all = finmart_domain::ReferenceRates::current(
            [
                publication(finmart_domain::ReferenceKind::Lpr1y, 300, day(2025, 5, 20)),
                publication(finmart_domain::ReferenceKind::Benchmark1y, 435, day(2015, 10, 24)),
            ],
            day(2026, 11, 22),
        );
        p.references = all.only(p.spec.pricing.reference_kinds());
        p
    }

    fn quoted(p: &Product) -> CostResponse {
        calculate(
            p,
            parse_calc(Some("calc=1&amount=100&term=12&method=interest_only"), p).query.unwrap(),
            &HomeArea::default(),
        )
        .unwrap()
    }

    #[test]
    fn quotes_say_what_they_assume_at_both_ends_of_a_range() {
        let p = priced(
            json!({"kind": "lpr", "tenor": "lpr_1y", "spread_bps": {"min": 50, "max": 150}}),
            Some(json!({"min": 50, "max": 150})),
        );
        let c = quoted(&p);
        assert!(c.rate_stated && !c.estimate);
        let m = &c.methods[0];
        assert_eq!(m.summary.rate_bps, 350);
        assert_eq!(
            m.summary.assumptions,
            [
                "按 2025-05-20 公布的 1 年期 LPR 3.00% 加 50BP – 150BP 计，区间取低值：年化 3.5%",
                "担保费按 0.5% – 1.5% 区间取低值 0.5%/年"
            ]
        );
        let high = m.high.as_ref().unwrap();
        assert_eq!(high.rate_bps, 450);
        assert!(high.assumptions[1].contains("区间取高值 1.5%"), "{:?}", high.assumptions);
        assert!(high.total_cost_fen > m.summary.total_cost_fen);

        let monthly = priced(
            json!({"kind": "stated", "period": "monthly", "notation": "percent", "range": {"min": 6000, "max": 6000}, "fixed": false}),
            None,
        );
        let c = quoted(&monthly);
        assert_eq!(c.methods[0].summary.rate_bps, 720);
        assert_eq!(c.methods[0].summary.assumptions, ["月息 0.6% 按 × 12 折算为年化：7.2%"]);
        assert!(c.methods[0].high.is_none());
    }

    #[test]
    fn lpr_without_its_spread_is_only_a_marked_estimate() {
        let p = priced(json!({"kind": "lpr", "tenor": "lpr_1y", "spread_bps": {}}), None);
        let c = quoted(&p);
        assert!(!c.rate_stated && c.estimate);
        let s = &c.methods[0].summary;
        assert!(s.estimate && s.rate_bps == 300);
        assert_eq!(
            s.assumptions,
            ["参考估算：加点幅度未说明，按 1 年期 LPR 3.00%（2025-05-20）本身估算，实际以银行审批为准"]
        );
        let view = cost_view(&c);
        assert_eq!(view["estimate"], true);
        // A rate not stated at all is not quoted.
        let none = priced(json!({"kind": "not_stated"}), None);
        let c = quoted(&none);
        assert!(!c.rate_stated && !c.estimate && c.methods.is_empty());
        // A benchmark rate in the loan's band: 4.35% up 30% is 5.655%, about 5.66%.
        let up = priced(json!({"kind": "benchmark", "markup": {"min": 3000, "max": 3000}}), None);
        let s = &quoted(&up).methods[0].summary;
        assert_eq!((s.rate_bps, s.rate_text.as_str()), (566, "约 5.66%"));
    }
}
