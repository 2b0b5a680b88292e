//! The errors of parsing and validating domain values.
//!
//! Each says which field was wrong and why, in words that can be shown to the person who typed it: the web
//! layer maps them to 400 responses and form messages without rewording.

use thiserror::Error;

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {vocabulary} `{value}` (allowed: {allowed})")]
pub struct UnknownValue {
    pub vocabulary: &'static str,
    pub value: String,
    pub allowed: String,
}

/// Why a domain value could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    #[error("not a number: `{0}`")]
    NotANumber(String),
    #[error("must not be negative")]
    Negative,
    #[error("too many decimal places (at most {max})")]
    TooPrecise { max: u32 },
    #[error("too large (at most {max})")]
    TooLarge { max: String },
    #[error("too small (at least {min})")]
    TooSmall { min: String },
    #[error("minimum {min} is greater than maximum {max}")]
    InvertedRange { min: String, max: String },
    #[error("must be {expected} characters long, got {actual}")]
    WrongLength { expected: usize, actual: usize },
    #[error("character `{0}` is not allowed")]
    BadCharacter(char),
    #[error("check character is `{actual}`, expected `{expected}`")]
    BadChecksum { expected: char, actual: char },
    #[error("must not be empty")]
    Empty,
    #[error("{0}")]
    Unknown(#[from] UnknownValue),
    #[error("{0}")]
    Invalid(String),
    /// A reason written in both languages (the import's `message_en` then reads English).
    #[error("{en}")]
    Said { zh: String, en: String },
}

impl ValueError {
    /// A reason in Chinese and English.
    pub fn said(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Said { zh: zh.into(), en: en.into() }
    }

    /// The same reason in Chinese, for pages and the `message` of API errors.
    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotANumber(v) => format!("“{v}”不是有效的数字"),
            Self::Negative => "不能为负数".to_owned(),
            Self::TooPrecise { max } => format!("最多保留 {max} 位小数"),
            Self::TooLarge { max } => format!("不能大于 {max}"),
            Self::TooSmall { min } => format!("不能小于 {min}"),
            Self::InvertedRange { min, max } => format!("下限 {min} 大于上限 {max}"),
            Self::WrongLength { expected, actual } => format!("长度应为 {expected} 位，实际为 {actual} 位"),
            Self::BadCharacter(c) => format!("含有不允许的字符“{c}”"),
            Self::BadChecksum { expected, actual } => {
                format!("校验位错误：应为 {expected}，实际为 {actual}")
            }
            Self::Empty => "不能为空".to_owned(),
            Self::Unknown(u) => format!("未知的取值“{}”，可选：{}", u.value, u.allowed),
            Self::Invalid(reason) => reason.clone(),
            Self::Said { zh, .. } => zh.clone(),
        }
    }
}

/// A [`ValueError`] tied to the field it came from (`amount_min_yuan`, `eligibility.min_tax_credit_grade`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {error}")]
pub struct FieldError {
    pub field: String,
    pub error: ValueError,
}

impl FieldError {
    pub fn new(field: impl Into<String>, error: impl Into<ValueError>) -> Self {
        Self { field: field.into(), error: error.into() }
    }
}

/// Every field error of one record, so a form or an import row reports all of them at once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Error)]
#[error("{} invalid field(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, error: impl Into<ValueError>) {
        self.0.push(FieldError::new(field, error));
    }

    /// Records the error of `result` under `field` and yields its value, if any.
    pub fn check<T, E: Into<ValueError>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e);
                None
            }
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded.
    ///
    /// # Errors
    /// `self` when any field failed.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.0.is_empty() { Ok(value()) } else { Err(self) }
    }
}
