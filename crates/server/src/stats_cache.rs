//! Dashboard snapshots. Every open dashboard polls `GET /stats`, and the floor's scans
//! keep PostgreSQL's cores busy, so reading the counters per request would put the
//! dashboard's latency at the mercy of the scan rate. Each visibility scope (every
//! area, one area, none) keeps one snapshot here, at most `STATS_MAX_AGE_MS` old:
//! when it has aged, the next request starts one refresh in the background and is
//! served the snapshot it has, so no reader waits for the database. A snapshot older
//! than [`STALE_LIMIT`] times the age (the refresh keeps failing: the database is down)
//! is not served; the request reads itself and reports the failure. With an age of 0
//! every request reads the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracetrack_api_types::admin::Stats;
use tracetrack_domain::visibility::Visibility;

use crate::error::ApiResult;
use crate::services::stats::dashboard;
use crate::state::AppState;

/// How many ages a snapshot may reach while its refresh fails before readers wait.
const STALE_LIMIT: u32 = 10;

#[derive(Default)]
struct Slot {
    snapshot: Option<(Arc<Stats>, Instant)>,
    refreshing: bool,
}

/// One snapshot per scope; see the module documentation.
pub struct StatsCache {
    max_age: Duration,
    slots: Mutex<HashMap<Visibility, Slot>>,
}

enum Plan {
    Serve(Arc<Stats>),
    ServeAndRefresh(Arc<Stats>),
    Read,
}

impl StatsCache {
    pub fn new(max_age: Duration) -> StatsCache {
        StatsCache {
            max_age,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The counts `scope` may see, at most `max_age` old (see the module documentation).
    pub async fn get(&self, state: &AppState, scope: Visibility) -> ApiResult<Arc<Stats>> {
        if self.max_age.is_zero() {
            return read(state, scope).await;
        }
        match self.plan(&scope) {
            Plan::Serve(stats) => Ok(stats),
            Plan::ServeAndRefresh(stats) => {
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    let fresh = read(&state, scope.clone()).await;
                    state.stats.finish(scope, fresh.ok());
                });
                Ok(stats)
            }
            Plan::Read => {
                let stats = read(state, scope.clone()).await?;
                self.finish(scope, Some(stats.clone()));
                Ok(stats)
            }
        }
    }

    fn plan(&self, scope: &Visibility) -> Plan {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let slot = slots.entry(scope.clone()).or_default();
        let Some((stats, at)) = &slot.snapshot else {
            return Plan::Read;
        };
        let age = at.elapsed();
        if age < self.max_age {
            Plan::Serve(stats.clone())
        } else if age >= self.max_age * STALE_LIMIT {
            Plan::Read
        } else if slot.refreshing {
            Plan::Serve(stats.clone())
        } else {
            slot.refreshing = true;
            Plan::ServeAndRefresh(stats.clone())
        }
    }

    /// Stores a refresh's result (`None`: it failed; the next request tries again).
    fn finish(&self, scope: Visibility, fresh: Option<Arc<Stats>>) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let slot = slots.entry(scope).or_default();
        slot.refreshing = false;
        if let Some(stats) = fresh {
            let newer = slot.snapshot.as_ref().is_none_or(|(s, _)| s.as_of <= stats.as_of);
            if newer {
                slot.snapshot = Some((stats, Instant::now()));
            }
        }
    }
}

async fn read(state: &AppState, scope: Visibility) -> ApiResult<Arc<Stats>> {
    let tz = state.config.report_timezone;
    let stats = state.dashboard_db(move |c| dashboard(c, &scope, tz)).await?;
    Ok(Arc::new(stats))
}
