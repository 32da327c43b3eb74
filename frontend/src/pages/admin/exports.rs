//! Exports: bags, bills, scan events and user activity as CSV or Excel, for an
//! optional range of days (in the browser's time zone).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn ExportsPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><ExportsView/></RequireRole> }
}

/// Local midnight of a `YYYY-MM-DD` day as an RFC 3339 instant (empty stays empty).
fn local_midnight(day: &str) -> Option<String> {
    if day.is_empty() {
        return None;
    }
    let date = js_sys::Date::new(&format!("{day}T00:00:00").into());
    date.get_time().is_finite().then(|| String::from(date.to_iso_string()))
}

#[component]
fn ExportsView() -> impl IntoView {
    let session = use_session();
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let download = move |kind: &'static str, format: &'static str| {
        let mut params = vec![format!("format={format}")];
        if let Some(t) = local_midnight(&from.get_untracked()) {
            params.push(format!("from={}", js_sys::encode_uri_component(&t)));
        }
        if let Some(t) = local_midnight(&to.get_untracked()) {
            params.push(format!("to={}", js_sys::encode_uri_component(&t)));
        }
        let path = format!("/api/v1/exports/{kind}?{}", params.join("&"));
        let name = format!("{kind}.{format}");
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            if let Err(e) = session.download(&path, &name).await {
                error.set(Some(e.message()));
            }
            busy.set(false);
        });
    };
    let kinds: [(&'static str, &'static str); 4] = [
        ("bags", T.menu_bags),
        ("bills", T.menu_bills),
        ("scans", T.export_scans),
        ("user-activity", T.export_user_activity),
    ];
    view! {
        <h1>{T.exports}</h1>
        <p>{T.exports_help}</p>
        <div class="stack">
            <label>{T.export_from}<input type="date" name="from" on:change=move |ev| from.set(event_target_value(&ev))/></label>
            <label>{T.export_to}<input type="date" name="to" on:change=move |ev| to.set(event_target_value(&ev))/></label>
        </div>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <ul class="list" data-testid="exports">
            {kinds.into_iter().map(|(kind, label)| view! {
                <li class="card">
                    <h2>{label}</h2>
                    <button class="big" data-export=format!("{kind}.csv") disabled=move || busy.get()
                        on:click=move |_| download(kind, "csv")>{T.download_csv}</button>
                    " "
                    <button class="big secondary" data-export=format!("{kind}.xlsx") disabled=move || busy.get()
                        on:click=move |_| download(kind, "xlsx")>{T.download_xlsx}</button>
                </li>
            }).collect_view()}
        </ul>
    }
}
