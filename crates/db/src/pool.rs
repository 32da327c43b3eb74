//! The connection pool, and how it survives a database restart or failover.
//!
//! Checking every connection on checkout (`SELECT 1`) halves throughput, so the
//! pool trusts its connections until some request meets a lost connection
//! ([`report_connection_loss`]). For a short while after that, every checkout is
//! pinged and dead connections are replaced, so the pool heals in one pass instead
//! of handing out each broken connection once more (libpq never reconnects by itself).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, PooledConnection};

/// The connection pool.
pub type PgPool = Pool<Manager>;
/// A pooled connection.
pub type PooledPg = PooledConnection<Manager>;

/// How long checkouts are verified after a lost connection was seen.
const SUSPECT_FOR: Duration = Duration::from_secs(30);

/// Until when (ms since the epoch) checkouts are verified; shared by every pool of the process.
static SUSPECT_UNTIL_MS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Tells the pools that a connection was lost: checkouts are verified for a while.
pub fn report_connection_loss() {
    let until = now_ms() + u64::try_from(SUSPECT_FOR.as_millis()).unwrap_or(0);
    SUSPECT_UNTIL_MS.fetch_max(until, Ordering::Relaxed);
}

fn suspect() -> bool {
    SUSPECT_UNTIL_MS.load(Ordering::Relaxed) > now_ms()
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Largest number of connections.
    pub max_size: u32,
    /// Idle connections kept open.
    pub min_idle: u32,
    /// Longest wait for a connection.
    pub timeout: Duration,
    /// Longest wait for a row lock (`lock_timeout`): a request never queues behind
    /// a long import for more than this; it answers "busy, retry" instead.
    pub lock_timeout: Duration,
}

/// Opens PostgreSQL connections with the session settings every request relies on.
#[derive(Debug)]
pub struct Manager {
    inner: ConnectionManager<PgConnection>,
    settings: String,
}

impl ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        let mut conn = self.inner.connect()?;
        conn.batch_execute(&self.settings)
            .map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), Self::Error> {
        if suspect() {
            self.inner.is_valid(conn)
        } else {
            Ok(())
        }
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        self.inner.has_broken(conn)
    }
}

/// Builds the pool without opening connections eagerly beyond `min_idle`.
pub fn build_pool(url: &str, cfg: &PoolConfig) -> Result<PgPool, diesel::r2d2::PoolError> {
    let manager = Manager {
        inner: ConnectionManager::new(url),
        settings: format!("SET lock_timeout = {}", cfg.lock_timeout.as_millis()),
    };
    Pool::builder()
        .max_size(cfg.max_size)
        .min_idle(Some(cfg.min_idle))
        .connection_timeout(cfg.timeout)
        .test_on_check_out(true)
        .build(manager)
}
