//! Shared application state and the one way to reach the database.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web;
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::models::FormatRow;
use tracetrack_db::PgPool;

use tracetrack_domain::{FormatSet, FormatSpec};

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};

/// How long another instance's format edit may take to be seen here.
const FORMAT_CACHE_TTL: Duration = Duration::from_secs(5);

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
}

impl AppState {
    /// Runs blocking database work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run_on(self.pool.clone(), f).await
    }

    /// Like [`AppState::db`], on the dashboard's own connections.
    pub async fn dashboard_db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run_on(self.dashboard_pool.clone(), f).await
    }

    async fn run_on<T, F>(&self, pool: PgPool, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let started = Instant::now();
        let result = web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?;
        self.monitor
            .database_work(started.elapsed(), crate::error::current_request_id());
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

/// Active bag formats, compiled, refreshed from the database every few seconds.
#[derive(Default)]
pub struct FormatCache {
    inner: RwLock<Option<(Instant, Arc<FormatSet>)>>,
}

impl FormatCache {
    /// The active formats (reads the database when the cache is stale).
    pub fn get(&self, conn: &mut PgConnection) -> ApiResult<Arc<FormatSet>> {
        if let Some((at, set)) = self.inner.read().map_err(ApiError::internal)?.as_ref() {
            if at.elapsed() < FORMAT_CACHE_TTL {
                return Ok(set.clone());
            }
        }
        let rows = tracetrack_db::reference::formats(conn)?;
        let set = Arc::new(FormatSet::new(rows.iter().filter(|r| r.active).map(spec_of).collect()));
        *self.inner.write().map_err(ApiError::internal)? = Some((Instant::now(), set.clone()));
        Ok(set)
    }

    /// Forgets the cached formats (after an edit on this instance).
    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = None;
        }
    }
}

/// The domain view of a stored format.
pub fn spec_of(row: &FormatRow) -> FormatSpec {
    FormatSpec {
        code: row.code.clone(),
        role: row.role,
        pattern: row.pattern.clone(),
        capacity: row.capacity,
        child_weight_g: row.child_weight_g,
    }
}
