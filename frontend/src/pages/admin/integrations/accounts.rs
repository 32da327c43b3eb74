//! Service accounts: create, deactivate or activate, delete; pick one to see its keys.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::admin::DispatchArea;
use tracetrack_api_types::integrations::{CreateServiceAccountRequest, PatchServiceAccountRequest, ServiceAccount};
use tracetrack_api_types::Role;

use super::keys::Keys;
use super::{ConfirmButton, Failure, FieldProblem, FormProblem};
use crate::i18n::T;
use crate::paging::CursorList;
use crate::session::use_session;

const PATH: &str = "/api/v1/service-accounts";
/// The roles a service account may have.
const ROLES: [Role; 2] = [Role::Biller, Role::Dispatcher];

#[component]
pub fn Accounts(areas: RwSignal<Vec<DispatchArea>>) -> impl IntoView {
    let session = use_session();
    let list = CursorList::<ServiceAccount>::new();
    let load = move |reset: bool| list.load(session, PATH, Vec::new(), reset);
    load(true);
    let error = RwSignal::new(None::<String>);
    // The account whose keys are shown; only its id and name rebuild the keys panel.
    let selected = RwSignal::new(None::<i64>);
    let shown = Memo::new(move |_| {
        let id = selected.get()?;
        list.items
            .with(|v| v.iter().find(|a| a.id == id).map(|a| (a.id, a.name.clone())))
    });
    let set_active = move |id: i64, active: bool| {
        spawn_local(async move {
            let body = PatchServiceAccountRequest {
                is_active: Some(active),
                ..Default::default()
            };
            match session.patch::<_, ServiceAccount>(&format!("{PATH}/{id}"), &body).await {
                Ok(saved) => {
                    error.set(None);
                    list.items.update(|v| {
                        if let Some(a) = v.iter_mut().find(|a| a.id == id) {
                            *a = saved;
                        }
                    });
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let delete = move |id: i64| {
        spawn_local(async move {
            match session.delete(&format!("{PATH}/{id}")).await {
                Ok(_) => {
                    error.set(None);
                    list.items.update(|v| v.retain(|a| a.id != id));
                    if selected.get_untracked() == Some(id) {
                        selected.set(None);
                    }
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let created = move |a: ServiceAccount| {
        selected.set(Some(a.id));
        list.items.update(|v| v.insert(0, a));
    };
    view! {
        <section data-testid="service-accounts">
            <h2>{T.service_accounts}</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <NewAccount areas on_created=created/>
            <Show when=move || !list.items.with(Vec::is_empty) fallback=|| view! { <p>{T.no_service_accounts}</p> }>
                <ul class="list" data-testid="accounts">
                    <For each=move || list.items.get() key=|a| (a.id, a.is_active, a.updated_at) let:a>
                        <AccountItem account=a selected on_active=set_active on_delete=delete/>
                    </For>
                </ul>
            </Show>
            <Show when=move || list.cursor.get().is_some()><button on:click=move |_| load(false)>{T.load_more}</button></Show>
            {move || shown.get().map(|(id, name)| view! { <Keys account=id name/> })}
        </section>
    }
}

#[component]
fn AccountItem(
    account: ServiceAccount,
    selected: RwSignal<Option<i64>>,
    on_active: impl Fn(i64, bool) + Copy + Send + Sync + 'static,
    on_delete: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = account.id;
    let active = account.is_active;
    let mut line = format!(" · {}", account.role);
    if let Some(area) = &account.dispatch_area {
        line.push_str(&format!(" · {area}"));
    }
    if !active {
        line.push_str(&format!(" · {}", T.inactive));
    }
    view! {
        <li class="account" class:selected=move || selected.get() == Some(id)>
            <strong>{account.name.clone()}</strong>{line}
            {account.description.clone().map(|d| view! { <br/><small>{d}</small> })}
            <div class="row-actions">
                <button type="button" aria-pressed=move || (selected.get() == Some(id)).to_string()
                    on:click=move |_| selected.set(Some(id))>{T.show_keys}</button>
                <button type="button" on:click=move |_| on_active(id, !active)>{if active { T.deactivate } else { T.activate }}</button>
                <ConfirmButton label=T.delete confirm=T.confirm_delete on_confirm=move || on_delete(id)/>
            </div>
        </li>
    }
}

#[component]
fn NewAccount(
    areas: RwSignal<Vec<DispatchArea>>,
    on_created: impl Fn(ServiceAccount) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let (name, description, role, area) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(Role::Biller),
        RwSignal::new(String::new()),
    );
    let failure = RwSignal::new(Failure::default());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let role = role.get_untracked();
        let code = area.get_untracked();
        let about = description.get_untracked();
        let body = CreateServiceAccountRequest {
            name: name.get_untracked().trim().to_string(),
            description: (!about.trim().is_empty()).then_some(about),
            role,
            dispatch_area: (role == Role::Dispatcher && !code.is_empty()).then_some(code),
        };
        busy.set(true);
        spawn_local(async move {
            match session.post::<_, ServiceAccount>(PATH, &body).await {
                Ok(a) => {
                    failure.set(Failure::default());
                    name.set(String::new());
                    description.set(String::new());
                    on_created(a);
                }
                Err(e) => failure.set(Failure::of(&e)),
            }
            busy.set(false);
        });
    };
    view! {
        <details class="card"><summary>{T.new_service_account}</summary>
            <form on:submit=submit data-testid="new-account">
                <FormProblem failure shown=&["/name", "/description", "/role", "/dispatch_area"]/>
                <label>{T.name}
                    <input required maxlength="50" autocomplete="off" autocapitalize="none" spellcheck="false"
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    <small>{T.account_name_hint}</small>
                    <FieldProblem failure pointer="/name"/>
                </label>
                <label>{T.description}
                    <input maxlength="500" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
                    <FieldProblem failure pointer="/description"/>
                </label>
                <label>{T.role}
                    <select on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                        {ROLES.iter().map(|&r| view! { <option value=r.as_str() selected=move || role.get() == r>{r.as_str()}</option> }).collect_view()}
                    </select>
                    <FieldProblem failure pointer="/role"/>
                </label>
                <Show when=move || role.get() == Role::Dispatcher>
                    <label>{T.area}
                        <select required on:change=move |ev| area.set(event_target_value(&ev))>
                            <option value="">{T.choose}</option>
                            <For each=move || areas.get() key=|a| a.code.clone() let:a>
                                {
                                    let code = a.code.clone();
                                    view! { <option value=a.code.clone() selected=move || area.with(|v| *v == code)>{format!("{} ({})", a.name, a.code)}</option> }
                                }
                            </For>
                        </select>
                        <FieldProblem failure pointer="/dispatch_area"/>
                    </label>
                </Show>
                <button type="submit" disabled=move || busy.get()>{T.create}</button>
            </form>
        </details>
    }
}
