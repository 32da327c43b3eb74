//! `/api/v1/promotion-requests` (docs/domain.md §5): a biller or dispatcher asks for a
//! higher role, an admin approves or rejects it with a note; both sides are notified.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::notifications::{CreatePromotionRequest, DecidePromotionRequest, PromotionRequest};
use tracetrack_api_types::{Page, Problem};
use tracetrack_api_types::{PromotionStatus, Role};
use tracetrack_db::promotions::{self, PromotionRow};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use super::params::choice;
use crate::auth::{Ctx, CurrentUser};
use crate::error::ApiResult;
use crate::input::{clean_text, optional_json, Json};
use crate::services::promotions as promotion;
use crate::services::Actor;
use crate::state::AppState;

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
    let b = body.into_inner();
    let reason = promotion::check_request(&ctx.user, b.requested_role, &b.reason)?;
    let actor = Actor::new(&ctx, &state.config);
    let request = state
        .tx(move |c| Ok(view(promotion::request(c, &actor, b.requested_role, &reason)?)))
        .await?;
    Ok(HttpResponse::Created().json(request))
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
    let actor = Actor::new(&ctx, &state.config);
    let decided = state
        .tx(move |c| promotion::decide(c, &actor, id, approving, note))
        .await?;
    let requester = decided.user_id;
    let request = view(decided);
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
