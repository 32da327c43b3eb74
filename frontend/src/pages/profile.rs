//! Profile: change password (2FA, promotion requests and notifications arrive with their API).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::session::use_session;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let (current, new) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let message = RwSignal::new(None::<(String, bool)>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"current_password": current.get_untracked(), "new_password": new.get_untracked()});
        spawn_local(async move {
            let reply = session
                .send(gloo_net::http::Method::POST, "/api/v1/auth/password", Some(body), &[])
                .await;
            match reply {
                Ok(r) if r.status == 204 => message.set(Some((T.password_changed.to_string(), true))),
                Ok(r) => message.set(Some((
                    r.into_result::<()>().err().map(|e| e.message()).unwrap_or_default(),
                    false,
                ))),
                Err(e) => message.set(Some((e.message(), false))),
            }
        });
    };
    view! {
        <RequireSignIn>
            <h1>{T.menu_profile}</h1>
            <p>{move || session.user.get().map(|u| format!("{} · {}", u.username, u.role)).unwrap_or_default()}</p>
            <h2>{T.change_password}</h2>
            <form on:submit=submit>
                <label>{T.current_password}<input type="password" autocomplete="current-password" required on:input=move |ev| current.set(event_target_value(&ev))/></label>
                <label>{T.new_password}<input type="password" autocomplete="new-password" required on:input=move |ev| new.set(event_target_value(&ev))/></label>
                <button type="submit">{T.change_password}</button>
            </form>
            {move || message.get().map(|(text, ok)| view! { <p class=if ok { "notice" } else { "error" } role="status">{text}</p> })}
        </RequireSignIn>
    }
}
