//! `/api/v1/auth`: sign-in, tokens, password.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use tracetrack_api_types::auth::*;
use tracetrack_api_types::Problem;
use tracetrack_db::users;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::extract::request_meta;
use crate::auth::{password, Ctx, CurrentUser};
use crate::error::{current_request_id, ApiError, ApiResult};
use crate::input::Json;
use crate::services::accounts;
use crate::services::audit::Auditor;
use crate::services::sessions::{self, Refreshed, REFRESH_COOKIE};
use crate::services::sign_in::{sign_in, Attempt};
use crate::services::views::user_view;
use crate::services::Actor;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password);
}

/// Sign in; answers the same for unknown users and wrong passwords.
#[utoipa::path(
    operation_id = "create_session",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "signed in; also sets the refresh cookie", body = TokenResponse),
        (status = 401, description = "invalid_credentials, totp_required, totp_invalid", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
        (status = 423, description = "account_locked (with locked_until)", body = Problem),
        (status = 429, description = "rate_limited (Retry-After, RateLimit-* headers)", body = Problem),
    )
)]
#[post("/login")]
async fn login(state: web::Data<AppState>, req: HttpRequest, body: Json<LoginRequest>) -> ApiResult<HttpResponse> {
    let LoginRequest {
        username,
        password,
        totp_code,
    } = body.into_inner();
    let username = username.trim().to_lowercase();
    let (ip, _, _) = request_meta(&req)?;
    let client = ip.clone().unwrap_or_default();
    // Per address and username: a whole shift signs in from one NAT address, so the
    // address alone only gets a generous limit.
    state
        .limiter
        .hit("login_ip", &client, state.config.rate_login_ip)
        .await?;
    state
        .limiter
        .hit("login", &format!("{client}|{username}"), state.config.rate_login)
        .await?;
    let user_agent = req
        .headers()
        .get("User-Agent")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    let audit = Auditor::anonymous(ip.clone(), current_request_id(), &state.config);
    let attempt = Attempt {
        username,
        password,
        totp_code,
        ip,
        user_agent,
    };
    let tokens = sign_in(&state, audit, attempt).await?;
    Ok(HttpResponse::Ok()
        .cookie(sessions::cookie(&state, Some(&tokens.refresh_token)))
        .json(tokens))
}

/// Exchange a refresh token (body or cookie) for a new pair; the old one stops working.
#[utoipa::path(
    operation_id = "refresh_session",
    tag = "auth",
    request_body(content = RefreshRequest, description = "Optional when the cookie is sent"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "session_expired, refresh_reused (the session is revoked)", body = Problem),
    )
)]
#[post("/refresh")]
async fn refresh(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    let body: RefreshRequest = crate::input::optional_json(&body)?;
    let token = body
        .refresh_token
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()))
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "No refresh token; sign in again."))?;
    let st = state.get_ref().clone();
    match state.tx(move |c| sessions::refresh(c, &st, &token)).await? {
        Refreshed::Tokens(tokens) => Ok(HttpResponse::Ok()
            .cookie(sessions::cookie(&state, Some(&tokens.refresh_token)))
            .json(tokens)),
        Refreshed::Reused(user) => {
            state.sessions.changed(user).await;
            Err(ApiError::unauthorized(
                ErrorCode::RefreshReused,
                "This refresh token was already used; the session was ended for safety. Sign in again.",
            ))
        }
        Refreshed::Expired => Err(ApiError::unauthorized(
            ErrorCode::SessionExpired,
            "The session has ended; sign in again.",
        )),
    }
}

/// End the current session.
#[utoipa::path(
    operation_id = "end_session",
    tag = "auth",
    responses((status = 204, description = "signed out"), (status = 401, description = "unauthorized, session_expired", body = Problem)),
    security(("bearer" = []))
)]
#[post("/logout")]
async fn logout(state: web::Data<AppState>, ctx: Ctx) -> ApiResult<HttpResponse> {
    let user = ctx.user.id;
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| accounts::sign_out(c, &actor)).await?;
    state.sessions.changed(user).await;
    Ok(HttpResponse::NoContent()
        .cookie(sessions::cookie(&state, None))
        .finish())
}

/// The signed-in user.
#[utoipa::path(
    operation_id = "get_current_user",
    tag = "auth",
    responses((status = 200, body = User), (status = 401, description = "unauthorized, session_expired", body = Problem)),
    security(("bearer" = []))
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<User>> {
    let row = state
        .db(move |c| {
            users::find(c, user.id)?.ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))
        })
        .await?;
    Ok(web::Json(user_view(&row)))
}

/// Change your password; your other sessions end.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed"),
        (status = 401, description = "unauthorized", body = Problem),
        (status = 422, description = "validation_failed: current password wrong (`/current_password`) or new one too weak (`/new_password`)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/password")]
async fn change_password(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    password::check_policy(&body.new_password, &ctx.user.username, "/new_password")?;
    let id = ctx.user.id;
    let row = state
        .db(move |c| {
            users::find(c, id)?.ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))
        })
        .await?;
    let new_hash = web::block(move || {
        if !password::verify(&body.current_password, &row.password_hash) {
            return Err(ApiError::invalid_field(
                "/current_password",
                "incorrect",
                "The current password is wrong.",
            ));
        }
        password::hash(&body.new_password)
    })
    .await??;
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| accounts::set_password(c, &actor, new_hash)).await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}
