//! The data generator behind `tracetrack seed --bags N`: a realistic warehouse of `N`
//! bags for benchmarks and demos, written by the database itself (`INSERT … SELECT`
//! over `generate_series`, so no row crosses the socket) in batches.
//!
//! The mix, scaled by `N` (figures for 10,000,000): ~357k parents (four in five of
//! the 30-child mustard format, one in five of the 15-child moong format, both with
//! 7-digit ids), 97 % of them full and the rest part-filled (a third of those
//! sealed), their children linked, 1 % more children loose; 50k bills (92 %
//! completed with measured weights, 6 % processing, 2 % new) of 5 parents each;
//! 5M scan events (a parent scan per parent, child scans for the rest) over the last
//! 90 days; 200 users over the dispatch areas. Counters (bag, bill, dashboard) agree
//! with the rows, as the invariant tests demand.

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Text};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub bags: i64,
}

impl Size {
    /// Parents: bags / 28 (27 children on average, plus the parent).
    pub fn parents(self) -> i64 {
        (self.bags / 28).max(1)
    }

    pub fn bills(self) -> i64 {
        (self.bags / 200).max(1)
    }

    pub fn events(self) -> i64 {
        self.bags / 2
    }
}

/// Parents per statement (about 750k rows written by each child statement).
const BATCH: i64 = 27_000;

/// Users the generator creates (`seed-…`), all with the given password hash.
const USERS: i64 = 200;

/// Whether the database is one the generator may fill: no bags, no bills and no
/// `seed-…` users (it numbers its own ids and names).
pub fn check_empty(conn: &mut PgConnection) -> QueryResult<bool> {
    use crate::schema::{app_user, bag, bill};
    let bags: Option<i64> = bag::table.select(bag::id).first(conn).optional()?;
    let bills: Option<i64> = bill::table.select(bill::id).first(conn).optional()?;
    let users: Option<i64> = app_user::table
        .filter(app_user::username.like("seed-%"))
        .select(app_user::id)
        .first(conn)
        .optional()?;
    Ok(bags.is_none() && bills.is_none() && users.is_none())
}

/// Tables the generator fills; their secondary indexes and foreign keys are dropped
/// for the load and rebuilt after it (PostgreSQL's advice for populating a database:
/// one sorted index build and one join per key instead of a lookup per row).
const LOADED: &str = "'bag', 'bag_link', 'bill', 'bill_item', 'scan_event'";

/// An index or a foreign key, as `CREATE …` / `ALTER TABLE …` text.
#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    drop: String,
    #[diesel(sql_type = Text)]
    create: String,
}

/// Generates the data in one transaction (a failure leaves the database as it was,
/// indexes included); `progress` hears each step as it ends.
pub fn generate(
    conn: &mut PgConnection,
    size: Size,
    password_hash: &str,
    progress: &mut dyn FnMut(&str),
) -> QueryResult<()> {
    conn.transaction(|c| {
        sql_query("SET LOCAL maintenance_work_mem = '512MB'").execute(c)?;
        let saved: Vec<Definition> = sql_query(format!(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop, \
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS create \
             FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ({LOADED}) \
             UNION ALL \
             SELECT format('DROP INDEX %I', indexname), indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ({LOADED}) \
               AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        ))
        .load(c)?;
        for d in &saved {
            sql_query(&d.drop).execute(c)?;
        }
        fill(c, size, password_hash, progress)?;
        for d in saved.iter().rev() {
            sql_query(&d.create).execute(c)?;
        }
        progress(&format!("{} indexes and foreign keys rebuilt", saved.len()));
        Ok::<_, diesel::result::Error>(())
    })?;
    crate::bulk::analyze(conn)?;
    progress("planner statistics");
    Ok(())
}

/// After [`generate`] commits: folds the generated scans into the dashboard's rollups,
/// reclaims the folded tallies and gives the planner the rollups' statistics, so the
/// first dashboard read is as fast as any (without it, a fresh 10M-bag database read
/// `/stats` in 1 s instead of 7 ms).
pub fn finish(conn: &mut PgConnection) -> QueryResult<()> {
    crate::stats::fold(conn)?;
    crate::stats::vacuum_tallies(conn)?;
    sql_query("ANALYZE scan_minute, scan_user_minute").execute(conn)?;
    Ok(())
}

fn fill(conn: &mut PgConnection, size: Size, password_hash: &str, progress: &mut dyn FnMut(&str)) -> QueryResult<()> {
    let parents = size.parents();
    sql_query(
        "INSERT INTO bag_format (code, name, role, pattern, capacity, child_weight_g, sort_order) VALUES \
         ('SB7', 'Mustard (SB, 7 digits)', 'parent', '^SB\\d{7}$', 30, 1000, 11), \
         ('M7', 'Moong (M444, 7 digits)', 'parent', '^M444-\\d{7}$', 15, 1000, 21) \
         ON CONFLICT (code) DO NOTHING",
    )
    .execute(conn)?;
    sql_query(
        "INSERT INTO app_user (username, password_hash, role, dispatch_area) \
         SELECT 'seed-' || lpad(g::text, 3, '0'), $1, \
                CASE WHEN g <= 150 THEN 'dispatcher' WHEN g <= 190 THEN 'biller' ELSE 'admin' END, \
                CASE WHEN g <= 150 THEN (SELECT code FROM dispatch_area ORDER BY code \
                                         OFFSET g % (SELECT count(*) FROM dispatch_area) LIMIT 1) END \
         FROM generate_series(1, $2) g \
         ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(password_hash)
    .bind::<BigInt, _>(USERS)
    .execute(conn)?;
    progress(&format!("{USERS} users"));
    plan_parents(conn, size)?;
    progress(&format!("planned {parents} parents"));
    let mut done = 0;
    while done < parents {
        let to = (done + BATCH).min(parents);
        write_batch(conn, done + 1, to)?;
        done = to;
        progress(&format!("parents 1..{done} with their children and links"));
    }
    sql_query(LOOSE).bind::<BigInt, _>(size.bags / 100).execute(conn)?;
    progress("loose children");
    write_bills(conn, size)?;
    progress(&format!("{} bills", size.bills()));
    write_events(conn, size)?;
    progress(&format!("{} scan events", size.events()));
    sql_query(
        "INSERT INTO stat_delta (parents, children, links) \
         SELECT count(*) FILTER (WHERE role = 'parent'), count(*) FILTER (WHERE role = 'child'), \
                (SELECT count(*) FROM bag_link) FROM bag WHERE created_by IN (SELECT id FROM app_user WHERE username LIKE 'seed-%')",
    )
    .execute(conn)?;
    progress("counters");
    Ok(())
}

/// One row per parent to be: its id, format, fill, status, creator and time.
fn plan_parents(conn: &mut PgConnection, size: Size) -> QueryResult<()> {
    sql_query(
        "CREATE TEMP TABLE seed_parent ON COMMIT DROP AS \
         SELECT g, \
                CASE WHEN g % 5 = 0 THEN 'M444-' || lpad(g::text, 7, '0') ELSE 'SB' || lpad(g::text, 7, '0') END AS qr, \
                CASE WHEN g % 5 = 0 THEN 'M7' ELSE 'SB7' END AS format_code, \
                CASE WHEN g % 5 = 0 THEN 15 ELSE 30 END AS capacity, \
                CASE WHEN g <= $1 * 97 / 100 THEN CASE WHEN g % 5 = 0 THEN 15 ELSE 30 END \
                     ELSE 1 + g % CASE WHEN g % 5 = 0 THEN 14 ELSE 29 END END AS n, \
                1 + (g * 7919) % 150 AS user_no, \
                now() - interval '90 days' * ($1 - g) / $1 AS at \
         FROM generate_series(1, $1) g",
    )
    .bind::<BigInt, _>(size.parents())
    .execute(conn)?;
    sql_query(
        "ALTER TABLE seed_parent ADD PRIMARY KEY (g), ADD COLUMN user_id bigint, ADD COLUMN area text, \
         ADD COLUMN status text, ADD COLUMN bag_id bigint",
    )
    .execute(conn)?;
    sql_query("ANALYZE seed_parent").execute(conn)?;
    sql_query(
        "UPDATE seed_parent p SET user_id = u.id, area = u.dispatch_area, \
                status = CASE WHEN p.n = p.capacity THEN 'filled' WHEN p.g % 3 = 0 THEN 'sealed' ELSE 'open' END \
         FROM app_user u WHERE u.username = 'seed-' || lpad(p.user_no::text, 3, '0')",
    )
    .execute(conn)?;
    Ok(())
}

/// Parents `from..=to`, then their children, each child linked as it is written.
fn write_batch(conn: &mut PgConnection, from: i64, to: i64) -> QueryResult<()> {
    sql_query(
        "WITH b AS ( \
           INSERT INTO bag (qr_id, role, format_code, status, child_count, capacity, child_weight_g, \
                            dispatch_area, sealed_reason, sealed_at, created_by, created_at, updated_at) \
           SELECT qr, 'parent', format_code, status, n, capacity, 1000, area, \
                  CASE WHEN status = 'sealed' THEN 'short batch' END, \
                  CASE WHEN status = 'sealed' THEN at + interval '1 hour' END, user_id, at, at \
           FROM seed_parent WHERE g BETWEEN $1 AND $2 ORDER BY g RETURNING id, qr_id) \
         UPDATE seed_parent p SET bag_id = b.id FROM b WHERE p.qr = b.qr_id",
    )
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(to)
    .execute(conn)?;
    // A child's id carries its parent's number: C + 7 digits + 2 digits.
    sql_query(
        "WITH c AS ( \
           INSERT INTO bag (qr_id, role, format_code, status, dispatch_area, created_by, created_at, updated_at) \
           SELECT 'C' || lpad(p.g::text, 7, '0') || lpad(k::text, 2, '0'), 'child', 'CHILD', 'linked', \
                  p.area, p.user_id, p.at + k * interval '20 seconds', p.at + k * interval '20 seconds' \
           FROM seed_parent p, generate_series(1, p.n) k WHERE p.g BETWEEN $1 AND $2 \
           RETURNING id, qr_id, created_at) \
         INSERT INTO bag_link (child_id, parent_id, linked_by, linked_at) \
         SELECT c.id, p.bag_id, p.user_id, c.created_at FROM c \
         JOIN seed_parent p ON p.g = substr(c.qr_id, 2, 7)::bigint",
    )
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(to)
    .execute(conn)?;
    Ok(())
}

/// Children registered but in no parent: `L` + 9 digits.
const LOOSE: &str = "INSERT INTO bag (qr_id, role, format_code, status, created_by, created_at, updated_at) \
     SELECT 'L' || lpad(g::text, 9, '0'), 'child', 'CHILD', 'unlinked', \
            (SELECT id FROM app_user WHERE username = 'seed-001'), now() - g * interval '1 minute', \
            now() - g * interval '1 minute' \
     FROM generate_series(1, $1) g";

/// Bills of 5 filled parents each (the oldest parents first), counters and weights
/// summed from their parents; the parents marked billed.
fn write_bills(conn: &mut PgConnection, size: Size) -> QueryResult<()> {
    let bills = size.bills();
    sql_query(
        "INSERT INTO bill (bill_number, description, destination, capacity, status, created_by, created_at, updated_at) \
         SELECT 'SEED-' || lpad(g::text, 6, '0'), 'Seeded dispatch', 'Depot ' || (g % 40), \
                CASE WHEN g <= $1 * 92 / 100 THEN 5 WHEN g <= $1 * 98 / 100 THEN 8 ELSE 5 END, 'new', \
                (SELECT id FROM app_user WHERE username = 'seed-' || lpad((151 + g % 40)::text, 3, '0')), \
                now() - interval '90 days' * ($1 - g) / $1, now() - interval '90 days' * ($1 - g) / $1 \
         FROM generate_series(1, $1) g",
    )
    .bind::<BigInt, _>(bills)
    .execute(conn)?;
    // Parents of bill k (k up to 98 % of the bills): the k-th five filled parents.
    sql_query(
        "WITH filled AS ( \
           SELECT bag_id, (row_number() OVER (ORDER BY g) - 1) / 5 + 1 AS k FROM seed_parent WHERE status = 'filled') \
         INSERT INTO bill_item (bag_id, bill_id, added_by, added_at) \
         SELECT f.bag_id, b.id, b.created_by, b.created_at + interval '1 hour' FROM filled f \
         JOIN bill b ON b.bill_number = 'SEED-' || lpad(f.k::text, 6, '0') \
         WHERE f.k <= $1 * 98 / 100",
    )
    .bind::<BigInt, _>(bills)
    .execute(conn)?;
    sql_query(
        "UPDATE bag SET status = 'billed' FROM bill_item i WHERE i.bag_id = bag.id AND bag.status = 'filled' \
         AND bag.role = 'parent'",
    )
    .execute(conn)?;
    sql_query(
        "UPDATE bill b SET parent_count = s.parents, child_count = s.children, actual_weight_g = s.actual, \
                expected_weight_g = s.expected, \
                status = CASE WHEN s.parents = b.capacity THEN 'completed' ELSE 'processing' END, \
                measured_weight_kg = CASE WHEN s.parents = b.capacity \
                                          THEN round(s.actual / 1000.0 * (0.97 + (b.id % 7) / 100.0), 1) END \
         FROM (SELECT i.bill_id, count(*) AS parents, sum(p.child_count) AS children, \
                      sum(p.child_count::bigint * p.child_weight_g) AS actual, \
                      sum(p.capacity::bigint * p.child_weight_g) AS expected \
               FROM bill_item i JOIN bag p ON p.id = i.bag_id GROUP BY i.bill_id) s \
         WHERE s.bill_id = b.id",
    )
    .execute(conn)?;
    Ok(())
}

/// A parent scan per parent, then child scans (oldest parents first) up to the total.
fn write_events(conn: &mut PgConnection, size: Size) -> QueryResult<()> {
    sql_query(
        "INSERT INTO scan_event (occurred_at, recorded_at, user_id, station_id, kind, qr_id, outcome, dispatch_area) \
         SELECT at, at, user_id, 'seed-' || user_no, 'parent', qr, 'created', area FROM seed_parent",
    )
    .execute(conn)?;
    let children = (size.events() - size.parents()).max(0);
    sql_query(
        "INSERT INTO scan_event (occurred_at, recorded_at, user_id, station_id, kind, qr_id, parent_qr_id, outcome, dispatch_area) \
         SELECT at, at, user_id, station, 'child', qr, parent, 'linked', area FROM ( \
           SELECT p.at + k * interval '20 seconds' AS at, p.user_id, 'seed-' || p.user_no AS station, \
                  'C' || lpad(p.g::text, 7, '0') || lpad(k::text, 2, '0') AS qr, p.qr AS parent, p.area \
           FROM seed_parent p, generate_series(1, p.n) k ORDER BY p.g, k LIMIT $1) e",
    )
    .bind::<BigInt, _>(children)
    .execute(conn)?;
    Ok(())
}
