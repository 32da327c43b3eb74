//! The signed-in user: the access token lives in memory; the refresh token is an
//! HttpOnly cookie, so a reload or a new tab signs in again without a password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::auth::{TokenResponse, User};

use crate::api;

/// Session state shared by every page.
#[derive(Clone, Copy)]
pub struct Session {
    pub token: RwSignal<Option<String>>,
    pub user: RwSignal<Option<User>>,
    /// False until the start-up refresh has answered.
    pub checked: RwSignal<bool>,
    /// When the access token expires (ms since epoch).
    pub expires_at: RwSignal<f64>,
    /// Set when the session ended by itself (not by signing out): the login page says so.
    pub expired: RwSignal<bool>,
    /// Started without a network: pages that work offline (the station) may open.
    pub offline: RwSignal<bool>,
}

impl Session {
    /// Stores a fresh token pair.
    pub fn accept(&self, tokens: TokenResponse) {
        self.expires_at
            .set(js_sys::Date::now() + tokens.expires_in as f64 * 1000.0);
        self.token.set(Some(tokens.access_token));
        self.user.set(Some(tokens.user));
        self.expired.set(false);
        self.offline.set(false);
        self.checked.set(true);
    }

    /// Forgets the user (after sign-out).
    pub fn clear(&self) {
        self.token.set(None);
        self.user.set(None);
    }

    /// The session ended on the server: back to sign-in, keeping queued scans.
    pub fn expire(&self) {
        self.clear();
        self.expired.set(true);
    }

    /// The signed-in user's role, if any.
    pub fn role(&self) -> Option<String> {
        self.user.get().map(|u| u.role)
    }

    /// True for billers and admins.
    pub fn is_biller(&self) -> bool {
        matches!(self.role().as_deref(), Some("biller" | "admin"))
    }

    /// True for admins.
    pub fn is_admin(&self) -> bool {
        self.role().as_deref() == Some("admin")
    }
}

/// Creates the session and restores it from the refresh cookie.
pub fn provide() -> Session {
    let session = Session {
        token: RwSignal::new(None),
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
        expires_at: RwSignal::new(0.0),
        expired: RwSignal::new(false),
        offline: RwSignal::new(false),
    };
    provide_context(session);
    spawn_local(async move { restore(session).await });
    session
}

/// Signs in again from the refresh cookie; without a network, retries until it can.
async fn restore(session: Session) {
    loop {
        match api::refresh().await {
            Ok(tokens) => return session.accept(tokens),
            Err(api::ApiError::Network) => {
                session.offline.set(true);
                session.checked.set(true);
                gloo_timers_sleep(5000).await;
            }
            Err(_) => {
                session.offline.set(false);
                session.checked.set(true);
                return;
            }
        }
    }
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The session of this page.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
