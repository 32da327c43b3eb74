//! Sign-in page, with the TOTP step when the account asks for it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use tracetrack_api_types::auth::LoginRequest;
use tracetrack_api_types::ErrorCode;

use crate::api;
use crate::i18n::T;
use crate::session::use_session;

#[component]
pub fn Login() -> impl IntoView {
    let session = use_session();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let needs_code = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let next = use_query_map()
        .get_untracked()
        .get("next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//"));
    let next = StoredValue::new(next.unwrap_or_else(|| "/".into()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let body = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
            totp_code: needs_code.get_untracked().then(|| code.get_untracked()),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = api::login(&body).await;
            busy.set(false);
            match answer {
                Ok(tokens) => {
                    session.accept(tokens);
                    navigate(&next.get_value(), Default::default());
                }
                Err(e) if matches!(e.code(), Some(ErrorCode::TotpRequired)) => needs_code.set(true),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <h1>{T.sign_in}</h1>
        <Show when=move || session.expired.get()>
            <p class="notice" role="status">{T.session_ended}</p>
        </Show>
        <form on:submit=submit>
            <label>{T.username}
                <input name="username" autocomplete="username" required
                    on:input=move |ev| username.set(event_target_value(&ev)) prop:value=username/>
            </label>
            <label>{T.password}
                <input name="password" type="password" autocomplete="current-password" required
                    on:input=move |ev| password.set(event_target_value(&ev)) prop:value=password/>
            </label>
            <Show when=move || needs_code.get()>
                <label>{T.code}
                    <input name="code" inputmode="numeric" autocomplete="one-time-code" required
                        on:input=move |ev| code.set(event_target_value(&ev)) prop:value=code/>
                    <small>{T.code_hint}</small>
                </label>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" disabled=busy>
                {move || if busy.get() { T.signing_in } else { T.sign_in }}
            </button>
        </form>
    }
}
