//! The scan rules of docs/domain.md §2: parents, children, unlink, undo.
//! Each function runs inside a transaction and locks the parent it checks.

use actix_web::http::StatusCode;
use chrono::{Duration, Utc};
use tracetrack_api_types::scans::{ScanChildResponse, ScanParentResponse, UndoResponse, UnlinkResponse};
use tracetrack_api_types::{BagRole, ChildStatus, ParentStatus, ScanOutcome};
use tracetrack_db::bags;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{BagRow, NewBag};
use tracetrack_db::stats::{self, Delta};
use tracetrack_domain::parent::{check_room, derive_status, NoRoom};
use tracetrack_domain::{normalize_qr, Classification, FormatSet};

use super::logged::{to_json, EventInfo, Written};
use super::views::{child_view, parent_status, parent_view, parent_view_with};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use tracetrack_api_types::ErrorCode;

/// Normalises an id or answers `400 invalid_qr_id` naming the rule and the formats.
pub fn normalize(raw: &str, formats: &FormatSet) -> ApiResult<String> {
    normalize_qr(raw).map_err(|e| invalid_qr(format!("Not a bag id: {e}."), formats))
}

fn invalid_qr(detail: String, formats: &FormatSet) -> ApiError {
    let mut err = ApiError::bad_request(ErrorCode::InvalidQrId, detail);
    err.extras_mut().accepted_formats = Some(formats.accepted());
    err
}

pub fn unknown_format(qr: &str, formats: &FormatSet) -> ApiError {
    invalid_qr(format!("{qr} matches none of the accepted bag formats."), formats)
}

/// 403 for a dispatcher without an area.
pub fn require_area(user: &CurrentUser) -> ApiResult<()> {
    match user.visibility().may_scan() {
        true => Ok(()),
        false => Err(no_area()),
    }
}

/// `403 no_dispatch_area`.
pub fn no_area() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::NoDispatchArea,
        "Your account has no dispatch area yet; ask an admin to assign one.",
    )
}

pub fn deleted(qr: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::BagDeleted,
        format!("Bag {qr} was deleted; an admin can restore it."),
    )
}

pub fn not_found(qr: &str) -> ApiError {
    ApiError::not_found(ErrorCode::BagNotFound, format!("Bag {qr} does not exist."))
}

/// `422 wrong_role` for a child id where a parent is needed.
pub fn not_a_parent(qr: &str) -> ApiError {
    ApiError::unprocessable(ErrorCode::WrongRole, format!("{qr} is a child bag, not a parent."))
}

/// `422 wrong_role` for a parent id where a child is needed.
pub fn not_a_child(qr: &str) -> ApiError {
    ApiError::unprocessable(ErrorCode::WrongRole, format!("{qr} is a parent bag, not a child."))
}

/// `409 other_area`.
pub fn other_area(qr: &str) -> ApiError {
    ApiError::conflict(ErrorCode::OtherArea, format!("{qr} belongs to another dispatch area."))
}

/// `422 wrong_role` for a parent scanned into itself.
pub fn into_itself(qr: &str) -> ApiError {
    ApiError::unprocessable(ErrorCode::WrongRole, format!("{qr} cannot go into itself."))
}

/// `409 linked_elsewhere`; `shown` is the other parent when the caller may see it.
pub fn linked_elsewhere(qr: &str, shown: Option<String>) -> ApiError {
    let detail = match &shown {
        Some(q) => format!("Bag {qr} already belongs to {q}."),
        None => format!("Bag {qr} already belongs to another parent."),
    };
    ApiError::conflict(ErrorCode::LinkedElsewhere, detail).with_parent(shown)
}

/// The 409 for a parent that takes no more children, given its bill number when
/// it is on one.
pub fn room_error(qr: &str, why: NoRoom, count: i32, capacity: i32, bill: Option<String>) -> ApiError {
    match why {
        NoRoom::Billed => {
            let number = bill.unwrap_or_default();
            ApiError::conflict(
                ErrorCode::ParentBilled,
                format!("{qr} is on bill {number}; take it off the bill first."),
            )
            .with_bill(number)
        }
        NoRoom::Sealed => ApiError::conflict(ErrorCode::ParentSealed, format!("{qr} is sealed; unseal it first.")),
        NoRoom::Full => ApiError::conflict(
            ErrorCode::ParentFull,
            format!("{qr} is full: it holds {count} of {capacity} bags."),
        ),
    }
}

/// The bag of another area is invisible to a dispatcher.
pub fn visible(user: &CurrentUser, bag: Option<BagRow>) -> Option<BagRow> {
    bag.filter(|b| user.sees_bag(b.dispatch_area.as_deref()))
}

/// `POST /scans/parent`.
pub fn scan_parent(conn: &mut PgConnection, user: &CurrentUser, formats: &FormatSet, raw: &str) -> ApiResult<Written> {
    let qr = normalize(raw, formats)?;
    let spec = match formats.classify(&qr) {
        Classification::Parent(spec) => spec,
        Classification::Child(_) => return Err(not_a_parent(&qr)),
        Classification::Unknown => return Err(unknown_format(&qr, formats)),
    };
    require_area(user)?;
    let (status, outcome, bag) = match bags::find(conn, &qr)? {
        Some(existing) => (
            StatusCode::OK,
            ScanOutcome::Existing,
            check_existing_parent(user, existing)?,
        ),
        None => {
            let visibility = user.visibility();
            let new = NewBag {
                qr_id: &qr,
                role: BagRole::Parent,
                format_code: &spec.code,
                status: ParentStatus::Open.into(),
                capacity: spec.capacity,
                child_weight_g: spec.child_weight_g,
                dispatch_area: visibility.area(),
                created_by: Some(user.id),
            };
            match bags::insert(conn, &new)? {
                Some(created) => {
                    stats::record(
                        conn,
                        Delta {
                            parents: 1,
                            ..Delta::default()
                        },
                    )?;
                    (StatusCode::CREATED, ScanOutcome::Created, created)
                }
                // Created by a concurrent scan a moment ago.
                None => {
                    let existing = bags::find(conn, &qr)?.ok_or_else(|| not_found(&qr))?;
                    (
                        StatusCode::OK,
                        ScanOutcome::Existing,
                        check_existing_parent(user, existing)?,
                    )
                }
            }
        }
    };
    let parent = parent_view(conn, &bag)?;
    let info = EventInfo {
        qr_id: Some(bag.qr_id.clone()),
        dispatch_area: bag.dispatch_area.clone(),
        ..EventInfo::new(outcome)
    };
    Ok((status, to_json(&ScanParentResponse { outcome, parent })?, info))
}

fn check_existing_parent(user: &CurrentUser, bag: BagRow) -> ApiResult<BagRow> {
    if bag.deleted_at.is_some() {
        return Err(deleted(&bag.qr_id));
    }
    if !bag.is_parent() {
        return Err(not_a_parent(&bag.qr_id));
    }
    if !user.sees_bag(bag.dispatch_area.as_deref()) {
        return Err(other_area(&bag.qr_id));
    }
    Ok(bag)
}

/// Locks a visible, live parent or answers 404 / 422.
pub fn lock_parent(conn: &mut PgConnection, user: &CurrentUser, qr: &str) -> ApiResult<BagRow> {
    let parent = visible(user, bags::find_for_update(conn, qr)?)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| not_found(qr))?;
    if !parent.is_parent() {
        return Err(not_a_parent(qr));
    }
    Ok(parent)
}

/// The 409 for a parent that takes no more children.
pub fn no_room(conn: &mut PgConnection, parent: &BagRow, why: NoRoom) -> ApiResult<ApiError> {
    let bill = match why {
        NoRoom::Billed => bags::bill_of(conn, parent.id)?.map(|(_, n, _)| n),
        _ => None,
    };
    Ok(room_error(
        &parent.qr_id,
        why,
        parent.child_count,
        parent.capacity_or_zero(),
        bill,
    ))
}

/// `POST /scans/child`.
pub fn scan_child(
    conn: &mut PgConnection,
    user: &CurrentUser,
    formats: &FormatSet,
    raw_parent: &str,
    raw_child: &str,
) -> ApiResult<Written> {
    let parent_qr = normalize(raw_parent, formats)?;
    let qr = normalize(raw_child, formats)?;
    require_area(user)?;
    let parent = lock_parent(conn, user, &parent_qr)?;
    if qr == parent_qr {
        return Err(into_itself(&qr));
    }
    let spec = match formats.classify(&qr) {
        Classification::Child(spec) => spec,
        Classification::Parent(_) => return Err(not_a_child(&qr)),
        Classification::Unknown => return Err(unknown_format(&qr, formats)),
    };
    let existing = bags::find(conn, &qr)?;
    if let Some(child) = &existing {
        if child.deleted_at.is_some() {
            return Err(deleted(&qr));
        }
        if child.is_parent() {
            return Err(not_a_child(&qr));
        }
        if let Some(answer) = linked_answer(conn, user, child, &parent)? {
            return answer;
        }
        if !user.sees_bag(child.dispatch_area.as_deref()) {
            return Err(other_area(&qr));
        }
    }
    if let Err(why) = check_room(parent_status(&parent)?, parent.child_count, parent.capacity_or_zero()) {
        return Err(no_room(conn, &parent, why)?);
    }
    let mut delta = Delta {
        links: 1,
        ..Delta::default()
    };
    // A child new to the database is inserted already linked: no other transaction
    // can see (and so link) it before this one commits.
    let (child, fresh) = match existing {
        Some(child) => (child, false),
        None => {
            let area = parent.dispatch_area.as_deref();
            let new = NewBag::child(&qr, &spec.code, ChildStatus::Linked, area, user.id);
            match bags::insert(conn, &new)? {
                Some(created) => {
                    delta.children = 1;
                    (created, true)
                }
                None => (bags::find(conn, &qr)?.ok_or_else(|| not_found(&qr))?, false),
            }
        }
    };
    if !bags::insert_link(conn, child.id, parent.id, user.id)? {
        // A concurrent scan linked it first (we waited for its commit).
        return linked_answer(conn, user, &child, &parent)?
            .unwrap_or_else(|| Err(ApiError::unavailable("The bag changed meanwhile; retry.")));
    }
    let child = match fresh {
        true => child,
        false => bags::set_status(conn, child.id, ChildStatus::Linked)?,
    };
    let count = parent.child_count + 1;
    let status = derive_status(count, parent.capacity_or_zero(), false, false);
    let parent = bags::set_count_and_status(conn, parent.id, count, status)?;
    stats::record(conn, delta)?;
    let body = ScanChildResponse {
        outcome: ScanOutcome::Linked,
        child: child_view(&child, Some(parent.qr_id.clone()))?,
        parent: parent_view_with(&parent, None)?,
    };
    let info = EventInfo {
        qr_id: Some(qr),
        parent_qr_id: Some(parent.qr_id.clone()),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(ScanOutcome::Linked)
    };
    Ok((StatusCode::CREATED, to_json(&body)?, info))
}

/// `already_linked` or `linked_elsewhere` when the child has a parent.
fn linked_answer(
    conn: &mut PgConnection,
    user: &CurrentUser,
    child: &BagRow,
    parent: &BagRow,
) -> ApiResult<Option<ApiResult<Written>>> {
    let Some(current) = bags::parent_of(conn, child.id)? else {
        return Ok(None);
    };
    if current.id == parent.id {
        let body = ScanChildResponse {
            outcome: ScanOutcome::AlreadyLinked,
            child: child_view(child, Some(parent.qr_id.clone()))?,
            parent: parent_view(conn, parent)?,
        };
        let info = EventInfo {
            qr_id: Some(child.qr_id.clone()),
            parent_qr_id: Some(parent.qr_id.clone()),
            dispatch_area: parent.dispatch_area.clone(),
            ..EventInfo::new(ScanOutcome::AlreadyLinked)
        };
        return Ok(Some(Ok((StatusCode::OK, to_json(&body)?, info))));
    }
    let shown = user
        .sees_bag(current.dispatch_area.as_deref())
        .then(|| current.qr_id.clone());
    Ok(Some(Err(linked_elsewhere(&child.qr_id, shown))))
}

/// Takes a child out of its parent; the caller checked that the link exists.
fn remove_link(conn: &mut PgConnection, child: &BagRow, parent: &BagRow) -> ApiResult<BagRow> {
    match parent_status(parent)? {
        ParentStatus::Billed => return Err(no_room(conn, parent, NoRoom::Billed)?),
        ParentStatus::Sealed => return Err(no_room(conn, parent, NoRoom::Sealed)?),
        _ => {}
    }
    bags::delete_link(conn, child.id)?;
    bags::set_status(conn, child.id, ChildStatus::Unlinked)?;
    let count = parent.child_count - 1;
    let status = derive_status(count, parent.capacity_or_zero(), false, false);
    let parent = bags::set_count_and_status(conn, parent.id, count, status)?;
    stats::record(
        conn,
        Delta {
            links: -1,
            ..Delta::default()
        },
    )?;
    Ok(parent)
}

/// Locks the parent of a child, re-checking the link after the lock.
fn lock_parent_of(conn: &mut PgConnection, child: &BagRow) -> ApiResult<Option<BagRow>> {
    for _ in 0..3 {
        let Some(parent) = bags::parent_of(conn, child.id)? else {
            return Ok(None);
        };
        let locked = bags::find_for_update(conn, &parent.qr_id)?;
        let still = bags::parent_of(conn, child.id)?;
        if still.as_ref().map(|p| p.id) == Some(parent.id) {
            return Ok(locked);
        }
    }
    Err(ApiError::unavailable("The bag is changing; retry."))
}

/// `POST /scans/unlink`.
pub fn unlink(conn: &mut PgConnection, user: &CurrentUser, formats: &FormatSet, raw: &str) -> ApiResult<Written> {
    let qr = normalize(raw, formats)?;
    require_area(user)?;
    let child = visible(user, bags::find(conn, &qr)?)
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| not_found(&qr))?;
    if child.is_parent() {
        return Err(ApiError::unprocessable(
            ErrorCode::WrongRole,
            format!("{qr} is a parent bag; unlink its children instead."),
        ));
    }
    let parent = lock_parent_of(conn, &child)?
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotLinked, format!("Bag {qr} is not in any parent.")))?;
    let parent = remove_link(conn, &child, &parent)?;
    let info = EventInfo {
        qr_id: Some(qr),
        parent_qr_id: Some(parent.qr_id.clone()),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(ScanOutcome::Unlinked)
    };
    Ok((
        StatusCode::OK,
        to_json(&UnlinkResponse {
            parent: parent_view_with(&parent, None)?,
        })?,
        info,
    ))
}

/// `POST /scans/undo`: unlinks the caller's most recent link within the window.
pub fn undo(conn: &mut PgConnection, user: &CurrentUser, window: Duration) -> ApiResult<Written> {
    require_area(user)?;
    let minutes = window.num_minutes();
    let nothing = || {
        ApiError::not_found(
            ErrorCode::NothingToUndo,
            format!("You have no link to undo from the last {minutes} minutes."),
        )
    };
    let (child_id, parent_id) = bags::last_link_by(conn, user.id, Utc::now() - window)?.ok_or_else(nothing)?;
    let child = bags::find_by_id(conn, child_id)?;
    let parent_qr = bags::find_by_id(conn, parent_id)?.qr_id;
    let parent = bags::find_for_update(conn, &parent_qr)?.ok_or_else(nothing)?;
    if bags::parent_of(conn, child_id)?.map(|p| p.id) != Some(parent_id) {
        return Err(nothing());
    }
    let parent = remove_link(conn, &child, &parent)?;
    let body = UndoResponse {
        unlinked_qr_id: child.qr_id.clone(),
        parent: parent_view_with(&parent, None)?,
    };
    let info = EventInfo {
        qr_id: Some(child.qr_id),
        parent_qr_id: Some(parent.qr_id.clone()),
        dispatch_area: parent.dispatch_area.clone(),
        ..EventInfo::new(ScanOutcome::Unlinked)
    };
    Ok((StatusCode::OK, to_json(&body)?, info))
}
