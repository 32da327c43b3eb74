//! A bag's detail in one statement: the bag, its parent, its bill, the first children
//! and the last events, aggregated as JSON by PostgreSQL so the page costs one round
//! trip whatever the bag holds. Every part is an index lookup bounded by a `LIMIT`,
//! so the plans stay cheap on a freshly loaded database. Bags of another area are left
//! out of the parent and children as they are everywhere else (docs/domain.md §5).

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
    /// The first `children + 1` children the viewer may see, in link order (one more
    /// than asked tells that there are more).
    pub children: Vec<ChildLink>,
    /// How many children of the bag the viewer may see.
    pub children_total: i64,
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

/// The statement of [`detail`]; `scripts/bench.sh` runs the same text with pgbench.
/// Binds: `$1` the id; `$2` (sees every area), `$3` (the area) and `$4` (the viewer)
/// make `visibility::events` in SQL; `$5` and `$6` the children and events to read.
pub const DETAIL_SQL: &str = include_str!("sql/bag_detail.sql");

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
    let (all, area) = area_binds(v);
    let row: Option<DetailJson> = diesel::sql_query(DETAIL_SQL)
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

/// Up to `limit + 1` children of `parent_id` that `v` may see, in link order, after
/// the child `after` (its `linked_at` and id) when given.
pub fn children_page(
    conn: &mut PgConnection,
    parent_id: i64,
    v: &Visibility,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<ChildLink>> {
    let (all, area) = area_binds(v);
    let (at, id) = after.unzip();
    diesel::sql_query(
        "SELECT l.child_id, c.qr_id, l.linked_at
         FROM bag_link l JOIN bag c ON c.id = l.child_id
         WHERE l.parent_id = $1 AND ($2 OR c.dispatch_area IS NULL OR c.dispatch_area = $3)
           AND ($4::timestamptz IS NULL OR (l.linked_at, l.child_id) > ($4, $5))
         ORDER BY l.linked_at, l.child_id LIMIT $6",
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<Bool, _>(all)
    .bind::<Nullable<Text>, _>(area)
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<Nullable<BigInt>, _>(id)
    .bind::<BigInt, _>(limit + 1)
    .load(conn)
}
