//! Set-based reads and writes for bulk work (imports, the data generator): `COPY`
//! for new rows, one statement per kind of change for the rest, whatever the number
//! of rows.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4, Text};
use tracetrack_api_types::{BagRole, BagStatus, ParentStatus};

use crate::models::{BagRow, NewScanEvent};
use crate::schema::{bag, bag_link, bill, bill_item, scan_event};

/// A new bag as `COPY` writes it (every column given, none left to its default
/// except the id and the times).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bag, treat_none_as_default_value = false)]
pub struct BagCopy {
    pub qr_id: String,
    pub role: BagRole,
    pub format_code: String,
    pub status: BagStatus,
    pub child_count: i32,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
    pub dispatch_area: Option<String>,
    pub created_by: Option<i64>,
}

/// The parents among `qrs`, deleted or not; when `lock`, row-locked in id order (as
/// every writer that locks several parents does; a station locks one at a time).
pub fn parents(conn: &mut PgConnection, qrs: &[String], lock: bool) -> QueryResult<Vec<BagRow>> {
    let q = bag::table
        .filter(bag::qr_id.eq_any(qrs))
        .filter(bag::role.eq(BagRole::Parent))
        .order(bag::id)
        .select(BagRow::as_select());
    match lock {
        true => q.for_update().load(conn),
        false => q.load(conn),
    }
}

/// The children among `qrs` (not locked: a child changes only under its parent's
/// lock or by an insert, and the writes below count what they changed).
pub fn children(conn: &mut PgConnection, qrs: &[String]) -> QueryResult<Vec<BagRow>> {
    bag::table
        .filter(bag::qr_id.eq_any(qrs))
        .filter(bag::role.eq(BagRole::Child))
        .select(BagRow::as_select())
        .load(conn)
}

/// The parent (id, area) of each linked child among `child_ids`.
pub fn parents_of(conn: &mut PgConnection, child_ids: &[i64]) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    bag_link::table
        .inner_join(bag::table.on(bag::id.eq(bag_link::parent_id)))
        .filter(bag_link::child_id.eq_any(child_ids))
        .select((bag_link::child_id, bag::qr_id, bag::dispatch_area))
        .load(conn)
}

/// The bill number of each billed bag among `bag_ids`.
pub fn bills_of(conn: &mut PgConnection, bag_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    bill_item::table
        .inner_join(bill::table)
        .filter(bill_item::bag_id.eq_any(bag_ids))
        .select((bill_item::bag_id, bill::bill_number))
        .load(conn)
}

/// Writes new bags with `COPY`; a bag that exists meanwhile fails the whole
/// statement (unique violation), so the caller's transaction is retried.
pub fn copy_bags(conn: &mut PgConnection, rows: Vec<BagCopy>) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(bag::table).from_insertable(rows).execute(conn)
}

/// Links (child, parent) by id, `by` as the linker; returns the links written
/// (fewer than asked when a child was linked meanwhile).
pub fn insert_links(conn: &mut PgConnection, links: &[(String, String)], by: i64) -> QueryResult<usize> {
    if links.is_empty() {
        return Ok(0);
    }
    let (children, parents): (Vec<&str>, Vec<&str>) = links.iter().map(|(c, p)| (c.as_str(), p.as_str())).unzip();
    diesel::sql_query(
        "INSERT INTO bag_link (child_id, parent_id, linked_by) \
         SELECT c.id, p.id, $3 FROM unnest($1::text[], $2::text[]) AS s(child, parent) \
         JOIN bag c ON c.qr_id = s.child JOIN bag p ON p.qr_id = s.parent \
         ON CONFLICT DO NOTHING",
    )
    .bind::<Array<Text>, _>(children)
    .bind::<Array<Text>, _>(parents)
    .bind::<BigInt, _>(by)
    .execute(conn)
}

/// Marks unlinked children linked; returns how many were still unlinked (and not
/// deleted meanwhile).
pub fn mark_linked(conn: &mut PgConnection, qrs: &[String]) -> QueryResult<usize> {
    if qrs.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "UPDATE bag SET status = 'linked', updated_at = now() \
         WHERE qr_id = ANY($1::text[]) AND role = 'child' AND status = 'unlinked' AND deleted_at IS NULL",
    )
    .bind::<Array<Text>, _>(qrs)
    .execute(conn)
}

/// Sets parents' child counts and statuses: (qr, count, status).
pub fn set_counts(conn: &mut PgConnection, rows: &[(&str, i32, ParentStatus)]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let qrs: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let counts: Vec<i32> = rows.iter().map(|r| r.1).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    diesel::sql_query(
        "UPDATE bag SET child_count = s.n, status = s.st, updated_at = now() \
         FROM unnest($1::text[], $2::int[], $3::text[]) AS s(qr, n, st) \
         WHERE bag.qr_id = s.qr AND bag.role = 'parent'",
    )
    .bind::<Array<Text>, _>(qrs)
    .bind::<Array<Int4>, _>(counts)
    .bind::<Array<Text>, _>(statuses)
    .execute(conn)
}

/// Writes scan events with `COPY`.
pub fn copy_events(conn: &mut PgConnection, rows: Vec<NewScanEvent>) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(scan_event::table).from_insertable(rows).execute(conn)
}

/// Refreshes the planner's statistics of the bag tables after a bulk load, so the
/// first reads of a freshly loaded database get the plans they would a day later.
pub fn analyze(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("ANALYZE bag, bag_link, bill_item, scan_event")
        .execute(conn)
        .map(|_| ())
}
