//! `/api/v1/bags`: search, detail, registration, seal, delete.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use tracetrack_api_types::bags::*;
use tracetrack_api_types::scans::ScanEvent;
use tracetrack_api_types::{BagRole, BagStatus, ErrorCode, Page, Problem, Role};
use tracetrack_db::bags::{self, BagCursor, BagFilter};
use tracetrack_db::detail::{self, ChildLink};
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
        .service(bag_events)
        .service(bag_children);
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

/// Children shown in a bag's detail; the rest are paged.
const DETAIL_CHILDREN: i64 = 100;
/// Events shown in a bag's detail; the rest are paged.
const DETAIL_EVENTS: i64 = 20;

/// A bag with its parent, first 100 children, bill and last 20 events (one query).
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
    let rows = state
        .db(move |c| {
            let rows = detail::detail(c, &qr, &user.visibility(), user.id, DETAIL_CHILDREN, DETAIL_EVENTS)?;
            rows.filter(|d| d.bag.deleted_at.is_none() && user.sees_bag(d.bag.dispatch_area.as_deref()))
                .ok_or_else(|| ApiError::not_found(ErrorCode::BagNotFound, format!("Bag {qr} does not exist.")))
        })
        .await?;
    let bill = rows.bill.map(|b| BillSummary {
        id: b.id,
        bill_number: b.bill_number,
        status: b.status,
    });
    let children = page(rows.children, DETAIL_CHILDREN, child_key, child_view);
    let events = try_page(rows.events, DETAIL_EVENTS, |e| id_key(e.id), event_view)?;
    Ok(web::Json(BagDetail {
        children_total: i32::try_from(rows.children_total).unwrap_or(i32::MAX),
        bag: bag_view(&rows.bag, bill.as_ref().map(|b| b.bill_number.clone())),
        parent: rows.parent.map(|p| bag_view(&p, None)),
        children: children.items,
        children_next_cursor: children.next_cursor,
        bill,
        events: events.items,
        events_next_cursor: events.next_cursor,
    }))
}

/// A parent's children in link order (`[]` for a child).
#[utoipa::path(
    operation_id = "list_bag_children",
    tag = "bags",
    params(("qr_id" = String, Path, description = "Bag id"), PageQuery),
    responses(
        (status = 200, body = Page<LinkedChild>),
        (status = 404, description = "bag_not_found", body = Problem),
        (status = 422, description = "validation_failed: a bad limit or cursor", body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/{qr_id}/children")]
async fn bag_children(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<LinkedChild>>> {
    let limit = limit(q.limit)?;
    let after = decode_child_cursor(q.cursor.as_deref())?;
    let qr = normalize_filter_qr(&path.into_inner());
    let rows = state
        .db(move |c| {
            let bag = visible_bag(c, &user, &qr, false)?;
            Ok(detail::children_page(c, bag.id, &user.visibility(), after, limit)?)
        })
        .await?;
    Ok(web::Json(page(rows, limit, child_key, child_view)))
}

/// A child as listed in its parent.
fn child_view(c: ChildLink) -> LinkedChild {
    LinkedChild {
        qr_id: c.qr_id,
        linked_at: c.linked_at,
    }
}

/// Cursor of the children list: the last child's link time (µs) and id.
fn child_key(c: &ChildLink) -> String {
    encode_cursor('c', &format!("{}:{}", c.linked_at.timestamp_micros(), c.child_id))
}

/// Reads a [`child_key`] cursor.
fn decode_child_cursor(cursor: Option<&str>) -> ApiResult<Option<(DateTime<Utc>, i64)>> {
    let Some(key) = decode_cursor(cursor, 'c')? else {
        return Ok(None);
    };
    // Link times PostgreSQL can hold and the server can have written.
    let plausible = |t: &DateTime<Utc>| (2000..=9999).contains(&t.year());
    key.split_once(':')
        .and_then(|(at, id)| Some((DateTime::from_timestamp_micros(at.parse().ok()?)?, id.parse().ok()?)))
        .filter(|(at, _)| plausible(at))
        .map(Some)
        .ok_or_else(|| ApiError::invalid_param("cursor", "The cursor is not one this list handed out."))
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
