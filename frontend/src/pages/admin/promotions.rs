//! Promotion requests: pending ones first, each approved or rejected with a note.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use tracetrack_api_types::notifications::PromotionRequest;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::paging::CursorList;
use crate::session::use_session;

#[component]
pub fn PromotionsPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><PromotionList/></RequireRole> }
}

#[component]
fn PromotionList() -> impl IntoView {
    let session = use_session();
    let status = RwSignal::new("pending".to_string());
    let error = RwSignal::new(None::<String>);
    let list = CursorList::<PromotionRequest>::new();
    let load = move |reset: bool| {
        let filter = status.get_untracked();
        let params = if filter.is_empty() {
            Vec::new()
        } else {
            vec![format!("status={filter}")]
        };
        list.load(session, "/api/v1/promotion-requests", params, reset);
    };
    load(true);
    let decide = move |id: i64, verb: &'static str, note: String| {
        spawn_local(async move {
            let path = format!("/api/v1/promotion-requests/{id}/{verb}");
            match session.post::<_, PromotionRequest>(&path, &json!({"note": note})).await {
                Ok(_) => {
                    error.set(None);
                    load(true);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <h1>{T.promotions}</h1>
        <label>{T.status}<select on:change=move |ev| { status.set(event_target_value(&ev)); load(true); }>
            {["pending", "approved", "rejected", ""].into_iter().map(|s| view! {
                <option value=s>{if s.is_empty() { T.all } else { s }}</option>
            }).collect_view()}
        </select></label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <Show when=move || !list.items.get().is_empty() fallback=|| view! { <p>{T.no_requests}</p> }>
            <ul class="list" data-testid="promotions">
                <For each=move || list.items.get() key=|r| (r.id, r.status.clone()) let:r>
                    <PromotionItem request=r on_decide=decide/>
                </For>
            </ul>
        </Show>
        <Show when=move || list.cursor.get().is_some()><button on:click=move |_| load(false)>{T.load_more}</button></Show>
    }
}

#[component]
fn PromotionItem(
    request: PromotionRequest,
    on_decide: impl Fn(i64, &'static str, String) + Copy + 'static,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let id = request.id;
    let pending = request.status == "pending";
    view! {
        <li class="promotion">
            <strong>{format!("{}: {} → {}", request.username, request.current_role, request.requested_role)}</strong>
            <p>{request.reason.clone()}</p>
            <small>{format!("{} · {}", crate::time::stamp(&request.created_at), request.status)}</small>
            {request.decision_note.clone().map(|n| view! { <p><em>{n}</em></p> })}
            {pending.then(|| view! {
                <label>{T.decision_note}<input maxlength="500" on:input=move |ev| note.set(event_target_value(&ev))/></label>
                <div class="row-actions">
                    <button on:click=move |_| on_decide(id, "approve", note.get_untracked())>{T.approve}</button>
                    <button class="secondary" on:click=move |_| on_decide(id, "reject", note.get_untracked())>{T.reject}</button>
                </div>
            })}
        </li>
    }
}
