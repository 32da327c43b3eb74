//! Sessions: access tokens, rotating refresh tokens, reuse detection (docs/domain.md §6).

use actix_web::cookie::{time, Cookie, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use tracetrack_api_types::auth::TokenResponse;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{SessionRow, UserRow};
use tracetrack_db::users;

use super::views::user_view;
use crate::auth::jwt::Claims;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Name of the refresh-token cookie.
pub const REFRESH_COOKIE: &str = "tt_refresh";
/// Path the cookie is limited to.
pub const COOKIE_PATH: &str = "/api/v1/auth";

/// 32 random bytes, URL-safe.
pub fn random_token() -> ApiResult<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Stored form of a refresh token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Signs an access token and stores a fresh refresh token for the session.
pub fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    user: &UserRow,
    session: &SessionRow,
) -> ApiResult<TokenResponse> {
    let refresh = random_token()?;
    users::insert_refresh(conn, session.id, &hash_token(&refresh))?;
    let now = Utc::now();
    // The access token never outlives the session.
    let exp = (now + Duration::minutes(state.config.access_token_minutes)).min(session.expires_at);
    let claims = Claims {
        sub: user.id.to_string(),
        sid: session.id,
        iat: now.timestamp(),
        exp: exp.timestamp(),
    };
    let access_token = state.jwt.sign(&claims).map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: (exp - now).num_seconds().max(0),
        refresh_token: refresh,
        session_expires_at: session.expires_at,
        user: user_view(user),
    })
}

/// Creates a session for a user who just proved who they are.
pub fn start(
    conn: &mut PgConnection,
    state: &AppState,
    user: &UserRow,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> ApiResult<(SessionRow, TokenResponse)> {
    let expires = Utc::now() + Duration::minutes(state.config.session_absolute_minutes);
    let session = users::create_session(conn, user.id, expires, ip, user_agent)?;
    let user = users::touch_login(conn, user.id)?;
    let tokens = issue(conn, state, &user, &session)?;
    Ok((session, tokens))
}

/// Is the session usable now?
pub fn alive(state: &AppState, session: &SessionRow, user: &UserRow) -> bool {
    let now = Utc::now();
    session.revoked_at.is_none()
        && session.expires_at > now
        && session.last_seen_at + Duration::minutes(state.config.session_idle_minutes) > now
        && user.is_active
        && user.deleted_at.is_none()
}

/// What a refresh attempt found.
pub enum Refreshed {
    /// A new pair.
    Tokens(Box<TokenResponse>),
    /// The token was used before: the session of this user is now revoked (commit this).
    Reused(i64),
    /// Unknown token or ended session.
    Expired,
}

/// Rotates a refresh token.
pub fn refresh(conn: &mut PgConnection, state: &AppState, token: &str) -> ApiResult<Refreshed> {
    let hash = hash_token(token);
    let Some((session_id, used_at)) = users::find_refresh_for_update(conn, &hash)? else {
        return Ok(Refreshed::Expired);
    };
    if used_at.is_some() {
        users::revoke_session(conn, session_id, "refresh_reused")?;
        let owner = users::session_with_user(conn, session_id)?.map(|(_, user)| user.id);
        tracetrack_db::audit::record(
            conn,
            &tracetrack_db::models::NewAudit {
                actor_id: None,
                action: "auth.refresh_reused".into(),
                entity_type: "session".into(),
                entity_id: Some(session_id.to_string()),
                before: None,
                after: Some(serde_json::json!({"revoked": true})),
                ip: None,
                request_id: Some(crate::error::current_request_id()),
                api_key_id: None,
            },
        )?;
        return Ok(match owner {
            Some(user) => Refreshed::Reused(user),
            None => Refreshed::Expired,
        });
    }
    let Some((session, user)) = users::session_with_user(conn, session_id)? else {
        return Ok(Refreshed::Expired);
    };
    if !alive(state, &session, &user) {
        return Ok(Refreshed::Expired);
    }
    users::use_refresh(conn, &hash)?;
    users::touch_session(conn, session.id)?;
    Ok(Refreshed::Tokens(Box::new(issue(conn, state, &user, &session)?)))
}

/// The refresh-token cookie (empty value and zero age to clear it).
pub fn cookie(state: &AppState, token: Option<&str>) -> Cookie<'static> {
    let age = match token {
        Some(_) => time::Duration::minutes(state.config.session_absolute_minutes),
        None => time::Duration::ZERO,
    };
    Cookie::build(REFRESH_COOKIE, token.unwrap_or_default().to_string())
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.production)
        .max_age(age)
        .finish()
}
