//! Bags: list, detail, registration, seal.

use crate::{BagRole, BagStatus, BillStatus};
use serde::{Deserialize, Serialize};

use crate::scans::ScanEvent;
use chrono::{DateTime, Utc};

/// A bag of either role; parent-only fields are `null` for children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "qr_id": "SB00042", "role": "parent", "format_code": "SB", "status": "open", "child_count": 17, "capacity": 30,
    "weight_kg": 17.0, "remaining": 13, "dispatch_area": "akola", "bill_number": null, "sealed_reason": null,
    "created_by": 7, "created_at": "2026-12-03T08:40:12Z", "updated_at": "2026-12-03T09:15:00Z"})))]
pub struct BagView {
    /// The id.
    pub qr_id: String,
    /// Parent or child.
    pub role: BagRole,
    /// Format code copied at creation.
    pub format_code: String,
    /// A parent status for parents, a child status for children.
    pub status: BagStatus,
    /// Children linked (parents).
    pub child_count: Option<i32>,
    /// Capacity (parents).
    pub capacity: Option<i32>,
    /// Derived weight in kg (parents).
    pub weight_kg: Option<f64>,
    /// capacity − child_count (parents).
    pub remaining: Option<i32>,
    /// Dispatch area code.
    pub dispatch_area: Option<String>,
    /// Bill number, if on a bill.
    pub bill_number: Option<String>,
    /// Seal reason, when sealed short.
    pub sealed_reason: Option<String>,
    /// Creator's user id.
    pub created_by: Option<i64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A child in a parent's detail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"qr_id": "K00017", "linked_at": "2026-12-03T09:15:00Z"})))]
pub struct LinkedChild {
    /// The child's id.
    pub qr_id: String,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
}

/// A bill as shown next to a bag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillSummary {
    /// Bill id.
    pub id: i64,
    /// Bill number.
    pub bill_number: String,
    /// Bill status.
    pub status: BillStatus,
}

/// `GET /bags/{qr_id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "bag": {"qr_id": "K00017", "role": "child", "format_code": "CHILD", "status": "linked", "child_count": null,
        "capacity": null, "weight_kg": null, "remaining": null, "dispatch_area": "akola", "bill_number": null,
        "sealed_reason": null, "created_by": 7, "created_at": "2026-12-03T09:15:00Z",
        "updated_at": "2026-12-03T09:15:00Z"},
    "parent": {"qr_id": "SB00042", "role": "parent", "format_code": "SB", "status": "open", "child_count": 17,
        "capacity": 30, "weight_kg": 17.0, "remaining": 13, "dispatch_area": "akola", "bill_number": null,
        "sealed_reason": null, "created_by": 7, "created_at": "2026-12-03T08:40:12Z",
        "updated_at": "2026-12-03T09:15:00Z"},
    "children": [], "children_total": 0, "children_next_cursor": null, "bill": null,
    "events_next_cursor": null,
    "events": [{"id": 55120, "occurred_at": "2026-12-03T09:14:58Z", "recorded_at": "2026-12-03T09:15:00Z", "user_id": 7,
            "station_id": "dock-3", "kind": "child", "qr_id": "K00017", "parent_qr_id": "SB00042", "bill_id": null,
            "outcome": "linked", "refused": false,
            "idempotency_key": "1a23b2f7e50-550e26b87ca8f0dd576d111d44aedd7c"}]})))]
pub struct BagDetail {
    /// The bag.
    pub bag: BagView,
    /// Its parent (`null` for parents and unlinked children).
    pub parent: Option<BagView>,
    /// Its first 100 children in link order (`[]` for children); the rest through
    /// `GET /bags/{qr_id}/children?cursor=` with `children_next_cursor`.
    pub children: Vec<LinkedChild>,
    /// How many of its children the caller may list (0 for children): for a parent
    /// `child_count`, less children of another area for a dispatcher.
    pub children_total: i32,
    /// Cursor of the next page of `GET /bags/{qr_id}/children`; `null` when every
    /// child is in `children`.
    pub children_next_cursor: Option<String>,
    /// The bill it is on.
    pub bill: Option<BillSummary>,
    /// The last 20 events, newest first.
    pub events: Vec<ScanEvent>,
    /// Cursor of the next page of `GET /bags/{qr_id}/events`; `null` when every event
    /// is in `events`.
    pub events_next_cursor: Option<String>,
}

/// `POST /bags`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"qr_id": "SB00043", "role": "parent"})))]
pub struct CreateBagRequest {
    /// The id.
    pub qr_id: String,
    /// Expected role; must agree with the formats when given.
    #[serde(default)]
    pub role: Option<BagRole>,
}

/// `POST /bags/{qr_id}/seal`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Lot finished: 17 of 30 bags packed"})))]
pub struct SealRequest {
    /// Required when the parent is below capacity.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `{bag}` answer of restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "bag": {"qr_id": "SB00038", "role": "parent", "format_code": "SB", "status": "open", "child_count": 0,
        "capacity": 30, "weight_kg": 0.0, "remaining": 30, "dispatch_area": "akola", "bill_number": null,
        "sealed_reason": null, "created_by": 7, "created_at": "2026-12-02T14:05:41Z",
        "updated_at": "2026-12-03T10:20:00Z"}})))]
pub struct BagResponse {
    /// The bag.
    pub bag: BagView,
}

/// `{parent}` answer of seal and unseal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "parent": {"qr_id": "SB00042", "format_code": "SB", "status": "sealed", "child_count": 17, "capacity": 30,
        "weight_kg": 17.0, "remaining": 13, "dispatch_area": "akola", "bill_number": null}})))]
pub struct ParentResponse {
    /// The parent after the change.
    pub parent: crate::scans::ParentView,
}
