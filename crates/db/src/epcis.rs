//! The facts of the EPCIS 2.0 export (`GET /epcis/events`): accepted scans that
//! changed something (`scan_event`), bill completions (`audit_log`, `bill.complete`)
//! and parents registered without a scan (`audit_log`, `bag.create` of a parent), one
//! page at a time in record-time order.
//!
//! Keyset paging on (record time, origin, id): a scan and a completion recorded at
//! the same instant are ordered scan first, then by their own ids. Each source is
//! read in its own index order up to the page size and the two are merged, so a
//! page costs the same at any depth (no OFFSET).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, SmallInt, Text, Timestamptz};
use diesel::{sql_query, QueryResult, QueryableByName, RunQueryDsl};
use serde_json::Value;
use tracetrack_api_types::{ScanKind, ScanOutcome};
use tracetrack_domain::epcis::Fact;
use tracetrack_domain::visibility::Visibility;

use crate::visibility::area_binds;

/// The audit action whose rows are bill completions.
pub const BILL_COMPLETE: &str = "bill.complete";
/// The audit action whose rows (of a parent) are registrations: `POST /bags`.
pub const BAG_CREATE: &str = "bag.create";

/// The scans that are EPCIS events: the kind with the outcome that changed
/// something. `existing`, `already_linked`, `unchanged`, `already_on_bill` and
/// refusals changed nothing, so they are not events.
pub const EVENT_SCANS: [(ScanKind, ScanOutcome); 8] = [
    (ScanKind::Parent, ScanOutcome::Created),
    (ScanKind::Child, ScanOutcome::Linked),
    (ScanKind::Unlink, ScanOutcome::Unlinked),
    (ScanKind::Undo, ScanOutcome::Unlinked),
    (ScanKind::Seal, ScanOutcome::Sealed),
    (ScanKind::Unseal, ScanOutcome::Unsealed),
    (ScanKind::BillAdd, ScanOutcome::Added),
    (ScanKind::BillRemove, ScanOutcome::Removed),
];

/// Where an exported fact was read from; the middle key of the export order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `scan_event` row.
    Scan = 0,
    /// A `bill.complete` row of `audit_log`.
    BillCompletion = 1,
    /// A `bag.create` row of `audit_log` (a parent registered without a scan).
    Registration = 2,
}

impl Origin {
    /// The origin stored in a page token; `None` for a number no origin has.
    pub fn from_code(code: i16) -> Option<Origin> {
        match code {
            0 => Some(Origin::Scan),
            1 => Some(Origin::BillCompletion),
            2 => Some(Origin::Registration),
            _ => None,
        }
    }

    /// The number that orders and names this origin.
    pub fn code(self) -> i16 {
        self as i16
    }
}

/// A position in the export order: the last fact of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub record_time: DateTime<Utc>,
    pub origin: Origin,
    pub id: i64,
}

/// What to export. Bag ids are as TraceTrack stores them (normalised), not URIs.
#[derive(Debug, Clone)]
pub struct FactFilter {
    /// Recorded at or after.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Happened (the device's time, else the record time) at or after.
    pub happened_from: Option<DateTime<Utc>>,
    /// Happened before.
    pub happened_before: Option<DateTime<Utc>>,
    /// The scan kinds to export (of [`EVENT_SCANS`]).
    pub scan_kinds: Vec<ScanKind>,
    /// Export bill completions too (never for a dispatcher: see [`facts`]).
    pub bill_completions: bool,
    /// Only links and unlinks of children to and from this parent.
    pub parent: Option<String>,
    /// Only facts naming this bag, as the bag, the parent, the child or a parent shipped.
    pub bag: Option<String>,
    /// What the caller (`viewer`) may see.
    pub visibility: Visibility,
    pub viewer: i64,
}

/// One fact as read, before it becomes an EPCIS event.
#[derive(Debug, Clone, QueryableByName)]
pub struct FactRow {
    #[diesel(sql_type = SmallInt)]
    pub origin: i16,
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The scan's kind; `None` for a bill completion.
    #[diesel(sql_type = Nullable<Text>)]
    pub kind: Option<ScanKind>,
    #[diesel(sql_type = Timestamptz)]
    pub event_time: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub record_time: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub qr_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub parent_qr_id: Option<String>,
    /// The bill's number (a deleted bill's from its `bill.delete` audit row).
    #[diesel(sql_type = Nullable<Text>)]
    pub bill_number: Option<String>,
    /// A completion's parents as its audit row lists them.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub parents: Option<Value>,
    #[diesel(sql_type = Nullable<Text>)]
    pub station_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub dispatch_area: Option<String>,
}

impl FactRow {
    /// Where this row stands in the export order.
    pub fn position(&self) -> Position {
        Position {
            record_time: self.record_time,
            origin: Origin::from_code(self.origin).unwrap_or(Origin::Scan),
            id: self.id,
        }
    }

    /// The fact; `None` when the row lacks what the fact needs (a bill whose number
    /// nothing remembers). A completion recorded before its audit rows listed the
    /// parents, or whose snapshot retention cleared, ships no parents.
    pub fn fact(&self) -> Option<Fact> {
        let bag = self.qr_id.clone();
        let parent = self.parent_qr_id.clone();
        let bill = self.bill_number.clone();
        let Some(kind) = self.kind else {
            let parents = self
                .parents
                .as_ref()
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default();
            return Some(Fact::BillShipped { bill: bill?, parents });
        };
        Some(match kind {
            ScanKind::Parent => Fact::Commissioned { bag: bag? },
            ScanKind::Child => Fact::Packed {
                parent: parent?,
                child: bag?,
            },
            ScanKind::Unlink | ScanKind::Undo => Fact::Unpacked {
                parent: parent?,
                child: bag?,
            },
            ScanKind::Seal => Fact::Sealed { parent: bag? },
            ScanKind::Unseal => Fact::Unsealed { parent: bag? },
            ScanKind::BillAdd => Fact::BillAdded {
                parent: bag?,
                bill: bill?,
            },
            ScanKind::BillRemove => Fact::BillRemoved {
                parent: bag?,
                bill: bill?,
            },
        })
    }
}

/// `(kind, outcome) IN (…)` of [`EVENT_SCANS`]; literals, so the planner can match
/// a partial index.
static EVENT_SCAN_SQL: LazyLock<String> = LazyLock::new(|| {
    let pairs: Vec<String> = EVENT_SCANS
        .iter()
        .map(|(k, o)| format!("('{}', '{}')", k.as_str(), o.as_str()))
        .collect();
    format!("(se.kind, se.outcome) IN ({})", pairs.join(", "))
});

/// Binds: `$1` after-time, `$2` last scan id at that time, `$3` last completion id
/// at that time, `$4` recorded from, `$5`/`$6` happened from/before, `$7` scan kinds,
/// `$8` completions, `$9` parent, `$10` bag, `$11` sees all areas, `$12` area,
/// `$13` viewer, `$14` limit, `$15` last registration id at the after-time. A NULL bind
/// turns its condition off; the statement is planned with the values (never cached), so
/// the rest uses the indexes.
const PAGE_SQL: &str = "
SELECT * FROM (
  (SELECT 0::int2 AS origin, se.id, se.kind, COALESCE(se.occurred_at, se.recorded_at) AS event_time,
          se.recorded_at AS record_time, se.qr_id, se.parent_qr_id,
          CASE WHEN se.bill_id IS NOT NULL THEN {BILL_NUMBER(se.bill_id)} END AS bill_number,
          NULL::jsonb AS parents, se.station_id, se.dispatch_area
     FROM scan_event se
    WHERE NOT se.refused AND {EVENT_SCANS}
      AND cardinality($7::text[]) > 0 AND se.kind = ANY($7)
      AND ($1::timestamptz IS NULL OR (se.recorded_at >= $1 AND (se.recorded_at, se.id) > ($1, $2)))
      AND ($4::timestamptz IS NULL OR se.recorded_at >= $4)
      AND ($5::timestamptz IS NULL OR COALESCE(se.occurred_at, se.recorded_at) >= $5)
      AND ($6::timestamptz IS NULL OR COALESCE(se.occurred_at, se.recorded_at) < $6)
      AND ($9::text IS NULL OR (se.kind IN ('child', 'unlink', 'undo') AND se.parent_qr_id = $9))
      AND ($10::text IS NULL OR se.qr_id = $10 OR se.parent_qr_id = $10)
      AND ($11 OR se.dispatch_area IS NULL OR se.dispatch_area = $12 OR se.user_id = $13)
    ORDER BY se.recorded_at, se.id
    LIMIT $14)
  UNION ALL
  (SELECT 1::int2, a.id, NULL, a.occurred_at, a.occurred_at, NULL, NULL,
          COALESCE(a.after->>'bill_number', {BILL_NUMBER(a.entity_id::bigint)}),
          a.after->'parents', NULL, NULL
     FROM audit_log a
    WHERE a.action = '{BILL_COMPLETE}' AND $8 AND $11 AND $9::text IS NULL
      AND ($1::timestamptz IS NULL OR (a.occurred_at >= $1 AND (a.occurred_at, a.id) > ($1, $3)))
      AND ($4::timestamptz IS NULL OR a.occurred_at >= $4)
      AND ($5::timestamptz IS NULL OR a.occurred_at >= $5)
      AND ($6::timestamptz IS NULL OR a.occurred_at < $6)
      AND ($10::text IS NULL OR a.after->'parents' @> jsonb_build_array($10::text))
    ORDER BY a.occurred_at, a.id
    LIMIT $14)
  UNION ALL
  (SELECT 2::int2, r.id, 'parent', r.occurred_at, r.occurred_at, r.entity_id, NULL, NULL, NULL, NULL,
          r.after->>'dispatch_area'
     FROM audit_log r
    WHERE r.action = '{BAG_CREATE}' AND r.after->>'role' = 'parent' AND 'parent' = ANY($7) AND $9::text IS NULL
      AND ($1::timestamptz IS NULL OR (r.occurred_at >= $1 AND (r.occurred_at, r.id) > ($1, $15)))
      AND ($4::timestamptz IS NULL OR r.occurred_at >= $4)
      AND ($5::timestamptz IS NULL OR r.occurred_at >= $5)
      AND ($6::timestamptz IS NULL OR r.occurred_at < $6)
      AND ($10::text IS NULL OR r.entity_id = $10)
      AND ($11 OR r.after->>'dispatch_area' IS NULL OR r.after->>'dispatch_area' = $12 OR r.actor_id = $13)
    ORDER BY r.occurred_at, r.id
    LIMIT $14)
) f
ORDER BY f.record_time, f.origin, f.id
LIMIT $14";

static PAGE: LazyLock<String> = LazyLock::new(|| {
    PAGE_SQL
        .replace("{EVENT_SCANS}", &EVENT_SCAN_SQL)
        .replace("{BILL_COMPLETE}", BILL_COMPLETE)
        .replace("{BAG_CREATE}", BAG_CREATE)
        .replace("{BILL_NUMBER(se.bill_id)}", &bill_number("se.bill_id"))
        .replace(
            "{BILL_NUMBER(a.entity_id::bigint)}",
            &bill_number("a.entity_id::bigint"),
        )
});

/// The number of the bill whose id is `id` (a SQL expression; NULL stays NULL): from
/// the bill, or for a deleted bill from its `bill.delete` audit row, which retention keeps.
fn bill_number(id: &str) -> String {
    format!(
        "COALESCE((SELECT b.bill_number FROM bill b WHERE b.id = {id}),
           (SELECT d.before->>'bill_number' FROM audit_log d
             WHERE d.entity_type = 'bill' AND d.entity_id = ({id})::text AND d.action = 'bill.delete'
             ORDER BY d.id DESC LIMIT 1))"
    )
}

/// Up to `limit` facts after `after` (from the start when `None`), in export order.
/// A dispatcher gets the scans [`crate::visibility::events`] shows them (every one
/// here was accepted) and no bill completions, which carry no area.
pub fn facts(
    conn: &mut PgConnection,
    f: &FactFilter,
    after: Option<&Position>,
    limit: i64,
) -> QueryResult<Vec<FactRow>> {
    let (all, area) = area_binds(&f.visibility);
    // Past `after` at its own time, in origin order: of its own origin the higher ids,
    // of the origins after it all, of those before it none.
    let (scan_id, completion_id, registration_id) = match after.map(|p| (p.origin, p.id)) {
        Some((Origin::Scan, id)) => (id, -1, -1),
        Some((Origin::BillCompletion, id)) => (i64::MAX, id, -1),
        Some((Origin::Registration, id)) => (i64::MAX, i64::MAX, id),
        None => (0, 0, 0),
    };
    let kinds: Vec<String> = f.scan_kinds.iter().map(|k| k.as_str().to_string()).collect();
    sql_query(PAGE.as_str())
        .bind::<Nullable<Timestamptz>, _>(after.map(|p| p.record_time))
        .bind::<BigInt, _>(scan_id)
        .bind::<BigInt, _>(completion_id)
        .bind::<Nullable<Timestamptz>, _>(f.recorded_from)
        .bind::<Nullable<Timestamptz>, _>(f.happened_from)
        .bind::<Nullable<Timestamptz>, _>(f.happened_before)
        .bind::<Array<Text>, _>(kinds)
        .bind::<Bool, _>(f.bill_completions)
        .bind::<Nullable<Text>, _>(f.parent.as_deref())
        .bind::<Nullable<Text>, _>(f.bag.as_deref())
        .bind::<Bool, _>(all)
        .bind::<Nullable<Text>, _>(area)
        .bind::<BigInt, _>(f.viewer)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(registration_id)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_scan_kind_has_one_outcome_and_the_sql_names_them_all() {
        let kinds: std::collections::BTreeSet<&str> = EVENT_SCANS.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds.len(), ScanKind::ALL.len());
        for (k, o) in EVENT_SCANS {
            assert!(PAGE.contains(&format!("('{}', '{}')", k.as_str(), o.as_str())));
        }
        assert!(!PAGE.contains('{'), "a placeholder is left: {}", *PAGE);
        assert!(PAGE.contains(&format!("a.action = '{BILL_COMPLETE}'")));
        assert!(PAGE.contains(&format!("r.action = '{BAG_CREATE}'")));
    }
}
