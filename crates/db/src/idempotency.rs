//! Idempotency keys: the first answer of a write, replayed for repeats.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_record as ir;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key is new; this transaction owns it until it commits.
    New,
    /// The key was used before: its fingerprint and stored answer.
    Seen {
        fingerprint: String,
        status: i32,
        body: serde_json::Value,
    },
}

/// Claims a key inside the caller's transaction. A concurrent claim of the same key
/// waits on the primary key until this transaction ends, then sees the stored answer.
pub fn claim(conn: &mut PgConnection, user: i64, key: &str, fingerprint: &str) -> QueryResult<Claim> {
    let inserted = diesel::insert_into(ir::table)
        .values((ir::user_id.eq(user), ir::key.eq(key), ir::fingerprint.eq(fingerprint)))
        .on_conflict((ir::user_id, ir::key))
        .do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let (fingerprint, status, body): (String, Option<i32>, Option<serde_json::Value>) = ir::table
        .find((user, key))
        .select((ir::fingerprint, ir::status_code, ir::body))
        .first(conn)?;
    Ok(Claim::Seen {
        fingerprint,
        status: status.unwrap_or(500),
        body: body.unwrap_or(serde_json::Value::Null),
    })
}

/// Stores the answer of a claimed key.
pub fn store(
    conn: &mut PgConnection,
    user: i64,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> QueryResult<usize> {
    diesel::update(ir::table.find((user, key)))
        .set((ir::status_code.eq(i32::from(status)), ir::body.eq(body)))
        .execute(conn)
}

/// Deletes keys older than `before`; returns how many.
pub fn purge(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(ir::table.filter(ir::created_at.lt(before))).execute(conn)
}
