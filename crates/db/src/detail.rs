//! A bag's detail in one statement: the bag, its parent, its bill, the first children
//! and the last events, aggregated as JSON by PostgreSQL so the page costs one round
//! trip whatever the bag holds. Every part is an index lookup bounded by a `LIMIT`,
//! so the plan does not depend on statistics (a freshly loaded database is fast at once).

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::result::Error;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use serde::Deserialize;
use tracetrack_api_types::BillStatus;
use tracetrack_domain::visibility::Visibility;

use crate::models::{BagRow, ScanEventRow};
use crate::visibility::area_binds;

/// What [`detail`] reads about one bag.
#[derive(Debug, Deserialize)]
pub struct DetailRows {
    pub bag: BagRow,
    pub parent: Option<BagRow>,
    pub bill: Option<BillRef>,
    /// The first `children + 1` children in link order (one more than asked tells
    /// that there are more).
    pub children: Vec<ChildLink>,
    /// The last `events + 1` events the viewer may see, newest first.
    pub events: Vec<ScanEventRow>,
}

/// The bill a parent is on.
#[derive(Debug, Deserialize)]
pub struct BillRef {
    pub id: i64,
    pub bill_number: String,
    pub status: BillStatus,
}

/// A child in its parent, in link order (`linked_at`, then `child_id`).
#[derive(Debug, Clone, Deserialize, QueryableByName)]
pub struct ChildLink {
    #[diesel(sql_type = BigInt)]
    pub child_id: i64,
    #[diesel(sql_type = Text)]
    pub qr_id: String,
    #[diesel(sql_type = Timestamptz)]
    pub linked_at: DateTime<Utc>,
}

/// The events `$2`–`$4` may see, over `scan_event e`: `visibility::events` in SQL,
/// with `$2` (sees every area), `$3` (the area) and `$4` (the viewer's own events).
const EVENT_SEEN: &str = "($2 OR e.user_id = $4 OR (e.dispatch_area IS NULL AND NOT e.refused) \
                          OR e.dispatch_area = $3)";

#[derive(QueryableByName)]
struct DetailJson {
    #[diesel(sql_type = Nullable<Jsonb>)]
    detail: Option<serde_json::Value>,
}

/// The bag `qr` (deleted or not; the caller decides) with its parent, bill, first
/// `children + 1` children and last `events + 1` events that the user `viewer` with
/// visibility `v` may see; `None` when no bag has that id.
pub fn detail(
    conn: &mut PgConnection,
    qr: &str,
    v: &Visibility,
    viewer: i64,
    children: i64,
    events: i64,
) -> QueryResult<Option<DetailRows>> {
    let query = format!(
        "SELECT jsonb_build_object(
           'bag', to_jsonb(b),
           'parent', (SELECT to_jsonb(p) FROM bag_link l JOIN bag p ON p.id = l.parent_id
                      WHERE l.child_id = b.id),
           'bill', (SELECT jsonb_build_object('id', bl.id, 'bill_number', bl.bill_number, 'status', bl.status)
                    FROM bill_item bi JOIN bill bl ON bl.id = bi.bill_id WHERE bi.bag_id = b.id),
           'children', COALESCE((
               SELECT jsonb_agg(jsonb_build_object('child_id', c.id, 'qr_id', c.qr_id, 'linked_at', l.linked_at)
                                ORDER BY l.linked_at, l.child_id)
               FROM (SELECT child_id, linked_at FROM bag_link WHERE parent_id = b.id
                     ORDER BY linked_at, child_id LIMIT $5) l
               JOIN bag c ON c.id = l.child_id), '[]'::jsonb),
           'events', COALESCE((
               SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id DESC)
               FROM (SELECT * FROM scan_event e
                     WHERE (e.qr_id = b.qr_id OR e.parent_qr_id = b.qr_id) AND {EVENT_SEEN}
                     ORDER BY e.id DESC LIMIT $6) e), '[]'::jsonb)
         ) AS detail
         FROM bag b WHERE b.qr_id = $1"
    );
    let (all, area) = area_binds(v);
    let row: Option<DetailJson> = diesel::sql_query(query)
        .bind::<Text, _>(qr)
        .bind::<Bool, _>(all)
        .bind::<Nullable<Text>, _>(area)
        .bind::<BigInt, _>(viewer)
        .bind::<BigInt, _>(children + 1)
        .bind::<BigInt, _>(events + 1)
        .get_result(conn)
        .optional()?;
    row.and_then(|r| r.detail)
        .map(|json| serde_json::from_value(json).map_err(|e| Error::DeserializationError(Box::new(e))))
        .transpose()
}

/// Up to `limit + 1` children of `parent_id` in link order, after the child `after`
/// (its `linked_at` and id) when given.
pub fn children_page(
    conn: &mut PgConnection,
    parent_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<ChildLink>> {
    let (at, id) = after.unzip();
    diesel::sql_query(
        "SELECT l.child_id, c.qr_id, l.linked_at
         FROM bag_link l JOIN bag c ON c.id = l.child_id
         WHERE l.parent_id = $1 AND ($2::timestamptz IS NULL OR (l.linked_at, l.child_id) > ($2, $3))
         ORDER BY l.linked_at, l.child_id LIMIT $4",
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<Nullable<BigInt>, _>(id)
    .bind::<BigInt, _>(limit + 1)
    .load(conn)
}
