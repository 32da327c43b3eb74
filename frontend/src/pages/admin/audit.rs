//! Audit log viewer with filters and cursor paging.

use leptos::prelude::*;
use tracetrack_api_types::admin::AuditEntry;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::paging::CursorList;
use crate::session::use_session;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><AuditList/></RequireRole> }
}

#[component]
fn AuditList() -> impl IntoView {
    let session = use_session();
    let entity = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let list = CursorList::<AuditEntry>::new();
    let load = move |reset: bool| {
        let mut params = Vec::new();
        if !entity.get_untracked().is_empty() {
            params.push(format!("entity_type={}", entity.get_untracked()));
        }
        if !action.get_untracked().trim().is_empty() {
            params.push(format!(
                "action={}",
                js_sys::encode_uri_component(action.get_untracked().trim())
            ));
        }
        list.load(session, "/api/v1/audit-log", params, reset);
    };
    load(true);
    view! {

            <h1>{T.audit_log}</h1>
            <form class="filters" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                <label>{T.entity}<select on:change=move |ev| entity.set(event_target_value(&ev))>
                    <option value="">{T.all}</option>
                    {["user", "bill", "bag", "bag_format", "dispatch_area", "session"].into_iter()
                        .map(|e| view! { <option value=e>{e}</option> }).collect_view()}
                </select></label>
                <label>{T.action}<input on:input=move |ev| action.set(event_target_value(&ev)) placeholder="bill.complete"/></label>
                <button type="submit">{T.search}</button>
            </form>
            <ul class="list" data-testid="audit">
                <For each=move || list.items.get() key=|r| r.id let:r>
                    <li>{format!("{} · {} · {} {} · #{}", crate::time::stamp(&r.occurred_at), r.action, r.entity_type,
                        r.entity_id.clone().unwrap_or_default(), r.actor_id.map(|a| a.to_string()).unwrap_or_default())}</li>
                </For>
            </ul>
            <Show when=move || list.cursor.get().is_some()><button on:click=move |_| load(false)>{T.load_more}</button></Show>

    }
}
