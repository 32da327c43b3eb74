//! What system health reports about this instance: server errors in the last hour
//! and the slowest recent database work (`SLOW_QUERY_MS`), kept in memory.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tracetrack_api_types::system::SlowQuery;

/// Errors older than this are forgotten.
const ERROR_WINDOW: Duration = Duration::from_secs(3600);
/// Bounds of the two lists.
const MAX_ERRORS: usize = 100_000;
const MAX_SLOW: usize = 50;

/// The in-memory health record of one instance.
pub struct Monitor {
    slow_ms: u64,
    errors: Mutex<VecDeque<Instant>>,
    slow: Mutex<VecDeque<SlowQuery>>,
}

impl Monitor {
    pub fn new(slow_ms: u64) -> Monitor {
        Monitor {
            slow_ms,
            errors: Mutex::new(VecDeque::new()),
            slow: Mutex::new(VecDeque::new()),
        }
    }

    /// The threshold of slow database work, in milliseconds.
    pub fn slow_ms(&self) -> u64 {
        self.slow_ms
    }

    /// Counts one answer with a 5xx status.
    pub fn server_error(&self) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut errors);
        if errors.len() < MAX_ERRORS {
            errors.push_back(Instant::now());
        }
    }

    /// 5xx answers in the last hour.
    pub fn errors_last_hour(&self) -> usize {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut errors);
        errors.len()
    }

    /// Records one piece of database work (a request's pooled-connection use) if slow.
    pub fn database_work(&self, took: Duration, request_id: String, route: Option<String>) {
        let ms = took.as_millis() as u64;
        if ms < self.slow_ms {
            return;
        }
        tracing::warn!(ms, request_id, route, "slow database work");
        let mut slow = self.slow.lock().unwrap_or_else(|e| e.into_inner());
        if slow.len() == MAX_SLOW {
            slow.pop_front();
        }
        let at: DateTime<Utc> = Utc::now();
        slow.push_back(SlowQuery {
            at,
            ms,
            request_id,
            route,
        });
    }

    /// The recent slow work, newest first.
    pub fn slow(&self) -> Vec<SlowQuery> {
        let slow = self.slow.lock().unwrap_or_else(|e| e.into_inner());
        slow.iter().rev().cloned().collect()
    }
}

fn prune(errors: &mut VecDeque<Instant>) {
    while errors.front().is_some_and(|t| t.elapsed() > ERROR_WINDOW) {
        errors.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_errors_and_keeps_the_newest_slow_work() {
        let m = Monitor::new(5);
        m.server_error();
        m.server_error();
        assert_eq!(m.errors_last_hour(), 2);
        m.database_work(Duration::from_millis(1), "fast".into(), None);
        for i in 0..60 {
            m.database_work(Duration::from_millis(10 + i), format!("r{i}"), Some("GET /x".into()));
        }
        let slow = m.slow();
        assert_eq!(slow.len(), MAX_SLOW);
        assert_eq!((slow[0].request_id.as_str(), slow[0].ms), ("r59", 69));
    }
}
