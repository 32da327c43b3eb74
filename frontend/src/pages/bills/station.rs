//! The bill station: scan parents onto a bill with the same scanner capture.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use tracetrack_api_types::bills::{AddParentRequest, Bill, BillDetail};
use tracetrack_api_types::BillStatus;
use tracetrack_domain::normalize_qr;
use tracetrack_domain::scanner::Captured;

use super::BillFigures;
use crate::feedback::{play, Signal};
use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::queue::new_key;
use crate::scanner::use_scanner;
use crate::session::use_session;

#[component]
pub fn BillStationPage() -> impl IntoView {
    view! { <RequireRole><BillStation/></RequireRole> }
}

#[component]
fn BillStation() -> impl IntoView {
    let session = use_session();
    let id = StoredValue::new(use_params_map().get_untracked().get("id").unwrap_or_default());
    let detail = RwSignal::new(None::<BillDetail>);
    let message = RwSignal::new((T.scan_parent_for_bill.to_string(), true));
    let confirm = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(d) = session
                .get::<BillDetail>(&format!("/api/v1/bills/{}", id.get_value()))
                .await
            {
                detail.set(Some(d));
            }
        });
    };
    reload();
    let add = move |raw: String| {
        let qr = match normalize_qr(&raw) {
            Ok(q) => q,
            Err(e) => {
                play(Signal::Error);
                return message.set((format!("{}: {e}", T.not_a_bag_code), false));
            }
        };
        play(Signal::Parent);
        message.set((format!("{qr}…"), true));
        spawn_local(async move {
            let path = format!("/api/v1/bills/{}/parents", id.get_value());
            let key = new_key();
            let body = AddParentRequest { qr_id: qr.clone() };
            let reply = session
                .send_json(
                    gloo_net::http::Method::POST,
                    &path,
                    &body,
                    &[("Idempotency-Key", &key)],
                    None,
                )
                .await;
            match reply.and_then(|r| r.into_result::<Bill>()) {
                Ok(_) => {
                    reload();
                    message.set((format!("{qr} {}", T.added_to_bill), true));
                }
                Err(e) => {
                    play(Signal::Error);
                    message.set((e.message(), false));
                }
            }
        });
    };
    use_scanner(
        move |c| {
            if let Captured::Code(code) = c {
                add(code)
            }
        },
        None,
    );
    let remove = move |qr: String| {
        spawn_local(async move {
            let path = format!("/api/v1/bills/{}/parents/{qr}", id.get_value());
            match session.delete(&path).await {
                Ok(_) => {
                    confirm.set(None);
                    reload();
                    message.set((format!("{qr} {}", T.removed_from_bill), true));
                }
                Err(e) => message.set((e.message(), false)),
            }
        });
    };
    let complete = move |_| {
        spawn_local(async move {
            match session
                .post_empty::<Bill>(&format!("/api/v1/bills/{}/complete", id.get_value()))
                .await
            {
                Ok(_) => {
                    reload();
                    message.set((T.bill_completed_msg.to_string(), true));
                }
                Err(e) => message.set((e.message(), false)),
            }
        });
    };
    view! {
        {move || detail.get().map(|d| {
            let bill = d.bill.clone();
            let full = bill.parent_count >= bill.capacity && !matches!(bill.status, BillStatus::Completed);
            view! {
                <h1 data-testid="state">{T.bill}" "{bill.bill_number.clone()}</h1>
                <BillFigures bill=bill.clone()/>
                <p class=move || if message.get().1 { "message" } else { "message message-err" } role="status" data-testid="message">
                    {move || message.get().0}
                </p>
                <Show when=move || full>
                    <button class="primary" on:click=complete>{T.complete}</button>
                </Show>
                <ul class="list" data-testid="bill-parents">
                    {d.parents.into_iter().map(|p| {
                        let qr = p.qr_id.clone();
                        let ask = qr.clone();
                        let yes = qr.clone();
                        view! {
                            <li>
                                <span>{format!("{} · {} {} · {:.1} kg", p.qr_id, p.child_count, T.children, p.weight_kg)}</span>
                                <Show when=move || confirm.get().as_deref() != Some(qr.as_str())
                                    fallback={
                                        let yes = yes.clone();
                                        move || { let yes = yes.clone(); view! {
                                            <button class="danger" on:click=move |_| remove(yes.clone())>{T.confirm_remove}</button>
                                        }}
                                    }>
                                    {
                                        let ask = ask.clone();
                                        view! { <button on:click=move |_| confirm.set(Some(ask.clone()))>{T.remove}</button> }
                                    }
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })}
    }
}
