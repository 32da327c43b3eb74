//! Imports: upload a CSV or XLSX file, then watch the job's progress and its
//! row errors.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use tracetrack_api_types::imports::{ImportDetail, ImportJob};
use tracetrack_api_types::{ImportKind, ImportMode, Page};
use wasm_bindgen::JsCast;

use crate::i18n::T;
use crate::pages::guard::RequireRole;
use crate::session::use_session;

#[component]
pub fn ImportsPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><ImportsView/></RequireRole> }
}

#[component]
pub fn ImportDetailPage() -> impl IntoView {
    view! { <RequireRole admin_only=true><ImportDetailView/></RequireRole> }
}

/// "412 of 1000 rows" and the status in words.
fn progress_line(j: &ImportJob) -> String {
    format!(
        "{} · {} / {} {} · {} {} · {} {}",
        T.import_state(j.status),
        j.processed_rows,
        j.total_rows,
        T.import_rows,
        j.applied_rows,
        T.import_applied,
        j.error_rows,
        T.import_with_problems
    )
}

#[component]
fn ImportsView() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let jobs = LocalResource::new(move || async move {
        session
            .get::<Page<ImportJob>>("/api/v1/imports?limit=50")
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match session.upload::<ImportJob>("/api/v1/imports", data).await {
                Ok(job) => navigate(&format!("/admin/imports/{}", job.id), Default::default()),
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <h1>{T.imports}</h1>
        <form class="stack" on:submit=submit data-testid="import-form">
            <label>{T.import_file}
                <input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>
            </label>
            <label>{T.import_kind}
                <select name="kind">
                    <option value="">{T.kind_auto}</option>
                    {ImportKind::ALL.iter().map(|&k| view! { <option value=k.as_str()>{T.import_kind(k)}</option> }).collect_view()}
                </select>
            </label>
            <label>{T.import_mode}
                <select name="mode">
                    {ImportMode::ALL.iter().map(|&m| view! { <option value=m.as_str()>{T.import_mode(m)}</option> }).collect_view()}
                </select>
            </label>
            <button class="big" type="submit" disabled=move || busy.get()>{T.start_import}</button>
        </form>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <h2>{T.past_imports}</h2>
        <Suspense fallback=|| view! { <p>{T.loading}</p> }>
            <ul class="list" data-testid="imports">
                {move || jobs.get().map(|items| items.into_iter().map(|j| view! {
                    <li><a href=format!("/admin/imports/{}", j.id)>
                        {format!("#{} {} · {} · ", j.id, j.filename, crate::time::stamp(&j.created_at))}
                        {progress_line(&j)}
                    </a></li>
                }).collect_view())}
            </ul>
        </Suspense>
    }
}

#[component]
fn ImportDetailView() -> impl IntoView {
    let session = use_session();
    let id = use_params_map().get_untracked().get("id").unwrap_or_default();
    let detail = RwSignal::new(None::<ImportDetail>);
    let error = RwSignal::new(None::<String>);
    let load = move |id: String| {
        spawn_local(async move {
            match session.get::<ImportDetail>(&format!("/api/v1/imports/{id}")).await {
                Ok(d) => detail.set(Some(d)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load(id.clone());
    // Follow a running job every second until it ends.
    let poll_id = id.clone();
    if let Ok(h) = set_interval_with_handle(
        move || {
            let running = detail.get_untracked().is_none_or(|d| d.job.finished_at.is_none());
            if running && error.get_untracked().is_none() {
                load(poll_id.clone());
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || h.clear());
    }
    view! {
        <h1>{format!("{} #{id}", T.imports)}</h1>
        <p><a href="/admin/imports">{T.imports}</a></p>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || detail.get().map(|d| {
            let j = d.job;
            view! {
                <div class="card" data-testid="import-job" data-status=j.status.as_str()>
                    <p><strong>{j.filename.clone()}</strong>" · "{j.kind.as_str().replace('_', " ")}" · "{j.mode.as_str().replace('_', " ")}</p>
                    <progress max=j.total_rows.max(1) value=j.processed_rows aria-label=T.import_rows></progress>
                    <p class="big-text">{progress_line(&j)}</p>
                    {j.message.clone().map(|m| view! { <p>{m}</p> })}
                </div>
                <h2>{T.import_errors}</h2>
                {if d.errors.is_empty() {
                    view! { <p>{T.no_row_errors}</p> }.into_any()
                } else {
                    view! {
                        <table class="facts row-errors" data-testid="import-errors">
                            <tr><th scope="col">{T.row}</th><th scope="col">{T.problem}</th></tr>
                            {d.errors.into_iter().map(|e| view! {
                                <tr><td>{e.row}</td><td>{format!("{} ({})", e.message, e.code)}</td></tr>
                            }).collect_view()}
                        </table>
                    }.into_any()
                }}
            }
        })}
    }
}
