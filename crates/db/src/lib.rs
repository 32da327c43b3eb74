//! TraceTrack persistence. Query functions take `&mut PgConnection` and return
//! `QueryResult`, so the server composes them inside one transaction per request.

pub mod api_keys;
pub mod audit;
pub mod bags;
pub mod bills;
pub mod bulk;
pub mod detail;
pub mod epcis;
pub mod exports;
pub mod idempotency;
pub mod imports;
pub mod live;
pub mod mail;
pub mod models;
pub mod notifications;
mod pool;
pub mod promotions;
pub mod reference;
pub mod scan_events;
pub mod schema;
pub mod seed;
pub mod stats;
pub mod users;
pub mod visibility;
pub mod webhooks;

use diesel::pg::PgConnection;
use diesel::{sql_query, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use diesel;
pub use pool::{build_pool, report_connection_loss, Manager, PgPool, PoolConfig, PooledPg};

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Key of the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6163_6574_7261;

/// Runs pending migrations under a session advisory lock, so instances starting
/// together migrate once. Returns the versions applied.
/// Waits as long as another instance's migrations take (pool connections give up on
/// locks after `lock_timeout`).
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let previous: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_setting('lock_timeout')",
    ))
    .get_result(conn)?;
    sql_query("SET lock_timeout = 0").execute(conn)?;
    sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.iter().map(|m| m.to_string()).collect());
    sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    sql_query(format!("SET lock_timeout = '{}'", previous.replace('\'', ""))).execute(conn)?;
    applied
}

/// Reverts every migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut PgConnection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    conn.revert_all_migrations(MIGRATIONS)?;
    Ok(())
}
