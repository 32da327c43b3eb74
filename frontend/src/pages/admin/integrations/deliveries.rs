//! The recent deliveries of one webhook endpoint, with a status filter and a retry
//! per delivery. While one is due soon the list follows it every few seconds.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::webhooks::{DeliveryStatus, Queued, WebhookDelivery};
use tracetrack_api_types::Page;

use crate::i18n::T;
use crate::session::use_session;

/// How many deliveries the panel shows.
const LIMIT: u32 = 20;
/// How often a pending delivery due within `FOLLOW_MS` is looked at again.
const POLL: Duration = Duration::from_secs(3);
const FOLLOW_MS: f64 = 60_000.0;

const STATUSES: [DeliveryStatus; 3] = [
    DeliveryStatus::Pending,
    DeliveryStatus::Succeeded,
    DeliveryStatus::Failed,
];

/// The wire name of a status (the `status` filter).
fn wire(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Succeeded => "succeeded",
        DeliveryStatus::Failed => "failed",
    }
}

#[component]
pub fn Deliveries(endpoint: i64, url: String, refresh: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    // `None`: every status.
    let status = RwSignal::new(None::<DeliveryStatus>);
    let items = RwSignal::new(Vec::<WebhookDelivery>::new());
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<&'static str>);
    // `quiet`: a background poll, whose failure changes nothing on the page.
    let load = move |quiet: bool| {
        let filter = status
            .get_untracked()
            .map(|s| format!("status={}&", wire(s)))
            .unwrap_or_default();
        let path = format!("/api/v1/webhooks/{endpoint}/deliveries?{filter}limit={LIMIT}");
        spawn_local(async move {
            let page = if quiet {
                session.get_quiet::<Page<WebhookDelivery>>(&path).await
            } else {
                session.get::<Page<WebhookDelivery>>(&path).await
            };
            match page {
                Ok(p) => {
                    error.set(None);
                    items.set(p.items);
                }
                Err(e) if !quiet => error.set(Some(e.message())),
                Err(_) => {}
            }
        });
    };
    // On opening, and whenever the endpoints list asks (a test was sent).
    Effect::new(move |_| {
        refresh.track();
        load(false);
    });
    if let Ok(h) = set_interval_with_handle(
        move || {
            let soon = js_sys::Date::now() + FOLLOW_MS;
            let due = items.with_untracked(|v| {
                v.iter().any(|d| {
                    d.status == DeliveryStatus::Pending && (d.next_attempt_at.timestamp_millis() as f64) < soon
                })
            });
            if due {
                load(true);
            }
        },
        POLL,
    ) {
        on_cleanup(move || h.clear());
    }
    let retry = move |id: i64| {
        spawn_local(async move {
            match session
                .post_empty::<Queued>(&format!("/api/v1/webhooks/deliveries/{id}/retry"))
                .await
            {
                Ok(_) => {
                    note.set(Some(T.retry_queued));
                    load(false);
                }
                Err(e) => {
                    note.set(None);
                    error.set(Some(e.message()));
                }
            }
        });
    };
    view! {
        <section class="card" data-testid="deliveries">
            <h2>{T.recent_deliveries}</h2>
            <p><small>{url}</small></p>
            <div class="filters">
                <label>{T.status}
                    <select on:change=move |ev| {
                        let v = event_target_value(&ev);
                        status.set(STATUSES.iter().copied().find(|s| wire(*s) == v));
                        load(false);
                    }>
                        <option value="">{T.all}</option>
                        {STATUSES.iter().map(|&s| view! { <option value=wire(s)>{T.delivery_status(s)}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" on:click=move |_| load(false)>{T.refresh}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || note.get().map(|n| view! { <p role="status">{n}</p> })}
            <Show when=move || !items.with(Vec::is_empty) fallback=|| view! { <p>{T.no_deliveries}</p> }>
                <ul class="list">
                    <For each=move || items.get() key=|d| (d.id, wire(d.status), d.attempts, d.next_attempt_at) let:d>
                        <DeliveryItem delivery=d on_retry=retry/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn DeliveryItem(delivery: WebhookDelivery, on_retry: impl Fn(i64) + Copy + Send + Sync + 'static) -> impl IntoView {
    let d = delivery;
    let id = d.id;
    let mut head = format!(" · {} · {} {}", T.delivery_status(d.status), d.attempts, T.attempts);
    if let Some(code) = d.response_status {
        head.push_str(&format!(" · HTTP {code}"));
    }
    let mut times = format!("{} {}", T.created, crate::time::stamp(&d.created_at));
    if let Some(t) = &d.last_attempt_at {
        times.push_str(&format!(" · {} {}", T.last_attempt, crate::time::stamp(t)));
    }
    match d.status {
        DeliveryStatus::Pending => times.push_str(&format!(
            " · {} {}",
            T.next_attempt,
            crate::time::stamp(&d.next_attempt_at)
        )),
        _ => {
            if let Some(t) = &d.delivered_at {
                times.push_str(&format!(" · {} {}", T.delivered, crate::time::stamp(t)));
            }
        }
    }
    view! {
        <li data-testid="delivery" data-status=wire(d.status)>
            <strong>{d.event_type.as_str()}</strong>{head}
            <br/><small><code>{d.message_id.clone()}</code></small>
            {d.last_error.clone().map(|e| view! { <br/><small class="error">{e}</small> })}
            <br/><small>{times}</small>
            <div class="row-actions">
                <button type="button" on:click=move |_| on_retry(id)>{T.retry}</button>
            </div>
        </li>
    }
}
