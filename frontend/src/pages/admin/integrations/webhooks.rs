//! Webhook endpoints: create (the signing secret is shown once), enable or disable,
//! rotate the secret, send a test, delete; pick one to see its recent deliveries.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::admin::DispatchArea;
use tracetrack_api_types::webhooks::{
    CreateWebhookRequest, PatchWebhookRequest, Queued, WebhookEndpoint, WebhookEventType, WebhookWithSecret,
};
use tracetrack_api_types::Items;

use super::deliveries::Deliveries;
use super::{ConfirmButton, Failure, FieldProblem, FormProblem, ShownOnce};
use crate::i18n::T;
use crate::session::use_session;

const PATH: &str = "/api/v1/webhooks";

/// A secret just made, and whether it replaced one (a rotation).
#[derive(Clone)]
struct NewSecret {
    secret: String,
    rotated: bool,
}

#[component]
pub fn Webhooks(areas: RwSignal<Vec<DispatchArea>>) -> impl IntoView {
    let session = use_session();
    let endpoints = RwSignal::new(Vec::<WebhookEndpoint>::new());
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<&'static str>);
    let secret = RwSignal::new(None::<NewSecret>);
    // The endpoint whose deliveries are shown; bumping `refresh` reloads them.
    let selected = RwSignal::new(None::<i64>);
    let refresh = RwSignal::new(0u32);
    let shown = Memo::new(move |_| {
        let id = selected.get()?;
        endpoints.with(|v| v.iter().find(|e| e.id == id).map(|e| (e.id, e.url.clone())))
    });
    let reload = move || {
        spawn_local(async move {
            match session.get::<Items<WebhookEndpoint>>(PATH).await {
                Ok(i) => endpoints.set(i.items),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    reload();
    let replace = move |saved: WebhookEndpoint| {
        endpoints.update(|v| {
            if let Some(e) = v.iter_mut().find(|e| e.id == saved.id) {
                *e = saved;
            }
        })
    };
    let failed = move |e: crate::api::ApiError| {
        note.set(None);
        error.set(Some(e.message()));
    };
    let set_enabled = move |id: i64, enabled: bool| {
        spawn_local(async move {
            let body = PatchWebhookRequest {
                enabled: Some(enabled),
                ..Default::default()
            };
            match session
                .patch::<_, WebhookEndpoint>(&format!("{PATH}/{id}"), &body)
                .await
            {
                Ok(saved) => {
                    error.set(None);
                    replace(saved);
                }
                Err(e) => failed(e),
            }
        });
    };
    let rotate = move |id: i64| {
        spawn_local(async move {
            match session
                .post_empty::<WebhookWithSecret>(&format!("{PATH}/{id}/rotate-secret"))
                .await
            {
                Ok(s) => {
                    error.set(None);
                    secret.set(Some(NewSecret {
                        secret: s.secret,
                        rotated: true,
                    }));
                    replace(s.endpoint);
                }
                Err(e) => failed(e),
            }
        });
    };
    let test = move |id: i64| {
        spawn_local(async move {
            match session.post_empty::<Queued>(&format!("{PATH}/{id}/test")).await {
                Ok(_) => {
                    error.set(None);
                    note.set(Some(T.test_queued));
                    selected.set(Some(id));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => failed(e),
            }
        });
    };
    let delete = move |id: i64| {
        spawn_local(async move {
            match session.delete(&format!("{PATH}/{id}")).await {
                Ok(_) => {
                    error.set(None);
                    endpoints.update(|v| v.retain(|e| e.id != id));
                    if selected.get_untracked() == Some(id) {
                        selected.set(None);
                    }
                }
                Err(e) => failed(e),
            }
        });
    };
    let created = move |s: WebhookWithSecret| {
        secret.set(Some(NewSecret {
            secret: s.secret,
            rotated: false,
        }));
        reload();
    };
    let actions = Actions {
        set_enabled,
        rotate,
        test,
        delete,
    };
    view! {
        <section data-testid="webhooks">
            <h2>{T.webhook_endpoints}</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || note.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || secret.get().map(|s| view! {
                <ShownOnce label=T.signing_secret value=s.secret warning=T.secret_shown_once
                    note=s.rotated.then_some(T.secret_rotated) testid="new-secret" on_dismiss=move || secret.set(None)/>
            })}
            <NewWebhook areas on_created=created/>
            <Show when=move || !endpoints.with(Vec::is_empty) fallback=|| view! { <p>{T.no_webhooks}</p> }>
                <ul class="list" data-testid="endpoints">
                    <For each=move || endpoints.get() key=|e| (e.id, e.updated_at, e.enabled, e.failing_since) let:e>
                        <EndpointItem endpoint=e selected actions/>
                    </For>
                </ul>
            </Show>
            {move || shown.get().map(|(id, url)| view! { <Deliveries endpoint=id url refresh/> })}
        </section>
    }
}

/// What a row's buttons do.
#[derive(Clone, Copy)]
struct Actions<E, R, S, D> {
    set_enabled: E,
    rotate: R,
    test: S,
    delete: D,
}

#[component]
fn EndpointItem<E, R, S, D>(
    endpoint: WebhookEndpoint,
    selected: RwSignal<Option<i64>>,
    actions: Actions<E, R, S, D>,
) -> impl IntoView
where
    E: Fn(i64, bool) + Copy + Send + Sync + 'static,
    R: Fn(i64) + Copy + Send + Sync + 'static,
    S: Fn(i64) + Copy + Send + Sync + 'static,
    D: Fn(i64) + Copy + Send + Sync + 'static,
{
    let id = endpoint.id;
    let enabled = endpoint.enabled;
    let events = if endpoint.event_types.is_empty() {
        T.every_event.to_string()
    } else {
        endpoint
            .event_types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let area = endpoint
        .dispatch_area
        .clone()
        .unwrap_or_else(|| T.every_area.to_string());
    let mut state = match (enabled, &endpoint.disabled_reason) {
        (true, _) => T.enabled.to_string(),
        (false, Some(why)) => format!("{}: {why}", T.disabled),
        (false, None) => T.disabled.to_string(),
    };
    if let Some(t) = &endpoint.failing_since {
        state.push_str(&format!(" · {} {}", T.failing_since, crate::time::stamp(t)));
    }
    let rotating = endpoint
        .secret_rotating_until
        .as_ref()
        .map(|t| format!("{} {}", T.previous_secret_until, crate::time::stamp(t)));
    view! {
        <li class="endpoint" class:selected=move || selected.get() == Some(id)
            data-testid="endpoint" data-enabled=enabled.to_string()>
            <strong>{endpoint.url.clone()}</strong>
            {endpoint.description.clone().map(|d| view! { <br/><small>{d}</small> })}
            <br/><small>{format!("{events} · {area}")}</small>
            <br/><span class:error=!enabled || endpoint.failing_since.is_some()>{state}</span>
            {rotating.map(|r| view! { <br/><small>{r}</small> })}
            <div class="row-actions">
                <button type="button" on:click=move |_| (actions.set_enabled)(id, !enabled)>{if enabled { T.disable } else { T.enable }}</button>
                <button type="button" on:click=move |_| (actions.test)(id)>{T.send_test}</button>
                <button type="button" aria-pressed=move || (selected.get() == Some(id)).to_string()
                    on:click=move |_| selected.set(Some(id))>{T.deliveries}</button>
                <ConfirmButton label=T.rotate_secret confirm=T.confirm_rotate on_confirm=move || (actions.rotate)(id)/>
                <ConfirmButton label=T.delete confirm=T.confirm_delete on_confirm=move || (actions.delete)(id)/>
            </div>
        </li>
    }
}

#[component]
fn NewWebhook(
    areas: RwSignal<Vec<DispatchArea>>,
    on_created: impl Fn(WebhookWithSecret) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let (url, description, area) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let types = RwSignal::new(Vec::<WebhookEventType>::new());
    let failure = RwSignal::new(Failure::default());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let about = description.get_untracked();
        let code = area.get_untracked();
        let body = CreateWebhookRequest {
            url: url.get_untracked().trim().to_string(),
            description: (!about.trim().is_empty()).then_some(about),
            event_types: types.get_untracked(),
            dispatch_area: (!code.is_empty()).then_some(code),
        };
        busy.set(true);
        spawn_local(async move {
            match session.post::<_, WebhookWithSecret>(PATH, &body).await {
                Ok(s) => {
                    failure.set(Failure::default());
                    url.set(String::new());
                    description.set(String::new());
                    types.set(Vec::new());
                    area.set(String::new());
                    on_created(s);
                }
                Err(e) => failure.set(Failure::of(&e)),
            }
            busy.set(false);
        });
    };
    let toggle = move |t: WebhookEventType, on: bool| {
        types.update(|v| {
            v.retain(|x| *x != t);
            if on {
                v.push(t);
            }
        })
    };
    let choices = WebhookEventType::ALL
        .iter()
        .copied()
        .filter(|t| *t != WebhookEventType::WebhookTest);
    view! {
        <details class="card"><summary>{T.new_webhook}</summary>
            <form on:submit=submit data-testid="new-webhook">
                <FormProblem failure shown=&["/url", "/description", "/event_types", "/dispatch_area"]/>
                <label>{T.url}
                    <input type="url" required inputmode="url" autocomplete="off" placeholder="https://erp.example.com/hooks/tracetrack"
                        prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
                    <FieldProblem failure pointer="/url"/>
                </label>
                <label>{T.description}
                    <input maxlength="500" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
                    <FieldProblem failure pointer="/description"/>
                </label>
                <fieldset class="checks">
                    <legend>{T.event_types_hint}</legend>
                    {choices.map(|t| view! {
                        <label class="check">
                            <input type="checkbox" value=t.as_str() prop:checked=move || types.with(|v| v.contains(&t))
                                on:change=move |ev| toggle(t, event_target_checked(&ev))/>
                            {t.as_str()}
                        </label>
                    }).collect_view()}
                    <FieldProblem failure pointer="/event_types"/>
                </fieldset>
                <label>{T.area}
                    <select on:change=move |ev| area.set(event_target_value(&ev))>
                        <option value="" selected=move || area.with(String::is_empty)>{T.every_area}</option>
                        <For each=move || areas.get() key=|a| a.code.clone() let:a>
                            {
                                let code = a.code.clone();
                                view! { <option value=a.code.clone() selected=move || area.with(|v| *v == code)>{format!("{} ({})", a.name, a.code)}</option> }
                            }
                        </For>
                    </select>
                    <FieldProblem failure pointer="/dispatch_area"/>
                </label>
                <button type="submit" disabled=move || busy.get()>{T.create}</button>
            </form>
        </details>
    }
}
