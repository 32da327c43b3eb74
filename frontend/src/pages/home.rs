//! The start page: who is signed in (the dashboard arrives with the web-app issue).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use tracetrack_api_types::auth::User;

use crate::api;
use crate::i18n::T;
use crate::session::use_session;

#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    // Reads /auth/me with the current token, so the page shows the server's view.
    let me = LocalResource::new(move || async move {
        match session.token.get() {
            Some(t) => api::get::<User>("/api/v1/auth/me", Some(&t)).await.ok(),
            None => None,
        }
    });
    view! {
        <Show when=move || session.checked.get() fallback=|| view! { <p>{T.loading}</p> }>
            <Show when=move || session.token.get().is_some() fallback=|| view! { <Redirect path="/login"/> }>
                <h1>{T.app_name}</h1>
                <Suspense fallback=|| view! { <p>{T.loading}</p> }>
                    {move || me.get().flatten().map(|u| view! {
                        <div class="card" data-testid="me">
                            <p>{T.signed_in_as}" "<strong>{u.username.clone()}</strong></p>
                            <p>{T.role}": "{u.role.clone()}</p>
                            <p>{T.area}": "{u.dispatch_area.clone().unwrap_or_else(|| T.no_area.to_string())}</p>
                        </div>
                    })}
                </Suspense>
            </Show>
        </Show>
    }
}

/// Header part: the user's name and a sign-out button.
#[component]
pub fn SignedInAs() -> impl IntoView {
    let session = use_session();
    let sign_out = move |_| {
        let token = session.token.get_untracked();
        spawn_local(async move {
            let _ = api::post_empty("/api/v1/auth/logout", token.as_deref()).await;
            session.clear();
        });
    };
    view! {
        <Show when=move || session.user.get().is_some()>
            <span>{move || session.user.get().map(|u| u.username).unwrap_or_default()}" "
                <button on:click=sign_out>{T.sign_out}</button>
            </span>
        </Show>
    }
}
