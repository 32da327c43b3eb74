//! The TraceTrack REST contract (published as openapi/openapi.json): every request and response body.
//! serde only; utoipa schemas behind the `openapi` feature so the web app,
//! built for wasm32, shares these types without the server's dependencies.

pub mod admin;
pub mod auth;
pub mod bags;
pub mod bills;
pub mod choices;
pub mod error_code;
pub mod events;
#[cfg(all(test, feature = "openapi"))]
mod examples;
pub mod imports;
pub mod integrations;
pub mod notifications;
pub mod problem;
pub mod reports;
pub mod scans;
pub mod states;
pub mod system;
pub mod webhooks;

pub use choices::{ExportFormat, NotificationLevel, ReportFormat};
pub use error_code::ErrorCode;
pub use problem::{FieldError, Problem};
pub use states::{
    BagRole, BagStatus, BatchKind, BillStatus, ChildStatus, EventOutcome, ImportKind, ImportMode, ImportState,
    ParentStatus, PromotionStatus, Role, ScanKind, ScanOutcome, TextEnum, UnknownValue,
};

use serde::{Deserialize, Serialize};

/// One page of a list, newest first unless stated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A managed list that fits in one answer (dispatch areas, bag formats).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Items<T> {
    /// All entries.
    pub items: Vec<T>,
}

/// Liveness answer of `/health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}})))]
pub struct HealthStatus {
    /// `ok`, or `unavailable` from `/ready` when a dependency fails.
    pub status: String,
    /// Per-dependency state (`/ready` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<serde_json::Map<String, serde_json::Value>>,
}
