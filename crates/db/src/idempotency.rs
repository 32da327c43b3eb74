//! Idempotency keys: the first answer of a write, replayed for repeats.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_record as ir;

/// A key used before: its request's fingerprint and its stored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub fingerprint: String,
    pub status: i32,
    pub body: serde_json::Value,
}

/// The stored answer of a key, if it was used (and its transaction committed).
pub fn find(conn: &mut PgConnection, user: i64, key: &str) -> QueryResult<Option<Seen>> {
    let row: Option<(String, Option<i32>, Option<serde_json::Value>)> = ir::table
        .find((user, key))
        .select((ir::fingerprint, ir::status_code, ir::body))
        .first(conn)
        .optional()?;
    Ok(row.map(|(fingerprint, status, body)| Seen {
        fingerprint,
        status: status.unwrap_or(500),
        body: body.unwrap_or(serde_json::Value::Null),
    }))
}

/// Stores a key with its answer, one insert in the caller's transaction. `false`
/// when a concurrent request with the same key committed first (this insert waited
/// for it on the primary key): the caller undoes its own work and replays that answer.
pub fn store(
    conn: &mut PgConnection,
    user: i64,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &serde_json::Value,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(ir::table)
        .values((
            ir::user_id.eq(user),
            ir::key.eq(key),
            ir::fingerprint.eq(fingerprint),
            ir::status_code.eq(i32::from(status)),
            ir::body.eq(body),
        ))
        .on_conflict((ir::user_id, ir::key))
        .do_nothing()
        .execute(conn)?;
    Ok(inserted == 1)
}

/// Deletes keys older than `before`; returns how many.
pub fn purge(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(ir::table.filter(ir::created_at.lt(before))).execute(conn)
}
