//! Rows to wire types.

use tracetrack_api_types::admin::{AuditEntry, BagFormat, DispatchArea};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::bags::BagView;
use tracetrack_api_types::bills::{Bill, BillParent};
use tracetrack_api_types::scans::{ChildView, ParentView, ScanEvent};
use tracetrack_api_types::{BagStatus, ChildStatus, ParentStatus};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{AreaRow, AuditRow, BagRow, BillRow, FormatRow, ScanEventRow, UserRow};
use tracetrack_domain::bill::{kg, weights};
use tracetrack_domain::parent::weight_g;

use crate::error::{ApiError, ApiResult};

/// A parent's status; a parent row holding a child status is a broken invariant.
pub fn parent_status(b: &BagRow) -> ApiResult<ParentStatus> {
    b.status.parent().ok_or_else(|| broken(b))
}

/// A child's status; a child row holding a parent status is a broken invariant.
fn child_status(b: &BagRow) -> ApiResult<ChildStatus> {
    match b.status {
        BagStatus::Child(s) => Ok(s),
        BagStatus::Parent(_) => Err(broken(b)),
    }
}

fn broken(b: &BagRow) -> ApiError {
    ApiError::internal(format!("{} bag {} has status {}", b.role, b.qr_id, b.status))
}

/// A parent as scan answers show it; reads the bill number when billed.
pub fn parent_view(conn: &mut PgConnection, b: &BagRow) -> ApiResult<ParentView> {
    let bill_number = if b.status == BagStatus::Parent(ParentStatus::Billed) {
        tracetrack_db::bags::bill_of(conn, b.id)?.map(|(_, number, _)| number)
    } else {
        None
    };
    parent_view_with(b, bill_number)
}

/// A parent view when the bill number is known.
pub fn parent_view_with(b: &BagRow, bill_number: Option<String>) -> ApiResult<ParentView> {
    let capacity = b.capacity_or_zero();
    Ok(ParentView {
        qr_id: b.qr_id.clone(),
        format_code: b.format_code.clone(),
        status: parent_status(b)?,
        child_count: b.child_count,
        capacity,
        weight_kg: kg(weight_g(b.child_count, b.child_weight_or_zero())),
        remaining: capacity - b.child_count,
        dispatch_area: b.dispatch_area.clone(),
        bill_number,
    })
}

/// A child view.
pub fn child_view(b: &BagRow, parent_qr_id: Option<String>) -> ApiResult<ChildView> {
    Ok(ChildView {
        qr_id: b.qr_id.clone(),
        format_code: b.format_code.clone(),
        status: child_status(b)?,
        dispatch_area: b.dispatch_area.clone(),
        parent_qr_id,
    })
}

/// A bag of either role.
pub fn bag_view(b: &BagRow, bill_number: Option<String>) -> BagView {
    let parent = b.is_parent();
    let capacity = b.capacity_or_zero();
    BagView {
        qr_id: b.qr_id.clone(),
        role: b.role,
        format_code: b.format_code.clone(),
        status: b.status,
        child_count: parent.then_some(b.child_count),
        capacity: parent.then_some(capacity),
        weight_kg: parent.then(|| kg(weight_g(b.child_count, b.child_weight_or_zero()))),
        remaining: parent.then_some(capacity - b.child_count),
        dispatch_area: b.dispatch_area.clone(),
        bill_number,
        sealed_reason: b.sealed_reason.clone(),
        created_by: b.created_by,
        created_at: b.created_at,
        updated_at: b.updated_at,
    }
}

/// A bill with derived figures.
pub fn bill_view(b: &BillRow) -> Bill {
    let w = weights(b.actual_weight_g, b.expected_weight_g, b.measured_weight_kg);
    Bill {
        id: b.id,
        bill_number: b.bill_number.clone(),
        description: b.description.clone(),
        destination: b.destination.clone(),
        vehicle_number: b.vehicle_number.clone(),
        status: b.status,
        capacity: b.capacity,
        parent_count: b.parent_count,
        child_count: b.child_count,
        remaining: b.capacity - b.parent_count,
        actual_weight_kg: w.actual_kg,
        expected_weight_kg: w.expected_kg,
        variance_kg: w.variance_kg,
        measured_weight_kg: b.measured_weight_kg,
        measured_variance_kg: w.measured_variance_kg,
        created_by: b.created_by,
        created_at: b.created_at,
        updated_at: b.updated_at,
        completed_at: b.completed_at,
    }
}

/// A parent on a bill.
pub fn bill_parent(b: &BagRow) -> ApiResult<BillParent> {
    Ok(BillParent {
        qr_id: b.qr_id.clone(),
        format_code: b.format_code.clone(),
        status: parent_status(b)?,
        child_count: b.child_count,
        weight_kg: kg(weight_g(b.child_count, b.child_weight_or_zero())),
        expected_weight_kg: kg(weight_g(b.capacity_or_zero(), b.child_weight_or_zero())),
    })
}

/// A scan event; an outcome no variant names is a read error.
pub fn event_view(e: ScanEventRow) -> ApiResult<ScanEvent> {
    let outcome = e
        .outcome()
        .map_err(|err| ApiError::internal(format!("scan event {}: {err}", e.id)))?;
    Ok(ScanEvent {
        id: e.id,
        occurred_at: e.occurred_at,
        recorded_at: e.recorded_at,
        user_id: e.user_id,
        station_id: e.station_id,
        kind: e.kind,
        qr_id: e.qr_id,
        parent_qr_id: e.parent_qr_id,
        bill_id: e.bill_id,
        refused: outcome.is_refused(),
        outcome,
        idempotency_key: e.idempotency_key,
    })
}

/// A user, without secrets.
pub fn user_view(u: &UserRow) -> User {
    User {
        id: u.id,
        username: u.username.clone(),
        email: u.email.clone(),
        role: u.role,
        dispatch_area: u.dispatch_area.clone(),
        is_active: u.is_active,
        two_factor_enabled: u.totp_enabled,
        created_at: u.created_at,
        last_login_at: u.last_login_at,
    }
}

/// A dispatch area.
pub fn area_view(a: &AreaRow) -> DispatchArea {
    DispatchArea {
        code: a.code.clone(),
        name: a.name.clone(),
        active: a.active,
    }
}

/// A bag format.
pub fn format_view(f: &FormatRow) -> BagFormat {
    BagFormat {
        code: f.code.clone(),
        name: f.name.clone(),
        role: f.role,
        pattern: f.pattern.clone(),
        capacity: f.capacity,
        child_weight_kg: f.child_weight_g.map(|g| kg(i64::from(g))),
        active: f.active,
    }
}

/// An audit row.
pub fn audit_view(a: AuditRow) -> AuditEntry {
    AuditEntry {
        id: a.id,
        occurred_at: a.occurred_at,
        actor_id: a.actor_id,
        action: a.action,
        entity_type: a.entity_type,
        entity_id: a.entity_id,
        before: a.before,
        after: a.after,
        ip: a.ip,
        request_id: a.request_id,
        api_key_id: a.api_key_id,
    }
}
