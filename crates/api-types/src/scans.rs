//! Scanning: parents, children, unlink, undo, batch, events.

use crate::{BatchKind, ChildStatus, EventOutcome, ParentStatus, ScanKind, ScanOutcome};
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

/// A parent bag as the station shows it (`17/30` straight from it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentView {
    /// The id.
    pub qr_id: String,
    /// Format code copied at creation.
    pub format_code: String,
    /// Where the parent is.
    pub status: ParentStatus,
    /// Children linked now.
    pub child_count: i32,
    /// Children it holds when full.
    pub capacity: i32,
    /// child_count × child weight.
    pub weight_kg: f64,
    /// capacity − child_count.
    pub remaining: i32,
    /// Dispatch area code, or `null` (visible to all).
    pub dispatch_area: Option<String>,
    /// The bill it is on.
    pub bill_number: Option<String>,
}

/// A child bag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildView {
    /// The id.
    pub qr_id: String,
    /// Format code.
    pub format_code: String,
    /// Whether it is in a parent.
    pub status: ChildStatus,
    /// Dispatch area code.
    pub dispatch_area: Option<String>,
    /// The parent it is linked to.
    pub parent_qr_id: Option<String>,
}

/// `POST /scans/parent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"qr_id": "SB00042"})))]
pub struct ScanParentRequest {
    /// Scanned text; normalised by the server.
    pub qr_id: String,
    /// When the scan happened on the device.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Answer of `POST /scans/parent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "outcome": "existing",
    "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "open", "child_count": 17, "capacity": 30,
        "weight_kg": 17.0, "remaining": 13, "dispatch_area": "akola", "bill_number": null}})))]
pub struct ScanParentResponse {
    /// `created` or `existing`.
    pub outcome: ScanOutcome,
    /// The parent.
    pub parent: ParentView,
}

/// `POST /scans/child`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"parent_qr_id": "SB00042", "qr_id": "LABEL NO.:0016586 LOT NO.:STAR44GG24611"})))]
pub struct ScanChildRequest {
    /// The parent being filled.
    pub parent_qr_id: String,
    /// Scanned child text (label text is accepted).
    pub qr_id: String,
    /// When the scan happened on the device.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Answer of `POST /scans/child`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "outcome": "linked",
    "child": {"qr_id": "K00017", "format_code": "CHILD", "status": "linked", "dispatch_area": "akola",
        "parent_qr_id": "SB00042"},
    "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "open", "child_count": 17, "capacity": 30,
        "weight_kg": 17.0, "remaining": 13, "dispatch_area": "akola", "bill_number": null}})))]
pub struct ScanChildResponse {
    /// `linked` or `already_linked`.
    pub outcome: ScanOutcome,
    /// The child.
    pub child: ChildView,
    /// The parent after the scan.
    pub parent: ParentView,
}

/// `POST /scans/unlink`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"qr_id": "K00017", "occurred_at": "2026-12-03T09:16:40Z"})))]
pub struct UnlinkRequest {
    /// The child to take out of its parent.
    pub qr_id: String,
    /// When the scan happened on the device.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Answer of `POST /scans/unlink`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "open", "child_count": 16, "capacity": 30,
        "weight_kg": 16.0, "remaining": 14, "dispatch_area": "akola", "bill_number": null}})))]
pub struct UnlinkResponse {
    /// The parent after the unlink.
    pub parent: ParentView,
}

/// Answer of `POST /scans/undo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "unlinked_qr_id": "K00017",
    "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "open", "child_count": 16, "capacity": 30,
        "weight_kg": 16.0, "remaining": 14, "dispatch_area": "akola", "bill_number": null}})))]
pub struct UndoResponse {
    /// The child that was unlinked.
    pub unlinked_qr_id: String,
    /// The parent after the undo.
    pub parent: ParentView,
}

/// One queued scan in `POST /scans/batch`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchEvent {
    /// What the event is.
    pub kind: BatchKind,
    /// Scanned text.
    pub qr_id: String,
    /// Parent (for `child`).
    #[serde(default)]
    pub parent_qr_id: Option<String>,
    /// The key the scan was (or would have been) sent with.
    pub idempotency_key: String,
    /// When the scan happened on the device (stamped once, when it was captured).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    /// The device that captured the scan; without it the request's `X-Station-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_id: Option<String>,
}

/// `POST /scans/batch`: at most 500 events. Each event is answered on its own: one
/// that cannot be read gets its own `422`, and the others still apply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "events": [{"kind": "child", "qr_id": "K00018", "parent_qr_id": "SB00042",
            "idempotency_key": "1a23b316e68-e8369ef6b5ec044db40c7ba156c5a48d", "occurred_at": "2026-12-03T09:17:05Z",
            "station_id": "dock-3"},
        {"kind": "child", "qr_id": "K00311", "parent_qr_id": "SB00042",
            "idempotency_key": "1a23b3189c0-b4100ea13c5d87b713bbcdae5315cbf3", "occurred_at": "2026-12-03T09:17:12Z",
            "station_id": "dock-3"}]})))]
pub struct BatchRequest {
    /// Applied in order, each in its own transaction.
    pub events: Vec<BatchEvent>,
}

/// The answer one event would have had on its own endpoint: 2xx and 4xx are final
/// (a repeat of the key replays them); 429 and 5xx are not stored, so the event may
/// be sent again with the same key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchResult {
    /// The event's key.
    pub idempotency_key: String,
    /// HTTP status the single endpoint answers.
    pub status: u16,
    /// Its JSON answer or problem document.
    pub body: serde_json::Value,
    /// The first answer to this key, replayed (`Idempotent-Replayed` on the single endpoint).
    #[serde(default)]
    pub replayed: bool,
}

/// Answer of `POST /scans/batch`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "results": [{"idempotency_key": "1a23b316e68-e8369ef6b5ec044db40c7ba156c5a48d", "status": 201, "replayed": false,
            "body": {"outcome": "linked",
                "child": {"qr_id": "K00018", "format_code": "CHILD", "status": "linked", "dispatch_area": "akola",
                    "parent_qr_id": "SB00042"},
                "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "open", "child_count": 18, "capacity": 30,
                    "weight_kg": 18.0, "remaining": 12, "dispatch_area": "akola", "bill_number": null}}},
        {"idempotency_key": "1a23b3189c0-b4100ea13c5d87b713bbcdae5315cbf3", "status": 409, "replayed": false,
            "body": {"type": "/problems/linked_elsewhere", "title": "Bag belongs to another parent", "status": 409,
                "detail": "Bag K00311 already belongs to SB00039.", "code": "linked_elsewhere",
                "instance": "5ab24ed0-3718-4275-a9ff-c31615d38521", "parent_qr_id": "SB00039"}}]})))]
pub struct BatchResponse {
    /// One per event, in order.
    pub results: Vec<BatchResult>,
}

/// One row of the append-only scan event log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 55120, "occurred_at": "2026-12-03T09:14:58Z", "recorded_at": "2026-12-03T09:15:00Z", "user_id": 7,
    "station_id": "dock-3", "kind": "child", "qr_id": "K00017", "parent_qr_id": "SB00042", "bill_id": null,
    "outcome": "linked", "refused": false, "idempotency_key": "1a23b2f7e50-550e26b87ca8f0dd576d111d44aedd7c"})))]
pub struct ScanEvent {
    /// Event id.
    pub id: i64,
    /// Device time, if sent.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Server time.
    pub recorded_at: DateTime<Utc>,
    /// Who scanned.
    pub user_id: Option<i64>,
    /// `X-Station-Id` of the device.
    pub station_id: Option<String>,
    /// What was scanned.
    pub kind: ScanKind,
    /// The scanned (normalised when valid) id.
    pub qr_id: Option<String>,
    /// The parent involved.
    pub parent_qr_id: Option<String>,
    /// The bill involved.
    pub bill_id: Option<i64>,
    /// What the scan did, or the problem code it was refused with.
    pub outcome: EventOutcome,
    /// The scan was refused: `outcome` is a problem code and nothing changed.
    #[serde(default)]
    pub refused: bool,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
}
