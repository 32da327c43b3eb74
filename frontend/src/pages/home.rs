//! The start page: who is signed in, live counts (refreshed on the event stream,
//! and every 30 s should it be down) and recent scans.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::admin::{HourCount, Stats};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::scans::ScanEvent;
use tracetrack_api_types::Page;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::session::use_session;

#[component]
pub fn Home() -> impl IntoView {
    view! { <RequireSignIn><Dashboard/></RequireSignIn> }
}

#[component]
fn Dashboard() -> impl IntoView {
    let session = use_session();
    let tick = RwSignal::new(0u32);
    let live = LiveFeed::start(session, tick);
    let me = LocalResource::new(move || async move { session.get::<User>("/api/v1/auth/me").await.ok() });
    // The server answers from a snapshot up to a second old, so a change the stream
    // announced may be missing from the read it caused: read once more when the
    // stream has been quiet for a moment.
    let settle = RwSignal::new(0u32);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        tick.track();
        if let Some(previous) = timer.get_value() {
            previous.clear();
        }
        let handle = set_timeout_with_handle(move || settle.update(|n| *n += 1), Duration::from_millis(1500));
        timer.set_value(handle.ok());
    });
    let stats = LocalResource::new(move || {
        tick.track();
        settle.track();
        async move { session.get::<Stats>("/api/v1/stats").await.ok() }
    });
    let recent = LocalResource::new(move || {
        tick.track();
        async move { session.get::<Page<ScanEvent>>("/api/v1/scans?limit=10").await.ok() }
    });
    view! {
        <h1>{T.dashboard}</h1>
        <p class="muted" data-testid="live" data-live=move || live.get().to_string()>
            {move || if live.get() { T.live_on } else { T.live_off }}
        </p>
        <p><a class="big-link" href="/station">{T.open_station}</a></p>
        <Suspense fallback=|| view! { <p>{T.loading}</p> }>
            {move || me.get().flatten().map(|u| view! {
                <div class="card" data-testid="me">
                    <p>{T.signed_in_as}" "<strong>{u.username.clone()}</strong>" · "{u.role.as_str()}
                       " · "{T.area}": "{u.dispatch_area.clone().unwrap_or_else(|| T.no_area.to_string())}</p>
                </div>
            })}
            {move || stats.get().flatten().map(|s| view! {
                <div class="tiles" data-testid="stats">
                    <div class="tile"><b>{s.parents}</b>{T.parents}</div>
                    <div class="tile"><b>{s.children}</b>{T.children}</div>
                    <div class="tile"><b>{s.scans_today}</b>{T.scans_today}</div>
                    <div class="tile"><b>{s.scans_last_hour}</b>{T.scans_last_hour}</div>
                    <div class="tile"><b>{s.bills_by_status.processing}</b>{T.bills_open}</div>
                    <div class="tile"><b>{s.bills_by_status.completed}</b>{T.bills_completed}</div>
                </div>
                <h2>{T.scans_per_hour}</h2>
                <ol class="hours" data-testid="hours">
                    {hour_bars(&s.scans_by_hour)}
                </ol>
            })}
            <h2>{T.recent_activity}</h2>
            <ul class="recent">
                {move || recent.get().flatten().map(|p| p.items.into_iter().map(|e| view! {
                    <li>{format!("{} · {} {} → {}", crate::time::clock(&e.recorded_at), e.kind,
                        e.qr_id.unwrap_or_default(), e.outcome)}</li>
                }).collect_view())}
            </ul>
        </Suspense>
    }
}

/// Today's scans per hour as bars scaled to the busiest hour.
fn hour_bars(hours: &[HourCount]) -> impl IntoView {
    let most = hours.iter().map(|h| h.scans).max().unwrap_or(0).max(1);
    hours
        .iter()
        .map(|h| {
            let width = format!("width: {}%", h.scans * 100 / most);
            let hour: String = crate::time::clock(&h.hour).chars().take(5).collect();
            view! {
                <li><span>{hour}</span><span class="bar" style=width></span><b>{h.scans}</b></li>
            }
        })
        .collect_view()
}

/// The dashboard's link to `/api/v1/events/stream`: any scan or bill change marks
/// the counts stale, and they are re-read at most once a second.
struct LiveFeed {
    source: web_sys::EventSource,
    /// Kept alive as long as the source uses it.
    _on_event: Closure<dyn Fn(web_sys::Event)>,
}

impl LiveFeed {
    /// Connects (and reconnects with a fresh token when the stream ends); bumps
    /// `tick` when something changed, and every 30 s regardless. Returns whether
    /// the stream is open.
    fn start(session: crate::session::Session, tick: RwSignal<u32>) -> RwSignal<bool> {
        let open = RwSignal::new(false);
        let stale = RwSignal::new(false);
        let feed = StoredValue::new_local(None::<LiveFeed>);
        let connect = move || {
            let Some(token) = session.token.get_untracked() else {
                return;
            };
            let url = format!(
                "/api/v1/events/stream?access_token={}",
                js_sys::encode_uri_component(&token)
            );
            let Ok(source) = web_sys::EventSource::new(&url) else {
                return;
            };
            let on_event = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                if e.type_() == "open" {
                    open.set(true);
                } else if e.type_() == "error" {
                    open.set(false);
                } else {
                    stale.set(true);
                }
            });
            for kind in ["open", "error", "scan", "bill", "lagged"] {
                let _ = source.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
            }
            feed.set_value(Some(LiveFeed {
                source,
                _on_event: on_event,
            }));
        };
        connect();
        let seconds = StoredValue::new(0u32);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                seconds.update_value(|s| *s += 1);
                let closed = feed.with_value(|f| {
                    f.as_ref()
                        .is_none_or(|f| f.source.ready_state() == web_sys::EventSource::CLOSED)
                });
                if closed {
                    open.set(false);
                    connect();
                }
                if stale.get_untracked() || seconds.get_value().is_multiple_of(30) {
                    stale.set(false);
                    tick.update(|t| *t += 1);
                }
            },
            Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
        on_cleanup(move || {
            feed.with_value(|f| {
                if let Some(f) = f {
                    f.source.close()
                }
            })
        });
        open
    }
}

/// Header part: the user's name and a sign-out button.
#[component]
pub fn SignedInAs() -> impl IntoView {
    let session = use_session();
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = session
                .send(gloo_net::http::Method::POST, "/api/v1/auth/logout", None, &[])
                .await;
            session.clear();
        });
    };
    view! {
        <Show when=move || session.user.get().is_some()>
            <span>{move || session.user.get().map(|u| u.username).unwrap_or_default()}" "
                <button on:click=sign_out>{T.sign_out}</button>
            </span>
        </Show>
    }
}
