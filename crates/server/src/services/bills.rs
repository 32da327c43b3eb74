//! Bill rules of docs/rules.md §4: counters kept in the same transaction as the items.

use actix_web::http::StatusCode;
use chrono::Utc;
use tracetrack_api_types::bills::PatchBillRequest;
use tracetrack_db::bills;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{BagRow, BillRow};
use tracetrack_domain::bill::{BillStatus, MAX_BILL_CAPACITY, MIN_BILL_CAPACITY};
use tracetrack_domain::parent::{derive_status, weight_g};
use tracetrack_domain::FormatSet;

use super::logged::{to_json, EventInfo, Written};
use super::scan::normalize;
use super::views::bill_view;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::clean_text;
use tracetrack_api_types::ErrorCode;

/// Locks a bill or answers `404 bill_not_found`.
pub fn lock_bill(c: &mut PgConnection, id: i64) -> ApiResult<BillRow> {
    bills::find_for_update(c, id)?.ok_or_else(|| bill_not_found(id))
}

/// `404 bill_not_found`.
pub fn bill_not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::BillNotFound, format!("Bill {id} does not exist."))
}

fn refuse_completed(b: &BillRow) -> ApiResult<()> {
    if b.status == BillStatus::Completed.as_str() {
        return Err(ApiError::conflict(
            ErrorCode::BillCompleted,
            format!("Bill {} is completed; reopen it first.", b.bill_number),
        ));
    }
    Ok(())
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
fn status_off_bill(p: &BagRow) -> &'static str {
    derive_status(p.child_count, p.capacity_or_zero(), p.sealed_at.is_some(), false).as_str()
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
    let event = |outcome: &str| EventInfo {
        qr_id: Some(qr.clone()),
        bill_id: Some(bill_id),
        dispatch_area: parent.dispatch_area.clone(),
        outcome: outcome.into(),
        ..EventInfo::default()
    };
    if let Some((other_id, number, _)) = tracetrack_db::bags::bill_of(c, parent.id)? {
        if other_id == bill_id {
            return Ok((StatusCode::OK, to_json(&bill_view(&bill))?, event("already_on_bill")));
        }
        return Err(
            ApiError::conflict(ErrorCode::AlreadyOnBill, format!("{qr} is on bill {number}.")).with_bill(number),
        );
    }
    if bill.parent_count >= bill.capacity {
        return Err(ApiError::conflict(
            ErrorCode::BillFull,
            format!(
                "Bill {} already has {} of {} parents.",
                bill.bill_number, bill.parent_count, bill.capacity
            ),
        ));
    }
    bills::insert_item(c, bill_id, parent.id, user)?;
    tracetrack_db::bags::set_status(c, parent.id, "billed")?;
    let (actual, expected) = parent_weights(&parent);
    bill.parent_count += 1;
    bill.child_count += parent.child_count;
    bill.actual_weight_g += actual;
    bill.expected_weight_g += expected;
    bill.status = BillStatus::Processing.as_str().into();
    let bill = bills::save(c, &bill)?;
    Ok((StatusCode::CREATED, to_json(&bill_view(&bill))?, event("added")))
}

/// `DELETE /bills/{id}/parents/{qr_id}`.
pub fn remove_parent(c: &mut PgConnection, bill_id: i64, raw_qr: &str) -> ApiResult<Written> {
    let mut bill = lock_bill(c, bill_id)?;
    refuse_completed(&bill)?;
    let qr = crate::routes::params::normalize_filter_qr(raw_qr);
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
    bill.status = BillStatus::open_with(bill.parent_count).as_str().into();
    let bill = bills::save(c, &bill)?;
    let info = EventInfo {
        qr_id: Some(qr),
        bill_id: Some(bill_id),
        dispatch_area: parent.dispatch_area.clone(),
        outcome: "removed".into(),
        ..EventInfo::default()
    };
    Ok((StatusCode::OK, to_json(&bill_view(&bill))?, info))
}

/// Frees every parent of a bill before it is deleted.
pub fn free_parents(c: &mut PgConnection, bill_id: i64) -> ApiResult<usize> {
    let parents = bills::parents_for_update(c, bill_id)?;
    for p in &parents {
        bills::delete_item(c, bill_id, p.id)?;
        tracetrack_db::bags::set_status(c, p.id, status_off_bill(p))?;
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
    if bill.status == BillStatus::Completed.as_str() {
        return Ok(false);
    }
    if bill.parent_count < bill.capacity {
        return Err(ApiError::conflict(
            ErrorCode::BillIncomplete,
            format!(
                "Bill {} has {} of {} parents; add the rest or lower the capacity.",
                bill.bill_number, bill.parent_count, bill.capacity
            ),
        ));
    }
    bill.status = BillStatus::Completed.as_str().into();
    bill.completed_at = Some(Utc::now());
    Ok(true)
}

/// Reopens a completed bill.
pub fn reopen(bill: &mut BillRow) -> ApiResult<()> {
    if bill.status != BillStatus::Completed.as_str() {
        return Err(ApiError::conflict(
            ErrorCode::BillNotCompleted,
            format!("Bill {} is not completed.", bill.bill_number),
        ));
    }
    bill.status = BillStatus::open_with(bill.parent_count).as_str().into();
    bill.completed_at = None;
    Ok(())
}
