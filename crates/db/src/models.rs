//! Rows as diesel reads and writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tracetrack_api_types::{BagRole, BagStatus, BillStatus, ChildStatus, EventOutcome, Role, ScanKind, UnknownValue};

use crate::schema::*;

/// A user row. Never serialised whole: the hash and TOTP secret stay inside.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = app_user)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub dispatch_area: Option<String>,
    pub is_active: bool,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub totp_last_step: Option<i64>,
}

impl UserRow {
    /// A snapshot for the audit log, without secrets.
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "username": self.username, "email": self.email, "role": self.role,
            "dispatch_area": self.dispatch_area, "is_active": self.is_active,
            "two_factor_enabled": self.totp_enabled, "deleted": self.deleted_at.is_some(),
        })
    }
}

/// A new user.
#[derive(Debug, Insertable)]
#[diesel(table_name = app_user)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub dispatch_area: Option<&'a str>,
}

/// A session row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_session)]
pub struct SessionRow {
    pub id: uuid::Uuid,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A bag row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = bag)]
pub struct BagRow {
    pub id: i64,
    pub qr_id: String,
    pub role: BagRole,
    pub format_code: String,
    pub status: BagStatus,
    pub child_count: i32,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
    pub dispatch_area: Option<String>,
    pub sealed_reason: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl BagRow {
    /// Is this a parent bag?
    pub fn is_parent(&self) -> bool {
        self.role == BagRole::Parent
    }

    /// Capacity of a parent (0 for children).
    pub fn capacity_or_zero(&self) -> i32 {
        self.capacity.unwrap_or(0)
    }

    /// Weight of one child in grams (0 for children).
    pub fn child_weight_or_zero(&self) -> i32 {
        self.child_weight_g.unwrap_or(0)
    }
}

/// A new bag.
#[derive(Debug, Insertable)]
#[diesel(table_name = bag)]
pub struct NewBag<'a> {
    pub qr_id: &'a str,
    pub role: BagRole,
    pub format_code: &'a str,
    pub status: BagStatus,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
    pub dispatch_area: Option<&'a str>,
    pub created_by: Option<i64>,
}

impl<'a> NewBag<'a> {
    /// A child (its area: the parent's it is about to join, if any). A child created
    /// by a scan into a parent is inserted `linked`, saving an update of the new row.
    pub fn child(
        qr_id: &'a str,
        format_code: &'a str,
        status: ChildStatus,
        area: Option<&'a str>,
        by: i64,
    ) -> NewBag<'a> {
        NewBag {
            qr_id,
            role: BagRole::Child,
            format_code,
            status: status.into(),
            capacity: None,
            child_weight_g: None,
            dispatch_area: area,
            created_by: Some(by),
        }
    }
}

/// A bill row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = bill)]
pub struct BillRow {
    pub id: i64,
    pub bill_number: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub vehicle_number: Option<String>,
    pub capacity: i32,
    pub status: BillStatus,
    pub parent_count: i32,
    pub child_count: i32,
    pub actual_weight_g: i64,
    pub expected_weight_g: i64,
    pub measured_weight_kg: Option<f64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A new bill.
#[derive(Debug, Insertable)]
#[diesel(table_name = bill)]
pub struct NewBill<'a> {
    pub bill_number: &'a str,
    pub description: Option<&'a str>,
    pub destination: Option<&'a str>,
    pub vehicle_number: Option<&'a str>,
    pub capacity: i32,
    pub status: BillStatus,
    pub created_by: Option<i64>,
}

/// A bag format row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = bag_format)]
pub struct FormatRow {
    pub code: String,
    pub name: String,
    pub role: BagRole,
    pub pattern: String,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
    pub active: bool,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A dispatch area row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = dispatch_area)]
pub struct AreaRow {
    pub code: String,
    pub name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A scan event row.
#[derive(Debug, Clone, Queryable, Selectable, Deserialize)]
#[diesel(table_name = scan_event)]
pub struct ScanEventRow {
    pub id: i64,
    pub occurred_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub station_id: Option<String>,
    pub kind: ScanKind,
    pub qr_id: Option<String>,
    pub parent_qr_id: Option<String>,
    pub bill_id: Option<i64>,
    pub outcome: String,
    pub idempotency_key: Option<String>,
    pub dispatch_area: Option<String>,
    pub refused: bool,
}

impl ScanEventRow {
    /// What the event did, or the code it was refused with.
    pub fn outcome(&self) -> Result<EventOutcome, UnknownValue> {
        EventOutcome::read(self.refused, &self.outcome)
    }
}

/// A new scan event (`None` is NULL, so the same value serves `COPY`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scan_event, treat_none_as_default_value = false)]
pub struct NewScanEvent {
    pub occurred_at: Option<DateTime<Utc>>,
    pub user_id: Option<i64>,
    pub station_id: Option<String>,
    pub kind: ScanKind,
    pub qr_id: Option<String>,
    pub parent_qr_id: Option<String>,
    pub bill_id: Option<i64>,
    pub outcome: String,
    pub idempotency_key: Option<String>,
    pub dispatch_area: Option<String>,
    /// The answer was a 4xx problem.
    pub refused: bool,
}

/// An audit log row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The API key of an integration's write.
    pub api_key_id: Option<i64>,
}

/// A new audit row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit {
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub api_key_id: Option<i64>,
}
