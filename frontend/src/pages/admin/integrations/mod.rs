//! Integrations: service accounts and their API keys, webhook endpoints and their
//! deliveries. A key or a signing secret is shown once, right after it is made.

mod accounts;
mod deliveries;
mod keys;
mod webhooks;

use chrono::{DateTime, Utc};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::admin::DispatchArea;
use tracetrack_api_types::Items;

use crate::api::ApiError;
use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><Integrations/></RequireRole> }
}

#[component]
fn Integrations() -> impl IntoView {
    let session = use_session();
    // Active areas, for a dispatcher account and an endpoint's area filter.
    let areas = RwSignal::new(Vec::<DispatchArea>::new());
    spawn_local(async move {
        if let Ok(i) = session.get::<Items<DispatchArea>>("/api/v1/dispatch-areas").await {
            areas.set(i.items.into_iter().filter(|a| a.active).collect());
        }
    });
    view! {
        <h1>{T.integrations}</h1>
        <accounts::Accounts areas/>
        <webhooks::Webhooks areas/>
    }
}

/// A failed call as a form shows it: field problems (by JSON pointer) next to their
/// fields, everything else in one line above the form.
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// The problem's detail, when it names no field.
    message: Option<String>,
    /// (pointer, detail) of each field problem.
    fields: Vec<(String, String)>,
}

impl Failure {
    pub fn of(e: &ApiError) -> Failure {
        let fields: Vec<(String, String)> = match e {
            ApiError::Problem(p) => p
                .errors
                .iter()
                .flatten()
                .filter_map(|f| Some((f.pointer.clone()?, f.detail.clone())))
                .collect(),
            ApiError::Network => Vec::new(),
        };
        let message = fields.is_empty().then(|| e.message());
        Failure { message, fields }
    }

    /// The problems of the field at `pointer` (or inside it: `/scopes/0`).
    fn field(&self, pointer: &str) -> Option<String> {
        let found: Vec<&str> = self
            .fields
            .iter()
            .filter(|(p, _)| within(p, pointer))
            .map(|(_, d)| d.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
    }

    /// Everything not shown next to one of the `shown` fields.
    fn rest(&self, shown: &[&str]) -> Option<String> {
        let rest: Vec<&str> = self
            .message
            .iter()
            .map(String::as_str)
            .chain(
                self.fields
                    .iter()
                    .filter(|(p, _)| !shown.iter().any(|s| within(p, s)))
                    .map(|(_, d)| d.as_str()),
            )
            .collect();
        (!rest.is_empty()).then(|| rest.join("; "))
    }
}

fn within(pointer: &str, field: &str) -> bool {
    pointer == field || pointer.strip_prefix(field).is_some_and(|r| r.starts_with('/'))
}

/// The problem of one field, under it.
#[component]
pub fn FieldProblem(failure: RwSignal<Failure>, pointer: &'static str) -> impl IntoView {
    move || {
        failure
            .with(|f| f.field(pointer))
            .map(|d| view! { <small class="error" role="alert">{d}</small> })
    }
}

/// The problems a form has no field for (and a failed call's detail), above it.
#[component]
pub fn FormProblem(failure: RwSignal<Failure>, shown: &'static [&'static str]) -> impl IntoView {
    move || {
        failure
            .with(|f| f.rest(shown))
            .map(|d| view! { <p class="error" role="alert">{d}</p> })
    }
}

/// A destructive action in two steps: the button, then "Really …" or Cancel.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    confirm: &'static str,
    on_confirm: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    view! {
        <Show when=move || asking.get()
            fallback=move || view! { <button type="button" on:click=move |_| asking.set(true)>{label}</button> }>
            <button type="button" class="danger" on:click=move |_| { asking.set(false); on_confirm() }>{confirm}</button>
            <button type="button" on:click=move |_| asking.set(false)>{T.cancel}</button>
        </Show>
    }
}

/// A key or secret shown this once: read-only, a Copy button, and the warning.
#[component]
pub fn ShownOnce(
    label: &'static str,
    value: String,
    warning: &'static str,
    #[prop(default = None)] note: Option<&'static str>,
    testid: &'static str,
    on_dismiss: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let card = NodeRef::<html::Div>::new();
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(value.clone());
    // It may appear far from the button that made it (a phone's screen).
    request_animation_frame(move || {
        if let Some(el) = card.get_untracked() {
            el.scroll_into_view();
        }
    });
    view! {
        <div class="card shown-once" node_ref=card>
            <p class="notice" role="alert"><strong>{warning}</strong></p>
            {note.map(|n| view! { <p>{n}</p> })}
            <div class="secret">
                <label>{label}
                    <input readonly value=value node_ref=input data-testid=testid spellcheck="false" autocomplete="off"
                        on:focus=move |_| if let Some(el) = input.get_untracked() { el.select() }/>
                </label>
                <button type="button" on:click=move |_| copy(text.get_value(), input, copied)>{T.copy}</button>
            </div>
            {move || copied.get().map(|ok| view! { <p role="status">{if ok { T.copied } else { T.copy_by_hand }}</p> })}
            <button type="button" on:click=move |_| on_dismiss()>{T.dismiss}</button>
        </div>
    }
}

/// Copies with the async clipboard; without one (plain http) or when the browser
/// refuses, the text stays selected for copying by hand.
fn copy(text: String, input: NodeRef<html::Input>, copied: RwSignal<Option<bool>>) {
    if let Some(el) = input.get_untracked() {
        el.select();
    }
    let navigator = window().navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| !c.is_undefined());
    if !has_clipboard {
        copied.set(Some(false));
        return;
    }
    let done = navigator.clipboard().write_text(&text);
    spawn_local(async move {
        copied.set(Some(wasm_bindgen_futures::JsFuture::from(done).await.is_ok()));
    });
}

/// The end of a day picked in a date input (`2027-03-31`), in the browser's time zone.
pub fn end_of_day(day: &str) -> Option<DateTime<Utc>> {
    let mut parts = day.trim().split('-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let next = js_sys::Date::new_with_year_month_day(u32::try_from(y).ok()?, m - 1, d + 1);
    let ms = next.get_time();
    if ms.is_nan() {
        return None;
    }
    DateTime::from_timestamp_millis(ms as i64)
}

/// A time in the past or future, or "never".
pub fn stamp_or(t: Option<&DateTime<Utc>>, none: &'static str) -> String {
    t.map(crate::time::stamp).unwrap_or_else(|| none.to_string())
}
