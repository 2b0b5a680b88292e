//! The score components as pages show them: the prospects feature shows the same components with the same
//! labels (and the same `tenths`). A view of the matching crate's `Components` that belongs in the kit
//! (`crate::http::views`), written here until the lead moves it.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_in_tenths() {
        assert_eq!(tenths(747), "74.7");
        assert_eq!(tenths(0), "0.0");
        assert_eq!(tenths(1000), "100.0");
    }
}
