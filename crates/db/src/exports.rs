//! Export reads: one page of rows at a time in id order (keyset), so an export of
//! millions of rows runs in constant memory and never holds a long transaction.
//! Each page's rows are picked first (a materialised CTE on the primary key), then
//! joined: joined in one query, the planner may read every row after the cursor.

use chrono::{DateTime, Utc};
use diesel::pg::{Pg, PgConnection};
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz};
use diesel::{sql_query, QueryResult, QueryableByName, RunQueryDsl};

/// Rows created (or, for scans, recorded) in `[from, to)`; both ends optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Runs one page query: `$1` the key to start after, `$2`/`$3` the window, `$4` the limit.
fn page<T: QueryableByName<Pg> + 'static>(
    c: &mut PgConnection,
    sql: &str,
    w: Window,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<T>> {
    sql_query(sql)
        .bind::<BigInt, _>(after)
        .bind::<Nullable<Timestamptz>, _>(w.from)
        .bind::<Nullable<Timestamptz>, _>(w.to)
        .bind::<BigInt, _>(limit)
        .load(c)
}

/// A live bag with its parent and bill.
#[derive(Debug, QueryableByName)]
pub struct BagExport {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub qr_id: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Text)]
    pub format_code: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Integer)]
    pub child_count: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub parent_qr_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub bill_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub dispatch_area: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub sealed_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub created_by: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// The next page of live bags after id `after`.
pub fn bags(c: &mut PgConnection, w: Window, after: i64, limit: i64) -> QueryResult<Vec<BagExport>> {
    page(
        c,
        "WITH b AS MATERIALIZED (
             SELECT * FROM bag
              WHERE deleted_at IS NULL AND id > $1
                AND ($2::timestamptz IS NULL OR created_at >= $2)
                AND ($3::timestamptz IS NULL OR created_at < $3)
              ORDER BY id LIMIT $4)
         SELECT b.id, b.qr_id, b.role, b.format_code, b.status, b.child_count, b.capacity,
                p.qr_id AS parent_qr_id, bl.bill_number, b.dispatch_area, b.sealed_reason,
                u.username AS created_by, b.created_at
           FROM b
           LEFT JOIN bag_link l ON l.child_id = b.id
           LEFT JOIN bag p ON p.id = l.parent_id
           LEFT JOIN bill_item bi ON bi.bag_id = b.id
           LEFT JOIN bill bl ON bl.id = bi.bill_id
           LEFT JOIN app_user u ON u.id = b.created_by
          ORDER BY b.id",
        w,
        after,
        limit,
    )
}

/// A bill with its creator's name.
#[derive(Debug, QueryableByName)]
pub struct BillExport {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub bill_number: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Integer)]
    pub capacity: i32,
    #[diesel(sql_type = Integer)]
    pub parent_count: i32,
    #[diesel(sql_type = Integer)]
    pub child_count: i32,
    #[diesel(sql_type = BigInt)]
    pub actual_weight_g: i64,
    #[diesel(sql_type = BigInt)]
    pub expected_weight_g: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub measured_weight_kg: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub destination: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub vehicle_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub created_by: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// The next page of bills after id `after`.
pub fn bills(c: &mut PgConnection, w: Window, after: i64, limit: i64) -> QueryResult<Vec<BillExport>> {
    page(
        c,
        "WITH b AS MATERIALIZED (
             SELECT * FROM bill
              WHERE id > $1
                AND ($2::timestamptz IS NULL OR created_at >= $2)
                AND ($3::timestamptz IS NULL OR created_at < $3)
              ORDER BY id LIMIT $4)
         SELECT b.id, b.bill_number, b.status, b.capacity, b.parent_count, b.child_count,
                b.actual_weight_g, b.expected_weight_g, b.measured_weight_kg, b.description,
                b.destination, b.vehicle_number, u.username AS created_by, b.created_at, b.completed_at
           FROM b LEFT JOIN app_user u ON u.id = b.created_by
          ORDER BY b.id",
        w,
        after,
        limit,
    )
}

/// A scan event with the scanning user's name and the bill's number.
#[derive(Debug, QueryableByName)]
pub struct ScanExport {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub recorded_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub username: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub station_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub qr_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub parent_qr_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub bill_number: Option<String>,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub dispatch_area: Option<String>,
}

/// The next page of scan events after id `after`, by the time they were recorded.
pub fn scans(c: &mut PgConnection, w: Window, after: i64, limit: i64) -> QueryResult<Vec<ScanExport>> {
    page(
        c,
        "WITH e AS MATERIALIZED (
             SELECT * FROM scan_event
              WHERE id > $1
                AND ($2::timestamptz IS NULL OR recorded_at >= $2)
                AND ($3::timestamptz IS NULL OR recorded_at < $3)
              ORDER BY id LIMIT $4)
         SELECT e.id, e.recorded_at, e.occurred_at, u.username, e.station_id, e.kind, e.qr_id,
                e.parent_qr_id, b.bill_number, e.outcome, e.dispatch_area
           FROM e
           LEFT JOIN app_user u ON u.id = e.user_id
           LEFT JOIN bill b ON b.id = e.bill_id
          ORDER BY e.id",
        w,
        after,
        limit,
    )
}

/// One user's activity in the window.
#[derive(Debug, QueryableByName)]
pub struct UserActivity {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub dispatch_area: Option<String>,
    #[diesel(sql_type = Bool)]
    pub is_active: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_login_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub scans: i64,
    #[diesel(sql_type = BigInt)]
    pub parent_scans: i64,
    #[diesel(sql_type = BigInt)]
    pub children_linked: i64,
    #[diesel(sql_type = BigInt)]
    pub unlinks: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_scan_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_scan_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub bills_created: i64,
}

/// The next page of (not deleted) users after id `after`, with their scans and
/// bills in the window. Each user's scans are read through `scan_event_user_idx`.
pub fn user_activity(c: &mut PgConnection, w: Window, after: i64, limit: i64) -> QueryResult<Vec<UserActivity>> {
    page(
        c,
        "SELECT u.id, u.username, u.role, u.dispatch_area, u.is_active, u.last_login_at,
                s.scans, s.parent_scans, s.children_linked, s.unlinks, s.first_scan_at, s.last_scan_at,
                (SELECT COUNT(*) FROM bill b WHERE b.created_by = u.id
                    AND ($2::timestamptz IS NULL OR b.created_at >= $2)
                    AND ($3::timestamptz IS NULL OR b.created_at < $3)) AS bills_created
           FROM app_user u
           CROSS JOIN LATERAL (
                SELECT COUNT(*) AS scans,
                       COUNT(*) FILTER (WHERE e.kind = 'parent') AS parent_scans,
                       COUNT(*) FILTER (WHERE e.kind = 'child' AND e.outcome = 'linked') AS children_linked,
                       COUNT(*) FILTER (WHERE e.kind IN ('unlink', 'undo')) AS unlinks,
                       MIN(e.recorded_at) AS first_scan_at, MAX(e.recorded_at) AS last_scan_at
                  FROM scan_event e
                 WHERE e.user_id = u.id
                   AND ($2::timestamptz IS NULL OR e.recorded_at >= $2)
                   AND ($3::timestamptz IS NULL OR e.recorded_at < $3)) s
          WHERE u.deleted_at IS NULL AND u.id > $1
          ORDER BY u.id LIMIT $4",
        w,
        after,
        limit,
    )
}
