//! `/api/v1/users`: user administration (admin) with the rules of docs/domain.md §5.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tracetrack_api_types::admin::{CreateUserRequest, PatchUserRequest};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::Role;
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::UserRow;
use tracetrack_db::users::{self, UserFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::{password, Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::services::accounts::{self, check_email};
use crate::services::audit::Auditor;
use crate::services::views::user_view;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

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
    /// `admin`, `biller` or `dispatcher`.
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
    if q.role.as_deref().is_some_and(|r| Role::parse(r).is_none()) {
        return Err(ApiError::invalid_param(
            "role",
            "role must be admin, biller or dispatcher.",
        ));
    }
    let filter = UserFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        role: q.role,
        dispatch_area: q.dispatch_area,
    };
    let rows = state.db(move |c| Ok(users::list(c, &filter, before, limit)?)).await?;
    Ok(web::Json(page(rows, limit, |u| id_key(u.id), |u| user_view(&u))))
}

fn parse_role(value: &str) -> ApiResult<Role> {
    Role::parse(value)
        .ok_or_else(|| ApiError::invalid_field("/role", "invalid", "role must be admin, biller or dispatcher."))
}

/// Checks the area for a role: dispatchers may have one (it must exist and be active), others none.
fn check_area(c: &mut PgConnection, role: Role, area: Option<String>) -> ApiResult<Option<String>> {
    let Some(code) = area.map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    if role != Role::Dispatcher {
        return Err(ApiError::invalid_field(
            "/dispatch_area",
            "not_allowed",
            "Only dispatchers have a dispatch area.",
        ));
    }
    match tracetrack_db::reference::area(c, &code)? {
        Some(a) if a.active => Ok(Some(code)),
        _ => Err(ApiError::invalid_field(
            "/dispatch_area",
            "unknown",
            format!("No active dispatch area {code}."),
        )),
    }
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
async fn create_user(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let b = body.into_inner();
    let role = parse_role(&b.role)?;
    let account = accounts::prepare(&b.username, b.email, b.password).await?;
    let st = state.get_ref().clone();
    let user = state
        .tx(move |c| {
            let area = check_area(c, role, b.dispatch_area)?;
            let user = accounts::insert(c, &account, role, area.as_deref())?;
            let id = Some(user.id.to_string());
            Auditor::new(&ctx, &st.config).record(c, "user.create", "user", id, None, Some(user.audit_snapshot()))?;
            Ok(user_view(&user))
        })
        .await?;
    Ok(HttpResponse::Created().json(user))
}

fn user_not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("User {id} does not exist."))
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
        .db(move |c| users::find(c, id)?.ok_or_else(|| user_not_found(id)))
        .await?;
    Ok(web::Json(user_view(&row)))
}

/// Locks the active admins (in id order, so concurrent admin edits cannot deadlock),
/// re-checks that the caller is still one of them, then locks the target.
fn lock_for_admin_change(c: &mut PgConnection, caller: i64, id: i64) -> ApiResult<(UserRow, Vec<i64>)> {
    let admins = users::active_admin_ids_for_update(c)?;
    if !admins.contains(&caller) {
        return Err(ApiError::forbidden("You are no longer an active admin."));
    }
    let target = users::find_for_update(c, id)?.ok_or_else(|| user_not_found(id))?;
    Ok((target, admins))
}

/// Refuses to leave the system without an active admin.
fn keep_last_admin(admins: &[i64], target: &UserRow) -> ApiResult<()> {
    if admins.len() <= 1 && admins.contains(&target.id) {
        return Err(ApiError::conflict(
            ErrorCode::LastAdmin,
            "This is the last active admin; make another admin first.",
        ));
    }
    Ok(())
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
    body: web::Json<PatchUserRequest>,
) -> ApiResult<web::Json<User>> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let b = body.into_inner();
    let role = b.role.as_deref().map(parse_role).transpose()?;
    let email = b.email.map(|e| check_email(Some(e))).transpose()?;
    let hash = match b.password {
        Some(pw) => {
            let username = state
                .db(move |c| {
                    users::find(c, id)?
                        .map(|u| u.username)
                        .ok_or_else(|| user_not_found(id))
                })
                .await?;
            password::check_policy(&pw, &username, "/password")?;
            Some(web::block(move || password::hash(&pw)).await??)
        }
        None => None,
    };
    let st = state.get_ref().clone();
    let user = state
        .tx(move |c| {
            let (before, admins) = lock_for_admin_change(c, ctx.user.id, id)?;
            let mut user = before.clone();
            let old_role = before.role;
            let new_role = role.unwrap_or(old_role);
            if id == ctx.user.id && (new_role != old_role || b.is_active == Some(false)) {
                return Err(ApiError::conflict(
                    ErrorCode::SelfChange,
                    "You cannot change your own role or deactivate yourself.",
                ));
            }
            let demoted = old_role == Role::Admin && new_role != Role::Admin;
            if demoted || (b.is_active == Some(false) && old_role == Role::Admin) {
                keep_last_admin(&admins, &before)?;
            }
            user.role = new_role;
            user.dispatch_area = match (new_role, b.dispatch_area) {
                (Role::Dispatcher, Some(area)) => check_area(c, new_role, area)?,
                (Role::Dispatcher, None) => before.dispatch_area.clone(),
                (_, Some(area)) => check_area(c, new_role, area)?,
                (_, None) => None,
            };
            if let Some(email) = email {
                user.email = email;
            }
            if let Some(active) = b.is_active {
                user.is_active = active;
            }
            if let Some(hash) = hash {
                user.password_hash = hash;
            }
            let saved = users::save(c, &user)?;
            let ends_sessions = new_role != old_role
                || (before.is_active && !saved.is_active)
                || saved.password_hash != before.password_hash;
            if ends_sessions {
                users::revoke_user_sessions(c, id, None, "account_changed")?;
            }
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.update",
                "user",
                Some(id.to_string()),
                Some(before.audit_snapshot()),
                Some(saved.audit_snapshot()),
            )?;
            Ok(user_view(&saved))
        })
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
    if id == ctx.user.id {
        return Err(ApiError::conflict(ErrorCode::SelfChange, "You cannot delete yourself."));
    }
    let st = state.get_ref().clone();
    state
        .tx(move |c| {
            let (before, admins) = lock_for_admin_change(c, ctx.user.id, id)?;
            if before.role == Role::Admin {
                keep_last_admin(&admins, &before)?;
            }
            let mut user = before.clone();
            user.is_active = false;
            user.deleted_at = Some(chrono::Utc::now());
            let saved = users::save(c, &user)?;
            users::revoke_user_sessions(c, id, None, "user_deleted")?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.delete",
                "user",
                Some(id.to_string()),
                Some(before.audit_snapshot()),
                Some(saved.audit_snapshot()),
            )
        })
        .await?;
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
    let st = state.get_ref().clone();
    state
        .tx(move |c| {
            let user = users::find(c, id)?.ok_or_else(|| user_not_found(id))?;
            let before = users::failures(c, &user.username)?;
            users::clear_failures(c, &user.username)?;
            let before = before.map(|(failures, until)| json!({"failures": failures, "locked_until": until}));
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.unlock",
                "user",
                Some(id.to_string()),
                before,
                Some(json!({"failures": 0})),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of a user (admin).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "sessions ended"), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[delete("/{id}/sessions")]
async fn end_sessions(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let st = state.get_ref().clone();
    state
        .tx(move |c| {
            users::find(c, id)?.ok_or_else(|| user_not_found(id))?;
            let ended = users::revoke_user_sessions(c, id, None, "ended_by_admin")?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "user.sessions_end",
                "user",
                Some(id.to_string()),
                None,
                Some(json!({"sessions_ended": ended})),
            )
        })
        .await?;
    state.sessions.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}
