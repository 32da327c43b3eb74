//! The append-only scan event log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use tracetrack_api_types::ScanKind;
use tracetrack_domain::visibility::Visibility;

use crate::models::{NewScanEvent, ScanEventRow};
use crate::schema::scan_event;

/// Appends one event; its id and when it was recorded.
pub fn insert(conn: &mut PgConnection, event: &NewScanEvent) -> QueryResult<(i64, DateTime<Utc>)> {
    diesel::insert_into(scan_event::table)
        .values(event)
        .returning((scan_event::id, scan_event::recorded_at))
        .get_result(conn)
}

/// Filters of `GET /scans` and a bag's history.
#[derive(Debug, Clone)]
pub struct EventFilter {
    pub user_id: Option<i64>,
    /// Events about this id, as the scanned bag or as the parent.
    pub qr_id: Option<String>,
    pub kind: Option<ScanKind>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// What the caller (`viewer`) may see.
    pub visibility: Visibility,
    pub viewer: i64,
}

impl EventFilter {
    /// The events about one bag that `visibility` (the user `viewer`) may see.
    pub fn about(qr_id: String, visibility: Visibility, viewer: i64) -> EventFilter {
        EventFilter {
            user_id: None,
            qr_id: Some(qr_id),
            kind: None,
            from: None,
            to: None,
            visibility,
            viewer,
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
        q = q.filter(scan_event::kind.eq(*kind));
    }
    if let Some(from) = f.from {
        q = q.filter(scan_event::recorded_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(scan_event::recorded_at.lt(to));
    }
    if let Some(visible) = crate::visibility::events(&f.visibility, f.viewer) {
        q = q.filter(visible);
    }
    if let Some(before) = before {
        q = q.filter(scan_event::id.lt(before));
    }
    q.order(scan_event::id.desc()).limit(limit + 1).load(conn)
}
