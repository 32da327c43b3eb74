//! Dashboard snapshots. Every open dashboard polls `GET /stats`, and the floor's scans
//! keep PostgreSQL's cores busy, so reading the counters per request would put the
//! dashboard's latency at the mercy of the scan rate. Each visibility scope (every
//! area, one area, none) keeps one snapshot here; [`run`] reads again the snapshots
//! of the scopes asked for in the last minute once they are `STATS_MAX_AGE_MS` old, so
//! a reader is served from memory a snapshot at most about 1.25 ages old and never
//! waits for the database. A scope
//! asked for the first time, or whose snapshot is older than [`STALE_LIMIT`] ages (the
//! reads keep failing: the database is away), is read by the request itself, which then
//! reports the failure. With an age of 0 every request reads the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracetrack_api_types::admin::Stats;
use tracetrack_domain::visibility::Visibility;

use crate::error::ApiResult;
use crate::services::stats::dashboard;
use crate::state::AppState;

/// How many ages a snapshot may reach while its reads fail before readers wait.
const STALE_LIMIT: u32 = 10;
/// A scope nobody asked for this long is no longer read in the background.
const FORGET_AFTER: Duration = Duration::from_secs(60);

struct Slot {
    stats: Arc<Stats>,
    /// When the read that produced `stats` started.
    read_at: Instant,
    asked_at: Instant,
}

/// One snapshot per scope; see the module documentation.
pub struct StatsCache {
    max_age: Duration,
    slots: Mutex<HashMap<Visibility, Slot>>,
}

impl StatsCache {
    pub fn new(max_age: Duration) -> StatsCache {
        StatsCache {
            max_age,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The counts `scope` may see, from its snapshot when there is a usable one.
    pub async fn get(&self, state: &AppState, scope: Visibility) -> ApiResult<Arc<Stats>> {
        if self.max_age.is_zero() {
            return read(state, scope).await;
        }
        if let Some(stats) = self.snapshot(&scope) {
            return Ok(stats);
        }
        let read_at = Instant::now();
        let stats = read(state, scope.clone()).await?;
        self.store(scope, stats.clone(), read_at);
        Ok(stats)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Visibility, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn snapshot(&self, scope: &Visibility) -> Option<Arc<Stats>> {
        let mut slots = self.lock();
        let slot = slots.get_mut(scope)?;
        slot.asked_at = Instant::now();
        (slot.read_at.elapsed() < self.max_age * STALE_LIMIT).then(|| slot.stats.clone())
    }

    /// Keeps `stats` unless a read that started later is already kept.
    fn store(&self, scope: Visibility, stats: Arc<Stats>, read_at: Instant) {
        let mut slots = self.lock();
        let asked_at = slots.get(&scope).map_or_else(Instant::now, |s| s.asked_at);
        if slots.get(&scope).is_none_or(|s| s.read_at <= read_at) {
            slots.insert(
                scope,
                Slot {
                    stats,
                    read_at,
                    asked_at,
                },
            );
        }
    }

    /// The scopes asked for lately whose snapshot has reached its age; scopes nobody
    /// asked for lately are dropped.
    fn due(&self) -> Vec<Visibility> {
        let mut slots = self.lock();
        slots.retain(|_, s| s.asked_at.elapsed() < FORGET_AFTER);
        slots
            .iter()
            .filter(|(_, s)| s.read_at.elapsed() >= self.max_age)
            .map(|(scope, _)| scope.clone())
            .collect()
    }
}

/// Reads again the snapshots that reached their age, looking four times an age
/// (nothing when the age is 0).
pub async fn run(state: AppState) {
    let cache = state.stats.clone();
    if cache.max_age.is_zero() {
        return;
    }
    let mut tick = tokio::time::interval((cache.max_age / 4).max(Duration::from_millis(20)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for scope in cache.due() {
            let read_at = Instant::now();
            match read(&state, scope.clone()).await {
                Ok(stats) => cache.store(scope, stats, read_at),
                Err(e) => tracing::debug!(error = %e, "reading the dashboard counts failed"),
            }
        }
    }
}

async fn read(state: &AppState, scope: Visibility) -> ApiResult<Arc<Stats>> {
    let tz = state.config.report_timezone;
    let stats = state.dashboard_db(move |c| dashboard(c, &scope, tz)).await?;
    Ok(Arc::new(stats))
}
