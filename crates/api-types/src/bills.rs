//! Bills (dispatches) and their parents.

use crate::{BillStatus, ParentStatus};
use serde::{Deserialize, Deserializer, Serialize};

use chrono::{DateTime, Utc};

/// A bill with its counters and derived weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 412, "bill_number": "B-2026-0412", "description": "Mustard and moong for the Akola dealer",
    "destination": "Shree Ganesh Traders, Akola", "vehicle_number": "MH30 AB 4417", "status": "processing",
    "capacity": 10, "parent_count": 3, "child_count": 73, "remaining": 7, "actual_weight_kg": 73.0,
    "expected_weight_kg": 75.0, "variance_kg": -2.0, "measured_weight_kg": 74.5, "measured_variance_kg": 1.5,
    "created_by": 4, "created_at": "2026-12-03T07:50:00Z", "updated_at": "2026-12-03T10:42:18Z",
    "completed_at": null})))]
pub struct Bill {
    /// Numeric id used in paths.
    pub id: i64,
    /// Unique bill number (case-insensitive).
    pub bill_number: String,
    /// Free text.
    pub description: Option<String>,
    /// Dealer or place.
    pub destination: Option<String>,
    /// Truck number.
    pub vehicle_number: Option<String>,
    /// Where the bill is.
    pub status: BillStatus,
    /// Parents it holds when complete (1–500).
    pub capacity: i32,
    /// Parents on it.
    pub parent_count: i32,
    /// Children in those parents.
    pub child_count: i32,
    /// capacity − parent_count.
    pub remaining: i32,
    /// Σ child_count × child weight.
    pub actual_weight_kg: f64,
    /// Σ capacity × child weight.
    pub expected_weight_kg: f64,
    /// actual − expected.
    pub variance_kg: f64,
    /// Scale reading.
    pub measured_weight_kg: Option<f64>,
    /// measured − actual.
    pub measured_variance_kg: Option<f64>,
    /// Creator's user id.
    pub created_by: Option<i64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was completed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A parent on a bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillParent {
    /// The parent's id.
    pub qr_id: String,
    /// Its format.
    pub format_code: String,
    /// Its status.
    pub status: ParentStatus,
    /// Its children.
    pub child_count: i32,
    /// child_count × child weight.
    pub weight_kg: f64,
    /// capacity × child weight.
    pub expected_weight_kg: f64,
}

/// `GET /bills/{id}`: the bill and its parents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 412, "bill_number": "B-2026-0412", "description": "Mustard and moong for the Akola dealer",
    "destination": "Shree Ganesh Traders, Akola", "vehicle_number": "MH30 AB 4417", "status": "processing",
    "capacity": 10, "parent_count": 3, "child_count": 73, "remaining": 7, "actual_weight_kg": 73.0,
    "expected_weight_kg": 75.0, "variance_kg": -2.0, "measured_weight_kg": 74.5, "measured_variance_kg": 1.5,
    "created_by": 4, "created_at": "2026-12-03T07:50:00Z", "updated_at": "2026-12-03T10:42:18Z", "completed_at": null,
    "parents": [{"qr_id": "SB00040", "format_code": "SB", "status": "billed", "child_count": 30, "weight_kg": 30.0,
            "expected_weight_kg": 30.0},
        {"qr_id": "SB00041", "format_code": "SB", "status": "billed", "child_count": 28, "weight_kg": 28.0,
            "expected_weight_kg": 30.0},
        {"qr_id": "M444-00017", "format_code": "M444", "status": "billed", "child_count": 15, "weight_kg": 15.0,
            "expected_weight_kg": 15.0}]})))]
pub struct BillDetail {
    /// The bill's fields.
    #[serde(flatten)]
    pub bill: Bill,
    /// Its parents, in the order they were added.
    pub parents: Vec<BillParent>,
}

/// `POST /bills`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"bill_number": "BILL-2026-0042", "capacity": 10, "destination": "Jaipur"})))]
pub struct CreateBillRequest {
    /// Unique bill number.
    pub bill_number: String,
    /// Parents (1–500).
    pub capacity: i32,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Dealer or place.
    #[serde(default)]
    pub destination: Option<String>,
    /// Truck number.
    #[serde(default)]
    pub vehicle_number: Option<String>,
}

/// Distinguishes an absent field from an explicit `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /bills/{id}`: only the fields sent change; `null` clears a text or the scale reading.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "vehicle_number": "MH30 AB 4417", "measured_weight_kg": 74.5})))]
pub struct PatchBillRequest {
    /// Free text.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    /// Dealer or place.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub destination: Option<Option<String>>,
    /// Truck number.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub vehicle_number: Option<Option<String>>,
    /// New capacity, at least parent_count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    /// Scale reading in kg.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub measured_weight_kg: Option<Option<f64>>,
}

/// `POST /bills/{id}/parents`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"qr_id": "SB00044"})))]
pub struct AddParentRequest {
    /// The parent's id (scanned text is normalised).
    pub qr_id: String,
}

/// `POST /bills/{id}/reopen`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "reason": "Truck changed at the gate: the vehicle number must be corrected"})))]
pub struct ReopenRequest {
    /// Why the completed bill is reopened.
    pub reason: String,
}
