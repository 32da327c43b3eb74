//! `/api/v1/bags`: search, detail, registration, seal, delete.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::bags::*;
use tracetrack_api_types::scans::ScanEvent;
use tracetrack_api_types::{BagRole, BagStatus, ErrorCode, Page, Problem, Role};
use tracetrack_db::bags::{self, BagCursor, BagFilter};
use tracetrack_db::scan_events::{self, EventFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_cursor, decode_id_cursor, encode_cursor, id_key, limit, page, try_page};
use super::params::{choice, time_range};
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::{normalize_filter_qr, optional_json, Json};
use crate::services::bags as bag_service;
use crate::services::scan::visible;
use crate::services::seal;
use crate::services::views::{bag_view, event_view};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_bags)
        .service(create_bag)
        .service(get_bag)
        .service(delete_bag)
        .service(restore_bag)
        .service(seal_bag)
        .service(unseal_bag)
        .service(bag_events);
}

/// Filters of the bag list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BagQuery {
    /// Only parents or only children.
    #[param(value_type = Option<BagRole>)]
    role: Option<String>,
    /// Only bags in this status.
    #[param(value_type = Option<BagStatus>)]
    status: Option<String>,
    /// Id prefix, case-insensitive; the list is then ordered by id.
    q: Option<String>,
    /// Children that are (not) in a parent.
    linked: Option<bool>,
    /// Parents that are (not) on a bill.
    billed: Option<bool>,
    /// Area code.
    dispatch_area: Option<String>,
    /// Creator's user id.
    created_by: Option<i64>,
    /// Created at or after (RFC 3339).
    #[param(format = DateTime)]
    created_from: Option<String>,
    /// Created before (RFC 3339).
    #[param(format = DateTime)]
    created_to: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Bags, newest first (with `q`: by id). A dispatcher sees their area and bags of no area.
#[utoipa::path(
    tag = "bags",
    params(BagQuery),
    responses((status = 200, body = Page<BagView>), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_bags(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<BagQuery>,
) -> ApiResult<web::Json<Page<BagView>>> {
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let role = choice::<BagRole>(q.role.as_deref(), "role")?;
    let status = choice::<BagStatus>(q.status.as_deref(), "status")?;
    let prefix = q.q.as_deref().map(normalize_filter_qr).filter(|p| !p.is_empty());
    let cursor = match &prefix {
        Some(_) => decode_cursor(q.cursor.as_deref(), 'q')?.map(BagCursor::Qr),
        None => decode_id_cursor(q.cursor.as_deref())?.map(BagCursor::Id),
    };
    let (created_from, created_to) = time_range(
        q.created_from.as_deref(),
        q.created_to.as_deref(),
        ("created_from", "created_to"),
    )?;
    let by_qr = prefix.is_some();
    let filter = BagFilter {
        role,
        status,
        prefix,
        linked: q.linked,
        billed: q.billed,
        dispatch_area: q.dispatch_area,
        created_by: q.created_by,
        created_from,
        created_to,
        visibility: user.visibility(),
    };
    let rows = state
        .db(move |c| Ok(bags::list(c, &filter, cursor.as_ref(), limit)?))
        .await?;
    let key = move |b: &tracetrack_db::models::BagRow| {
        if by_qr {
            encode_cursor('q', &b.qr_id)
        } else {
            id_key(b.id)
        }
    };
    // Bill numbers are shown in the detail; the list stays one query.
    Ok(web::Json(page(rows, limit, key, |b| bag_view(&b, None))))
}

/// Register a bag without scanning it.
#[utoipa::path(
    tag = "bags",
    request_body = CreateBagRequest,
    responses(
        (status = 201, body = BagResponse),
        (status = 400, description = "invalid_qr_id", body = Problem),
        (status = 409, description = "duplicate", body = Problem),
        (status = 422, description = "wrong_role (role disagrees with the formats), validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_bag(state: web::Data<AppState>, ctx: Ctx, body: Json<CreateBagRequest>) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let st = state.get_ref().clone();
    let bag = state
        .tx(move |c| {
            let formats = st.formats.get(c)?;
            let actor = Actor::new(&ctx, &st.config);
            let bag = bag_service::register(c, &actor, &formats, &body.qr_id, body.role)?;
            Ok(bag_view(&bag, None))
        })
        .await?;
    Ok(HttpResponse::Created().json(BagResponse { bag }))
}

/// Loads a bag the caller may see, or 404.
fn visible_bag(
    c: &mut tracetrack_db::diesel::PgConnection,
    user: &CurrentUser,
    qr: &str,
    include_deleted: bool,
) -> ApiResult<tracetrack_db::models::BagRow> {
    visible(user, bags::find(c, qr)?)
        .filter(|b| include_deleted || b.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found(ErrorCode::BagNotFound, format!("Bag {qr} does not exist.")))
}

/// A bag with its parent, children, bill and last 20 events.
#[utoipa::path(
    tag = "bags",
    params(("qr_id" = String, Path, description = "Bag id (case-insensitive)")),
    responses((status = 200, body = BagDetail), (status = 404, description = "bag_not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{qr_id}")]
async fn get_bag(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<web::Json<BagDetail>> {
    let qr = normalize_filter_qr(&path.into_inner());
    let detail = state
        .db(move |c| {
            let bag = visible_bag(c, &user, &qr, false)?;
            let bill = bags::bill_of(c, bag.id)?.map(|(id, bill_number, status)| BillSummary {
                id,
                bill_number,
                status,
            });
            let parent = match bag.is_parent() {
                true => None,
                false => bags::parent_of(c, bag.id)?.map(|p| bag_view(&p, None)),
            };
            let children = bags::children_of(c, bag.id)?
                .into_iter()
                .map(|(qr_id, linked_at)| LinkedChild { qr_id, linked_at })
                .collect();
            let filter = EventFilter::about(bag.qr_id.clone(), user.visibility(), user.id);
            let mut events = scan_events::list(c, &filter, None, 20)?;
            events.truncate(20);
            let events = events.into_iter().map(event_view).collect::<ApiResult<_>>()?;
            let bag = bag_view(&bag, bill.as_ref().map(|b| b.bill_number.clone()));
            Ok(BagDetail {
                bag,
                parent,
                children,
                bill,
                events,
            })
        })
        .await?;
    Ok(web::Json(detail))
}

/// Soft-delete a bag (admin, biller); refused while linked or on a bill.
#[utoipa::path(
    tag = "bags",
    params(("qr_id" = String, Path, description = "Bag id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bag_not_found", body = Problem),
        (status = 409, description = "in_use: linked, holding children or on a bill", body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/{qr_id}")]
async fn delete_bag(state: web::Data<AppState>, ctx: Ctx, path: web::Path<String>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Biller)?;
    let qr = normalize_filter_qr(&path.into_inner());
    let st = state.get_ref().clone();
    state
        .tx(move |c| bag_service::delete(c, &Actor::new(&ctx, &st.config), &qr))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Undo a soft delete (admin).
#[utoipa::path(
    tag = "bags",
    params(("qr_id" = String, Path, description = "Bag id")),
    responses(
        (status = 200, body = BagResponse),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bag_not_found (no deleted bag with this id)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{qr_id}/restore")]
async fn restore_bag(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<String>,
) -> ApiResult<web::Json<BagResponse>> {
    ctx.user.require(Role::Admin)?;
    let qr = normalize_filter_qr(&path.into_inner());
    let st = state.get_ref().clone();
    let bag = state
        .tx(move |c| {
            Ok(bag_view(
                &bag_service::restore(c, &Actor::new(&ctx, &st.config), &qr)?,
                None,
            ))
        })
        .await?;
    Ok(web::Json(BagResponse { bag }))
}

/// Seal a parent (a reason is required below capacity).
#[utoipa::path(
    tag = "bags",
    params(("qr_id" = String, Path, description = "Parent id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    request_body(content = SealRequest, description = "Optional; `reason` is required when short of capacity"),
    responses(
        (status = 200, description = "sealed (or already sealed, unchanged)", body = ParentResponse),
        (status = 404, description = "bag_not_found", body = Problem),
        (status = 409, description = "parent_billed", body = Problem),
        (status = 422, description = "validation_failed (reason missing), wrong_role", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{qr_id}/seal")]
async fn seal_bag(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let req: SealRequest = optional_json(&body)?;
    let qr = path.into_inner();
    let answer = state.tx(move |c| seal::run(c, &ctx, &qr, Some(req.reason))).await?;
    Ok(answer.into_response())
}

/// Unseal a parent.
#[utoipa::path(
    tag = "bags",
    params(("qr_id" = String, Path, description = "Parent id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    responses(
        (status = 200, body = ParentResponse),
        (status = 404, description = "bag_not_found", body = Problem),
        (status = 409, description = "parent_billed", body = Problem),
        (status = 422, description = "wrong_role", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{qr_id}/unseal")]
async fn unseal_bag(state: web::Data<AppState>, ctx: Ctx, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let qr = path.into_inner();
    let answer = state.tx(move |c| seal::run(c, &ctx, &qr, None)).await?;
    Ok(answer.into_response())
}

/// Paging of a bag's history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// A bag's full event history, newest first.
#[utoipa::path(
    operation_id = "list_bag_events",
    tag = "bags",
    params(("qr_id" = String, Path, description = "Bag id"), PageQuery),
    responses((status = 200, body = Page<ScanEvent>), (status = 404, description = "bag_not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{qr_id}/events")]
async fn bag_events(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ScanEvent>>> {
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let qr = normalize_filter_qr(&path.into_inner());
    let rows = state
        .db(move |c| {
            let bag = visible_bag(c, &user, &qr, true)?;
            let filter = EventFilter::about(bag.qr_id, user.visibility(), user.id);
            Ok(scan_events::list(c, &filter, before, limit)?)
        })
        .await?;
    Ok(web::Json(try_page(rows, limit, |e| id_key(e.id), event_view)?))
}
