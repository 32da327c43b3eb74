//! User administration (docs/domain.md §5): an admin cannot change their own role,
//! deactivate or delete themselves, and the last active admin stays an admin.
//! A role change, a deactivation and a new password end the user's sessions.

use serde_json::json;
use tracetrack_api_types::{ErrorCode, Role};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::UserRow;
use tracetrack_db::users;

use crate::error::{ApiError, ApiResult};
use crate::services::accounts::{self, NewAccount};
use crate::services::Actor;

/// What a `PATCH /users/{id}` changes; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    /// `Some(None)` removes the area.
    pub dispatch_area: Option<Option<String>>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    pub is_active: Option<bool>,
    /// Already checked against the policy and hashed.
    pub password_hash: Option<String>,
}

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("User {id} does not exist."))
}

/// Creates a user with `role` and, for dispatchers, an area.
pub fn create(
    c: &mut PgConnection,
    actor: &Actor,
    account: &NewAccount,
    role: Role,
    area: Option<String>,
) -> ApiResult<UserRow> {
    let area = check_area(c, role, area)?;
    let user = accounts::insert(c, account, role, area.as_deref())?;
    accounts::record_created(c, &actor.audit, "user.create", &user)?;
    Ok(user)
}

/// Applies `change` to user `id` on behalf of the admin `actor`.
pub fn update(c: &mut PgConnection, actor: &Actor, id: i64, change: UserChange) -> ApiResult<UserRow> {
    let (before, admins) = lock_for_admin_change(c, actor.id(), id)?;
    let new_role = change.role.unwrap_or(before.role);
    let deactivating = change.is_active == Some(false);
    if id == actor.id() && (new_role != before.role || deactivating) {
        return Err(ApiError::conflict(
            ErrorCode::SelfChange,
            "You cannot change your own role or deactivate yourself.",
        ));
    }
    if before.role == Role::Admin && (new_role != Role::Admin || deactivating) {
        keep_last_admin(&admins, &before)?;
    }
    let mut user = before.clone();
    user.role = new_role;
    user.dispatch_area = match (new_role, change.dispatch_area) {
        (_, Some(area)) => check_area(c, new_role, area)?,
        (Role::Dispatcher, None) => before.dispatch_area.clone(),
        (_, None) => None,
    };
    if let Some(email) = change.email {
        user.email = email;
    }
    if let Some(active) = change.is_active {
        user.is_active = active;
    }
    if let Some(hash) = change.password_hash {
        user.password_hash = hash;
    }
    let saved = users::save(c, &user)?;
    let ends_sessions = saved.role != before.role
        || (before.is_active && !saved.is_active)
        || saved.password_hash != before.password_hash;
    if ends_sessions {
        users::revoke_user_sessions(c, id, None, "account_changed")?;
    }
    actor.audit.record(
        c,
        "user.update",
        "user",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        Some(saved.audit_snapshot()),
    )?;
    Ok(saved)
}

/// Soft-deletes user `id` on behalf of the admin `actor`; their history stays attributable.
pub fn delete(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    if id == actor.id() {
        return Err(ApiError::conflict(ErrorCode::SelfChange, "You cannot delete yourself."));
    }
    let (before, admins) = lock_for_admin_change(c, actor.id(), id)?;
    if before.role == Role::Admin {
        keep_last_admin(&admins, &before)?;
    }
    let mut user = before.clone();
    user.is_active = false;
    user.deleted_at = Some(chrono::Utc::now());
    let saved = users::save(c, &user)?;
    users::revoke_user_sessions(c, id, None, "user_deleted")?;
    actor.audit.record(
        c,
        "user.delete",
        "user",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        Some(saved.audit_snapshot()),
    )
}

/// Clears a user's failed sign-ins and lock.
pub fn unlock(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    let user = users::find(c, id)?.ok_or_else(|| not_found(id))?;
    let before = users::failures(c, &user.username)?;
    users::clear_failures(c, &user.username)?;
    let before = before.map(|(failures, until)| json!({"failures": failures, "locked_until": until}));
    let after = Some(json!({"failures": 0}));
    actor
        .audit
        .record(c, "user.unlock", "user", Some(id.to_string()), before, after)
}

/// Ends every session of a user (the caller drops their cached sessions after the commit).
pub fn end_sessions(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    users::find(c, id)?.ok_or_else(|| not_found(id))?;
    let ended = users::revoke_user_sessions(c, id, None, "ended_by_admin")?;
    let after = Some(json!({"sessions_ended": ended}));
    actor
        .audit
        .record(c, "user.sessions_end", "user", Some(id.to_string()), None, after)
}

/// Checks the area for a role: dispatchers may have one (it must exist and be active), others none.
pub fn check_area(c: &mut PgConnection, role: Role, area: Option<String>) -> ApiResult<Option<String>> {
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

/// Locks the active admins (in id order, so concurrent admin edits cannot deadlock),
/// re-checks that the caller is still one of them, then locks the target.
fn lock_for_admin_change(c: &mut PgConnection, actor: i64, id: i64) -> ApiResult<(UserRow, Vec<i64>)> {
    let admins = users::active_admin_ids_for_update(c)?;
    if !admins.contains(&actor) {
        return Err(ApiError::forbidden("You are no longer an active admin."));
    }
    let target = users::find_for_update(c, id)?.ok_or_else(|| not_found(id))?;
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
