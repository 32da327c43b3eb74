//! Outgoing webhooks: endpoints, deliveries and the event types they carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

macro_rules! event_types {
    ($($variant:ident = $text:literal: $doc:literal,)*) => {
        /// What a webhook message reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum WebhookEventType {
            $(#[doc = $doc] #[serde(rename = $text)] $variant,)*
        }

        impl WebhookEventType {
            /// Every type.
            pub const ALL: &'static [WebhookEventType] = &[$(WebhookEventType::$variant,)*];

            /// The wire name, e.g. `link.created`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(WebhookEventType::$variant => $text,)*
                }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<WebhookEventType> {
                match s {
                    $($text => Some(WebhookEventType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    BagCreated = "bag.created": "A parent bag was created (scanned for the first time, or by an admin).",
    BagSealed = "bag.sealed": "A parent was sealed.",
    BagUnsealed = "bag.unsealed": "A parent was unsealed.",
    BagDeleted = "bag.deleted": "A bag was deleted.",
    BagRestored = "bag.restored": "A deleted bag was restored.",
    LinkCreated = "link.created": "A child was put into a parent.",
    LinkRemoved = "link.removed": "A child left its parent (unlink or undo).",
    BillCreated = "bill.created": "A bill was created.",
    BillParentAdded = "bill.parent_added": "A parent was put on a bill.",
    BillParentRemoved = "bill.parent_removed": "A parent was taken off a bill.",
    BillCompleted = "bill.completed": "A bill was completed (shipped).",
    BillReopened = "bill.reopened": "A completed bill was reopened.",
    ImportFinished = "import.finished": "An import job finished.",
    WebhookTest = "webhook.test": "Sent on request to test an endpoint.",
}

/// An endpoint that receives webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 3, "url": "https://erp.example.com/hooks/tracetrack", "description": "ERP",
    "event_types": ["bill.completed"], "dispatch_area": null, "enabled": true, "disabled_reason": null,
    "secret_rotating_until": null, "failing_since": null, "created_at": "2026-12-08T09:00:00Z",
    "updated_at": "2026-12-08T09:00:00Z"})))]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    /// Empty: every type.
    pub event_types: Vec<WebhookEventType>,
    /// Only messages about this area.
    pub dispatch_area: Option<String>,
    pub enabled: bool,
    /// Why it was disabled (`410 Gone`, five days of failures, or an admin).
    pub disabled_reason: Option<String>,
    /// Until then the previous secret also signs (after a rotation).
    pub secret_rotating_until: Option<DateTime<Utc>>,
    /// Start of the current run of failed attempts.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "url": "https://erp.example.com/hooks/tracetrack", "description": "ERP",
    "event_types": ["bill.completed"], "dispatch_area": null})))]
pub struct CreateWebhookRequest {
    /// `https://` (in production) URL of a public address.
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Empty or absent: every type.
    #[serde(default)]
    pub event_types: Vec<WebhookEventType>,
    #[serde(default)]
    pub dispatch_area: Option<String>,
}

/// `PATCH /webhooks/{id}`: only the fields sent change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"enabled": true})))]
pub struct PatchWebhookRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<WebhookEventType>>,
    /// An area code; an empty string removes the filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_area: Option<String>,
    /// Re-enabling clears `disabled_reason` and the failure run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// An endpoint with its secret: the answer to create and rotate, the only times the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    "endpoint": {"id": 3, "url": "https://erp.example.com/hooks/tracetrack", "description": "ERP",
        "event_types": [], "dispatch_area": null, "enabled": true, "disabled_reason": null,
        "secret_rotating_until": null, "failing_since": null, "created_at": "2026-12-08T09:00:00Z",
        "updated_at": "2026-12-08T09:00:00Z"}})))]
pub struct WebhookWithSecret {
    /// `whsec_` + base64 of 32 random bytes: store it now, it is never shown again.
    pub secret: String,
    pub endpoint: WebhookEndpoint,
}

/// State of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Will be tried (again) at `next_attempt_at`.
    Pending,
    /// A 2xx answer.
    Succeeded,
    /// Given up: the schedule ran out, or the endpoint was disabled.
    Failed,
}

/// One message to one endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 812, "endpoint_id": 3, "message_id": "msg_01JEQ4W7Z3K8T9V2B6N5M4X1RC", "event_type": "bill.completed",
    "status": "pending", "attempts": 2, "next_attempt_at": "2026-12-08T09:05:10Z",
    "last_attempt_at": "2026-12-08T09:00:05Z", "response_status": 503, "last_error": "HTTP 503",
    "created_at": "2026-12-08T09:00:00Z", "delivered_at": null})))]
pub struct WebhookDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    /// The `webhook-id` header (same on every attempt).
    pub message_id: String,
    pub event_type: WebhookEventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last answer.
    pub response_status: Option<i32>,
    /// What went wrong last (status, timeout, refused address, ...).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The answer to test, retry and replay: what was queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"queued": 42})))]
pub struct Queued {
    /// Deliveries queued.
    pub queued: i64,
}
