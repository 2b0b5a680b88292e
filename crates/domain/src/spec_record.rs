//! A stored product back in the import format, and what changed between two such records.
//!
//! Banks' product forms, versions and reviews all speak the import format ([`crate::COLUMNS`]), so the same
//! validation ([`ProductRecord::validate`]) decides what a valid product is, and a version's "what changed"
//! names the same columns, with the same Chinese labels, as the import template.

use crate::record::column_info;
use crate::{COLUMNS, LifecycleState, ProductRecord, ProductSpec};
use serde::{Deserialize, Serialize};

/// One column that differs between two records: its machine name, its Chinese label (as in the import
/// template) and the values before and after (`None`: empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChange {
    pub column: String,
    pub label_zh: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The Chinese label of an import column (the column's own name when it is not one).
#[must_use]
pub fn column_label_zh(column: &str) -> String {
    column_info().into_iter().find(|c| c.name == column).map_or_else(|| column.to_owned(), |c| c.label_zh.to_owned())
}

impl ProductRecord {
    /// The record of a stored product: its spec, its institution's code and its state.
    #[must_use]
    pub fn from_spec(spec: &ProductSpec, state: LifecycleState, institution_code: &str) -> Self {
        use crate::Labelled;
        let mut record = Self::from((institution_code, spec));
        record.set("state", state.as_str());
        record
    }

    /// The record as a JSON object of column → text (empty columns left out).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        COLUMNS
            .iter()
            .filter_map(|c| self.value(c).map(|v| ((*c).to_owned(), serde_json::Value::String(v.to_owned()))))
            .collect()
    }

    /// The columns that differ from `before` (every filled column when there is no `before`), in the order
    /// of [`COLUMNS`].
    #[must_use]
    pub fn changes_from(&self, before: Option<&Self>) -> Vec<ColumnChange> {
        COLUMNS
            .iter()
            .filter_map(|column| {
                let old = before.and_then(|b| b.value(column));
                let new = self.value(column);
                (old != new).then(|| ColumnChange {
                    column: (*column).to_owned(),
                    label_zh: column_label_zh(column),
                    before: old.map(str::to_owned),
                    after: new.map(str::to_owned),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProductSpec {
        ProductRecord::from_pairs([
            ("institution_code", "b"),
            ("code", "P-1"),
            ("name", "科创信用贷"),
            ("family", "credit"),
            ("description", "纯信用"),
            ("amount_min_yuan", "100000"),
            ("amount_max_yuan", "300万"),
            ("term_min_months", "6"),
            ("term_max_months", "36"),
            ("rate_min_pct", "3.45"),
            ("rate_max_pct", "4.8"),
            ("repayment_methods", "equal_instalment"),
            ("decision_days", "3"),
            ("districts", "all"),
            ("valid_from", "2026-01-01"),
        ])
        .validate()
        .unwrap()
        .spec
    }

    #[test]
    fn a_stored_product_reads_back_with_its_state() {
        let spec = spec();
        let record = ProductRecord::from_spec(&spec, LifecycleState::Paused, "b");
        let row = record.validate().unwrap();
        assert_eq!(row.spec, spec);
        assert_eq!(row.state, LifecycleState::Paused);
        assert_eq!(row.institution_code, "b");
        let json = record.to_json();
        let again = ProductRecord::from_json(&json).unwrap();
        assert_eq!(again, record);
    }

    #[test]
    fn changes_name_columns_with_their_labels() {
        let before = ProductRecord::from_spec(&spec(), LifecycleState::Published, "b");
        let mut after = before.clone();
        after.set("name", "科创信用贷2");
        after.set("state", "paused");
        let changes = after.changes_from(Some(&before));
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].column, "name");
        assert_eq!(changes[0].label_zh, "产品名称");
        assert_eq!(changes[0].before.as_deref(), Some("科创信用贷"));
        assert_eq!(changes[1].column, "state");
        assert!(before.changes_from(Some(&before)).is_empty());
        assert_eq!(before.changes_from(None).len(), before.to_json().len());
        assert_eq!(column_label_zh("amount_max_yuan"), "额度上限（元）");
    }
}
