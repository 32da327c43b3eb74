//! Notifications and promotion requests (docs/domain.md §5, §8).

use crate::NotificationLevel;
use crate::{PromotionStatus, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Something a user should know.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// `info`, `success`, `warning` or `error`.
    pub level: NotificationLevel,
    /// One line.
    pub title: String,
    /// The details.
    pub message: String,
    /// Where in the web app to look, e.g. `/admin/promotions`.
    pub link: Option<String>,
    /// Has the user marked it read?
    pub read: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// `GET /notifications`: one page, newest first, and the unread count.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [{"id": 912, "level": "warning", "title": "Import finished",
            "message": "478 rows imported, 2 rows with errors.", "link": "/admin/imports/27", "read": false,
            "created_at": "2026-12-03T12:00:19Z"},
        {"id": 905, "level": "info", "title": "Promotion request",
            "message": "ravi.k asks to become biller: I prepare the Akola bills when meera.s is on leave.",
            "link": "/admin/promotions", "read": true, "created_at": "2026-12-03T10:12:44Z"}],
    "next_cursor": null, "unread_count": 1})))]
pub struct NotificationPage {
    /// The notifications of this page.
    pub items: Vec<Notification>,
    /// Opaque cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Unread notifications in all (for the badge).
    pub unread_count: i64,
}

/// A request for a higher role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 31, "user_id": 7, "username": "ravi.k", "current_role": "dispatcher", "requested_role": "biller",
    "reason": "I prepare the Akola bills when meera.s is on leave.", "status": "approved", "decided_by": 1,
    "decision_note": "Approved for the winter season.", "decided_at": "2026-12-03T10:30:00Z",
    "created_at": "2026-12-03T10:12:44Z"})))]
pub struct PromotionRequest {
    /// Row id.
    pub id: i64,
    /// Who asked.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Their role when asking.
    pub current_role: Role,
    /// `biller` or `admin`.
    pub requested_role: Role,
    /// Why (10–500 characters).
    pub reason: String,
    /// Where the request is.
    pub status: PromotionStatus,
    /// The admin who decided.
    pub decided_by: Option<i64>,
    /// The admin's note.
    pub decision_note: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
}

/// `POST /promotion-requests`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "requested_role": "biller", "reason": "I prepare the Akola bills when meera.s is on leave."})))]
pub struct CreatePromotionRequest {
    /// `biller` or `admin`, above the caller's role.
    pub requested_role: Role,
    /// Why, 10–500 characters.
    pub reason: String,
}

/// `POST /promotion-requests/{id}/approve` and `/reject`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"note": "Approved for the winter season."})))]
pub struct DecidePromotionRequest {
    /// A note for the requester (at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}
