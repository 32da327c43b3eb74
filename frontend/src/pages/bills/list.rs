//! Bill list with a status filter, and bill creation for billers.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use tracetrack_api_types::bills::{Bill, CreateBillRequest};
use tracetrack_api_types::BillStatus;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::paging::CursorList;
use crate::session::use_session;

#[component]
pub fn BillsPage() -> impl IntoView {
    view! { <RequireSignIn><Bills/></RequireSignIn> }
}

#[component]
fn Bills() -> impl IntoView {
    let session = use_session();
    // `None`: every status.
    let status = RwSignal::new(None::<BillStatus>);
    let list = CursorList::<Bill>::new();
    let load = move |reset: bool| {
        let params = match status.get_untracked() {
            Some(s) => vec![format!("status={s}")],
            None => Vec::new(),
        };
        list.load(session, "/api/v1/bills", params, reset);
    };
    load(true);
    view! {
        <h1>{T.menu_bills}</h1>
        <Show when=move || session.is_biller()><NewBill/></Show>
        <label>{T.status}
            <select on:change=move |ev| { status.set(BillStatus::parse(&event_target_value(&ev))); load(true); }>
                <option value="">{T.all}</option>
                {BillStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
            </select>
        </label>
        <ul class="list" data-testid="bills">
            <For each=move || list.items.get() key=|b| b.id let:bill>
                <li><a href=format!("/bills/{}", bill.id)>{bill.bill_number.clone()}</a>
                    " · "{bill.status.as_str()}" · "{format!("{}/{}", bill.parent_count, bill.capacity)}</li>
            </For>
        </ul>
        <Show when=move || list.cursor.get().is_some()>
            <button on:click=move |_| load(false)>{T.load_more}</button>
        </Show>
    }
}

#[component]
fn NewBill() -> impl IntoView {
    let session = use_session();
    let number = RwSignal::new(String::new());
    let capacity = RwSignal::new(String::from("10"));
    let destination = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateBillRequest {
            bill_number: number.get_untracked(),
            capacity: capacity.get_untracked().trim().parse::<i32>().unwrap_or(0),
            description: None,
            destination: Some(destination.get_untracked()),
            vehicle_number: None,
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match session.post::<_, Bill>("/api/v1/bills", &body).await {
                Ok(bill) => navigate(&format!("/bills/{}/station", bill.id), Default::default()),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <details class="card">
            <summary>{T.new_bill}</summary>
            <form on:submit=submit>
                <label>{T.bill_number}<input required on:input=move |ev| number.set(event_target_value(&ev)) prop:value=number/></label>
                <label>{T.capacity}<input inputmode="numeric" required on:input=move |ev| capacity.set(event_target_value(&ev)) prop:value=capacity/></label>
                <label>{T.destination}<input on:input=move |ev| destination.set(event_target_value(&ev)) prop:value=destination/></label>
                <Show when=move || error.get().is_some()><p class="error" role="alert">{move || error.get().unwrap_or_default()}</p></Show>
                <button type="submit">{T.create_bill}</button>
            </form>
        </details>
    }
}
