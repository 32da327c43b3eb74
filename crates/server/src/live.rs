//! Live events for dashboards. Each instance follows the shared `scan_event` and
//! `audit_log` tables (only committed rows, written by any instance) and fans
//! them out to its own SSE subscribers; nobody listening means no polling.
//!
//! Ids are taken in commit-independent order, so a row may become visible after
//! a higher id was already seen: the poller re-reads the last [`GAP`] ids and
//! remembers which of them it has sent.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tracetrack_api_types::events::{LiveBill, LiveScan};
use tracetrack_api_types::EventOutcome;
use tracetrack_db::diesel::PgConnection;

use crate::error::ApiResult;
use crate::state::AppState;

/// How often the tables are read while someone listens.
const POLL: Duration = Duration::from_millis(500);
/// Ids re-read behind the newest one, for rows that commit out of id order.
const GAP: i64 = 256;
/// Rows read per table and poll.
const LIMIT: i64 = 2_000;

/// One live event.
#[derive(Debug, Clone)]
pub enum Live {
    /// A scan event (its `refused` flag decides who may see it).
    Scan(LiveScan),
    Bill(LiveBill),
}

/// Fan-out to this instance's subscribers.
pub struct LiveHub {
    tx: broadcast::Sender<Arc<Live>>,
    /// Whether the poller follows the tables (it stops when nobody listens).
    following: watch::Sender<bool>,
}

impl Default for LiveHub {
    fn default() -> LiveHub {
        LiveHub {
            tx: broadcast::channel(4_096).0,
            following: watch::channel(false).0,
        }
    }
}

impl LiveHub {
    /// A new subscriber, once the poller follows the tables: every change
    /// committed after this returns is delivered (unless the wait timed out
    /// because the database is unreachable).
    pub async fn subscribe(&self) -> broadcast::Receiver<Arc<Live>> {
        let rx = self.tx.subscribe();
        let mut following = self.following.subscribe();
        let ready = following.wait_for(|f| *f);
        let _ = tokio::time::timeout(Duration::from_secs(3), ready).await;
        rx
    }
}

/// Where reading one table has got to.
#[derive(Debug)]
struct Follow {
    /// The head when following began: nothing at or below is sent.
    start: i64,
    /// The highest id sent.
    last: i64,
    /// Ids sent within the gap below `last`.
    seen: BTreeSet<i64>,
}

impl Follow {
    fn at(head: i64) -> Follow {
        Follow {
            start: head,
            last: head,
            seen: BTreeSet::new(),
        }
    }

    /// Read from above this id.
    fn floor(&self) -> i64 {
        (self.last - GAP).max(self.start)
    }

    /// Whether `id` is new (and remember it).
    fn fresh(&mut self, id: i64) -> bool {
        if id <= self.floor() || !self.seen.insert(id) {
            return false;
        }
        self.last = self.last.max(id);
        let floor = self.floor();
        self.seen = self.seen.split_off(&(floor + 1));
        true
    }
}

/// Both tables' positions.
struct Cursor {
    scans: Follow,
    bills: Follow,
}

/// Runs forever: polls while anyone on this instance listens.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cursor: Option<Cursor> = None;
    loop {
        tick.tick().await;
        if state.live.tx.receiver_count() == 0 {
            cursor = None;
            state.live.following.send_replace(false);
            continue;
        }
        let taken = cursor.take();
        match state.db(move |c| poll(c, taken)).await {
            Ok((next, events)) => {
                for e in events {
                    // An error only means every subscriber left meanwhile.
                    let _ = state.live.tx.send(Arc::new(e));
                }
                cursor = Some(next);
                state.live.following.send_replace(true);
            }
            Err(e) => tracing::warn!(error = %e, "live events: reading new rows failed"),
        }
    }
}

/// Reads what is new since `cursor` (or starts at the heads).
fn poll(c: &mut PgConnection, cursor: Option<Cursor>) -> ApiResult<(Cursor, Vec<Live>)> {
    let Some(mut cur) = cursor else {
        let (scans, audits) = tracetrack_db::live::heads(c)?;
        let cur = Cursor {
            scans: Follow::at(scans),
            bills: Follow::at(audits),
        };
        return Ok((cur, Vec::new()));
    };
    let mut out = Vec::new();
    for e in tracetrack_db::live::scans_after(c, cur.scans.floor(), LIMIT)? {
        if cur.scans.fresh(e.id) {
            let refused = e.refused;
            let outcome = match EventOutcome::read(refused, &e.outcome) {
                Ok(o) => o,
                Err(err) => {
                    // Skipped, not retried: the row will not change.
                    tracing::error!(id = e.id, error = %err, "live events: scan event with an unknown outcome");
                    continue;
                }
            };
            out.push(Live::Scan(LiveScan {
                id: e.id,
                kind: e.kind,
                qr_id: e.qr_id,
                parent_qr_id: e.parent_qr_id,
                bill_id: e.bill_id,
                outcome,
                refused,
                dispatch_area: e.dispatch_area,
                user_id: e.user_id,
                recorded_at: e.recorded_at,
            }));
        }
    }
    for (id, action, entity) in tracetrack_db::live::bill_changes_after(c, cur.bills.floor(), LIMIT)? {
        let bill_id = entity.and_then(|e| e.parse().ok());
        if let (true, Some(bill_id)) = (cur.bills.fresh(id), bill_id) {
            out.push(Live::Bill(LiveBill { bill_id, action }));
        }
    }
    Ok((cur, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_commits_inside_the_gap_are_sent_once_and_old_rows_never() {
        let mut f = Follow::at(100);
        assert!(!f.fresh(100), "at or below the head when following began");
        assert!(f.fresh(102));
        assert!(f.fresh(101), "committed after 102 but still new");
        assert!(!f.fresh(102), "sent already");
        assert!(f.fresh(100 + GAP + 50));
        assert!(!f.fresh(101), "fell out of the gap");
        assert!(f.seen.len() <= GAP as usize);
    }
}
