//! Sign-in page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use tracetrack_api_types::auth::{LoginRequest, TokenResponse};

use crate::api;
use crate::i18n::T;
use crate::session::use_session;

#[component]
pub fn Login() -> impl IntoView {
    let session = use_session();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let body = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
            totp_code: None,
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer: Result<TokenResponse, _> = api::post("/api/v1/auth/login", None, &body).await;
            busy.set(false);
            match answer {
                Ok(tokens) => {
                    session.accept(tokens);
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <h1>{T.sign_in}</h1>
        <form on:submit=submit>
            <label>{T.username}
                <input name="username" autocomplete="username" required
                    on:input=move |ev| username.set(event_target_value(&ev)) prop:value=username/>
            </label>
            <label>{T.password}
                <input name="password" type="password" autocomplete="current-password" required
                    on:input=move |ev| password.set(event_target_value(&ev)) prop:value=password/>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" disabled=busy>
                {move || if busy.get() { T.signing_in } else { T.sign_in }}
            </button>
        </form>
    }
}
