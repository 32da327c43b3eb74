//! The delivery worker of every instance (`WEBHOOK_DELIVERY`): turns new messages into
//! deliveries, claims due deliveries with `FOR UPDATE SKIP LOCKED` (so each goes out
//! from one instance), sends them with no database connection held, and records each
//! attempt. Per endpoint, claimed deliveries go out one after another in commit order;
//! endpoints are served side by side.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracetrack_api_types::NotificationLevel;
use tracetrack_db::notifications::{notify_admins, Note};
use tracetrack_db::webhooks::{self, Claimed, Outcome};

use super::{body, guard, signature};
use crate::error::ApiResult;
use crate::state::AppState;

/// Pause between rounds.
const POLL: Duration = Duration::from_millis(100);
/// Messages fanned out per statement, deliveries claimed per round and per endpoint.
const FAN_OUT: i64 = 500;
const CLAIM: i64 = 200;
const PER_ENDPOINT: i64 = 5;
/// How long a claim holds: longer than `PER_ENDPOINT` attempts of 15 s each.
const LEASE_SECS: f64 = 120.0;
/// Seconds before attempts 2 to 10; after the 10th fails the delivery is dead.
pub const SCHEDULE: [u64; 9] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];
/// An endpoint that only fails for this long is disabled.
const DISABLE_AFTER: Duration = Duration::from_secs(5 * 24 * 3600);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: u64 = 86_400;

/// Endpoints this instance is sending to right now.
type Busy = Arc<Mutex<HashSet<i64>>>;

/// Runs until the process ends.
pub async fn run(state: AppState) {
    if !state.config.webhook_delivery {
        return;
    }
    let client = match guard::client(state.config.webhook_allow_private) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "webhooks: no HTTP client; nothing will be delivered");
            return;
        }
    };
    let busy: Busy = Arc::default();
    loop {
        if let Err(e) = round(&state, &client, &busy).await {
            tracing::warn!(error = %e, "webhooks: a delivery round failed; retrying");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One round: fan out new messages, claim what is due, and start a sender per
/// endpoint (a slow receiver holds up only its own endpoint).
async fn round(state: &AppState, client: &reqwest::Client, busy: &Busy) -> ApiResult<()> {
    loop {
        let taken = state.db(|c| Ok(webhooks::fan_out(c, FAN_OUT)?)).await?;
        if taken < FAN_OUT as usize {
            break;
        }
    }
    let skip: Vec<i64> = lock(busy).iter().copied().collect();
    let claimed = state
        .db(move |c| Ok(webhooks::claim_due(c, CLAIM, PER_ENDPOINT, LEASE_SECS, &skip, None)?))
        .await?;
    let mut per_endpoint: BTreeMap<i64, Vec<Claimed>> = BTreeMap::new();
    for delivery in claimed {
        per_endpoint.entry(delivery.endpoint_id).or_default().push(delivery);
    }
    for (endpoint, queue) in per_endpoint {
        lock(busy).insert(endpoint);
        let (state, client, busy) = (state.clone(), client.clone(), busy.clone());
        actix_web::rt::spawn(async move {
            send_in_order(&state, &client, queue).await;
            lock(&busy).remove(&endpoint);
        });
    }
    Ok(())
}

fn lock(busy: &Busy) -> std::sync::MutexGuard<'_, HashSet<i64>> {
    busy.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends one endpoint's claimed deliveries in order, then claims its next ones (new
/// messages fanned out first) until nothing is due: a busy endpoint is served without
/// waiting for rounds. Stops, giving claims back, when the endpoint is disabled.
async fn send_in_order(state: &AppState, client: &reqwest::Client, mut queue: Vec<Claimed>) {
    let endpoint = queue.first().map(|d| d.endpoint_id);
    while !queue.is_empty() {
        let mut rest = std::mem::take(&mut queue).into_iter();
        while let Some(delivery) = rest.next() {
            match attempt(state, client, delivery).await {
                Ok(true) => {}
                Ok(false) => {
                    let claims: Vec<(i64, DateTime<Utc>)> = rest.map(|d| (d.delivery_id, d.claim)).collect();
                    if let Err(e) = state.db(move |c| Ok(webhooks::release(c, &claims)?)).await {
                        tracing::warn!(error = %e, "webhooks: claims could not be given back; they run out");
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhooks: an attempt could not be recorded; it is retried after its claim ends")
                }
            }
        }
        let next = state
            .db(move |c| {
                webhooks::fan_out(c, FAN_OUT)?;
                Ok(webhooks::claim_due(
                    c,
                    PER_ENDPOINT,
                    PER_ENDPOINT,
                    LEASE_SECS,
                    &[],
                    endpoint,
                )?)
            })
            .await;
        match next {
            Ok(more) => queue = more,
            Err(e) => tracing::warn!(error = %e, "webhooks: could not claim more; the next round will"),
        }
    }
}

/// The signing keys of an endpoint now: its secret, and the previous one during a rotation.
fn keys(state: &AppState, d: &Claimed, now: DateTime<Utc>) -> Vec<Vec<u8>> {
    let previous = d
        .previous_secret
        .as_ref()
        .filter(|_| d.previous_secret_until.is_some_and(|until| until > now));
    [Some(&d.secret), previous]
        .into_iter()
        .flatten()
        .filter_map(|stored| state.webhook_secrets.open(stored))
        .filter_map(|secret| signature::secret_key(&secret).ok())
        .collect()
}

/// Sends one delivery and records what happened; whether the endpoint is still enabled.
async fn attempt(state: &AppState, client: &reqwest::Client, d: Claimed) -> ApiResult<bool> {
    let now = Utc::now();
    let made = d.attempts + 1;
    let scale = state.config.webhook_retry_scale;
    let keys = keys(state, &d, now);
    let config = &state.config;
    // An address in the URL itself never reaches the resolver: check it here, every time
    // (the endpoint may have been stored by an instance that allows private addresses).
    let refused = guard::check_url(&d.url, config.production, config.webhook_allow_private).err();
    let failed = |error: String| {
        let next = next_attempt(made, None, scale, now);
        (
            Outcome::Failed {
                status: None,
                error,
                next,
            },
            false,
        )
    };
    let (outcome, gone) = if let Some(why) = refused {
        failed(format!("refused: the URL {why}"))
    } else if keys.is_empty() {
        failed("the endpoint's secret cannot be decrypted (was WEBHOOK_SECRET_KEY changed?)".to_string())
    } else {
        let body = body(&d.event_type, d.occurred_at, &d.data);
        let timestamp = now.timestamp();
        let sent = client
            .post(&d.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature::header(&keys, &d.msg_id, timestamp, &body),
            )
            .body(body)
            .send()
            .await;
        judge(sent, made, scale, now)
    };
    let (delivery, claim, endpoint) = (d.delivery_id, d.claim, d.endpoint_id);
    let url = d.url.clone();
    let recorded = state
        .db(move |c| Ok(webhooks::record_attempt(c, delivery, claim, endpoint, &outcome)?))
        .await?;
    let Some(failing_since) = recorded else {
        tracing::warn!(
            delivery,
            "webhooks: the claim ran out during the attempt; another instance owns it now"
        );
        return Ok(true);
    };
    let reason = if gone {
        Some("the receiver answered 410 Gone".to_string())
    } else {
        failing_since
            .filter(|since| (now - *since).to_std().is_ok_and(|d| d >= DISABLE_AFTER.mul_f64(scale)))
            .map(|since| format!("every attempt failed since {}", since.format("%Y-%m-%d %H:%M UTC")))
    };
    match reason {
        Some(reason) => {
            disable(state, endpoint, &url, reason).await?;
            Ok(false)
        }
        None => Ok(true),
    }
}

/// What an answer (or its absence) means; and whether the receiver said 410 Gone.
fn judge(sent: reqwest::Result<reqwest::Response>, made: i32, scale: f64, now: DateTime<Utc>) -> (Outcome, bool) {
    match sent {
        Ok(res) if res.status().is_success() => (
            Outcome::Delivered {
                status: i32::from(res.status().as_u16()),
            },
            false,
        ),
        Ok(res) => {
            let status = res.status();
            let gone = status == reqwest::StatusCode::GONE;
            let retry_after = matches!(status.as_u16(), 429 | 503)
                .then(|| retry_after(res.headers().get("retry-after")?.to_str().ok()?, now))
                .flatten();
            let next = if gone {
                None
            } else {
                next_attempt(made, retry_after, scale, now)
            };
            let error = if status.is_redirection() {
                format!("HTTP {status} (redirects are not followed)")
            } else {
                format!("HTTP {status}")
            };
            let status = Some(i32::from(status.as_u16()));
            (Outcome::Failed { status, error, next }, gone)
        }
        Err(e) => {
            // Without the URL: its query may hold a receiver's token.
            let e = e.without_url();
            let mut error = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                error = format!("{error}: {cause}");
                source = cause.source();
            }
            let next = next_attempt(made, None, scale, now);
            (
                Outcome::Failed {
                    status: None,
                    error,
                    next,
                },
                false,
            )
        }
    }
}

/// Seconds a `Retry-After` asks for: a number, or an HTTP date.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(secs) => Some(secs),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value).ok()?;
            Some(u64::try_from((at.to_utc() - now).num_seconds()).unwrap_or(0))
        }
    }
}

/// When to try again after `made` attempts (`None`: the schedule is over), with ±10 %
/// jitter, never sooner than the receiver's `Retry-After`.
pub fn next_attempt(made: i32, retry_after: Option<u64>, scale: f64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let base = *SCHEDULE.get(usize::try_from(made).ok()?.checked_sub(1)?)? as f64 * scale;
    let mut r = [0u8; 2];
    let unit = match getrandom::fill(&mut r) {
        Ok(()) => f64::from(u16::from_le_bytes(r)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    };
    let jittered = base * (0.9 + 0.2 * unit);
    let wait = jittered.max(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER) as f64);
    Some(now + chrono::Duration::milliseconds((wait * 1000.0) as i64))
}

/// Disables an endpoint and tells the admins (once, whichever instance gets there first).
async fn disable(state: &AppState, endpoint: i64, url: &str, reason: String) -> ApiResult<()> {
    let message = format!("Webhook endpoint {url} was disabled: {reason}. Fix the receiver, then enable it again.");
    state
        .tx(move |c| {
            if webhooks::disable(c, endpoint, &reason)? {
                tracetrack_db::audit::record(
                    c,
                    &tracetrack_db::models::NewAudit {
                        actor_id: None,
                        action: "webhook.disable".into(),
                        entity_type: "webhook".into(),
                        entity_id: Some(endpoint.to_string()),
                        before: None,
                        after: Some(serde_json::json!({"enabled": false, "disabled_reason": reason})),
                        ip: None,
                        request_id: None,
                        api_key_id: None,
                    },
                )?;
                let note = Note {
                    level: NotificationLevel::Warning,
                    title: "Webhook endpoint disabled",
                    message: &message,
                    link: Some("/admin/integrations"),
                };
                notify_admins(c, note)?;
            }
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_has_jitter_scale_and_an_end() {
        let now = Utc::now();
        for (made, secs) in [(1, 5.0), (2, 300.0), (9, 86_400.0)] {
            let wait = (next_attempt(made, None, 1.0, now).unwrap() - now).num_milliseconds() as f64 / 1000.0;
            assert!(
                wait >= secs * 0.9 - 0.01 && wait <= secs * 1.1 + 0.01,
                "attempt {made}: {wait}"
            );
        }
        assert_eq!(next_attempt(10, None, 1.0, now), None, "ten attempts, then dead");
        let scaled = next_attempt(2, None, 0.001, now).unwrap() - now;
        assert!(scaled.num_milliseconds() <= 330);
        assert_eq!(retry_after(" 120 ", now), Some(120));
        let date = (now + chrono::Duration::seconds(90))
            .to_rfc2822()
            .replace("+0000", "GMT");
        assert!(
            retry_after(&date, now).is_some_and(|s| (89..=90).contains(&s)),
            "{date}"
        );
        assert_eq!(retry_after("soon", now), None);
        let honoured = next_attempt(1, Some(120), 1.0, now).unwrap() - now;
        assert!(honoured.num_seconds() >= 119, "Retry-After wins over a shorter step");
    }
}
