//! Per-minute rate limits (README.md, Configuration), counted in Redis so they hold across
//! instances, with an in-process fallback when Redis is absent or fails (one log
//! line, never a 5xx). A window's whole quota may come as a burst.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use chrono::Utc;

use crate::error::ApiError;
use crate::redis::Redis;
use tracetrack_api_types::ErrorCode;

/// Window length in seconds.
const WINDOW: i64 = 60;

/// The limiter of one instance.
pub struct Limiter {
    redis: Redis,
    prefix: String,
    local: Mutex<HashMap<String, (i64, u64)>>,
}

impl Limiter {
    /// A limiter using Redis when given.
    pub fn new(redis: Option<deadpool_redis::Pool>, prefix: String) -> Limiter {
        Limiter {
            redis: Redis::new(redis, "rate limits fall back to this instance's memory"),
            prefix,
            local: Mutex::new(HashMap::new()),
        }
    }

    async fn count_redis(&self, key: &str) -> Option<u64> {
        self.redis
            .call(|mut conn| async move {
                let (count,): (u64,) = deadpool_redis::redis::pipe()
                    .atomic()
                    .incr(key, 1)
                    .expire(key, WINDOW * 2)
                    .ignore()
                    .query_async(&mut conn)
                    .await
                    .ok()?;
                Some(count)
            })
            .await
    }

    fn count_local(&self, key: &str, window: i64) -> u64 {
        let mut map = self.local.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (w, _)| *w == window);
        }
        let entry = map.entry(key.to_string()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }

    /// Counts one hit of `name` for `who`; `429 rate_limited` past `limit` per minute.
    pub async fn hit(&self, name: &str, who: &str, limit: u64) -> Result<(), ApiError> {
        self.take(name, who, limit).await.map(|_| ())
    }

    /// Like [`Limiter::hit`], and tells where the caller stands (for `RateLimit-*` headers).
    pub async fn take(&self, name: &str, who: &str, limit: u64) -> Result<Quota, ApiError> {
        let now = Utc::now().timestamp();
        let reset = (WINDOW - now % WINDOW).max(1) as u64;
        if limit == 0 {
            return Ok(Quota {
                limit,
                remaining: 0,
                reset,
            });
        }
        let window = now / WINDOW;
        let key = format!("{}:rl:{name}:{who}:{window}", self.prefix);
        let count = match self.count_redis(&key).await {
            Some(n) => n,
            None => self.count_local(&key, window),
        };
        if count <= limit {
            return Ok(Quota {
                limit,
                remaining: limit - count,
                reset,
            });
        }
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("Too many requests; try again in {reset} s."),
        );
        err.retry_after = Some(reset);
        err.extras_mut().rate_limit = Some((limit, 0, reset));
        Err(err)
    }
}

/// Where a caller stands in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed in the window (0: unlimited).
    pub limit: u64,
    /// Requests left.
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset: u64,
}

impl Quota {
    /// Adds `RateLimit-Limit`, `-Remaining` and `-Reset` unless the answer has them.
    pub fn annotate(self, headers: &mut actix_web::http::header::HeaderMap) {
        use actix_web::http::header::{HeaderName, HeaderValue};
        if self.limit == 0 || headers.contains_key("ratelimit-limit") {
            return;
        }
        for (name, value) in [
            ("ratelimit-limit", self.limit),
            ("ratelimit-remaining", self.remaining),
            ("ratelimit-reset", self.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}
