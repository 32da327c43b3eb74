//! `/api/v1/scans`: the scan station's endpoints.

use super::params::choice;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::scans::*;
use tracetrack_api_types::ScanKind;
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::diesel::Connection;
use tracetrack_db::scan_events::{self, EventFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, try_page};
use super::params::time_range;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::normalize_filter_qr;
use crate::input::Json;
use crate::services::logged::Answer;
use crate::services::scan_request::{Scan, ScanRequest};
use crate::services::views::event_view;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

/// Most events in one batch.
pub const MAX_BATCH: usize = 500;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scan_parent)
        .service(scan_child)
        .service(unlink)
        .service(undo)
        .service(batch)
        .service(list_events);
}

async fn apply(state: web::Data<AppState>, ctx: Ctx, scan: Scan) -> ApiResult<HttpResponse> {
    let st = state.get_ref().clone();
    let kind = scan.kind();
    let answer = state
        .tx(move |c| {
            let key = ctx.idempotency_key.clone();
            scan.apply(c, &st, &ctx, key.as_deref())
        })
        .await?;
    state.metrics.scan(&kind.to_string(), &answer);
    Ok(answer.into_response())
}

/// Scan a parent bag: creates it when new.
#[utoipa::path(
    tag = "scans",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat"),
           ("X-Station-Id" = Option<String>, Header, description = "Device name recorded in the event")),
    request_body = ScanParentRequest,
    responses(
        (status = 201, description = "created", body = ScanParentResponse),
        (status = 200, description = "existing", body = ScanParentResponse),
        (status = 400, description = "invalid_qr_id, malformed_json", body = Problem),
        (status = 403, description = "no_dispatch_area", body = Problem),
        (status = 409, description = "other_area, bag_deleted", body = Problem),
        (status = 422, description = "wrong_role (a child id), validation_failed, idempotency_key_reused", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/parent")]
async fn scan_parent(state: web::Data<AppState>, ctx: Ctx, body: Json<ScanParentRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    apply(
        state,
        ctx,
        Scan {
            request: ScanRequest::Parent { qr_id: b.qr_id },
            occurred_at: b.occurred_at,
        },
    )
    .await
}

/// Scan a child into a parent (label text is accepted).
#[utoipa::path(
    tag = "scans",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat"),
           ("X-Station-Id" = Option<String>, Header, description = "Device name recorded in the event")),
    request_body = ScanChildRequest,
    responses(
        (status = 201, description = "linked", body = ScanChildResponse),
        (status = 200, description = "already_linked", body = ScanChildResponse),
        (status = 400, description = "invalid_qr_id, malformed_json", body = Problem),
        (status = 403, description = "no_dispatch_area", body = Problem),
        (status = 404, description = "bag_not_found (the parent)", body = Problem),
        (status = 409, description = "linked_elsewhere (with parent_qr_id), parent_full, parent_sealed, parent_billed (with bill_number), other_area, bag_deleted", body = Problem),
        (status = 422, description = "wrong_role, validation_failed, idempotency_key_reused", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/child")]
async fn scan_child(state: web::Data<AppState>, ctx: Ctx, body: Json<ScanChildRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let request = ScanRequest::Child {
        parent_qr_id: b.parent_qr_id,
        qr_id: b.qr_id,
    };
    apply(
        state,
        ctx,
        Scan {
            request,
            occurred_at: b.occurred_at,
        },
    )
    .await
}

/// Take a child out of its parent (both bags and their history remain).
#[utoipa::path(
    operation_id = "unlink_child",
    tag = "scans",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    request_body = UnlinkRequest,
    responses(
        (status = 200, description = "unlinked", body = UnlinkResponse),
        (status = 400, description = "invalid_qr_id", body = Problem),
        (status = 404, description = "bag_not_found, not_linked", body = Problem),
        (status = 409, description = "parent_sealed, parent_billed", body = Problem),
        (status = 422, description = "wrong_role, validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/unlink")]
async fn unlink(state: web::Data<AppState>, ctx: Ctx, body: Json<UnlinkRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    apply(
        state,
        ctx,
        Scan {
            request: ScanRequest::Unlink { qr_id: b.qr_id },
            occurred_at: b.occurred_at,
        },
    )
    .await
}

/// Undo the caller's most recent link (within the undo window, 1 h by default).
#[utoipa::path(
    operation_id = "undo_last_link",
    tag = "scans",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeat")),
    responses(
        (status = 200, description = "unlinked", body = UndoResponse),
        (status = 404, description = "nothing_to_undo", body = Problem),
        (status = 409, description = "parent_sealed, parent_billed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/undo")]
async fn undo(state: web::Data<AppState>, ctx: Ctx) -> ApiResult<HttpResponse> {
    apply(
        state,
        ctx,
        Scan {
            request: ScanRequest::Undo,
            occurred_at: None,
        },
    )
    .await
}

/// The batch as read: each event is parsed on its own, so one bad event gets its
/// own `422` instead of failing the whole batch.
#[derive(Debug, Deserialize)]
struct BatchEnvelope {
    events: Vec<serde_json::Value>,
}

/// Replay queued scans in order, each in its own transaction (the offline queue).
/// Every event gets the answer its single endpoint would give (`status` and `body`),
/// also when it is refused or the database is busy (`503`, not stored: send it again
/// with the same key); later events are applied all the same. Only an unreadable
/// envelope or more than 500 events fail the request.
#[utoipa::path(
    operation_id = "submit_scan_batch",
    tag = "scans",
    params(("X-Station-Id" = Option<String>, Header, description = "Device name for events without their own station_id")),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "one result per event, in order", body = BatchResponse),
        (status = 413, description = "payload_too_large: more than 500 events", body = Problem),
        (status = 422, description = "validation_failed: no events array", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/batch")]
async fn batch(state: web::Data<AppState>, ctx: Ctx, body: Json<BatchEnvelope>) -> ApiResult<web::Json<BatchResponse>> {
    let events = body.into_inner().events;
    if events.len() > MAX_BATCH {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("A batch holds at most {MAX_BATCH} events; split it."),
        ));
    }
    let st = state.get_ref().clone();
    let started = std::time::Instant::now();
    let results = web::block(move || {
        let mut run = BatchRun::default();
        events.into_iter().map(|e| run.apply(&st, &ctx, e)).collect()
    })
    .await?;
    state.monitor.database_work(
        started.elapsed(),
        crate::error::current_request_id(),
        crate::error::current_route(),
    );
    Ok(web::Json(BatchResponse { results }))
}

/// What one batch has met so far. A scan that could not be applied now (503) holds
/// back the later scans of the same bags, so that, e.g., the children of a parent
/// whose creation met a lost connection are not refused `bag_not_found` for good;
/// once no connection can be had, the rest of the batch is answered at once.
#[derive(Default)]
struct BatchRun {
    /// Ids (normalised) of the events answered with a server error.
    held: std::collections::HashSet<String>,
    database_down: bool,
}

impl BatchRun {
    /// One batch event, on a connection of its own (a connection lost to a database
    /// restart fails this event, and the next one gets a fresh connection).
    fn apply(&mut self, state: &AppState, ctx: &Ctx, raw: serde_json::Value) -> BatchResult {
        let key = raw["idempotency_key"].as_str().unwrap_or_default().to_string();
        let named: Vec<String> = ["qr_id", "parent_qr_id"]
            .iter()
            .filter_map(|f| raw[*f].as_str())
            .map(normalize_filter_qr)
            .collect();
        let answer = if self.database_down {
            Err(ApiError::unavailable(
                "The database is unavailable; send this scan again shortly.",
            ))
        } else if named.iter().any(|q| self.held.contains(q)) {
            Err(ApiError::unavailable(
                "An earlier scan of this bag in the batch could not be applied yet; send both again.",
            ))
        } else {
            self.apply_event(state, ctx, raw)
        };
        match answer {
            Ok(a) => BatchResult {
                idempotency_key: key,
                status: a.status.as_u16(),
                body: a.body,
                replayed: a.replayed,
            },
            Err(e) => {
                if e.status.is_server_error() {
                    self.held.extend(named);
                }
                BatchResult {
                    idempotency_key: key,
                    status: e.status.as_u16(),
                    body: serde_json::to_value(e.to_problem(&ctx.request_id)).unwrap_or_default(),
                    replayed: false,
                }
            }
        }
    }

    fn apply_event(&mut self, state: &AppState, ctx: &Ctx, raw: serde_json::Value) -> ApiResult<Answer> {
        let event: BatchEvent = crate::input::from_value(raw)?;
        let scan = Scan::from_batch(&event)?;
        let mut ctx = ctx.clone();
        if let Some(station) = event.station_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            ctx.station_id = Some(station.chars().take(100).collect());
        }
        let mut conn = state.checkout().inspect_err(|_| self.database_down = true)?;
        let answer = conn.transaction(|c| scan.apply(c, state, &ctx, Some(&event.idempotency_key)))?;
        state.metrics.scan(&scan.kind().to_string(), &answer);
        Ok(answer)
    }
}

/// Filters of the scan event list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only this user's scans.
    user_id: Option<i64>,
    /// Events about this id (as the bag or as the parent).
    qr_id: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<ScanKind>)]
    kind: Option<String>,
    /// Recorded at or after (RFC 3339).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Recorded before (RFC 3339).
    #[param(format = DateTime)]
    to: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Scan events, newest first (a dispatcher sees their area only).
#[utoipa::path(
    operation_id = "list_scan_events",
    tag = "scans",
    params(EventQuery),
    responses((status = 200, body = Page<ScanEvent>), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_events(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<EventQuery>,
) -> ApiResult<web::Json<Page<ScanEvent>>> {
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let kind = choice::<ScanKind>(q.kind.as_deref(), "kind")?;
    let (from, to) = time_range(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let filter = EventFilter {
        user_id: q.user_id,
        qr_id: q.qr_id.as_deref().map(normalize_filter_qr),
        kind,
        from,
        to,
        visibility: user.visibility(),
        viewer: user.id,
    };
    let rows = state
        .db(move |c| Ok(scan_events::list(c, &filter, before, limit)?))
        .await?;
    Ok(web::Json(try_page(rows, limit, |e| id_key(e.id), event_view)?))
}
