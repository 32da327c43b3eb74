//! argon2id hashing and the password policy (docs/domain.md §6).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::error::{ApiError, ApiResult};

/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Common passwords of at least [`MIN_PASSWORD_LEN`] characters, lower case, one
/// per line (shorter ones fail the length rule anyway). Taken from the 20,000 most
/// common passwords that Django bundles (BSD licence, from Royce Williams' list of
/// leaked passwords), plus warehouse-specific ones.
const COMMON: &str = include_str!("common-passwords.txt");

fn is_common(lower: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON.lines().collect()).contains(lower)
}

/// Hashes a password with argon2id and a random salt. Slow: call on the blocking pool.
pub fn hash(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored hash. Slow: call on the blocking pool.
pub fn verify(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash of a random password, to spend the same time on unknown users.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&uuid::Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Checks the policy; `pointer` names the field in the problem document.
pub fn check_policy(password: &str, username: &str, pointer: &str) -> ApiResult<()> {
    let lower = password.to_lowercase();
    let problem = if password.chars().count() < MIN_PASSWORD_LEN {
        Some(format!("The password needs at least {MIN_PASSWORD_LEN} characters."))
    } else if password.len() > 1024 {
        Some("The password is longer than 1024 bytes.".to_string())
    } else if lower == username.to_lowercase() {
        Some("The password must not be the username.".to_string())
    } else if is_common(&lower) {
        Some("This password is on the list of common passwords.".to_string())
    } else {
        None
    };
    match problem {
        Some(detail) => Err(ApiError::invalid_field(pointer, "weak_password", detail)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rejects_short_username_and_common_passwords() {
        assert!(check_policy("short", "bob", "/password").is_err());
        assert!(check_policy("bob-the-builder", "bob-the-builder", "/password").is_err());
        assert!(check_policy("Password123", "bob", "/password").is_err());
        assert!(check_policy("kite-orbit-lantern", "bob", "/password").is_ok());
    }

    #[test]
    fn the_bundled_list_is_large_and_case_blind() {
        assert!(COMMON.lines().count() > 1500);
        assert!(COMMON
            .lines()
            .all(|l| l.chars().count() >= MIN_PASSWORD_LEN && l == l.to_lowercase()));
        for common in ["QwertyUiop", "1q2w3e4r5t", "basketball", "1qaz2wsx3edc"] {
            assert!(check_policy(common, "bob", "/password").is_err(), "{common}");
        }
    }

    #[test]
    fn hashes_verify() {
        let h = hash("kite-orbit-lantern").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("kite-orbit-lantern", &h));
        assert!(!verify("kite-orbit-lanterN", &h));
    }
}
