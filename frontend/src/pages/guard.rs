//! Page guards: signed in, and allowed.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::i18n::T;
use crate::session::use_session;

/// Renders children only for a signed-in user; otherwise sends them to sign in
/// and back here afterwards. With `offline_ok`, a page opened without a network
/// (the station) renders too and signs in again when the network returns.
#[component]
pub fn RequireSignIn(#[prop(optional)] offline_ok: bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Show when=move || session.checked.get() fallback=|| view! { <p>{T.loading}</p> }>
            <Show
                when=move || session.token.get().is_some() || (offline_ok && session.offline.get())
                fallback=move || {
                    let search = location.search.get_untracked();
                    let query = if search.is_empty() { String::new() } else { format!("?{}", search.trim_start_matches('?')) };
                    let next = format!("{}{query}", location.pathname.get_untracked());
                    view! { <Redirect path=format!("/login?next={}", js_sys::encode_uri_component(&next)) /> }
                }
            >
                {children.read_value()()}
            </Show>
        </Show>
    }
}

/// Renders children only for billers and admins (`admin_only`: admins).
#[component]
pub fn RequireRole(#[prop(optional)] admin_only: bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    let allowed = move || {
        if admin_only {
            session.is_admin()
        } else {
            session.is_biller()
        }
    };
    view! {
        <RequireSignIn>
            <Show when=allowed fallback=|| view! { <NotAllowed/> }>
                {children.read_value()()}
            </Show>
        </RequireSignIn>
    }
}

/// The friendly "not allowed" page.
#[component]
pub fn NotAllowed() -> impl IntoView {
    view! {
        <h1>{T.not_allowed_title}</h1>
        <p>{T.not_allowed_text}</p>
        <a href="/">{T.go_home}</a>
    }
}
