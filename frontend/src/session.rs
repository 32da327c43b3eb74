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
}

impl Session {
    /// Stores a fresh token pair.
    pub fn accept(&self, tokens: TokenResponse) {
        self.token.set(Some(tokens.access_token));
        self.user.set(Some(tokens.user));
        self.checked.set(true);
    }

    /// Forgets the user (after sign-out or expiry).
    pub fn clear(&self) {
        self.token.set(None);
        self.user.set(None);
    }
}

/// Creates the session and restores it from the refresh cookie.
pub fn provide() {
    let session = Session {
        token: RwSignal::new(None),
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    spawn_local(async move {
        let refreshed: Result<TokenResponse, _> = api::post("/api/v1/auth/refresh", None, &serde_json::json!({})).await;
        match refreshed {
            Ok(tokens) => session.accept(tokens),
            Err(_) => session.checked.set(true),
        }
    });
}

/// The session of this page.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
