//! Reads behind the live event stream: committed scan events and bill changes
//! after a given id, so every instance can follow the shared tables.

use diesel::dsl::max;
use diesel::prelude::*;

use crate::models::ScanEventRow;
use crate::schema::{audit_log, scan_event};

/// The newest scan event id and audit row id (0 when empty).
pub fn heads(c: &mut PgConnection) -> QueryResult<(i64, i64)> {
    let scans: Option<i64> = scan_event::table.select(max(scan_event::id)).first(c)?;
    let audits: Option<i64> = audit_log::table.select(max(audit_log::id)).first(c)?;
    Ok((scans.unwrap_or(0), audits.unwrap_or(0)))
}

/// Scan events with id above `after`, oldest first.
pub fn scans_after(c: &mut PgConnection, after: i64, limit: i64) -> QueryResult<Vec<ScanEventRow>> {
    scan_event::table
        .filter(scan_event::id.gt(after))
        .select(ScanEventRow::as_select())
        .order(scan_event::id)
        .limit(limit)
        .load(c)
}

/// Bill changes (audit rows about bills) with id above `after`, oldest first:
/// (audit id, action, bill id).
pub fn bill_changes_after(
    c: &mut PgConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    audit_log::table
        .filter(audit_log::id.gt(after))
        .filter(audit_log::entity_type.eq("bill"))
        .select((audit_log::id, audit_log::action, audit_log::entity_id))
        .order(audit_log::id)
        .limit(limit)
        .load(c)
}
