//! Bill rules of docs/domain.md §4: counters kept in the same transaction as the items.

use actix_web::http::StatusCode;
use chrono::Utc;
use tracetrack_api_types::bills::PatchBillRequest;
use tracetrack_api_types::NotificationLevel;
use tracetrack_db::bills;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{BagRow, BillRow, NewBill};
use tracetrack_db::notifications::{self, Note};

use serde_json::json;
use tracetrack_api_types::{BillStatus, ParentStatus, ScanKind, ScanOutcome};
use tracetrack_db::models::NewScanEvent;
use tracetrack_domain::bill::{self, BillFacts, BillRefusal, MAX_BILL_CAPACITY, MIN_BILL_CAPACITY};
use tracetrack_domain::parent::{derive_status, weight_g};
use tracetrack_domain::FormatSet;

use super::logged::{to_json, EventInfo, Written};
use super::scan::normalize;
use super::views::bill_view;
use crate::error::{ApiError, ApiResult};
use crate::input::clean_text;
use crate::services::Actor;
use crate::webhooks::outbox::ScanFacts;
use tracetrack_api_types::ErrorCode;

/// A checked new bill.
pub struct NewBillInput {
    pub bill_number: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub vehicle_number: Option<String>,
    pub capacity: i32,
}

/// Creates a bill (status `new`); `409 duplicate` when the number is taken.
pub fn create(c: &mut PgConnection, actor: &Actor, b: &NewBillInput) -> ApiResult<BillRow> {
    let new = NewBill {
        bill_number: &b.bill_number,
        description: b.description.as_deref(),
        destination: b.destination.as_deref(),
        vehicle_number: b.vehicle_number.as_deref(),
        capacity: b.capacity,
        status: BillStatus::New,
        created_by: Some(actor.id()),
    };
    let bill = bills::insert(c, &new)?
        .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Bill number {} exists.", b.bill_number)))?;
    actor.audit.record(
        c,
        "bill.create",
        "bill",
        Some(bill.id.to_string()),
        None,
        Some(json!(bill)),
    )?;
    Ok(bill)
}

/// Runs an audited change on a locked bill; `change` says whether anything changed.
/// The creator hears when someone else completes their bill.
pub fn edit(
    c: &mut PgConnection,
    actor: &Actor,
    id: i64,
    action: &'static str,
    reason: Option<String>,
    change: impl FnOnce(&mut BillRow) -> ApiResult<bool>,
) -> ApiResult<BillRow> {
    let before = lock_bill(c, id)?;
    let mut bill = before.clone();
    if !change(&mut bill)? {
        return Ok(before);
    }
    let after = bills::save(c, &bill)?;
    let mut snapshot = json!(after);
    if let Some(reason) = reason {
        snapshot["reason"] = json!(reason);
    }
    if action == "bill.complete" {
        // What shipped: the EPCIS export and webhooks read it from here.
        let parents: Vec<String> = bills::parents(c, id)?.into_iter().map(|p| p.qr_id).collect();
        snapshot["parents"] = json!(parents);
    }
    actor.audit.record(
        c,
        action,
        "bill",
        Some(id.to_string()),
        Some(json!(before)),
        Some(snapshot),
    )?;
    if let Some(creator) = after
        .created_by
        .filter(|c| action == "bill.complete" && *c != actor.id())
    {
        let message = format!("Bill {} was completed by {}.", after.bill_number, actor.user.username);
        let link = format!("/bills/{id}");
        let note = Note {
            level: NotificationLevel::Success,
            title: "Bill completed",
            message: &message,
            link: Some(&link),
        };
        notifications::notify(c, creator, note)?;
    }
    Ok(after)
}

/// Deletes a bill; its parents go back to what they were before billing.
pub fn delete(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    let bill = lock_bill(c, id)?;
    let freed = free_parents(c, actor, id)?;
    bills::delete(c, id)?;
    let after = json!({"deleted": true, "parents_freed": freed});
    actor.audit.record(
        c,
        "bill.delete",
        "bill",
        Some(id.to_string()),
        Some(json!(bill)),
        Some(after),
    )
}

/// Locks a bill or answers `404 bill_not_found`.
pub fn lock_bill(c: &mut PgConnection, id: i64) -> ApiResult<BillRow> {
    bills::find_for_update(c, id)?.ok_or_else(|| bill_not_found(id))
}

/// `404 bill_not_found`.
pub fn bill_not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::BillNotFound, format!("Bill {id} does not exist."))
}

fn facts(b: &BillRow) -> BillFacts {
    BillFacts {
        status: b.status,
        parent_count: b.parent_count,
        capacity: b.capacity,
    }
}

/// The problem for a refused bill change.
fn refusal(b: &BillRow, r: BillRefusal) -> ApiError {
    let n = &b.bill_number;
    match r {
        BillRefusal::Completed => ApiError::conflict(
            ErrorCode::BillCompleted,
            format!("Bill {n} is completed; reopen it first."),
        ),
        BillRefusal::Full => ApiError::conflict(
            ErrorCode::BillFull,
            format!("Bill {n} already has {} of {} parents.", b.parent_count, b.capacity),
        ),
        BillRefusal::Incomplete => ApiError::conflict(
            ErrorCode::BillIncomplete,
            format!(
                "Bill {n} has {} of {} parents; add the rest or lower the capacity.",
                b.parent_count, b.capacity
            ),
        ),
        BillRefusal::NotCompleted => {
            ApiError::conflict(ErrorCode::BillNotCompleted, format!("Bill {n} is not completed."))
        }
    }
}

fn refuse_completed(b: &BillRow) -> ApiResult<()> {
    bill::check_editable(facts(b)).map_err(|r| refusal(b, r))
}

/// Checks a capacity value.
pub fn check_capacity(capacity: i32, pointer: &str) -> ApiResult<()> {
    if !(MIN_BILL_CAPACITY..=MAX_BILL_CAPACITY).contains(&capacity) {
        return Err(ApiError::invalid_field(
            pointer,
            "out_of_range",
            format!("capacity must be between {MIN_BILL_CAPACITY} and {MAX_BILL_CAPACITY}."),
        ));
    }
    Ok(())
}

fn parent_weights(p: &BagRow) -> (i64, i64) {
    let w = p.child_weight_or_zero();
    (weight_g(p.child_count, w), weight_g(p.capacity_or_zero(), w))
}

/// The status a parent returns to when it leaves a bill.
fn status_off_bill(p: &BagRow) -> ParentStatus {
    derive_status(p.child_count, p.capacity_or_zero(), p.sealed_at.is_some(), false)
}

/// `POST /bills/{id}/parents`.
pub fn add_parent(
    c: &mut PgConnection,
    formats: &FormatSet,
    bill_id: i64,
    user: i64,
    raw_qr: &str,
) -> ApiResult<Written> {
    let mut bill = lock_bill(c, bill_id)?;
    refuse_completed(&bill)?;
    let qr = normalize(raw_qr, formats)?;
    let parent = tracetrack_db::bags::find_for_update(c, &qr)?
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found(ErrorCode::BagNotFound, format!("Bag {qr} does not exist.")))?;
    if !parent.is_parent() {
        return Err(ApiError::unprocessable(
            ErrorCode::WrongRole,
            format!("{qr} is a child bag; bills hold parents."),
        ));
    }
    let event = |outcome: ScanOutcome| EventInfo {
        qr_id: Some(qr.clone()),
        bill_id: Some(bill_id),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(outcome)
    };
    if let Some((other_id, number, _)) = tracetrack_db::bags::bill_of(c, parent.id)? {
        if other_id == bill_id {
            return Ok((
                StatusCode::OK,
                to_json(&bill_view(&bill))?,
                event(ScanOutcome::AlreadyOnBill),
            ));
        }
        return Err(
            ApiError::conflict(ErrorCode::AlreadyOnBill, format!("{qr} is on bill {number}.")).with_bill(number),
        );
    }
    let status = bill::add_parent(facts(&bill)).map_err(|r| refusal(&bill, r))?;
    bills::insert_item(c, bill_id, parent.id, user)?;
    tracetrack_db::bags::set_status(c, parent.id, ParentStatus::Billed)?;
    let (actual, expected) = parent_weights(&parent);
    bill.parent_count += 1;
    bill.child_count += parent.child_count;
    bill.actual_weight_g += actual;
    bill.expected_weight_g += expected;
    bill.status = status;
    let bill = bills::save(c, &bill)?;
    Ok((
        StatusCode::CREATED,
        to_json(&bill_view(&bill))?,
        event(ScanOutcome::Added),
    ))
}

/// `DELETE /bills/{id}/parents/{qr_id}`.
pub fn remove_parent(c: &mut PgConnection, bill_id: i64, raw_qr: &str) -> ApiResult<Written> {
    let mut bill = lock_bill(c, bill_id)?;
    let status = bill::remove_parent(facts(&bill)).map_err(|r| refusal(&bill, r))?;
    let qr = crate::input::normalize_filter_qr(raw_qr);
    let not_on = || ApiError::not_found(ErrorCode::NotOnBill, format!("{qr} is not on bill {}.", bill_id));
    let parent = tracetrack_db::bags::find_for_update(c, &qr)?.ok_or_else(not_on)?;
    if bills::delete_item(c, bill_id, parent.id)? == 0 {
        return Err(not_on());
    }
    tracetrack_db::bags::set_status(c, parent.id, status_off_bill(&parent))?;
    let (actual, expected) = parent_weights(&parent);
    bill.parent_count -= 1;
    bill.child_count -= parent.child_count;
    bill.actual_weight_g -= actual;
    bill.expected_weight_g -= expected;
    bill.status = status;
    let bill = bills::save(c, &bill)?;
    let info = EventInfo {
        qr_id: Some(qr),
        bill_id: Some(bill_id),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(ScanOutcome::Removed)
    };
    Ok((StatusCode::OK, to_json(&bill_view(&bill))?, info))
}

/// Frees every parent of a bill before it is deleted. Each leaves the bill as a
/// removal would: a `bill_remove` scan event, so the EPCIS export and the webhooks
/// tell partners the parent is off the bill.
pub fn free_parents(c: &mut PgConnection, actor: &Actor, bill_id: i64) -> ApiResult<usize> {
    let parents = bills::parents_for_update(c, bill_id)?;
    for p in &parents {
        bills::delete_item(c, bill_id, p.id)?;
        tracetrack_db::bags::set_status(c, p.id, status_off_bill(p))?;
        let event = NewScanEvent {
            occurred_at: None,
            user_id: Some(actor.id()),
            station_id: None,
            kind: ScanKind::BillRemove,
            qr_id: Some(p.qr_id.clone()),
            parent_qr_id: None,
            bill_id: Some(bill_id),
            outcome: ScanOutcome::Removed.to_string(),
            idempotency_key: None,
            dispatch_area: p.dispatch_area.clone(),
            refused: false,
        };
        let (id, recorded_at) = tracetrack_db::scan_events::insert(c, &event)?;
        let facts = ScanFacts {
            id,
            kind: ScanKind::BillRemove,
            outcome: ScanOutcome::Removed,
            qr_id: Some(&p.qr_id),
            parent_qr_id: None,
            bill_id: Some(bill_id),
            dispatch_area: p.dispatch_area.as_deref(),
            station_id: None,
            user_id: actor.id(),
            occurred_at: None,
            recorded_at,
        };
        actor.audit.outbox().scan(c, &facts)?;
    }
    Ok(parents.len())
}

/// Applies a PATCH; a completed bill only takes a scale reading.
pub fn apply_patch(bill: &mut BillRow, p: PatchBillRequest) -> ApiResult<()> {
    let edits_content =
        p.description.is_some() || p.destination.is_some() || p.vehicle_number.is_some() || p.capacity.is_some();
    if edits_content {
        refuse_completed(bill)?;
    }
    if let Some(v) = p.description {
        bill.description = clean_text(v, "/description", 500)?;
    }
    if let Some(v) = p.destination {
        bill.destination = clean_text(v, "/destination", 200)?;
    }
    if let Some(v) = p.vehicle_number {
        bill.vehicle_number = clean_text(v, "/vehicle_number", 50)?;
    }
    if let Some(capacity) = p.capacity {
        check_capacity(capacity, "/capacity")?;
        if capacity < bill.parent_count {
            return Err(ApiError::invalid_field(
                "/capacity",
                "below_parent_count",
                format!(
                    "The bill already has {} parents; capacity cannot be lower.",
                    bill.parent_count
                ),
            ));
        }
        bill.capacity = capacity;
    }
    if let Some(measured) = p.measured_weight_kg {
        if measured.is_some_and(|m| !m.is_finite() || !(0.0..=1_000_000.0).contains(&m)) {
            return Err(ApiError::invalid_field(
                "/measured_weight_kg",
                "out_of_range",
                "measured_weight_kg must be between 0 and 1000000.",
            ));
        }
        bill.measured_weight_kg = measured;
    }
    Ok(())
}

/// Completes a full bill (already completed: unchanged).
pub fn complete(bill: &mut BillRow) -> ApiResult<bool> {
    let Some(status) = bill::complete(facts(bill)).map_err(|r| refusal(bill, r))? else {
        return Ok(false);
    };
    bill.status = status;
    bill.completed_at = Some(Utc::now());
    Ok(true)
}

/// Reopens a completed bill.
pub fn reopen(bill: &mut BillRow) -> ApiResult<()> {
    bill.status = bill::reopen(facts(bill)).map_err(|r| refusal(bill, r))?;
    bill.completed_at = None;
    Ok(())
}
