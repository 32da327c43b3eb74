//! RFC 9457 problem documents with a stable `code`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An error answer (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type": "/problems/parent_full", "title": "Parent bag is full", "status": 409,
    "detail": "SB00042 already holds 30 of 30 bags", "code": "parent_full",
    "instance": "3f0c1a9e-6a43-4a8e-9a43-0c1a9e6a43ab"})))]
pub struct Problem {
    /// `/problems/<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the code.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Plain-language explanation of this occurrence.
    pub detail: String,
    /// Stable snake_case code clients switch on (listed in `ErrorCode`).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ErrorCode))]
    pub code: String,
    /// The request id.
    pub instance: String,
    /// Field problems (`validation_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The other parent (`linked_elsewhere`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_qr_id: Option<String>,
    /// The bill involved (`parent_billed`, `already_on_bill`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_number: Option<String>,
    /// When the lock ends (`account_locked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<DateTime<Utc>>,
    /// Accepted id formats (`invalid_qr_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_formats: Option<Vec<String>>,
    /// The scope the API key lacks (`insufficient_scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// One field problem inside a `validation_failed` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON Pointer into the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Query or path parameter name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// What is wrong.
    pub detail: String,
    /// Stable snake_case code of the field problem.
    pub code: String,
}
