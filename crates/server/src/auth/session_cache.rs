//! Redis cache of live sessions, so an authenticated request costs no database
//! round trip, while revocation still takes effect at once on every instance.
//!
//! Each user has an epoch counter in Redis. A cached session carries the epoch
//! read *before* its database read, and is used only while the epoch is unchanged.
//! Every change that ends sessions or alters what a session may do (logout,
//! password change or reset, role/area/active change, deletion, revocation by an
//! admin, 2FA on/off, refresh-token reuse) bumps the epoch *after* its commit, so
//! no reader can cache the old state under the new epoch. Entries live
//! [`ENTRY_TTL`] seconds, which also bounds the session's `last_seen_at` lag.
//! Without Redis every request reads the database, as before.

use chrono::{DateTime, Utc};
use deadpool_redis::redis;
use serde::{Deserialize, Serialize};
use tracetrack_api_types::Role;
use uuid::Uuid;

use crate::redis::Redis;

/// Seconds a cached session is trusted without another database read.
pub const ENTRY_TTL: u64 = 60;
/// Epoch counters outlive every entry by far, so a counter that expires and
/// restarts at 0 can never meet an entry that was cached under an old 0.
const EPOCH_TTL: u64 = 7 * 24 * 3600;

/// What a request needs to know of its session and user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub dispatch_area: Option<String>,
    pub totp_enabled: bool,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl Snapshot {
    /// Neither past the absolute end nor idle for longer than `idle`.
    pub fn in_time(&self, idle: chrono::Duration) -> bool {
        let now = Utc::now();
        self.expires_at > now && self.last_seen_at + idle > now
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    epoch: u64,
    snapshot: Snapshot,
}

/// What a lookup found.
pub struct Lookup {
    /// The cached session, still valid for the user's current epoch.
    pub hit: Option<Snapshot>,
    /// The user's epoch, to store a fresh read under (`None` without Redis).
    pub epoch: Option<u64>,
}

/// The cache of one instance.
pub struct SessionCache {
    redis: Redis,
    prefix: String,
}

impl SessionCache {
    pub fn new(pool: Option<deadpool_redis::Pool>, prefix: String) -> SessionCache {
        SessionCache {
            redis: Redis::new(pool, "sessions are checked in the database on every request"),
            prefix,
        }
    }

    fn entry_key(&self, session: Uuid) -> String {
        format!("{}:sess:{session}", self.prefix)
    }

    fn epoch_key(&self, user: i64) -> String {
        format!("{}:sess-epoch:{user}", self.prefix)
    }

    /// One round trip: the cached session and the user's epoch.
    pub async fn lookup(&self, session: Uuid, user: i64) -> Lookup {
        let keys = [self.entry_key(session), self.epoch_key(user)];
        let found = self
            .redis
            .call(|mut conn| async move {
                let (entry, epoch): (Option<String>, Option<u64>) =
                    redis::cmd("MGET").arg(&keys).query_async(&mut conn).await.ok()?;
                Some((entry, epoch.unwrap_or(0)))
            })
            .await;
        let Some((entry, epoch)) = found else {
            return Lookup { hit: None, epoch: None };
        };
        let hit = entry
            .and_then(|text| serde_json::from_str::<Entry>(&text).ok())
            .filter(|e| e.epoch == epoch && e.snapshot.user_id == user)
            .map(|e| e.snapshot);
        Lookup {
            hit,
            epoch: Some(epoch),
        }
    }

    /// Caches a session just read from the database under the epoch read before it.
    pub async fn store(&self, session: Uuid, epoch: u64, snapshot: Snapshot) {
        let Ok(text) = serde_json::to_string(&Entry { epoch, snapshot }) else {
            return;
        };
        let key = self.entry_key(session);
        self.redis
            .call(|mut conn| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(text)
                    .arg("EX")
                    .arg(ENTRY_TTL)
                    .query_async::<()>(&mut conn)
                    .await
                    .ok()
            })
            .await;
    }

    /// Call after committing any change to a user's sessions, role, area,
    /// activity or 2FA: every instance re-reads that user's sessions.
    pub async fn changed(&self, user: i64) {
        let key = self.epoch_key(user);
        let bumped = self
            .redis
            .call(|mut conn| async move {
                redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .ignore()
                    .expire(&key, EPOCH_TTL as i64)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
                    .ok()
            })
            .await;
        if bumped.is_none() && self.redis.is_configured() {
            tracing::warn!(
                user,
                "could not invalidate cached sessions; they end within {ENTRY_TTL} s"
            );
        }
    }
}
