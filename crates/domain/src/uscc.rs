//! The 统一社会信用代码 (unified social credit code), GB 32100-2015.
//!
//! 18 characters from a 31-character alphabet (no I, O, S, V, Z); the last is a check character over the
//! first 17 with weights 3^i mod 31.

use crate::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A syntactically valid unified social credit code, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters (which must already be in the alphabet).
fn check_char(body: &[u8]) -> Option<char> {
    let mut weight = 1_u32;
    let mut sum = 0_u32;
    for &c in body {
        sum += value_of(c)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|b| char::from(*b))
}

impl Uscc {
    /// Parses and validates a code; surrounding spaces are ignored and lower case is accepted.
    ///
    /// # Errors
    /// Wrong length, a character outside the alphabet, or a wrong check character.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let code = text.trim().to_ascii_uppercase();
        let len = code.chars().count();
        if len != 18 {
            return Err(ValueError::WrongLength { expected: 18, actual: len });
        }
        let bytes = code.as_bytes();
        if let Some(bad) = code.chars().find(|c| !c.is_ascii() || value_of(*c as u8).is_none()) {
            return Err(ValueError::BadCharacter(bad));
        }
        let expected = check_char(&bytes[..17]).ok_or(ValueError::Invalid("bad body".to_owned()))?;
        let actual = char::from(bytes[17]);
        if expected == actual { Ok(Self(code)) } else { Err(ValueError::BadChecksum { expected, actual }) }
    }

    /// Completes a 17-character body with its check character (for generated demo data and tests).
    ///
    /// # Errors
    /// A body that is not 17 characters of the alphabet.
    pub fn with_check(body: &str) -> Result<Self, ValueError> {
        let body = body.to_ascii_uppercase();
        if body.len() != 17 {
            return Err(ValueError::WrongLength { expected: 17, actual: body.chars().count() });
        }
        let check = check_char(body.as_bytes()).ok_or(ValueError::Invalid("bad body".to_owned()))?;
        Self::parse(&format!("{body}{check}"))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uscc {
    type Error = ValueError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<Uscc> for String {
    fn from(v: Uscc) -> Self {
        v.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_known_valid_codes() {
        // Published codes of public bodies (checksums verified by hand against the standard).
        for code in ["91350100M000100Y43", "91110000802100433B", "12100000400010398P"] {
            assert!(Uscc::parse(code).is_ok(), "{code}");
        }
        assert!(Uscc::parse(" 91350100m000100y43 ").is_ok());
    }

    #[test]
    fn rejects_bad_codes() {
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(ValueError::WrongLength { expected: 18, actual: 17 }));
        assert_eq!(Uscc::parse("91350100M000100YI3"), Err(ValueError::BadCharacter('I')));
        assert!(matches!(Uscc::parse("91350100M000100Y44"), Err(ValueError::BadChecksum { .. })));
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(0_usize..31, 17)
            .prop_map(|ix| ix.into_iter().map(|i| char::from(ALPHABET[i])).collect())
    }

    proptest! {
        #[test]
        fn any_completed_body_is_valid(body in body()) {
            let code = Uscc::with_check(&body).unwrap();
            prop_assert_eq!(Uscc::parse(code.as_str()).unwrap(), code);
        }

        #[test]
        fn changing_one_character_breaks_the_check(body in body(), pos in 0_usize..18, shift in 1_usize..31) {
            let code = Uscc::with_check(&body).unwrap();
            let mut bytes = code.as_str().as_bytes().to_vec();
            let old = ALPHABET.iter().position(|a| *a == bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[(old + shift) % 31];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&changed).is_err());
        }
    }
}
