//! Active bag formats, compiled and cached in process (every scan classifies ids by
//! them). An admin's change drops the cache at once on its own instance and, through
//! Redis pub/sub on `{REDIS_PREFIX}:formats`, on every other instance; the cache is
//! then kept for [`FOLLOWING_TTL`]. Without Redis, or while this instance's
//! subscription is down, it is read again every [`FALLBACK_TTL`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use deadpool_redis::redis;
use futures_util::StreamExt;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::FormatRow;
use tracetrack_domain::{FormatSet, FormatSpec};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long formats are kept while changes are announced to this instance (a safety
/// net for a subscription that died without a word).
const FOLLOWING_TTL: Duration = Duration::from_secs(60);

/// How long formats are kept when changes elsewhere cannot be heard.
const FALLBACK_TTL: Duration = Duration::from_secs(5);

/// A command to Redis slower than this is given up.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

#[derive(Default)]
pub struct FormatCache {
    inner: RwLock<Option<(Instant, Arc<FormatSet>)>>,
    /// This instance hears other instances' changes.
    following: AtomicBool,
}

impl FormatCache {
    /// The active formats (reads the database when the cache is stale).
    pub fn get(&self, conn: &mut PgConnection) -> ApiResult<Arc<FormatSet>> {
        let ttl = match self.following.load(Ordering::Relaxed) {
            true => FOLLOWING_TTL,
            false => FALLBACK_TTL,
        };
        if let Some((at, set)) = self.inner.read().map_err(ApiError::internal)?.as_ref() {
            if at.elapsed() < ttl {
                return Ok(set.clone());
            }
        }
        let rows = tracetrack_db::reference::formats(conn)?;
        let set = Arc::new(FormatSet::new(rows.iter().filter(|r| r.active).map(spec_of).collect()));
        *self.inner.write().map_err(ApiError::internal)? = Some((Instant::now(), set.clone()));
        Ok(set)
    }

    /// Forgets the cached formats.
    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = None;
        }
    }

    /// Whether other instances' changes reach this one now.
    pub fn is_following(&self) -> bool {
        self.following.load(Ordering::Relaxed)
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

fn channel(prefix: &str) -> String {
    format!("{prefix}:formats")
}

/// After an admin's change has committed: drops this instance's cache and tells the
/// others. Never fails the request; a lost announcement is seen within `FOLLOWING_TTL`.
pub async fn announce_change(state: &AppState) {
    state.formats.invalidate();
    let Some(pool) = &state.redis else { return };
    let channel = channel(&state.config.redis_prefix);
    let sent = tokio::time::timeout(REDIS_TIMEOUT, async {
        let mut conn = pool.get().await.ok()?;
        redis::cmd("PUBLISH")
            .arg(&channel)
            .arg("changed")
            .query_async::<i64>(&mut conn)
            .await
            .ok()
    })
    .await;
    if !matches!(sent, Ok(Some(_))) {
        tracing::warn!("could not announce a bag format change; other instances see it within a minute");
    }
}

/// Follows other instances' announcements for as long as the server runs,
/// subscribing again after Redis comes back (and dropping the cache then, since
/// announcements may have been missed meanwhile).
pub async fn follow(cache: Arc<FormatCache>, url: String, prefix: String) {
    let channel = channel(&prefix);
    loop {
        match subscribe(&url, &channel).await {
            Ok(mut pubsub) => {
                cache.following.store(true, Ordering::Relaxed);
                cache.invalidate();
                let mut messages = pubsub.on_message();
                while messages.next().await.is_some() {
                    cache.invalidate();
                }
                tracing::warn!("lost the Redis subscription to bag format changes; resubscribing");
            }
            Err(e) => tracing::debug!(error = %e, "cannot subscribe to bag format changes"),
        }
        cache.following.store(false, Ordering::Relaxed);
        cache.invalidate();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn subscribe(url: &str, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let client = redis::Client::open(url)?;
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
        .await
        .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))??;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}
