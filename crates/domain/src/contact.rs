//! Contact details and conversation text: what a phone number, a contact's name, an address, a message and
//! an invitation's note may be. The store, the API and the pages all check through here, so they give the
//! same answers.

use crate::error::{FieldErrors, ValueError};
use serde::{Deserialize, Serialize};

/// The longest person's name (a contact, a 客户经理), in characters.
pub const MAX_PERSON_NAME_CHARS: usize = 30;
/// The longest branch name and address, in characters.
pub const MAX_BRANCH_NAME_CHARS: usize = 60;
pub const MAX_ADDRESS_CHARS: usize = 120;
/// The longest message of an application's thread, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// The longest note of an invitation, and reason for declining one, in characters.
pub const MAX_INVITATION_NOTE_CHARS: usize = 500;

/// A mainland phone number: a mobile (`1[3-9]` and nine more digits) or a landline with its area code
/// (`0` and two or three digits, then seven or eight digits; a hyphen or space after the area code, and an
/// extension after `-` or `转`, are kept as written). Stored as normalised: spaces trimmed, full-width digits
/// folded, and a landline's separator written as `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// # Errors
    /// Empty, or neither a mobile nor a landline with area code.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let folded: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '－' | '—' => '-',
                '　' => ' ',
                c => c,
            })
            .collect();
        if folded.is_empty() {
            return Err(ValueError::Empty);
        }
        let bad = || {
            ValueError::worded(
                "应为手机号（11 位，1 开头）或带区号的固定电话（如 022-23456789）",
                "must be a mobile number (11 digits starting with 1) or a landline with its area code (e.g. 022-23456789)",
            )
        };
        let compact: String = folded.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if compact.len() == 11 && compact.starts_with('1') && compact.chars().all(|c| c.is_ascii_digit()) {
            let second = compact.as_bytes()[1];
            if (b'3'..=b'9').contains(&second) && !folded.contains('-') {
                return Ok(Self(compact));
            }
            return Err(bad());
        }
        // A landline: area code, number, and an optional extension.
        let (main, extension) = match folded.split_once('转') {
            Some((m, e)) => (m.trim().to_owned(), Some(e.trim().to_owned())),
            None => (folded.clone(), None),
        };
        let parts: Vec<&str> = main.split(['-', ' ']).filter(|p| !p.is_empty()).collect();
        let (area, number, extension) = match (parts.as_slice(), extension) {
            ([area, number], ext) => ((*area).to_owned(), (*number).to_owned(), ext),
            ([area, number, ext], None) => ((*area).to_owned(), (*number).to_owned(), Some((*ext).to_owned())),
            ([joined], ext) if joined.starts_with('0') => {
                // Written without a separator: a three-digit area code for 01x/02x, else four digits.
                let cut = if joined.starts_with("01") || joined.starts_with("02") { 3 } else { 4 };
                if joined.len() <= cut {
                    return Err(bad());
                }
                (joined[..cut].to_owned(), joined[cut..].to_owned(), ext)
            }
            _ => return Err(bad()),
        };
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let area_ok = digits(&area) && area.starts_with('0') && (3..=4).contains(&area.len());
        let number_ok = digits(&number) && (7..=8).contains(&number.len()) && !number.starts_with('0');
        let extension_ok = extension.as_deref().is_none_or(|e| digits(e) && e.len() <= 6);
        if !(area_ok && number_ok && extension_ok) {
            return Err(bad());
        }
        Ok(Self(match extension {
            Some(e) => format!("{area}-{number}-{e}"),
            None => format!("{area}-{number}"),
        }))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text of at most `max` characters, trimmed; empty refused.
///
/// # Errors
/// Empty, too long, or with control characters (newlines allowed only where `multiline`).
pub fn bounded_text(text: &str, max: usize, multiline: bool) -> Result<String, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    let count = text.chars().count();
    if count > max {
        return Err(ValueError::worded(
            format!("最多 {max} 个字，现有 {count} 个字"),
            format!("at most {max} characters, got {count}"),
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(ValueError::BadCharacter(c));
    }
    Ok(text.to_owned())
}

/// Like [`bounded_text`], but empty is allowed (an optional note): `None`.
///
/// # Errors
/// Too long, or control characters.
pub fn optional_text(text: Option<&str>, max: usize) -> Result<Option<String>, ValueError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => bounded_text(t, max, true).map(Some),
    }
}

/// An SME's contact person, as it may be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInput {
    pub name: String,
    pub phone: Phone,
}

impl ContactInput {
    /// Checks a contact's fields, every bad one named (`name`, `phone`).
    ///
    /// # Errors
    /// The fields at fault.
    pub fn parse(name: &str, phone: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", bounded_text(name, MAX_PERSON_NAME_CHARS, false));
        let phone = errors.check("phone", Phone::parse(phone));
        match (name, phone) {
            (Some(name), Some(phone)) if errors.is_empty() => Ok(Self { name, phone }),
            _ => Err(errors),
        }
    }
}

/// An institution's branch (网点), as it may be stored; the district is checked by the caller against the
/// deployment's home area (a code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchInput {
    pub name: String,
    pub address: String,
    pub phone: Phone,
}

impl BranchInput {
    /// # Errors
    /// The fields at fault (`name`, `address`, `phone`).
    pub fn parse(name: &str, address: &str, phone: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", bounded_text(name, MAX_BRANCH_NAME_CHARS, false));
        let address = errors.check("address", bounded_text(address, MAX_ADDRESS_CHARS, false));
        let phone = errors.check("phone", Phone::parse(phone));
        match (name, address, phone) {
            (Some(name), Some(address), Some(phone)) if errors.is_empty() => Ok(Self { name, address, phone }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_with_area_codes_are_phones() {
        assert_eq!(Phone::parse("13812345678").unwrap().as_str(), "13812345678");
        assert_eq!(Phone::parse(" 139 1234 5678 ").unwrap().as_str(), "13912345678");
        assert_eq!(Phone::parse("１３８１２３４５６７８").unwrap().as_str(), "13812345678");
        assert_eq!(Phone::parse("022-23456789").unwrap().as_str(), "022-23456789");
        assert_eq!(Phone::parse("02223456789").unwrap().as_str(), "022-23456789");
        assert_eq!(Phone::parse("0512 6543210").unwrap().as_str(), "0512-6543210");
        assert_eq!(Phone::parse("022-23456789-801").unwrap().as_str(), "022-23456789-801");
        assert_eq!(Phone::parse("022-23456789转801").unwrap().as_str(), "022-23456789-801");
        for bad in ["", "12345678901", "1381234567", "138123456789", "23456789", "022-123", "abc", "022-0234567"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Phone::parse(" ").unwrap_err(), ValueError::Empty);
    }

    #[test]
    fn a_contact_names_every_bad_field() {
        let errors = ContactInput::parse("", "123").unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone"]);
        let long = "张".repeat(MAX_PERSON_NAME_CHARS + 1);
        assert!(ContactInput::parse(&long, "13812345678").is_err());
        let ok = ContactInput::parse(" 王经理 ", "13812345678").unwrap();
        assert_eq!(ok.name, "王经理");
    }

    #[test]
    fn text_is_bounded_and_trimmed() {
        assert_eq!(bounded_text("  你好 ", 10, false).unwrap(), "你好");
        assert_eq!(bounded_text("   ", 10, false).unwrap_err(), ValueError::Empty);
        assert!(bounded_text(&"字".repeat(11), 10, true).is_err());
        assert!(bounded_text(&"字".repeat(10), 10, true).is_ok());
        assert!(bounded_text("一\n二", 10, false).is_err());
        assert!(bounded_text("一\n二", 10, true).is_ok());
        assert_eq!(optional_text(Some("  "), 10).unwrap(), None);
    }
}
