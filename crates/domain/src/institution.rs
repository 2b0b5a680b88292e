//! The rules of an institution's fields: its code (the stable key, [`validate_code`]), its name, its kind
//! and its introduction.
//!
//! Pure checks whose messages are shown beside the fields; the store applies them to every institution it
//! creates or edits, so the operator's page, the API, `finmart institution` and the loaders (demo, bench
//! data, imports) refuse the same input with the same words.

use crate::{FieldErrors, InstitutionKind, Labelled, NewInstitution, ValueError, validate_code};

/// The longest institution name, in characters (the width of its column).
pub const MAX_INSTITUTION_NAME_CHARS: usize = 100;
/// The longest introduction, in characters: a few paragraphs on the institution's page.
pub const MAX_INSTITUTION_INTRO_CHARS: usize = 2_000;

/// An institution's name: trimmed, 1–[`MAX_INSTITUTION_NAME_CHARS`] characters.
///
/// # Errors
/// Empty or too long.
pub fn institution_name(text: &str) -> Result<String, ValueError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(ValueError::Empty);
    }
    if name.chars().count() > MAX_INSTITUTION_NAME_CHARS {
        return Err(ValueError::TooLarge { max: format!("{MAX_INSTITUTION_NAME_CHARS} 个字符") });
    }
    Ok(name.to_owned())
}

/// An institution's introduction: trimmed, at most [`MAX_INSTITUTION_INTRO_CHARS`] characters (it may be
/// empty).
///
/// # Errors
/// Too long.
pub fn institution_intro(text: &str) -> Result<String, ValueError> {
    let intro = text.trim();
    if intro.chars().count() > MAX_INSTITUTION_INTRO_CHARS {
        return Err(ValueError::TooLarge { max: format!("{MAX_INSTITUTION_INTRO_CHARS} 个字符") });
    }
    Ok(intro.to_owned())
}

/// The longest reason for suspending an institution, in characters (a sentence or two for the audit log).
pub const MAX_SUSPENSION_REASON_CHARS: usize = 500;

/// Why the operator suspends an institution: trimmed, 1–[`MAX_SUSPENSION_REASON_CHARS`] characters (a
/// suspension stops the institution's people and integrations, so it is never done without a reason).
///
/// # Errors
/// Empty or too long.
pub fn suspension_reason(text: &str) -> Result<String, ValueError> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(ValueError::Empty);
    }
    if reason.chars().count() > MAX_SUSPENSION_REASON_CHARS {
        return Err(ValueError::TooLarge { max: format!("{MAX_SUSPENSION_REASON_CHARS} 个字符") });
    }
    Ok(reason.to_owned())
}

/// An institution's kind, by machine name or Chinese label.
///
/// # Errors
/// Empty, or not a kind.
pub fn institution_kind(text: &str) -> Result<InstitutionKind, ValueError> {
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    Ok(InstitutionKind::parse(text)?)
}

/// What an edit may change: everything but the code, which is the institution's stable key (import files
/// and accounts' invitations name institutions by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionDetails {
    /// Trimmed.
    pub name: String,
    pub kind: InstitutionKind,
    /// Trimmed; may be empty.
    pub intro: String,
}

/// An institution's details as given for an edit (the page, `PUT /api/v1/institutions/{id}`,
/// `finmart institution edit`), unchecked.
#[derive(Debug, Clone, Copy)]
pub struct InstitutionEdit<'a> {
    pub name: &'a str,
    /// A machine name (`factoring`) or a Chinese label (`商业保理公司`).
    pub kind: &'a str,
    pub intro: &'a str,
}

impl InstitutionEdit<'_> {
    /// Checks every field and reports all that fail, in the order of the form: `name`, `kind`, `intro`.
    ///
    /// Whether the kind may change (a guarantee agency that backs products may not become a lender) is the
    /// store's to decide, as it writes.
    ///
    /// # Errors
    /// Every bad field.
    pub fn check(&self) -> Result<InstitutionDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let details = self.check_into(&mut errors);
        details.filter(|_| errors.is_empty()).ok_or(errors)
    }

    /// The details when every field is good, the errors recorded in `errors` otherwise.
    fn check_into(&self, errors: &mut FieldErrors) -> Option<InstitutionDetails> {
        let name = errors.check("name", institution_name(self.name));
        let kind = errors.check("kind", institution_kind(self.kind));
        let intro = errors.check("intro", institution_intro(self.intro));
        Some(InstitutionDetails { name: name?, kind: kind?, intro: intro? })
    }
}

/// A new institution as given (the page, `POST /api/v1/institutions`, `finmart institution add`),
/// unchecked.
#[derive(Debug, Clone, Copy)]
pub struct InstitutionInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// A machine name (`factoring`) or a Chinese label (`商业保理公司`).
    pub kind: &'a str,
    pub intro: &'a str,
}

impl InstitutionInput<'_> {
    /// Checks every field and reports all that fail, in the order of the form: `code`, `name`, `kind`,
    /// `intro`.
    ///
    /// Whether the code is taken is the store's to check, as it writes.
    ///
    /// # Errors
    /// Every bad field.
    pub fn check(&self) -> Result<NewInstitution, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", validate_code(self.code));
        let details = InstitutionEdit { name: self.name, kind: self.kind, intro: self.intro }.check_into(&mut errors);
        match (code, details) {
            (Some(code), Some(d)) if errors.is_empty() => {
                Ok(NewInstitution { code, name: d.name, kind: d.kind, intro: d.intro })
            }
            _ => Err(errors),
        }
    }
}

impl NewInstitution {
    /// The same institution held to the rules of [`InstitutionInput::check`] (trimmed), for one built in
    /// code (the demo, bench data, an import row): the store checks every institution it creates.
    ///
    /// # Errors
    /// Every bad field.
    pub fn check(&self) -> Result<Self, FieldErrors> {
        InstitutionInput { code: &self.code, name: &self.name, kind: self.kind.as_str(), intro: &self.intro }.check()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fields(e: &FieldErrors) -> Vec<&str> {
        e.0.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn a_new_institution_is_trimmed_and_its_kind_read_in_either_language() {
        let input =
            InstitutionInput {
                code: " tj-factor ", name: " 津港商业保理 ", kind: "商业保理公司", intro: " 简介 "
            };
        assert_eq!(
            input.check().unwrap(),
            NewInstitution {
                code: "tj-factor".into(),
                name: "津港商业保理".into(),
                kind: InstitutionKind::Factoring,
                intro: "简介".into(),
            }
        );
        let other = InstitutionInput { kind: "other", intro: "", ..input }.check().unwrap();
        assert_eq!((other.kind, other.intro.as_str()), (InstitutionKind::Other, ""));
    }

    #[test]
    fn every_bad_field_is_reported_in_the_forms_order() {
        let all_bad = InstitutionInput { code: "no spaces", name: " ", kind: "", intro: &"介".repeat(2_001) };
        let errors = all_bad.check().unwrap_err();
        assert_eq!(fields(&errors), ["code", "name", "kind", "intro"]);
        assert_eq!(errors.0[1].error, ValueError::Empty);
        assert_eq!(errors.0[2].error, ValueError::Empty);
        assert_eq!(errors.0[3].error.message_zh(), "不能大于 2000 个字符");

        let unknown = InstitutionEdit { name: "名", kind: "pawnshop", intro: "" }.check().unwrap_err();
        assert_eq!(fields(&unknown), ["kind"]);
        assert!(matches!(unknown.0[0].error, ValueError::Unknown(_)));
    }

    #[test]
    fn names_and_intros_are_bounded() {
        assert_eq!(institution_name(&"名".repeat(100)).unwrap().chars().count(), 100);
        assert_eq!(institution_name(&"名".repeat(101)).unwrap_err().message_zh(), "不能大于 100 个字符");
        assert_eq!(institution_intro(&"介".repeat(2_000)).unwrap().chars().count(), 2_000);
        assert_eq!(institution_intro("  ").unwrap(), "");
    }

    #[test]
    fn an_institution_built_in_code_meets_the_same_rules() {
        let built = NewInstitution {
            code: "bank".into(),
            name: "名".repeat(101),
            kind: InstitutionKind::Bank,
            intro: String::new(),
        };
        assert_eq!(fields(&built.check().unwrap_err()), ["name"]);
    }
}
