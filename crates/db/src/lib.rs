//! TraceTrack persistence. Query functions take `&mut PgConnection` and return
//! `QueryResult`, so the server composes them inside one transaction per request.

pub mod audit;
pub mod bags;
pub mod bills;
pub mod exports;
pub mod idempotency;
pub mod imports;
pub mod live;
pub mod mail;
pub mod models;
pub mod notifications;
pub mod promotions;
pub mod reference;
pub mod scan_events;
pub mod schema;
pub mod stats;
pub mod users;

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::{sql_query, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use diesel;

/// The connection pool.
pub type PgPool = Pool<ConnectionManager<PgConnection>>;
/// A pooled connection.
pub type PooledPg = PooledConnection<ConnectionManager<PgConnection>>;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Key of the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6163_6574_7261;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Largest number of connections.
    pub max_size: u32,
    /// Idle connections kept open.
    pub min_idle: u32,
    /// Longest wait for a connection.
    pub timeout: Duration,
}

/// Builds the pool without opening connections eagerly beyond `min_idle`.
/// Health is checked on error, not with a `SELECT 1` per checkout (it halves throughput).
pub fn build_pool(url: &str, cfg: &PoolConfig) -> Result<PgPool, diesel::r2d2::PoolError> {
    Pool::builder()
        .max_size(cfg.max_size)
        .min_idle(Some(cfg.min_idle))
        .connection_timeout(cfg.timeout)
        .test_on_check_out(false)
        .build(ConnectionManager::<PgConnection>::new(url))
}

/// Runs pending migrations under a session advisory lock, so instances starting
/// together migrate once. Returns the versions applied.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.iter().map(|m| m.to_string()).collect());
    sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    applied
}

/// Reverts every migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut PgConnection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    conn.revert_all_migrations(MIGRATIONS)?;
    Ok(())
}
