//! `/api/v1/auth/2fa`: TOTP enrolment with one-time recovery codes.

use actix_web::{post, web, HttpResponse};
use tracetrack_api_types::auth::{PasswordConfirmRequest, RecoveryCodes, TotpCodeRequest, TotpSetup};
use tracetrack_api_types::Problem;
use tracetrack_db::users;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{password, totp, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::input::Json;
use crate::services::two_factor;
use crate::services::Actor;
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
    let username = ctx.user.username.clone();
    let actor = Actor::new(&ctx, &state.config);
    let secret = state.tx(move |c| two_factor::start_setup(c, &actor)).await?;
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
    let (user_id, actor) = (ctx.user.id, Actor::new(&ctx, &state.config));
    let codes = state.tx(move |c| two_factor::enable(c, &actor, &code)).await?;
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
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| two_factor::disable(c, &actor)).await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}
