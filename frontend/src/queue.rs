//! The scan queue: every scan is kept in IndexedDB from its capture until its final
//! answer, exactly as it was captured (kind, ids, key, time, station). Scans that
//! could not reach the server (or whose page was reloaded before the answer) are
//! replayed, in order and unchanged, through `/scans/batch`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracetrack_api_types::scans::BatchEvent;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::session::Owner;

#[wasm_bindgen(module = "/src/queue.js")]
extern "C" {
    #[wasm_bindgen(js_name = queuePush)]
    fn queue_push(json: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = queueAll)]
    fn queue_all() -> js_sys::Promise;
    #[wasm_bindgen(js_name = queueRemove)]
    fn queue_remove(seqs: &str) -> js_sys::Promise;
}

/// One queued scan: the event as `/scans/batch` takes it, whose scan it is, and its
/// storage order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    /// Storage order (set by IndexedDB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The scan, as captured.
    #[serde(flatten)]
    pub event: BatchEvent,
    /// The user who scanned it: only sent with their token (none: kept from before
    /// scans were marked, sent by whoever signs in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl Queued {
    /// A scan of `owner`, not stored yet.
    pub fn new(event: BatchEvent, owner: &Owner) -> Queued {
        Queued {
            seq: None,
            event,
            user_id: Some(owner.id),
            username: Some(owner.username.clone()),
        }
    }

    /// True if the user `id` may send it.
    pub fn is_of(&self, id: Option<i64>) -> bool {
        self.user_id.is_none() || self.user_id == id
    }
}

/// Adds a scan at the end of the queue. The write is asked for at once (not when the
/// future is first polled), so writes land in call order and any later `all` sees it.
pub fn push(item: &Queued) -> impl std::future::Future<Output = Result<(), JsValue>> {
    let started = serde_json::to_string(item)
        .map(|json| JsFuture::from(queue_push(&json)))
        .map_err(|e| JsValue::from_str(&e.to_string()));
    async move { started?.await.map(|_| ()) }
}

/// Everything waiting, oldest first (an unreadable row is skipped, not the queue).
pub async fn all() -> Vec<Queued> {
    let rows: Vec<serde_json::Value> = match JsFuture::from(queue_all()).await {
        Ok(v) => v
            .as_string()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    rows.into_iter()
        .filter_map(|row| serde_json::from_value(row).ok())
        .collect()
}

/// Removes scans that have their final answer.
pub async fn remove(seqs: &[u64]) {
    if seqs.is_empty() {
        return;
    }
    if let Ok(json) = serde_json::to_string(seqs) {
        let _ = JsFuture::from(queue_remove(&json)).await;
    }
}

/// A fresh idempotency key (works without a secure context, unlike `crypto.randomUUID`).
pub fn new_key() -> String {
    let mut key = format!("{:x}-", js_sys::Date::now() as u64);
    for _ in 0..4 {
        key.push_str(&format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32));
    }
    key
}

/// Now, to the millisecond (what survives the round trip through storage unchanged).
pub fn now() -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
}
