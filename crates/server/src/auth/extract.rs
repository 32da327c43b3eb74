//! The signed-in user of a request, checked against its server-side session.

use std::future::Future;
use std::pin::Pin;
use tracetrack_domain::visibility::Visibility;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use chrono::{Duration, Utc};
use tracetrack_api_types::Role;
use uuid::Uuid;

use tracetrack_db::diesel::PgConnection;

use super::api_key::{self, KeyAuth};
use super::session_cache::Snapshot;
use crate::error::{current_request_id, ApiError, ApiResult};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

/// Sessions are marked as seen at most this often (seconds), to keep reads cheap.
const TOUCH_EVERY_SECS: i64 = 60;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub dispatch_area: Option<String>,
    /// Nil for API-key callers.
    pub session_id: Uuid,
    /// The key, when an integration calls.
    pub api_key: Option<KeyAuth>,
}

impl CurrentUser {
    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("This needs the {} role.", role.as_str())))
        }
    }

    /// What the caller may see of bags and scan events.
    pub fn visibility(&self) -> Visibility {
        Visibility::of(self.role, self.dispatch_area.as_deref())
    }

    /// May the caller see a bag of this area?
    pub fn sees_bag(&self, area: Option<&str>) -> bool {
        self.visibility().sees_bag(area)
    }
}

/// The one route that also takes the token as `?access_token=`: a browser's
/// `EventSource` cannot send headers. (Request logs record the route, never the query.)
pub const EVENT_STREAM_PATH: &str = "/api/v1/events/stream";

pub fn bearer(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string());
    }
    if req.path() != EVENT_STREAM_PATH {
        return None;
    }
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()?
        .get("access_token")
        .cloned()
}

pub async fn authenticate(req: HttpRequest) -> ApiResult<CurrentUser> {
    if let Some(user) = req.extensions().get::<CurrentUser>() {
        return Ok(user.clone());
    }
    crate::error::name_route(req.method().as_str(), req.match_pattern());
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("no state"))?
        .clone();
    let (user, quota) = match api_key::presented(&req) {
        Some(key) => api_key::authenticate(&state, &req, &key).await?,
        None => {
            let token = bearer(&req).ok_or_else(|| {
                ApiError::unauthorized(
                    ErrorCode::Unauthorized,
                    "Sign in first: send Authorization: Bearer <access token> (or an API key).",
                )
            })?;
            let user = session_user(&state, &token, req.path(), Touch::Yes).await?;
            let quota = state
                .limiter
                .take("api", &user.id.to_string(), state.config.rate_api)
                .await?;
            (user, quota)
        }
    };
    tracing::Span::current().record("user_id", user.id);
    req.extensions_mut().insert(quota);
    if let Some(key) = &user.api_key {
        api_key::check_scope(&req, key)?;
    }
    req.extensions_mut().insert(user.clone());
    Ok(user)
}

/// Whether checking a session counts as the user being active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// A request: marks the session seen (now and then).
    Yes,
    /// A re-check of a long-lived stream: the session may still end by idling.
    No,
}

/// The user an access token stands for, while its session lives (from the Redis
/// cache when it holds the user's current epoch, else from the database).
pub async fn session_user(state: &AppState, token: &str, path: &str, touch: Touch) -> ApiResult<CurrentUser> {
    let claims = state
        .jwt
        .verify(token)
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::Unauthorized, "The access token is invalid or expired."))?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized(ErrorCode::Unauthorized, "The access token is invalid or expired."))?;
    let session_id = claims.sid;
    let cached = state.sessions.lookup(session_id, user_id).await;
    let snapshot = match cached.hit {
        Some(snapshot) => snapshot,
        None => {
            let idle = Duration::minutes(state.config.session_idle_minutes);
            let snapshot = state
                .db(move |conn| read_session(conn, session_id, user_id, idle, touch))
                .await?;
            if let Some(epoch) = cached.epoch {
                state.sessions.store(session_id, epoch, snapshot.clone()).await;
            }
            snapshot
        }
    };
    if !snapshot.in_time(Duration::minutes(state.config.session_idle_minutes)) {
        return Err(expired());
    }
    // With REQUIRE_ADMIN_2FA, an admin without TOTP may only enrol (or sign out).
    let exempt = [
        "/api/v1/auth/2fa/setup",
        "/api/v1/auth/2fa/enable",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
    ];
    let must_enrol = state.config.require_admin_2fa && !exempt.contains(&path);
    if must_enrol && snapshot.role == Role::Admin && !snapshot.totp_enabled {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            ErrorCode::TotpEnrolmentRequired,
            "Admins must set up two-factor sign-in first (POST /api/v1/auth/2fa/setup).",
        ));
    }
    Ok(CurrentUser {
        id: snapshot.user_id,
        role: snapshot.role,
        username: snapshot.username,
        dispatch_area: snapshot.dispatch_area,
        session_id,
        api_key: None,
    })
}

/// Reads a live session from the database (marking it seen now and then).
fn read_session(
    conn: &mut PgConnection,
    session_id: Uuid,
    user_id: i64,
    idle: Duration,
    touch: Touch,
) -> ApiResult<Snapshot> {
    let (session, user) = tracetrack_db::users::session_with_user(conn, session_id)?.ok_or_else(expired)?;
    let mut snapshot = Snapshot {
        user_id: user.id,
        username: user.username,
        role: user.role,
        dispatch_area: user.dispatch_area,
        totp_enabled: user.totp_enabled,
        expires_at: session.expires_at,
        last_seen_at: session.last_seen_at,
    };
    let alive =
        session.revoked_at.is_none() && session.user_id == user_id && user.is_active && user.deleted_at.is_none();
    if !alive || !snapshot.in_time(idle) {
        return Err(expired());
    }
    let now = Utc::now();
    if touch == Touch::Yes && (now - snapshot.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
        tracetrack_db::users::touch_session(conn, session.id)?;
        snapshot.last_seen_at = now;
    }
    Ok(snapshot)
}

fn expired() -> ApiError {
    ApiError::unauthorized(ErrorCode::SessionExpired, "The session has ended; sign in again.")
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<CurrentUser>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// Who is asking, from where: everything an audit row or scan event records.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: CurrentUser,
    pub ip: Option<String>,
    pub request_id: String,
    pub station_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// Where the request's changes are announced (webhooks).
    pub outbox: crate::webhooks::outbox::Outbox,
}

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Client IP and headers of a request, without the user.
pub fn request_meta(req: &HttpRequest) -> ApiResult<(Option<String>, Option<String>, Option<String>)> {
    let proxies = req
        .app_data::<web::Data<AppState>>()
        .map(|s| &s.config.trusted_proxies[..]);
    let ip = crate::client_ip::client_ip(req, proxies.unwrap_or_default()).map(|ip| ip.to_string());
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    let station = header_text("X-Station-Id").map(|s| s.chars().take(100).collect());
    let key = header_text("Idempotency-Key");
    if key.as_ref().is_some_and(|k| k.len() > MAX_IDEMPOTENCY_KEY) {
        return Err(ApiError::validation(vec![tracetrack_api_types::FieldError {
            pointer: None,
            parameter: None,
            header: Some("Idempotency-Key".into()),
            detail: format!("Idempotency-Key may have at most {MAX_IDEMPOTENCY_KEY} characters."),
            code: "too_long".into(),
        }]));
    }
    Ok((ip, station, key))
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<Ctx>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (ip, station_id, idempotency_key) = request_meta(&req)?;
            let outbox = match req.app_data::<web::Data<AppState>>() {
                Some(state) => crate::webhooks::outbox::Outbox::new(&state.config),
                None => return Err(ApiError::internal("no state")),
            };
            let user = authenticate(req).await?;
            // An integration's scans name its key unless it names a station.
            let station_id = station_id.or_else(|| user.api_key.as_ref().map(|k| k.prefix.clone()));
            Ok(Ctx {
                user,
                ip,
                request_id: current_request_id(),
                station_id,
                idempotency_key,
                outbox,
            })
        })
    }
}
