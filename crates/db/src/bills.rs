//! Bills and the parents on them.

use chrono::{DateTime, Utc};
use diesel::dsl::{now, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use tracetrack_api_types::BillStatus;

use crate::models::{BagRow, BillRow, NewBill};
use crate::schema::{bag, bill, bill_item};

/// The number of a bill.
pub fn number_of(conn: &mut PgConnection, id: i64) -> QueryResult<Option<String>> {
    bill::table.find(id).select(bill::bill_number).first(conn).optional()
}

/// A bill by id.
pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<BillRow>> {
    bill::table.find(id).select(BillRow::as_select()).first(conn).optional()
}

/// The id of the bill numbered `number` (case-insensitively).
pub fn id_by_number(conn: &mut PgConnection, number: &str) -> QueryResult<Option<i64>> {
    bill::table
        .filter(
            sql::<Bool>("lower(bill_number) = lower(")
                .bind::<Text, _>(number)
                .sql(")"),
        )
        .select(bill::id)
        .first(conn)
        .optional()
}

/// Finds and row-locks a bill until the transaction ends.
pub fn find_for_update(conn: &mut PgConnection, id: i64) -> QueryResult<Option<BillRow>> {
    bill::table
        .find(id)
        .select(BillRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Inserts a bill; `None` when the number exists (case-insensitively).
pub fn insert(conn: &mut PgConnection, new: &NewBill<'_>) -> QueryResult<Option<BillRow>> {
    diesel::insert_into(bill::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(BillRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Writes the editable fields and counters of a bill.
pub fn save(conn: &mut PgConnection, b: &BillRow) -> QueryResult<BillRow> {
    diesel::update(bill::table.find(b.id))
        .set((
            bill::description.eq(&b.description),
            bill::destination.eq(&b.destination),
            bill::vehicle_number.eq(&b.vehicle_number),
            bill::capacity.eq(b.capacity),
            bill::status.eq(&b.status),
            bill::parent_count.eq(b.parent_count),
            bill::child_count.eq(b.child_count),
            bill::actual_weight_g.eq(b.actual_weight_g),
            bill::expected_weight_g.eq(b.expected_weight_g),
            bill::measured_weight_kg.eq(b.measured_weight_kg),
            bill::completed_at.eq(b.completed_at),
            bill::updated_at.eq(now),
        ))
        .returning(BillRow::as_returning())
        .get_result(conn)
}

/// Deletes a bill (its items go with it).
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(bill::table.find(id)).execute(conn)
}

/// Puts a parent on a bill; `false` when the parent is on a bill already.
pub fn insert_item(conn: &mut PgConnection, bill_id: i64, bag_id: i64, user: i64) -> QueryResult<bool> {
    diesel::insert_into(bill_item::table)
        .values((
            bill_item::bill_id.eq(bill_id),
            bill_item::bag_id.eq(bag_id),
            bill_item::added_by.eq(user),
        ))
        .on_conflict(bill_item::bag_id)
        .do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}

/// Takes a parent off a bill.
pub fn delete_item(conn: &mut PgConnection, bill_id: i64, bag_id: i64) -> QueryResult<usize> {
    diesel::delete(
        bill_item::table
            .filter(bill_item::bill_id.eq(bill_id))
            .filter(bill_item::bag_id.eq(bag_id)),
    )
    .execute(conn)
}

/// The parents on a bill, locked for update in id order (as every writer that locks
/// several parents does, so two of them never wait for each other).
pub fn parents_for_update(conn: &mut PgConnection, bill_id: i64) -> QueryResult<Vec<BagRow>> {
    bag::table
        .filter(
            bag::id.eq_any(
                bill_item::table
                    .filter(bill_item::bill_id.eq(bill_id))
                    .select(bill_item::bag_id),
            ),
        )
        .select(BagRow::as_select())
        .order(bag::id)
        .for_update()
        .load(conn)
}

/// The parents on a bill, in the order they were added.
pub fn parents(conn: &mut PgConnection, bill_id: i64) -> QueryResult<Vec<BagRow>> {
    bill_item::table
        .inner_join(bag::table)
        .filter(bill_item::bill_id.eq(bill_id))
        .order((bill_item::added_at.asc(), bill_item::bag_id.asc()))
        .select(BagRow::as_select())
        .load(conn)
}

/// Filters of `GET /bills`.
#[derive(Debug, Clone, Default)]
pub struct BillFilter {
    pub status: Option<BillStatus>,
    /// Bill number prefix, case-insensitive.
    pub prefix: Option<String>,
    pub created_by: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// One page of bills, newest first, after the row id `before`.
pub fn list(conn: &mut PgConnection, f: &BillFilter, before: Option<i64>, limit: i64) -> QueryResult<Vec<BillRow>> {
    let mut q = bill::table.select(BillRow::as_select()).into_boxed();
    if let Some(status) = &f.status {
        q = q.filter(bill::status.eq(*status));
    }
    if let Some(prefix) = &f.prefix {
        let pattern = format!("{}%", escape_like(&prefix.to_lowercase()));
        q = q.filter(sql::<Bool>("lower(bill_number) LIKE ").bind::<Text, _>(pattern));
    }
    if let Some(user) = f.created_by {
        q = q.filter(bill::created_by.eq(user));
    }
    if let Some(from) = f.created_from {
        q = q.filter(bill::created_at.ge(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(bill::created_at.lt(to));
    }
    if let Some(before) = before {
        q = q.filter(bill::id.lt(before));
    }
    q.order(bill::id.desc()).limit(limit + 1).load(conn)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Bills created in `[from, to)` with their creator's username, oldest first
/// (at most `limit`).
pub fn created_between(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(BillRow, Option<String>)>> {
    use crate::schema::app_user;
    bill::table
        .left_join(app_user::table.on(bill::created_by.eq(app_user::id.nullable())))
        .filter(bill::created_at.ge(from))
        .filter(bill::created_at.lt(to))
        .order(bill::id)
        .limit(limit)
        .select((BillRow::as_select(), app_user::username.nullable()))
        .load(conn)
}
