//! Scanner self-test: shows exactly which keys arrived and how fast, the detected
//! terminator and the normalised code, to diagnose layout and suffix settings.

use std::rc::Rc;

use leptos::prelude::*;
use tracetrack_domain::normalize_qr;
use tracetrack_domain::scanner::Captured;

use crate::i18n::T;
use crate::scanner::{use_scanner, RawKey};

#[derive(Clone)]
struct KeyRow {
    key: String,
    gap_ms: Option<f64>,
}

#[component]
pub fn ScannerTest() -> impl IntoView {
    let keys = RwSignal::new(Vec::<KeyRow>::new());
    let result = RwSignal::new(None::<(String, String)>);
    let last_at = StoredValue::new(None::<f64>);
    let on_key: Rc<dyn Fn(RawKey)> = Rc::new(move |k: RawKey| {
        let gap = last_at.get_value().map(|t| k.at_ms - t);
        last_at.set_value(Some(k.at_ms));
        keys.update(|v| {
            v.push(KeyRow {
                key: k.key,
                gap_ms: gap,
            });
            if v.len() > 120 {
                v.remove(0);
            }
        });
    });
    use_scanner(
        move |c| {
            let (raw, repeat) = match c {
                Captured::Code(c) => (c, false),
                Captured::Repeat(c) => (c, true),
            };
            let normalised = match normalize_qr(&raw) {
                Ok(n) if repeat => format!("{n} ({})", T.double_fire_ignored),
                Ok(n) => n,
                Err(e) => format!("{}: {e}", T.not_a_bag_code),
            };
            result.set(Some((raw, normalised)));
        },
        Some(on_key),
    );
    let terminator = move || {
        keys.with(|k| match k.last().map(|r| r.key.as_str()) {
            Some("Enter") => T.terminator_enter,
            Some("Tab") => T.terminator_tab,
            Some(_) => T.terminator_none,
            None => "",
        })
    };
    view! {
        <h1>{T.scanner_test}</h1>
        <p>{T.scanner_test_help}</p>
        <div class="card" data-testid="scan-result">
            <p>{T.received}": "<code>{move || result.get().map(|r| format!("{:?}", r.0)).unwrap_or_default()}</code></p>
            <p>{T.normalised}": "<strong>{move || result.get().map(|r| r.1).unwrap_or_default()}</strong></p>
            <p>{T.terminator}": "{terminator}</p>
        </div>
        <button on:click=move |_| { keys.set(Vec::new()); result.set(None); last_at.set_value(None); }>{T.clear}</button>
        <table class="keys" data-testid="keys">
            <thead><tr><th>{T.key}</th><th>{T.gap_ms}</th></tr></thead>
            <tbody>
                {move || keys.get().into_iter().rev().map(|k| view! {
                    <tr><td><code>{k.key}</code></td><td>{k.gap_ms.map(|g| format!("{g:.0}")).unwrap_or_else(|| "–".into())}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
