//! Users: create, change role and area, deactivate, unlock, end sessions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use tracetrack_api_types::admin::{CreateUserRequest, PatchUserRequest};
use tracetrack_api_types::auth::User;
use tracetrack_api_types::{Page, Role};

use crate::api::ApiError;
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
    call: impl std::future::Future<Output = Result<Value, ApiError>> + 'static,
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

/// One option per role, weakest first.
fn role_options() -> impl IntoView {
    Role::ALL
        .iter()
        .map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> })
        .collect_view()
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
        RwSignal::new(Role::Dispatcher),
        RwSignal::new(String::new()),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let area = area.get_untracked();
        let body = CreateUserRequest {
            username: name.get_untracked(),
            email: None,
            password: pw.get_untracked(),
            role: role.get_untracked(),
            dispatch_area: (!area.is_empty()).then_some(area),
        };
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
                <label>{T.role}<select on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                    {role_options()}
                </select></label>
                <label>{T.area}<input on:input=move |ev| area.set(event_target_value(&ev)) placeholder="lucknow"/></label>
                <button type="submit">{T.create}</button>
            </form>
        </details>
        <ul class="list" data-testid="users">
            <For each=move || users.get() key=|u| (u.id, u.role, u.is_active, u.dispatch_area.clone()) let:u>
                {
                    let id = u.id;
                    let active = u.is_active;
                    let patch = move |body: PatchUserRequest| run(session, message, reload, async move {
                        session.patch::<_, Value>(&format!("/api/v1/users/{id}"), &body).await
                    });
                    view! {
                        <li class="user-row">
                            <strong>{u.username.clone()}</strong>{format!(" · {} · {}", u.role, u.dispatch_area.clone().unwrap_or_default())}
                            {(!active).then(|| format!(" · {}", T.inactive))}
                            <span class="row-actions">
                                <select aria-label=T.role on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                    patch(PatchUserRequest { role: Some(r), ..Default::default() })
                                }>
                                    <option value="" selected>{T.change_role}</option>
                                    {role_options()}
                                </select>
                                <button on:click=move |_| patch(PatchUserRequest { is_active: Some(!active), ..Default::default() })>{if active { T.deactivate } else { T.activate }}</button>
                                <button on:click=move |_| run(session, message, reload, async move {
                                    session.post_empty::<Value>(&format!("/api/v1/users/{id}/unlock")).await
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
