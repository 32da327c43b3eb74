//! Users: create, change role and area, deactivate, unlock, end sessions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::Page;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::{use_session, Session};

#[component]
pub fn UsersPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><Users/></RequireRole> }
}

fn run(
    session: Session,
    message: RwSignal<Option<String>>,
    reload: impl Fn() + 'static,
    call: impl std::future::Future<Output = Result<Value, crate::api::ApiError>> + 'static,
) {
    let _ = session;
    spawn_local(async move {
        match call.await {
            Ok(_) => {
                message.set(None);
                reload();
            }
            Err(e) => message.set(Some(e.message())),
        }
    });
}

#[component]
fn Users() -> impl IntoView {
    let session = use_session();
    let users = RwSignal::new(Vec::<User>::new());
    let message = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(p) = session.get::<Page<User>>("/api/v1/users?limit=200").await {
                users.set(p.items);
            }
        });
    };
    reload();
    let (name, pw, role, area) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("dispatcher".to_string()),
        RwSignal::new(String::new()),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let area = area.get_untracked();
        let body = json!({"username": name.get_untracked(), "password": pw.get_untracked(), "role": role.get_untracked(),
            "dispatch_area": if area.is_empty() { Value::Null } else { Value::String(area) }});
        run(session, message, reload, async move {
            session.post::<_, Value>("/api/v1/users", &body).await
        });
    };
    view! {
        <h1>{T.users}</h1>
        <Show when=move || message.get().is_some()><p class="error" role="alert">{move || message.get().unwrap_or_default()}</p></Show>
        <details class="card"><summary>{T.new_user}</summary>
            <form on:submit=create>
                <label>{T.username}<input required on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>{T.password}<input type="password" required on:input=move |ev| pw.set(event_target_value(&ev))/></label>
                <label>{T.role}<select on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="dispatcher">"dispatcher"</option><option value="biller">"biller"</option><option value="admin">"admin"</option>
                </select></label>
                <label>{T.area}<input on:input=move |ev| area.set(event_target_value(&ev)) placeholder="lucknow"/></label>
                <button type="submit">{T.create}</button>
            </form>
        </details>
        <ul class="list" data-testid="users">
            <For each=move || users.get() key=|u| (u.id, u.role.clone(), u.is_active, u.dispatch_area.clone()) let:u>
                {
                    let id = u.id;
                    let active = u.is_active;
                    let patch = move |body: Value| run(session, message, reload, async move {
                        session.patch::<_, Value>(&format!("/api/v1/users/{id}"), &body).await
                    });
                    view! {
                        <li class="user-row">
                            <strong>{u.username.clone()}</strong>{format!(" · {} · {}", u.role, u.dispatch_area.clone().unwrap_or_default())}
                            {(!active).then(|| format!(" · {}", T.inactive))}
                            <span class="row-actions">
                                <select aria-label=T.role on:change=move |ev| patch(json!({"role": event_target_value(&ev)}))>
                                    <option value="" selected>{T.change_role}</option>
                                    <option value="dispatcher">"dispatcher"</option><option value="biller">"biller"</option><option value="admin">"admin"</option>
                                </select>
                                <button on:click=move |_| patch(json!({"is_active": !active}))>{if active { T.deactivate } else { T.activate }}</button>
                                <button on:click=move |_| run(session, message, reload, async move {
                                    session.post::<_, Value>(&format!("/api/v1/users/{id}/unlock"), &json!({})).await.or_else(|e| if e.code() == "network" { Ok(Value::Null) } else { Err(e) })
                                })>{T.unlock}</button>
                                <button on:click=move |_| run(session, message, reload, async move {
                                    session.delete(&format!("/api/v1/users/{id}/sessions")).await
                                })>{T.end_sessions}</button>
                            </span>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
