//! The rules of account input: login names, passwords, display names, and the staff accounts (a lender's
//! or a guarantee agency's people, the operator) that the operator or `finmart create-account` creates.
//!
//! Pure checks whose messages are shown beside the fields; the store applies them before it writes, so the
//! site, the API and the command line refuse the same input with the same words.

use crate::{FieldErrors, Labelled, Role, ValueError};

/// The longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Login names are e-mail-like: trimmed, lower-cased, 3–100 characters with one `@` inside.
///
/// # Errors
/// Not of that shape.
pub fn normalize_login(text: &str) -> Result<String, ValueError> {
    let login = text.trim().to_lowercase();
    if login.is_empty() {
        return Err(ValueError::Empty);
    }
    if login.chars().count() > 100 {
        return Err(ValueError::TooLarge { max: "100 个字符".to_owned() });
    }
    if let Some(bad) = login.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValueError::BadCharacter(bad));
    }
    match login.split_once('@') {
        Some((user, host))
            if !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.contains('@') =>
        {
            Ok(login)
        }
        _ => Err(ValueError::Invalid("请输入有效的邮箱地址".to_owned())),
    }
}

/// Passwords: 8–128 characters with at least one letter and one digit.
///
/// # Errors
/// Too short, too long, or of one kind of character only.
pub fn check_password(password: &str) -> Result<(), ValueError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(ValueError::TooSmall { min: "8 个字符".to_owned() });
    }
    if n > 128 {
        return Err(ValueError::TooLarge { max: "128 个字符".to_owned() });
    }
    if !password.chars().any(char::is_alphabetic) || !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(ValueError::Invalid("密码须同时包含字母和数字".to_owned()));
    }
    Ok(())
}

/// Display names: trimmed, 1–[`MAX_DISPLAY_NAME_CHARS`] characters.
///
/// # Errors
/// Empty or too long.
pub fn normalize_display_name(text: &str) -> Result<String, ValueError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(ValueError::Empty);
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(ValueError::TooLarge { max: format!("{MAX_DISPLAY_NAME_CHARS} 个字符") });
    }
    Ok(name.to_owned())
}

/// The role of a staff account: any role but an SME's, whose accounts are only made by registering the
/// enterprise (so every SME account has its enterprise's profile).
///
/// # Errors
/// Not a role, or the SME role.
pub fn staff_role(text: &str) -> Result<Role, ValueError> {
    match Role::parse(text)? {
        Role::Sme => Err(ValueError::Invalid("企业用户请自行注册".to_owned())),
        role => Ok(role),
    }
}

/// A staff account as asked for, unchecked: by the operator (the accounts page or `POST /api/v1/accounts`)
/// or by `finmart create-account`.
#[derive(Clone, Copy)]
pub struct StaffAccountInput<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    /// `institution`, `agency` or `operator`.
    pub role: &'a str,
    /// The lender (role `institution`) or guarantee agency (role `agency`); ignored for other roles.
    pub institution_id: Option<i64>,
    /// The data provider (role `provider`); ignored for other roles.
    pub provider_id: Option<i64>,
    /// A first password; without one the account is created with an invitation.
    pub password: Option<&'a str>,
}

impl std::fmt::Debug for StaffAccountInput<'_> {
    /// Everything but the password, which must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAccountInput")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("institution_id", &self.institution_id)
            .field("provider_id", &self.provider_id)
            .field("password", &self.password.map(|_| "…"))
            .finish()
    }
}

/// A checked staff account, without its password (checked, but only ever passed on to be hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// Normalised by [`normalize_login`].
    pub login: String,
    /// Trimmed.
    pub display_name: String,
    /// Never [`Role::Sme`].
    pub role: Role,
    /// Given for an institution or agency account, `None` otherwise.
    pub institution_id: Option<i64>,
    /// Given for a data provider's account, `None` otherwise.
    pub provider_id: Option<i64>,
}

impl StaffAccountInput<'_> {
    /// Checks every field and reports all that fail, in the order of the form.
    ///
    /// Whether the institution exists and is of the right kind for the role is the store's to check, as it
    /// writes.
    ///
    /// # Errors
    /// Every bad field: `login`, `display_name`, `role`, `institution_id` (missing for an institution or
    /// agency account), `password`.
    pub fn check(&self) -> Result<StaffAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let login = errors.check("login", normalize_login(self.login));
        let display_name = errors.check("display_name", normalize_display_name(self.display_name));
        let role = errors.check("role", staff_role(self.role));
        if matches!(role, Some(Role::Institution | Role::Agency)) && self.institution_id.is_none() {
            errors.push("institution_id", ValueError::Empty);
        }
        if role == Some(Role::Provider) && self.provider_id.is_none() {
            errors.push("provider_id", ValueError::Empty);
        }
        if let Some(secret) = self.password {
            errors.check("password", check_password(secret));
        }
        match (login, display_name, role) {
            (Some(login), Some(display_name), Some(role)) if errors.is_empty() => Ok(StaffAccount {
                login,
                display_name,
                role,
                // Each role keeps only its own kind of party, whatever the form sent along.
                institution_id: self.institution_id.filter(|_| matches!(role, Role::Institution | Role::Agency)),
                provider_id: self.provider_id.filter(|_| role == Role::Provider),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input<'a>(role: &'a str, institution_id: Option<i64>) -> StaffAccountInput<'a> {
        StaffAccountInput {
            login: " Ops@Example.CN ",
            display_name: " 运营 ",
            role,
            institution_id,
            provider_id: None,
            password: None,
        }
    }

    fn fields(e: &FieldErrors) -> Vec<&str> {
        e.0.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn logins_and_passwords() {
        assert_eq!(normalize_login("  Bank@Example.COM ").unwrap(), "bank@example.com");
        for bad in ["", "nobody", "a@b", "@x.cn", "a b@x.cn", "a@@x.cn"] {
            assert!(normalize_login(bad).is_err(), "{bad}");
        }
        assert!(check_password("short1").is_err());
        assert!(check_password("onlyletters").is_err());
        assert!(check_password("12345678").is_err());
        assert!(check_password("金融超市2026").is_ok());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(normalize_display_name("  津沽银行 ").unwrap(), "津沽银行");
        assert_eq!(normalize_display_name("   ").unwrap_err(), ValueError::Empty);
        assert_eq!(normalize_display_name(&"名".repeat(100)).unwrap().chars().count(), 100);
        let long = normalize_display_name(&"名".repeat(101)).unwrap_err();
        assert_eq!(long.message_zh(), "不能大于 100 个字符");
    }

    #[test]
    fn staff_accounts_are_checked_and_normalised() {
        let ops = input("operator", Some(7)).check().unwrap();
        assert_eq!(
            ops,
            StaffAccount {
                login: "ops@example.cn".to_owned(),
                display_name: "运营".to_owned(),
                role: Role::Operator,
                institution_id: None,
                provider_id: None,
            }
        );
        let lender = input("institution", Some(7)).check().unwrap();
        assert_eq!((lender.role, lender.institution_id), (Role::Institution, Some(7)));

        let sme = input("sme", None).check().unwrap_err();
        assert_eq!(fields(&sme), ["role"]);
        assert_eq!(sme.0[0].error.message_zh(), "企业用户请自行注册");
        assert!(matches!(input("boss", None).check().unwrap_err().0[0].error, ValueError::Unknown(_)));
        for role in ["institution", "agency"] {
            let missing = input(role, None).check().unwrap_err();
            assert_eq!(fields(&missing), ["institution_id"]);
            assert_eq!(missing.0[0].error, ValueError::Empty);
        }
    }

    #[test]
    fn every_bad_field_is_reported_in_the_forms_order() {
        let all_bad = StaffAccountInput {
            login: "nobody",
            display_name: " ",
            role: "agency",
            institution_id: None,
            provider_id: None,
            password: Some("123"),
        };
        assert_eq!(fields(&all_bad.check().unwrap_err()), ["login", "display_name", "institution_id", "password"]);
        let with_password = StaffAccountInput { password: Some("金融超市2026"), ..input("operator", None) };
        assert!(with_password.check().is_ok());
        assert!(!format!("{with_password:?}").contains("2026"), "the password stays out of logs");
    }
}
