//! `GET /events/stream`: what the Server-Sent Events carry.

use crate::{EventOutcome, ScanKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `event: scan` — a scan event was recorded (a parent or child scanned, an
/// unlink, a seal, a parent added to or removed from a bill).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveScan {
    /// The scan event id (also the SSE `id`).
    pub id: i64,
    /// `parent`, `child`, `unlink`, `undo`, `seal`, `unseal`, `bill_add`, `bill_remove`.
    pub kind: ScanKind,
    pub qr_id: Option<String>,
    pub parent_qr_id: Option<String>,
    pub bill_id: Option<i64>,
    /// `created`, `linked`, … or the problem code of a refused scan.
    pub outcome: EventOutcome,
    /// The scan was refused: `outcome` is a problem code and nothing changed.
    #[serde(default)]
    pub refused: bool,
    pub dispatch_area: Option<String>,
    pub user_id: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

/// `event: bill` — a bill was created, edited, completed, reopened or deleted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveBill {
    pub bill_id: i64,
    /// The audit action: `bill.create`, `bill.update`, `bill.complete`, `bill.reopen`, `bill.delete`.
    pub action: String,
}
