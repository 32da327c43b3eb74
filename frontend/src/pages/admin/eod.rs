//! The end-of-day report with a date picker.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::reports::EodReport;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn EodPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><EodView/></RequireRole> }
}

#[component]
fn EodView() -> impl IntoView {
    let session = use_session();
    let report = RwSignal::new(None::<EodReport>);
    let error = RwSignal::new(None::<String>);
    let load = move |date: String| {
        spawn_local(async move {
            let path = if date.is_empty() {
                "/api/v1/reports/eod".to_string()
            } else {
                format!("/api/v1/reports/eod?date={date}")
            };
            match session.get::<EodReport>(&path).await {
                Ok(r) => {
                    report.set(Some(r));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load(String::new());
    let counts = |m: &std::collections::BTreeMap<String, i64>| {
        m.iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <h1>{T.eod_report}</h1>
        <label>{T.eod_date}<input type="date"
            prop:value=move || report.get().map(|r| r.date.to_string()).unwrap_or_default()
            on:change=move |ev| load(event_target_value(&ev))/></label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || report.get().map(|r| view! {
            <table class="facts" data-testid="eod">
                <tr><th scope="row">{T.eod_bills}</th><td>{r.bills}</td></tr>
                <tr><th scope="row">{T.eod_parents}</th><td>{r.parents}</td></tr>
                <tr><th scope="row">{T.eod_children}</th><td>{r.children}</td></tr>
                <tr><th scope="row">{T.actual_kg}</th><td>{format!("{:.1}", r.actual_weight_kg)}</td></tr>
                <tr><th scope="row">{T.expected_kg}</th><td>{format!("{:.1}", r.expected_weight_kg)}</td></tr>
                <tr><th scope="row">{T.eod_by_status}</th><td>{counts(&r.by_status)}</td></tr>
                <tr><th scope="row">{T.eod_by_creator}</th><td>{counts(&r.by_creator)}</td></tr>
            </table>
            <ul class="list">
                {r.rows.into_iter().map(|b| view! {
                    <li>{format!("{} · {} · {} · {}/{} · {:.1} kg", b.bill_number, b.status,
                        b.created_by.unwrap_or_default(), b.parents, b.children, b.actual_weight_kg)}</li>
                }).collect_view()}
            </ul>
        })}
    }
}
