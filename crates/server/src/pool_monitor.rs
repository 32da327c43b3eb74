//! The connection-pool alarm (docs/operations.md, `POOL_*`): every
//! `POOL_CHECK_INTERVAL` the use of this instance's pool since the last check (the
//! time connections were held ÷ (the interval × the pool size): a burst of a few
//! milliseconds is not pressure, half a minute at 90 % is) and the requests that
//! found no connection in time give a level. Admins are notified (and `MAIL_ADMIN`
//! mailed with `POOL_EMAIL_ALERTS`) when the level rises above the last alarm's, or
//! once `POOL_ALERT_COOLDOWN` has passed since it — one alarm per episode, not one per
//! request, even when the pool flaps. The alarm is written over the dashboard's own
//! pool, which the main pool's exhaustion does not block, and counts as raised only
//! once it is written.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracetrack_api_types::NotificationLevel;
use tracetrack_db::notifications::{notify_admins, Note};

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
    /// Connection time held ÷ (time since the last check × pool size), at most 1.
    pub use_ratio: f64,
    /// Requests that waited `POOL_TIMEOUT_MS` for a connection and gave up.
    pub timeouts: u64,
    pub size: u32,
}

impl Reading {
    /// The level of this reading, if any.
    pub fn level(&self, t: &Thresholds) -> Option<Level> {
        if self.timeouts > 0 || self.use_ratio >= t.danger {
            Some(Level::Danger)
        } else if self.use_ratio >= t.critical {
            Some(Level::Critical)
        } else if self.use_ratio >= t.warning {
            Some(Level::Warning)
        } else {
            None
        }
    }
}

/// The counters of this instance's main pool, fed by every checkout.
#[derive(Debug)]
pub struct PoolWatch {
    /// Connection time held, in microseconds, since the last reading.
    busy_micros: AtomicU64,
    timeouts: AtomicU64,
    /// Checkouts waiting right now.
    waiting: AtomicI64,
    /// When the last reading was taken.
    last_reading: Mutex<Instant>,
    /// The last alarm raised: its level and when.
    last_alarm: Mutex<Option<(Level, Instant)>>,
}

impl Default for PoolWatch {
    fn default() -> Self {
        PoolWatch {
            busy_micros: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            waiting: AtomicI64::new(0),
            last_reading: Mutex::new(Instant::now()),
            last_alarm: Mutex::new(None),
        }
    }
}

impl PoolWatch {
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

    /// A connection was given back after being held for `held`.
    pub fn returned(&self, held: Duration) {
        let micros = u64::try_from(held.as_micros()).unwrap_or(u64::MAX);
        self.busy_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// After a checkout that timed out.
    pub fn timed_out(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// The reading since the last one (which it ends).
    pub fn take(&self, pool_size: u32) -> Reading {
        let elapsed = {
            let mut last = self.last_reading.lock().unwrap_or_else(|e| e.into_inner());
            let elapsed = last.elapsed();
            *last = Instant::now();
            elapsed
        };
        let busy = self.busy_micros.swap(0, Ordering::Relaxed) as f64;
        let size = pool_size.max(1);
        let capacity = elapsed.as_micros().max(1) as f64 * f64::from(size);
        Reading {
            use_ratio: (busy / capacity).min(1.0),
            timeouts: self.timeouts.swap(0, Ordering::Relaxed),
            size,
        }
    }

    /// Whether `level` is worth an alarm now: the first, one above the last alarm's,
    /// or any once the cooldown has passed since the last.
    fn alarm_due(&self, level: Level, cooldown: Duration) -> bool {
        match *self.last_alarm.lock().unwrap_or_else(|e| e.into_inner()) {
            None => true,
            Some((previous, at)) => level > previous || at.elapsed() >= cooldown,
        }
    }

    /// Records an alarm that was raised.
    fn alarm_raised(&self, level: Level) {
        *self.last_alarm.lock().unwrap_or_else(|e| e.into_inner()) = Some((level, Instant::now()));
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
    let reading = state.pool_watch.take(state.config.pool_size);
    let Some(level) = reading.level(&t) else {
        return Ok(None);
    };
    if !state.pool_watch.alarm_due(level, t.cooldown) {
        return Ok(None);
    }
    let message = format!(
        "Database pool {} on {}: {:.0}% of {} connections in use{} since the last check. \
         Requests wait for connections or fail with 503; raise POOL_SIZE, add an instance or \
         look for slow database work in System health.",
        level.name(),
        instance_name(),
        reading.use_ratio * 100.0,
        reading.size,
        match reading.timeouts {
            0 => String::new(),
            n => format!(", {n} request(s) found none in time"),
        },
    );
    tracing::warn!(
        level = level.name(),
        use_ratio = reading.use_ratio,
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
    state.pool_watch.alarm_raised(level);
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
        let r = |use_ratio, timeouts| {
            Reading {
                use_ratio,
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
    fn use_is_held_time_over_capacity() {
        let w = PoolWatch::default();
        std::thread::sleep(Duration::from_millis(100));
        // Two connections held 100 ms each, out of 4 × ~100 ms.
        w.returned(Duration::from_millis(100));
        w.returned(Duration::from_millis(100));
        let r = w.take(4);
        assert!((0.3..=0.5).contains(&r.use_ratio), "{r:?}");
        // A short burst is no pressure.
        std::thread::sleep(Duration::from_millis(100));
        w.returned(Duration::from_millis(2));
        assert!(w.take(4).use_ratio < 0.05);
    }

    #[test]
    fn one_alarm_per_cooldown_unless_it_gets_worse_even_when_flapping() {
        let w = PoolWatch::default();
        let cooldown = Duration::from_secs(300);
        assert!(w.alarm_due(Level::Warning, cooldown));
        w.alarm_raised(Level::Warning);
        assert!(!w.alarm_due(Level::Warning, cooldown), "the same episode");
        // A calm check in between changes nothing.
        assert!(!w.alarm_due(Level::Warning, cooldown), "flapping");
        assert!(w.alarm_due(Level::Danger, cooldown), "worse");
        w.alarm_raised(Level::Danger);
        assert!(!w.alarm_due(Level::Critical, cooldown), "better");
        assert!(w.alarm_due(Level::Critical, Duration::ZERO), "past the cooldown");
    }
}
