//! The scan station (`/station?station=NAME`): a page that stays open all shift and
//! takes scan after scan with no clicks.

mod actions;
mod answers;
mod controller;
mod live;
mod outbox;
mod refused;

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use tracetrack_domain::scanner::Captured;

pub use controller::{Flash, Station};
use refused::RefusedList;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::scanner::use_scanner;

/// Idle time after which the station returns to SCAN PARENT.
const IDLE_MS: f64 = 10.0 * 60.0 * 1000.0;

fn station_name() -> String {
    let from_query = use_query_map().get_untracked().get("station");
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    match (from_query, &storage) {
        (Some(name), Some(s)) => {
            let _ = s.set_item("tt_station_name", &name);
            name
        }
        (Some(name), None) => name,
        (None, Some(s)) => s
            .get_item("tt_station_name")
            .ok()
            .flatten()
            .unwrap_or_else(|| "station".into()),
        (None, None) => "station".into(),
    }
}

#[component]
pub fn StationPage() -> impl IntoView {
    view! { <RequireSignIn offline_ok=true><StationView/></RequireSignIn> }
}

#[component]
fn StationView() -> impl IntoView {
    // The station's state lives with the app, not this view: scans still in flight
    // when the view goes (sign-out, navigation) finish safely, and coming back keeps it.
    let st = expect_context::<Station>();
    st.station_id.set_value(station_name());
    spawn_local(async move { st.start().await });
    use_scanner(
        move |c| match c {
            Captured::Code(code) => st.on_code(code),
            Captured::Repeat(_) => {}
        },
        None,
    );
    let shortcuts = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            st.finish();
        } else if ev.ctrl_key() && ev.key().eq_ignore_ascii_case("z") {
            ev.prevent_default();
            st.undo();
        }
    });
    // The queue drains by itself: when the network comes back, and on a timer.
    let online = window_event_listener(leptos::ev::online, move |_| st.kick(true));
    let timer = set_interval_with_handle(
        move || {
            if st.parent.get_untracked().is_some() && js_sys::Date::now() - st.last_activity.get_untracked() > IDLE_MS {
                st.finish();
            }
            if st.waiting.get_untracked() > 0 {
                st.kick(false);
            }
        },
        Duration::from_secs(5),
    )
    .ok();
    on_cleanup(move || {
        shortcuts.remove();
        online.remove();
        if let Some(t) = timer {
            t.clear();
        }
    });
    let sealing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let flash_class = move || match st.flash.get() {
        Some(Flash::Ok) => "flash flash-ok",
        Some(Flash::Parent) => "flash flash-parent",
        Some(Flash::Error) => "flash flash-err",
        None => "flash",
    };
    let flash_symbol = move || match st.flash.get() {
        Some(Flash::Error) => "✗",
        Some(_) => "✓",
        None => "",
    };
    view! {
        <div class="station">
            <div class=flash_class aria-hidden="true">{flash_symbol}</div>
            <h1 class="state" data-testid="state">
                {move || if st.parent.get().is_some() { T.scan_children_title } else { T.scan_parent_title }}
            </h1>
            <Show when=move || st.parent.get().is_some()>
                <div class="counter" data-testid="counter">
                    {move || st.parent.get().map(|p| format!("{}/{}", p.child_count, p.capacity)).unwrap_or_default()}
                    {move || {
                        let pending = st.parent.with(|p| p.as_ref().map(|p| st.pending_for(&p.qr_id)).unwrap_or(0));
                        (pending > 0).then(|| view! { <small class="counter-pending">{format!(" · +{pending} {}", T.waiting)}</small> })
                    }}
                </div>
                <p class="parent-id" data-testid="parent">
                    {move || st.parent.get().map(|p| format!("{} {}", p.qr_id, p.format_code)).unwrap_or_default()}
                </p>
            </Show>
            <p class=move || if st.message.get().1 { "message" } else { "message message-err" } role="status" data-testid="message">
                {move || if st.message.get().1 { "" } else { "⚠ " }}{move || st.message.get().0}
            </p>
            <Show when=move || { st.waiting.get() > 0 }>
                <p class="waiting" data-testid="waiting">{move || format!("{} {}", st.waiting.get(), T.waiting)}</p>
            </Show>
            <For each=move || st.others.get() key=|o| o.clone() let:other>
                <p class="waiting" data-testid="others-waiting">
                    {format!("{} {} {} {}", other.1, T.scans_of, other.0, T.wait_for_sign_in)}
                </p>
            </For>
            <Show when=move || st.note.with(Option::is_some)>
                <p class="sync-note" data-testid="sync-note" role="alert">{move || format!("⚠ {}", st.note.get().unwrap_or_default())}</p>
            </Show>
            <RefusedList st=st/>
            <div class="actions">
                <button on:click=move |_| st.undo()>{T.undo}</button>
                <button on:click=move |_| sealing.set(true) disabled=move || st.parent.get().is_none()>{T.seal}</button>
                <button on:click=move |_| st.finish()>{T.finish}</button>
            </div>
            <Show when=move || sealing.get()>
                <form class="seal-form" on:submit=move |ev| {
                    ev.prevent_default();
                    st.seal(reason.get_untracked());
                    sealing.set(false);
                    reason.set(String::new());
                }>
                    <label>{T.seal_reason}
                        <input on:input=move |ev| reason.set(event_target_value(&ev)) prop:value=reason/>
                    </label>
                    <button type="submit">{T.seal_now}</button>
                </form>
            </Show>
            <ul class="recent" data-testid="recent">
                <For each=move || st.lines.get().into_iter().enumerate() key=|(i, l)| (*i, l.text.clone()) let:((_, line))>
                    <li class=if line.ok { "ok" } else { "err" }>{if line.ok { "✓ " } else { "✗ " }}{line.text}</li>
                </For>
            </ul>
        </div>
    }
}
