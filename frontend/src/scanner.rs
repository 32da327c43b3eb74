//! Installs the keyboard-wedge capture on the page: a global key listener that
//! hands complete codes to `on_code`. Keys typed into a form field are left alone,
//! unless they come as a scanner burst, which never lands in a field.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use tracetrack_domain::scanner::{Capture, CaptureConfig, Captured, Key};

/// Milliseconds since the page loaded (monotonic).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

fn in_field(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
        .unwrap_or(false)
}

/// One observed key, for the scanner self-test page.
#[derive(Clone, Debug)]
pub struct RawKey {
    pub key: String,
    pub at_ms: f64,
}

/// Listens for scanner input until the component is dropped.
pub fn use_scanner(on_code: impl Fn(Captured) + 'static, on_key: Option<Rc<dyn Fn(RawKey)>>) {
    let capture = Rc::new(RefCell::new(Capture::new(CaptureConfig::default())));
    let on_code = Rc::new(on_code);
    let (cap, emit) = (capture.clone(), on_code.clone());
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
            return;
        }
        let now = now_ms();
        let key = ev.key();
        if let Some(f) = &on_key {
            f(RawKey {
                key: key.clone(),
                at_ms: now,
            });
        }
        let parsed = Key::from_dom(&key);
        let burst = cap.borrow().in_burst(now);
        if in_field(&ev) && !burst {
            // A person typing in a form field: not ours.
            return;
        }
        if !matches!(parsed, Key::Other(_)) {
            ev.prevent_default();
        }
        let result = cap.borrow_mut().key(parsed, now);
        if let Some(c) = result {
            emit(c);
        }
    });
    let tick = set_interval_with_handle(
        move || {
            let result = capture.borrow_mut().tick(now_ms());
            if let Some(c) = result {
                on_code(c);
            }
        },
        Duration::from_millis(20),
    )
    .ok();
    on_cleanup(move || {
        keys.remove();
        if let Some(t) = tick {
            t.clear();
        }
    });
}
