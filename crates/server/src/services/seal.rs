//! Sealing and unsealing parents: scan events `seal` / `unseal`, idempotent.

use actix_web::http::StatusCode;
use serde_json::json;
use tracetrack_api_types::bags::ParentResponse;
use tracetrack_api_types::{BagStatus, ParentStatus, ScanKind, ScanOutcome};
use tracetrack_db::bags;
use tracetrack_db::diesel::PgConnection;
use tracetrack_domain::parent::{derive_status, NoRoom};

use super::logged::{self, fingerprint, to_json, Answer, EventInfo, LoggedWrite, Written};
use super::scan::{lock_parent, no_room, require_area};
use super::views::parent_view;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::normalize_filter_qr;

/// Longest seal reason.
const MAX_REASON: usize = 500;

/// Seals (`Some(reason)`) or unseals (`None`) a parent, as a logged write; runs in
/// the caller's transaction.
pub fn run(c: &mut PgConnection, ctx: &Ctx, raw_qr: &str, seal: Option<Option<String>>) -> ApiResult<Answer> {
    let kind = if seal.is_some() {
        ScanKind::Seal
    } else {
        ScanKind::Unseal
    };
    let route = format!("/api/v1/bags/{{qr_id}}/{kind}");
    let write = LoggedWrite {
        legacy_fingerprint: None,
        kind: Some(kind),
        fingerprint: fingerprint("POST", &route, &json!({"qr_id": raw_qr, "reason": seal})),
        raw_qr: Some(raw_qr.to_string()),
        raw_parent: None,
        bill_id: None,
        occurred_at: None,
    };
    logged::run(c, ctx, ctx.idempotency_key.as_deref(), write, |c| {
        apply(c, &ctx.user, raw_qr, seal)
    })
}

fn apply(c: &mut PgConnection, user: &CurrentUser, raw_qr: &str, seal: Option<Option<String>>) -> ApiResult<Written> {
    require_area(user)?;
    let qr = normalize_filter_qr(raw_qr);
    let parent = lock_parent(c, user, &qr)?;
    if parent.status == BagStatus::Parent(ParentStatus::Billed) {
        return Err(no_room(c, &parent, NoRoom::Billed)?);
    }
    let (parent, outcome) = match seal {
        Some(_) if parent.status == BagStatus::Parent(ParentStatus::Sealed) => (parent, ScanOutcome::Unchanged),
        Some(reason) => {
            let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
            if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON) {
                return Err(ApiError::invalid_field(
                    "/reason",
                    "too_long",
                    format!("At most {MAX_REASON} characters."),
                ));
            }
            if parent.child_count < parent.capacity_or_zero() && reason.is_none() {
                return Err(ApiError::invalid_field(
                    "/reason",
                    "required",
                    format!(
                        "{qr} holds {} of {}; say why it is sealed short.",
                        parent.child_count,
                        parent.capacity_or_zero()
                    ),
                ));
            }
            (
                bags::set_seal(c, parent.id, ParentStatus::Sealed, Some(reason.as_deref()))?,
                ScanOutcome::Sealed,
            )
        }
        None if parent.status != BagStatus::Parent(ParentStatus::Sealed) => (parent, ScanOutcome::Unchanged),
        None => {
            let status = derive_status(parent.child_count, parent.capacity_or_zero(), false, false);
            (bags::set_seal(c, parent.id, status, None)?, ScanOutcome::Unsealed)
        }
    };
    let info = EventInfo {
        qr_id: Some(parent.qr_id.clone()),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(outcome)
    };
    let body = ParentResponse {
        parent: parent_view(c, &parent)?,
    };
    Ok((StatusCode::OK, to_json(&body)?, info))
}
