//! Match scores as pages show them: the six components of a score with their labels (a firm's products on
//! 精准匹配, a product's firms on 客户发现, offers on posted needs), and scores in tenths of a point.

use crate::http::page::object;
use serde_json::{Value, json};

/// The score components in display order: key, label, English label.
pub const COMPONENTS: &[(&str, &str, &str)] = &[
    ("cost", "综合成本", "Cost"),
    ("fit", "额度期限匹配", "Fit"),
    ("speed", "审批速度", "Speed"),
    ("collateral", "担保负担", "Collateral"),
    ("policy", "政策支持", "Policy"),
    ("relevance", "用途相关度", "Relevance"),
];

/// One row per score component in display order: its `key`, `label` and `label_en`, with the fields `more`
/// gives for the key (its weight, its value…).
pub fn component_rows(more: impl Fn(&str) -> Value) -> Vec<Value> {
    COMPONENTS
        .iter()
        .map(|(key, zh, en)| {
            let mut row = object(more(key));
            row.extend(object(json!({"key": key, "label": zh, "label_en": en})));
            Value::Object(row)
        })
        .collect()
}

/// `747` tenths as `74.7`.
#[must_use]
pub fn tenths(n: u64) -> String {
    format!("{}.{}", n / 10, n % 10)
}

/// A weighted score (0–100,000) as points out of 100 to one decimal: `74,712` as `74.7`.
#[must_use]
pub fn points(score: u32) -> String {
    tenths(u64::from(score) / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_in_tenths() {
        assert_eq!(tenths(747), "74.7");
        assert_eq!(tenths(0), "0.0");
        assert_eq!(tenths(1000), "100.0");
        assert_eq!(points(74_712), "74.7");
        assert_eq!(points(0), "0.0");
    }
}
