//! Creating an account, shared by admin user creation and self-registration:
//! the same username, e-mail and password rules, one insert and one audit row.

use actix_web::web;
use chrono::{Duration, Utc};
use serde_json::json;
use tracetrack_api_types::Role;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{NewUser, UserRow};
use tracetrack_db::{mail, users};

use crate::auth::password;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Auditor;
use crate::services::sessions::{hash_token, random_token};
use crate::services::Actor;
use tracetrack_api_types::ErrorCode;

/// A checked account, its password already hashed.
pub struct NewAccount {
    pub username: String,
    pub email: Option<String>,
    hash: String,
}

/// 3–50 of `a-z 0-9 . _ -` (after lower-casing).
pub fn valid_username(name: &str) -> bool {
    (3..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// Trims an optional e-mail address; blank is `None`, a malformed one a field problem.
pub fn check_email(email: Option<String>) -> ApiResult<Option<String>> {
    let email = email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        let valid = e.len() <= 254
            && e.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'));
        if !valid || e.chars().any(char::is_whitespace) {
            return Err(ApiError::invalid_field("/email", "invalid", "Not an e-mail address."));
        }
    }
    Ok(email)
}

/// Checks username, e-mail and password policy, then hashes on the blocking pool.
pub async fn prepare(username: &str, email: Option<String>, password: String) -> ApiResult<NewAccount> {
    let username = username.trim().to_lowercase();
    if !valid_username(&username) {
        return Err(ApiError::invalid_field(
            "/username",
            "invalid",
            "3–50 characters: a-z, 0-9, '.', '_' or '-'.",
        ));
    }
    let email = check_email(email)?;
    password::check_policy(&password, &username, "/password")?;
    let hash = web::block(move || password::hash(&password)).await??;
    Ok(NewAccount { username, email, hash })
}

/// Inserts the account; `409 duplicate` when the name is taken. The caller audits it.
pub fn insert(c: &mut PgConnection, account: &NewAccount, role: Role, area: Option<&str>) -> ApiResult<UserRow> {
    let new = NewUser {
        username: &account.username,
        email: account.email.as_deref(),
        password_hash: &account.hash,
        role,
        dispatch_area: area,
    };
    users::insert(c, &new)?
        .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Username {} is taken.", account.username)))
}

/// Sets a new password with a reset code from the mail (`new_hash` is `password`
/// hashed); ends the user's sessions and clears their failed sign-ins. Returns the user.
pub fn reset_password(
    c: &mut PgConnection,
    audit: Auditor,
    token: &str,
    password: &str,
    new_hash: String,
) -> ApiResult<i64> {
    let invalid = || {
        ApiError::bad_request(
            ErrorCode::ResetTokenInvalid,
            "This reset code is unknown, used or expired.",
        )
    };
    let user_id = mail::use_reset(c, &hash_token(token))?.ok_or_else(invalid)?;
    let mut user = users::find_for_update(c, user_id)?.ok_or_else(invalid)?;
    password::check_policy(password, &user.username, "/new_password")?;
    user.password_hash = new_hash;
    users::save(c, &user)?;
    users::revoke_user_sessions(c, user_id, None, "password_reset")?;
    users::clear_failures(c, &user.username)?;
    let audit = audit.actor(Some(user_id));
    audit.record(c, "user.password_reset", "user", Some(user_id.to_string()), None, None)?;
    Ok(user_id)
}

/// Ends the caller's session (sign-out).
pub fn sign_out(c: &mut PgConnection, actor: &Actor) -> ApiResult<()> {
    users::revoke_session(c, actor.user.session_id, "logout")?;
    let id = Some(actor.user.session_id.to_string());
    actor.audit.record(c, "auth.logout", "session", id, None, None)
}

/// Sets the caller's new password (`new_hash`, the current one already checked); ends
/// their other sessions.
pub fn set_password(c: &mut PgConnection, actor: &Actor, new_hash: String) -> ApiResult<()> {
    let id = actor.id();
    let mut user = users::find_for_update(c, id)?
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))?;
    user.password_hash = new_hash;
    users::save(c, &user)?;
    let ended = users::revoke_user_sessions(c, id, Some(actor.user.session_id), "password_changed")?;
    let after = json!({"other_sessions_ended": ended});
    actor.audit.record(
        c,
        "user.password_change",
        "user",
        Some(id.to_string()),
        None,
        Some(after),
    )
}

/// Mails a one-hour reset code to the active user with this address, if any; the
/// request is audited either way (the answer to the caller is the same).
pub fn request_reset(c: &mut PgConnection, audit: Auditor, email: &str) -> ApiResult<()> {
    let Some((user, username)) = mail::active_user_by_email(c, email)? else {
        let after = json!({"email": email, "known": false});
        return audit.record(c, "auth.password_reset_requested", "user", None, None, Some(after));
    };
    let token = random_token()?;
    mail::create_reset(c, user, &hash_token(&token), Utc::now() + Duration::hours(1))?;
    let text = format!(
        "Hello {username},\n\nsomeone asked to reset your TraceTrack password. Use this code within one hour:\n\n{token}\n\nIf it was not you, ignore this mail."
    );
    mail::queue_mail(c, email, "TraceTrack password reset", &text)?;
    let after = json!({"email": email});
    let audit = audit.actor(Some(user));
    audit.record(
        c,
        "auth.password_reset_requested",
        "user",
        Some(user.to_string()),
        None,
        Some(after),
    )
}

/// Self-registration: a dispatcher without an area (an admin assigns one).
pub fn register(c: &mut PgConnection, audit: Auditor, account: &NewAccount) -> ApiResult<UserRow> {
    let user = insert(c, account, Role::Dispatcher, None)?;
    record_created(c, &audit.actor(Some(user.id)), "user.register", &user)?;
    Ok(user)
}

/// Audits a new account (`action`) with the row as it was created.
pub fn record_created(c: &mut PgConnection, audit: &Auditor, action: &str, user: &UserRow) -> ApiResult<()> {
    audit.record(
        c,
        action,
        "user",
        Some(user.id.to_string()),
        None,
        Some(user.audit_snapshot()),
    )
}
