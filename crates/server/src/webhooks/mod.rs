//! Outgoing webhooks (docs/integrations.md §2, Standard Webhooks 1.0): the change's
//! own transaction writes one message row ([`enqueue`]); [`deliver::run`] fans messages
//! out to endpoints and sends them from any instance, signed, with retries.

pub mod deliver;
pub mod guard;
pub mod outbox;
pub mod secrets;
pub mod signature;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tracetrack_api_types::webhooks::WebhookEventType;
use tracetrack_db::diesel::{PgConnection, QueryResult};
use tracetrack_db::webhooks::{self, NewMessage};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `msg_` + a ULID (48 bits of milliseconds, 80 random bits): unique, and sorting by
/// id sorts by creation time.
pub fn message_id(at: DateTime<Utc>) -> String {
    let mut random = [0u8; 10];
    // A failing OS random source still gives a unique id through the time and counter below.
    if getrandom::fill(&mut random).is_err() {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        random[2..].copy_from_slice(&n.to_be_bytes());
    }
    let millis = u128::from(at.timestamp_millis().max(0) as u64) & ((1 << 48) - 1);
    let mut value = millis << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(value & 31) as usize];
        value >>= 5;
    }
    format!("msg_{}", String::from_utf8_lossy(&out))
}

/// Writes a message in the caller's transaction (when any endpoint exists): sent after
/// commit, never for a change that rolls back. `data` holds ids and key fields (thin;
/// receivers fetch the rest).
pub fn enqueue(
    conn: &mut PgConnection,
    event_type: WebhookEventType,
    occurred_at: DateTime<Utc>,
    data: &Value,
    dispatch_area: Option<&str>,
) -> QueryResult<Option<i64>> {
    webhooks::announce(
        conn,
        &NewMessage {
            msg_id: &message_id(occurred_at),
            event_type: event_type.as_str(),
            occurred_at,
            data,
            dispatch_area,
            fanned_out: false,
        },
    )
}

/// The body of a message as sent.
pub fn body(event_type: &str, occurred_at: DateTime<Utc>, data: &Value) -> Vec<u8> {
    let body = serde_json::json!({
        "type": event_type,
        "timestamp": occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_ulids_in_time_order() {
        let a = message_id(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap());
        let b = message_id(DateTime::from_timestamp_millis(1_700_000_000_001).unwrap());
        assert_eq!(a.len(), 4 + 26);
        assert!(a.starts_with("msg_") && a[4..].bytes().all(|c| CROCKFORD.contains(&c)));
        assert!(a < b);
        assert_ne!(
            a,
            message_id(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap())
        );
        // The ULID specification's example: 01ARYZ6S41 is the time 1469918176385.
        let known = message_id(DateTime::from_timestamp_millis(1_469_918_176_385).unwrap());
        assert_eq!(&known[4..14], "01ARYZ6S41");
    }
}
