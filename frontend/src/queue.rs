//! The offline queue: scans that could not reach the server wait in IndexedDB
//! with their Idempotency-Key and are replayed, in order, through `/scans/batch`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/queue.js")]
extern "C" {
    #[wasm_bindgen(js_name = queuePush)]
    fn queue_push(json: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = queueAll)]
    fn queue_all() -> js_sys::Promise;
    #[wasm_bindgen(js_name = queueRemove)]
    fn queue_remove(seqs: &str) -> js_sys::Promise;
}

/// One queued scan, as `/scans/batch` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    /// Storage order (set by IndexedDB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub kind: String,
    pub qr_id: String,
    #[serde(default)]
    pub parent_qr_id: Option<String>,
    pub idempotency_key: String,
    pub occurred_at: String,
}

/// Adds a scan at the end of the queue.
pub async fn push(item: &Queued) -> Result<(), JsValue> {
    let json = serde_json::to_string(item).map_err(|e| JsValue::from_str(&e.to_string()))?;
    JsFuture::from(queue_push(&json)).await.map(|_| ())
}

/// Everything waiting, oldest first.
pub async fn all() -> Vec<Queued> {
    match JsFuture::from(queue_all()).await {
        Ok(v) => v
            .as_string()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Removes replayed scans.
pub async fn remove(seqs: &[u64]) {
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

/// Now, as RFC 3339.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default()
}
