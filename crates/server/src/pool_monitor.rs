//! The connection-pool alarm (docs/operations.md, `POOL_*`): every
//! `POOL_CHECK_INTERVAL` the peak use of this instance's pool since the last check
//! (checked-out connections ÷ size, sampled at every checkout and at the check) and
//! the requests that found no connection in time give a level; admins are notified
//! (and `MAIL_ADMIN` mailed with `POOL_EMAIL_ALERTS`) when the level rises, or stays
//! raised past `POOL_ALERT_COOLDOWN` — one alarm per episode, not one per request.
//! The alarm is written over the dashboard's own pool, which the main pool's
//! exhaustion does not block.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracetrack_api_types::NotificationLevel;
use tracetrack_db::notifications::{notify_admins, Note};
use tracetrack_db::PgPool;

use crate::error::ApiResult;
use crate::state::AppState;

/// `POOL_*` settings.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub warning: f64,
    pub critical: f64,
    pub danger: f64,
    pub interval: Duration,
    pub cooldown: Duration,
    /// Also mail `MAIL_ADMIN`.
    pub mail: bool,
}

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Critical,
    Danger,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Critical => "critical",
            Level::Danger => "danger",
        }
    }

    fn notification(self) -> NotificationLevel {
        match self {
            Level::Warning => NotificationLevel::Warning,
            Level::Critical | Level::Danger => NotificationLevel::Error,
        }
    }
}

/// What one check saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Peak checked-out connections ÷ pool size since the last check.
    pub peak_use: f64,
    /// Requests that waited `POOL_TIMEOUT_MS` for a connection and gave up.
    pub timeouts: u64,
    pub size: u32,
}

impl Reading {
    /// The level of this reading, if any.
    pub fn level(&self, t: &Thresholds) -> Option<Level> {
        if self.timeouts > 0 || self.peak_use >= t.danger {
            Some(Level::Danger)
        } else if self.peak_use >= t.critical {
            Some(Level::Critical)
        } else if self.peak_use >= t.warning {
            Some(Level::Warning)
        } else {
            None
        }
    }
}

/// The counters of this instance's main pool, fed by every checkout.
#[derive(Debug, Default)]
pub struct PoolWatch {
    peak_in_use: AtomicU32,
    timeouts: AtomicU64,
    /// Checkouts waiting right now.
    waiting: AtomicI64,
    /// The last alarm raised: its level and when.
    last_alarm: Mutex<Option<(Level, Instant)>>,
}

impl PoolWatch {
    /// After a checkout from `pool`.
    pub fn checked_out(&self, pool: &PgPool) {
        let s = pool.state();
        self.peak_in_use
            .fetch_max(s.connections.saturating_sub(s.idle_connections), Ordering::Relaxed);
    }

    /// Runs a checkout, counted as waiting while it runs.
    pub fn waiting<T>(&self, checkout: impl FnOnce() -> T) -> T {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let result = checkout();
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        result
    }

    /// Checkouts waiting for a connection now.
    pub fn waiting_now(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// After a checkout that timed out.
    pub fn timed_out(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// The reading since the last one (which it ends).
    pub fn take(&self, pool: &PgPool) -> Reading {
        let s = pool.state();
        let now_in_use = s.connections.saturating_sub(s.idle_connections);
        let peak = self.peak_in_use.swap(now_in_use, Ordering::Relaxed).max(now_in_use);
        let size = pool.max_size().max(1);
        Reading {
            peak_use: f64::from(peak) / f64::from(size),
            timeouts: self.timeouts.swap(0, Ordering::Relaxed),
            size,
        }
    }

    /// Whether `level` is worth an alarm now: the first, a higher one, or the same
    /// episode past the cooldown. Records it when so.
    fn should_alarm(&self, level: Level, cooldown: Duration) -> bool {
        let mut last = self.last_alarm.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *last {
            None => true,
            Some((previous, at)) => level > previous || at.elapsed() >= cooldown,
        };
        if due {
            *last = Some((level, Instant::now()));
        }
        due
    }

    /// A check with no level ends the episode: the next alarm is raised at once.
    fn calm(&self) {
        *self.last_alarm.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Runs the checks forever on the actix runtime.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(state.config.pool_alarm.interval);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = check(&state).await {
            tracing::warn!(error = %e, "the pool alarm could not be raised");
        }
    }
}

/// One check: reads the counters and raises an alarm when due; returns its level.
pub async fn check(state: &AppState) -> ApiResult<Option<Level>> {
    let t = state.config.pool_alarm;
    let reading = state.pool_watch.take(&state.pool);
    let Some(level) = reading.level(&t) else {
        state.pool_watch.calm();
        return Ok(None);
    };
    if !state.pool_watch.should_alarm(level, t.cooldown) {
        return Ok(None);
    }
    let message = format!(
        "Database pool {} on {}: peak use {:.0}% of {} connections{} since the last check. \
         Requests wait for connections or fail with 503; raise POOL_SIZE, add an instance or \
         look for slow database work in System health.",
        level.name(),
        instance_name(),
        reading.peak_use * 100.0,
        reading.size,
        match reading.timeouts {
            0 => String::new(),
            n => format!(", {n} request(s) found none in time"),
        },
    );
    tracing::warn!(
        level = level.name(),
        peak_use = reading.peak_use,
        timeouts = reading.timeouts,
        "pool alarm"
    );
    let title = format!("Database pool {}", level.name());
    let mail_to = state.config.mail_admin.clone().filter(|_| t.mail);
    let mailed = mail_to.is_some();
    state
        .dashboard_db(move |c| {
            let note = Note {
                level: level.notification(),
                title: &title,
                message: &message,
                link: Some("/admin/health"),
            };
            notify_admins(c, note)?;
            if let Some(to) = mail_to {
                tracetrack_db::mail::queue_mail(c, &to, &format!("TraceTrack: {title}"), &message)?;
            }
            Ok(())
        })
        .await?;
    if mailed {
        crate::services::mailer::deliver_soon(state);
    }
    Ok(Some(level))
}

/// This instance, for the operators: host name and process id.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "this host".into());
    format!("{host} (pid {})", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds {
        Thresholds {
            warning: 0.7,
            critical: 0.85,
            danger: 0.95,
            interval: Duration::from_secs(30),
            cooldown: Duration::from_secs(300),
            mail: false,
        }
    }

    #[test]
    fn levels_follow_the_thresholds_and_timeouts_are_danger() {
        let r = |peak_use, timeouts| {
            Reading {
                peak_use,
                timeouts,
                size: 8,
            }
            .level(&t())
        };
        assert_eq!(r(0.5, 0), None);
        assert_eq!(r(0.75, 0), Some(Level::Warning));
        assert_eq!(r(0.875, 0), Some(Level::Critical));
        assert_eq!(r(1.0, 0), Some(Level::Danger));
        assert_eq!(r(0.1, 1), Some(Level::Danger));
    }

    #[test]
    fn one_alarm_per_episode_unless_it_gets_worse() {
        let w = PoolWatch::default();
        assert!(w.should_alarm(Level::Warning, Duration::from_secs(300)));
        assert!(!w.should_alarm(Level::Warning, Duration::from_secs(300)));
        assert!(w.should_alarm(Level::Danger, Duration::from_secs(300)), "worse");
        assert!(
            !w.should_alarm(Level::Critical, Duration::from_secs(300)),
            "better, same episode"
        );
        assert!(w.should_alarm(Level::Critical, Duration::ZERO), "past the cooldown");
        w.calm();
        assert!(
            w.should_alarm(Level::Warning, Duration::from_secs(300)),
            "a new episode"
        );
    }
}
