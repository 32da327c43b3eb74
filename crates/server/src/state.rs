//! Shared application state and the one way to reach the database.

use std::sync::Arc;
use std::time::Instant;

use actix_web::web;
use tracetrack_db::diesel::r2d2::PoolError;
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::{PgPool, PooledPg};

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::error::ApiResult;
pub use crate::format_cache::{spec_of, FormatCache};

/// A main-pool connection that tells the pool alarm how long it was held.
pub struct Watched {
    conn: PooledPg,
    since: Instant,
    watch: Arc<crate::pool_monitor::PoolWatch>,
}

impl std::ops::Deref for Watched {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Watched {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.watch.returned(self.since.elapsed());
    }
}

/// Cheap to clone; every handler gets one.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// A few connections of their own for dashboard reads, so that a dashboard does
    /// not queue behind the scans for `pool` (`DASHBOARD_POOL_SIZE`).
    pub dashboard_pool: PgPool,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    pub formats: Arc<FormatCache>,
    pub started_at: Instant,
    /// Redis, when `REDIS_URL` is set.
    pub redis: Option<deadpool_redis::Pool>,
    /// Rate limits (Redis, else in-process).
    pub limiter: Arc<crate::ratelimit::Limiter>,
    /// Live sessions cached in Redis (see [`crate::auth::session_cache`]).
    pub sessions: Arc<crate::auth::session_cache::SessionCache>,
    /// Server errors and slow database work of this instance.
    pub monitor: Arc<crate::monitor::Monitor>,
    /// The SMTP relay, when configured (else mail stays in the outbox).
    pub mailer: Option<Arc<crate::services::mailer::Mailer>>,
    /// Live events for this instance's SSE subscribers.
    pub live: Arc<crate::live::LiveHub>,
    /// Dashboard snapshots per scope (`STATS_MAX_AGE_MS`).
    pub stats: Arc<crate::stats_cache::StatsCache>,
    /// Peak use and timeouts of `pool`, for the pool alarm.
    pub pool_watch: Arc<crate::pool_monitor::PoolWatch>,
    /// This instance's Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Sentry, when `SENTRY_DSN` is set.
    pub errors: Option<Arc<crate::error_tracker::ErrorTracker>>,
    /// Encrypts webhook endpoint secrets at rest.
    pub webhook_secrets: Arc<crate::webhooks::secrets::SecretBox>,
}

impl AppState {
    /// Runs blocking database work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        self.run_on(move || state.checkout(), f).await
    }

    /// A connection of the main pool (blocking), with its wait and how long it is
    /// held measured for the pool alarm and the metrics.
    pub fn checkout(&self) -> Result<Watched, PoolError> {
        let started = Instant::now();
        let checkout = self.pool_watch.waiting(|| self.pool.get());
        self.metrics.checkout(started.elapsed().as_secs_f64());
        match checkout {
            Ok(conn) => Ok(Watched {
                conn,
                since: Instant::now(),
                watch: self.pool_watch.clone(),
            }),
            Err(e) => {
                self.pool_watch.timed_out();
                Err(e)
            }
        }
    }

    /// Like [`AppState::db`], on the dashboard's own connections.
    pub async fn dashboard_db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.dashboard_pool.clone();
        self.run_on(move || pool.get(), f).await
    }

    async fn run_on<T, F, G, C>(&self, get: G, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        G: FnOnce() -> Result<C, PoolError> + Send + 'static,
        C: std::ops::DerefMut<Target = PgConnection>,
        T: Send + 'static,
    {
        let started = Instant::now();
        let result = web::block(move || {
            let mut conn = get()?;
            f(&mut conn)
        })
        .await?;
        self.monitor.database_work(
            started.elapsed(),
            crate::error::current_request_id(),
            crate::error::current_route(),
        );
        result
    }

    /// Like [`AppState::db`], inside one transaction.
    pub async fn tx<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| conn.transaction(f)).await
    }
}
