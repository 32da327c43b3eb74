//! The EPCIS query language as `GET /epcis/events` reads it: which facts the
//! filters select, bag parameters as ids or URIs, time bounds as the events show
//! times, page tokens; and a fact row as the domain's event source.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Offset, TimeZone, Utc};
use tracetrack_api_types::ScanKind;
use tracetrack_db::epcis::{FactRow, Origin, Position};
use tracetrack_domain::epcis::{id_uri, Kind, Source};

use crate::error::{ApiError, ApiResult};
use crate::input::normalize_filter_qr;

/// Events per page when `perPage` is absent, and the most a page holds.
const DEFAULT_PER_PAGE: i64 = 100;
const MAX_PER_PAGE: i64 = 1000;
/// Prefix of the CBV 2.0 business step URIs (`…BizStep-packing`).
const BIZ_STEP_URI: &str = "https://ref.gs1.org/cbv/BizStep-";

/// What each exported fact becomes: its scan kind (`None`: a bill completion), its
/// EPCIS event type and business step. The filters select from this table; a unit
/// test holds it to what `tracetrack_domain::epcis::event` produces.
const SHAPES: [(Option<ScanKind>, &str, Option<&str>); 9] = [
    (Some(ScanKind::Parent), "ObjectEvent", Some("commissioning")),
    (Some(ScanKind::Child), "AggregationEvent", Some("packing")),
    (Some(ScanKind::Unlink), "AggregationEvent", Some("unpacking")),
    (Some(ScanKind::Undo), "AggregationEvent", Some("unpacking")),
    (Some(ScanKind::Seal), "ObjectEvent", None),
    (Some(ScanKind::Unseal), "ObjectEvent", None),
    (Some(ScanKind::BillAdd), "TransactionEvent", None),
    (Some(ScanKind::BillRemove), "TransactionEvent", None),
    (None, "TransactionEvent", Some("shipping")),
];

/// The event source of a row; `None` for a row that names no complete fact.
pub(super) fn source(row: &FactRow, tz: chrono_tz::Tz) -> Option<Source> {
    let offset = tz.offset_from_utc_datetime(&row.event_time.naive_utc()).fix();
    Some(Source {
        fact: row.fact()?,
        event_time: row.event_time,
        record_time: row.record_time,
        tz_offset_minutes: offset.local_minus_utc() / 60,
        station: row.station_id.clone(),
        area: row.dispatch_area.clone(),
    })
}

/// The earliest exact time that shows (rounded half up to whole milliseconds, as
/// events show their times) at or after `t`: time filters compare what a client
/// reads, so `GE_recordTime` with an event's `recordTime` includes that event.
pub(super) fn shown_from(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.timestamp_micros();
    let ceil_ms = micros.div_euclid(1000) + i64::from(micros.rem_euclid(1000) > 0);
    DateTime::from_timestamp_micros(ceil_ms * 1000 - 500).unwrap_or(t)
}

/// `perPage`: 1–1000, default 100.
pub(super) fn per_page(value: Option<&str>) -> ApiResult<i64> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_PER_PAGE);
    };
    v.parse::<i64>()
        .ok()
        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
        .ok_or_else(|| {
            ApiError::invalid_param(
                "perPage",
                format!("perPage must be a whole number from 1 to {MAX_PER_PAGE}."),
            )
        })
}

/// The scan kinds and whether bill completions are wanted, for `eventType` and
/// `EQ_bizStep` (absent: any).
pub(super) fn shapes(event_type: Option<&str>, biz_step: Option<&str>) -> ApiResult<(Vec<ScanKind>, bool)> {
    fn blank(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let event_type = blank(event_type);
    if let Some(t) = event_type.filter(|t| !SHAPES.iter().any(|(_, s, _)| s == t)) {
        return Err(ApiError::invalid_param(
            "eventType",
            format!("eventType {t} is not one of ObjectEvent, AggregationEvent, TransactionEvent."),
        ));
    }
    let biz_step = blank(biz_step).map(|s| s.strip_prefix(BIZ_STEP_URI).unwrap_or(s));
    if let Some(step) = biz_step.filter(|b| !SHAPES.iter().any(|(_, _, s)| *s == Some(*b))) {
        return Err(ApiError::invalid_param(
            "EQ_bizStep",
            format!(
                "EQ_bizStep {step} is not one of commissioning, packing, unpacking, shipping \
                 (bare or as {BIZ_STEP_URI}… URIs)."
            ),
        ));
    }
    let chosen = SHAPES
        .iter()
        .filter(|(_, t, _)| event_type.is_none_or(|want| want == *t))
        .filter(|(_, _, s)| biz_step.is_none_or(|want| *s == Some(want)));
    let mut kinds = Vec::new();
    let mut completions = false;
    for (kind, _, _) in chosen {
        match kind {
            Some(k) => kinds.push(*k),
            None => completions = true,
        }
    }
    Ok((kinds, completions))
}

/// A bag parameter: `None` when absent, `Some(None)` for a URI outside `id_base`
/// (no bag of ours), else the bag's id.
pub(super) fn bag_param(value: Option<&str>, id_base: &str, name: &str) -> ApiResult<Option<Option<String>>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::invalid_param(name, format!("{name} must be a bag id or a bag URI."));
    if url::Url::parse(v).is_err() {
        return Ok(Some(Some(normalize_filter_qr(v))));
    }
    let prefix = id_uri(id_base, Kind::Bag, "");
    let Some(segment) = v.strip_prefix(&prefix) else {
        return Ok(Some(None));
    };
    if segment.is_empty() || segment.contains(['/', '?', '#']) {
        return Err(bad());
    }
    let id = percent_decode(segment).ok_or_else(bad)?;
    Ok(Some(Some(normalize_filter_qr(&id))))
}

/// Decodes `%XX` escapes; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// The opaque token of a position: `<record time µs>.<origin>.<id>`, base64url.
pub(super) fn token(p: &Position) -> String {
    let text = format!("{}.{}.{}", p.record_time.timestamp_micros(), p.origin.code(), p.id);
    URL_SAFE_NO_PAD.encode(text)
}

/// Reads a token [`token`] made.
pub(super) fn position(token: &str) -> ApiResult<Position> {
    let bad = || ApiError::invalid_param("nextPageToken", "The nextPageToken is not one this export handed out.");
    let text = URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let mut parts = text.split('.');
    // 1970 to the end of 9999: a forged time outside PostgreSQL's range is refused here.
    let micros = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|m| (0..=253_402_300_799_999_999).contains(m));
    let origin = parts
        .next()
        .and_then(|p| p.parse::<i16>().ok())
        .and_then(Origin::from_code);
    let id = parts.next().and_then(|p| p.parse::<i64>().ok());
    match (
        micros.and_then(DateTime::from_timestamp_micros),
        origin,
        id,
        parts.next(),
    ) {
        (Some(record_time), Some(origin), Some(id), None) => Ok(Position {
            record_time,
            origin,
            id,
        }),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracetrack_db::epcis::EVENT_SCANS;
    use tracetrack_domain::epcis::event;

    fn row(kind: Option<ScanKind>) -> FactRow {
        FactRow {
            origin: if kind.is_some() { 0 } else { 1 },
            id: 7,
            kind,
            event_time: Utc::now(),
            record_time: Utc::now(),
            qr_id: Some("C1".into()),
            parent_qr_id: Some("SB1".into()),
            bill_number: Some("B-1".into()),
            parents: Some(serde_json::json!(["SB1"])),
            station_id: None,
            dispatch_area: None,
        }
    }

    #[test]
    fn the_shapes_are_what_the_domain_makes_of_each_fact() {
        assert_eq!(SHAPES.len(), EVENT_SCANS.len() + 1);
        for (kind, event_type, biz_step) in SHAPES {
            let e = event(&source(&row(kind), chrono_tz::UTC).unwrap(), "https://x.example/id");
            assert_eq!(e["type"], event_type, "{kind:?}");
            assert_eq!(e["bizStep"].as_str(), biz_step, "{kind:?}");
        }
    }

    #[test]
    fn filters_pick_shapes_and_refuse_unknown_values() {
        let (kinds, completions) = shapes(Some("AggregationEvent"), None).unwrap();
        assert_eq!(kinds, [ScanKind::Child, ScanKind::Unlink, ScanKind::Undo]);
        assert!(!completions);
        let (kinds, completions) = shapes(None, Some("https://ref.gs1.org/cbv/BizStep-shipping")).unwrap();
        assert!(kinds.is_empty() && completions);
        let (kinds, completions) = shapes(Some("ObjectEvent"), Some("shipping")).unwrap();
        assert!(kinds.is_empty() && !completions);
        assert!(shapes(Some("objectevent"), None).is_err());
        assert!(shapes(None, Some("receiving")).is_err());
    }

    #[test]
    fn bags_are_read_from_ids_and_uris_of_this_base() {
        let base = "https://tt.example/id/";
        let p = |v| bag_param(Some(v), base, "MATCH_anyEPC");
        assert_eq!(
            p("https://tt.example/id/bag/SB%2000042").unwrap(),
            Some(Some("SB 00042".into()))
        );
        assert_eq!(p("https://other.example/id/bag/SB00042").unwrap(), Some(None));
        assert!(p("https://tt.example/id/bag/").is_err());
        assert!(p("https://tt.example/id/bag/%zz").is_err());
        assert_eq!(bag_param(Some(" "), base, "x").unwrap(), None);
    }

    #[test]
    fn time_filters_compare_times_as_shown() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            shown_from(t("2026-12-07T10:00:00.003Z")),
            t("2026-12-07T10:00:00.0025Z")
        );
        assert_eq!(
            shown_from(t("2026-12-07T10:00:00.0031Z")),
            t("2026-12-07T10:00:00.0035Z")
        );
        assert_eq!(
            shown_from(t("1969-12-31T23:59:59.9991Z")),
            t("1969-12-31T23:59:59.9995Z")
        );
    }

    #[test]
    fn tokens_round_trip_and_foreign_ones_are_refused() {
        let p = Position {
            record_time: DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap(),
            origin: Origin::BillCompletion,
            id: 42,
        };
        assert_eq!(position(&token(&p)).unwrap(), p);
        assert!(position("nope!").is_err());
        assert!(position(&URL_SAFE_NO_PAD.encode("1.9.3")).is_err(), "no origin 9");
        // A time PostgreSQL cannot hold is refused before the query (it would be a 500).
        assert!(position(&URL_SAFE_NO_PAD.encode("-8000000000000000000.0.1")).is_err());
        assert!(position(&URL_SAFE_NO_PAD.encode("9000000000000000000.0.1")).is_err());
        assert!(per_page(Some("0")).is_err() && per_page(Some("1001")).is_err() && per_page(Some("x")).is_err());
        assert_eq!(per_page(None).unwrap(), 100);
    }
}
