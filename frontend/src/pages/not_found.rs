//! Friendly page for unknown addresses. In the floor build an office page's
//! address is not unknown: it reloads from the server, which sends the office build.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use tracetrack_domain::web::is_office_path;

use crate::i18n::T;

/// Loads `path` (with `query`) from the server unless that was just tried
/// (offline, the service worker answers with the floor build again: no loop).
/// Not `reload()`: the router updates the address bar only after rendering this.
fn load_from_server(path: &str, query: &str) -> bool {
    const KEY: &str = "tt_office_reload";
    let Some(store) = window().session_storage().ok().flatten() else {
        return false;
    };
    let now = js_sys::Date::now();
    let recent = store
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|v| {
            v.split_once(' ')
                .map(|(t, p)| (t.parse::<f64>().unwrap_or(0.0), p.to_string()))
        })
        .is_some_and(|(t, p)| p == path && now - t < 10_000.0);
    if recent {
        return false;
    }
    let _ = store.set_item(KEY, &format!("{now} {path}"));
    let query = query.trim_start_matches('?');
    let url = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    window().location().replace(&url).is_ok()
}

#[component]
pub fn NotFound() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    if !cfg!(feature = "office") && is_office_path(&path) {
        if load_from_server(&path, &location.search.get_untracked()) {
            return view! { <p>{T.loading}</p> }.into_any();
        }
        return view! {
            <h1>{T.office_offline_title}</h1>
            <p>{T.office_offline_text}</p>
            <a href="/station">{T.menu_station}</a>
        }
        .into_any();
    }
    view! {
        <h1>{T.not_found_title}</h1>
        <p>{T.not_found_text}</p>
        <a href="/">{T.go_home}</a>
    }
    .into_any()
}
