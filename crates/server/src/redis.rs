//! One way to talk to Redis: a short timeout, `None` on any failure, and one
//! log line per outage. Callers fall back to something correct without Redis.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool_redis::{Connection, Pool};

/// A Redis command slower than this counts as a failure.
const TIMEOUT: Duration = Duration::from_millis(250);

/// An optional Redis pool that says once when it stops answering.
pub struct Redis {
    pool: Option<Pool>,
    what: &'static str,
    warned: AtomicBool,
}

impl Redis {
    /// `what` names the fallback in the log line, e.g. "rate limits fall back to memory".
    pub fn new(pool: Option<Pool>, what: &'static str) -> Redis {
        Redis {
            pool,
            what,
            warned: AtomicBool::new(false),
        }
    }

    /// Is a Redis URL configured at all?
    pub fn is_configured(&self) -> bool {
        self.pool.is_some()
    }

    /// Runs `f` on a pooled connection; `None` when Redis is absent, failing or slow.
    pub async fn call<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let pool = self.pool.as_ref()?;
        let attempt = async { f(pool.get().await.ok()?).await };
        let result = tokio::time::timeout(TIMEOUT, attempt).await.ok().flatten();
        if result.is_none() && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!("Redis is unreachable: {}", self.what);
        } else if result.is_some() {
            self.warned.store(false, Ordering::Relaxed);
        }
        result
    }
}
