//! GS1 EPCIS 2.0 export: turns TraceTrack's scan and bill facts into EPCIS 2.0
//! JSON-LD events whose `eventID` is the CBV 2.0 event hash (CBV 2.0 §8.9).
//!
//! Our bags carry no GS1 keys, so every identifier is an HTTP URI under a
//! configured base (`EPCIS_ID_BASE`, e.g. `https://tt.example/id`):
//! `…/bag/SB00042`, `…/bill/B-17`, `…/station/3`, `…/area/NORTH`.
//! Such URIs are not GS1 Digital Link URIs, so the hash algorithm's
//! EPC-URN / Digital Link normalisation leaves them as they are.
//!
//! Pure: no IO, no clock, no randomness (the web app compiles this to wasm32).

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The JSON-LD context of EPCIS 2.0 documents.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Prefix of the CBV 2.0 web vocabulary (bare `commissioning` expands to
/// `https://ref.gs1.org/cbv/BizStep-commissioning`).
const CBV: &str = "https://ref.gs1.org/cbv/";

/// Largest offset EPCIS accepts for `eventTimeZoneOffset` (±14:00), in minutes.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// What an identifier URI names; the path segment under the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bag (parent or child): `…/bag/<code>`.
    Bag,
    /// A bill: `…/bill/<number>`.
    Bill,
    /// A scanning station (the EPCIS read point): `…/station/<id>`.
    Station,
    /// An area (the EPCIS business location): `…/area/<code>`.
    Area,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Bag => "bag",
            Kind::Bill => "bill",
            Kind::Station => "station",
            Kind::Area => "area",
        }
    }
}

/// The identifier URI of `value` under `id_base`: `<id_base>/<kind>/<value>`,
/// `value` percent-encoded as one path segment (see [`encode_segment`]).
/// A trailing `/` on the base is ignored.
pub fn id_uri(id_base: &str, kind: Kind, value: &str) -> String {
    let base = id_base.trim().trim_end_matches('/');
    format!("{base}/{}/{}", kind.segment(), encode_segment(value.trim()))
}

/// Percent-encodes `value` as one URI path segment: every byte of its UTF-8 form
/// except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) becomes
/// `%XX` (upper-case hex). A segment of only dots (`.`, `..`) has its dots
/// encoded too, so it cannot act as a relative path step.
pub fn encode_segment(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let only_dots = !value.is_empty() && value.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        let keep = (b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) && !(only_dots && b == b'.');
        if keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// One TraceTrack fact that becomes one EPCIS event. Bags, bills: their codes
/// and numbers as TraceTrack shows them (not URIs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// A parent bag was created: `ObjectEvent` `ADD`, `commissioning`, `active`.
    Commissioned { bag: String },
    /// A child was linked to a parent: `AggregationEvent` `ADD`, `packing`, `in_progress`.
    Packed { parent: String, child: String },
    /// A link was removed (unlink or undo): `AggregationEvent` `DELETE`, `unpacking`.
    Unpacked { parent: String, child: String },
    /// A parent was sealed: `ObjectEvent` `OBSERVE`, disposition `container_closed`.
    Sealed { parent: String },
    /// A seal was lifted: `ObjectEvent` `OBSERVE`, disposition `in_progress`.
    Unsealed { parent: String },
    /// A parent was put on a bill: `TransactionEvent` `ADD` with a `bol` transaction.
    BillAdded { parent: String, bill: String },
    /// A parent was taken off a bill: `TransactionEvent` `DELETE` with a `bol` transaction.
    BillRemoved { parent: String, bill: String },
    /// A bill was completed: `TransactionEvent` `OBSERVE`, `shipping`, its parents
    /// (sorted, duplicates dropped) as the EPC list.
    BillShipped { bill: String, parents: Vec<String> },
}

/// A fact with its when and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// What happened.
    pub fact: Fact,
    /// When it happened (`eventTime`; part of the event hash).
    pub event_time: DateTime<Utc>,
    /// When TraceTrack recorded it (`recordTime`; not part of the event hash).
    pub record_time: DateTime<Utc>,
    /// The local UTC offset where it happened, in minutes (330 → `+05:30`);
    /// clamped to ±14:00, the range EPCIS allows.
    pub tz_offset_minutes: i32,
    /// The station that scanned it (`readPoint`); `None` or blank: no read point.
    pub station: Option<String>,
    /// The area it happened in (`bizLocation`); `None` or blank: no business location.
    pub area: Option<String>,
}

/// The EPCIS 2.0 JSON-LD event for `source`, including its `eventID`. It has no
/// `@context`: it is meant for the `eventList` of [`query_document`].
pub fn event(source: &Source, id_base: &str) -> Value {
    let draft = Draft::of(source, id_base);
    draft.to_json(&hash_id(&draft.pre_hash()))
}

/// The CBV 2.0 event hash ID of the event for `source`:
/// `ni:///sha-256;<lowercase hex>?ver=CBV2.0`.
pub fn event_id(source: &Source, id_base: &str) -> String {
    hash_id(&Draft::of(source, id_base).pre_hash())
}

/// The canonical pre-hash string (CBV 2.0 §8.9) whose SHA-256 is the event ID;
/// exposed to explain and debug IDs.
pub fn pre_hash(source: &Source, id_base: &str) -> String {
    Draft::of(source, id_base).pre_hash()
}

/// An `EPCISQueryDocument` (the EPCIS 2.0 JSON schema requires `@context`,
/// `type`, `epcisBody.queryResults.queryName` and `resultsBody.eventList`)
/// holding `events` as the results of a `SimpleEventQuery`.
pub fn query_document(events: Vec<Value>, created: DateTime<Utc>) -> Value {
    json!({
        "@context": EPCIS_CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": format_time(created),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": { "eventList": events }
            }
        }
    })
}

/// `ni:///sha-256;<hex>?ver=CBV2.0` of a pre-hash string (RFC 6920 `ni` URI).
fn hash_id(pre_hash: &str) -> String {
    let digest = Sha256::digest(pre_hash.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("ni:///sha-256;{hex}?ver=CBV2.0")
}

/// An EPCIS event in the terms the hash and the JSON share. Vocabulary values
/// are bare CBV names (`packing`); URIs are final.
#[derive(Debug, Clone)]
struct Draft {
    event_type: &'static str,
    /// Rounded to whole milliseconds, so the JSON shows exactly what was hashed.
    event_time: DateTime<Utc>,
    record_time: DateTime<Utc>,
    tz_offset: String,
    parent_id: Option<String>,
    epc_list: Option<Vec<String>>,
    child_epcs: Option<Vec<String>>,
    action: &'static str,
    biz_step: Option<&'static str>,
    disposition: Option<&'static str>,
    read_point: Option<String>,
    biz_location: Option<String>,
    /// (bare CBV business transaction type, transaction URI)
    biz_transactions: Vec<(&'static str, String)>,
}

impl Draft {
    fn of(source: &Source, id_base: &str) -> Draft {
        let bag = |code: &str| id_uri(id_base, Kind::Bag, code);
        let bol = |number: &str| vec![("bol", id_uri(id_base, Kind::Bill, number))];
        let place = |kind, value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| id_uri(id_base, kind, v))
        };
        let mut d = Draft {
            event_type: "ObjectEvent",
            event_time: round_to_millis(source.event_time),
            record_time: round_to_millis(source.record_time),
            tz_offset: format_offset(source.tz_offset_minutes),
            parent_id: None,
            epc_list: None,
            child_epcs: None,
            action: "OBSERVE",
            biz_step: None,
            disposition: None,
            read_point: place(Kind::Station, &source.station),
            biz_location: place(Kind::Area, &source.area),
            biz_transactions: Vec::new(),
        };
        match &source.fact {
            Fact::Commissioned { bag: b } => {
                d.epc_list = Some(vec![bag(b)]);
                d.action = "ADD";
                d.biz_step = Some("commissioning");
                d.disposition = Some("active");
            }
            Fact::Packed { parent, child } | Fact::Unpacked { parent, child } => {
                let packed = matches!(source.fact, Fact::Packed { .. });
                d.event_type = "AggregationEvent";
                d.parent_id = Some(bag(parent));
                d.child_epcs = Some(vec![bag(child)]);
                d.action = if packed { "ADD" } else { "DELETE" };
                d.biz_step = Some(if packed { "packing" } else { "unpacking" });
                d.disposition = packed.then_some("in_progress");
            }
            Fact::Sealed { parent } | Fact::Unsealed { parent } => {
                d.epc_list = Some(vec![bag(parent)]);
                let sealed = matches!(source.fact, Fact::Sealed { .. });
                d.disposition = Some(if sealed { "container_closed" } else { "in_progress" });
            }
            Fact::BillAdded { parent, bill } | Fact::BillRemoved { parent, bill } => {
                d.event_type = "TransactionEvent";
                d.epc_list = Some(vec![bag(parent)]);
                let added = matches!(source.fact, Fact::BillAdded { .. });
                d.action = if added { "ADD" } else { "DELETE" };
                d.biz_transactions = bol(bill);
            }
            Fact::BillShipped { bill, parents } => {
                d.event_type = "TransactionEvent";
                let mut epcs: Vec<String> = parents.iter().map(|p| bag(p)).collect();
                epcs.sort();
                epcs.dedup(); // the schema wants unique EPCs
                d.epc_list = Some(epcs);
                d.biz_step = Some("shipping");
                d.biz_transactions = bol(bill);
            }
        }
        d
    }

    /// The CBV 2.0 §8.9 pre-hash string, for the fields TraceTrack produces.
    ///
    /// Canonical order (as the reference implementation `RalphTro/epcis-event-hash-generator`
    /// applies it): eventType, eventTime, eventTimeZoneOffset, parentID, epcList,
    /// childEPCs, action, bizStep, disposition, readPoint, bizLocation,
    /// bizTransactionList. (Its README table lists epcList before parentID; no
    /// event of ours has both, so the difference cannot matter here.) `name=value`
    /// pairs are concatenated without separators; a list contributes its name once,
    /// then its sorted `epc=…` items; omitted or empty fields contribute nothing;
    /// vocabulary values are expanded to CBV web URIs; a business transaction is
    /// `type=<BTT URI>bizTransaction=<id>` (type first, per CBV 2.0), entries
    /// sorted. eventTime is UTC with milliseconds; recordTime and eventID are not
    /// hashed.
    fn pre_hash(&self) -> String {
        let mut s = format!(
            "eventType={}eventTime={}eventTimeZoneOffset={}",
            self.event_type,
            format_time(self.event_time),
            self.tz_offset
        );
        if let Some(parent) = &self.parent_id {
            s += &format!("parentID={parent}");
        }
        push_list(&mut s, "epcList", self.epc_list.as_deref());
        push_list(&mut s, "childEPCs", self.child_epcs.as_deref());
        s += &format!("action={}", self.action);
        if let Some(step) = self.biz_step {
            s += &format!("bizStep={CBV}BizStep-{step}");
        }
        if let Some(disp) = self.disposition {
            s += &format!("disposition={CBV}Disp-{disp}");
        }
        if let Some(id) = &self.read_point {
            s += &format!("readPointid={id}");
        }
        if let Some(id) = &self.biz_location {
            s += &format!("bizLocationid={id}");
        }
        let mut txs: Vec<String> = self
            .biz_transactions
            .iter()
            .map(|(kind, id)| format!("type={CBV}BTT-{kind}bizTransaction={id}"))
            .collect();
        if !txs.is_empty() {
            txs.sort();
            s += "bizTransactionList";
            s += &txs.concat();
        }
        s
    }

    fn to_json(&self, event_id: &str) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.event_type));
        m.insert("eventID".into(), json!(event_id));
        m.insert("eventTime".into(), json!(format_time(self.event_time)));
        m.insert("recordTime".into(), json!(format_time(self.record_time)));
        m.insert("eventTimeZoneOffset".into(), json!(self.tz_offset));
        if let Some(parent) = &self.parent_id {
            m.insert("parentID".into(), json!(parent));
        }
        if let Some(epcs) = &self.epc_list {
            m.insert("epcList".into(), json!(epcs));
        }
        if let Some(children) = &self.child_epcs {
            m.insert("childEPCs".into(), json!(children));
        }
        m.insert("action".into(), json!(self.action));
        if let Some(step) = self.biz_step {
            m.insert("bizStep".into(), json!(step));
        }
        if let Some(disp) = self.disposition {
            m.insert("disposition".into(), json!(disp));
        }
        if let Some(id) = &self.read_point {
            m.insert("readPoint".into(), json!({ "id": id }));
        }
        if let Some(id) = &self.biz_location {
            m.insert("bizLocation".into(), json!({ "id": id }));
        }
        if !self.biz_transactions.is_empty() {
            let txs: Vec<Value> = self
                .biz_transactions
                .iter()
                .map(|(kind, id)| json!({ "type": kind, "bizTransaction": id }))
                .collect();
            m.insert("bizTransactionList".into(), Value::Array(txs));
        }
        Value::Object(m)
    }
}

/// Appends `name` and the sorted `epc=…` items; nothing for an absent or empty list.
fn push_list(s: &mut String, name: &str, items: Option<&[String]>) {
    let Some(items) = items.filter(|i| !i.is_empty()) else {
        return;
    };
    let mut sorted: Vec<&String> = items.iter().collect();
    sorted.sort();
    s.push_str(name);
    for epc in sorted {
        s.push_str("epc=");
        s.push_str(epc);
    }
}

/// RFC 3339 UTC with exactly three fraction digits: `2026-12-07T10:00:00.000Z`.
/// Callers pass times already rounded by [`round_to_millis`].
fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Rounds to whole milliseconds, half up (CBV 2.0: `…03.1415Z` → `…03.142Z`).
fn round_to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let sub_ms = i64::from(t.nanosecond() % 1_000_000);
    let up = if sub_ms >= 500_000 { 1_000_000 } else { 0 };
    // Only fails within a millisecond of chrono's range limits; keep `t` there.
    t.checked_add_signed(TimeDelta::nanoseconds(up - sub_ms)).unwrap_or(t)
}

/// `±HH:MM` of an offset in minutes, clamped to ±14:00.
fn format_offset(minutes: i32) -> String {
    let m = minutes.clamp(-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES);
    let sign = if m < 0 { '-' } else { '+' };
    let abs = m.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
}

#[cfg(test)]
mod tests;
