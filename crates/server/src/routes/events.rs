//! `GET /api/v1/events/stream`: Server-Sent Events for live dashboards.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::extract::authenticate;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::live::Live;
use crate::state::AppState;

/// A comment line this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(event_stream);
}

/// Scan and bill changes the caller may see, as Server-Sent Events (`event: scan`
/// with a `LiveScan`, `event: bill` with a `LiveBill`; `event: lagged` when this
/// client fell behind and should re-read what it shows). A dispatcher gets the
/// events of their area only. Authenticate with the bearer header or, for
/// `EventSource`, `?access_token=`; the stream ends when that token would expire,
/// and the client reconnects with a fresh one.
#[utoipa::path(
    tag = "dashboard",
    params(("access_token" = Option<String>, Query, description = "the access token, for clients that cannot send headers")),
    responses((status = 200, description = "an endless event stream", content_type = "text/event-stream", body = String)),
    security(("bearer" = []), ())
)]
#[get("/stream")]
async fn event_stream(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let user = authenticate(req).await?;
    let rx = state.live.subscribe().await;
    let minutes = u64::try_from(state.config.access_token_minutes).unwrap_or(15).max(1);
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hello = Bytes::from_static(b"retry: 3000\n: connected\n\n");
    let events = stream::unfold((rx, heartbeat, user), move |(mut rx, mut beat, user)| async move {
        loop {
            let frame = tokio::select! {
                got = rx.recv() => match got {
                    Ok(event) => match frame(&user, &event) {
                        Some(f) => f,
                        None => continue,
                    },
                    Err(RecvError::Lagged(n)) => format!("event: lagged\ndata: {{\"missed\":{n}}}\n\n"),
                    Err(RecvError::Closed) => return None,
                },
                _ = beat.tick() => ": ping\n\n".to_string(),
                _ = tokio::time::sleep_until(deadline) => return None,
            };
            return Some((Ok::<_, ApiError>(Bytes::from(frame)), (rx, beat, user)));
        }
    });
    let body = futures_util::StreamExt::chain(stream::once(async move { Ok(hello) }), events);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// The SSE frame of an event, if `user` may see it.
fn frame(user: &CurrentUser, event: &Live) -> Option<String> {
    let (name, id, data) = match event {
        Live::Scan(s) => {
            if !user.sees_area(s.dispatch_area.as_deref()) {
                return None;
            }
            ("scan", s.id.to_string(), serde_json::to_string(s).ok()?)
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
