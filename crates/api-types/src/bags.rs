//! Bags: list, detail, registration, seal.

use crate::{BagRole, BagStatus, BillStatus};
use serde::{Deserialize, Serialize};

use crate::scans::ScanEvent;
use chrono::{DateTime, Utc};

/// A bag of either role; parent-only fields are `null` for children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub struct BagDetail {
    /// The bag.
    pub bag: BagView,
    /// Its parent (`null` for parents and unlinked children).
    pub parent: Option<BagView>,
    /// Its children (`[]` for children).
    pub children: Vec<LinkedChild>,
    /// The bill it is on.
    pub bill: Option<BillSummary>,
    /// The last 20 events, newest first.
    pub events: Vec<ScanEvent>,
}

/// `POST /bags`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub struct SealRequest {
    /// Required when the parent is below capacity.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `{bag}` answer of restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BagResponse {
    /// The bag.
    pub bag: BagView,
}

/// `{parent}` answer of seal and unseal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentResponse {
    /// The parent after the change.
    pub parent: crate::scans::ParentView,
}
