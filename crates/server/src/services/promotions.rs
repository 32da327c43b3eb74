//! Promotion requests (docs/domain.md §5): a biller or dispatcher asks for a higher
//! role with a reason (one pending request each); an admin approves (the role
//! changes, the area is dropped, the user's sessions end) or rejects; both sides are
//! notified and every step is audited.

use serde_json::json;
use tracetrack_api_types::NotificationLevel;
use tracetrack_api_types::{ErrorCode, PromotionStatus, Role};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::notifications::{self, Note};
use tracetrack_db::promotions::{self, PromotionRow};
use tracetrack_db::users;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::services::Actor;

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("Promotion request {id} does not exist."))
}

/// Checks a request before anything is written: a role above the caller's and a
/// reason of 10–500 characters. Returns the trimmed reason.
pub fn check_request(actor: &CurrentUser, wanted: Role, reason: &str) -> ApiResult<String> {
    if actor.role == Role::Admin {
        return Err(ApiError::forbidden("Admins already hold the highest role."));
    }
    if wanted <= actor.role {
        return Err(ApiError::invalid_field(
            "/requested_role",
            "invalid",
            "Ask for a role above your own.",
        ));
    }
    let reason = reason.trim().to_string();
    if !(10..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid_field(
            "/reason",
            "invalid",
            "Give a reason of 10 to 500 characters.",
        ));
    }
    Ok(reason)
}

/// Files a checked request and tells the admins.
pub fn request(c: &mut PgConnection, actor: &Actor, wanted: Role, reason: &str) -> ApiResult<PromotionRow> {
    let id = promotions::insert(c, actor.id(), actor.user.role, wanted, reason)?.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::PromotionPending,
            "You already have a request waiting for an admin.",
        )
    })?;
    let row = promotions::find(c, id)?.ok_or_else(|| not_found(id))?;
    let message = format!("{} asks to become {}: {}", row.username, row.requested_role, row.reason);
    let note = Note {
        level: NotificationLevel::Info,
        title: "Promotion request",
        message: &message,
        link: Some("/admin/promotions"),
    };
    notifications::notify_admins(c, note)?;
    let after = json!({"requested_role": row.requested_role, "reason": row.reason});
    actor.audit.record(
        c,
        "promotion.request",
        "promotion_request",
        Some(id.to_string()),
        None,
        Some(after),
    )?;
    Ok(row)
}

/// Approves or rejects a pending request on behalf of the admin `actor`; returns the
/// decided request. An approval ends the requester's sessions (the caller drops
/// their cached sessions after the commit).
pub fn decide(
    c: &mut PgConnection,
    actor: &Actor,
    id: i64,
    approving: bool,
    note: Option<String>,
) -> ApiResult<PromotionRow> {
    let status = if approving {
        PromotionStatus::Approved
    } else {
        PromotionStatus::Rejected
    };
    let row = promotions::find(c, id)?.ok_or_else(|| not_found(id))?;
    if !promotions::decide(c, id, status, actor.id(), note.as_deref())? {
        return Err(ApiError::conflict(
            ErrorCode::PromotionDecided,
            format!("Request {id} was already {}.", row.status),
        ));
    }
    let mut user = users::find_for_update(c, row.user_id)?.ok_or_else(|| not_found(id))?;
    if approving && (!user.is_active || user.deleted_at.is_some()) {
        return Err(ApiError::conflict(
            ErrorCode::UserInactive,
            format!(
                "{} is deactivated or deleted; reject the request instead.",
                row.username
            ),
        ));
    }
    let before = user.audit_snapshot();
    let (level, title, message) = if approving {
        user.role = row.requested_role;
        user.dispatch_area = None;
        users::save(c, &user)?;
        users::revoke_user_sessions(c, user.id, None, "promoted")?;
        let message = format!("You are now {}. Sign in again to use it.", row.requested_role);
        (NotificationLevel::Success, "Promotion approved", message)
    } else {
        let message = match &note {
            Some(n) => format!("Your request to become {} was declined: {n}", row.requested_role),
            None => format!("Your request to become {} was declined.", row.requested_role),
        };
        (NotificationLevel::Warning, "Promotion request declined", message)
    };
    let told = Note {
        level,
        title,
        message: &message,
        link: Some("/profile"),
    };
    notifications::notify(c, user.id, told)?;
    let action = if approving {
        "promotion.approve"
    } else {
        "promotion.reject"
    };
    let after = json!({"status": status, "note": note, "user": user.audit_snapshot()});
    actor.audit.record(
        c,
        action,
        "promotion_request",
        Some(id.to_string()),
        Some(json!({"status": PromotionStatus::Pending, "user": before})),
        Some(after),
    )?;
    promotions::find(c, id)?.ok_or_else(|| not_found(id))
}
