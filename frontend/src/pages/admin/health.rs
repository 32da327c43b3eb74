//! System health: this instance's pool, database, Redis, memory, errors and slow work.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::system::SystemHealth;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn HealthPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><HealthView/></RequireRole> }
}

#[component]
fn HealthView() -> impl IntoView {
    let session = use_session();
    let health = RwSignal::new(None::<SystemHealth>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match session.get::<SystemHealth>("/api/v1/system/health").await {
                Ok(h) => {
                    health.set(Some(h));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load();
    let row = |label: &'static str, value: String| view! { <tr><th scope="row">{label}</th><td>{value}</td></tr> };
    view! {
        <h1>{T.system_health}</h1>
        <button on:click=move |_| load()>{T.refresh}</button>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || health.get().map(|h| view! {
            <table class="facts" data-testid="health">
                {row(T.health_database, format!("{} · {} MB", h.database, h.database_bytes.unwrap_or(0) / 1_048_576))}
                {row(T.health_redis, h.redis.replace('_', " "))}
                {row(T.health_pool, format!("{} / {} / {}", h.pool.in_use, h.pool.open, h.pool.max))}
                {row(T.health_memory, h.memory_rss_bytes.map(|b| (b / 1_048_576).to_string()).unwrap_or_default())}
                {row(T.health_uptime, (h.uptime_seconds / 60).to_string())}
                {row(T.health_errors, h.errors_last_hour.to_string())}
            </table>
            <h2>{format!("{} (≥ {} ms)", T.health_slow, h.slow_query_ms)}</h2>
            <ul class="list">
                {h.slow_queries.into_iter().take(20).map(|q| view! {
                    <li>{format!(
                        "{} · {} ms · {} · {}",
                        crate::time::stamp(&q.at),
                        q.ms,
                        q.route.as_deref().unwrap_or("?"),
                        q.request_id
                    )}</li>
                }).collect_view()}
            </ul>
        })}
    }
}
