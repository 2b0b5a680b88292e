//! 材料清单: the documents a product asks an applicant for, as its page or its lender states them.
//!
//! "Not stated" (未说明, the page is silent) and "none needed" (无需材料) are different answers and are kept
//! apart, as for collateral: an empty cell is never read as "nothing needed".

use crate::ValueError;
use serde::{Deserialize, Serialize};

/// What a product asks the applicant to provide.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "names", rename_all = "snake_case")]
pub enum Materials {
    /// The page does not say (未说明).
    #[default]
    NotStated,
    /// The page says nothing needs to be provided (无需材料).
    NoneNeeded,
    /// These documents, each a short name (营业执照, 近一年财务报表…), in the order given, without repeats.
    Listed(Vec<String>),
}

/// How a cell says "none needed".
const NONE_WORDS: &[&str] = &["none", "无", "无需", "无需材料", "不需要"];

impl Materials {
    /// Most materials a product may list.
    pub const MAX_ITEMS: usize = 20;
    /// Longest name of one material, in characters.
    pub const MAX_NAME_CHARS: usize = 40;

    /// Reads the cell of the import column `materials` (and the store's column): `none`/无需材料 for none
    /// needed; otherwise names separated by `|`, `、`, `;`, `；` or line breaks. An empty cell is 未说明 and is
    /// not read here.
    ///
    /// # Errors
    /// No name at all, a name too long, a repeated name, `none` among names, or too many names.
    pub fn from_cell(v: &str) -> Result<Self, ValueError> {
        let v = v.trim();
        if NONE_WORDS.contains(&v) {
            return Ok(Self::NoneNeeded);
        }
        let mut names: Vec<String> = Vec::new();
        for item in v.split(['|', '、', ';', '；', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
            if NONE_WORDS.contains(&item) {
                return Err(ValueError::Worded {
                    zh: "“无需材料”不能与具体材料同时填写".to_owned(),
                    en: "“none” cannot be given together with named materials".to_owned(),
                });
            }
            let chars = item.chars().count();
            if chars > Self::MAX_NAME_CHARS {
                return Err(ValueError::Worded {
                    zh: format!("材料名称“{item}”有 {chars} 个字符，每项最多 {} 个", Self::MAX_NAME_CHARS),
                    en: format!("the material “{item}” has {chars} characters; at most {}", Self::MAX_NAME_CHARS),
                });
            }
            if names.iter().any(|n| n == item) {
                return Err(ValueError::Worded {
                    zh: format!("材料“{item}”重复出现"),
                    en: format!("the material “{item}” is given twice"),
                });
            }
            names.push(item.to_owned());
        }
        if names.is_empty() {
            return Err(ValueError::Empty);
        }
        if names.len() > Self::MAX_ITEMS {
            return Err(ValueError::Worded {
                zh: format!("材料清单有 {} 项，最多 {} 项", names.len(), Self::MAX_ITEMS),
                en: format!("{} materials listed; at most {}", names.len(), Self::MAX_ITEMS),
            });
        }
        Ok(Self::Listed(names))
    }

    /// The cell [`Self::from_cell`] reads back as these materials (empty for 未说明).
    #[must_use]
    pub fn to_cell(&self) -> String {
        match self {
            Self::NotStated => String::new(),
            Self::NoneNeeded => "none".to_owned(),
            Self::Listed(names) => names.join("|"),
        }
    }

    /// The names listed (none for 未说明 and 无需材料).
    #[must_use]
    pub fn names(&self) -> &[String] {
        match self {
            Self::Listed(names) => names,
            Self::NotStated | Self::NoneNeeded => &[],
        }
    }

    /// Whether `name` is one of the materials listed.
    #[must_use]
    pub fn lists(&self, name: &str) -> bool {
        self.names().iter().any(|n| n == name)
    }

    /// `营业执照、纳税证明`, `无需提供材料`, `未说明`.
    #[must_use]
    pub fn describe_zh(&self) -> String {
        match self {
            Self::NotStated => "未说明".to_owned(),
            Self::NoneNeeded => "无需提供材料".to_owned(),
            Self::Listed(names) => names.join("、"),
        }
    }

    /// `Not stated`, `None needed`, or the names as given (they are the lender's own words).
    #[must_use]
    pub fn describe_en(&self) -> String {
        match self {
            Self::NotStated => "Not stated".to_owned(),
            Self::NoneNeeded => "None needed".to_owned(),
            Self::Listed(names) => names.join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_lists_names_none_or_is_refused() {
        let listed = Materials::from_cell("营业执照|近一年财务报表、纳税证明").unwrap();
        assert_eq!(listed.names(), ["营业执照", "近一年财务报表", "纳税证明"]);
        assert_eq!(Materials::from_cell(&listed.to_cell()).unwrap(), listed);
        assert!(listed.lists("纳税证明") && !listed.lists("身份证"));
        assert_eq!(Materials::from_cell("无需材料").unwrap(), Materials::NoneNeeded);
        assert_eq!(Materials::from_cell(&Materials::NoneNeeded.to_cell()).unwrap(), Materials::NoneNeeded);
        assert_eq!(Materials::NotStated.to_cell(), "");
        assert_ne!(Materials::NotStated.describe_zh(), Materials::NoneNeeded.describe_zh());
        assert!(matches!(Materials::from_cell("营业执照|营业执照"), Err(ValueError::Worded { .. })));
        assert!(matches!(Materials::from_cell("营业执照|无"), Err(ValueError::Worded { .. })));
        assert!(matches!(Materials::from_cell(" | "), Err(ValueError::Empty)));
        assert!(Materials::from_cell(&"长".repeat(41)).is_err());
        assert!(Materials::from_cell(&"长".repeat(40)).is_ok());
        let many: Vec<String> = (0..21).map(|i| format!("材料{i}")).collect();
        assert!(Materials::from_cell(&many.join("|")).is_err());
        assert!(Materials::from_cell(&many[..20].join("|")).is_ok());
    }

    #[test]
    fn json_without_materials_reads_as_not_stated() {
        let json = serde_json::to_value(Materials::Listed(vec!["营业执照".into()])).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "listed", "names": ["营业执照"]}));
        assert_eq!(
            serde_json::from_value::<Materials>(serde_json::json!({"kind": "none_needed"})).unwrap(),
            Materials::NoneNeeded
        );
    }
}
