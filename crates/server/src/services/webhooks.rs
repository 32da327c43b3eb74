//! Webhook endpoints (admin): checked URLs, secrets shown once and rotated with a
//! day of overlap, test messages, manual retries and replays.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tracetrack_api_types::webhooks::{
    CreateWebhookRequest, DeliveryStatus, PatchWebhookRequest, WebhookDelivery, WebhookEndpoint, WebhookEventType,
    WebhookWithSecret,
};
use tracetrack_api_types::{ErrorCode, Role};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::webhooks::{self as db, DeliveryRow, EndpointRow, NewEndpoint, NewMessage};

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::services::users::check_area;
use crate::services::Actor;
use crate::state::AppState;
use crate::webhooks::guard;
use crate::webhooks::secrets::SecretBox;

/// How long the previous secret keeps signing after a rotation.
const ROTATION_OVERLAP_HOURS: i64 = 24;

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("Webhook endpoint {id} does not exist."))
}

/// Checks a receiver URL: scheme (https in production), no credentials, and (unless
/// `WEBHOOK_ALLOW_PRIVATE`) a host that resolves to public addresses only. Runs before
/// any transaction: it may wait on DNS.
pub async fn check_url(config: &Config, url: &str) -> ApiResult<String> {
    let invalid = |why: String| ApiError::invalid_field("/url", "not_allowed", format!("The URL {why}."));
    let parsed = guard::check_url(url, config.production, config.webhook_allow_private).map_err(invalid)?;
    guard::resolve(&parsed, config.webhook_allow_private)
        .await
        .map_err(invalid)?;
    Ok(parsed.to_string())
}

fn check_description(text: Option<String>) -> ApiResult<Option<String>> {
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 500) {
        return Err(ApiError::invalid_field(
            "/description",
            "too_long",
            "At most 500 characters.",
        ));
    }
    Ok(text)
}

fn type_names(types: &[WebhookEventType]) -> Vec<Option<String>> {
    let mut names: Vec<Option<String>> = types
        .iter()
        .filter(|t| **t != WebhookEventType::WebhookTest)
        .map(|t| Some(t.as_str().to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn area(c: &mut PgConnection, code: Option<String>) -> ApiResult<Option<String>> {
    // An endpoint follows an area as a dispatcher would.
    check_area(c, Role::Dispatcher, code)
}

fn sealed(secrets: &SecretBox, secret: &str) -> ApiResult<String> {
    secrets.seal(secret).map_err(ApiError::internal)
}

/// Creates an endpoint; the answer holds its secret, shown this once.
pub fn create(
    c: &mut PgConnection,
    actor: &Actor,
    secrets: &SecretBox,
    url: String,
    req: CreateWebhookRequest,
) -> ApiResult<WebhookWithSecret> {
    let secret = SecretBox::generate().map_err(ApiError::internal)?;
    let description = check_description(req.description)?;
    let area = area(c, req.dispatch_area)?;
    let row = db::insert_endpoint(
        c,
        &NewEndpoint {
            url: &url,
            description: description.as_deref(),
            event_types: &type_names(&req.event_types),
            dispatch_area: area.as_deref(),
            secret: &sealed(secrets, &secret)?,
            created_by: Some(actor.id()),
        },
    )?;
    actor.audit.record(
        c,
        "webhook.create",
        "webhook",
        Some(row.id.to_string()),
        None,
        Some(row.audit_snapshot()),
    )?;
    Ok(WebhookWithSecret {
        secret,
        endpoint: view(row),
    })
}

/// Applies a change; enabling again clears the reason and the failure run.
pub fn update(
    c: &mut PgConnection,
    actor: &Actor,
    id: i64,
    url: Option<String>,
    change: PatchWebhookRequest,
) -> ApiResult<EndpointRow> {
    let before = db::find_endpoint(c, id, true)?.ok_or_else(|| not_found(id))?;
    let mut row = before.clone();
    if let Some(url) = url {
        row.url = url;
    }
    if let Some(text) = change.description {
        row.description = check_description(Some(text))?;
    }
    if let Some(types) = change.event_types {
        row.event_types = type_names(&types);
    }
    if let Some(code) = change.dispatch_area {
        row.dispatch_area = area(c, Some(code))?;
    }
    match change.enabled {
        Some(true) if !before.enabled => {
            row.enabled = true;
            row.disabled_reason = None;
            row.failing_since = None;
        }
        Some(false) if before.enabled => {
            row.enabled = false;
            row.disabled_reason = Some(format!("disabled by {}", actor.user.username));
        }
        _ => {}
    }
    let saved = db::save_endpoint(c, &row)?;
    if before.enabled && !saved.enabled {
        db::abandon_pending(c, id)?;
    }
    actor.audit.record(
        c,
        "webhook.update",
        "webhook",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        Some(saved.audit_snapshot()),
    )?;
    Ok(saved)
}

/// Deletes an endpoint and its deliveries.
pub fn delete(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    let before = db::find_endpoint(c, id, true)?.ok_or_else(|| not_found(id))?;
    db::delete_endpoint(c, id)?;
    actor.audit.record(
        c,
        "webhook.delete",
        "webhook",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        None,
    )
}

/// A new secret; the old one keeps signing alongside for a day.
pub fn rotate(c: &mut PgConnection, actor: &Actor, secrets: &SecretBox, id: i64) -> ApiResult<WebhookWithSecret> {
    let mut row = db::find_endpoint(c, id, true)?.ok_or_else(|| not_found(id))?;
    let secret = SecretBox::generate().map_err(ApiError::internal)?;
    row.previous_secret = Some(std::mem::replace(&mut row.secret, sealed(secrets, &secret)?));
    row.previous_secret_until = Some(Utc::now() + Duration::hours(ROTATION_OVERLAP_HOURS));
    let saved = db::save_endpoint(c, &row)?;
    let after = json!({"previous_secret_until": saved.previous_secret_until});
    actor.audit.record(
        c,
        "webhook.rotate_secret",
        "webhook",
        Some(id.to_string()),
        None,
        Some(after),
    )?;
    Ok(WebhookWithSecret {
        secret,
        endpoint: view(saved),
    })
}

/// Queues a `webhook.test` message to one endpoint (enabled or not: it goes out once enabled).
pub fn send_test(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<String> {
    db::find_endpoint(c, id, false)?.ok_or_else(|| not_found(id))?;
    let now = Utc::now();
    let msg_id = crate::webhooks::message_id(now);
    let data = json!({"endpoint_id": id, "requested_by": actor.id()});
    let message = db::insert_message(
        c,
        &NewMessage {
            msg_id: &msg_id,
            event_type: WebhookEventType::WebhookTest.as_str(),
            occurred_at: now,
            data: &data,
            dispatch_area: None,
            fanned_out: true,
        },
    )?;
    db::insert_delivery(c, message, id)?;
    actor.audit.record(
        c,
        "webhook.test",
        "webhook",
        Some(id.to_string()),
        None,
        Some(json!({"message_id": msg_id})),
    )?;
    Ok(msg_id)
}

/// Puts one delivery back in the queue for an attempt now.
pub fn retry(c: &mut PgConnection, actor: &Actor, delivery: i64) -> ApiResult<()> {
    let endpoint = db::retry(c, delivery)?
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("Delivery {delivery} does not exist.")))?;
    let after = json!({"delivery_id": delivery});
    actor.audit.record(
        c,
        "webhook.retry",
        "webhook",
        Some(endpoint.to_string()),
        None,
        Some(after),
    )
}

/// Queues again every message since `since` that the endpoint wants; how many.
pub fn replay(c: &mut PgConnection, actor: &Actor, id: i64, since: DateTime<Utc>) -> ApiResult<i64> {
    db::find_endpoint(c, id, true)?.ok_or_else(|| not_found(id))?;
    let queued = db::replay(c, id, since)? as i64;
    let after = json!({"since": since, "queued": queued});
    actor
        .audit
        .record(c, "webhook.replay", "webhook", Some(id.to_string()), None, Some(after))?;
    Ok(queued)
}

pub fn view(e: EndpointRow) -> WebhookEndpoint {
    let now = Utc::now();
    WebhookEndpoint {
        id: e.id,
        url: e.url,
        description: e.description,
        event_types: e
            .event_types
            .iter()
            .flatten()
            .filter_map(|t| WebhookEventType::parse(t))
            .collect(),
        dispatch_area: e.dispatch_area,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        secret_rotating_until: e.previous_secret_until.filter(|until| *until > now),
        failing_since: e.failing_since,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

pub fn delivery_view(d: DeliveryRow) -> WebhookDelivery {
    let status = match d.status.as_str() {
        "succeeded" => DeliveryStatus::Succeeded,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    WebhookDelivery {
        id: d.id,
        endpoint_id: d.endpoint_id,
        message_id: d.msg_id,
        event_type: WebhookEventType::parse(&d.event_type).unwrap_or(WebhookEventType::WebhookTest),
        status,
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_attempt_at: d.last_attempt_at,
        response_status: d.response_status,
        last_error: d.last_error,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    }
}

/// The URL of a create or change, checked (`None`: unchanged).
pub async fn checked_url(state: &AppState, url: Option<&str>) -> ApiResult<Option<String>> {
    match url {
        Some(url) => Ok(Some(check_url(&state.config, url).await?)),
        None => Ok(None),
    }
}
