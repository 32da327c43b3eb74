//! `GET /api/v1/events/stream`: Server-Sent Events for live dashboards.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::api_key;
use crate::auth::extract::{authenticate, bearer, session_user, Touch, EVENT_STREAM_PATH};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::live::Live;
use crate::state::AppState;
use tracetrack_api_types::events::LiveScan;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(event_stream);
}

/// Scan and bill changes the caller may see, as Server-Sent Events (`event: scan`
/// with a `LiveScan`, `event: bill` with a `LiveBill`; `event: lagged` when this
/// client fell behind and should re-read what it shows). A dispatcher gets the
/// events of their area only. Authenticate with the bearer header or, for
/// `EventSource`, `?access_token=`; the stream ends when that token would expire,
/// and the client reconnects with a fresh one. The session is checked again at
/// every heartbeat (15 s): after a logout, password change, deactivation, or a
/// change of role or area the stream ends. With an API key (scope `events:read`) the
/// key is checked at every heartbeat and the stream lasts 12 hours.
#[utoipa::path(
    operation_id = "stream_events",
    tag = "dashboard",
    params(("access_token" = Option<String>, Query, description = "the access token, for clients that cannot send headers")),
    responses((status = 200, description = "an endless event stream", content_type = "text/event-stream", body = String)),
    security(("bearer" = []), ())
)]
#[get("/stream")]
async fn event_stream(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let credential = match api_key::presented(&req) {
        Some(key) => Credential::Key(key),
        None => Credential::Token(bearer(&req).unwrap_or_default()),
    };
    let user = authenticate(req).await?;
    let rx = state.live.subscribe().await;
    // A key does not expire with a token: its stream is re-checked, not cut, every heartbeat.
    let minutes = match credential {
        Credential::Key(_) => KEY_STREAM_MINUTES,
        Credential::Token(_) => u64::try_from(state.config.access_token_minutes).unwrap_or(15).max(1),
    };
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    let every = state.config.event_heartbeat;
    let mut heartbeat = tokio::time::interval_at(Instant::now() + every, every);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hello = Bytes::from_static(b"retry: 3000\n: connected\n\n");
    let subscriber = Subscriber {
        state: state.get_ref().clone(),
        credential,
        user,
    };
    let events = stream::unfold((rx, heartbeat, subscriber), move |(mut rx, mut beat, sub)| async move {
        loop {
            let frame = tokio::select! {
                got = rx.recv() => match got {
                    Ok(event) => match frame(&sub.user, &event) {
                        Some(f) => f,
                        None => continue,
                    },
                    Err(RecvError::Lagged(n)) => format!("event: lagged\ndata: {{\"missed\":{n}}}\n\n"),
                    Err(RecvError::Closed) => return None,
                },
                _ = beat.tick() => {
                    if !sub.still_valid().await {
                        return None;
                    }
                    ": ping\n\n".to_string()
                }
                _ = tokio::time::sleep_until(deadline) => return None,
            };
            return Some((Ok::<_, ApiError>(Bytes::from(frame)), (rx, beat, sub)));
        }
    });
    let body = futures_util::StreamExt::chain(stream::once(async move { Ok(hello) }), events);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// How long a stream opened with an API key lasts before the client reconnects.
const KEY_STREAM_MINUTES: u64 = 12 * 60;

/// What a stream was opened with, to check again.
enum Credential {
    Token(String),
    Key(String),
}

/// One open stream: who it was opened for, and the credential to check again.
struct Subscriber {
    state: AppState,
    credential: Credential,
    user: CurrentUser,
}

impl Subscriber {
    /// Whether the session still stands with the same role and area. A database
    /// that cannot answer right now does not end the stream; an ended session does.
    async fn still_valid(&self) -> bool {
        let now = match &self.credential {
            Credential::Token(token) => session_user(&self.state, token, EVENT_STREAM_PATH, Touch::No).await,
            Credential::Key(key) => api_key::resolve(&self.state, key, None).await,
        };
        match now {
            Ok(now) => now.role == self.user.role && now.dispatch_area == self.user.dispatch_area,
            Err(e) => e.status.is_server_error(),
        }
    }
}

/// The SSE frame of an event, if `user` may see it.
fn frame(user: &CurrentUser, event: &Live) -> Option<String> {
    let (name, id, data) = match event {
        Live::Scan(s) => {
            let own = s.user_id == Some(user.id);
            if !user.visibility().sees_event(s.dispatch_area.as_deref(), s.refused, own) {
                return None;
            }
            // A dispatcher sees their own refused scan of another area's bag, but
            // not which area it is in (that bag does not exist for them).
            if !user.sees_bag(s.dispatch_area.as_deref()) {
                let redacted = LiveScan {
                    dispatch_area: None,
                    ..s.clone()
                };
                ("scan", s.id.to_string(), serde_json::to_string(&redacted).ok()?)
            } else {
                ("scan", s.id.to_string(), serde_json::to_string(s).ok()?)
            }
        }
        Live::Bill(b) => ("bill", String::new(), serde_json::to_string(b).ok()?),
    };
    let id = if id.is_empty() {
        String::new()
    } else {
        format!("id: {id}\n")
    };
    Some(format!("event: {name}\n{id}data: {data}\n\n"))
}
