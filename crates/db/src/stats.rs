//! Dashboard counters: delta rows appended by writers, folded by one job.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::schema::stat_delta;

/// A change to the bag counters made by one transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delta {
    pub parents: i32,
    pub children: i32,
    pub links: i32,
}

impl Delta {
    /// True when nothing changes.
    pub fn is_zero(&self) -> bool {
        *self == Delta::default()
    }
}

/// Appends a delta in the caller's transaction (an insert: no row lock is shared).
pub fn record(conn: &mut PgConnection, d: Delta) -> QueryResult<()> {
    if d.is_zero() {
        return Ok(());
    }
    diesel::insert_into(stat_delta::table)
        .values((
            stat_delta::parents.eq(d.parents),
            stat_delta::children.eq(d.children),
            stat_delta::links.eq(d.links),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    parents: i64,
    #[diesel(sql_type = BigInt)]
    children: i64,
    #[diesel(sql_type = BigInt)]
    links: i64,
}

/// Exact totals: the folded row plus the deltas not folded yet, in one snapshot.
pub fn totals(conn: &mut PgConnection) -> QueryResult<(i64, i64, i64)> {
    let t: Totals = diesel::sql_query(
        "SELECT t.parents + COALESCE(d.parents, 0) AS parents,
                t.children + COALESCE(d.children, 0) AS children,
                t.links + COALESCE(d.links, 0) AS links
         FROM stat_total t,
              (SELECT SUM(parents)::BIGINT AS parents, SUM(children)::BIGINT AS children,
                      SUM(links)::BIGINT AS links FROM stat_delta) d",
    )
    .get_result(conn)?;
    Ok((t.parents, t.children, t.links))
}

/// Folds all deltas into the total row in one statement; returns rows folded.
pub fn fold(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH moved AS (DELETE FROM stat_delta RETURNING parents, children, links)
         UPDATE stat_total SET
             parents = parents + (SELECT COALESCE(SUM(parents), 0) FROM moved),
             children = children + (SELECT COALESCE(SUM(children), 0) FROM moved),
             links = links + (SELECT COALESCE(SUM(links), 0) FROM moved)
         WHERE (SELECT COUNT(*) FROM moved) > 0",
    )
    .execute(conn)
}

#[derive(QueryableByName)]
struct DatabaseSize {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Size of the current database on disk, in bytes.
pub fn database_size(conn: &mut PgConnection) -> QueryResult<i64> {
    let row: DatabaseSize =
        diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes").get_result(conn)?;
    Ok(row.bytes)
}
