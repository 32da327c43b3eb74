//! Profile: change password, two-factor sign-in with a QR drawn in the browser and
//! one-time recovery codes, and asking for a higher role.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::auth::{
    ChangePasswordRequest, PasswordConfirmRequest, RecoveryCodes, TotpCodeRequest, TotpSetup,
};
use tracetrack_api_types::notifications::{CreatePromotionRequest, PromotionRequest};
use tracetrack_api_types::{Page, Role};

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
        let body = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            let reply = session
                .send_json(gloo_net::http::Method::POST, "/api/v1/auth/password", &body, &[], None)
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
            <TwoFactor/>
            <Show when=move || !session.is_admin()><Promotion/></Show>
        </RequireSignIn>
    }
}

fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

#[component]
fn TwoFactor() -> impl IntoView {
    let session = use_session();
    let setup = RwSignal::new(None::<TotpSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let enabled = move || session.user.get().is_some_and(|u| u.two_factor_enabled) || codes.get().is_some();
    let start = move |_| {
        spawn_local(async move {
            match session.post_empty::<TotpSetup>("/api/v1/auth/2fa/setup").await {
                Ok(s) => setup.set(Some(s)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = TotpCodeRequest {
            code: code.get_untracked(),
        };
        spawn_local(async move {
            match session.post::<_, RecoveryCodes>("/api/v1/auth/2fa/enable", &body).await {
                Ok(r) => {
                    codes.set(Some(r.recovery_codes));
                    setup.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PasswordConfirmRequest {
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match session
                .send_json(
                    gloo_net::http::Method::POST,
                    "/api/v1/auth/2fa/disable",
                    &body,
                    &[],
                    None,
                )
                .await
            {
                Ok(r) if r.status == 204 => {
                    codes.set(None);
                    session.user.update(|u| {
                        if let Some(u) = u {
                            u.two_factor_enabled = false;
                        }
                    });
                }
                Ok(r) => error.set(r.into_result::<()>().err().map(|e| e.message())),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        <h2>{T.two_factor}</h2>
        <Show when=move || error.get().is_some()><p class="error" role="alert">{move || error.get().unwrap_or_default()}</p></Show>
        <Show when=enabled fallback=move || view! {
            <Show when=move || setup.get().is_some() fallback=move || view! { <button on:click=start>{T.set_up_two_factor}</button> }>
                {move || setup.get().map(|s| view! {
                    <p>{T.scan_this_qr}</p>
                    <div class="qr" data-testid="totp-qr" inner_html=qr_svg(&s.otpauth_url)></div>
                    <p><code data-testid="totp-secret">{s.secret.clone()}</code></p>
                })}
                <form on:submit=confirm>
                    <label>{T.code}<input inputmode="numeric" autocomplete="one-time-code" required
                        on:input=move |ev| code.set(event_target_value(&ev))/></label>
                    <button type="submit">{T.turn_on}</button>
                </form>
            </Show>
        }>
            <p class="notice">{T.two_factor_on}</p>
            {move || codes.get().map(|c| view! {
                <p>{T.recovery_codes_help}</p>
                <ul class="list" data-testid="recovery-codes">{c.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}</ul>
            })}
            <form on:submit=turn_off>
                <label>{T.password}<input type="password" autocomplete="current-password" required
                    on:input=move |ev| password.set(event_target_value(&ev))/></label>
                <button type="submit">{T.turn_off}</button>
            </form>
        </Show>
    }
}

/// Ask for a higher role, and see what became of earlier requests.
#[component]
fn Promotion() -> impl IntoView {
    let session = use_session();
    // The roles above the user's (admins never see this form).
    let mut above: Vec<Role> = match session.user.with_untracked(|u| u.as_ref().map(|u| u.role)) {
        Some(current) => Role::ALL.iter().copied().filter(|&r| r > current).collect(),
        None => Vec::new(),
    };
    if above.is_empty() {
        above.push(Role::Admin);
    }
    let role = RwSignal::new(above[0]);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(String, bool)>);
    let mine = RwSignal::new(Vec::<PromotionRequest>::new());
    let load = move || {
        spawn_local(async move {
            if let Ok(page) = session
                .get::<Page<PromotionRequest>>("/api/v1/promotion-requests")
                .await
            {
                mine.set(page.items);
            }
        });
    };
    load();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreatePromotionRequest {
            requested_role: role.get_untracked(),
            reason: reason.get_untracked(),
        };
        spawn_local(async move {
            match session
                .post::<_, PromotionRequest>("/api/v1/promotion-requests", &body)
                .await
            {
                Ok(_) => {
                    message.set(Some((T.promotion_sent.to_string(), true)));
                    load();
                }
                Err(e) => message.set(Some((e.message(), false))),
            }
        });
    };
    view! {
        <h2>{T.request_promotion}</h2>
        <form on:submit=submit data-testid="promotion-form">
            <label>{T.requested_role}<select on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                {above.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
            </select></label>
            <label>{T.promotion_reason}<textarea required minlength="10" maxlength="500"
                on:input=move |ev| reason.set(event_target_value(&ev))></textarea></label>
            <button type="submit">{T.send_request}</button>
        </form>
        {move || message.get().map(|(text, ok)| view! { <p class=if ok { "notice" } else { "error" } role="status">{text}</p> })}
        <Show when=move || !mine.get().is_empty()>
            <h3>{T.my_requests}</h3>
            <ul class="list" data-testid="my-requests">
                {move || mine.get().into_iter().map(|r| view! {
                    <li>{format!("{} → {} · {} · {}", r.current_role, r.requested_role, r.status,
                        crate::time::stamp(&r.created_at))}
                        {r.decision_note.map(|n| view! { <p><em>{n}</em></p> })}</li>
                }).collect_view()}
            </ul>
        </Show>
    }
}
