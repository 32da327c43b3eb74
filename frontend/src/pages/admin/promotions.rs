//! Promotion requests: pending ones first, each approved or rejected with a note.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::notifications::{DecidePromotionRequest, PromotionRequest};
use tracetrack_api_types::PromotionStatus;

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
    // `None`: every status.
    let status = RwSignal::new(Some(PromotionStatus::Pending));
    let error = RwSignal::new(None::<String>);
    let list = CursorList::<PromotionRequest>::new();
    let load = move |reset: bool| {
        let params = match status.get_untracked() {
            Some(s) => vec![format!("status={s}")],
            None => Vec::new(),
        };
        list.load(session, "/api/v1/promotion-requests", params, reset);
    };
    load(true);
    let decide = move |id: i64, verb: &'static str, note: String| {
        spawn_local(async move {
            let path = format!("/api/v1/promotion-requests/{id}/{verb}");
            let body = DecidePromotionRequest { note: Some(note) };
            match session.post::<_, PromotionRequest>(&path, &body).await {
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
        <label>{T.status}<select on:change=move |ev| { status.set(PromotionStatus::parse(&event_target_value(&ev))); load(true); }>
            {PromotionStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
            <option value="">{T.all}</option>
        </select></label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <Show when=move || !list.items.get().is_empty() fallback=|| view! { <p>{T.no_requests}</p> }>
            <ul class="list" data-testid="promotions">
                <For each=move || list.items.get() key=|r| (r.id, r.status) let:r>
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
    let pending = matches!(request.status, PromotionStatus::Pending);
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
