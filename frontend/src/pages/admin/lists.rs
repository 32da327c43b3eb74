//! Dispatch areas and bag formats: list, add, retire.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use tracetrack_api_types::admin::{
    BagFormat, CreateAreaRequest, CreateFormatRequest, DispatchArea, PatchAreaRequest, PatchFormatRequest,
};
use tracetrack_api_types::{BagRole, Items};

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn AreasPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><AreasList/></RequireRole> }
}

#[component]
fn AreasList() -> impl IntoView {
    let session = use_session();
    let areas = RwSignal::new(Vec::<DispatchArea>::new());
    let message = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(i) = session.get::<Items<DispatchArea>>("/api/v1/dispatch-areas").await {
                areas.set(i.items);
            }
        })
    };
    reload();
    let (code, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateAreaRequest {
            code: code.get_untracked(),
            name: name.get_untracked(),
        };
        spawn_local(async move {
            match session.post::<_, Value>("/api/v1/dispatch-areas", &body).await {
                Ok(_) => reload(),
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    let toggle = move |code: String, active: bool| {
        spawn_local(async move {
            let body = PatchAreaRequest {
                active: Some(!active),
                ..Default::default()
            };
            match session
                .patch::<_, Value>(&format!("/api/v1/dispatch-areas/{code}"), &body)
                .await
            {
                Ok(_) => reload(),
                Err(e) => message.set(Some(e.message())),
            }
        })
    };
    view! {

            <h1>{T.areas}</h1>
            <Show when=move || message.get().is_some()><p class="error" role="alert">{move || message.get().unwrap_or_default()}</p></Show>
            <form on:submit=add>
                <label>{T.code}<input required on:input=move |ev| code.set(event_target_value(&ev))/></label>
                <label>{T.name}<input required on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <button type="submit">{T.add}</button>
            </form>
            <ul class="list" data-testid="areas">
                <For each=move || areas.get() key=|a| (a.code.clone(), a.active) let:a>
                    {
                        let (c, active) = (a.code.clone(), a.active);
                        view! { <li>{format!("{} ({}) ", a.name, a.code)}{(!active).then_some(T.retired)}
                            <button on:click=move |_| toggle(c.clone(), active)>{if active { T.retire } else { T.activate }}</button></li> }
                    }
                </For>
            </ul>

    }
}

#[component]
pub fn FormatsPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><FormatsList/></RequireRole> }
}

#[component]
fn FormatsList() -> impl IntoView {
    let session = use_session();
    let formats = RwSignal::new(Vec::<BagFormat>::new());
    let message = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(i) = session.get::<Items<BagFormat>>("/api/v1/bag-formats").await {
                formats.set(i.items);
            }
        })
    };
    reload();
    let (code, name, role, pattern, capacity, weight) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(BagRole::Parent),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateFormatRequest {
            code: code.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            pattern: pattern.get_untracked(),
            capacity: capacity.get_untracked().trim().parse::<i32>().ok(),
            child_weight_kg: weight.get_untracked().trim().parse::<f64>().ok(),
        };
        spawn_local(async move {
            match session.post::<_, Value>("/api/v1/bag-formats", &body).await {
                Ok(_) => reload(),
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    let toggle = move |code: String, active: bool| {
        spawn_local(async move {
            let body = PatchFormatRequest {
                active: Some(!active),
                ..Default::default()
            };
            match session
                .patch::<_, Value>(&format!("/api/v1/bag-formats/{code}"), &body)
                .await
            {
                Ok(_) => reload(),
                Err(e) => message.set(Some(e.message())),
            }
        })
    };
    view! {

            <h1>{T.formats}</h1>
            <Show when=move || message.get().is_some()><p class="error" role="alert">{move || message.get().unwrap_or_default()}</p></Show>
            <details class="card"><summary>{T.add}</summary>
                <form on:submit=add>
                    <label>{T.code}<input required on:input=move |ev| code.set(event_target_value(&ev))/></label>
                    <label>{T.name}<input required on:input=move |ev| name.set(event_target_value(&ev))/></label>
                    <label>{T.role}<select on:change=move |ev| if let Some(r) = BagRole::parse(&event_target_value(&ev)) { role.set(r) }>
                        {BagRole::ALL.iter().map(|&r| view! { <option value=r.as_str()>{T.bag_role(r)}</option> }).collect_view()}
                    </select></label>
                    <label>{T.pattern}<input required on:input=move |ev| pattern.set(event_target_value(&ev)) placeholder="^WH\\d{4}$"/></label>
                    <label>{T.capacity}<input inputmode="numeric" on:input=move |ev| capacity.set(event_target_value(&ev))/></label>
                    <label>{T.child_weight}<input inputmode="decimal" on:input=move |ev| weight.set(event_target_value(&ev))/></label>
                    <button type="submit">{T.add}</button>
                </form>
            </details>
            <ul class="list" data-testid="formats">
                <For each=move || formats.get() key=|f| (f.code.clone(), f.active) let:f>
                    {
                        let (c, active) = (f.code.clone(), f.active);
                        view! { <li>{format!("{} · {} · {} · {} ", f.code, f.role, f.pattern,
                            f.capacity.map(|c| format!("{c} × {:.1} kg", f.child_weight_kg.unwrap_or(0.0))).unwrap_or_default())}
                            {(!active).then_some(T.retired)}
                            <button on:click=move |_| toggle(c.clone(), active)>{if active { T.retire } else { T.activate }}</button></li> }
                    }
                </For>
            </ul>

    }
}
