//! Registering, deleting and restoring bags outside a scan (docs/domain.md §1, §2):
//! a bag's role comes from the formats; a bag in use (holding children, in a parent
//! or on a bill) cannot be deleted; a deleted bag keeps its id until restored.

use serde_json::json;
use tracetrack_api_types::{BagRole, ChildStatus, ErrorCode, ParentStatus};
use tracetrack_db::bags;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{BagRow, NewBag};
use tracetrack_db::stats::{self, Delta};
use tracetrack_domain::{Classification, FormatSet};

use super::scan::{normalize, require_area, unknown_format};
use crate::error::{ApiError, ApiResult};
use crate::services::Actor;

/// Registers a bag without scanning it; `expected` must agree with the formats.
pub fn register(
    c: &mut PgConnection,
    actor: &Actor,
    formats: &FormatSet,
    raw_qr: &str,
    expected: Option<BagRole>,
) -> ApiResult<BagRow> {
    let user = &actor.user;
    require_area(user)?;
    let qr = normalize(raw_qr, formats)?;
    let (role, spec) = match formats.classify(&qr) {
        Classification::Parent(s) => (BagRole::Parent, s),
        Classification::Child(s) => (BagRole::Child, s),
        Classification::Unknown => return Err(unknown_format(&qr, formats)),
    };
    if expected.is_some_and(|wanted| wanted != role) {
        return Err(ApiError::unprocessable(
            ErrorCode::WrongRole,
            format!("{qr} is a {role} id by the bag formats."),
        ));
    }
    let visibility = user.visibility();
    let new = NewBag {
        qr_id: &qr,
        role,
        format_code: &spec.code,
        status: match role {
            BagRole::Parent => ParentStatus::Open.into(),
            BagRole::Child => ChildStatus::Unlinked.into(),
        },
        capacity: spec.capacity,
        child_weight_g: spec.child_weight_g,
        dispatch_area: visibility.area(),
        created_by: Some(user.id),
    };
    let bag =
        bags::insert(c, &new)?.ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Bag {qr} exists.")))?;
    stats::record(c, role_delta(&bag, 1))?;
    actor
        .audit
        .record(c, "bag.create", "bag", Some(qr), None, Some(json!(bag)))?;
    Ok(bag)
}

/// Soft-deletes a bag that is not in use.
pub fn delete(c: &mut PgConnection, actor: &Actor, qr: &str) -> ApiResult<()> {
    let bag = bags::find_for_update(c, qr)?
        .filter(|b| b.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found(ErrorCode::BagNotFound, format!("Bag {qr} does not exist.")))?;
    let in_use = bag.child_count > 0 || bags::parent_of(c, bag.id)?.is_some() || bags::bill_of(c, bag.id)?.is_some();
    if in_use {
        return Err(ApiError::conflict(
            ErrorCode::InUse,
            format!("Bag {qr} is linked or on a bill; free it first."),
        ));
    }
    let after = bags::set_deleted(c, bag.id, true)?;
    stats::record(c, role_delta(&bag, -1))?;
    actor.audit.record(
        c,
        "bag.delete",
        "bag",
        Some(qr.to_string()),
        Some(json!(bag)),
        Some(json!(after)),
    )
}

/// Undoes a soft delete.
pub fn restore(c: &mut PgConnection, actor: &Actor, qr: &str) -> ApiResult<BagRow> {
    let bag = bags::find_for_update(c, qr)?
        .filter(|b| b.deleted_at.is_some())
        .ok_or_else(|| ApiError::not_found(ErrorCode::BagNotFound, format!("No deleted bag {qr}.")))?;
    let after = bags::set_deleted(c, bag.id, false)?;
    stats::record(c, role_delta(&bag, 1))?;
    actor.audit.record(
        c,
        "bag.restore",
        "bag",
        Some(qr.to_string()),
        Some(json!(bag)),
        Some(json!(after)),
    )?;
    Ok(after)
}

/// The counter change of `n` bags of this one's role.
fn role_delta(bag: &BagRow, n: i32) -> Delta {
    match bag.role {
        BagRole::Parent => Delta {
            parents: n,
            ..Delta::default()
        },
        BagRole::Child => Delta {
            children: n,
            ..Delta::default()
        },
    }
}
