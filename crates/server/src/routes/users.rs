//! `/api/v1/users`: user administration (admin) with the rules of docs/domain.md §5.

use super::params::choice;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::admin::{CreateUserRequest, PatchUserRequest};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::Role;
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::users::{self, UserFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::{password, Ctx, CurrentUser};
use crate::error::ApiResult;
use crate::input::Json;
use crate::services::accounts::{self, check_email};
use crate::services::users::{self as user_service, UserChange};
use crate::services::views::user_view;
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user)
        .service(delete_user)
        .service(unlock_user)
        .service(end_sessions);
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Username or e-mail contains this (case-insensitive).
    q: Option<String>,
    /// Only users of this role.
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Area code.
    dispatch_area: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Users, newest first (admin).
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    responses((status = 200, body = Page<User>), (status = 403, description = "forbidden", body = Problem), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<UserQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    user.require(Role::Admin)?;
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let role = choice::<Role>(q.role.as_deref(), "role")?;
    let filter = UserFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        role,
        dispatch_area: q.dispatch_area,
    };
    let rows = state.db(move |c| Ok(users::list(c, &filter, before, limit)?)).await?;
    Ok(web::Json(page(rows, limit, |u| id_key(u.id), |u| user_view(&u))))
}

/// Create a user (admin).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = User),
        (status = 403, description = "forbidden", body = Problem),
        (status = 409, description = "duplicate (username taken)", body = Problem),
        (status = 422, description = "validation_failed (weak password, unknown area, ...)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_user(state: web::Data<AppState>, ctx: Ctx, body: Json<CreateUserRequest>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let b = body.into_inner();
    let role = b.role;
    let account = accounts::prepare(&b.username, b.email, b.password).await?;
    let actor = Actor::new(&ctx, &state.config);
    let user = state
        .tx(move |c| {
            Ok(user_view(&user_service::create(
                c,
                &actor,
                &account,
                role,
                b.dispatch_area,
            )?))
        })
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// One user (admin).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}")]
async fn get_user(state: web::Data<AppState>, user: CurrentUser, path: web::Path<i64>) -> ApiResult<web::Json<User>> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    let row = state
        .db(move |c| users::find(c, id)?.ok_or_else(|| user_service::not_found(id)))
        .await?;
    Ok(web::Json(user_view(&row)))
}

/// Edit a user (admin); a role change, deactivation or new password ends their sessions.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = PatchUserRequest,
    responses(
        (status = 200, body = User),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 409, description = "self_change (own role), last_admin", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
async fn patch_user(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<PatchUserRequest>,
) -> ApiResult<web::Json<User>> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let b = body.into_inner();
    let email = b.email.map(|e| check_email(Some(e))).transpose()?;
    let hash = match b.password {
        Some(pw) => {
            let username = state
                .db(move |c| {
                    users::find(c, id)?
                        .map(|u| u.username)
                        .ok_or_else(|| user_service::not_found(id))
                })
                .await?;
            password::check_policy(&pw, &username, "/password")?;
            Some(web::block(move || password::hash(&pw)).await??)
        }
        None => None,
    };
    let change = UserChange {
        role: b.role,
        dispatch_area: b.dispatch_area,
        email,
        is_active: b.is_active,
        password_hash: hash,
    };
    let actor = Actor::new(&ctx, &state.config);
    let user = state
        .tx(move |c| Ok(user_view(&user_service::update(c, &actor, id, change)?)))
        .await?;
    // Role, area and activity travel with every cached session.
    state.sessions.changed(id).await;
    Ok(web::Json(user))
}

/// Delete a user (admin); their history stays attributable.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 409, description = "self_change, last_admin", body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}")]
async fn delete_user(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| user_service::delete(c, &actor, id)).await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Clear a user's failed sign-ins and lock (admin).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "unlocked"), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[post("/{id}/unlock")]
async fn unlock_user(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| user_service::unlock(c, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of a user (admin).
#[utoipa::path(
    operation_id = "end_user_sessions",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "sessions ended"), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[delete("/{id}/sessions")]
async fn end_sessions(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| user_service::end_sessions(c, &actor, id)).await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}
