//! What a change announces: the webhook message a scan event or an audited change
//! writes in its own transaction, with the EPCIS event id when the change is an EPCIS
//! event (and `EPCIS_ID_BASE` is set, so the id is the one the export gives).

use chrono::{DateTime, Offset, TimeZone, Utc};
use serde_json::{json, Map, Value};
use tracetrack_api_types::webhooks::WebhookEventType as T;
use tracetrack_api_types::{ScanKind, ScanOutcome};
use tracetrack_db::diesel::{PgConnection, QueryResult};
use tracetrack_domain::epcis::{self, Fact, Source};

use crate::config::Config;

/// A `bill.completed` message lists the parents up to this many (`GET /bills/{id}` has them all).
const MAX_LISTED_PARENTS: usize = 100;

/// Where a request's changes are announced.
#[derive(Debug, Clone)]
pub struct Outbox {
    id_base: Option<String>,
    tz: chrono_tz::Tz,
}

/// A scan event just written.
#[derive(Debug, Clone)]
pub struct ScanFacts<'a> {
    pub id: i64,
    pub kind: ScanKind,
    pub outcome: ScanOutcome,
    pub qr_id: Option<&'a str>,
    pub parent_qr_id: Option<&'a str>,
    pub bill_id: Option<i64>,
    pub dispatch_area: Option<&'a str>,
    pub station_id: Option<&'a str>,
    pub user_id: i64,
    pub occurred_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
}

/// The webhook type of a scan that changed something.
pub fn scan_type(kind: ScanKind, outcome: ScanOutcome) -> Option<T> {
    use ScanOutcome as O;
    Some(match (kind, outcome) {
        (ScanKind::Parent, O::Created) => T::BagCreated,
        (ScanKind::Child, O::Linked) => T::LinkCreated,
        (ScanKind::Unlink | ScanKind::Undo, O::Unlinked) => T::LinkRemoved,
        (ScanKind::Seal, O::Sealed) => T::BagSealed,
        (ScanKind::Unseal, O::Unsealed) => T::BagUnsealed,
        (ScanKind::BillAdd, O::Added) => T::BillParentAdded,
        (ScanKind::BillRemove, O::Removed) => T::BillParentRemoved,
        _ => return None,
    })
}

/// The EPCIS fact of a scan that changed something (`bill` is the bill's number).
pub fn scan_fact(
    kind: ScanKind,
    outcome: ScanOutcome,
    qr: &str,
    parent: Option<&str>,
    bill: Option<&str>,
) -> Option<Fact> {
    use ScanOutcome as O;
    let parent = parent.map(String::from);
    let bag = qr.to_string();
    Some(match (kind, outcome) {
        (ScanKind::Parent, O::Created) => Fact::Commissioned { bag },
        (ScanKind::Child, O::Linked) => Fact::Packed {
            parent: parent?,
            child: bag,
        },
        (ScanKind::Unlink | ScanKind::Undo, O::Unlinked) => Fact::Unpacked {
            parent: parent?,
            child: bag,
        },
        (ScanKind::Seal, O::Sealed) => Fact::Sealed { parent: bag },
        (ScanKind::Unseal, O::Unsealed) => Fact::Unsealed { parent: bag },
        (ScanKind::BillAdd, O::Added) => Fact::BillAdded {
            parent: bag,
            bill: bill?.to_string(),
        },
        (ScanKind::BillRemove, O::Removed) => Fact::BillRemoved {
            parent: bag,
            bill: bill?.to_string(),
        },
        _ => return None,
    })
}

/// The audited actions integrators hear of: their webhook type and the keys of the
/// audit row's `after` snapshot the message carries.
fn announced(action: &str) -> Option<(T, &'static [&'static str])> {
    Some(match action {
        "bag.create" => (T::BagCreated, &["qr_id", "role", "format_code", "dispatch_area"]),
        "bag.delete" => (T::BagDeleted, &["qr_id", "role", "dispatch_area"]),
        "bag.restore" => (T::BagRestored, &["qr_id", "role", "dispatch_area"]),
        "bill.create" => (T::BillCreated, &["id", "bill_number", "capacity", "destination"]),
        "bill.complete" => (T::BillCompleted, &["id", "bill_number", "parents", "actual_weight_kg"]),
        "bill.reopen" => (T::BillReopened, &["id", "bill_number", "reason"]),
        "import.finish" => (T::ImportFinished, &["status", "applied_rows", "error_rows"]),
        _ => return None,
    })
}

impl Outbox {
    /// Whether an audited action is announced.
    pub fn announces(action: &str) -> bool {
        announced(action).is_some()
    }

    pub fn new(config: &Config) -> Outbox {
        Outbox {
            id_base: config.epcis_id_base.clone(),
            tz: config.report_timezone,
        }
    }

    /// The offset of the report time zone at `at`, in minutes.
    pub fn offset_minutes(&self, at: DateTime<Utc>) -> i32 {
        self.tz
            .offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
            / 60
    }

    fn epcis_id(
        &self,
        fact: Fact,
        event_time: DateTime<Utc>,
        record_time: DateTime<Utc>,
        station: Option<&str>,
        area: Option<&str>,
    ) -> Option<String> {
        let base = self.id_base.as_deref()?;
        let source = Source {
            fact,
            event_time,
            record_time,
            tz_offset_minutes: self.offset_minutes(event_time),
            station: station.map(String::from),
            area: area.map(String::from),
        };
        Some(epcis::event_id(&source, base))
    }

    /// Announces a scan that changed something (nothing for one that did not).
    pub fn scan(&self, conn: &mut PgConnection, s: &ScanFacts<'_>) -> QueryResult<()> {
        let Some(event_type) = scan_type(s.kind, s.outcome) else {
            return Ok(());
        };
        let bill_number = match s.bill_id {
            Some(id) => tracetrack_db::bills::number_of(conn, id)?,
            None => None,
        };
        let happened = s.occurred_at.unwrap_or(s.recorded_at);
        let fact = s
            .qr_id
            .and_then(|qr| scan_fact(s.kind, s.outcome, qr, s.parent_qr_id, bill_number.as_deref()));
        let epcis_event_id =
            fact.and_then(|f| self.epcis_id(f, happened, s.recorded_at, s.station_id, s.dispatch_area));
        let mut data = json!({
            "scan_event_id": s.id, "qr_id": s.qr_id, "parent_qr_id": s.parent_qr_id, "bill_id": s.bill_id,
            "bill_number": bill_number, "dispatch_area": s.dispatch_area, "station_id": s.station_id,
            "user_id": s.user_id,
        });
        if let Some(id) = epcis_event_id {
            data["epcis_event_id"] = id.into();
        }
        super::enqueue(conn, event_type, happened, &data, s.dispatch_area).map(|_| ())
    }

    /// Announces an audited change that integrators hear about (nothing for the others).
    pub fn audited(
        &self,
        conn: &mut PgConnection,
        action: &str,
        entity_id: Option<&str>,
        after: Option<&Value>,
        actor_id: Option<i64>,
        at: DateTime<Utc>,
    ) -> QueryResult<()> {
        let Some((event_type, keys)) = announced(action) else {
            return Ok(());
        };
        let empty = Map::new();
        let after = after.and_then(Value::as_object).unwrap_or(&empty);
        let mut data: Map<String, Value> = keys
            .iter()
            .filter_map(|k| Some(((*k).to_string(), after.get(*k)?.clone())))
            .collect();
        let id_key = match action.split('.').next() {
            Some("bill") => "bill_id",
            Some("import") => "import_id",
            _ => "qr_id",
        };
        if let Some(id) = data.remove("id").or_else(|| entity_id.map(Value::from)) {
            data.insert(id_key.to_string(), id);
        }
        data.insert("user_id".into(), actor_id.into());
        let area = after.get("dispatch_area").and_then(Value::as_str);
        // A parent registered without a scan is commissioned all the same (the export has it).
        if event_type == T::BagCreated && after.get("role").and_then(Value::as_str) == Some("parent") {
            let bag = entity_id.unwrap_or_default().to_string();
            if let Some(id) = self.epcis_id(Fact::Commissioned { bag }, at, at, None, area) {
                data.insert("epcis_event_id".into(), id.into());
            }
        }
        if event_type == T::BillCompleted {
            let number = after.get("bill_number").and_then(Value::as_str).unwrap_or_default();
            let parents = after.get("parents").and_then(Value::as_array).map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect::<Vec<_>>()
            });
            let fact = Fact::BillShipped {
                bill: number.to_string(),
                parents: parents.unwrap_or_default(),
            };
            if let Some(id) = self.epcis_id(fact, at, at, None, None) {
                data.insert("epcis_event_id".into(), id.into());
            }
            // Thin messages (< 20 kB): a long list of parents is left to the API.
            let count = data.get("parents").and_then(Value::as_array).map_or(0, Vec::len);
            data.insert("parent_count".into(), count.into());
            if count > MAX_LISTED_PARENTS {
                data.remove("parents");
            }
        }
        super::enqueue(conn, event_type, at, &Value::Object(data), area).map(|_| ())
    }
}
