//! `GET /system/health` (admin): how this instance and its dependencies are doing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The connection pool of this instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolHealth {
    /// Largest number of connections (`POOL_SIZE`).
    pub max: u32,
    /// Connections open now.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Connections in use.
    pub in_use: u32,
}

/// Database work that took at least `SLOW_QUERY_MS`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlowQuery {
    /// When it finished.
    pub at: DateTime<Utc>,
    /// How long the request held its database connection.
    pub ms: u64,
    /// The request, to find its log line.
    pub request_id: String,
    /// What the request was: method and route template, e.g. `GET /api/v1/bags/{qr_id}`.
    #[serde(default)]
    pub route: Option<String>,
}

/// How this instance is doing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "version": "0.1.0", "uptime_seconds": 273615, "database": "ok", "database_bytes": 48234496, "redis": "ok",
    "pool": {"max": 8, "open": 5, "idle": 3, "in_use": 2}, "memory_rss_bytes": 61865984, "errors_last_hour": 0,
    "slow_query_ms": 100,
    "slow_queries": [{"at": "2026-12-03T10:42:18Z", "ms": 342,
            "request_id": "c728d1b5-9d64-42fd-9f91-301fe41ef82a", "route": "GET /api/v1/bags/{qr_id}"}]})))]
pub struct SystemHealth {
    /// Server version.
    pub version: String,
    /// Seconds since this instance started.
    pub uptime_seconds: u64,
    /// `ok` or `unavailable`.
    pub database: String,
    /// Size of the database on disk, in bytes.
    pub database_bytes: Option<i64>,
    /// `ok`, `unavailable` or `not_configured`.
    pub redis: String,
    /// The connection pool.
    pub pool: PoolHealth,
    /// Resident memory of this process, in bytes (Linux).
    pub memory_rss_bytes: Option<u64>,
    /// 5xx answers of this instance in the last hour.
    pub errors_last_hour: u64,
    /// The threshold of slow work, in milliseconds (`SLOW_QUERY_MS`).
    pub slow_query_ms: u64,
    /// The most recent slow database work, newest first.
    pub slow_queries: Vec<SlowQuery>,
}
