//! `/api/v1/auth/2fa`: TOTP enrolment with one-time recovery codes.

use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use serde_json::json;
use tracetrack_api_types::auth::{PasswordConfirmRequest, RecoveryCodes, TotpCodeRequest, TotpSetup};
use tracetrack_api_types::Problem;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::UserRow;
use tracetrack_db::users;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{password, totp, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::input::Json;
use crate::services::audit::Auditor;
use crate::services::sessions::{hash_token, random_token};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(setup).service(enable).service(disable);
}

/// `RATE_LIMIT_2FA` calls per minute per user to `/auth/2fa/*` (codes are guessable).
async fn limit(state: &AppState, ctx: &Ctx) -> ApiResult<()> {
    state
        .limiter
        .hit("2fa", &ctx.user.id.to_string(), state.config.rate_2fa)
        .await
}

fn load(c: &mut PgConnection, id: i64) -> ApiResult<UserRow> {
    users::find_for_update(c, id)?.ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))
}

/// Start enrolment: a new secret (not active until confirmed with a code).
#[utoipa::path(
    operation_id = "start_two_factor_setup",
    tag = "auth",
    responses(
        (status = 200, body = TotpSetup),
        (status = 409, description = "totp_already_enabled", body = Problem),
        (status = 429, description = "rate_limited (RATE_LIMIT_2FA per minute)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/2fa/setup")]
async fn setup(state: web::Data<AppState>, ctx: Ctx) -> ApiResult<web::Json<TotpSetup>> {
    limit(&state, &ctx).await?;
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).map_err(ApiError::internal)?;
    let secret = totp::base32(&raw);
    let username = ctx.user.username.clone();
    let stored = secret.clone();
    let st = state.get_ref().clone();
    state
        .tx(move |c| {
            let user = load(c, ctx.user.id)?;
            if user.totp_enabled {
                return Err(ApiError::conflict(
                    ErrorCode::TotpAlreadyEnabled,
                    "Two-factor sign-in is on; disable it first.",
                ));
            }
            users::set_totp(c, user.id, Some(&stored), false, None)?;
            let after = json!({"two_factor_pending": true});
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.2fa_setup",
                "user",
                Some(user.id.to_string()),
                None,
                Some(after),
            )
        })
        .await?;
    let otpauth_url = totp::otpauth_url(&secret, &username);
    Ok(web::Json(TotpSetup { secret, otpauth_url }))
}

/// Confirm enrolment with a code; answers ten one-time recovery codes (shown once).
#[utoipa::path(
    operation_id = "enable_two_factor",
    tag = "auth",
    request_body = TotpCodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, description = "totp_already_enabled, totp_not_set_up", body = Problem),
        (status = 422, description = "validation_failed: the code is wrong (`/code`)", body = Problem),
        (status = 429, description = "rate_limited (RATE_LIMIT_2FA per minute)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/2fa/enable")]
async fn enable(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<TotpCodeRequest>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    limit(&state, &ctx).await?;
    let code = body.into_inner().code;
    let user_id = ctx.user.id;
    let st = state.get_ref().clone();
    let codes = state
        .tx(move |c| {
            let user = load(c, ctx.user.id)?;
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
            let step = totp::matching_step(&secret, &code, Utc::now().timestamp())
                .ok_or_else(|| ApiError::invalid_field("/code", "totp_invalid", "The code is wrong or too old."))?;
            users::set_totp(c, user.id, user.totp_secret.as_deref(), true, Some(step))?;
            let mut codes = Vec::with_capacity(10);
            for _ in 0..10 {
                let token = random_token()?;
                let code: String = token
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(10)
                    .collect::<String>()
                    .to_uppercase();
                codes.push(code);
            }
            let hashes: Vec<String> = codes.iter().map(|c| hash_token(c)).collect();
            users::replace_recovery_codes(c, user.id, &hashes)?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.2fa_enable",
                "user",
                Some(user.id.to_string()),
                None,
                Some(json!({"two_factor_enabled": true})),
            )?;
            Ok(codes)
        })
        .await?;
    // REQUIRE_ADMIN_2FA lets an enrolled admin past the enrolment gate.
    state.sessions.changed(user_id).await;
    Ok(web::Json(RecoveryCodes { recovery_codes: codes }))
}

/// Turn two-factor sign-in off (needs the password).
#[utoipa::path(
    operation_id = "disable_two_factor",
    tag = "auth",
    request_body = PasswordConfirmRequest,
    responses(
        (status = 204, description = "disabled"),
        (status = 422, description = "validation_failed: the password is wrong (`/password`)", body = Problem),
        (status = 429, description = "rate_limited (RATE_LIMIT_2FA per minute)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/2fa/disable")]
async fn disable(state: web::Data<AppState>, ctx: Ctx, body: Json<PasswordConfirmRequest>) -> ApiResult<HttpResponse> {
    limit(&state, &ctx).await?;
    let pw = body.into_inner().password;
    let id = ctx.user.id;
    let row = state
        .db(move |c| {
            users::find(c, id)?.ok_or_else(|| ApiError::unauthorized(ErrorCode::SessionExpired, "Sign in again."))
        })
        .await?;
    let ok = web::block(move || password::verify(&pw, &row.password_hash)).await?;
    if !ok {
        return Err(ApiError::invalid_field(
            "/password",
            "incorrect",
            "The password is wrong.",
        ));
    }
    let st = state.get_ref().clone();
    state
        .tx(move |c| {
            users::set_totp(c, id, None, false, None)?;
            users::replace_recovery_codes(c, id, &[])?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.2fa_disable",
                "user",
                Some(id.to_string()),
                None,
                Some(json!({"two_factor_enabled": false})),
            )
        })
        .await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}
