//! `/api/v1/promotion-requests` (docs/domain.md §5): a biller or dispatcher asks for a
//! higher role, an admin approves or rejects it with a note; both sides are notified.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tracetrack_api_types::notifications::{CreatePromotionRequest, DecidePromotionRequest, PromotionRequest};
use tracetrack_api_types::{Page, Problem};
use tracetrack_api_types::{PromotionStatus, Role};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::notifications::{self, Note};
use tracetrack_db::promotions::{self, PromotionRow};
use tracetrack_db::users;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use super::params::choice;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::{clean_text, optional_json, Json};
use crate::services::audit::Auditor;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_promotion_requests)
        .service(request_promotion)
        .service(approve)
        .service(reject);
}

fn view(r: PromotionRow) -> PromotionRequest {
    PromotionRequest {
        id: r.id,
        user_id: r.user_id,
        username: r.username,
        current_role: r.from_role,
        requested_role: r.requested_role,
        reason: r.reason,
        status: r.status,
        decided_by: r.decided_by,
        decision_note: r.decision_note,
        decided_at: r.decided_at,
        created_at: r.created_at,
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("Promotion request {id} does not exist."))
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PromotionQuery {
    /// Only requests in this state.
    #[param(value_type = Option<PromotionStatus>)]
    status: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Promotion requests, newest first: all for admins, one's own for everyone else.
#[utoipa::path(
    tag = "promotions",
    params(PromotionQuery),
    responses((status = 200, body = Page<PromotionRequest>)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_promotion_requests(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<PromotionQuery>,
) -> ApiResult<web::Json<Page<PromotionRequest>>> {
    let q = q.into_inner();
    let status = choice::<PromotionStatus>(q.status.as_deref(), "status")?;
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let own = (user.role != Role::Admin).then_some(user.id);
    let rows = state
        .db(move |c| Ok(promotions::list(c, own, status, before, limit)?))
        .await?;
    Ok(web::Json(page(rows, limit, |r| id_key(r.id), view)))
}

/// Ask for a higher role (billers and dispatchers; one pending request each).
#[utoipa::path(
    operation_id = "create_promotion_request",
    tag = "promotions",
    request_body = CreatePromotionRequest,
    responses(
        (status = 201, body = PromotionRequest),
        (status = 403, description = "forbidden: admins hold the highest role", body = Problem),
        (status = 409, description = "promotion_pending: one request is already waiting", body = Problem),
        (status = 422, description = "validation_failed: role not above the caller's, reason not 10–500 characters", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn request_promotion(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<CreatePromotionRequest>,
) -> ApiResult<HttpResponse> {
    if ctx.user.role == Role::Admin {
        return Err(ApiError::forbidden("Admins already hold the highest role."));
    }
    let b = body.into_inner();
    let wanted = Some(b.requested_role)
        .filter(|r| *r > ctx.user.role)
        .ok_or_else(|| ApiError::invalid_field("/requested_role", "invalid", "Ask for a role above your own."))?;
    let reason = b.reason.trim().to_string();
    if !(10..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid_field(
            "/reason",
            "invalid",
            "Give a reason of 10 to 500 characters.",
        ));
    }
    let st = state.get_ref().clone();
    let request = state
        .tx(move |c| {
            let (user, current) = (ctx.user.id, ctx.user.role);
            let id = promotions::insert(c, user, current, wanted, &reason)?.ok_or_else(|| {
                ApiError::conflict(
                    ErrorCode::PromotionPending,
                    "You already have a request waiting for an admin.",
                )
            })?;
            let row = promotions::find(c, id)?.ok_or_else(|| not_found(id))?;
            let message = format!("{} asks to become {}: {}", row.username, row.requested_role, row.reason);
            notifications::notify_admins(
                c,
                Note {
                    level: "info",
                    title: "Promotion request",
                    message: &message,
                    link: Some("/admin/promotions"),
                },
            )?;
            let after = json!({"requested_role": row.requested_role, "reason": row.reason});
            Auditor::new(&ctx, &st.config).record(
                c,
                "promotion.request",
                "promotion_request",
                Some(id.to_string()),
                None,
                Some(after),
            )?;
            Ok(view(row))
        })
        .await?;
    Ok(HttpResponse::Created().json(request))
}

/// Locks a pending request for a decision by an admin.
fn pending(
    c: &mut PgConnection,
    id: i64,
    status: PromotionStatus,
    by: i64,
    note: Option<&str>,
) -> ApiResult<PromotionRow> {
    let row = promotions::find(c, id)?.ok_or_else(|| not_found(id))?;
    if !promotions::decide(c, id, status, by, note)? {
        return Err(ApiError::conflict(
            ErrorCode::PromotionDecided,
            format!("Request {id} was already {}.", row.status),
        ));
    }
    Ok(row)
}

async fn decide(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: i64,
    body: web::Bytes,
    approving: bool,
) -> ApiResult<web::Json<PromotionRequest>> {
    ctx.user.require(Role::Admin)?;
    let b: DecidePromotionRequest = optional_json(&body)?;
    let note = clean_text(b.note, "/note", 500)?;
    let st = state.get_ref().clone();
    let (request, requester) = state
        .tx(move |c| {
            let status = if approving {
                PromotionStatus::Approved
            } else {
                PromotionStatus::Rejected
            };
            let row = pending(c, id, status, ctx.user.id, note.as_deref())?;
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
                ("success", "Promotion approved", message)
            } else {
                let message = match &note {
                    Some(n) => format!("Your request to become {} was declined: {n}", row.requested_role),
                    None => format!("Your request to become {} was declined.", row.requested_role),
                };
                ("warning", "Promotion request declined", message)
            };
            let note_ref = Note {
                level,
                title,
                message: &message,
                link: Some("/profile"),
            };
            notifications::notify(c, user.id, note_ref)?;
            let action = if approving {
                "promotion.approve"
            } else {
                "promotion.reject"
            };
            let after = json!({"status": status, "note": note, "user": user.audit_snapshot()});
            Auditor::new(&ctx, &st.config).record(
                c,
                action,
                "promotion_request",
                Some(id.to_string()),
                Some(json!({"status": "pending", "user": before})),
                Some(after),
            )?;
            let decided = promotions::find(c, id)?.ok_or_else(|| not_found(id))?;
            Ok((view(decided), user.id))
        })
        .await?;
    if approving {
        state.sessions.changed(requester).await;
    }
    Ok(web::Json(request))
}

/// Approve a pending request (admin): the role changes and the user's sessions end.
#[utoipa::path(
    operation_id = "approve_promotion_request",
    tag = "promotions",
    params(("id" = i64, Path, description = "Request id")),
    request_body(content = DecidePromotionRequest, description = "Optional"),
    responses(
        (status = 200, body = PromotionRequest),
        (status = 409, description = "promotion_decided, user_inactive", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/approve")]
async fn approve(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<web::Json<PromotionRequest>> {
    decide(state, ctx, path.into_inner(), body, true).await
}

/// Reject a pending request with an optional note (admin).
#[utoipa::path(
    operation_id = "reject_promotion_request",
    tag = "promotions",
    params(("id" = i64, Path, description = "Request id")),
    request_body(content = DecidePromotionRequest, description = "Optional"),
    responses(
        (status = 200, body = PromotionRequest),
        (status = 409, description = "promotion_decided", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<web::Json<PromotionRequest>> {
    decide(state, ctx, path.into_inner(), body, false).await
}
