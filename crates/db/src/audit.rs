//! The audit log writer and reader.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::models::{AuditRow, NewAudit};
use crate::schema::audit_log;

/// Writes one audit row in the caller's transaction; when it happened (the transaction's time).
pub fn record(conn: &mut PgConnection, row: &NewAudit) -> QueryResult<DateTime<Utc>> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .returning(audit_log::occurred_at)
        .get_result(conn)
}

/// Filters of `GET /audit-log`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// One page of audit rows, newest first, after the row id `before`.
pub fn list(conn: &mut PgConnection, f: &AuditFilter, before: Option<i64>, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(actor) = f.actor_id {
        q = q.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &f.action {
        q = q.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(t) = &f.entity_type {
        q = q.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::occurred_at.lt(to));
    }
    if let Some(before) = before {
        q = q.filter(audit_log::id.lt(before));
    }
    q.order(audit_log::id.desc()).limit(limit + 1).load(conn)
}

/// Retention (docs/domain.md §7): snapshots cleared after `clear_days`, rows deleted after
/// `delete_days`, except role changes, deletions, bill completions and bag registrations
/// (shipping and commissioning records, which the EPCIS export reads), which are kept whole.
/// Returns (rows cleared, rows deleted).
pub fn apply_retention(conn: &mut PgConnection, clear_days: i32, delete_days: i32) -> QueryResult<(usize, usize)> {
    use diesel::sql_types::Integer;
    // Kept: deletions, user updates whose role changed, and approved promotions
    // (the other way a role changes).
    const KEPT: &str = "(action LIKE '%.delete' OR action IN ('promotion.approve', 'bill.complete', 'bag.create') \
         OR (action = 'user.update' AND before->>'role' IS DISTINCT FROM after->>'role'))";
    let cleared = diesel::sql_query(format!(
        "UPDATE audit_log SET before = NULL, after = NULL
         WHERE occurred_at < now() - make_interval(days => $1) AND (before IS NOT NULL OR after IS NOT NULL) AND NOT {KEPT}"
    ))
    .bind::<Integer, _>(clear_days)
    .execute(conn)?;
    let deleted = diesel::sql_query(format!(
        "DELETE FROM audit_log WHERE occurred_at < now() - make_interval(days => $1) AND NOT {KEPT}"
    ))
    .bind::<Integer, _>(delete_days)
    .execute(conn)?;
    Ok((cleared, deleted))
}
