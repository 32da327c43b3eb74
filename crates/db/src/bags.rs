//! Bags and child-in-parent links.

use chrono::{DateTime, Utc};
use diesel::dsl::{exists, now};
use diesel::prelude::*;
use tracetrack_api_types::{BagRole, BagStatus, BillStatus, ParentStatus};
use tracetrack_domain::visibility::Visibility;

use crate::models::{BagRow, NewBag};
use crate::schema::{bag, bag_link, bill, bill_item};

/// Finds a bag by normalised id, deleted or not.
pub fn find(conn: &mut PgConnection, qr: &str) -> QueryResult<Option<BagRow>> {
    bag::table
        .filter(bag::qr_id.eq(qr))
        .select(BagRow::as_select())
        .first(conn)
        .optional()
}

/// The one dispatch area of the named bags that exist (a refused scan's event is
/// filed under it); `None` when none has an area or they disagree, so an event
/// naming bags of two areas is shown to neither.
pub fn common_area(conn: &mut PgConnection, ids: &[&str]) -> QueryResult<Option<String>> {
    let mut areas: Vec<Option<String>> = bag::table
        .filter(bag::qr_id.eq_any(ids))
        .select(bag::dispatch_area)
        .load(conn)?;
    areas.dedup();
    Ok(match areas.as_slice() {
        [Some(area)] => Some(area.clone()),
        _ => None,
    })
}

/// Finds and row-locks a bag until the transaction ends.
pub fn find_for_update(conn: &mut PgConnection, qr: &str) -> QueryResult<Option<BagRow>> {
    bag::table
        .filter(bag::qr_id.eq(qr))
        .select(BagRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Finds a bag by row id.
pub fn find_by_id(conn: &mut PgConnection, id: i64) -> QueryResult<BagRow> {
    bag::table.find(id).select(BagRow::as_select()).first(conn)
}

/// Inserts a bag unless its id exists (a concurrent scan may create it first).
pub fn insert(conn: &mut PgConnection, new: &NewBag<'_>) -> QueryResult<Option<BagRow>> {
    diesel::insert_into(bag::table)
        .values(new)
        .on_conflict(bag::qr_id)
        .do_nothing()
        .returning(BagRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Sets a parent's child count and status.
pub fn set_count_and_status(conn: &mut PgConnection, id: i64, count: i32, status: ParentStatus) -> QueryResult<BagRow> {
    diesel::update(bag::table.find(id))
        .set((
            bag::child_count.eq(count),
            bag::status.eq(status),
            bag::updated_at.eq(now),
        ))
        .returning(BagRow::as_returning())
        .get_result(conn)
}

/// Sets a bag's status.
pub fn set_status(conn: &mut PgConnection, id: i64, status: impl Into<BagStatus>) -> QueryResult<BagRow> {
    diesel::update(bag::table.find(id))
        .set((bag::status.eq(status.into()), bag::updated_at.eq(now)))
        .returning(BagRow::as_returning())
        .get_result(conn)
}

/// Seals (`Some(reason)`, reason may be empty) or unseals (`None`) a parent.
pub fn set_seal(
    conn: &mut PgConnection,
    id: i64,
    status: ParentStatus,
    seal: Option<Option<&str>>,
) -> QueryResult<BagRow> {
    let (reason, at) = match seal {
        Some(reason) => (reason, Some(Utc::now())),
        None => (None, None),
    };
    diesel::update(bag::table.find(id))
        .set((
            bag::status.eq(status),
            bag::sealed_reason.eq(reason),
            bag::sealed_at.eq(at),
            bag::updated_at.eq(now),
        ))
        .returning(BagRow::as_returning())
        .get_result(conn)
}

/// Soft-deletes (`true`) or restores (`false`) a bag.
pub fn set_deleted(conn: &mut PgConnection, id: i64, deleted: bool) -> QueryResult<BagRow> {
    let at: Option<DateTime<Utc>> = deleted.then(Utc::now);
    diesel::update(bag::table.find(id))
        .set((bag::deleted_at.eq(at), bag::updated_at.eq(now)))
        .returning(BagRow::as_returning())
        .get_result(conn)
}

/// The parent a child is linked to.
pub fn parent_of(conn: &mut PgConnection, child_id: i64) -> QueryResult<Option<BagRow>> {
    bag_link::table
        .inner_join(bag::table.on(bag::id.eq(bag_link::parent_id)))
        .filter(bag_link::child_id.eq(child_id))
        .select(BagRow::as_select())
        .first(conn)
        .optional()
}

/// Links a child; `false` when the child was already linked (by anyone).
pub fn insert_link(conn: &mut PgConnection, child_id: i64, parent_id: i64, user: i64) -> QueryResult<bool> {
    diesel::insert_into(bag_link::table)
        .values((
            bag_link::child_id.eq(child_id),
            bag_link::parent_id.eq(parent_id),
            bag_link::linked_by.eq(user),
        ))
        .on_conflict(bag_link::child_id)
        .do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}

/// Removes a child's link.
pub fn delete_link(conn: &mut PgConnection, child_id: i64) -> QueryResult<usize> {
    diesel::delete(bag_link::table.find(child_id)).execute(conn)
}

/// The user's most recent link made after `since`: (child id, parent id).
pub fn last_link_by(conn: &mut PgConnection, user: i64, since: DateTime<Utc>) -> QueryResult<Option<(i64, i64)>> {
    bag_link::table
        .filter(bag_link::linked_by.eq(user))
        .filter(bag_link::linked_at.gt(since))
        .order(bag_link::linked_at.desc())
        .select((bag_link::child_id, bag_link::parent_id))
        .first(conn)
        .optional()
}

/// The bill a parent is on: (bill id, bill number, bill status).
pub fn bill_of(conn: &mut PgConnection, bag_id: i64) -> QueryResult<Option<(i64, String, BillStatus)>> {
    bill_item::table
        .inner_join(bill::table)
        .filter(bill_item::bag_id.eq(bag_id))
        .select((bill::id, bill::bill_number, bill::status))
        .first(conn)
        .optional()
}

/// Filters of `GET /bags`.
#[derive(Debug, Clone)]
pub struct BagFilter {
    pub role: Option<BagRole>,
    pub status: Option<BagStatus>,
    /// Normalised id prefix; lists by id instead of newest first.
    pub prefix: Option<String>,
    pub linked: Option<bool>,
    pub billed: Option<bool>,
    pub dispatch_area: Option<String>,
    pub created_by: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// What the caller may see.
    pub visibility: Visibility,
}

/// Where a page starts.
#[derive(Debug, Clone)]
pub enum BagCursor {
    /// After this row id (newest-first listing).
    Id(i64),
    /// After this id (prefix listing, ordered by id).
    Qr(String),
}

/// One page of bags (`limit + 1` rows are read to know whether more follow).
pub fn list(
    conn: &mut PgConnection,
    f: &BagFilter,
    cursor: Option<&BagCursor>,
    limit: i64,
) -> QueryResult<Vec<BagRow>> {
    let mut q = bag::table
        .filter(bag::deleted_at.is_null())
        .select(BagRow::as_select())
        .into_boxed();
    if let Some(role) = &f.role {
        q = q.filter(bag::role.eq(*role));
    }
    if let Some(status) = &f.status {
        // A status names its role: said outright, the parents' partial indexes serve it.
        let role = match status {
            BagStatus::Parent(_) => BagRole::Parent,
            BagStatus::Child(_) => BagRole::Child,
        };
        q = q.filter(bag::status.eq(*status)).filter(bag::role.eq(role));
    }
    if let Some(area) = &f.dispatch_area {
        q = q.filter(bag::dispatch_area.eq(area.clone()));
    }
    if let Some(visible) = crate::visibility::bags(&f.visibility) {
        q = q.filter(visible);
    }
    if let Some(user) = f.created_by {
        q = q.filter(bag::created_by.eq(user));
    }
    if let Some(from) = f.created_from {
        q = q.filter(bag::created_at.ge(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(bag::created_at.lt(to));
    }
    let linked = exists(bag_link::table.filter(bag_link::child_id.eq(bag::id)));
    match f.linked {
        Some(true) => q = q.filter(linked),
        Some(false) => q = q.filter(diesel::dsl::not(linked)),
        None => {}
    }
    let billed = exists(bill_item::table.filter(bill_item::bag_id.eq(bag::id)));
    match f.billed {
        Some(true) => q = q.filter(billed),
        Some(false) => q = q.filter(diesel::dsl::not(billed)),
        None => {}
    }
    if let Some(prefix) = &f.prefix {
        // qr_id is COLLATE "C": a range on the unique index serves the prefix.
        q = q
            .filter(bag::qr_id.ge(prefix.clone()))
            .filter(bag::qr_id.lt(prefix_end(prefix)));
        if let Some(BagCursor::Qr(after)) = cursor {
            q = q.filter(bag::qr_id.gt(after.clone()));
        }
        q.order(bag::qr_id.asc()).limit(limit + 1).load(conn)
    } else {
        if let Some(BagCursor::Id(before)) = cursor {
            q = q.filter(bag::id.lt(*before));
        }
        q.order(bag::id.desc()).limit(limit + 1).load(conn)
    }
}

/// The smallest string greater than every string with this prefix (byte order).
fn prefix_end(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}
