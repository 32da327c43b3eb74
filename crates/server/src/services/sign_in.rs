//! Signing in (docs/domain.md §6): a locked account is refused before the password
//! is checked; a wrong password or second factor is counted (services/lockout.rs)
//! and the count commits even though the answer is an error; a good sign-in clears
//! the count and starts a session. Unknown users and wrong passwords answer alike.

use actix_web::web;
use serde_json::json;
use tracetrack_api_types::auth::TokenResponse;
use tracetrack_api_types::ErrorCode;
use tracetrack_db::users;

use crate::auth::password;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Auditor;
use crate::services::lockout::{self, invalid_credentials};
use crate::services::sessions;
use crate::services::two_factor;
use crate::state::AppState;

/// One sign-in attempt, rate limits already passed.
pub struct Attempt {
    /// Trimmed and lower-cased.
    pub username: String,
    pub password: String,
    pub totp_code: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Checks the attempt and starts a session.
pub async fn sign_in(state: &AppState, audit: Auditor, a: Attempt) -> ApiResult<TokenResponse> {
    if a.username.is_empty() || a.username.len() > 100 || a.password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let name = a.username.clone();
    let (lock, user) = state
        .db(move |c| Ok((lockout::current_lock(c, &name)?, users::find_by_username(c, &name)?)))
        .await?;
    if let Some(until) = lock {
        return Err(lockout::locked(until));
    }
    // Unknown users cost a hash too, so timing does not tell them apart.
    let hash = user
        .as_ref()
        .map_or_else(|| password::dummy_hash().to_string(), |u| u.password_hash.clone());
    let pw = a.password;
    let verified = web::block(move || password::verify(&pw, &hash)).await?;
    let ok = verified && user.as_ref().is_some_and(|u| u.is_active);
    let audit = audit.actor(user.as_ref().map(|u| u.id));
    let known = user.is_some();
    let st = state.clone();
    let (username, code, ip, agent) = (a.username, a.totp_code, a.ip, a.user_agent);
    // The inner error commits (failure counts); the outer one rolls back.
    state
        .tx(move |c| {
            let Some(user) = user.filter(|_| ok) else {
                return Ok(Err(lockout::password_failed(c, &st.config, &audit, &username, known)?));
            };
            if user.totp_enabled {
                let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
                    return Ok(Err(ApiError::unauthorized(
                        ErrorCode::TotpRequired,
                        "Enter the code from your authenticator app.",
                    )));
                };
                if !two_factor::verify_second_factor(c, &user, &code)? {
                    return Ok(Err(lockout::totp_failed(c, &st.config, &audit, &username)?));
                }
            }
            users::clear_failures(c, &username)?;
            let (session, tokens) = sessions::start(c, &st, &user, ip.as_deref(), agent.as_deref())?;
            let after = json!({"session_id": session.id, "user_id": user.id});
            audit.record(
                c,
                "auth.login",
                "session",
                Some(session.id.to_string()),
                None,
                Some(after),
            )?;
            Ok(Ok(tokens))
        })
        .await?
}
