//! The append-only scan event log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::models::{NewScanEvent, ScanEventRow};
use crate::schema::scan_event;

/// Appends one event.
pub fn insert(conn: &mut PgConnection, event: &NewScanEvent) -> QueryResult<usize> {
    diesel::insert_into(scan_event::table).values(event).execute(conn)
}

/// Filters of `GET /scans` and a bag's history.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub user_id: Option<i64>,
    /// Events about this id, as the scanned bag or as the parent.
    pub qr_id: Option<String>,
    pub kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// A dispatcher's view; `None` sees every event.
    pub scope: Option<EventScope>,
}

/// What a dispatcher may see of the scan log (domain rule: their area only). An
/// event of their area, an event about bags of no area (visible to every area),
/// or their own scan; a refused scan whose area is unknown is private to its
/// maker (and to admins and billers, who have no scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventScope {
    /// The dispatcher's area (empty when none is assigned yet).
    pub area: String,
    pub user_id: i64,
}

impl EventScope {
    /// The same rule as the SQL filter of [`list`], for events already in memory.
    pub fn sees(&self, area: Option<&str>, refused: bool, user_id: Option<i64>) -> bool {
        match area {
            Some(a) => a == self.area || user_id == Some(self.user_id),
            None => !refused || user_id == Some(self.user_id),
        }
    }
}

/// One page of events, newest first, after the row id `before`.
pub fn list(
    conn: &mut PgConnection,
    f: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ScanEventRow>> {
    let mut q = scan_event::table.select(ScanEventRow::as_select()).into_boxed();
    if let Some(user) = f.user_id {
        q = q.filter(scan_event::user_id.eq(user));
    }
    if let Some(qr) = &f.qr_id {
        q = q.filter(
            scan_event::qr_id
                .eq(qr.clone())
                .or(scan_event::parent_qr_id.eq(qr.clone())),
        );
    }
    if let Some(kind) = &f.kind {
        q = q.filter(scan_event::kind.eq(kind.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(scan_event::recorded_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(scan_event::recorded_at.lt(to));
    }
    if let Some(scope) = &f.scope {
        q = q.filter(
            scan_event::dispatch_area
                .eq(scope.area.clone())
                .or(scan_event::dispatch_area.is_null().and(scan_event::refused.eq(false)))
                .or(scan_event::user_id.eq(scope.user_id)),
        );
    }
    if let Some(before) = before {
        q = q.filter(scan_event::id.lt(before));
    }
    q.order(scan_event::id.desc()).limit(limit + 1).load(conn)
}

/// Events recorded since `since`, and distinct users among them.
pub fn activity_since(conn: &mut PgConnection, since: DateTime<Utc>) -> QueryResult<(i64, i64)> {
    use diesel::dsl::count_star;
    scan_event::table
        .filter(scan_event::recorded_at.ge(since))
        .select((
            count_star(),
            diesel::dsl::count(scan_event::user_id).aggregate_distinct(),
        ))
        .first(conn)
}
