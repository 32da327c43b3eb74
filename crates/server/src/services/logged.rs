//! Scan-type writes: one scan event per attempt and `Idempotency-Key` replay,
//! both in the caller's transaction (the API conventions in README.md, docs/domain.md §3).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::idempotency::{self, Seen};
use tracetrack_db::models::NewScanEvent;

use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::webhooks::outbox::ScanFacts;
use tracetrack_api_types::{ErrorCode, EventOutcome, ScanKind};

/// What the event of a write records.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub qr_id: Option<String>,
    pub parent_qr_id: Option<String>,
    pub bill_id: Option<i64>,
    pub dispatch_area: Option<String>,
    pub outcome: EventOutcome,
}

impl EventInfo {
    /// An event with this outcome and nothing else known yet.
    pub fn new(outcome: impl Into<EventOutcome>) -> EventInfo {
        EventInfo {
            qr_id: None,
            parent_qr_id: None,
            bill_id: None,
            dispatch_area: None,
            outcome: outcome.into(),
        }
    }
}

/// A successful write: status, JSON body, and its event.
pub type Written = (StatusCode, Value, EventInfo);

/// One logged write.
pub struct LoggedWrite {
    /// Scan event kind; `None` for writes recorded by the audit log instead.
    pub kind: Option<ScanKind>,
    /// Fingerprint of method, route and body.
    pub fingerprint: String,
    /// A fingerprint an earlier version of the server stored for the same request
    /// (keys outlive upgrades), also accepted.
    pub legacy_fingerprint: Option<String>,
    /// Raw ids for the event when the write fails before normalising them.
    pub raw_qr: Option<String>,
    pub raw_parent: Option<String>,
    pub bill_id: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
}

impl LoggedWrite {
    /// A write with an idempotency key but no scan event (the audit log records it).
    pub fn plain(fingerprint: String) -> LoggedWrite {
        LoggedWrite {
            legacy_fingerprint: None,
            kind: None,
            fingerprint,
            raw_qr: None,
            raw_parent: None,
            bill_id: None,
            occurred_at: None,
        }
    }
}

/// The answer, possibly replayed.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub replayed: bool,
}

impl Answer {
    /// As an HTTP response.
    pub fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.status.is_client_error() {
            res.content_type(crate::error::PROBLEM_JSON);
        }
        if self.replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        res.json(self.body)
    }
}

/// Fingerprint of a request: method, route template and the fields that matter.
pub fn fingerprint(method: &str, route: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(route.as_bytes());
    h.update(b"\n");
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

fn short(raw: Option<&String>) -> Option<String> {
    raw.map(|s| {
        let s = tracetrack_domain::normalize_qr(s).unwrap_or_else(|_| s.trim().to_string());
        s.chars().take(100).collect()
    })
}

/// Runs `op` in a savepoint inside the caller's transaction; records the scan event (if any) and,
/// with a key, the answer. Client errors are answers too (stored and committed);
/// server errors roll everything back so a retry runs again.
///
/// The key is written once, with the answer, after the work: a concurrent request
/// with the same key waits for that insert, finds the key taken, undoes its own work
/// (all of it runs in a savepoint) and replays the first answer.
pub fn run(
    conn: &mut PgConnection,
    ctx: &Ctx,
    key: Option<&str>,
    w: LoggedWrite,
    op: impl FnOnce(&mut PgConnection) -> ApiResult<Written>,
) -> ApiResult<Answer> {
    if let Some(key) = key {
        if let Some(seen) = idempotency::find(conn, ctx.user.id, key)? {
            return replay(seen, &w);
        }
    }
    match conn.transaction(|c| write(c, ctx, key, &w, op)) {
        Err(Raced::Key) => {
            let key = key.unwrap_or_default();
            let seen = idempotency::find(conn, ctx.user.id, key)?
                .ok_or_else(|| ApiError::unavailable("The request changed meanwhile; retry."))?;
            replay(seen, &w)
        }
        Err(Raced::Failed(e)) => Err(e),
        Ok(answer) => Ok(answer),
    }
}

/// Why [`write`] undid its work.
enum Raced {
    /// A concurrent request with the same key committed first.
    Key,
    Failed(ApiError),
}

impl From<ApiError> for Raced {
    fn from(e: ApiError) -> Raced {
        Raced::Failed(e)
    }
}

impl From<tracetrack_db::diesel::result::Error> for Raced {
    fn from(e: tracetrack_db::diesel::result::Error) -> Raced {
        Raced::Failed(e.into())
    }
}

/// The stored answer of a key, or `422` when the key was used for another request.
fn replay(seen: Seen, w: &LoggedWrite) -> ApiResult<Answer> {
    if seen.fingerprint != w.fingerprint && w.legacy_fingerprint.as_ref() != Some(&seen.fingerprint) {
        return Err(ApiError::unprocessable(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was used for a different request.",
        ));
    }
    Ok(Answer {
        status: StatusCode::from_u16(seen.status as u16).unwrap_or(StatusCode::OK),
        body: seen.body,
        replayed: true,
    })
}

fn write(
    conn: &mut PgConnection,
    ctx: &Ctx,
    key: Option<&str>,
    w: &LoggedWrite,
    op: impl FnOnce(&mut PgConnection) -> ApiResult<Written>,
) -> Result<Answer, Raced> {
    let (status, body, info, refused) = match conn.transaction(op) {
        Ok((status, body, info)) => (status, body, info, false),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS => {
            let qr_id = short(w.raw_qr.as_ref());
            let parent_qr_id = short(w.raw_parent.as_ref());
            let dispatch_area = match w.kind {
                Some(_) => {
                    let named: Vec<&str> = [&parent_qr_id, &qr_id]
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .collect();
                    tracetrack_db::bags::common_area(conn, &named)?
                }
                None => None,
            };
            let info = EventInfo {
                qr_id,
                parent_qr_id,
                bill_id: w.bill_id,
                dispatch_area,
                outcome: e.code.into(),
            };
            let body = serde_json::to_value(e.to_problem(&ctx.request_id)).map_err(ApiError::internal)?;
            (e.status, body, info, true)
        }
        Err(e) => return Err(Raced::Failed(e)),
    };
    if let Some(key) = key {
        if !idempotency::store(conn, ctx.user.id, key, &w.fingerprint, status.as_u16(), &body)? {
            return Err(Raced::Key);
        }
    }
    if let Some(kind) = w.kind {
        let bill_id = info.bill_id.or(w.bill_id);
        let (id, recorded_at) = tracetrack_db::scan_events::insert(
            conn,
            &NewScanEvent {
                occurred_at: w.occurred_at,
                user_id: Some(ctx.user.id),
                station_id: ctx.station_id.clone(),
                kind,
                qr_id: info.qr_id.clone(),
                parent_qr_id: info.parent_qr_id.clone(),
                bill_id,
                outcome: info.outcome.to_string(),
                idempotency_key: key.map(String::from),
                dispatch_area: info.dispatch_area.clone(),
                refused,
            },
        )?;
        // A change is announced to integrators in this same transaction.
        if let (false, EventOutcome::Applied(outcome)) = (refused, info.outcome) {
            let facts = ScanFacts {
                id,
                kind,
                outcome,
                qr_id: info.qr_id.as_deref(),
                parent_qr_id: info.parent_qr_id.as_deref(),
                bill_id,
                dispatch_area: info.dispatch_area.as_deref(),
                station_id: ctx.station_id.as_deref(),
                user_id: ctx.user.id,
                occurred_at: w.occurred_at,
                recorded_at,
            };
            ctx.outbox.scan(conn, &facts)?;
        }
    }
    Ok(Answer {
        status,
        body,
        replayed: false,
    })
}

/// Serialises an answer body.
pub fn to_json<T: serde::Serialize>(v: &T) -> ApiResult<Value> {
    serde_json::to_value(v).map_err(ApiError::internal)
}
