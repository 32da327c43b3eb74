//! One scan as the single endpoints and the batch both see it, so a key sent to
//! `/scans/child` and replayed through `/scans/batch` has the same fingerprint.
//!
//! The fingerprint covers what the scan *does* (kind and ids), not when the device
//! says it happened: a station that retries a scan whose answer it never heard is
//! sending the same scan, and must get the first answer, not a refusal.

use chrono::Duration;
use serde_json::json;
use tracetrack_api_types::scans::BatchEvent;
use tracetrack_api_types::BatchKind;
use tracetrack_api_types::ScanKind;
use tracetrack_db::diesel::PgConnection;

use super::logged::{self, fingerprint, Answer, LoggedWrite};
use super::scan;
use crate::auth::extract::MAX_IDEMPOTENCY_KEY;
use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A scan to apply.
#[derive(Debug, Clone)]
pub enum ScanRequest {
    Parent { qr_id: String },
    Child { parent_qr_id: String, qr_id: String },
    Unlink { qr_id: String },
    Undo,
}

/// A scan with its device time.
#[derive(Debug, Clone)]
pub struct Scan {
    pub request: ScanRequest,
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Scan {
    /// The scan of one batch event; problems point into the event, as the single
    /// endpoint's would point into its body.
    pub fn from_batch(e: &BatchEvent) -> ApiResult<Scan> {
        if e.idempotency_key.trim().is_empty() || e.idempotency_key.len() > MAX_IDEMPOTENCY_KEY {
            return Err(ApiError::invalid_field(
                "/idempotency_key",
                "invalid",
                format!("idempotency_key needs 1 to {MAX_IDEMPOTENCY_KEY} characters."),
            ));
        }
        let request = match e.kind {
            BatchKind::Parent => ScanRequest::Parent { qr_id: e.qr_id.clone() },
            BatchKind::Child => ScanRequest::Child {
                parent_qr_id: e.parent_qr_id.clone().ok_or_else(|| {
                    ApiError::invalid_field("/parent_qr_id", "required", "A child scan needs parent_qr_id.")
                })?,
                qr_id: e.qr_id.clone(),
            },
            BatchKind::Unlink => ScanRequest::Unlink { qr_id: e.qr_id.clone() },
        };
        Ok(Scan {
            request,
            occurred_at: e.occurred_at,
        })
    }

    pub fn kind(&self) -> ScanKind {
        match self.request {
            ScanRequest::Parent { .. } => ScanKind::Parent,
            ScanRequest::Child { .. } => ScanKind::Child,
            ScanRequest::Unlink { .. } => ScanKind::Unlink,
            ScanRequest::Undo => ScanKind::Undo,
        }
    }

    /// Fingerprint of the equivalent single-endpoint request.
    fn fingerprint(&self) -> String {
        let route = format!("/api/v1/scans/{}", self.kind());
        let body = match &self.request {
            ScanRequest::Parent { qr_id } | ScanRequest::Unlink { qr_id } => json!({"qr_id": qr_id}),
            ScanRequest::Child { parent_qr_id, qr_id } => json!({"parent_qr_id": parent_qr_id, "qr_id": qr_id}),
            ScanRequest::Undo => json!({}),
        };
        fingerprint("POST", &route, &body)
    }

    /// The fingerprint servers before 2026-12-03 stored: the body with `occurred_at`.
    fn legacy_fingerprint(&self) -> String {
        let route = format!("/api/v1/scans/{}", self.kind());
        let at = self.occurred_at;
        let body = match &self.request {
            ScanRequest::Parent { qr_id } | ScanRequest::Unlink { qr_id } => json!({"qr_id": qr_id, "occurred_at": at}),
            ScanRequest::Child { parent_qr_id, qr_id } => {
                json!({"parent_qr_id": parent_qr_id, "qr_id": qr_id, "occurred_at": at})
            }
            ScanRequest::Undo => json!({}),
        };
        fingerprint("POST", &route, &body)
    }

    /// Applies the scan in the caller's transaction, with its event and key.
    pub fn apply(&self, conn: &mut PgConnection, state: &AppState, ctx: &Ctx, key: Option<&str>) -> ApiResult<Answer> {
        let formats = state.formats.get(conn)?;
        let (raw_qr, raw_parent) = match &self.request {
            ScanRequest::Parent { qr_id } | ScanRequest::Unlink { qr_id } => (Some(qr_id.clone()), None),
            ScanRequest::Child { parent_qr_id, qr_id } => (Some(qr_id.clone()), Some(parent_qr_id.clone())),
            ScanRequest::Undo => (None, None),
        };
        let write = LoggedWrite {
            legacy_fingerprint: Some(self.legacy_fingerprint()),
            kind: Some(self.kind()),
            fingerprint: self.fingerprint(),
            raw_qr,
            raw_parent,
            bill_id: None,
            occurred_at: self.occurred_at,
        };
        let user = &ctx.user;
        let window = Duration::minutes(state.config.undo_window_minutes);
        logged::run(conn, ctx, key, write, |c| match &self.request {
            ScanRequest::Parent { qr_id } => scan::scan_parent(c, user, &formats, qr_id),
            ScanRequest::Child { parent_qr_id, qr_id } => scan::scan_child(c, user, &formats, parent_qr_id, qr_id),
            ScanRequest::Unlink { qr_id } => scan::unlink(c, user, &formats, qr_id),
            ScanRequest::Undo => scan::undo(c, user, window),
        })
    }
}
