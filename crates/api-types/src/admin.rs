//! Administration: users, managed lists, audit log, statistics.

use crate::{BagRole, Role};
use serde::{Deserialize, Deserializer, Serialize};

use chrono::{DateTime, Utc};

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "username": "ravi.k", "email": "ravi.k@example.com", "password": "Akola-dock-3-2026", "role": "dispatcher",
    "dispatch_area": "akola"})))]
pub struct CreateUserRequest {
    /// Login name: 3–50 of `a-z 0-9 . _ -`.
    pub username: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Initial password.
    pub password: String,
    /// The role.
    pub role: Role,
    /// Area code; required for dispatchers.
    #[serde(default)]
    pub dispatch_area: Option<String>,
}

/// `PATCH /users/{id}`: only the fields sent change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"role": "biller", "dispatch_area": null})))]
pub struct PatchUserRequest {
    /// New role (ends the user's sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New area code; `null` removes it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub dispatch_area: Option<Option<String>>,
    /// New e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Deactivate (ends the user's sessions) or reactivate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// New password (ends the user's sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A dispatch area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "akola", "name": "Akola", "active": true})))]
pub struct DispatchArea {
    /// Stable code, e.g. `lucknow`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Retired areas take no new users.
    pub active: bool,
}

/// `POST /dispatch-areas`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "nagpur", "name": "Nagpur"})))]
pub struct CreateAreaRequest {
    /// Stable code: 2–40 of `a-z 0-9 _ -`.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// `PATCH /dispatch-areas/{code}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"active": false})))]
pub struct PatchAreaRequest {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `false` retires the area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A bag format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "SB", "name": "Mustard (SB)", "role": "parent", "pattern": "^SB\\d{5}$", "capacity": 30,
    "child_weight_kg": 1.0, "active": true})))]
pub struct BagFormat {
    /// Stable code, e.g. `SB`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Whether it classifies parents or children.
    pub role: BagRole,
    /// Regular expression for normalised ids.
    pub pattern: String,
    /// Children per parent.
    pub capacity: Option<i32>,
    /// Weight of one child.
    pub child_weight_kg: Option<f64>,
    /// Retired formats classify nothing.
    pub active: bool,
}

/// `POST /bag-formats`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "GN", "name": "Groundnut (GN)", "role": "parent", "pattern": "^GN\\d{5}$", "capacity": 25,
    "child_weight_kg": 2.0})))]
pub struct CreateFormatRequest {
    /// Stable code: 2–20 of `A-Z 0-9 _ -`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Whether it classifies parents or children.
    pub role: BagRole,
    /// Regular expression.
    pub pattern: String,
    /// Required for parents (1–10000).
    #[serde(default)]
    pub capacity: Option<i32>,
    /// Required for parents (> 0).
    #[serde(default)]
    pub child_weight_kg: Option<f64>,
}

/// `PATCH /bag-formats/{code}`; existing bags keep their copied values.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"capacity": 20})))]
pub struct PatchFormatRequest {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Children per parent (parents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    /// Weight of one child (parents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_weight_kg: Option<f64>,
    /// `false` retires the format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// One audit log row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 90412, "occurred_at": "2026-12-03T10:30:00Z", "actor_id": 1, "action": "dispatch_area.update",
    "entity_type": "dispatch_area", "entity_id": "sangaria",
    "before": {"code": "sangaria", "name": "Sangaria", "active": true},
    "after": {"code": "sangaria", "name": "Sangaria", "active": false}, "ip": "10.20.4.0",
    "request_id": "230e250f-6d95-44f4-837f-c90a92bcd1ca"})))]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it (`null` for the system or an anonymous caller).
    pub actor_id: Option<i64>,
    /// E.g. `user.update`, `bill.complete`, `auth.login_failed`.
    pub action: String,
    /// Singular resource name.
    pub entity_type: String,
    /// The entity's id or code.
    pub entity_id: Option<String>,
    /// Snapshot before the change.
    pub before: Option<serde_json::Value>,
    /// Snapshot after the change.
    pub after: Option<serde_json::Value>,
    /// Client IP (anonymised when configured).
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// The API key an integration made the change with (the actor is its service account).
    #[serde(default)]
    pub api_key_id: Option<i64>,
}

/// Bills per status.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillsByStatus {
    /// No parents.
    pub new: i64,
    /// Some parents.
    pub processing: i64,
    /// Completed.
    pub completed: i64,
}

/// Scans in one hour of today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourCount {
    /// Start of the hour (report time zone), as UTC.
    pub hour: DateTime<Utc>,
    /// Scan events in it.
    pub scans: i64,
}

/// `GET /stats`: exact counts. Bag and bill counts are the whole warehouse's; scan
/// counts are a dispatcher's area and the bags of no area (everyone's for billers
/// and admins), whole minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "parents": 1284, "children": 30517, "links": 29870,
    "bills_by_status": {"new": 3, "processing": 5, "completed": 212}, "scans_today": 1432, "scans_last_hour": 187,
    "active_users_last_hour": 6, "bills": 220, "as_of": "2026-12-02T19:41:07.312Z",
    "scans_by_hour": [{"hour": "2026-12-02T18:30:00Z", "scans": 1245}, {"hour": "2026-12-02T19:30:00Z", "scans": 187}]})))]
pub struct Stats {
    /// Parent bags (not deleted).
    pub parents: i64,
    /// Child bags (not deleted).
    pub children: i64,
    /// Child-in-parent links.
    pub links: i64,
    /// Bills per status.
    pub bills_by_status: BillsByStatus,
    /// Scan events since midnight in the report time zone.
    pub scans_today: i64,
    /// Scan events in the last 60 minutes.
    pub scans_last_hour: i64,
    /// Users with a scan event in the last 60 minutes.
    pub active_users_last_hour: i64,
    /// Bills in all.
    pub bills: i64,
    /// Scans per hour since midnight (report time zone), oldest first; empty hours left out.
    #[serde(default)]
    pub scans_by_hour: Vec<HourCount>,
    /// When these counts were read (a dashboard is served a snapshot that is read
    /// again once it is `STATS_MAX_AGE_MS` old).
    pub as_of: DateTime<Utc>,
}
