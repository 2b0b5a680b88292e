//! Password hashes (argon2id with the crate's recommended parameters) and the random secrets behind
//! invitations, CSRF tokens and API tokens.
//!
//! Here, beside the accounts that store the hashes, so the command line, which creates accounts too, hashes
//! as the web server does without depending on it.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use thiserror::Error;

/// Why a password could not be hashed.
#[derive(Debug, Error)]
pub enum PasswordError {
    /// The hasher rejected its own parameters (a defect).
    #[error("password hashing: {0}")]
    Hash(argon2::password_hash::Error),
    /// The blocking task that hashed it panicked or was cancelled.
    #[error("password hashing task: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// Hashes a password for storage (PHC string: algorithm, parameters, salt and hash).
///
/// # Errors
/// Only if the hasher rejects its own parameters (a defect).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// [`hash`] on a blocking thread: argon2 is slow on purpose (tens of milliseconds of CPU), far too slow to
/// run on the async threads that serve requests.
///
/// # Errors
/// Hashing failed (see [`hash`]) or its task did not finish.
pub async fn hash_off_thread(password: &str) -> Result<String, PasswordError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash(&password)).await?.map_err(PasswordError::Hash)
}

/// A hash of a password nobody knows: checked when the login does not exist, so a wrong login takes as
/// long as a wrong password and the timing does not tell which logins exist.
static DECOY: LazyLock<String> = LazyLock::new(|| hash(&secret(16)).unwrap_or_default());

/// Whether `password` matches the stored hash (`None`: no such account or no password yet).
#[must_use]
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DECOY.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// `bytes` random bytes from the operating system, as lower-case hex.
#[must_use]
pub fn secret(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a high-entropy secret (API and invitation tokens), as hex: what is stored in their place.
#[must_use]
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two secrets are equal, in time independent of where they differ.
#[must_use]
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = hash("金融超市2026").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("金融超市2026", Some(&h)));
        assert!(!verify("金融超市2027", Some(&h)));
        assert!(!verify("金融超市2026", None));
        assert!(!verify("x", Some("not a hash")));
        assert_ne!(hash("same1234").unwrap(), hash("same1234").unwrap(), "salted");
    }

    #[test]
    fn secrets() {
        assert_eq!(secret(32).len(), 64);
        assert_ne!(secret(16), secret(16));
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
