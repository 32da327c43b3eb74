//! Bill detail: parents, edit, complete, reopen, delete, print.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use tracetrack_api_types::bills::{Bill, BillDetail, PatchBillRequest, ReopenRequest};
use tracetrack_api_types::BillStatus;

use super::BillFigures;
use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::session::use_session;

#[component]
pub fn BillDetailPage() -> impl IntoView {
    view! { <RequireSignIn><Detail/></RequireSignIn> }
}

#[component]
fn Detail() -> impl IntoView {
    let session = use_session();
    let id = use_params_map().get_untracked().get("id").unwrap_or_default();
    let id = StoredValue::new(id);
    let bill = RwSignal::new(None::<BillDetail>);
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match session
                .get::<BillDetail>(&format!("/api/v1/bills/{}", id.get_value()))
                .await
            {
                Ok(b) => bill.set(Some(b)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    reload();
    // Complete (no body) or reopen (with the reason).
    let act = move |path: String, reopen: Option<ReopenRequest>| {
        spawn_local(async move {
            let answer = match reopen {
                Some(body) => session.post::<_, Bill>(&path, &body).await,
                None => session.post_empty::<Bill>(&path).await,
            };
            match answer {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let reason = RwSignal::new(String::new());
    let measured = RwSignal::new(String::new());
    let capacity = RwSignal::new(String::new());
    let patch = move |body: PatchBillRequest| {
        spawn_local(async move {
            match session
                .patch::<_, Bill>(&format!("/api/v1/bills/{}", id.get_value()), &body)
                .await
            {
                Ok(_) => reload(),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <Show when=move || error.get().is_some()><p class="error" role="alert">{move || error.get().unwrap_or_default()}</p></Show>
        {move || bill.get().map(|d| {
            let b = d.bill.clone();
            let completed = matches!(b.status, BillStatus::Completed);
            let base = format!("/api/v1/bills/{}", b.id);
            let (complete_path, reopen_path) = (format!("{base}/complete"), format!("{base}/reopen"));
            view! {
                <h1>{T.bill}" "{b.bill_number.clone()}</h1>
                <p>{b.destination.clone().unwrap_or_default()}" "{b.vehicle_number.clone().unwrap_or_default()}</p>
                <BillFigures bill=b.clone()/>
                <p class="actions">
                    <a class="button" href=format!("/bills/{}/station", b.id)>{T.open_bill_station}</a>
                    <a class="button" href=format!("/bills/{}/print", b.id)>{T.print}</a>
                </p>
                <Show when=move || session.is_biller()>
                    {
                        let (complete_path, reopen_path) = (complete_path.clone(), reopen_path.clone());
                        view! {
                            <div class="card">
                                <Show when=move || !completed>
                                    {
                                        let p = complete_path.clone();
                                        view! { <button on:click=move |_| act(p.clone(), None)>{T.complete}</button> }
                                    }
                                    <form on:submit=move |ev| { ev.prevent_default();
                                        patch(PatchBillRequest {
                                            capacity: Some(capacity.get_untracked().trim().parse::<i32>().unwrap_or(0)),
                                            ..Default::default()
                                        }); }>
                                        <label>{T.capacity}<input inputmode="numeric" on:input=move |ev| capacity.set(event_target_value(&ev))/></label>
                                        <button type="submit">{T.save}</button>
                                    </form>
                                </Show>
                                <form on:submit=move |ev| { ev.prevent_default();
                                    // Empty (or not a number) clears the reading.
                                    patch(PatchBillRequest {
                                        measured_weight_kg: Some(measured.get_untracked().trim().parse::<f64>().ok()),
                                        ..Default::default()
                                    }); }>
                                    <label>{T.scale_reading}<input inputmode="decimal" on:input=move |ev| measured.set(event_target_value(&ev))/></label>
                                    <button type="submit">{T.save}</button>
                                </form>
                                <Show when=move || completed>
                                    {
                                        let p = reopen_path.clone();
                                        view! {
                                            <form on:submit=move |ev| { ev.prevent_default(); act(p.clone(), Some(ReopenRequest { reason: reason.get_untracked() })); }>
                                                <label>{T.reopen_reason}<input required on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                                                <button type="submit">{T.reopen}</button>
                                            </form>
                                        }
                                    }
                                </Show>
                            </div>
                        }
                    }
                </Show>
                <h2>{T.parents}</h2>
                <ul class="list" data-testid="bill-parents">
                    {d.parents.into_iter().map(|p| view! {
                        <li><a href=format!("/bags/{}", p.qr_id)>{p.qr_id.clone()}</a>
                            {format!(" · {} · {:.1}/{:.1} kg", p.child_count, p.weight_kg, p.expected_weight_kg)}</li>
                    }).collect_view()}
                </ul>
            }
        })}
    }
}
