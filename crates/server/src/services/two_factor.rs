//! Two-factor sign-in (docs/domain.md §6): a TOTP secret is set up, then enabled by a
//! first code, which also hands out ten one-time recovery codes (only their hashes
//! are kept); each TOTP step and each recovery code is accepted once.

use chrono::Utc;
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::UserRow;
use tracetrack_db::users;

use crate::auth::totp;
use crate::error::{ApiError, ApiResult};
use crate::services::sessions::{hash_token, random_token};
use crate::services::Actor;

/// Stores a new secret, not active until `enable`; returns it (base32).
pub fn start_setup(c: &mut PgConnection, actor: &Actor) -> ApiResult<String> {
    let user = load(c, actor.id())?;
    if user.totp_enabled {
        return Err(ApiError::conflict(
            ErrorCode::TotpAlreadyEnabled,
            "Two-factor sign-in is on; disable it first.",
        ));
    }
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).map_err(ApiError::internal)?;
    let secret = totp::base32(&raw);
    users::set_totp(c, user.id, Some(&secret), false, None)?;
    let after = json!({"two_factor_pending": true});
    actor.audit.record(
        c,
        "user.2fa_setup",
        "user",
        Some(user.id.to_string()),
        None,
        Some(after),
    )?;
    Ok(secret)
}

/// Turns two-factor sign-in on with a first code; returns the recovery codes.
pub fn enable(c: &mut PgConnection, actor: &Actor, code: &str) -> ApiResult<Vec<String>> {
    let user = load(c, actor.id())?;
    if user.totp_enabled {
        return Err(ApiError::conflict(
            ErrorCode::TotpAlreadyEnabled,
            "Two-factor sign-in is already on.",
        ));
    }
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(totp::base32_decode)
        .ok_or_else(|| ApiError::conflict(ErrorCode::TotpNotSetUp, "Call /auth/2fa/setup first."))?;
    let step = totp::matching_step(&secret, code, Utc::now().timestamp())
        .ok_or_else(|| ApiError::invalid_field("/code", "totp_invalid", "The code is wrong or too old."))?;
    users::set_totp(c, user.id, user.totp_secret.as_deref(), true, Some(step))?;
    let mut codes = Vec::with_capacity(10);
    for _ in 0..10 {
        let code: String = random_token()?
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(10)
            .collect::<String>()
            .to_uppercase();
        codes.push(code);
    }
    let hashes: Vec<String> = codes.iter().map(|c| hash_token(c)).collect();
    users::replace_recovery_codes(c, user.id, &hashes)?;
    let after = json!({"two_factor_enabled": true});
    actor.audit.record(
        c,
        "user.2fa_enable",
        "user",
        Some(user.id.to_string()),
        None,
        Some(after),
    )?;
    Ok(codes)
}

/// Turns two-factor sign-in off (the caller has checked the password).
pub fn disable(c: &mut PgConnection, actor: &Actor) -> ApiResult<()> {
    let user_id = actor.id();
    users::set_totp(c, user_id, None, false, None)?;
    users::replace_recovery_codes(c, user_id, &[])?;
    let after = json!({"two_factor_enabled": false});
    actor.audit.record(
        c,
        "user.2fa_disable",
        "user",
        Some(user_id.to_string()),
        None,
        Some(after),
    )
}

/// Checks a second factor: a TOTP code (each accepted once) or an unused recovery code.
pub fn verify_second_factor(c: &mut PgConnection, user: &UserRow, code: &str) -> ApiResult<bool> {
    let Some(secret) = user.totp_secret.as_deref().and_then(totp::base32_decode) else {
        return Ok(false);
    };
    if let Some(step) = totp::matching_step(&secret, code, Utc::now().timestamp()) {
        return Ok(users::use_totp_step(c, user.id, step)?);
    }
    let normalized = code.trim().to_uppercase().replace(['-', ' '], "");
    Ok(!normalized.is_empty() && users::use_recovery_code(c, user.id, &hash_token(&normalized))?)
}

fn load(c: &mut PgConnection, id: i64) -> ApiResult<UserRow> {
    users::find_for_update(c, id)?.ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))
}
