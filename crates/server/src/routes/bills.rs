//! `/api/v1/bills`: dispatches and their parents.

use super::params::choice;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tracetrack_api_types::bills::*;
use tracetrack_api_types::{BillStatus, Role, ScanKind, ScanOutcome};
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::bills::{self, BillFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use super::params::time_range;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::clean_text;
use crate::input::Json;
use crate::services::bills::{self as rules, bill_not_found, check_capacity, NewBillInput};
use crate::services::logged::{self, fingerprint, to_json, EventInfo, LoggedWrite};
use crate::services::views::{bill_parent, bill_view};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_bills)
        .service(create_bill)
        .service(get_bill)
        .service(patch_bill)
        .service(delete_bill)
        .service(add_parent)
        .service(remove_parent)
        .service(complete_bill)
        .service(reopen_bill);
}

/// Filters of the bill list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BillQuery {
    /// Only bills in this status.
    #[param(value_type = Option<BillStatus>)]
    status: Option<String>,
    /// Bill number prefix, case-insensitive.
    q: Option<String>,
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

/// Bills, newest first.
#[utoipa::path(
    tag = "bills",
    params(BillQuery),
    responses((status = 200, body = Page<Bill>), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_bills(
    state: web::Data<AppState>,
    _user: CurrentUser,
    q: web::Query<BillQuery>,
) -> ApiResult<web::Json<Page<Bill>>> {
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let status = choice::<BillStatus>(q.status.as_deref(), "status")?;
    let (created_from, created_to) = time_range(
        q.created_from.as_deref(),
        q.created_to.as_deref(),
        ("created_from", "created_to"),
    )?;
    let filter = BillFilter {
        status,
        prefix: q.q.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
        created_by: q.created_by,
        created_from,
        created_to,
    };
    let rows = state.db(move |c| Ok(bills::list(c, &filter, before, limit)?)).await?;
    Ok(web::Json(page(rows, limit, |b| id_key(b.id), |b| bill_view(&b))))
}

/// Create a bill (admin, biller).
#[utoipa::path(
    tag = "bills",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    request_body = CreateBillRequest,
    responses(
        (status = 201, body = Bill),
        (status = 403, description = "forbidden", body = Problem),
        (status = 409, description = "duplicate (bill number exists, case-insensitively)", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_bill(state: web::Data<AppState>, ctx: Ctx, body: Json<CreateBillRequest>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Biller)?;
    let b = body.into_inner();
    let fp = fingerprint("POST", "/api/v1/bills", &json!(b));
    let number = clean_text(Some(b.bill_number), "/bill_number", 50)?
        .ok_or_else(|| ApiError::invalid_field("/bill_number", "required", "bill_number must not be empty."))?;
    check_capacity(b.capacity, "/capacity")?;
    let description = clean_text(b.description, "/description", 500)?;
    let destination = clean_text(b.destination, "/destination", 200)?;
    let vehicle = clean_text(b.vehicle_number, "/vehicle_number", 50)?;
    let new = NewBillInput {
        bill_number: number,
        description,
        destination,
        vehicle_number: vehicle,
        capacity: b.capacity,
    };
    let st = state.get_ref().clone();
    let answer = state
        .tx(move |c| {
            let key = ctx.idempotency_key.clone();
            let write = LoggedWrite::plain(fp);
            logged::run(c, &ctx, key.as_deref(), write, |c| {
                let bill = rules::create(c, &Actor::new(&ctx, &st.config), &new)?;
                // No scan event: the write has no kind; the audit log records it.
                Ok((
                    StatusCode::CREATED,
                    to_json(&bill_view(&bill))?,
                    EventInfo::new(ScanOutcome::Created),
                ))
            })
        })
        .await?;
    Ok(answer.into_response())
}

/// A bill with its parents.
#[utoipa::path(
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id")),
    responses((status = 200, body = BillDetail), (status = 404, description = "bill_not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}")]
async fn get_bill(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<i64>,
) -> ApiResult<web::Json<BillDetail>> {
    let id = path.into_inner();
    let detail = state
        .db(move |c| {
            let bill = bills::find(c, id)?.ok_or_else(|| bill_not_found(id))?;
            let parents = bills::parents(c, id)?
                .iter()
                .map(bill_parent)
                .collect::<ApiResult<_>>()?;
            Ok(BillDetail {
                bill: bill_view(&bill),
                parents,
            })
        })
        .await?;
    Ok(web::Json(detail))
}

/// Edit a bill; a completed bill takes only a scale reading.
#[utoipa::path(
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id")),
    request_body = PatchBillRequest,
    responses(
        (status = 200, body = Bill),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found", body = Problem),
        (status = 409, description = "bill_completed", body = Problem),
        (status = 422, description = "validation_failed (e.g. capacity below parent_count)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
async fn patch_bill(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<PatchBillRequest>,
) -> ApiResult<web::Json<Bill>> {
    ctx.user.require(Role::Biller)?;
    let (id, patch) = (path.into_inner(), body.into_inner());
    edit(state, ctx, id, "bill.update", None, move |bill| {
        rules::apply_patch(bill, patch).map(|_| true)
    })
    .await
}

/// Runs an audited change on a locked bill; `change` says whether anything changed.
async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: i64,
    action: &'static str,
    reason: Option<String>,
    change: impl FnOnce(&mut tracetrack_db::models::BillRow) -> ApiResult<bool> + Send + 'static,
) -> ApiResult<web::Json<Bill>> {
    let actor = Actor::new(&ctx, &state.config);
    let bill = state
        .tx(move |c| Ok(bill_view(&rules::edit(c, &actor, id, action, reason, change)?)))
        .await?;
    Ok(web::Json(bill))
}

/// Delete a bill and free its parents (admin).
#[utoipa::path(
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found", body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}")]
async fn delete_bill(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| rules::delete(c, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Put a parent on a bill (admin, biller).
#[utoipa::path(
    operation_id = "add_bill_parent",
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    request_body = AddParentRequest,
    responses(
        (status = 201, description = "added", body = Bill),
        (status = 200, description = "already on this bill, unchanged", body = Bill),
        (status = 400, description = "invalid_qr_id", body = Problem),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found, bag_not_found", body = Problem),
        (status = 409, description = "bill_completed (checked first), bill_full, already_on_bill (with bill_number)", body = Problem),
        (status = 422, description = "wrong_role, validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/parents")]
async fn add_parent(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<AddParentRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Biller)?;
    let (id, raw) = (path.into_inner(), body.into_inner().qr_id);
    let fp = fingerprint("POST", "/api/v1/bills/{id}/parents", &json!({"id": id, "qr_id": raw}));
    let st = state.get_ref().clone();
    let answer = state
        .tx(move |c| {
            let formats = st.formats.get(c)?;
            let write = LoggedWrite {
                legacy_fingerprint: None,
                kind: Some(ScanKind::BillAdd),
                fingerprint: fp,
                raw_qr: Some(raw.clone()),
                raw_parent: None,
                bill_id: Some(id),
                occurred_at: None,
            };
            let key = ctx.idempotency_key.clone();
            logged::run(c, &ctx, key.as_deref(), write, |c| {
                rules::add_parent(c, &formats, id, ctx.user.id, &raw)
            })
        })
        .await?;
    Ok(answer.into_response())
}

/// Take a parent off a bill (admin, biller).
#[utoipa::path(
    operation_id = "remove_bill_parent",
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id"), ("qr_id" = String, Path, description = "Parent id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    responses(
        (status = 200, body = Bill),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found, not_on_bill", body = Problem),
        (status = 409, description = "bill_completed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}/parents/{qr_id}")]
async fn remove_parent(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Biller)?;
    let (id, raw) = path.into_inner();
    let fp = fingerprint(
        "DELETE",
        "/api/v1/bills/{id}/parents/{qr_id}",
        &json!({"id": id, "qr_id": raw}),
    );
    let answer = state
        .tx(move |c| {
            let write = LoggedWrite {
                legacy_fingerprint: None,
                kind: Some(ScanKind::BillRemove),
                fingerprint: fp,
                raw_qr: Some(raw.clone()),
                raw_parent: None,
                bill_id: Some(id),
                occurred_at: None,
            };
            let key = ctx.idempotency_key.clone();
            logged::run(c, &ctx, key.as_deref(), write, |c| rules::remove_parent(c, id, &raw))
        })
        .await?;
    Ok(answer.into_response())
}

/// Complete a full bill (admin, biller); completing a completed bill changes nothing.
#[utoipa::path(
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id")),
    responses(
        (status = 200, body = Bill),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found", body = Problem),
        (status = 409, description = "bill_incomplete: parent_count below capacity", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/complete")]
async fn complete_bill(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<web::Json<Bill>> {
    ctx.user.require(Role::Biller)?;
    edit(state, ctx, path.into_inner(), "bill.complete", None, rules::complete).await
}

/// Reopen a completed bill with a reason (admin, biller).
#[utoipa::path(
    tag = "bills",
    params(("id" = i64, Path, description = "Bill id")),
    request_body = ReopenRequest,
    responses(
        (status = 200, body = Bill),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "bill_not_found", body = Problem),
        (status = 409, description = "bill_not_completed", body = Problem),
        (status = 422, description = "validation_failed (reason missing)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/reopen")]
async fn reopen_bill(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<ReopenRequest>,
) -> ApiResult<web::Json<Bill>> {
    ctx.user.require(Role::Biller)?;
    let reason = clean_text(Some(body.into_inner().reason), "/reason", 500)?
        .ok_or_else(|| ApiError::invalid_field("/reason", "required", "Say why the bill is reopened."))?;
    edit(state, ctx, path.into_inner(), "bill.reopen", Some(reason), |bill| {
        rules::reopen(bill).map(|_| true)
    })
    .await
}
