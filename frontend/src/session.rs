//! The signed-in user: the access token lives in memory; the refresh token is an
//! HttpOnly cookie, so a reload or a new tab signs in again without a password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use tracetrack_api_types::auth::{TokenResponse, User};
use tracetrack_api_types::Role;

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
    /// When the server ends the session for good (ms since epoch).
    pub ends_at: RwSignal<f64>,
}

/// The user scans belong to: whoever is signed in, or (started without a network)
/// whoever last signed in on this device and has not signed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub id: i64,
    pub username: String,
}

const DEVICE_USER_KEY: &str = "tt_device_user";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Session {
    /// Whose scans this device takes now (see `Owner`).
    pub fn owner(&self) -> Option<Owner> {
        match self.user.get_untracked() {
            Some(u) => Some(Owner {
                id: u.id,
                username: u.username,
            }),
            None => serde_json::from_str(&storage()?.get_item(DEVICE_USER_KEY).ok()??).ok(),
        }
    }

    /// Stores a fresh token pair.
    pub fn accept(&self, tokens: TokenResponse) {
        let owner = Owner {
            id: tokens.user.id,
            username: tokens.user.username.clone(),
        };
        if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&owner)) {
            let _ = s.set_item(DEVICE_USER_KEY, &json);
        }
        self.expires_at
            .set(js_sys::Date::now() + tokens.expires_in as f64 * 1000.0);
        self.ends_at.set(tokens.session_expires_at.timestamp_millis() as f64);
        self.token.set(Some(tokens.access_token));
        self.user.set(Some(tokens.user));
        self.expired.set(false);
        self.offline.set(false);
        self.checked.set(true);
    }

    /// Forgets the user (after sign-out): the device is no longer theirs.
    pub fn clear(&self) {
        if let Some(s) = storage() {
            let _ = s.remove_item(DEVICE_USER_KEY);
        }
        self.token.set(None);
        self.user.set(None);
    }

    /// The session ended on the server: back to sign-in, keeping queued scans (and
    /// the device the user's, for an offline start until they sign in again).
    pub fn expire(&self) {
        self.token.set(None);
        self.user.set(None);
        self.expired.set(true);
    }

    /// The signed-in user's role, if any.
    pub fn role(&self) -> Option<Role> {
        self.user.with(|u| u.as_ref().map(|u| u.role))
    }

    /// True for billers and admins: they manage bills.
    pub fn is_biller(&self) -> bool {
        self.role().is_some_and(Role::manages_bills)
    }

    /// True for admins.
    pub fn is_admin(&self) -> bool {
        self.role().is_some_and(Role::is_admin)
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
        ends_at: RwSignal::new(0.0),
    };
    provide_context(session);
    spawn_local(async move { restore(session).await });
    keep_alive(session);
    session
}

/// Renews the access token shortly before it expires (so a scan burst never meets a
/// 401), and ends the session cleanly when the server's absolute limit is reached.
fn keep_alive(session: Session) {
    let _ = set_interval_with_handle(
        move || {
            if session.token.get_untracked().is_none() {
                return;
            }
            let now = js_sys::Date::now();
            if now >= session.ends_at.get_untracked() {
                session.expire();
            } else if session.expires_at.get_untracked() - now < 60_000.0 {
                spawn_local(async move {
                    match api::refresh().await {
                        Ok(tokens) => session.accept(tokens),
                        Err(api::ApiError::Network) => {}
                        Err(_) => session.expire(),
                    }
                });
            }
        },
        std::time::Duration::from_secs(10),
    );
}

/// Seconds until the session ends, when that is under two minutes.
pub fn ending_soon(session: Session) -> Option<i64> {
    session.token.get()?;
    let left = (session.ends_at.get() - js_sys::Date::now()) / 1000.0;
    (left < 120.0).then_some(left.max(0.0) as i64)
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
