//! Password reset by e-mail (kept in the outbox when no SMTP relay is set),
//! optional self-registration, and the outbox for admins.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::auth::{ForgotPasswordRequest, OutboxMail, RegisterRequest, ResetPasswordRequest, User};
use tracetrack_api_types::Role;
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::mail;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::extract::request_meta;
use crate::auth::{password, CurrentUser};
use crate::error::{current_request_id, ApiError, ApiResult};
use crate::input::Json;
use crate::services::accounts;
use crate::services::audit::Auditor;
use crate::services::mailer::MAX_ATTEMPTS;
use crate::services::views::user_view;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure_auth(cfg: &mut ServiceConfig) {
    cfg.service(forgot).service(reset).service(register);
}

pub fn configure_outbox(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox);
}

fn client(req: &HttpRequest) -> ApiResult<(Option<String>, String)> {
    let (ip, _, _) = request_meta(req)?;
    let key = ip.clone().unwrap_or_default();
    Ok((ip, key))
}

/// Ask for a reset link; the answer is the same whether or not the address exists.
#[utoipa::path(
    operation_id = "request_password_reset",
    tag = "auth",
    request_body = ForgotPasswordRequest,
    responses((status = 202, description = "accepted (always)"), (status = 429, description = "rate_limited", body = Problem))
)]
#[post("/password/forgot")]
async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ForgotPasswordRequest>,
) -> ApiResult<HttpResponse> {
    let (ip, key) = client(&req)?;
    state.limiter.hit("forgot", &key, state.config.rate_forgot).await?;
    let email = body.into_inner().email.trim().to_string();
    let audit = Auditor::anonymous(ip, current_request_id(), &state.config);
    state.tx(move |c| accounts::request_reset(c, audit, &email)).await?;
    crate::services::mailer::deliver_soon(&state);
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with a reset token; every session of the user ends.
#[utoipa::path(
    operation_id = "reset_password",
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "password changed"),
        (status = 400, description = "reset_token_invalid: unknown, used or expired", body = Problem),
        (status = 422, description = "validation_failed (weak password)", body = Problem),
        (status = 429, description = "rate_limited", body = Problem),
    )
)]
#[post("/password/reset")]
async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ResetPasswordRequest>,
) -> ApiResult<HttpResponse> {
    let (ip, key) = client(&req)?;
    state.limiter.hit("reset", &key, state.config.rate_reset).await?;
    let b = body.into_inner();
    let pw = b.new_password;
    // Policy first (it needs no username beyond "not equal"): checked again below with it.
    password::check_policy(&pw, "", "/new_password")?;
    let for_hash = pw.clone();
    let new_hash = web::block(move || password::hash(&for_hash)).await??;
    let audit = Auditor::anonymous(ip, current_request_id(), &state.config);
    let user_id = state
        .tx(move |c| accounts::reset_password(c, audit, b.token.trim(), &pw, new_hash))
        .await?;
    state.sessions.changed(user_id).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Register as a dispatcher without an area (only with `ALLOW_REGISTRATION=true`).
#[utoipa::path(
    operation_id = "register_user",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = User),
        (status = 404, description = "not_found: registration is off", body = Problem),
        (status = 409, description = "duplicate", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
        (status = 429, description = "rate_limited", body = Problem),
    )
)]
#[post("/register")]
async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    if !state.config.allow_registration {
        return Err(ApiError::not_found(
            ErrorCode::NotFound,
            "Registration is not open on this server.",
        ));
    }
    let (ip, key) = client(&req)?;
    state.limiter.hit("register", &key, state.config.rate_register).await?;
    let b = body.into_inner();
    if b.email.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "/email",
            "required",
            "An e-mail address is needed.",
        ));
    }
    let account = accounts::prepare(&b.username, Some(b.email), b.password).await?;
    let audit = Auditor::anonymous(ip, current_request_id(), &state.config);
    let user = state
        .tx(move |c| Ok(user_view(&accounts::register(c, audit, &account)?)))
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// Paging of the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// The outbox, newest first (admin): every mail with how its delivery went; without
/// an SMTP relay, the mails themselves for admins to pass on.
#[utoipa::path(
    operation_id = "list_outbox_mails",
    tag = "users",
    params(OutboxQuery),
    responses((status = 200, body = Page<OutboxMail>), (status = 403, description = "forbidden", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_outbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<Page<OutboxMail>>> {
    user.require(Role::Admin)?;
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let rows = state.db(move |c| Ok(mail::outbox(c, before, limit)?)).await?;
    let relay = state.mailer.is_some();
    Ok(web::Json(page(
        rows,
        limit,
        |m| id_key(m.id),
        |m| OutboxMail {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at,
            sent_at: m.sent_at,
            next_attempt_at: (relay && m.sent_at.is_none() && m.attempts < MAX_ATTEMPTS).then_some(m.next_attempt_at),
            attempts: m.attempts,
            last_error: m.last_error,
        },
    )))
}
