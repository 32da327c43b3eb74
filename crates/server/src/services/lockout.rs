//! Sign-in failures and account locks (per username, whether or not it exists).
//! Wrong passwords: the `LOCKOUT_THRESHOLD`th consecutive one locks for
//! `LOCKOUT_MINUTES`; a lock that ran out starts a fresh count. Wrong second-factor
//! codes are counted apart: `TOTP_FAILURE_LIMIT` within `TOTP_FAILURE_MINUTES` lock
//! the account until that window ends. Either lock answers `423 account_locked`.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tracetrack_api_types::NotificationLevel;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::notifications::{self, Note};
use tracetrack_db::users;

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Auditor;
use tracetrack_api_types::ErrorCode;

/// `423 account_locked` with `locked_until`.
pub fn locked(until: DateTime<Utc>) -> ApiError {
    let mut err = ApiError::new(
        actix_web::http::StatusCode::LOCKED,
        ErrorCode::AccountLocked,
        format!(
            "Too many failed sign-ins; try again after {} UTC or ask an admin to unlock.",
            until.format("%H:%M")
        ),
    );
    err.extras_mut().locked_until = Some(until);
    err
}

/// `401 invalid_credentials`.
pub fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(ErrorCode::InvalidCredentials, "Wrong username or password.")
}

/// The lock in force for a username, if any.
pub fn current_lock(c: &mut PgConnection, username: &str) -> ApiResult<Option<DateTime<Utc>>> {
    let lock = users::failures(c, username)?.and_then(|(_, until)| until);
    Ok(lock.filter(|until| *until > Utc::now()))
}

/// Counts a wrong password (or unknown user); the answer to give, locking when
/// this failure reaches the threshold.
pub fn password_failed(
    c: &mut PgConnection,
    config: &Config,
    audit: &Auditor,
    username: &str,
    known: bool,
) -> ApiResult<ApiError> {
    let failures = users::add_failure(c, username)?;
    let mut after = json!({"username": username, "failures": failures});
    let mut answer = invalid_credentials();
    if failures >= config.lockout_threshold {
        let until = Utc::now() + Duration::minutes(config.lockout_minutes);
        lock(c, audit, username, known, until, "password")?;
        after["locked_until"] = json!(until);
        answer.extras_mut().locked_until = Some(until);
    }
    audit.record(c, "auth.login_failed", "user", Some(username.into()), None, Some(after))?;
    Ok(answer)
}

/// Counts a wrong second-factor code; the answer to give (`423` once the window's
/// limit is reached).
pub fn totp_failed(c: &mut PgConnection, config: &Config, audit: &Auditor, username: &str) -> ApiResult<ApiError> {
    let (failures, since) = users::add_totp_failure(c, username, config.totp_failure_minutes)?;
    let after = json!({"username": username, "totp_failures": failures});
    audit.record(c, "auth.totp_failed", "user", Some(username.into()), None, Some(after))?;
    if failures >= config.totp_failure_limit {
        let until = since + Duration::minutes(config.totp_failure_minutes.into());
        lock(c, audit, username, true, until, "totp")?;
        return Ok(locked(until));
    }
    Ok(ApiError::unauthorized(
        ErrorCode::TotpInvalid,
        "The code is wrong or was already used.",
    ))
}

fn lock(
    c: &mut PgConnection,
    audit: &Auditor,
    username: &str,
    known: bool,
    until: DateTime<Utc>,
    reason: &str,
) -> ApiResult<()> {
    users::lock(c, username, until)?;
    if known {
        let message = format!("Too many failed sign-ins for {username}; locked until {until}.");
        let note = Note {
            level: NotificationLevel::Warning,
            title: "Account locked",
            message: &message,
            link: Some("/admin/users"),
        };
        notifications::notify_admins(c, note)?;
    }
    let after = json!({"username": username, "locked_until": until, "reason": reason});
    audit.record(
        c,
        "auth.account_locked",
        "user",
        Some(username.into()),
        None,
        Some(after),
    )?;
    Ok(())
}
