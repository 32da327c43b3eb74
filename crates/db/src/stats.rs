//! Dashboard counters: delta rows appended by writers, folded by one job.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};
use tracetrack_domain::visibility::Visibility;

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

/// The bag and bill counters: the folded row plus the deltas not folded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub parents: i64,
    #[diesel(sql_type = BigInt)]
    pub children: i64,
    #[diesel(sql_type = BigInt)]
    pub links: i64,
    #[diesel(sql_type = BigInt)]
    pub bills_new: i64,
    #[diesel(sql_type = BigInt)]
    pub bills_processing: i64,
    #[diesel(sql_type = BigInt)]
    pub bills_completed: i64,
}

/// Exact totals, in one snapshot.
pub fn totals(conn: &mut PgConnection) -> QueryResult<Totals> {
    diesel::sql_query(
        "SELECT t.parents + COALESCE(d.parents, 0) AS parents,
                t.children + COALESCE(d.children, 0) AS children,
                t.links + COALESCE(d.links, 0) AS links,
                t.bills_new + COALESCE(d.bills_new, 0) AS bills_new,
                t.bills_processing + COALESCE(d.bills_processing, 0) AS bills_processing,
                t.bills_completed + COALESCE(d.bills_completed, 0) AS bills_completed
         FROM stat_total t,
              (SELECT SUM(parents)::BIGINT AS parents, SUM(children)::BIGINT AS children,
                      SUM(links)::BIGINT AS links, SUM(bills_new)::BIGINT AS bills_new,
                      SUM(bills_processing)::BIGINT AS bills_processing,
                      SUM(bills_completed)::BIGINT AS bills_completed FROM stat_delta) d",
    )
    .get_result(conn)
}

/// Folds the counter deltas and the scan tallies (docs/domain.md §8); returns the rows
/// folded. One instance folds at a time; another that finds the lock taken skips.
pub fn fold(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.transaction(|c| {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            locked: bool,
        }
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock(7301001) AS locked").get_result(c)?;
        if !lock.locked {
            return Ok(0);
        }
        let totals = diesel::sql_query(
            "WITH moved AS (DELETE FROM stat_delta
                            RETURNING parents, children, links, bills_new, bills_processing, bills_completed)
             UPDATE stat_total SET
                 parents = parents + (SELECT COALESCE(SUM(parents), 0) FROM moved),
                 children = children + (SELECT COALESCE(SUM(children), 0) FROM moved),
                 links = links + (SELECT COALESCE(SUM(links), 0) FROM moved),
                 bills_new = bills_new + (SELECT COALESCE(SUM(bills_new), 0) FROM moved),
                 bills_processing = bills_processing + (SELECT COALESCE(SUM(bills_processing), 0) FROM moved),
                 bills_completed = bills_completed + (SELECT COALESCE(SUM(bills_completed), 0) FROM moved)
             WHERE (SELECT COUNT(*) FROM moved) > 0",
        )
        .execute(c)?;
        let scans = diesel::sql_query(
            "WITH moved AS (DELETE FROM scan_tally RETURNING minute, dispatch_area, user_id),
             counted AS (
                 INSERT INTO scan_minute (minute, dispatch_area, scans)
                 SELECT minute, dispatch_area, count(*) FROM moved GROUP BY 1, 2 ORDER BY 1, 2
                 ON CONFLICT ON CONSTRAINT scan_minute_key DO UPDATE SET scans = scan_minute.scans + EXCLUDED.scans
                 RETURNING 1),
             seen AS (
                 INSERT INTO scan_user_minute (minute, user_id, dispatch_area)
                 SELECT DISTINCT minute, user_id, dispatch_area FROM moved WHERE user_id IS NOT NULL ORDER BY 1, 2, 3
                 ON CONFLICT ON CONSTRAINT scan_user_minute_key DO NOTHING
                 RETURNING 1)
             SELECT 1 FROM moved",
        )
        .execute(c)?;
        Ok(totals + scans)
    })
}

/// Reclaims the rows `fold` deleted (outside any transaction), so that a reader adding
/// up the unfolded tail reads a few pages, not every row folded since autovacuum last ran.
pub fn vacuum_tallies(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("VACUUM (ANALYZE) scan_tally, stat_delta")
        .execute(conn)
        .map(|_| ())
}

use crate::visibility::{area_binds, IN_AREA};

/// The scope filter of the queries below (`$1`, `$2`: `area_binds`).
const IN_SCOPE: &str = IN_AREA;

/// Scan activity of today and of the last hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Activity {
    #[diesel(sql_type = BigInt)]
    pub today: i64,
    #[diesel(sql_type = BigInt)]
    pub last_hour: i64,
    /// Distinct users who scanned in the last hour.
    #[diesel(sql_type = BigInt)]
    pub users_last_hour: i64,
}

/// Scans since `midnight` and since `hour_ago`, and the users of the latter, in whole
/// minutes (the minute a window starts in counts): rollups plus unfolded tallies.
pub fn activity(
    conn: &mut PgConnection,
    scope: &Visibility,
    midnight: DateTime<Utc>,
    hour_ago: DateTime<Utc>,
) -> QueryResult<Activity> {
    let (all, area) = area_binds(scope);
    diesel::sql_query(format!(
        "WITH m AS (SELECT minute, scans FROM scan_minute
                    WHERE minute >= date_trunc('minute', $3) AND {IN_SCOPE}
                    UNION ALL
                    SELECT minute, 1 FROM scan_tally WHERE minute >= date_trunc('minute', $3) AND {IN_SCOPE})
         SELECT COALESCE(SUM(scans), 0)::BIGINT AS today,
                COALESCE(SUM(scans) FILTER (WHERE minute >= date_trunc('minute', $4)), 0)::BIGINT AS last_hour,
                (SELECT count(DISTINCT user_id) FROM (
                    SELECT user_id FROM scan_user_minute WHERE minute >= date_trunc('minute', $4) AND {IN_SCOPE}
                    UNION ALL
                    SELECT user_id FROM scan_tally
                    WHERE minute >= date_trunc('minute', $4) AND user_id IS NOT NULL AND {IN_SCOPE}) u) AS users_last_hour
         FROM m"
    ))
    .bind::<Bool, _>(all)
    .bind::<Nullable<Text>, _>(area)
    .bind::<Timestamptz, _>(midnight)
    .bind::<Timestamptz, _>(hour_ago)
    .get_result(conn)
}

#[derive(QueryableByName)]
struct Hour {
    #[diesel(sql_type = Timestamptz)]
    hour: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    scans: i64,
}

/// Scans per hour since `midnight` (hours counted from it, so they are the local
/// hours of the report time zone), oldest first; hours without scans are left out.
pub fn scans_by_hour(
    conn: &mut PgConnection,
    scope: &Visibility,
    midnight: DateTime<Utc>,
) -> QueryResult<Vec<(DateTime<Utc>, i64)>> {
    let (all, area) = area_binds(scope);
    let rows: Vec<Hour> = diesel::sql_query(format!(
        "SELECT date_bin('1 hour', minute, $3) AS hour, SUM(scans)::BIGINT AS scans
         FROM (SELECT minute, dispatch_area, scans FROM scan_minute
               UNION ALL SELECT minute, dispatch_area, 1 FROM scan_tally) m
         WHERE minute >= $3 AND {IN_SCOPE}
         GROUP BY 1 ORDER BY 1"
    ))
    .bind::<Bool, _>(all)
    .bind::<Nullable<Text>, _>(area)
    .bind::<Timestamptz, _>(midnight)
    .load(conn)?;
    Ok(rows.into_iter().map(|h| (h.hour, h.scans)).collect())
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
