//! Timestamps shown in the browser's time zone (no date-formatting code in the wasm).

use chrono::{DateTime, Utc};
use wasm_bindgen::JsValue;

fn date(t: &DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64))
}

/// `14:03:27`, local time.
pub fn clock(t: &DateTime<Utc>) -> String {
    date(t).to_locale_time_string("en-GB").into()
}

/// `22/11/2026, 14:03:27`, local time.
pub fn stamp(t: &DateTime<Utc>) -> String {
    date(t).to_locale_string("en-GB", &JsValue::UNDEFINED).into()
}
