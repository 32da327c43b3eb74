//! Integrations: service accounts and their API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Role;

/// What an API key may do, within its account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Read bags, their children, history and the managed lists.
    #[serde(rename = "bags:read")]
    BagsRead,
    /// Scan: parents, children, unlink, undo, seal, batches.
    #[serde(rename = "scans:write")]
    ScansWrite,
    /// Read bills.
    #[serde(rename = "bills:read")]
    BillsRead,
    /// Create, change, complete and reopen bills.
    #[serde(rename = "bills:write")]
    BillsWrite,
    /// The scan log, the event stream, webhook replays and the EPCIS export.
    #[serde(rename = "events:read")]
    EventsRead,
    /// CSV/XLSX exports.
    #[serde(rename = "exports:read")]
    ExportsRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: &'static [Scope] = &[
        Scope::BagsRead,
        Scope::ScansWrite,
        Scope::BillsRead,
        Scope::BillsWrite,
        Scope::EventsRead,
        Scope::ExportsRead,
    ];

    /// The wire name, e.g. `scans:write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::BagsRead => "bags:read",
            Scope::ScansWrite => "scans:write",
            Scope::BillsRead => "bills:read",
            Scope::BillsWrite => "bills:write",
            Scope::EventsRead => "events:read",
            Scope::ExportsRead => "exports:read",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|scope| scope.as_str() == s)
    }
}

/// A service account: what an integration acts as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 41, "name": "erp-sync", "description": "Nightly ERP sync", "role": "biller", "dispatch_area": null,
    "is_active": true, "created_at": "2026-12-08T09:00:00Z", "updated_at": "2026-12-08T09:00:00Z"})))]
pub struct ServiceAccount {
    /// Account id (a user id: audit rows and scan events name it).
    pub id: i64,
    /// Unique name: 3–50 of `a-z 0-9 . _ -` (shared with usernames).
    pub name: String,
    /// What the integration is for.
    pub description: Option<String>,
    /// `biller` or `dispatcher`; never `admin`.
    pub role: Role,
    /// The dispatcher's area.
    pub dispatch_area: Option<String>,
    /// An inactive account's keys are refused.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /service-accounts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "name": "erp-sync", "description": "Nightly ERP sync", "role": "biller"})))]
pub struct CreateServiceAccountRequest {
    /// 3–50 of `a-z 0-9 . _ -`, unique among users and accounts.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `biller` or `dispatcher`.
    pub role: Role,
    /// Area code; required for dispatchers.
    #[serde(default)]
    pub dispatch_area: Option<String>,
}

/// `PATCH /service-accounts/{id}`: only the fields sent change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"is_active": false})))]
pub struct PatchServiceAccountRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New area code (dispatchers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_area: Option<String>,
    /// Deactivating refuses all of the account's keys at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

/// An API key as listed: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 7, "account_id": 41, "name": "weighbridge", "prefix": "4fQ9zT1b", "scopes": ["bills:read"],
    "expires_at": "2027-12-08T09:00:00Z", "created_by": 1, "created_at": "2026-12-08T09:00:00Z",
    "last_used_at": "2026-12-08T09:12:00Z", "last_used_ip": "10.0.4.17", "revoked_at": null})))]
pub struct ApiKey {
    pub id: i64,
    /// The service account.
    pub account_id: i64,
    pub name: String,
    /// The first 8 characters after `ttk_`.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// After this the key is refused; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// The admin who issued it.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Last accepted use (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /service-accounts/{id}/keys`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "name": "weighbridge", "scopes": ["bills:read", "bills:write"], "expires_at": "2027-12-08T00:00:00Z",
    "never_expires": false})))]
pub struct CreateApiKeyRequest {
    /// What the key is for (1–100 characters).
    pub name: String,
    /// At least one.
    pub scopes: Vec<Scope>,
    /// Default: one year from now; `never_expires` drops the limit.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// A key without an end (the admin takes care of rotating it).
    #[serde(default)]
    pub never_expires: bool,
}

/// The answer to `POST /service-accounts/{id}/keys`: the only time the key is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "key": "ttk_4fQ9zT1bXk2LmN8pQr5sTu7vWx0yZa1GT6xB",
    "api_key": {"id": 7, "account_id": 41, "name": "weighbridge", "prefix": "4fQ9zT1b", "scopes": ["bills:read"],
        "expires_at": "2027-12-08T09:00:00Z", "created_by": 1, "created_at": "2026-12-08T09:00:00Z",
        "last_used_at": null, "last_used_ip": null, "revoked_at": null}})))]
pub struct CreatedApiKey {
    /// The key: store it now, it is never shown again.
    pub key: String,
    pub api_key: ApiKey,
}
