//! The API keys of one service account: list, issue (the key is shown once), revoke.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::integrations::{ApiKey, CreateApiKeyRequest, CreatedApiKey, Scope};

use super::{end_of_day, stamp_or, ConfirmButton, Failure, FieldProblem, FormProblem, ShownOnce};
use crate::i18n::T;
use crate::session::use_session;

#[component]
pub fn Keys(account: i64, name: String) -> impl IntoView {
    let session = use_session();
    let path = move || format!("/api/v1/service-accounts/{account}/keys");
    let keys = RwSignal::new(Vec::<ApiKey>::new());
    let error = RwSignal::new(None::<String>);
    // The key just issued: shown until dismissed or another account is picked.
    let issued = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match session.get::<Vec<ApiKey>>(&path()).await {
                Ok(k) => keys.set(k),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    reload();
    let revoke = move |id: i64| {
        spawn_local(async move {
            match session.delete(&format!("{}/{id}", path())).await {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    // Opened from a row far up the list (a phone's screen): bring it into view.
    let panel = NodeRef::<leptos::html::Section>::new();
    request_animation_frame(move || {
        if let Some(el) = panel.get_untracked() {
            el.scroll_into_view();
        }
    });
    let created = move |k: CreatedApiKey| {
        issued.set(Some(k.key));
        keys.update(|v| v.insert(0, k.api_key));
    };
    view! {
        <section class="card" data-testid="api-keys" node_ref=panel>
            <h2>{format!("{} {name}", T.api_keys_of)}</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || issued.get().map(|key| view! {
                <ShownOnce label=T.api_key value=key warning=T.key_shown_once testid="new-key" on_dismiss=move || issued.set(None)/>
            })}
            <NewKey path=StoredValue::new(path()) on_created=created/>
            <Show when=move || !keys.with(Vec::is_empty) fallback=|| view! { <p>{T.no_keys}</p> }>
                <ul class="list" data-testid="keys">
                    <For each=move || keys.get() key=|k| (k.id, k.revoked_at, k.last_used_at) let:k>
                        <KeyItem api_key=k on_revoke=revoke/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn KeyItem(api_key: ApiKey, on_revoke: impl Fn(i64) + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = api_key.id;
    let scopes = api_key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let expired = api_key
        .expires_at
        .is_some_and(|t| (t.timestamp_millis() as f64) < js_sys::Date::now());
    let expiry = format!(
        "{} {}",
        if expired { T.expired } else { T.expires },
        stamp_or(api_key.expires_at.as_ref(), T.never)
    );
    let used = match &api_key.last_used_at {
        Some(t) => format!(
            "{} {} {}",
            T.last_used,
            crate::time::stamp(t),
            api_key.last_used_ip.clone().unwrap_or_default()
        ),
        None => T.never_used.to_string(),
    };
    let revoked = api_key.revoked_at;
    view! {
        <li class="api-key" data-testid="key" data-revoked=revoked.is_some().to_string()>
            <strong>{api_key.name.clone()}</strong>" · "<code>{format!("ttk_{}…", api_key.prefix)}</code>
            <br/><small>{scopes}</small>
            <br/><small>{format!("{expiry} · {used}")}</small>
            {match revoked {
                Some(t) => view! { <p class="error">{format!("{} {}", T.revoked, crate::time::stamp(&t))}</p> }.into_any(),
                None => view! {
                    <div class="row-actions">
                        <ConfirmButton label=T.revoke confirm=T.confirm_revoke on_confirm=move || on_revoke(id)/>
                    </div>
                }.into_any(),
            }}
        </li>
    }
}

#[component]
fn NewKey(
    path: StoredValue<String>,
    on_created: impl Fn(CreatedApiKey) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<Scope>::new());
    let until = RwSignal::new(String::new());
    let never = RwSignal::new(false);
    let failure = RwSignal::new(Failure::default());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let never = never.get_untracked();
        let day = until.get_untracked();
        let expires_at = if never || day.is_empty() {
            None
        } else {
            end_of_day(&day)
        };
        let body = CreateApiKeyRequest {
            name: name.get_untracked().trim().to_string(),
            scopes: scopes.get_untracked(),
            expires_at,
            never_expires: never,
        };
        busy.set(true);
        spawn_local(async move {
            match session.post::<_, CreatedApiKey>(&path.get_value(), &body).await {
                Ok(k) => {
                    failure.set(Failure::default());
                    name.set(String::new());
                    scopes.set(Vec::new());
                    until.set(String::new());
                    on_created(k);
                }
                Err(e) => failure.set(Failure::of(&e)),
            }
            busy.set(false);
        });
    };
    let toggle = move |scope: Scope, on: bool| {
        scopes.update(|v| {
            v.retain(|s| *s != scope);
            if on {
                v.push(scope);
            }
        })
    };
    view! {
        <details class="card"><summary>{T.new_api_key}</summary>
            <form on:submit=submit data-testid="new-key-form">
                <FormProblem failure shown=&["/name", "/scopes", "/expires_at", "/never_expires"]/>
                <label>{T.name}
                    <input required maxlength="100" autocomplete="off" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldProblem failure pointer="/name"/>
                </label>
                <fieldset class="checks">
                    <legend>{T.scopes}</legend>
                    {Scope::ALL.iter().map(|&s| view! {
                        <label class="check">
                            <input type="checkbox" value=s.as_str() prop:checked=move || scopes.with(|v| v.contains(&s))
                                on:change=move |ev| toggle(s, event_target_checked(&ev))/>
                            {s.as_str()}
                        </label>
                    }).collect_view()}
                    <FieldProblem failure pointer="/scopes"/>
                </fieldset>
                <label>{T.valid_until}
                    <input type="date" prop:value=until disabled=move || never.get()
                        on:input=move |ev| until.set(event_target_value(&ev))/>
                    <FieldProblem failure pointer="/expires_at"/>
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=never on:change=move |ev| never.set(event_target_checked(&ev))/>
                    {T.never_expires}
                </label>
                <FieldProblem failure pointer="/never_expires"/>
                <button type="submit" disabled=move || busy.get()>{T.create}</button>
            </form>
        </details>
    }
}
